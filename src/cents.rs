//! The integer-cent fields Kalshi still sends, as [`Dollars`].
//!
//! Kalshi moved its answers to `*_dollars` strings in 2026 but kept a few amounts in
//! whole cents (`i64`): a balance's `balance` and `portfolio_value`, a settlement's
//! `revenue` and `value`, and the total resting order value. Beside `*_dollars`
//! fields of the same answer they are easy to misread, so each has an accessor that
//! says its unit and returns exact [`Dollars`]. The generated fields stay as they
//! are, since they are what Kalshi sends.

use crate::money::Dollars;
use crate::types;

/// Cents to dollars; `None` only beyond ±92 trillion dollars.
fn dollars(cents: i64) -> Option<Dollars> {
    Dollars::from_cents(cents)
}

impl types::GetBalanceResponse {
    /// `portfolio_value` (cents) in dollars: the value of the open positions.
    pub fn portfolio_value_dollars(&self) -> Option<Dollars> {
        dollars(self.portfolio_value)
    }

    /// `balance` (cents) in dollars; the same amount as `balance_dollars`, which
    /// Kalshi sends too and which keeps sub-cent precision.
    pub fn balance_cents_in_dollars(&self) -> Option<Dollars> {
        dollars(self.balance)
    }
}

impl types::Settlement {
    /// `revenue` (cents) in dollars: what the settlement paid out.
    pub fn revenue_dollars(&self) -> Option<Dollars> {
        dollars(self.revenue)
    }

    /// `value` (cents) in dollars: what one YES contract settled at, when Kalshi says.
    pub fn value_dollars(&self) -> Option<Dollars> {
        self.value.and_then(dollars)
    }
}

impl types::GetPortfolioRestingOrderTotalValueResponse {
    /// `total_resting_order_value` (cents) in dollars.
    pub fn total_resting_order_value_dollars(&self) -> Option<Dollars> {
        dollars(self.total_resting_order_value)
    }
}
