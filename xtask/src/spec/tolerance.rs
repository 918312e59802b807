//! Tolerances: response fields upstream marks required that the wire is
//! known (or expected) to omit, relaxed in the vendored slice.
//!
//! The spec is not the whole truth: production pages captured on 2026-08-18
//! carry fills and settlements without `exchange_index`, which 3.34.0 marks
//! required, and a single missing informational field would fail a whole
//! page. `openapi/tolerances.yaml` lists each relaxation with its reason;
//! `spec import` always applies that checked-in file, so a re-import cannot
//! silently drop one.
//!
//! Each entry drops a property from its schema's `required` list and, where
//! absence has one sound meaning, adds a `default`, so that the generated
//! field stays non-`Option` (typify emits `#[serde(default = ...)]`) and
//! handwritten code does not change. Our own `description` goes on the
//! property (the importer drops upstream prose, so nothing else is there) to
//! say, in the generated rustdoc, that the field is tolerated and what it
//! defaults to.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use serde_yaml_ng::{Mapping, Value};

use super::slice::{Section, Slice};
use super::{sha256_hex, SpecError};

/// Where the checked-in list lives, relative to the workspace root.
pub const DEFAULT_PATH: &str = "openapi/tolerances.yaml";

/// What a tolerance does to the property besides dropping it from `required`.
#[derive(Clone, Debug, PartialEq)]
pub enum Relax {
    /// The field becomes optional (an `Option` in Rust).
    Optional,
    /// The field becomes optional on the wire with this default, so the Rust
    /// field keeps its type.
    Default(Value),
}

/// One entry of the list.
#[derive(Clone, Debug, PartialEq)]
pub struct Tolerance {
    pub schema: String,
    pub field: String,
    pub relax: Relax,
    /// The evidence, in one or two sentences.
    pub reason: String,
}

impl Tolerance {
    /// `Fill.exchange_index`.
    pub fn name(&self) -> String {
        format!("{}.{}", self.schema, self.field)
    }

    /// The description the importer puts on the tolerated property.
    pub fn description(&self) -> String {
        let what = match &self.relax {
            Relax::Optional => "it is optional here".to_owned(),
            Relax::Default(value) => format!("when absent it decodes as `{}`", scalar(value)),
        };
        format!(
            "{} upstream requires this field, but {what}. {}",
            crate::codegen::TOLERATED_MARK,
            self.reason.trim()
        )
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        other => serde_yaml_ng::to_string(other)
            .map(|s| s.trim_end().to_owned())
            .unwrap_or_default(),
    }
}

/// The whole list, with the checksum of the file it came from (recorded in
/// the slice's provenance).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tolerances {
    pub entries: Vec<Tolerance>,
    /// Hex SHA-256 of the file's bytes; `None` for no list at all.
    pub sha256: Option<String>,
}

/// How strictly a list is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `spec import`: an entry naming a schema the slice lacks is an error (a
    /// typo, or a schema gone, which the diff judges anyway); an entry whose
    /// field the schema no longer has, or no longer requires (moot), is a
    /// warning and is not applied, since Kalshi removing an optional field must
    /// import untouched.
    Import,
    /// The new side of `spec diff`: both are warnings, and such entries are
    /// skipped.
    Lenient,
    /// Re-applying to a slice that already carries the tolerances (`spec
    /// check`'s re-emission, the vendored side of a diff): every entry whose
    /// property exists is applied, required or not, silently.
    Reapply,
}

impl Tolerances {
    /// No tolerances: the bare slice.
    pub fn none() -> Tolerances {
        Tolerances::default()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The checked-in list of this workspace.
    pub fn checked_in() -> Result<Tolerances, SpecError> {
        Tolerances::load(&default_path())
    }

    /// Reads and validates a list file.
    pub fn load(path: &Path) -> Result<Tolerances, SpecError> {
        let bytes = fs::read(path)
            .map_err(|e| SpecError::Tolerance(format!("cannot read {}: {e}", path.display())))?;
        Tolerances::parse(&bytes).map_err(|e| match e {
            SpecError::Tolerance(message) => {
                SpecError::Tolerance(format!("{}: {message}", path.display()))
            }
            other => other,
        })
    }

    /// Parses a list file's bytes.
    pub fn parse(bytes: &[u8]) -> Result<Tolerances, SpecError> {
        let bad = |message: String| SpecError::Tolerance(message);
        let doc: Value = serde_yaml_ng::from_slice(bytes)
            .map_err(|e| bad(format!("not parseable as YAML: {e}")))?;
        let root = doc
            .as_mapping()
            .ok_or_else(|| bad("the top level is not a mapping".into()))?;
        if let Some(key) = root.keys().find(|k| k.as_str() != Some("tolerances")) {
            return Err(bad(format!(
                "unknown top-level key `{}` (only `tolerances`)",
                scalar(key)
            )));
        }
        let list = match root.get("tolerances") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Sequence(list)) => list.as_slice(),
            Some(_) => return Err(bad("`tolerances` is not a list".into())),
        };
        let mut entries: Vec<Tolerance> = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let entry = parse_entry(item).map_err(|m| bad(format!("tolerances[{i}]: {m}")))?;
            if entries.iter().any(|e| e.name() == entry.name()) {
                return Err(bad(format!(
                    "tolerances[{i}]: `{}` is listed twice",
                    entry.name()
                )));
            }
            entries.push(entry);
        }
        Ok(Tolerances {
            entries,
            sha256: Some(sha256_hex(bytes)),
        })
    }
}

fn default_path() -> PathBuf {
    super::workspace_root().join(DEFAULT_PATH)
}

fn parse_entry(item: &Value) -> Result<Tolerance, String> {
    let map = item.as_mapping().ok_or("not a mapping")?;
    for key in map.keys() {
        let key = key.as_str().unwrap_or_default();
        if !matches!(key, "schema" | "field" | "default" | "optional" | "reason") {
            return Err(format!(
                "unknown key `{key}` (schema, field, default or optional, reason)"
            ));
        }
    }
    let text = |key: &str| -> Result<String, String> {
        match map.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            _ => Err(format!("`{key}` is missing or not a non-empty string")),
        }
    };
    let (schema, field, reason) = (text("schema")?, text("field")?, text("reason")?);
    let relax = match (map.get("default"), map.get("optional")) {
        (Some(value), None) => Relax::Default(value.clone()),
        (None, Some(Value::Bool(true))) => Relax::Optional,
        (None, Some(_)) => return Err("`optional` must be `true`".into()),
        (Some(_), Some(_)) => return Err("give either `default` or `optional`, not both".into()),
        (None, None) => {
            return Err(format!(
                "`{schema}.{field}` says neither `default: <value>` nor `optional: true`"
            ))
        }
    };
    Ok(Tolerance {
        schema,
        field,
        relax,
        reason,
    })
}

/// Why an entry was not applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unapplied {
    /// The schema is not in the slice.
    NoSchema,
    /// The schema has no such property.
    NoField,
    /// The property exists but is not required: nothing to relax.
    Moot,
}

/// A report about one entry that did not apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub tolerance: String,
    pub problem: Unapplied,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let schema = self.tolerance.split('.').next().unwrap_or_default();
        match self.problem {
            Unapplied::NoSchema => write!(
                f,
                "tolerance `{}`: schema `{schema}` is not in the slice; remove or fix the entry in {DEFAULT_PATH}",
                self.tolerance
            ),
            Unapplied::NoField => write!(
                f,
                "tolerance `{}`: schema `{schema}` has no such property (gone upstream, or a typo); not applied: remove or fix the entry in {DEFAULT_PATH}",
                self.tolerance
            ),
            Unapplied::Moot => write!(
                f,
                "tolerance `{}` is moot: upstream no longer requires the field; remove the entry from {DEFAULT_PATH}",
                self.tolerance
            ),
        }
    }
}

/// Applies `tolerances` to the schemas of `slice`. Returns the entries that
/// did not apply (none in [`Mode::Reapply`]); [`settle`] decides, once the
/// retained fields are in, which are warnings and which are errors.
pub fn apply(
    slice: &mut Slice,
    tolerances: &Tolerances,
    mode: Mode,
) -> Result<Vec<Finding>, SpecError> {
    let mut findings = Vec::new();
    let schemas = slice.components.entry(Section::Schemas).or_default();
    for tolerance in &tolerances.entries {
        let problem = match schemas.get_mut(&tolerance.schema) {
            None => Some(Unapplied::NoSchema),
            Some(schema) => relax(schema, tolerance, mode == Mode::Reapply),
        };
        let Some(problem) = problem else { continue };
        let finding = Finding {
            tolerance: tolerance.name(),
            problem,
        };
        if mode != Mode::Reapply {
            findings.push(finding);
        }
    }
    // Sections are emitted only when non-empty; do not leave an empty one.
    if slice
        .components
        .get(&Section::Schemas)
        .is_some_and(|s| s.is_empty())
    {
        slice.components.remove(&Section::Schemas);
    }
    Ok(findings)
}

/// Judges what [`apply`] found, once the retained fields (and schemas) are in
/// `slice`: in [`Mode::Import`] an entry naming a schema the slice lacks is
/// an error (a typo, or a schema gone, which the diff judges anyway), unless
/// the schema was retained with a field that refers to it (the retained copy
/// is the vendored one, tolerance already applied); an entry whose field
/// upstream dropped and the importer retained is no finding either (the
/// retained copy carries the tolerance); every other finding is a warning.
pub fn settle(
    findings: Vec<Finding>,
    slice: &Slice,
    mode: Mode,
) -> Result<Vec<Finding>, SpecError> {
    let has_schema = |name: &str| {
        slice
            .components
            .get(&Section::Schemas)
            .is_some_and(|s| s.contains_key(name))
    };
    // A tolerated field upstream dropped and the importer retained: its
    // retained copy is the vendored one, which carries the tolerance.
    let retained_field = |name: &str| {
        let (schema, field) = name.split_once('.').unwrap_or((name, ""));
        slice
            .components
            .get(&Section::Schemas)
            .and_then(|s| s.get(schema))
            .and_then(|s| s.get("properties"))
            .and_then(|p| p.get(field))
            .is_some_and(|p| p.get(super::retain::MARKER).is_some())
    };
    let mut out = Vec::new();
    for finding in findings {
        let schema = finding.tolerance.split('.').next().unwrap_or_default();
        match finding.problem {
            Unapplied::NoSchema if has_schema(schema) => {}
            Unapplied::NoField if retained_field(&finding.tolerance) => {}
            Unapplied::NoSchema if mode == Mode::Import => {
                return Err(SpecError::Tolerance(finding.to_string()))
            }
            _ => out.push(finding),
        }
    }
    Ok(out)
}

/// Relaxes one property; `None` when done, else why not.
fn relax(schema: &mut Value, tolerance: &Tolerance, even_if_optional: bool) -> Option<Unapplied> {
    let Some(map) = schema.as_mapping_mut() else {
        return Some(Unapplied::NoField);
    };
    let has_field = map
        .get("properties")
        .and_then(Value::as_mapping)
        .is_some_and(|p| p.contains_key(tolerance.field.as_str()));
    if !has_field {
        return Some(Unapplied::NoField);
    }
    let required = map
        .get("required")
        .and_then(Value::as_sequence)
        .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(&tolerance.field)));
    if !required && !even_if_optional {
        return Some(Unapplied::Moot);
    }
    if let Some(Value::Sequence(names)) = map.get_mut("required") {
        names.retain(|n| n.as_str() != Some(&tolerance.field));
        if names.is_empty() {
            // OpenAPI 3.0 does not allow an empty `required` list.
            map.shift_remove("required");
        }
    }
    let property = map
        .get_mut("properties")
        .and_then(Value::as_mapping_mut)
        .and_then(|p| p.get_mut(tolerance.field.as_str()))?;
    *property = tolerated_property(property, tolerance);
    None
}

/// Rebuilds a property as `description`, its own keywords, then `default`.
/// A bare `$ref` is wrapped in `allOf` (OpenAPI 3.0 ignores siblings of a
/// `$ref`), the way upstream itself gives a referenced type a default.
/// Applying it to its own output gives the same output.
fn tolerated_property(property: &Value, tolerance: &Tolerance) -> Value {
    let mut out = Mapping::new();
    // Upstream's own description first, when it has one, then ours (once).
    let ours = tolerance.description();
    let described = match property.get("description").and_then(Value::as_str) {
        Some(text) if text.ends_with(&ours) => text.to_owned(),
        Some(text) if !text.trim().is_empty() => format!("{text}\n\n{ours}"),
        _ => ours,
    };
    out.insert("description".into(), described.into());
    match property.as_mapping() {
        Some(map) if map.contains_key("$ref") => {
            let mut reference = Mapping::new();
            reference.insert("$ref".into(), map["$ref"].clone());
            out.insert(
                "allOf".into(),
                Value::Sequence(vec![Value::Mapping(reference)]),
            );
        }
        Some(map) => {
            for (key, value) in map {
                if !matches!(key.as_str(), Some("description" | "default")) {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        None => {}
    }
    if let Relax::Default(value) = &tolerance.relax {
        out.insert("default".into(), value.clone());
    }
    Value::Mapping(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_and_rejects_bad_ones() {
        let list = Tolerances::parse(
            b"tolerances:\n- {schema: A, field: b, default: 0, reason: seen}\n- {schema: A, field: c, optional: true, reason: seen}\n",
        )
        .unwrap();
        assert_eq!(list.entries.len(), 2);
        assert_eq!(list.entries[0].relax, Relax::Default(Value::from(0)));
        assert_eq!(list.entries[1].relax, Relax::Optional);
        assert!(list.sha256.is_some());
        for (bad, says) in [
            ("tolerances: x", "not a list"),
            ("other: []", "unknown top-level key"),
            ("tolerances: [{schema: A, field: b, reason: r}]", "neither"),
            ("tolerances: [{schema: A, field: b, default: 0}]", "`reason`"),
            (
                "tolerances: [{schema: A, field: b, default: 0, optional: true, reason: r}]",
                "not both",
            ),
            (
                "tolerances: [{schema: A, field: b, default: 0, reason: r, why: r}]",
                "unknown key `why`",
            ),
            (
                "tolerances: [{schema: A, field: b, default: 0, reason: r}, {schema: A, field: b, default: 1, reason: r}]",
                "`A.b` is listed twice",
            ),
        ] {
            let error = Tolerances::parse(bad.as_bytes()).unwrap_err().to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }

    #[test]
    fn tolerated_property_is_idempotent() {
        let tolerance = Tolerance {
            schema: "S".into(),
            field: "f".into(),
            relax: Relax::Default(Value::from(0)),
            reason: "Because.".into(),
        };
        let bare: Value = serde_yaml_ng::from_str("{$ref: '#/components/schemas/X'}").unwrap();
        let once = tolerated_property(&bare, &tolerance);
        assert_eq!(tolerated_property(&once, &tolerance), once);
        assert_eq!(
            serde_yaml_ng::to_string(&once).unwrap(),
            format!(
                "description: '{}'\nallOf:\n- $ref: '#/components/schemas/X'\ndefault: 0\n",
                tolerance.description()
            )
        );
    }
}
