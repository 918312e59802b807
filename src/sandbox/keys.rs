//! Key material of the sandbox: the generated Ed25519 key pair and the public keys
//! requests are verified against (RSA as SubjectPublicKeyInfo or PKCS#1
//! `RSA PUBLIC KEY` PEM, Ed25519 as SubjectPublicKeyInfo PEM).

use crate::crypto::backend::signature::{self, UnparsedPublicKey};
use base64::Engine as _;

use super::SandboxError;

/// A public key requests can be verified with.
#[derive(Clone)]
pub(crate) enum PublicKey {
    /// PKCS#1 `RSAPublicKey` DER; RSA-PSS SHA-256 signatures.
    Rsa(Vec<u8>),
    /// The raw 32-byte Ed25519 key.
    Ed25519(Vec<u8>),
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PublicKey::Rsa(_) => f.write_str("PublicKey::Rsa"),
            PublicKey::Ed25519(_) => f.write_str("PublicKey::Ed25519"),
        }
    }
}

impl PublicKey {
    /// Whether `signature` is a valid signature of `message` by this key.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            PublicKey::Rsa(der) => {
                UnparsedPublicKey::new(&signature::RSA_PSS_2048_8192_SHA256, der)
                    .verify(message, signature)
                    .is_ok()
            }
            PublicKey::Ed25519(key) => UnparsedPublicKey::new(&signature::ED25519, key)
                .verify(message, signature)
                .is_ok(),
        }
    }

    /// Read a public key PEM.
    pub(crate) fn from_pem(pem: &str) -> Result<PublicKey, SandboxError> {
        let invalid = |why: &str| SandboxError::new(400, "invalid_public_key", why.to_string());
        let (label, der) = pem_block(pem).ok_or_else(|| invalid("not a PEM block"))?;
        match label.as_str() {
            "RSA PUBLIC KEY" => {
                // Checked by parsing its outer SEQUENCE; ring checks the rest on use.
                let (tag, _, rest) = der_item(&der).ok_or_else(|| invalid("bad DER"))?;
                if tag != 0x30 || !rest.is_empty() {
                    return Err(invalid("not a PKCS#1 RSAPublicKey"));
                }
                Ok(PublicKey::Rsa(der))
            }
            "PUBLIC KEY" => spki(&der).ok_or_else(|| invalid("unsupported SubjectPublicKeyInfo")),
            other => Err(invalid(&format!(
                "expected PUBLIC KEY or RSA PUBLIC KEY PEM, got {other}"
            ))),
        }
    }
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { OID, params }, BIT STRING }.
fn spki(der: &[u8]) -> Option<PublicKey> {
    let (tag, body, rest) = der_item(der)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let (tag, algorithm, rest) = der_item(body)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, bits, trailing) = der_item(rest)?;
    if tag != 0x03 || !trailing.is_empty() || bits.first() != Some(&0) {
        return None;
    }
    let key = bits[1..].to_vec();
    let (tag, oid, _) = der_item(algorithm)?;
    if tag != 0x06 {
        return None;
    }
    if oid == OID_RSA {
        Some(PublicKey::Rsa(key))
    } else if oid == OID_ED25519 && key.len() == 32 {
        Some(PublicKey::Ed25519(key))
    } else {
        None
    }
}

/// One DER item: (tag, contents, the rest).
fn der_item(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, input) = input.split_first()?;
    let (&first, mut input) = input.split_first()?;
    let length = if first < 0x80 {
        first as usize
    } else {
        let bytes = (first & 0x7f) as usize;
        if bytes == 0 || bytes > 4 || input.len() < bytes {
            return None;
        }
        let mut length = 0usize;
        for &b in &input[..bytes] {
            length = (length << 8) | b as usize;
        }
        input = &input[bytes..];
        length
    };
    if input.len() < length {
        return None;
    }
    Some((tag, &input[..length], &input[length..]))
}

/// The label and decoded body of the first PEM block.
fn pem_block(pem: &str) -> Option<(String, Vec<u8>)> {
    let mut lines = pem
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("-----BEGIN "));
    let label = lines
        .next()?
        .strip_prefix("-----BEGIN ")?
        .strip_suffix("-----")?
        .to_string();
    let end = format!("-----END {label}-----");
    let mut body = String::new();
    for line in lines {
        if line == end {
            let der = base64::engine::general_purpose::STANDARD
                .decode(body)
                .ok()?;
            return Some((label, der));
        }
        body.push_str(line);
    }
    None
}

/// Wrap DER as PEM with 64-column lines.
pub(crate) fn to_pem(label: &str, der: &[u8]) -> String {
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for chunk in text.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// The DER of a PKCS#8 v1 (RFC 5208) Ed25519 private key, up to the 32-byte seed:
/// `SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING
/// seed } }` (RFC 8410 §7).
const ED25519_PKCS8_V1_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// A fresh Ed25519 key pair: (PKCS#8 v1 private key PEM, public key).
///
/// ring generates PKCS#8 v2 (RFC 5958, the public key attached), which OpenSSL 3.0's
/// `openssl pkey`, Python's `cryptography` and Node 20 refuse; the key is handed to
/// such programs (the `sandbox` example writes it to a file), so it is re-encoded as
/// v1, the form `openssl genpkey -algorithm ed25519` writes: the same 16-byte prefix
/// and the seed, which is what v2 carries at the same offset.
pub(crate) fn generate_ed25519() -> Result<(String, PublicKey), SandboxError> {
    use crate::crypto::backend::signature::KeyPair as _;
    let failed = || SandboxError::new(500, "key_generation_failed", "could not generate a key");
    let rng = crate::crypto::backend::rand::SystemRandom::new();
    let v2 = signature::Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| failed())?;
    let v2 = v2.as_ref();
    // v2 is the v1 layout with version 1 and lengths grown for the attached key.
    let seed = v2
        .get(ED25519_PKCS8_V1_PREFIX.len()..ED25519_PKCS8_V1_PREFIX.len() + 32)
        .filter(|_| v2.get(12..16) == Some(&ED25519_PKCS8_V1_PREFIX[12..16]))
        .ok_or_else(failed)?;
    let mut v1 = ED25519_PKCS8_V1_PREFIX.to_vec();
    v1.extend_from_slice(seed);
    let pair = signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(&v1).map_err(|_| failed())?;
    // The re-encoded key must be the one ring generated.
    let check = signature::Ed25519KeyPair::from_pkcs8(v2).map_err(|_| failed())?;
    if pair.public_key().as_ref() != check.public_key().as_ref() {
        return Err(failed());
    }
    let public = PublicKey::Ed25519(pair.public_key().as_ref().to_vec());
    Ok((to_pem("PRIVATE KEY", &v1), public))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_signs_and_verifies_through_the_crate_signer() {
        let (pem, public) = generate_ed25519().unwrap();
        let key = crate::signing::SigningKey::from_pem(&pem).unwrap();
        let signature = key.sign(b"hello").unwrap();
        assert!(public.verify(b"hello", &signature));
        assert!(!public.verify(b"hellO", &signature));
    }

    #[test]
    fn generated_key_is_pkcs8_v1_without_the_public_key() {
        let (pem, _) = generate_ed25519().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let (label, der) = pem_block(&pem).unwrap();
        assert_eq!(label, "PRIVATE KEY");
        assert_eq!(der.len(), 48);
        assert_eq!(der[..16], ED25519_PKCS8_V1_PREFIX);
        // version INTEGER 0
        assert_eq!(der[2..5], [0x02, 0x01, 0x00]);
    }

    #[test]
    fn ed25519_spki_pem_parses() {
        // SPKI for an all-zero-prefix key: 30 2a 30 05 06 03 2b 65 70 03 21 00 <32 bytes>
        let mut der = vec![
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        der.extend_from_slice(&[7u8; 32]);
        let parsed = PublicKey::from_pem(&to_pem("PUBLIC KEY", &der)).unwrap();
        assert!(matches!(parsed, PublicKey::Ed25519(k) if k == vec![7u8; 32]));
        assert!(PublicKey::from_pem("garbage").is_err());
        assert!(PublicKey::from_pem(&to_pem("CERTIFICATE", &der)).is_err());
    }
}
