//! What the read operations select: the user's orders, fills, settlements, positions,
//! queue positions, balance and order groups, with their filters and opaque cursors
//! (base64 of `kind:key`; a page's cursor is empty when no more follow). The shapes
//! they answer with are built in [`super::wire`](mod@super::wire).

use std::collections::BTreeMap;

use base64::Engine as _;

use super::{bad, wire, Exchange, Owner, PositionRec, Res, Status};
use crate::types;

/// Opaque cursors: base64 of `kind:number`.
pub(super) fn encode_cursor(kind: &str, key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{key}"))
}

pub(super) fn decode_cursor(kind: &str, cursor: &str) -> Res<String> {
    let invalid = || {
        bad(
            "invalid_cursor",
            format!("cursor {cursor:?} is not valid here"),
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let key = text
        .strip_prefix(kind)
        .and_then(|rest| rest.strip_prefix(':'))
        .ok_or_else(invalid)?;
    Ok(key.to_string())
}

pub(super) fn decode_number_cursor(kind: &str, cursor: Option<&str>) -> Res<Option<u64>> {
    match cursor.filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(cursor) => decode_cursor(kind, cursor)?.parse().map(Some).map_err(|_| {
            bad(
                "invalid_cursor",
                format!("cursor {cursor:?} is not valid here"),
            )
        }),
    }
}

/// Filters of the order list.
#[derive(Clone, Debug, Default)]
pub(crate) struct OrderFilter {
    pub ticker: Option<String>,
    pub event_tickers: Option<Vec<String>>,
    pub min_ts: Option<i64>,
    pub max_ts: Option<i64>,
    pub status: Option<String>,
}

/// Filters of the fill list.
#[derive(Clone, Debug, Default)]
pub(crate) struct FillFilter {
    pub tickers: Option<Vec<String>>,
    pub order_id: Option<String>,
    pub min_ts: Option<i64>,
    pub max_ts: Option<i64>,
}

/// Filters of the settlement list.
#[derive(Clone, Debug, Default)]
pub(crate) struct SettlementFilter {
    pub ticker: Option<String>,
    pub event_ticker: Option<String>,
    pub min_ts: Option<i64>,
    pub max_ts: Option<i64>,
}

/// Filters of the position list.
#[derive(Clone, Debug, Default)]
pub(crate) struct PositionFilter {
    pub ticker: Option<String>,
    pub event_ticker: Option<String>,
    pub count_filter: Vec<String>,
    /// `unsettled` (default), `settled` or `all`.
    pub settlement_status: Option<String>,
}

/// A page of anything, with the cursor of the next page (empty on the last).
#[derive(Debug)]
pub(crate) struct Paged<T> {
    pub items: Vec<T>,
    pub cursor: String,
}

impl Exchange {
    pub(crate) fn order(&mut self, order_id: &str, now: i64) -> Res<types::Order> {
        self.expire(now);
        let idx = self.user_order_idx(order_id)?;
        wire::order(&self.orders[idx])
    }

    pub(crate) fn orders(
        &mut self,
        filter: &OrderFilter,
        limit: usize,
        cursor: Option<&str>,
        now: i64,
    ) -> Res<Paged<types::Order>> {
        self.expire(now);
        let after = decode_number_cursor("o", cursor)?;
        let status = match filter.status.as_deref() {
            None | Some("") => None,
            Some("resting") => Some(Status::Resting),
            Some("canceled") => Some(Status::Canceled),
            Some("executed") => Some(Status::Executed),
            Some(other) => {
                return Err(bad(
                    "invalid_parameters",
                    format!("status {other:?} is not resting, canceled or executed"),
                ))
            }
        };
        let matching = self.orders.iter().rev().filter(|o| {
            o.owner == Owner::User
                && after.is_none_or(|n| o.number < n)
                && filter.ticker.as_ref().is_none_or(|t| &o.ticker == t)
                && filter.event_tickers.as_ref().is_none_or(|events| {
                    self.markets
                        .get(&o.ticker)
                        .is_some_and(|m| events.contains(&m.event_ticker))
                })
                && filter
                    .min_ts
                    .is_none_or(|t| o.created_ms >= t.saturating_mul(1000))
                && filter
                    .max_ts
                    .is_none_or(|t| o.created_ms <= t.saturating_mul(1000))
                && status.is_none_or(|s| o.status == s)
        });
        let page = take_page(matching, limit, |o| {
            encode_cursor("o", &o.number.to_string())
        });
        Ok(Paged {
            items: page
                .items
                .into_iter()
                .map(wire::order)
                .collect::<Res<_>>()?,
            cursor: page.cursor,
        })
    }

    pub(crate) fn fills(
        &mut self,
        filter: &FillFilter,
        limit: usize,
        cursor: Option<&str>,
        now: i64,
    ) -> Res<Paged<types::Fill>> {
        self.expire(now);
        let after = decode_number_cursor("f", cursor)?;
        let matching = self.fills.iter().rev().filter(|f| {
            after.is_none_or(|n| f.number < n)
                && filter
                    .tickers
                    .as_ref()
                    .is_none_or(|t| t.contains(&f.ticker))
                && filter.order_id.as_ref().is_none_or(|id| &f.order_id == id)
                && filter
                    .min_ts
                    .is_none_or(|t| f.ts_ms >= t.saturating_mul(1000))
                && filter
                    .max_ts
                    .is_none_or(|t| f.ts_ms <= t.saturating_mul(1000))
        });
        let page = take_page(matching, limit, |f| {
            encode_cursor("f", &f.number.to_string())
        });
        Ok(Paged {
            items: page.items.into_iter().map(wire::fill).collect::<Res<_>>()?,
            cursor: page.cursor,
        })
    }

    pub(crate) fn settlements(
        &mut self,
        filter: &SettlementFilter,
        limit: usize,
        cursor: Option<&str>,
        now: i64,
    ) -> Res<Paged<types::Settlement>> {
        self.expire(now);
        let after = decode_number_cursor("s", cursor)?;
        let matching = self.settlements.iter().rev().filter(|s| {
            after.is_none_or(|n| s.number < n)
                && filter.ticker.as_ref().is_none_or(|t| &s.ticker == t)
                && filter
                    .event_ticker
                    .as_ref()
                    .is_none_or(|e| &s.event_ticker == e)
                && filter
                    .min_ts
                    .is_none_or(|t| s.ts_ms >= t.saturating_mul(1000))
                && filter
                    .max_ts
                    .is_none_or(|t| s.ts_ms <= t.saturating_mul(1000))
        });
        let page = take_page(matching, limit, |s| {
            encode_cursor("s", &s.number.to_string())
        });
        Ok(Paged {
            items: page
                .items
                .into_iter()
                .map(wire::settlement)
                .collect::<Res<_>>()?,
            cursor: page.cursor,
        })
    }

    /// Market positions (paged by ticker) and, on the first page only, the event
    /// positions aggregating every market position that passes the filters.
    pub(crate) fn positions(
        &mut self,
        filter: &PositionFilter,
        limit: usize,
        cursor: Option<&str>,
        now: i64,
    ) -> Res<(Paged<types::MarketPosition>, Vec<types::EventPosition>)> {
        self.expire(now);
        let after = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(decode_cursor("p", c)?),
        };
        let settled_wanted = match filter.settlement_status.as_deref() {
            None | Some("") | Some("unsettled") => Some(false),
            Some("settled") => Some(true),
            Some("all") => None,
            Some(other) => {
                return Err(bad(
                    "invalid_parameters",
                    format!("settlement_status {other:?} is not unsettled, settled or all"),
                ))
            }
        };
        for field in &filter.count_filter {
            if field != "position" && field != "total_traded" {
                return Err(bad(
                    "invalid_parameters",
                    format!("count_filter {field:?} is not position or total_traded"),
                ));
            }
        }
        let passes = |ticker: &String, p: &PositionRec| {
            let market = self.markets.get(ticker);
            let settled = market.is_some_and(|m| m.result.is_some());
            let event = market.map(|m| m.event_ticker.as_str()).unwrap_or("");
            filter.ticker.as_ref().is_none_or(|t| t == ticker)
                && filter.event_ticker.as_ref().is_none_or(|e| e == event)
                && settled_wanted.is_none_or(|s| s == settled)
                && filter.count_filter.iter().all(|f| match f.as_str() {
                    "position" => p.position != 0,
                    _ => p.traded_count != 0,
                })
        };
        let matching = self
            .positions
            .iter()
            .filter(|(t, p)| passes(t, p))
            .filter(|(t, _)| after.as_ref().is_none_or(|a| t.as_str() > a.as_str()));
        let page = take_page(matching, limit, |(t, _)| encode_cursor("p", t));
        let markets = page
            .items
            .iter()
            .map(|(ticker, p)| wire::market_position(ticker, p))
            .collect::<Res<_>>()?;
        let mut events: BTreeMap<String, PositionRec> = BTreeMap::new();
        if after.is_none() {
            for (ticker, p) in self.positions.iter().filter(|(t, p)| passes(t, p)) {
                let event = self
                    .markets
                    .get(ticker)
                    .map(|m| m.event_ticker.clone())
                    .unwrap_or_default();
                let e = events.entry(event).or_default();
                e.total_traded += p.total_traded;
                e.traded_count += p.traded_count;
                e.basis += p.basis;
                e.realized += p.realized;
                e.fees += p.fees;
            }
        }
        let events = events
            .into_iter()
            .map(|(event_ticker, e)| wire::event_position(event_ticker, &e))
            .collect::<Res<_>>()?;
        Ok((
            Paged {
                items: markets,
                cursor: page.cursor,
            },
            events,
        ))
    }

    /// The balance of the primary account, or (`primary` false) of another
    /// subaccount, which the sandbox keeps empty.
    pub(crate) fn balance(&mut self, primary: bool, now: i64) -> Res<types::GetBalanceResponse> {
        self.expire(now);
        if primary {
            let exposure: i64 = self.positions.values().map(|p| p.basis).sum();
            wire::balance(self.balance, exposure, now)
        } else {
            wire::balance(0, 0, now)
        }
    }

    pub(crate) fn resting_order_value(
        &mut self,
        now: i64,
    ) -> Res<types::GetPortfolioRestingOrderTotalValueResponse> {
        self.expire(now);
        wire::resting_order_value(self.resting_value())
    }

    pub(crate) fn queue_positions(
        &mut self,
        market_tickers: Option<&[String]>,
        event_ticker: Option<&str>,
        now: i64,
    ) -> Res<Vec<types::OrderQueuePosition>> {
        self.expire(now);
        let mut resting: Vec<usize> = self
            .markets
            .iter()
            .filter(|(t, _)| market_tickers.is_none_or(|ts| ts.contains(t)))
            .filter(|(_, m)| event_ticker.is_none_or(|e| m.event_ticker == e))
            .flat_map(|(_, m)| m.resting.iter().copied())
            .filter(|&i| self.orders[i].owner == Owner::User)
            .collect();
        resting.sort_by_key(|&i| self.orders[i].number);
        resting
            .into_iter()
            .map(|i| wire::queue_position(&self.orders[i], self.queue_position_idx(i)))
            .collect()
    }

    pub(crate) fn groups(&mut self, now: i64) -> Res<Vec<types::OrderGroup>> {
        self.expire(now);
        self.groups.iter().map(wire::group).collect()
    }

    pub(crate) fn group(&mut self, id: &str, now: i64) -> Res<types::GetOrderGroupResponse> {
        self.expire(now);
        let gi = self.group_index(id)?;
        let orders = self
            .orders
            .iter()
            .filter(|o| o.owner == Owner::User && o.group.as_deref() == Some(id))
            .map(|o| o.id.clone())
            .collect();
        wire::group_detail(&self.groups[gi], orders)
    }

    /// Every order id of the user, in creation order (for tests).
    #[cfg(test)]
    pub(super) fn user_order_ids(&self) -> Vec<String> {
        self.orders
            .iter()
            .filter(|o| o.owner == Owner::User)
            .map(|o| o.id.clone())
            .collect()
    }
}

/// Take up to `limit` items; the cursor points after the last one when more follow.
pub(super) fn take_page<'a, T: 'a>(
    mut items: impl Iterator<Item = T>,
    limit: usize,
    cursor_of: impl Fn(&T) -> String,
) -> Paged<T> {
    let page: Vec<T> = items.by_ref().take(limit).collect();
    let more = items.next().is_some();
    let cursor = match (more, page.last()) {
        (true, Some(last)) => cursor_of(last),
        _ => String::new(),
    };
    Paged {
        items: page,
        cursor,
    }
}
