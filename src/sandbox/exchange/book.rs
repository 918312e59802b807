//! The book and matching: placing, matching, resting, canceling, decreasing and
//! amending orders, expiry, and queue positions.
//!
//! There is one book per market, the YES book. A `bid` buys YES at its price and
//! matches resting asks priced at or below it; an `ask` sells YES (buys NO at
//! 1 − price) and matches resting bids priced at or above it. Matches happen at the
//! resting (maker) order's price, best price first, then oldest first (price-time
//! priority). `good_till_canceled` rests the remainder, `immediate_or_cancel` cancels
//! it, `fill_or_kill` either fills completely or is canceled without any fill (the
//! create call still succeeds, with `fill_count` 0). `post_only` orders that would
//! cross are refused (`400 post_only_cross`). `reduce_only` needs
//! `immediate_or_cancel` and its count is capped at the position it reduces (a bid
//! reduces a NO position, an ask a YES position); with nothing to reduce it is refused
//! (`400 reduce_only_no_position`).
//!
//! Self-trade prevention applies between the user's own orders:
//! `taker_at_cross` cancels the rest of the incoming order when it reaches one of the
//! user's resting orders; `maker` cancels that resting order and keeps matching.
//! Counterparty liquidity (added through the admin API) can also take: liquidity that
//! crosses the user's resting orders fills them, which is how user orders get maker
//! fills.
//!
//! An order whose `expiration_time` (Unix seconds) has passed is canceled the next time
//! the exchange is asked anything. What a fill does to money and positions is in
//! [`super::account`]; how order groups cap matching is in [`super::groups`].

use super::account::taker_fee;
use super::{
    as_bad_request, bad, check_count, count, dollars, not_found, notional, side_price, AmendReq,
    Amended, Exchange, NewOrderReq, OrderRec, Owner, Placed, Res, Side, Status, Stp, Tif,
};
use crate::sandbox::SandboxError;

/// Average fill price and fee per contract (in micro-dollars) of `filled` hundredths
/// worth `value` in all with `fees` paid, if anything filled.
pub(super) fn averages(filled: i64, value: i128, fees: i64) -> (Option<i64>, Option<i64>) {
    if filled > 0 {
        (
            Some((value / filled as i128) as i64),
            Some((fees as i128 * 100 / filled as i128) as i64),
        )
    } else {
        (None, None)
    }
}

impl Exchange {
    /// Counterparty liquidity: a good-till-canceled order of the counterparty
    /// account. It matches whatever it crosses (including the user's resting orders).
    pub(crate) fn add_liquidity(
        &mut self,
        ticker: &str,
        side: Side,
        price: i64,
        count: i64,
        now: i64,
    ) -> Res<String> {
        self.expire(now);
        self.check_market_open(ticker)?;
        self.check_price(ticker, price)?;
        check_count(count)?;
        let idx = self.insert_order(
            Owner::Counterparty,
            &NewOrderReq {
                ticker: ticker.to_string(),
                client_order_id: None,
                side,
                price,
                count,
                tif: Tif::Gtc,
                post_only: false,
                reduce_only: false,
                stp: Stp::TakerAtCross,
                expiration_s: None,
                order_group_id: None,
                cancel_order_on_pause: false,
            },
            count,
            now,
        );
        self.match_order(idx, now);
        self.finish(idx, Tif::Gtc, now);
        Ok(self.orders[idx].id.clone())
    }

    /// Cancel every resting order whose expiration has passed.
    pub(crate) fn expire(&mut self, now: i64) {
        let expired: Vec<usize> = self
            .markets
            .values()
            .flat_map(|m| m.resting.iter().copied())
            .filter(|&idx| self.orders[idx].expiration_ms.is_some_and(|e| e <= now))
            .collect();
        for idx in expired {
            self.cancel_idx(idx, now);
        }
    }

    pub(super) fn insert_order(
        &mut self,
        owner: Owner,
        req: &NewOrderReq,
        count: i64,
        now: i64,
    ) -> usize {
        let number = self.next();
        let id = uuid::Uuid::new_v4().to_string();
        let order = OrderRec {
            id: id.clone(),
            owner,
            client_order_id: req
                .client_order_id
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            ticker: req.ticker.clone(),
            side: req.side,
            price: req.price,
            initial: count,
            filled: 0,
            remaining: count,
            status: Status::Resting,
            stp: req.stp,
            group: req.order_group_id.clone(),
            expiration_ms: req.expiration_s.map(|s| s.saturating_mul(1000)),
            created_ms: now,
            updated_ms: now,
            number,
            priority: number,
            taker_fees: 0,
            maker_fees: 0,
            taker_cost: 0,
            maker_cost: 0,
            fill_value: 0,
            cancel_order_on_pause: req.cancel_order_on_pause,
        };
        self.orders.push(order);
        let idx = self.orders.len() - 1;
        self.order_index.insert(id, idx);
        idx
    }

    /// Place a user order.
    pub(crate) fn create_order(&mut self, req: &NewOrderReq, now: i64) -> Res<Placed> {
        self.expire(now);
        // CreateOrderV2 lists no 404: an order naming an unknown market or order
        // group is a bad request.
        self.market(&req.ticker).map_err(as_bad_request)?;
        if let Some(group) = &req.order_group_id {
            self.group_index(group).map_err(as_bad_request)?;
        }
        self.check_market_open(&req.ticker)?;
        self.check_price(&req.ticker, req.price)?;
        check_count(req.count)?;
        if let Some(id) = &req.client_order_id {
            if id.is_empty() {
                return Err(bad(
                    "invalid_client_order_id",
                    "client_order_id must not be empty",
                ));
            }
            if self
                .orders
                .iter()
                .any(|o| o.owner == Owner::User && &o.client_order_id == id)
            {
                return Err(SandboxError::new(
                    409,
                    "duplicate_client_order_id",
                    format!("an order with client_order_id {id:?} already exists"),
                ));
            }
        }
        if let Some(expiration) = req.expiration_s {
            if expiration.saturating_mul(1000) <= now {
                return Err(bad(
                    "invalid_expiration_time",
                    format!("expiration_time {expiration} is not in the future"),
                ));
            }
        }
        if req.post_only && req.tif != Tif::Gtc {
            return Err(bad(
                "invalid_order",
                "post_only needs time_in_force good_till_canceled",
            ));
        }
        if let Some(group) = &req.order_group_id {
            let gi = self.group_index(group)?;
            if self.groups[gi].triggered {
                return Err(bad(
                    "order_group_triggered",
                    format!("order group {group} hit its limit; reset it to place orders"),
                ));
            }
        }
        let position = self.positions.get(&req.ticker).map_or(0, |p| p.position);
        let reducible = match req.side {
            Side::Bid => (-position).max(0),
            Side::Ask => position.max(0),
        };
        let mut count = req.count;
        if req.reduce_only {
            if req.tif != Tif::Ioc {
                return Err(bad(
                    "invalid_order",
                    "reduce_only needs time_in_force immediate_or_cancel",
                ));
            }
            if reducible == 0 {
                return Err(bad(
                    "reduce_only_no_position",
                    "reduce_only order has no position to reduce",
                ));
            }
            count = count.min(reducible);
        }
        if req.post_only && self.best_cross(&req.ticker, req.side, req.price).is_some() {
            return Err(bad(
                "post_only_cross",
                "post_only order would cross the book",
            ));
        }
        let opening = (count - reducible).max(0);
        let need = notional(opening, side_price(req.side, req.price)) + taker_fee(count, req.price);
        let available = self.balance.saturating_sub(self.resting_value());
        if need > available {
            return Err(bad(
                "insufficient_balance",
                format!(
                    "order needs up to {} but {} is available",
                    dollars(need),
                    dollars(available.max(0))
                ),
            ));
        }

        let idx = self.insert_order(Owner::User, req, count, now);
        if req.tif == Tif::Fok && self.fillable(idx, now) < count {
            let order = &mut self.orders[idx];
            order.status = Status::Canceled;
            order.remaining = 0;
        } else {
            self.match_order(idx, now);
            self.finish(idx, req.tif, now);
        }
        Ok(self.placed(idx))
    }

    pub(super) fn placed(&self, idx: usize) -> Placed {
        let order = &self.orders[idx];
        let fees = order.taker_fees + order.maker_fees;
        let (average_price, average_fee) = averages(order.filled, order.fill_value, fees);
        Placed {
            order_id: order.id.clone(),
            client_order_id: order.client_order_id.clone(),
            fill_count: order.filled,
            remaining: order.remaining,
            average_price,
            average_fee,
        }
    }

    /// After matching: rest a good-till-canceled remainder, cancel anything else.
    pub(super) fn finish(&mut self, idx: usize, tif: Tif, now: i64) {
        let order = &self.orders[idx];
        if order.status != Status::Resting {
            return;
        }
        if order.remaining == 0 {
            self.orders[idx].status = Status::Executed;
        } else if tif == Tif::Gtc {
            let ticker = order.ticker.clone();
            if let Some(market) = self.markets.get_mut(&ticker) {
                if !market.resting.contains(&idx) {
                    market.resting.push(idx);
                }
            }
        } else {
            let order = &mut self.orders[idx];
            order.status = Status::Canceled;
            order.remaining = 0;
            order.updated_ms = now;
        }
    }

    /// The best resting order the incoming one crosses, in priority order.
    pub(super) fn best_cross(&self, ticker: &str, side: Side, price: i64) -> Option<usize> {
        self.crossing(ticker, side, price, None).into_iter().next()
    }

    /// Resting orders crossed by a `side` order at `price`, best first.
    pub(super) fn crossing(
        &self,
        ticker: &str,
        side: Side,
        price: i64,
        exclude: Option<usize>,
    ) -> Vec<usize> {
        let Some(market) = self.markets.get(ticker) else {
            return Vec::new();
        };
        let mut candidates: Vec<usize> = market
            .resting
            .iter()
            .copied()
            .filter(|&i| Some(i) != exclude)
            .filter(|&i| {
                let o = &self.orders[i];
                o.side != side
                    && match side {
                        Side::Bid => o.price <= price,
                        Side::Ask => o.price >= price,
                    }
            })
            .collect();
        candidates.sort_by_key(|&i| {
            let o = &self.orders[i];
            let price_key = match side {
                Side::Bid => o.price,
                Side::Ask => -o.price,
            };
            (price_key, o.priority)
        });
        candidates
    }

    /// How much of a fill-or-kill order could fill right now.
    pub(super) fn fillable(&mut self, idx: usize, now: i64) -> i64 {
        let order = self.orders[idx].clone();
        let mut total = 0;
        for other in self.crossing(&order.ticker, order.side, order.price, Some(idx)) {
            let o = &self.orders[other];
            if o.owner == Owner::User && order.owner == Owner::User {
                match order.stp {
                    Stp::TakerAtCross => break,
                    Stp::Maker => continue,
                }
            }
            let mut room = o.remaining;
            if o.owner == Owner::User {
                if let Some(gi) = o.group.as_deref().and_then(|g| self.group_index(g).ok()) {
                    room = room.min(self.group_room(gi, now));
                }
            }
            total += room;
        }
        if let Some(gi) = order
            .group
            .as_deref()
            .and_then(|g| self.group_index(g).ok())
        {
            total = total.min(self.group_room(gi, now));
        }
        total
    }

    /// Match an incoming order against the book until it is done or nothing crosses.
    pub(super) fn match_order(&mut self, idx: usize, now: i64) {
        loop {
            let taker = &self.orders[idx];
            if taker.status != Status::Resting || taker.remaining == 0 {
                return;
            }
            // An incoming order whose group was triggered (by its own fills) stops.
            if taker.owner == Owner::User {
                if let Some(gi) = taker
                    .group
                    .as_deref()
                    .and_then(|g| self.group_index(g).ok())
                {
                    if self.groups[gi].triggered {
                        self.cancel_idx(idx, now);
                        return;
                    }
                }
            }
            let Some(maker_idx) = self.best_cross(&taker.ticker.clone(), taker.side, taker.price)
            else {
                return;
            };
            let maker_idx = if maker_idx == idx {
                // Cannot happen (an incoming order is not in the book yet); be total.
                return;
            } else {
                maker_idx
            };
            let taker = &self.orders[idx];
            let maker = &self.orders[maker_idx];
            if taker.owner == Owner::User && maker.owner == Owner::User {
                match taker.stp {
                    Stp::TakerAtCross => {
                        self.cancel_idx(idx, now);
                        return;
                    }
                    Stp::Maker => {
                        self.cancel_idx(maker_idx, now);
                        continue;
                    }
                }
            }
            let mut size = taker.remaining.min(maker.remaining);
            let mut exhausted_group = None;
            for i in [idx, maker_idx] {
                let order = &self.orders[i];
                if order.owner != Owner::User {
                    continue;
                }
                if let Some(gi) = order.group.clone().and_then(|g| self.group_index(&g).ok()) {
                    let room = self.group_room(gi, now);
                    if room == 0 {
                        exhausted_group = Some(gi);
                    }
                    size = size.min(room);
                }
            }
            if let Some(gi) = exhausted_group {
                self.trigger_group_idx(gi, now);
                continue;
            }
            let price = self.orders[maker_idx].price;
            self.execute(idx, maker_idx, size, price, now);
            // Trigger any group that just reached its limit.
            for i in [idx, maker_idx] {
                if self.orders[i].owner != Owner::User {
                    continue;
                }
                if let Some(gi) = self.orders[i]
                    .group
                    .clone()
                    .and_then(|g| self.group_index(&g).ok())
                {
                    if self.group_room(gi, now) == 0 {
                        self.trigger_group_idx(gi, now);
                    }
                }
            }
        }
    }

    /// One match of `size` contracts at `price` between a taker and a maker.
    pub(super) fn execute(&mut self, taker: usize, maker: usize, size: i64, price: i64, now: i64) {
        let trade_id = uuid::Uuid::new_v4().to_string();
        for (i, is_taker) in [(taker, true), (maker, false)] {
            let order = &mut self.orders[i];
            order.filled += size;
            order.remaining -= size;
            order.updated_ms = now;
            order.fill_value += size as i128 * price as i128;
            if order.remaining == 0 {
                order.status = Status::Executed;
                let ticker = order.ticker.clone();
                if let Some(market) = self.markets.get_mut(&ticker) {
                    market.resting.retain(|&r| r != i);
                }
            }
            if self.orders[i].owner == Owner::User {
                self.user_fill(i, size, price, is_taker, &trade_id, now);
            }
        }
    }

    /// Cancel an order's remainder (any owner); returns what was canceled.
    pub(super) fn cancel_idx(&mut self, idx: usize, now: i64) -> i64 {
        let order = &mut self.orders[idx];
        if order.status != Status::Resting {
            return 0;
        }
        let reduced = order.remaining;
        order.remaining = 0;
        order.status = Status::Canceled;
        order.updated_ms = now;
        let ticker = order.ticker.clone();
        if let Some(market) = self.markets.get_mut(&ticker) {
            market.resting.retain(|&r| r != idx);
        }
        reduced
    }

    pub(super) fn resting_user_order(&self, order_id: &str) -> Res<usize> {
        let idx = self.user_order_idx(order_id)?;
        if self.orders[idx].status != Status::Resting {
            // 404: the one refusal status every operation on a resting order lists
            // (cancel lists no 400); the code says why.
            return Err(not_found(
                "order_not_resting",
                format!("order {order_id} is no longer resting"),
            ));
        }
        Ok(idx)
    }

    /// Cancel a user order: (client_order_id, reduced_by).
    pub(crate) fn cancel_order(&mut self, order_id: &str, now: i64) -> Res<(String, i64)> {
        self.expire(now);
        let idx = self.resting_user_order(order_id)?;
        let reduced = self.cancel_idx(idx, now);
        Ok((self.orders[idx].client_order_id.clone(), reduced))
    }

    pub(crate) fn cancel_all(&mut self, now: i64) {
        self.expire(now);
        let all: Vec<usize> = self
            .markets
            .values()
            .flat_map(|m| m.resting.iter().copied())
            .filter(|&i| self.orders[i].owner == Owner::User)
            .collect();
        for idx in all {
            self.cancel_idx(idx, now);
        }
    }

    /// Decrease: exactly one of `reduce_by` / `reduce_to`. Returns (client id, remaining).
    pub(crate) fn decrease_order(
        &mut self,
        order_id: &str,
        reduce_by: Option<i64>,
        reduce_to: Option<i64>,
        now: i64,
    ) -> Res<(String, i64)> {
        self.expire(now);
        let idx = self.resting_user_order(order_id)?;
        let remaining = self.orders[idx].remaining;
        let target = match (reduce_by, reduce_to) {
            (Some(by), None) => {
                if by <= 0 {
                    return Err(bad("invalid_count", "reduce_by must be more than zero"));
                }
                (remaining - by).max(0)
            }
            (None, Some(to)) => {
                if to < 0 || to >= remaining {
                    return Err(bad(
                        "invalid_count",
                        format!(
                            "reduce_to must be at least 0 and below the remaining {}",
                            count(remaining)
                        ),
                    ));
                }
                to
            }
            _ => {
                return Err(bad(
                    "invalid_parameters",
                    "give exactly one of reduce_by and reduce_to",
                ))
            }
        };
        if target == 0 {
            self.cancel_idx(idx, now);
        } else {
            let order = &mut self.orders[idx];
            order.remaining = target;
            order.updated_ms = now;
        }
        let order = &self.orders[idx];
        Ok((order.client_order_id.clone(), order.remaining))
    }

    /// Amend price and/or total count. A price change or a size increase loses queue
    /// priority; a new price that crosses matches immediately.
    pub(crate) fn amend_order(&mut self, order_id: &str, req: &AmendReq, now: i64) -> Res<Amended> {
        self.expire(now);
        let idx = self.resting_user_order(order_id)?;
        let order = self.orders[idx].clone();
        if order.ticker != req.ticker || order.side != req.side {
            return Err(bad(
                "invalid_order",
                "ticker and side must be those of the order being amended",
            ));
        }
        if let Some(client_id) = &req.client_order_id {
            if client_id != &order.client_order_id {
                return Err(bad(
                    "invalid_order",
                    "client_order_id does not match the order being amended",
                ));
            }
        }
        self.check_price(&req.ticker, req.price)?;
        check_count(req.count)?;
        if req.count <= order.filled {
            return Err(bad(
                "invalid_count",
                format!(
                    "count is the new total (filled + remaining) and must exceed the {} filled",
                    count(order.filled)
                ),
            ));
        }
        if let Some(updated) = &req.updated_client_order_id {
            if self.orders.iter().any(|o| {
                o.owner == Owner::User && &o.client_order_id == updated && o.id != order.id
            }) {
                // AmendOrderV2 lists no 409.
                return Err(bad(
                    "duplicate_client_order_id",
                    format!("an order with client_order_id {updated:?} already exists"),
                ));
            }
        }
        let new_remaining = req.count - order.filled;
        let loses_priority = req.price != order.price || new_remaining > order.remaining;
        let extra = notional((new_remaining).max(0), side_price(order.side, req.price))
            - notional(order.remaining, side_price(order.side, order.price));
        if extra > 0 && extra > self.balance.saturating_sub(self.resting_value()) {
            return Err(bad(
                "insufficient_balance",
                "not enough balance for the amended order",
            ));
        }
        let next = if loses_priority {
            Some(self.next())
        } else {
            None
        };
        {
            let o = &mut self.orders[idx];
            o.price = req.price;
            o.remaining = new_remaining;
            o.initial = req.count;
            o.updated_ms = now;
            if let Some(updated) = &req.updated_client_order_id {
                o.client_order_id = updated.clone();
            }
            if let Some(expiration) = req.expiration_s {
                // 0 removes the expiry.
                o.expiration_ms = (expiration > 0).then(|| expiration.saturating_mul(1000));
            }
            if let Some(priority) = next {
                o.priority = priority;
            }
        }
        if loses_priority {
            // Take it out of the book and match it as an incoming order.
            let ticker = order.ticker.clone();
            if let Some(market) = self.markets.get_mut(&ticker) {
                market.resting.retain(|&r| r != idx);
            }
            self.match_order(idx, now);
            self.finish(idx, Tif::Gtc, now);
        }
        let after = &self.orders[idx];
        let filled = after.filled - order.filled;
        let fees = (after.taker_fees + after.maker_fees) - (order.taker_fees + order.maker_fees);
        let (average_price, average_fee) =
            averages(filled, after.fill_value - order.fill_value, fees);
        Ok(Amended {
            filled_or_resized: filled > 0 || after.remaining != order.remaining,
            placed: Placed {
                order_id: after.id.clone(),
                client_order_id: after.client_order_id.clone(),
                fill_count: filled,
                remaining: after.remaining,
                average_price,
                average_fee,
            },
        })
    }

    /// Contracts ahead of a resting user order at its price level (FIFO).
    pub(super) fn queue_position_idx(&self, idx: usize) -> i64 {
        let order = &self.orders[idx];
        self.markets.get(&order.ticker).map_or(0, |m| {
            m.resting
                .iter()
                .map(|&i| &self.orders[i])
                .filter(|o| {
                    o.side == order.side && o.price == order.price && o.priority < order.priority
                })
                .map(|o| o.remaining)
                .sum()
        })
    }

    pub(crate) fn queue_position(&mut self, order_id: &str, now: i64) -> Res<i64> {
        self.expire(now);
        let idx = self.resting_user_order(order_id)?;
        Ok(self.queue_position_idx(idx))
    }
}
