//! One-screen performance report of the client against a local canned-response
//! server: first-request latency, signing cost, facade vs a plain `reqwest::blocking`
//! client and other hand-written baselines (CPU and wall per request, get_balance and
//! create_order), pagination throughput and peak heap, thread scaling, connections
//! per calling thread, and Kalshi's Python SDK side by side when asked, with PASS/FAIL
//! lines for the targets in BENCHMARKS.md.
//!
//! ```text
//! cargo run --release --example bench_report
//! cargo run --release --example bench_report --features aws-lc-rs
//! BENCH_PEERS=1 cargo run --release --example bench_report   # + benches/peers/run.sh
//! BENCH_QUICK=1 cargo run --release --example bench_report   # smoke run, seconds
//! ```

#[path = "../benches/common/mod.rs"]
mod common;

use std::io::Write as _;

fn main() {
    if cfg!(debug_assertions) {
        eprintln!("note: a debug build measures nothing useful; use --release");
    }
    let scale = if std::env::var_os("BENCH_QUICK").is_some() {
        common::Scale::quick()
    } else {
        common::Scale::report()
    };
    let lines = common::report(scale, kalshi_portfolio::crypto::provider_name(), |stage| {
        eprint!("\r\x1b[2Kmeasuring: {stage}");
        let _ = std::io::stderr().flush();
    });
    eprint!("\r\x1b[2K");
    let _ = std::io::stderr().flush();
    for line in lines {
        println!("{line}");
    }
}
