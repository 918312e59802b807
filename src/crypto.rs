//! The one place that names the crypto library.
//!
//! Signing requests and TLS use the same library, chosen by cargo feature:
//!
//! * `ring` (the default): small, portable, pure-Rust build apart from its own C and
//!   assembly.
//! * `aws-lc-rs` (opt-in): AWS-LC, whose RSA signing uses AVX-512 IFMA where the CPU
//!   has it — about 2.4× faster RSA-2048 signatures on such machines, the dominant
//!   CPU cost of a request. Its build needs a C compiler.
//!
//! When both features are on (cargo unifies features across a dependency graph),
//! `aws-lc-rs` is used. Both crates expose the same API for what this crate needs, so
//! the rest of the code imports [`backend`] and never names either.

#[cfg(feature = "aws-lc-rs")]
pub(crate) use aws_lc_rs as backend;
#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
pub(crate) use ring as backend;

#[cfg(not(any(feature = "ring", feature = "aws-lc-rs")))]
compile_error!(
    "kalshi-portfolio needs a crypto provider: enable the `ring` (default) or `aws-lc-rs` feature"
);

/// The crypto library in use: `"ring"` or `"aws-lc-rs"`.
pub fn provider_name() -> &'static str {
    if cfg!(feature = "aws-lc-rs") {
        "aws-lc-rs"
    } else {
        "ring"
    }
}

/// rustls's provider backed by the same library that signs.
pub(crate) fn tls_provider() -> rustls::crypto::CryptoProvider {
    #[cfg(feature = "aws-lc-rs")]
    {
        rustls::crypto::aws_lc_rs::default_provider()
    }
    #[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
    {
        rustls::crypto::ring::default_provider()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_selected_provider_is_the_one_named() {
        let expected = if cfg!(feature = "aws-lc-rs") {
            "aws-lc-rs"
        } else {
            "ring"
        };
        assert_eq!(super::provider_name(), expected);
        // Building the TLS provider must work with either library.
        assert!(!super::tls_provider().cipher_suites.is_empty());
    }
}
