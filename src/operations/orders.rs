//! Orders: reads on `/portfolio/orders…`, writes on the V2 `/portfolio/events/orders…`.

use super::{list_operation, require_id};
use crate::order_builders::{AmendOrder, DecreaseOrder, NewOrder};
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
        /// Only orders created after this Unix time (seconds).
        min_ts: i64,
        /// Only orders created before this Unix time (seconds).
        max_ts: i64,
        /// Only orders with this status: `resting`, `canceled` or `executed`.
        status: String,
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
            .raw("get_order_queue_positions", |raw| async move {
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
        let response = self.raw("get_order", |raw| async move {
            raw.get_order().order_id(id).send().await
        })?;
        Ok(response.order)
    }

    /// How many contracts are ahead of a resting order in its price level
    /// (`GET /portfolio/orders/{order_id}/queue_position`).
    pub fn get_order_queue_position(&self, order_id: &str) -> Result<crate::money::Count> {
        require_id("order_id", order_id)?;
        let id = order_id.to_string();
        let response = self.raw("get_order_queue_position", |raw| async move {
            raw.get_order_queue_position().order_id(id).send().await
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
    /// The order carries a `client_order_id` (yours, or a generated UUID) that is
    /// reported back in the response.
    pub fn create_order(&self, order: &NewOrder) -> Result<types::CreateOrderV2Response> {
        let body = order.validate("")?;
        let client_order_id = body.client_order_id.clone();
        let mut response = self.raw("create_order_v2", |raw| async move {
            raw.create_order_v2().body(body).send().await
        })?;
        if response.client_order_id.is_none() {
            response.client_order_id = client_order_id;
        }
        Ok(response)
    }

    /// Place several orders in one request (`POST /portfolio/events/orders/batched`).
    ///
    /// Every order is checked first; one bad order fails the call before sending, with
    /// the field named as `orders[i].field`. Kalshi answers per order: an item whose
    /// `error` is set was not placed.
    pub fn batch_create_orders(
        &self,
        orders: &[NewOrder],
    ) -> Result<Vec<types::BatchCreateOrdersV2ResponseOrdersItem>> {
        self.check_batch_size(orders.len())?;
        let orders = orders
            .iter()
            .enumerate()
            .map(|(i, order)| order.validate(&format!("orders[{i}].")))
            .collect::<Result<Vec<_>>>()?;
        let mut seen = std::collections::HashSet::new();
        for (i, order) in orders.iter().enumerate() {
            if let Some(id) = &order.client_order_id {
                if !seen.insert(id.clone()) {
                    return Err(Error::invalid(
                        format!("orders[{i}].client_order_id"),
                        format!("{id:?} is used twice in this batch"),
                    ));
                }
            }
        }
        let response = self.raw("batch_create_orders_v2", |raw| async move {
            raw.batch_create_orders_v2()
                .body(types::BatchCreateOrdersV2Request { orders })
                .send()
                .await
        })?;
        Ok(response.orders)
    }

    /// Change the price, total count or expiry of a resting order
    /// (`POST /portfolio/events/orders/{order_id}/amend`).
    pub fn amend_order(
        &self,
        order_id: &str,
        amend: &AmendOrder,
    ) -> Result<types::AmendOrderV2Response> {
        require_id("order_id", order_id)?;
        let body = amend.validate()?;
        let id = order_id.to_string();
        self.raw("amend_order_v2", |raw| async move {
            raw.amend_order_v2().order_id(id).body(body).send().await
        })
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
        self.raw("decrease_order_v2", |raw| async move {
            raw.decrease_order_v2().order_id(id).body(body).send().await
        })
    }

    /// Cancel a resting order (`DELETE /portfolio/events/orders/{order_id}`).
    pub fn cancel_order(&self, order_id: &str) -> Result<types::CancelOrderV2Response> {
        require_id("order_id", order_id)?;
        let id = order_id.to_string();
        self.raw("cancel_order_v2", |raw| async move {
            raw.cancel_order_v2().order_id(id).send().await
        })
    }

    /// Cancel several orders in one request
    /// (`DELETE /portfolio/events/orders/batched`). Kalshi answers per order.
    pub fn batch_cancel_orders<I, S>(
        &self,
        order_ids: I,
    ) -> Result<Vec<types::BatchCancelOrdersV2ResponseOrdersItem>>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let ids: Vec<String> = order_ids.into_iter().map(Into::into).collect();
        self.check_batch_size(ids.len())?;
        let mut seen = std::collections::HashSet::new();
        for (i, id) in ids.iter().enumerate() {
            require_id(&format!("orders[{i}].order_id"), id)?;
            if !seen.insert(id.as_str()) {
                return Err(Error::invalid(
                    format!("orders[{i}].order_id"),
                    format!("{id:?} is listed twice"),
                ));
            }
        }
        let orders = ids
            .into_iter()
            .map(|order_id| types::BatchCancelOrdersV2RequestOrdersItem {
                order_id,
                exchange_index: None,
                market_ticker: None,
                subaccount: None,
            })
            .collect();
        let response = self.raw("batch_cancel_orders_v2", |raw| async move {
            raw.batch_cancel_orders_v2()
                .body(types::BatchCancelOrdersV2Request { orders })
                .send()
                .await
        })?;
        Ok(response.orders)
    }

    /// Cancel every resting order of the account (`DELETE /portfolio/events/orders`).
    pub fn cancel_all_orders(&self) -> Result<()> {
        self.raw("cancel_all_orders", |raw| async move {
            raw.cancel_all_orders().send().await
        })
        .map(drop)
    }

    fn check_batch_size(&self, len: usize) -> Result<()> {
        let max = self.max_batch_size();
        if len == 0 {
            Err(Error::invalid("orders", "a batch needs at least one order"))
        } else if len > max {
            Err(Error::invalid(
                "orders",
                format!("{len} orders exceed the batch limit of {max}"),
            ))
        } else {
            Ok(())
        }
    }
}
