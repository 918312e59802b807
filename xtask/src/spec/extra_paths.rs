//! The extra paths: the few non-`/portfolio` paths the slice also keeps.
//!
//! Order validation needs facts the portfolio endpoints do not give (a
//! market's price structure, status, best bid and ask), so the slice grows by
//! a handful of public reads. The set lives in a checked-in list,
//! `openapi/extra_paths.yaml`, each path with a one-line reason, rather than
//! in a flag: a re-import cannot forget one, and the slice's provenance
//! records the list's checksum (`extra_paths_sha256`) so `spec check` notices
//! a list that changed without a re-import.

use std::fs;
use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

use super::{sha256_hex, SpecError};

/// Where the checked-in list lives, relative to the workspace root.
pub const DEFAULT_PATH: &str = "openapi/extra_paths.yaml";

/// One kept path and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtraPath {
    /// The exact path key, e.g. `/markets/{ticker}`.
    pub path: String,
    pub reason: String,
}

/// The whole list, with the checksum of the file it came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExtraPaths {
    pub entries: Vec<ExtraPath>,
    /// Hex SHA-256 of the file's bytes; `None` for no list at all.
    pub sha256: Option<String>,
}

impl ExtraPaths {
    /// No extra paths: the `/portfolio` slice alone (what `generate-all`
    /// and the bare [`super::import_document`] cut).
    pub fn none() -> ExtraPaths {
        ExtraPaths::default()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `path` is listed (exact match: `/markets` does not bring
    /// `/markets/trades`).
    pub fn contains(&self, path: &str) -> bool {
        self.entries.iter().any(|entry| entry.path == path)
    }

    /// The checked-in list of this workspace.
    pub fn checked_in() -> Result<ExtraPaths, SpecError> {
        ExtraPaths::load(&default_path())
    }

    /// Reads and validates a list file.
    pub fn load(path: &Path) -> Result<ExtraPaths, SpecError> {
        let bytes = fs::read(path)
            .map_err(|e| SpecError::ExtraPaths(format!("cannot read {}: {e}", path.display())))?;
        ExtraPaths::parse(&bytes).map_err(|e| match e {
            SpecError::ExtraPaths(message) => {
                SpecError::ExtraPaths(format!("{}: {message}", path.display()))
            }
            other => other,
        })
    }

    /// Parses a list file's bytes: `paths:` is a list of `{path, reason}`.
    pub fn parse(bytes: &[u8]) -> Result<ExtraPaths, SpecError> {
        let bad = |message: String| SpecError::ExtraPaths(message);
        let doc: Value = serde_yaml_ng::from_slice(bytes)
            .map_err(|e| bad(format!("not parseable as YAML: {e}")))?;
        let root = doc
            .as_mapping()
            .ok_or_else(|| bad("the top level is not a mapping".into()))?;
        if let Some(key) = root.keys().find(|k| k.as_str() != Some("paths")) {
            return Err(bad(format!(
                "unknown top-level key `{}` (only `paths`)",
                key.as_str().unwrap_or("<not a string>")
            )));
        }
        let list = match root.get("paths") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Sequence(list)) => list.as_slice(),
            Some(_) => return Err(bad("`paths` is not a list".into())),
        };
        let mut entries: Vec<ExtraPath> = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let entry = parse_entry(item).map_err(|m| bad(format!("paths[{i}]: {m}")))?;
            if entries.iter().any(|e| e.path == entry.path) {
                return Err(bad(format!("paths[{i}]: `{}` is listed twice", entry.path)));
            }
            entries.push(entry);
        }
        Ok(ExtraPaths {
            entries,
            sha256: Some(sha256_hex(bytes)),
        })
    }
}

fn default_path() -> PathBuf {
    super::workspace_root().join(DEFAULT_PATH)
}

fn parse_entry(item: &Value) -> Result<ExtraPath, String> {
    let map = item.as_mapping().ok_or("not a mapping")?;
    for key in map.keys() {
        let key = key.as_str().unwrap_or_default();
        if !matches!(key, "path" | "reason") {
            return Err(format!("unknown key `{key}` (path, reason)"));
        }
    }
    let text = |key: &str| -> Result<String, String> {
        match map.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            _ => Err(format!("`{key}` is missing or not a non-empty string")),
        }
    };
    let (path, reason) = (text("path")?, text("reason")?);
    if !path.starts_with('/') {
        return Err(format!("`{path}` does not start with `/`"));
    }
    if path == "/portfolio" || path.starts_with("/portfolio/") {
        return Err(format!(
            "`{path}` is a /portfolio path, which the slice keeps anyway"
        ));
    }
    Ok(ExtraPath { path, reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_and_records_the_checksum() {
        let bytes = b"paths:\n  - path: /markets\n    reason: find tickers\n";
        let list = ExtraPaths::parse(bytes).unwrap();
        assert!(list.contains("/markets"));
        assert!(!list.contains("/markets/trades"));
        assert_eq!(list.sha256.as_deref(), Some(sha256_hex(bytes).as_str()));
    }

    #[test]
    fn refuses_bad_entries() {
        for (text, needle) in [
            ("paths:\n  - path: /markets\n", "`reason`"),
            ("paths:\n  - {path: markets, reason: r}\n", "does not start"),
            (
                "paths:\n  - {path: /portfolio/x, reason: r}\n",
                "keeps anyway",
            ),
            (
                "paths:\n  - {path: /a, reason: r}\n  - {path: /a, reason: r}\n",
                "listed twice",
            ),
            ("other: 1\n", "unknown top-level key"),
            (
                "paths:\n  - {path: /a, reason: r, extra: 1}\n",
                "unknown key",
            ),
        ] {
            let err = ExtraPaths::parse(text.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }
}
