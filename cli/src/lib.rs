//! The `kalshi-portfolio` command line: batch jobs on top of the `kalshi-portfolio`
//! library (sync to SQLite, export, P&L, orders from a file, cancel by filter).
//!
//! Exit codes (also in `--help` and the README):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | the API, the network, the database or a file failed |
//! | 2 | usage or bad input (arguments, configuration, a bad row in a file) |
//! | 3 | partial failure: some of the work was done, some was not (e.g. orders not placed) |

pub mod cancel;
pub mod cli;
pub mod connect;
pub mod db;
pub mod export;
pub mod export_db;
pub mod fail;
pub mod memory;
pub mod place;
pub mod place_file;
pub mod pnl;
pub mod read;
pub mod seed;
pub mod sync;
pub mod table;

use std::process::ExitCode;

use clap::Parser;

/// Parse the arguments, run the command, map the outcome to an exit code.
pub fn main_entry() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => {
            // clap prints help/version to stdout with code 0 and usage errors with 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    init_tracing(args.global.verbose);
    memory::keep_large_buffers_mapped();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if fail::is_broken_pipe(&e) => {
            // `kalshi-portfolio fills | head`: the reader has what it wanted.
            ExitCode::SUCCESS
        }
        Err(e) => {
            let code = fail::exit_code(&e);
            eprintln!("error: {}", fail::describe(&e));
            ExitCode::from(code)
        }
    }
}

/// `-v` turns on the library's tracing at debug (one line per request, with its
/// operation, status and latency), `-vv` trace; always on
/// stderr so stdout stays a clean data stream.
fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => return,
        1 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .try_init();
}
