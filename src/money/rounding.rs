//! Rounding division: the one place where money arithmetic may lose digits, so the
//! caller names the [`RoundingMode`] every time.
//!
//! Division is the operation that produces averages (cost ÷ contracts, total ÷
//! fills), and almost never lands on a whole micro-dollar. There is deliberately
//! no `/` operator: which way a cent goes is a business rule (a fee may round up,
//! a reported average half-even), and a silent default would hide that choice.
//! Everything is computed exactly on `i128` and rounded once.

use super::{Count, Dollars, HUNDREDTHS_PER_CONTRACT};

/// How to round a result that falls between two representable values.
///
/// The names follow the common decimal-library convention (Java's
/// `BigDecimal`, Python's `decimal`): *up*/*down* mean away from/toward zero,
/// *ceiling*/*floor* mean toward +∞/−∞. Results that are exact are never
/// changed by any mode.
///
/// | mode       | 2.5 | 1.5 | 1.2 | 1.7 | −1.2 | −1.5 | −2.5 |
/// |------------|-----|-----|-----|-----|------|------|------|
/// | `HalfEven` | 2   | 2   | 1   | 2   | −1   | −2   | −2   |
/// | `HalfUp`   | 3   | 2   | 1   | 2   | −1   | −2   | −3   |
/// | `HalfDown` | 2   | 1   | 1   | 2   | −1   | −1   | −2   |
/// | `Up`       | 3   | 2   | 2   | 2   | −2   | −2   | −3   |
/// | `Down`     | 2   | 1   | 1   | 1   | −1   | −1   | −2   |
/// | `Ceiling`  | 3   | 2   | 2   | 2   | −1   | −1   | −2   |
/// | `Floor`    | 2   | 1   | 1   | 1   | −2   | −2   | −3   |
///
/// (The table rounds to whole units; the money types round to their last
/// stored digit, or to the precision asked of `Display`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RoundingMode {
    /// To the nearest value; a tie goes to the even neighbour ("banker's
    /// rounding"). Unbiased over many roundings, so the usual choice for
    /// reported averages and totals. Used by `Dollars × Count` and by
    /// `Display` with a precision.
    HalfEven,
    /// To the nearest value; a tie goes away from zero (2.5 → 3, −2.5 → −3),
    /// as taught in school.
    HalfUp,
    /// To the nearest value; a tie goes toward zero (2.5 → 2, −2.5 → −2).
    HalfDown,
    /// Away from zero (1.2 → 2, −1.2 → −2).
    Up,
    /// Toward zero, i.e. truncation (1.7 → 1, −1.7 → −1).
    Down,
    /// Toward +∞ (1.2 → 2, −1.7 → −1).
    Ceiling,
    /// Toward −∞ (1.7 → 1, −1.2 → −2).
    Floor,
}

/// `numerator / denominator` rounded to an integer with `mode`; `None` when the
/// denominator is zero.
///
/// Callers keep both operands far inside `i128` (at most an `i64` times 10⁶), so
/// the quotient, the ±1 step and `2 × remainder` cannot overflow.
pub(super) fn div_round_i128(
    numerator: i128,
    denominator: i128,
    mode: RoundingMode,
) -> Option<i128> {
    if denominator == 0 {
        return None;
    }
    // Truncates toward zero; the remainder has the numerator's sign.
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if remainder == 0 {
        return Some(quotient);
    }
    // The exact result is not an integer, so it is strictly positive or negative.
    let negative = (numerator < 0) != (denominator < 0);
    let toward_zero = quotient;
    let away_from_zero = if negative { quotient - 1 } else { quotient + 1 };
    let tie_or_more = || (remainder.unsigned_abs() * 2).cmp(&denominator.unsigned_abs());
    let rounded = match mode {
        RoundingMode::Down => toward_zero,
        RoundingMode::Up => away_from_zero,
        RoundingMode::Floor if negative => away_from_zero,
        RoundingMode::Floor => toward_zero,
        RoundingMode::Ceiling if negative => toward_zero,
        RoundingMode::Ceiling => away_from_zero,
        RoundingMode::HalfUp | RoundingMode::HalfDown | RoundingMode::HalfEven => {
            match tie_or_more() {
                std::cmp::Ordering::Less => toward_zero,
                std::cmp::Ordering::Greater => away_from_zero,
                std::cmp::Ordering::Equal => match mode {
                    RoundingMode::HalfUp => away_from_zero,
                    RoundingMode::HalfDown => toward_zero,
                    _ if toward_zero % 2 == 0 => toward_zero,
                    _ => away_from_zero,
                },
            }
        }
    };
    Some(rounded)
}

mod sealed {
    /// Turns "divide a value of `T` by `self`" into one exact fraction: the
    /// value's raw integer is multiplied by `.0` and divided by `.1`.
    pub trait DivisorOf<T> {
        fn scale_and_denominator(self) -> (i128, i128);
    }
}

/// What [`Dollars::div_round`] and [`Count::div_round`] accept as a divisor:
/// a [`Count`] (for `Dollars`: the average per contract) or a plain integer
/// (the average over that many items, e.g. `fills.len()`).
///
/// Sealed: the set of divisions is part of this crate's contract.
pub trait Divisor<T>: sealed::DivisorOf<T> {}

impl sealed::DivisorOf<Dollars> for Count {
    fn scale_and_denominator(self) -> (i128, i128) {
        // micro-dollars ÷ (hundredths / 100) = micro-dollars × 100 ÷ hundredths.
        (i128::from(HUNDREDTHS_PER_CONTRACT), i128::from(self.0))
    }
}
impl Divisor<Dollars> for Count {}

/// Integers divide both types; each is widened to `i128` without loss.
macro_rules! integer_divisors {
    ($($int:ty),*) => {
        $(
            impl sealed::DivisorOf<Dollars> for $int {
                fn scale_and_denominator(self) -> (i128, i128) {
                    (1, i128::from(self))
                }
            }
            impl Divisor<Dollars> for $int {}
            impl sealed::DivisorOf<Count> for $int {
                fn scale_and_denominator(self) -> (i128, i128) {
                    (1, i128::from(self))
                }
            }
            impl Divisor<Count> for $int {}
        )*
    };
}

// usize has no `From` into i128 on every target, so it gets its own impl below.
integer_divisors!(i32, i64, u32, u64);

macro_rules! usize_divisor {
    ($ty:ident) => {
        impl sealed::DivisorOf<$ty> for usize {
            fn scale_and_denominator(self) -> (i128, i128) {
                // Lossless: usize is at most 64 bits on every target Rust supports.
                (1, self as i128)
            }
        }
        impl Divisor<$ty> for usize {}
    };
}
usize_divisor!(Dollars);
usize_divisor!(Count);

impl Dollars {
    /// `self ÷ divisor`, rounded to the micro-dollar with `mode`.
    ///
    /// * By a [`Count`]: the average per contract, e.g. the average fill price
    ///   of a position (`cost.div_round(contracts, RoundingMode::HalfEven)`).
    /// * By an integer (`i32`, `i64`, `u32`, `u64`, `usize`): the average over
    ///   that many items.
    ///
    /// Computed exactly on `i128` and rounded once. `None` if the divisor is
    /// zero or the result does not fit (e.g. $9 trillion ÷ 0.01 contracts);
    /// never panics.
    ///
    /// ```
    /// use kalshi_portfolio::money::{Count, Dollars, RoundingMode};
    ///
    /// let cost: Dollars = "5.00".parse()?;
    /// let contracts: Count = "3".parse()?;
    /// let average = cost.div_round(contracts, RoundingMode::HalfEven);
    /// assert_eq!(average, Some("1.666667".parse()?));
    /// assert_eq!(cost.div_round(contracts, RoundingMode::Down), Some("1.666666".parse()?));
    /// assert_eq!(cost.div_round(4, RoundingMode::HalfEven), Some("1.25".parse()?));
    /// assert_eq!(cost.div_round(Count::ZERO, RoundingMode::HalfEven), None);
    /// # Ok::<(), kalshi_portfolio::money::MoneyParseError>(())
    /// ```
    pub fn div_round<D: Divisor<Dollars>>(self, divisor: D, mode: RoundingMode) -> Option<Dollars> {
        let (scale, denominator) = sealed::DivisorOf::<Dollars>::scale_and_denominator(divisor);
        let rounded = div_round_i128(i128::from(self.0) * scale, denominator, mode)?;
        i64::try_from(rounded).ok().map(Dollars)
    }

    /// Price × contracts, rounded to the micro-dollar with `mode`; `None` on
    /// overflow.
    ///
    /// Exact (whatever the mode) whenever the price has at most 4 decimals,
    /// which covers every Kalshi price; see the module docs. `Dollars * Count`
    /// is this with [`RoundingMode::HalfEven`], panicking on overflow.
    pub fn mul_count_round(self, count: Count, mode: RoundingMode) -> Option<Dollars> {
        let product = i128::from(self.0) * i128::from(count.0);
        let rounded = div_round_i128(product, i128::from(HUNDREDTHS_PER_CONTRACT), mode)?;
        i64::try_from(rounded).ok().map(Dollars)
    }
}

impl Count {
    /// `self ÷ divisor` (an `i32`, `i64`, `u32`, `u64` or `usize`), rounded to
    /// the hundredth of a contract with `mode`: the average count over that
    /// many items.
    ///
    /// Computed exactly and rounded once. `None` if the divisor is zero or the
    /// result does not fit (only `i64::MIN` hundredths ÷ −1); never panics.
    pub fn div_round<D: Divisor<Count>>(self, divisor: D, mode: RoundingMode) -> Option<Count> {
        let (scale, denominator) = sealed::DivisorOf::<Count>::scale_and_denominator(divisor);
        let rounded = div_round_i128(i128::from(self.0) * scale, denominator, mode)?;
        i64::try_from(rounded).ok().map(Count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::testing::{c, d};
    use RoundingMode as R;

    const ALL: [RoundingMode; 7] = [
        R::HalfEven,
        R::HalfUp,
        R::HalfDown,
        R::Up,
        R::Down,
        R::Ceiling,
        R::Floor,
    ];

    /// The table in `RoundingMode`'s docs, as tenths divided by 10.
    #[test]
    fn modes_on_ties_and_negatives() {
        let inputs = [25, 15, 12, 17, -12, -15, -25];
        let expected: [(RoundingMode, [i128; 7]); 7] = [
            (R::HalfEven, [2, 2, 1, 2, -1, -2, -2]),
            (R::HalfUp, [3, 2, 1, 2, -1, -2, -3]),
            (R::HalfDown, [2, 1, 1, 2, -1, -1, -2]),
            (R::Up, [3, 2, 2, 2, -2, -2, -3]),
            (R::Down, [2, 1, 1, 1, -1, -1, -2]),
            (R::Ceiling, [3, 2, 2, 2, -1, -1, -2]),
            (R::Floor, [2, 1, 1, 1, -2, -2, -3]),
        ];
        for (mode, outputs) in expected {
            for (tenths, want) in inputs.into_iter().zip(outputs) {
                assert_eq!(
                    div_round_i128(tenths, 10, mode),
                    Some(want),
                    "{tenths}/10 {mode:?}"
                );
                // The same value with a negative denominator.
                assert_eq!(div_round_i128(-tenths, -10, mode), Some(want), "{mode:?}");
            }
        }
    }

    #[test]
    fn exact_results_and_zero_denominator() {
        for mode in ALL {
            assert_eq!(div_round_i128(30, 10, mode), Some(3));
            assert_eq!(div_round_i128(-30, 10, mode), Some(-3));
            assert_eq!(div_round_i128(0, -7, mode), Some(0));
            assert_eq!(div_round_i128(5, 0, mode), None);
            assert_eq!(div_round_i128(0, 0, mode), None);
        }
        // Ties with an odd denominator cannot happen; close calls go the right way.
        assert_eq!(div_round_i128(1, 3, R::HalfUp), Some(0));
        assert_eq!(div_round_i128(2, 3, R::HalfDown), Some(1));
        assert_eq!(div_round_i128(-2, 3, R::HalfEven), Some(-1));
    }

    #[test]
    fn average_price_per_contract() {
        assert_eq!(d("5").div_round(c("3"), R::HalfEven), Some(d("1.666667")));
        assert_eq!(d("5").div_round(c("3"), R::Down), Some(d("1.666666")));
        assert_eq!(d("-5").div_round(c("3"), R::Floor), Some(d("-1.666667")));
        assert_eq!(d("-5").div_round(c("3"), R::Ceiling), Some(d("-1.666666")));
        assert_eq!(d("1.68").div_round(c("3"), R::Down), Some(d("0.56")));
        // Fractional counts: $1.40 over 2.5 contracts is $0.56 each.
        assert_eq!(d("1.4").div_round(c("2.5"), R::Up), Some(d("0.56")));
        assert_eq!(d("1").div_round(c("0.01"), R::HalfEven), Some(d("100")));
        // A tie at the micro-dollar: 0.000005 / 2.
        assert_eq!(
            d("0.000005").div_round(c("2"), R::HalfEven),
            Some(d("0.000002"))
        );
        assert_eq!(
            d("0.000005").div_round(c("2"), R::HalfUp),
            Some(d("0.000003"))
        );
        assert_eq!(
            d("-0.000005").div_round(c("2"), R::HalfUp),
            Some(d("-0.000003"))
        );
        assert_eq!(
            d("0.000007").div_round(c("2"), R::HalfEven),
            Some(d("0.000004"))
        );
        // Negative count: a short position's average is still a price.
        assert_eq!(d("-1.68").div_round(c("-3"), R::HalfEven), Some(d("0.56")));
    }

    #[test]
    fn average_over_items() {
        assert_eq!(d("10").div_round(4, R::HalfEven), Some(d("2.5")));
        assert_eq!(d("10").div_round(3_i64, R::HalfEven), Some(d("3.333333")));
        assert_eq!(d("10").div_round(3_u32, R::Up), Some(d("3.333334")));
        assert_eq!(d("10").div_round(3_u64, R::HalfUp), Some(d("3.333333")));
        assert_eq!(
            d("10").div_round([1, 2, 3].len(), R::Floor),
            Some(d("3.333333"))
        );
        assert_eq!(d("10").div_round(-4, R::HalfEven), Some(d("-2.5")));
        assert_eq!(c("10").div_round(4, R::HalfEven), Some(c("2.5")));
        assert_eq!(c("10").div_round(3, R::HalfEven), Some(c("3.33")));
        assert_eq!(c("0.05").div_round(2, R::HalfEven), Some(c("0.02")));
        assert_eq!(c("0.05").div_round(2, R::HalfUp), Some(c("0.03")));
        assert_eq!(c("-0.05").div_round(2_usize, R::HalfDown), Some(c("-0.02")));
        assert_eq!(c("1").div_round(u64::MAX, R::Up), Some(c("0.01")));
        assert_eq!(c("1").div_round(u64::MAX, R::Down), Some(Count::ZERO));
    }

    #[test]
    fn division_by_zero_and_overflow_are_none() {
        for mode in ALL {
            assert_eq!(d("1").div_round(Count::ZERO, mode), None);
            assert_eq!(d("1").div_round(0, mode), None);
            assert_eq!(d("1").div_round(0_usize, mode), None);
            assert_eq!(c("1").div_round(0_u64, mode), None);
            assert_eq!(Dollars::ZERO.div_round(0, mode), None);
            assert_eq!(Dollars(i64::MIN).div_round(-1, mode), None);
            assert_eq!(Count(i64::MIN).div_round(-1_i64, mode), None);
            assert_eq!(Dollars(i64::MAX).div_round(c("0.01"), mode), None);
            assert_eq!(
                Dollars(i64::MIN).div_round(Count::ONE, mode),
                Some(Dollars(i64::MIN))
            );
            assert_eq!(
                Dollars(i64::MAX).div_round(1, mode),
                Some(Dollars(i64::MAX))
            );
        }
    }

    #[test]
    fn mul_count_round_modes() {
        // 0.000001 × 0.5 = 0.0000005: a tie at the micro-dollar.
        let price = d("0.000001");
        let half = c("0.5");
        assert_eq!(
            price.mul_count_round(half, R::HalfEven),
            Some(Dollars::ZERO)
        );
        assert_eq!(price.mul_count_round(half, R::HalfUp), Some(d("0.000001")));
        assert_eq!(price.mul_count_round(half, R::Ceiling), Some(d("0.000001")));
        assert_eq!(price.mul_count_round(-half, R::Floor), Some(d("-0.000001")));
        assert_eq!(
            price.mul_count_round(-half, R::HalfEven),
            Some(Dollars::ZERO)
        );
        assert_eq!(
            d("0.000003").mul_count_round(half, R::HalfEven),
            Some(d("0.000002"))
        );
        // 0.000001 × 0.01: far below half a micro-dollar.
        assert_eq!(
            price.mul_count_round(c("0.01"), R::HalfUp),
            Some(Dollars::ZERO)
        );
        assert_eq!(price.mul_count_round(c("0.01"), R::Up), Some(d("0.000001")));
        // Four-decimal prices are exact in every mode.
        for mode in ALL {
            assert_eq!(
                d("0.5650").mul_count_round(c("0.01"), mode),
                Some(d("0.00565"))
            );
            assert_eq!(
                d("0.0001").mul_count_round(c("-0.01"), mode),
                Some(d("-0.000001"))
            );
            assert_eq!(Dollars(i64::MAX).mul_count_round(c("2"), mode), None);
        }
    }
}
