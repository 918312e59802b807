//! `cargo xtask spec diff`: what changed between the vendored slice (old) and
//! another version of Kalshi's document (new), judged for this client.
//!
//! Both sides are cut by the importer first ([`super::import_document`]), so a
//! whole upstream document and an already-sliced one compare the same way,
//! and prose, examples and `x-` extensions (which slicing drops) can never
//! show up as changes. The comparison is structural:
//!
//! * Operations are matched by method and path (an `operationId` rename is
//!   reported, but the wire is the same). For each: parameters (by location
//!   and name), request body, success statuses and bodies, error statuses.
//! * Every named schema is compared once, under its own name, in every
//!   context it is used in (request, response or both; see [`Usage`]). A
//!   field that points at another named schema is compared by the name it
//!   points at, so a change inside `Fill` is reported once, under `Fill`, not
//!   under every operation returning fills. Inline schemas (nested objects,
//!   array items, an inline body) are compared where they sit.
//!
//! Verdicts come from [`super::rules`], narrowed by [`Report::judge`] to
//! the changes handwritten code feels (`diff/facade.rs`); [`render_markdown`] and
//! [`to_json`] print a [`Report`].

mod facade;
pub mod integer;
mod render;
mod report;
mod shape;
mod usage;

pub use facade::Facade;
pub use render::{describe, render_markdown, to_json};
pub use report::{Change, Kind, Report, Section, Side};
pub(crate) use usage::usages;
pub use usage::Usage;

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml_ng::Value;

use super::extra_paths::ExtraPaths;
use super::model::{self, Operation};
use super::retain::Retained;
use super::rules::{stricter, Rule};
use super::tolerance::{self, Tolerances};
use super::SpecError;

/// Slices both inputs with the importer and compares them. The new side is
/// cut with `tolerances` as `spec import` would cut it (entries that do not
/// apply become the report's warnings); the old side gets them too, silently,
/// so that a base that is raw upstream compares like the vendored file. Both
/// sides keep the paths of `extra` besides `/portfolio`; a listed path one
/// side lacks shows up as its operations added or removed.
///
/// `retained` is the retained-field list of the old side when that is the
/// vendored file (else [`Retained::none`]): the old side keeps those fields
/// (as the file does), and the new side gets those that still fit, as `spec
/// import` would give them, so a field retained long ago is no change; a
/// field upstream newly drops shows as removed, and the rule's note says
/// that `spec import` retains it.
pub fn diff_inputs(
    old: &[u8],
    old_source: &str,
    new: &[u8],
    new_source: &str,
    tolerances: &Tolerances,
    extra: &ExtraPaths,
    retained: &Retained,
) -> Result<Report, SpecError> {
    let (old_doc, _) = sliced(
        old,
        old_source,
        tolerances,
        extra,
        retained,
        tolerance::Mode::Reapply,
    )?;
    let (new_doc, findings) = sliced(
        new,
        new_source,
        tolerances,
        extra,
        retained,
        tolerance::Mode::Lenient,
    )?;
    let mut report = diff(&old_doc, &new_doc);
    report.old.source = old_source.to_owned();
    report.new.source = new_source.to_owned();
    report.warnings = findings.iter().map(ToString::to_string).collect();
    Ok(report)
}

fn sliced(
    input: &[u8],
    source: &str,
    tolerances: &Tolerances,
    extra: &ExtraPaths,
    retained: &Retained,
    mode: tolerance::Mode,
) -> Result<(Value, Vec<tolerance::Finding>), SpecError> {
    let imported = super::import_document_retaining(
        input,
        source,
        tolerances,
        extra,
        mode,
        super::Retention::Apply(retained),
    )?;
    Ok((
        super::parse_document(imported.yaml.as_bytes())?,
        imported.warnings,
    ))
}

/// Compares two sliced documents (as the importer writes them).
pub fn diff(old: &Value, new: &Value) -> Report {
    let mut differ = Differ {
        old,
        new,
        changes: Vec::new(),
    };
    differ.operations();
    differ.schemas();
    Report {
        old: Side {
            source: String::new(),
            version: model::version(old),
        },
        new: Side {
            source: String::new(),
            version: model::version(new),
        },
        changes: differ.changes,
        warnings: Vec::new(),
    }
}

/// The subject a comparison is working on, so every recorded change carries
/// it without threading four arguments through each helper.
#[derive(Clone, Debug)]
struct Site {
    section: Section,
    subject: String,
    operation_id: Option<String>,
}

struct Differ<'a> {
    old: &'a Value,
    new: &'a Value,
    changes: Vec<Change>,
}

/// Arguments of one recorded change besides its site.
struct Found {
    at: String,
    kind: Kind,
    old: Option<String>,
    new: Option<String>,
    usage: Usage,
    rule: Rule,
}

impl<'a> Differ<'a> {
    fn record(&mut self, site: &Site, found: Found) {
        self.changes.push(Change {
            section: site.section,
            subject: site.subject.clone(),
            operation_id: site.operation_id.clone(),
            at: found.at,
            kind: found.kind,
            old: found.old,
            new: found.new,
            usage: found.usage,
            rule: found.rule,
            facade: Facade::NotJudged,
        });
    }

    // ----- operations -------------------------------------------------

    fn operations(&mut self) {
        let old_ops: BTreeMap<String, Operation<'a>> = model::operations(self.old)
            .into_iter()
            .map(|op| (op.key(), op))
            .collect();
        let new_ops: BTreeMap<String, Operation<'a>> = model::operations(self.new)
            .into_iter()
            .map(|op| (op.key(), op))
            .collect();
        let mut keys: Vec<&String> = old_ops.keys().chain(new_ops.keys()).collect();
        keys.sort_by_key(|k| model::operation_order(k));
        keys.dedup();
        for key in keys {
            let (old, new) = (old_ops.get(key), new_ops.get(key));
            let site = Site {
                section: Section::Operations,
                subject: key.clone(),
                operation_id: new
                    .and_then(Operation::id)
                    .or_else(|| old.and_then(Operation::id))
                    .map(str::to_owned),
            };
            match (old, new) {
                (Some(_), None) => self.record(
                    &site,
                    found(
                        Kind::OperationRemoved,
                        Rule::OperationRemoved,
                        Usage::default(),
                    ),
                ),
                (None, Some(_)) => self.record(
                    &site,
                    found(Kind::OperationAdded, Rule::OperationAdded, Usage::default()),
                ),
                (Some(old), Some(new)) => self.operation(&site, old, new),
                (None, None) => {}
            }
        }
    }

    fn operation(&mut self, site: &Site, old: &Operation<'a>, new: &Operation<'a>) {
        if old.id() != new.id() {
            self.record(
                site,
                found(
                    Kind::OperationIdChanged,
                    Rule::OperationIdChanged,
                    Usage::default(),
                )
                .before(old.id().map(str::to_owned))
                .after(new.id().map(str::to_owned)),
            );
        }
        if old.deprecated() != new.deprecated() {
            self.record(
                site,
                found(
                    Kind::DeprecatedChanged,
                    Rule::DeprecatedChanged,
                    Usage::default(),
                )
                .before(Some(old.deprecated().to_string()))
                .after(Some(new.deprecated().to_string())),
            );
        }
        self.parameters(site, old, new);
        self.request_body(site, old, new);
        self.responses(site, old, new);
    }

    fn parameters(&mut self, site: &Site, old: &Operation<'a>, new: &Operation<'a>) {
        let old_params = model::parameters(self.old, old);
        let new_params = model::parameters(self.new, new);
        for param in &old_params {
            let at = param.key();
            match new_params.iter().find(|p| p.key() == param.key()) {
                None => self.record(
                    site,
                    found(
                        Kind::ParameterRemoved,
                        Rule::ParameterRemoved,
                        Usage::REQUEST,
                    )
                    .at(at)
                    .before(Some(field_summary(param.schema, param.required))),
                ),
                Some(now) => {
                    if param.required != now.required {
                        self.record(site, required_change(&at, param.required, Usage::REQUEST));
                    }
                    if let (Some(old_schema), Some(new_schema)) = (param.schema, now.schema) {
                        self.schema(
                            site,
                            &at,
                            old_schema,
                            new_schema,
                            Usage::REQUEST,
                            param.required,
                        );
                    }
                }
            }
        }
        for param in new_params
            .iter()
            .filter(|p| !old_params.iter().any(|o| o.key() == p.key()))
        {
            let rule = if param.required {
                Rule::RequiredParameterAdded
            } else {
                Rule::OptionalParameterAdded
            };
            self.record(
                site,
                found(Kind::ParameterAdded, rule, Usage::REQUEST)
                    .at(param.key())
                    .after(Some(field_summary(param.schema, param.required))),
            );
        }
    }

    fn request_body(&mut self, site: &Site, old: &Operation<'a>, new: &Operation<'a>) {
        let at = "request body".to_owned();
        match (
            model::request_body(self.old, old),
            model::request_body(self.new, new),
        ) {
            (None, None) => {}
            (Some(body), None) => self.record(
                site,
                found(
                    Kind::RequestBodyRemoved,
                    Rule::RequestBodyRemoved,
                    Usage::REQUEST,
                )
                .at(at)
                .before(Some(field_summary(body.schema, body.required))),
            ),
            (None, Some(body)) => {
                let rule = if body.required {
                    Rule::RequiredRequestBodyAdded
                } else {
                    Rule::OptionalRequestBodyAdded
                };
                self.record(
                    site,
                    found(Kind::RequestBodyAdded, rule, Usage::REQUEST)
                        .at(at)
                        .after(Some(field_summary(body.schema, body.required))),
                );
            }
            (Some(was), Some(now)) => {
                self.media_types(
                    site,
                    &at,
                    &model::media_types(was.node),
                    &model::media_types(now.node),
                    Usage::REQUEST,
                );
                if was.required != now.required {
                    self.record(site, required_change(&at, was.required, Usage::REQUEST));
                }
                if let (Some(old_schema), Some(new_schema)) = (was.schema, now.schema) {
                    self.schema(
                        site,
                        &at,
                        old_schema,
                        new_schema,
                        Usage::REQUEST,
                        was.required,
                    );
                }
            }
        }
    }

    fn responses(&mut self, site: &Site, old: &Operation<'a>, new: &Operation<'a>) {
        let old_responses = model::responses(self.old, old);
        let new_responses = model::responses(self.new, new);
        // Sorted: the order of a `responses` map carries no meaning.
        let statuses = |list: &[model::Response<'_>], success: bool| -> Vec<String> {
            let mut found: Vec<String> = list
                .iter()
                .filter(|r| r.is_success() == success)
                .map(|r| r.status.clone())
                .collect();
            found.sort();
            found
        };

        let (old_ok, new_ok) = (
            statuses(&old_responses, true),
            statuses(&new_responses, true),
        );
        if old_ok != new_ok {
            self.record(
                site,
                found(
                    Kind::SuccessStatusChanged,
                    Rule::SuccessStatusChanged,
                    Usage::RESPONSE,
                )
                .at("success status".to_owned())
                .before(Some(old_ok.join(", ")))
                .after(Some(new_ok.join(", "))),
            );
        }
        for was in old_responses.iter().filter(|r| r.is_success()) {
            let Some(now) = new_responses.iter().find(|r| r.status == was.status) else {
                continue;
            };
            let at = format!("{} response", was.status);
            self.media_types(
                site,
                &at,
                &was.media_types,
                &now.media_types,
                Usage::RESPONSE,
            );
            match (was.schema, now.schema) {
                (None, None) => {}
                (Some(schema), None) => self.record(
                    site,
                    found(
                        Kind::ResponseBodyRemoved,
                        Rule::SuccessBodyRemoved,
                        Usage::RESPONSE,
                    )
                    .at(at)
                    .before(Some(model::type_label(schema))),
                ),
                (None, Some(schema)) => self.record(
                    site,
                    found(
                        Kind::ResponseBodyAdded,
                        Rule::SuccessBodyAdded,
                        Usage::RESPONSE,
                    )
                    .at(at)
                    .after(Some(model::type_label(schema))),
                ),
                (Some(old_schema), Some(new_schema)) => {
                    self.schema(site, &at, old_schema, new_schema, Usage::RESPONSE, true);
                }
            }
        }

        // Declared errors: the facade decodes them itself, so they are
        // reported for the reader, never as breaking.
        let (old_err, new_err) = (
            statuses(&old_responses, false),
            statuses(&new_responses, false),
        );
        let error_label = |list: &[model::Response<'_>], status: &str| {
            list.iter()
                .find(|r| r.status == status)
                .and_then(|r| r.schema)
                .map_or_else(|| "no body".to_owned(), model::type_label)
        };
        for status in old_err.iter().filter(|s| !new_err.contains(s)) {
            self.record(
                site,
                found(
                    Kind::ErrorResponseRemoved,
                    Rule::ErrorResponseChanged,
                    Usage::RESPONSE,
                )
                .at(format!("{status} response"))
                .before(Some(error_label(&old_responses, status))),
            );
        }
        for status in &new_err {
            let at = format!("{status} response");
            let now = error_label(&new_responses, status);
            if !old_err.contains(status) {
                self.record(
                    site,
                    found(
                        Kind::ErrorResponseAdded,
                        Rule::ErrorResponseChanged,
                        Usage::RESPONSE,
                    )
                    .at(at)
                    .after(Some(now)),
                );
            } else {
                let was = error_label(&old_responses, status);
                if was != now {
                    self.record(
                        site,
                        found(
                            Kind::TypeChanged,
                            Rule::ErrorResponseChanged,
                            Usage::RESPONSE,
                        )
                        .at(at)
                        .before(Some(was))
                        .after(Some(now)),
                    );
                }
            }
        }
    }

    /// Media types of a body: losing `application/json` (the only one the
    /// generated client sends and decodes) breaks; any other change does not.
    fn media_types(&mut self, site: &Site, at: &str, was: &[String], now: &[String], usage: Usage) {
        let json_lost =
            was.iter().any(|m| m == model::JSON) && !now.iter().any(|m| m == model::JSON);
        for media in was.iter().filter(|m| !now.contains(m)) {
            let rule = if media == model::JSON && json_lost {
                Rule::JsonMediaTypeRemoved
            } else {
                Rule::MediaTypeChanged
            };
            self.record(
                site,
                found(Kind::MediaTypeRemoved, rule, usage)
                    .at(at.to_owned())
                    .before(Some(media.clone())),
            );
        }
        for media in now.iter().filter(|m| !was.contains(m)) {
            self.record(
                site,
                found(Kind::MediaTypeAdded, Rule::MediaTypeChanged, usage)
                    .at(at.to_owned())
                    .after(Some(media.clone())),
            );
        }
    }

    // ----- schemas ----------------------------------------------------

    fn schemas(&mut self) {
        let usage = usage::usages(self.old, self.new);
        let old_schemas: BTreeMap<String, &'a Value> =
            model::schemas(self.old).into_iter().collect();
        let new_schemas: BTreeMap<String, &'a Value> =
            model::schemas(self.new).into_iter().collect();
        let names: BTreeSet<&String> = old_schemas.keys().chain(new_schemas.keys()).collect();
        for name in names {
            let site = Site {
                section: Section::Schemas,
                subject: name.clone(),
                operation_id: None,
            };
            let usage = usage.get(name.as_str()).copied().unwrap_or_default();
            match (old_schemas.get(name), new_schemas.get(name)) {
                (Some(old), None) => self.record(
                    &site,
                    found(Kind::SchemaRemoved, Rule::SchemaRemoved, usage)
                        .before(Some(model::type_label(old))),
                ),
                (None, Some(new)) => self.record(
                    &site,
                    found(Kind::SchemaAdded, Rule::SchemaAdded, usage)
                        .after(Some(model::type_label(new))),
                ),
                (Some(old), Some(new)) => self.schema(&site, "", old, new, usage, true),
                (None, None) => {}
            }
        }
    }

    /// Compares two schema nodes at one place. `required` says whether the
    /// old side's value must be present (a required field, a body, an array
    /// item), which decides what a nullability change means.
    fn schema(
        &mut self,
        site: &Site,
        at: &str,
        old: &'a Value,
        new: &'a Value,
        usage: Usage,
        required: bool,
    ) {
        let (old_label, new_label) = (model::type_label(old), model::type_label(new));
        if old_label != new_label {
            // Everything below the type is moot once the type differs,
            // unless both sides are the same JSON scalar under different
            // names (`string` and `FixedPointDollars`, which is a string):
            // then only the enum and nullability can still matter.
            let (old_scalar, new_scalar) =
                (model::scalar(self.old, old), model::scalar(self.new, new));
            // Or both are the same JSON shape under another name (a renamed
            // schema, an inline object given a name).
            let same_wire = match (old_scalar, new_scalar) {
                (Some(o), Some(n)) => model::type_label(o) == model::type_label(n),
                _ => shape::same_shape(self.old, old, self.new, new),
            };
            let rule = if same_wire {
                Rule::TypeRenamed
            } else {
                Rule::TypeChanged
            };
            self.record(
                site,
                found(Kind::TypeChanged, rule, usage)
                    .at(at.to_owned())
                    .before(Some(old_label))
                    .after(Some(new_label)),
            );
            if let (true, Some(o), Some(n)) = (same_wire, old_scalar, new_scalar) {
                self.nullable(site, at, old, new, usage, required);
                self.enum_values(site, at, o, n, usage);
            }
            return;
        }
        self.nullable(site, at, old, new, usage, required);
        self.enum_values(site, at, old, new, usage);
        self.constraints(site, at, old, new, usage);
        if old.get("properties").is_some() || new.get("properties").is_some() {
            self.properties(site, at, old, new, usage);
        }
        // Named schemas are compared under their own name; only inline
        // nested schemas are walked from here.
        for (key, suffix) in [("items", "[]"), ("additionalProperties", "{}")] {
            if let (Some(o @ Value::Mapping(_)), Some(n @ Value::Mapping(_))) =
                (old.get(key), new.get(key))
            {
                if model::ref_name(o).is_none() {
                    self.schema(site, &join(at, suffix), o, n, usage, true);
                }
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let (Some(o), Some(n)) = (
                old.get(key).and_then(Value::as_sequence),
                new.get(key).and_then(Value::as_sequence),
            ) {
                for (i, (o, n)) in o.iter().zip(n).enumerate() {
                    if model::ref_name(o).is_none() {
                        self.schema(
                            site,
                            &join(at, &format!("{key}[{i}]")),
                            o,
                            n,
                            usage,
                            required,
                        );
                    }
                }
            }
        }
    }

    /// `minimum`, `pattern` and the like, on the node or in a constraint-only
    /// `allOf` member: reported for review, and not breaking (the server
    /// enforces them), except `minLength`, `maxLength` and `pattern`, which
    /// the generator turns into a validating newtype in place of `String`.
    fn constraints(&mut self, site: &Site, at: &str, old: &Value, new: &Value, usage: Usage) {
        let (was, now) = (model::constraints(old), model::constraints(new));
        let keys: BTreeSet<&String> = was.keys().chain(now.keys()).collect();
        // Integer bounds decide the generated integer type (`minimum: 1` is
        // `NonZeroU64`); a change that moves it is no mere constraint.
        let integer_type_moved = integer::rust_type(old) != integer::rust_type(new);
        for key in keys {
            let (before, after) = (was.get(key), now.get(key));
            if before != after {
                let rule = match key.as_str() {
                    "minLength" | "maxLength" | "pattern" => Rule::StringConstraintChanged,
                    "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum"
                    | "multipleOf"
                        if integer_type_moved =>
                    {
                        Rule::IntegerConstraintChanged
                    }
                    _ => Rule::ConstraintChanged,
                };
                self.record(
                    site,
                    found(Kind::ConstraintChanged, rule, usage)
                        .at(at.to_owned())
                        .before(before.cloned())
                        .after(after.cloned()),
                );
            }
        }
    }

    fn nullable(
        &mut self,
        site: &Site,
        at: &str,
        old: &Value,
        new: &Value,
        usage: Usage,
        required: bool,
    ) {
        let (was, now) = (model::is_nullable(old), model::is_nullable(new));
        if was == now {
            return;
        }
        let rule = if now {
            stricter(
                usage,
                Rule::RequestBecameNullable,
                if required {
                    Rule::RequiredResponseBecameNullable
                } else {
                    Rule::OptionalResponseBecameNullable
                },
            )
        } else {
            stricter(
                usage,
                if required {
                    Rule::RequiredRequestNoLongerNullable
                } else {
                    Rule::OptionalRequestNoLongerNullable
                },
                Rule::ResponseNoLongerNullable,
            )
        };
        self.record(
            site,
            found(Kind::NullableChanged, rule, usage)
                .at(at.to_owned())
                .before(Some(was.to_string()))
                .after(Some(now.to_string())),
        );
    }

    fn enum_values(&mut self, site: &Site, at: &str, old: &Value, new: &Value, usage: Usage) {
        match (model::enum_values(old), model::enum_values(new)) {
            (None, None) => {}
            (Some(was), Some(now)) => self.enum_changes(site, at, &was, &now, usage),
            // A free value becoming an enum is a restriction, not a list of
            // additions; an enum becoming free lifts one.
            (None, Some(now)) => self.record(
                site,
                found(
                    Kind::EnumIntroduced,
                    stricter(
                        usage,
                        Rule::RequestEnumIntroduced,
                        Rule::ResponseEnumIntroduced,
                    ),
                    usage,
                )
                .at(at.to_owned())
                .after(Some(now.join(", "))),
            ),
            (Some(was), None) => self.record(
                site,
                found(Kind::EnumDropped, Rule::EnumDropped, usage)
                    .at(at.to_owned())
                    .before(Some(was.join(", "))),
            ),
        }
    }

    fn enum_changes(
        &mut self,
        site: &Site,
        at: &str,
        was: &[String],
        now: &[String],
        usage: Usage,
    ) {
        for value in was.iter().filter(|v| !now.contains(v)) {
            self.record(
                site,
                found(
                    Kind::EnumValueRemoved,
                    stricter(
                        usage,
                        Rule::RequestEnumValueRemoved,
                        Rule::ResponseEnumValueRemoved,
                    ),
                    usage,
                )
                .at(at.to_owned())
                .before(Some(value.clone())),
            );
        }
        for value in now.iter().filter(|v| !was.contains(v)) {
            self.record(
                site,
                found(
                    Kind::EnumValueAdded,
                    stricter(
                        usage,
                        Rule::RequestEnumValueAdded,
                        Rule::ResponseEnumValueAdded,
                    ),
                    usage,
                )
                .at(at.to_owned())
                .after(Some(value.clone())),
            );
        }
    }

    fn properties(&mut self, site: &Site, at: &str, old: &'a Value, new: &'a Value, usage: Usage) {
        let (old_props, new_props) = (model::properties(old), model::properties(new));
        let (old_req, new_req) = (model::required_names(old), model::required_names(new));
        for (name, was) in &old_props {
            let field = join(at, name);
            let required = old_req.contains(name);
            let Some((_, now)) = new_props.iter().find(|(n, _)| n == name) else {
                let rule = stricter(
                    usage,
                    Rule::RequestFieldRemoved,
                    if required {
                        Rule::RequiredResponseFieldRemoved
                    } else {
                        Rule::OptionalResponseFieldRemoved
                    },
                );
                self.record(
                    site,
                    found(Kind::FieldRemoved, rule, usage)
                        .at(field)
                        .before(Some(field_summary(Some(was), required))),
                );
                continue;
            };
            if required != new_req.contains(name) {
                self.record(site, required_change(&field, required, usage));
            }
            self.schema(site, &field, was, now, usage, required);
        }
        for (name, now) in new_props
            .iter()
            .filter(|(n, _)| !old_props.iter().any(|(o, _)| o == n))
        {
            let required = new_req.contains(name);
            let rule = stricter(
                usage,
                if required {
                    Rule::RequiredRequestFieldAdded
                } else {
                    Rule::OptionalRequestFieldAdded
                },
                if required {
                    Rule::RequiredResponseFieldAdded
                } else {
                    Rule::OptionalResponseFieldAdded
                },
            );
            self.record(
                site,
                found(Kind::FieldAdded, rule, usage)
                    .at(join(at, name))
                    .after(Some(field_summary(Some(now), required))),
            );
        }
    }
}

impl Found {
    fn at(mut self, at: impl Into<String>) -> Found {
        self.at = at.into();
        self
    }

    fn before(mut self, old: Option<String>) -> Found {
        self.old = old;
        self
    }

    fn after(mut self, new: Option<String>) -> Found {
        self.new = new;
        self
    }
}

/// A change of `kind` judged by `rule`; add where and what with
/// [`Found::at`], [`Found::before`] and [`Found::after`].
fn found(kind: Kind, rule: Rule, usage: Usage) -> Found {
    Found {
        at: String::new(),
        kind,
        old: None,
        new: None,
        usage,
        rule,
    }
}

/// A required-flag change on a field, parameter or body.
fn required_change(at: &str, was_required: bool, usage: Usage) -> Found {
    let rule = if was_required {
        stricter(
            usage,
            Rule::RequestBecameOptional,
            Rule::ResponseBecameOptional,
        )
    } else {
        stricter(
            usage,
            Rule::RequestBecameRequired,
            Rule::ResponseBecameRequired,
        )
    };
    found(Kind::RequiredChanged, rule, usage)
        .at(at.to_owned())
        .before(Some(required_word(was_required).to_owned()))
        .after(Some(required_word(!was_required).to_owned()))
}

fn required_word(required: bool) -> &'static str {
    if required {
        "required"
    } else {
        "optional"
    }
}

/// `integer(int64), required` (plus `, nullable`).
fn field_summary(schema: Option<&Value>, required: bool) -> String {
    let label = schema.map_or_else(|| "any".to_owned(), model::type_label);
    let nullable = if schema.is_some_and(model::is_nullable) {
        ", nullable"
    } else {
        ""
    };
    format!("{label}, {}{nullable}", required_word(required))
}

/// `orders[]` + `price` = `orders[].price`; `[]` and `{}` attach directly.
fn join(at: &str, next: &str) -> String {
    if at.is_empty() {
        next.to_owned()
    } else if next.starts_with('[') || next.starts_with('{') {
        format!("{at}{next}")
    } else {
        format!("{at}.{next}")
    }
}
