//! The `sync` benchmark of BENCHMARKS.md ("Command line: sync"): N canned fills from a
//! local server (no rate limiter, no TLS) into a fresh SQLite file; fills per second,
//! the share of the time spent in SQLite, and the peak resident memory of the process.
//!
//! ```text
//! cargo run --release -p kalshi-portfolio-cli --example sync_bench -- 100000
//! ```
//!
//! One size per process, so the peak memory (`VmHWM`, Linux) is that size's own. The
//! SQLite share is measured as the difference of two walks in the same process: the
//! full sync, and the same pages fetched and decoded with nothing stored.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use kalshi_portfolio::sandbox::Sandbox;
use kalshi_portfolio::{Client, Environment};
use kalshi_portfolio_cli::cli::SyncArgs;
use kalshi_portfolio_cli::connect::Connection;

const PAGE: usize = 1000;

/// The Rust heap of the whole process (client, server thread, decoding, the CLI),
/// counted at each allocation: bytes live now and the most ever live. Unlike the
/// resident set, it does not move with the allocator's arenas or the machine's load.
/// SQLite allocates with `malloc` directly, outside this count; its own figures come
/// from `sqlite3_memory_highwater`.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to the system allocator unchanged; the counters
// only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// SQLite's own count of the memory it holds (all connections): the most ever, and
/// now. `reset` starts the high-water mark over from what is held now.
fn sqlite_memory(reset: bool) -> (i64, i64) {
    // SAFETY: plain reads of SQLite's global memory statistics; no pointers.
    unsafe {
        (
            rusqlite::ffi::sqlite3_memory_highwater(i32::from(reset)),
            rusqlite::ffi::sqlite3_memory_used(),
        )
    }
}

fn kib(bytes: impl TryInto<u64>) -> String {
    bytes
        .try_into()
        .map_or_else(|_| "?".into(), |b| format!("{}", b / 1024))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let total: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(100_000);
    // As the command does (main_entry): large buffers mapped and returned.
    kalshi_portfolio_cli::memory::keep_large_buffers_mapped();
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream, total));
        }
    });

    // A key pair for signing (the canned server does not check signatures).
    let key_source = Sandbox::start()?;
    let pem = key_source.private_key_pem().to_string();
    key_source.shutdown();
    let client = Client::builder()
        .environment(Environment::Custom(format!("http://{addr}/trade-api/v2")))
        .api_key_id("bench")
        .private_key_pem(pem)
        .build()?;
    let connection = Connection {
        client: client.clone(),
        sandbox: None,
    };

    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    // HTTP and decoding alone.
    let started = Instant::now();
    let mut fetched = 0usize;
    for page in client.get_fills().limit(PAGE as u64).pages() {
        fetched += page?.items.len();
    }
    let http = started.elapsed();
    assert_eq!(fetched, total);

    // The full sync into a fresh database.
    let dir = std::env::temp_dir().join(format!("kp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("bench.sqlite");
    let mut db = kalshi_portfolio_cli::db::open(&path)?;
    let args = SyncArgs {
        db: None,
        page_size: PAGE as u64,
        overlap_secs: 3600,
    };
    // The heap peak of the sync alone (the walk above freed its pages).
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let heap_before = LIVE.load(Ordering::Relaxed);
    sqlite_memory(true);
    let started = Instant::now();
    let summary = kalshi_portfolio_cli::sync::sync_all(&connection, &mut db, &args)?;
    let sync = started.elapsed();
    let heap_peak = PEAK.load(Ordering::Relaxed);
    let (sqlite_peak, sqlite_now) = sqlite_memory(false);
    let cache_kib: i64 = db.pragma_query_value(None, "cache_size", |r| r.get(0))?;
    assert_eq!(summary.fills as usize, total);
    let stored: i64 = db.query_row("SELECT COUNT(*) FROM fills", [], |r| r.get(0))?;
    assert_eq!(stored as usize, total);
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);

    let share = 1.0 - http.as_secs_f64() / sync.as_secs_f64();
    println!(
        "fills {total}: sync {:.2} s = {:.0} fills/s; HTTP+decode alone {:.2} s; SQLite share {:.0}%; \
         peak RSS {} KiB; Rust heap peak {} KiB (at start {} KiB); SQLite memory peak {} KiB (at end {} KiB, cache_size {cache_kib}); \
         load before {} after {}",
        sync.as_secs_f64(),
        total as f64 / sync.as_secs_f64(),
        http.as_secs_f64(),
        share.max(0.0) * 100.0,
        peak_rss_kib().map_or("?".to_string(), |k| k.to_string()),
        kib(heap_peak),
        kib(heap_before),
        kib(sqlite_peak),
        kib(sqlite_now),
        load_before.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    );
    Ok(())
}

/// `VmHWM` of this process, in KiB (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Answer requests on one keep-alive connection: fills pages from an offset cursor,
/// empty lists for everything else.
fn serve(stream: TcpStream, total: usize) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header == "\r\n" {
                break;
            }
        }
        let target = request_line.split_whitespace().nth(1).unwrap_or("/");
        let body = if target.contains("/portfolio/fills") {
            fills_page(target, total)
        } else if target.contains("/portfolio/orders") {
            r#"{"orders":[],"cursor":""}"#.to_string()
        } else if target.contains("/portfolio/settlements") {
            r#"{"settlements":[],"cursor":""}"#.to_string()
        } else {
            r#"{"market_positions":[],"event_positions":[],"cursor":""}"#.to_string()
        };
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(body.as_bytes()).is_err()
        {
            return;
        }
    }
}

fn query(target: &str, name: &str) -> Option<usize> {
    let query = target.split_once('?')?.1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.parse().ok())
}

fn fills_page(target: &str, total: usize) -> String {
    let start = query(target, "cursor").unwrap_or(0);
    let limit = query(target, "limit").unwrap_or(100);
    let end = (start + limit).min(total);
    let mut body = String::with_capacity((end - start) * 600 + 64);
    body.push_str(r#"{"fills":["#);
    // Newest first: fill i is i seconds older than the newest.
    let newest = 1_790_000_000i64;
    for i in start..end {
        if i > start {
            body.push(',');
        }
        let ts = newest - i as i64;
        let time = chrono::DateTime::from_timestamp(ts, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
            .unwrap_or_default();
        let (book, outcome, price) = if i % 3 == 0 {
            ("ask", "no", 37 + i % 50)
        } else {
            ("bid", "yes", 40 + i % 50)
        };
        body.push_str(&format!(
            r#"{{"action":"buy","book_side":"{book}","count_fp":"{}.00","created_time":"{time}","fee_cost":"0.0{:02}000","fill_id":"3f1c2a9e-0000-4000-8000-{i:012}","is_taker":true,"market_ticker":"KXBENCH-26-T{m}","no_price_dollars":"0.{np:02}00","order_id":"8d2b7c10-0000-4000-8000-{o:012}","outcome_side":"{outcome}","side":"{outcome}","subaccount_number":0,"ticker":"KXBENCH-26-T{m}","trade_id":"a7e4d3c2-0000-4000-8000-{i:012}","ts":{ts},"yes_price_dollars":"0.{price:02}00"}}"#,
            1 + i % 25,
            i % 90,
            m = i % 40,
            np = 100 - price,
            o = i / 3,
        ));
    }
    let cursor = if end < total {
        end.to_string()
    } else {
        String::new()
    };
    body.push_str(&format!(r#"],"cursor":"{cursor}"}}"#));
    body
}
