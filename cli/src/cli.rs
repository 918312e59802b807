//! The command-line grammar (clap derive) and the dispatch to each command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::connect::Connection;

/// Batch jobs on a Kalshi portfolio: read it, sync it into SQLite, export it, compute
/// realized P&L, place orders from a CSV file, cancel by filter.
///
/// Credentials come from the library's variables: KALSHI_API_KEY_ID and
/// KALSHI_PRIVATE_KEY_PATH (or KALSHI_PRIVATE_KEY); KALSHI_ENV or --env picks the
/// exchange (demo when unset). --sandbox needs none of them.
///
/// Exit codes: 0 success; 1 the API, the network, the database or a file failed;
/// 2 usage or bad input; 3 partial failure (some of the work was not done).
#[derive(Debug, Parser)]
#[command(name = "kalshi-portfolio", version)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// `demo`, `production` or a base URL (overrides KALSHI_ENV).
    #[arg(long, global = true, value_name = "demo|production|URL")]
    pub env: Option<String>,
    /// Run against an in-process sandbox exchange seeded with a realistic account
    /// (markets, hundreds of fills, settlements, resting orders): no key, no network.
    #[arg(long, global = true, conflicts_with = "env")]
    pub sandbox: bool,
    /// Log what the library does to stderr (-v debug: each request with its status
    /// and latency; -vv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Cash balance and portfolio value.
    Balance(OutputArgs),
    /// Orders: list, place from a file, cancel by filter.
    #[command(subcommand)]
    Orders(OrdersCommand),
    /// Open positions (market and event).
    Positions(OutputArgs),
    /// Fills, newest first.
    Fills(ListArgs),
    /// Settlements, newest first.
    Settlements(ListArgs),
    /// Copy fills, orders, settlements and positions into a SQLite database;
    /// incremental and safe to kill at any instant and run again.
    Sync(SyncArgs),
    /// Write fills, settlements, orders or positions as CSV or JSON lines.
    Export(ExportArgs),
    /// Realized P&L from fills and settlements (FIFO lots, fees apart), reconciled
    /// against Kalshi's own figure per market.
    Pnl(PnlArgs),
}

/// `--json` for the read commands.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// JSON lines (one object per row) instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Options of `fills` and `settlements`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub output: OutputArgs,
    /// Only this market.
    #[arg(long)]
    pub ticker: Option<String>,
    /// At most this many rows (all when unset).
    #[arg(long)]
    pub limit: Option<usize>,
}

/// `orders ...`
#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// List orders.
    List(OrdersListArgs),
    /// Place the orders of a CSV file, each exactly once (rerun after a crash
    /// places only what is missing).
    Place(crate::place::PlaceArgs),
    /// Cancel the resting orders of a market, an event, or the whole account.
    Cancel(crate::cancel::CancelArgs),
}

/// Options of `orders list`.
#[derive(Debug, Args)]
pub struct OrdersListArgs {
    #[command(flatten)]
    pub output: OutputArgs,
    /// Only orders with this status (`resting`, `canceled`, `executed`).
    #[arg(long)]
    pub status: Option<String>,
    /// Only this market.
    #[arg(long, conflicts_with = "event")]
    pub ticker: Option<String>,
    /// Only this event.
    #[arg(long)]
    pub event: Option<String>,
}

/// Options of `sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The SQLite database (created when missing). Default `kalshi.sqlite`; with
    /// --sandbox, `kalshi-sandbox.sqlite`, emptied first (each sandbox is a new
    /// exchange).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Rows per page asked of the API (1 to 1000).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub page_size: u64,
    /// How far before the last high-water mark a later run starts again, in seconds:
    /// rows that appear late are picked up, and the upserts make the overlap harmless.
    #[arg(long, default_value_t = 3600)]
    pub overlap_secs: i64,
}

/// What `export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportKind {
    /// Fills.
    Fills,
    /// Settlements.
    Settlements,
    /// Orders.
    Orders,
    /// Positions (market and event).
    Positions,
}

/// Export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// Options of `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to export.
    pub kind: ExportKind,
    /// Only rows at or after this instant (`2026-01-31` or RFC 3339).
    #[arg(long)]
    pub since: Option<String>,
    /// Only rows before this instant (`2026-02-01` or RFC 3339; a bare date is
    /// exclusive at its midnight UTC).
    #[arg(long)]
    pub until: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Write here instead of stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Read a database written by `sync` instead of the API.
    #[arg(long)]
    pub from_db: Option<PathBuf>,
}

/// How `pnl` groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PnlBy {
    /// One row per market (with the reconciliation against Kalshi's figure).
    Market,
    /// One row per event.
    Event,
    /// One row per UTC day the P&L was realized.
    Day,
}

/// Options of `pnl`.
#[derive(Debug, Args)]
pub struct PnlArgs {
    /// Read a database written by `sync` instead of the API.
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Only this market.
    #[arg(long)]
    pub ticker: Option<String>,
    /// Grouping.
    #[arg(long, value_enum, default_value_t = PnlBy::Market)]
    pub by: PnlBy,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let connection = || Connection::open(&cli.global);
    match cli.command {
        Command::Balance(ref args) => crate::read::balance(&connection()?, args),
        Command::Orders(OrdersCommand::List(ref args)) => crate::read::orders(&connection()?, args),
        Command::Orders(OrdersCommand::Place(ref args)) => crate::place::run(&connection()?, args),
        Command::Orders(OrdersCommand::Cancel(ref args)) => {
            crate::cancel::run(&connection()?, args)
        }
        Command::Positions(ref args) => crate::read::positions(&connection()?, args),
        Command::Fills(ref args) => crate::read::fills(&connection()?, args),
        Command::Settlements(ref args) => crate::read::settlements(&connection()?, args),
        Command::Sync(ref args) => {
            let connection = connection()?;
            let db = connection.db_path(args.db.as_ref())?;
            crate::sync::run(&connection, &db, args)
        }
        Command::Export(ref args) => match &args.from_db {
            Some(_) => crate::export::run(None, args),
            None => crate::export::run(Some(&connection()?), args),
        },
        Command::Pnl(ref args) => match &args.db {
            Some(_) => crate::pnl::run(None, args),
            None => crate::pnl::run(Some(&connection()?), args),
        },
    }
}
