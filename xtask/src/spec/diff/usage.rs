//! Where each named schema is used: in requests, in responses, or both.
//! The stricter verdict applies to a schema used in both.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml_ng::Value;

use crate::spec::{model, pointer};

/// Where a schema is used: in what the client sends, in what it receives,
/// or both. The stricter verdict applies to a schema used in both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub request: bool,
    pub response: bool,
}

impl Usage {
    pub const REQUEST: Usage = Usage {
        request: true,
        response: false,
    };
    pub const RESPONSE: Usage = Usage {
        request: false,
        response: true,
    };

    fn union(self, other: Usage) -> Usage {
        Usage {
            request: self.request || other.request,
            response: self.response || other.response,
        }
    }

    /// `request`, `response` or `request, response`.
    pub fn describe(self) -> &'static str {
        match (self.request, self.response) {
            (true, true) => "request, response",
            (true, false) => "request",
            (false, true) => "response",
            (false, false) => "unused",
        }
    }
}

/// Where each named schema is used, in either document: a schema the old
/// client sends is judged as a request schema even if the new document
/// stopped sending it, and vice versa.
pub(crate) fn usages(old: &Value, new: &Value) -> BTreeMap<String, Usage> {
    let mut out: BTreeMap<String, Usage> = BTreeMap::new();
    for doc in [old, new] {
        for (name, usage) in usage_in(doc) {
            let slot = out.entry(name).or_default();
            *slot = slot.union(usage);
        }
    }
    out
}

fn usage_in(doc: &Value) -> BTreeMap<String, Usage> {
    let mut out: BTreeMap<String, Usage> = BTreeMap::new();
    for operation in model::operations(doc) {
        let mut request: Vec<&Value> = Vec::new();
        for list in [
            operation.item.get("parameters"),
            operation.operation.get("parameters"),
        ] {
            request.extend(list);
        }
        request.extend(operation.operation.get("requestBody"));
        let response: Vec<&Value> = operation.operation.get("responses").into_iter().collect();
        for (nodes, usage) in [(request, Usage::REQUEST), (response, Usage::RESPONSE)] {
            let mut seen = BTreeSet::new();
            for node in nodes {
                mark(doc, node, usage, &mut seen, &mut out);
            }
        }
    }
    out
}

/// Marks every schema reachable from `node` through `$ref`s with `usage`.
/// `seen` holds the refs already followed for this usage (cycles end there).
fn mark(
    doc: &Value,
    node: &Value,
    usage: Usage,
    seen: &mut BTreeSet<String>,
    out: &mut BTreeMap<String, Usage>,
) {
    match node {
        Value::Mapping(map) => {
            for (key, child) in map {
                if key.as_str() == Some("$ref") {
                    let Some(reference) = child.as_str() else {
                        continue;
                    };
                    if !seen.insert(reference.to_owned()) {
                        continue;
                    }
                    let Some(tokens) = pointer::parse(reference) else {
                        continue;
                    };
                    if let [components, section, name] = tokens.as_slice() {
                        if components == "components" && section == "schemas" {
                            let slot = out.entry(name.clone()).or_default();
                            *slot = slot.union(usage);
                        }
                    }
                    if let Some(target) = pointer::resolve(doc, &tokens) {
                        mark(doc, target, usage, seen, out);
                    }
                } else {
                    mark(doc, child, usage, seen, out);
                }
            }
        }
        Value::Sequence(items) => {
            for item in items {
                mark(doc, item, usage, seen, out);
            }
        }
        _ => {}
    }
}
