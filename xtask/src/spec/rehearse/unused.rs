//! Mutations aimed by the usage list (openapi/facade-usage.txt): changes the
//! rules call breaking, made to something no handwritten code uses, which
//! the diff must therefore call non-breaking and which must build and pass
//! the tests untouched; and their counterparts on something it does use.
//!
//! The target is picked from the document and the list each time (the first
//! fit in name order), so the rehearsal keeps testing the class of change as
//! the facade and the spec move, not one field that may since have become
//! used.

use serde_yaml_ng::Value;

use super::mutations::{key, mapping_at, Applied, RENAMED_PREFIX};
use crate::codegen::REPLACED_SCHEMAS;
use crate::spec::facade_usage::{loose, FacadeUsage, Item};
use crate::spec::model;
use crate::spec::surface::method_name;

fn usage() -> Result<FacadeUsage, String> {
    FacadeUsage::checked_in()
}

/// Whether handwritten code names the generated type of `schema` (the
/// type, its builder or a variant).
fn named(usage: &FacadeUsage, schema: &str) -> bool {
    REPLACED_SCHEMAS.iter().any(|(name, _)| *name == schema)
        || usage
            .find(|item| {
                matches!(item, Item::Type(_) | Item::Builder(_) | Item::Variant(..))
                    && loose(item.owner()) == loose(schema)
            })
            .next()
            .is_some()
}

/// Whether handwritten code reads, sets or decodes (test data) the field.
fn field_used(usage: &FacadeUsage, schema: &str, field: &str) -> bool {
    usage
        .find(|item| match item {
            Item::Field(..) | Item::Set(..) => {
                loose(item.owner()) == loose(schema)
                    && item.member().is_some_and(|m| loose(m) == loose(field))
            }
            Item::Wire(name) => loose(name) == loose(field),
            _ => false,
        })
        .next()
        .is_some()
}

fn schema_names(doc: &Value) -> Vec<String> {
    let mut names: Vec<String> = model::schemas(doc)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    names.sort();
    names
}

fn references(node: &Value, target: &str) -> usize {
    match node {
        Value::Mapping(map) => map
            .iter()
            .map(|(k, v)| {
                usize::from(k.as_str() == Some("$ref") && v.as_str() == Some(target))
                    + references(v, target)
            })
            .sum(),
        Value::Sequence(items) => items.iter().map(|v| references(v, target)).sum(),
        _ => 0,
    }
}

/// Renames the first referenced schema whose generated type handwritten
/// code never names (a `type_renamed` change no handwritten line feels).
pub fn rename_unnamed_schema(doc: &mut Value) -> Result<Applied, String> {
    let usage = usage()?;
    let target = schema_names(doc).into_iter().find(|name| {
        !named(&usage, name) && references(doc, &format!("#/components/schemas/{name}")) > 0
    });
    let Some(schema) = target else {
        return Ok(Applied::NotApplicable(
            "handwritten code names every referenced schema".into(),
        ));
    };
    super::mutations::rename_schema_to(doc, &schema, &format!("{RENAMED_PREFIX}{schema}"))
}

/// The first plain string property (no format, enum, default or constraint) of a
/// schema handwritten code uses, in name order, that handwritten code
/// neither reads nor sets nor carries in test data (`used == false`), or
/// the first it reads or sets (`used == true`).
fn string_field(doc: &Value, usage: &FacadeUsage, used: bool) -> Option<(String, String)> {
    for schema in schema_names(doc) {
        let uses_schema = usage
            .find(|item| {
                matches!(item, Item::Field(..) | Item::Set(..))
                    && loose(item.owner()) == loose(&schema)
            })
            .next()
            .is_some();
        if !uses_schema {
            continue;
        }
        let Some(props) = doc["components"]["schemas"][schema.as_str()]
            .get("properties")
            .and_then(Value::as_mapping)
        else {
            continue;
        };
        let mut names: Vec<&str> = props.keys().filter_map(Value::as_str).collect();
        names.sort_unstable();
        for field in names {
            // Prose and flags aside, nothing but `type: string` (a default
            // or a format would not fit an integer).
            let plain = props
                .get(field)
                .and_then(Value::as_mapping)
                .is_some_and(|p| {
                    p.get("type").and_then(Value::as_str) == Some("string")
                        && p.keys().all(|k| {
                            matches!(
                                k.as_str(),
                                Some("type" | "description" | "deprecated" | "nullable")
                            )
                        })
                });
            if plain && field_used(usage, &schema, field) == used {
                return Some((schema, field.to_owned()));
            }
        }
    }
    None
}

fn retype(doc: &mut Value, schema: &str, field: &str) -> Result<Applied, String> {
    let prop = mapping_at(doc, &["components", "schemas", schema, "properties", field])?;
    prop.insert(key("type"), key("integer"));
    prop.insert(key("format"), key("int64"));
    Ok(Applied::Changed(format!(
        "changed {schema}.{field} from string to integer"
    )))
}

/// Changes the type of a string field no handwritten code reads, sets or
/// carries in test data, in a schema it does use (`type_changed`).
pub fn retype_unused_field(doc: &mut Value) -> Result<Applied, String> {
    match string_field(doc, &usage()?, false) {
        Some((schema, field)) => retype(doc, &schema, &field),
        None => Ok(Applied::NotApplicable(
            "handwritten code uses every plain string field of the schemas it uses".into(),
        )),
    }
}

/// The same change to a string field handwritten code reads or sets: the
/// build (or the tests) must fail.
pub fn retype_used_field(doc: &mut Value) -> Result<Applied, String> {
    match string_field(doc, &usage()?, true) {
        Some((schema, field)) => retype(doc, &schema, &field),
        None => Err("handwritten code uses no plain string field".into()),
    }
}

/// Removes the first operation (by `operationId`) whose generated method
/// handwritten code never calls (`operation_removed`).
pub fn remove_uncalled_operation(doc: &mut Value) -> Result<Applied, String> {
    let usage = usage()?;
    let mut candidates: Vec<(String, String, String)> = Vec::new();
    let paths = mapping_at(doc, &["paths"])?;
    for (path, item) in paths.iter() {
        let Some(item) = item.as_mapping() else {
            continue;
        };
        for (method, op) in item {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let called = usage
                .find(|used| used.same_as(&Item::Operation(method_name(id))))
                .next()
                .is_some();
            if !called {
                candidates.push((
                    id.to_owned(),
                    path.as_str().unwrap_or_default().to_owned(),
                    method.as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
    }
    candidates.sort();
    let Some((id, path, method)) = candidates.into_iter().next() else {
        return Ok(Applied::NotApplicable(
            "handwritten code calls every operation".into(),
        ));
    };
    let item = mapping_at(doc, &["paths", &path])?;
    item.shift_remove(method.as_str());
    let empty = item
        .keys()
        .all(|k| matches!(k.as_str(), Some("parameters" | "summary" | "description")));
    if empty {
        mapping_at(doc, &["paths"])?.shift_remove(path.as_str());
    }
    Ok(Applied::Changed(format!(
        "removed {id} ({} {path}), which handwritten code never calls",
        method.to_ascii_uppercase()
    )))
}
