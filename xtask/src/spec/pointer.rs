//! JSON pointers (RFC 6901) as used in `$ref` fragments and in our error
//! locations.

use serde_yaml_ng::Value;

/// The location of the document root.
pub const ROOT: &str = "#";

/// Appends one reference token to a `#/...` location, escaping it so the
/// result is itself a valid `$ref` fragment (`/portfolio/orders` becomes
/// `~1portfolio~1orders`).
pub fn push(location: &str, token: &str) -> String {
    format!("{location}/{}", escape(token))
}

/// Escapes one reference token (`~` as `~0`, `/` as `~1`).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Splits a local reference (`#/components/schemas/Foo`) into its unescaped
/// tokens. Returns `None` if it is not a local pointer or its
/// percent-encoding is broken.
pub fn parse(reference: &str) -> Option<Vec<String>> {
    let fragment = reference.strip_prefix("#/")?;
    fragment
        .split('/')
        .map(|raw| {
            // A `$ref` is a URI, so its fragment may be percent-encoded; the
            // pointer escapes are applied after that, `~1` before `~0`.
            let decoded = percent_decode(raw)?;
            Some(decoded.replace("~1", "/").replace("~0", "~"))
        })
        .collect()
}

/// Follows already-unescaped tokens down from `value`.
pub fn resolve<'a>(value: &'a Value, tokens: &[String]) -> Option<&'a Value> {
    tokens.iter().try_fold(value, |node, token| match node {
        Value::Mapping(map) => map.get(token.as_str()),
        Value::Sequence(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

fn percent_decode(raw: &str) -> Option<String> {
    if !raw.contains('%') {
        return Some(raw.to_owned());
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_escapes_and_parse_unescapes() {
        let loc = push(&push(ROOT, "paths"), "/portfolio/a~b");
        assert_eq!(loc, "#/paths/~1portfolio~1a~0b");
        assert_eq!(
            parse(&loc).as_deref(),
            Some(&["paths".to_owned(), "/portfolio/a~b".to_owned()][..])
        );
    }

    #[test]
    fn parse_percent_decodes_and_rejects_non_local() {
        assert_eq!(
            parse("#/components/schemas/A%20B").as_deref(),
            Some(&["components".into(), "schemas".into(), "A B".into()][..])
        );
        assert_eq!(parse("#/x/%zz"), None);
        assert_eq!(parse("other.yaml#/x"), None);
        assert_eq!(parse("#"), None);
    }
}
