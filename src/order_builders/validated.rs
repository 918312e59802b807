//! [`NewOrder::validate`]: every check of a create, without sending it.
//!
//! A caller that sends many orders in several calls (a file of orders, one batch
//! request at a time, with its own bookkeeping between them) needs to know that all of
//! them pass before it sends the first; otherwise a bad order in the tenth batch is
//! found after nine were placed. The client runs the same checks inside every create,
//! so an order validated here is refused there only if time has passed a rule that
//! depends on it (an `expiration_time` no longer in the future).

use super::NewOrder;
use crate::money::{Count, Dollars};
use crate::types;
use crate::Result;

/// A [`NewOrder`] that passed every check [`Client::create_order`] and
/// [`Client::batch_create_orders`] make before sending, with its `client_order_id`
/// fixed, and the request body it is sent as.
///
/// [`Client::create_order`]: crate::Client::create_order
/// [`Client::batch_create_orders`]: crate::Client::batch_create_orders
#[derive(Clone, Debug)]
pub struct ValidatedOrder {
    /// The builder, with the id of `body` fixed on it.
    order: NewOrder,
    /// The body as sent: the YES-book side and price, the id.
    body: types::CreateOrderV2Request,
}

impl NewOrder {
    /// Check every rule a create checks (ticker, side, price on the tick or the
    /// market's price rules, count, time-in-force combinations, expiration,
    /// subaccount, ids) without sending anything, so a caller can validate every
    /// order of a long list before it sends the first. Fails like a create would,
    /// with [`Error::InvalidRequest`](crate::Error::InvalidRequest) naming the field.
    ///
    /// The result carries a fixed `client_order_id`: yours when you set one
    /// ([`NewOrder::client_order_id`]), otherwise a new UUID generated here. The
    /// builder itself is not changed, so a builder used as a template (cloned, or
    /// validated again) still gives each order its own id; send
    /// [`ValidatedOrder::order`] to place the order with the id validated here.
    ///
    /// ```
    /// use kalshi_portfolio::NewOrder;
    /// let template = NewOrder::new("KXHIGHNY-25NOV26-T60").buy_yes().count(1);
    /// let a = template.clone().price("0.56").validate()?;
    /// let b = template.clone().price("0.55").validate()?;
    /// assert_ne!(a.client_order_id(), b.client_order_id());
    /// // Buying YES is a bid on the YES book.
    /// assert_eq!(a.yes_price().to_string(), "0.5600");
    /// // A price off the one-cent tick is refused before anything is sent.
    /// assert!(template.price("0.565").validate().is_err());
    /// # Ok::<(), kalshi_portfolio::Error>(())
    /// ```
    pub fn validate(&self) -> Result<ValidatedOrder> {
        let body = self.request_body("")?;
        let mut order = self.clone();
        order.client_order_id = body.client_order_id.clone();
        Ok(ValidatedOrder { order, body })
    }
}

impl ValidatedOrder {
    /// The order's `client_order_id`: the one sent with it, on every attempt.
    pub fn client_order_id(&self) -> &str {
        self.body.client_order_id.as_deref().unwrap_or_default()
    }

    /// The market.
    pub fn ticker(&self) -> &str {
        &self.body.ticker
    }

    /// The side on the YES book (`bid` buys YES or sells NO, `ask` the opposite).
    pub fn book_side(&self) -> &types::BookSide {
        &self.body.side
    }

    /// The limit price as sent: the YES price (a NO price q is sent as 1 − q).
    pub fn yes_price(&self) -> Dollars {
        self.body.price
    }

    /// The number of contracts.
    pub fn count(&self) -> Count {
        self.body.count
    }

    /// When a resting order expires, in Unix seconds, if it does.
    pub fn expiration_time(&self) -> Option<i64> {
        self.body.expiration_time
    }

    /// The request body exactly as a create sends it.
    pub fn body(&self) -> &types::CreateOrderV2Request {
        &self.body
    }

    /// The order to send ([`Client::create_order`](crate::Client::create_order),
    /// [`Client::batch_create_orders`](crate::Client::batch_create_orders)): the
    /// builder with the `client_order_id` validated here fixed on it, so it is sent
    /// under that id.
    pub fn order(&self) -> &NewOrder {
        &self.order
    }

    /// [`ValidatedOrder::order`], by value.
    pub fn into_order(self) -> NewOrder {
        self.order
    }
}

#[cfg(test)]
mod tests {
    use super::super::TimeInForce;
    use super::*;
    use crate::Error;

    fn valid() -> NewOrder {
        NewOrder::new("KXTEST-25NOV26")
            .buy_no()
            .price("0.30")
            .count(4)
    }

    #[test]
    fn the_result_is_the_body_a_create_sends() {
        let validated = valid().validate().unwrap();
        assert_eq!(validated.ticker(), "KXTEST-25NOV26");
        assert_eq!(validated.book_side(), &types::BookSide::Ask);
        assert_eq!(validated.yes_price().to_string(), "0.7000");
        assert_eq!(validated.count().to_string(), "4.00");
        assert_eq!(validated.expiration_time(), None);
        assert_eq!(
            validated.body().time_in_force,
            TimeInForce::GoodTillCanceled
        );
        // Sending the validated order sends the same body under the same id.
        let again = validated.order().request_body("").unwrap();
        assert_eq!(
            again.client_order_id.as_deref(),
            Some(validated.client_order_id())
        );
        assert_eq!(
            serde_json::to_value(&again).unwrap(),
            serde_json::to_value(validated.body()).unwrap()
        );
    }

    #[test]
    fn without_an_id_each_validation_and_each_clone_gets_its_own() {
        let template = valid();
        let first = template.validate().unwrap();
        let second = template.validate().unwrap();
        let clone = template.clone().validate().unwrap();
        assert!(uuid::Uuid::parse_str(first.client_order_id()).is_ok());
        assert_ne!(first.client_order_id(), second.client_order_id());
        assert_ne!(first.client_order_id(), clone.client_order_id());
        // The template itself stays without an id.
        assert_eq!(template.fixed_client_order_id(), None);
        // The validated order carries its id from now on.
        assert_eq!(
            first.order().fixed_client_order_id(),
            Some(first.client_order_id())
        );
        assert_eq!(
            first.clone().into_order().fixed_client_order_id(),
            Some(first.client_order_id())
        );
    }

    #[test]
    fn a_given_id_is_kept() {
        let validated = valid().client_order_id("row-7").validate().unwrap();
        assert_eq!(validated.client_order_id(), "row-7");
        assert_eq!(
            valid()
                .client_order_id("row-7")
                .validate()
                .unwrap()
                .client_order_id(),
            "row-7"
        );
    }

    #[test]
    fn every_rule_of_a_create_applies_and_names_its_field() {
        let in_an_hour = super::super::unix_now() + 3600;
        let cases = [
            (valid().price("0.305"), "price"),
            (valid().count(0), "count"),
            (NewOrder::new("KXT").price("0.3").count(1), "side"),
            (valid().client_order_id(""), "client_order_id"),
            (
                valid()
                    .time_in_force(TimeInForce::ImmediateOrCancel)
                    .expiration_time(in_an_hour),
                "expiration_time",
            ),
            (valid().expiration_time(1), "expiration_time"),
            (
                valid()
                    .post_only(true)
                    .time_in_force(TimeInForce::FillOrKill),
                "post_only",
            ),
        ];
        for (order, field) in cases {
            match order.validate() {
                Err(Error::InvalidRequest { field: named, .. }) => {
                    assert_eq!(named, field, "{order:?}")
                }
                other => panic!("{order:?}: expected InvalidRequest on {field}, got {other:?}"),
            }
        }
        let expiring = valid().expiration_time(in_an_hour).validate().unwrap();
        assert_eq!(expiring.expiration_time(), Some(in_an_hour));
    }
}
