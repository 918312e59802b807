//! The facade and the hand-written baselines, each alone, for a profiler; and their
//! instruction counts per request under callgrind.
//!
//! CPU time on a shared 2-core machine moves by a few percent from run to run, which
//! is as much as the facade adds. Instructions executed hardly move: callgrind counts
//! the same totals, within a few tenths of a percent, whatever else the machine does.
//! So this example is how to tell whether a change to `src/` made requests cheaper,
//! and by how much.
//!
//! ```text
//! cargo build --release --example bench_profile
//! # Instructions per request, facade vs plain reqwest::blocking and the other
//! # baselines, get_balance and create_order, RSA and Ed25519 (needs valgrind):
//! target/release/examples/bench_profile instructions
//! # One contender alone, e.g. under a profiler of your choice (the server runs in a
//! # child process, so the profile holds the client only):
//! valgrind --tool=callgrind target/release/examples/bench_profile run facade ed25519 get_balance 2000
//! # Where the resident memory goes: the facade and plain reqwest::blocking, each in a
//! # process of its own, stage by stage (start, build, first request, 2,000 more):
//! target/release/examples/bench_profile memory
//! ```
//!
//! The canned server runs in a child process (`bench_profile serve`), so every
//! instruction callgrind counts in the measured process is the client's, on whatever
//! thread it ran: the caller's, reqwest::blocking's background thread, tokio workers.
//! Each contender runs twice, with 200 and 1,200 calls; the difference divided by
//! 1,000 is the cost per request, and start-up, connecting and warm-up cancel out.

#[path = "../benches/common/mod.rs"]
mod common;

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Command, ExitCode, Stdio};

use common::{Baseline, BaselineModel, Key, Op, Server};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["serve"] => serve(),
        ["run", who, key, op, calls] | ["run", who, key, op, calls, _] => {
            let url = args.get(5).copied();
            match (
                contender(who),
                parse_key(key),
                Op::from_id(op),
                calls.parse::<u64>(),
            ) {
                (Some(who), Some(key), Some(op), Ok(calls)) => run(who, key, op, calls, url),
                _ => usage(),
            }
        }
        ["memory"] => memory(),
        ["memory-run", who, key, url] => match (contender(who), parse_key(key)) {
            (Some(who), Some(key)) => memory_run(who, key, url),
            _ => usage(),
        },
        ["instructions"] => instructions(&[]),
        ["instructions", only @ ..] => instructions(only),
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: bench_profile instructions [ed25519] [facade|plain_blocking|spawn_channel|caller_thread ...]\n       \
         bench_profile run <facade|plain_blocking|spawn_channel|caller_thread> <rsa|ed25519> \
         <get_balance|create_order> <calls> [base URL]\n       \
         bench_profile memory\n       \
         bench_profile serve"
    );
    ExitCode::FAILURE
}

/// Who is measured: the facade or one of the hand-written baselines.
#[derive(Clone, Copy)]
enum Contender {
    Facade,
    Baseline(BaselineModel),
}

fn contender(id: &str) -> Option<Contender> {
    if id == "facade" {
        return Some(Contender::Facade);
    }
    BaselineModel::from_id(id).map(Contender::Baseline)
}

fn parse_key(key: &str) -> Option<Key> {
    match key {
        "rsa" => Some(Key::Rsa),
        "ed25519" => Some(Key::Ed25519),
        _ => None,
    }
}

/// Serve until standard input closes; the first line printed is the base URL.
fn serve() -> ExitCode {
    let server = Server::start();
    println!("{}", server.base_url);
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(server);
    ExitCode::SUCCESS
}

/// `calls` sequential calls of one contender, against the server at `url` (or one
/// started in this process when none is given).
fn run(who: Contender, key: Key, op: Op, calls: u64, url: Option<&str>) -> ExitCode {
    let local = url.is_none().then(Server::start);
    let base_url = match (&local, url) {
        (Some(server), _) => server.base_url.clone(),
        (None, Some(url)) => url.to_owned(),
        (None, None) => return usage(),
    };
    match who {
        Contender::Facade => {
            let client = common::facade_at(&base_url, key);
            calls_of(calls, || common::facade_call(&client, op));
        }
        Contender::Baseline(model) => {
            let baseline = Baseline::at(&base_url, key, model);
            calls_of(calls, || baseline.call(op));
        }
    }
    ExitCode::SUCCESS
}

#[inline(never)]
fn calls_of(calls: u64, mut call: impl FnMut()) {
    for _ in 0..calls {
        call();
    }
}

/// Instructions per request of each contender: two runs of different lengths under
/// callgrind, so that what does not scale with the number of calls (start-up,
/// connecting, first-call warm-up) cancels out of the difference.
fn instructions(only: &[&str]) -> ExitCode {
    const SHORT: u64 = 200;
    const LONG: u64 = 1_200;
    let (me, mut server, url) = match server_process() {
        Ok(started) => started,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    // `ed25519` among the arguments skips the (slow) RSA case; any contender names
    // among them keep only those.
    let skip_rsa = only.contains(&"ed25519");
    let names: Vec<&str> = only.iter().copied().filter(|a| *a != "ed25519").collect();
    let contenders: Vec<&str> = ["facade"]
        .into_iter()
        .chain(BaselineModel::ALL.iter().map(|m| m.id()))
        .filter(|id| names.is_empty() || names.contains(id))
        .collect();
    println!(
        "instructions per request (callgrind; every thread of the client process, the \
         server in another process; ({LONG} calls - {SHORT} calls) / {}), crypto: {}",
        LONG - SHORT,
        kalshi_portfolio::crypto::provider_name()
    );
    println!(
        "  {:<28}{}",
        "",
        contenders
            .iter()
            .map(|c| format!("{c:>16}"))
            .collect::<String>()
    );
    let mut failed = false;
    'cases: for (key, op) in [
        (Key::Rsa, Op::GetBalance),
        (Key::Ed25519, Op::GetBalance),
        (Key::Ed25519, Op::CreateOrder),
    ] {
        if skip_rsa && key == Key::Rsa {
            continue;
        }
        let key_arg = if key == Key::Rsa { "rsa" } else { "ed25519" };
        let mut per_request = Vec::new();
        for who in &contenders {
            let count = |calls: u64| collected(&me, who, key_arg, op.label(), calls, &url);
            match (count(SHORT), count(LONG)) {
                (Ok(short), Ok(long)) => {
                    per_request.push(long.saturating_sub(short) as f64 / (LONG - SHORT) as f64)
                }
                (Err(e), _) | (_, Err(e)) => {
                    eprintln!("{e}");
                    failed = true;
                    break 'cases;
                }
            }
        }
        println!(
            "  {:<28}{}",
            format!("{} {}", op.label(), key.label()),
            per_request
                .iter()
                .map(|n| format!("{n:>16.0}"))
                .collect::<String>()
        );
        if let Some(plain) = contenders
            .iter()
            .position(|c| *c == BaselineModel::REFERENCE.id())
        {
            let ratios: Vec<String> = contenders
                .iter()
                .zip(&per_request)
                .map(|(c, n)| format!("{c} {:.3}x", n / per_request[plain]))
                .collect();
            println!("  {:<28}{}", "  / plain_blocking", ratios.join("  "));
        }
    }
    drop(server.stdin.take());
    let _ = server.wait();
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// This executable, and a child process of it serving the canned API (`serve`),
/// with its base URL. The server stops when the child's standard input closes.
fn server_process() -> Result<(std::path::PathBuf, std::process::Child, String), String> {
    let me =
        std::env::current_exe().map_err(|e| format!("cannot find this executable's path: {e}"))?;
    let mut server = Command::new(&me)
        .arg("serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the server process: {e}"))?;
    let mut url = String::new();
    if let Some(stdout) = server.stdout.take() {
        let _ = BufReader::new(stdout).read_line(&mut url);
    }
    let url = url.trim().to_owned();
    if url.is_empty() {
        let _ = server.kill();
        return Err("the server process printed no URL".into());
    }
    Ok((me, server, url))
}

/// The facade and plain `reqwest::blocking`, each alone in a fresh process
/// (`memory-run`), with an Ed25519 key: their memory stage by stage, side by side.
fn memory() -> ExitCode {
    let (me, mut server, url) = match server_process() {
        Ok(started) => started,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let stages =
        |who: &str, trust: bool| -> Result<Vec<(String, common::memory::Snapshot)>, String> {
            let mut command = Command::new(&me);
            command.args(["memory-run", who, "ed25519", &url]);
            if trust {
                command.env(common::BASELINE_TRUST_ENV, "1");
            }
            let output = command
                .output()
                .map_err(|e| format!("cannot run {who}: {e}"))?;
            if !output.status.success() {
                return Err(format!(
                    "{who} failed:\n{}",
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
            let lines: Vec<_> = String::from_utf8_lossy(&output.stdout)
                .lines()
                .filter_map(common::memory::Snapshot::parse_line)
                .collect();
            if lines.len() == common::memory::STAGES.len() {
                Ok(lines)
            } else {
                Err(format!("{who} reported {} stages (no /proc?)", lines.len()))
            }
        };
    let plain = BaselineModel::REFERENCE.id();
    let result = stages("facade", false)
        .and_then(|ours| Ok((ours, stages(plain, false)?, stages(plain, true)?)));
    drop(server.stdin.take());
    let _ = server.wait();
    match result {
        Ok((ours, theirs, trusting)) => {
            println!(
                "resident memory by stage, one process per client (Ed25519 get_balance; the \
                 server in another process), crypto: {}",
                kalshi_portfolio::crypto::provider_name()
            );
            for (stage, what) in common::memory::STAGES {
                println!("  {stage:<7}{what}");
            }
            print!(
                "{}",
                common::memory::table("facade", &ours, "plain reqwest::blocking", &theirs)
            );
            println!(
                "the same plain client with the facade's trust store (the system's, through \
                 rustls-platform-verifier) instead of none:"
            );
            print!(
                "{}",
                common::memory::table("facade", &ours, "plain + system trust", &trusting)
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// One client's stages for [`memory`], printed as `stage …` lines.
fn memory_run(who: Contender, key: Key, url: &str) -> ExitCode {
    let stage = |name: &str| {
        if let Some(snapshot) = common::memory::Snapshot::now() {
            println!("{}", snapshot.line(name));
        }
    };
    stage("start");
    match who {
        Contender::Facade => {
            let client = common::facade_at(url, key);
            stage("built");
            common::facade_call(&client, Op::GetBalance);
            stage("first");
            calls_of(2_000, || common::facade_call(&client, Op::GetBalance));
            stage("many");
        }
        Contender::Baseline(model) => {
            let baseline = Baseline::at(url, key, model);
            stage("built");
            baseline.call(Op::GetBalance);
            stage("first");
            calls_of(2_000, || baseline.call(Op::GetBalance));
            stage("many");
        }
    }
    ExitCode::SUCCESS
}

/// Instructions callgrind collected in one `run` (all threads).
fn collected(
    me: &std::path::Path,
    who: &str,
    key: &str,
    op: &str,
    calls: u64,
    url: &str,
) -> Result<u64, String> {
    let out_file = std::env::temp_dir().join(format!(
        "kalshi-bench-callgrind-{}-{who}-{key}-{op}-{calls}.out",
        std::process::id()
    ));
    let output = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(me)
        .args(["run", who, key, op, &calls.to_string(), url])
        .output()
        .map_err(|e| format!("cannot run valgrind (is it installed?): {e}"))?;
    let _ = std::fs::remove_file(&out_file);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "valgrind run of {who} {key} {op} failed:\n{stderr}"
        ));
    }
    stderr
        .lines()
        .find_map(|line| line.split("Collected :").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| format!("no instruction count in valgrind's output:\n{stderr}"))
}
