//! The crate's API surface, for review.
//!
//! The generated operations are listed in `openapi/operations.txt`, which
//! `spec import` writes with the slice: a re-import shows up there as a
//! `git diff`, and the test below only checks that the list is the slice's.
//! The facade's public methods are an insta snapshot, since only handwritten
//! changes move them: accept one deliberately with `cargo insta review` (or
//! `INSTA_UPDATE=always cargo test -p xtask`). With `CI=true`, insta never
//! writes snapshots, so a stale one fails CI.

use std::fs;

use xtask::spec::{self, model, surface};

fn vendored_text() -> String {
    let path = spec::workspace_root().join(spec::DEFAULT_OUT);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_operations_list_is_the_vendored_slices() {
    let doc = spec::parse_document(vendored_text().as_bytes()).unwrap();
    let path = surface::operations_file_beside(&spec::workspace_root().join(spec::DEFAULT_OUT));
    let listed = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        listed == surface::operations_text(&doc),
        "{} does not list the operations of {}: it is written by `cargo xtask spec import` \
         and never edited by hand (`cargo xtask spec surface` prints what it should say)",
        path.display(),
        spec::DEFAULT_OUT
    );
}

#[test]
fn facade_methods() {
    let src = spec::workspace_root().join("src");
    let text = surface::facade_text(&src).unwrap_or_else(|e| panic!("{e}"));
    insta::assert_snapshot!("facade_methods", text);
}

#[test]
fn operation_method_names_are_the_generators() {
    // The operations snapshot names each operation's raw-client method by
    // converting its operationId; prove the conversion matches progenitor by
    // running the real generation step (codegen/mod.rs) on the vendored spec.
    let text = vendored_text();
    let generated = xtask::codegen::generate(&text, xtask::codegen::Marking::None)
        .unwrap_or_else(|e| panic!("{e}"));
    let methods = surface::generated_method_names(&generated).unwrap();
    let doc = spec::parse_document(text.as_bytes()).unwrap();
    let operations = model::operations(&doc);
    // Every method entry under `paths`, counted without the model, so an
    // operation the model missed would fail here.
    let listed: usize = doc["paths"]
        .as_mapping()
        .unwrap()
        .values()
        .flat_map(|item| item.as_mapping().unwrap().keys())
        .filter(|key| spec::slice::METHODS.contains(&key.as_str().unwrap()))
        .count();
    assert!(listed > 0, "the vendored file has operations");
    assert_eq!(operations.len(), listed);
    for operation in operations {
        let id = operation
            .id()
            .expect("every vendored operation has an operationId");
        let name = surface::method_name(id);
        assert!(methods.contains(&name), "{id} -> {name} not in {methods:?}");
    }
}
