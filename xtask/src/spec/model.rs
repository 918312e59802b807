//! Read-only views of a sliced OpenAPI 3.0 document: its operations, their
//! parameters, bodies and responses, and a short type label for a schema.
//!
//! `spec diff` and `spec surface` both need to answer "what does this
//! operation take and return?" and must answer it the same way, or the
//! change report and the API-surface snapshot would disagree about what an
//! operation is. They work on documents already cut by the importer, so
//! every `$ref` is local and points into `#/components`.

use serde_yaml_ng::{Mapping, Value};

use super::pointer;
use super::slice::METHODS;

/// One operation: a method on a path.
#[derive(Clone, Copy, Debug)]
pub struct Operation<'a> {
    /// Lower-case, as written in the document.
    pub method: &'static str,
    pub path: &'a str,
    /// The path item, for path-level parameters.
    pub item: &'a Mapping,
    pub operation: &'a Mapping,
}

impl<'a> Operation<'a> {
    /// `GET /portfolio/fills`: how operations are identified across versions
    /// (an `operationId` may be renamed without the wire changing).
    pub fn key(&self) -> String {
        format!("{} {}", self.method.to_ascii_uppercase(), self.path)
    }

    pub fn id(&self) -> Option<&'a str> {
        self.operation.get("operationId").and_then(Value::as_str)
    }

    pub fn deprecated(&self) -> bool {
        self.operation.get("deprecated").and_then(Value::as_bool) == Some(true)
    }
}

/// Every operation, paths in document order (sorted, in a sliced document)
/// and methods in canonical order.
pub fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let Some(paths) = doc.get("paths").and_then(Value::as_mapping) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (path, item) in paths {
        let (Some(path), Some(item)) = (path.as_str(), item.as_mapping()) else {
            continue;
        };
        for method in METHODS {
            if let Some(operation) = item.get(method).and_then(Value::as_mapping) {
                out.push(Operation {
                    method,
                    path,
                    item,
                    operation,
                });
            }
        }
    }
    out
}

/// Sort key that puts operations in canonical order: by path, then method.
pub fn operation_order(key: &str) -> (String, usize) {
    let (method, path) = key.split_once(' ').unwrap_or((key, ""));
    let rank = METHODS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(method))
        .unwrap_or(METHODS.len());
    (path.to_owned(), rank)
}

/// Follows `$ref`s from `node` until a non-reference; a ref that does not
/// resolve (or a cycle of refs) leaves the last node reached.
pub fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    let mut current = node;
    // Ref-to-ref chains are short in practice; the bound only stops cycles.
    for _ in 0..16 {
        let Some(target) = current
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(pointer::parse)
            .and_then(|tokens| pointer::resolve(doc, &tokens))
        else {
            break;
        };
        current = target;
    }
    current
}

/// The component name a `$ref` node points at (`#/components/schemas/Fill`
/// gives `Fill`).
pub fn ref_name(node: &Value) -> Option<String> {
    let reference = node.get("$ref")?.as_str()?;
    pointer::parse(reference)?.pop()
}

/// A parameter after resolving its `$ref` and merging path-level ones.
#[derive(Clone, Debug)]
pub struct Parameter<'a> {
    pub name: String,
    /// `query`, `path`, `header` or `cookie`.
    pub location: String,
    pub required: bool,
    pub schema: Option<&'a Value>,
}

impl Parameter<'_> {
    /// `query ticker`: a parameter is identified by where and what.
    pub fn key(&self) -> String {
        format!("{} {}", self.location, self.name)
    }
}

/// The operation's parameters: path-level ones first, each replaced in place
/// by an operation-level one with the same name and location (OpenAPI's
/// override rule).
pub fn parameters<'a>(doc: &'a Value, operation: &Operation<'a>) -> Vec<Parameter<'a>> {
    let mut out: Vec<Parameter<'a>> = Vec::new();
    for list in [
        operation.item.get("parameters"),
        operation.operation.get("parameters"),
    ] {
        for raw in list.and_then(Value::as_sequence).into_iter().flatten() {
            let node = resolve(doc, raw);
            let (Some(name), Some(location)) = (
                node.get("name").and_then(Value::as_str),
                node.get("in").and_then(Value::as_str),
            ) else {
                continue;
            };
            let parameter = Parameter {
                name: name.to_owned(),
                location: location.to_owned(),
                // Path parameters are always required, whatever the flag says.
                required: location == "path"
                    || node.get("required").and_then(Value::as_bool) == Some(true),
                schema: node.get("schema"),
            };
            match out.iter_mut().find(|p| p.key() == parameter.key()) {
                Some(slot) => *slot = parameter,
                None => out.push(parameter),
            }
        }
    }
    out
}

/// The request body after resolving its `$ref`: whether it is required, and
/// its JSON schema (if it has one).
#[derive(Clone, Copy, Debug)]
pub struct RequestBody<'a> {
    pub required: bool,
    pub schema: Option<&'a Value>,
    /// The node holding `content`, for [`media_types`].
    pub node: &'a Value,
}

pub fn request_body<'a>(doc: &'a Value, operation: &Operation<'a>) -> Option<RequestBody<'a>> {
    let body = resolve(doc, operation.operation.get("requestBody")?);
    Some(RequestBody {
        required: body.get("required").and_then(Value::as_bool) == Some(true),
        schema: body_schema(body),
        node: body,
    })
}

/// One declared response after resolving its `$ref`.
#[derive(Clone, Debug)]
pub struct Response<'a> {
    /// `200`, `4XX`, `default`, ...
    pub status: String,
    /// The JSON body schema, `None` for a response without a body.
    pub schema: Option<&'a Value>,
    /// The media types of its `content`, in document order.
    pub media_types: Vec<String>,
}

impl Response<'_> {
    /// 2xx (or `2XX`): what the generated client decodes.
    pub fn is_success(&self) -> bool {
        self.status.starts_with('2')
    }
}

pub fn responses<'a>(doc: &'a Value, operation: &Operation<'a>) -> Vec<Response<'a>> {
    let Some(map) = operation
        .operation
        .get("responses")
        .and_then(Value::as_mapping)
    else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(status, response)| {
            let status = match status {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            let response = resolve(doc, response);
            Some(Response {
                status,
                schema: body_schema(response),
                media_types: media_types(response),
            })
        })
        .collect()
}

/// The JSON media type, the only one the generated client sends and
/// decodes.
pub const JSON: &str = "application/json";

/// The media types of a request body's or response's `content`.
pub fn media_types(node: &Value) -> Vec<String> {
    node.get("content")
        .and_then(Value::as_mapping)
        .map(|content| {
            content
                .keys()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The schema of a request body's or response's content: the JSON one if
/// there is one (that is what the generator uses), else the first.
fn body_schema(node: &Value) -> Option<&Value> {
    let content = node.get("content")?.as_mapping()?;
    content
        .get("application/json")
        .or_else(|| content.values().next())?
        .get("schema")
}

/// A short label for a schema's type, precise enough that two schemas with
/// the same label decode the same JSON shapes at this level: `string`,
/// `integer(int64)`, `array<Fill>`, `map<string>`, `object`, a component name
/// for a `$ref`. Nested object properties are compared separately.
pub fn type_label(node: &Value) -> String {
    if let Some(name) = ref_name(node) {
        return name;
    }
    let members = |key: &str| -> Option<Vec<String>> {
        node.get(key)
            .and_then(Value::as_sequence)
            .map(|list| list.iter().map(type_label).collect())
    };
    // `allOf: [$ref]` is how a spec adds `nullable` (or a default) to a
    // reference; it is the referenced type. Members that only constrain
    // (`{minimum: 0}`) do not change the type.
    if let Some(list) = node.get("allOf").and_then(Value::as_sequence) {
        let all: Vec<String> = list
            .iter()
            .filter(|member| !is_constraint_only(member))
            .map(type_label)
            .collect();
        if all.len() == 1 && node.get("properties").is_none() {
            return all.into_iter().next().unwrap_or_default();
        }
        if all.is_empty() && node.get("properties").is_none() {
            // Only constraints: the node's own keywords say the type.
            let mut plain = node.clone();
            if let Some(map) = plain.as_mapping_mut() {
                map.shift_remove("allOf");
            }
            return type_label(&plain);
        }
        return format!("allOf<{}>", all.join(" & "));
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(list) = members(key) {
            return format!("{key}<{}>", list.join(" | "));
        }
    }
    let declared = node.get("type").and_then(Value::as_str);
    let base = match declared {
        Some("array") => {
            return format!(
                "array<{}>",
                node.get("items")
                    .map_or_else(|| "any".to_owned(), type_label)
            )
        }
        Some("object") | None if node.get("properties").is_some() => "object".to_owned(),
        Some("object") | None => match node.get("additionalProperties") {
            Some(inner @ Value::Mapping(_)) => return format!("map<{}>", type_label(inner)),
            _ if declared.is_some() => "object".to_owned(),
            _ => "any".to_owned(),
        },
        Some(other) => other.to_owned(),
    };
    match node.get("format").and_then(Value::as_str) {
        Some(format) => format!("{base}({format})"),
        None => base,
    }
}

/// Keywords that restrict values without saying what type they have.
pub const CONSTRAINTS: [&str; 14] = [
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "readOnly",
];

/// An `allOf` member that only constrains: every key is a constraint (or
/// prose), e.g. `{minimum: 0}`.
pub fn is_constraint_only(node: &Value) -> bool {
    node.as_mapping().is_some_and(|map| {
        !map.is_empty()
            && map.keys().all(|k| {
                k.as_str()
                    .is_some_and(|k| CONSTRAINTS.contains(&k) || k == "description")
            })
    })
}

/// The constraints on a node, its own and those of its constraint-only
/// `allOf` members, as `keyword: value` text by keyword.
pub fn constraints(node: &Value) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut collect = |n: &Value| {
        for key in CONSTRAINTS {
            if let Some(value) = n.get(key) {
                let text = serde_yaml_ng::to_string(value)
                    .map(|s| s.trim_end().to_owned())
                    .unwrap_or_default();
                out.insert(key.to_owned(), format!("{key}: {text}"));
            }
        }
    };
    collect(node);
    for member in node
        .get("allOf")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter(|m| is_constraint_only(m))
    {
        collect(member);
    }
    out
}

/// The JSON scalar a schema stands for, following `$ref`s and single-member
/// `allOf` wrappers: `Some` for `string`, `integer`, `number` and `boolean`
/// schemas (enums included), `None` for objects, arrays, compositions and
/// untyped schemas.
pub fn scalar<'a>(doc: &'a Value, node: &'a Value) -> Option<&'a Value> {
    let mut current = node;
    for _ in 0..16 {
        current = resolve(doc, current);
        let typed: Option<Vec<&Value>> = current
            .get("allOf")
            .and_then(Value::as_sequence)
            .map(|list| list.iter().filter(|m| !is_constraint_only(m)).collect());
        match typed {
            Some(members) if members.len() == 1 && current.get("properties").is_none() => {
                current = members[0];
            }
            Some(members) if members.is_empty() => break,
            Some(_) => return None,
            None => break,
        }
    }
    let scalar_type = matches!(
        current.get("type").and_then(Value::as_str),
        Some("string" | "integer" | "number" | "boolean")
    );
    (scalar_type && current.get("properties").is_none()).then_some(current)
}

/// `nullable: true` on the node (or on its single-member `allOf` wrapper,
/// which is the same node).
pub fn is_nullable(node: &Value) -> bool {
    node.get("nullable").and_then(Value::as_bool) == Some(true)
}

/// The node's `enum` values as text, in order.
pub fn enum_values(node: &Value) -> Option<Vec<String>> {
    node.get("enum").and_then(Value::as_sequence).map(|values| {
        values
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => "null".to_owned(),
                other => serde_yaml_ng::to_string(other)
                    .map(|s| s.trim_end().to_owned())
                    .unwrap_or_default(),
            })
            .collect()
    })
}

/// The names in a schema's `required` list.
pub fn required_names(node: &Value) -> Vec<String> {
    node.get("required")
        .and_then(Value::as_sequence)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The schema's `properties`, in document order.
pub fn properties(node: &Value) -> Vec<(String, &Value)> {
    node.get("properties")
        .and_then(Value::as_mapping)
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v)))
                .collect()
        })
        .unwrap_or_default()
}

/// `components/schemas`, by name.
pub fn schemas(doc: &Value) -> Vec<(String, &Value)> {
    doc.get("components")
        .and_then(|c| c.get("schemas"))
        .and_then(Value::as_mapping)
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v)))
                .collect()
        })
        .unwrap_or_default()
}

/// `info.version`, or `?` when it is missing.
pub fn version(doc: &Value) -> String {
    match doc.get("info").and_then(|info| info.get("version")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => "?".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(yaml: &str) -> String {
        type_label(&serde_yaml_ng::from_str(yaml).unwrap())
    }

    #[test]
    fn labels() {
        assert_eq!(label("{$ref: '#/components/schemas/Fill'}"), "Fill");
        assert_eq!(
            label("{allOf: [{$ref: '#/components/schemas/E'}], nullable: true}"),
            "E"
        );
        assert_eq!(label("{type: integer, format: int64}"), "integer(int64)");
        assert_eq!(
            label("{type: array, items: {$ref: '#/components/schemas/F'}}"),
            "array<F>"
        );
        assert_eq!(label("{type: object, properties: {a: {}}}"), "object");
        assert_eq!(label("{properties: {a: {}}}"), "object");
        assert_eq!(
            label("{type: object, additionalProperties: {type: string}}"),
            "map<string>"
        );
        assert_eq!(label("{}"), "any");
        assert_eq!(
            label("{oneOf: [{type: string}, {type: number}]}"),
            "oneOf<string | number>"
        );
        // A constraint-only member does not change the type.
        assert_eq!(
            label("{allOf: [{$ref: '#/components/schemas/E'}, {minimum: 0}]}"),
            "E"
        );
        assert_eq!(label("{type: integer, allOf: [{minimum: 0}]}"), "integer");
    }

    #[test]
    fn operation_order_sorts_by_path_then_method() {
        let mut keys = vec!["POST /b", "GET /b", "DELETE /a"];
        keys.sort_by_key(|k| operation_order(k));
        assert_eq!(keys, ["DELETE /a", "GET /b", "POST /b"]);
    }
}
