//! Typed values for list filters, so a filter says what it means: a point in time
//! rather than "an `i64` of seconds", an order status rather than any string.

use chrono::{DateTime, Utc};

use crate::types;

/// A point in time for the `min_ts` / `max_ts` filters, sent as Unix seconds.
///
/// Built from Unix seconds (`i64`), a [`DateTime<Utc>`], or a [`std::time::SystemTime`]
/// (sub-second parts are dropped: Kalshi's filters have one-second resolution).
///
/// Kalshi documents `min_ts` as "after" and `max_ts` as "before" without saying
/// whether the bound itself is included; the sandbox includes both. A job that must
/// not miss an item at the boundary should overlap its windows by a second and drop
/// duplicates by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(i64);

impl UnixTime {
    /// Seconds since 1970-01-01 UTC.
    pub const fn from_seconds(seconds: i64) -> Self {
        UnixTime(seconds)
    }

    /// Seconds since 1970-01-01 UTC.
    pub const fn seconds(self) -> i64 {
        self.0
    }
}

impl From<i64> for UnixTime {
    fn from(seconds: i64) -> Self {
        UnixTime(seconds)
    }
}

impl From<DateTime<Utc>> for UnixTime {
    fn from(time: DateTime<Utc>) -> Self {
        UnixTime(time.timestamp())
    }
}

impl From<std::time::SystemTime> for UnixTime {
    fn from(time: std::time::SystemTime) -> Self {
        UnixTime(DateTime::<Utc>::from(time).timestamp())
    }
}

impl From<UnixTime> for i64 {
    fn from(time: UnixTime) -> Self {
        time.0
    }
}

/// An order status to filter [`Client::get_orders`](crate::Client::get_orders) by:
/// a [`types::OrderStatus`] (`OrderStatus::Resting`), or its wire name (`"resting"`)
/// for a status this crate does not know yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderStatusFilter(String);

impl From<types::OrderStatus> for OrderStatusFilter {
    fn from(status: types::OrderStatus) -> Self {
        OrderStatusFilter(status.to_string())
    }
}

impl From<&types::OrderStatus> for OrderStatusFilter {
    fn from(status: &types::OrderStatus) -> Self {
        OrderStatusFilter(status.to_string())
    }
}

impl From<&str> for OrderStatusFilter {
    fn from(status: &str) -> Self {
        OrderStatusFilter(status.to_string())
    }
}

impl From<String> for OrderStatusFilter {
    fn from(status: String) -> Self {
        OrderStatusFilter(status)
    }
}

impl From<OrderStatusFilter> for String {
    fn from(status: OrderStatusFilter) -> Self {
        status.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_every_kind_become_the_same_seconds() {
        let time = DateTime::parse_from_rfc3339("2026-11-25T14:00:00.900Z")
            .expect("a time")
            .with_timezone(&Utc);
        let seconds = 1_795_615_200;
        assert_eq!(UnixTime::from(time).seconds(), seconds);
        assert_eq!(UnixTime::from(seconds), UnixTime::from(time));
        let system = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_795_615_200_900);
        assert_eq!(UnixTime::from(system).seconds(), seconds);
    }

    #[test]
    fn statuses_are_sent_by_their_wire_names() {
        assert_eq!(
            String::from(OrderStatusFilter::from(types::OrderStatus::Resting)),
            "resting"
        );
        assert_eq!(
            String::from(OrderStatusFilter::from("executed")),
            "executed"
        );
    }
}
