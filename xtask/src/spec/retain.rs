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
//! Only fields of schemas used in responses alone are kept: a field removed
//! from a request schema is breaking (the client may still send it), and so
//! is a removed required field (its generated field is not an `Option`, and a
//! value that never arrives would fail every answer); those are the
//! maintainer's decision, and the compiler points at the code that needs it.
//! A schema that a retained field refers to, and that upstream dropped with
//! it, is retained too, so the slice stays closed under `$ref`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_yaml_ng::{Mapping, Value};

use super::diff;
use super::pointer;
use super::slice::{Section, Slice};
use super::tolerance::Mode;
use super::{canonical, sha256_hex, SpecError};

/// The list's file name; it lives beside the slice it belongs to.
pub const FILE_NAME: &str = "retained.yaml";

/// Where the checked-in list lives, relative to the workspace root.
pub const DEFAULT_PATH: &str = "openapi/retained.yaml";

/// The extension on a retained property (and schema) in the slice; its
/// value is the upstream version that dropped it.
pub const MARKER: &str = "x-kalshi-portfolio-retained";

/// The comment at the top of the list file.
const HEADER: &str = "\
# Written by `cargo xtask spec import`; do not edit by hand except to delete
# an entry (see openapi/README.md, \"Retained fields\").
#
# Optional response fields that upstream Kalshi dropped. The importer keeps
# each one in the slice, as it was before, so that handwritten code naming it
# still builds; it is never sent any more, so it decodes as `None` (or its
# default). A field stays here until upstream brings it back or you delete
# its entry (or run `spec import --drop-retained Schema.field`) and
# re-import; then the compiler points at the code that still uses it.
# `schemas` are components a retained field refers to that upstream dropped.
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
        self.fields.is_empty() && self.schemas.is_empty()
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
        if let Some(key) = root
            .keys()
            .find(|k| !matches!(k.as_str(), Some("retained" | "schemas")))
        {
            return Err(bad(format!(
                "unknown top-level key `{}` (retained, schemas)",
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
        self.sha256 = Some(sha256_hex(self.render()?.as_bytes()));
        Ok(self)
    }

    /// Removes the named entries (`Schema.field` as [`RetainedField::name`]
    /// gives it, or `all`); an unknown name is an error, so a typo does not
    /// pass silently.
    pub fn drop_named(&mut self, names: &[String]) -> Result<Vec<String>, SpecError> {
        if names.iter().any(|n| n == "all") {
            let dropped = self.fields.iter().map(RetainedField::name).collect();
            self.fields.clear();
            return Ok(dropped);
        }
        let mut dropped = Vec::new();
        for name in names {
            let before = self.fields.len();
            self.fields.retain(|f| &f.name() != name);
            if self.fields.len() == before {
                let known: Vec<String> = self.fields.iter().map(RetainedField::name).collect();
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

// ---------------------------------------------------------------------------
// Carrying the list over to a new upstream version
// ---------------------------------------------------------------------------

/// What carrying the list over to a new upstream version did, one line
/// each, for the importer to print as warnings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Carried {
    /// Fields newly retained by this import.
    pub newly: Vec<String>,
    /// Fields retained before and still.
    pub still: Vec<String>,
    /// Entries dropped because upstream has the field (or no longer has the
    /// schema): one sentence each.
    pub released: Vec<String>,
}

/// The list to apply to `slice` (upstream's new version, tolerances
/// applied): the entries of `list` that still apply, plus every optional
/// field of a response-only schema that `previous` (the slice being
/// replaced, as parsed from its file, markers included) had and upstream no
/// longer has. A property `previous` marks as retained is not re-detected:
/// whether it stays is up to `list`, so deleting its entry really drops it.
pub fn carry(
    previous: Option<&Value>,
    list: &Retained,
    slice: &Slice,
) -> Result<(Retained, Carried), SpecError> {
    let mut carried = Carried::default();
    let empty = BTreeMap::new();
    let schemas = slice.components.get(&Section::Schemas).unwrap_or(&empty);
    let mut fields = Vec::new();
    for entry in &list.fields {
        let Some(schema) = schemas.get(&entry.schema) else {
            carried.released.push(format!(
                "{}: upstream no longer has schema `{}`, so the field is no longer retained",
                entry.name(),
                entry.schema
            ));
            continue;
        };
        match object_at(schema, &entry.at) {
            Some(object) if has_property(object, &entry.field) => {
                carried.released.push(format!(
                    "{}: upstream has the field again, so it is no longer retained",
                    entry.name()
                ));
            }
            Some(_) => {
                carried.still.push(format!(
                    "{} (dropped in {})",
                    entry.name(),
                    entry.dropped_in
                ));
                fields.push(entry.clone());
            }
            None => carried.released.push(format!(
                "{}: schema `{}` no longer has `{}`, so the field is no longer retained",
                entry.name(),
                entry.schema,
                entry.at
            )),
        }
    }

    if let Some(previous) = previous {
        let new_doc = canonical::document(slice, &canonical::Provenance::default());
        let usages = diff::usages(previous, &new_doc);
        for (name, old_schema) in super::model::schemas(previous) {
            let Some(new_schema) = schemas.get(&name) else {
                continue;
            };
            if old_schema.get(MARKER).is_some() {
                continue;
            }
            let usage = usages.get(&name).copied().unwrap_or_default();
            if usage.request || !usage.response {
                continue;
            }
            let mut found = Vec::new();
            dropped_fields(old_schema, new_schema, "", &mut found);
            for (at, field, property) in found {
                let entry = RetainedField {
                    schema: name.clone(),
                    at,
                    field,
                    dropped_in: slice.upstream_version.clone(),
                    property,
                };
                if !fields
                    .iter()
                    .any(|f: &RetainedField| f.name() == entry.name())
                {
                    carried.newly.push(entry.name());
                    fields.push(entry);
                }
            }
        }
    }

    let schemas_needed = needed_schemas(&fields, list, previous, slice)?;
    let out = Retained {
        fields,
        schemas: schemas_needed,
        sha256: None,
    }
    .sealed()?;
    Ok((out, carried))
}

/// The optional properties `old` has and `new` lacks, at every level of
/// inline nesting the two share (`properties`, `items`,
/// `additionalProperties`, `allOf` / `oneOf` / `anyOf` members), as
/// `(at, name, property)`. Required ones are left out: their removal is
/// breaking, and keeping them as optional would change their type anyway.
fn dropped_fields(old: &Value, new: &Value, at: &str, out: &mut Vec<(String, String, Value)>) {
    let required = super::model::required_names(old);
    let new_props = new.get("properties").and_then(Value::as_mapping);
    if let Some(old_props) = old.get("properties").and_then(Value::as_mapping) {
        for (key, old_prop) in old_props {
            let Some(name) = key.as_str() else { continue };
            match new_props.and_then(|p| p.get(name)) {
                Some(new_prop) => {
                    let inner = format!("{at}/properties/{}", pointer::escape(name));
                    dropped_fields(old_prop, new_prop, &inner, out);
                }
                None if old_prop.get(MARKER).is_some() => {}
                None if required.iter().any(|r| r == name) => {}
                None => out.push((at.to_owned(), name.to_owned(), old_prop.clone())),
            }
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let (Some(o), Some(n)) = (old.get(key), new.get(key)) {
            if o.is_mapping() && n.is_mapping() {
                dropped_fields(o, n, &format!("{at}/{key}"), out);
            }
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let (Some(Value::Sequence(o)), Some(Value::Sequence(n))) = (old.get(key), new.get(key)) {
            for (i, (o, n)) in o.iter().zip(n).enumerate() {
                dropped_fields(o, n, &format!("{at}/{key}/{i}"), out);
            }
        }
    }
}

/// The component schemas the retained fields refer to (transitively) that
/// the new slice lacks, taken from the old list or else from the slice
/// being replaced.
fn needed_schemas(
    fields: &[RetainedField],
    list: &Retained,
    previous: Option<&Value>,
    slice: &Slice,
) -> Result<Vec<RetainedSchema>, SpecError> {
    let empty = BTreeMap::new();
    let present = slice.components.get(&Section::Schemas).unwrap_or(&empty);
    let mut queue: Vec<(String, String)> = Vec::new();
    for field in fields {
        for name in schema_refs(&field.property) {
            queue.push((name, field.name()));
        }
    }
    let mut out: Vec<RetainedSchema> = Vec::new();
    let mut seen = BTreeSet::new();
    while let Some((name, needed_by)) = queue.pop() {
        if present.contains_key(&name) || !seen.insert(name.clone()) {
            continue;
        }
        let entry = if let Some(kept) = list.schemas.iter().find(|s| s.name == name) {
            kept.clone()
        } else if let Some(schema) = previous.and_then(|p| {
            p.get("components")
                .and_then(|c| c.get("schemas"))
                .and_then(|s| s.get(name.as_str()))
        }) {
            let mut schema = schema.clone();
            if let Some(map) = schema.as_mapping_mut() {
                map.shift_remove(MARKER);
            }
            RetainedSchema {
                name: name.clone(),
                dropped_in: slice.upstream_version.clone(),
                schema,
            }
        } else {
            return Err(SpecError::Retained(format!(
                "retained field {needed_by} refers to schema `{name}`, which neither upstream nor the slice being replaced has"
            )));
        };
        for inner in schema_refs(&entry.schema) {
            queue.push((inner, name.clone()));
        }
        out.push(entry);
    }
    Ok(out)
}

/// The names of the component schemas a value refers to.
fn schema_refs(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_refs(value, &mut out);
    out
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            for (key, child) in map {
                if key.as_str() == Some("$ref") {
                    let tokens = child.as_str().and_then(pointer::parse);
                    if let Some([c, s, name]) = tokens.as_deref() {
                        if c == "components" && s == "schemas" {
                            out.push(name.clone());
                        }
                    }
                } else {
                    collect_refs(child, out);
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}

fn object_at<'a>(schema: &'a Value, at: &str) -> Option<&'a Value> {
    if at.is_empty() {
        return Some(schema);
    }
    let tokens = pointer::parse(&format!("#{at}"))?;
    pointer::resolve(schema, &tokens)
}

fn object_at_mut<'a>(schema: &'a mut Value, at: &str) -> Option<&'a mut Value> {
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

fn has_property(object: &Value, field: &str) -> bool {
    object
        .get("properties")
        .and_then(Value::as_mapping)
        .is_some_and(|p| p.contains_key(field))
}

// ---------------------------------------------------------------------------
// Applying the list
// ---------------------------------------------------------------------------

/// Puts the retained schemas and fields into `slice`. In [`Mode::Import`]
/// (and `spec check`'s re-import) the list must fit upstream exactly: an
/// entry whose schema is missing, or whose field upstream has, is an error
/// (re-run `spec import`, which releases such entries). In
/// [`Mode::Reapply`] (the vendored file re-sliced, which already has them)
/// existing properties are rebuilt in place. In [`Mode::Lenient`] (the new
/// side of a diff) entries that do not fit are skipped.
pub fn apply(slice: &mut Slice, list: &Retained, mode: Mode) -> Result<(), SpecError> {
    if list.is_empty() {
        return Ok(());
    }
    let stale = |what: String| {
        SpecError::Retained(format!(
            "{DEFAULT_PATH} does not fit this document: {what}; re-run `cargo xtask spec import`"
        ))
    };
    let schemas = slice.components.entry(Section::Schemas).or_default();
    for kept in &list.schemas {
        let exists = schemas.contains_key(&kept.name);
        match (exists, mode) {
            (true, Mode::Import) => {
                return Err(stale(format!("upstream has schema `{}` again", kept.name)))
            }
            (true, Mode::Lenient) => continue,
            _ => {
                schemas.insert(kept.name.clone(), retained_schema(kept));
            }
        }
    }
    for entry in &list.fields {
        let Some(object) = schemas
            .get_mut(&entry.schema)
            .and_then(|schema| object_at_mut(schema, &entry.at))
            .and_then(Value::as_mapping_mut)
        else {
            if mode == Mode::Lenient {
                continue;
            }
            return Err(stale(format!(
                "`{}` names a schema or place the document lacks",
                entry.name()
            )));
        };
        if let Some(Value::Sequence(names)) = object.get_mut("required") {
            names.retain(|n| n.as_str() != Some(&entry.field));
            if names.is_empty() {
                object.shift_remove("required");
            }
        }
        let properties = object
            .entry("properties".into())
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        let Some(properties) = properties.as_mapping_mut() else {
            return Err(stale(format!(
                "`{}`: `properties` is not a mapping",
                entry.name()
            )));
        };
        match (properties.contains_key(entry.field.as_str()), mode) {
            (true, Mode::Import) => {
                return Err(stale(format!("upstream has `{}` again", entry.name())))
            }
            (true, Mode::Lenient) => continue,
            _ => {
                properties.insert(entry.field.as_str().into(), retained_property(entry));
            }
        }
    }
    Ok(())
}

/// The sentence the importer puts on a retained property.
pub fn description(entry: &RetainedField) -> String {
    let decodes = match entry.property.get("default") {
        Some(value) => format!(
            "its default `{}`",
            serde_yaml_ng::to_string(value)
                .map(|s| s.trim_end().to_owned())
                .unwrap_or_default()
        ),
        None => "`None`".to_owned(),
    };
    format!(
        "Retained (openapi/retained.yaml): upstream dropped this field in {}; it is kept so that code naming it still builds, and it always decodes as {decodes}.",
        entry.dropped_in
    )
}

/// Rebuilds a retained property: `description` (upstream's, then ours), the
/// marker, then its own keywords. A `$ref` is wrapped in `allOf` (OpenAPI
/// 3.0 ignores a `$ref`'s siblings), which the generator turns into the
/// referenced type itself, so the Rust field keeps its type.
fn retained_property(entry: &RetainedField) -> Value {
    let mut out = Mapping::new();
    let ours = description(entry);
    let described = match entry.property.get("description").and_then(Value::as_str) {
        Some(text) if !text.trim().is_empty() => format!("{text}\n\n{ours}"),
        _ => ours,
    };
    out.insert("description".into(), described.into());
    out.insert(MARKER.into(), entry.dropped_in.as_str().into());
    if let Some(map) = entry.property.as_mapping() {
        if let Some(reference) = map.get("$ref") {
            let mut member = Mapping::new();
            member.insert("$ref".into(), reference.clone());
            out.insert(
                "allOf".into(),
                Value::Sequence(vec![Value::Mapping(member)]),
            );
        } else {
            for (key, value) in map {
                if !matches!(key.as_str(), Some("description")) && key.as_str() != Some(MARKER) {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
    }
    Value::Mapping(out)
}

fn retained_schema(kept: &RetainedSchema) -> Value {
    let mut out = Mapping::new();
    out.insert(MARKER.into(), kept.dropped_in.as_str().into());
    if let Some(map) = kept.schema.as_mapping() {
        for (key, value) in map {
            if key.as_str() != Some(MARKER) {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Mapping(out)
}

/// Removes every retained property and schema (those carrying [`MARKER`])
/// from a parsed slice: what upstream itself said. The rehearsal mutates
/// this, as an upstream release would not carry our retained fields.
pub fn strip(doc: &mut Value) {
    let Some(schemas) = doc
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .and_then(Value::as_mapping_mut)
    else {
        return;
    };
    schemas.retain(|_, schema| schema.get(MARKER).is_none());
    for (_, schema) in schemas.iter_mut() {
        strip_properties(schema);
    }
}

fn strip_properties(node: &mut Value) {
    match node {
        Value::Mapping(map) => {
            if let Some(Value::Mapping(props)) = map.get_mut("properties") {
                props.retain(|_, p| p.get(MARKER).is_none());
            }
            for (_, child) in map.iter_mut() {
                strip_properties(child);
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(strip_properties),
        _ => {}
    }
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
    fn finds_dropped_optional_fields_at_every_level() {
        let old: Value = serde_yaml_ng::from_str(
            "{required: [a], properties: {a: {type: string}, b: {type: string}, c: {type: array, items: {properties: {d: {type: string}, e: {type: string}}}}}}",
        )
        .unwrap();
        let new: Value = serde_yaml_ng::from_str(
            "{properties: {c: {type: array, items: {properties: {e: {type: string}}}}}}",
        )
        .unwrap();
        let mut found = Vec::new();
        dropped_fields(&old, &new, "", &mut found);
        let names: Vec<(String, String)> = found.into_iter().map(|(at, f, _)| (at, f)).collect();
        assert_eq!(
            names,
            [
                (String::new(), "b".to_owned()),
                ("/properties/c/items".to_owned(), "d".to_owned())
            ],
            "`a` was required, so it is not retained"
        );
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
