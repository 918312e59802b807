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
//! response headers) and [`query_if_present`] (nothing for an unset query parameter).

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::header::{HeaderName, HeaderValue};
use tracing::Instrument;

use crate::error::{parse_error_object, ApiError, Error, MAX_BODY_KEPT};
use crate::generated::Client as RawClient;
use crate::signing::SigningKey;

const HEADER_KEY: HeaderName = HeaderName::from_static("kalshi-access-key");
const HEADER_TIMESTAMP: HeaderName = HeaderName::from_static("kalshi-access-timestamp");
const HEADER_SIGNATURE: HeaderName = HeaderName::from_static("kalshi-access-signature");
const HEADER_API_VERSION: HeaderName = HeaderName::from_static("api-version");

/// Bodies of 2xx answers up to this size are checked for being an error object.
/// Kalshi's error objects are tiny; a page of fills never looks like one, so big
/// bodies skip the check and cost nothing extra.
const ERROR_PROBE_LIMIT: usize = 4096;

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

    /// The status of the attempt's response, for errors found after decoding: set by
    /// `exec`, read by [`crate::Client`] when the attempt fails.
    pub(crate) static RESPONSE_STATUS: std::cell::Cell<u16>;
}

/// Marks a response whose 2xx status was rewritten because its body is an error
/// object; carries the original status so the error reports what Kalshi really sent.
#[derive(Clone, Copy, Debug)]
struct ErrorInSuccessStatus(u16);

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
                let _ = RESPONSE_STATUS.try_with(|status| status.set(response.status().as_u16()));
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

/// A 2xx answer whose small body is an error object is turned into a non-2xx one (so
/// the generated code hands it back undecoded) and marked with its original status.
///
/// Only for the operations whose success body would decode from an error object
/// (`LENIENT_SUCCESS_OPERATIONS`, listed by codegen): for all others an error object
/// fails to decode and [`into_error`] recognizes it, so ordinary answers pass through
/// untouched.
async fn flag_error_in_success(response: reqwest::Response) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    let small = response
        .content_length()
        .is_none_or(|length| length as usize <= ERROR_PROBE_LIMIT);
    if !status.is_success() || status == reqwest::StatusCode::NO_CONTENT || !small {
        return Ok(response);
    }
    let version = response.version();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    let mut rebuilt = http::Response::new(body.clone());
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    if body.len() <= ERROR_PROBE_LIMIT
        && may_be_error_object(&body)
        && parse_error_object(&body).is_some()
    {
        *rebuilt.status_mut() = reqwest::StatusCode::BAD_GATEWAY;
        rebuilt
            .extensions_mut()
            .insert(ErrorInSuccessStatus(status.as_u16()));
    } else {
        *rebuilt.status_mut() = status;
    }
    Ok(reqwest::Response::from(rebuilt))
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
    let body = response
        .bytes()
        .await
        .map_err(progenitor_client::Error::ResponseBodyError)?;
    match serde_json::from_slice(&body) {
        Ok(value) => Ok(ResponseValue::new(value, status, headers)),
        Err(e) => Err(progenitor_client::Error::InvalidResponsePayload(body, e)),
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
    status: Option<u16>,
) -> Error {
    use progenitor_client::Error as Raw;
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
            source: Box::new(e.without_url()),
        }
    }
}

async fn from_unexpected(
    operation: &'static str,
    response: reqwest::Response,
    timeout: Duration,
) -> Error {
    let status = response
        .extensions()
        .get::<ErrorInSuccessStatus>()
        .map_or(response.status().as_u16(), |original| original.0);
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
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
    ApiError::from_body(operation, status, &body, retry_after).into()
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

/// `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
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
}
