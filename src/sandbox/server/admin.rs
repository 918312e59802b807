//! The unsigned admin API under `/_sandbox/`: seeding markets, liquidity, balance,
//! keys and faults, settling, and the journal; and the guard that keeps a web page
//! from driving it through the user's browser.

use std::time::Duration;

use axum::http::{HeaderMap, Method};
use serde_json::{json, Value};

use super::params::{
    count_of, optional_int, optional_str, parse_body, price_of, required_str, side_of,
};
use super::{err, to_json, Res};
use crate::money::Dollars;
use crate::sandbox::{lock, now_ms, Fault, FaultKind, MarketResult, MarketSpec, Shared};

/// Whether a request to the unsigned admin API may act. A loopback peer is not enough:
/// a web page the user visits can make the browser send requests to 127.0.0.1 (CSRF),
/// or resolve its own name to 127.0.0.1 (DNS rebinding). Such requests carry the
/// page's name in `Host` or `Origin`, or arrive as a "simple" cross-origin request
/// (form or `text/plain` body), which a browser sends without asking first; a request
/// with a JSON body is one it only sends after a CORS preflight the sandbox never
/// approves. So: `Host` must name a loopback address, `Origin` (when sent) too, and a
/// body must be declared `application/json`.
pub(super) fn admin_request_allowed(method: &Method, headers: &HeaderMap, body: &[u8]) -> Res<()> {
    let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or("\u{fffd}"));
    match header("host") {
        Some(host) if is_loopback_authority(host) => {}
        Some(host) => {
            return Err(err(
                403,
                "forbidden_host",
                format!(
                    "the admin API answers only Host localhost or a loopback address, not {host:?}"
                ),
            ))
        }
        None => {
            return Err(err(
                403,
                "forbidden_host",
                "the admin API needs a Host header naming localhost or a loopback address",
            ))
        }
    }
    if let Some(origin) = header("origin") {
        let authority = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        if !authority.is_some_and(|a| !a.contains('/') && is_loopback_authority(a)) {
            return Err(err(
                403,
                "forbidden_origin",
                format!("the admin API refuses requests from Origin {origin:?}; only loopback origins may call it"),
            ));
        }
    }
    let carries_body = !body.is_empty()
        || !matches!(
            *method,
            Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS
        );
    if carries_body {
        let content_type = header("content-type").unwrap_or("");
        let media_type = content_type.split(';').next().unwrap_or("").trim();
        if !media_type.eq_ignore_ascii_case("application/json") {
            return Err(err(
                415,
                "unsupported_media_type",
                format!("admin API bodies must be sent as Content-Type: application/json, not {content_type:?}"),
            ));
        }
    }
    Ok(())
}

/// `localhost`, `127.x.y.z` or `[::1]`, each with or without `:port`.
fn is_loopback_authority(authority: &str) -> bool {
    let host = if let Some(rest) = authority.strip_prefix('[') {
        // [v6] or [v6]:port
        match rest.split_once(']') {
            Some((v6, tail)) if tail.is_empty() || valid_port(tail.strip_prefix(':')) => {
                return v6
                    .parse::<std::net::Ipv6Addr>()
                    .is_ok_and(|ip| ip.is_loopback());
            }
            _ => return false,
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) if valid_port(Some(port)) => host,
            Some(_) => return false,
            None => authority,
        }
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn valid_port(port: Option<&str>) -> bool {
    port.is_some_and(|p| !p.is_empty() && p.parse::<u16>().is_ok())
}

/// The unsigned admin API under `/_sandbox`.
pub(super) fn admin(shared: &Shared, method: &Method, path: &str, body: &[u8]) -> Res<Value> {
    let now = now_ms();
    match (method.as_str(), path) {
        ("POST", "/markets") => {
            let body = parse_body(body)?;
            let mut spec = MarketSpec::new(
                required_str(&body, "ticker")?,
                required_str(&body, "event_ticker")?,
            );
            if body.get("tick_size").is_some() {
                spec = spec.tick_size(Dollars::from_micros(price_of(&body, "tick_size")?));
            }
            if let Some(name) = optional_str(&body, "price_level_structure")? {
                let rules = crate::price_rules::PriceRules::named(&name).ok_or_else(|| {
                    err(
                        400,
                        "invalid_parameters",
                        format!(
                            "price_level_structure {name:?} is not linear_cent, deci_cent or tapered_deci_cent"
                        ),
                    )
                })?;
                spec = spec.price_rules(rules);
            }
            lock(&shared.exchange).create_market(&spec)?;
            Ok(json!({}))
        }
        ("POST", "/liquidity") => {
            let body = parse_body(body)?;
            let order_id = lock(&shared.exchange).add_liquidity(
                required_str(&body, "ticker")?,
                side_of(&body)?,
                price_of(&body, "price")?,
                count_of(&body, "count")?,
                now,
            )?;
            Ok(json!({ "order_id": order_id }))
        }
        ("POST", "/settle") => {
            let body = parse_body(body)?;
            let result = match body.get("result").and_then(Value::as_str) {
                Some("yes") => MarketResult::Yes,
                Some("no") => MarketResult::No,
                _ => {
                    return Err(err(
                        400,
                        "invalid_parameters",
                        "result must be \"yes\" or \"no\"",
                    ))
                }
            };
            lock(&shared.exchange).settle_market(required_str(&body, "ticker")?, result, now)?;
            Ok(json!({}))
        }
        ("POST", "/balance") => {
            let body = parse_body(body)?;
            let cents = optional_int(&body, "balance_cents")?
                .ok_or_else(|| err(400, "invalid_parameters", "balance_cents is required"))?;
            lock(&shared.exchange).set_balance(cents.saturating_mul(10_000));
            Ok(json!({}))
        }
        ("POST", "/keys") => {
            let body = parse_body(body)?;
            let key =
                crate::sandbox::keys::PublicKey::from_pem(required_str(&body, "public_key_pem")?)?;
            lock(&shared.keys).insert(required_str(&body, "key_id")?.to_string(), key);
            Ok(json!({}))
        }
        ("POST", "/faults") => {
            let body = parse_body(body)?;
            let kind = match required_str(&body, "kind")? {
                "rate_limited" => FaultKind::RateLimited {
                    retry_after_secs: optional_int(&body, "retry_after_secs")?.unwrap_or(1).max(0)
                        as u64,
                },
                "server_error" => FaultKind::ServerError {
                    status: optional_int(&body, "status")?
                        .unwrap_or(500)
                        .clamp(500, 599) as u16,
                },
                "delay" => FaultKind::Delay(Duration::from_millis(
                    optional_int(&body, "delay_ms")?.unwrap_or(1000).max(0) as u64,
                )),
                "answer_late" => FaultKind::AnswerLate(Duration::from_millis(
                    optional_int(&body, "delay_ms")?.unwrap_or(1000).max(0) as u64,
                )),
                "drop_after_commit" => FaultKind::DropAfterCommit,
                "execute_late" => FaultKind::ExecuteLate(Duration::from_millis(
                    optional_int(&body, "delay_ms")?.unwrap_or(1000).max(0) as u64,
                )),
                other => {
                    return Err(err(
                        400,
                        "invalid_parameters",
                        format!("unknown fault kind {other:?}"),
                    ))
                }
            };
            let mut fault = Fault::new(kind).times(
                optional_int(&body, "times")?
                    .unwrap_or(1)
                    .clamp(0, u32::MAX as i64) as u32,
            );
            if let Some(fragment) = optional_str(&body, "path_contains")? {
                fault = fault.path_contains(fragment);
            }
            if fault.times > 0 {
                lock(&shared.faults).push(fault);
            }
            Ok(json!({}))
        }
        ("GET", "/journal") => Ok(json!({ "journal": to_json(&*lock(&shared.journal)) })),
        ("DELETE", "/journal") => {
            lock(&shared.journal).clear();
            Ok(json!({}))
        }
        _ => Err(err(
            404,
            "not_found",
            format!("no admin route {method} /_sandbox{path}"),
        )),
    }
}
