//! `spec import` on synthetic documents: reachability, pruning, canonical
//! form and error cases.

mod common;

use common::*;
use serde_yaml_ng::Value;
use xtask::spec::{slice::check_refs, SpecError};

fn component_names(doc: &Value, section: &str) -> Vec<String> {
    doc["components"].get(section).map(keys).unwrap_or_default()
}

#[test]
fn keeps_portfolio_paths_only() {
    let out = import_value(SYNTHETIC);
    assert_eq!(keys(&out["paths"]), ["/portfolio/orders/{order_id}"]);
}

#[test]
fn reaches_components_transitively_and_drops_the_rest() {
    let out = import_value(SYNTHETIC);
    // FilterBase is reached only through allOf inside a parameter schema;
    // Timestamp only through a schema reached through `items`; the others
    // through additionalProperties, not, oneOf, anyOf, allOf, a response
    // header and a request body.
    assert_eq!(
        component_names(&out, "schemas"),
        [
            "AmendRequest",
            "ChoiceA",
            "ChoiceB",
            "Error",
            "Extra",
            "Fill",
            "FilterBase",
            "Negated",
            "Order",
            "RequestId",
            "Timestamp",
        ]
    );
    assert_eq!(component_names(&out, "parameters"), ["Filter", "OrderId"]);
    assert_eq!(component_names(&out, "responses"), ["NotFound"]);
    // Examples are dropped, so the example they point at is never reached.
    assert!(out["components"].get("examples").is_none());
    assert_eq!(
        keys(&out["components"]),
        ["securitySchemes", "parameters", "responses", "schemas"]
    );
}

#[test]
fn security_schemes_kept_only_when_referenced() {
    let out = import_value(SYNTHETIC);
    // marketKey is used only by /markets, unusedKey by nothing.
    assert_eq!(component_names(&out, "securitySchemes"), ["accessKey"]);
    assert!(out.get("security").is_none());
}

#[test]
fn top_level_security_is_kept_with_its_schemes() {
    let mut doc = parse(SYNTHETIC);
    doc["security"] = parse("- marketKey: []");
    let out = import_value(&to_yaml(&doc));
    assert_eq!(
        component_names(&out, "securitySchemes"),
        ["accessKey", "marketKey"]
    );
    assert_eq!(
        keys(&out),
        [
            "openapi",
            "info",
            "servers",
            "security",
            "paths",
            "components",
            "tags"
        ]
    );
}

#[test]
fn undefined_security_scheme_is_an_error() {
    let text = SYNTHETIC.replace("- accessKey: []", "- missingKey: []");
    let err = import(&text).unwrap_err();
    assert!(
        matches!(&err, SpecError::UndefinedSecurityScheme { name, .. } if name == "missingKey"),
        "{err}"
    );
}

#[test]
fn names_that_look_like_keywords_are_kept_and_keywords_dropped() {
    let out = import_value(SYNTHETIC);
    let order = &out["components"]["schemas"]["Order"];
    assert_eq!(order["description"], "schema prose");
    assert!(order.get("example").is_none());
    assert_eq!(
        keys(&order["properties"]),
        [
            "description",
            "example",
            "x-custom",
            "side",
            "settings",
            "fills",
            "extra",
            "not_negated",
            "choice",
            "error"
        ]
    );
    assert_eq!(
        order["properties"]["description"],
        parse("{type: string, description: property prose}"),
        "the property named description is kept, and so is its own description"
    );
    assert_eq!(
        order["properties"]["example"],
        parse("{type: integer, format: int64, minimum: 0, maximum: 10, nullable: true}")
    );
    // A header named like an extension is a name, not an extension.
    let get = &out["paths"]["/portfolio/orders/{order_id}"]["get"];
    assert_eq!(keys(&get["responses"]["200"]["headers"]), ["x-request-id"]);
    // `default` is data: its keys are kept whatever they look like.
    assert_eq!(
        order["properties"]["settings"]["default"],
        parse("{description: a default value is data, x-data: also data}")
    );
}

#[test]
fn prose_and_vendor_extensions_are_dropped() {
    let output = import(SYNTHETIC).unwrap();
    for gone in [
        "upstream prose",
        "path prose",
        "body prose",
        "header prose",
        "scheme prose",
        "not found prose",
        "example prose",
        "rate limit prose",
        "x-mint",
        "x-go-type",
        "x-oapi-codegen",
        "x-enum-varnames",
        "x-path-extension",
        "x-responses-extension",
        "x-components-extension",
        "x-top-level",
        "x-logo",
        "externalDocs",
        "examples",
        "Synthetic Upstream\n  description",
    ] {
        assert!(!output.contains(gone), "`{gone}` survived:\n{output}");
    }
    // What a schema, property, parameter or operation is stays: it becomes the
    // rustdoc of the generated type, field, setter or method.
    for kept in [
        "operation prose",
        "Get an order",
        "parameter prose",
        "schema prose",
        "property prose",
    ] {
        assert!(output.contains(kept), "`{kept}` was dropped:\n{output}");
    }
    let out = parse(&output);
    let get = &out["paths"]["/portfolio/orders/{order_id}"]["get"];
    assert_eq!(
        keys(get),
        [
            "operationId",
            "summary",
            "description",
            "deprecated",
            "tags",
            "security",
            "parameters",
            "responses"
        ]
    );
    assert_eq!(get["operationId"], "GetOrder");
    // Response descriptions are required by OpenAPI 3.0, so they stay, empty.
    assert_eq!(get["responses"]["200"]["description"], "");
    assert_eq!(
        out["components"]["responses"]["NotFound"]["description"],
        ""
    );
    // A Reference object in a response slot gets no description.
    assert!(get["responses"]["404"].get("description").is_none());
    // Servers keep only their URL; top-level tags only their names, and only
    // those the kept operations use.
    assert_eq!(
        out["servers"],
        parse("[{url: 'https://api.example.test/v2'}]")
    );
    assert_eq!(out["tags"], parse("[{name: portfolio}]"));
}

#[test]
fn info_carries_our_title_and_upstream_provenance() {
    let out = import_value(SYNTHETIC);
    assert_eq!(out["openapi"], "3.0.3");
    assert_eq!(
        out["info"]["title"],
        "Kalshi Trade API v2 — portfolio slice"
    );
    assert_eq!(out["info"]["version"], "9.8.7");
    let upstream = &out["info"]["x-upstream"];
    assert_eq!(
        keys(upstream),
        ["title", "version", "sha256", "slice_sha256"]
    );
    assert_eq!(upstream["title"], "Synthetic Upstream");
    assert_eq!(upstream["version"], "9.8.7");
    assert_eq!(
        upstream["sha256"],
        xtask::spec::sha256_hex(SYNTHETIC.as_bytes()).as_str()
    );
    assert_eq!(upstream["sha256"].as_str().map(str::len), Some(64));
    // The output's own checksum, as `spec check` recomputes it.
    let text = import(SYNTHETIC).unwrap();
    let (recorded, actual) = xtask::spec::canonical::slice_checksum(&text).unwrap();
    assert_eq!(upstream["slice_sha256"], recorded.as_str());
    assert_eq!(recorded, actual);
}

#[test]
fn yes_no_on_off_stay_strings_and_are_quoted() {
    let output = import(SYNTHETIC).unwrap();
    for word in ["'yes'", "'no'", "'on'", "'off'"] {
        assert!(output.contains(&format!("- {word}\n")), "{word} not quoted");
    }
    assert!(output.contains("default: 'yes'\n"));
    // Round trip: they read back as strings, not booleans.
    let side = &parse(&output)["components"]["schemas"]["Order"]["properties"]["side"];
    assert_eq!(side["enum"], parse("['yes', 'no', 'on', 'off']"));
    assert!(side["enum"]
        .as_sequence()
        .unwrap()
        .iter()
        .all(Value::is_string));
    assert_eq!(side["default"], Value::String("yes".into()));
    // And a second import of our own output keeps them.
    let again = import(&output).unwrap();
    assert_eq!(
        parse(&again)["components"]["schemas"]["Order"]["properties"]["side"],
        *side
    );
}

#[test]
fn output_is_deterministic() {
    let first = import(SYNTHETIC).unwrap();
    let second = import(SYNTHETIC).unwrap();
    assert_eq!(first, second);
    assert!(first.ends_with('\n') && !first.ends_with("\n\n"));
    assert!(first.starts_with(
        "# Generated by `cargo xtask spec import` from upstream.yaml.\n\
         # Do not edit by hand"
    ));
}

#[test]
fn shuffled_paths_and_components_give_identical_output() {
    let mut doc = parse(SYNTHETIC);
    let paths = reversed(doc["paths"].as_mapping().unwrap());
    doc["paths"] = Value::Mapping(paths);
    let mut components = reversed(doc["components"].as_mapping().unwrap());
    for (_, section) in components.iter_mut() {
        if let Value::Mapping(entries) = section {
            *entries = reversed(entries);
        }
    }
    doc["components"] = Value::Mapping(components);
    // Methods within the path item too.
    let item = &mut doc["paths"]["/portfolio/orders/{order_id}"];
    *item = Value::Mapping(reversed(item.as_mapping().unwrap()));

    let shuffled = to_yaml(&doc);
    assert_ne!(shuffled, to_yaml(&parse(SYNTHETIC)));
    assert_eq!(
        mask_sha(&import(&shuffled).unwrap()),
        mask_sha(&import(SYNTHETIC).unwrap())
    );
}

#[test]
fn canonical_ordering() {
    let out = import_value(SYNTHETIC);
    assert_eq!(
        keys(&out),
        ["openapi", "info", "servers", "paths", "components", "tags"]
    );
    // Upstream has post before get and parameters first.
    assert_eq!(
        keys(&out["paths"]["/portfolio/orders/{order_id}"]),
        ["get", "post", "parameters"]
    );
    // Within a schema, upstream order is kept.
    assert_eq!(
        keys(&out["components"]["schemas"]["Order"]),
        ["type", "description", "required", "properties"]
    );
}

#[test]
fn paths_sort_lexicographically() {
    let mut doc = parse(SYNTHETIC);
    let order = doc["paths"]["/portfolio/orders/{order_id}"].clone();
    let paths = doc["paths"].as_mapping_mut().unwrap();
    for path in [
        "/portfolio/z",
        "/portfolio",
        "/portfolio/a/b",
        "/portfolioz",
    ] {
        // Each copy gets its own operationIds: duplicates are rejected.
        let mut item = order.clone();
        for (_, operation) in item.as_mapping_mut().unwrap().iter_mut() {
            if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                let id = format!("{id}{}", path.replace(['/', '{', '}'], "_"));
                operation["operationId"] = id.into();
            }
        }
        paths.insert(path.into(), item);
    }
    let out = import_value(&to_yaml(&doc));
    assert_eq!(
        keys(&out["paths"]),
        [
            "/portfolio",
            "/portfolio/a/b",
            "/portfolio/orders/{order_id}",
            "/portfolio/z"
        ]
    );
}

#[test]
fn json_input_gives_the_same_slice() {
    let json = "{\n\t\"openapi\": \"3.0.0\",\n\t\"info\": {\"title\": \"T\", \"version\": \"1\"},\n\t\"paths\": {\n\t\t\"/portfolio/balance\": {\"get\": {\n\t\t\t\"operationId\": \"GetBalance\",\n\t\t\t\"description\": \"prose\",\n\t\t\t\"responses\": {\"200\": {\"description\": \"ok\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Balance\"}}}}}\n\t\t}},\n\t\t\"/markets\": {}\n\t},\n\t\"components\": {\"schemas\": {\n\t\t\"Balance\": {\"type\": \"object\", \"properties\": {\"side\": {\"type\": \"string\", \"enum\": [\"yes\", \"no\"]}}},\n\t\t\"Other\": {\"type\": \"string\"}\n\t}}\n}\n";
    let yaml = "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths:\n  /portfolio/balance:\n    get:\n      operationId: GetBalance\n      description: prose\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Balance'}\n  /markets: {}\ncomponents:\n  schemas:\n    Balance: {type: object, properties: {side: {type: string, enum: ['yes', 'no']}}}\n";
    assert_eq!(
        mask_sha(&import(json).unwrap()),
        mask_sha(&import(yaml).unwrap())
    );
}

#[test]
fn importing_the_output_again_changes_nothing_but_provenance() {
    let once = import_value(SYNTHETIC);
    let twice = import_value(&to_yaml(&once));
    for key in ["openapi", "servers", "paths", "components", "tags"] {
        assert_eq!(once[key], twice[key], "{key}");
    }
}

#[test]
fn output_is_closed_under_ref() {
    let out = import_value(SYNTHETIC);
    assert!(check_refs(&out).unwrap() > 10);
}

// --- bad input -------------------------------------------------------------

#[test]
fn unparseable_input_is_an_error() {
    for text in [
        "openapi: [unclosed",
        "a: b\n  c: d\n",
        "{\"openapi\": \"3.0.0\",",
    ] {
        let err = import(text).unwrap_err();
        assert!(matches!(err, SpecError::Parse(_)), "{text}: {err}");
        assert!(err.to_string().contains("not parseable"), "{err}");
    }
}

#[test]
fn non_mapping_input_is_an_error() {
    for text in ["", "- a list\n", "just a string\n"] {
        let err = import(text).unwrap_err();
        assert!(matches!(err, SpecError::NotOpenApi(_)), "{text:?}: {err}");
    }
}

#[test]
fn swagger_2_is_rejected() {
    let text = "swagger: '2.0'\ninfo: {title: T, version: '1'}\npaths:\n  /portfolio/balance: {}\n";
    let err = import(text).unwrap_err();
    assert!(
        matches!(&err, SpecError::UnsupportedVersion { found } if found == "swagger: 2.0"),
        "{err}"
    );
    assert!(err.to_string().contains("only OpenAPI 3.0.x"), "{err}");
}

#[test]
fn openapi_3_1_is_rejected() {
    for version in ["3.1.0", "3.0", "4.0.0", "3.0.x"] {
        let text = SYNTHETIC.replace("openapi: 3.0.3", &format!("openapi: '{version}'"));
        let err = import(&text).unwrap_err();
        assert!(
            matches!(&err, SpecError::UnsupportedVersion { found } if found.ends_with(version)),
            "{version}: {err}"
        );
    }
    let text = SYNTHETIC.replace("openapi: 3.0.3\n", "");
    assert!(matches!(import(&text), Err(SpecError::NotOpenApi(_))));
}

#[test]
fn no_portfolio_paths_is_an_error() {
    let text = SYNTHETIC.replace("/portfolio/orders/{order_id}", "/markets/{order_id}");
    let err = import(&text).unwrap_err();
    assert!(matches!(err, SpecError::NoPortfolioPaths), "{err}");
    let mut doc = parse(SYNTHETIC);
    doc.as_mapping_mut().unwrap().remove("paths");
    assert!(matches!(
        import(&to_yaml(&doc)),
        Err(SpecError::NoPortfolioPaths)
    ));
}

#[test]
fn dangling_ref_names_the_ref_and_where_it_was_found() {
    let text = SYNTHETIC.replace(
        "$ref: '#/components/schemas/Timestamp'",
        "$ref: '#/components/schemas/Missing'",
    );
    let err = import(&text).unwrap_err();
    match &err {
        SpecError::DanglingRef {
            reference,
            location,
        } => {
            assert_eq!(reference, "#/components/schemas/Missing");
            assert_eq!(location, "#/components/schemas/Fill/properties/ts/$ref");
        }
        other => panic!("expected DanglingRef, got {other}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("#/components/schemas/Missing"),
        "{message}"
    );
    assert!(
        message.contains("#/components/schemas/Fill/properties/ts"),
        "{message}"
    );
}

#[test]
fn dangling_ref_in_a_path_is_located_with_an_escaped_pointer() {
    let text = SYNTHETIC.replace(
        "$ref: '#/components/parameters/OrderId'",
        "$ref: '#/components/parameters/Nope'",
    );
    let err = import(&text).unwrap_err();
    assert!(
        matches!(&err, SpecError::DanglingRef { location, .. }
            if location == "#/paths/~1portfolio~1orders~1{order_id}/parameters/0/$ref"),
        "{err}"
    );
}

#[test]
fn deep_ref_into_a_dropped_key_is_dangling() {
    let text = SYNTHETIC.replace(
        "$ref: '#/components/schemas/Timestamp'",
        "$ref: '#/components/schemas/Order/example'",
    );
    assert!(matches!(
        import(&text),
        Err(SpecError::DanglingRef { reference, .. }) if reference == "#/components/schemas/Order/example"
    ));
    // ... while one into a kept key is fine.
    let text = SYNTHETIC.replace(
        "$ref: '#/components/schemas/Timestamp'",
        "$ref: '#/components/schemas/Order/properties/description'",
    );
    import(&text).unwrap();
}

#[test]
fn non_local_ref_is_an_error() {
    for reference in [
        "common.yaml#/components/schemas/Timestamp",
        "https://example.test/spec.yaml#/Timestamp",
        "Timestamp",
    ] {
        let text = SYNTHETIC.replace(
            "$ref: '#/components/schemas/Timestamp'",
            &format!("$ref: '{reference}'"),
        );
        let err = import(&text).unwrap_err();
        assert!(
            matches!(&err, SpecError::NonLocalRef { reference: r, location }
                if r == reference && location.starts_with("#/components/schemas/Fill")),
            "{reference}: {err}"
        );
    }
}

#[test]
fn ref_outside_components_is_unsupported() {
    let text = SYNTHETIC.replace(
        "$ref: '#/components/schemas/Timestamp'",
        "$ref: '#/paths/~1markets'",
    );
    assert!(matches!(
        import(&text),
        Err(SpecError::UnsupportedRef { .. })
    ));
}

#[test]
fn malformed_structure_is_an_error() {
    let text = SYNTHETIC.replace(
        "      required: [code, message]\n      properties:\n",
        "      required: [code, message]\n      properties: not-a-map\n      old_properties:\n",
    );
    let err = import(&text).unwrap_err();
    assert!(
        matches!(&err, SpecError::Malformed { location, .. } if location == "#/components/schemas/Error/properties"),
        "{err}"
    );
}
