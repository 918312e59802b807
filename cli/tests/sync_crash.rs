//! `sync` killed and run again leaves the database equal to the API.
//!
//! The sandbox runs as a server in this process; the real binary syncs from it in a
//! child process (as a cron job would), with the sandbox slowing every page so a
//! `kill -9` lands in the middle. Whatever instant the kill hits, the rerun must end
//! with the database equal, row by row, to an independent walk of the API (the
//! library's own iterators). Nothing here asserts a duration: the kill instants only
//! spread the kills over the run, and the comparison holds for any of them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use kalshi_portfolio::order_builders::TimeInForce;
use kalshi_portfolio::records::{FillRecord, OrderRecord, PositionRecord, SettlementRecord};
use kalshi_portfolio::sandbox::{Fault, MarketResult, Sandbox};
use kalshi_portfolio::types::GetPositionsSettlementStatus;
use kalshi_portfolio::NewOrder;
use kalshi_portfolio_cli::export_db;
use serde_json::Value;

struct Setup {
    sandbox: Sandbox,
    dir: PathBuf,
    key: PathBuf,
}

impl Setup {
    fn new(name: &str) -> Setup {
        let sandbox = kalshi_portfolio_cli::seed::start().unwrap();
        let dir = std::env::temp_dir().join(format!("kp-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let key = dir.join("key.pem");
        sandbox.write_private_key_file(&key).unwrap();
        Setup { sandbox, dir, key }
    }

    fn db(&self) -> PathBuf {
        self.dir.join("kalshi.sqlite")
    }

    fn sync(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kalshi-portfolio"));
        command
            .args(["sync", "--page-size", "10", "--db"])
            .arg(self.db())
            .env("KALSHI_ENV", self.sandbox.base_url())
            .env("KALSHI_API_KEY_ID", self.sandbox.key_id())
            .env("KALSHI_PRIVATE_KEY_PATH", &self.key)
            .env_remove("KALSHI_PRIVATE_KEY")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command
    }

    fn sync_to_completion(&self) {
        let output = self.sync().output().unwrap();
        assert!(
            output.status.success(),
            "sync failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Every row of the API, walked with the library, as the database stores it.
    fn api(&self) -> Tables {
        let client = self.sandbox.client().unwrap();
        let mut tables = Tables::default();
        for fill in client.get_fills().limit(7).iter() {
            let r = FillRecord::from(fill.unwrap());
            tables
                .fills
                .insert(r.fill_id.clone(), serde_json::to_value(&r).unwrap());
        }
        for order in client.get_orders().limit(7).iter() {
            let r = OrderRecord::from(order.unwrap());
            tables
                .orders
                .insert(r.order_id.clone(), serde_json::to_value(&r).unwrap());
        }
        for settlement in client.get_settlements().limit(7).iter() {
            let r = SettlementRecord::from(settlement.unwrap());
            tables
                .settlements
                .insert(r.ticker.clone(), serde_json::to_value(&r).unwrap());
        }
        for position in client
            .get_positions()
            .settlement_status(GetPositionsSettlementStatus::All)
            .iter()
        {
            let r = PositionRecord::from(position.unwrap());
            let key = format!("{}:{:?}{:?}", r.kind, r.ticker, r.event_ticker);
            tables
                .positions
                .insert(key, serde_json::to_value(&r).unwrap());
        }
        tables
    }

    fn database(&self) -> Tables {
        database(&self.db())
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[derive(Debug, Default, PartialEq)]
struct Tables {
    fills: BTreeMap<String, Value>,
    orders: BTreeMap<String, Value>,
    settlements: BTreeMap<String, Value>,
    positions: BTreeMap<String, Value>,
}

fn database(path: &Path) -> Tables {
    let db = rusqlite::Connection::open(path).unwrap();
    let mut tables = Tables::default();
    let rows = |sql: &str, f: &mut dyn FnMut(&rusqlite::Row<'_>)| {
        let mut statement = db.prepare(sql).unwrap();
        let mut rows = statement.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            f(row);
        }
    };
    rows("SELECT * FROM fills", &mut |row| {
        let v = serde_json::to_value(export_db::fill_record(row).unwrap()).unwrap();
        let id = v["fill_id"].as_str().unwrap().to_string();
        assert!(tables.fills.insert(id, v).is_none());
    });
    rows("SELECT * FROM orders", &mut |row| {
        let v = serde_json::to_value(export_db::order_record(row).unwrap()).unwrap();
        let id = v["order_id"].as_str().unwrap().to_string();
        assert!(tables.orders.insert(id, v).is_none());
    });
    rows("SELECT * FROM settlements", &mut |row| {
        let v = serde_json::to_value(export_db::settlement_record(row).unwrap()).unwrap();
        let id = v["ticker"].as_str().unwrap().to_string();
        assert!(tables.settlements.insert(id, v).is_none());
    });
    rows("SELECT * FROM positions", &mut |row| {
        let v = serde_json::to_value(export_db::position_record(row).unwrap()).unwrap();
        let key = format!(
            "{}:{:?}{:?}",
            v["kind"].as_str().unwrap(),
            v["ticker"].as_str(),
            v["event_ticker"].as_str()
        );
        assert!(tables.positions.insert(key, v).is_none());
    });
    tables
}

/// The fills and orders a killed run left, or `None` when it was killed before
/// creating the database or its schema.
fn partial_counts(path: &Path) -> Option<(i64, i64)> {
    if !path.exists() {
        return None;
    }
    let db = rusqlite::Connection::open(path).ok()?;
    let count = |table: &str| {
        db.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
            row.get(0)
        })
        .ok()
    };
    Some((count("fills")?, count("orders")?))
}

fn assert_same(api: &Tables, db: &Tables) {
    for (name, a, d) in [
        ("fills", &api.fills, &db.fills),
        ("orders", &api.orders, &db.orders),
        ("settlements", &api.settlements, &db.settlements),
        ("positions", &api.positions, &db.positions),
    ] {
        let missing: Vec<_> = a.keys().filter(|k| !d.contains_key(*k)).collect();
        let extra: Vec<_> = d.keys().filter(|k| !a.contains_key(*k)).collect();
        assert!(
            missing.is_empty(),
            "{name}: missing from the database: {missing:?}"
        );
        assert!(
            extra.is_empty(),
            "{name}: in the database, not the API: {extra:?}"
        );
        for (key, value) in a {
            assert_eq!(&d[key], value, "{name} {key} differs");
        }
    }
}

fn kill_after(mut child: Child, delay: Duration) {
    std::thread::sleep(delay);
    // SIGKILL on Unix: no destructor, no rollback by the program itself.
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn killed_at_several_instants_then_rerun_equals_the_api() {
    let setup = Setup::new("crash");
    // 0 and 30 ms land while the process starts or creates the database and its
    // schema; the later instants inside the walks.
    for ms in [0u64, 30, 120, 350, 700, 1100, 1600] {
        // Every page slowed so the run lasts a few seconds and the kill lands inside.
        setup.sandbox.inject(
            Fault::delay(Duration::from_millis(25))
                .path_contains("/portfolio/")
                .times(10_000),
        );
        let child = setup.sync().spawn().unwrap();
        kill_after(child, Duration::from_millis(ms));
        setup.sandbox.clear_faults();
        // Where the kill landed (informational; any instant must do, including
        // one before the schema was created).
        match partial_counts(&setup.db()) {
            Some((fills, orders)) => {
                eprintln!("kill after {ms} ms: {fills} fills, {orders} orders in the database")
            }
            None => eprintln!("kill after {ms} ms: no schema in the database yet"),
        }
        if ms == 700 {
            // New activity between interrupted runs: more fills, a settlement.
            trade(&setup.sandbox, "KXGDP-26Q1-T2", 7);
            setup
                .sandbox
                .settle_market("KXGDP-26Q1-T2", MarketResult::No)
                .unwrap();
        }
    }
    setup.sync_to_completion();
    let db = setup.database();
    assert_eq!(db.fills.len(), 307);
    assert_same(&setup.api(), &db);

    // A later run is incremental and still exact after new activity.
    trade(&setup.sandbox, "KXGDP-26Q1-T3", 5);
    setup.sync_to_completion();
    let db = setup.database();
    assert_eq!(db.fills.len(), 312);
    assert_same(&setup.api(), &db);
}

#[test]
fn failing_mid_walk_keeps_whole_pages_and_the_rerun_resumes() {
    let setup = Setup::new("resume");
    // Five pages of fills go through, then the server fails every attempt of the
    // sixth: the run exits 1 with five committed pages and the cursor of the sixth.
    setup.sandbox.inject(
        Fault::delay(Duration::from_millis(1))
            .path_contains("/portfolio/fills")
            .times(5),
    );
    setup.sandbox.inject(
        Fault::server_error(503)
            .path_contains("/portfolio/fills")
            .times(4),
    );
    let output = setup.sync().output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("syncing fills"), "{stderr}");
    let partial = setup.database();
    assert_eq!(partial.fills.len(), 50);
    let db = rusqlite::Connection::open(setup.db()).unwrap();
    let cursor: Option<String> = db
        .query_row(
            "SELECT cursor FROM sync_state WHERE resource = 'fills'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(cursor.is_some());
    drop(db);

    setup.sandbox.clear_journal();
    setup.sync_to_completion();
    // The rerun started at the saved cursor: its first fills request carries it.
    let first = setup
        .sandbox
        .journal()
        .into_iter()
        .find(|entry| entry.path.contains("/portfolio/fills"))
        .unwrap();
    assert!(
        first.query.as_deref().unwrap_or("").contains("cursor="),
        "{first:?}"
    );
    assert_same(&setup.api(), &setup.database());
}

/// `n` more fills in `ticker` (IOC bids into the seeded asks).
fn trade(sandbox: &Sandbox, ticker: &str, n: usize) {
    let client = sandbox.client().unwrap();
    for _ in 0..n {
        let order = NewOrder::new(ticker)
            .bid()
            .price("0.99")
            .count(1u32)
            .time_in_force(TimeInForce::ImmediateOrCancel);
        client.create_order(&order).unwrap();
    }
}

#[test]
fn export_from_the_database_equals_export_from_the_api() {
    let setup = Setup::new("export");
    setup.sync_to_completion();
    let export = |args: &[&str]| -> Vec<String> {
        let output = Command::new(env!("CARGO_BIN_EXE_kalshi-portfolio"))
            .arg("export")
            .args(args)
            .env("KALSHI_ENV", setup.sandbox.base_url())
            .env("KALSHI_API_KEY_ID", setup.sandbox.key_id())
            .env("KALSHI_PRIVATE_KEY_PATH", &setup.key)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let text = String::from_utf8(output.stdout).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        // Same rows, not necessarily the same order among rows of one instant; a CSV
        // header stays first.
        let body = usize::from(args.contains(&"csv"));
        if lines.len() > body {
            lines[body..].sort();
        }
        lines
    };
    let db = setup.db();
    let db = db.to_str().unwrap();
    for kind in ["fills", "orders", "settlements", "positions"] {
        for format in ["csv", "jsonl"] {
            let from_api = export(&[kind, "--format", format]);
            let from_db = export(&[kind, "--format", format, "--from-db", db]);
            assert!(from_api.len() > 1, "{kind} {format}: nothing exported");
            assert_eq!(from_api.len(), from_db.len(), "{kind} {format}: row counts");
            for (a, d) in from_api.iter().zip(&from_db) {
                assert_eq!(a, d, "{kind} {format}");
            }
        }
    }
    // A window in the future is empty from both sources (CSV: the header only... or
    // nothing at all when no row was written).
    let future = ["fills", "--since", "2999-01-01", "--format", "jsonl"];
    assert!(export(&future).iter().all(String::is_empty));
    let mut from_db = future.to_vec();
    from_db.extend(["--from-db", db]);
    assert!(export(&from_db).iter().all(String::is_empty));
}

fn place(setup: &Setup, file: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kalshi-portfolio"));
    command
        .args(["orders", "place", "--file"])
        .arg(file)
        .arg("--db")
        .arg(setup.db())
        .env("KALSHI_ENV", setup.sandbox.base_url())
        .env("KALSHI_API_KEY_ID", setup.sandbox.key_id())
        .env("KALSHI_PRIVATE_KEY_PATH", &setup.key)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// A file of `n` resting bids (below the seeded book, so they rest and stay listed).
fn orders_file(setup: &Setup, n: usize) -> PathBuf {
    let mut text = String::from("ticker,side,price,count,time_in_force\n");
    for i in 0..n {
        let ticker = ["KXFED-26MAR-H0", "KXGDP-26Q1-T2", "KXGDP-26Q1-T3"][i % 3];
        text.push_str(&format!(
            "{ticker},buy_yes,0.{:02},{},gtc\n",
            5 + i % 10,
            1 + i % 4
        ));
    }
    let path = setup.dir.join("orders.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// How many orders of the API carry each `client_order_id` starting with `kp-`.
fn placed_by_client_id(setup: &Setup) -> BTreeMap<String, usize> {
    let client = setup.sandbox.client().unwrap();
    let mut counts = BTreeMap::new();
    for order in client.get_orders().limit(1000).iter() {
        let order = order.unwrap();
        if order.client_order_id.starts_with("kp-") {
            *counts.entry(order.client_order_id).or_insert(0) += 1;
        }
    }
    counts
}

/// What the database records of `orders place`: rows placed, and rows sent whose
/// answer is not recorded (in doubt).
fn bookkeeping(setup: &Setup) -> (usize, usize) {
    if !setup.db().exists() {
        return (0, 0);
    }
    let db = rusqlite::Connection::open_with_flags(
        setup.db(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let count = |sql: &str| -> usize {
        // The tables appear when the run opens the database.
        db.query_row(sql, [], |r| r.get::<_, i64>(0))
            .map_or(0, |n| usize::try_from(n).unwrap())
    };
    (
        count("SELECT COUNT(*) FROM placed_orders"),
        count("SELECT COUNT(*) FROM sent_orders"),
    )
}

/// Run `orders place` and kill it (`kill -9`) as soon as `ready` holds. Waiting is
/// bounded, and a run that ends by itself first fails the test: the kill must land
/// where the caller arranged it.
fn place_and_kill_when(setup: &Setup, file: &Path, what: &str, mut ready: impl FnMut() -> bool) {
    let mut child = place(setup, file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while !ready() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before {what}");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    kill_after(child, Duration::ZERO);
}

fn each_once(placed: &BTreeMap<String, usize>) {
    assert!(placed.values().all(|&n| n == 1), "{placed:?}");
}

#[test]
fn orders_place_killed_mid_file_then_rerun_places_each_row_once() {
    let setup = Setup::new("place");
    // 100 rows: five batches of the client's default size.
    assert_eq!(kalshi_portfolio::DEFAULT_MAX_BATCH_SIZE, 20);
    let file = orders_file(&setup, 100);
    let held = Duration::from_secs(60);

    // 1. Mid-batch, after the exchange placed batch 2 and before its answer came back
    //    (held by the sandbox): the run has recorded batch 1, and batch 2 as sent.
    setup
        .sandbox
        .inject(Fault::delay(Duration::ZERO).path_contains("/batched"));
    setup
        .sandbox
        .inject(Fault::answer_late(held).path_contains("/batched"));
    place_and_kill_when(&setup, &file, "batch 2 placed", || {
        placed_by_client_id(&setup).len() == 40
    });
    setup.sandbox.clear_faults();
    each_once(&placed_by_client_id(&setup));
    assert_eq!(bookkeeping(&setup), (20, 20), "batch 2 is in doubt");

    // 2. Between batches: the rerun finds batch 2 at the exchange, places batch 3 and
    //    is killed once batch 3 is recorded, before batch 4 can be placed (its request
    //    is held before the exchange sees it, if it was sent at all).
    setup
        .sandbox
        .inject(Fault::delay(Duration::ZERO).path_contains("/batched"));
    setup
        .sandbox
        .inject(Fault::delay(held).path_contains("/batched"));
    place_and_kill_when(&setup, &file, "batch 3 recorded", || {
        bookkeeping(&setup).0 == 60
    });
    setup.sandbox.clear_faults();
    let placed = placed_by_client_id(&setup);
    each_once(&placed);
    assert_eq!(placed.len(), 60);
    let (recorded, in_doubt) = bookkeeping(&setup);
    assert_eq!(recorded, 60);
    assert!(in_doubt == 0 || in_doubt == 20, "{in_doubt}");

    // 3. Mid-batch, with batch 4's request in flight and not yet executed.
    setup.sandbox.clear_journal();
    setup
        .sandbox
        .inject(Fault::delay(held).path_contains("/batched"));
    place_and_kill_when(&setup, &file, "batch 4 sent", || {
        setup
            .sandbox
            .journal()
            .iter()
            .any(|entry| entry.path.contains("/batched"))
    });
    setup.sandbox.clear_faults();
    let placed = placed_by_client_id(&setup);
    each_once(&placed);
    assert_eq!(placed.len(), 60);
    assert_eq!(bookkeeping(&setup), (60, 20), "batch 4 is in doubt");

    // The rerun completes: every row placed exactly once, all of it recorded.
    let output = place(&setup, &file).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let placed = placed_by_client_id(&setup);
    assert_eq!(placed.len(), 100, "{placed:?}");
    each_once(&placed);
    assert_eq!(bookkeeping(&setup), (100, 0));
    // The ids are the file's: lines 2 to 101.
    let lines: Vec<u64> = placed
        .keys()
        .map(|id| id.rsplit('-').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(lines.iter().min(), Some(&2));
    assert_eq!(lines.iter().max(), Some(&101));

    // Once more: everything is recorded as placed; nothing is sent or looked up.
    setup.sandbox.clear_journal();
    let output = place(&setup, &file).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(
        setup.sandbox.journal().is_empty(),
        "{:?}",
        setup.sandbox.journal()
    );
    assert_eq!(placed_by_client_id(&setup).len(), 100);
}

#[test]
fn an_expiration_placed_from_a_file_is_in_the_orders_export() {
    let setup = Setup::new("expiry");
    // Whole seconds, as Kalshi keeps it; an hour from now.
    let expires = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp() + 3600, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let file = setup.dir.join("expiring.csv");
    std::fs::write(
        &file,
        format!(
            "ticker,side,price,count,expiration_utc,client_order_id\n\
             KXFED-26MAR-H0,buy_yes,0.11,2,{expires},exp-1\n\
             KXFED-26MAR-H0,buy_yes,0.12,2,,exp-2\n"
        ),
    )
    .unwrap();
    let output = place(&setup, &file).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let output = Command::new(env!("CARGO_BIN_EXE_kalshi-portfolio"))
        .args(["export", "orders", "--format", "csv"])
        .env("KALSHI_ENV", setup.sandbox.base_url())
        .env("KALSHI_API_KEY_ID", setup.sandbox.key_id())
        .env("KALSHI_PRIVATE_KEY_PATH", &setup.key)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let rows: Vec<OrderRecord> = reader.deserialize().map(Result::unwrap).collect();
    let expiration = |id: &str| {
        rows.iter()
            .find(|r| r.client_order_id == id)
            .unwrap_or_else(|| panic!("{id} exported"))
            .expiration_utc
    };
    assert_eq!(
        expiration("exp-1").map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        Some(expires)
    );
    assert_eq!(expiration("exp-2"), None);
}

#[test]
fn orders_place_with_a_bad_row_sends_nothing() {
    let setup = Setup::new("badrow");
    let mut text = std::fs::read_to_string(orders_file(&setup, 30)).unwrap();
    // Line 32: a price off the one-cent tick (caught by the library's checks), and
    // separately a file with a malformed count (caught while reading the file).
    text.push_str("KXFED-26MAR-H0,buy_yes,0.105,1,gtc\n");
    let off_tick = setup.dir.join("off_tick.csv");
    std::fs::write(&off_tick, &text).unwrap();
    let bad_count = setup.dir.join("bad_count.csv");
    std::fs::write(
        &bad_count,
        text.replace(
            "KXFED-26MAR-H0,buy_yes,0.105,1",
            "KXFED-26MAR-H0,buy_yes,0.10,ten",
        ),
    )
    .unwrap();
    setup.sandbox.clear_journal();
    for (file, expected) in [(&off_tick, "line 32: "), (&bad_count, "line 32: count")] {
        let output = place(&setup, file).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{stderr}");
        assert!(stderr.contains("nothing was sent"), "{stderr}");
    }
    assert!(setup
        .sandbox
        .journal()
        .iter()
        .all(|entry| entry.method == "GET"));
    assert!(placed_by_client_id(&setup).is_empty());
}

#[test]
fn pnl_from_the_database_equals_pnl_from_the_api_and_lists_differences() {
    let setup = Setup::new("pnl");
    setup.sync_to_completion();
    let pnl = |extra: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_kalshi-portfolio"))
            .arg("pnl")
            .args(extra)
            .env("KALSHI_ENV", setup.sandbox.base_url())
            .env("KALSHI_API_KEY_ID", setup.sandbox.key_id())
            .env("KALSHI_PRIVATE_KEY_PATH", &setup.key)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        (
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let db = setup.db();
    let db = db.to_str().unwrap();
    for by in ["market", "event", "day"] {
        assert_eq!(
            pnl(&["--by", by]),
            pnl(&["--by", by, "--db", db]),
            "--by {by}"
        );
    }
    let (_, stderr) = pnl(&["--db", db]);
    assert!(stderr.is_empty(), "{stderr}");

    // Kalshi's figure disagreeing is listed, not hidden.
    let connection = rusqlite::Connection::open(setup.db()).unwrap();
    connection
        .execute(
            "UPDATE positions SET realized_pnl_micros = realized_pnl_micros + 10000
             WHERE ticker = 'KXFED-26MAR-H0'",
            [],
        )
        .unwrap();
    drop(connection);
    let (stdout, stderr) = pnl(&["--db", db, "--json"]);
    assert!(stderr.contains("1 market(s) differ"), "{stderr}");
    assert!(stderr.contains("KXFED-26MAR-H0"), "{stderr}");
    let row: Value = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["ticker"] == "KXFED-26MAR-H0")
        .unwrap();
    assert_eq!(row["difference_dollars"], "-0.0100");
}

#[test]
fn a_saved_cursor_the_api_refuses_restarts_the_interrupted_run() {
    let setup = Setup::new("stale");
    setup.sync_to_completion();
    let db = rusqlite::Connection::open(setup.db()).unwrap();
    db.execute(
        "UPDATE sync_state SET cursor = 'no-such-cursor' WHERE resource = 'fills'",
        [],
    )
    .unwrap();
    drop(db);
    trade(&setup.sandbox, "KXFED-26MAR-H0", 3);
    setup.sync_to_completion();
    assert_same(&setup.api(), &setup.database());
}
