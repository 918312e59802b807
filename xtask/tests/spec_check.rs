//! `spec check` on the vendored file and on hand-edited copies of it.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;
use xtask::spec::check::{check_text, header_source, CheckFailed, Checked};
use xtask::spec::{ExtraPaths, Retained, Tolerances};

/// `spec check` as the command runs it: with the checked-in tolerances.
fn check(text: &str, upstream: &Path) -> Result<Checked, CheckFailed> {
    let tolerances = Tolerances::checked_in().unwrap_or_else(|e| panic!("{e}"));
    check_text(text, upstream, &tolerances, &extra(), &retained())
}

/// The checked-in retained-field list, as `spec check` reads it.
fn retained() -> Retained {
    Retained::checked_in().unwrap_or_else(|e| panic!("{e}"))
}

fn extra() -> ExtraPaths {
    ExtraPaths::checked_in().unwrap_or_else(|e| panic!("{e}"))
}

/// A field of `info.x-upstream` of the vendored file.
fn provenance(text: &str, key: &str) -> String {
    let doc: Value = serde_yaml_ng::from_str(text).unwrap();
    doc["info"]["x-upstream"][key].as_str().unwrap().to_owned()
}

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
    match check(text, upstream) {
        Ok(checked) => panic!("expected a failure, all passed: {:?}", checked.lines),
        Err(failed) => failed.problems,
    }
}

#[test]
fn vendored_file_passes() {
    let checked = check(&vendored_text(), &no_upstream()).unwrap_or_else(|e| panic!("{e}"));
    let all = checked.lines.join("\n");
    assert!(all.contains("canonical form"), "{all}");
    assert!(all.contains("unedited since import"), "{all}");
    assert!(all.contains("$refs resolve"), "{all}");
    assert!(all.contains("is not present"), "{all}");
}

#[test]
fn vendored_file_matches_its_upstream_checksum() {
    let vendored = vendored_text();
    let Some(upstream) = common::recorded_upstream(&vendored) else {
        return;
    };
    let dir = upstream.parent().unwrap();
    let checked = check(&vendored, dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        checked
            .lines
            .iter()
            .any(|l| l.starts_with("sha256 matches")),
        "{:?}",
        checked.lines
    );
    assert!(
        checked
            .lines
            .iter()
            .any(|l| l.starts_with("re-importing") && l.ends_with("gives the same bytes")),
        "{:?}",
        checked.lines
    );
}

/// The text an object schema without a description of its own starts with in
/// the vendored file (`    Name:\n      type: object\n`), for hand edits that add
/// prose: which schemas have one changes from release to release.
fn undescribed_object_schema(text: &str) -> String {
    let doc: Value = serde_yaml_ng::from_str(text).unwrap();
    xtask::spec::model::schemas(&doc)
        .into_iter()
        .filter(|(_, schema)| {
            schema.get("description").is_none()
                && schema.get("type").and_then(Value::as_str) == Some("object")
        })
        .map(|(name, _)| format!("    {name}:\n      type: object\n"))
        .find(|anchor| text.contains(anchor.as_str()))
        .expect("the vendored file has an object schema without a description")
}

#[test]
fn prose_added_by_hand_is_not_canonical() {
    let text = vendored_text();
    let anchor = undescribed_object_schema(&text);
    let head = anchor.strip_suffix("      type: object\n").unwrap();
    let edited = text.replacen(
        &anchor,
        &format!("{head}      example: A fill.\n      type: object\n"),
        1,
    );
    assert_ne!(edited, text);
    let found = problems(&edited, &no_upstream());
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("edited after import"), "{found:?}");
    assert!(found[1].contains("not in canonical form"), "{found:?}");
    assert!(found[1].contains("example: A fill."), "{found:?}");
    // A description is kept by the importer (it becomes rustdoc), so one added by
    // hand is canonical in form; the recorded checksum still gives it away.
    let described = text.replacen(
        &anchor,
        &format!("{head}      description: A fill.\n      type: object\n"),
        1,
    );
    assert_ne!(described, text);
    let found = problems(&described, &no_upstream());
    assert!(
        found.iter().any(|p| p.contains("edited after import")),
        "{found:?}"
    );
}

#[test]
fn reordered_or_requoted_text_is_not_canonical() {
    let text = vendored_text();
    // The `openapi:` line, whatever 3.0.x it names, in double quotes.
    let line = text
        .lines()
        .find(|l| l.starts_with("openapi: '"))
        .expect("an openapi line");
    let requoted = line.replace('\'', "\"");
    for edited in [
        text.replacen(line, &requoted, 1),
        // The blank line between the first two paths, whichever they are.
        text.replacen("\n\n  /", "\n  /", 1),
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
    let version = provenance(&text, "version");
    let line = format!("  version: '{version}'\n");
    assert!(text.contains(&line), "info.version is written as {line:?}");
    let found = problems(
        &text.replacen(&line, "  version: '0.0.0-edited'\n", 1),
        &no_upstream(),
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("info.version `0.0.0-edited` differs")),
        "{found:?}"
    );

    let sha = provenance(&text, "sha256");
    assert!(text.contains(&sha));
    let found = problems(&text.replace(&sha, &sha.to_uppercase()), &no_upstream());
    assert!(
        found
            .iter()
            .any(|p| p.contains("is not 64 lower-case hex digits")),
        "{found:?}"
    );
}

/// Hand edits that keep the file in canonical form but change what the
/// client does; the recorded slice checksum catches every one.
fn meaning_changing_edits(text: &str) -> Vec<(&'static str, String)> {
    let edits = [
        (
            "a Fill property retyped string → integer",
            "    Fill:\n      type: object\n",
            "        fill_id:\n          type: string\n",
            "        fill_id:\n          type: integer\n",
        ),
        (
            "a name dropped from Order's required",
            "    Order:\n      type: object\n",
            "      - order_id\n",
            "",
        ),
        (
            "an OrderStatus enum value added",
            "    OrderStatus:\n",
            "      - executed\n",
            "      - executed\n      - expired\n",
        ),
        (
            "a parameter made required",
            "  /portfolio/fills:\n",
            "      - name: ticker\n        in: query\n",
            "      - name: ticker\n        in: query\n        required: true\n",
        ),
        (
            "a success status changed",
            "  /portfolio/balance:\n",
            "        '200':\n",
            "        '201':\n",
        ),
    ];
    edits
        .into_iter()
        .map(|(what, anchor, from, to)| {
            let start = text
                .find(anchor)
                .unwrap_or_else(|| panic!("{what}: anchor {anchor:?} not found"));
            let at = start
                + text[start..]
                    .find(from)
                    .unwrap_or_else(|| panic!("{what}: {from:?} not found"));
            let edited = format!("{}{to}{}", &text[..at], &text[at + from.len()..]);
            // Had upstream spelled the parameter's `required: false` out, it stays
            // one key.
            let edited = edited.replacen(
                "        required: true\n        required: false\n",
                "        required: true\n",
                1,
            );
            (what, edited)
        })
        .collect()
}

#[test]
fn canonical_hand_edits_that_change_meaning_fail() {
    let text = vendored_text();
    for (what, edited) in meaning_changing_edits(&text) {
        assert_ne!(edited, text, "{what}");
        let found = problems(&edited, &no_upstream());
        assert!(
            found.iter().any(|p| p.contains("edited after import")
                && p.contains("slice_sha256")
                && p.contains("re-run `cargo xtask spec import`")),
            "{what}: {found:?}"
        );
    }
}

#[test]
fn hand_edits_with_a_recomputed_checksum_fail_against_upstream() {
    let text = vendored_text();
    let Some(upstream) = common::recorded_upstream(&text) else {
        return;
    };
    let dir = upstream.parent().unwrap();
    for (what, edited) in meaning_changing_edits(&text) {
        // Whoever edits the file can recompute its checksum; only the
        // upstream document then tells.
        let (recorded, actual) = xtask::spec::canonical::slice_checksum(&edited).unwrap();
        let resealed = edited.replace(&recorded, &actual);
        let found = problems(&resealed, dir);
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("re-import: line") && p.contains("importing")),
            "{what}: {found:?}"
        );
        assert!(
            !found.iter().any(|p| p.contains("edited after import")),
            "{what}: {found:?}"
        );
    }
}

#[test]
fn a_changed_tolerance_list_needs_a_re_import() {
    let text = vendored_text();
    let mut tolerances = Tolerances::checked_in().unwrap();
    assert!(!tolerances.is_empty(), "the checked-in list has entries");
    tolerances.entries.pop();
    tolerances.sha256 = Some("0".repeat(64));
    let found = match check_text(&text, &no_upstream(), &tolerances, &extra(), &retained()) {
        Ok(checked) => panic!("expected a failure: {:?}", checked.lines),
        Err(failed) => failed.problems,
    };
    assert!(
        found.iter().any(|p| p.starts_with("tolerances:")
            && p.contains("re-run `cargo xtask spec import`")),
        "{found:?}"
    );
}

#[test]
fn a_missing_slice_checksum_is_reported() {
    let text = vendored_text();
    let edited: String = text
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("    slice_sha256: "))
        .collect();
    let found = problems(&edited, &no_upstream());
    assert!(
        found
            .iter()
            .any(|p| p.contains("cannot be proven unedited")),
        "{found:?}"
    );
}

#[test]
fn another_document_under_the_upstream_name_is_reported_not_re_imported() {
    // A synthetic next version made by editing a copy keeps the upstream's
    // file name; after importing it, `spec check` must still pass (the slice
    // checksum holds the file to what the importer wrote) and say why it did
    // not re-import.
    let text = vendored_text();
    let source = header_source(&text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(source), "not the upstream document\n").unwrap();
    let checked = check(&text, dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        checked.lines.iter().any(|l| l.contains("has sha256")
            && l.contains("not the recorded")
            && l.contains("not re-imported")),
        "{:?}",
        checked.lines
    );
    assert!(
        !checked.lines.iter().any(|l| l.starts_with("re-importing")),
        "{:?}",
        checked.lines
    );
    // A hand edit is still caught there, by the slice checksum.
    let (_, edited) = meaning_changing_edits(&text).remove(0);
    let found = problems(&edited, dir.path());
    assert!(
        found.iter().any(|p| p.contains("edited after import")),
        "{found:?}"
    );
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

#[test]
fn a_changed_extra_path_list_needs_a_re_import() {
    // A path added to the list without a re-import: the recorded checksum
    // differs and the file lacks the path; both are reported.
    let text = vendored_text();
    let tolerances = Tolerances::checked_in().unwrap();
    let mut extra = extra();
    extra.entries.push(xtask::spec::extra_paths::ExtraPath {
        path: "/series".into(),
        reason: "test".into(),
    });
    extra.sha256 = Some("0".repeat(64));
    let found = match check_text(&text, &no_upstream(), &tolerances, &extra, &retained()) {
        Ok(checked) => panic!("expected a failure: {:?}", checked.lines),
        Err(failed) => failed.problems,
    };
    assert!(
        found.iter().any(
            |p| p.starts_with("extra paths:") && p.contains("re-run `cargo xtask spec import`")
        ),
        "{found:?}"
    );
    // A path dropped from the list: the file holds a path the importer
    // would no longer keep, which canonical form catches too.
    let mut fewer = ExtraPaths::checked_in().unwrap();
    fewer.entries.pop();
    let found = match check_text(&text, &no_upstream(), &tolerances, &fewer, &retained()) {
        Ok(checked) => panic!("expected a failure: {:?}", checked.lines),
        Err(failed) => failed.problems,
    };
    assert!(
        found.iter().any(|p| p.starts_with("not in canonical form")),
        "{found:?}"
    );
}
