//! `spec generate-all`: every public spec version goes through build.rs's
//! generation step (codegen/mod.rs, compiled into xtask) and yields Rust
//! that parses.

mod common;

use std::fs;

use xtask::spec::generate::{generate_dir, generate_document};

const SHARED: [&str; 3] = [
    "kalshi-openapi-2.0.0-2025-11-02.yaml",
    "kalshi-openapi-3.31.0.yaml",
    "kalshi-portfolio-3.34.0.yaml",
];

#[test]
fn every_shared_version_generates() {
    for file in SHARED {
        let Some(path) = common::shared_spec(file) else {
            continue;
        };
        let bytes = fs::read(&path).unwrap();
        let generated = generate_document(&bytes, file);
        println!("{generated}");
        assert!(generated.ok(), "{generated}");
        assert!(
            generated.operations > 0 && generated.types > 0,
            "{generated}"
        );
    }
}

/// One operation and one type; its required and optional query parameters exercise
/// the per-request passes.
const MINIMAL: &str = r#"
openapi: 3.0.0
info: {title: Minimal, version: 1.2.3}
paths:
  /portfolio/balance:
    get:
      operationId: GetBalance
      parameters:
        - {name: ticker, in: query, required: true, schema: {type: string}}
        - {name: cursor, in: query, required: false, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Balance'
components:
  schemas:
    Balance:
      type: object
      required: [balance]
      properties:
        balance: {type: integer, format: int64}
"#;

#[test]
fn generate_dir_reports_one_line_per_yaml_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a-no-portfolio.yaml"),
        "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths:\n  /markets: {}\n",
    )
    .unwrap();
    // oneOf next to anyOf: progenitor panics on it, which must come back as
    // a FAIL line, not abort the run.
    fs::write(dir.path().join("b-synthetic.yaml"), common::SYNTHETIC).unwrap();
    fs::write(dir.path().join("c-minimal.yaml"), MINIMAL).unwrap();
    fs::write(dir.path().join("notes.txt"), "not a spec").unwrap();
    let results = generate_dir(dir.path()).unwrap();
    let lines: Vec<String> = results.iter().map(ToString::to_string).collect();
    assert_eq!(results.len(), 3, "{lines:#?}");
    assert!(
        lines[0].starts_with(
            "a-no-portfolio.yaml: version ?, 0 operations, 0 types, FAIL: import failed"
        ),
        "{lines:#?}"
    );
    assert!(
        lines[1].starts_with("b-synthetic.yaml: version 9.8.7, 2 operations, 0 types, FAIL: generation failed: progenitor panicked"),
        "{lines:#?}"
    );
    assert_eq!(
        lines[2], "c-minimal.yaml: version 1.2.3, 1 operations, 1 types, OK",
        "{lines:#?}"
    );
}

/// The passes over progenitor's output that keep per-request work down: no
/// `api-version` header, so no header map at all; success bodies decoded by the
/// transport's `decode_success`, which moves the response headers instead of cloning
/// them; optional query parameters added only when set.
#[test]
fn generated_requests_carry_no_needless_per_request_work() {
    let source = xtask::codegen::generate(MINIMAL, xtask::codegen::Marking::None).unwrap();
    assert!(!source.contains("api-version"), "{source}");
    assert!(!source.contains("header_map"), "{source}");
    assert!(!source.contains("from_response"), "{source}");
    assert!(
        source.contains("crate::transport::decode_success(response).await"),
        "{source}"
    );
    // The optional parameter goes through the helper, the required one stays as
    // generated (the helper takes only `Option`s).
    let compact: String = source.split_whitespace().collect();
    assert!(
        compact.contains(r#""cursor",&cursor,)"#)
            && compact.contains("crate::transport::query_if_present("),
        "{source}"
    );
    assert!(
        compact.contains(r#".query(&progenitor_client::QueryParam::new("ticker",&ticker))"#),
        "{source}"
    );
}

/// An optional field with a spec default is serialized only when it holds something
/// else: a defaulted field Kalshi adds must not change the bytes of every request
/// (tests/facade.rs checks the real `create_order_group` body leaves
/// `exchange_index` out).
#[test]
fn defaulted_optional_fields_are_skipped_while_they_hold_the_default() {
    let spec = MINIMAL.replace(
        "        balance: {type: integer, format: int64}\n",
        "        balance: {type: integer, format: int64}\n        \
         exchange_index: {type: integer, default: 0}\n        \
         venue: {type: string, default: main}\n        \
         ts_ms: {type: integer, default: 0, description: 'Tolerated (openapi/tolerances.yaml): \
         upstream requires this field, but when absent it decodes as `0`.'}\n",
    );
    assert_ne!(spec, MINIMAL);
    let source = xtask::codegen::generate(&spec, xtask::codegen::Marking::None).unwrap();
    let compact: String = source.split_whitespace().collect();
    for field in ["exchange_index", "venue"] {
        let at = compact
            .find(&format!("pub{field}:"))
            .unwrap_or_else(|| panic!("no field {field}: {source}"));
        let attrs = &compact[..at];
        let attrs = &attrs[attrs.rfind(',').unwrap_or(0)..];
        assert!(
            attrs.contains("#[serde(default")
                && attrs.contains("skip_serializing_if=\"is_spec_default_"),
            "{field}: {attrs}"
        );
    }
    // The tolerated field is written always, as upstream requires it.
    let at = compact.find("pubts_ms:").expect("ts_ms");
    let attrs = &compact[compact[..at].rfind(',').unwrap_or(0)..at];
    assert!(attrs.contains("#[serde(default)]"), "{attrs}");
    assert!(!attrs.contains("skip_serializing_if"), "{attrs}");
    // The required field is untouched.
    assert_eq!(
        compact
            .matches("skip_serializing_if=\"is_spec_default_")
            .count(),
        2,
        "{source}"
    );
    assert!(
        compact.contains("::serde_json::to_value(value).ok()==::serde_json::to_value("),
        "{source}"
    );
}

/// `cargo xtask spec usage` learns which generated items handwritten code uses from
/// rustc's deprecation warnings: every struct, field, enum, variant and inherent method
/// must carry the mark, and the crate as shipped none.
#[test]
fn the_usage_scan_marks_every_generated_item_and_the_shipped_code_none() {
    use xtask::codegen::{generate, Marking, USAGE_MARK};
    let shipped = generate(MINIMAL, Marking::None).unwrap();
    assert!(!shipped.contains("deprecated"), "{shipped}");

    let marked: syn::File =
        syn::parse_str(&generate(MINIMAL, Marking::UsageScan).unwrap()).unwrap();
    let is_marked = |attrs: &[syn::Attribute]| {
        attrs.iter().any(|attr| {
            attr.path().is_ident("deprecated")
                && attr
                    .meta
                    .require_list()
                    .is_ok_and(|list| list.tokens.to_string() == format!("note = \"{USAGE_MARK}\""))
        })
    };
    let mut counts = [0usize; 4]; // structs+fields, enums+variants, methods, unmarked
    fn walk(items: &[syn::Item], f: &mut dyn FnMut(&syn::Item)) {
        for item in items {
            if let syn::Item::Mod(module) = item {
                if let Some((_, inner)) = &module.content {
                    walk(inner, f);
                }
            }
            f(item);
        }
    }
    walk(&marked.items, &mut |item| match item {
        syn::Item::Struct(s) => {
            for attrs in std::iter::once(&s.attrs).chain(s.fields.iter().map(|f| &f.attrs)) {
                counts[if is_marked(attrs) { 0 } else { 3 }] += 1;
            }
        }
        syn::Item::Enum(e) => {
            for attrs in std::iter::once(&e.attrs).chain(e.variants.iter().map(|v| &v.attrs)) {
                counts[if is_marked(attrs) { 1 } else { 3 }] += 1;
            }
        }
        syn::Item::Impl(i) if i.trait_.is_none() => {
            for impl_item in &i.items {
                if let syn::ImplItem::Fn(function) = impl_item {
                    counts[if is_marked(&function.attrs) { 2 } else { 3 }] += 1;
                }
            }
        }
        _ => {}
    });
    assert_eq!(counts[3], 0, "unmarked items: {counts:?}");
    assert!(counts[0] > 0 && counts[2] > 0, "{counts:?}");
}

/// The diff predicts the integer type the generator picks from `format` and the
/// bounds (xtask/src/spec/diff/integer.rs), to tell a bound that moves the Rust type
/// from one that does not: the prediction must be what the generator does.
#[test]
fn the_diffs_integer_types_are_the_generators() {
    let fields = [
        ("plain64", "{type: integer, format: int64}"),
        ("zero64", "{type: integer, format: int64, minimum: 0}"),
        ("one64", "{type: integer, format: int64, minimum: 1}"),
        ("capped32", "{type: integer, format: int32, maximum: 100}"),
        ("bare", "{type: integer}"),
        ("bare_zero", "{type: integer, minimum: 0}"),
        ("byte", "{type: integer, minimum: 0, maximum: 255}"),
        ("stepped", "{type: integer, format: int64, multipleOf: 5}"),
        (
            "exclusive",
            "{type: integer, format: int64, minimum: 0, exclusiveMinimum: true}",
        ),
    ];
    let properties: String = fields
        .iter()
        .map(|(name, schema)| format!("        {name}: {schema}\n"))
        .collect();
    let names: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
    let spec = format!(
        r#"
openapi: 3.0.0
info: {{title: Bounds, version: 1.0.0}}
paths:
  /portfolio/bounds:
    get:
      operationId: GetBounds
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {{$ref: '#/components/schemas/Bounds'}}
components:
  schemas:
    Bounds:
      type: object
      required: [{}]
      properties:
{properties}"#,
        names.join(", ")
    );
    let source = xtask::codegen::generate(&spec, xtask::codegen::Marking::None).unwrap();
    let file: syn::File = syn::parse_str(&source).unwrap();
    let mut generated = std::collections::BTreeMap::new();
    fn walk(items: &[syn::Item], out: &mut std::collections::BTreeMap<String, String>) {
        for item in items {
            match item {
                // The builders' fields are `Result`s of the same types.
                syn::Item::Mod(module) if module.ident != "builder" => {
                    if let Some((_, inner)) = &module.content {
                        walk(inner, out);
                    }
                }
                syn::Item::Struct(s) if s.ident == "Bounds" => {
                    for field in &s.fields {
                        let syn::Type::Path(path) = &field.ty else {
                            continue;
                        };
                        let last = path.path.segments.last().unwrap().ident.to_string();
                        out.insert(field.ident.as_ref().unwrap().to_string(), last);
                    }
                }
                _ => {}
            }
        }
    }
    walk(&file.items, &mut generated);
    for (name, schema) in fields {
        let node: serde_yaml_ng::Value = serde_yaml_ng::from_str(schema).unwrap();
        let predicted = xtask::spec::diff::integer::rust_type(&node).unwrap();
        assert_eq!(
            generated.get(name).map(String::as_str),
            Some(predicted),
            "{name}: {schema}\n{generated:?}"
        );
    }
}
