//! Exact money and contract counts. No floating point in any computation.
//!
//! Kalshi sends dollar amounts as decimal strings with up to 6 decimals
//! (`"0.5600"`, `"12.345678"`) and contract counts as decimal strings with up
//! to 2 decimals (`"10.00"`). Both are stored here as scaled integers:
//!
//! * [`Dollars`]: `i64` micro-dollars (10⁻⁶ $), range about ±9.2 trillion $.
//! * [`Count`]: `i64` hundredths of a contract.
//!
//! Parsing works on the digits directly and never goes through `f64`, so
//! `"0.1"` is exactly 100 000 micro-dollars. For the same reason serde only
//! accepts JSON *strings*: a JSON number has usually been through a float
//! somewhere already.
//!
//! # Arithmetic
//!
//! Everything that is exact has an operator, and every operator has a
//! `checked_*` twin that returns `None` instead of panicking:
//!
//! | expression | result | exact? | twin |
//! |---|---|---|---|
//! | `a + b`, `a - b`, `-a`, `+=`, `-=` | same type | yes | `checked_add`, `checked_sub`, `checked_neg` |
//! | `iter.sum()` (owned or `&`) | same type | yes | `checked_sum` |
//! | `Dollars * Count`, `Count * Dollars` | `Dollars` | see below | `checked_mul_count`, `mul_count_round` |
//! | `div_round(divisor, mode)` | same type | rounded once, as asked | (returns `Option`) |
//!
//! **Overflow panics**, in release builds too, with a message naming the
//! operation (`Dollars addition overflowed: … + …`), the way `i64` does with
//! overflow checks on. The range is about ±9.2 trillion dollars and ±92
//! quadrillion contracts, so an overflow means corrupt input, not a big
//! portfolio; code that sums untrusted amounts can use the `checked_*` forms.
//! A sum only panics if the *total* does not fit.
//!
//! **`Dollars × Count` rounds half-even to the micro-dollar.** A count is in
//! hundredths, so price × count is exact whenever the price has at most 4
//! decimals, which is every price Kalshi quotes or accepts (prices are
//! multiples of $0.0001): P&L and cost from fills and orders never round.
//! Only an amount with 5–6 decimals (an average, a per-contract fee share)
//! times a fractional count can fall between two micro-dollars
//! (0.000001 $ × 0.01 = 0.00000001 $); `*` then rounds to the nearest
//! micro-dollar, ties to even, rather than panicking in the middle of a
//! report. [`Dollars::checked_mul_count`] refuses an inexact product instead,
//! and [`Dollars::mul_count_round`] takes any [`RoundingMode`].
//!
//! **Division always names its rounding.** There is no `/`: an average
//! rarely lands on a whole micro-dollar, and which way it goes is a business
//! rule. [`Dollars::div_round`] divides by a [`Count`] (the average price per
//! contract) or an integer (the average over items), [`Count::div_round`] by
//! an integer; the result is computed exactly on `i128` and rounded once.
//! Division by zero is `None`, never a panic.
//!
//! ```
//! use kalshi_portfolio::money::{Count, Dollars, RoundingMode};
//!
//! let fills: [(Dollars, Count); 2] = [
//!     ("0.56".parse()?, "10".parse()?),
//!     ("0.5650".parse()?, "2.5".parse()?),
//! ];
//! let cost: Dollars = fills.iter().map(|&(price, count)| price * count).sum();
//! let contracts: Count = fills.iter().map(|&(_, count)| count).sum();
//! assert_eq!(cost.to_string(), "7.0125");
//! let average = cost.div_round(contracts, RoundingMode::HalfEven);
//! assert_eq!(average, Some("0.561".parse()?));
//! assert_eq!(format!("{contracts:>6} @ {:.2}", average.unwrap_or_default()), " 12.50 @ 0.56");
//! # Ok::<(), kalshi_portfolio::money::MoneyParseError>(())
//! ```
//!
//! # Floating point
//!
//! [`Dollars::to_f64`] and [`Count::to_f64`] are a lossy, one-way exit for
//! charts and statistics (a mean, a standard deviation, a plot). Nothing
//! converts *from* `f64`: a float that has been through arithmetic no longer
//! holds the amount it meant, so money comes in as text (or, with the
//! `rust_decimal` feature, as an exact `Decimal`).
//!
//! ```compile_fail
//! let price = kalshi_portfolio::Dollars::from(0.56_f64); // no such conversion
//! ```
//!
//! # Text
//!
//! `Display` without options is the canonical text (`0.5600`, `10.00`) that
//! serde writes; width, fill, alignment, `+` and precision work as for
//! numbers, and a precision below the stored one rounds half-even (see the
//! `Display` impls).
//!
//! Accepted text, for both types (decided strictly, matching what Kalshi
//! writes and JSON's number grammar):
//!
//! * optional leading `-` (positions and P&L can be negative); no `+`;
//! * at least one integer digit, and no leading zeros (`"0.5"` and `"10"`
//!   yes; `".5"` and `"007.5"` no);
//! * optionally `.` followed by 1 to N fraction digits (N = 6 for
//!   [`Dollars`], 2 for [`Count`]); `"5."` is refused, and so are extra
//!   digits even when they are zeros (`"0.5600000"`), since that is not a
//!   form Kalshi emits;
//! * ASCII digits only: no whitespace, `_`, `,`, exponent, `NaN` or `inf`.
//!
//! `"-0"` and `"-0.00"` are accepted and equal zero (displayed without sign).

mod arithmetic;
#[cfg(feature = "rust_decimal")]
mod decimal;
mod format;
mod parse;
#[cfg(test)]
mod proptests;
mod rounding;
mod serde_string;

pub use parse::{MoneyParseError, MoneyParseErrorKind};
pub use rounding::{Divisor, RoundingMode};

/// A US dollar amount, exact to the micro-dollar (6 decimals).
///
/// `Display` without options is the canonical text: 4 decimals, or 5–6 when
/// the value needs them (`"0.5600"`, `"12.0000"`, `"-1.5000"`, `"0.000001"`).
/// Four decimals is the form in Kalshi's request examples and is accepted by
/// every dollar field; serde writes the same string. Width, alignment, `+`
/// and precision (`{:>10.2}`, rounding half-even) are honoured for reports.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Dollars(i64);

/// A number of contracts, exact to the hundredth (Kalshi allows fractional
/// contracts down to 0.01). Negative values are positions on the other side.
///
/// `Display` without options and serde always use 2 decimals (`"10.00"`);
/// width, alignment, `+` and precision are honoured as for [`Dollars`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Count(i64);

const MICROS_PER_DOLLAR: i64 = 1_000_000;
const MICROS_PER_CENT: i64 = 10_000;
const HUNDREDTHS_PER_CONTRACT: i64 = 100;

impl Dollars {
    /// $0.
    pub const ZERO: Dollars = Dollars(0);
    /// $1, the payout of a winning contract.
    pub const ONE: Dollars = Dollars(MICROS_PER_DOLLAR);
    /// Number of decimal places stored.
    pub const DECIMALS: u32 = 6;

    /// From micro-dollars (10⁻⁶ $).
    pub const fn from_micros(micros: i64) -> Dollars {
        Dollars(micros)
    }

    /// From whole cents; `None` if the amount does not fit (beyond about
    /// ±9.2 trillion dollars).
    pub const fn from_cents(cents: i64) -> Option<Dollars> {
        match cents.checked_mul(MICROS_PER_CENT) {
            Some(micros) => Some(Dollars(micros)),
            None => None,
        }
    }

    /// The amount in micro-dollars.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// The amount in dollars as an `f64`: **lossy**, for charts and statistics
    /// only, never for money that is added, compared or sent back.
    ///
    /// The nearest `f64` to the exact amount up to 2⁵³ micro-dollars (about
    /// $9 billion), within one more rounding beyond. `0.1` comes out as the
    /// float `0.1`, which is not exactly one tenth.
    pub fn to_f64(self) -> f64 {
        // Both conversions are exact up to 2^53 and the division is correctly
        // rounded, so this is one rounding of the true value.
        self.0 as f64 / MICROS_PER_DOLLAR as f64
    }

    /// The amount in cents, or `None` if it is not a whole number of cents
    /// (e.g. `0.5650`). Never rounds.
    pub const fn to_cents_exact(self) -> Option<i64> {
        if self.0 % MICROS_PER_CENT == 0 {
            Some(self.0 / MICROS_PER_CENT)
        } else {
            None
        }
    }

    /// `true` if `0 < self < 1`: the open range a binary contract price must
    /// be in (a price of 0 or 1 cannot trade).
    pub const fn is_strictly_between_zero_and_one(self) -> bool {
        self.0 > 0 && self.0 < MICROS_PER_DOLLAR
    }

    /// `true` if `self` is a whole multiple of `tick` (e.g. a price on a
    /// $0.01 grid). A zero or negative tick is never satisfied.
    pub const fn is_multiple_of(self, tick: Dollars) -> bool {
        tick.0 > 0 && self.0 % tick.0 == 0
    }

    /// `$1 - self`: the other side's price. Buying NO at `q` is the same
    /// order as selling YES at `1 - q`, so order builders use this to map
    /// one onto the other.
    ///
    /// Exact for every price (and every amount above about −9.2 trillion $);
    /// saturates at [`i64::MAX`] micro-dollars in the single unreachable
    /// corner where `1 - self` does not fit. Use
    /// [`checked_complement`](Self::checked_complement) to detect that.
    pub const fn complement(self) -> Dollars {
        Dollars(MICROS_PER_DOLLAR.saturating_sub(self.0))
    }

    /// `$1 - self`, or `None` if it does not fit.
    pub const fn checked_complement(self) -> Option<Dollars> {
        Dollars::ONE.checked_sub(self)
    }
}

impl Count {
    /// No contracts.
    pub const ZERO: Count = Count(0);
    /// One contract.
    pub const ONE: Count = Count(HUNDREDTHS_PER_CONTRACT);
    /// Number of decimal places stored.
    pub const DECIMALS: u32 = 2;

    /// From a whole number of contracts; `None` if it does not fit (beyond
    /// about ±92 quadrillion contracts).
    pub const fn from_whole(contracts: i64) -> Option<Count> {
        match contracts.checked_mul(HUNDREDTHS_PER_CONTRACT) {
            Some(h) => Some(Count(h)),
            None => None,
        }
    }

    /// From hundredths of a contract (`250` is 2.5 contracts).
    pub const fn from_hundredths(hundredths: i64) -> Count {
        Count(hundredths)
    }

    /// The count in hundredths of a contract.
    pub const fn as_hundredths(self) -> i64 {
        self.0
    }

    /// The number of contracts as an `f64`: **lossy**, for charts and
    /// statistics only.
    ///
    /// The nearest `f64` to the exact count up to 2⁵³ hundredths (about 90
    /// trillion contracts), within one more rounding beyond.
    pub fn to_f64(self) -> f64 {
        // As for Dollars: one correctly rounded division of exact operands.
        self.0 as f64 / HUNDREDTHS_PER_CONTRACT as f64
    }

    /// The count as whole contracts, or `None` if it has a fractional part.
    pub const fn whole(self) -> Option<i64> {
        if self.0 % HUNDREDTHS_PER_CONTRACT == 0 {
            Some(self.0 / HUNDREDTHS_PER_CONTRACT)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod testing {
    use super::{Count, Dollars};

    pub(crate) fn d(s: &str) -> Dollars {
        s.parse()
            .unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    pub(crate) fn c(s: &str) -> Count {
        s.parse()
            .unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{c, d};
    use super::*;
    use std::fmt;
    use std::str::FromStr;

    #[test]
    fn cents_conversions() {
        assert_eq!(Dollars::from_cents(56), Some(d("0.56")));
        assert_eq!(Dollars::from_cents(-150), Some(d("-1.5")));
        assert_eq!(Dollars::from_cents(0), Some(Dollars::ZERO));
        assert_eq!(Dollars::from_cents(i64::MAX), None);
        assert_eq!(Dollars::from_cents(i64::MIN), None);
        let largest = i64::MAX / MICROS_PER_CENT;
        assert_eq!(
            Dollars::from_cents(largest).and_then(Dollars::to_cents_exact),
            Some(largest)
        );
        assert_eq!(d("0.56").to_cents_exact(), Some(56));
        assert_eq!(d("12").to_cents_exact(), Some(1200));
        assert_eq!(d("-0.01").to_cents_exact(), Some(-1));
        assert_eq!(d("0.5650").to_cents_exact(), None);
        assert_eq!(d("0.000001").to_cents_exact(), None);
        assert_eq!(d("-0.005").to_cents_exact(), None);
    }

    #[test]
    fn to_f64_is_the_nearest_float() {
        assert_eq!(d("0.56").to_f64(), 0.56);
        assert_eq!(d("-1.5").to_f64(), -1.5);
        assert_eq!(d("0.1").to_f64(), 0.1);
        assert_eq!(d("0.000001").to_f64(), 1e-6);
        assert_eq!(d("12.345678").to_f64(), 12.345678);
        assert_eq!(Dollars::ZERO.to_f64(), 0.0);
        // Beyond 2^53 micro-dollars: within one rounding of the nearest float.
        let nearest: f64 = "9223372036854.775807".parse().expect("a float");
        assert!((Dollars(i64::MAX).to_f64() - nearest).abs() <= nearest * f64::EPSILON);
        assert_eq!(Dollars(i64::MIN).to_f64(), -(2f64.powi(63) / 1e6));
        assert_eq!(c("2.5").to_f64(), 2.5);
        assert_eq!(c("-0.01").to_f64(), -0.01);
        assert_eq!(c("10").to_f64(), 10.0);
        assert_eq!(Count(i64::MIN).to_f64(), -92_233_720_368_547_758.08);
        // Every micro-dollar below $10 comes out as the float its text parses to.
        for micros in (-10_000_000..=10_000_000).step_by(9_973) {
            let amount = Dollars::from_micros(micros);
            let parsed: f64 = amount.to_string().parse().expect("a float");
            assert_eq!(amount.to_f64(), parsed, "{amount}");
        }
    }

    #[test]
    fn price_helpers() {
        assert_eq!(d("0.56").complement(), d("0.44"));
        assert_eq!(d("0.56").complement().as_micros(), 440_000);
        assert_eq!(d("0.5650").complement(), d("0.4350"));
        assert_eq!(d("0.000001").complement(), d("0.999999"));
        assert_eq!(Dollars::ZERO.complement(), Dollars::ONE);
        assert_eq!(Dollars::ONE.complement(), Dollars::ZERO);
        assert_eq!(d("1.5").complement(), d("-0.5"));
        assert_eq!(Dollars(i64::MIN).complement(), Dollars(i64::MAX));
        assert_eq!(Dollars(i64::MIN).checked_complement(), None);
        assert_eq!(d("0.56").checked_complement(), Some(d("0.44")));

        assert!(d("0.56").is_strictly_between_zero_and_one());
        assert!(d("0.000001").is_strictly_between_zero_and_one());
        assert!(d("0.999999").is_strictly_between_zero_and_one());
        assert!(!Dollars::ZERO.is_strictly_between_zero_and_one());
        assert!(!Dollars::ONE.is_strictly_between_zero_and_one());
        assert!(!d("-0.5").is_strictly_between_zero_and_one());
        assert!(!d("1.5").is_strictly_between_zero_and_one());

        assert!(d("0.5600").is_multiple_of(d("0.01")));
        assert!(!d("0.5650").is_multiple_of(d("0.01")));
        assert!(d("0.5650").is_multiple_of(d("0.001")));
        assert!(d("0.5650").is_multiple_of(d("0.0001")));
        assert!(!d("0.56001").is_multiple_of(d("0.0001")));
        assert!(d("-0.56").is_multiple_of(d("0.01")));
        assert!(!d("-0.565").is_multiple_of(d("0.01")));
        assert!(Dollars::ZERO.is_multiple_of(d("0.01")));
        assert!(!d("0.56").is_multiple_of(Dollars::ZERO));
        assert!(!d("0.56").is_multiple_of(d("-0.01")));
        assert!(!Dollars(i64::MIN).is_multiple_of(Dollars(-1)));
    }

    #[test]
    fn traits() {
        fn assert_traits<
            T: Copy
                + Clone
                + fmt::Debug
                + fmt::Display
                + PartialEq
                + Eq
                + PartialOrd
                + Ord
                + std::hash::Hash
                + Default
                + FromStr
                + Send
                + Sync
                + serde::Serialize
                + for<'de> serde::Deserialize<'de>,
        >() {
        }
        assert_traits::<Dollars>();
        assert_traits::<Count>();
        fn assert_error<T: std::error::Error + Clone + Send + Sync + 'static>() {}
        assert_error::<MoneyParseError>();
    }
}
