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

    /// The database `sync` and `orders place` use: `--db`, else `kalshi.sqlite`. With
    /// `--sandbox` and no `--db`, `kalshi-sandbox.sqlite`, emptied first: each
    /// `--sandbox` run is a new exchange, so rows (and placed orders) of an earlier
    /// one would not match it.
    pub fn db_path(&self, given: Option<&PathBuf>) -> anyhow::Result<PathBuf> {
        if let Some(path) = given {
            return Ok(path.clone());
        }
        if self.sandbox.is_none() {
            return Ok(PathBuf::from("kalshi.sqlite"));
        }
        let path = PathBuf::from("kalshi-sandbox.sqlite");
        for suffix in ["", "-wal", "-shm"] {
            let file = PathBuf::from(format!("kalshi-sandbox.sqlite{suffix}"));
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(anyhow::Error::new(e)
                        .context(format!("emptying {} for a new sandbox", file.display())))
                }
            }
        }
        Ok(path)
    }
}
