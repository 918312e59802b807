//! `spec diff` on synthetic mutations of the vendored slice: each mutation
//! must be reported as exactly one change, with the right verdict, and
//! nothing else.

mod common;

use std::fs;

use serde_yaml_ng::{Mapping, Value};
use xtask::spec::diff::{self, Change, Kind, Section};
use xtask::spec::facade_usage::FacadeUsage;
use xtask::spec::rules::Rule;
use xtask::spec::{ExtraPaths, Tolerances};

fn vendored_text() -> String {
    let path = xtask::spec::workspace_root().join(xtask::spec::DEFAULT_OUT);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn vendored() -> Value {
    common::parse(&vendored_text())
}

fn schema<'a>(doc: &'a mut Value, name: &str) -> &'a mut Mapping {
    doc["components"]["schemas"][name]
        .as_mapping_mut()
        .unwrap_or_else(|| panic!("schema {name}"))
}

fn operation<'a>(doc: &'a mut Value, path: &str, method: &str) -> &'a mut Mapping {
    doc["paths"][path][method]
        .as_mapping_mut()
        .unwrap_or_else(|| panic!("{method} {path}"))
}

fn properties<'a>(doc: &'a mut Value, name: &str) -> &'a mut Mapping {
    schema(doc, name)["properties"].as_mapping_mut().unwrap()
}

fn required_list<'a>(doc: &'a mut Value, name: &str) -> &'a mut Vec<Value> {
    schema(doc, name)["required"].as_sequence_mut().unwrap()
}

fn enum_list<'a>(doc: &'a mut Value, name: &str) -> &'a mut Vec<Value> {
    schema(doc, name)["enum"].as_sequence_mut().unwrap()
}

/// Diffs the vendored slice against a mutated copy and returns the single
/// change; fails with the whole list if there is not exactly one.
fn only_change(mutate: impl FnOnce(&mut Value)) -> Change {
    let old = vendored();
    let mut new = old.clone();
    mutate(&mut new);
    let report = diff::diff(&old, &new);
    assert_eq!(
        report.changes.len(),
        1,
        "expected exactly one change, got {:#?}",
        report.changes
    );
    report.changes.into_iter().next().unwrap()
}

fn assert_change(
    change: &Change,
    section: Section,
    subject: &str,
    at: &str,
    kind: Kind,
    rule: Rule,
) {
    assert_eq!(
        (
            change.section,
            change.subject.as_str(),
            change.at.as_str(),
            change.kind,
            change.rule
        ),
        (section, subject, at, kind, rule),
        "{change:#?}"
    );
}

#[test]
fn identical_input_has_no_changes() {
    let doc = vendored();
    let report = diff::diff(&doc, &doc.clone());
    assert!(report.changes.is_empty(), "{:#?}", report.changes);
    assert_eq!(report.breaking_count(), 0);
}

#[test]
fn identical_input_through_the_importer_has_no_changes() {
    let text = vendored_text();
    let report = diff::diff_inputs(
        text.as_bytes(),
        "portfolio.yaml",
        text.as_bytes(),
        "same.yaml",
        &Tolerances::checked_in().unwrap(),
        &ExtraPaths::checked_in().unwrap(),
        &xtask::spec::Retained::checked_in().unwrap(),
    )
    .unwrap();
    assert!(report.changes.is_empty(), "{:#?}", report.changes);
}

#[test]
fn prose_and_extensions_are_not_changes() {
    let old = vendored_text();
    let mut doc = vendored();
    schema(&mut doc, "Fill").insert("description".into(), "A fill.".into());
    properties(&mut doc, "Fill")["ticker"]
        .as_mapping_mut()
        .unwrap()
        .insert("example".into(), "KXHIGHNY-25NOV26-T60".into());
    let op = operation(&mut doc, "/portfolio/fills", "get");
    op.insert("summary".into(), "Get fills".into());
    op.insert("x-mint".into(), Value::Mapping(Mapping::new()));
    let new = common::to_yaml(&doc);
    let report = diff::diff_inputs(
        old.as_bytes(),
        "old.yaml",
        new.as_bytes(),
        "new.yaml",
        &Tolerances::none(),
        &ExtraPaths::checked_in().unwrap(),
        &xtask::spec::Retained::checked_in().unwrap(),
    )
    .unwrap();
    assert!(report.changes.is_empty(), "{:#?}", report.changes);
}

#[test]
fn optional_response_field_added_is_not_breaking() {
    let change = only_change(|doc| {
        properties(doc, "Fill").insert("x_test_venue".into(), common::parse("type: string"));
    });
    assert_change(
        &change,
        Section::Schemas,
        "Fill",
        "x_test_venue",
        Kind::FieldAdded,
        Rule::OptionalResponseFieldAdded,
    );
    assert!(!change.breaking());
}

#[test]
fn required_response_field_added_is_not_breaking() {
    let change = only_change(|doc| {
        properties(doc, "Fill").insert("x_test_venue".into(), common::parse("type: string"));
        required_list(doc, "Fill").push("x_test_venue".into());
    });
    assert_change(
        &change,
        Section::Schemas,
        "Fill",
        "x_test_venue",
        Kind::FieldAdded,
        Rule::RequiredResponseFieldAdded,
    );
    assert!(!change.breaking());
}

#[test]
fn required_response_field_removed_is_breaking() {
    let change = only_change(|doc| {
        properties(doc, "Fill").shift_remove("is_taker");
        required_list(doc, "Fill").retain(|name| name != "is_taker");
    });
    assert_change(
        &change,
        Section::Schemas,
        "Fill",
        "is_taker",
        Kind::FieldRemoved,
        Rule::RequiredResponseFieldRemoved,
    );
    assert!(change.breaking());
    assert_eq!(change.old.as_deref(), Some("boolean, required"));
}

#[test]
fn a_renamed_operation_id_is_breaking() {
    // Same wire, but the generated method is renamed, and the facade calls
    // it by name: the build breaks, so the diff must not call it routine.
    let change = only_change(|doc| {
        operation(doc, "/portfolio/fills", "get").insert("operationId".into(), "ListFills".into());
    });
    assert_eq!(change.rule, Rule::OperationIdChanged, "{change:#?}");
    assert_eq!(change.new.as_deref(), Some("ListFills"));
    assert!(change.breaking());
}

#[test]
fn optional_response_field_removed_is_not_breaking() {
    let change = only_change(|doc| {
        properties(doc, "Fill").shift_remove("created_time");
    });
    assert_change(
        &change,
        Section::Schemas,
        "Fill",
        "created_time",
        Kind::FieldRemoved,
        Rule::OptionalResponseFieldRemoved,
    );
    assert!(!change.breaking());
}

#[test]
fn response_field_becoming_optional_is_breaking_and_the_reverse_is_not() {
    let change = only_change(|doc| {
        required_list(doc, "Fill").retain(|name| name != "ticker");
    });
    assert_change(
        &change,
        Section::Schemas,
        "Fill",
        "ticker",
        Kind::RequiredChanged,
        Rule::ResponseBecameOptional,
    );
    assert!(change.breaking());

    let change = only_change(|doc| {
        required_list(doc, "Fill").push("created_time".into());
    });
    assert_eq!(change.rule, Rule::ResponseBecameRequired);
    assert!(!change.breaking());
}

#[test]
fn response_enum_value_added_is_not_breaking() {
    let change = only_change(|doc| {
        enum_list(doc, "OrderStatus").push("x_test_paused".into());
    });
    assert_change(
        &change,
        Section::Schemas,
        "OrderStatus",
        "",
        Kind::EnumValueAdded,
        Rule::ResponseEnumValueAdded,
    );
    assert_eq!(change.new.as_deref(), Some("x_test_paused"));
    assert!(!change.breaking());
}

#[test]
fn request_enum_value_removed_is_breaking_even_in_a_shared_schema() {
    // SelfTradePreventionType is sent in orders and returned in them: the
    // request verdict (breaking) wins over the response one (not).
    let change = only_change(|doc| {
        enum_list(doc, "SelfTradePreventionType").retain(|v| v != "maker");
    });
    assert_change(
        &change,
        Section::Schemas,
        "SelfTradePreventionType",
        "",
        Kind::EnumValueRemoved,
        Rule::RequestEnumValueRemoved,
    );
    assert!(change.usage.request && change.usage.response);
    assert!(change.breaking());
}

#[test]
fn request_enum_value_added_is_not_breaking() {
    let change = only_change(|doc| {
        enum_list(doc, "SelfTradePreventionType").push("x_test_cancel_both".into());
    });
    assert_eq!(change.kind, Kind::EnumValueAdded);
    assert!(!change.breaking());
}

#[test]
fn operation_added_is_not_breaking_and_removed_is() {
    let change = only_change(|doc| {
        let item = common::parse(
            "get:\n  operationId: XTestGetThing\n  responses:\n    '200':\n      description: ''\n      content:\n        application/json:\n          schema:\n            $ref: '#/components/schemas/GetBalanceResponse'\n",
        );
        doc["paths"]
            .as_mapping_mut()
            .unwrap()
            .insert("/portfolio/x_test_thing".into(), item);
    });
    assert_change(
        &change,
        Section::Operations,
        "GET /portfolio/x_test_thing",
        "",
        Kind::OperationAdded,
        Rule::OperationAdded,
    );
    assert_eq!(change.operation_id.as_deref(), Some("XTestGetThing"));
    assert!(!change.breaking());

    // Removing the summary endpoint drops nothing else: its response schema
    // is not used anywhere else, but a removed schema is judged where it
    // was used, so it is listed without a verdict of its own.
    let old = vendored();
    let mut new = old.clone();
    // Only its GET, so a method a later release adds to the path stays out of it.
    new["paths"]["/portfolio/summary/total_resting_order_value"]
        .as_mapping_mut()
        .unwrap()
        .shift_remove("get");
    let report = diff::diff(&old, &new);
    let breaking: Vec<_> = report.changes.iter().filter(|c| c.breaking()).collect();
    assert_eq!(breaking.len(), 1, "{:#?}", report.changes);
    assert_change(
        breaking[0],
        Section::Operations,
        "GET /portfolio/summary/total_resting_order_value",
        "",
        Kind::OperationRemoved,
        Rule::OperationRemoved,
    );
    assert!(report
        .changes
        .iter()
        .filter(|c| !c.breaking())
        .all(|c| c.kind == Kind::SchemaRemoved));
}

#[test]
fn parameter_made_required_is_breaking() {
    let change = only_change(|doc| {
        let params = operation(doc, "/portfolio/balance", "get")["parameters"]
            .as_sequence_mut()
            .unwrap();
        let inline = params
            .iter_mut()
            .find(|p| p.get("name").and_then(Value::as_str) == Some("exchange_index"))
            .unwrap();
        inline
            .as_mapping_mut()
            .unwrap()
            .insert("required".into(), true.into());
    });
    assert_change(
        &change,
        Section::Operations,
        "GET /portfolio/balance",
        "query exchange_index",
        Kind::RequiredChanged,
        Rule::RequestBecameRequired,
    );
    assert!(change.breaking());
}

#[test]
fn new_optional_parameter_is_not_breaking_and_required_one_is() {
    for (required, rule) in [
        (false, Rule::OptionalParameterAdded),
        (true, Rule::RequiredParameterAdded),
    ] {
        let change = only_change(|doc| {
            let params = operation(doc, "/portfolio/balance", "get")["parameters"]
                .as_sequence_mut()
                .unwrap();
            params.push(common::parse(&format!(
                "{{name: x_test_currency, in: query, required: {required}, schema: {{type: string}}}}"
            )));
        });
        assert_eq!((change.kind, change.rule), (Kind::ParameterAdded, rule));
        assert_eq!(change.breaking(), required);
    }
}

#[test]
fn field_type_changed_is_breaking() {
    let change = only_change(|doc| {
        properties(doc, "Fill").insert("ts".into(), common::parse("type: string"));
    });
    assert_change(
        &change,
        Section::Schemas,
        "Fill",
        "ts",
        Kind::TypeChanged,
        Rule::TypeChanged,
    );
    assert_eq!(
        (change.old.as_deref(), change.new.as_deref()),
        (Some("integer(int64)"), Some("string"))
    );
    assert!(change.breaking());
}

#[test]
fn format_change_is_a_type_change() {
    let change = only_change(|doc| {
        properties(doc, "Fill")
            .insert("ts".into(), common::parse("{type: integer, format: int32}"));
    });
    assert_eq!(change.rule, Rule::TypeChanged);
}

#[test]
fn same_json_type_under_another_name_is_not_breaking() {
    // FixedPointDollars is a string: inlining it changes the Rust type, not
    // the wire.
    let change = only_change(|doc| {
        properties(doc, "Fill").insert("fee_cost".into(), common::parse("type: string"));
    });
    assert_change(
        &change,
        Section::Schemas,
        "Fill",
        "fee_cost",
        Kind::TypeChanged,
        Rule::TypeRenamed,
    );
    // Same wire, but the field's Rust type changes under handwritten code.
    assert!(change.breaking());
}

#[test]
fn request_field_made_required_is_breaking() {
    let change = only_change(|doc| {
        schema(doc, "CreateOrderGroupRequest")
            .insert("required".into(), common::parse("[contracts_limit]"));
    });
    assert_change(
        &change,
        Section::Schemas,
        "CreateOrderGroupRequest",
        "contracts_limit",
        Kind::RequiredChanged,
        Rule::RequestBecameRequired,
    );
    assert!(change.breaking());
}

#[test]
fn success_status_change_is_breaking() {
    let change = only_change(|doc| {
        let responses = operation(doc, "/portfolio/events/orders", "post")["responses"]
            .as_mapping_mut()
            .unwrap();
        let created = responses.shift_remove("201").unwrap();
        responses.insert("200".into(), created);
    });
    assert_change(
        &change,
        Section::Operations,
        "POST /portfolio/events/orders",
        "success status",
        Kind::SuccessStatusChanged,
        Rule::SuccessStatusChanged,
    );
    assert_eq!(
        (change.old.as_deref(), change.new.as_deref()),
        (Some("201"), Some("200"))
    );
}

#[test]
fn error_response_changes_are_not_breaking() {
    let change = only_change(|doc| {
        operation(doc, "/portfolio/events/orders", "post")["responses"]
            .as_mapping_mut()
            .unwrap()
            .shift_remove("503");
    });
    assert_eq!(
        (change.kind, change.rule),
        (Kind::ErrorResponseRemoved, Rule::ErrorResponseChanged)
    );
    assert!(!change.breaking());
}

#[test]
fn nullable_required_response_field_is_breaking_optional_is_not() {
    let change = only_change(|doc| {
        properties(doc, "Fill")["ticker"]
            .as_mapping_mut()
            .unwrap()
            .insert("nullable".into(), true.into());
    });
    assert_eq!(
        (change.kind, change.rule),
        (Kind::NullableChanged, Rule::RequiredResponseBecameNullable)
    );
    assert!(change.breaking());

    let change = only_change(|doc| {
        properties(doc, "Fill")["created_time"]
            .as_mapping_mut()
            .unwrap()
            .insert("nullable".into(), true.into());
    });
    assert_eq!(change.rule, Rule::OptionalResponseBecameNullable);
    assert!(!change.breaking());
}

/// `old` without `Fill.is_taker`, a required response field.
fn without_fill_is_taker(old: &Value) -> Value {
    let mut new = old.clone();
    properties(&mut new, "Fill").shift_remove("is_taker");
    required_list(&mut new, "Fill").retain(|name| name != "is_taker");
    new
}

#[test]
fn json_report_has_a_stable_shape() {
    let old = vendored();
    let new = without_fill_is_taker(&old);
    let mut report = diff::diff(&old, &new);
    report.old.source = "old.yaml".into();
    report.new.source = "new.yaml".into();
    report.judge(&FacadeUsage::parse("field Fill.is_taker  src/records.rs\n").unwrap());
    let json = diff::to_json(&report);
    let version = old["info"]["version"].as_str().unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "format_version": 1,
            "old": {"source": "old.yaml", "version": version},
            "new": {"source": "new.yaml", "version": version},
            "warnings": [],
            "summary": {"changes": 1, "breaking": 1},
            "changes": [{
                "section": "schemas",
                "subject": "Fill",
                "operation_id": null,
                "at": "is_taker",
                "kind": "field_removed",
                "old": "boolean, required",
                "new": null,
                "usage": ["response"],
                "breaking": true,
                "rule": "required_response_field_removed",
                "facade_uses": ["field Fill.is_taker (src/records.rs)"],
                "breaks_released_crate": true,
            }],
        })
    );
}

/// A change a rule calls breaking is breaking only where handwritten code uses
/// what it changes; elsewhere the report says so, and still warns when the
/// released crate misbehaves against the new server.
#[test]
fn a_breaking_rule_on_something_no_handwritten_code_uses_is_not_breaking() {
    let old = vendored();
    let new = without_fill_is_taker(&old);
    let judged = |usage: &str| {
        let mut report = diff::diff(&old, &new);
        report.judge(&FacadeUsage::parse(usage).unwrap());
        report
    };
    // Another type's field of the same name, the builder's setter of another
    // field, and the type itself named: none of them is a use of `Fill.is_taker`.
    let elsewhere =
        judged("field Order.is_taker  src/a.rs\nset Fill.ticker  src/b.rs\ntype Fill  src/c.rs\n");
    assert_eq!(elsewhere.breaking_count(), 0);
    let change = &elsewhere.changes[0];
    assert!(change.breaking_elsewhere());
    let text = diff::render_markdown(&elsewhere);
    assert!(
        text.contains("no handwritten code uses what it changes")
            && text.contains("released crate's decoder still expects the old form"),
        "{text}"
    );
    // The sandbox setting it through the builder is a use.
    let set = judged("set Fill.is_taker  src/sandbox/exchange/wire.rs\n");
    assert_eq!(set.breaking_count(), 1);
    assert!(
        diff::render_markdown(&set).contains("set Fill.is_taker (src/sandbox/exchange/wire.rs)")
    );
}

/// A schema renamed with the same shape breaks only code that names the old type;
/// a field of another type changes only for code that reads, sets or decodes it.
#[test]
fn renames_and_type_changes_are_judged_by_what_handwritten_code_names() {
    let old = vendored();
    let mut new = old.clone();
    properties(&mut new, "Order")
        .get_mut("ticker")
        .and_then(|t| t.as_mapping_mut())
        .unwrap()
        .insert("type".into(), "integer".into());
    let judged = |usage: &str| {
        let mut report = diff::diff(&old, &new);
        report.judge(&FacadeUsage::parse(usage).unwrap());
        report.breaking_count()
    };
    assert_eq!(judged("field Fill.ticker  src/a.rs\n"), 0);
    assert_eq!(judged("field Order.ticker  src/a.rs\n"), 1);
    // Test data carrying the key decodes no more.
    assert_eq!(
        judged("wire ticker  tests/fixtures/production/orders.json\n"),
        1
    );
}

#[test]
fn a_field_retyped_to_the_same_json_breaks_only_code_that_reads_or_sets_it() {
    // CreateOrderV2Request.exchange_index goes from the shared ExchangeIndex
    // schema to an inline copy of it: the same JSON, another Rust type. Code naming
    // ExchangeIndex elsewhere still builds (the schema stays, used by Fill and
    // others); only code reading or setting this field is touched.
    // Both sides are set here, so the test does not depend on how the vendored
    // release spells the field.
    let mut old = vendored();
    old["components"]["schemas"]
        .as_mapping_mut()
        .unwrap()
        .entry("ExchangeIndex".into())
        .or_insert_with(|| common::parse("type: integer"));
    properties(&mut old, "CreateOrderV2Request").insert(
        "exchange_index".into(),
        common::parse("allOf: [{$ref: '#/components/schemas/ExchangeIndex'}]"),
    );
    // The same shape inline: the same JSON, another Rust type.
    let inline = old["components"]["schemas"]["ExchangeIndex"].clone();
    let mut new = old.clone();
    properties(&mut new, "CreateOrderV2Request").insert("exchange_index".into(), inline);
    let judged = |usage: &str| {
        let mut report = diff::diff(&old, &new);
        let renamed: Vec<_> = report
            .changes
            .iter()
            .filter(|c| c.rule == Rule::TypeRenamed)
            .collect();
        assert_eq!(renamed.len(), 1, "{:#?}", report.changes);
        report.judge(&FacadeUsage::parse(usage).unwrap());
        report.breaking_count()
    };
    assert_eq!(
        judged("type ExchangeIndex  src/sandbox/exchange/wire.rs\n"),
        0
    );
    assert_eq!(
        judged("set CreateOrderV2Request.exchange_index  src/a.rs\n"),
        1
    );
    assert_eq!(
        judged("field CreateOrderV2Request.exchange_index  src/a.rs\n"),
        1
    );
}

#[test]
fn markdown_marks_breaking_changes() {
    let old = vendored();
    let new = without_fill_is_taker(&old);
    let text = diff::render_markdown(&diff::diff(&old, &new));
    assert!(
        text.contains("**1 change, 1 breaking for this client**"),
        "{text}"
    );
    assert!(text.contains("#### `Fill` (response)"), "{text}");
    assert!(
        text.contains("- **BREAKING** field `is_taker` removed (was boolean, required)"),
        "{text}"
    );
}

#[test]
fn every_rule_is_in_the_readme_table_with_its_verdict() {
    let path = xtask::spec::workspace_root().join("openapi/README.md");
    let readme = fs::read_to_string(&path).unwrap();
    for rule in Rule::ALL {
        let name = format!("`{}`", rule.name());
        let row = readme
            .lines()
            .find(|line| line.starts_with("| ") && line.contains(&name))
            .unwrap_or_else(|| panic!("openapi/README.md has no table row for {name}"));
        assert_eq!(
            row.contains("| **yes** |"),
            rule.breaking(),
            "the README's verdict for {name} disagrees with the code: {row}"
        );
    }
}

#[test]
fn changes_in_inline_nested_schemas_name_their_place() {
    let change = only_change(|doc| {
        let item = &mut properties(doc, "BatchCreateOrdersV2Response")["orders"]["items"];
        item["properties"]
            .as_mapping_mut()
            .unwrap()
            .shift_remove("ts_ms");
    });
    assert_change(
        &change,
        Section::Schemas,
        "BatchCreateOrdersV2Response",
        "orders[].ts_ms",
        Kind::FieldRemoved,
        Rule::OptionalResponseFieldRemoved,
    );
}

#[test]
fn a_change_inside_a_named_schema_is_reported_once_under_its_name() {
    // Fill is returned by GetFills only through GetFillsResponse.fills[]; a
    // change in Fill is not repeated under the operation or the wrapper.
    let change = only_change(|doc| {
        properties(doc, "Fill").shift_remove("ts");
    });
    assert_eq!(
        (change.section, change.subject.as_str()),
        (Section::Schemas, "Fill")
    );
}

#[test]
fn losing_the_json_media_type_of_a_success_body_is_breaking() {
    let report = {
        let old = vendored();
        let mut new = old.clone();
        let content = operation(&mut new, "/portfolio/balance", "get")["responses"]["200"]
            ["content"]
            .as_mapping_mut()
            .unwrap();
        let media = content.shift_remove("application/json").unwrap();
        content.insert("application/xml".into(), media);
        diff::diff(&old, &new)
    };
    let removed = report
        .changes
        .iter()
        .find(|c| c.kind == Kind::MediaTypeRemoved)
        .unwrap_or_else(|| panic!("{:#?}", report.changes));
    assert_change(
        removed,
        Section::Operations,
        "GET /portfolio/balance",
        "200 response",
        Kind::MediaTypeRemoved,
        Rule::JsonMediaTypeRemoved,
    );
    assert!(removed.breaking());
    assert!(report
        .changes
        .iter()
        .any(|c| c.kind == Kind::MediaTypeAdded && c.rule == Rule::MediaTypeChanged));
    assert_eq!(report.breaking_count(), 1, "{:#?}", report.changes);
}

#[test]
fn a_second_media_type_beside_json_is_not_breaking() {
    let change = only_change(|doc| {
        let body = &mut operation(doc, "/portfolio/events/orders", "post")["requestBody"];
        let content = body["content"].as_mapping_mut().unwrap();
        let media = content["application/json"].clone();
        content.insert("application/x-www-form-urlencoded".into(), media);
    });
    assert_change(
        &change,
        Section::Operations,
        "POST /portfolio/events/orders",
        "request body",
        Kind::MediaTypeAdded,
        Rule::MediaTypeChanged,
    );
    assert!(!change.breaking());
}

#[test]
fn a_schema_renamed_with_the_same_shape_is_a_rename() {
    let old = vendored();
    let mut new = old.clone();
    let schemas = new["components"]["schemas"].as_mapping_mut().unwrap();
    let fill = schemas.shift_remove("Fill").unwrap();
    schemas.insert("RenamedFill".into(), fill);
    // Every reference follows the rename (today only GetFillsResponse.fills has one).
    fn follow(node: &mut Value) {
        match node {
            Value::Mapping(map) => {
                for (key, value) in map.iter_mut() {
                    if key.as_str() == Some("$ref")
                        && value.as_str() == Some("#/components/schemas/Fill")
                    {
                        *value = "#/components/schemas/RenamedFill".into();
                    } else {
                        follow(value);
                    }
                }
            }
            Value::Sequence(items) => items.iter_mut().for_each(follow),
            _ => {}
        }
    }
    follow(&mut new);
    let report = diff::diff(&old, &new);
    let renamed = report
        .changes
        .iter()
        .find(|c| c.kind == Kind::TypeChanged)
        .unwrap_or_else(|| panic!("{:#?}", report.changes));
    assert_eq!(
        (renamed.subject.as_str(), renamed.at.as_str(), renamed.rule),
        ("GetFillsResponse", "fills", Rule::TypeRenamed),
        "{renamed:#?}"
    );
    // Same wire, but `types::Fill` is gone from under handwritten code.
    assert!(renamed.breaking(), "{renamed:#?}");

    // With a different shape it is a type change, and breaking.
    let mut other = new.clone();
    properties(&mut other, "RenamedFill")["fill_id"] = common::parse("type: integer");
    let report = diff::diff(&old, &other);
    assert!(
        report
            .changes
            .iter()
            .any(|c| c.at == "fills" && c.rule == Rule::TypeChanged),
        "{:#?}",
        report.changes
    );
}

#[test]
fn a_constraint_only_all_of_member_is_a_constraint_change() {
    let change = only_change(|doc| {
        properties(doc, "Fill")["count_fp"] =
            common::parse("allOf: [{$ref: '#/components/schemas/FixedPointCount'}, {minimum: 0}]");
    });
    assert_change(
        &change,
        Section::Schemas,
        "Fill",
        "count_fp",
        Kind::ConstraintChanged,
        Rule::ConstraintChanged,
    );
    assert_eq!(change.new.as_deref(), Some("minimum: 0"));
    assert!(!change.breaking());
}

/// The checked-in tolerances as `spec diff` reads them, and the vendored
/// text, for diffs through the importer.
fn diff_with_tolerances(mutate: impl FnOnce(&mut Value)) -> diff::Report {
    let old = vendored_text();
    let mut doc = vendored();
    mutate(&mut doc);
    let new = common::to_yaml(&doc);
    diff::diff_inputs(
        old.as_bytes(),
        "portfolio.yaml",
        new.as_bytes(),
        "new.yaml",
        &Tolerances::checked_in().unwrap(),
        &ExtraPaths::checked_in().unwrap(),
        &xtask::spec::Retained::checked_in().unwrap(),
    )
    .unwrap()
}

#[test]
fn tolerated_fields_are_not_changes_against_their_upstream() {
    // Upstream still requires every tolerated field; the new side is cut
    // with the same tolerances, so nothing shows and nothing is moot.
    let text = vendored_text();
    let source = xtask::spec::check::header_source(&text).unwrap();
    let Some(upstream) = common::recorded_upstream(&text) else {
        return;
    };
    let report = diff::diff_inputs(
        text.as_bytes(),
        "portfolio.yaml",
        &fs::read(upstream).unwrap(),
        source,
        &Tolerances::checked_in().unwrap(),
        &ExtraPaths::checked_in().unwrap(),
        &xtask::spec::Retained::checked_in().unwrap(),
    )
    .unwrap();
    assert!(report.changes.is_empty(), "{:#?}", report.changes);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

#[test]
fn a_tolerance_gone_or_moot_upstream_is_a_warning() {
    let tolerances = Tolerances::checked_in().unwrap();
    let first = &tolerances.entries[0];
    let name = format!("`{}.{}`", first.schema, first.field);
    // The field disappears upstream.
    let (schema_name, field) = (first.schema.clone(), first.field.clone());
    let report = diff_with_tolerances(|doc| {
        properties(doc, &schema_name).shift_remove(field.as_str());
    });
    let warning = report
        .warnings
        .iter()
        .find(|w| w.contains(&name))
        .unwrap_or_else(|| panic!("{:?}", report.warnings));
    assert!(warning.contains("has no such property"), "{warning}");
    let text = diff::render_markdown(&report);
    assert!(
        text.contains(&format!("- **warning:** {warning}")),
        "{text}"
    );
    let json = diff::to_json(&report);
    assert!(
        json["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w == warning.as_str()),
        "{json}"
    );

    // The vendored file already lacks it in `required`: as upstream, that is
    // a field upstream no longer requires, which makes the tolerance moot.
    let report = diff_with_tolerances(|_| {});
    assert!(!report.warnings.is_empty(), "{:?}", report.warnings);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains(&name) && w.contains("moot")),
        "{:?}",
        report.warnings
    );
}

/// A parameter's request-builder setter has the same signature whether the
/// parameter is required or not, so one that becomes optional breaks nothing, even
/// where the facade sets it; one that becomes required breaks every caller of the
/// operation, which may leave it unset.
#[test]
fn a_parameter_that_becomes_optional_breaks_no_caller_and_one_that_becomes_required_does() {
    let old = vendored();
    let usage = FacadeUsage::parse(
        "operation get_fills  src/operations/portfolio.rs\nargument GetFills.ticker  src/operations/portfolio.rs\n",
    )
    .unwrap();
    let with_ticker = |required: bool| {
        let mut doc = old.clone();
        let fills = doc["paths"]["/portfolio/fills"]["get"]["parameters"]
            .as_sequence_mut()
            .unwrap();
        for param in fills.iter_mut() {
            if param.get("$ref").is_some() || param["name"].as_str() != Some("ticker") {
                continue;
            }
            param
                .as_mapping_mut()
                .unwrap()
                .insert("required".into(), required.into());
        }
        doc
    };
    let (optional, required) = (with_ticker(false), with_ticker(true));
    let judged = |from: &Value, to: &Value| {
        let mut report = diff::diff(from, to);
        report.judge(&usage);
        report
    };
    let relaxed = judged(&required, &optional);
    assert_eq!(relaxed.changes.len(), 1, "{:?}", relaxed.changes);
    assert_eq!(relaxed.changes[0].rule, Rule::RequestBecameOptional);
    assert_eq!(relaxed.breaking_count(), 0);
    let tightened = judged(&optional, &required);
    assert_eq!(tightened.changes[0].rule, Rule::RequestBecameRequired);
    assert_eq!(tightened.breaking_count(), 1);
}
