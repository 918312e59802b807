//! Developer tasks for the `kalshi-portfolio` workspace, run as `cargo xtask ...`.
//!
//! The logic lives in this library so that each command is a thin wrapper and
//! later commands (and tests) can reuse it.

pub mod spec;
