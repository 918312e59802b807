//! Whether two schemas under different names describe the same JSON: a
//! schema renamed upstream (`Fill` → `Trade`, or an inline object given a
//! name) decodes exactly as before, so it is a rename, not a type change.

use serde_yaml_ng::Value;

use crate::spec::model;

/// The two nodes, after following `$ref`s and wrappers that only add
/// `nullable`, a default or constraints, have the same keywords and values,
/// prose and defaults aside, all the way down (nested `$ref`s are followed
/// the same way, so `array<Fill>` and `array<Trade>` match when `Fill` and
/// `Trade` do).
pub(super) fn same_shape(old_doc: &Value, old: &Value, new_doc: &Value, new: &Value) -> bool {
    same(old_doc, old, new_doc, new, 0)
}

/// Deep enough for any real schema; a cycle of refs stops here (as "not the
/// same", the cautious answer).
const MAX_DEPTH: usize = 32;

fn same(old_doc: &Value, old: &Value, new_doc: &Value, new: &Value, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match (old, new) {
        (Value::Mapping(_), Value::Mapping(_)) => {
            let (Some(old), Some(new)) = (unwrap(old_doc, old), unwrap(new_doc, new)) else {
                return false;
            };
            let (Some(old), Some(new)) = (old.as_mapping(), new.as_mapping()) else {
                return old == new;
            };
            let keys = |map: &serde_yaml_ng::Mapping| -> Vec<Value> {
                map.keys()
                    .filter(|k| !matches!(k.as_str(), Some("description" | "default")))
                    .cloned()
                    .collect()
            };
            let (old_keys, new_keys) = (keys(old), keys(new));
            old_keys.len() == new_keys.len()
                && old_keys
                    .iter()
                    .all(|key| match (old.get(key), new.get(key)) {
                        (Some(o), Some(n)) => same(old_doc, o, new_doc, n, depth + 1),
                        _ => false,
                    })
        }
        (Value::Sequence(old), Value::Sequence(new)) => {
            old.len() == new.len()
                && old
                    .iter()
                    .zip(new)
                    .all(|(o, n)| same(old_doc, o, new_doc, n, depth + 1))
        }
        _ => old == new,
    }
}

/// Follows `$ref`s and single typed `allOf` members to the node that says
/// what the JSON is.
fn unwrap<'a>(doc: &'a Value, node: &'a Value) -> Option<&'a Value> {
    let mut current = node;
    for _ in 0..16 {
        current = model::resolve(doc, current);
        let typed: Option<Vec<&Value>> =
            current
                .get("allOf")
                .and_then(Value::as_sequence)
                .map(|list| {
                    list.iter()
                        .filter(|m| !model::is_constraint_only(m))
                        .collect()
                });
        match typed {
            Some(members) if members.len() == 1 && current.get("properties").is_none() => {
                current = members[0];
            }
            _ => return Some(current),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(yaml: &str) -> Value {
        serde_yaml_ng::from_str(yaml).unwrap()
    }

    #[test]
    fn a_renamed_schema_with_the_same_properties_has_the_same_shape() {
        let old =
            doc("components: {schemas: {A: {type: object, properties: {x: {type: string}}}}}");
        let new = doc("components: {schemas: {B: {type: object, description: hi, properties: {x: {type: string}}}}}");
        let a = doc("{$ref: '#/components/schemas/A'}");
        let b = doc("{$ref: '#/components/schemas/B'}");
        assert!(same_shape(&old, &a, &new, &b));
        let other =
            doc("components: {schemas: {B: {type: object, properties: {x: {type: integer}}}}}");
        assert!(!same_shape(&old, &a, &other, &b));
    }
}
