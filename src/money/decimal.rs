//! Exact conversions to and from [`rust_decimal::Decimal`] (feature
//! `rust_decimal`), for books kept in `Decimal`.
//!
//! Both directions are exact or refused: a `Decimal` is a 96-bit integer with
//! a decimal scale, so every [`Dollars`] and [`Count`] fits one, while the way
//! back fails only for a value with more decimals than the type stores or a
//! magnitude beyond its range. The way back goes by value, not by text:
//! `1.5000000` (scale 7) is $1.50, although the string `"1.5000000"` is
//! refused by [`FromStr`](std::str::FromStr) as a form Kalshi never sends.

use rust_decimal::Decimal;

use super::parse::{COUNT_UNIT, DOLLARS_UNIT};
use super::{Count, Dollars, MoneyParseError, MoneyParseErrorKind};

/// Exact: the result has scale 6 (`0.560000`); `Decimal` compares by value,
/// and `normalize()` drops the zeros.
#[cfg_attr(docsrs, doc(cfg(feature = "rust_decimal")))]
impl From<Dollars> for Decimal {
    fn from(amount: Dollars) -> Decimal {
        Decimal::new(amount.0, Dollars::DECIMALS)
    }
}

/// Exact: the result has scale 2 (`10.00`).
#[cfg_attr(docsrs, doc(cfg(feature = "rust_decimal")))]
impl From<Count> for Decimal {
    fn from(count: Count) -> Decimal {
        Decimal::new(count.0, Count::DECIMALS)
    }
}

/// Exact, or a [`MoneyParseError`] whose kind says why not:
/// [`TooManyDecimals`](MoneyParseErrorKind::TooManyDecimals) for a value
/// finer than a micro-dollar (trailing zeros are fine), or
/// [`Overflow`](MoneyParseErrorKind::Overflow) beyond about ±9.2 trillion $.
/// Never rounds.
#[cfg_attr(docsrs, doc(cfg(feature = "rust_decimal")))]
impl TryFrom<Decimal> for Dollars {
    type Error = MoneyParseError;

    fn try_from(value: Decimal) -> Result<Dollars, MoneyParseError> {
        scaled_from_decimal(value, Dollars::DECIMALS, DOLLARS_UNIT).map(Dollars)
    }
}

/// Exact, or a [`MoneyParseError`] whose kind says why not:
/// [`TooManyDecimals`](MoneyParseErrorKind::TooManyDecimals) for a value
/// finer than a hundredth of a contract, or
/// [`Overflow`](MoneyParseErrorKind::Overflow) beyond about ±92 quadrillion
/// contracts. Never rounds.
#[cfg_attr(docsrs, doc(cfg(feature = "rust_decimal")))]
impl TryFrom<Decimal> for Count {
    type Error = MoneyParseError;

    fn try_from(value: Decimal) -> Result<Count, MoneyParseError> {
        scaled_from_decimal(value, Count::DECIMALS, COUNT_UNIT).map(Count)
    }
}

/// `value` as an integer of 10^-`decimals` units, if it is one and fits `i64`.
fn scaled_from_decimal(
    value: Decimal,
    decimals: u32,
    unit: &'static str,
) -> Result<i64, MoneyParseError> {
    let fail = |kind| MoneyParseError::new(unit, &value.to_string(), kind);
    // |mantissa| < 2^96 and the scale is at most 28, so 10^scale and the
    // products below stay far inside i128; checked anyway.
    let mantissa = value.mantissa();
    let scale = value.scale();
    let scaled = if scale <= decimals {
        10_i128
            .checked_pow(decimals - scale)
            .and_then(|factor| mantissa.checked_mul(factor))
    } else {
        let divisor = 10_i128
            .checked_pow(scale - decimals)
            .ok_or_else(|| fail(MoneyParseErrorKind::TooManyDecimals { max: decimals }))?;
        if mantissa % divisor != 0 {
            return Err(fail(MoneyParseErrorKind::TooManyDecimals { max: decimals }));
        }
        Some(mantissa / divisor)
    };
    scaled
        .and_then(|units| i64::try_from(units).ok())
        .ok_or_else(|| fail(MoneyParseErrorKind::Overflow))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::testing::{c, d};
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_else(|e| panic!("{s:?} should be a Decimal: {e}"))
    }

    #[test]
    fn into_decimal_is_exact() {
        assert_eq!(Decimal::from(d("0.56")), dec("0.56"));
        assert_eq!(Decimal::from(d("0.56")).to_string(), "0.560000");
        assert_eq!(Decimal::from(d("-0.000001")), dec("-0.000001"));
        assert_eq!(
            Decimal::from(Dollars(i64::MAX)),
            dec("9223372036854.775807")
        );
        assert_eq!(
            Decimal::from(Dollars(i64::MIN)),
            dec("-9223372036854.775808")
        );
        assert_eq!(Decimal::from(c("2.5")), dec("2.5"));
        assert_eq!(Decimal::from(c("10")).to_string(), "10.00");
        assert_eq!(Decimal::from(Count(i64::MIN)), dec("-92233720368547758.08"));
    }

    #[test]
    fn from_decimal_is_exact_or_refused() {
        assert_eq!(Dollars::try_from(dec("0.56")), Ok(d("0.56")));
        assert_eq!(Dollars::try_from(dec("0.000001")), Ok(Dollars(1)));
        assert_eq!(Dollars::try_from(dec("-12")), Ok(d("-12")));
        assert_eq!(Dollars::try_from(dec("-0.0")), Ok(Dollars::ZERO));
        // By value: trailing zeros past the stored decimals are fine.
        assert_eq!(Dollars::try_from(dec("1.5000000000")), Ok(d("1.5")));
        assert_eq!(Count::try_from(dec("2.500")), Ok(c("2.5")));
        assert_eq!(
            Dollars::try_from(dec("9223372036854.775807")),
            Ok(Dollars(i64::MAX))
        );
        assert_eq!(
            Dollars::try_from(dec("-9223372036854.775808")),
            Ok(Dollars(i64::MIN))
        );
        assert_eq!(
            Count::try_from(dec("92233720368547758.07")),
            Ok(Count(i64::MAX))
        );

        let error = Dollars::try_from(dec("0.0000001")).expect_err("too fine");
        assert_eq!(
            error.kind(),
            &MoneyParseErrorKind::TooManyDecimals { max: 6 }
        );
        assert_eq!(
            error.to_string(),
            "invalid dollar amount \"0.0000001\": more than 6 decimal places"
        );
        let error = Count::try_from(dec("2.555")).expect_err("too fine");
        assert_eq!(
            error.kind(),
            &MoneyParseErrorKind::TooManyDecimals { max: 2 }
        );
        assert!(error
            .to_string()
            .starts_with("invalid contract count \"2.555\""));
        let finest = Decimal::from_i128_with_scale(1, 28);
        let error = Dollars::try_from(finest).expect_err("28 decimals");
        assert_eq!(
            error.kind(),
            &MoneyParseErrorKind::TooManyDecimals { max: 6 }
        );

        let error = Dollars::try_from(dec("9223372036854.775808")).expect_err("too big");
        assert_eq!(error.kind(), &MoneyParseErrorKind::Overflow);
        assert_eq!(
            error.to_string(),
            "invalid dollar amount \"9223372036854.775808\": out of range"
        );
        assert_eq!(
            Dollars::try_from(Decimal::MAX).map_err(|e| e.kind().clone()),
            Err(MoneyParseErrorKind::Overflow)
        );
        assert_eq!(
            Count::try_from(Decimal::MIN).map_err(|e| e.kind().clone()),
            Err(MoneyParseErrorKind::Overflow)
        );
        assert_eq!(
            Count::try_from(dec("-92233720368547758.09")).map_err(|e| e.kind().clone()),
            Err(MoneyParseErrorKind::Overflow)
        );
    }

    #[test]
    fn round_trips_through_decimal() {
        for micros in (-3_000_000..=3_000_000)
            .step_by(4_999)
            .chain([i64::MIN, i64::MAX, 1, -1])
        {
            let amount = Dollars(micros);
            assert_eq!(Dollars::try_from(Decimal::from(amount)), Ok(amount));
            // The same decimal digits as the canonical text.
            assert_eq!(Decimal::from(amount), dec(&amount.to_string()));
        }
        for hundredths in (-30_000..=30_000).step_by(7).chain([i64::MIN, i64::MAX]) {
            let count = Count(hundredths);
            assert_eq!(Count::try_from(Decimal::from(count)), Ok(count));
        }
    }
}
