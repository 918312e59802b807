//! Exact money and contract counts. No floating point anywhere.
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
//! All arithmetic is checked (`checked_*` returning `Option`); there are no
//! `+`/`-` operators, because an overflow in money must never panic or wrap
//! silently.
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

use std::fmt;
use std::str::FromStr;

/// A US dollar amount, exact to the micro-dollar (6 decimals).
///
/// `Display` is the canonical text: 4 decimals, or 5–6 when the value needs
/// them (`"0.5600"`, `"12.0000"`, `"-1.5000"`, `"0.000001"`). Four decimals is
/// the form in Kalshi's request examples and is accepted by every dollar
/// field; serde writes the same string.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Dollars(i64);

/// A number of contracts, exact to the hundredth (Kalshi allows fractional
/// contracts down to 0.01). Negative values are positions on the other side.
///
/// `Display` and serde always use 2 decimals (`"10.00"`).
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

    /// The amount in cents, or `None` if it is not a whole number of cents
    /// (e.g. `0.5650`). Never rounds.
    pub const fn to_cents_exact(self) -> Option<i64> {
        if self.0 % MICROS_PER_CENT == 0 {
            Some(self.0 / MICROS_PER_CENT)
        } else {
            None
        }
    }

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

    /// The count as whole contracts, or `None` if it has a fractional part.
    pub const fn whole(self) -> Option<i64> {
        if self.0 % HUNDREDTHS_PER_CONTRACT == 0 {
            Some(self.0 / HUNDREDTHS_PER_CONTRACT)
        } else {
            None
        }
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

impl fmt::Display for Dollars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let units = MICROS_PER_DOLLAR.unsigned_abs();
        let whole = magnitude / units;
        let mut fraction = magnitude % units;
        // Drop trailing zeros, but keep at least 4 decimals.
        let mut width = Dollars::DECIMALS as usize;
        while width > 4 && fraction.is_multiple_of(10) {
            fraction /= 10;
            width -= 1;
        }
        write!(f, "{sign}{whole}.{fraction:0width$}")
    }
}

impl fmt::Debug for Dollars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dollars({self})")
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let units = HUNDREDTHS_PER_CONTRACT.unsigned_abs();
        write!(f, "{sign}{}.{:02}", magnitude / units, magnitude % units)
    }
}

impl fmt::Debug for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Count({self})")
    }
}

/// Why a string is not a valid [`Dollars`] or [`Count`].
///
/// The message names the unit, the offending input (quoted, and cut short if
/// long) and the reason, e.g.
/// `invalid dollar amount "1e-2": exponent notation is not allowed`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {unit} {input:?}: {kind}")]
#[non_exhaustive]
pub struct MoneyParseError {
    unit: &'static str,
    input: String,
    kind: MoneyParseErrorKind,
}

impl MoneyParseError {
    fn new(unit: &'static str, input: &str, kind: MoneyParseErrorKind) -> MoneyParseError {
        // Keep error messages bounded whatever the server or user sent.
        const MAX_CHARS: usize = 40;
        let input = match input.char_indices().nth(MAX_CHARS) {
            Some((cut, _)) => format!("{}…", &input[..cut]),
            None => input.to_owned(),
        };
        MoneyParseError { unit, input, kind }
    }

    /// Why the input was refused.
    pub fn kind(&self) -> &MoneyParseErrorKind {
        &self.kind
    }

    /// The refused input (cut to 40 characters plus `…` if longer).
    pub fn input(&self) -> &str {
        &self.input
    }
}

/// The reason inside a [`MoneyParseError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyParseErrorKind {
    /// The string is empty.
    #[error("empty string")]
    Empty,
    /// Contains a space, tab or newline (including leading/trailing).
    #[error("whitespace is not allowed")]
    Whitespace,
    /// Starts with `+`.
    #[error("a leading '+' is not allowed")]
    PlusSign,
    /// Uses `e`/`E` exponent notation.
    #[error("exponent notation is not allowed")]
    Exponent,
    /// `NaN`, `inf` or `infinity`.
    #[error("not a finite decimal number")]
    NotFinite,
    /// A character other than an ASCII digit, one leading `-` and one `.`.
    #[error("unexpected character {0:?}")]
    InvalidCharacter(char),
    /// No digit before the decimal point (`".5"`, `"-"`).
    #[error("expected a digit before the decimal point")]
    MissingIntegerDigits,
    /// A decimal point with no digit after it (`"5."`).
    #[error("expected a digit after the decimal point")]
    MissingFractionDigits,
    /// Integer part with a superfluous leading zero (`"007.5"`).
    #[error("leading zeros are not allowed")]
    LeadingZero,
    /// More fraction digits than the type stores.
    #[error("more than {max} decimal places")]
    TooManyDecimals {
        /// The most decimals the type accepts.
        max: u32,
    },
    /// Magnitude beyond what the type can hold.
    #[error("out of range")]
    Overflow,
}

/// Parses `input` into an integer scaled by `10^decimals` following the rules
/// in the module docs. Works on the digits only; no floats involved.
fn parse_scaled(input: &str, decimals: u32, unit: &'static str) -> Result<i64, MoneyParseError> {
    use MoneyParseErrorKind as K;
    let fail = |kind| Err(MoneyParseError::new(unit, input, kind));

    if input.is_empty() {
        return fail(K::Empty);
    }
    if input.chars().any(char::is_whitespace) {
        return fail(K::Whitespace);
    }
    let (negative, body) = match input.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, input),
    };
    if body.starts_with('+') {
        return fail(K::PlusSign);
    }
    if ["nan", "inf", "infinity"]
        .iter()
        .any(|word| body.eq_ignore_ascii_case(word))
    {
        return fail(K::NotFinite);
    }
    if body.contains(['e', 'E']) {
        return fail(K::Exponent);
    }
    let (integer, fraction) = match body.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (body, None),
    };
    // A second '.' or '-' lands here as an unexpected character.
    if let Some(bad) = integer
        .chars()
        .chain(fraction.unwrap_or("").chars())
        .find(|c| !c.is_ascii_digit())
    {
        return fail(K::InvalidCharacter(bad));
    }
    if integer.is_empty() {
        return fail(K::MissingIntegerDigits);
    }
    if integer.len() > 1 && integer.starts_with('0') {
        return fail(K::LeadingZero);
    }
    let fraction = fraction.unwrap_or_default();
    if body.ends_with('.') {
        return fail(K::MissingFractionDigits);
    }
    if fraction.len() > decimals as usize {
        return fail(K::TooManyDecimals { max: decimals });
    }

    // Accumulate the magnitude as u64 so that i64::MIN stays reachable.
    let mut magnitude: u64 = 0;
    let padding = std::iter::repeat_n(b'0', decimals as usize - fraction.len());
    for digit in integer.bytes().chain(fraction.bytes()).chain(padding) {
        magnitude = match magnitude
            .checked_mul(10)
            .and_then(|m| m.checked_add(u64::from(digit - b'0')))
        {
            Some(m) => m,
            None => return fail(K::Overflow),
        };
    }
    let signed = if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    };
    match signed {
        Some(value) => Ok(value),
        None => fail(K::Overflow),
    }
}

impl FromStr for Dollars {
    type Err = MoneyParseError;

    fn from_str(s: &str) -> Result<Dollars, MoneyParseError> {
        parse_scaled(s, Dollars::DECIMALS, "dollar amount").map(Dollars)
    }
}

impl FromStr for Count {
    type Err = MoneyParseError;

    fn from_str(s: &str) -> Result<Count, MoneyParseError> {
        parse_scaled(s, Count::DECIMALS, "contract count").map(Count)
    }
}

/// Serde as the `Display` string; deserialize only from a string via
/// `FromStr` (a JSON number is refused with an "invalid type" error).
macro_rules! serde_as_decimal_string {
    ($ty:ident, $expecting:literal) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$ty, D::Error> {
                struct Visitor;

                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $ty;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }

                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        v.parse().map_err(E::custom)
                    }
                }

                deserializer.deserialize_str(Visitor)
            }
        }
    };
}

serde_as_decimal_string!(
    Dollars,
    "a dollar amount as a decimal string, such as \"0.5600\""
);
serde_as_decimal_string!(
    Count,
    "a contract count as a decimal string, such as \"10.00\""
);

#[cfg(test)]
mod tests {
    use super::*;
    use MoneyParseErrorKind as K;

    fn d(s: &str) -> Dollars {
        s.parse()
            .unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    fn c(s: &str) -> Count {
        s.parse()
            .unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    #[test]
    fn dollars_parse_and_display() {
        // (input, micros, canonical display)
        let cases: &[(&str, i64, &str)] = &[
            ("0.56", 560_000, "0.5600"),
            ("0.5600", 560_000, "0.5600"),
            ("0.560000", 560_000, "0.5600"),
            ("0.5", 500_000, "0.5000"),
            ("12", 12_000_000, "12.0000"),
            ("-1.5", -1_500_000, "-1.5000"),
            ("0.000001", 1, "0.000001"),
            ("-0.000001", -1, "-0.000001"),
            ("0.00001", 10, "0.00001"),
            ("0.12345", 123_450, "0.12345"),
            ("0.1234", 123_400, "0.1234"),
            ("0.1", 100_000, "0.1000"),
            ("0", 0, "0.0000"),
            ("-0", 0, "0.0000"),
            ("-0.00", 0, "0.0000"),
            ("0.0000", 0, "0.0000"),
            ("10", 10_000_000, "10.0000"),
            ("100.01", 100_010_000, "100.0100"),
            ("1", 1_000_000, "1.0000"),
            ("9223372036854.775807", i64::MAX, "9223372036854.775807"),
            ("-9223372036854.775808", i64::MIN, "-9223372036854.775808"),
        ];
        for &(input, micros, shown) in cases {
            let value = d(input);
            assert_eq!(value.as_micros(), micros, "{input:?}");
            assert_eq!(value.to_string(), shown, "{input:?}");
            // The canonical form parses back to the same value.
            assert_eq!(d(shown), value, "{shown:?}");
        }
    }

    #[test]
    fn dollars_debug() {
        assert_eq!(format!("{:?}", d("0.56")), "Dollars(0.5600)");
        assert_eq!(
            format!("{:?}", Dollars::from_micros(-1)),
            "Dollars(-0.000001)"
        );
    }

    #[test]
    fn display_of_every_micro_value_round_trips() {
        // A spread of values, including all fractional widths and signs.
        for micros in (-2_000_000..=2_000_000).step_by(997).chain([
            i64::MIN,
            i64::MIN + 1,
            i64::MAX,
            i64::MAX - 1,
            1,
            -1,
            10,
            100,
            1_000,
        ]) {
            let value = Dollars::from_micros(micros);
            assert_eq!(d(&value.to_string()), value, "{micros}");
        }
        for hundredths in (-20_000..=20_000).step_by(7).chain([i64::MIN, i64::MAX]) {
            let value = Count::from_hundredths(hundredths);
            assert_eq!(c(&value.to_string()), value, "{hundredths}");
        }
    }

    #[test]
    fn dollars_rejections() {
        let cases: &[(&str, MoneyParseErrorKind)] = &[
            ("", K::Empty),
            (" ", K::Whitespace),
            (" 0.56", K::Whitespace),
            ("0.56 ", K::Whitespace),
            ("0.56\n", K::Whitespace),
            ("0 .56", K::Whitespace),
            ("+0.56", K::PlusSign),
            ("-+0.56", K::PlusSign),
            ("1e-2", K::Exponent),
            ("1E2", K::Exponent),
            ("5.6e-1", K::Exponent),
            ("NaN", K::NotFinite),
            ("nan", K::NotFinite),
            ("inf", K::NotFinite),
            ("-inf", K::NotFinite),
            ("Infinity", K::NotFinite),
            ("0.5600001", K::TooManyDecimals { max: 6 }),
            ("0.5600000", K::TooManyDecimals { max: 6 }),
            (".5", K::MissingIntegerDigits),
            ("-.5", K::MissingIntegerDigits),
            ("-", K::MissingIntegerDigits),
            (".", K::MissingIntegerDigits),
            ("5.", K::MissingFractionDigits),
            ("-5.", K::MissingFractionDigits),
            ("007.5", K::LeadingZero),
            ("00", K::LeadingZero),
            ("-01", K::LeadingZero),
            ("1.2.3", K::InvalidCharacter('.')),
            ("--1", K::InvalidCharacter('-')),
            ("1-", K::InvalidCharacter('-')),
            ("1,000.00", K::InvalidCharacter(',')),
            ("1_000", K::InvalidCharacter('_')),
            ("$1.00", K::InvalidCharacter('$')),
            ("0x10", K::InvalidCharacter('x')),
            ("١٢", K::InvalidCharacter('١')),
            ("１", K::InvalidCharacter('１')),
            ("9223372036854.775808", K::Overflow),
            ("-9223372036854.775809", K::Overflow),
            ("99999999999999999999", K::Overflow),
            ("184467440737095.51616", K::Overflow),
        ];
        for (input, kind) in cases {
            let error = input
                .parse::<Dollars>()
                .expect_err(&format!("{input:?} should be refused"));
            assert_eq!(error.kind(), kind, "{input:?}");
            assert_eq!(error.input(), *input);
            let message = error.to_string();
            assert!(
                message.starts_with(&format!("invalid dollar amount {input:?}: ")),
                "{message}"
            );
        }
    }

    #[test]
    fn error_messages() {
        let error = "1e-2".parse::<Dollars>().expect_err("exponent");
        assert_eq!(
            error.to_string(),
            "invalid dollar amount \"1e-2\": exponent notation is not allowed"
        );
        let error = "2.555".parse::<Count>().expect_err("decimals");
        assert_eq!(
            error.to_string(),
            "invalid contract count \"2.555\": more than 2 decimal places"
        );
        let long = "1".repeat(100);
        let error = long.parse::<Dollars>().expect_err("overflow");
        assert_eq!(error.input(), format!("{}…", "1".repeat(40)));
        assert!(error.to_string().len() < 100);
    }

    #[test]
    fn count_parse_and_display() {
        let cases: &[(&str, i64, &str)] = &[
            ("10", 1_000, "10.00"),
            ("10.0", 1_000, "10.00"),
            ("10.00", 1_000, "10.00"),
            ("2.5", 250, "2.50"),
            ("-3.00", -300, "-3.00"),
            ("0.01", 1, "0.01"),
            ("-0.01", -1, "-0.01"),
            ("0", 0, "0.00"),
            ("-0", 0, "0.00"),
            ("92233720368547758.07", i64::MAX, "92233720368547758.07"),
            ("-92233720368547758.08", i64::MIN, "-92233720368547758.08"),
        ];
        for &(input, hundredths, shown) in cases {
            let value = c(input);
            assert_eq!(value.as_hundredths(), hundredths, "{input:?}");
            assert_eq!(value.to_string(), shown, "{input:?}");
            assert_eq!(c(shown), value);
        }
        assert_eq!(format!("{:?}", c("2.5")), "Count(2.50)");
    }

    #[test]
    fn count_rejections() {
        let cases: &[(&str, MoneyParseErrorKind)] = &[
            ("", K::Empty),
            ("10.001", K::TooManyDecimals { max: 2 }),
            ("10.000", K::TooManyDecimals { max: 2 }),
            ("1e3", K::Exponent),
            ("+1", K::PlusSign),
            ("1.", K::MissingFractionDigits),
            (".1", K::MissingIntegerDigits),
            ("01", K::LeadingZero),
            ("NaN", K::NotFinite),
            ("1 ", K::Whitespace),
            ("92233720368547758.08", K::Overflow),
        ];
        for (input, kind) in cases {
            let error = input
                .parse::<Count>()
                .expect_err(&format!("{input:?} should be refused"));
            assert_eq!(error.kind(), kind, "{input:?}");
            assert!(error.to_string().starts_with("invalid contract count"));
        }
    }

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
    fn serde_round_trip() {
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        struct Fill {
            price: Dollars,
            count: Count,
        }
        let fill = Fill {
            price: d("0.565"),
            count: c("2.5"),
        };
        let json = serde_json::to_string(&fill).expect("serialize");
        assert_eq!(json, r#"{"price":"0.5650","count":"2.50"}"#);
        let back: Fill = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, fill);

        let parsed: Fill =
            serde_json::from_str(r#"{"price":"0.000001","count":"-3"}"#).expect("deserialize");
        assert_eq!(parsed.price, Dollars(1));
        assert_eq!(parsed.count, c("-3.00"));

        // Owned strings (e.g. from serde_json::Value) go through the same path.
        let value = serde_json::json!("12");
        assert_eq!(
            serde_json::from_value::<Dollars>(value).expect("from value"),
            d("12")
        );
        // Escaped strings are not borrowed; still accepted.
        assert_eq!(
            serde_json::from_str::<Count>(r#""1\u0030""#).expect("escaped"),
            c("10")
        );
    }

    #[test]
    fn serde_refuses_numbers_and_bad_strings() {
        for json in ["0.56", "1", "-1", "1e-2", "null", "true", "[]", "{}"] {
            let error = serde_json::from_str::<Dollars>(json).expect_err(json);
            let message = error.to_string();
            assert!(message.contains("invalid type"), "{json}: {message}");
            assert!(message.contains("decimal string"), "{json}: {message}");
            assert!(serde_json::from_str::<Count>(json).is_err(), "{json}");
        }
        let error = serde_json::from_str::<Dollars>(r#""1e-2""#).expect_err("exponent");
        assert!(
            error
                .to_string()
                .starts_with("invalid dollar amount \"1e-2\": exponent notation"),
            "{error}"
        );
        let error = serde_json::from_str::<Count>(r#""2.555""#).expect_err("decimals");
        assert!(error.to_string().contains("\"2.555\""), "{error}");
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
