//! Reachability and pruning: which parts of an upstream document belong to
//! the portfolio slice, and which keys of those parts are contract.
//!
//! The walk is typed: it knows, at every node, which OpenAPI 3.0 object it is
//! looking at. That is what makes pruning safe. `description` is prose in a
//! Schema but a *name* in a `properties` map; `x-request-id` is a vendor
//! extension on an Operation but a header name in a `headers` map. A generic
//! "delete every `description` key" pass would corrupt both.
//!
//! Everything here is a pure function over [`serde_yaml_ng::Value`]; reading
//! files and writing YAML live elsewhere.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml_ng::{Mapping, Value};

use super::canonical;
use super::extra_paths::ExtraPaths;
use super::pointer::{self, ROOT};
use super::SpecError;

/// The `components` sections the slice can carry. The variant order is the
/// canonical output order, so a `BTreeMap<Section, _>` iterates canonically.
///
/// `examples` is deliberately absent: examples are dropped, so nothing kept
/// can reach them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    SecuritySchemes,
    Parameters,
    RequestBodies,
    Responses,
    Headers,
    Schemas,
    Links,
    Callbacks,
}

impl Section {
    pub const ALL: [Section; 8] = [
        Section::SecuritySchemes,
        Section::Parameters,
        Section::RequestBodies,
        Section::Responses,
        Section::Headers,
        Section::Schemas,
        Section::Links,
        Section::Callbacks,
    ];

    /// The key of this section under `components`.
    pub fn key(self) -> &'static str {
        match self {
            Section::SecuritySchemes => "securitySchemes",
            Section::Parameters => "parameters",
            Section::RequestBodies => "requestBodies",
            Section::Responses => "responses",
            Section::Headers => "headers",
            Section::Schemas => "schemas",
            Section::Links => "links",
            Section::Callbacks => "callbacks",
        }
    }

    pub fn from_key(key: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.key() == key)
    }

    fn kind(self) -> Kind {
        match self {
            Section::SecuritySchemes => Kind::SecurityScheme,
            Section::Parameters => Kind::Parameter,
            Section::RequestBodies => Kind::RequestBody,
            Section::Responses => Kind::Response,
            Section::Headers => Kind::Header,
            Section::Schemas => Kind::Schema,
            Section::Links => Kind::Link,
            Section::Callbacks => Kind::Callback,
        }
    }
}

/// The contract part of an upstream document that concerns `/portfolio`,
/// already pruned. [`canonical`] turns it into the output document.
#[derive(Clone, Debug, PartialEq)]
pub struct Slice {
    /// The upstream `openapi` version string, e.g. `3.0.0`.
    pub openapi: String,
    pub upstream_title: String,
    pub upstream_version: String,
    pub servers: Option<Value>,
    pub security: Option<Value>,
    /// Kept path items by path; `BTreeMap` gives the lexicographic order.
    pub paths: BTreeMap<String, Value>,
    /// Reached components by section, then by name.
    pub components: BTreeMap<Section, BTreeMap<String, Value>>,
    /// Names of the top-level tags that kept operations use, upstream order.
    pub tags: Vec<String>,
}

impl Slice {
    /// Number of operations (method entries) across the kept paths.
    pub fn operation_count(&self) -> usize {
        self.paths
            .values()
            .filter_map(Value::as_mapping)
            .flat_map(Mapping::keys)
            .filter(|k| k.as_str().is_some_and(is_method))
            .count()
    }

    /// Number of kept components across all sections.
    pub fn component_count(&self) -> usize {
        self.components.values().map(BTreeMap::len).sum()
    }
}

/// Whether a path belongs to the slice. Matching is per path segment, so
/// `/portfolio` and `/portfolio/...` are kept but a hypothetical
/// `/portfolios` is not.
pub fn is_portfolio_path(path: &str) -> bool {
    path == "/portfolio" || path.starts_with("/portfolio/")
}

/// HTTP methods an OpenAPI 3.0 path item can hold, in canonical output order.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn is_method(key: &str) -> bool {
    METHODS.contains(&key)
}

/// Cuts the `/portfolio` slice, plus the paths of `extra`, out of a parsed
/// upstream document. With `strict`, a listed extra path the document lacks
/// is an error (`spec import`: a typo, or a path gone upstream); without, it
/// is skipped (the new side of `spec diff`, which reports the operations as
/// removed).
pub fn slice(doc: &Value, extra: &ExtraPaths, strict: bool) -> Result<Slice, SpecError> {
    let root = doc
        .as_mapping()
        .ok_or_else(|| SpecError::NotOpenApi("the top level is not a mapping".into()))?;
    let openapi = check_version(root)?;
    let (upstream_title, upstream_version) = read_info(root)?;
    let mut walker = Walker::default();

    let servers = root
        .get("servers")
        .map(|v| walker.prune_list(v, Kind::Server, &pointer::push(ROOT, "servers")))
        .transpose()?;
    let security = root
        .get("security")
        .map(|v| walker.security(v, &pointer::push(ROOT, "security")))
        .transpose()?;

    let paths_loc = pointer::push(ROOT, "paths");
    let source_paths = match root.get("paths") {
        None => return Err(SpecError::NoPortfolioPaths),
        Some(Value::Mapping(map)) => map,
        Some(_) => return Err(SpecError::malformed(&paths_loc, "`paths` is not a mapping")),
    };
    let mut paths = BTreeMap::new();
    for (key, item) in source_paths {
        let path = key
            .as_str()
            .ok_or_else(|| SpecError::malformed(&paths_loc, "a path key is not a string"))?;
        if is_portfolio_path(path) || extra.contains(path) {
            let kept = walker.prune(item, Kind::PathItem, &pointer::push(&paths_loc, path))?;
            paths.insert(path.to_owned(), kept);
        }
    }
    if !paths.keys().any(|path| is_portfolio_path(path)) {
        return Err(SpecError::NoPortfolioPaths);
    }
    if strict {
        if let Some(missing) = extra.entries.iter().find(|e| !paths.contains_key(&e.path)) {
            return Err(SpecError::ExtraPaths(format!(
                "{} lists `{}`, which the input does not have; remove or fix the entry",
                super::extra_paths::DEFAULT_PATH,
                missing.path
            )));
        }
    }
    check_operation_ids(&paths)?;

    let components = reach_components(root, &mut walker)?;
    let tags = kept_tags(root, &walker.tags)?;

    Ok(Slice {
        openapi,
        upstream_title,
        upstream_version,
        servers,
        security,
        paths,
        components,
        tags,
    })
}

/// Rejects two kept operations with one `operationId`: the generator names a
/// method after it and would fail later, with a message about Rust rather
/// than about the spec.
fn check_operation_ids(paths: &BTreeMap<String, Value>) -> Result<(), SpecError> {
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    for (path, item) in paths {
        for method in METHODS {
            let Some(id) = item
                .get(method)
                .and_then(|op| op.get("operationId"))
                .and_then(Value::as_str)
            else {
                continue;
            };
            let here = format!("{} {path}", method.to_ascii_uppercase());
            if let Some(first) = seen.insert(id, here.clone()) {
                return Err(SpecError::DuplicateOperationId {
                    id: id.to_owned(),
                    first,
                    second: here,
                });
            }
        }
    }
    Ok(())
}

/// Checks that every `$ref` in a whole document is local and resolves, and
/// that every security requirement names a defined scheme. Returns the number
/// of refs checked. Used as a self-check on our output, and usable on any
/// OpenAPI 3.0 document.
pub fn check_refs(doc: &Value) -> Result<usize, SpecError> {
    let root = doc
        .as_mapping()
        .ok_or_else(|| SpecError::NotOpenApi("the top level is not a mapping".into()))?;
    let mut walker = Walker::default();
    if let Some(security) = root.get("security") {
        walker.security(security, &pointer::push(ROOT, "security"))?;
    }
    if let Some(paths) = root.get("paths") {
        walker.prune_names(paths, Kind::PathItem, &pointer::push(ROOT, "paths"), true)?;
    }
    let components_loc = pointer::push(ROOT, "components");
    let components = root.get("components").and_then(Value::as_mapping);
    for section in Section::ALL {
        if let Some(entries) = components.and_then(|c| c.get(section.key())) {
            let loc = pointer::push(&components_loc, section.key());
            walker.prune_names(entries, section.kind(), &loc, false)?;
        }
    }

    let schemes = components
        .and_then(|c| c.get(Section::SecuritySchemes.key()))
        .and_then(Value::as_mapping);
    for (name, location) in &walker.schemes {
        if !schemes.is_some_and(|s| s.contains_key(name.as_str())) {
            return Err(SpecError::UndefinedSecurityScheme {
                name: name.clone(),
                location: location.clone(),
            });
        }
    }
    for found in &walker.refs {
        let tokens = found.local_tokens()?;
        if pointer::resolve(doc, &tokens).is_none() {
            return Err(found.dangling());
        }
    }
    Ok(walker.refs.len())
}

fn check_version(root: &Mapping) -> Result<String, SpecError> {
    match root.get("openapi") {
        Some(Value::String(v)) if is_openapi_3_0(v) => Ok(v.clone()),
        Some(v) => Err(SpecError::UnsupportedVersion {
            found: format!("openapi: {}", scalar_text(v)),
        }),
        None => match root.get("swagger") {
            Some(v) => Err(SpecError::UnsupportedVersion {
                found: format!("swagger: {}", scalar_text(v)),
            }),
            None => Err(SpecError::NotOpenApi(
                "there is no `openapi` version field".into(),
            )),
        },
    }
}

/// `3.0.N` with a numeric patch level (every 3.0 release is structurally the
/// same; 3.1 changed schema semantics and is rejected).
fn is_openapi_3_0(version: &str) -> bool {
    version
        .strip_prefix("3.0.")
        .is_some_and(|patch| !patch.is_empty() && patch.bytes().all(|b| b.is_ascii_digit()))
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        _ => "(not a scalar)".into(),
    }
}

fn read_info(root: &Mapping) -> Result<(String, String), SpecError> {
    let loc = pointer::push(ROOT, "info");
    let info = root
        .get("info")
        .and_then(Value::as_mapping)
        .ok_or_else(|| SpecError::malformed(&loc, "`info` is missing or not a mapping"))?;
    let title = match info.get("title") {
        Some(Value::String(s)) => s.clone(),
        _ => {
            return Err(SpecError::malformed(
                &loc,
                "`info.title` is missing or not a string",
            ))
        }
    };
    // A version like `2.0` is a float to a YAML parser; accept it as text.
    let version = match info.get("version") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(SpecError::malformed(
                &loc,
                "`info.version` is missing or not a string",
            ))
        }
    };
    Ok((title, version))
}

/// Follows refs and security requirements from the kept paths until nothing
/// new is reached, pruning each component on first reach.
fn reach_components(
    root: &Mapping,
    walker: &mut Walker,
) -> Result<BTreeMap<Section, BTreeMap<String, Value>>, SpecError> {
    let components_loc = pointer::push(ROOT, "components");
    let source = match root.get("components") {
        None => None,
        Some(Value::Mapping(map)) => Some(map),
        Some(_) => {
            return Err(SpecError::malformed(
                &components_loc,
                "`components` is not a mapping",
            ))
        }
    };
    let lookup = |section: Section, name: &str| {
        source
            .and_then(|c| c.get(section.key()))
            .and_then(Value::as_mapping)
            .and_then(|entries| entries.get(name))
    };

    let mut kept: BTreeMap<Section, BTreeMap<String, Value>> = BTreeMap::new();
    // Refs whose pointer goes below the component (`.../Foo/properties/bar`),
    // checked once all components are pruned.
    let mut deep = Vec::new();
    // Walk both queues by index, in discovery order, so the walk (and which
    // problem gets reported first) is deterministic. Security schemes first:
    // they cannot fail in ways that depend on refs.
    let (mut next_scheme, mut next_ref) = (0, 0);
    loop {
        let (section, name, missing) = if let Some((name, location)) =
            walker.schemes.get(next_scheme).cloned()
        {
            next_scheme += 1;
            let missing = SpecError::UndefinedSecurityScheme {
                name: name.clone(),
                location,
            };
            (Section::SecuritySchemes, name, missing)
        } else if let Some(found) = walker.refs.get(next_ref).cloned() {
            next_ref += 1;
            let tokens = found.local_tokens()?;
            let (section, name) = match tokens.as_slice() {
                [c, section, name, ..] if c == "components" => match Section::from_key(section) {
                    Some(section) => (section, name.clone()),
                    None => return Err(found.unsupported()),
                },
                _ => return Err(found.unsupported()),
            };
            if tokens.len() > 3 {
                deep.push((found.clone(), section, name.clone(), tokens[3..].to_vec()));
            }
            (section, name, found.dangling())
        } else {
            break;
        };
        if kept.get(&section).is_some_and(|m| m.contains_key(&name)) {
            continue;
        }
        let source = lookup(section, &name).ok_or(missing)?;
        let loc = pointer::push(&pointer::push(&components_loc, section.key()), &name);
        let pruned = walker.prune(source, section.kind(), &loc)?;
        kept.entry(section).or_default().insert(name, pruned);
    }

    // A deep pointer must resolve in what we keep, not merely upstream: it
    // could point into a key the pruning dropped.
    for (found, section, name, rest) in deep {
        let target = kept.get(&section).and_then(|m| m.get(&name));
        if target.and_then(|t| pointer::resolve(t, &rest)).is_none() {
            return Err(found.dangling());
        }
    }
    Ok(kept)
}

/// Top-level tag names used by kept operations, in upstream order; only the
/// names survive (the rest of a Tag object is prose).
fn kept_tags(root: &Mapping, used: &BTreeSet<String>) -> Result<Vec<String>, SpecError> {
    let loc = pointer::push(ROOT, "tags");
    let Some(tags) = root.get("tags") else {
        return Ok(Vec::new());
    };
    let tags = tags
        .as_sequence()
        .ok_or_else(|| SpecError::malformed(&loc, "`tags` is not a list"))?;
    let mut names = Vec::new();
    for (i, tag) in tags.iter().enumerate() {
        let name = tag.get("name").and_then(Value::as_str).ok_or_else(|| {
            SpecError::malformed(&pointer::push(&loc, &i.to_string()), "tag has no name")
        })?;
        if used.contains(name) && !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

/// The OpenAPI 3.0 object a node is, which decides what its keys mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    PathItem,
    Operation,
    Parameter,
    Header,
    RequestBody,
    Response,
    MediaType,
    Encoding,
    Link,
    Callback,
    Schema,
    SecurityScheme,
    OAuthFlows,
    OAuthFlow,
    Server,
    ServerVariable,
}

/// A `$ref` and where it was found.
#[derive(Clone, Debug)]
struct FoundRef {
    reference: String,
    location: String,
}

impl FoundRef {
    /// The pointer tokens of a local ref, or the error for a ref we cannot follow.
    fn local_tokens(&self) -> Result<Vec<String>, SpecError> {
        if !self.reference.starts_with("#/") {
            return Err(SpecError::NonLocalRef {
                reference: self.reference.clone(),
                location: self.location.clone(),
            });
        }
        pointer::parse(&self.reference).ok_or_else(|| self.unsupported())
    }

    fn dangling(&self) -> SpecError {
        SpecError::DanglingRef {
            reference: self.reference.clone(),
            location: self.location.clone(),
        }
    }

    fn unsupported(&self) -> SpecError {
        SpecError::UnsupportedRef {
            reference: self.reference.clone(),
            location: self.location.clone(),
        }
    }
}

/// Prunes nodes and records what they point at.
#[derive(Default)]
struct Walker {
    /// Every `$ref` met, in walk order.
    refs: Vec<FoundRef>,
    /// Every security scheme name met in a requirement, with its location.
    schemes: Vec<(String, String)>,
    /// Operation tags met.
    tags: BTreeSet<String>,
}

impl Walker {
    /// Prunes one OpenAPI object of the given kind.
    fn prune(&mut self, value: &Value, kind: Kind, loc: &str) -> Result<Value, SpecError> {
        // A Callback is a map from runtime expressions to path items; its keys
        // are names, not fields.
        if kind == Kind::Callback {
            return self.prune_names(value, Kind::PathItem, loc, true);
        }
        let map = value.as_mapping().ok_or_else(|| {
            SpecError::malformed(loc, format!("expected a {kind:?} object (a mapping)"))
        })?;
        let mut out = Mapping::new();
        for (key, child) in map {
            let key = key.as_str().ok_or_else(|| {
                SpecError::malformed(loc, format!("a {kind:?} key is not a string"))
            })?;
            if let Some(kept) = self.field(kind, key, child, &pointer::push(loc, key))? {
                out.insert(Value::String(key.to_owned()), kept);
            }
        }
        match kind {
            Kind::Response => ensure_response_description(&mut out),
            Kind::PathItem => out = canonical::order_path_item(out),
            _ => {}
        }
        Ok(Value::Mapping(out))
    }

    /// Decides what happens to one field of an object: `None` drops it,
    /// otherwise the (possibly pruned) value is kept.
    fn field(
        &mut self,
        kind: Kind,
        key: &str,
        value: &Value,
        loc: &str,
    ) -> Result<Option<Value>, SpecError> {
        use Kind::*;
        // Vendor extensions are never contract.
        if key.starts_with("x-") {
            return Ok(None);
        }
        if key == "$ref" {
            self.record_ref(value, loc)?;
            return Ok(Some(value.clone()));
        }
        let kept = match (kind, key) {
            // OpenAPI 3.0 (and `openapiv3`, which build.rs parses with)
            // requires a Response description, so it stays, emptied.
            (Response, "description") => Value::String(String::new()),
            // What a schema, a property, a parameter or an operation *is* stays:
            // progenitor turns it into the rustdoc of the generated type, field,
            // setter or method, where a user reads it. `spec diff` compares no
            // prose, so a reworded description is no change.
            (Schema | Parameter | Operation, "description") => value.clone(),
            (Operation, "summary") => value.clone(),
            (_, "description" | "summary" | "example" | "examples" | "externalDocs") => {
                return Ok(None)
            }
            // Literal data: a `default` object may well have a key named
            // `description` or `$ref`, and it is data, not structure.
            (_, "default" | "enum") => value.clone(),

            (PathItem, method) if is_method(method) => self.prune(value, Operation, loc)?,
            (PathItem | Operation, "parameters") => self.prune_list(value, Parameter, loc)?,
            (PathItem | Operation, "servers") => self.prune_list(value, Server, loc)?,
            (Operation, "requestBody") => self.prune(value, RequestBody, loc)?,
            // Responses and Callback objects allow `x-` extensions beside
            // their names; the other maps below are pure name maps, where a
            // key like `x-request-id` (a header) is a name to keep.
            (Operation, "responses") => self.prune_names(value, Response, loc, true)?,
            (Operation, "callbacks") => self.prune_names(value, Callback, loc, false)?,
            (Operation, "security") => self.security(value, loc)?,
            (Operation, "tags") => self.operation_tags(value, loc)?,

            (Parameter | Header | MediaType, "schema") => self.prune(value, Schema, loc)?,
            (Parameter | Header | RequestBody | Response, "content") => {
                self.prune_names(value, MediaType, loc, false)?
            }
            (MediaType, "encoding") => self.prune_names(value, Encoding, loc, false)?,
            (Response | Encoding, "headers") => self.prune_names(value, Header, loc, false)?,
            (Response, "links") => self.prune_names(value, Link, loc, false)?,
            // Runtime expressions and literal payloads: data.
            (Link, "parameters" | "requestBody") => value.clone(),
            (Link, "server") => self.prune(value, Server, loc)?,

            (Server, "variables") => self.prune_names(value, ServerVariable, loc, false)?,
            (SecurityScheme, "flows") => self.prune(value, OAuthFlows, loc)?,
            (OAuthFlows, _) => self.prune(value, OAuthFlow, loc)?,
            (OAuthFlow, "scopes") => blank_scope_descriptions(value, loc)?,

            (Schema, "properties") => self.prune_names(value, Schema, loc, false)?,
            (Schema, "items" | "not") => self.prune(value, Schema, loc)?,
            (Schema, "additionalProperties") if value.is_mapping() => {
                self.prune(value, Schema, loc)?
            }
            (Schema, "allOf" | "oneOf" | "anyOf") => self.prune_list(value, Schema, loc)?,
            (Schema, "discriminator") => self.discriminator(value, loc)?,

            // Any other keyword (type, format, required, nullable, minimum,
            // pattern, operationId, in, name, style, ...) is contract and
            // kept as is; refs hidden in unusual places are still followed so
            // the output stays closed under `$ref`.
            _ => {
                self.scan_refs(value, loc)?;
                value.clone()
            }
        };
        Ok(Some(kept))
    }

    /// Prunes a list of objects of one kind.
    fn prune_list(&mut self, value: &Value, kind: Kind, loc: &str) -> Result<Value, SpecError> {
        let items = value.as_sequence().ok_or_else(|| {
            SpecError::malformed(loc, format!("expected a list of {kind:?} objects"))
        })?;
        let pruned = items
            .iter()
            .enumerate()
            .map(|(i, item)| self.prune(item, kind, &pointer::push(loc, &i.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Value::Sequence(pruned))
    }

    /// Prunes a map whose keys are names (paths, status codes, property
    /// names, media types, ...) and whose values are objects of one kind.
    /// Keys are kept verbatim; with `extensions`, `x-` keys are extensions
    /// and dropped.
    fn prune_names(
        &mut self,
        value: &Value,
        kind: Kind,
        loc: &str,
        extensions: bool,
    ) -> Result<Value, SpecError> {
        let map = value.as_mapping().ok_or_else(|| {
            SpecError::malformed(loc, format!("expected a mapping of {kind:?} objects"))
        })?;
        let mut out = Mapping::new();
        for (key, child) in map {
            let name = match key {
                Value::String(s) => s.clone(),
                // An unquoted status code (`200:`) reads as a number.
                Value::Number(n) if kind == Kind::Response => n.to_string(),
                _ => return Err(SpecError::malformed(loc, "a name key is not a string")),
            };
            if extensions && name.starts_with("x-") {
                continue;
            }
            let pruned = self.prune(child, kind, &pointer::push(loc, &name))?;
            if out.insert(Value::String(name.clone()), pruned).is_some() {
                return Err(SpecError::malformed(loc, format!("duplicate key `{name}`")));
            }
        }
        Ok(Value::Mapping(out))
    }

    /// Records the scheme names of a list of security requirements; the list
    /// itself is kept verbatim (names and scopes are all contract).
    fn security(&mut self, value: &Value, loc: &str) -> Result<Value, SpecError> {
        let requirements = value
            .as_sequence()
            .ok_or_else(|| SpecError::malformed(loc, "`security` is not a list"))?;
        for (i, requirement) in requirements.iter().enumerate() {
            let item_loc = pointer::push(loc, &i.to_string());
            let requirement = requirement.as_mapping().ok_or_else(|| {
                SpecError::malformed(&item_loc, "a security requirement is not a mapping")
            })?;
            for name in requirement.keys() {
                let name = name.as_str().ok_or_else(|| {
                    SpecError::malformed(&item_loc, "a security scheme name is not a string")
                })?;
                self.schemes.push((name.to_owned(), item_loc.clone()));
            }
        }
        Ok(value.clone())
    }

    fn operation_tags(&mut self, value: &Value, loc: &str) -> Result<Value, SpecError> {
        let tags = value
            .as_sequence()
            .ok_or_else(|| SpecError::malformed(loc, "operation `tags` is not a list"))?;
        for tag in tags {
            let tag = tag
                .as_str()
                .ok_or_else(|| SpecError::malformed(loc, "an operation tag is not a string"))?;
            self.tags.insert(tag.to_owned());
        }
        Ok(value.clone())
    }

    /// Keeps a discriminator and follows its mapping targets, which are
    /// either refs or bare schema names.
    fn discriminator(&mut self, value: &Value, loc: &str) -> Result<Value, SpecError> {
        let map = value
            .as_mapping()
            .ok_or_else(|| SpecError::malformed(loc, "`discriminator` is not a mapping"))?;
        let mut out = Mapping::new();
        for (key, child) in map {
            let key = key
                .as_str()
                .ok_or_else(|| SpecError::malformed(loc, "a discriminator key is not a string"))?;
            if key.starts_with("x-") {
                continue;
            }
            if key == "mapping" {
                let mapping_loc = pointer::push(loc, key);
                let targets = child
                    .as_mapping()
                    .ok_or_else(|| SpecError::malformed(&mapping_loc, "not a mapping"))?;
                for (value_name, target) in targets {
                    let target = target.as_str().ok_or_else(|| {
                        SpecError::malformed(&mapping_loc, "a discriminator target is not a string")
                    })?;
                    let reference = if target.contains('/') || target.contains('#') {
                        target.to_owned()
                    } else {
                        format!("#/components/schemas/{}", pointer::escape(target))
                    };
                    let at = pointer::push(&mapping_loc, value_name.as_str().unwrap_or_default());
                    self.refs.push(FoundRef {
                        reference,
                        location: at,
                    });
                }
            }
            out.insert(Value::String(key.to_owned()), child.clone());
        }
        Ok(Value::Mapping(out))
    }

    fn record_ref(&mut self, value: &Value, loc: &str) -> Result<(), SpecError> {
        let reference = value
            .as_str()
            .ok_or_else(|| SpecError::malformed(loc, "`$ref` is not a string"))?;
        self.refs.push(FoundRef {
            reference: reference.to_owned(),
            location: loc.to_owned(),
        });
        Ok(())
    }

    /// Finds `$ref`s anywhere inside a value kept verbatim.
    fn scan_refs(&mut self, value: &Value, loc: &str) -> Result<(), SpecError> {
        match value {
            Value::Mapping(map) => {
                for (key, child) in map {
                    let key = key.as_str().unwrap_or_default();
                    let child_loc = pointer::push(loc, key);
                    if key == "$ref" {
                        self.record_ref(child, &child_loc)?;
                    } else {
                        self.scan_refs(child, &child_loc)?;
                    }
                }
            }
            Value::Sequence(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.scan_refs(item, &pointer::push(loc, &i.to_string()))?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// A Response must have a description (OpenAPI 3.0), so one without it gets
/// an empty one; a Reference object in a response slot must not get one.
fn ensure_response_description(response: &mut Mapping) {
    if response.contains_key("$ref") {
        response.shift_remove("description");
    } else if !response.contains_key("description") {
        let rest = std::mem::take(response);
        response.insert("description".into(), Value::String(String::new()));
        response.extend(rest);
    }
}

/// OAuth scope descriptions are prose, but the map is required and its keys
/// are the scope names, so the keys stay and the values are emptied.
fn blank_scope_descriptions(value: &Value, loc: &str) -> Result<Value, SpecError> {
    let scopes = value
        .as_mapping()
        .ok_or_else(|| SpecError::malformed(loc, "`scopes` is not a mapping"))?;
    Ok(Value::Mapping(
        scopes
            .keys()
            .map(|k| (k.clone(), Value::String(String::new())))
            .collect(),
    ))
}
