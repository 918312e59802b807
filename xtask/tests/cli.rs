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

/// An empty tolerance list: the synthetic document has none of the schemas
/// the checked-in list names.
fn no_tolerances(dir: &Path) -> String {
    let path = dir.join("no-tolerances.yaml");
    fs::write(&path, "tolerances: []\n").unwrap();
    path_str(&path).to_owned()
}

/// An empty extra-path list: the synthetic document has only /portfolio
/// paths, which the checked-in list's would make the import refuse.
fn no_extra_paths(dir: &Path) -> String {
    let path = dir.join("no-extra-paths.yaml");
    fs::write(&path, "paths: []\n").unwrap();
    path_str(&path).to_owned()
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

    let none = no_tolerances(dir.path());
    let run = xtask(&[
        "spec",
        "import",
        path_str(&input),
        "--out",
        path_str(&out),
        "--tolerances",
        &none,
        "--extra-paths",
        &no_extra_paths(dir.path()),
    ]);
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
        &format!("--tolerances={none}"),
        &format!("--extra-paths={}", no_extra_paths(dir.path())),
    ]);
    assert!(run.status.success());
    assert_eq!(fs::read(&out).unwrap(), first);
    // No temporary file is left behind; the operations list is written beside
    // the slice, and is the slice's.
    assert_eq!(dir_entries(&out_dir), ["operations.txt", "portfolio.yaml"]);
    let doc = xtask::spec::parse_document(&first).unwrap();
    assert_eq!(
        fs::read_to_string(out_dir.join("operations.txt")).unwrap(),
        xtask::spec::surface::operations_text(&doc)
    );
    assert!(stdout.contains("0 tolerances applied"), "{stdout}");
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
    let none = no_tolerances(dir.path());
    let run = xtask(&[
        "spec",
        "import",
        path_str(&input),
        "--out",
        path_str(&out),
        "--tolerances",
        &none,
        "--extra-paths",
        &no_extra_paths(dir.path()),
    ]);
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

/// Imports SYNTHETIC with a tolerance list given as text.
fn import_with_list(list: &str) -> (Output, std::path::PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("upstream.yaml");
    fs::write(&input, SYNTHETIC).unwrap();
    let tolerances = dir.path().join("tolerances.yaml");
    fs::write(&tolerances, list).unwrap();
    let out = dir.path().join("portfolio.yaml");
    let run = xtask(&[
        "spec",
        "import",
        path_str(&input),
        "--out",
        path_str(&out),
        "--tolerances",
        path_str(&tolerances),
        "--extra-paths",
        &no_extra_paths(dir.path()),
    ]);
    (run, out, dir)
}

#[test]
fn import_applies_the_tolerance_list() {
    let (run, out, _dir) = import_with_list(
        "tolerances:\n  - schema: Order\n    field: side\n    default: 'yes'\n    reason: Seen without it.\n",
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        String::from_utf8_lossy(&run.stdout).contains("1 tolerances applied"),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    let doc = parse(&fs::read_to_string(&out).unwrap());
    let order = &doc["components"]["schemas"]["Order"];
    assert_eq!(order["required"], parse("[description]"));
    let side = &order["properties"]["side"];
    assert_eq!(side["default"], "yes");
    assert_eq!(side["enum"], parse("['yes', 'no', 'on', 'off']"));
    let description = side["description"].as_str().unwrap();
    assert!(
        description.starts_with("Tolerated (openapi/tolerances.yaml)"),
        "{description}"
    );
    assert!(
        description.contains("decodes as `\"yes\"`"),
        "{description}"
    );
    assert!(description.ends_with("Seen without it."), "{description}");
    assert!(doc["info"]["x-upstream"]["tolerances_sha256"].is_string());
}

#[test]
fn a_tolerance_naming_an_unknown_schema_is_an_import_error() {
    let entry = "{schema: Nope, field: x, default: 0, reason: r}";
    let (run, out, _dir) = import_with_list(&format!("tolerances:\n  - {entry}\n"));
    assert_eq!(run.status.code(), Some(1), "{entry}");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("tolerance `Nope.x`: schema `Nope` is not in the slice"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn a_tolerance_whose_field_is_gone_is_a_warning_so_a_removed_field_imports() {
    // Kalshi removing a tolerated (optional-by-tolerance) field is a non-breaking
    // release: it must import, saying the entry no longer applies.
    let entry = "{schema: Order, field: nothing, default: 0, reason: r}";
    let (run, out, _dir) = import_with_list(&format!("tolerances:\n  - {entry}\n"));
    assert_eq!(run.status.code(), Some(0), "{entry}");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("tolerance `Order.nothing`: schema `Order` has no such property"),
        "{stderr}"
    );
    assert!(out.exists(), "the slice is written");
}

#[test]
fn a_moot_tolerance_is_a_warning_and_is_not_applied() {
    // Error.details is optional upstream: nothing to relax.
    let (run, out, _dir) = import_with_list(
        "tolerances:\n  - {schema: Error, field: details, default: '', reason: r}\n",
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: tolerance `Error.details` is moot"),
        "{stderr}"
    );
    let doc = parse(&fs::read_to_string(&out).unwrap());
    let details = &doc["components"]["schemas"]["Error"]["properties"]["details"];
    assert!(details.get("default").is_none(), "{details:?}");
}

#[test]
fn duplicate_operation_ids_are_rejected_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dup.yaml");
    fs::write(
        &input,
        SYNTHETIC.replace("operationId: AmendOrder", "operationId: GetOrder"),
    )
    .unwrap();
    let out = dir.path().join("portfolio.yaml");
    let none = no_tolerances(dir.path());
    let run = xtask(&[
        "spec",
        "import",
        path_str(&input),
        "--out",
        path_str(&out),
        "--tolerances",
        &none,
        "--extra-paths",
        &no_extra_paths(dir.path()),
    ]);
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("duplicate operationId `GetOrder`")
            && stderr.contains("GET /portfolio/orders/{order_id}")
            && stderr.contains("POST /portfolio/orders/{order_id}"),
        "{stderr}"
    );
    assert!(!out.exists());
}
