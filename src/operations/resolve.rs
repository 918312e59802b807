//! Resolving a create whose outcome is unknown, after the call that made it returned.
//!
//! A create that times out may still be executed by the exchange later, after the
//! client's own lookup found nothing; and the natural thing for a script to do next,
//! calling `create_order(&order)` again, would place a second order if the builder
//! generated a fresh `client_order_id`. The safe recipe is to send the order again
//! with the *same* id: the exchange refuses a second order with an id it has seen, so
//! whichever of the two requests arrives second is refused, and the refusal means the
//! order exists. [`Client::resolve_create`] does exactly that, and waits a bounded
//! time for an order the refusal proves to show up in the order list.

use std::time::{Duration, Instant};

use super::lookups::{refused_as_duplicate, unknown_create};
use super::require_id;
use super::settled::placed_from;
use crate::order_builders::{unix_now, NewOrder};
use crate::types;
use crate::{Client, Error, Result};

/// How long [`Client::resolve_create`] waits for an order the exchange says exists
/// (it refused the same `client_order_id`) to appear in the order list.
pub const DEFAULT_RESOLVE_GRACE: Duration = Duration::from_secs(10);

/// The pause between order-list reads while waiting.
const RESOLVE_POLL: Duration = Duration::from_millis(500);

/// Orders of the market that [`Client::find_order_by_client_order_id`] reads at most,
/// newest first.
const FIND_MAX_ORDERS: u64 = 2_000;

impl Client {
    /// The order of market `ticker` with this `client_order_id`, if it is among the
    /// market's 2,000 newest orders (read newest first, 200 a page).
    pub fn find_order_by_client_order_id(
        &self,
        ticker: &str,
        client_order_id: &str,
    ) -> Result<Option<types::Order>> {
        require_id("ticker", ticker)?;
        require_id("client_order_id", client_order_id)?;
        let orders = self
            .get_orders()
            .ticker(ticker)
            .limit(200)
            .max_pages(usize::try_from(FIND_MAX_ORDERS / 200).unwrap_or(usize::MAX));
        for order in orders.iter() {
            let order = order?;
            if order.client_order_id == client_order_id {
                return Ok(Some(order));
            }
        }
        Ok(None)
    }

    /// Settle a create that failed with [`Error::OutcomeUnknown`]: return the order if
    /// it exists, or place it now, never twice. Waits up to
    /// [`DEFAULT_RESOLVE_GRACE`]; see [`Client::resolve_create_within`].
    ///
    /// ```no_run
    /// # fn main() -> kalshi_portfolio::Result<()> {
    /// use kalshi_portfolio::{Error, NewOrder};
    /// let client = kalshi_portfolio::Client::from_env()?;
    /// let order = NewOrder::new("KXHIGHNY-25NOV26-T60").buy_yes().price("0.56").count(10);
    /// let placed = match client.create_order(&order) {
    ///     Err(error @ Error::OutcomeUnknown { .. }) => client.resolve_create(&order, &error)?,
    ///     other => other?,
    /// };
    /// println!("placed once: {}", placed.order_id);
    /// # Ok(()) }
    /// ```
    pub fn resolve_create(
        &self,
        order: &NewOrder,
        error: &Error,
    ) -> Result<types::CreateOrderV2Response> {
        self.resolve_create_within(order, error, DEFAULT_RESOLVE_GRACE)
    }

    /// [`Client::resolve_create`] with its own grace period.
    ///
    /// 1. Look the order up by the `client_order_id` the error carries; if it is
    ///    there, return it.
    /// 2. Otherwise send `order` again with that same id. If it is placed now, return
    ///    it: should the lost request still execute later, the exchange refuses it as
    ///    a duplicate.
    /// 3. If the exchange refuses the id as a duplicate, the lost request did execute
    ///    (or is executing): read the order list until it shows the order, for at most
    ///    `grace`, and return it.
    ///
    /// For a batch's error, set the order's id to the one of
    /// [`Error::client_order_ids`] it was sent with. Fails with
    /// [`Error::InvalidRequest`] when the error names no id for this order, and with
    /// [`Error::OutcomeUnknown`] again when the grace passes with the order refused
    /// but not yet listed.
    pub fn resolve_create_within(
        &self,
        order: &NewOrder,
        error: &Error,
        grace: Duration,
    ) -> Result<types::CreateOrderV2Response> {
        let (id, since) = resolvable_id(order, error)?;
        let order = order.clone().client_order_id(id.clone());
        let ticker = order.request_body("")?.ticker;
        if let Some(found) = self.find_order(&ticker, &id, since)? {
            return placed_from(found);
        }
        let refusal = match self.create_order(&order) {
            Ok(placed) => return Ok(placed),
            Err(error) if refused_as_duplicate(&error) => error,
            Err(error) => return Err(error),
        };
        tracing::warn!(
            client_order_id = %id,
            "the exchange refused the id as a duplicate; waiting for the order to show"
        );
        let deadline = Instant::now() + grace;
        loop {
            if let Some(found) = self.find_order(&ticker, &id, since)? {
                return placed_from(found);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(unknown_create("create_order", vec![id], since, refusal));
            }
            std::thread::sleep(RESOLVE_POLL.min(deadline - now));
        }
    }
}

/// The id to resolve `order` by, and where a lookup starts.
fn resolvable_id(order: &NewOrder, error: &Error) -> Result<(String, i64)> {
    let (ids, since) = match error {
        Error::OutcomeUnknown {
            client_order_ids,
            submitted_at,
            ..
        } => (client_order_ids.as_slice(), *submitted_at),
        _ => {
            return Err(Error::invalid(
                "error",
                "only an Error::OutcomeUnknown from a create can be resolved",
            ))
        }
    };
    let own = order.fixed_client_order_id();
    let id = match (own, ids) {
        (Some(own), ids) if ids.iter().any(|id| id == own) => own.to_string(),
        (Some(own), _) => {
            return Err(Error::invalid(
                "client_order_id",
                format!("{own:?} is not one of the ids the failed call sent"),
            ))
        }
        (None, [only]) => only.clone(),
        (None, _) => {
            return Err(Error::invalid(
                "client_order_id",
                "the failed call sent several orders: set this order's client_order_id to \
                 the one of error.client_order_ids() it was sent with",
            ))
        }
    };
    Ok((id, since.min(unix_now())))
}
