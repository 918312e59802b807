//! What happens to every request on the wire, for every operation alike.
//!
//! The generated client calls into [`ClientHooks`] around each request; this module
//! implements those hooks for it:
//!
//! * `pre` drops the `api-version` header progenitor adds (Kalshi does not document
//!   it) and signs the request with a fresh timestamp. It runs once per attempt, so a
//!   retried request is a new request with a new signature.
//! * `exec` sends it, records a tracing span, and catches a 2xx whose body is an
//!   error object, which the generated decoder would otherwise accept or misreport.
//!
//! [`into_error`] turns whatever the generated call failed with into the crate's
//! [`Error`], reading status, `Retry-After` and the raw body itself (the spec's error
//! responses are removed before generation; see `codegen/mod.rs`).
//!
//! Codegen also points two of the generated code's own calls here, because progenitor's
//! versions do needless work on every request: [`decode_success`] (no copy of the
//! response headers, and a bounded read) and [`query_if_present`] (nothing for an
//! unset query parameter).
//!
//! Nothing the network sends is trusted further than it must be: redirects are not
//! followed (the reqwest client is built with none; a 3xx becomes
//! [`Error::Redirect`]), every body is read up to a limit ([`Error::ResponseTooLarge`]
//! past it), and a 2xx body that is neither the expected answer nor an error object is
//! a [`Error::Decode`], never an empty success.

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::header::{HeaderName, HeaderValue};
use tracing::Instrument;

use crate::error::{excerpt, parse_error_object, ApiError, Error, MAX_BODY_KEPT};
use crate::generated::Client as RawClient;
use crate::signing::SigningKey;

const HEADER_KEY: HeaderName = HeaderName::from_static("kalshi-access-key");
const HEADER_TIMESTAMP: HeaderName = HeaderName::from_static("kalshi-access-timestamp");
const HEADER_SIGNATURE: HeaderName = HeaderName::from_static("kalshi-access-signature");
const HEADER_API_VERSION: HeaderName = HeaderName::from_static("api-version");

/// The state the generated client carries for our hooks: who signs, and how.
///
/// It is the generated client's "inner" type, so it must be `Clone + Debug`; its
/// `Debug` never shows key material (the signing key's own `Debug` shows only its
/// kind).
#[derive(Clone, Debug)]
pub struct Hooks {
    credentials: Arc<Credentials>,
}

impl Hooks {
    pub(crate) fn new(key_id: String, key: SigningKey) -> Result<Self, Error> {
        let key_id_header = HeaderValue::from_str(&key_id).map_err(|_| {
            Error::Config(
                "api_key_id contains characters that cannot be sent in an HTTP header".into(),
            )
        })?;
        Ok(Hooks {
            credentials: Arc::new(Credentials {
                key_id,
                key_id_header,
                key,
            }),
        })
    }

    pub(crate) fn key_id(&self) -> &str {
        &self.credentials.key_id
    }
}

struct Credentials {
    key_id: String,
    /// Built once; every request clones it instead of re-validating the text.
    key_id_header: HeaderValue,
    key: SigningKey,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("key_id", &self.key_id)
            .field("key", &self.key)
            .finish()
    }
}

impl Credentials {
    /// Add the three Kalshi auth headers for this attempt.
    ///
    /// The signed text is `timestamp + METHOD + path`, where the path is the URL path
    /// as sent (it includes `/trade-api/v2`; the query string is not signed).
    fn sign(&self, request: &mut reqwest::Request) -> Result<(), String> {
        let timestamp_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|_| "the system clock is before 1970".to_string())?
            .as_millis() as u64;
        let signature = self
            .key
            .sign_request(
                timestamp_ms,
                request.method().as_str(),
                request.url().path(),
            )
            .map_err(|e| e.to_string())?;
        let mut signature = HeaderValue::from_str(&signature)
            .map_err(|_| "signature is not a valid header value".to_string())?;
        // Keeps the value out of any `Debug` of the headers, should one ever be logged.
        signature.set_sensitive(true);
        let headers = request.headers_mut();
        headers.insert(HEADER_KEY, self.key_id_header.clone());
        headers.insert(HEADER_TIMESTAMP, HeaderValue::from(timestamp_ms));
        headers.insert(HEADER_SIGNATURE, signature);
        Ok(())
    }
}

tokio::task_local! {
    /// A timeout for the requests of one call, overriding the client's: set by
    /// [`crate::Client`] around a call, applied to each request by the `pre` hook.
    pub(crate) static REQUEST_TIMEOUT: Duration;

    /// What one attempt learned on the wire that its generated call cannot return:
    /// set up by [`crate::Client`] around each attempt, filled in by `exec` and
    /// [`decode_success`], read when the attempt fails.
    pub(crate) static ATTEMPT: Attempt;
}

/// The side channel of one attempt (see [`ATTEMPT`]).
pub(crate) struct Attempt {
    /// The most bytes of a body this attempt reads.
    body_limit: usize,
    /// The status of the response, 0 until one arrives.
    status: Cell<u16>,
    /// Set when a body was larger than `body_limit`.
    body_too_large: Cell<bool>,
}

impl Attempt {
    pub(crate) fn new(body_limit: usize) -> Self {
        Attempt {
            body_limit,
            status: Cell::new(0),
            body_too_large: Cell::new(false),
        }
    }

    /// What the attempt recorded, for [`into_error`].
    pub(crate) fn outcome(&self) -> AttemptOutcome {
        AttemptOutcome {
            status: Some(self.status.get()).filter(|status| *status != 0),
            body_too_large: self.body_too_large.get().then_some(self.body_limit),
        }
    }
}

/// What an attempt recorded besides its result.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct AttemptOutcome {
    /// The response's status, if a response arrived.
    pub status: Option<u16>,
    /// The limit a body exceeded, if one did.
    pub body_too_large: Option<usize>,
}

/// The body limit of the current attempt (the default outside a client call).
fn body_limit() -> usize {
    ATTEMPT
        .try_with(|attempt| attempt.body_limit)
        .unwrap_or(crate::client::DEFAULT_MAX_RESPONSE_BODY)
}

fn note_body_too_large() {
    let _ = ATTEMPT.try_with(|attempt| attempt.body_too_large.set(true));
}

/// Marks a response whose 2xx status was rewritten because its body is an error
/// object; carries the original status so the error reports what Kalshi really sent.
#[derive(Clone, Copy, Debug)]
struct ErrorInSuccessStatus(u16);

/// Marks a response whose 2xx status was rewritten because its body is neither the
/// operation's answer nor an error object (say an error key whose value is not an
/// error, nested too deep to read); carries the original status.
#[derive(Clone, Copy, Debug)]
struct UnreadableSuccess(u16);

impl ClientHooks<Hooks> for RawClient {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        request.headers_mut().remove(HEADER_API_VERSION);
        if let Ok(timeout) = REQUEST_TIMEOUT.try_with(|timeout| *timeout) {
            *request.timeout_mut() = Some(timeout);
        }
        self.inner()
            .credentials
            .sign(request)
            .map_err(progenitor_client::Error::Custom)
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let span = tracing::debug_span!(
            "kalshi_request",
            operation = info.operation_id,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        // `execute` takes the request before the first await, so this future holds only
        // reqwest's boxed `Pending`; the probe, when there is one, is boxed too. Every
        // byte here is part of each attempt's future (see `Client::call_counted`).
        let sent = self
            .client()
            .execute(request)
            .instrument(span.clone())
            .await;
        let result = match sent {
            Ok(response) => {
                // Remembered for the decode-error path, which has only the body.
                let _ = ATTEMPT.try_with(|attempt| attempt.status.set(response.status().as_u16()));
                if crate::generated::LENIENT_SUCCESS_OPERATIONS.contains(&info.operation_id) {
                    Box::pin(flag_error_in_success(response))
                        .instrument(span.clone())
                        .await
                } else {
                    Ok(response)
                }
            }
            Err(e) => Err(e),
        };
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        span.in_scope(|| match &result {
            Ok(response) => {
                span.record("status", response.status().as_u16());
                tracing::debug!("response received");
            }
            Err(e) => tracing::debug!(error = %e, "request failed"),
        });
        result
    }
}

/// A 2xx answer whose body is an error object is turned into a non-2xx one (so the
/// generated code hands it back undecoded) and marked with its original status; so is
/// one whose body names an error key but is no error object that can be read, since
/// the lenient success type would otherwise decode it as an empty answer.
///
/// Only for the operations whose success body would decode from an error object
/// (`LENIENT_SUCCESS_OPERATIONS`, listed by codegen): for all others an error object
/// fails to decode and [`into_error`] recognizes it, so ordinary answers pass through
/// untouched. The body is read whole (up to the attempt's limit), whatever its size.
async fn flag_error_in_success(response: reqwest::Response) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    if !status.is_success() || status == reqwest::StatusCode::NO_CONTENT {
        return Ok(response);
    }
    let version = response.version();
    let mut response = response;
    let headers = std::mem::take(response.headers_mut());
    let body = read_limited(response, body_limit()).await?;
    let mut rebuilt = http::Response::new(body.clone().unwrap_or_default());
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    *rebuilt.status_mut() = status;
    let Some(body) = body else {
        // Over the limit: the error path reads the mark, not this status.
        note_body_too_large();
        *rebuilt.status_mut() = reqwest::StatusCode::BAD_GATEWAY;
        return Ok(reqwest::Response::from(rebuilt));
    };
    if may_be_error_object(&body) {
        if parse_error_object(&body).is_some() {
            *rebuilt.status_mut() = reqwest::StatusCode::BAD_GATEWAY;
            rebuilt
                .extensions_mut()
                .insert(ErrorInSuccessStatus(status.as_u16()));
        } else if !top_level_keys_are_not_errors(&body) {
            *rebuilt.status_mut() = reqwest::StatusCode::BAD_GATEWAY;
            rebuilt
                .extensions_mut()
                .insert(UnreadableSuccess(status.as_u16()));
        }
    }
    Ok(reqwest::Response::from(rebuilt))
}

/// Whether `body` is a JSON object none of whose top-level keys is `code`, `message`
/// or `error`. The values are skipped without being built, so depth does not matter;
/// a body that cannot be read this far counts as naming one.
fn top_level_keys_are_not_errors(body: &[u8]) -> bool {
    use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};

    struct NoErrorKeys;
    impl<'de> Visitor<'de> for NoErrorKeys {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            let mut clean = true;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                clean &= !matches!(key.as_ref(), "code" | "message" | "error");
                map.next_value::<IgnoredAny>()?;
            }
            Ok(clean)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    deserializer
        .deserialize_map(NoErrorKeys)
        .ok()
        .filter(|_| deserializer.end().is_ok())
        .unwrap_or(false)
}

/// Read a whole body, but no more than `limit` bytes: `None` when it is larger (a
/// `Content-Length` above the limit is refused before reading). A body that arrives
/// as one chunk, as small answers do, is returned without a copy.
async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> reqwest::Result<Option<Bytes>> {
    // Read before any chunk: the body's size hint counts down as it is consumed.
    let declared = response.content_length();
    if declared.is_some_and(|length| length > limit as u64) {
        return Ok(None);
    }
    let Some(first) = response.chunk().await? else {
        return Ok(Some(Bytes::new()));
    };
    if first.len() > limit {
        return Ok(None);
    }
    let Some(second) = response.chunk().await? else {
        return Ok(Some(first));
    };
    // Sized once from `Content-Length` (already checked against the limit) where the
    // server sends one, so the buffer does not grow, and leave holes behind it, by a
    // pattern that depends on how the network happened to split the body.
    let capacity = declared
        .and_then(|length| usize::try_from(length).ok())
        .map_or(first.len() + second.len(), |length| {
            length.max(first.len() + second.len())
        });
    let mut body = Vec::with_capacity(capacity);
    body.extend_from_slice(&first);
    let mut next = Some(second);
    while let Some(chunk) = next {
        if chunk.len() > limit - body.len() {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
        next = response.chunk().await?;
    }
    Ok(Some(Bytes::from(body)))
}

/// Read and decode a success body: what progenitor's `ResponseValue::from_response`
/// does, except that the headers are moved into the result instead of cloned.
///
/// The generated code calls this for every JSON success (codegen rewrites the call;
/// see `decode_success_without_header_copy` in `codegen/mod.rs`). The errors are the
/// ones progenitor's version returns, so [`into_error`] treats both alike.
pub(crate) async fn decode_success<T, E>(
    mut response: reqwest::Response,
) -> Result<ResponseValue<T>, progenitor_client::Error<E>>
where
    T: serde::de::DeserializeOwned,
{
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let Some(body) = read_limited(response, body_limit())
        .await
        .map_err(progenitor_client::Error::ResponseBodyError)?
    else {
        note_body_too_large();
        return Err(progenitor_client::Error::InvalidResponsePayload(
            Bytes::new(),
            serde::de::Error::custom("the body is larger than the client reads"),
        ));
    };
    match serde_json::from_slice(&body) {
        Ok(value) => Ok(ResponseValue::new(value, status, headers)),
        Err(e) => Err(progenitor_client::Error::InvalidResponsePayload(
            body.clone(),
            with_path::<T>(&body, e),
        )),
    }
}

/// The decode error again, with the path of the value that failed (`fills[3].ticker`)
/// in front: serde_json reports only line and column, which on a one-line page says
/// nothing about which item broke. Runs only after a failure, so the ordinary decode
/// pays nothing for it.
fn with_path<T: serde::de::DeserializeOwned>(
    body: &[u8],
    error: serde_json::Error,
) -> serde_json::Error {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Err(located) if located.path().iter().next().is_some() => {
            let path = located.path().to_string();
            serde::de::Error::custom(format!("at {path}: {}", located.into_inner()))
        }
        _ => error,
    }
}

/// Add an optional query parameter to a request only when it is set.
///
/// The generated code calls this for every optional query parameter (codegen rewrites
/// the call; see `skip_absent_query_parameters` in `codegen/mod.rs`): reqwest's `query`
/// costs a few hundred instructions even for a value that writes nothing. A present
/// value is serialized exactly as progenitor would.
pub(crate) fn query_if_present<T: serde::Serialize>(
    builder: reqwest::RequestBuilder,
    name: &str,
    value: &Option<T>,
) -> reqwest::RequestBuilder {
    match value {
        Some(_) => builder.query(&progenitor_client::QueryParam::new(name, value)),
        None => builder,
    }
}

/// A cheap filter before parsing: an error object names `code`, `message` or `error`,
/// and an ordinary answer (a balance, an order) usually names none of them, so the
/// common case costs a byte scan instead of a second JSON parse.
fn may_be_error_object(body: &[u8]) -> bool {
    let names = |key: &[u8]| body.windows(key.len()).any(|window| window == key);
    names(b"\"code\"") || names(b"\"message\"") || names(b"\"error\"")
}

/// Turn a failed generated call into the crate's error.
pub(crate) async fn into_error(
    operation: &'static str,
    error: progenitor_client::Error<()>,
    timeout: Duration,
    attempt: AttemptOutcome,
) -> Error {
    use progenitor_client::Error as Raw;
    if let Some(limit) = attempt.body_too_large {
        return Error::ResponseTooLarge { operation, limit };
    }
    let status = attempt.status;
    match error {
        Raw::InvalidRequest(reason) => Error::invalid("request", reason),
        Raw::Custom(reason) => Error::Config(format!("{operation}: could not sign: {reason}")),
        Raw::CommunicationError(e) | Raw::ResponseBodyError(e) | Raw::InvalidUpgrade(e) => {
            from_reqwest(operation, e, timeout)
        }
        // A 2xx whose body is an error object fails to decode as the success type.
        Raw::InvalidResponsePayload(body, _) if parse_error_object(&body).is_some() => {
            ApiError::from_body(operation, status.unwrap_or(200), &body, None).into()
        }
        Raw::InvalidResponsePayload(body, e) => Error::decode(operation, e.to_string(), &body),
        Raw::UnexpectedResponse(response) => from_unexpected(operation, response, timeout).await,
        Raw::ErrorResponse(response) => {
            // Not produced: error responses are removed from the spec before
            // generation. Kept total so a future generator change cannot panic us.
            ApiError::from_body(operation, response.status().as_u16(), b"", None).into()
        }
    }
}

pub(crate) fn from_reqwest(operation: &'static str, e: reqwest::Error, timeout: Duration) -> Error {
    // A connect failure means no byte of the request was written.
    let may_have_reached_exchange = !e.is_connect();
    if e.is_timeout() {
        Error::Timeout {
            operation,
            timeout,
            may_have_reached_exchange,
        }
    } else {
        Error::Transport {
            operation,
            may_have_reached_exchange,
            cause: Box::new(e.without_url()),
        }
    }
}

async fn from_unexpected(
    operation: &'static str,
    response: reqwest::Response,
    timeout: Duration,
) -> Error {
    if let Some(UnreadableSuccess(status)) = response.extensions().get().copied() {
        let body = response.bytes().await.unwrap_or_default();
        return Error::decode(
            operation,
            format!(
                "the {status} answer is neither this operation's response nor an error \
                 object that can be read"
            ),
            &body,
        );
    }
    let status = response
        .extensions()
        .get::<ErrorInSuccessStatus>()
        .map_or(response.status().as_u16(), |original| original.0);
    if (300..400).contains(&status) {
        // Never followed (the HTTP client has no redirect policy); the body is not
        // worth reading.
        return Error::Redirect {
            operation,
            status,
            location: response
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|value| redirect_location(value.as_bytes())),
        };
    }
    let retry_after_header = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .map(|value| excerpt(value.as_bytes(), RETRY_AFTER_KEPT));
    let retry_after = retry_after_header
        .as_deref()
        .and_then(|value| parse_retry_after(value, SystemTime::now()));
    let body = match read_bounded(response).await {
        Ok(body) => body,
        Err(e) => return from_reqwest(operation, e, timeout),
    };
    if (200..300).contains(&status) && parse_error_object(&body).is_none() {
        // A success status the spec does not declare for this operation.
        return Error::decode(
            operation,
            format!("unexpected success status {status} for this operation"),
            &body,
        );
    }
    let mut api = ApiError::from_body(operation, status, &body, retry_after);
    api.retry_after_header = retry_after_header;
    api.into()
}

/// How much of a `Retry-After` header an error keeps.
const RETRY_AFTER_KEPT: usize = 64;
/// How much of a redirect's `Location` an error keeps.
const LOCATION_KEPT: usize = 256;

/// A redirect target fit for an error message: lossily decoded, bounded, and without
/// any user info (`user:password@`) it may carry.
fn redirect_location(raw: &[u8]) -> String {
    let text = excerpt(raw, LOCATION_KEPT);
    crate::client::redact_user_info(&text).into_owned()
}

/// Read at most [`MAX_BODY_KEPT`] bytes: an error answer must not be able to make the
/// client buffer an unbounded body.
async fn read_bounded(mut response: reqwest::Response) -> reqwest::Result<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_BODY_KEPT.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_BODY_KEPT {
            break;
        }
    }
    Ok(body)
}

/// `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). Seconds
/// too many to represent are [`Duration::MAX`]; anything else (`1.5`, `-5`, words) is
/// `None`, which the retry policy refuses to guess at.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(
            value
                .parse::<u64>()
                .map_or(Duration::MAX, Duration::from_secs),
        );
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The TLS setup for every connection: rustls with the same crypto library that signs
/// ([`crate::crypto`]), and the operating system's trust store. Nothing is installed process-wide.
pub(crate) fn tls_config() -> Result<rustls::ClientConfig, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(crate::crypto::tls_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS setup failed: {e}")))?
        .with_platform_verifier()
        .map_err(|e| Error::Config(format!("TLS trust store unavailable: {e}")))?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bodies_naming_an_error_key_are_parsed() {
        assert!(may_be_error_object(br#"{"code":"x"}"#));
        assert!(may_be_error_object(br#"{"error":{"message":"m"}}"#));
        assert!(may_be_error_object(br#"{"message":"m"}"#));
        assert!(!may_be_error_object(
            br#"{"balance":1,"balance_dollars":"0.0100","portfolio_value":0,"updated_ts":1}"#
        ));
    }

    #[test]
    fn retry_after_in_seconds() {
        let now = SystemTime::now();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_as_http_date() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_767);
        // Sun, 06 Nov 1994 08:49:37 GMT is 784111777 seconds after the epoch.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(10))
        );
        // A date in the past means "now".
        let later = now + Duration::from_secs(3600);
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", later),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn retry_after_that_is_not_whole_seconds_is_unreadable_and_huge_is_huge() {
        let now = SystemTime::now();
        for unreadable in ["1.5", "-5", "+5", "", "5s", "0x10"] {
            assert_eq!(parse_retry_after(unreadable, now), None, "{unreadable:?}");
        }
        assert_eq!(
            parse_retry_after("99999999999999999999", now),
            Some(Duration::MAX)
        );
    }

    #[test]
    fn top_level_error_keys_are_found_at_any_depth_of_their_values() {
        assert!(top_level_keys_are_not_errors(br#"{"order_groups":[]}"#));
        assert!(top_level_keys_are_not_errors(
            br#"{"order_groups":[{"message":"a nested key is not a top-level one"}]}"#
        ));
        assert!(top_level_keys_are_not_errors(b"{}"));
        let deep = format!("{{\"code\":{}{}}}", "[".repeat(50_000), "]".repeat(50_000));
        assert!(!top_level_keys_are_not_errors(deep.as_bytes()));
        assert!(!top_level_keys_are_not_errors(br#"{"error":5}"#));
        assert!(!top_level_keys_are_not_errors(b"[]"));
        assert!(!top_level_keys_are_not_errors(b"{} trailing"));
        assert!(!top_level_keys_are_not_errors(b"not json"));
    }
}
