//! Cancel every resting order of a market, of an event, or of the account, and see
//! first what that would cancel.

use crate::types;
use crate::{Client, Error, Result};

/// Which resting orders [`CancelOrders`] cancels.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Scope {
    Ticker(String),
    Event(String),
    All,
}

/// A request to cancel the resting orders that match a filter; see
/// [`Client::cancel_orders`].
#[derive(Clone, Debug)]
#[must_use = "call .send(), or .dry_run() to see what it would cancel"]
pub struct CancelOrders {
    client: Client,
    scopes: Vec<Scope>,
}

impl CancelOrders {
    /// Only the resting orders in this market.
    pub fn ticker(mut self, ticker: impl Into<String>) -> Self {
        self.scopes.push(Scope::Ticker(ticker.into()));
        self
    }

    /// Only the resting orders in this event's markets.
    pub fn event_ticker(mut self, event_ticker: impl Into<String>) -> Self {
        self.scopes.push(Scope::Event(event_ticker.into()));
        self
    }

    /// Every resting order of the account. Must be asked for: a filter forgotten is
    /// not "all".
    pub fn all(mut self) -> Self {
        self.scopes.push(Scope::All);
        self
    }

    fn scope(&self) -> Result<&Scope> {
        let scope = match self.scopes.as_slice() {
            [scope] => scope,
            [] => {
                return Err(Error::invalid(
                    "cancel_orders",
                    "choose which orders: .ticker(..), .event_ticker(..) or .all()",
                ))
            }
            _ => {
                return Err(Error::invalid(
                    "cancel_orders",
                    "choose one of .ticker(..), .event_ticker(..) and .all(), once",
                ))
            }
        };
        match scope {
            Scope::Ticker(text) | Scope::Event(text)
                if text.trim().is_empty() || text.contains(',') =>
            {
                Err(Error::invalid(
                    "cancel_orders",
                    format!("{text:?} is not a single ticker"),
                ))
            }
            scope => Ok(scope),
        }
    }

    /// The resting orders [`CancelOrders::send`] would cancel now, read from the
    /// exchange; nothing is cancelled.
    pub fn dry_run(&self) -> Result<Vec<types::Order>> {
        let orders = self.client.get_orders().status(types::OrderStatus::Resting);
        let orders = match self.scope()? {
            Scope::Ticker(ticker) => orders.ticker(ticker.clone()),
            Scope::Event(event) => orders.event_ticker(event.clone()),
            Scope::All => orders,
        };
        orders.limit(1000).iter().collect()
    }

    /// Cancel the matching resting orders: read them as [`CancelOrders::dry_run`]
    /// does, then cancel them with [`Client::batch_cancel_orders`] (in requests of
    /// [`Client::max_batch_size`], not atomic). One item per order; an order that
    /// filled or was cancelled between the read and the cancel comes back with
    /// Kalshi's error for it. Nothing to cancel is an empty list, not an error.
    pub fn send(&self) -> Result<Vec<types::BatchCancelOrdersV2ResponseOrdersItem>> {
        let ids: Vec<String> = self
            .dry_run()?
            .into_iter()
            .map(|order| order.order_id)
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.client.batch_cancel_orders(&ids)
    }
}

impl Client {
    /// Cancel the resting orders of one market, one event, or the whole account, with
    /// a dry run that lists them first.
    ///
    /// ```no_run
    /// # fn main() -> kalshi_portfolio::Result<()> {
    /// let client = kalshi_portfolio::Client::from_env()?;
    /// let would = client.cancel_orders().event_ticker("KXHIGHNY-25NOV26").dry_run()?;
    /// println!("{} orders would be cancelled", would.len());
    /// for item in client.cancel_orders().event_ticker("KXHIGHNY-25NOV26").send()? {
    ///     println!("{}: {:?}", item.order_id, item.error.map(|e| e.message));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn cancel_orders(&self) -> CancelOrders {
        CancelOrders {
            client: self.clone(),
            scopes: Vec::new(),
        }
    }
}
