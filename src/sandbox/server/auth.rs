//! Kalshi's request authentication, checked exactly: key id known, timestamp fresh,
//! signature valid over `timestamp + METHOD + path` (path as received, no query).
//! Every refusal is a `401`, which every operation of the spec lists.

use axum::http::{HeaderMap, Method};
use base64::Engine as _;

use super::{err, Res};
use crate::sandbox::{lock, now_ms, Shared};

/// Kalshi's check: key id known, timestamp fresh, signature valid over
/// `timestamp + METHOD + path` (path as received, no query).
pub(super) fn authenticate(
    shared: &Shared,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Res<()> {
    let unauthorized = |code: &'static str, message: &str| err(401, code, message);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(key_id), Some(timestamp), Some(signature)) = (
        header("kalshi-access-key"),
        header("kalshi-access-timestamp"),
        header("kalshi-access-signature"),
    ) else {
        return Err(unauthorized(
            "missing_auth_headers",
            "KALSHI-ACCESS-KEY, KALSHI-ACCESS-TIMESTAMP and KALSHI-ACCESS-SIGNATURE are required",
        ));
    };
    let Some(key) = lock(&shared.keys).get(key_id).cloned() else {
        return Err(unauthorized(
            "unknown_api_key",
            "the API key id is not known",
        ));
    };
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(unauthorized(
            "invalid_timestamp",
            "KALSHI-ACCESS-TIMESTAMP must be Unix milliseconds",
        ));
    }
    let stamp: i64 = timestamp.parse().map_err(|_| {
        unauthorized(
            "invalid_timestamp",
            "KALSHI-ACCESS-TIMESTAMP is out of range",
        )
    })?;
    let window = shared.window.as_millis().min(u64::MAX as u128) as u64;
    if now_ms().abs_diff(stamp) > window {
        return Err(unauthorized(
            "stale_timestamp",
            "KALSHI-ACCESS-TIMESTAMP is outside the allowed window",
        ));
    }
    let signature = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .map_err(|_| unauthorized("invalid_signature", "the signature is not valid base64"))?;
    let message = format!("{timestamp}{}{path}", method.as_str());
    if !key.verify(message.as_bytes(), &signature) {
        return Err(unauthorized(
            "invalid_signature",
            "the signature does not verify",
        ));
    }
    Ok(())
}
