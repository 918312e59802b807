//! Every command run as a user runs it: the real binary, `--sandbox`, its stdout,
//! stderr and exit code snapshot-tested (ids and times redacted: the sandbox assigns
//! them).

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kalshi-portfolio"))
        .args(args)
        .env_remove("KALSHI_ENV")
        .env_remove("KALSHI_API_KEY_ID")
        .env_remove("KALSHI_PRIVATE_KEY_PATH")
        .env_remove("KALSHI_PRIVATE_KEY")
        .env_remove("RUST_LOG")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap()
}

/// stdout, stderr and the exit code as one text.
fn transcript(args: &[&str]) -> String {
    let output = run(args);
    format!(
        "$ kalshi-portfolio {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

macro_rules! snapshot {
    ($name:expr, $text:expr) => {{
        let mut settings = insta::Settings::clone_current();
        settings.add_filter(
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[id]                                ",
        );
        settings.add_filter(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)",
            "[time]                  ",
        );
        settings.bind(|| insta::assert_snapshot!($name, $text));
    }};
}

#[test]
fn balance() {
    snapshot!("balance", transcript(&["--sandbox", "balance"]));
    snapshot!(
        "balance_json",
        transcript(&["--sandbox", "balance", "--json"])
    );
}

#[test]
fn positions() {
    snapshot!("positions", transcript(&["--sandbox", "positions"]));
}

#[test]
fn fills() {
    snapshot!(
        "fills",
        transcript(&[
            "--sandbox",
            "fills",
            "--ticker",
            "KXFED-26MAR-H0",
            "--limit",
            "8"
        ])
    );
    let output = run(&["--sandbox", "fills", "--json"]);
    assert!(output.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Six markets, fifty trades each, each trade one fill.
    assert_eq!(lines.len(), 300);
    assert!(lines
        .iter()
        .all(|l| l["fill_id"].is_string() && l["count"].is_string()));
}

#[test]
fn settlements() {
    snapshot!("settlements", transcript(&["--sandbox", "settlements"]));
}

#[test]
fn orders_list() {
    snapshot!(
        "orders_resting",
        transcript(&["--sandbox", "orders", "list", "--status", "resting"])
    );
    snapshot!(
        "orders_event",
        transcript(&[
            "--sandbox",
            "orders",
            "list",
            "--event",
            "KXCPI-26JAN",
            "--status",
            "canceled"
        ])
    );
}

#[test]
fn usage_errors_exit_2_and_name_the_fix() {
    snapshot!("bad_env", transcript(&["--env", "staging", "balance"]));
    snapshot!("no_credentials", transcript(&["balance"]));
    snapshot!(
        "bad_since",
        transcript(&["--sandbox", "export", "fills", "--since", "yesterday"])
    );
    snapshot!(
        "missing_db",
        transcript(&["export", "fills", "--from-db", "/nonexistent/k.sqlite"])
    );
    let output = run(&["orders", "list", "--ticker", "A", "--event", "B"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn export_csv_every_column_filled_and_db_matches_api() {
    let dir = std::env::temp_dir().join(format!("kp-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv_path = dir.join("settlements.csv");
    let output = run(&[
        "--sandbox",
        "export",
        "settlements",
        "-o",
        csv_path.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    for row in &rows {
        assert_eq!(row.len(), headers.len());
        assert!(row.iter().all(|cell| !cell.is_empty()), "{row:?}");
    }
    snapshot!(
        "export_settlements_csv",
        std::fs::read_to_string(&csv_path).unwrap()
    );
    // The other kinds: every row as wide as the header, and every column with a
    // value in some row (the seeded account has an order group and expiring orders;
    // a position row leaves the other kind's columns empty).
    for kind in ["fills", "orders", "positions"] {
        let path = dir.join(format!("{kind}.csv"));
        let output = run(&["--sandbox", "export", kind, "-o", path.to_str().unwrap()]);
        assert!(output.status.success(), "{output:?}");
        let mut reader = csv::Reader::from_path(&path).unwrap();
        let headers = reader.headers().unwrap().clone();
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert!(!rows.is_empty(), "{kind}");
        assert!(rows.iter().all(|row| row.len() == headers.len()), "{kind}");
        for (i, header) in headers.iter().enumerate() {
            assert!(
                rows.iter().any(|row| !row[i].is_empty()),
                "{kind}: column {header} is empty in every row"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn write(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kp-commands-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn orders_place_and_cancel() {
    let file = write(
        "orders.csv",
        "ticker,side,action,price,count,time_in_force,post_only,expiration_utc,client_order_id\n\
         KXFED-26MAR-H0,bid,,0.20,5,gtc,true,,\n\
         KXGDP-26Q1-T2,no,buy,0.70,3,gtc,,2099-12-31T23:00:00Z,mine-1\n\
         KXGDP-26Q1-T3,sell_yes,,0.99,2,ioc,,,\n",
    );
    let file = file.to_str().unwrap();
    let db = write("place.sqlite", "");
    std::fs::remove_file(&db).unwrap();
    let db = db.to_str().unwrap();
    let mut settings = insta::Settings::clone_current();
    // The file's hash depends on nothing but its bytes, but keep snapshots readable.
    settings.add_filter(r"kp-[0-9a-f]{16}-", "kp-[file]-");
    settings.add_filter(r"/\S*/kp-commands-\d+/", "[dir]/");
    settings.bind(|| {
        snapshot!(
            "place_dry_run",
            transcript(&[
                "--sandbox",
                "orders",
                "place",
                "--file",
                file,
                "--dry-run",
                "--db",
                db
            ])
        );
        snapshot!(
            "place",
            transcript(&["--sandbox", "orders", "place", "--file", file, "--db", db])
        );
        let bad = write(
            "bad.csv",
            "ticker,side,price,count,colour\nA,bid,0.5,1,red\n",
        );
        snapshot!(
            "place_unknown_column",
            transcript(&[
                "--sandbox",
                "orders",
                "place",
                "--file",
                bad.to_str().unwrap()
            ])
        );
        let bad = write(
            "bad2.csv",
            "ticker,side,price,count\nA,bid,0.5,1\nB,bid,1.5,1\n",
        );
        snapshot!(
            "place_bad_price",
            transcript(&[
                "--sandbox",
                "orders",
                "place",
                "--file",
                bad.to_str().unwrap()
            ])
        );
    });
    snapshot!(
        "cancel_dry_run",
        transcript(&[
            "--sandbox",
            "orders",
            "cancel",
            "--event",
            "KXGDP-26Q1",
            "--dry-run"
        ])
    );
    snapshot!(
        "cancel_ticker",
        transcript(&[
            "--sandbox",
            "orders",
            "cancel",
            "--ticker",
            "KXFED-26MAR-H0"
        ])
    );
    let output = run(&["--sandbox", "orders", "cancel"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn pnl() {
    snapshot!("pnl", transcript(&["--sandbox", "pnl"]));
    snapshot!(
        "pnl_event",
        transcript(&["--sandbox", "pnl", "--by", "event"])
    );
    snapshot!(
        "pnl_ticker",
        transcript(&["--sandbox", "pnl", "--ticker", "KXCPI-26JAN-T0.3", "--json"])
    );
    // By day: the rows (one per UTC day the seeding touched) add up to the total.
    let output = run(&["--sandbox", "pnl", "--by", "day", "--json"]);
    assert!(output.status.success());
    let mut total = kalshi_portfolio::Dollars::ZERO;
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let amount: kalshi_portfolio::Dollars = row["realized_pnl_dollars"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        total = total.checked_add(amount).unwrap();
    }
    assert_eq!(total.to_string(), "55.4400");
}

#[test]
fn verbose_logs_requests_on_stderr_and_leaves_stdout_alone() {
    let quiet = run(&["--sandbox", "balance", "--json"]);
    let verbose = run(&["--sandbox", "-v", "balance", "--json"]);
    assert!(verbose.status.success());
    assert_eq!(quiet.stdout, verbose.stdout);
    let stderr = String::from_utf8_lossy(&verbose.stderr);
    assert!(stderr.contains("operation=\"get_balance\""), "{stderr}");
    assert!(quiet.stderr.is_empty());
}
