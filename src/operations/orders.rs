//! Orders: reads on `/portfolio/orders…`, writes on the V2 `/portfolio/events/orders…`.

use super::lookups::{is_same_order, outcome_unknown, refused_as_duplicate, unknown_create};
use super::settled::{amended_from, cancelled_from, last_change_ms, placed_from, shows_amend};
use super::{build_answer, list_operation, require_id};
use crate::client::CallKind;
use crate::filters::{OrderStatusFilter, UnixTime};
use crate::order_builders::{unix_now, AmendOrder, DecreaseOrder, NewOrder};
use crate::pagination::{List, Page};
use crate::types;
use crate::{Client, Error, Result};

list_operation! {
    /// Filters of [`Client::get_orders`].
    Orders => get_orders, response: types::GetOrdersResponse, item: types::Order, max_limit: 1000,
    into_page: |r| Page::new(r.orders, Some(r.cursor)),
    filters {
        /// Only this market.
        ticker: String,
        /// Only these events (comma-separated, up to 10).
        event_ticker: String,
        /// Only orders created at or after this time (Unix seconds or a
        /// `DateTime<Utc>`; see [`UnixTime`] on the boundary).
        min_ts: UnixTime,
        /// Only orders created at or before this time (see [`UnixTime`]).
        max_ts: UnixTime,
        /// Only orders with this status: `OrderStatus::Resting`, `Canceled` or
        /// `Executed` (or a newer status by its wire name).
        status: OrderStatusFilter,
        /// Only this subaccount.
        subaccount: i64,
        /// Only this exchange shard.
        exchange_index: i32,
    }
}

/// A request for the queue positions of resting orders; see
/// [`Client::get_queue_positions`].
#[derive(Clone, Debug)]
#[must_use = "call .send()"]
pub struct QueuePositions {
    client: Client,
    market_tickers: Vec<String>,
    event_ticker: Option<String>,
    subaccount: Option<i64>,
}

impl QueuePositions {
    /// Only orders in these markets.
    pub fn market_tickers<I, S>(mut self, tickers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.market_tickers
            .extend(tickers.into_iter().map(Into::into));
        self
    }

    /// Only orders in this event.
    pub fn event_ticker(mut self, event_ticker: impl Into<String>) -> Self {
        self.event_ticker = Some(event_ticker.into());
        self
    }

    /// Only this subaccount (0, the primary account, by default).
    pub fn subaccount(mut self, subaccount: i64) -> Self {
        self.subaccount = Some(subaccount);
        self
    }

    /// Fetch the queue positions.
    pub fn send(&self) -> Result<Vec<types::OrderQueuePosition>> {
        if let Some(bad) = self
            .market_tickers
            .iter()
            .find(|t| t.is_empty() || t.contains(','))
        {
            return Err(Error::invalid(
                "market_tickers",
                format!("{bad:?} is not a single market ticker"),
            ));
        }
        let market_tickers = Some(self.market_tickers.join(",")).filter(|t| !t.is_empty());
        let event_ticker = self.event_ticker.clone();
        let subaccount = self.subaccount;
        let response = self
            .client
            .call("get_queue_positions", CallKind::READ, move |raw| {
                let market_tickers = market_tickers.clone();
                let event_ticker = event_ticker.clone();
                async move {
                    let mut request = raw.get_order_queue_positions();
                    if let Some(tickers) = market_tickers {
                        request = request.market_tickers(tickers);
                    }
                    if let Some(event) = event_ticker {
                        request = request.event_ticker(event);
                    }
                    if let Some(subaccount) = subaccount {
                        request = request.subaccount(subaccount);
                    }
                    request.send().await
                }
            })?;
        Ok(response.queue_positions)
    }
}

impl Client {
    /// Orders, newest first (`GET /portfolio/orders`), as a paginated [`List`].
    pub fn get_orders(&self) -> List<Orders> {
        List::new(self.clone(), Orders::default())
    }

    /// One order (`GET /portfolio/orders/{order_id}`).
    pub fn get_order(&self, order_id: &str) -> Result<types::Order> {
        require_id("order_id", order_id)?;
        let id = order_id.to_string();
        let response = self.call("get_order", CallKind::READ, move |raw| {
            let id = id.clone();
            async move { raw.get_order().order_id(id).send().await }
        })?;
        Ok(response.order)
    }

    /// How many contracts are ahead of a resting order in its price level
    /// (`GET /portfolio/orders/{order_id}/queue_position`).
    pub fn get_order_queue_position(&self, order_id: &str) -> Result<crate::money::Count> {
        require_id("order_id", order_id)?;
        let id = order_id.to_string();
        let response = self.call("get_order_queue_position", CallKind::READ, move |raw| {
            let id = id.clone();
            async move { raw.get_order_queue_position().order_id(id).send().await }
        })?;
        Ok(response.queue_position_fp)
    }

    /// Queue positions of resting orders (`GET /portfolio/orders/queue_positions`).
    pub fn get_queue_positions(&self) -> QueuePositions {
        QueuePositions {
            client: self.clone(),
            market_tickers: Vec::new(),
            event_ticker: None,
            subaccount: None,
        }
    }

    /// Place an order (`POST /portfolio/events/orders`), after checking it.
    ///
    /// Safe to retry, and retried by the client's [`RetryPolicy`](crate::RetryPolicy):
    /// the order carries one `client_order_id` (yours, or a generated UUID) on every
    /// attempt, so the exchange cannot place it twice. When the outcome is unknown
    /// (a timeout, dropped connection or 5xx after sending, or any failure after a
    /// retry, e.g. "duplicate client order id" or a 429 following a lost answer) the
    /// client looks the order up and returns it if it exists; only if it cannot be
    /// found is the error returned, as [`Error::OutcomeUnknown`] carrying the
    /// `client_order_id` it used: pass it to [`Client::resolve_create`], or send the
    /// order again with that id (never without it: a fresh id is a new order).
    ///
    /// A first attempt refused because the `client_order_id` was used before (a
    /// duplicate) returns the order that has it when that order is this one (same
    /// market, side, price and count) and the market's recent orders show it: sending
    /// an order again with the id from an unknown outcome is therefore the safe way to
    /// retry by hand. An id reused for a different order is the refusal, as sent.
    ///
    /// The id is fixed only when you set it ([`NewOrder::client_order_id`]); otherwise
    /// each call generates one, so a template cloned for a ladder gives every order
    /// its own.
    pub fn create_order(&self, order: &NewOrder) -> Result<types::CreateOrderV2Response> {
        // Shared with the attempts rather than cloned for them: each attempt clones
        // it once (the generated builder takes it by value), and the error paths
        // read the id and ticker from here without copies of their own.
        let sent = std::sync::Arc::new(order.request_body("")?);
        let body = sent.clone();
        let submitted_at = unix_now();
        let result = self.call("create_order", CallKind::keyed_write(1), move |raw| {
            let body = types::CreateOrderV2Request::clone(&body);
            async move { raw.create_order_v2().body(body).send().await }
        });
        let client_order_id = || sent.client_order_id.clone().unwrap_or_default();
        let ticker = sent.ticker.as_str();
        match result {
            Ok(mut response) => {
                if response.client_order_id.is_none() {
                    response.client_order_id = Some(client_order_id());
                }
                Ok(response)
            }
            // A duplicate refusal on a first attempt means the id was used before: by
            // a request of an earlier call that executed late, when the caller
            // retries by hand with the id an error gave it. If that order is this
            // order, it is the answer; an id reused for a different order stays the
            // caller's error.
            Err(error) if refused_as_duplicate(&error) && !outcome_unknown(&error) => {
                let client_order_id = client_order_id();
                match self.find_order_by_client_order_id(ticker, &client_order_id) {
                    Ok(Some(order)) if is_same_order(&order, &sent) => placed_from(order),
                    _ => Err(error),
                }
            }
            Err(error) if outcome_unknown(&error) => {
                let client_order_id = client_order_id();
                tracing::warn!(
                    client_order_id = %client_order_id,
                    error = %error,
                    "order outcome unknown; looking it up"
                );
                match self.find_order(ticker, &client_order_id, submitted_at) {
                    Ok(Some(order)) => placed_from(order),
                    Ok(None) => Err(unknown_create(
                        "create_order",
                        vec![client_order_id],
                        submitted_at,
                        error,
                    )),
                    Err(lookup) => {
                        tracing::warn!(error = %lookup, "order lookup failed");
                        Err(unknown_create(
                            "create_order",
                            vec![client_order_id],
                            submitted_at,
                            error,
                        ))
                    }
                }
            }
            Err(error) => Err(error),
        }
    }

    /// Change the price, total count or expiry of a resting order
    /// (`POST /portfolio/events/orders/{order_id}/amend`).
    ///
    /// Retried like any keyed write. When the call fails after a retry or a lost
    /// answer (say a retry refused because the amend, applied by an earlier attempt,
    /// let the order fill completely), the order is read; if it now has the amend's
    /// price and total count (filled + remaining), and its new client order id and
    /// expiry if the amend set them, the call succeeds with the order's remaining
    /// count. Its `fill_count` and averages are then absent: the order record does not
    /// tell the fills the amend caused from earlier ones.
    ///
    /// Kalshi's answer carries the counts only when the amend filled or resized the
    /// order. After a retry, the answer without them is completed with the order's
    /// remaining count, since a lost earlier attempt may have resized it; `fill_count`
    /// and the averages are always the answering attempt's.
    pub fn amend_order(
        &self,
        order_id: &str,
        amend: &AmendOrder,
    ) -> Result<types::AmendOrderV2Response> {
        require_id("order_id", order_id)?;
        let body = amend.validate()?;
        let sent = body.clone();
        let id = order_id.to_string();
        // An amend states the order's new price and total count, so applying it twice
        // leaves the same order: safe to repeat.
        let result = self.call_counted("amend_order", CallKind::keyed_write(1), move |raw| {
            let (id, body) = (id.clone(), body.clone());
            async move { raw.amend_order_v2().order_id(id).body(body).send().await }
        });
        match result {
            Ok((amended, 1)) => Ok(amended),
            // Kalshi leaves the counts out when an amend neither fills nor resizes the
            // order, which is what a retry repeating an applied amend does: the
            // remaining count the caller needs is then the order's.
            Ok((mut amended, attempts)) => {
                warn_late_copy("amend_order", order_id, attempts);
                if amended.remaining_count.is_none() {
                    if let Ok(order) = self.get_order(order_id) {
                        amended.remaining_count = Some(order.remaining_count_fp);
                    }
                }
                Ok(amended)
            }
            Err(error) if outcome_unknown(&error) => match self.get_order(order_id) {
                Ok(order) if shows_amend(&order, &sent) => amended_from(order),
                _ => Err(error),
            },
            Err(error) => Err(error),
        }
    }

    /// Shrink a resting order (`POST /portfolio/events/orders/{order_id}/decrease`).
    pub fn decrease_order(
        &self,
        order_id: &str,
        decrease: &DecreaseOrder,
    ) -> Result<types::DecreaseOrderV2Response> {
        require_id("order_id", order_id)?;
        let body = decrease.validate()?;
        let id = order_id.to_string();
        // `reduce_to` states the result and is safe to repeat; `reduce_by` would shrink
        // the order again, so it is retried only when nothing happened.
        let kind = if body.reduce_to.is_some() {
            CallKind::keyed_write(1)
        } else {
            CallKind::UNKEYED_WRITE
        };
        let target = body.reduce_to;
        let result = self
            .call_counted("decrease_order", kind, move |raw| {
                let (id, body) = (id.clone(), body.clone());
                async move { raw.decrease_order_v2().order_id(id).body(body).send().await }
            })
            .map(|(decreased, attempts)| {
                // A reduce_by is retried only when nothing happened: no copy in flight.
                if target.is_some() {
                    warn_late_copy("decrease_order", order_id, attempts);
                }
                decreased
            });
        match (result, target) {
            // A failure after a retry or a lost answer: an attempt may have applied
            // it. If the order now rests at the target, one did, and this is success.
            (Err(error), Some(target)) if outcome_unknown(&error) => {
                match self.get_order(order_id) {
                    Ok(order) if order.remaining_count_fp == target => build_answer(
                        types::builder::DecreaseOrderV2Response::default()
                            .ts_ms(last_change_ms(&order))
                            .remaining_count(order.remaining_count_fp)
                            .client_order_id(order.client_order_id)
                            .order_id(order.order_id),
                    ),
                    _ => Err(error),
                }
            }
            (result, _) => result,
        }
    }

    /// Cancel a resting order (`DELETE /portfolio/events/orders/{order_id}`).
    ///
    /// Retried like any keyed write. When the call fails after a retry or a lost
    /// answer (say a retry refused because an earlier attempt already cancelled the
    /// order), the order is read; if it is now cancelled, the call succeeds, with
    /// `reduced_by` the order's unfilled count (initial − filled), since the lost
    /// answer cannot be recovered.
    pub fn cancel_order(&self, order_id: &str) -> Result<types::CancelOrderV2Response> {
        require_id("order_id", order_id)?;
        let id = order_id.to_string();
        let result = self.call("cancel_order", CallKind::keyed_write(1), move |raw| {
            let id = id.clone();
            async move { raw.cancel_order_v2().order_id(id).send().await }
        });
        match result {
            Err(error) if outcome_unknown(&error) => match self.get_order(order_id) {
                Ok(order) if order.status == types::OrderStatus::Canceled => cancelled_from(order),
                _ => Err(error),
            },
            result => result,
        }
    }

    /// Cancel every resting order of the account (`DELETE /portfolio/events/orders`).
    pub fn cancel_all_orders(&self) -> Result<()> {
        self.call(
            "cancel_all_orders",
            CallKind::keyed_write(1),
            |raw| async move { raw.cancel_all_orders().send().await },
        )
        .map(drop)
    }
}

/// A write that succeeded on a retry may have left an earlier attempt in flight, which
/// the exchange can still execute. An amend or `reduce_to` states its end state, so
/// such a copy changes nothing, unless the order is changed again before it lands: it
/// then restores this write's state. Nothing in the answer can say so (the generated
/// answer types have no room for it), so the client says it here.
fn warn_late_copy(operation: &'static str, order_id: &str, attempts: u32) {
    if attempts > 1 {
        tracing::warn!(
            operation,
            order_id,
            attempts,
            "succeeded on a retry: an earlier attempt may still execute late and undo a \
             later change of this order"
        );
    }
}
