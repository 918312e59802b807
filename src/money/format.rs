//! The text of [`Dollars`] and [`Count`]: the canonical form by default, and the
//! standard width, fill, alignment, sign and precision options on request, so
//! that a report can line up a column with `{:>12.2}`.

use std::fmt;

use super::rounding::{div_round_i128, RoundingMode};
use super::{Count, Dollars};

/// `Display` for `Dollars`.
///
/// Without a precision this is the canonical text that serde writes and
/// Kalshi accepts: 4 decimals, or 5–6 when the value needs them (`0.5600`,
/// `0.56001`, `0.000001`).
///
/// The standard options apply to the whole number, counted in characters:
///
/// * precision: `{:.2}` rounds **half-even** to 2 decimals (`0.125` → `0.12`,
///   `0.135` → `0.14`; a negative amount that rounds to zero prints `0.00`,
///   without sign); `{:.0}` prints no decimal point; a precision above 6
///   pads with zeros (`{:.8}` of `0.56` is `0.56000000`);
/// * width, fill and alignment: `{:>10}`, `{:<10}`, `{:^10}`, `{:*>10}`
///   (numbers align right by default, like integers);
/// * `{:+}` writes a `+` before a positive amount or zero;
/// * `{:010}` pads with zeros after the sign (`-0001.5000`).
///
/// Rounding here is for display only; to round the value itself use
/// [`Dollars::div_round`] or [`Dollars::mul_count_round`].
impl fmt::Display for Dollars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // At least 4 decimals, as in Kalshi's examples.
        write_fixed(f, self.0, Dollars::DECIMALS, 4)
    }
}

impl fmt::Debug for Dollars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dollars({self})")
    }
}

/// `Display` for `Count`.
///
/// Without a precision: always 2 decimals (`10.00`), the canonical text that
/// serde writes. Width, fill, alignment, `+`, `0` and precision work as for
/// [`Dollars`]'s `Display` (`{:.0}` rounds half-even to whole contracts,
/// `{:.4}` pads with zeros).
impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_fixed(f, self.0, Count::DECIMALS, Count::DECIMALS)
    }
}

impl fmt::Debug for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Count({self})")
    }
}

/// Writes `units` (an integer number of 10^-`scale`) with `f`'s options.
///
/// Without a precision, trailing zero decimals are dropped down to
/// `min_decimals`. The digits are built first and handed to
/// [`fmt::Formatter::pad_integral`], which owns sign, width, fill, alignment and
/// zero padding exactly as it does for integers.
fn write_fixed(
    f: &mut fmt::Formatter<'_>,
    units: i64,
    scale: u32,
    min_decimals: u32,
) -> fmt::Result {
    let digits = match f.precision() {
        Some(precision) if precision < scale as usize => {
            // Lossless: precision < scale ≤ 6 here.
            let decimals = precision as u32;
            let step = 10_i128.pow(scale - decimals);
            // The step is never zero, so this is always Some.
            let rounded = div_round_i128(i128::from(units), step, RoundingMode::HalfEven)
                .ok_or(fmt::Error)?;
            Digits {
                negative: rounded < 0,
                magnitude: rounded.unsigned_abs(),
                decimals,
                extra_zeros: 0,
            }
        }
        Some(precision) => Digits {
            negative: units < 0,
            magnitude: u128::from(units.unsigned_abs()),
            decimals: scale,
            extra_zeros: precision - scale as usize,
        },
        None => {
            let mut magnitude = u128::from(units.unsigned_abs());
            let mut decimals = scale;
            while decimals > min_decimals && magnitude % 10 == 0 {
                magnitude /= 10;
                decimals -= 1;
            }
            Digits {
                negative: units < 0,
                magnitude,
                decimals,
                extra_zeros: 0,
            }
        }
    };
    // Enough for every value at a precision up to about 40; beyond, use the heap.
    let mut stack = StackText::default();
    if digits.write_unsigned(&mut stack).is_ok() {
        return f.pad_integral(!digits.negative, "", stack.as_str());
    }
    let mut heap = String::new();
    digits.write_unsigned(&mut heap)?;
    f.pad_integral(!digits.negative, "", &heap)
}

/// A fixed-point number ready to print: `magnitude` × 10^-`decimals`, then
/// `extra_zeros` more zero decimals.
struct Digits {
    negative: bool,
    magnitude: u128,
    decimals: u32,
    extra_zeros: usize,
}

impl Digits {
    /// The number without its sign (`pad_integral` writes the sign).
    fn write_unsigned(&self, out: &mut impl fmt::Write) -> fmt::Result {
        let unit = 10_u128.pow(self.decimals);
        write!(out, "{}", self.magnitude / unit)?;
        if self.decimals > 0 || self.extra_zeros > 0 {
            let width = self.decimals as usize;
            write!(out, ".{:0width$}", self.magnitude % unit)?;
            for _ in 0..self.extra_zeros {
                out.write_char('0')?;
            }
        }
        Ok(())
    }
}

/// A small stack buffer so that the usual formatting does not allocate.
struct StackText {
    bytes: [u8; 64],
    len: usize,
}

impl Default for StackText {
    fn default() -> StackText {
        StackText {
            bytes: [0; 64],
            len: 0,
        }
    }
}

impl StackText {
    fn as_str(&self) -> &str {
        // Only whole `&str`s are ever copied in, so this is always valid UTF-8.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
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

    #[test]
    fn dollars_formatting_options() {
        let cases: &[(String, &str)] = &[
            // Default: unchanged canonical text.
            (format!("{}", d("0.56")), "0.5600"),
            (format!("{}", d("0.56001")), "0.56001"),
            (format!("{}", d("-0.000001")), "-0.000001"),
            // Width, fill, alignment; width counts characters, sign included.
            (format!("{:>10}", d("0.56")), "    0.5600"),
            (format!("{:10}", d("0.56")), "    0.5600"),
            (format!("{:<10}|", d("0.56")), "0.5600    |"),
            (format!("{:^10}", d("0.56")), "  0.5600  "),
            (format!("{:*>10}", d("-0.56")), "***-0.5600"),
            (format!("{:€<9}", d("1")), "1.0000€€€"),
            (format!("{:>3}", d("12.5")), "12.5000"),
            // Sign and zero padding.
            (format!("{:+}", d("0.56")), "+0.5600"),
            (format!("{:+}", Dollars::ZERO), "+0.0000"),
            (format!("{:+}", d("-0.56")), "-0.5600"),
            (format!("{:010}", d("-1.5")), "-0001.5000"),
            (format!("{:+010.2}", d("1.5")), "+000001.50"),
            // Precision: half-even rounding below 6 decimals.
            (format!("{:.2}", d("0.125")), "0.12"),
            (format!("{:.2}", d("0.135")), "0.14"),
            (format!("{:.2}", d("0.125001")), "0.13"),
            (format!("{:.2}", d("-0.125")), "-0.12"),
            (format!("{:.2}", d("-0.135")), "-0.14"),
            (format!("{:.2}", d("0.5650")), "0.56"),
            (format!("{:.2}", d("0.5750")), "0.58"),
            (format!("{:.2}", d("9.995")), "10.00"),
            (format!("{:.2}", d("-0.004")), "0.00"),
            (format!("{:.2}", d("-0.005")), "0.00"),
            (format!("{:.2}", d("-0.005001")), "-0.01"),
            (format!("{:.0}", d("2.5")), "2"),
            (format!("{:.0}", d("3.5")), "4"),
            (format!("{:.0}", d("-3.5")), "-4"),
            (format!("{:.1}", d("0.05")), "0.0"),
            (format!("{:.5}", d("0.000005")), "0.00000"),
            (format!("{:.5}", d("0.000015")), "0.00002"),
            (format!("{:.4}", d("0.56001")), "0.5600"),
            // Precision at or above 6: exact, padded with zeros.
            (format!("{:.6}", d("0.56")), "0.560000"),
            (format!("{:.8}", d("0.56")), "0.56000000"),
            (format!("{:.6}", d("-0.000001")), "-0.000001"),
            // Everything at once.
            (format!("{:>10.2}", d("1234.5678")), "   1234.57"),
            (format!("{:*^+12.3}", d("-0.0005")), "***+0.000***"),
            (format!("{:*^+12.3}", d("-0.0015")), "***-0.002***"),
            (format!("{:<8.1}|", d("0.25")), "0.2     |"),
            // Extremes.
            (format!("{:.0}", Dollars(i64::MAX)), "9223372036855"),
            (format!("{:.0}", Dollars(i64::MIN)), "-9223372036855"),
            (format!("{:.2}", Dollars(i64::MIN)), "-9223372036854.78"),
            (
                format!("{:>25}", Dollars(i64::MIN)),
                "    -9223372036854.775808",
            ),
        ];
        for (shown, want) in cases {
            assert_eq!(shown, want);
        }
    }

    #[test]
    fn count_formatting_options() {
        let cases: &[(String, &str)] = &[
            (format!("{}", c("10")), "10.00"),
            (format!("{}", c("-0.5")), "-0.50"),
            (format!("{:>8}", c("2.5")), "    2.50"),
            (format!("{:<8}|", c("2.5")), "2.50    |"),
            (format!("{:^8}", c("2.5")), "  2.50  "),
            (format!("{:_>8}", c("-2.5")), "___-2.50"),
            (format!("{:+}", c("2.5")), "+2.50"),
            (format!("{:07}", c("-2.5")), "-002.50"),
            (format!("{:.0}", c("2.5")), "2"),
            (format!("{:.0}", c("3.5")), "4"),
            (format!("{:.0}", c("-2.5")), "-2"),
            (format!("{:.0}", c("-0.5")), "0"),
            (format!("{:.1}", c("0.25")), "0.2"),
            (format!("{:.1}", c("0.35")), "0.4"),
            (format!("{:.2}", c("0.35")), "0.35"),
            (format!("{:.4}", c("0.35")), "0.3500"),
            (format!("{:>9.1}", c("10.05")), "     10.0"),
            (format!("{:.0}", Count(i64::MIN)), "-92233720368547758"),
            (format!("{:.2}", Count(i64::MAX)), "92233720368547758.07"),
        ];
        for (shown, want) in cases {
            assert_eq!(shown, want);
        }
    }

    #[test]
    fn large_precision_goes_to_the_heap_and_still_pads() {
        let shown = format!("{:.60}", d("-0.56"));
        assert_eq!(shown, format!("-0.56{}", "0".repeat(58)));
        let shown = format!("{:>70.50}", Count(i64::MIN));
        assert_eq!(shown.chars().count(), 70);
        assert_eq!(
            shown.trim_start(),
            format!("-92233720368547758.08{}", "0".repeat(48))
        );
        // The widest value at the largest precision the stack buffer takes.
        let shown = format!("{:.40}", Dollars(i64::MIN));
        assert_eq!(shown, format!("-9223372036854.775808{}", "0".repeat(34)));
    }

    #[test]
    fn debug_ignores_options() {
        assert_eq!(format!("{:>20?}", d("0.56")), "Dollars(0.5600)");
        assert_eq!(format!("{:.0?}", c("2.5")), "Count(2.50)");
    }
}
