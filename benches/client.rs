//! Criterion benchmarks of the client against a local canned-response server; the
//! measurement code is shared with `examples/bench_report.rs` (see BENCHMARKS.md).
//!
//! ```text
//! cargo bench --bench client                 # everything
//! cargo bench --bench client -- get_balance  # one group
//! cargo test --benches                       # each benchmark once, as a smoke test
//! ```
//!
//! Criterion measures wall time; the CPU-per-request figures, peak heap and the
//! PASS/FAIL targets are in the report (`cargo run --release --example bench_report`).

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::Duration;

use common::{Baseline, BaselineModel, Key, Server};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// One server for the whole binary.
fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(Server::start)
}

/// `cargo bench` passes `--bench`; without it criterion runs each benchmark once as a
/// test, and the long walk is skipped to keep `cargo test --benches` quick.
fn full_run() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

const KEYS: [Key; 2] = [Key::Rsa, Key::Ed25519];

fn key_name(key: Key) -> &'static str {
    match key {
        Key::Rsa => "rsa2048",
        Key::Ed25519 => "ed25519",
    }
}

fn signing(c: &mut Criterion) {
    let mut group = c.benchmark_group("sign_request");
    for key in KEYS {
        let signing_key = key.load();
        group.bench_function(key_name(key), |b| {
            b.iter(|| common::sign_once(black_box(&signing_key)))
        });
    }
    group.finish();
}

fn get_balance(c: &mut Criterion) {
    let server = server();
    for key in KEYS {
        let mut group = c.benchmark_group(format!("get_balance/{}", key_name(key)));
        group.throughput(Throughput::Elements(1));
        let client = common::facade(server, key);
        group.bench_function("facade", |b| {
            b.iter(|| client.get_balance().expect("get_balance"))
        });
        for model in BaselineModel::ALL {
            let baseline = Baseline::new(server, key, model);
            group.bench_function(model.id(), |b| {
                b.iter(|| baseline.get_balance().expect("get_balance"))
            });
        }
        group.finish();
    }
}

fn fills(c: &mut Criterion) {
    let server = server();
    let client = common::facade(server, Key::Rsa);
    let mut group = c.benchmark_group("get_fills_iter");
    // Ten walks of 100,000 fills take ~7 s.
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    let totals: &[usize] = if full_run() {
        &[10_000, 100_000]
    } else {
        &[1_000]
    };
    for &total in totals {
        group.throughput(Throughput::Elements(total as u64));
        group.bench_with_input(BenchmarkId::from_parameter(total), &total, |b, &total| {
            b.iter(|| {
                let walk = common::walk_fills(server, &client, total);
                assert_eq!(walk.items, total);
                walk.peak_bytes
            })
        });
    }
    group.finish();
}

fn create_order(c: &mut Criterion) {
    let server = server();
    let client = common::facade(server, Key::Rsa);
    let mut group = c.benchmark_group("create_order");
    group.throughput(Throughput::Elements(1));
    group.bench_function("rsa2048", |b| {
        b.iter(|| {
            client
                .create_order(&common::new_order())
                .expect("create_order")
        })
    });
    group.finish();
}

fn threads(c: &mut Criterion) {
    let server = server();
    for key in KEYS {
        let client = common::facade(server, key);
        let mut group = c.benchmark_group(format!("shared_client/{}", key_name(key)));
        group.sample_size(10);
        group.throughput(Throughput::Elements(1));
        for threads in [1usize, 2, 4] {
            group.bench_with_input(
                BenchmarkId::new("threads", threads),
                &threads,
                |b, &threads| {
                    // Criterion asks for `iters` requests; spread them over the threads
                    // and report the wall time of the whole batch.
                    b.iter_custom(|iters| {
                        let per_thread = iters.div_ceil(threads as u64).max(1);
                        let sample = common::threaded(server, &client, threads, per_thread);
                        // Scale to exactly `iters` requests.
                        sample
                            .wall
                            .mul_f64(iters as f64 / (per_thread * threads as u64) as f64)
                    })
                },
            );
        }
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args()
}

criterion_group! {
    name = benches;
    config = config();
    targets = signing, get_balance, fills, create_order, threads
}
criterion_main!(benches);
