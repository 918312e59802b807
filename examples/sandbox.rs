//! Run the sandbox exchange for other programs: any Kalshi client (or curl) can trade
//! against it on 127.0.0.1 with the key this program writes out.
//!
//! ```text
//! cargo run --example sandbox                 # port 8787
//! cargo run --example sandbox -- --port 9000
//! ```
//!
//! It prints the base URL, the key id and the path of the private key file, seeds one
//! market with liquidity on both sides, and runs until stdin closes (Ctrl-D) or the
//! process is interrupted (Ctrl-C). The key file is removed on a clean exit (Ctrl-D).
//! Drive it further through the unsigned admin API under `/_sandbox/` (see the
//! `kalshi_portfolio::sandbox` docs): send JSON bodies with `Content-Type:
//! application/json` to `127.0.0.1` or `localhost`; anything else is refused.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use kalshi_portfolio::sandbox::{MarketSpec, Sandbox, Side};

const DEFAULT_PORT: u16 = 8787;
const TICKER: &str = "KXSANDBOX-26-T50";
const EVENT: &str = "KXSANDBOX-26";

fn main() -> ExitCode {
    let port = match parse_port(std::env::args().skip(1)) {
        Ok(port) => port,
        Err(message) => {
            eprintln!("{message}\nusage: sandbox [--port PORT]");
            return ExitCode::from(2);
        }
    };
    match run(port) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sandbox: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_port(mut args: impl Iterator<Item = String>) -> Result<u16, String> {
    let mut port = DEFAULT_PORT;
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--port" => args.next().ok_or("--port needs a value")?,
            other => match other.strip_prefix("--port=") {
                Some(value) => value.to_string(),
                None => return Err(format!("unknown argument {other:?}")),
            },
        };
        port = value
            .parse()
            .map_err(|_| format!("{value:?} is not a port number"))?;
    }
    Ok(port)
}

fn run(port: u16) -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::builder().port(port).start()?;
    let key_path = write_key(&sandbox)?;

    sandbox.create_market(MarketSpec::new(TICKER, EVENT))?;
    sandbox.add_liquidity(TICKER, Side::Bid, "0.45".parse()?, "100".parse()?)?;
    sandbox.add_liquidity(TICKER, Side::Ask, "0.55".parse()?, "100".parse()?)?;

    println!("Kalshi sandbox exchange running");
    println!("  base URL  {}", sandbox.base_url());
    println!("  key id    {}", sandbox.key_id());
    println!("  key file  {}", key_path.display());
    println!("  market    {TICKER} (bids 100 @ 0.45, asks 100 @ 0.55)");
    println!();
    println!("Try the quickstart against it:");
    println!(
        "  KALSHI_ENV={} KALSHI_API_KEY_ID={} KALSHI_PRIVATE_KEY_PATH={} cargo run --example quickstart",
        sandbox.base_url(),
        sandbox.key_id(),
        key_path.display()
    );
    println!("Admin API (unsigned, loopback only), e.g.:");
    println!(
        "  curl -X POST http://{}/_sandbox/settle -H 'Content-Type: application/json' -d '{{\"ticker\":\"{TICKER}\",\"result\":\"yes\"}}'",
        sandbox.addr()
    );
    println!();
    println!("Close stdin (Ctrl-D) to stop.");

    // Block until stdin reaches end of file.
    let mut sink = [0u8; 256];
    let mut stdin = std::io::stdin().lock();
    while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}

    sandbox.shutdown();
    let _ = std::fs::remove_file(&key_path);
    println!("stopped");
    Ok(())
}

/// Write the private key (PKCS#8 v1 PEM, readable by openssl, Python and Node) to a
/// file only this user can read.
fn write_key(sandbox: &Sandbox) -> std::io::Result<PathBuf> {
    let path = std::env::temp_dir().join(format!("{}.pem", sandbox.key_id()));
    sandbox.write_private_key_file(&path)?;
    Ok(path)
}
