//! Keys and clients: the signing keys of the benchmarks and the facade built for the
//! canned server.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use kalshi_portfolio::signing::SigningKey;
use kalshi_portfolio::{Client, Environment};

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Rsa,
    Ed25519,
}

impl Key {
    pub fn label(self) -> &'static str {
        match self {
            Key::Rsa => "RSA-2048 PSS",
            Key::Ed25519 => "Ed25519",
        }
    }

    pub fn path(self) -> PathBuf {
        let file = match self {
            Key::Rsa => "rsa-pkcs1.pem",
            Key::Ed25519 => "ed25519-pkcs8.pem",
        };
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/keys")
            .join(file)
    }

    pub fn load(self) -> SigningKey {
        SigningKey::from_pem_file(&self.path()).expect("fixture key loads")
    }
}

pub const KEY_ID: &str = "bench-0f3c2a9e-key-id";
pub const BALANCE_PATH: &str = "/trade-api/v2/portfolio/balance";

/// The facade, pointed at the server.
pub fn facade(server: &Server, key: Key) -> Client {
    facade_at(&server.base_url, key)
}

/// The facade, pointed at a server at `base_url`.
pub fn facade_at(base_url: &str, key: Key) -> Client {
    Client::builder()
        .environment(Environment::Custom(base_url.to_owned()))
        .api_key_id(KEY_ID)
        .private_key_file(key.path())
        .build()
        .expect("client builds")
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// One signature over a balance request, as the client makes it.
pub fn sign_once(key: &SigningKey) -> String {
    key.sign_request(now_ms(), "GET", BALANCE_PATH)
        .expect("signs")
}
