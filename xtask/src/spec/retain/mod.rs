//! Retained fields: optional response fields that upstream dropped, kept in
//! the vendored slice so that handwritten code naming them still builds.
//!
//! When Kalshi drops an optional response field, the old client still
//! decodes every new answer (the field is an `Option`), so the diff calls the
//! change non-breaking; but the generated struct would lose the field, and
//! any handwritten line reading or setting it would stop compiling. So
//! `spec import` keeps such a property, taken from the slice it is replacing,
//! as optional, with a [`MARKER`] naming the upstream version that dropped it
//! and a description saying it now always decodes as `None` (or its
//! default). The generated field keeps its type; nothing on the wire sends it.
//!
//! What is kept is recorded in a checked-in list, `openapi/retained.yaml`
//! (beside the slice), written by the importer: it is reviewable, and it is
//! what makes the slice reproducible from the recorded upstream document
//! alone (`spec check` re-imports with it and compares byte for byte). Its
//! checksum is in the slice's provenance (`retained_sha256`). A field stays
//! retained across later imports until upstream brings it back or someone
//! deletes its entry (or passes `--drop-retained`) and re-imports.
//!
//! Two tightenings of response-only schemas break handwritten code the same
//! way and are kept the same way: a field upstream now requires stays
//! optional ([`KEPT_OPTIONAL`]), so its generated field stays an `Option`
//! (a required field upstream *adds* arrives optional the same way, since
//! the sandbox's generated builders would otherwise fail at run time on
//! every struct that does not set it);
//! and an enum value upstream drops stays ([`RETAINED_VALUES`]), so its
//! generated variant stays.
//!
//! Only fields of schemas used in responses alone are kept: a field removed
//! from a request schema is breaking (the client may still send it), and so
//! is a removed required field (its generated field is not an `Option`, and a
//! value that never arrives would fail every answer); those are the
//! maintainer's decision, and the compiler points at the code that needs it.
//! A schema that a retained field refers to, and that upstream dropped with
//! it, is retained too, so the slice stays closed under `$ref`.

mod apply;
mod carry;

pub use apply::{apply, description, kept_optional_description, strip};
pub use carry::{carry, Carried};

use std::fs;
use std::path::{Path, PathBuf};

use serde_yaml_ng::{Mapping, Value};

use super::pointer;
use super::{canonical, sha256_hex, SpecError};

/// The list's file name; it lives beside the slice it belongs to.
pub const FILE_NAME: &str = "retained.yaml";

/// Where the checked-in list lives, relative to the workspace root.
pub const DEFAULT_PATH: &str = "openapi/retained.yaml";

/// The extension on a retained property (and schema) in the slice; its
/// value is the upstream version that dropped it.
pub const MARKER: &str = "x-kalshi-portfolio-retained";

/// The extension on a property kept optional although upstream now requires
/// it; its value is the upstream version that started requiring it.
pub const KEPT_OPTIONAL: &str = "x-kalshi-portfolio-kept-optional";

/// The extension beside an `enum` listing the values upstream dropped and
/// the slice keeps.
pub const RETAINED_VALUES: &str = "x-kalshi-portfolio-retained-values";

/// The comment at the top of the list file.
const HEADER: &str = "\
# Written by `cargo xtask spec import`; do not edit by hand except to delete
# an entry (see openapi/README.md, \"Retained fields\").
#
# What upstream Kalshi dropped or tightened that the slice keeps as it was,
# so that handwritten code naming it still builds: `retained` optional
# response fields (never sent any more, so they decode as `None` or their
# default), `schemas` only such fields refer to, `optional` response fields
# upstream now requires (kept `Option`s), and `enum_values` dropped from
# response enums (the variants stay). An entry stays until upstream undoes
# the change or you delete it (or run `spec import --drop-retained NAME`,
# with the name the import warning shows) and re-import; then the compiler
# points at the code that still relies on it.
";

/// One retained property.
#[derive(Clone, Debug, PartialEq)]
pub struct RetainedField {
    /// The component schema holding it.
    pub schema: String,
    /// Where inside that schema the object holding the property is, as a
    /// JSON pointer without the leading `#` (`/properties/orders/items`);
    /// empty for the schema itself.
    pub at: String,
    pub field: String,
    /// The upstream `info.version` that dropped it.
    pub dropped_in: String,
    /// The property's schema as it was last vendored (without our marker
    /// and sentence).
    pub property: Value,
}

impl RetainedField {
    /// `Fill.ts`, or `BatchCancelOrdersV2Response/properties/orders/items.error`.
    pub fn name(&self) -> String {
        format!("{}{}.{}", self.schema, self.at, self.field)
    }
}

/// A property of a response-only schema that upstream now requires and the
/// slice keeps optional, so its generated field stays an `Option`.
#[derive(Clone, Debug, PartialEq)]
pub struct KeptOptional {
    pub schema: String,
    /// As [`RetainedField::at`].
    pub at: String,
    pub field: String,
    /// The upstream `info.version` that started requiring it.
    pub required_in: String,
}

impl KeptOptional {
    pub fn name(&self) -> String {
        format!("{}{}.{}", self.schema, self.at, self.field)
    }
}

/// An enum value of a response-only schema that upstream dropped and the
/// slice keeps, so the generated variant handwritten code names still exists.
#[derive(Clone, Debug, PartialEq)]
pub struct RetainedValue {
    pub schema: String,
    /// Where the `enum` is inside the schema (empty: the schema itself).
    pub at: String,
    pub value: Value,
    pub dropped_in: String,
}

impl RetainedValue {
    /// `OrderStatus=executed`.
    pub fn name(&self) -> String {
        format!("{}{}={}", self.schema, self.at, scalar(&self.value))
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => serde_yaml_ng::to_string(other)
            .map(|s| s.trim_end().to_owned())
            .unwrap_or_default(),
    }
}

/// One retained component schema.
#[derive(Clone, Debug, PartialEq)]
pub struct RetainedSchema {
    pub name: String,
    pub dropped_in: String,
    pub schema: Value,
}

/// The whole list, with the checksum of the file it came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Retained {
    pub fields: Vec<RetainedField>,
    pub schemas: Vec<RetainedSchema>,
    pub optional: Vec<KeptOptional>,
    pub values: Vec<RetainedValue>,
    /// Hex SHA-256 of the file's bytes (for a list the importer made, of
    /// [`Retained::render`]'s text); `None` for no list at all.
    pub sha256: Option<String>,
}

impl Retained {
    /// Nothing retained.
    pub fn none() -> Retained {
        Retained::default()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
            && self.schemas.is_empty()
            && self.optional.is_empty()
            && self.values.is_empty()
    }

    /// The list beside `slice_file` (`openapi/retained.yaml` beside
    /// `openapi/portfolio.yaml`); a missing file is an empty list.
    pub fn beside(slice_file: &Path) -> Result<Retained, SpecError> {
        let path = path_beside(slice_file);
        if path.exists() {
            Retained::load(&path)
        } else {
            Ok(Retained::none())
        }
    }

    /// The checked-in list of this workspace.
    pub fn checked_in() -> Result<Retained, SpecError> {
        Retained::beside(&super::workspace_root().join(super::DEFAULT_OUT))
    }

    /// Reads and validates a list file.
    pub fn load(path: &Path) -> Result<Retained, SpecError> {
        let bytes = fs::read(path)
            .map_err(|e| SpecError::Retained(format!("cannot read {}: {e}", path.display())))?;
        Retained::parse(&bytes).map_err(|e| match e {
            SpecError::Retained(message) => {
                SpecError::Retained(format!("{}: {message}", path.display()))
            }
            other => other,
        })
    }

    /// Parses a list file's bytes.
    pub fn parse(bytes: &[u8]) -> Result<Retained, SpecError> {
        let bad = |message: String| SpecError::Retained(message);
        let doc: Value = serde_yaml_ng::from_slice(bytes)
            .map_err(|e| bad(format!("not parseable as YAML: {e}")))?;
        let empty = Mapping::new();
        let root = match &doc {
            Value::Null => &empty,
            other => other
                .as_mapping()
                .ok_or_else(|| bad("the top level is not a mapping".into()))?,
        };
        if let Some(key) = root.keys().find(|k| {
            !matches!(
                k.as_str(),
                Some("retained" | "schemas" | "optional" | "enum_values")
            )
        }) {
            return Err(bad(format!(
                "unknown top-level key `{}` (retained, schemas, optional, enum_values)",
                key.as_str().unwrap_or("<not a string>")
            )));
        }
        let list = |key: &str| match root.get(key) {
            None | Some(Value::Null) => Ok(&[][..]),
            Some(Value::Sequence(list)) => Ok(list.as_slice()),
            Some(_) => Err(bad(format!("`{key}` is not a list"))),
        };
        let mut out = Retained {
            sha256: Some(sha256_hex(bytes)),
            ..Retained::default()
        };
        for (i, item) in list("retained")?.iter().enumerate() {
            let entry = parse_field(item).map_err(|m| bad(format!("retained[{i}]: {m}")))?;
            if out.fields.iter().any(|e| e.name() == entry.name()) {
                return Err(bad(format!(
                    "retained[{i}]: `{}` is listed twice",
                    entry.name()
                )));
            }
            out.fields.push(entry);
        }
        for (i, item) in list("optional")?.iter().enumerate() {
            let entry = parse_optional(item).map_err(|m| bad(format!("optional[{i}]: {m}")))?;
            if out.optional.iter().any(|e| e.name() == entry.name()) {
                return Err(bad(format!(
                    "optional[{i}]: `{}` is listed twice",
                    entry.name()
                )));
            }
            out.optional.push(entry);
        }
        for (i, item) in list("enum_values")?.iter().enumerate() {
            let entry = parse_value(item).map_err(|m| bad(format!("enum_values[{i}]: {m}")))?;
            if out.values.iter().any(|e| e.name() == entry.name()) {
                return Err(bad(format!(
                    "enum_values[{i}]: `{}` is listed twice",
                    entry.name()
                )));
            }
            out.values.push(entry);
        }
        for (i, item) in list("schemas")?.iter().enumerate() {
            let entry = parse_schema(item).map_err(|m| bad(format!("schemas[{i}]: {m}")))?;
            if out.schemas.iter().any(|e| e.name == entry.name) {
                return Err(bad(format!(
                    "schemas[{i}]: `{}` is listed twice",
                    entry.name
                )));
            }
            out.schemas.push(entry);
        }
        Ok(out)
    }

    /// The file text the importer writes for this list (entries sorted, so
    /// the same list always gives the same bytes).
    pub fn render(&self) -> Result<String, SpecError> {
        let mut fields = self.fields.clone();
        fields.sort_by(|a, b| (&a.schema, &a.at, &a.field).cmp(&(&b.schema, &b.at, &b.field)));
        let mut schemas = self.schemas.clone();
        schemas.sort_by(|a, b| a.name.cmp(&b.name));
        let mut optional = self.optional.clone();
        optional.sort_by_key(KeptOptional::name);
        let mut values = self.values.clone();
        values.sort_by_key(RetainedValue::name);
        let mut root = Mapping::new();
        let fields: Vec<Value> = fields
            .iter()
            .map(|f| {
                let mut m = Mapping::new();
                m.insert("schema".into(), f.schema.as_str().into());
                if !f.at.is_empty() {
                    m.insert("at".into(), f.at.as_str().into());
                }
                m.insert("field".into(), f.field.as_str().into());
                m.insert("dropped_in".into(), f.dropped_in.as_str().into());
                m.insert("property".into(), f.property.clone());
                Value::Mapping(m)
            })
            .collect();
        root.insert("retained".into(), Value::Sequence(fields));
        if !optional.is_empty() {
            let optional = optional
                .iter()
                .map(|o| {
                    let mut m = Mapping::new();
                    m.insert("schema".into(), o.schema.as_str().into());
                    if !o.at.is_empty() {
                        m.insert("at".into(), o.at.as_str().into());
                    }
                    m.insert("field".into(), o.field.as_str().into());
                    m.insert("required_in".into(), o.required_in.as_str().into());
                    Value::Mapping(m)
                })
                .collect();
            root.insert("optional".into(), Value::Sequence(optional));
        }
        if !values.is_empty() {
            let values = values
                .iter()
                .map(|v| {
                    let mut m = Mapping::new();
                    m.insert("schema".into(), v.schema.as_str().into());
                    if !v.at.is_empty() {
                        m.insert("at".into(), v.at.as_str().into());
                    }
                    m.insert("value".into(), v.value.clone());
                    m.insert("dropped_in".into(), v.dropped_in.as_str().into());
                    Value::Mapping(m)
                })
                .collect();
            root.insert("enum_values".into(), Value::Sequence(values));
        }
        if !schemas.is_empty() {
            let schemas = schemas
                .iter()
                .map(|s| {
                    let mut m = Mapping::new();
                    m.insert("name".into(), s.name.as_str().into());
                    m.insert("dropped_in".into(), s.dropped_in.as_str().into());
                    m.insert("schema".into(), s.schema.clone());
                    Value::Mapping(m)
                })
                .collect();
            root.insert("schemas".into(), Value::Sequence(schemas));
        }
        Ok(format!(
            "{HEADER}\n{}",
            canonical::emit_plain(&Value::Mapping(root))?
        ))
    }

    /// The list as the importer records it: sorted, with the checksum of
    /// the text it writes.
    fn sealed(mut self) -> Result<Retained, SpecError> {
        self.fields
            .sort_by(|a, b| (&a.schema, &a.at, &a.field).cmp(&(&b.schema, &b.at, &b.field)));
        self.schemas.sort_by(|a, b| a.name.cmp(&b.name));
        self.optional.sort_by_key(KeptOptional::name);
        self.values.sort_by_key(RetainedValue::name);
        self.sha256 = Some(sha256_hex(self.render()?.as_bytes()));
        Ok(self)
    }

    /// Removes the named entries (`Schema.field` as [`RetainedField::name`]
    /// gives it, or `all`); an unknown name is an error, so a typo does not
    /// pass silently.
    pub fn drop_named(&mut self, names: &[String]) -> Result<Vec<String>, SpecError> {
        if names.iter().any(|n| n == "all") {
            let dropped = self.names();
            self.fields.clear();
            self.optional.clear();
            self.values.clear();
            return Ok(dropped);
        }
        let mut dropped = Vec::new();
        for name in names {
            let before = self.fields.len() + self.optional.len() + self.values.len();
            self.fields.retain(|f| &f.name() != name);
            self.optional.retain(|o| &o.name() != name);
            self.values.retain(|v| &v.name() != name);
            if self.fields.len() + self.optional.len() + self.values.len() == before {
                let known = self.names();
                return Err(SpecError::Retained(format!(
                    "--drop-retained names `{name}`, which is not retained (retained: {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                )));
            }
            dropped.push(name.clone());
        }
        Ok(dropped)
    }

    /// Every entry's name: fields, fields kept optional, enum values.
    pub fn names(&self) -> Vec<String> {
        self.fields
            .iter()
            .map(RetainedField::name)
            .chain(self.optional.iter().map(KeptOptional::name))
            .chain(self.values.iter().map(RetainedValue::name))
            .collect()
    }
}

/// The list file that belongs to a slice file.
pub fn path_beside(slice_file: &Path) -> PathBuf {
    match slice_file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(FILE_NAME),
        _ => PathBuf::from(FILE_NAME),
    }
}

fn text_of(map: &Mapping, key: &str) -> Result<String, String> {
    match map.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(format!("`{key}` is missing or not a non-empty string")),
    }
}

fn parse_field(item: &Value) -> Result<RetainedField, String> {
    let map = item.as_mapping().ok_or("not a mapping")?;
    for key in map.keys() {
        let key = key.as_str().unwrap_or_default();
        if !matches!(key, "schema" | "at" | "field" | "dropped_in" | "property") {
            return Err(format!(
                "unknown key `{key}` (schema, at, field, dropped_in, property)"
            ));
        }
    }
    let at = match map.get("at") {
        None => String::new(),
        Some(Value::String(s))
            if s.starts_with('/') && pointer::parse(&format!("#{s}")).is_some() =>
        {
            s.clone()
        }
        Some(_) => return Err("`at` is not a JSON pointer starting with `/`".into()),
    };
    let property = map
        .get("property")
        .filter(|p| p.is_mapping())
        .cloned()
        .ok_or("`property` is missing or not a mapping")?;
    Ok(RetainedField {
        schema: text_of(map, "schema")?,
        at,
        field: text_of(map, "field")?,
        dropped_in: text_of(map, "dropped_in")?,
        property,
    })
}

fn parse_at(map: &Mapping) -> Result<String, String> {
    match map.get("at") {
        None => Ok(String::new()),
        Some(Value::String(s))
            if s.starts_with('/') && pointer::parse(&format!("#{s}")).is_some() =>
        {
            Ok(s.clone())
        }
        Some(_) => Err("`at` is not a JSON pointer starting with `/`".into()),
    }
}

fn only_keys(map: &Mapping, allowed: &[&str]) -> Result<(), String> {
    for key in map.keys() {
        let key = key.as_str().unwrap_or_default();
        if !allowed.contains(&key) {
            return Err(format!("unknown key `{key}` ({})", allowed.join(", ")));
        }
    }
    Ok(())
}

fn parse_optional(item: &Value) -> Result<KeptOptional, String> {
    let map = item.as_mapping().ok_or("not a mapping")?;
    only_keys(map, &["schema", "at", "field", "required_in"])?;
    Ok(KeptOptional {
        schema: text_of(map, "schema")?,
        at: parse_at(map)?,
        field: text_of(map, "field")?,
        required_in: text_of(map, "required_in")?,
    })
}

fn parse_value(item: &Value) -> Result<RetainedValue, String> {
    let map = item.as_mapping().ok_or("not a mapping")?;
    only_keys(map, &["schema", "at", "value", "dropped_in"])?;
    let value = map.get("value").cloned().ok_or("`value` is missing")?;
    Ok(RetainedValue {
        schema: text_of(map, "schema")?,
        at: parse_at(map)?,
        value,
        dropped_in: text_of(map, "dropped_in")?,
    })
}

fn parse_schema(item: &Value) -> Result<RetainedSchema, String> {
    let map = item.as_mapping().ok_or("not a mapping")?;
    for key in map.keys() {
        let key = key.as_str().unwrap_or_default();
        if !matches!(key, "name" | "dropped_in" | "schema") {
            return Err(format!("unknown key `{key}` (name, dropped_in, schema)"));
        }
    }
    let schema = map
        .get("schema")
        .filter(|p| p.is_mapping())
        .cloned()
        .ok_or("`schema` is missing or not a mapping")?;
    Ok(RetainedSchema {
        name: text_of(map, "name")?,
        dropped_in: text_of(map, "dropped_in")?,
        schema,
    })
}

pub(super) fn object_at<'a>(schema: &'a Value, at: &str) -> Option<&'a Value> {
    if at.is_empty() {
        return Some(schema);
    }
    let tokens = pointer::parse(&format!("#{at}"))?;
    pointer::resolve(schema, &tokens)
}

pub(super) fn object_at_mut<'a>(schema: &'a mut Value, at: &str) -> Option<&'a mut Value> {
    if at.is_empty() {
        return Some(schema);
    }
    let tokens = pointer::parse(&format!("#{at}"))?;
    tokens.iter().try_fold(schema, |node, token| match node {
        Value::Mapping(map) => map.get_mut(token.as_str()),
        Value::Sequence(items) => token.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        _ => None,
    })
}

pub(super) fn has_property(object: &Value, field: &str) -> bool {
    object
        .get("properties")
        .and_then(Value::as_mapping)
        .is_some_and(|p| p.contains_key(field))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> RetainedField {
        RetainedField {
            schema: "Fill".into(),
            at: String::new(),
            field: name.into(),
            dropped_in: "9.9.9".into(),
            property: serde_yaml_ng::from_str("{type: integer, format: int64}").unwrap(),
        }
    }

    #[test]
    fn render_parses_back_to_the_same_list() {
        let list = Retained {
            fields: vec![field("ts"), field("action")],
            schemas: vec![RetainedSchema {
                name: "Gone".into(),
                dropped_in: "9.9.9".into(),
                schema: serde_yaml_ng::from_str("{type: string}").unwrap(),
            }],
            optional: vec![KeptOptional {
                schema: "Order".into(),
                at: String::new(),
                field: "user_id".into(),
                required_in: "9.9.9".into(),
            }],
            values: vec![RetainedValue {
                schema: "OrderStatus".into(),
                at: String::new(),
                value: "executed".into(),
                dropped_in: "9.9.9".into(),
            }],
            sha256: None,
        }
        .sealed()
        .unwrap();
        let text = list.render().unwrap();
        let back = Retained::parse(text.as_bytes()).unwrap();
        assert_eq!(back, list);
        assert_eq!(back.fields[0].field, "action", "sorted by name");
        assert!(text.contains("dropped_in: '9.9.9'"), "{text}");
    }

    #[test]
    fn an_empty_list_renders_as_an_empty_list() {
        let text = Retained::none().render().unwrap();
        assert!(text.ends_with("\nretained: []\n"), "{text}");
        assert!(Retained::parse(text.as_bytes()).unwrap().is_empty());
    }

    #[test]
    fn refuses_bad_entries() {
        for (text, needle) in [
            ("retained: x\n", "not a list"),
            ("other: []\n", "unknown top-level key"),
            ("retained:\n- {schema: A, field: b, dropped_in: '1'}\n", "`property`"),
            (
                "retained:\n- {schema: A, field: b, dropped_in: '1', property: {}, why: x}\n",
                "unknown key `why`",
            ),
            (
                "retained:\n- {schema: A, at: x, field: b, dropped_in: '1', property: {}}\n",
                "`at`",
            ),
            (
                "retained:\n- {schema: A, field: b, dropped_in: '1', property: {}}\n- {schema: A, field: b, dropped_in: '1', property: {}}\n",
                "listed twice",
            ),
        ] {
            let err = Retained::parse(text.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn drop_named_refuses_unknown_names() {
        let mut list = Retained {
            fields: vec![field("ts")],
            ..Retained::default()
        };
        let err = list
            .drop_named(&["Fill.tss".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("Fill.ts"), "{err}");
        assert_eq!(list.drop_named(&["Fill.ts".into()]).unwrap(), ["Fill.ts"]);
        assert!(list.is_empty());
    }
}
