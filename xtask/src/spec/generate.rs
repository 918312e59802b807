//! `cargo xtask spec generate-all`: does every public version of Kalshi's
//! document still go through the generator?
//!
//! Each file is imported in memory (exactly as `spec import` would) and fed
//! to the generation step of `build.rs`, which is `codegen/mod.rs` compiled
//! into this crate (see `crate::codegen`), not a copy of it. The output is
//! then parsed as Rust. It is not compiled: it names the facade's types
//! (`crate::transport::Hooks`, `crate::money::Dollars`), so compiling it is
//! the crate's own build's job. What this catches early is a new upstream
//! shape that makes progenitor panic or emit nonsense, before anyone vendors
//! that version.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use crate::codegen;

use super::import_document;

/// The outcome for one input file.
#[derive(Clone, Debug)]
pub struct Generated {
    pub file: String,
    /// Upstream `info.version`, when the import got that far.
    pub version: Option<String>,
    /// Operations in the slice.
    pub operations: usize,
    /// Structs, enums and type aliases in the generated `types` module.
    pub types: usize,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

impl Generated {
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

impl fmt::Display for Generated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: version {}, {} operations, {} types, ",
            self.file,
            self.version.as_deref().unwrap_or("?"),
            self.operations,
            self.types
        )?;
        match &self.error {
            None => write!(f, "OK"),
            Some(error) => write!(f, "FAIL: {error}"),
        }
    }
}

/// Imports and generates one upstream document given as bytes.
pub fn generate_document(bytes: &[u8], file: &str) -> Generated {
    let mut result = Generated {
        file: file.to_owned(),
        version: None,
        operations: 0,
        types: 0,
        error: None,
    };
    let imported = match import_document(bytes, file) {
        Ok(imported) => imported,
        Err(e) => {
            result.error = Some(format!("import failed: {e}"));
            return result;
        }
    };
    result.version = Some(imported.upstream_version.clone());
    result.operations = imported.operations;
    let source = match codegen::generate(&imported.yaml, codegen::Marking::None) {
        Ok(source) => source,
        Err(e) => {
            result.error = Some(format!("generation failed: {e}"));
            return result;
        }
    };
    match syn::parse_file(&source) {
        Ok(parsed) => result.types = count_types(&parsed),
        Err(e) => result.error = Some(format!("generated source does not parse as Rust: {e}")),
    }
    result
}

/// Runs [`generate_document`] on every `*.yaml` file directly in `dir`, in
/// file-name order.
pub fn generate_dir(dir: &Path) -> Result<Vec<Generated>, String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    files.sort();
    Ok(files
        .iter()
        .map(|path| {
            let name = super::file_name(path);
            match fs::read(path) {
                Ok(bytes) => generate_document(&bytes, &name),
                Err(e) => Generated {
                    file: name,
                    version: None,
                    operations: 0,
                    types: 0,
                    error: Some(format!("cannot read it: {e}")),
                },
            }
        })
        .collect())
}

/// Items progenitor (typify) emits for schemas: the direct structs, enums
/// and aliases of `mod types` (its `builder` and `error` submodules are
/// plumbing, not schema types).
fn count_types(file: &syn::File) -> usize {
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(module) if module.ident == "types" => {
                module.content.as_ref().map(|(_, items)| items)
            }
            _ => None,
        })
        .flatten()
        .filter(|item| {
            matches!(
                item,
                syn::Item::Struct(_) | syn::Item::Enum(_) | syn::Item::Type(_)
            )
        })
        .count()
}
