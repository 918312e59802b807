//! Settling a write whose outcome is unknown: when it is, and how the orders are found.

use std::collections::{HashMap, HashSet};

use crate::types;
use crate::{Client, Error, Result};

impl Client {
    /// Find the order with this client order id among the market's orders created
    /// since shortly before `since` (Unix seconds).
    pub(super) fn find_order(
        &self,
        ticker: &str,
        client_order_id: &str,
        since: i64,
    ) -> Result<Option<types::Order>> {
        let wanted = HashSet::from([client_order_id]);
        Ok(self
            .find_orders(ticker, &wanted, since)?
            .remove(client_order_id))
    }

    /// Find the orders with these client order ids among the market's orders created
    /// since shortly before `since`, in one walk of the market's orders.
    pub(super) fn find_orders(
        &self,
        ticker: &str,
        client_order_ids: &HashSet<&str>,
        since: i64,
    ) -> Result<HashMap<String, types::Order>> {
        let orders = self
            .get_orders()
            .ticker(ticker)
            .min_ts(since - ORDER_LOOKUP_SLACK_SECONDS)
            .limit(200)
            .max_pages(ORDER_LOOKUP_MAX_PAGES);
        let mut found = HashMap::new();
        for order in orders.iter() {
            let order = order?;
            if client_order_ids.contains(order.client_order_id.as_str()) {
                found.insert(order.client_order_id.clone(), order);
                if found.len() == client_order_ids.len() {
                    break;
                }
            }
        }
        Ok(found)
    }

    /// Look up the orders of a batch whose outcome is unknown, by market.
    pub(super) fn find_batch(
        &self,
        keys: &[(String, String)],
        since: i64,
    ) -> Result<HashMap<String, types::Order>> {
        let mut by_ticker: HashMap<&str, HashSet<&str>> = HashMap::new();
        for (ticker, id) in keys {
            by_ticker.entry(ticker).or_default().insert(id);
        }
        let mut found = HashMap::new();
        for (ticker, ids) in by_ticker {
            found.extend(self.find_orders(ticker, &ids, since)?);
        }
        Ok(found)
    }
}

/// How far before the call the order lookup searches, to absorb clock skew between this
/// machine and the exchange.
pub(super) const ORDER_LOOKUP_SLACK_SECONDS: i64 = 300;
/// Pages of 200 orders the lookup reads at most before concluding the order is absent.
pub(super) const ORDER_LOOKUP_MAX_PAGES: usize = 10;

/// Whether a failed write may nevertheless have been applied: the request may have
/// reached the exchange and the answer was lost or could not be read, or the call was
/// retried. An attempt is only retried after a 429 (nothing applied) or after a
/// failure whose answer was lost, and the last error does not say which: an earlier
/// attempt may have placed or cancelled the order even when the last one was refused
/// (as a duplicate, as not resting), rate limited, or failed otherwise. A lookup
/// settles it.
///
/// An answer that arrived but cannot be trusted is as good as lost: a 2xx this
/// operation does not declare or whose body does not decode, a redirect (the server
/// that sent it received the request), or a body over the size limit.
pub(super) fn outcome_unknown(error: &Error) -> bool {
    let last = error.last();
    let retried = error.attempts() > 1;
    let lost_answer = match last {
        Error::Timeout {
            may_have_reached_exchange,
            ..
        }
        | Error::Transport {
            may_have_reached_exchange,
            ..
        } => *may_have_reached_exchange,
        Error::Api(api) => api.status >= 500,
        Error::Decode { .. } | Error::Redirect { .. } | Error::ResponseTooLarge { .. } => true,
        _ => false,
    };
    retried || lost_answer
}

/// The error of a create whose outcome stays unknown after the lookup: `error`, with
/// the ids the call used so the caller can resolve it.
pub(super) fn unknown_create(
    operation: &'static str,
    client_order_ids: Vec<String>,
    submitted_at: i64,
    error: Error,
) -> Error {
    Error::OutcomeUnknown {
        operation,
        client_order_ids,
        submitted_at,
        last: Box::new(error),
    }
}

/// Whether the exchange refused a create because it has an order with that
/// `client_order_id` already (409, or a code naming a duplicate): the order exists,
/// placed by an earlier request (a lost attempt, or the caller's own earlier call).
pub(super) fn refused_as_duplicate(error: &Error) -> bool {
    error.api().is_some_and(|api| {
        api.status == 409
            || api
                .code
                .as_deref()
                .is_some_and(|code| code.contains("duplicate"))
    })
}

/// Whether an order found by its `client_order_id` is the order `request` asks for:
/// same market, YES-book side and price, and count as first placed.
pub(super) fn is_same_order(order: &types::Order, request: &types::CreateOrderV2Request) -> bool {
    order.ticker == request.ticker
        && order.book_side == request.side
        && order.yes_price_dollars == request.price
        && order.initial_count_fp == request.count
}
