//! Developer tasks for the `kalshi-portfolio` workspace, run as `cargo xtask ...`.
//!
//! The logic lives in this library so that each command is a thin wrapper and
//! later commands (and tests) can reuse it.

pub mod spec;

// The generation step of the root crate's `build.rs`, compiled in from the
// same file so that `spec generate-all` and the API-surface tests exercise
// exactly what the build does: shared, not copied. (A plain comment: an outer
// doc comment here would make rustdoc resolve the links in that file's own
// `//!` docs from this scope, where they do not resolve.)
#[path = "../../codegen/mod.rs"]
pub mod codegen;
