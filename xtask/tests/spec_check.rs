//! `spec check` on the vendored file and on hand-edited copies of it.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use xtask::spec::check::{check_text, header_source};

fn vendored_text() -> String {
    let path = xtask::spec::workspace_root().join(xtask::spec::DEFAULT_OUT);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A directory that certainly does not hold the upstream file, so the
/// checksum comparison is skipped and the test does not need `../shared`.
fn no_upstream() -> PathBuf {
    PathBuf::from("/nonexistent/kalshi-openapi")
}

fn problems(text: &str, upstream: &Path) -> Vec<String> {
    match check_text(text, upstream) {
        Ok(checked) => panic!("expected a failure, all passed: {:?}", checked.lines),
        Err(failed) => failed.problems,
    }
}

#[test]
fn vendored_file_passes() {
    let checked = check_text(&vendored_text(), &no_upstream()).unwrap_or_else(|e| panic!("{e}"));
    let all = checked.lines.join("\n");
    assert!(all.contains("canonical form"), "{all}");
    assert!(all.contains("$refs resolve"), "{all}");
    assert!(all.contains("is not present"), "{all}");
}

#[test]
fn vendored_file_matches_its_upstream_checksum() {
    let vendored = vendored_text();
    let Some(source) = header_source(&vendored) else {
        panic!("the vendored file has no header");
    };
    let Some(upstream) = common::shared_spec(source) else {
        return;
    };
    let dir = upstream.parent().unwrap();
    let checked = check_text(&vendored, dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        checked
            .lines
            .iter()
            .any(|l| l.starts_with("sha256 matches")),
        "{:?}",
        checked.lines
    );
}

#[test]
fn prose_added_by_hand_is_not_canonical() {
    let edited = vendored_text().replacen(
        "    Fill:\n      type: object\n",
        "    Fill:\n      description: A fill.\n      type: object\n",
        1,
    );
    let found = problems(&edited, &no_upstream());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("not in canonical form"), "{found:?}");
    assert!(found[0].contains("description: A fill."), "{found:?}");
}

#[test]
fn reordered_or_requoted_text_is_not_canonical() {
    let text = vendored_text();
    for edited in [
        text.replacen("openapi: '3.0.0'", "openapi: \"3.0.0\"", 1),
        text.replacen("\n\n  /portfolio/deposits:", "\n  /portfolio/deposits:", 1),
        format!("{text}\n"),
    ] {
        assert_ne!(edited, text);
        let found = problems(&edited, &no_upstream());
        assert!(
            found.iter().any(|p| p.contains("not in canonical form")),
            "{found:?}"
        );
    }
}

#[test]
fn dangling_ref_is_reported() {
    let edited = vendored_text().replacen(
        "$ref: '#/components/schemas/GetBalanceResponse'",
        "$ref: '#/components/schemas/Missing'",
        1,
    );
    let found = problems(&edited, &no_upstream());
    assert!(
        found
            .iter()
            .any(|p| p.contains("dangling $ref `#/components/schemas/Missing`")),
        "{found:?}"
    );
}

#[test]
fn provenance_must_be_consistent() {
    let text = vendored_text();
    let found = problems(
        &text.replacen("  version: '3.34.0'\n", "  version: '3.35.0'\n", 1),
        &no_upstream(),
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("info.version `3.35.0` differs")),
        "{found:?}"
    );

    let sha = "64621aa093991f1bc299fcadc247e53aa60588490534b829a5363ef451800437";
    if text.contains(sha) {
        let found = problems(&text.replace(sha, &sha.to_uppercase()), &no_upstream());
        assert!(
            found
                .iter()
                .any(|p| p.contains("is not 64 lower-case hex digits")),
            "{found:?}"
        );
    }
}

#[test]
fn checksum_mismatch_with_the_named_upstream_file_fails() {
    let text = vendored_text();
    let source = header_source(&text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(source), "not the upstream document\n").unwrap();
    let found = problems(&text, dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("has sha256"), "{found:?}");
}

#[test]
fn missing_header_is_reported() {
    let text = vendored_text();
    let body = text.split_once('\n').unwrap().1;
    let found = problems(body, &no_upstream());
    assert!(
        found.iter().any(|p| p.contains("importer's header")),
        "{found:?}"
    );
}
