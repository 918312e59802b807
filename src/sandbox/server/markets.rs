//! The market read routes: `GET /markets`, `/markets/{ticker}`,
//! `/markets/{ticker}/orderbook` and `/events/{event_ticker}`, signed like the rest.

use axum::response::Response;
use serde_json::json;

use super::params::{cursor, limit, list_param, non_empty};
use super::{err, ok, to_json, Call, Res};
use crate::sandbox::exchange::{wire, Exchange, MarketFilter};
use crate::types::{self, builder};

/// Kalshi's largest orderbook `depth`.
const MAX_DEPTH: usize = 100;

/// The operations (`operationId`s) [`route`] serves; the sandbox answers `501` to the
/// spec's other operations before it checks a signature.
pub(super) const OPERATIONS: &[&str] =
    &["GetMarkets", "GetMarket", "GetMarketOrderbook", "GetEvent"];

/// The answer of a market read, or `None` when the request is not one.
pub(super) fn route(exchange: &mut Exchange, call: &Call<'_>) -> Option<Res<Response>> {
    let now = call.now;
    Some(match (call.method, call.segments) {
        ("GET", ["markets"]) => markets(exchange, call),
        ("GET", ["markets", ticker]) => exchange.get_market(ticker, now).and_then(|market| {
            let answer: types::GetMarketResponse = wire(
                builder::GetMarketResponse::default().market(market),
                json!({}),
            )?;
            ok(to_json(&answer))
        }),
        ("GET", ["markets", ticker, "orderbook"]) => orderbook(exchange, call, ticker),
        ("GET", ["events", event_ticker]) => {
            // GetEvent lists a 400: a malformed flag is one.
            let nested = match call.params.get("with_nested_markets").map(String::as_str) {
                None | Some("false") => false,
                Some("true") => true,
                Some(other) => {
                    return Some(Err(err(
                        400,
                        "invalid_parameters",
                        format!("with_nested_markets {other:?} is not true or false"),
                    )))
                }
            };
            exchange
                .event(event_ticker, nested, now)
                .and_then(|answer| ok(to_json(&answer)))
        }
        _ => return None,
    })
}

fn markets(exchange: &mut Exchange, call: &Call<'_>) -> Res<Response> {
    let params = call.params;
    for unsupported in [
        "min_created_ts",
        "max_created_ts",
        "min_updated_ts",
        "max_updated_ts",
        "min_close_ts",
        "max_close_ts",
        "min_settled_ts",
        "max_settled_ts",
    ] {
        if params.contains_key(unsupported) {
            return Err(err(
                400,
                "invalid_parameters",
                format!("the sandbox's markets keep no times: {unsupported} is not supported"),
            ));
        }
    }
    let filter = MarketFilter {
        event_ticker: non_empty(params, "event_ticker"),
        series_ticker: non_empty(params, "series_ticker"),
        status: non_empty(params, "status"),
        tickers: list_param(params, "tickers"),
        mve_filter: non_empty(params, "mve_filter"),
    };
    let page = exchange.list_markets(&filter, limit(params)?, cursor(params), call.now)?;
    let answer: types::GetMarketsResponse = wire(
        builder::GetMarketsResponse::default()
            .cursor(page.cursor)
            .markets(page.items),
        json!({}),
    )?;
    ok(to_json(&answer))
}

fn orderbook(exchange: &mut Exchange, call: &Call<'_>, ticker: &str) -> Res<Response> {
    // GetMarketOrderbook lists no 400: a depth out of range reads as the whole book
    // rather than an error the spec does not allow. The facade refuses it first.
    let depth = call
        .params
        .get("depth")
        .and_then(|d| d.parse::<usize>().ok())
        .filter(|d| *d <= MAX_DEPTH)
        .unwrap_or(0);
    let book = exchange.orderbook(ticker, depth, call.now)?;
    let answer: types::GetMarketOrderbookResponse = wire(
        builder::GetMarketOrderbookResponse::default().orderbook_fp(book),
        json!({}),
    )?;
    ok(to_json(&answer))
}
