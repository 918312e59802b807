//! Serde for [`Dollars`] and [`Count`]: the `Display` string out, only strings in.

use std::fmt;

use super::{Count, Dollars};

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
    use crate::money::testing::{c, d};

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
}
