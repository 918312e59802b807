//! Errors raised while turning an upstream document into the vendored slice.

use thiserror::Error;

/// Everything that can be wrong with an input document (or, for
/// [`SpecError::Emit`] and [`SpecError::Internal`], with our own output).
///
/// Locations are JSON pointers into the *input* document (`#/paths/~1portfolio~1orders/get`),
/// the same notation `$ref` uses, so a message can be pasted straight into a
/// pointer-aware viewer.
#[derive(Debug, Error)]
pub enum SpecError {
    #[error("input is not parseable as YAML or JSON: {0}")]
    Parse(#[source] serde_yaml_ng::Error),

    #[error("input is not an OpenAPI document: {0}")]
    NotOpenApi(String),

    #[error("unsupported document version `{found}`: only OpenAPI 3.0.x is supported")]
    UnsupportedVersion { found: String },

    #[error("the input has no paths under /portfolio, so there is nothing to import")]
    NoPortfolioPaths,

    #[error("dangling $ref `{reference}` at {location}: its target does not exist")]
    DanglingRef { reference: String, location: String },

    #[error(
        "non-local $ref `{reference}` at {location}: only same-document refs starting with `#/` are supported"
    )]
    NonLocalRef { reference: String, location: String },

    #[error(
        "unsupported $ref `{reference}` at {location}: only refs into #/components/<section>/<name> are supported"
    )]
    UnsupportedRef { reference: String, location: String },

    #[error("security requirement at {location} names `{name}`, which is not in components/securitySchemes")]
    UndefinedSecurityScheme { name: String, location: String },

    #[error("duplicate operationId `{id}`: {first} and {second} both use it (progenitor needs each to be unique)")]
    DuplicateOperationId {
        id: String,
        first: String,
        second: String,
    },

    /// A problem with `openapi/extra_paths.yaml` or one of its entries, or a
    /// listed path the input lacks.
    #[error("{0}")]
    ExtraPaths(String),

    /// A problem with `openapi/tolerances.yaml` or one of its entries.
    #[error("{0}")]
    Tolerance(String),

    /// A problem with `openapi/retained.yaml`, or a list that does not fit
    /// the document.
    #[error("{0}")]
    Retained(String),

    #[error("malformed document at {location}: {message}")]
    Malformed { location: String, message: String },

    #[error("could not emit YAML: {0}")]
    Emit(#[source] serde_yaml_ng::Error),

    /// A self-check on our own output failed; this is a bug in the importer,
    /// never a property of the input.
    #[error("internal error (importer bug): {0}")]
    Internal(String),
}

impl SpecError {
    pub(crate) fn malformed(location: &str, message: impl Into<String>) -> Self {
        SpecError::Malformed {
            location: location.to_owned(),
            message: message.into(),
        }
    }
}
