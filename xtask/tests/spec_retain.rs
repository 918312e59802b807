//! Retained fields: `spec import` over a slice keeps the optional response
//! fields upstream dropped, records them beside the slice, and `spec check`
//! proves both files untouched.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use serde_yaml_ng::Value;
use xtask::spec::check::check_text;
use xtask::spec::retain::{self, MARKER};
use xtask::spec::rules::Rule;
use xtask::spec::{diff, import_file, ExtraPaths, Retained, Tolerances};

/// SYNTHETIC as the next upstream version: `Fill.ts` (optional, the only
/// way to `Timestamp`) and `Error.details` (optional) dropped, and two
/// removals that are not retained: `Order.description` (required) and
/// `AmendRequest.count` (a request field).
fn next_version() -> String {
    let mut doc = parse(SYNTHETIC);
    doc["info"]["version"] = "9.9.0".into();
    let schemas = &mut doc["components"]["schemas"];
    for (schema, field) in [
        ("Fill", "ts"),
        ("Error", "details"),
        ("Order", "description"),
        ("AmendRequest", "count"),
    ] {
        schemas[schema]["properties"]
            .as_mapping_mut()
            .unwrap()
            .shift_remove(field);
    }
    let required = schemas["Order"]["required"].as_sequence_mut().unwrap();
    required.retain(|n| n.as_str() != Some("description"));
    to_yaml(&doc)
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

fn import(input: &Path, out: &Path, drop: &[&str]) -> xtask::spec::Imported {
    let drop: Vec<String> = drop.iter().map(|s| (*s).to_owned()).collect();
    import_file(input, out, &Tolerances::none(), &ExtraPaths::none(), &drop)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn check(dir: &Path, out: &Path) -> Result<Vec<String>, Vec<String>> {
    let text = fs::read_to_string(out).unwrap();
    let retained = Retained::beside(out).unwrap_or_else(|e| panic!("{e}"));
    check_text(
        &text,
        dir,
        &Tolerances::none(),
        &ExtraPaths::none(),
        &retained,
    )
    .map(|ok| ok.lines)
    .map_err(|failed| failed.problems)
}

fn read(out: &Path) -> Value {
    parse(&fs::read_to_string(out).unwrap())
}

#[test]
fn a_dropped_optional_response_field_is_kept_as_optional_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("portfolio.yaml");
    let v1 = write(dir.path(), "v1.yaml", SYNTHETIC);
    let v2 = write(dir.path(), "v2.yaml", &next_version());

    let first = import(&v1, &out, &[]);
    assert!(first.retained.is_empty());
    let list_path = dir.path().join(retain::FILE_NAME);
    assert!(!list_path.exists(), "no list until something is retained");
    let before = read(&out);
    assert!(
        before["info"]["x-upstream"]
            .get("retained_sha256")
            .is_none(),
        "nothing retained, nothing recorded"
    );

    let second = import(&v2, &out, &[]);
    assert_eq!(second.carried.newly, ["Error.details", "Fill.ts"]);
    let doc = read(&out);
    let schemas = &doc["components"]["schemas"];

    // Kept, optional, marked with the version that dropped it, with our
    // sentence; a `$ref` is wrapped so it stays the same Rust type.
    let ts = &schemas["Fill"]["properties"]["ts"];
    assert_eq!(ts[MARKER].as_str(), Some("9.9.0"));
    assert_eq!(
        ts["allOf"][0]["$ref"].as_str(),
        Some("#/components/schemas/Timestamp")
    );
    assert!(ts["description"]
        .as_str()
        .unwrap()
        .contains("decodes as `None`"));
    // Timestamp was only reachable through Fill.ts: retained with it.
    assert_eq!(schemas["Timestamp"][MARKER].as_str(), Some("9.9.0"));
    assert_eq!(schemas["Timestamp"]["format"].as_str(), Some("date-time"));
    let details = &schemas["Error"]["properties"]["details"];
    assert_eq!(details["type"].as_str(), Some("string"));
    assert!(!xtask::spec::model::required_names(&schemas["Error"]).contains(&"details".into()));
    // Not retained: a required field, and a field of a request schema.
    assert!(schemas["Order"]["properties"].get("description").is_none());
    assert!(schemas["AmendRequest"]["properties"].get("count").is_none());

    // Recorded, with its checksum in the provenance.
    let list = Retained::load(&list_path).unwrap();
    let names: Vec<String> = list.fields.iter().map(|f| f.name()).collect();
    assert_eq!(names, ["Error.details", "Fill.ts"]);
    assert_eq!(list.fields[1].dropped_in, "9.9.0");
    assert_eq!(list.schemas.len(), 1);
    assert_eq!(list.schemas[0].name, "Timestamp");
    assert_eq!(
        doc["info"]["x-upstream"]["retained_sha256"].as_str(),
        list.sha256.as_deref()
    );

    // `spec check` re-imports v2 from its list, byte for byte.
    let lines = check(dir.path(), &out).unwrap_or_else(|p| panic!("{p:?}"));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("re-importing") && l.contains("same bytes")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("retained: Error.details, Fill.ts")),
        "{lines:?}"
    );

    // A later import keeps them (upstream still lacks them): same bytes.
    let slice = fs::read(&out).unwrap();
    let list_text = fs::read(&list_path).unwrap();
    let third = import(&v2, &out, &[]);
    assert!(third.carried.newly.is_empty());
    assert_eq!(third.carried.still.len(), 2);
    assert_eq!(fs::read(&out).unwrap(), slice);
    assert_eq!(fs::read(&list_path).unwrap(), list_text);
}

#[test]
fn check_fails_when_the_list_or_the_slice_is_hand_edited() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("portfolio.yaml");
    import(&write(dir.path(), "v1.yaml", SYNTHETIC), &out, &[]);
    import(&write(dir.path(), "v2.yaml", &next_version()), &out, &[]);
    let list_path = dir.path().join(retain::FILE_NAME);
    let list_text = fs::read_to_string(&list_path).unwrap();
    let slice_text = fs::read_to_string(&out).unwrap();

    // The list: a retained property retyped.
    let edited = list_text.replacen("type: string", "type: integer", 1);
    assert_ne!(edited, list_text);
    fs::write(&list_path, &edited).unwrap();
    let problems = check(dir.path(), &out).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("retained fields:") && p.contains("hand-edited")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("not in canonical form")),
        "{problems:?}"
    );

    // The list: an entry deleted without re-importing.
    let doc: Value = parse(&list_text);
    let mut fewer = doc.clone();
    fewer["retained"].as_sequence_mut().unwrap().remove(0);
    fs::write(&list_path, to_yaml(&fewer)).unwrap();
    let problems = check(dir.path(), &out).unwrap_err();
    assert!(
        problems.iter().any(|p| p.starts_with("retained fields:")),
        "{problems:?}"
    );
    fs::write(&list_path, &list_text).unwrap();
    check(dir.path(), &out).unwrap_or_else(|p| panic!("restored: {p:?}"));

    // The slice: the retained property retyped there instead.
    let edited = slice_text.replace(
        "        details:\n          description:",
        "        details:\n          nullable: true\n          description:",
    );
    assert_ne!(edited, slice_text);
    fs::write(&out, &edited).unwrap();
    let problems = check(dir.path(), &out).unwrap_err();
    assert!(
        problems.iter().any(|p| p.contains("edited after import")),
        "{problems:?}"
    );
}

#[test]
fn a_retained_field_goes_when_asked_or_when_upstream_brings_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("portfolio.yaml");
    let v1 = write(dir.path(), "v1.yaml", SYNTHETIC);
    let v2 = write(dir.path(), "v2.yaml", &next_version());
    import(&v1, &out, &[]);
    import(&v2, &out, &[]);

    // Asked: Fill.ts goes, and Timestamp with it; Error.details stays.
    let dropped = import(&v2, &out, &["Fill.ts"]);
    assert!(dropped.carried.newly.is_empty(), "not re-detected");
    let doc = read(&out);
    assert!(doc["components"]["schemas"]["Fill"]["properties"]
        .get("ts")
        .is_none());
    assert!(doc["components"]["schemas"].get("Timestamp").is_none());
    let list = Retained::beside(&out).unwrap();
    let names: Vec<String> = list.fields.iter().map(|f| f.name()).collect();
    assert_eq!(names, ["Error.details"]);
    check(dir.path(), &out).unwrap_or_else(|p| panic!("{p:?}"));

    // An unknown name is refused, and nothing is written.
    let slice = fs::read(&out).unwrap();
    let drop = vec!["Fill.nope".to_owned()];
    let err = import_file(&v2, &out, &Tolerances::none(), &ExtraPaths::none(), &drop)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Fill.nope") && err.contains("Error.details"),
        "{err}"
    );
    assert_eq!(fs::read(&out).unwrap(), slice);

    // Back upstream: released. `Order.description`, required in v1 and
    // gone from v2, comes back as a required field added to a response
    // schema, so it arrives optional; released on request, the slice is
    // v1's again apart from its provenance.
    let back = import(&v1, &out, &[]);
    assert_eq!(back.carried.released.len(), 1, "{:?}", back.carried);
    assert_eq!(back.carried.newly_optional, ["Order.description"]);
    import(&v1, &out, &["Order.description"]);
    assert!(Retained::beside(&out).unwrap().is_empty());
    assert_eq!(mask_sha(&fs::read_to_string(&out).unwrap()), {
        let fresh = dir.path().join("fresh");
        fs::create_dir(&fresh).unwrap();
        let fresh_out = fresh.join("portfolio.yaml");
        import(&v1, &fresh_out, &[]);
        mask_sha(&fs::read_to_string(&fresh_out).unwrap())
    });
}

#[test]
fn the_diff_calls_the_removal_non_breaking_and_says_it_is_retained() {
    let old = import_value(SYNTHETIC);
    let report = diff::diff_inputs(
        to_yaml(&old).as_bytes(),
        "portfolio.yaml",
        next_version().as_bytes(),
        "v2.yaml",
        &Tolerances::none(),
        &ExtraPaths::none(),
        &Retained::none(),
    )
    .unwrap();
    let find = |subject: &str, at: &str| {
        report
            .changes
            .iter()
            .find(|c| c.subject == subject && c.at == at)
            .unwrap_or_else(|| panic!("{subject} {at}: {:#?}", report.changes))
    };
    let ts = find("Fill", "ts");
    assert_eq!(ts.rule, Rule::OptionalResponseFieldRemoved);
    assert!(!ts.rule.breaking());
    assert!(ts.rule.why().contains("retain"), "{}", ts.rule.why());
    assert!(diff::render_markdown(&report).contains("retained.yaml"));
    assert_eq!(
        find("Order", "description").rule,
        Rule::RequiredResponseFieldRemoved
    );
    assert_eq!(
        find("AmendRequest", "count").rule,
        Rule::RequestFieldRemoved
    );
}

/// SYNTHETIC with the response enum `Order.side` losing `off`, and the
/// optional `Order.settings` now required upstream.
fn tightened_version() -> String {
    let mut doc = parse(SYNTHETIC);
    doc["info"]["version"] = "9.10.0".into();
    let order = &mut doc["components"]["schemas"]["Order"];
    order["properties"]["side"]["enum"]
        .as_sequence_mut()
        .unwrap()
        .retain(|v| v.as_str() != Some("off"));
    order["required"]
        .as_sequence_mut()
        .unwrap()
        .push("settings".into());
    to_yaml(&doc)
}

#[test]
fn a_dropped_response_enum_value_and_a_newly_required_field_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("portfolio.yaml");
    import(&write(dir.path(), "v1.yaml", SYNTHETIC), &out, &[]);
    let v3 = write(dir.path(), "v3.yaml", &tightened_version());
    let imported = import(&v3, &out, &[]);
    assert_eq!(imported.carried.newly_values, ["Order/properties/side=off"]);
    assert_eq!(imported.carried.newly_optional, ["Order.settings"]);
    assert!(imported.carried.newly.is_empty());

    let doc = read(&out);
    let order = &doc["components"]["schemas"]["Order"];
    let side = &order["properties"]["side"];
    let values: Vec<&str> = side["enum"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(values, ["yes", "no", "on", "off"], "the variant stays");
    assert_eq!(side[retain::RETAINED_VALUES][0].as_str(), Some("off"));
    let required = xtask::spec::model::required_names(order);
    assert!(!required.contains(&"settings".to_owned()), "{required:?}");
    assert_eq!(
        order["properties"]["settings"][retain::KEPT_OPTIONAL].as_str(),
        Some("9.10.0")
    );
    check(dir.path(), &out).unwrap_or_else(|p| panic!("{p:?}"));

    // Again: the same bytes, nothing new.
    let slice = fs::read(&out).unwrap();
    let again = import(&v3, &out, &[]);
    assert!(again.carried.newly_values.is_empty() && again.carried.newly_optional.is_empty());
    assert_eq!(again.carried.still.len(), 2, "{:?}", again.carried);
    assert_eq!(fs::read(&out).unwrap(), slice);

    // Released on request: the field is required, as upstream says.
    import(&v3, &out, &["Order.settings", "Order/properties/side=off"]);
    let order = read(&out)["components"]["schemas"]["Order"].clone();
    assert!(xtask::spec::model::required_names(&order).contains(&"settings".to_owned()));
    assert_eq!(
        order["properties"]["side"]["enum"]
            .as_sequence()
            .unwrap()
            .len(),
        3
    );
    assert!(Retained::beside(&out).unwrap().is_empty());
    check(dir.path(), &out).unwrap_or_else(|p| panic!("{p:?}"));
}

/// SYNTHETIC with a new field `Order.venue` that upstream requires.
fn grown_version() -> String {
    let mut doc = parse(SYNTHETIC);
    doc["info"]["version"] = "9.11.0".into();
    let order = &mut doc["components"]["schemas"]["Order"];
    order["properties"]
        .as_mapping_mut()
        .unwrap()
        .insert("venue".into(), parse("{type: string}"));
    order["required"]
        .as_sequence_mut()
        .unwrap()
        .push("venue".into());
    to_yaml(&doc)
}

#[test]
fn a_required_field_added_to_a_response_schema_is_imported_optional() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("portfolio.yaml");
    import(&write(dir.path(), "v1.yaml", SYNTHETIC), &out, &[]);
    let grown = write(dir.path(), "grown.yaml", &grown_version());
    let imported = import(&grown, &out, &[]);
    assert_eq!(imported.carried.newly_optional, ["Order.venue"]);
    let order = read(&out)["components"]["schemas"]["Order"].clone();
    assert!(!xtask::spec::model::required_names(&order).contains(&"venue".to_owned()));
    assert_eq!(
        order["properties"]["venue"][retain::KEPT_OPTIONAL].as_str(),
        Some("9.11.0")
    );
    check(dir.path(), &out).unwrap_or_else(|p| panic!("{p:?}"));

    // Again: the same bytes; released on request, it is required.
    let slice = fs::read(&out).unwrap();
    assert!(import(&grown, &out, &[]).carried.newly_optional.is_empty());
    assert_eq!(fs::read(&out).unwrap(), slice);
    import(&grown, &out, &["Order.venue"]);
    let order = read(&out)["components"]["schemas"]["Order"].clone();
    assert!(xtask::spec::model::required_names(&order).contains(&"venue".to_owned()));
    check(dir.path(), &out).unwrap_or_else(|p| panic!("{p:?}"));
}
