//! Request signing for Kalshi's Trade API v2.
//!
//! Every authenticated request carries three headers:
//!
//! * [`HEADER_ACCESS_KEY`]: the API key id,
//! * [`HEADER_ACCESS_TIMESTAMP`]: the request time in Unix milliseconds,
//! * [`HEADER_ACCESS_SIGNATURE`]: standard, padded base64 of a signature over
//!   the UTF-8 text `timestamp_ms + METHOD + path`, where `path` is the URL
//!   path as sent on the wire (including `/trade-api/v2`, percent-encoding
//!   kept) and *without* the query string or fragment.
//!
//! RSA keys sign with RSA-PSS, SHA-256, MGF1-SHA-256 and a 32-byte salt;
//! Ed25519 keys sign the same text with plain Ed25519.
//!
//! The crypto library is whichever [`crate::crypto`] selects (`ring` or
//! `aws-lc-rs`, which share this API). Nothing crypto-specific leaks out of this
//! module: [`KeyError`] and [`SignError`] carry strings, not library types.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::crypto::backend::rand::SystemRandom;
use crate::crypto::backend::rsa::KeyPair as RsaKeyPair;
use crate::crypto::backend::signature::{Ed25519KeyPair, RSA_PSS_SHA256};
use base64::Engine as _;
use rustls_pki_types::pem::{self, PemObject, SectionKind};

/// Header carrying the API key id.
pub const HEADER_ACCESS_KEY: &str = "KALSHI-ACCESS-KEY";
/// Header carrying the request time in Unix milliseconds.
pub const HEADER_ACCESS_TIMESTAMP: &str = "KALSHI-ACCESS-TIMESTAMP";
/// Header carrying the base64 request signature.
pub const HEADER_ACCESS_SIGNATURE: &str = "KALSHI-ACCESS-SIGNATURE";

/// The algorithm family of a [`SigningKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA, signing with RSA-PSS / SHA-256 / 32-byte salt.
    Rsa,
    /// Ed25519.
    Ed25519,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyKind::Rsa => "RSA",
            KeyKind::Ed25519 => "Ed25519",
        })
    }
}

/// Why a private key could not be loaded.
///
/// No variant ever carries key material: messages name the format, the PEM
/// label or the file path, never bytes of the key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The input was empty or only whitespace.
    #[error("private key is empty")]
    Empty,

    /// No `-----BEGIN ...-----` block at all.
    #[error(
        "not a PEM private key: no `-----BEGIN ...-----` line found \
         (a binary DER key can be converted with `openssl pkey -inform DER -in k.der -out k.pem`)"
    )]
    NotPem,

    /// A PEM block was found but is broken (bad BEGIN line, missing END line,
    /// invalid base64).
    #[error("invalid PEM: {reason}")]
    InvalidPem {
        /// What is wrong, without any of the encoded content.
        reason: &'static str,
    },

    /// The key is password-protected (PKCS#8 `ENCRYPTED PRIVATE KEY` or a
    /// legacy `Proc-Type: 4,ENCRYPTED` header).
    #[error(
        "the private key is encrypted; decrypt it first, \
         e.g. `openssl pkey -in k.pem -out k-plain.pem`"
    )]
    Encrypted,

    /// A private key of an algorithm other than RSA or Ed25519.
    #[error("unsupported key type ({found}), expected RSA or Ed25519")]
    UnsupportedKeyType {
        /// The algorithm or PEM label that was found.
        found: String,
    },

    /// A private-key container that is not PKCS#1 or PKCS#8 PEM.
    #[error("unsupported private key format ({found}); {hint}")]
    UnsupportedFormat {
        /// The format that was found.
        found: &'static str,
        /// How to convert it.
        hint: &'static str,
    },

    /// A public key, certificate or other non-private PEM object was given.
    #[error("expected a private key but found a {found}")]
    NotAPrivateKey {
        /// What was found instead, e.g. `public key` or `certificate`.
        found: &'static str,
    },

    /// The PEM block was recognised but its DER content did not parse.
    #[error("malformed {format} private key: {reason}")]
    Malformed {
        /// The format that was attempted, e.g. `PKCS#1 RSA`.
        format: &'static str,
        /// The crypto library's short reason (e.g. `InvalidEncoding`,
        /// `TooSmall`), never key bytes.
        reason: String,
    },

    /// [`SigningKey::from_pem_file`] could not read the file.
    #[error("cannot read private key file {}: {error}", path.display())]
    Read {
        /// The file that was being read.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },

    /// [`SigningKey::from_pem_file`] read the file but its content was
    /// rejected; `error` says why.
    #[error("private key file {}: {error}", path.display())]
    File {
        /// The file that was read.
        path: PathBuf,
        /// Why its content was rejected (never [`KeyError::File`] or
        /// [`KeyError::Read`]).
        error: Box<KeyError>,
    },
}

/// Why a signature could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The crypto library refused to sign. With a key that loaded
    /// successfully this only happens if the system random number generator
    /// fails, which is practically impossible; it is surfaced instead of
    /// panicking.
    #[error("the crypto library failed to produce a signature")]
    Crypto,

    /// The path does not start with `/`, so it cannot be the URL path the
    /// server will check (a full URL or a relative path was passed).
    #[error("request path to sign must start with '/', got {path:?}")]
    InvalidPath {
        /// The offending path (request paths are not secret).
        path: String,
    },
}

/// The key pair itself, behind the [`Arc`] in [`SigningKey`].
enum KeyPair {
    Rsa(RsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

struct Inner {
    key: KeyPair,
    /// `SystemRandom` is stateless (it reads the OS generator on demand), so
    /// one instance per key is all RSA-PSS salting needs.
    rng: SystemRandom,
}

/// A private key that signs Kalshi requests.
///
/// Cloning is cheap (an [`Arc`] bump) and the key is `Send + Sync`, so one
/// key can be shared by any number of threads. `Debug` shows only the
/// [`KeyKind`], never key material.
#[derive(Clone)]
pub struct SigningKey {
    inner: Arc<Inner>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kind", &self.kind())
            .finish_non_exhaustive()
    }
}

/// Largest signature [`SigningKey::sign_request`] produces without touching
/// the heap: 8192-bit RSA (ring stops at 4096; aws-lc-rs goes to 8192).
const MAX_SIGNATURE_LEN: usize = 1024;

impl SigningKey {
    /// Parses a PEM private key.
    ///
    /// Accepted: `-----BEGIN RSA PRIVATE KEY-----` (PKCS#1, what Kalshi hands
    /// out) and `-----BEGIN PRIVATE KEY-----` (PKCS#8) holding an RSA or an
    /// Ed25519 key (v1 as written by openssl, or v2). Other PEM blocks before
    /// the key (certificates, `EC PARAMETERS`, comments) are skipped; the
    /// first private key block is used.
    ///
    /// Everything else is refused with a [`KeyError`] that says what was
    /// found and, where there is one, how to fix it.
    pub fn from_pem(pem: &str) -> Result<SigningKey, KeyError> {
        Self::from_pem_bytes(pem.as_bytes())
    }

    /// Reads and parses a PEM private key file. Errors name the path, never
    /// the file's content.
    pub fn from_pem_file(path: &Path) -> Result<SigningKey, KeyError> {
        // Read bytes, not a String: a binary DER file should get the
        // "not a PEM private key" hint, not a UTF-8 error.
        let bytes = std::fs::read(path).map_err(|error| KeyError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        Self::from_pem_bytes(&bytes).map_err(|error| KeyError::File {
            path: path.to_path_buf(),
            error: Box::new(error),
        })
    }

    fn from_pem_bytes(input: &[u8]) -> Result<SigningKey, KeyError> {
        if input.iter().all(u8::is_ascii_whitespace) {
            return Err(KeyError::Empty);
        }
        let scan = scan_labels(input);
        // rustls-pki-types skips blocks whose label it does not know (such as
        // `ENCRYPTED PRIVATE KEY`) and would fail on the legacy header with a
        // base64 error, so encrypted keys are spotted up front.
        if scan.encrypted {
            return Err(KeyError::Encrypted);
        }

        let mut not_private: Option<&'static str> = None;
        for item in <(SectionKind, Vec<u8>) as PemObject>::pem_slice_iter(input) {
            let (kind, der) = item.map_err(pem_error)?;
            match kind {
                SectionKind::RsaPrivateKey => return Self::from_pkcs1_der(&der),
                SectionKind::PrivateKey => return Self::from_pkcs8_der(&der),
                SectionKind::EcPrivateKey => {
                    return Err(KeyError::UnsupportedKeyType {
                        found: "EC, SEC1 `EC PRIVATE KEY` form".to_owned(),
                    })
                }
                SectionKind::PublicKey => {
                    not_private.get_or_insert("public key");
                }
                SectionKind::Certificate => {
                    not_private.get_or_insert("certificate");
                }
                SectionKind::Csr => {
                    not_private.get_or_insert("certificate signing request");
                }
                SectionKind::Crl => {
                    not_private.get_or_insert("certificate revocation list");
                }
                _ => {
                    not_private.get_or_insert("PEM block that is not a private key");
                }
            }
        }

        // No block that rustls-pki-types knows as a private key. Look at the
        // labels it skipped to give a precise answer.
        if scan.openssh {
            return Err(KeyError::UnsupportedFormat {
                found: "OpenSSH private key",
                hint: "convert it to PKCS#8 PEM, e.g. `ssh-keygen -p -m PKCS8 -f <copy-of-key>`",
            });
        }
        if let Some(algorithm) = scan.other_private {
            return Err(KeyError::UnsupportedKeyType {
                found: algorithm.to_owned(),
            });
        }
        if let Some(found) = not_private {
            return Err(KeyError::NotAPrivateKey { found });
        }
        if scan.public {
            return Err(KeyError::NotAPrivateKey {
                found: "public key",
            });
        }
        if scan.certificate {
            return Err(KeyError::NotAPrivateKey {
                found: "certificate",
            });
        }
        if scan.any_block {
            return Err(KeyError::NotAPrivateKey {
                found: "PEM block that is not a private key",
            });
        }
        Err(KeyError::NotPem)
    }

    fn from_pkcs1_der(der: &[u8]) -> Result<SigningKey, KeyError> {
        let key = RsaKeyPair::from_der(der).map_err(|e| KeyError::Malformed {
            format: "PKCS#1 RSA",
            reason: e.to_string(),
        })?;
        Ok(Self::new(KeyPair::Rsa(key)))
    }

    fn from_pkcs8_der(der: &[u8]) -> Result<SigningKey, KeyError> {
        let rsa_error = match RsaKeyPair::from_pkcs8(der) {
            Ok(key) => return Ok(Self::new(KeyPair::Rsa(key))),
            Err(e) => e,
        };
        // `maybe_unchecked` accepts PKCS#8 v1 (no embedded public key), which
        // is what `openssl genpkey -algorithm ed25519` writes.
        let ed25519_error = match Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
            Ok(key) => return Ok(Self::new(KeyPair::Ed25519(key))),
            Err(e) => e,
        };
        // Both refused: report against the algorithm the document declares,
        // rather than guessing from the library's error strings.
        match pkcs8_algorithm(der) {
            Some(Pkcs8Algorithm::Rsa) => Err(KeyError::Malformed {
                format: "PKCS#8 RSA",
                reason: rsa_error.to_string(),
            }),
            Some(Pkcs8Algorithm::Ed25519) => Err(KeyError::Malformed {
                format: "PKCS#8 Ed25519",
                reason: ed25519_error.to_string(),
            }),
            Some(Pkcs8Algorithm::Other(name)) => Err(KeyError::UnsupportedKeyType {
                found: name.to_owned(),
            }),
            None => Err(KeyError::Malformed {
                format: "PKCS#8",
                reason: "not a PKCS#8 PrivateKeyInfo structure".to_owned(),
            }),
        }
    }

    fn new(key: KeyPair) -> SigningKey {
        SigningKey {
            inner: Arc::new(Inner {
                key,
                rng: SystemRandom::new(),
            }),
        }
    }

    /// Make one throw-away signature and one random draw, so that whatever the
    /// crypto library sets up on first use (CPU feature detection, AWS-LC's random
    /// number generator: tens of milliseconds) is paid when the client is built, not
    /// by its first request. Failures are ignored: a real request reports them.
    pub(crate) fn warm(&self) {
        use crate::crypto::backend::rand::SecureRandom as _;
        let _ = self.with_signature(b"warm-up", |_| ());
        let _ = self.inner.rng.fill(&mut [0u8; 32]);
    }

    /// Which algorithm this key signs with.
    pub fn kind(&self) -> KeyKind {
        match self.inner.key {
            KeyPair::Rsa(_) => KeyKind::Rsa,
            KeyPair::Ed25519(_) => KeyKind::Ed25519,
        }
    }

    /// Signs `message` and returns the raw signature bytes (RSA-PSS-SHA256
    /// with a 32-byte salt, or Ed25519).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        self.with_signature(message, <[u8]>::to_vec)
    }

    /// Signs a request and returns the value of [`HEADER_ACCESS_SIGNATURE`].
    ///
    /// `method` must be exactly as sent (Kalshi's server signs the upper-case
    /// method, e.g. `GET`). `path` is the URL path as on the wire, including
    /// `/trade-api/v2` and keeping percent-encoding; a query string or
    /// fragment is dropped here (see [`request_path_for_signing`]), so passing
    /// `path?query` is fine.
    pub fn sign_request(
        &self,
        timestamp_ms: u64,
        method: &str,
        path: &str,
    ) -> Result<String, SignError> {
        let message = signing_message(timestamp_ms, method, path)?;
        self.with_signature(message.as_bytes(), |signature| {
            base64::engine::general_purpose::STANDARD.encode(signature)
        })
    }

    /// Produces the signature in a stack buffer and hands it to `f`, so
    /// callers that only need base64 never allocate the raw signature.
    fn with_signature<R>(
        &self,
        message: &[u8],
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<R, SignError> {
        match &self.inner.key {
            KeyPair::Rsa(key) => {
                let mut buffer = [0u8; MAX_SIGNATURE_LEN];
                // The one spelling of the modulus length that ring and aws-lc-rs share;
                // ring merely prefers `public().modulus_len()`, which aws-lc-rs lacks.
                #[allow(deprecated)]
                let length = key.public_modulus_len();
                let signature = buffer.get_mut(..length).ok_or(SignError::Crypto)?;
                key.sign(&RSA_PSS_SHA256, &self.inner.rng, message, signature)
                    .map_err(|_| SignError::Crypto)?;
                Ok(f(signature))
            }
            KeyPair::Ed25519(key) => Ok(f(key.sign(message).as_ref())),
        }
    }
}

/// Builds the exact text that is signed: `timestamp_ms + method + path`,
/// with any query string or fragment removed from `path`.
///
/// Exposed so callers can log or compare it when debugging a `401`.
pub fn signing_message(timestamp_ms: u64, method: &str, path: &str) -> Result<String, SignError> {
    use std::fmt::Write as _;

    let path = request_path_for_signing(path);
    if !path.starts_with('/') {
        return Err(SignError::InvalidPath {
            path: path.to_owned(),
        });
    }
    // 20 = digits of u64::MAX; one allocation, no reallocation.
    let mut message = String::with_capacity(20 + method.len() + path.len());
    // Writing to a String cannot fail.
    let _ = write!(message, "{timestamp_ms}");
    message.push_str(method);
    message.push_str(path);
    Ok(message)
}

/// Returns the part of `url_path` before any `?query` or `#fragment`.
///
/// Kalshi verifies the signature against the request *path* only: the query
/// string (pagination cursors, filters) is not part of the signed text, and a
/// fragment is never sent at all. Signing `path?limit=5` would therefore
/// produce a signature the server rejects. Percent-encoding is left alone,
/// because the server sees the encoded form.
pub fn request_path_for_signing(url_path: &str) -> &str {
    match url_path.find(['?', '#']) {
        Some(end) => &url_path[..end],
        None => url_path,
    }
}

/// Maps a rustls-pki-types PEM error to a [`KeyError`] without its payload:
/// some variants carry the offending line, which could be key material.
fn pem_error(error: pem::Error) -> KeyError {
    let reason = match error {
        pem::Error::MissingSectionEnd { .. } => {
            "a `-----BEGIN` line has no matching `-----END` line"
        }
        pem::Error::IllegalSectionStart { .. } => "malformed `-----BEGIN ...-----` line",
        pem::Error::Base64Decode(_) => "the block's body is not valid base64",
        pem::Error::SectionTooLarge => "the PEM block is too large",
        _ => "the PEM text could not be decoded",
    };
    KeyError::InvalidPem { reason }
}

/// What a plain-text scan of the `-----BEGIN <label>-----` lines found.
#[derive(Default)]
struct LabelScan {
    any_block: bool,
    encrypted: bool,
    openssh: bool,
    public: bool,
    certificate: bool,
    /// A private key label rustls-pki-types does not decode, e.g. DSA.
    other_private: Option<&'static str>,
}

fn scan_labels(input: &[u8]) -> LabelScan {
    let mut scan = LabelScan::default();
    for line in input.split(|&b| b == b'\n' || b == b'\r') {
        let line = line.trim_ascii();
        if line == b"Proc-Type: 4,ENCRYPTED" {
            scan.encrypted = true;
            continue;
        }
        let Some(label) = line
            .strip_prefix(b"-----BEGIN ")
            .and_then(|rest| rest.strip_suffix(b"-----"))
        else {
            continue;
        };
        scan.any_block = true;
        match label {
            b"ENCRYPTED PRIVATE KEY" => scan.encrypted = true,
            b"OPENSSH PRIVATE KEY" => scan.openssh = true,
            b"DSA PRIVATE KEY" => scan.other_private = Some("DSA"),
            b"RSA PUBLIC KEY" | b"PUBLIC KEY" | b"SSH2 PUBLIC KEY" => scan.public = true,
            b"CERTIFICATE" | b"TRUSTED CERTIFICATE" | b"X509 CERTIFICATE" => {
                scan.certificate = true
            }
            _ if label.ends_with(b"PRIVATE KEY") && scan.other_private.is_none() => {
                scan.other_private = Some("unrecognised private key PEM label");
            }
            _ => {}
        }
    }
    scan
}

enum Pkcs8Algorithm {
    Rsa,
    Ed25519,
    Other(&'static str),
}

/// Reads the algorithm OID of a PKCS#8 `PrivateKeyInfo`
/// (`SEQUENCE { INTEGER version, SEQUENCE { OID, ... }, ... }`), to explain
/// why a key was refused. Returns `None` if the structure is not there.
fn pkcs8_algorithm(der: &[u8]) -> Option<Pkcs8Algorithm> {
    let (info, _) = der_element(der, 0x30)?;
    let (_version, rest) = der_element(info, 0x02)?;
    let (algorithm, _) = der_element(rest, 0x30)?;
    let (oid, _) = der_element(algorithm, 0x06)?;
    Some(match oid {
        // 1.2.840.113549.1.1.1 rsaEncryption
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01] => Pkcs8Algorithm::Rsa,
        // 1.3.101.112 Ed25519
        [0x2b, 0x65, 0x70] => Pkcs8Algorithm::Ed25519,
        // 1.2.840.113549.1.1.10 RSASSA-PSS
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a] => {
            Pkcs8Algorithm::Other("RSASSA-PSS-restricted RSA; use a plain rsaEncryption key")
        }
        // 1.2.840.10045.2.1 id-ecPublicKey
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01] => Pkcs8Algorithm::Other("EC"),
        // 1.2.840.10040.4.1 DSA
        [0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01] => Pkcs8Algorithm::Other("DSA"),
        [0x2b, 0x65, 0x6e] => Pkcs8Algorithm::Other("X25519"),
        [0x2b, 0x65, 0x6f] => Pkcs8Algorithm::Other("X448"),
        [0x2b, 0x65, 0x71] => Pkcs8Algorithm::Other("Ed448"),
        _ => Pkcs8Algorithm::Other("unrecognised PKCS#8 algorithm"),
    })
}

/// Splits one DER element with the expected `tag` off the front of `input`,
/// returning its contents and the rest. Definite lengths up to 4 bytes only,
/// which covers any key.
fn der_element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&actual_tag, rest) = input.split_first()?;
    if actual_tag != tag {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let (bytes, after) = rest.split_at_checked(count)?;
        rest = after;
        bytes
            .iter()
            .fold(0usize, |len, &b| (len << 8) | usize::from(b))
    };
    rest.split_at_checked(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The rsa and ed25519-dalek crates share these traits (pkcs8 0.10,
    // signature 2), so one import serves both.
    use ed25519_dalek::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
    use ed25519_dalek::Verifier as _;

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/keys/",
                $name
            ))
        };
    }

    fn fixture_path(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/keys")
            .join(name)
    }

    const RSA_PKCS1: &str = fixture!("rsa-pkcs1.pem");
    const RSA_PKCS8: &str = fixture!("rsa-pkcs8.pem");
    const RSA_PUBLIC: &str = fixture!("rsa-public.pem");
    const ED25519_PKCS8: &str = fixture!("ed25519-pkcs8.pem");
    const ED25519_PUBLIC: &str = fixture!("ed25519-public.pem");
    const RSA_ENCRYPTED_PKCS8: &str = fixture!("rsa-encrypted-pkcs8.pem");
    const RSA_ENCRYPTED_LEGACY: &str = fixture!("rsa-encrypted-legacy.pem");
    const EC_SEC1: &str = fixture!("ec-p256-sec1.pem");
    const EC_PKCS8: &str = fixture!("ec-p256-pkcs8.pem");

    const METHODS: [&str; 4] = ["GET", "POST", "PUT", "DELETE"];

    /// (path given to the signer, path the server verifies against)
    const PATHS: [(&str, &str); 4] = [
        (
            "/trade-api/v2/portfolio/balance",
            "/trade-api/v2/portfolio/balance",
        ),
        (
            "/trade-api/v2/portfolio/orders/abc%2Fdef",
            "/trade-api/v2/portfolio/orders/abc%2Fdef",
        ),
        (
            "/trade-api/v2/portfolio/orders?limit=5&cursor=x",
            "/trade-api/v2/portfolio/orders",
        ),
        (
            "/trade-api/v2/portfolio/fills#frag",
            "/trade-api/v2/portfolio/fills",
        ),
    ];

    const TIMESTAMP_MS: u64 = 1_703_123_456_789;

    fn key(pem: &str) -> SigningKey {
        match SigningKey::from_pem(pem) {
            Ok(key) => key,
            Err(e) => panic!("fixture key did not load: {e}"),
        }
    }

    fn decode_b64(signature: &str) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD
            .decode(signature)
            .expect("signature header is standard padded base64")
    }

    fn rsa_verifier(salt_len: usize) -> rsa::pss::VerifyingKey<sha2::Sha256> {
        let public = rsa::RsaPublicKey::from_public_key_pem(RSA_PUBLIC).expect("rsa public key");
        rsa::pss::VerifyingKey::<sha2::Sha256>::new_with_salt_len(public, salt_len)
    }

    fn assert_rsa_requests_verify(key: &SigningKey) {
        assert_eq!(key.kind(), KeyKind::Rsa);
        let verifier = rsa_verifier(32);
        for method in METHODS {
            for (given, wire) in PATHS {
                let header = key.sign_request(TIMESTAMP_MS, method, given).expect("sign");
                let bytes = decode_b64(&header);
                assert_eq!(bytes.len(), 256, "2048-bit RSA signature length");
                let signature =
                    rsa::pss::Signature::try_from(bytes.as_slice()).expect("pss signature");
                let expected = format!("{TIMESTAMP_MS}{method}{wire}");
                verifier
                    .verify(expected.as_bytes(), &signature)
                    .unwrap_or_else(|e| panic!("{method} {given}: does not verify: {e}"));
                if given != wire {
                    let with_query = format!("{TIMESTAMP_MS}{method}{given}");
                    assert!(
                        verifier.verify(with_query.as_bytes(), &signature).is_err(),
                        "query/fragment must not be signed"
                    );
                }
            }
        }
    }

    #[test]
    fn rsa_pkcs1_signatures_verify_with_rsa_crate() {
        assert_rsa_requests_verify(&key(RSA_PKCS1));
    }

    #[test]
    fn rsa_pkcs8_signatures_verify_with_rsa_crate() {
        assert_rsa_requests_verify(&key(RSA_PKCS8));
    }

    #[test]
    fn rsa_signature_uses_32_byte_salt_and_is_randomized() {
        let key = key(RSA_PKCS1);
        let path = "/trade-api/v2/portfolio/balance";
        let first = decode_b64(&key.sign_request(TIMESTAMP_MS, "GET", path).expect("sign"));
        let second = decode_b64(&key.sign_request(TIMESTAMP_MS, "GET", path).expect("sign"));
        assert_ne!(first, second, "RSA-PSS is randomized");

        let message = format!("{TIMESTAMP_MS}GET{path}");
        let signature = rsa::pss::Signature::try_from(first.as_slice()).expect("signature");
        assert!(rsa_verifier(32)
            .verify(message.as_bytes(), &signature)
            .is_ok());
        // The rsa crate checks the salt length exactly, so another length fails.
        assert!(rsa_verifier(20)
            .verify(message.as_bytes(), &signature)
            .is_err());
        assert!(rsa_verifier(64)
            .verify(message.as_bytes(), &signature)
            .is_err());
    }

    #[test]
    fn raw_sign_matches_rsa_pss() {
        let key = key(RSA_PKCS8);
        let raw = key.sign(b"hello").expect("sign");
        let signature = rsa::pss::Signature::try_from(raw.as_slice()).expect("signature");
        assert!(rsa_verifier(32).verify(b"hello", &signature).is_ok());
    }

    #[test]
    fn ed25519_signatures_verify_and_match_dalek_bytes() {
        let key = key(ED25519_PKCS8);
        assert_eq!(key.kind(), KeyKind::Ed25519);
        let verifier =
            ed25519_dalek::VerifyingKey::from_public_key_pem(ED25519_PUBLIC).expect("public key");
        let dalek_signer =
            ed25519_dalek::SigningKey::from_pkcs8_pem(ED25519_PKCS8).expect("private key");
        for method in METHODS {
            for (given, wire) in PATHS {
                let header = key.sign_request(TIMESTAMP_MS, method, given).expect("sign");
                let bytes = decode_b64(&header);
                let signature =
                    ed25519_dalek::Signature::from_slice(&bytes).expect("64-byte signature");
                let expected = format!("{TIMESTAMP_MS}{method}{wire}");
                verifier
                    .verify(expected.as_bytes(), &signature)
                    .unwrap_or_else(|e| panic!("{method} {given}: does not verify: {e}"));
                // Ed25519 is deterministic: an independent signer gives the
                // same bytes.
                use ed25519_dalek::Signer as _;
                assert_eq!(
                    dalek_signer.sign(expected.as_bytes()).to_bytes().as_slice(),
                    bytes.as_slice()
                );
            }
        }
    }

    #[test]
    fn signature_header_is_standard_padded_base64() {
        // 64-byte Ed25519 signature -> 88 chars ending in "==".
        let header = key(ED25519_PKCS8)
            .sign_request(0, "GET", "/trade-api/v2/portfolio/balance")
            .expect("sign");
        assert_eq!(header.len(), 88);
        assert!(header.ends_with("=="));
        assert!(!header.contains(['-', '_']));
    }

    #[test]
    fn signing_message_layout() {
        assert_eq!(
            signing_message(
                1_703_123_456_789,
                "GET",
                "/trade-api/v2/portfolio/orders?limit=5&cursor=x"
            )
            .expect("message"),
            "1703123456789GET/trade-api/v2/portfolio/orders"
        );
        assert_eq!(
            signing_message(u64::MAX, "DELETE", "/a%2Fb").expect("message"),
            "18446744073709551615DELETE/a%2Fb"
        );
        assert_eq!(signing_message(0, "GET", "/").expect("message"), "0GET/");
    }

    #[test]
    fn relative_or_absolute_urls_are_refused() {
        let key = key(ED25519_PKCS8);
        for bad in [
            "",
            "trade-api/v2/portfolio/balance",
            "https://api.elections.kalshi.com/trade-api/v2/portfolio/balance",
            "?limit=5",
        ] {
            assert!(
                matches!(
                    key.sign_request(TIMESTAMP_MS, "GET", bad),
                    Err(SignError::InvalidPath { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn request_path_for_signing_strips_query_and_fragment() {
        for (input, expected) in [
            (
                "/trade-api/v2/portfolio/balance",
                "/trade-api/v2/portfolio/balance",
            ),
            (
                "/trade-api/v2/portfolio/orders?limit=5&cursor=x",
                "/trade-api/v2/portfolio/orders",
            ),
            ("/a/b#frag", "/a/b"),
            ("/a/b?x=1#frag", "/a/b"),
            ("/a/b#frag?x=1", "/a/b"),
            ("/a/b?", "/a/b"),
            ("/a%3Fb/c", "/a%3Fb/c"),
            ("", ""),
        ] {
            assert_eq!(request_path_for_signing(input), expected, "{input:?}");
        }
    }

    #[test]
    fn pkcs1_and_pkcs8_forms_are_the_same_key() {
        // RSA-PSS is randomized, so check each verifies the other's message
        // with the same public key instead of comparing bytes.
        let verifier = rsa_verifier(32);
        for pem in [RSA_PKCS1, RSA_PKCS8] {
            let raw = key(pem).sign(b"same key").expect("sign");
            let signature = rsa::pss::Signature::try_from(raw.as_slice()).expect("signature");
            assert!(verifier.verify(b"same key", &signature).is_ok());
        }
    }

    #[test]
    fn other_pem_blocks_before_the_key_are_skipped() {
        let pem = format!("some comment\n{RSA_PUBLIC}\n{ED25519_PKCS8}");
        assert_eq!(key(&pem).kind(), KeyKind::Ed25519);
        let crlf = ED25519_PKCS8.replace('\n', "\r\n");
        assert_eq!(key(&crlf).kind(), KeyKind::Ed25519);
    }

    #[test]
    fn from_pem_file_loads_and_names_the_path_on_error() {
        let key = SigningKey::from_pem_file(&fixture_path("rsa-pkcs1.pem")).expect("loads");
        assert_eq!(key.kind(), KeyKind::Rsa);

        let missing = fixture_path("does-not-exist.pem");
        let error = SigningKey::from_pem_file(&missing).expect_err("missing file");
        assert!(matches!(error, KeyError::Read { .. }));
        assert!(error.to_string().contains("does-not-exist.pem"), "{error}");

        let encrypted = fixture_path("rsa-encrypted-pkcs8.pem");
        let error = SigningKey::from_pem_file(&encrypted).expect_err("encrypted");
        let message = error.to_string();
        assert!(
            matches!(&error, KeyError::File { error, .. } if matches!(**error, KeyError::Encrypted))
        );
        assert!(message.contains("rsa-encrypted-pkcs8.pem"), "{message}");
        assert_no_key_material(&message, RSA_ENCRYPTED_PKCS8);
    }

    fn load_err(pem: &str) -> KeyError {
        match SigningKey::from_pem(pem) {
            Ok(key) => panic!("expected an error, loaded {key:?}"),
            Err(e) => e,
        }
    }

    /// The base64 body of a PEM (all lines that are not BEGIN/END/headers).
    fn pem_body(pem: &str) -> String {
        pem.lines()
            .filter(|l| !l.starts_with("-----") && !l.contains(':'))
            .collect()
    }

    /// Asserts `text` contains no 16-character run of `pem`'s base64 body.
    fn assert_no_key_material(text: &str, pem: &str) {
        let body = pem_body(pem);
        assert!(body.len() > 16);
        for start in 0..=body.len() - 16 {
            let window = &body[start..start + 16];
            assert!(
                !text.contains(window),
                "{text:?} contains key material {window:?}"
            );
        }
    }

    #[test]
    fn key_errors() {
        let base64_garbage =
            "-----BEGIN PRIVATE KEY-----\n!!!not base64!!!\n-----END PRIVATE KEY-----\n";
        let truncated_rsa = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAqlezEa+WS7fp\n-----END RSA PRIVATE KEY-----\n";
        // Valid PKCS#8 envelope with the rsaEncryption OID but a junk key.
        let junk_pkcs8_rsa =
            "-----BEGIN PRIVATE KEY-----\nMBQCAQAwDQYJKoZIhvcNAQEBBQAEAA==\n-----END PRIVATE KEY-----\n";
        let no_end = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBAhvfY9CJCdEzfbuWmZFhEssEK/RvRkcf8CbqpIoFtt\n";
        /// (case name, input, expected variant, text the message must contain)
        type Case = (&'static str, String, fn(&KeyError) -> bool, &'static str);
        let cases: Vec<Case> = vec![
            ("empty", String::new(), |e| matches!(e, KeyError::Empty), "empty"),
            ("whitespace", " \n\t\r\n".into(), |e| matches!(e, KeyError::Empty), "empty"),
            (
                "no PEM",
                "just some text, not a key".into(),
                |e| matches!(e, KeyError::NotPem),
                "not a PEM private key",
            ),
            (
                "bare base64",
                pem_body(RSA_PKCS1),
                |e| matches!(e, KeyError::NotPem),
                "not a PEM private key",
            ),
            (
                "encrypted pkcs8",
                RSA_ENCRYPTED_PKCS8.into(),
                |e| matches!(e, KeyError::Encrypted),
                "openssl pkey -in k.pem -out k-plain.pem",
            ),
            (
                "encrypted legacy",
                RSA_ENCRYPTED_LEGACY.into(),
                |e| matches!(e, KeyError::Encrypted),
                "encrypted",
            ),
            (
                "ec sec1",
                EC_SEC1.into(),
                |e| matches!(e, KeyError::UnsupportedKeyType { .. }),
                "unsupported key type (EC, SEC1 `EC PRIVATE KEY` form), expected RSA or Ed25519",
            ),
            (
                "ec pkcs8",
                EC_PKCS8.into(),
                |e| matches!(e, KeyError::UnsupportedKeyType { .. }),
                "unsupported key type (EC), expected RSA or Ed25519",
            ),
            (
                "public key",
                RSA_PUBLIC.into(),
                |e| matches!(e, KeyError::NotAPrivateKey { found: "public key" }),
                "expected a private key but found a public key",
            ),
            (
                "ed25519 public key",
                ED25519_PUBLIC.into(),
                |e| matches!(e, KeyError::NotAPrivateKey { found: "public key" }),
                "public key",
            ),
            (
                "pkcs1 public key",
                RSA_PUBLIC.replace("PUBLIC KEY", "RSA PUBLIC KEY"),
                |e| matches!(e, KeyError::NotAPrivateKey { found: "public key" }),
                "public key",
            ),
            (
                "certificate",
                RSA_PUBLIC.replace("PUBLIC KEY", "CERTIFICATE"),
                |e| matches!(e, KeyError::NotAPrivateKey { found: "certificate" }),
                "found a certificate",
            ),
            (
                "openssh",
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n".into(),
                |e| matches!(e, KeyError::UnsupportedFormat { .. }),
                "OpenSSH",
            ),
            (
                "dsa",
                "-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n".into(),
                |e| matches!(e, KeyError::UnsupportedKeyType { .. }),
                "DSA",
            ),
            (
                "bad base64",
                base64_garbage.into(),
                |e| matches!(e, KeyError::InvalidPem { .. }),
                "base64",
            ),
            (
                "missing END",
                no_end.into(),
                |e| matches!(e, KeyError::InvalidPem { .. }),
                "-----END",
            ),
            (
                "truncated pkcs1",
                truncated_rsa.into(),
                |e| matches!(e, KeyError::Malformed { format: "PKCS#1 RSA", .. }),
                "malformed PKCS#1 RSA private key",
            ),
            (
                "junk pkcs8 rsa",
                junk_pkcs8_rsa.into(),
                |e| matches!(e, KeyError::Malformed { format: "PKCS#8 RSA", .. }),
                "malformed PKCS#8 RSA private key",
            ),
            (
                "pkcs1 label on pkcs8 body",
                RSA_PKCS8.replace("PRIVATE KEY", "RSA PRIVATE KEY"),
                |e| matches!(e, KeyError::Malformed { format: "PKCS#1 RSA", .. }),
                "PKCS#1",
            ),
            (
                "pkcs8 label on pkcs1 body",
                RSA_PKCS1.replace("RSA PRIVATE KEY", "PRIVATE KEY"),
                |e| matches!(e, KeyError::Malformed { format: "PKCS#8", .. }),
                "malformed PKCS#8 private key",
            ),
        ];
        for (name, input, is_expected, needle) in cases {
            let error = load_err(&input);
            assert!(is_expected(&error), "{name}: got {error:?}");
            let message = error.to_string();
            assert!(
                message.contains(needle),
                "{name}: {message:?} lacks {needle:?}"
            );
            for pem in [
                RSA_PKCS1,
                RSA_PKCS8,
                EC_SEC1,
                EC_PKCS8,
                RSA_ENCRYPTED_LEGACY,
            ] {
                assert_no_key_material(&message, pem);
                assert_no_key_material(&format!("{error:?}"), pem);
            }
        }
    }

    #[test]
    fn debug_shows_only_the_kind() {
        for (pem, kind) in [
            (RSA_PKCS1, "Rsa"),
            (RSA_PKCS8, "Rsa"),
            (ED25519_PKCS8, "Ed25519"),
        ] {
            let debug = format!("{:?}", key(pem));
            assert_eq!(debug, format!("SigningKey {{ kind: {kind}, .. }}"));
            assert_no_key_material(&debug, pem);
            let pretty = format!("{:#?}", key(pem));
            assert_no_key_material(&pretty, pem);
        }
    }

    #[test]
    fn key_kind_display() {
        assert_eq!(KeyKind::Rsa.to_string(), "RSA");
        assert_eq!(KeyKind::Ed25519.to_string(), "Ed25519");
    }

    #[test]
    fn signing_key_is_cheap_to_share() {
        fn assert_traits<T: Clone + Send + Sync + fmt::Debug + 'static>() {}
        fn assert_error<T: std::error::Error + Send + Sync + 'static>() {}
        assert_traits::<SigningKey>();
        assert_error::<KeyError>();
        assert_error::<SignError>();
        let key = key(ED25519_PKCS8);
        let clone = key.clone();
        assert!(Arc::ptr_eq(&key.inner, &clone.inner));
        let handle = std::thread::spawn(move || {
            clone
                .sign_request(1, "GET", "/trade-api/v2/portfolio/balance")
                .expect("sign")
        });
        let from_thread = handle.join().expect("thread");
        assert_eq!(
            from_thread,
            key.sign_request(1, "GET", "/trade-api/v2/portfolio/balance")
                .expect("sign")
        );
    }

    #[test]
    fn der_element_rejects_truncation() {
        assert!(der_element(&[], 0x30).is_none());
        assert!(der_element(&[0x30], 0x30).is_none());
        assert!(der_element(&[0x30, 0x05, 0x00], 0x30).is_none());
        assert!(der_element(&[0x30, 0x85, 0, 0, 0, 0, 0], 0x30).is_none());
        assert!(der_element(&[0x30, 0x80], 0x30).is_none());
        assert_eq!(
            der_element(&[0x30, 0x81, 0x01, 0xaa, 0xbb], 0x30),
            Some((&[0xaa][..], &[0xbb][..]))
        );
    }
}
