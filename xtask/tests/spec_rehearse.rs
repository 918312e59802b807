//! `spec rehearse`'s synthetic releases, without the slow part (the build):
//! each mutation of the vendored slice must be accepted by `spec import`,
//! change what it says it changes, and be judged non-breaking by `spec diff`
//! with exactly the rule that kind of change falls under. The build itself
//! runs in CI (`.ci/run`), as it takes minutes.

use std::fs;

use serde_yaml_ng::Value;
use xtask::spec::diff::Kind;
use xtask::spec::rehearse::mutations::{self, Applied, MutationKind, ADDED_NAME, ADDED_PATH};
use xtask::spec::rehearse::{self, Preparation, Prepared};
use xtask::spec::rules::Rule;

fn vendored() -> Vec<u8> {
    let path = xtask::spec::workspace_root().join(xtask::spec::DEFAULT_OUT);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn prepared(name: &str) -> Box<Prepared> {
    let mutation = mutations::all()
        .into_iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no mutation {name}"));
    match rehearse::prepare(&mutation, &vendored()) {
        Ok(Preparation::Ready(prepared)) => prepared,
        Ok(Preparation::NotApplicable(why)) => panic!("{name}: not applicable: {why}"),
        Err(e) => panic!("{name}: {e}"),
    }
}

fn imported(prepared: &Prepared) -> Value {
    xtask::spec::parse_document(prepared.imported.as_bytes()).unwrap()
}

/// The one change the diff sees, with its rule.
fn only_change(name: &str, prepared: &Prepared) -> (Kind, Rule, String, String) {
    let changes = &prepared.report.changes;
    assert_eq!(changes.len(), 1, "{name}: {changes:#?}");
    let c = &changes[0];
    (c.kind, c.rule, c.subject.clone(), c.at.clone())
}

#[test]
fn every_mutation_imports_and_is_non_breaking() {
    let bytes = vendored();
    let mut applied = 0;
    for mutation in mutations::all() {
        match rehearse::prepare(&mutation, &bytes) {
            Ok(Preparation::Ready(p)) if mutation.expects_breaking() => {
                // Chosen because handwritten code cannot survive it: the
                // diff must say so.
                applied += 1;
                assert!(
                    rehearse::verdict(&p.report).starts_with("BREAKING ("),
                    "{}: {}",
                    mutation.name,
                    rehearse::verdict(&p.report)
                );
            }
            Ok(Preparation::Ready(p)) => {
                applied += 1;
                assert!(
                    rehearse::diff_says_safe(&p.report),
                    "{}: {}",
                    mutation.name,
                    rehearse::verdict(&p.report)
                );
                assert!(
                    rehearse::verdict(&p.report).starts_with("non-breaking ("),
                    "{}: {}",
                    mutation.name,
                    rehearse::verdict(&p.report)
                );
                // The import is exactly what `spec import` writes for the
                // mutated document over the vendored file, and differs from
                // the vendored file.
                let previous = xtask::spec::parse_document(&bytes).unwrap();
                let again = xtask::spec::import_document_retaining(
                    p.document.as_bytes(),
                    &format!("rehearsal-{}.yaml", mutation.name),
                    &tolerances(),
                    &xtask::spec::ExtraPaths::checked_in().unwrap(),
                    xtask::spec::tolerance::Mode::Import,
                    xtask::spec::Retention::Carry {
                        previous: Some(&previous),
                        list: &xtask::spec::Retained::checked_in().unwrap(),
                    },
                )
                .unwrap();
                assert_eq!(again.yaml, p.imported, "{}", mutation.name);
                assert_eq!(
                    again.retained.render().unwrap(),
                    p.retained,
                    "{}",
                    mutation.name
                );
                assert_ne!(p.imported.as_bytes(), bytes.as_slice(), "{}", mutation.name);
            }
            Ok(Preparation::NotApplicable(why)) => {
                // Only the removal from a schema without optional fields may
                // be skipped, and it must say so.
                assert!(
                    matches!(mutation.kind, MutationKind::RemoveOptionalField { .. }),
                    "{}: {why}",
                    mutation.name
                );
                assert!(why.contains("no optional field"), "{why}");
            }
            Err(e) => panic!("{}: {e}", mutation.name),
        }
    }
    assert!(applied >= 12, "only {applied} mutations applied");
}

#[test]
fn added_optional_fields_are_optional_response_fields() {
    for schema in mutations::FIELD_SCHEMAS {
        let name = format!("add-optional-field-{}", schema.to_ascii_lowercase());
        let p = prepared(&name);
        let (kind, rule, subject, at) = only_change(&name, &p);
        assert_eq!(
            (kind, subject.as_str(), at.as_str()),
            (Kind::FieldAdded, schema, ADDED_NAME)
        );
        assert_eq!(rule, Rule::OptionalResponseFieldAdded, "{name}");
        let doc = imported(&p);
        let s = &doc["components"]["schemas"][schema];
        assert_eq!(s["properties"][ADDED_NAME]["type"].as_str(), Some("string"));
        let required = s.get("required").and_then(Value::as_sequence);
        assert!(
            !required.is_some_and(|r| r.iter().any(|v| v.as_str() == Some(ADDED_NAME))),
            "{name}: the added field must be optional"
        );
    }
}

/// The vendored file as upstream wrote it: without the fields and values
/// `openapi/retained.yaml` keeps, which is what the mutations start from.
fn vendored_as_upstream() -> Value {
    let mut doc = xtask::spec::parse_document(&vendored()).unwrap();
    xtask::spec::retain::strip(&mut doc);
    doc
}

/// The names (`Schema.field`) the checked-in `openapi/retained.yaml` keeps: a
/// release that dropped an optional field leaves it there.
fn already_retained() -> Vec<String> {
    let list = xtask::spec::Retained::checked_in().unwrap();
    list.fields.iter().map(|f| f.name()).collect()
}

#[test]
fn removed_fields_were_optional_and_are_retained() {
    let original = vendored_as_upstream();
    for schema in mutations::FIELD_SCHEMAS {
        let name = format!("remove-optional-field-{}", schema.to_ascii_lowercase());
        let mutation = mutations::all()
            .into_iter()
            .find(|m| m.name == name)
            .unwrap();
        let before = &original["components"]["schemas"][schema];
        let required: Vec<&str> = before
            .get("required")
            .and_then(Value::as_sequence)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let props = before["properties"].as_mapping().unwrap();
        let optional: Vec<&str> = props
            .keys()
            .filter_map(Value::as_str)
            .filter(|k| !required.contains(k))
            .collect();
        match rehearse::prepare(&mutation, &vendored()).unwrap() {
            Preparation::NotApplicable(why) => {
                assert!(
                    optional.is_empty(),
                    "{name} skipped, but {optional:?}: {why}"
                );
                assert!(why.contains(schema), "{why}");
            }
            Preparation::Ready(p) => {
                let removed = *optional.last().expect("an optional field to remove");
                // The field, and any schema only it reached.
                let (field_changes, schema_changes): (Vec<_>, Vec<_>) = p
                    .report
                    .changes
                    .iter()
                    .partition(|c| c.kind == Kind::FieldRemoved);
                assert_eq!(field_changes.len(), 1, "{name}: {:#?}", p.report.changes);
                let c = field_changes[0];
                assert_eq!(
                    (c.subject.as_str(), c.at.as_str()),
                    (schema, removed),
                    "{name}"
                );
                assert_eq!(c.rule, Rule::OptionalResponseFieldRemoved, "{name}");
                assert!(
                    schema_changes.iter().all(|c| c.rule == Rule::SchemaRemoved),
                    "{name}: {schema_changes:#?}"
                );
                assert!(p.description.contains(removed), "{}", p.description);
                // `spec import` keeps it, optional and marked, and records it.
                let field = format!("{schema}.{removed}");
                assert_eq!(p.newly_retained, std::slice::from_ref(&field), "{name}");
                let doc = imported(&p);
                let kept = &doc["components"]["schemas"][schema];
                let property = &kept["properties"][removed];
                assert!(
                    property.get(xtask::spec::retain::MARKER).is_some(),
                    "{name}: {property:?}"
                );
                assert!(!xtask::spec::model::required_names(kept)
                    .iter()
                    .any(|r| r == removed));
                let list = xtask::spec::Retained::parse(p.retained.as_bytes()).unwrap();
                let mut names: Vec<String> = list.fields.iter().map(|f| f.name()).collect();
                let mut expected = already_retained();
                expected.push(field);
                names.sort();
                expected.sort();
                assert_eq!(names, expected, "{name}");
                // Everything else is what the importer makes of the mutated
                // document: without what it retains, the two are the same.
                let mut without = doc.clone();
                xtask::spec::retain::strip(&mut without);
                let mut mutated = xtask::spec::parse_document(p.document.as_bytes()).unwrap();
                assert_eq!(
                    without["components"]["schemas"][schema]["properties"],
                    std::mem::take(&mut mutated["components"]["schemas"][schema]["properties"]),
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn market_position_loses_its_one_optional_field_the_tolerated_exchange_index() {
    // 3.34.0 requires every MarketPosition field; the tolerance list makes
    // exchange_index optional (with a default), so that is the field the rehearsal
    // removes. Its tolerance entry then no longer applies: a warning, not an error.
    // Optional fields a later release adds are dropped from the starting point
    // first, so the removal still lands on the tolerated field.
    let mutation = mutations::all()
        .into_iter()
        .find(|m| m.name == "remove-optional-field-marketposition")
        .unwrap();
    let mut start = xtask::spec::parse_document(&vendored()).unwrap();
    let position = &mut start["components"]["schemas"]["MarketPosition"];
    let required = xtask::spec::model::required_names(position);
    position["properties"]
        .as_mapping_mut()
        .unwrap()
        .retain(|name, _| {
            let name = name.as_str().unwrap_or_default();
            name == "exchange_index" || required.iter().any(|r| r == name)
        });
    let start = serde_yaml_ng::to_string(&start).unwrap();
    let mut doc = xtask::spec::parse_document(start.as_bytes()).unwrap();
    match mutation.apply(&mut doc).unwrap() {
        Applied::Changed(what) => assert!(what.contains("exchange_index"), "{what}"),
        Applied::NotApplicable(why) => panic!("expected the tolerated field, but {why}"),
    }
    assert!(matches!(
        rehearse::prepare(&mutation, start.as_bytes()),
        Ok(Preparation::Ready(_))
    ));
}

#[test]
fn enum_value_operation_and_parameter() {
    let p = prepared("add-enum-value-orderstatus");
    let (kind, rule, subject, _) = only_change("enum", &p);
    assert_eq!(
        (kind, subject.as_str()),
        (Kind::EnumValueAdded, "OrderStatus")
    );
    assert!(
        matches!(
            rule,
            Rule::ResponseEnumValueAdded | Rule::RequestEnumValueAdded
        ),
        "{rule:?}"
    );
    let doc = imported(&p);
    let values = doc["components"]["schemas"]["OrderStatus"]["enum"]
        .as_sequence()
        .unwrap();
    assert_eq!(values.last().and_then(Value::as_str), Some(ADDED_NAME));

    let p = prepared("add-get-operation");
    // The operation, and the response schema it brings along.
    let seen: Vec<(Kind, Rule, &str)> = p
        .report
        .changes
        .iter()
        .map(|c| (c.kind, c.rule, c.subject.as_str()))
        .collect();
    let path = format!("GET {ADDED_PATH}");
    assert_eq!(
        seen,
        [
            (Kind::OperationAdded, Rule::OperationAdded, path.as_str()),
            (
                Kind::SchemaAdded,
                Rule::SchemaAdded,
                "GetRehearsalAddedResponse"
            )
        ]
    );
    let doc = imported(&p);
    let op = &doc["paths"][ADDED_PATH]["get"];
    assert_eq!(op["operationId"].as_str(), Some("GetRehearsalAdded"));
    assert!(op.get("security").is_some(), "signed like its neighbours");
    assert!(doc["components"]["schemas"]
        .get("GetRehearsalAddedResponse")
        .is_some());

    let p = prepared("add-optional-query-parameter");
    let (kind, rule, subject, at) = only_change("parameter", &p);
    assert_eq!(
        (kind, rule, subject.as_str()),
        (
            Kind::ParameterAdded,
            Rule::OptionalParameterAdded,
            "GET /portfolio/fills"
        )
    );
    assert!(at.contains(ADDED_NAME), "{at}");
}

#[test]
fn a_breaking_mutation_would_not_be_called_safe() {
    // The verdict helpers are what the command's pass/fail rests on: check
    // them against a change the diff calls breaking (an optional query
    // parameter made required), so they are not true by construction.
    let mut doc = xtask::spec::parse_document(&vendored()).unwrap();
    let params = doc["paths"]["/portfolio/fills"]["get"]["parameters"]
        .as_sequence_mut()
        .unwrap();
    let ticker = params
        .iter_mut()
        .find(|p| p.get("name").and_then(Value::as_str) == Some("ticker"))
        .unwrap();
    ticker
        .as_mapping_mut()
        .unwrap()
        .insert("required".into(), Value::Bool(true));
    let text = serde_yaml_ng::to_string(&doc).unwrap();
    let report = xtask::spec::diff::diff_inputs(
        &vendored(),
        "old.yaml",
        text.as_bytes(),
        "new.yaml",
        &tolerances(),
        &xtask::spec::ExtraPaths::checked_in().unwrap(),
        &xtask::spec::Retained::checked_in().unwrap(),
    )
    .unwrap();
    assert!(!rehearse::diff_says_safe(&report));
    assert!(
        rehearse::verdict(&report).starts_with("BREAKING"),
        "{}",
        rehearse::verdict(&report)
    );

    let same = xtask::spec::diff::diff_inputs(
        &vendored(),
        "old.yaml",
        &vendored(),
        "new.yaml",
        &tolerances(),
        &xtask::spec::ExtraPaths::checked_in().unwrap(),
        &xtask::spec::Retained::checked_in().unwrap(),
    )
    .unwrap();
    assert!(
        !rehearse::diff_says_safe(&same),
        "no change is not a rehearsal"
    );
    assert_eq!(rehearse::verdict(&same), "NO CHANGE SEEN");
}

fn tolerances() -> xtask::spec::Tolerances {
    xtask::spec::Tolerances::checked_in().unwrap()
}

#[test]
fn options() {
    use std::ffi::OsString;
    let parse = |args: &[&str]| rehearse::parse_args(args.iter().map(OsString::from));
    assert_eq!(parse(&[]), Ok(Some(rehearse::Options::default())));
    let o = parse(&[
        "--only",
        "add-get-operation,add-enum-value-orderstatus",
        "--keep",
        "--test",
    ])
    .unwrap()
    .unwrap();
    assert_eq!(
        o.only,
        Some(vec![
            "add-get-operation".to_owned(),
            "add-enum-value-orderstatus".to_owned()
        ])
    );
    assert!(o.keep && o.test && !o.list);
    assert_eq!(
        parse(&["--only=add-get-operation"]).unwrap().unwrap().only,
        Some(vec!["add-get-operation".to_owned()])
    );
    assert!(parse(&["--list"]).unwrap().unwrap().list);
    assert_eq!(parse(&["--help"]), Ok(None));
    let unknown = parse(&["--only", "add-get-operation,frobnicate"]).unwrap_err();
    assert!(
        unknown.contains("frobnicate") && unknown.contains("add-optional-field-order"),
        "{unknown}"
    );
    for bad in [
        &["--only"][..],
        &["--only", ","],
        &["--keep", "--keep"],
        &["--keep=yes"],
        &["--frobnicate"],
        &["extra"],
        &["--only", "add-get-operation", "--only", "add-get-operation"],
    ] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn the_copy_gets_a_version_of_its_own() {
    let root = std::path::Path::new("/some/worktree");
    let v = rehearse::scratch::rehearsal_version("0.1.0", "add-get-operation", root);
    assert!(v.starts_with("0.1.0-rehearsal.add-get-operation.w"), "{v}");
    assert_ne!(
        v,
        rehearse::scratch::rehearsal_version(
            "0.1.0",
            "add-get-operation",
            std::path::Path::new("/another/worktree")
        )
    );
    assert_ne!(
        v,
        rehearse::scratch::rehearsal_version("0.1.0", "add-enum-value-orderstatus", root)
    );

    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[dependencies]\nfoo = { version = \"1\" }\n",
    )
    .unwrap();
    let set = rehearse::scratch::set_package_version(dir.path(), "m", root).unwrap();
    let text = fs::read_to_string(dir.path().join("Cargo.toml")).unwrap();
    assert!(text.contains(&format!("version = \"{set}\"\n")), "{text}");
    assert!(text.contains("foo = { version = \"1\" }"), "{text}");
}

#[test]
fn first_error_quotes_the_compiler() {
    let output = "   Compiling kalshi-portfolio v0.1.0\n\
                  error[E0063]: missing field `rehearsal_added` in initializer of `types::Order`\n\
                  \x20   --> src/sandbox/exchange.rs:1451:9\n\
                  \x20    |\n\
                  \n\
                  error: could not compile\n";
    let lines = rehearse::scratch::first_error(output, 10);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].contains("missing field `rehearsal_added`"));
    assert!(lines[1].contains("exchange.rs:1451"));
    assert_eq!(
        rehearse::scratch::error_summary(output),
        [
            "error[E0063]: missing field `rehearsal_added` in initializer of `types::Order` \
          at src/sandbox/exchange.rs:1451:9"
        ]
    );
}

#[test]
fn command_line_lists_and_refuses_unknown_names() {
    use std::process::Command;
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(args)
            .output()
            .expect("xtask runs")
    };
    let list = run(&["spec", "rehearse", "--list"]);
    assert!(list.status.success(), "{list:?}");
    let text = String::from_utf8_lossy(&list.stdout);
    for mutation in mutations::all() {
        assert!(text.contains(&mutation.name), "{text}");
    }

    let bad = run(&["spec", "rehearse", "--only", "frobnicate"]);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("unknown rehearsal frobnicate"), "{err}");
    assert!(err.contains("spec rehearse"), "usage shown: {err}");

    let help = run(&["spec", "rehearse", "--help"]);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--only NAME"));
}

#[test]
fn test_targets_are_the_sandbox_based_ones() {
    let dir = tempfile::tempdir().unwrap();
    let tests = dir.path().join("tests");
    fs::create_dir_all(tests.join("support")).unwrap();
    fs::write(
        tests.join("trading.rs"),
        "use kalshi_portfolio::sandbox::{MarketSpec, Sandbox};\n",
    )
    .unwrap();
    fs::write(tests.join("retry.rs"), "use kalshi_portfolio::Client;\n").unwrap();
    fs::write(
        tests.join("support/mod.rs"),
        "use kalshi_portfolio::sandbox::Sandbox;\n",
    )
    .unwrap();
    assert_eq!(
        rehearse::scratch::sandbox_test_targets(dir.path()),
        ["trading"]
    );
    // In this workspace: the sandbox suites, not the scripted-server ones.
    let ours = rehearse::scratch::sandbox_test_targets(&xtask::spec::workspace_root());
    assert!(ours.iter().any(|t| t == "sandbox_trading"), "{ours:?}");
    assert!(ours.iter().any(|t| t == "facade_operations"), "{ours:?}");
    assert!(!ours.iter().any(|t| t == "retry"), "{ours:?}");
}

#[test]
fn removing_every_optional_response_field_retains_them_all() {
    let p = prepared("remove-every-optional-response-field");
    // Field removals, and the schemas only those fields reached.
    let (removed, schemas): (Vec<_>, Vec<_>) = p
        .report
        .changes
        .iter()
        .partition(|c| c.rule == Rule::OptionalResponseFieldRemoved);
    assert!(removed.len() > 50, "only {} removals", removed.len());
    assert!(
        schemas.iter().all(|c| c.rule == Rule::SchemaRemoved),
        "{schemas:#?}"
    );
    // Each is retained, so the import is the vendored file again, apart
    // from the markers, our sentences and the provenance.
    assert_eq!(p.newly_retained.len(), removed.len());
    let list = xtask::spec::Retained::parse(p.retained.as_bytes()).unwrap();
    let before = xtask::spec::Retained::checked_in().unwrap();
    assert_eq!(list.fields.len(), before.fields.len() + removed.len());
    let mut kept: Vec<&str> = list
        .schemas
        .iter()
        .map(|s| s.name.as_str())
        .filter(|name| !before.schemas.iter().any(|b| b.name == *name))
        .collect();
    let mut gone: Vec<&str> = schemas.iter().map(|c| c.subject.as_str()).collect();
    kept.sort_unstable();
    gone.sort_unstable();
    assert_eq!(
        kept, gone,
        "every schema upstream dropped with them is retained"
    );
    for schema in ["Fill", "Settlement", "ErrorResponse", "Market", "EventData"] {
        assert!(
            list.fields.iter().any(|f| f.schema == schema),
            "{schema} keeps its optional fields"
        );
    }
    let doc = imported(&p);
    let original = xtask::spec::parse_document(&vendored()).unwrap();
    for field in &list.fields {
        let before = &original["components"]["schemas"][field.schema.as_str()];
        let after = &doc["components"]["schemas"][field.schema.as_str()];
        let at = |schema: &Value| -> Value {
            let mut node = schema.clone();
            for token in field.at.split('/').filter(|t| !t.is_empty()) {
                node = node[token].clone();
            }
            node["properties"][field.field.as_str()].clone()
        };
        let (was, now) = (at(before), at(after));
        assert!(
            now.get(xtask::spec::retain::MARKER).is_some(),
            "{}",
            field.name()
        );
        // A `$ref`'s siblings mean nothing to the generator (OpenAPI 3.0),
        // so a reference is kept as the one member of an `allOf`, which it
        // generates as the referenced type itself.
        if let Some(reference) = was.get("$ref") {
            assert_eq!(
                now["allOf"][0].get("$ref"),
                Some(reference),
                "{}",
                field.name()
            );
            continue;
        }
        for key in [
            "type", "format", "default", "nullable", "enum", "allOf", "items",
        ] {
            assert_eq!(was.get(key), now.get(key), "{}: {key}", field.name());
        }
    }
}

#[test]
fn a_dropped_enum_value_and_newly_required_fields_are_kept() {
    let p = prepared("remove-enum-value-orderstatus");
    let (kind, rule, subject, _) = only_change("enum value", &p);
    assert_eq!(
        (kind, rule, subject.as_str()),
        (
            Kind::EnumValueRemoved,
            Rule::ResponseEnumValueRemoved,
            "OrderStatus"
        )
    );
    // The mutation removes the last value upstream lists (`executed` in 3.34.0);
    // the import keeps it, still last.
    let original = vendored_as_upstream();
    let last = |doc: &Value| {
        doc["components"]["schemas"]["OrderStatus"]["enum"]
            .as_sequence()
            .and_then(|values| values.last())
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let removed = last(&original).unwrap();
    assert_eq!(p.newly_retained, [format!("OrderStatus={removed}")]);
    assert_eq!(last(&imported(&p)), Some(removed));

    let p = prepared("require-every-optional-response-field");
    assert!(p
        .report
        .changes
        .iter()
        .all(|c| c.rule == Rule::ResponseBecameRequired));
    assert_eq!(p.newly_retained.len(), p.report.changes.len());
    // The import requires nothing the vendored file did not.
    let doc = imported(&p);
    let original = xtask::spec::parse_document(&vendored()).unwrap();
    for (name, schema) in xtask::spec::model::schemas(&original) {
        assert_eq!(
            xtask::spec::model::required_names(schema),
            xtask::spec::model::required_names(&doc["components"]["schemas"][name.as_str()]),
            "{name}"
        );
    }
}

#[test]
fn an_added_required_response_field_is_imported_optional() {
    for schema in mutations::REQUIRED_FIELD_SCHEMAS {
        let name = format!("add-required-field-{}", schema.to_ascii_lowercase());
        let p = prepared(&name);
        let (kind, rule, subject, at) = only_change(&name, &p);
        assert_eq!(
            (kind, subject.as_str(), at.as_str()),
            (Kind::FieldAdded, schema, ADDED_NAME)
        );
        assert_eq!(rule, Rule::RequiredResponseFieldAdded, "{name}");
        assert_eq!(p.newly_retained, [format!("{schema}.{ADDED_NAME}")]);
        let doc = imported(&p);
        let s = &doc["components"]["schemas"][schema];
        let field = &s["properties"][ADDED_NAME];
        assert_eq!(field["type"].as_str(), Some("string"));
        assert!(
            field[xtask::spec::retain::KEPT_OPTIONAL].as_str().is_some(),
            "{name}: {field:?}"
        );
        assert!(
            !xtask::spec::model::required_names(s).contains(&ADDED_NAME.to_owned()),
            "{name}: the added field must be imported optional"
        );
        assert!(p.retained.contains(ADDED_NAME), "{}", p.retained);
    }
}

#[test]
fn every_response_nullable_goes_and_nothing_else_changes() {
    let p = prepared("remove-every-response-nullable");
    assert!(!p.report.changes.is_empty());
    assert!(
        p.report
            .changes
            .iter()
            .all(|c| c.rule == Rule::ResponseNoLongerNullable),
        "{:?}",
        p.report.changes
    );
    assert!(p.newly_retained.is_empty(), "{:?}", p.newly_retained);
}
