//! The raw async client and types that progenitor generates from `openapi/portfolio.yaml`.
//!
//! Nothing here is written by hand: `build.rs` (through `codegen/mod.rs`) writes it into
//! `OUT_DIR` on every change of the spec. Types are re-exported as
//! [`crate::types`]; the async client is reachable through [`crate::Client::raw`] for the
//! operations the blocking facade does not wrap.

#![allow(
    // Only under `cargo xtask spec usage`, which marks every generated item
    // deprecated to list the ones handwritten code uses; uses in here are not those.
    deprecated,
    missing_docs,
    unused_imports,
    unused_mut,
    clippy::all,
    clippy::pedantic,
    rustdoc::all,
    elided_lifetimes_in_paths
)]

include!(concat!(env!("OUT_DIR"), "/portfolio_api.rs"));
