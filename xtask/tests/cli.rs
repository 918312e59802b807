//! The `cargo xtask spec import` command as a process: exit codes, messages,
//! and that a failed import writes nothing.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::*;

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs")
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn import_writes_the_output_and_is_repeatable() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("upstream.yaml");
    fs::write(&input, SYNTHETIC).unwrap();
    let out_dir = dir.path().join("openapi");
    fs::create_dir(&out_dir).unwrap();
    let out = out_dir.join("portfolio.yaml");

    let run = xtask(&["spec", "import", path_str(&input), "--out", path_str(&out)]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let first = fs::read(&out).unwrap();
    assert_eq!(first, import(SYNTHETIC).unwrap().into_bytes());
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("1 paths, 2 operations"), "{stdout}");

    let run = xtask(&[
        "spec",
        "import",
        path_str(&input),
        &format!("--out={}", path_str(&out)),
    ]);
    assert!(run.status.success());
    assert_eq!(fs::read(&out).unwrap(), first);
    // No temporary file is left behind.
    assert_eq!(dir_entries(&out_dir), ["portfolio.yaml"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "a new output gets the usual file mode");
    }
}

#[test]
fn bad_input_fails_and_writes_nothing() {
    let cases = [
        ("unparseable.yaml", "openapi: [unclosed", "not parseable"),
        (
            "swagger.yaml",
            "swagger: '2.0'\ninfo: {title: T, version: '1'}\npaths: {}\n",
            "swagger: 2.0",
        ),
        (
            "no-portfolio.yaml",
            "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths:\n  /markets: {}\n",
            "no paths under /portfolio",
        ),
    ];
    for (name, text, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join(name);
        fs::write(&input, text).unwrap();
        let out_dir = dir.path().join("out");
        fs::create_dir(&out_dir).unwrap();
        let out = out_dir.join("portfolio.yaml");
        fs::write(&out, "previous content\n").unwrap();

        let run = xtask(&["spec", "import", path_str(&input), "--out", path_str(&out)]);
        assert!(!run.status.success(), "{name} should fail");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(
            stderr.contains(name),
            "{name}: the message names the input: {stderr}"
        );
        assert_eq!(fs::read_to_string(&out).unwrap(), "previous content\n");
        assert_eq!(dir_entries(&out_dir), ["portfolio.yaml"]);
    }
}

#[test]
fn dangling_ref_message_names_ref_and_location() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dangling.yaml");
    let text = SYNTHETIC.replace(
        "$ref: '#/components/schemas/Timestamp'",
        "$ref: '#/components/schemas/Missing'",
    );
    fs::write(&input, text).unwrap();
    let out = dir.path().join("portfolio.yaml");
    let run = xtask(&["spec", "import", path_str(&input), "--out", path_str(&out)]);
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("dangling $ref `#/components/schemas/Missing`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("#/components/schemas/Fill/properties/ts"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn missing_input_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("portfolio.yaml");
    let missing = dir.path().join("missing.yaml");
    let run = xtask(&[
        "spec",
        "import",
        path_str(&missing),
        "--out",
        path_str(&out),
    ]);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("cannot read"));
    assert!(!out.exists());
}

#[test]
fn usage_errors_exit_2() {
    for args in [&[][..], &["spec"], &["spec", "import"], &["nope"]] {
        let run = xtask(args);
        assert_eq!(run.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&run.stderr).contains("usage:"));
    }
    let run = xtask(&["help"]);
    assert!(run.status.success());
    assert!(String::from_utf8_lossy(&run.stdout).contains("spec import"));
}
