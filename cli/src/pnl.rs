//! `pnl`
use crate::cli::PnlArgs;
use crate::connect::Connection;
/// `pnl`
pub fn run(_c: Option<&Connection>, _a: &PnlArgs) -> anyhow::Result<()> {
    anyhow::bail!("todo")
}
