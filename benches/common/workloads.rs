//! The measurements: sequential comparisons, fill walks, orders, threads,
//! connections.

use std::hint::black_box;
use std::time::Instant;

use kalshi_portfolio::{Client, NewOrder};
use reqwest::header::HeaderValue;

use super::*;

/// How much work each measurement does. `Scale::report()` keeps the whole report
/// around a minute on 2 cores in release; `quick` is for smoke runs.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    /// Rounds of each comparison, in [`COMPARISONS`] order.
    pub rounds: [usize; 3],
    /// Measured calls per contender per round, in [`COMPARISONS`] order.
    pub calls: [u64; 3],
    pub sign_iters: [u64; 2],
    pub thread_calls: [u64; 2],
    pub connection_calls: u64,
    pub fills: [usize; 2],
    /// Pages each fills walk series covers (the walk is repeated to reach it).
    pub fill_pages: usize,
}

/// The comparisons the report makes: the facade against every baseline.
pub const COMPARISONS: [(Key, Op); 3] = [
    (Key::Rsa, Op::GetBalance),
    (Key::Ed25519, Op::GetBalance),
    (Key::Ed25519, Op::CreateOrder),
];

impl Scale {
    pub fn report() -> Scale {
        Scale {
            // Many short rounds rather than a few long ones: one round's CPU per
            // request moves by ±15% with where the kernel puts the threads, so the
            // median needs many of them. Ed25519 requests are cheap, and the facade's
            // share of them is larger, so they get more.
            rounds: [31, 81, 61],
            calls: [100, 150, 150],
            sign_iters: [400, 4_000],
            thread_calls: [400, 2_000],
            connection_calls: 2_000,
            fills: [10_000, 100_000],
            fill_pages: 1_000,
        }
    }

    pub fn quick() -> Scale {
        Scale {
            rounds: [3, 3, 3],
            calls: [20, 100, 100],
            sign_iters: [20, 200],
            thread_calls: [20, 100],
            connection_calls: 2_000,
            fills: [1_000, 10_000],
            fill_pages: 100,
        }
    }

    pub(super) fn index(key: Key) -> usize {
        match key {
            Key::Rsa => 0,
            Key::Ed25519 => 1,
        }
    }
}

/// µs per `sign_request`, median of `rounds` runs.
pub fn sign_cost_us(key: Key, iters: u64, rounds: usize) -> f64 {
    let key = key.load();
    let mut per_op: Vec<f64> = (0..rounds)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..iters {
                black_box(sign_once(black_box(&key)));
            }
            started.elapsed().as_secs_f64() * 1e6 / iters as f64
        })
        .collect();
    median(&mut per_op)
}

/// Per-request cost of one contender: medians over the interleaved rounds.
#[derive(Clone, Copy, Debug)]
pub struct Cost {
    pub cpu_us: f64,
    pub wall_us: f64,
    pub allocs: f64,
    pub switches: f64,
    /// Median over rounds of facade CPU / this contender's CPU, same round.
    pub facade_ratio: f64,
}

/// The facade vs every [`BaselineModel`], interleaved round by round.
#[derive(Clone, Debug)]
pub struct Comparison {
    pub facade: Cost,
    /// In [`BaselineModel::ALL`] order.
    pub baselines: Vec<(BaselineModel, Cost)>,
    /// Server CPU per request (subtracted from the above).
    pub server_cpu_us: f64,
    /// Median over rounds of a second, identical reference baseline's CPU / the
    /// first's: what the measurement reads when nothing differs (ideally 1.00x).
    pub same_client_ratio: f64,
}

impl Comparison {
    pub fn baseline(&self, model: BaselineModel) -> Cost {
        self.baselines
            .iter()
            .find(|(m, _)| *m == model)
            .map(|(_, cost)| *cost)
            .expect("every model is measured")
    }
}

/// The clients [`compare`] measures, by index: the facade (0), every
/// baseline model in [`BaselineModel::ALL`] order, then the reference model once more
/// (two identical reference clients show how far apart the measurement puts equal
/// costs).
struct Contenders {
    facade: Client,
    baselines: Vec<Baseline>,
    op: Op,
}

impl Contenders {
    /// Builds the clients in the order given (a permutation of `0..COUNT`): the
    /// order they are made in (which threads and buffers come first) also shifts their
    /// cost by a percent or two, so it changes from round to round like the order they
    /// run in.
    fn new(server: &Server, key: Key, op: Op, creation_order: &[usize]) -> Contenders {
        let models: Vec<BaselineModel> = BaselineModel::ALL
            .into_iter()
            .chain(std::iter::once(BaselineModel::REFERENCE))
            .collect();
        let mut facade_client = None;
        let mut baselines: Vec<Option<Baseline>> = models.iter().map(|_| None).collect();
        for &which in creation_order {
            if which == 0 {
                facade_client = Some(facade(server, key));
            } else {
                baselines[which - 1] = Some(Baseline::new(server, key, models[which - 1]));
            }
        }
        Contenders {
            facade: facade_client.expect("the creation order names the facade"),
            baselines: baselines
                .into_iter()
                .map(|baseline| baseline.expect("the creation order names every baseline"))
                .collect(),
            op,
        }
    }

    const COUNT: usize = 2 + BaselineModel::ALL.len();
    const SECOND_REFERENCE: usize = 1 + BaselineModel::ALL.len();

    fn call(&self, which: usize) {
        if which == 0 {
            facade_call(&self.facade, self.op);
        } else {
            self.baselines[which - 1].call(self.op);
        }
    }
}

/// The facade's `op` against every baseline, `rounds` interleaved rounds of `calls`.
pub fn compare(server: &Server, key: Key, op: Op, calls: u64, rounds: usize) -> Comparison {
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); Contenders::COUNT];
    for round in 0..rounds {
        // New clients every round. Where a client's threads and buffers land makes it
        // a few percent cheaper or dearer for its whole life: with one set of clients
        // that luck decided whole reports (the two identical references below came
        // out up to 6% apart); fresh ones each round let the median average it out.
        // New orders every round (the same ones every run), to build the clients in
        // and to run them in: which client runs just before another changes what the
        // other costs by a few percent (caches, which threads are awake), so no
        // contender may keep the same neighbours.
        let mut rng = fastrand::Rng::with_seed(round as u64);
        let mut creation_order: Vec<usize> = (0..Contenders::COUNT).collect();
        rng.shuffle(&mut creation_order);
        let mut order = creation_order.clone();
        rng.shuffle(&mut order);
        let contenders = Contenders::new(server, key, op, &creation_order);
        // Warm up: open each one's connection, fault in the code paths.
        for _ in 0..50 {
            (0..Contenders::COUNT).for_each(|which| contenders.call(which));
        }
        for which in order {
            // Unmeasured calls first: switching from another client (waking this
            // one's idle threads, the other's going to sleep) costs CPU that would
            // otherwise land on whichever contender happens to run next.
            for _ in 0..(calls / 10).max(20) {
                contenders.call(which);
            }
            let sample = measure(server, calls, || {
                (0..calls).for_each(|_| contenders.call(which))
            });
            samples[which].push(sample);
        }
    }
    let cpu_ratio = |numerator: usize, denominator: usize| {
        median(
            &mut samples[numerator]
                .iter()
                .zip(&samples[denominator])
                .map(|(n, d)| n.cpu_per_op_us() / d.cpu_per_op_us())
                .collect::<Vec<_>>(),
        )
    };
    let cost = |which: usize| {
        let of =
            |f: fn(&Sample) -> f64| median(&mut samples[which].iter().map(f).collect::<Vec<_>>());
        Cost {
            cpu_us: of(Sample::cpu_per_op_us),
            wall_us: of(Sample::wall_per_op_us),
            allocs: of(Sample::allocs_per_op),
            switches: of(Sample::switches_per_op),
            facade_ratio: cpu_ratio(0, which),
        }
    };
    let server_cpu_us = median(
        &mut samples
            .iter()
            .flatten()
            .map(|s| s.server_cpu.as_secs_f64() * 1e6 / s.ops as f64)
            .collect::<Vec<_>>(),
    );
    Comparison {
        facade: cost(0),
        baselines: BaselineModel::ALL
            .iter()
            .enumerate()
            .map(|(i, &model)| (model, cost(i + 1)))
            .collect(),
        server_cpu_us,
        same_client_ratio: cpu_ratio(Contenders::SECOND_REFERENCE, 1),
    }
}

/// Walk `total` fills with `get_fills().limit(200).iter()`.
#[derive(Clone, Debug)]
pub struct Walk {
    pub total: usize,
    pub items: usize,
    pub sample: Sample,
    /// Peak heap above what was allocated when the walk started, in bytes.
    pub peak_bytes: usize,
    /// The same peak for each page's window (fetching it, then consuming its items).
    pub page_peaks: Vec<usize>,
}

/// The `p` quantile (0 to 1) of `values`.
pub fn quantile(values: &[usize], p: f64) -> usize {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    match sorted.len() {
        0 => 0,
        n => sorted[((n - 1) as f64 * p).round() as usize],
    }
}

pub fn walk_fills(server: &Server, client: &Client, total: usize) -> Walk {
    const PAGE: usize = 200;
    server.set_fills_total(total);
    let mut items = 0usize;
    let mut contracts = 0i64;
    // Allocated before the baseline is taken, and never grown.
    let mut page_peaks = Vec::with_capacity(total / PAGE + 2);
    let base = reset_peak();
    let sample = measure(server, total as u64, || {
        for fill in client.get_fills().limit(PAGE as u64).iter() {
            let fill = fill.expect("fill");
            // Touch the item as a reconciliation job would.
            contracts += i64::from(fill.is_taker) + fill.ticker.len() as i64;
            items += 1;
            if items.is_multiple_of(PAGE) && page_peaks.len() < page_peaks.capacity() {
                page_peaks.push(peak().saturating_sub(base));
                restart_peak_window();
            }
        }
    });
    let last = peak().saturating_sub(base);
    if !items.is_multiple_of(PAGE) && page_peaks.len() < page_peaks.capacity() {
        page_peaks.push(last);
    }
    let peak_bytes = page_peaks.iter().copied().max().unwrap_or(0).max(last);
    black_box(contracts);
    Walk {
        total,
        items,
        sample,
        peak_bytes,
        page_peaks,
    }
}

pub fn new_order() -> NewOrder {
    NewOrder::new("KXHIGHNY-25NOV26-T60")
        .buy_yes()
        .price("0.56")
        .count(1)
}

pub fn create_orders(server: &Server, client: &Client, orders: u64) -> Sample {
    black_box(client.create_order(&new_order()).expect("create_order"));
    measure(server, orders, || {
        for _ in 0..orders {
            black_box(client.create_order(&new_order()).expect("create_order"));
        }
    })
}

/// `threads` threads sharing clones of one client, `calls` get_balance each.
pub fn threaded(server: &Server, client: &Client, threads: usize, calls: u64) -> Sample {
    threaded_calls(server, threads, calls, &|| {
        black_box(client.get_balance().expect("get_balance"));
    })
}

/// `threads` threads sharing one baseline client, `calls` get_balance each.
pub fn threaded_baseline(
    server: &Server,
    baseline: &Baseline,
    threads: usize,
    calls: u64,
) -> Sample {
    threaded_calls(server, threads, calls, &|| {
        black_box(baseline.get_balance().expect("get_balance"));
    })
}

/// Each of `threads` threads makes one warm call, then (timed) `calls` calls.
fn threaded_calls(server: &Server, threads: usize, calls: u64, call: &(dyn Fn() + Sync)) -> Sample {
    let barrier = std::sync::Barrier::new(threads + 1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let barrier = &barrier;
                scope.spawn(move || {
                    // One warm call per thread so the pool holds a connection for each.
                    call();
                    barrier.wait();
                    barrier.wait();
                    (0..calls).for_each(|_| call());
                })
            })
            .collect();
        barrier.wait();
        measure(server, calls * threads as u64, || {
            barrier.wait();
            for handle in handles {
                handle.join().expect("worker thread");
            }
        })
    })
}

/// µs per call of the 2xx "is this body an error object?" probe the facade runs on
/// every small successful answer (src/transport.rs `flag_error_in_success`), rebuilt
/// from its public parts: clone the response headers, wrap the body in a new
/// `http::Response`, parse the body into a `serde_json::Value`, and convert back to a
/// `reqwest::Response` (which parses a placeholder URL). Reading the body is not
/// included. Median of 5.
pub fn error_probe_cost_us(iters: u64) -> f64 {
    use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, DATE};
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(BALANCE_BODY.len()));
    headers.insert(
        DATE,
        HeaderValue::from_static("Wed, 25 Nov 2026 15:00:00 GMT"),
    );
    let body: &'static [u8] = BALANCE_BODY.as_bytes();
    let mut runs: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..iters {
                let cloned = black_box(&headers).clone();
                let mut rebuilt = http::Response::new(black_box(body));
                *rebuilt.headers_mut() = cloned;
                let value: serde_json::Value =
                    serde_json::from_slice(black_box(body)).expect("json");
                *rebuilt.status_mut() = http::StatusCode::OK;
                black_box(value.get("error").is_some());
                black_box(reqwest::Response::from(rebuilt));
            }
            started.elapsed().as_secs_f64() * 1e6 / iters as f64
        })
        .collect();
    median(&mut runs)
}

/// TCP connections the server accepted for `calls` sequential get_balance calls of a
/// fresh client.
pub fn connections_for(server: &Server, key: Key, calls: u64) -> u64 {
    let client = facade(server, key);
    let before = server.connections();
    for _ in 0..calls {
        black_box(client.get_balance().expect("get_balance"));
    }
    server.connections() - before
}
