//! The synthetic Kalshi releases a rehearsal tries: each one a change that
//! upstream makes routinely and that the diff rules call non-breaking, applied
//! to the vendored document in memory.
//!
//! They are small on purpose, one kind of change each, so that when the crate
//! stops building the failing mutation names the kind of change the
//! handwritten code is not ready for.
//!
//! A few ([`Mutation::expects_breaking`]) are the opposite: changes the wire
//! survives but the generated Rust types handwritten code names do not. They
//! keep the diff honest the other way: it must call them breaking, and the
//! build (or the tests) must fail.

use serde_yaml_ng::{Mapping, Value};

use super::unused;

/// The name given to every field, parameter, enum value and operation a
/// mutation adds: obviously synthetic, and unlikely to collide with anything
/// Kalshi will ever name.
pub const ADDED_NAME: &str = "rehearsal_added";

/// The path of the operation `add-get-operation` adds.
pub const ADDED_PATH: &str = "/portfolio/rehearsal_added";

/// The schemas whose optional fields are added and removed: the ones the
/// facade returns to users and the sandbox produces, plus the error body,
/// plus `Market` and `EventData`, the main schemas of the extra paths.
pub const FIELD_SCHEMAS: [&str; 7] = [
    "Order",
    "Fill",
    "Settlement",
    "MarketPosition",
    "ErrorResponse",
    "Market",
    "EventData",
];

/// The response-only schemas a mutation adds a required field to: the two
/// the sandbox builds most (through the generated builders, so a field they
/// do not set would fail at run time, not at build time).
pub const REQUIRED_FIELD_SCHEMAS: [&str; 2] = ["Order", "Fill"];

/// The enum schemas a value is added to: one the facade reads in responses, and
/// one it sends in requests (and reads back in orders), whose variants it names.
pub const ENUM_SCHEMAS: [&str; 2] = ["OrderStatus", "SelfTradePreventionType"];

/// What a renamed schema's name starts with: `rename-schema-orderstatus`
/// makes `OrderStatus` `RehearsalAddedOrderStatus`.
pub const RENAMED_PREFIX: &str = "RehearsalAdded";

/// One synthetic upstream change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mutation {
    /// The `--only` name, e.g. `add-optional-field-order`.
    pub name: String,
    pub kind: MutationKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MutationKind {
    /// A new optional `string` property in a component schema.
    AddOptionalField { schema: &'static str },
    /// A new `string` property, listed as required, in a response-only
    /// component schema (`spec import` keeps it optional).
    AddRequiredField { schema: &'static str },
    /// The last property the schema does not list as required is deleted.
    RemoveOptionalField { schema: &'static str },
    /// Every property that a response-only schema does not list as
    /// required is deleted, in every such schema at once: whatever optional
    /// field handwritten code names, this removes it.
    RemoveEveryOptionalResponseField,
    /// Every property that a response-only schema does not list as
    /// required becomes required, in every such schema at once.
    RequireEveryOptionalResponseField,
    /// Every `nullable: true` in every response-only schema is deleted, at
    /// every level (inline `allOf` members included): whatever `Option`
    /// handwritten code relies on, this removes its nullability.
    RemoveEveryResponseNullable,
    /// The last value of the `OrderStatus` enum (a response-only enum the
    /// facade and the sandbox name variants of) is deleted.
    RemoveEnumValueOrderStatus,
    /// A new value at the end of an enum schema: `OrderStatus` (responses),
    /// `SelfTradePreventionType` (requests and responses).
    AddEnumValue { schema: &'static str },
    /// The `OrderStatus` schema is renamed (same shape, every `$ref`
    /// follows): `type_renamed`.
    RenameSchemaOrderStatus,
    /// `OrderStatus` loses its `enum` and becomes a free string:
    /// `enum_dropped`.
    DropEnumOrderStatus,
    /// The free string `Order.client_order_id` becomes an enum of one value:
    /// `response_enum_introduced`.
    IntroduceEnumOrderClientOrderId,
    /// `Order.ticker` gains `maxLength` and `pattern`:
    /// `string_constraint_changed`.
    ConstrainOrderTicker,
    /// Every required field of `CreateOrderV2Request` becomes optional:
    /// `request_became_optional`.
    RelaxCreateOrderRequest,
    /// Every field of `CreateOrderV2Request` becomes nullable:
    /// `request_became_nullable`.
    NullableCreateOrderRequest,
    /// The bodiless 204 of `CancelAllOrders` gains a JSON body:
    /// `success_body_added`.
    AddSuccessBodyCancelAllOrders,
    /// A new `GET /portfolio/…` operation with its own response schema.
    AddGetOperation,
    /// A new optional query parameter on `GET /portfolio/fills`.
    AddOptionalQueryParameter,
    /// The first referenced schema handwritten code never names is renamed
    /// (`type_renamed`, judged non-breaking: see `unused.rs`).
    RenameUnnamedSchema,
    /// A plain string field handwritten code neither reads, sets nor
    /// carries in test data becomes an integer (`type_changed`, judged
    /// non-breaking).
    RetypeUnusedField,
    /// An operation handwritten code never calls is removed
    /// (`operation_removed`, judged non-breaking).
    RemoveUncalledOperation,
    /// A plain string field handwritten code reads or sets becomes an
    /// integer: breaking.
    RetypeUsedField,
    /// `GET /portfolio/fills` gains a required query parameter
    /// (`required_parameter_added`): the tests must fail, naming it.
    RequireQueryParameterGetFills,
}

/// What applying a mutation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The document was changed as described.
    Changed(String),
    /// The mutation does not apply to this document (say, a schema with no
    /// optional field to remove); the reason says why. Nothing was changed.
    NotApplicable(String),
}

/// Every mutation, in the order a full rehearsal runs them.
pub fn all() -> Vec<Mutation> {
    let mut list = Vec::new();
    for schema in FIELD_SCHEMAS {
        list.push(Mutation {
            name: format!("add-optional-field-{}", schema.to_ascii_lowercase()),
            kind: MutationKind::AddOptionalField { schema },
        });
    }
    for schema in REQUIRED_FIELD_SCHEMAS {
        list.push(Mutation {
            name: format!("add-required-field-{}", schema.to_ascii_lowercase()),
            kind: MutationKind::AddRequiredField { schema },
        });
    }
    for schema in FIELD_SCHEMAS {
        list.push(Mutation {
            name: format!("remove-optional-field-{}", schema.to_ascii_lowercase()),
            kind: MutationKind::RemoveOptionalField { schema },
        });
    }
    list.push(Mutation {
        name: "remove-every-optional-response-field".into(),
        kind: MutationKind::RemoveEveryOptionalResponseField,
    });
    list.push(Mutation {
        name: "require-every-optional-response-field".into(),
        kind: MutationKind::RequireEveryOptionalResponseField,
    });
    list.push(Mutation {
        name: "remove-every-response-nullable".into(),
        kind: MutationKind::RemoveEveryResponseNullable,
    });
    list.push(Mutation {
        name: "remove-enum-value-orderstatus".into(),
        kind: MutationKind::RemoveEnumValueOrderStatus,
    });
    for schema in ENUM_SCHEMAS {
        list.push(Mutation {
            name: format!("add-enum-value-{}", schema.to_ascii_lowercase()),
            kind: MutationKind::AddEnumValue { schema },
        });
    }
    for (name, kind) in [
        (
            "rename-schema-orderstatus",
            MutationKind::RenameSchemaOrderStatus,
        ),
        ("drop-enum-orderstatus", MutationKind::DropEnumOrderStatus),
        (
            "introduce-enum-order-client-order-id",
            MutationKind::IntroduceEnumOrderClientOrderId,
        ),
        ("constrain-order-ticker", MutationKind::ConstrainOrderTicker),
        (
            "relax-create-order-request",
            MutationKind::RelaxCreateOrderRequest,
        ),
        (
            "nullable-create-order-request",
            MutationKind::NullableCreateOrderRequest,
        ),
        (
            "add-success-body-cancelallorders",
            MutationKind::AddSuccessBodyCancelAllOrders,
        ),
        ("add-get-operation", MutationKind::AddGetOperation),
        (
            "add-optional-query-parameter",
            MutationKind::AddOptionalQueryParameter,
        ),
        ("rename-unnamed-schema", MutationKind::RenameUnnamedSchema),
        ("retype-unused-field", MutationKind::RetypeUnusedField),
        (
            "remove-uncalled-operation",
            MutationKind::RemoveUncalledOperation,
        ),
        ("retype-used-field", MutationKind::RetypeUsedField),
        (
            "require-query-parameter-getfills",
            MutationKind::RequireQueryParameterGetFills,
        ),
    ] {
        list.push(Mutation {
            name: name.into(),
            kind,
        });
    }
    list
}

impl Mutation {
    /// Whether the change is one handwritten code cannot survive: the diff
    /// must call it breaking, and the rehearsal passes when the build (or,
    /// with `--test`, the tests) fails. Every other mutation must be called
    /// non-breaking and build (and test) untouched.
    pub fn expects_breaking(&self) -> bool {
        matches!(
            self.kind,
            MutationKind::RenameSchemaOrderStatus
                | MutationKind::DropEnumOrderStatus
                | MutationKind::IntroduceEnumOrderClientOrderId
                | MutationKind::ConstrainOrderTicker
                | MutationKind::RelaxCreateOrderRequest
                | MutationKind::NullableCreateOrderRequest
                | MutationKind::AddSuccessBodyCancelAllOrders
                | MutationKind::RetypeUsedField
                | MutationKind::RequireQueryParameterGetFills
        )
    }

    /// One line for `--list`.
    pub fn summary(&self) -> String {
        match &self.kind {
            MutationKind::AddOptionalField { schema } => {
                format!("add an optional string field `{ADDED_NAME}` to {schema}")
            }
            MutationKind::AddRequiredField { schema } => {
                format!("add a required string field `{ADDED_NAME}` to {schema}")
            }
            MutationKind::RemoveOptionalField { schema } => {
                format!("remove the last optional field of {schema}")
            }
            MutationKind::RemoveEveryOptionalResponseField => {
                "remove every optional field of every response-only schema at once".to_owned()
            }
            MutationKind::RequireEveryOptionalResponseField => {
                "make every optional field of every response-only schema required at once"
                    .to_owned()
            }
            MutationKind::RemoveEveryResponseNullable => {
                "make every nullable field of every response-only schema non-nullable at once"
                    .to_owned()
            }
            MutationKind::RemoveEnumValueOrderStatus => {
                "remove the last value of the OrderStatus enum".to_owned()
            }
            MutationKind::AddEnumValue { schema } => {
                format!("add the value `{ADDED_NAME}` to the {schema} enum")
            }
            MutationKind::RenameSchemaOrderStatus => {
                format!("rename the schema OrderStatus to {RENAMED_PREFIX}OrderStatus (same shape)")
            }
            MutationKind::DropEnumOrderStatus => {
                "make OrderStatus a free string (drop its enum)".to_owned()
            }
            MutationKind::IntroduceEnumOrderClientOrderId => {
                "restrict the free string Order.client_order_id to an enum".to_owned()
            }
            MutationKind::ConstrainOrderTicker => {
                "give Order.ticker a maxLength and a pattern".to_owned()
            }
            MutationKind::RelaxCreateOrderRequest => {
                "make every required field of CreateOrderV2Request optional".to_owned()
            }
            MutationKind::NullableCreateOrderRequest => {
                "make every field of CreateOrderV2Request nullable".to_owned()
            }
            MutationKind::AddSuccessBodyCancelAllOrders => {
                "give CancelAllOrders' bodiless success response a JSON body".to_owned()
            }
            MutationKind::AddGetOperation => {
                format!("add an operation GET {ADDED_PATH} with its own response schema")
            }
            MutationKind::AddOptionalQueryParameter => {
                format!("add an optional query parameter `{ADDED_NAME}` to GetFills")
            }
            MutationKind::RenameUnnamedSchema => {
                "rename the first schema no handwritten code names (same shape)".to_owned()
            }
            MutationKind::RetypeUnusedField => {
                "make a string field no handwritten code reads, sets or decodes an integer"
                    .to_owned()
            }
            MutationKind::RemoveUncalledOperation => {
                "remove the first operation no handwritten code calls".to_owned()
            }
            MutationKind::RetypeUsedField => {
                "make the first string field handwritten code reads or sets an integer".to_owned()
            }
            MutationKind::RequireQueryParameterGetFills => {
                format!("add a required query parameter `{ADDED_NAME}` to GetFills")
            }
        }
    }

    /// Applies the mutation to a parsed OpenAPI document (the vendored slice
    /// or a whole upstream document). An `Err` means the document lacks what
    /// every mutation relies on (the named schema, operation, …).
    pub fn apply(&self, doc: &mut Value) -> Result<Applied, String> {
        match &self.kind {
            MutationKind::AddOptionalField { schema } => add_optional_field(doc, schema),
            MutationKind::AddRequiredField { schema } => add_required_field(doc, schema),
            MutationKind::RemoveOptionalField { schema } => remove_optional_field(doc, schema),
            MutationKind::RemoveEveryOptionalResponseField => remove_every_optional_field(doc),
            MutationKind::RequireEveryOptionalResponseField => require_every_optional_field(doc),
            MutationKind::RemoveEveryResponseNullable => remove_every_response_nullable(doc),
            MutationKind::RemoveEnumValueOrderStatus => remove_enum_value(doc, "OrderStatus"),
            MutationKind::AddEnumValue { schema } => add_enum_value(doc, schema),
            MutationKind::RenameSchemaOrderStatus => {
                rename_schema_to(doc, "OrderStatus", &format!("{RENAMED_PREFIX}OrderStatus"))
            }
            MutationKind::DropEnumOrderStatus => drop_enum(doc, "OrderStatus"),
            MutationKind::IntroduceEnumOrderClientOrderId => {
                introduce_enum(doc, "Order", "client_order_id")
            }
            MutationKind::ConstrainOrderTicker => constrain(doc, "Order", "ticker"),
            MutationKind::RelaxCreateOrderRequest => relax(doc, "CreateOrderV2Request"),
            MutationKind::NullableCreateOrderRequest => make_nullable(doc, "CreateOrderV2Request"),
            MutationKind::AddSuccessBodyCancelAllOrders => add_success_body(doc, "CancelAllOrders"),
            MutationKind::AddGetOperation => add_get_operation(doc),
            MutationKind::AddOptionalQueryParameter => add_query_parameter(doc, "GetFills", false),
            MutationKind::RenameUnnamedSchema => unused::rename_unnamed_schema(doc),
            MutationKind::RetypeUnusedField => unused::retype_unused_field(doc),
            MutationKind::RemoveUncalledOperation => unused::remove_uncalled_operation(doc),
            MutationKind::RetypeUsedField => unused::retype_used_field(doc),
            MutationKind::RequireQueryParameterGetFills => {
                add_query_parameter(doc, "GetFills", true)
            }
        }
    }
}

pub(super) fn key(text: &str) -> Value {
    Value::String(text.to_owned())
}

/// `map[k1][k2]…` as a mapping, or an error naming the first missing step.
pub(super) fn mapping_at<'a>(doc: &'a mut Value, keys: &[&str]) -> Result<&'a mut Mapping, String> {
    let mut node = doc;
    for (i, k) in keys.iter().enumerate() {
        node = node
            .as_mapping_mut()
            .and_then(|map| map.get_mut(*k))
            .ok_or_else(|| format!("the document has no `{}`", keys[..=i].join(".")))?;
    }
    node.as_mapping_mut()
        .ok_or_else(|| format!("`{}` is not a mapping", keys.join(".")))
}

fn properties<'a>(doc: &'a mut Value, schema: &str) -> Result<&'a mut Mapping, String> {
    mapping_at(doc, &["components", "schemas", schema, "properties"])
}

fn add_optional_field(doc: &mut Value, schema: &str) -> Result<Applied, String> {
    let props = properties(doc, schema)?;
    if props.contains_key(ADDED_NAME) {
        return Err(format!("{schema} already has a property `{ADDED_NAME}`"));
    }
    let mut field = Mapping::new();
    field.insert(key("type"), key("string"));
    props.insert(key(ADDED_NAME), Value::Mapping(field));
    Ok(Applied::Changed(format!(
        "added optional field `{ADDED_NAME}` (string) to {schema}"
    )))
}

fn add_required_field(doc: &mut Value, schema: &str) -> Result<Applied, String> {
    add_optional_field(doc, schema)?;
    let schema_map = mapping_at(doc, &["components", "schemas", schema])?;
    schema_map
        .entry(key("required"))
        .or_insert_with(|| Value::Sequence(Vec::new()))
        .as_sequence_mut()
        .ok_or_else(|| format!("{schema}'s `required` is not a list"))?
        .push(key(ADDED_NAME));
    Ok(Applied::Changed(format!(
        "added required field `{ADDED_NAME}` (string) to {schema}"
    )))
}

fn remove_optional_field(doc: &mut Value, schema: &str) -> Result<Applied, String> {
    let schema_map = mapping_at(doc, &["components", "schemas", schema])?;
    let required: Vec<String> = schema_map
        .get("required")
        .and_then(Value::as_sequence)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let props = schema_map
        .get_mut("properties")
        .and_then(Value::as_mapping_mut)
        .ok_or_else(|| format!("{schema} has no `properties`"))?;
    let optional = props
        .keys()
        .filter_map(Value::as_str)
        .filter(|name| !required.iter().any(|r| r == name))
        .last()
        .map(str::to_owned);
    let Some(name) = optional else {
        return Ok(Applied::NotApplicable(format!(
            "{schema} has no optional field in this document (all {} of its fields are required)",
            props.len()
        )));
    };
    props.shift_remove(name.as_str());
    Ok(Applied::Changed(format!(
        "removed optional field `{name}` from {schema}"
    )))
}

/// Applies `change` to every schema used in responses only (the schemas whose
/// changes the importer may absorb); returns how many fields it changed in all,
/// and in how many schemas.
fn in_each_response_only_schema(
    doc: &mut Value,
    mut change: impl FnMut(&mut Value) -> usize,
) -> Result<(usize, usize), String> {
    let usages = crate::spec::diff::usages(doc, doc);
    let schemas = mapping_at(doc, &["components", "schemas"])?;
    let (mut fields, mut in_schemas) = (0, 0);
    for (name, schema) in schemas.iter_mut() {
        let usage = name
            .as_str()
            .and_then(|n| usages.get(n))
            .copied()
            .unwrap_or_default();
        if usage.request || !usage.response {
            continue;
        }
        let changed = change(schema);
        if changed > 0 {
            fields += changed;
            in_schemas += 1;
        }
    }
    Ok((fields, in_schemas))
}

/// Adds every property of an object schema to its `required`; returns how many
/// were not there.
fn require_all_properties(schema: &mut Value) -> usize {
    let Some(map) = schema.as_mapping_mut() else {
        return 0;
    };
    let names: Vec<Value> = map
        .get("properties")
        .and_then(Value::as_mapping)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let required = map
        .entry(key("required"))
        .or_insert_with(|| Value::Sequence(Vec::new()));
    let Some(required) = required.as_sequence_mut() else {
        return 0;
    };
    let before = required.len();
    for name in names {
        if !required.contains(&name) {
            required.push(name);
        }
    }
    if required.is_empty() {
        map.shift_remove("required");
        return 0;
    }
    required.len() - before
}

fn require_every_optional_field(doc: &mut Value) -> Result<Applied, String> {
    let (fields, in_schemas) = in_each_response_only_schema(doc, require_all_properties)?;
    if fields == 0 {
        return Ok(Applied::NotApplicable(
            "no response-only schema has an optional field".into(),
        ));
    }
    Ok(Applied::Changed(format!(
        "made all {fields} optional fields of {in_schemas} response-only schemas required"
    )))
}

fn remove_every_response_nullable(doc: &mut Value) -> Result<Applied, String> {
    let (fields, in_schemas) = in_each_response_only_schema(doc, remove_nullable)?;
    if fields == 0 {
        return Ok(Applied::NotApplicable(
            "no response-only schema has a nullable field".into(),
        ));
    }
    Ok(Applied::Changed(format!(
        "removed `nullable: true` {fields} times in {in_schemas} response-only schemas"
    )))
}

/// Deletes every `nullable: true` in a schema and its inline nested
/// schemas; returns how many.
fn remove_nullable(node: &mut Value) -> usize {
    match node {
        Value::Mapping(map) => {
            let mut removed = 0;
            if map.get("nullable") == Some(&Value::Bool(true)) {
                map.shift_remove("nullable");
                removed += 1;
            }
            for (key, child) in map.iter_mut() {
                // `enum` and `default` are literal data, not schemas.
                if !matches!(key.as_str(), Some("enum" | "default")) {
                    removed += remove_nullable(child);
                }
            }
            removed
        }
        Value::Sequence(items) => items.iter_mut().map(remove_nullable).sum(),
        _ => 0,
    }
}

fn remove_enum_value(doc: &mut Value, schema: &str) -> Result<Applied, String> {
    let values = mapping_at(doc, &["components", "schemas", schema])?
        .get_mut("enum")
        .and_then(Value::as_sequence_mut)
        .ok_or_else(|| format!("{schema} is not an enum"))?;
    if values.len() < 2 {
        return Ok(Applied::NotApplicable(format!(
            "{schema} has fewer than two values"
        )));
    }
    let removed = values.pop().unwrap_or_default();
    Ok(Applied::Changed(format!(
        "removed the value `{}` from the {schema} enum",
        removed.as_str().unwrap_or_default()
    )))
}

fn remove_every_optional_field(doc: &mut Value) -> Result<Applied, String> {
    let (fields, in_schemas) = in_each_response_only_schema(doc, remove_optional_properties)?;
    if fields == 0 {
        return Ok(Applied::NotApplicable(
            "no response-only schema has an optional field".into(),
        ));
    }
    Ok(Applied::Changed(format!(
        "removed all {fields} optional fields of {in_schemas} response-only schemas"
    )))
}

/// Deletes the properties an object schema does not require, here and in
/// its inline nested schemas; returns how many.
fn remove_optional_properties(node: &mut Value) -> usize {
    let Some(map) = node.as_mapping_mut() else {
        return 0;
    };
    let required: Vec<String> = map
        .get("required")
        .and_then(Value::as_sequence)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut removed = 0;
    if let Some(Value::Mapping(props)) = map.get_mut("properties") {
        let before = props.len();
        props.retain(|k, _| k.as_str().is_some_and(|k| required.iter().any(|r| r == k)));
        removed += before - props.len();
        for (_, prop) in props.iter_mut() {
            removed += remove_optional_properties(prop);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = map.get_mut(key) {
            removed += remove_optional_properties(inner);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Sequence(members)) = map.get_mut(key) {
            removed += members
                .iter_mut()
                .map(remove_optional_properties)
                .sum::<usize>();
        }
    }
    removed
}

fn add_enum_value(doc: &mut Value, schema: &str) -> Result<Applied, String> {
    let values = mapping_at(doc, &["components", "schemas", schema])?
        .get_mut("enum")
        .and_then(Value::as_sequence_mut)
        .ok_or_else(|| format!("{schema} is not an enum"))?;
    if values.iter().any(|v| v.as_str() == Some(ADDED_NAME)) {
        return Err(format!("{schema} already has the value `{ADDED_NAME}`"));
    }
    values.push(key(ADDED_NAME));
    Ok(Applied::Changed(format!(
        "added the value `{ADDED_NAME}` to the {schema} enum"
    )))
}

/// The `(path, method)` of the operation with this `operationId`.
pub(super) fn find_operation(doc: &Value, operation_id: &str) -> Result<(String, String), String> {
    let paths = doc
        .get("paths")
        .and_then(Value::as_mapping)
        .ok_or("the document has no `paths`")?;
    for (path, item) in paths {
        let Some(item) = item.as_mapping() else {
            continue;
        };
        for (method, op) in item {
            if op.get("operationId").and_then(Value::as_str) == Some(operation_id) {
                let path = path.as_str().unwrap_or_default().to_owned();
                let method = method.as_str().unwrap_or_default().to_owned();
                return Ok((path, method));
            }
        }
    }
    Err(format!("the document has no operation `{operation_id}`"))
}

/// Adds `GET ADDED_PATH`, modelled on `GetBalance` (same security, tags and
/// error responses) but answering with a new schema of its own, as a real new
/// endpoint would.
fn add_get_operation(doc: &mut Value) -> Result<Applied, String> {
    let (path, method) = find_operation(doc, "GetBalance")?;
    let template = mapping_at(doc, &["paths", &path, &method])?.clone();
    let schema_name = "GetRehearsalAddedResponse";

    let mut response_schema = Mapping::new();
    response_schema.insert(
        key("$ref"),
        key(&format!("#/components/schemas/{schema_name}")),
    );
    let mut media = Mapping::new();
    media.insert(key("schema"), Value::Mapping(response_schema));
    let mut content = Mapping::new();
    content.insert(key("application/json"), Value::Mapping(media));
    let mut ok = Mapping::new();
    ok.insert(key("description"), key(""));
    ok.insert(key("content"), Value::Mapping(content));

    let mut responses = Mapping::new();
    responses.insert(key("200"), Value::Mapping(ok));
    if let Some(old) = template.get("responses").and_then(Value::as_mapping) {
        for (status, response) in old {
            if !status.as_str().is_some_and(|s| s.starts_with('2')) {
                responses.insert(status.clone(), response.clone());
            }
        }
    }

    let mut op = Mapping::new();
    op.insert(key("operationId"), key("GetRehearsalAdded"));
    for copied in ["tags", "security"] {
        if let Some(value) = template.get(copied) {
            op.insert(key(copied), value.clone());
        }
    }
    op.insert(key("responses"), Value::Mapping(responses));

    let mut item = Mapping::new();
    item.insert(key("get"), Value::Mapping(op));
    let paths = mapping_at(doc, &["paths"])?;
    if paths.contains_key(ADDED_PATH) {
        return Err(format!("the document already has {ADDED_PATH}"));
    }
    paths.insert(key(ADDED_PATH), Value::Mapping(item));

    let mut field = Mapping::new();
    field.insert(key("type"), key("string"));
    let mut props = Mapping::new();
    props.insert(key(ADDED_NAME), Value::Mapping(field));
    let mut schema = Mapping::new();
    schema.insert(key("type"), key("object"));
    schema.insert(key("properties"), Value::Mapping(props));
    let schemas = mapping_at(doc, &["components", "schemas"])?;
    if schemas.contains_key(schema_name) {
        return Err(format!("the document already has a schema {schema_name}"));
    }
    schemas.insert(key(schema_name), Value::Mapping(schema));

    Ok(Applied::Changed(format!(
        "added GET {ADDED_PATH} (GetRehearsalAdded, answering {schema_name})"
    )))
}

fn add_query_parameter(
    doc: &mut Value,
    operation_id: &str,
    required: bool,
) -> Result<Applied, String> {
    let (path, method) = find_operation(doc, operation_id)?;
    let op = mapping_at(doc, &["paths", &path, &method])?;
    let params = op
        .entry(key("parameters"))
        .or_insert_with(|| Value::Sequence(Vec::new()))
        .as_sequence_mut()
        .ok_or_else(|| format!("{operation_id}'s `parameters` is not a list"))?;
    let mut schema = Mapping::new();
    schema.insert(key("type"), key("string"));
    let mut param = Mapping::new();
    param.insert(key("name"), key(ADDED_NAME));
    param.insert(key("in"), key("query"));
    param.insert(key("required"), Value::Bool(required));
    param.insert(key("schema"), Value::Mapping(schema));
    params.push(Value::Mapping(param));
    Ok(Applied::Changed(format!(
        "added {} query parameter `{ADDED_NAME}` (string) to {operation_id} ({} {path})",
        if required { "required" } else { "optional" },
        method.to_ascii_uppercase()
    )))
}

/// Renames a component schema and every `$ref` to it.
pub(super) fn rename_schema_to(doc: &mut Value, schema: &str, to: &str) -> Result<Applied, String> {
    let schemas = mapping_at(doc, &["components", "schemas"])?;
    if schemas.contains_key(to) {
        return Err(format!("the document already has a schema {to}"));
    }
    let body = schemas
        .shift_remove(schema)
        .ok_or_else(|| format!("the document has no schema {schema}"))?;
    schemas.insert(key(to), body);
    let count = replace_refs(
        doc,
        &format!("#/components/schemas/{schema}"),
        &format!("#/components/schemas/{to}"),
    );
    Ok(Applied::Changed(format!(
        "renamed schema {schema} to {to} ({count} references)"
    )))
}

fn replace_refs(node: &mut Value, from: &str, to: &str) -> usize {
    match node {
        Value::Mapping(map) => map
            .iter_mut()
            .map(|(k, v)| {
                if k.as_str() == Some("$ref") && v.as_str() == Some(from) {
                    *v = key(to);
                    1
                } else {
                    replace_refs(v, from, to)
                }
            })
            .sum(),
        Value::Sequence(items) => items.iter_mut().map(|v| replace_refs(v, from, to)).sum(),
        _ => 0,
    }
}

fn drop_enum(doc: &mut Value, schema: &str) -> Result<Applied, String> {
    let map = mapping_at(doc, &["components", "schemas", schema])?;
    map.shift_remove("enum")
        .ok_or_else(|| format!("{schema} is not an enum"))?;
    Ok(Applied::Changed(format!(
        "dropped the enum of {schema}: any string now"
    )))
}

fn property<'a>(doc: &'a mut Value, schema: &str, field: &str) -> Result<&'a mut Mapping, String> {
    mapping_at(doc, &["components", "schemas", schema, "properties", field])
}

fn introduce_enum(doc: &mut Value, schema: &str, field: &str) -> Result<Applied, String> {
    let prop = property(doc, schema, field)?;
    if prop.contains_key("enum") {
        return Err(format!("{schema}.{field} is already an enum"));
    }
    prop.insert(key("enum"), Value::Sequence(vec![key(ADDED_NAME)]));
    Ok(Applied::Changed(format!(
        "restricted {schema}.{field} to the enum [{ADDED_NAME}]"
    )))
}

fn constrain(doc: &mut Value, schema: &str, field: &str) -> Result<Applied, String> {
    let prop = property(doc, schema, field)?;
    prop.insert(key("maxLength"), Value::Number(256.into()));
    prop.insert(key("pattern"), key("^[A-Z0-9._-]+$"));
    Ok(Applied::Changed(format!(
        "gave {schema}.{field} maxLength 256 and a pattern"
    )))
}

fn relax(doc: &mut Value, schema: &str) -> Result<Applied, String> {
    let map = mapping_at(doc, &["components", "schemas", schema])?;
    let gone = map
        .shift_remove("required")
        .and_then(|r| r.as_sequence().map(Vec::len))
        .unwrap_or(0);
    if gone == 0 {
        return Ok(Applied::NotApplicable(format!("{schema} requires nothing")));
    }
    Ok(Applied::Changed(format!(
        "made the {gone} required fields of {schema} optional"
    )))
}

fn make_nullable(doc: &mut Value, schema: &str) -> Result<Applied, String> {
    let props = properties(doc, schema)?;
    let mut count = 0;
    for (_, prop) in props.iter_mut() {
        let Some(map) = prop.as_mapping_mut() else {
            continue;
        };
        if map.get("nullable") == Some(&Value::Bool(true)) {
            continue;
        }
        // OpenAPI 3.0 ignores a `$ref`'s siblings: wrap it, as upstream does.
        if let Some(reference) = map.shift_remove("$ref") {
            let mut member = Mapping::new();
            member.insert(key("$ref"), reference);
            map.insert(key("allOf"), Value::Sequence(vec![Value::Mapping(member)]));
        }
        map.insert(key("nullable"), Value::Bool(true));
        count += 1;
    }
    Ok(Applied::Changed(format!(
        "made {count} fields of {schema} nullable"
    )))
}

fn add_success_body(doc: &mut Value, operation_id: &str) -> Result<Applied, String> {
    let (path, method) = find_operation(doc, operation_id)?;
    let responses = mapping_at(doc, &["paths", &path, &method, "responses"])?;
    let (status, response) = responses
        .iter_mut()
        .find(|(s, _)| s.as_str().is_some_and(|s| s.starts_with('2')))
        .ok_or_else(|| format!("{operation_id} has no success response"))?;
    let status = status.as_str().unwrap_or_default().to_owned();
    let response = response
        .as_mapping_mut()
        .ok_or_else(|| format!("{operation_id}'s {status} response is not inline"))?;
    if response.contains_key("content") {
        return Ok(Applied::NotApplicable(format!(
            "{operation_id}'s {status} response already has a body"
        )));
    }
    let mut field = Mapping::new();
    field.insert(key("type"), key("string"));
    let mut props = Mapping::new();
    props.insert(key(ADDED_NAME), Value::Mapping(field));
    let mut schema = Mapping::new();
    schema.insert(key("type"), key("object"));
    schema.insert(key("properties"), Value::Mapping(props));
    let mut media = Mapping::new();
    media.insert(key("schema"), Value::Mapping(schema));
    let mut content = Mapping::new();
    content.insert(key("application/json"), Value::Mapping(media));
    response.insert(key("content"), Value::Mapping(content));
    Ok(Applied::Changed(format!(
        "gave {operation_id}'s {status} response a JSON object body"
    )))
}
