//! Sign tests, checked arithmetic and the std operators for [`Dollars`] and
//! [`Count`].
//!
//! Each operator is the matching `checked_*` form that panics on overflow, in
//! release builds too, the way `i64` arithmetic does with overflow checks on.
//! The panic names the operation so that it is found at once; the panicking
//! functions are `#[track_caller]`, so it also points at the caller's line.

use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

use super::rounding::RoundingMode;
use super::{Count, Dollars, HUNDREDTHS_PER_CONTRACT};

impl Dollars {
    /// Price × contracts, exactly.
    ///
    /// Returns `None` if the result overflows, or if it is not a whole number
    /// of micro-dollars, which needs a price with 5–6 decimals times a
    /// fractional count (e.g. `0.000001 × 0.01`). Prices with up to 4
    /// decimals (everything Kalshi accepts in requests) times any count are
    /// always exact, so in practice `None` means overflow. For a rounded
    /// product use `*` (half-even) or
    /// [`mul_count_round`](Self::mul_count_round) (any mode).
    pub fn checked_mul_count(self, count: Count) -> Option<Dollars> {
        let product = i128::from(self.0) * i128::from(count.0);
        let hundredths = i128::from(HUNDREDTHS_PER_CONTRACT);
        if product % hundredths != 0 {
            return None;
        }
        i64::try_from(product / hundredths).ok().map(Dollars)
    }
}

/// Price × contracts = money, rounded half-even to the micro-dollar.
///
/// Exact whenever the price has at most 4 decimals, which is every price
/// Kalshi quotes or accepts; only a 5–6 decimal amount (an average, a fee
/// share) times a fractional count can land between two micro-dollars, and
/// then it is rounded to the nearest, ties to even (at most half a
/// micro-dollar off). Use [`Dollars::checked_mul_count`] to refuse inexact
/// products or [`Dollars::mul_count_round`] to choose the rounding.
///
/// # Panics
///
/// If the product does not fit (beyond about ±9.2 trillion $).
impl Mul<Count> for Dollars {
    type Output = Dollars;

    #[track_caller]
    fn mul(self, count: Count) -> Dollars {
        match self.mul_count_round(count, RoundingMode::HalfEven) {
            Some(product) => product,
            None => panic!("Dollars × Count overflowed: {self} × {count}"),
        }
    }
}

/// Contracts × price = money; the same as `Dollars * Count` (rounded
/// half-even to the micro-dollar, exact for every price with at most 4
/// decimals).
///
/// # Panics
///
/// If the product does not fit (beyond about ±9.2 trillion $).
impl Mul<Dollars> for Count {
    type Output = Dollars;

    #[track_caller]
    fn mul(self, price: Dollars) -> Dollars {
        price * self
    }
}

/// Sign tests, checked arithmetic and the operators, the same for both fixed-point
/// types: they are an `i64` of their smallest unit, so none of this ever rounds.
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

            /// The sum of `values` (owned or borrowed), or `None` if it does not
            /// fit. Only the total has to fit: the running sum is kept on `i128`,
            /// so the order of the values does not matter.
            pub fn checked_sum<I>(values: I) -> Option<$name>
            where
                I: IntoIterator,
                I::Item: std::borrow::Borrow<$name>,
            {
                let mut total: i128 = 0;
                for value in values {
                    total = total.checked_add(i128::from(std::borrow::Borrow::borrow(&value).0))?;
                }
                i64::try_from(total).ok().map($name)
            }
        }

        /// Exact.
        ///
        /// # Panics
        ///
        /// On overflow, in release builds too.
        impl Add for $name {
            type Output = $name;

            #[track_caller]
            fn add(self, other: $name) -> $name {
                match self.checked_add(other) {
                    Some(sum) => sum,
                    None => panic!(
                        concat!(stringify!($name), " addition overflowed: {} + {}"),
                        self, other
                    ),
                }
            }
        }

        /// Exact.
        ///
        /// # Panics
        ///
        /// On overflow, in release builds too.
        impl Sub for $name {
            type Output = $name;

            #[track_caller]
            fn sub(self, other: $name) -> $name {
                match self.checked_sub(other) {
                    Some(difference) => difference,
                    None => panic!(
                        concat!(stringify!($name), " subtraction overflowed: {} - {}"),
                        self, other
                    ),
                }
            }
        }

        /// Exact.
        ///
        /// # Panics
        ///
        /// For the one value whose negation does not fit (`i64::MIN` units).
        impl Neg for $name {
            type Output = $name;

            #[track_caller]
            fn neg(self) -> $name {
                match self.checked_neg() {
                    Some(negated) => negated,
                    None => panic!(
                        concat!(stringify!($name), " negation overflowed: -({})"),
                        self
                    ),
                }
            }
        }

        /// Exact; panics on overflow like `+`.
        impl AddAssign for $name {
            #[track_caller]
            fn add_assign(&mut self, other: $name) {
                *self = *self + other;
            }
        }

        /// Exact; panics on overflow like `-`.
        impl SubAssign for $name {
            #[track_caller]
            fn sub_assign(&mut self, other: $name) {
                *self = *self - other;
            }
        }

        /// Exact. Only the total has to fit (see `checked_sum`).
        ///
        /// # Panics
        ///
        /// If the total does not fit, in release builds too.
        impl Sum for $name {
            #[track_caller]
            fn sum<I: Iterator<Item = $name>>(values: I) -> $name {
                match $name::checked_sum(values) {
                    Some(total) => total,
                    None => panic!(concat!(stringify!($name), " sum overflowed")),
                }
            }
        }

        /// Exact. Only the total has to fit (see `checked_sum`).
        ///
        /// # Panics
        ///
        /// If the total does not fit, in release builds too.
        impl<'a> Sum<&'a $name> for $name {
            #[track_caller]
            fn sum<I: Iterator<Item = &'a $name>>(values: I) -> $name {
                match $name::checked_sum(values) {
                    Some(total) => total,
                    None => panic!(concat!(stringify!($name), " sum overflowed")),
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

    #[test]
    fn operators_are_exact() {
        assert_eq!(d("0.56") + d("0.44"), Dollars::ONE);
        assert_eq!(d("0.56") - d("1"), d("-0.44"));
        assert_eq!(-d("1.5"), d("-1.5"));
        assert_eq!(-Dollars::ZERO, Dollars::ZERO);
        assert_eq!(d("0.000001") + d("0.000002"), d("0.000003"));
        assert_eq!(c("2.5") + c("0.5"), c("3"));
        assert_eq!(c("2.5") - c("3"), c("-0.5"));
        assert_eq!(-c("0.01"), c("-0.01"));
        let mut total = Dollars::ZERO;
        total += d("0.1");
        total += d("0.2");
        assert_eq!(total, d("0.3"));
        total -= d("0.3");
        assert!(total.is_zero());
        let mut held = c("10");
        held -= c("2.5");
        held += c("0.01");
        assert_eq!(held, c("7.51"));
        // The extremes are reachable without overflow.
        assert_eq!(Dollars(i64::MAX - 1) + Dollars(1), Dollars(i64::MAX));
        assert_eq!(Dollars(i64::MIN + 1) - Dollars(1), Dollars(i64::MIN));
        assert_eq!(-Dollars(i64::MAX), Dollars(i64::MIN + 1));
    }

    #[test]
    fn sums_owned_and_borrowed() {
        let prices = [d("0.56"), d("0.44"), d("-0.000001")];
        assert_eq!(prices.iter().sum::<Dollars>(), d("0.999999"));
        assert_eq!(prices.into_iter().sum::<Dollars>(), d("0.999999"));
        assert_eq!(Dollars::checked_sum(prices), Some(d("0.999999")));
        assert_eq!(Dollars::checked_sum(prices.iter()), Some(d("0.999999")));
        assert_eq!(
            std::iter::empty::<Dollars>().sum::<Dollars>(),
            Dollars::ZERO
        );
        let counts = vec![c("1"), c("2.5"), c("-0.25")];
        assert_eq!(counts.iter().sum::<Count>(), c("3.25"));
        assert_eq!(counts.iter().copied().sum::<Count>(), c("3.25"));
        assert_eq!(Count::checked_sum(&counts), Some(c("3.25")));
        // Only the total has to fit: a running sum may pass i64::MAX on the way.
        let swing = [
            Dollars(i64::MAX),
            Dollars(i64::MAX),
            Dollars(i64::MIN),
            Dollars(i64::MIN),
        ];
        assert_eq!(swing.iter().sum::<Dollars>(), Dollars(-2));
        assert_eq!(Dollars::checked_sum([Dollars(i64::MAX), Dollars(1)]), None);
        assert_eq!(Count::checked_sum([Count(i64::MIN), Count(-1)]), None);
    }

    #[test]
    fn price_times_count_operator() {
        assert_eq!(d("0.56") * c("10"), d("5.6"));
        assert_eq!(c("10") * d("0.56"), d("5.6"));
        assert_eq!(d("0.5650") * c("0.01"), d("0.00565"));
        assert_eq!(d("0.56") * c("-2.5"), d("-1.4"));
        assert_eq!(d("-0.56") * c("-2.5"), d("1.4"));
        // Below the micro-dollar: rounded half-even.
        assert_eq!(d("0.000001") * c("0.01"), Dollars::ZERO);
        assert_eq!(d("0.000001") * c("0.5"), Dollars::ZERO);
        assert_eq!(d("0.000003") * c("0.5"), d("0.000002"));
        assert_eq!(d("0.000003") * c("-0.5"), d("-0.000002"));
        assert_eq!(d("0.000009") * c("0.1"), d("0.000001"));
        assert_eq!(d("0.123457") * c("0.5"), d("0.061728"));
        assert_eq!(Dollars(i64::MAX) * Count::ONE, Dollars(i64::MAX));
        // P&L of a round trip: bought 10 at 0.56, sold 10 at 0.61, fees 0.07.
        let pnl = d("0.61") * c("10") - d("0.56") * c("10") - d("0.07");
        assert_eq!(pnl, d("0.43"));
    }

    #[test]
    #[should_panic(expected = "Dollars addition overflowed: 9223372036854.775807 + 0.000001")]
    fn add_overflow_panics() {
        let _ = Dollars(i64::MAX) + Dollars(1);
    }

    #[test]
    #[should_panic(expected = "Count subtraction overflowed")]
    fn sub_overflow_panics() {
        let _ = Count(i64::MIN) - Count(1);
    }

    #[test]
    #[should_panic(expected = "Dollars negation overflowed")]
    fn neg_overflow_panics() {
        let _ = -Dollars(i64::MIN);
    }

    #[test]
    #[should_panic(expected = "Count addition overflowed")]
    fn add_assign_overflow_panics() {
        let mut count = Count(i64::MAX);
        count += Count::ONE;
    }

    #[test]
    #[should_panic(expected = "Dollars subtraction overflowed")]
    fn sub_assign_overflow_panics() {
        let mut amount = Dollars(i64::MIN);
        amount -= Dollars::ONE;
    }

    #[test]
    #[should_panic(expected = "Dollars sum overflowed")]
    fn sum_overflow_panics() {
        let _: Dollars = [Dollars(i64::MAX), Dollars(1)].iter().sum();
    }

    #[test]
    #[should_panic(expected = "Count sum overflowed")]
    fn owned_sum_overflow_panics() {
        let _: Count = [Count(i64::MIN), Count(-1)].into_iter().sum();
    }

    #[test]
    #[should_panic(expected = "Dollars × Count overflowed")]
    fn mul_overflow_panics() {
        let _ = Dollars(i64::MAX) * c("2");
    }

    #[test]
    #[should_panic(expected = "Dollars × Count overflowed")]
    fn count_times_dollars_overflow_panics() {
        let _ = c("-1") * Dollars(i64::MIN);
    }
}
