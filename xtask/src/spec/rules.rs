//! What counts as breaking *for this client* when the spec moves from the
//! vendored version (old) to another one (new).
//!
//! A rule says whether a kind of change *can* break: either the crate as
//! built from the old spec would misbehave against a server that implements
//! the new one (a call that now fails, a response that no longer decodes, a
//! request the server now rejects: [`Rule::breaks_released_crate`]), or the
//! regenerated Rust changes under code that uses it (a renamed
//! `operationId` renames a method; nothing changes on the wire). Whether it
//! *does* break this project is decided per change by the diff, from the
//! generated items handwritten code uses (`diff/facade.rs`): breaking means
//! the upgrade fails to build or to pass the tests until handwritten code is
//! changed. The facts behind the rules:
//!
//! * Unknown response fields are ignored, and response enums are lenient
//!   (`Unknown(String)`, see codegen/mod.rs), so additions to responses are
//!   safe.
//! * An optional field is an `Option` and decodes a missing value or `null`
//!   as `None`; a required one is not, so it must keep arriving, non-null.
//! * Error responses are decoded by the facade from status, headers and raw
//!   body (non-2xx responses are stripped before generation), so changes to
//!   declared error responses do not break decoding.
//!
//! Every verdict is one [`Rule`]; openapi/README.md has the same table.

use super::diff::Usage;

/// One row of the rules table: a kind of change in a given direction and
/// context, with its verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    OperationRemoved,
    OperationAdded,
    OperationIdChanged,
    DeprecatedChanged,
    SuccessStatusChanged,
    SuccessBodyRemoved,
    SuccessBodyAdded,
    ErrorResponseChanged,
    RequiredParameterAdded,
    OptionalParameterAdded,
    ParameterRemoved,
    RequiredRequestBodyAdded,
    OptionalRequestBodyAdded,
    RequestBodyRemoved,
    RequestBecameRequired,
    RequestBecameOptional,
    RequiredRequestFieldAdded,
    OptionalRequestFieldAdded,
    RequestFieldRemoved,
    RequiredResponseFieldAdded,
    OptionalResponseFieldAdded,
    RequiredResponseFieldRemoved,
    OptionalResponseFieldRemoved,
    ResponseBecameRequired,
    ResponseBecameOptional,
    TypeChanged,
    TypeRenamed,
    RequestEnumIntroduced,
    ResponseEnumIntroduced,
    EnumDropped,
    RequestEnumValueAdded,
    RequestEnumValueRemoved,
    ResponseEnumValueAdded,
    ResponseEnumValueRemoved,
    RequiredResponseBecameNullable,
    OptionalResponseBecameNullable,
    ResponseNoLongerNullable,
    RequestBecameNullable,
    RequiredRequestNoLongerNullable,
    OptionalRequestNoLongerNullable,
    SchemaAdded,
    SchemaRemoved,
    JsonMediaTypeRemoved,
    MediaTypeChanged,
    ConstraintChanged,
    StringConstraintChanged,
    IntegerConstraintChanged,
}

impl Rule {
    /// Every rule, in the order of the README table.
    pub const ALL: [Rule; 47] = [
        Rule::OperationRemoved,
        Rule::OperationAdded,
        Rule::OperationIdChanged,
        Rule::DeprecatedChanged,
        Rule::SuccessStatusChanged,
        Rule::SuccessBodyRemoved,
        Rule::SuccessBodyAdded,
        Rule::ErrorResponseChanged,
        Rule::RequiredParameterAdded,
        Rule::OptionalParameterAdded,
        Rule::ParameterRemoved,
        Rule::RequiredRequestBodyAdded,
        Rule::OptionalRequestBodyAdded,
        Rule::RequestBodyRemoved,
        Rule::RequestBecameRequired,
        Rule::RequestBecameOptional,
        Rule::RequiredRequestFieldAdded,
        Rule::OptionalRequestFieldAdded,
        Rule::RequestFieldRemoved,
        Rule::RequiredResponseFieldAdded,
        Rule::OptionalResponseFieldAdded,
        Rule::RequiredResponseFieldRemoved,
        Rule::OptionalResponseFieldRemoved,
        Rule::ResponseBecameRequired,
        Rule::ResponseBecameOptional,
        Rule::TypeChanged,
        Rule::TypeRenamed,
        Rule::RequestEnumIntroduced,
        Rule::ResponseEnumIntroduced,
        Rule::EnumDropped,
        Rule::RequestEnumValueAdded,
        Rule::RequestEnumValueRemoved,
        Rule::ResponseEnumValueAdded,
        Rule::ResponseEnumValueRemoved,
        Rule::RequiredResponseBecameNullable,
        Rule::OptionalResponseBecameNullable,
        Rule::ResponseNoLongerNullable,
        Rule::RequestBecameNullable,
        Rule::RequiredRequestNoLongerNullable,
        Rule::OptionalRequestNoLongerNullable,
        Rule::SchemaAdded,
        Rule::SchemaRemoved,
        Rule::JsonMediaTypeRemoved,
        Rule::MediaTypeChanged,
        Rule::ConstraintChanged,
        Rule::StringConstraintChanged,
        Rule::IntegerConstraintChanged,
    ];

    /// The rule can break this project (whether it does is decided per
    /// change, from what handwritten code uses: `diff/facade.rs`).
    pub fn breaking(self) -> bool {
        self.breaks_released_crate() || self.changes_generated_rust_only()
    }

    /// Whether the crate released today misbehaves against a server on the
    /// new version (if it uses the operation or field at all).
    pub fn breaks_released_crate(self) -> bool {
        use Rule::*;
        matches!(
            self,
            OperationRemoved
                | SuccessStatusChanged
                | SuccessBodyRemoved
                | RequiredParameterAdded
                | ParameterRemoved
                | RequiredRequestBodyAdded
                | RequestBodyRemoved
                | RequestBecameRequired
                | RequiredRequestFieldAdded
                | RequestFieldRemoved
                | RequiredResponseFieldRemoved
                | ResponseBecameOptional
                | TypeChanged
                | RequestEnumIntroduced
                | RequestEnumValueRemoved
                | RequiredResponseBecameNullable
                | RequiredRequestNoLongerNullable
                | JsonMediaTypeRemoved
        )
    }

    /// Nothing changes on the wire, but the regenerated Rust does, under
    /// handwritten code that uses it.
    pub fn changes_generated_rust_only(self) -> bool {
        use Rule::*;
        matches!(
            self,
            OperationIdChanged
                | TypeRenamed
                | EnumDropped
                | ResponseEnumIntroduced
                | RequestBecameOptional
                | RequestBecameNullable
                | SuccessBodyAdded
                | StringConstraintChanged
                | IntegerConstraintChanged
        )
    }

    /// Stable machine name (the `rule` of `--format json`).
    pub fn name(self) -> &'static str {
        use Rule::*;
        match self {
            OperationRemoved => "operation_removed",
            OperationAdded => "operation_added",
            OperationIdChanged => "operation_id_changed",
            DeprecatedChanged => "deprecated_changed",
            SuccessStatusChanged => "success_status_changed",
            SuccessBodyRemoved => "success_body_removed",
            SuccessBodyAdded => "success_body_added",
            ErrorResponseChanged => "error_response_changed",
            RequiredParameterAdded => "required_parameter_added",
            OptionalParameterAdded => "optional_parameter_added",
            ParameterRemoved => "parameter_removed",
            RequiredRequestBodyAdded => "required_request_body_added",
            OptionalRequestBodyAdded => "optional_request_body_added",
            RequestBodyRemoved => "request_body_removed",
            RequestBecameRequired => "request_became_required",
            RequestBecameOptional => "request_became_optional",
            RequiredRequestFieldAdded => "required_request_field_added",
            OptionalRequestFieldAdded => "optional_request_field_added",
            RequestFieldRemoved => "request_field_removed",
            RequiredResponseFieldAdded => "required_response_field_added",
            OptionalResponseFieldAdded => "optional_response_field_added",
            RequiredResponseFieldRemoved => "required_response_field_removed",
            OptionalResponseFieldRemoved => "optional_response_field_removed",
            ResponseBecameRequired => "response_became_required",
            ResponseBecameOptional => "response_became_optional",
            TypeChanged => "type_changed",
            TypeRenamed => "type_renamed",
            RequestEnumIntroduced => "request_enum_introduced",
            ResponseEnumIntroduced => "response_enum_introduced",
            EnumDropped => "enum_dropped",
            RequestEnumValueAdded => "request_enum_value_added",
            RequestEnumValueRemoved => "request_enum_value_removed",
            ResponseEnumValueAdded => "response_enum_value_added",
            ResponseEnumValueRemoved => "response_enum_value_removed",
            RequiredResponseBecameNullable => "required_response_became_nullable",
            OptionalResponseBecameNullable => "optional_response_became_nullable",
            ResponseNoLongerNullable => "response_no_longer_nullable",
            RequestBecameNullable => "request_became_nullable",
            RequiredRequestNoLongerNullable => "required_request_no_longer_nullable",
            OptionalRequestNoLongerNullable => "optional_request_no_longer_nullable",
            SchemaAdded => "schema_added",
            SchemaRemoved => "schema_removed",
            JsonMediaTypeRemoved => "json_media_type_removed",
            MediaTypeChanged => "media_type_changed",
            ConstraintChanged => "constraint_changed",
            StringConstraintChanged => "string_constraint_changed",
            IntegerConstraintChanged => "integer_constraint_changed",
        }
    }

    /// Why the verdict is what it is, in a few words (shown in the report).
    pub fn why(self) -> &'static str {
        use Rule::*;
        match self {
            OperationRemoved => "the client calls an operation that is gone",
            OperationAdded => "new operations are reachable once generated",
            OperationIdChanged => {
                "same wire, but the generated method is renamed and the facade calls it by name"
            }
            DeprecatedChanged => "a hint only",
            SuccessStatusChanged => "the generated client treats any other status as an error",
            SuccessBodyRemoved => "the client expects a body it will not get",
            SuccessBodyAdded => {
                "the old client ignores it, but the regenerated one decodes a body the sandbox (imitating the old answer) does not send, so the tests fail"
            }
            ErrorResponseChanged => "the facade decodes errors from status and raw body",
            RequiredParameterAdded => "the client does not send it",
            OptionalParameterAdded => "the client may omit it",
            ParameterRemoved => "the client may still send it",
            RequiredRequestBodyAdded => "the client does not send one",
            OptionalRequestBodyAdded => "the client may omit it",
            RequestBodyRemoved => "the client still sends one",
            RequestBecameRequired => "the client may omit it",
            RequestBecameOptional => {
                "the client could keep sending it, but the generated field becomes an Option under handwritten code that reads it"
            }
            RequiredRequestFieldAdded => "the client does not send it",
            OptionalRequestFieldAdded => "the client may omit it",
            RequestFieldRemoved => "the client may still send it",
            RequiredResponseFieldAdded => "unknown response fields are ignored",
            OptionalResponseFieldAdded => "unknown response fields are ignored",
            RequiredResponseFieldRemoved => "its generated field is not an Option",
            OptionalResponseFieldRemoved => {
                "spec import retains it (openapi/retained.yaml): the field stays and decodes as None"
            }
            ResponseBecameRequired => {
                "an Option field accepts a value; spec import keeps it optional (openapi/retained.yaml)"
            }
            ResponseBecameOptional => "its generated field is not an Option",
            TypeChanged => "values of the new type do not decode or encode as the old",
            TypeRenamed => {
                "same JSON, but the generated Rust type is renamed or replaced, and handwritten code names it"
            }
            RequestEnumIntroduced => "the client may send a value outside the new enum",
            ResponseEnumIntroduced => {
                "the values are still strings on the wire, but the generated field becomes an enum under handwritten code"
            }
            EnumDropped => {
                "any old value is still allowed, but the generated enum and the variants handwritten code names are gone (rehearsed: drop-enum-orderstatus)"
            }
            RequestEnumValueAdded => "the client never sends the new value",
            RequestEnumValueRemoved => "the client may send a value the server rejects",
            ResponseEnumValueAdded => "response enums keep unknown values",
            ResponseEnumValueRemoved => {
                "the client never receives it; spec import retains the value (openapi/retained.yaml)"
            }
            RequiredResponseBecameNullable => "null does not decode into a non-Option field",
            OptionalResponseBecameNullable => "null decodes as None",
            ResponseNoLongerNullable => "the client accepts null and values alike",
            RequestBecameNullable => {
                "the client never sends null it did not before, but a required field's generated type becomes an Option under handwritten code that reads it"
            }
            RequiredRequestNoLongerNullable => "the client may send null",
            OptionalRequestNoLongerNullable => "the client omits a None field",
            SchemaAdded => "judged where it is used",
            SchemaRemoved => "judged where it was used",
            JsonMediaTypeRemoved => "the client sends and decodes only application/json",
            MediaTypeChanged => "application/json, which the client uses, is unchanged",
            ConstraintChanged => "the server checks constraints; the Rust type is the same",
            StringConstraintChanged => {
                "the generator turns a string with a length or pattern constraint into a validating newtype, so the Rust type changes under handwritten code"
            }
            IntegerConstraintChanged => {
                "the generator picks the integer type from the bounds (minimum 1 is NonZeroU64, a bare minimum 0 is u64), and these bounds move it"
            }
        }
    }
}

/// A change judged in each context its schema is used in: the breaking
/// verdict wins when a schema is used in both requests and responses.
pub fn stricter(usage: Usage, request: Rule, response: Rule) -> Rule {
    match (usage.request, usage.response) {
        (true, false) => request,
        (false, true) => response,
        _ if request.breaking() => request,
        _ if response.breaking() => response,
        // Neither breaks; name the response rule for a schema used in both
        // (or, defensively, in neither), as responses are the common case.
        _ => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = Rule::ALL.iter().map(|r| r.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Rule::ALL.len());
    }

    #[test]
    fn stricter_prefers_breaking() {
        let both = Usage {
            request: true,
            response: true,
        };
        assert_eq!(
            stricter(
                both,
                Rule::RequestFieldRemoved,
                Rule::OptionalResponseFieldRemoved
            ),
            Rule::RequestFieldRemoved
        );
        assert_eq!(
            stricter(
                Usage {
                    request: false,
                    response: true
                },
                Rule::RequestFieldRemoved,
                Rule::OptionalResponseFieldRemoved
            ),
            Rule::OptionalResponseFieldRemoved
        );
    }
}
