//! Carrying the list over to a new upstream version: what stays retained,
//! what upstream undid, and what it newly dropped or tightened.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml_ng::Value;

use super::{
    has_property, object_at, KeptOptional, Retained, RetainedField, RetainedSchema, RetainedValue,
    KEPT_OPTIONAL, MARKER, RETAINED_VALUES,
};
use crate::spec::slice::{Section, Slice};
use crate::spec::{canonical, diff, pointer, SpecError};

/// What carrying the list over to a new upstream version did, one line
/// each, for the importer to print as warnings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Carried {
    /// Fields newly retained by this import.
    pub newly: Vec<String>,
    /// Fields newly kept optional by this import.
    pub newly_optional: Vec<String>,
    /// Enum values newly retained by this import.
    pub newly_values: Vec<String>,
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

    let mut optional = Vec::new();
    for entry in &list.optional {
        let object = schemas
            .get(&entry.schema)
            .and_then(|schema| object_at(schema, &entry.at));
        match object {
            Some(object)
                if has_property(object, &entry.field)
                    && crate::spec::model::required_names(object).contains(&entry.field) =>
            {
                carried.still.push(format!(
                    "{} optional (required since {})",
                    entry.name(),
                    entry.required_in
                ));
                optional.push(entry.clone());
            }
            _ => carried.released.push(format!(
                "{}: upstream no longer requires the field (or no longer has it), so it is no longer kept optional",
                entry.name()
            )),
        }
    }
    let mut values = Vec::new();
    for entry in &list.values {
        let listed = schemas
            .get(&entry.schema)
            .and_then(|schema| object_at(schema, &entry.at))
            .and_then(|node| node.get("enum"))
            .and_then(Value::as_sequence);
        match listed {
            Some(listed) if !listed.contains(&entry.value) => {
                carried
                    .still
                    .push(format!("{} (dropped in {})", entry.name(), entry.dropped_in));
                values.push(entry.clone());
            }
            _ => carried.released.push(format!(
                "{}: upstream has the value again (or no longer this enum), so it is no longer retained",
                entry.name()
            )),
        }
    }

    if let Some(previous) = previous {
        let new_doc = canonical::document(slice, &canonical::Provenance::default());
        let usages = diff::usages(previous, &new_doc);
        for (name, old_schema) in crate::spec::model::schemas(previous) {
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
            let mut found = Found::default();
            compare(old_schema, new_schema, "", &mut found);
            let version = &slice.upstream_version;
            for (at, field, property) in found.dropped {
                let entry = RetainedField {
                    schema: name.clone(),
                    at,
                    field,
                    dropped_in: version.clone(),
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
            for (at, field) in found.now_required {
                let entry = KeptOptional {
                    schema: name.clone(),
                    at,
                    field,
                    required_in: version.clone(),
                };
                if !optional
                    .iter()
                    .any(|o: &KeptOptional| o.name() == entry.name())
                {
                    carried.newly_optional.push(entry.name());
                    optional.push(entry);
                }
            }
            for (at, value) in found.dropped_values {
                let entry = RetainedValue {
                    schema: name.clone(),
                    at,
                    value,
                    dropped_in: version.clone(),
                };
                if !values
                    .iter()
                    .any(|v: &RetainedValue| v.name() == entry.name())
                {
                    carried.newly_values.push(entry.name());
                    values.push(entry);
                }
            }
        }
    }

    let schemas_needed = needed_schemas(&fields, list, previous, slice)?;
    let out = Retained {
        fields,
        schemas: schemas_needed,
        optional,
        values,
        sha256: None,
    }
    .sealed()?;
    Ok((out, carried))
}

/// What comparing an old schema with its new version found, each with the
/// place (`at`) inside the schema.
#[derive(Default)]
struct Found {
    /// Optional properties `old` has and `new` lacks: `(at, name, property)`.
    dropped: Vec<(String, String, Value)>,
    /// Properties `old` has optional (or lacks) and `new` requires: `(at, name)`.
    now_required: Vec<(String, String)>,
    /// Enum values `old` lists and `new` does not: `(at, value)`.
    dropped_values: Vec<(String, Value)>,
}

/// Compares `old` and `new` at every level of inline nesting the two share
/// (`properties`, `items`, `additionalProperties`, `not`, `allOf` / `oneOf` /
/// `anyOf` members). Required properties upstream dropped are left out:
/// their removal is breaking, and keeping them as optional would change
/// their type anyway. What `old` carries only because an earlier import
/// kept it (its markers say so) is not found again: whether it stays is up
/// to the list.
fn compare(old: &Value, new: &Value, at: &str, out: &mut Found) {
    if let (Some(was), Some(now)) = (
        old.get("enum").and_then(Value::as_sequence),
        new.get("enum").and_then(Value::as_sequence),
    ) {
        let kept = old.get(RETAINED_VALUES).and_then(Value::as_sequence);
        for value in was {
            if !now.contains(value) && !kept.is_some_and(|k| k.contains(value)) {
                out.dropped_values.push((at.to_owned(), value.clone()));
            }
        }
    }
    let old_required = crate::spec::model::required_names(old);
    let new_required = crate::spec::model::required_names(new);
    let new_props = new.get("properties").and_then(Value::as_mapping);
    if let Some(old_props) = old.get("properties").and_then(Value::as_mapping) {
        for (key, old_prop) in old_props {
            let Some(name) = key.as_str() else { continue };
            match new_props.and_then(|p| p.get(name)) {
                Some(new_prop) => {
                    if !old_required.iter().any(|r| r == name)
                        && new_required.iter().any(|r| r == name)
                        && old_prop.get(KEPT_OPTIONAL).is_none()
                    {
                        out.now_required.push((at.to_owned(), name.to_owned()));
                    }
                    let inner = format!("{at}/properties/{}", pointer::escape(name));
                    compare(old_prop, new_prop, &inner, out);
                }
                None if old_prop.get(MARKER).is_some() => {}
                None if old_required.iter().any(|r| r == name) => {}
                None => {
                    let mut property = old_prop.clone();
                    if let Some(map) = property.as_mapping_mut() {
                        map.shift_remove(KEPT_OPTIONAL);
                    }
                    out.dropped.push((at.to_owned(), name.to_owned(), property));
                }
            }
        }
    }
    // A field upstream adds as required would be a non-`Option` field, which
    // every struct the sandbox builds (through the generated builders) would
    // then lack at run time: it arrives optional, as an added optional field
    // would, and stays so until someone releases it.
    if let Some(new_props) = new_props {
        let old_props = old.get("properties").and_then(Value::as_mapping);
        for key in new_props.keys() {
            let Some(name) = key.as_str() else { continue };
            if !old_props.is_some_and(|p| p.contains_key(name))
                && new_required.iter().any(|r| r == name)
            {
                out.now_required.push((at.to_owned(), name.to_owned()));
            }
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let (Some(o), Some(n)) = (old.get(key), new.get(key)) {
            if o.is_mapping() && n.is_mapping() {
                compare(o, n, &format!("{at}/{key}"), out);
            }
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let (Some(Value::Sequence(o)), Some(Value::Sequence(n))) = (old.get(key), new.get(key)) {
            for (i, (o, n)) in o.iter().zip(n).enumerate() {
                compare(o, n, &format!("{at}/{key}/{i}"), out);
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut found = Found::default();
        compare(&old, &new, "", &mut found);
        let names: Vec<(String, String)> = found
            .dropped
            .into_iter()
            .map(|(at, f, _)| (at, f))
            .collect();
        assert_eq!(
            names,
            [
                (String::new(), "b".to_owned()),
                ("/properties/c/items".to_owned(), "d".to_owned())
            ],
            "`a` was required, so it is not retained"
        );
    }
}
