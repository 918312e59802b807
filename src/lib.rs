//! A blocking client for the Portfolio part of Kalshi's Trade API v2: orders, order
//! groups, balance, fills, positions, settlements and queue positions.
//!
//! ```no_run
//! use kalshi_portfolio::{Client, Environment, NewOrder};
//!
//! # fn main() -> kalshi_portfolio::Result<()> {
//! let client = Client::builder()
//!     .environment(Environment::Demo)
//!     .api_key_id("your-key-id")
//!     .private_key_file("kalshi-demo.pem")
//!     .build()?;
//! let balance = client.get_balance()?;
//! println!("balance: {} (portfolio value {}¢)", balance.balance_dollars, balance.portfolio_value);
//!
//! for fill in client.get_fills().limit(200).iter() {
//!     let fill = fill?;
//!     println!("{} {} {} @ {}", fill.ticker, fill.book_side, fill.count_fp, fill.yes_price_dollars);
//! }
//!
//! let placed = client.create_order(&NewOrder::new("KXHIGHNY-25NOV26-T60").buy_yes().price("0.56").count(10))?;
//! println!("order {}", placed.order_id);
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! * [`types`] and the async client behind [`Client::raw`] are generated at build time
//!   from the vendored spec (`openapi/portfolio.yaml`); nothing in them is handwritten.
//! * The rest is the handwritten facade: [`Client`] (blocking, signing every request,
//!   retrying only what cannot act twice: [`RetryPolicy`], [`RateLimit`]), the 20
//!   operations in [`operations`], [`pagination`], the validating [`order_builders`],
//!   exact [`money`], one [`Error`], and [`crypto`], the one place that names the
//!   crypto library.
//! * With the `sandbox` feature, `sandbox` is an offline imitation of the exchange for
//!   tests and for trying scripts (see the README).

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod cents;
mod client;
pub mod crypto;
#[cfg(test)]
mod decode_fuzz;
pub mod error;
pub mod filters;
mod generated;
pub mod money;
pub mod operations;
pub mod order_builders;
pub mod pagination;
pub mod price_rules;
mod rate_limit;
pub mod records;
mod retry;
mod runtime;
#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub mod sandbox;
pub mod signing;
mod transport;

/// The date and time library of the generated types' timestamps, re-exported so a
/// job can name `chrono::DateTime<Utc>` without adding a dependency of its own.
pub use chrono;
pub use client::{
    env_vars, Client, ClientBuilder, Environment, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BATCH_SIZE,
    DEFAULT_MAX_RESPONSE_BODY, DEFAULT_TIMEOUT,
};
pub use error::{ApiError, Error, Result};
pub use filters::UnixTime;
pub use money::{Count, Dollars, RoundingMode};
pub use order_builders::{Action, AmendOrder, DecreaseOrder, NewOrder, Outcome, ValidatedOrder};
pub use pagination::{List, Page};
pub use rate_limit::RateLimit;
pub use retry::RetryPolicy;

/// The `info.version` of the Kalshi spec this crate was generated from
/// (`openapi/portfolio.yaml`). Decode errors name it, so a report says which
/// contract the answer broke.
pub const SPEC_VERSION: &str = env!("KALSHI_SPEC_VERSION");

/// The request and response types, generated from the spec.
pub mod types {
    pub use crate::generated::types::*;
}

/// The generated async client, for operations the facade does not wrap; see
/// [`Client::raw`].
pub mod raw {
    pub use crate::generated::{builder, Client};
    pub use progenitor_client::{Error, ResponseValue};
}

/// Compiles the README's examples as doc tests, so the README cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
