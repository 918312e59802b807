//! The Rust integer type the generator (typify) picks for an `integer`
//! schema, so that a change of its bounds is breaking exactly when it
//! changes that type.
//!
//! typify reads `format` together with the bounds: `int64` stays `i64`
//! while the bounds fit, except that `minimum: 1` makes it `NonZeroU64`; a
//! `multipleOf`, bounds outside the format, or no format at all make it pick
//! the type whose own range equals the bounds (`minimum: 0` alone is `u64`),
//! falling back to `i64`. This is that decision, written from its observable
//! rules; `xtask/tests/spec_diff.rs` checks it against the real generator.

use serde_yaml_ng::Value;

/// `(format, type, non-zero type, min, max)`, most restrictive first.
const FORMATS: [(&str, &str, &str, f64, f64); 10] = [
    ("int8", "i8", "NonZeroU8", i8::MIN as f64, i8::MAX as f64),
    ("uint8", "u8", "NonZeroU8", u8::MIN as f64, u8::MAX as f64),
    (
        "int16",
        "i16",
        "NonZeroU16",
        i16::MIN as f64,
        i16::MAX as f64,
    ),
    (
        "uint16",
        "u16",
        "NonZeroU16",
        u16::MIN as f64,
        u16::MAX as f64,
    ),
    ("int", "i32", "NonZeroU32", i32::MIN as f64, i32::MAX as f64),
    (
        "int32",
        "i32",
        "NonZeroU32",
        i32::MIN as f64,
        i32::MAX as f64,
    ),
    (
        "uint",
        "u32",
        "NonZeroU32",
        u32::MIN as f64,
        u32::MAX as f64,
    ),
    (
        "uint32",
        "u32",
        "NonZeroU32",
        u32::MIN as f64,
        u32::MAX as f64,
    ),
    (
        "int64",
        "i64",
        "NonZeroU64",
        i64::MIN as f64,
        i64::MAX as f64,
    ),
    (
        "uint64",
        "u64",
        "NonZeroU64",
        u64::MIN as f64,
        u64::MAX as f64,
    ),
];

/// The generated Rust type of an integer schema node, or `None` if the node
/// is not `type: integer`.
pub fn rust_type(node: &Value) -> Option<&'static str> {
    if node.get("type").and_then(Value::as_str) != Some("integer") {
        return None;
    }
    let number = |key: &str| node.get(key).and_then(Value::as_f64);
    // OpenAPI 3.0's `exclusiveMinimum` is a flag on `minimum`.
    let flag = |key: &str| node.get(key).and_then(Value::as_bool) == Some(true);
    let min = number("minimum").map(|m| if flag("exclusiveMinimum") { m + 1.0 } else { m });
    let max = number("maximum").map(|m| if flag("exclusiveMaximum") { m - 1.0 } else { m });
    let multiple = node.get("multipleOf").is_some();
    let (mut min, mut max) = (min, max);
    if let Some(format) = node.get("format").and_then(Value::as_str) {
        if let Some((_, ty, non_zero, low, high)) = FORMATS.iter().find(|f| f.0 == format) {
            let fits = min.is_none_or(|m| m >= *low) && max.is_none_or(|m| m <= *high);
            if !multiple && fits {
                return Some(if min == Some(1.0) { non_zero } else { ty });
            }
            min = min.or(Some(*low));
            max = max.or(Some(*high));
        }
    }
    let same = |a: f64, b: f64| (a - b).abs() <= f64::EPSILON;
    let chosen = FORMATS
        .iter()
        .rev()
        .find_map(|(_, ty, non_zero, low, high)| match (min, max) {
            (None, Some(max)) => same(*high, max).then_some(*ty),
            (Some(1.0), None) => Some(*non_zero),
            (Some(min), None) => same(*low, min).then_some(*ty),
            (Some(1.0), Some(_)) => Some(*non_zero),
            (Some(min), Some(max)) => (same(*low, min) && same(*high, max)).then_some(*ty),
            (None, None) => None,
        });
    Some(chosen.unwrap_or("i64"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(yaml: &str) -> Option<&'static str> {
        rust_type(&serde_yaml_ng::from_str(yaml).unwrap())
    }

    #[test]
    fn bounds_change_the_type_only_where_the_generator_says() {
        assert_eq!(of("{type: integer, format: int64}"), Some("i64"));
        assert_eq!(
            of("{type: integer, format: int64, minimum: 0}"),
            Some("i64")
        );
        assert_eq!(
            of("{type: integer, format: int64, minimum: 1}"),
            Some("NonZeroU64")
        );
        assert_eq!(
            of("{type: integer, format: int32, maximum: 100}"),
            Some("i32")
        );
        assert_eq!(of("{type: integer}"), Some("i64"));
        assert_eq!(of("{type: integer, minimum: 0}"), Some("u64"));
        assert_eq!(of("{type: integer, minimum: 0, maximum: 255}"), Some("u8"));
        assert_eq!(
            of("{type: integer, format: int64, multipleOf: 5}"),
            Some("i64")
        );
        assert_eq!(of("{type: string}"), None);
    }
}
