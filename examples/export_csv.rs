//! A nightly, resumable export of fills and settlements to CSV.
//!
//! Each page's rows are appended and then its cursor saved, so a run that dies
//! resumes after the last page it finished (at worst a page is written twice; dedupe
//! by `fill_id`). Every row has every column, units in the names, exact amounts.
//!
//! ```sh
//! cargo run --example export_csv                 # against the offline sandbox
//! KALSHI_API_KEY_ID=… KALSHI_PRIVATE_KEY_PATH=… cargo run --example export_csv
//! ```

use std::fs::{self, OpenOptions};
use std::path::Path;

use kalshi_portfolio::records::{FillRecord, SettlementRecord};
use kalshi_portfolio::{Client, List};
use serde::Serialize;

type Job = Result<(), Box<dyn std::error::Error>>;

/// Append every page of `list` to `csv_path`, saving the cursor after each page in
/// `csv_path.cursor`; a second run continues from there.
fn export<Op, Row>(list: List<Op>, csv_path: &str, row: fn(Op::Item) -> Row) -> Job
where
    Op: kalshi_portfolio::pagination::ListOperation,
    Row: Serialize,
{
    let checkpoint = format!("{csv_path}.cursor");
    let list = match fs::read_to_string(&checkpoint) {
        Ok(cursor) if cursor == "done" => return Ok(()),
        Ok(cursor) => list.cursor(cursor),
        Err(_) => list,
    };
    let header = !Path::new(csv_path).exists();
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(csv_path)?;
    let mut csv = csv::WriterBuilder::new()
        .has_headers(header)
        .from_writer(file);
    for page in list.limit(1000).pages() {
        let page = page?;
        for item in page.items {
            csv.serialize(row(item))?;
        }
        csv.flush()?;
        fs::write(&checkpoint, page.cursor.as_deref().unwrap_or("done"))?;
    }
    Ok(())
}

fn run(client: &Client, dir: &Path) -> Job {
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    export(client.get_fills(), &path("fills.csv"), FillRecord::from)?;
    export(
        client.get_settlements(),
        &path("settlements.csv"),
        SettlementRecord::from,
    )?;
    println!(
        "wrote {} and {}",
        path("fills.csv"),
        path("settlements.csv")
    );
    Ok(())
}

// ---------------------------------------------------------------------------------
// Not job logic: where to run (real credentials, or a seeded sandbox).
// ---------------------------------------------------------------------------------

fn main() -> Job {
    let dir = std::env::temp_dir().join("kalshi-export");
    fs::create_dir_all(&dir)?;
    if std::env::var_os("KALSHI_API_KEY_ID").is_some() {
        return run(&Client::from_env()?, &dir);
    }
    let (sandbox, client) = seeded_sandbox()?;
    // A fresh export each time on the sandbox, whose fills are new every run.
    for stale in [
        "fills.csv",
        "fills.csv.cursor",
        "settlements.csv",
        "settlements.csv.cursor",
    ] {
        let _ = fs::remove_file(dir.join(stale));
    }
    run(&client, &dir)?;
    drop(sandbox);
    Ok(())
}

fn seeded_sandbox(
) -> Result<(kalshi_portfolio::sandbox::Sandbox, Client), Box<dyn std::error::Error>> {
    use kalshi_portfolio::sandbox::{MarketResult, MarketSpec, Sandbox, Side};
    use kalshi_portfolio::NewOrder;
    let sandbox = Sandbox::start()?;
    let client = sandbox.client()?;
    for (ticker, result) in [
        ("KXEXPORT-26-T1", MarketResult::Yes),
        ("KXEXPORT-26-T2", MarketResult::No),
    ] {
        sandbox.create_market(MarketSpec::new(ticker, "KXEXPORT-26"))?;
        sandbox.add_liquidity(ticker, Side::Ask, "0.40".parse()?, "50".parse()?)?;
        for _ in 0..5 {
            client.create_order(&NewOrder::new(ticker).buy_yes().price("0.45").count(3))?;
        }
        sandbox.settle_market(ticker, result)?;
    }
    Ok((sandbox, client))
}
