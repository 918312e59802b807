//! The vendored OpenAPI slice: importing an upstream Kalshi document into the
//! normalized `/portfolio` subset (plus the few listed extra paths) that
//! `build.rs` generates the client from.
//!
//! [`import_document_with`] does the whole job in memory (parse, slice, apply
//! the tolerances, emit, self-check) so that other commands and tests can
//! reuse it; [`import_document_retaining`] adds the retained fields
//! ([`retain`]); [`import_document`] is the same without tolerances (the
//! bare slice), and [`import_file`] adds reading the input and the slice it
//! replaces, and replacing the output (and its retained-field list)
//! atomically.

pub mod canonical;
pub mod check;
pub mod diff;
mod error;
pub mod extra_paths;
pub mod facade_usage;
pub mod generate;
pub mod model;
pub mod pointer;
pub mod rehearse;
pub mod retain;
pub mod rules;
pub mod slice;
pub mod surface;
pub mod tolerance;

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;
use sha2::{Digest, Sha256};

pub use error::SpecError;
pub use extra_paths::ExtraPaths;
pub use retain::Retained;
pub use slice::{Section, Slice};
pub use tolerance::Tolerances;

/// Where the slice is vendored, relative to the workspace root.
pub const DEFAULT_OUT: &str = "openapi/portfolio.yaml";

/// The result of an in-memory import.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The complete output file.
    pub yaml: String,
    pub upstream_version: String,
    /// Hex SHA-256 of the input bytes, as recorded in `info.x-upstream`.
    pub sha256: String,
    pub paths: usize,
    pub operations: usize,
    pub components: BTreeMap<Section, usize>,
    /// Tolerances that did not apply because upstream no longer requires
    /// the field (see [`tolerance::Mode`]); worth a warning.
    pub warnings: Vec<tolerance::Finding>,
    /// The retained-field list applied (for [`Retention::Carry`], the new
    /// list, which `spec import` writes beside the slice).
    pub retained: Retained,
    /// What carrying the list over did (empty for [`Retention::Apply`]).
    pub carried: retain::Carried,
}

/// What an import does about optional response fields upstream dropped
/// (see [`retain`]).
#[derive(Clone, Copy, Debug)]
pub enum Retention<'a> {
    /// Apply this list as it is: `spec check`'s re-import, the diff.
    Apply(&'a Retained),
    /// Carry `list` over from `previous` (the slice being replaced, parsed
    /// from its file, or `None` for a first import) to the input, retaining
    /// what upstream newly dropped: `spec import`, the rehearsal.
    Carry {
        previous: Option<&'a Value>,
        list: &'a Retained,
    },
}

impl Imported {
    pub fn component_count(&self) -> usize {
        self.components.values().sum()
    }
}

/// Imports an upstream document without tolerances and returns the output
/// file's text. `source_name` is the input's file name, for the header
/// comment.
pub fn slice_document(input: &[u8], source_name: &str) -> Result<String, SpecError> {
    import_document(input, source_name).map(|imported| imported.yaml)
}

/// Imports an upstream document (YAML or JSON) entirely in memory, without
/// tolerances: the bare slice.
pub fn import_document(input: &[u8], source_name: &str) -> Result<Imported, SpecError> {
    import_document_with(
        input,
        source_name,
        &Tolerances::none(),
        &ExtraPaths::none(),
        tolerance::Mode::Import,
    )
}

/// Imports an upstream document entirely in memory, keeping the paths of
/// `extra` besides `/portfolio`, and applies `tolerances` (as `spec import`
/// does with the checked-in lists, in [`tolerance::Mode::Import`], where a
/// listed extra path the input lacks is an error).
pub fn import_document_with(
    input: &[u8],
    source_name: &str,
    tolerances: &Tolerances,
    extra: &ExtraPaths,
    mode: tolerance::Mode,
) -> Result<Imported, SpecError> {
    import_document_retaining(
        input,
        source_name,
        tolerances,
        extra,
        mode,
        Retention::Apply(&Retained::none()),
    )
}

/// [`import_document_with`], and then the retained fields: the list applied
/// as it is, or carried over from the slice being replaced (see
/// [`Retention`]). The list is applied in the same `mode` as the
/// tolerances.
pub fn import_document_retaining(
    input: &[u8],
    source_name: &str,
    tolerances: &Tolerances,
    extra: &ExtraPaths,
    mode: tolerance::Mode,
    retention: Retention<'_>,
) -> Result<Imported, SpecError> {
    let upstream = parse_document(input)?;
    let mut slice = slice::slice(&upstream, extra, mode == tolerance::Mode::Import)?;
    let findings = tolerance::apply(&mut slice, tolerances, mode)?;
    let (retained, carried) = match retention {
        Retention::Apply(list) => (list.clone(), retain::Carried::default()),
        Retention::Carry { previous, list } => retain::carry(previous, list, &slice)?,
    };
    retain::apply(&mut slice, &retained, mode)?;
    let warnings = tolerance::settle(findings, &slice, mode)?;
    let sha256 = sha256_hex(input);
    let provenance = canonical::Provenance {
        sha256: sha256.clone(),
        tolerances_sha256: tolerances.sha256.clone().filter(|_| !tolerances.is_empty()),
        extra_paths_sha256: extra.sha256.clone().filter(|_| !extra.is_empty()),
        retained_sha256: retained.sha256.clone().filter(|_| !retained.is_empty()),
    };
    let doc = canonical::document(&slice, &provenance);
    let yaml = canonical::seal(&canonical::emit(&doc, source_name)?)?;

    // Self-check: the text must read back as exactly the document we meant
    // (this guards the quoting and spacing done on the emitted text), and be
    // closed under `$ref`.
    let reread = parse_document(yaml.as_bytes())
        .map_err(|e| SpecError::Internal(format!("output does not parse: {e}")))?;
    // Compared as plain emissions because `Mapping`'s `==` ignores key order,
    // and the order is part of what we promise.
    // The checksum is the one value that differs from `doc`.
    let mut doc = doc;
    if let Some(upstream) = doc
        .get_mut("info")
        .and_then(|info| info.get_mut(canonical::UPSTREAM_KEY))
        .and_then(Value::as_mapping_mut)
    {
        let sealed = reread
            .get("info")
            .and_then(|info| info.get(canonical::UPSTREAM_KEY))
            .and_then(|u| u.get(canonical::SLICE_SHA_KEY))
            .cloned()
            .unwrap_or_default();
        upstream.insert(canonical::SLICE_SHA_KEY.into(), sealed);
    }
    let expected = serde_yaml_ng::to_string(&doc).map_err(SpecError::Emit)?;
    let actual = serde_yaml_ng::to_string(&reread).map_err(SpecError::Emit)?;
    if expected != actual {
        return Err(SpecError::Internal(
            "output does not read back as the document that was emitted".into(),
        ));
    }
    slice::check_refs(&reread)
        .map_err(|e| SpecError::Internal(format!("output is not self-contained: {e}")))?;

    Ok(Imported {
        yaml,
        upstream_version: slice.upstream_version.clone(),
        sha256,
        paths: slice.paths.len(),
        operations: slice.operation_count(),
        components: slice
            .components
            .iter()
            .map(|(section, entries)| (*section, entries.len()))
            .collect(),
        warnings,
        retained,
        carried,
    })
}

/// Parses YAML 1.2 or JSON (a YAML 1.2 subset) into a value tree. Merge keys
/// are applied; custom tags are rejected, as OpenAPI has no use for them.
pub fn parse_document(input: &[u8]) -> Result<Value, SpecError> {
    let mut doc: Value = serde_yaml_ng::from_slice(input).map_err(SpecError::Parse)?;
    doc.apply_merge().map_err(SpecError::Parse)?;
    reject_tags(&doc, pointer::ROOT)?;
    Ok(doc)
}

fn reject_tags(value: &Value, loc: &str) -> Result<(), SpecError> {
    match value {
        Value::Tagged(tagged) => Err(SpecError::malformed(
            loc,
            format!("YAML tag `{}` is not supported", tagged.tag),
        )),
        Value::Sequence(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| reject_tags(item, &pointer::push(loc, &i.to_string()))),
        Value::Mapping(map) => map.iter().try_for_each(|(key, child)| {
            reject_tags(key, loc)?;
            reject_tags(child, &pointer::push(loc, key.as_str().unwrap_or_default()))
        }),
        _ => Ok(()),
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The workspace root: the nearest directory, from the current one up, that
/// holds `xtask/Cargo.toml` beside a `Cargo.toml`; failing that, the one this
/// binary was built from.
///
/// The current directory comes first because two checkouts that share a
/// target directory (a global `CARGO_TARGET_DIR`) share the `xtask` binary
/// too: cargo runs whichever checkout built it last, and a root compiled into
/// it would make `spec import` write into the other checkout.
pub fn workspace_root() -> PathBuf {
    let is_root =
        |dir: &Path| dir.join("Cargo.toml").is_file() && dir.join("xtask/Cargo.toml").is_file();
    if let Ok(current) = std::env::current_dir() {
        if let Some(root) = current.ancestors().find(|dir| is_root(dir)) {
            return root.to_path_buf();
        }
    }
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.join(".."), Path::to_path_buf)
}

/// Where the public upstream documents are kept: beside the workspace, in
/// `../shared/kalshi-openapi` (CI lays them out the same way).
pub fn default_upstream_dir() -> PathBuf {
    let dir = workspace_root().join("../shared/kalshi-openapi");
    // Resolved when it exists, so messages show `/…/shared/…`, not `main/../shared`.
    fs::canonicalize(&dir).unwrap_or(dir)
}

/// A path's file name for messages and headers (never the full path, so
/// output does not depend on where a command ran).
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.to_string_lossy(), |name| name.to_string_lossy())
        .into_owned()
}

/// Failure of [`import_file`]: the file-system side, or the document itself.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{}: {source}", path.display())]
    Spec { path: PathBuf, source: SpecError },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
}

/// Imports `input` with `tolerances` (in [`tolerance::Mode::Import`]) and
/// replaces `out` with the result, carrying the retained-field list beside
/// `out` ([`retain::path_beside`]) over from the slice `out` holds now (minus
/// the entries named in `drop_retained`, or all for `all`) and rewriting it
/// (creating it only when it has entries).
/// Nothing is written unless the import succeeds, and each file is replaced
/// by a rename, so it is never seen half-written.
pub fn import_file(
    input: &Path,
    out: &Path,
    tolerances: &Tolerances,
    extra: &ExtraPaths,
    drop_retained: &[String],
) -> Result<Imported, ImportError> {
    let bytes = fs::read(input).map_err(|source| ImportError::Read {
        path: input.to_owned(),
        source,
    })?;
    let spec_error = |path: &Path| {
        let path = path.to_owned();
        move |source| ImportError::Spec { path, source }
    };
    // The slice being replaced: where the retained fields come from.
    let previous = match fs::read(out) {
        Ok(text) => Some(parse_document(&text).map_err(spec_error(out))?),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(ImportError::Read {
                path: out.to_owned(),
                source,
            })
        }
    };
    let list_path = retain::path_beside(out);
    let mut list = Retained::beside(out).map_err(spec_error(&list_path))?;
    list.drop_named(drop_retained)
        .map_err(spec_error(&list_path))?;
    let source_name = file_name(input);
    let imported = import_document_retaining(
        &bytes,
        &source_name,
        tolerances,
        extra,
        tolerance::Mode::Import,
        Retention::Carry {
            previous: previous.as_ref(),
            list: &list,
        },
    )
    .map_err(spec_error(input))?;
    // The list is written when it has entries or already exists (then
    // possibly emptied), so a slice that never retained anything has no
    // list beside it.
    if !imported.retained.is_empty() || list_path.exists() {
        let list_text = imported.retained.render().map_err(spec_error(&list_path))?;
        write_atomically(&list_path, list_text.as_bytes()).map_err(|source| {
            ImportError::Write {
                path: list_path.clone(),
                source,
            }
        })?;
    }
    write_atomically(out, imported.yaml.as_bytes()).map_err(|source| ImportError::Write {
        path: out.to_owned(),
        source,
    })?;
    let operations_path = surface::operations_file_beside(out);
    let operations = parse_document(imported.yaml.as_bytes())
        .map(|doc| surface::operations_text(&doc))
        .map_err(spec_error(out))?;
    write_atomically(&operations_path, operations.as_bytes()).map_err(|source| {
        ImportError::Write {
            path: operations_path.clone(),
            source,
        }
    })?;
    Ok(imported)
}

/// Writes to a temporary file in the target's directory (so the rename stays
/// on one file system) and renames it over the target. The temporary file is
/// removed if anything fails before the rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".xtask-spec-import.")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    // Temporary files are created private (0600); the vendored spec should
    // keep the target's mode, or get the usual 0644 when new.
    if let Some(permissions) = target_permissions(path) {
        tmp.as_file().set_permissions(permissions)?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn target_permissions(path: &Path) -> Option<fs::Permissions> {
    if let Ok(meta) = fs::metadata(path) {
        return Some(meta.permissions());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(fs::Permissions::from_mode(0o644))
    }
    #[cfg(not(unix))]
    {
        None
    }
}
