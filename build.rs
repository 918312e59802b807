//! Generates the raw async client and its types from the vendored spec.
//!
//! The output goes to `$OUT_DIR/portfolio_api.rs` and is included once, by
//! `src/generated.rs`. It is never edited and never committed; what has to change
//! about it is changed by the passes in `codegen/mod.rs`.

#[path = "codegen/mod.rs"]
mod codegen;

use std::path::PathBuf;

const SPEC: &str = "openapi/portfolio.yaml";

/// Set (to anything) by `cargo xtask spec usage`, which compiles the handwritten code
/// against generated items marked deprecated to learn which of them it uses. Never set
/// it for a build you run.
const USAGE_SCAN_ENV: &str = "KALSHI_USAGE_SCAN";

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=codegen");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed={USAGE_SCAN_ENV}");

    let spec = match std::fs::read_to_string(SPEC) {
        Ok(text) => text,
        Err(e) => fail(&format!("cannot read {SPEC}: {e}")),
    };
    // The spec version, for error messages that ask to be reported (`SPEC_VERSION`).
    let version = serde_yaml_ng::from_str::<serde_yaml_ng::Value>(&spec)
        .ok()
        .and_then(|document| {
            document
                .get("info")?
                .get("version")?
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_else(|| fail(&format!("{SPEC}: no info.version")));
    println!("cargo:rustc-env=KALSHI_SPEC_VERSION={version}");
    let marking = if std::env::var_os(USAGE_SCAN_ENV).is_some() {
        codegen::Marking::UsageScan
    } else {
        codegen::Marking::None
    };
    let source = match codegen::generate(&spec, marking) {
        Ok(source) => source,
        Err(e) => fail(&format!("{SPEC}: {e}")),
    };
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        fail("OUT_DIR is not set; build.rs must run under cargo")
    };
    let out = PathBuf::from(out_dir).join("portfolio_api.rs");
    if let Err(e) = std::fs::write(&out, source) {
        fail(&format!("cannot write {}: {e}", out.display()));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
