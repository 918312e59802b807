//! Strict decimal-string parsing for [`Dollars`] and [`Count`], digit by digit.

use std::str::FromStr;

use super::{Count, Dollars};

/// How errors name what a [`Dollars`] is.
pub(super) const DOLLARS_UNIT: &str = "dollar amount";
/// How errors name what a [`Count`] is.
pub(super) const COUNT_UNIT: &str = "contract count";

/// Why a string (or, with the `rust_decimal` feature, a `Decimal`) is not a
/// valid [`Dollars`] or [`Count`].
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
    pub(super) fn new(
        unit: &'static str,
        input: &str,
        kind: MoneyParseErrorKind,
    ) -> MoneyParseError {
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
        parse_scaled(s, Dollars::DECIMALS, DOLLARS_UNIT).map(Dollars)
    }
}

impl FromStr for Count {
    type Err = MoneyParseError;

    fn from_str(s: &str) -> Result<Count, MoneyParseError> {
        parse_scaled(s, Count::DECIMALS, COUNT_UNIT).map(Count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::testing::{c, d};
    use MoneyParseErrorKind as K;

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
}
