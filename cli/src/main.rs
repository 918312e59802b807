//! `kalshi-portfolio`: the command line. Everything lives in the library half of this
//! package (`lib.rs`) so the integration tests can seed a sandbox the same way
//! `--sandbox` does.

fn main() -> std::process::ExitCode {
    kalshi_portfolio_cli::main_entry()
}
