//! Sign tests and checked arithmetic for [`Dollars`] and [`Count`].

use super::{Count, Dollars, HUNDREDTHS_PER_CONTRACT};

impl Dollars {
    /// Price × contracts, exactly.
    ///
    /// Returns `None` if the result overflows, or if it is not a whole number
    /// of micro-dollars, which needs a price with 5–6 decimals times a
    /// fractional count (e.g. `0.000001 × 0.01`). Prices with up to 4
    /// decimals (everything Kalshi accepts in requests) times any count are
    /// always exact, so in practice `None` means overflow. Rounding is left to
    /// the caller on purpose: which way to round money is a business decision.
    pub fn checked_mul_count(self, count: Count) -> Option<Dollars> {
        let product = i128::from(self.0) * i128::from(count.0);
        let hundredths = i128::from(HUNDREDTHS_PER_CONTRACT);
        if product % hundredths != 0 {
            return None;
        }
        i64::try_from(product / hundredths).ok().map(Dollars)
    }
}

/// Sign tests and checked arithmetic, the same for both fixed-point types: they are
/// an `i64` of their smallest unit, so these never round and never panic.
macro_rules! fixed_point_arithmetic {
    ($name:ident) => {
        impl $name {
            /// `true` for zero.
            pub const fn is_zero(self) -> bool {
                self.0 == 0
            }

            /// `true` if above zero.
            pub const fn is_positive(self) -> bool {
                self.0 > 0
            }

            /// `true` if below zero.
            pub const fn is_negative(self) -> bool {
                self.0 < 0
            }

            /// `self + other`, or `None` on overflow.
            pub const fn checked_add(self, other: $name) -> Option<$name> {
                match self.0.checked_add(other.0) {
                    Some(v) => Some($name(v)),
                    None => None,
                }
            }

            /// `self - other`, or `None` on overflow.
            pub const fn checked_sub(self, other: $name) -> Option<$name> {
                match self.0.checked_sub(other.0) {
                    Some(v) => Some($name(v)),
                    None => None,
                }
            }

            /// `-self`, or `None` for the one value whose negation overflows.
            pub const fn checked_neg(self) -> Option<$name> {
                match self.0.checked_neg() {
                    Some(v) => Some($name(v)),
                    None => None,
                }
            }
        }
    };
}

fixed_point_arithmetic!(Dollars);
fixed_point_arithmetic!(Count);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::testing::{c, d};

    #[test]
    fn count_accessors_and_arithmetic() {
        assert_eq!(Count::from_whole(10), Some(c("10")));
        assert_eq!(Count::from_whole(-3), Some(c("-3.00")));
        assert_eq!(Count::from_whole(i64::MAX), None);
        assert_eq!(
            Count::from_whole(i64::MAX / 100),
            Some(Count(i64::MAX / 100 * 100))
        );
        assert_eq!(Count::from_hundredths(250), c("2.5"));
        assert_eq!(c("10.00").whole(), Some(10));
        assert_eq!(c("-3").whole(), Some(-3));
        assert_eq!(c("2.5").whole(), None);
        assert_eq!(c("-0.01").whole(), None);
        assert!(Count::ZERO.is_zero() && !Count::ZERO.is_positive() && !Count::ZERO.is_negative());
        assert!(Count::ONE.is_positive());
        assert!(c("-0.01").is_negative());
        assert_eq!(Count::default(), Count::ZERO);
        assert_eq!(c("2.5").checked_add(c("0.5")), Some(c("3")));
        assert_eq!(c("2.5").checked_sub(c("3")), Some(c("-0.5")));
        assert_eq!(Count(i64::MAX).checked_add(Count(1)), None);
        assert_eq!(Count(i64::MIN).checked_sub(Count(1)), None);
        assert_eq!(Count(i64::MIN).checked_neg(), None);
        assert_eq!(c("2.5").checked_neg(), Some(c("-2.5")));
        assert!(c("-1") < c("0.01") && c("0.01") < c("1"));
    }

    #[test]
    fn dollars_accessors_and_arithmetic() {
        assert_eq!(Dollars::ZERO.to_string(), "0.0000");
        assert_eq!(Dollars::ONE.to_string(), "1.0000");
        assert_eq!(Dollars::default(), Dollars::ZERO);
        assert!(Dollars::ZERO.is_zero());
        assert!(d("0.01").is_positive());
        assert!(d("-0.01").is_negative());
        assert_eq!(d("0.56").checked_add(d("0.44")), Some(Dollars::ONE));
        assert_eq!(d("0.56").checked_sub(d("1")), Some(d("-0.44")));
        assert_eq!(Dollars(i64::MAX).checked_add(Dollars(1)), None);
        assert_eq!(Dollars(i64::MIN).checked_sub(Dollars(1)), None);
        assert_eq!(Dollars(i64::MIN).checked_neg(), None);
        assert_eq!(d("1.5").checked_neg(), Some(d("-1.5")));
        assert!(d("-1") < d("0.000001") && d("0.5600") == d("0.56"));
    }

    #[test]
    fn price_times_count() {
        assert_eq!(d("0.56").checked_mul_count(c("10")), Some(d("5.6")));
        assert_eq!(d("0.56").checked_mul_count(c("2.5")), Some(d("1.4")));
        assert_eq!(d("0.5650").checked_mul_count(c("0.01")), Some(d("0.00565")));
        assert_eq!(
            d("0.0001").checked_mul_count(c("0.01")),
            Some(d("0.000001"))
        );
        assert_eq!(d("0.56").checked_mul_count(c("-3")), Some(d("-1.68")));
        assert_eq!(
            d("0.56").checked_mul_count(Count::ZERO),
            Some(Dollars::ZERO)
        );
        // Not a whole number of micro-dollars: refused rather than rounded.
        assert_eq!(d("0.000001").checked_mul_count(c("0.01")), None);
        assert_eq!(
            d("0.00005").checked_mul_count(c("0.5")),
            Some(d("0.000025"))
        );
        assert_eq!(d("0.00005").checked_mul_count(c("0.01")), None);
        // Overflow.
        assert_eq!(Dollars(i64::MAX).checked_mul_count(c("2")), None);
        assert_eq!(
            Dollars(i64::MAX).checked_mul_count(Count::ONE),
            Some(Dollars(i64::MAX))
        );
        assert_eq!(Dollars(i64::MIN).checked_mul_count(c("-1")), None);
    }
}
