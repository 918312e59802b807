//! The library's declared `rust-version` is true of what it builds with: no crate it
//! depends on (normal and build dependencies, with every feature, as locked in
//! Cargo.lock, for this platform) declares a newer one.
//!
//! Only one toolchain can be installed on the machines this project builds on, so a
//! `cargo +<msrv> check` is not possible here; this is the check that is. For the
//! crate's own code, clippy's `incompatible_msrv` lint (on by default, and CI denies
//! warnings) flags any standard-library API newer than the declared version.

use std::collections::{BTreeMap, HashSet};
use std::process::Command;

use serde_json::Value;

fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

fn host_triple() -> String {
    let output = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("-vV")
        .output()
        .expect("rustc -vV");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .expect("a host line")
        .to_string()
}

/// `1.89` or `1.89.0` as comparable numbers (`1.89` is `1.89.0`).
fn version(text: &str) -> [u64; 3] {
    let mut parts = [0; 3];
    for (slot, part) in parts.iter_mut().zip(text.split('.')) {
        *slot = part.parse().expect("a numeric rust-version");
    }
    parts
}

#[test]
fn versions_compare_by_number_with_missing_parts_as_zero() {
    assert_eq!(version("1.89"), version("1.89.0"));
    assert!(version("1.89.1") > version("1.89"));
    assert!(version("1.100") > version("1.89.9"));
}

#[test]
fn no_dependency_needs_a_newer_rust_than_the_crate_declares() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(workspace_root())
        .args([
            "metadata",
            "--format-version",
            "1",
            "--all-features",
            "--locked",
        ])
        .args(["--filter-platform", &host_triple()])
        .output()
        .expect("cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata JSON");
    let packages: BTreeMap<&str, &Value> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| (p["id"].as_str().expect("id"), p))
        .collect();
    let root = packages
        .values()
        .find(|p| p["name"] == "kalshi-portfolio")
        .expect("the library package");
    let declared = root["rust_version"]
        .as_str()
        .expect("Cargo.toml declares rust-version");
    let nodes: BTreeMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("resolve nodes")
        .iter()
        .map(|n| (n["id"].as_str().expect("id"), n))
        .collect();

    // Walk normal and build dependencies from the library; dev-dependencies are
    // not needed to build it.
    let mut seen = HashSet::new();
    let mut stack = vec![root["id"].as_str().expect("id")];
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        for dep in nodes[id]["deps"].as_array().expect("deps") {
            let kinds = dep["dep_kinds"].as_array().expect("dep_kinds");
            if kinds.iter().any(|k| k["kind"].as_str() != Some("dev")) {
                stack.push(dep["pkg"].as_str().expect("pkg"));
            }
        }
    }
    let too_new: Vec<String> = seen
        .iter()
        .filter_map(|id| {
            let package = packages[id];
            let needs = package["rust_version"].as_str()?;
            (version(needs) > version(declared)).then(|| {
                format!(
                    "{} {} needs Rust {needs}",
                    package["name"].as_str().unwrap_or("?"),
                    package["version"].as_str().unwrap_or("?")
                )
            })
        })
        .collect();
    assert!(
        too_new.is_empty(),
        "Cargo.toml declares rust-version = {declared:?}, but the locked dependencies \
         need more: {too_new:?}. Raise rust-version (and the README's MSRV) or pin \
         older versions."
    );
    assert!(
        seen.len() > 50,
        "the walk found the dependency tree ({})",
        seen.len()
    );
}
