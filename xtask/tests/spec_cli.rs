//! `spec diff`, `spec check`, `spec generate-all` and `spec surface` as
//! processes: exit codes and what they print.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs")
}

fn vendored() -> PathBuf {
    xtask::spec::workspace_root().join(xtask::spec::DEFAULT_OUT)
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("paths are UTF-8")
}

fn stdout(run: &Output) -> String {
    String::from_utf8_lossy(&run.stdout).into_owned()
}

fn stderr(run: &Output) -> String {
    String::from_utf8_lossy(&run.stderr).into_owned()
}

/// The vendored slice without one operation, written to a temporary file.
fn without_balance(dir: &Path) -> PathBuf {
    let mut doc = common::parse(&fs::read_to_string(vendored()).unwrap());
    doc["paths"]
        .as_mapping_mut()
        .unwrap()
        .shift_remove("/portfolio/balance");
    let path = dir.join("no-balance.yaml");
    fs::write(&path, common::to_yaml(&doc)).unwrap();
    path
}

#[test]
fn diff_of_the_vendored_file_with_itself_is_empty() {
    let run = xtask(&["spec", "diff", path_str(&vendored()), "--fail-on-breaking"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(
        stdout(&run).contains("**0 changes, 0 breaking"),
        "{}",
        stdout(&run)
    );
}

#[test]
fn fail_on_breaking_sets_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let new = without_balance(dir.path());
    let run = xtask(&["spec", "diff", path_str(&new)]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(
        stdout(&run).contains("- **BREAKING** `GET /portfolio/balance` (GetBalance)"),
        "{}",
        stdout(&run)
    );

    let run = xtask(&["spec", "diff", path_str(&new), "--fail-on-breaking"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        stderr(&run).contains("breaking change(s)"),
        "{}",
        stderr(&run)
    );
}

#[test]
fn json_format_and_base() {
    let dir = tempfile::tempdir().unwrap();
    let new = without_balance(dir.path());
    // With --base the roles swap: the operation is now an addition.
    let run = xtask(&[
        "spec",
        "diff",
        "--format",
        "json",
        "--base",
        path_str(&new),
        path_str(&vendored()),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).expect("JSON output");
    assert_eq!(json["old"]["source"], "no-balance.yaml");
    assert_eq!(json["new"]["source"], "portfolio.yaml");
    assert_eq!(json["summary"]["breaking"], 0);
    assert!(json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["kind"] == "operation_added" && c["subject"] == "GET /portfolio/balance"));
}

#[test]
fn diff_bad_input_exits_1_and_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let run = xtask(&["spec", "diff", path_str(&dir.path().join("missing.yaml"))]);
    assert_eq!(run.status.code(), Some(1));
    assert!(stderr(&run).contains("cannot read"), "{}", stderr(&run));

    let bad = dir.path().join("bad.yaml");
    fs::write(&bad, "openapi: [unclosed").unwrap();
    let run = xtask(&["spec", "diff", path_str(&bad)]);
    assert_eq!(run.status.code(), Some(1));
    assert!(stderr(&run).contains("not parseable"), "{}", stderr(&run));

    for args in [
        &["spec", "diff"][..],
        &["spec", "diff", "a.yaml", "--format", "html"],
        &["spec", "diff", "a.yaml", "--base"],
        &["spec", "check", "extra"],
        &["spec", "generate-all", "a", "b"],
    ] {
        let run = xtask(args);
        assert_eq!(run.status.code(), Some(2), "{args:?}");
        assert!(stderr(&run).contains("usage:"), "{args:?}");
    }
}

#[test]
fn check_passes_on_the_vendored_file_and_fails_on_an_edited_copy() {
    let run = xtask(&["spec", "check"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(
        stdout(&run).contains("ok: canonical form"),
        "{}",
        stdout(&run)
    );

    let dir = tempfile::tempdir().unwrap();
    let edited = dir.path().join("portfolio.yaml");
    let text = fs::read_to_string(vendored()).unwrap();
    let doc = common::parse(&text);
    let version = doc["info"]["version"].as_str().unwrap();
    let line = format!("  version: '{version}'\n");
    assert!(text.contains(&line), "info.version is written as {line:?}");
    fs::write(&edited, text.replacen(&line, "  version: '9.9.9'\n", 1)).unwrap();
    let run = xtask(&["spec", "check", "--file", path_str(&edited)]);
    assert_eq!(run.status.code(), Some(1));
    let err = stderr(&run);
    assert!(err.contains("info.version `9.9.9` differs"), "{err}");
    assert!(err.contains("edited after import"), "{err}");
    assert!(err.contains("not in canonical form"), "{err}");
}

#[test]
fn generate_all_skips_a_missing_directory() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let run = xtask(&["spec", "generate-all", path_str(&missing)]);
    assert_eq!(run.status.code(), Some(0));
    assert!(stdout(&run).contains("skipping"), "{}", stdout(&run));
}

#[test]
fn generate_all_fails_when_a_version_fails() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("synthetic.yaml"), common::SYNTHETIC).unwrap();
    let run = xtask(&["spec", "generate-all", path_str(dir.path())]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        stdout(&run).contains("synthetic.yaml: version 9.8.7"),
        "{}",
        stdout(&run)
    );
    assert!(stdout(&run).contains("FAIL"), "{}", stdout(&run));
}

#[test]
fn surface_prints_both_lists() {
    let run = xtask(&["spec", "surface"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let out = stdout(&run);
    assert!(
        out.contains("get_balance: GET /portfolio/balance (GetBalance)"),
        "{out}"
    );
    assert!(out.contains("impl Client\n"), "{out}");
}

/// Runs xtask with its stdout a pipe whose reading end is already closed,
/// as `| head` leaves it once head has its lines: every write fails with
/// EPIPE (Rust ignores SIGPIPE), whatever the timing.
fn with_closed_stdout(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .stdout(writer)
        .output()
        .expect("xtask runs")
}

#[test]
fn a_closed_stdout_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let new = without_balance(dir.path());
    let check_file = path_str(&vendored()).to_owned();
    for args in [
        &["spec", "diff", path_str(&new)][..],
        &["spec", "diff", "--format", "json", path_str(&new)],
        &["spec", "check", "--file", &check_file],
        &["spec", "surface"],
        &["help"],
    ] {
        let run = with_closed_stdout(args);
        let err = stderr(&run);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(run.status.code(), Some(0), "{args:?}: {err}");
    }
    // The verdict still sets the exit code when nobody reads the report.
    let run = with_closed_stdout(&["spec", "diff", "--fail-on-breaking", path_str(&new)]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
}
