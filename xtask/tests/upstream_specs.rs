//! `spec import` on the real upstream documents in `../shared`, when present.

mod common;

use std::fs;

use common::*;
use serde_yaml_ng::Value;
use xtask::spec::{import_document, slice::check_refs, slice::is_portfolio_path, Imported};

fn import_shared(file: &str) -> Option<Imported> {
    let path = shared_spec(file)?;
    let bytes = fs::read(&path).expect("shared spec is readable");
    Some(import_document(&bytes, file).unwrap_or_else(|e| panic!("{file}: {e}")))
}

fn operation_ids(doc: &Value) -> Vec<String> {
    doc["paths"]
        .as_mapping()
        .unwrap()
        .values()
        .flat_map(|item| item.as_mapping().unwrap().values())
        .filter_map(|op| op.get("operationId"))
        .map(|id| id.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn imports_3_34_0_with_all_36_operations() {
    let Some(imported) = import_shared("kalshi-portfolio-3.34.0.yaml") else {
        return;
    };
    let doc = parse(&imported.yaml);
    let mut ids = operation_ids(&doc);
    assert_eq!(ids.len(), 36);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 36, "operationIds are unique");
    assert_eq!(imported.operations, 36);
    assert_eq!(imported.paths, 31);
    assert_eq!(doc["info"]["version"], "3.34.0");
    assert_eq!(
        doc["info"]["x-upstream"]["sha256"],
        imported.sha256.as_str()
    );
    check_refs(&doc).unwrap();
}

#[test]
fn imports_3_31_0_keeping_only_portfolio_paths() {
    let Some(imported) = import_shared("kalshi-openapi-3.31.0.yaml") else {
        return;
    };
    let doc = parse(&imported.yaml);
    let paths = doc["paths"].as_mapping().unwrap();
    assert!(!paths.is_empty());
    for path in paths.keys() {
        assert!(is_portfolio_path(path.as_str().unwrap()), "{path:?}");
    }
    assert_eq!(imported.paths, 31);
    check_refs(&doc).unwrap();
}

#[test]
fn imports_the_assembled_document_with_the_extra_paths() {
    // The vendored input: /portfolio plus exactly the listed extra paths,
    // nothing else of the whole document (no /markets/trades, no /series).
    let file = "kalshi-openapi-3.34.0-assembled.yaml";
    let Some(path) = shared_spec(file) else {
        return;
    };
    let extra = xtask::spec::ExtraPaths::checked_in().unwrap();
    let imported = xtask::spec::import_document_with(
        &fs::read(path).unwrap(),
        file,
        &xtask::spec::Tolerances::none(),
        &extra,
        xtask::spec::tolerance::Mode::Import,
    )
    .unwrap();
    let doc = parse(&imported.yaml);
    let paths: Vec<&str> = doc["paths"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect();
    let outside: Vec<&str> = paths
        .iter()
        .copied()
        .filter(|p| !is_portfolio_path(p))
        .collect();
    let mut listed: Vec<&str> = extra.entries.iter().map(|e| e.path.as_str()).collect();
    listed.sort();
    assert_eq!(outside, listed);
    assert_eq!(imported.paths, 31 + listed.len());
    for id in ["GetMarket", "GetMarkets", "GetMarketOrderbook", "GetEvent"] {
        assert!(operation_ids(&doc).iter().any(|op| op == id), "{id}");
    }
    assert!(
        doc["info"]["x-upstream"]["extra_paths_sha256"].is_string(),
        "provenance records the list"
    );
    check_refs(&doc).unwrap();
}

#[test]
fn a_listed_path_the_input_lacks_is_refused() {
    let Some(path) = shared_spec("kalshi-portfolio-3.34.0.yaml") else {
        return;
    };
    let extra = xtask::spec::ExtraPaths::checked_in().unwrap();
    let err = xtask::spec::import_document_with(
        &fs::read(path).unwrap(),
        "kalshi-portfolio-3.34.0.yaml",
        &xtask::spec::Tolerances::none(),
        &extra,
        xtask::spec::tolerance::Mode::Import,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("openapi/extra_paths.yaml lists `/"), "{err}");
}

#[test]
fn imports_2_0_0() {
    let Some(imported) = import_shared("kalshi-openapi-2.0.0-2025-11-02.yaml") else {
        return;
    };
    let doc = parse(&imported.yaml);
    // The V1 order writes still exist in 2.0.0.
    assert!(operation_ids(&doc).iter().any(|id| id == "CreateOrder"));
    check_refs(&doc).unwrap();
}

#[test]
fn real_import_is_deterministic() {
    let Some(path) = shared_spec("kalshi-portfolio-3.34.0.yaml") else {
        return;
    };
    let bytes = fs::read(path).unwrap();
    let first = import_document(&bytes, "kalshi-portfolio-3.34.0.yaml").unwrap();
    let second = import_document(&bytes, "kalshi-portfolio-3.34.0.yaml").unwrap();
    assert_eq!(first.yaml, second.yaml);
}

#[test]
fn output_parses_as_openapi_3_0_for_build_rs() {
    let Some(imported) = import_shared("kalshi-portfolio-3.34.0.yaml") else {
        return;
    };
    // build.rs reads the vendored file with `openapiv3`; prove it can.
    let api: openapiv3::OpenAPI = serde_yaml_ng::from_str(&imported.yaml).unwrap();
    assert_eq!(api.paths.paths.len(), 31);
    assert_eq!(api.operations().count(), 36);
    assert_eq!(api.info.title, "Kalshi Trade API v2 — portfolio slice");
    assert!(api.info.extensions.contains_key("x-upstream"));
}

#[test]
fn vendored_file_is_up_to_date() {
    // openapi/portfolio.yaml must be exactly what the importer makes of the
    // upstream document it names; a hand edit, an importer change or a
    // tolerance-list change without a re-import fails here.
    let vendored_path = xtask::spec::workspace_root().join(xtask::spec::DEFAULT_OUT);
    let Ok(vendored) = fs::read_to_string(&vendored_path) else {
        println!("skipping: {} is not present", vendored_path.display());
        return;
    };
    let Some(source) = xtask::spec::check::header_source(&vendored) else {
        panic!(
            "{} lacks the generated-file header",
            vendored_path.display()
        );
    };
    let Some(input) = recorded_upstream(&vendored) else {
        return;
    };
    let bytes = fs::read(input).unwrap();
    // As `spec import` makes it: with the checked-in tolerances, and the
    // fields openapi/retained.yaml keeps (upstream has dropped them).
    let tolerances = xtask::spec::Tolerances::checked_in().unwrap();
    let extra = xtask::spec::ExtraPaths::checked_in().unwrap();
    let retained = xtask::spec::Retained::checked_in().unwrap();
    let fresh = xtask::spec::import_document_retaining(
        &bytes,
        source,
        &tolerances,
        &extra,
        xtask::spec::tolerance::Mode::Import,
        xtask::spec::Retention::Apply(&retained),
    )
    .unwrap();
    assert!(fresh.warnings.is_empty(), "{:?}", fresh.warnings);
    assert!(
        fresh.yaml == vendored,
        "{} is stale or hand-edited: run `cargo xtask spec import ../shared/kalshi-openapi/{source}`",
        vendored_path.display()
    );
}
