//! Measurement code shared by `benches/client.rs` (criterion) and
//! `examples/bench_report.rs` (the one-screen report); both include this file with
//! `#[path]`. See BENCHMARKS.md.
//!
//! Everything runs in one process against one canned-response HTTP server on
//! 127.0.0.1 that this module starts itself ([`Server`]). The server does not verify
//! signatures, so its cost stays out of the measurement; it runs on one thread of its
//! own whose CPU clock is read separately and subtracted from the process's CPU time,
//! so "client CPU" is everything the process spent except answering.
//!
//! One module a part: [`alloc`] (the counting allocator), [`clock`] (CPU clocks and
//! [`Sample`]), [`server`] (the canned server), [`clients`] (keys and the facade),
//! [`baselines`] (the hand-written clients), [`workloads`] (what is measured),
//! [`memory`] (RSS by stage), `peers` (Kalshi's SDKs) and `report` (the one screen).
//! Everything is re-exported here, so includers write `common::Server`.

// Each includer uses a different subset.
#![allow(dead_code)]

mod alloc;
mod baselines;
mod clients;
mod clock;
mod server;
mod workloads;

#[allow(unused_imports)]
pub use alloc::*;
#[allow(unused_imports)]
pub use baselines::*;
#[allow(unused_imports)]
pub use clients::*;
#[allow(unused_imports)]
pub use clock::*;
#[allow(unused_imports)]
pub use server::*;
#[allow(unused_imports)]
pub use workloads::*;

pub mod memory;
mod peers;
mod report;

// Each includer uses a different subset.
#[allow(unused_imports)]
pub use peers::{measure_peers, parse_peers, PeerFigures};
#[allow(unused_imports)]
pub use report::{report, MAX_FACADE_RATIO, MAX_PEAK_GROWTH};
