//! The facade's and the hand-written baseline's `get_balance`, each alone, for a
//! profiler; and their instruction counts per request under callgrind.
//!
//! CPU time on a shared 2-core machine moves by a few percent from run to run, which
//! is as much as the facade adds. Instructions executed hardly move: callgrind counts
//! the same totals, within a few tenths of a percent (tokio's idle workers spin a
//! little more or less), whatever else the machine does. So this example is how to
//! tell whether a change to `src/` made requests cheaper, and by how much.
//!
//! ```text
//! cargo build --release --example bench_profile
//! # Instructions per request, facade vs baseline, RSA and Ed25519 (needs valgrind):
//! target/release/examples/bench_profile instructions
//! # One contender alone, e.g. under a profiler of your choice:
//! valgrind --tool=callgrind target/release/examples/bench_profile run facade ed25519 2000
//! ```

#[path = "../benches/common/mod.rs"]
mod common;

use std::process::{Command, ExitCode};

use common::{Baseline, BaselineModel, Key, Server};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["run", who, key, calls] => match (parse_key(key), calls.parse::<u64>()) {
            (Some(key), Ok(calls)) if *who == "facade" || *who == "baseline" => {
                run(who, key, calls);
                ExitCode::SUCCESS
            }
            _ => usage(),
        },
        ["instructions"] => instructions(),
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: bench_profile instructions\n       \
         bench_profile run <facade|baseline> <rsa|ed25519> <calls>"
    );
    ExitCode::FAILURE
}

fn parse_key(key: &str) -> Option<Key> {
    match key {
        "rsa" => Some(Key::Rsa),
        "ed25519" => Some(Key::Ed25519),
        _ => None,
    }
}

/// `calls` sequential `get_balance` calls of one contender against the canned server
/// (the facade's own runtime model for the baseline: spawn onto N workers, wait on a
/// channel).
fn run(who: &str, key: Key, calls: u64) {
    let server = Server::start();
    if who == "facade" {
        let client = common::facade(&server, key);
        calls_of(calls, || {
            std::hint::black_box(client.get_balance().expect("facade get_balance"));
        });
    } else {
        let baseline = Baseline::new(&server, key, BaselineModel::Workers);
        calls_of(calls, || {
            std::hint::black_box(baseline.get_balance().expect("baseline get_balance"));
        });
    }
}

/// The loop callgrind's `--toggle-collect` looks for: instructions are counted inside
/// it on the calling thread and on the client runtimes' worker threads, not in setup
/// and not on the server's thread.
#[inline(never)]
fn calls_of(calls: u64, mut call: impl FnMut()) {
    for _ in 0..calls {
        call();
    }
}

/// Instructions per request of each contender: two runs of different lengths under
/// callgrind, so that what does not scale with the number of calls (connecting,
/// first-call warm-up) cancels out of the difference.
fn instructions() -> ExitCode {
    const SHORT: u64 = 200;
    const LONG: u64 = 1_200;
    let Ok(me) = std::env::current_exe() else {
        eprintln!("cannot find this executable's path");
        return ExitCode::FAILURE;
    };
    println!(
        "instructions per get_balance (callgrind; client threads only, server excluded; \
         ({LONG} calls - {SHORT} calls) / {})",
        LONG - SHORT
    );
    for key in [Key::Rsa, Key::Ed25519] {
        let key_arg = if key == Key::Rsa { "rsa" } else { "ed25519" };
        let mut per_request = [0.0; 2];
        for (slot, who) in ["facade", "baseline"].into_iter().enumerate() {
            let count = |calls: u64| collected(&me, who, key_arg, calls);
            match (count(SHORT), count(LONG)) {
                (Ok(short), Ok(long)) => {
                    per_request[slot] = long.saturating_sub(short) as f64 / (LONG - SHORT) as f64
                }
                (Err(e), _) | (_, Err(e)) => {
                    eprintln!("{e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        let ratio = per_request[0] / per_request[1];
        println!(
            "  {:<14} facade {:>9.0}  baseline {:>9.0}  facade/baseline {ratio:.3}x",
            key.label(),
            per_request[0],
            per_request[1],
        );
    }
    ExitCode::SUCCESS
}

/// Instructions callgrind collected in one `run`.
fn collected(me: &std::path::Path, who: &str, key: &str, calls: u64) -> Result<u64, String> {
    let out_file = std::env::temp_dir().join(format!(
        "kalshi-bench-callgrind-{}-{who}-{key}-{calls}.out",
        std::process::id()
    ));
    let output = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg("--collect-atstart=no")
        .arg("--toggle-collect=*calls_of*")
        .arg("--toggle-collect=*multi_thread::worker::run*")
        .arg(me)
        .args(["run", who, key, &calls.to_string()])
        .output()
        .map_err(|e| format!("cannot run valgrind (is it installed?): {e}"))?;
    let _ = std::fs::remove_file(&out_file);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("valgrind run of {who} {key} failed:\n{stderr}"));
    }
    stderr
        .lines()
        .find_map(|line| line.split("Collected :").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| format!("no instruction count in valgrind's output:\n{stderr}"))
}
