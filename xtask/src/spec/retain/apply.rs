//! Applying the list to a slice: putting back the retained fields, schemas
//! and enum values, and keeping the listed fields optional.

use serde_yaml_ng::{Mapping, Value};

use super::{
    object_at_mut, KeptOptional, Retained, RetainedField, RetainedSchema, DEFAULT_PATH,
    KEPT_OPTIONAL, MARKER, RETAINED_VALUES,
};
use crate::spec::slice::{Section, Slice};
use crate::spec::tolerance::Mode;
use crate::spec::SpecError;

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
    for entry in &list.optional {
        let Some(object) = schemas
            .get_mut(&entry.schema)
            .and_then(|schema| object_at_mut(schema, &entry.at))
            .and_then(Value::as_mapping_mut)
            .filter(|object| {
                object
                    .get("properties")
                    .and_then(Value::as_mapping)
                    .is_some_and(|p| p.contains_key(entry.field.as_str()))
            })
        else {
            if mode == Mode::Lenient {
                continue;
            }
            return Err(stale(format!(
                "`{}` (kept optional) names a field the document lacks",
                entry.name()
            )));
        };
        let required = object
            .get("required")
            .and_then(Value::as_sequence)
            .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(&entry.field)));
        match (required, mode) {
            (false, Mode::Import) => {
                return Err(stale(format!(
                    "upstream no longer requires `{}`",
                    entry.name()
                )))
            }
            (false, Mode::Lenient) => continue,
            _ => {}
        }
        if let Some(Value::Sequence(names)) = object.get_mut("required") {
            names.retain(|n| n.as_str() != Some(&entry.field));
            if names.is_empty() {
                object.shift_remove("required");
            }
        }
        if let Some(property) = object
            .get_mut("properties")
            .and_then(Value::as_mapping_mut)
            .and_then(|p| p.get_mut(entry.field.as_str()))
        {
            *property = kept_optional_property(property, entry);
        }
    }
    let mut kept_here: Vec<(String, String, Vec<Value>)> = Vec::new();
    for entry in &list.values {
        let Some(values) = schemas
            .get_mut(&entry.schema)
            .and_then(|schema| object_at_mut(schema, &entry.at))
            .and_then(|node| node.get_mut("enum"))
            .and_then(Value::as_sequence_mut)
        else {
            if mode == Mode::Lenient {
                continue;
            }
            return Err(stale(format!(
                "`{}` names an enum the document lacks",
                entry.name()
            )));
        };
        match (values.contains(&entry.value), mode) {
            (true, Mode::Import) => {
                return Err(stale(format!("upstream has `{}` again", entry.name())))
            }
            (true, Mode::Lenient) => continue,
            (true, _) => {}
            (false, _) => values.push(entry.value.clone()),
        }
        match kept_here
            .iter_mut()
            .find(|(s, a, _)| *s == entry.schema && *a == entry.at)
        {
            Some((_, _, list)) => list.push(entry.value.clone()),
            None => kept_here.push((
                entry.schema.clone(),
                entry.at.clone(),
                vec![entry.value.clone()],
            )),
        }
    }
    // The marker says which values are ours, so the next import does not
    // find them dropped again.
    for (schema, at, kept) in kept_here {
        if let Some(node) = schemas
            .get_mut(&schema)
            .and_then(|s| object_at_mut(s, &at))
            .and_then(Value::as_mapping_mut)
        {
            node.shift_remove(RETAINED_VALUES);
            node.insert(RETAINED_VALUES.into(), Value::Sequence(kept));
        }
    }
    Ok(())
}

/// The sentence the importer puts on a property it keeps optional.
pub fn kept_optional_description(entry: &KeptOptional) -> String {
    format!(
        "Kept optional (openapi/retained.yaml): upstream requires this field since {}; it stays an `Option` so that code using it still builds.",
        entry.required_in
    )
}

/// Rebuilds a property kept optional, its description upstream's then ours
/// (once: applying it to its own output changes nothing).
fn kept_optional_property(property: &Value, entry: &KeptOptional) -> Value {
    let ours = kept_optional_description(entry);
    let described = match property.get("description").and_then(Value::as_str) {
        Some(text) if text.ends_with(&ours) => text.to_owned(),
        Some(text) if !text.trim().is_empty() => format!("{text}\n\n{ours}"),
        _ => ours,
    };
    marked_property(property, described, KEPT_OPTIONAL, &entry.required_in)
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

/// Rebuilds a retained property, its description upstream's then ours; the
/// Rust field keeps its type (see [`marked_property`]).
fn retained_property(entry: &RetainedField) -> Value {
    let ours = description(entry);
    let described = match entry.property.get("description").and_then(Value::as_str) {
        Some(text) if !text.trim().is_empty() => format!("{text}\n\n{ours}"),
        _ => ours,
    };
    marked_property(&entry.property, described, MARKER, &entry.dropped_in)
}

/// A property as the importer writes one it marks: `description`, the marker
/// key with its version, then the property's own keywords but those two. A
/// `$ref` becomes the only member of an `allOf`, since OpenAPI 3.0 ignores a
/// `$ref`'s siblings; the generator turns that into the referenced type itself.
fn marked_property(property: &Value, described: String, marker: &str, version: &str) -> Value {
    let mut out = Mapping::new();
    out.insert("description".into(), described.into());
    out.insert(marker.into(), version.into());
    if let Some(map) = property.as_mapping() {
        if let Some(reference) = map.get("$ref") {
            let mut member = Mapping::new();
            member.insert("$ref".into(), reference.clone());
            out.insert(
                "allOf".into(),
                Value::Sequence(vec![Value::Mapping(member)]),
            );
        } else {
            for (key, value) in map {
                if !matches!(key.as_str(), Some("description")) && key.as_str() != Some(marker) {
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

/// Removes every retained property, schema and enum value from a parsed
/// slice, and requires again what was kept optional: what upstream itself
/// said. The rehearsal mutates
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
            if let Some(Value::Sequence(kept)) = map.shift_remove(RETAINED_VALUES) {
                if let Some(Value::Sequence(values)) = map.get_mut("enum") {
                    values.retain(|v| !kept.contains(v));
                }
            }
            let mut now_required = Vec::new();
            if let Some(Value::Mapping(props)) = map.get_mut("properties") {
                props.retain(|_, p| p.get(MARKER).is_none());
                for (name, p) in props.iter_mut() {
                    if let Some(p) = p.as_mapping_mut() {
                        if p.shift_remove(KEPT_OPTIONAL).is_some() {
                            now_required.push(name.clone());
                        }
                    }
                }
            }
            if !now_required.is_empty() {
                let required = map
                    .entry("required".into())
                    .or_insert_with(|| Value::Sequence(Vec::new()));
                if let Value::Sequence(required) = required {
                    required.extend(now_required);
                }
            }
            for (_, child) in map.iter_mut() {
                strip_properties(child);
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(strip_properties),
        _ => {}
    }
}
