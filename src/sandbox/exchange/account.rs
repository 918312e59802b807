//! The account: cash balance, positions, fees and settlements, which is what a fill
//! or a settlement does to money.
//!
//! * Buying YES (a bid fill) costs the price per contract; buying NO (an ask fill)
//!   costs 1 − price. A fill that reduces an opposite position pays out instead: a
//!   YES + NO pair is worth $1, so a bid that closes NO contracts pays 1 − price per
//!   contract and an ask that closes YES contracts pays the price.
//! * Taker fee per fill: `0.07 × count × price × (1 − price)`, rounded **up** to the
//!   cent. Makers pay no fee.
//! * An order is refused with `400 insufficient_balance` when the worst case of what
//!   it can cost (its opening part at its limit price, plus the taker fee on the whole
//!   count) exceeds the balance minus the value of the user's other resting orders
//!   (checked in [`super::book`]). Resting orders do not move the balance; fills do.
//! * Settlement (admin): each winning contract pays $1, losing contracts pay nothing;
//!   `revenue` is the payout in cents; the position closes; resting orders of the
//!   market (everyone's) are canceled; a settlement record is written when the user
//!   ever held or traded the market.
//! * Positions: `position_fp` is signed (YES positive, NO negative);
//!   `market_exposure_dollars` is the cost basis of the open position;
//!   `total_traded_dollars` the sum of what fills cost on the user's side (price for
//!   bids, 1 − price for asks); `realized_pnl_dollars` is proceeds minus cost basis of
//!   closed contracts (fees excluded; they are in `fees_paid_dollars`).
//! * `balance` is reported in whole cents rounded down (`balance_dollars` is exact);
//!   `portfolio_value` is the cost basis of open positions in cents (the sandbox has
//!   no market data to mark them); resting order value is rounded up to the cent.

use super::{
    bad, not_found, notional, side_price, Exchange, FillRec, MarketResult, OrderRec, Owner, Res,
    SettlementRec, Side, ONE,
};

/// The taker fee of one fill: 0.07 × count × p × (1 − p), rounded up to the cent.
pub(super) fn taker_fee(count: i64, price: i64) -> i64 {
    let numerator = 7i128 * count as i128 * price as i128 * (ONE - price) as i128;
    let denominator = 100_000_000_000_000i128; // → cents
    let cents = (numerator + denominator - 1) / denominator;
    cents as i64 * 10_000
}

impl Exchange {
    pub(crate) fn set_balance(&mut self, micros: i64) {
        self.balance = micros;
    }

    #[cfg(test)]
    pub(crate) fn balance_micros(&self) -> i64 {
        self.balance
    }

    pub(crate) fn settle_market(
        &mut self,
        ticker: &str,
        result: MarketResult,
        now: i64,
    ) -> Res<()> {
        self.expire(now);
        let market = self
            .markets
            .get(ticker)
            .ok_or_else(|| not_found("market_not_found", format!("no market {ticker}")))?;
        if market.result.is_some() {
            return Err(bad(
                "market_settled",
                format!("market {ticker} is already settled"),
            ));
        }
        let event_ticker = market.event_ticker.clone();
        let resting = market.resting.clone();
        for idx in resting {
            self.cancel_idx(idx, now);
        }
        if let Some(market) = self.markets.get_mut(ticker) {
            market.result = Some(result);
        }
        if let Some(position) = self.positions.get_mut(ticker) {
            let held = position.position;
            let basis = position.basis;
            let (yes_count, yes_cost, no_count, no_cost) = if held >= 0 {
                (held, basis, 0, 0)
            } else {
                (0, 0, -held, basis)
            };
            let payout_micros = match result {
                MarketResult::Yes => yes_count * ONE / 100,
                MarketResult::No => no_count * ONE / 100,
            };
            position.realized += payout_micros - basis;
            position.position = 0;
            position.basis = 0;
            position.updated_ms = now;
            self.balance = self.balance.saturating_add(payout_micros);
            let number = {
                self.sequence += 1;
                self.sequence
            };
            self.settlements.push(SettlementRec {
                number,
                ticker: ticker.to_string(),
                event_ticker,
                result,
                yes_count,
                yes_cost,
                no_count,
                no_cost,
                revenue_cents: payout_micros / 10_000,
                ts_ms: now,
            });
        }
        Ok(())
    }

    pub(super) fn user_resting(&self) -> impl Iterator<Item = &OrderRec> {
        self.markets
            .values()
            .flat_map(|m| m.resting.iter())
            .map(|&idx| &self.orders[idx])
            .filter(|o| o.owner == Owner::User)
    }

    /// Value of the user's resting orders, in micro-dollars.
    pub(super) fn resting_value(&self) -> i64 {
        self.user_resting()
            .map(|o| notional(o.remaining, side_price(o.side, o.price)))
            .sum()
    }

    pub(super) fn user_fill(
        &mut self,
        idx: usize,
        size: i64,
        price: i64,
        is_taker: bool,
        trade_id: &str,
        now: i64,
    ) {
        let fee = if is_taker { taker_fee(size, price) } else { 0 };
        let (side, ticker, group) = {
            let o = &self.orders[idx];
            (o.side, o.ticker.clone(), o.group.clone())
        };
        let cost = notional(size, side_price(side, price));
        let position = self.positions.entry(ticker.clone()).or_default();
        // Reduce the opposite position first, then open.
        let opposite = match side {
            Side::Bid => (-position.position).max(0),
            Side::Ask => position.position.max(0),
        };
        let closing = size.min(opposite);
        let opening = size - closing;
        let mut cash = 0i64;
        if closing > 0 {
            // Closing pays out: the other leg of a $1 pair.
            let proceeds = notional(closing, ONE - side_price(side, price));
            let basis_part = ((position.basis as i128 * closing as i128) / opposite as i128) as i64;
            position.basis -= basis_part;
            position.realized += proceeds - basis_part;
            cash += proceeds;
        }
        if opening > 0 {
            let paid = notional(opening, side_price(side, price));
            position.basis += paid;
            cash -= paid;
        }
        position.position += match side {
            Side::Bid => size,
            Side::Ask => -size,
        };
        position.total_traded += cost;
        position.traded_count += size;
        position.fees += fee;
        position.updated_ms = now;
        self.balance = self.balance.saturating_add(cash - fee);
        let order = &mut self.orders[idx];
        if is_taker {
            order.taker_fees += fee;
            order.taker_cost += cost;
        } else {
            order.maker_fees += fee;
            order.maker_cost += cost;
        }
        let order_id = order.id.clone();
        let number = self.next();
        self.fills.push(FillRec {
            number,
            fill_id: uuid::Uuid::new_v4().to_string(),
            trade_id: trade_id.to_string(),
            order_id,
            ticker,
            side,
            count: size,
            yes_price: price,
            is_taker,
            fee,
            ts_ms: now,
        });
        if let Some(gi) = group.and_then(|g| self.group_index(&g).ok()) {
            self.groups[gi].window.push((now, size));
        }
    }
}
