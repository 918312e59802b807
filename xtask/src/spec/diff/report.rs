//! What a comparison finds: each [`Change`] with its [`Kind`] and verdict,
//! gathered in a [`Report`].

use super::{Facade, Usage};
use crate::spec::facade_usage::FacadeUsage;
use crate::spec::rules::Rule;

/// The part of the document a change is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Operations,
    Schemas,
}

impl Section {
    pub fn name(self) -> &'static str {
        match self {
            Section::Operations => "operations",
            Section::Schemas => "schemas",
        }
    }
}

/// What changed, independent of the verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    OperationAdded,
    OperationRemoved,
    OperationIdChanged,
    DeprecatedChanged,
    ParameterAdded,
    ParameterRemoved,
    RequestBodyAdded,
    RequestBodyRemoved,
    SuccessStatusChanged,
    ResponseBodyAdded,
    ResponseBodyRemoved,
    ErrorResponseAdded,
    ErrorResponseRemoved,
    SchemaAdded,
    SchemaRemoved,
    FieldAdded,
    FieldRemoved,
    RequiredChanged,
    TypeChanged,
    EnumValueAdded,
    EnumValueRemoved,
    EnumIntroduced,
    EnumDropped,
    NullableChanged,
    MediaTypeAdded,
    MediaTypeRemoved,
    ConstraintChanged,
}

impl Kind {
    /// Stable machine name (the `kind` of `--format json`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::OperationAdded => "operation_added",
            Kind::OperationRemoved => "operation_removed",
            Kind::OperationIdChanged => "operation_id_changed",
            Kind::DeprecatedChanged => "deprecated_changed",
            Kind::ParameterAdded => "parameter_added",
            Kind::ParameterRemoved => "parameter_removed",
            Kind::RequestBodyAdded => "request_body_added",
            Kind::RequestBodyRemoved => "request_body_removed",
            Kind::SuccessStatusChanged => "success_status_changed",
            Kind::ResponseBodyAdded => "response_body_added",
            Kind::ResponseBodyRemoved => "response_body_removed",
            Kind::ErrorResponseAdded => "error_response_added",
            Kind::ErrorResponseRemoved => "error_response_removed",
            Kind::SchemaAdded => "schema_added",
            Kind::SchemaRemoved => "schema_removed",
            Kind::FieldAdded => "field_added",
            Kind::FieldRemoved => "field_removed",
            Kind::RequiredChanged => "required_changed",
            Kind::TypeChanged => "type_changed",
            Kind::EnumValueAdded => "enum_value_added",
            Kind::EnumValueRemoved => "enum_value_removed",
            Kind::EnumIntroduced => "enum_introduced",
            Kind::EnumDropped => "enum_dropped",
            Kind::NullableChanged => "nullable_changed",
            Kind::MediaTypeAdded => "media_type_added",
            Kind::MediaTypeRemoved => "media_type_removed",
            Kind::ConstraintChanged => "constraint_changed",
        }
    }
}

/// One change, with its verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub section: Section,
    /// `GET /portfolio/fills` for an operation, the component name for a
    /// schema.
    pub subject: String,
    /// The operation's `operationId` (new side if it has one, else old).
    pub operation_id: Option<String>,
    /// Where inside the subject, e.g. `query ticker`, `request body.orders[]`,
    /// `yes_price_dollars`; empty for the subject itself.
    pub at: String,
    pub kind: Kind,
    /// The old and new value where that is meaningful: a type label, `true`,
    /// a status code, an enum value, a field's `type, required`.
    pub old: Option<String>,
    pub new: Option<String>,
    /// Where the changed schema is used.
    pub usage: Usage,
    pub rule: Rule,
    /// Whether handwritten code uses what the change touches (set by
    /// [`Report::judge`]).
    pub facade: Facade,
}

impl Change {
    /// The rule can break, and (once judged) handwritten code uses what the
    /// change touches: the upgrade fails to build or test until it is changed.
    pub fn breaking(&self) -> bool {
        self.rule.breaking() && self.facade != Facade::Unused
    }

    /// The rule can break, but no handwritten code uses what it touches.
    pub fn breaking_elsewhere(&self) -> bool {
        self.rule.breaking() && self.facade == Facade::Unused
    }

    /// Whether the crate released today misbehaves against a server on the
    /// new version. Where handwritten code does not use what changed, the
    /// released crate neither sends it nor calls it; only its generated
    /// decoder, which decodes every field whoever reads it, still expects
    /// the old form of a response.
    pub fn breaks_released_crate(&self) -> bool {
        use Rule::*;
        self.rule.breaks_released_crate()
            && (self.facade != Facade::Unused
                || (self.usage.response
                    && matches!(
                        self.rule,
                        RequiredResponseFieldRemoved
                            | ResponseBecameOptional
                            | RequiredResponseBecameNullable
                            | TypeChanged
                    )))
    }
}

/// A side of the comparison, for the report's header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Side {
    /// File name, or `openapi/portfolio.yaml` for the vendored file.
    pub source: String,
    pub version: String,
}

/// The full comparison.
#[derive(Clone, Debug)]
pub struct Report {
    pub old: Side,
    pub new: Side,
    pub changes: Vec<Change>,
    /// Tolerances (openapi/tolerances.yaml) that did not apply to the new
    /// side: their schema or field is gone, or upstream no longer requires
    /// the field. Each needs its entry removed or fixed before importing.
    pub warnings: Vec<String>,
}

impl Report {
    /// Judges each change the rules call breaking against the generated
    /// items handwritten code uses (see `diff/facade.rs`).
    pub fn judge(&mut self, usage: &FacadeUsage) {
        super::facade::judge(&mut self.changes, usage);
    }

    pub fn breaking_count(&self) -> usize {
        self.changes.iter().filter(|c| c.breaking()).count()
    }
}
