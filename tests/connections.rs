//! One connection per calling thread, always: a call returns only once the connection
//! it used is back in its pool, so the next call of the same thread reuses it instead
//! of opening another, even while other threads keep every core busy (which is when a
//! late return used to show: BENCHMARKS.md).
//!
//! The server here is raw TCP speaking HTTP/1.1 keep-alive, one thread per connection,
//! and counts the connections it accepts. Nothing is timed; every wait is bounded.

use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use kalshi_portfolio::{Client, Environment};

mod raw_http;

/// How long the server's first answer on a connection waits for the others (see
/// [`Server::start`]); also bounds every other wait.
const GATE_LIMIT: Duration = Duration::from_secs(20);

struct Server {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// `gate`: the first request on each connection is answered only once this many
    /// connections have been accepted (or after [`GATE_LIMIT`]), so that calls made at
    /// the same moment really are in flight at the same moment.
    fn start(gate: usize) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (accepted, stop) = (accepted.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            accepted.fetch_add(1, Ordering::SeqCst);
                            let (accepted, stop) = (accepted.clone(), stop.clone());
                            std::thread::spawn(move || serve(stream, &accepted, gate, &stop));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(1)),
                    }
                }
            })
        };
        Server {
            addr,
            accepted,
            stop,
            thread: Some(thread),
        }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn client(&self) -> Client {
        let key =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keys/ed25519-pkcs8.pem");
        Client::builder()
            .environment(Environment::Custom(format!(
                "http://{}/trade-api/v2",
                self.addr
            )))
            .api_key_id("connections-test-key")
            .private_key_file(key)
            .build()
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Answer requests on one connection until the client closes it (or the server
/// stops, or the connection idles past [`GATE_LIMIT`]).
fn serve(stream: TcpStream, accepted: &AtomicUsize, gate: usize, stop: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(GATE_LIMIT));
    let _ = stream.set_nodelay(true);
    let mut writer = match stream.try_clone() {
        Ok(writer) => writer,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    let mut first = true;
    while !stop.load(Ordering::Relaxed) {
        let Some(request) = raw_http::read_request(&mut reader) else {
            return;
        };
        if first {
            first = false;
            let started = Instant::now();
            while accepted.load(Ordering::SeqCst) < gate && started.elapsed() < GATE_LIMIT {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        let answer = respond(&request.target);
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            answer.len()
        );
        if writer.write_all(head.as_bytes()).is_err()
            || writer.write_all(answer.as_bytes()).is_err()
        {
            return;
        }
    }
}

/// Fills the server hands out in all, 100 to a page.
const FILLS: usize = 1_000;

fn respond(target: &str) -> String {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path.ends_with("/portfolio/fills") {
        let param = |name: &str| {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
                .and_then(|v| v.parse::<usize>().ok())
        };
        let start = param("cursor").unwrap_or(0).min(FILLS);
        let end = (start + param("limit").unwrap_or(100)).min(FILLS);
        let fills: Vec<String> = (start..end).map(fill).collect();
        let cursor = if end < FILLS {
            end.to_string()
        } else {
            String::new()
        };
        return format!(r#"{{"fills":[{}],"cursor":"{cursor}"}}"#, fills.join(","));
    }
    r#"{"balance":100,"balance_dollars":"1.00","portfolio_value":0,"updated_ts":1764079200}"#
        .to_owned()
}

fn fill(i: usize) -> String {
    format!(
        concat!(
            r#"{{"fill_id":"fill-{i}","trade_id":"trade-{i}","order_id":"order-{i}","#,
            r#""ticker":"KXTEST-1","market_ticker":"KXTEST-1","book_side":"bid","#,
            r#""outcome_side":"yes","action":"buy","side":"yes","count_fp":"1.00","#,
            r#""yes_price_dollars":"0.5600","no_price_dollars":"0.4400","fee_cost":"0.0100","#,
            r#""is_taker":true,"created_time":"2026-11-24T10:00:00.000Z","ts":{ts},"#,
            r#""exchange_index":0,"subaccount_number":0}}"#
        ),
        i = i,
        ts = 1_764_000_000 + i,
    )
}

/// Keeps `threads` threads spinning until dropped (bounded by [`GATE_LIMIT`] * 3 in
/// case a test never drops it).
struct Burners {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Burners {
    fn start(threads: usize) -> Burners {
        let stop = Arc::new(AtomicBool::new(false));
        let threads = (0..threads)
            .map(|_| {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let started = Instant::now();
                    let mut x = 0u64;
                    while !stop.load(Ordering::Relaxed) && started.elapsed() < GATE_LIMIT * 3 {
                        for i in 0..100_000u64 {
                            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
                        }
                    }
                })
            })
            .collect();
        Burners { stop, threads }
    }
}

impl Drop for Burners {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// What one calling thread does: calls and walks, one after the other.
fn sequential_work(client: &Client) {
    for round in 0..4 {
        for _ in 0..25 {
            assert_eq!(client.get_balance().unwrap().balance, 100);
        }
        let mut walked = 0;
        for fill in client.get_fills().limit(100).iter() {
            assert!(fill.unwrap().fill_id.starts_with("fill-"));
            walked += 1;
        }
        assert_eq!(walked, FILLS, "walk {round}");
    }
}

#[test]
fn sequential_calls_and_walks_keep_one_connection_while_other_threads_burn_cpu() {
    let server = Server::start(1);
    let client = server.client();
    let burners = Burners::start(3);
    sequential_work(&client);
    drop(burners);
    assert_eq!(
        server.accepted(),
        1,
        "a fresh client calling from one thread opened more than one connection"
    );
}

#[test]
fn each_thread_calling_at_once_gets_one_connection_and_keeps_it() {
    const THREADS: usize = 4;
    // Every thread's first call is held by the server until all four connections
    // are open: four calls in flight at once need four connections, and from then
    // on there must be no fifth.
    let server = Server::start(THREADS);
    let client = server.client();
    let burners = Burners::start(2);
    let start = Barrier::new(THREADS);
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            let (client, start) = (client.clone(), &start);
            scope.spawn(move || {
                start.wait();
                sequential_work(&client);
            });
        }
    });
    drop(burners);
    assert_eq!(
        server.accepted(),
        THREADS,
        "{THREADS} threads calling at once should open exactly one connection each"
    );
}
