//! Canonical form of the vendored slice: key order, provenance and the YAML
//! text itself.
//!
//! The output is committed and reviewed as a diff, so it must be a pure
//! function of the input bytes: any order that upstream might shuffle without
//! changing meaning (paths, component names, HTTP methods) is sorted, and
//! every other mapping keeps upstream order so that a real upstream change
//! shows up as a small diff.

use serde_yaml_ng::{Mapping, Value};

use super::slice::{Slice, METHODS};
use super::SpecError;

/// The title we give the slice; upstream's own title is kept under
/// `info.x-upstream.title`.
pub const TITLE: &str = "Kalshi Trade API v2 — portfolio slice";

/// Our provenance extension under `info`.
pub const UPSTREAM_KEY: &str = "x-upstream";

/// The provenance key holding the checksum of the output file itself.
pub const SLICE_SHA_KEY: &str = "slice_sha256";

/// How the `slice_sha256` line reads while the checksum is computed: the
/// checksum covers the whole output file with this line in place of its own.
const SLICE_SHA_BLANK: &str = "    slice_sha256: ''";

/// Where a slice came from, for `info.x-upstream`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// Hex SHA-256 of the upstream input's bytes.
    pub sha256: String,
    /// Hex SHA-256 of the tolerance list applied, if any.
    pub tolerances_sha256: Option<String>,
    /// Hex SHA-256 of the extra-path list applied, if any.
    pub extra_paths_sha256: Option<String>,
    /// Hex SHA-256 of the retained-field list applied, if any.
    pub retained_sha256: Option<String>,
}

/// Reorders a path item: `$ref`, then the methods in [`METHODS`] order, then
/// path-level `parameters` and `servers`, then anything else in upstream order.
pub fn order_path_item(mut item: Mapping) -> Mapping {
    let mut out = Mapping::new();
    let leading = std::iter::once("$ref")
        .chain(METHODS)
        .chain(["parameters", "servers"]);
    for key in leading {
        if let Some(value) = item.shift_remove(key) {
            out.insert(Value::String(key.to_owned()), value);
        }
    }
    out.extend(item);
    out
}

/// Assembles the output document in canonical top-level order: `openapi`,
/// `info`, `servers`, `security`, `paths`, `components`, `tags`.
///
/// `info.x-upstream.slice_sha256` is left empty; [`seal`] fills it in on the
/// emitted text.
pub fn document(slice: &Slice, provenance: &Provenance) -> Value {
    let mut upstream = Mapping::new();
    upstream.insert("title".into(), slice.upstream_title.as_str().into());
    upstream.insert("version".into(), slice.upstream_version.as_str().into());
    upstream.insert("sha256".into(), provenance.sha256.as_str().into());
    if let Some(tolerances) = &provenance.tolerances_sha256 {
        upstream.insert("tolerances_sha256".into(), tolerances.as_str().into());
    }
    if let Some(extra) = &provenance.extra_paths_sha256 {
        upstream.insert("extra_paths_sha256".into(), extra.as_str().into());
    }
    if let Some(retained) = &provenance.retained_sha256 {
        upstream.insert("retained_sha256".into(), retained.as_str().into());
    }
    upstream.insert(SLICE_SHA_KEY.into(), "".into());

    let mut info = Mapping::new();
    info.insert("title".into(), TITLE.into());
    info.insert("version".into(), slice.upstream_version.as_str().into());
    info.insert(UPSTREAM_KEY.into(), Value::Mapping(upstream));

    let mut doc = Mapping::new();
    doc.insert("openapi".into(), slice.openapi.as_str().into());
    doc.insert("info".into(), Value::Mapping(info));
    if let Some(servers) = &slice.servers {
        doc.insert("servers".into(), servers.clone());
    }
    if let Some(security) = &slice.security {
        doc.insert("security".into(), security.clone());
    }

    let paths: Mapping = slice
        .paths
        .iter()
        .map(|(path, item)| (path.as_str().into(), item.clone()))
        .collect();
    doc.insert("paths".into(), Value::Mapping(paths));

    // `Section`'s Ord is the canonical section order and `BTreeMap` sorts the
    // names, so plain iteration is canonical.
    let components: Mapping = slice
        .components
        .iter()
        .filter(|(_, entries)| !entries.is_empty())
        .map(|(section, entries)| {
            let entries: Mapping = entries
                .iter()
                .map(|(name, value)| (name.as_str().into(), value.clone()))
                .collect();
            (section.key().into(), Value::Mapping(entries))
        })
        .collect();
    if !components.is_empty() {
        doc.insert("components".into(), Value::Mapping(components));
    }

    if !slice.tags.is_empty() {
        let tags = slice
            .tags
            .iter()
            .map(|name| {
                let mut tag = Mapping::new();
                tag.insert("name".into(), name.as_str().into());
                Value::Mapping(tag)
            })
            .collect();
        doc.insert("tags".into(), Value::Sequence(tags));
    }
    Value::Mapping(doc)
}

/// Writes `doc` as YAML with the generated-file header. `source_name` is the
/// input's file name (never a full path, which would make the output depend
/// on where the importer ran).
pub fn emit(doc: &Value, source_name: &str) -> Result<String, SpecError> {
    let guarded = guard(doc, "#")?;
    let body = serde_yaml_ng::to_string(&guarded).map_err(SpecError::Emit)?;
    let body = space_out(&unguard(&body));
    let source_name: String = source_name
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    Ok(format!(
        "# Generated by `cargo xtask spec import` from {source_name}.\n\
         # Do not edit by hand: re-run the import instead (see openapi/README.md).\n\
         \n\
         {}\n",
        body.trim_end()
    ))
}

/// Writes `value` as YAML with the same quoting as [`emit`] (strings a YAML
/// 1.1 reader would misread are single-quoted), but without the header and
/// spacing of the slice: for the lists the importer writes beside it.
pub fn emit_plain(value: &Value) -> Result<String, SpecError> {
    let guarded = guard(value, "#")?;
    let body = serde_yaml_ng::to_string(&guarded).map_err(SpecError::Emit)?;
    Ok(unguard(&body))
}

/// Fills in `info.x-upstream.slice_sha256` of an emitted file: the SHA-256
/// of the whole text as [`emit`] wrote it, with that field still empty.
/// Only the one line changes, so the checksum can be verified from the file
/// alone ([`slice_checksum`]). It is always quoted: a YAML 1.1 reader could
/// take some hex strings for numbers.
pub fn seal(text: &str) -> Result<String, SpecError> {
    let mut lines = text.split_inclusive('\n');
    if lines
        .clone()
        .filter(|l| l.trim_end() == SLICE_SHA_BLANK)
        .count()
        != 1
    {
        return Err(SpecError::Internal(
            "the emitted text has no single empty slice_sha256 line".into(),
        ));
    }
    let sha = super::sha256_hex(text.as_bytes());
    Ok(lines
        .by_ref()
        .map(|line| {
            if line.trim_end() == SLICE_SHA_BLANK {
                format!("    {SLICE_SHA_KEY}: '{sha}'\n")
            } else {
                line.to_owned()
            }
        })
        .collect())
}

/// The checksum a file records in `slice_sha256` and the one its text
/// actually has (computed as [`seal`] did); `None` when the file has no
/// single such line.
pub fn slice_checksum(text: &str) -> Option<(String, String)> {
    let prefix = format!("    {SLICE_SHA_KEY}: ");
    let mut found = text
        .split_inclusive('\n')
        .filter(|line| line.starts_with(&prefix));
    let line = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let recorded = line[prefix.len()..]
        .trim_end()
        .trim_matches('\'')
        .to_owned();
    let blanked: String = text
        .split_inclusive('\n')
        .map(|l| {
            if l.starts_with(&prefix) {
                format!("{SLICE_SHA_BLANK}\n")
            } else {
                l.to_owned()
            }
        })
        .collect();
    Some((recorded, super::sha256_hex(blanked.as_bytes())))
}

// ---------------------------------------------------------------------------
// Quoting for YAML 1.1 readers
//
// serde_yaml_ng reads and writes YAML 1.2, where `yes`, `no`, `on` and `off`
// are plain strings, so it emits them unquoted. A YAML 1.1 reader (PyYAML,
// older Go and Ruby libraries, many editors' linters) would read them as
// booleans, and a side enum of `[yes, no]` would silently become
// `[true, false]`. The emitter has no per-scalar style hook, so such strings
// are wrapped in a private-use sentinel, which makes the emitter write them
// plain, and the sentinel pair is then rewritten to single quotes.
// ---------------------------------------------------------------------------

/// U+E000, a private-use character: printable to libyaml (so it stays in a
/// plain scalar) and never meaningful in an API description.
const GUARD: char = '\u{E000}';

/// Whether a YAML 1.1 reader could resolve this plain scalar to something
/// other than a string.
fn needs_quotes_for_yaml_1_1(s: &str) -> bool {
    const WORDS: [&str; 28] = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL", "<<",
        "=",
    ];
    if WORDS.contains(&s) {
        return true;
    }
    // YAML 1.1 numbers (with `_`), sexagesimals (`1:30`) and timestamps all
    // start with a digit, sign or dot and use only these characters. Quoting
    // a few extra strings of that shape is harmless; missing one is not.
    matches!(s.chars().next(), Some('0'..='9' | '+' | '-' | '.'))
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '.' | '+' | '-'))
}

/// Copies `value`, wrapping every string (key or value) that needs quoting
/// in a pair of [`GUARD`]s.
fn guard(value: &Value, loc: &str) -> Result<Value, SpecError> {
    Ok(match value {
        Value::String(s) => Value::String(guard_str(s, loc)?),
        Value::Sequence(items) => Value::Sequence(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| guard(item, &format!("{loc}/{i}")))
                .collect::<Result<_, _>>()?,
        ),
        Value::Mapping(map) => Value::Mapping(
            map.iter()
                .map(|(k, v)| {
                    let child = format!("{loc}/{}", k.as_str().unwrap_or_default());
                    Ok((guard(k, loc)?, guard(v, &child)?))
                })
                .collect::<Result<_, SpecError>>()?,
        ),
        other => other.clone(),
    })
}

fn guard_str(s: &str, loc: &str) -> Result<String, SpecError> {
    if s.contains(GUARD) {
        return Err(SpecError::malformed(
            loc,
            "a string contains U+E000, which the importer reserves for quoting",
        ));
    }
    Ok(if needs_quotes_for_yaml_1_1(s) {
        format!("{GUARD}{s}{GUARD}")
    } else {
        s.to_owned()
    })
}

/// Turns each `GUARD text GUARD` into `'text'`. Guarded text never contains a
/// quote (see [`needs_quotes_for_yaml_1_1`]), so no escaping is needed.
fn unguard(text: &str) -> String {
    text.split(GUARD)
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("'{part}'")
            } else {
                part.to_owned()
            }
        })
        .collect()
}

/// Adds blank lines between top-level keys, between paths, and between
/// components and their sections, so the file reads (and diffs) in blocks.
///
/// This looks at indentation only. It is sound because the lines it
/// separates are mapping keys whose parents are mappings (paths, component
/// sections, components), so no block scalar can sit at those indents; the
/// read-back check in `import_document` would catch it if that ever changed.
fn space_out(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + body.len() / 16);
    let mut top_key = "";
    let mut previous_indent = 0;
    for (n, line) in body.lines().enumerate() {
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        let is_key = !content.is_empty() && !content.starts_with('-');
        if indent == 0 && is_key {
            top_key = content.split(':').next().unwrap_or_default();
        }
        let separate = is_key
            && n > 0
            && previous_indent >= indent
            && matches!(
                (top_key, indent),
                (_, 0) | ("paths", 2) | ("components", 2 | 4)
            );
        if separate {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        previous_indent = indent;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_ambiguous_words_and_numbers_need_quotes() {
        for s in [
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "1_000",
            "1:30",
            "2001-12-14",
            "0777",
            "-",
        ] {
            assert!(needs_quotes_for_yaml_1_1(s), "{s}");
        }
        for s in [
            "yesno",
            "bid",
            "ask",
            "scalar",
            "application/json",
            "a b",
            "#/x",
        ] {
            assert!(!needs_quotes_for_yaml_1_1(s), "{s}");
        }
    }

    #[test]
    fn path_item_methods_in_canonical_order() {
        let item: Mapping = serde_yaml_ng::from_str(
            "x: 1\nparameters: []\npost: {}\ntrace: {}\nget: {}\ndelete: {}\nput: {}\n",
        )
        .unwrap();
        let keys: Vec<_> = order_path_item(item)
            .keys()
            .map(|k| k.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            keys,
            ["get", "put", "post", "delete", "trace", "parameters", "x"]
        );
    }

    #[test]
    fn unguard_quotes_guarded_runs_only() {
        let text = format!("a: {GUARD}yes{GUARD}\nb: no-guard\n");
        assert_eq!(unguard(&text), "a: 'yes'\nb: no-guard\n");
    }
}
