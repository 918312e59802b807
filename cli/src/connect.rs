//! The client a command talks through: the real exchange from the library's variables
//! (with `--env` overriding `KALSHI_ENV`), or an in-process seeded sandbox.

use std::path::PathBuf;

use anyhow::Context;
use kalshi_portfolio::sandbox::Sandbox;
use kalshi_portfolio::{Client, Environment};

use crate::cli::Global;

/// A client, and the sandbox behind it when `--sandbox` (kept alive as long as the
/// command runs).
pub struct Connection {
    /// The library client.
    pub client: Client,
    /// The sandbox, when `--sandbox`.
    pub sandbox: Option<Sandbox>,
}

impl Connection {
    /// Connect as the global options say.
    pub fn open(global: &Global) -> anyhow::Result<Connection> {
        if global.sandbox {
            let sandbox = crate::seed::start().context("seeding the sandbox")?;
            let client = sandbox.client().context("connecting to the sandbox")?;
            return Ok(Connection {
                client,
                sandbox: Some(sandbox),
            });
        }
        let env_override = global.env.clone();
        if let Some(env) = &env_override {
            // Checked here so the message names the option rather than KALSHI_ENV.
            Environment::parse(env)
                .map_err(|e| crate::fail::usage(format!("--env {env:?}: {e}")))?;
        }
        let client = Client::from_env_with(|name| match (name, &env_override) {
            ("KALSHI_ENV", Some(env)) => Some(env.clone()),
            _ => std::env::var(name).ok(),
        })
        .context(
            "could not build the client; set KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH \
             (and KALSHI_ENV or --env), or try --sandbox",
        )?;
        Ok(Connection {
            client,
            sandbox: None,
        })
    }

    /// Whether this talks to real money.
    pub fn is_production(&self) -> bool {
        matches!(self.client.environment(), Environment::Production)
    }

    /// The database `sync` writes when `--db` is not given.
    pub fn default_db(&self) -> PathBuf {
        if self.sandbox.is_some() {
            PathBuf::from("kalshi-sandbox.sqlite")
        } else {
            PathBuf::from("kalshi.sqlite")
        }
    }
}
