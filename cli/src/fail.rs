//! Errors to exit codes: the user must be able to tell "fix your input" (2) from
//! "the API or the network failed" (1) from "part of it was done" (3) in a script.

use std::fmt;

/// Exit code: success.
pub const OK: u8 = 0;
/// Exit code: the API, the network, the database or a file failed.
pub const FAILED: u8 = 1;
/// Exit code: usage or bad input.
pub const USAGE: u8 = 2;
/// Exit code: partial failure.
pub const PARTIAL: u8 = 3;

/// Bad input from the user (an argument, a file row, a configuration value).
#[derive(Debug)]
pub struct Usage(pub String);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// Some of the work was done and some was not; the message says which.
#[derive(Debug)]
pub struct Partial(pub String);

impl fmt::Display for Partial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Partial {}

/// Shorthand for a usage error.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Usage(message.into()))
}

/// The exit code of an error chain.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    for cause in error.chain() {
        if cause.is::<Usage>() {
            return USAGE;
        }
        if cause.is::<Partial>() {
            return PARTIAL;
        }
        if let Some(e) = cause.downcast_ref::<kalshi_portfolio::Error>() {
            return match e {
                kalshi_portfolio::Error::Config(_)
                | kalshi_portfolio::Error::InvalidRequest { .. } => USAGE,
                _ => FAILED,
            };
        }
    }
    FAILED
}

/// The whole chain on one line, outermost context first.
pub fn describe(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// Whether the error is stdout closed by the reader (`| head`).
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<csv::Error>()
                .is_some_and(|e| matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe))
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}
