//! The crate's one error type.
//!
//! Every failure a caller can see is an [`Error`]. The variants answer the questions a
//! batch job asks after a failure: did Kalshi say no (and why), did the request even
//! leave, may it have reached the exchange (so a retry could double an order), did the
//! answer not parse, or was the call wrong before anything was sent.
//!
//! No variant ever carries key material, a signature or a request header: only what
//! Kalshi answered and what the caller passed in.
//!
//! Each error's message is complete: it names the facade operation the caller called
//! and includes every underlying cause down to the root (a transport error says "dns
//! error: failed to lookup address …"). So `source()` is `None` throughout, and
//! reporters that walk the chain (`anyhow`'s `{:#}`, `eyre`) print each part once. The
//! parts stay reachable as fields: [`Error::last`], `Transport::cause`.

use std::fmt;
use std::time::Duration;

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How much of a response body an error keeps. Kalshi's error bodies are small; a body
/// bigger than this is not an error object anyway, and an error must stay cheap to log.
pub(crate) const MAX_BODY_KEPT: usize = 64 * 1024;

/// Who expected what a [`Error::Decode`] did not find: this crate's version and the
/// spec version it was generated from.
const DECODER: &str = concat!(
    "kalshi-portfolio ",
    env!("CARGO_PKG_VERSION"),
    ", Kalshi spec ",
    env!("KALSHI_SPEC_VERSION")
);

/// How much of an undecodable body a [`Error::Decode`] shows.
pub(crate) const DECODE_EXCERPT: usize = 512;

/// Everything that can go wrong calling Kalshi through this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Kalshi answered with an error: a non-2xx status, or a 2xx whose body is an
    /// error object.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// The request could not be sent or its answer could not be read (DNS, TLS, a
    /// refused or dropped connection).
    #[error(
        "{operation}: transport error ({}): {}",
        sent_description(*.may_have_reached_exchange),
        chain_text(cause.as_ref())
    )]
    Transport {
        /// The facade operation that failed (`create_order`, `get_fills`, …).
        operation: &'static str,
        /// `false` only when the connection failed before any byte of the request was
        /// written, so the exchange certainly did not act on it.
        may_have_reached_exchange: bool,
        /// The underlying error (never contains credentials). Its whole chain, down to
        /// the root cause (a DNS failure, a refused connection), is in this error's
        /// message already.
        cause: Box<dyn std::error::Error + Send + Sync>,
    },

    /// No complete answer arrived within the configured timeout.
    #[error("{operation}: timed out after {timeout:?} ({})", sent_description(*.may_have_reached_exchange))]
    Timeout {
        /// The operation that timed out.
        operation: &'static str,
        /// The timeout in force.
        timeout: Duration,
        /// `false` when the connection was never established (connect timeout); `true`
        /// when the request was sent and the exchange may have acted on it.
        may_have_reached_exchange: bool,
    },

    /// A 2xx answer whose body does not match the spec. The message names the field
    /// and, inside a list, the item (`fills[3].ticker`), and the crate and spec
    /// versions that expected it, so the error can be reported as it stands.
    #[error(
        "{operation}: could not decode the response ({DECODER}): {message}; body starts \
         with: {body_excerpt}"
    )]
    Decode {
        /// The operation whose response failed to decode.
        operation: &'static str,
        /// What did not match, naming the field where serde knows it.
        message: String,
        /// The first bytes of the body, lossily decoded, for the log.
        body_excerpt: String,
    },

    /// The call was rejected before anything was sent.
    #[error("invalid request: {field}: {reason}")]
    InvalidRequest {
        /// The argument or field that was wrong (e.g. `price`, `count`, `limit`).
        field: String,
        /// Why it was rejected.
        reason: String,
    },

    /// The client could not be configured (missing key id, unreadable or unsupported
    /// key, bad base URL, environment variables).
    #[error("configuration error: {0}")]
    Config(String),

    /// Every attempt the retry policy allowed failed; `last` is the final failure.
    ///
    /// [`Error::status`], [`Error::code`], [`Error::api`] and the other accessors
    /// answer for `last`, so callers can treat this like the error it wraps.
    #[error("{operation}: gave up after {attempts} attempts; last failure: {}", last.without_operation())]
    RetriesExhausted {
        /// The operation that was retried.
        operation: &'static str,
        /// How many attempts were made, the first included.
        attempts: u32,
        /// What the last attempt failed with ([`Error::last`]).
        last: Box<Error>,
    },

    /// The server answered with a redirect (3xx). The client follows none: a signed
    /// request goes to the configured exchange and nowhere else, so its key id,
    /// signature and body never reach a host it was not built for. The request did
    /// reach the server that redirected, so a write may have been applied there.
    #[error(
        "{operation}: the server answered {status} redirecting to {}; redirects are not \
         followed (the request may have reached the exchange)",
        location.as_deref().unwrap_or("no location")
    )]
    Redirect {
        /// The operation that was redirected.
        operation: &'static str,
        /// The 3xx status.
        status: u16,
        /// The `Location` header as sent (user info removed, at most 256 characters),
        /// if there was one.
        location: Option<String>,
    },

    /// A success answer's body was larger than the client reads
    /// ([`ClientBuilder::max_response_body`](crate::ClientBuilder::max_response_body)).
    /// Reading stopped at the limit, so a hostile or broken server cannot exhaust
    /// memory. The request reached the exchange.
    #[error(
        "{operation}: the response body is larger than the {limit}-byte limit \
         (ClientBuilder::max_response_body); the request may have reached the exchange"
    )]
    ResponseTooLarge {
        /// The operation whose answer was too large.
        operation: &'static str,
        /// The limit in force, in bytes.
        limit: usize,
    },

    /// A create whose outcome is unknown: it failed in a way that may have reached the
    /// exchange (`last` says how), and the order could not be found afterwards. It may
    /// still exist, or be executed later by a request the client gave up on.
    ///
    /// Resolve it with [`Client::resolve_create`](crate::Client::resolve_create), or
    /// send the same order again with
    /// [`NewOrder::client_order_id`](crate::NewOrder::client_order_id) set to the id
    /// in [`Error::client_order_ids`]: the exchange refuses a second order with the same
    /// id, so that retry cannot place it twice. A retry without the id is a new order.
    #[error(
        "{operation}: outcome unknown: {}; the order may exist or still execute. Resolve \
         it with Client::resolve_create, or retry with the same client_order_id {}",
        last.without_operation(),
        quoted_list(client_order_ids)
    )]
    OutcomeUnknown {
        /// The create operation (`create_order`, `batch_create_orders`).
        operation: &'static str,
        /// The `client_order_id` of every order the call sent, in order.
        client_order_ids: Vec<String>,
        /// When the call was made, in Unix seconds: where a lookup starts.
        submitted_at: i64,
        /// How the call failed ([`Error::last`]).
        last: Box<Error>,
    },

    /// A paginated walk could not continue safely (the server repeated a cursor, or
    /// kept sending empty pages that still point to a next one).
    #[error("{operation}: pagination stopped: {reason}")]
    Pagination {
        /// The list operation being walked.
        operation: &'static str,
        /// What went wrong.
        reason: String,
    },
}

/// An error's message followed by those of its sources, each once: libraries often
/// repeat their source's text in their own, so a message already contained in the
/// text so far is skipped.
fn chain_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        let message = cause.to_string();
        if !message.is_empty() && !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        next = cause.source();
    }
    text
}

fn quoted_list(ids: &[String]) -> String {
    let quoted: Vec<String> = ids.iter().map(|id| format!("{id:?}")).collect();
    quoted.join(", ")
}

fn sent_description(may_have_reached_exchange: bool) -> &'static str {
    if may_have_reached_exchange {
        "the request may have reached the exchange"
    } else {
        "the request did not reach the exchange"
    }
}

impl Error {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidRequest {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn decode(operation: &'static str, message: impl Into<String>, body: &[u8]) -> Self {
        Error::Decode {
            operation,
            message: message.into(),
            body_excerpt: excerpt(body, DECODE_EXCERPT),
        }
    }

    /// Whether trying the same call again later can reasonably succeed: 429, 5xx,
    /// connection failures and timeouts. A caller retrying a write must still know the
    /// write is idempotent (see [`Error::may_have_reached_exchange`]).
    pub fn is_retryable(&self) -> bool {
        match self.last() {
            Error::Api(api) => api.status == 429 || (500..=599).contains(&api.status),
            Error::Transport { .. } | Error::Timeout { .. } => true,
            _ => false,
        }
    }

    /// The HTTP status Kalshi answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self.last() {
            Error::Api(api) => Some(api.status),
            _ => None,
        }
    }

    /// Kalshi's error code (e.g. `insufficient_balance`), if it sent one.
    pub fn code(&self) -> Option<&str> {
        match self.last() {
            Error::Api(api) => api.code.as_deref(),
            _ => None,
        }
    }

    /// Whether the exchange may have acted on the request. `false` means certainly not
    /// (it was rejected before sending, or the connection never opened); `true` means an
    /// order may exist even though this call failed.
    pub fn may_have_reached_exchange(&self) -> bool {
        match self {
            Error::Api(_)
            | Error::Decode { .. }
            | Error::Redirect { .. }
            | Error::ResponseTooLarge { .. } => true,
            Error::Transport {
                may_have_reached_exchange,
                ..
            }
            | Error::Timeout {
                may_have_reached_exchange,
                ..
            } => *may_have_reached_exchange,
            Error::InvalidRequest { .. } | Error::Config(_) | Error::Pagination { .. } => false,
            // Conservative: an earlier attempt may have reached it, whatever the last
            // one did.
            Error::RetriesExhausted { .. } | Error::OutcomeUnknown { .. } => true,
        }
    }

    /// The final failure: `self`, or the last attempt's error of
    /// [`Error::RetriesExhausted`].
    pub fn last(&self) -> &Error {
        match self {
            Error::RetriesExhausted { last, .. } | Error::OutcomeUnknown { last, .. } => {
                last.last()
            }
            other => other,
        }
    }

    /// How many attempts the call made (1 unless it was retried).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::RetriesExhausted { attempts, .. } => *attempts,
            Error::OutcomeUnknown { last, .. } => last.attempts(),
            _ => 1,
        }
    }

    /// The `client_order_id`s of a create whose outcome is unknown
    /// ([`Error::OutcomeUnknown`]); empty for every other error. Send the order again
    /// with this id, or pass the error to
    /// [`Client::resolve_create`](crate::Client::resolve_create).
    pub fn client_order_ids(&self) -> &[String] {
        match self {
            Error::OutcomeUnknown {
                client_order_ids, ..
            } => client_order_ids,
            _ => &[],
        }
    }

    /// This error's message without the `operation: ` it starts with, for an outer
    /// error that has named the operation already.
    fn without_operation(&self) -> String {
        let text = self.to_string();
        let operation = match self {
            Error::Api(api) => Some(api.operation),
            Error::Transport { operation, .. }
            | Error::Timeout { operation, .. }
            | Error::Redirect { operation, .. }
            | Error::ResponseTooLarge { operation, .. }
            | Error::Decode { operation, .. }
            | Error::RetriesExhausted { operation, .. }
            | Error::OutcomeUnknown { operation, .. }
            | Error::Pagination { operation, .. } => Some(*operation),
            Error::InvalidRequest { .. } | Error::Config(_) => None,
        };
        match operation.and_then(|operation| text.strip_prefix(&format!("{operation}: "))) {
            Some(rest) => rest.to_string(),
            None => text,
        }
    }

    /// The error Kalshi sent, when there is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self.last() {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }
}

/// An error answer from Kalshi, with everything it said.
///
/// Kalshi's spec declares a flat `{code, message, details}` body; the wire has also
/// been seen wrapping it as `{"error": {…}}`. Both decode here, and a body that is
/// neither is kept raw in [`ApiError::body`].
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation that failed.
    pub operation: &'static str,
    /// The HTTP status (a 2xx when the body of a success status was an error object).
    pub status: u16,
    /// Kalshi's machine-readable code.
    pub code: Option<String>,
    /// Kalshi's human-readable message.
    pub message: Option<String>,
    /// Kalshi's additional details.
    pub details: Option<String>,
    /// The `Retry-After` header, parsed (seconds or HTTP date), when present and
    /// readable. A value too large to represent is [`Duration::MAX`].
    pub retry_after: Option<Duration>,
    /// The `Retry-After` header as sent (at most 64 characters), when present: tells
    /// an unreadable value (`retry_after` is then `None`) from an absent one.
    pub retry_after_header: Option<String>,
    /// Why the client did not retry although the status allows it: the server asked
    /// for a wait it will not make (unreadable, or longer than
    /// [`RetryPolicy::max_retry_after`](crate::RetryPolicy::max_retry_after)).
    pub not_retried: Option<String>,
    /// The raw body (up to 64 KiB), lossily decoded as UTF-8.
    pub body: String,
}

impl ApiError {
    /// Build from a status and raw body, accepting the flat and the wrapped shape.
    pub(crate) fn from_body(
        operation: &'static str,
        status: u16,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> Self {
        let fields = parse_error_object(body).unwrap_or_default();
        ApiError {
            operation,
            status,
            code: fields.code,
            message: fields.message,
            details: fields.details,
            retry_after,
            retry_after_header: None,
            not_retried: None,
            body: excerpt(body, MAX_BODY_KEPT),
        }
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("details", &self.details)
            .field("retry_after", &self.retry_after)
            .field("retry_after_header", &self.retry_after_header)
            .field("not_retried", &self.not_retried)
            .field("body", &excerpt(self.body.as_bytes(), DECODE_EXCERPT))
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: Kalshi answered {}", self.operation, self.status)?;
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(details) = self.details.as_deref().filter(|d| !d.is_empty()) {
            write!(f, " ({details})")?;
        }
        if self.code.is_none() && self.message.is_none() && !self.body.is_empty() {
            write!(f, ": {}", excerpt(self.body.as_bytes(), DECODE_EXCERPT))?;
        }
        if let Some(reason) = &self.not_retried {
            write!(f, "; not retried: {reason}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl From<ApiError> for Error {
    fn from(api: ApiError) -> Self {
        Error::Api(Box::new(api))
    }
}

/// The fields of an error object, wherever they were found.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ErrorFields {
    pub code: Option<String>,
    pub message: Option<String>,
    pub details: Option<String>,
}

/// Read `{code, message, details}` or `{"error": {code, message, details}}`.
///
/// Returns `None` when the body is not such an object. A flat object counts only when
/// it has a `code` or a `message` string, and a wrapped one only when `error` is an
/// object (or a bare string message), so an ordinary response is never mistaken for
/// an error.
pub(crate) fn parse_error_object(body: &[u8]) -> Option<ErrorFields> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    let text = |map: &serde_json::Map<String, serde_json::Value>, key: &str| {
        map.get(key).and_then(|v| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        })
    };
    match object.get("error") {
        Some(serde_json::Value::Object(inner)) => Some(ErrorFields {
            code: text(inner, "code"),
            message: text(inner, "message"),
            details: text(inner, "details"),
        }),
        Some(serde_json::Value::String(message)) => Some(ErrorFields {
            code: text(object, "code"),
            message: Some(message.clone()),
            details: text(object, "details"),
        }),
        _ => {
            let is_string = |key: &str| object.get(key).is_some_and(serde_json::Value::is_string);
            if is_string("code") || is_string("message") {
                Some(ErrorFields {
                    code: text(object, "code"),
                    message: text(object, "message"),
                    details: text(object, "details"),
                })
            } else {
                None
            }
        }
    }
}

/// At most `limit` bytes of `body`, cut on a character boundary, lossily decoded.
pub(crate) fn excerpt(body: &[u8], limit: usize) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= limit {
        return text.into_owned();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], body.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_error_body_decodes() {
        let api = ApiError::from_body(
            "create_order_v2",
            400,
            br#"{"code":"invalid_price","message":"price out of range","details":"0 < p < 1"}"#,
            None,
        );
        assert_eq!(api.code.as_deref(), Some("invalid_price"));
        assert_eq!(api.message.as_deref(), Some("price out of range"));
        assert_eq!(api.details.as_deref(), Some("0 < p < 1"));
        assert_eq!(
            api.to_string(),
            "create_order_v2: Kalshi answered 400 [invalid_price]: price out of range (0 < p < 1)"
        );
    }

    #[test]
    fn wrapped_error_body_decodes() {
        let api = ApiError::from_body(
            "get_order",
            404,
            br#"{"error":{"code":"not_found","message":"order not found","details":""}}"#,
            None,
        );
        assert_eq!(api.code.as_deref(), Some("not_found"));
        assert_eq!(api.message.as_deref(), Some("order not found"));
        assert_eq!(
            api.to_string(),
            "get_order: Kalshi answered 404 [not_found]: order not found"
        );
    }

    #[test]
    fn non_json_error_body_is_kept_raw() {
        let api = ApiError::from_body("get_balance", 502, b"<html>Bad Gateway</html>", None);
        assert_eq!(api.code, None);
        assert_eq!(api.body, "<html>Bad Gateway</html>");
        assert!(api.to_string().contains("<html>Bad Gateway</html>"));
    }

    #[test]
    fn ordinary_responses_are_not_error_objects() {
        assert_eq!(
            parse_error_object(br#"{"balance":100,"portfolio_value":5}"#),
            None
        );
        assert_eq!(parse_error_object(br#"{"order_groups":[]}"#), None);
        assert_eq!(parse_error_object(br#"{}"#), None);
        assert_eq!(parse_error_object(b"[1,2]"), None);
        assert_eq!(parse_error_object(b"not json"), None);
        // A `code` that is not a string (e.g. a numeric field of some response) does
        // not make an object an error.
        assert_eq!(parse_error_object(br#"{"code":5}"#), None);
    }

    #[test]
    fn error_with_only_a_message_string_is_an_error() {
        let fields = parse_error_object(br#"{"error":"rate limited"}"#).expect("error");
        assert_eq!(fields.message.as_deref(), Some("rate limited"));
    }

    #[test]
    fn retryability_follows_status() {
        let api = |status| Error::from(ApiError::from_body("op", status, b"{}", None));
        assert!(api(429).is_retryable());
        assert!(api(500).is_retryable());
        assert!(api(503).is_retryable());
        assert!(!api(400).is_retryable());
        assert!(!api(404).is_retryable());
        assert!(!api(409).is_retryable());
        assert!(!Error::invalid("price", "bad").is_retryable());
        assert_eq!(api(404).status(), Some(404));
        assert_eq!(Error::invalid("price", "bad").status(), None);
    }

    #[test]
    fn excerpt_is_bounded_and_cut_on_a_char_boundary() {
        let body = "é".repeat(1000);
        let cut = excerpt(body.as_bytes(), 11);
        assert!(cut.starts_with("ééééé"));
        assert!(cut.ends_with("(2000 bytes in all)"));
        assert_eq!(excerpt(b"short", 100), "short");
    }

    #[test]
    fn timeout_says_whether_the_request_may_have_reached_the_exchange() {
        let reached = Error::Timeout {
            operation: "create_order_v2",
            timeout: Duration::from_secs(30),
            may_have_reached_exchange: true,
        };
        assert!(reached
            .to_string()
            .contains("may have reached the exchange"));
        assert!(reached.may_have_reached_exchange());
        let not_reached = Error::Timeout {
            operation: "create_order_v2",
            timeout: Duration::from_secs(10),
            may_have_reached_exchange: false,
        };
        assert!(not_reached
            .to_string()
            .contains("did not reach the exchange"));
    }
}
