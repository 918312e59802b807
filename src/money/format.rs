//! The canonical text of [`Dollars`] and [`Count`].

use std::fmt;

use super::{Count, Dollars, HUNDREDTHS_PER_CONTRACT, MICROS_PER_DOLLAR};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::testing::{c, d};

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
}
