//! `sync`: fills, orders, settlements and positions into SQLite, crash-safe and
//! incremental.
//!
//! Per list resource (fills, orders, settlements) a run walks the pages newest first
//! with `min_ts` set to the last run's high-water mark minus an overlap. Each page's
//! rows and the state that follows it (the next cursor, the run's `min_ts`, the newest
//! time seen) are committed in one transaction. Killed at any instant, the database
//! holds whole pages and the cursor of the first page it lacks, so the next run
//! resumes there; a page fetched twice is harmless because rows are upserted by id.
//! When the last page is committed, the newest time seen becomes the high-water mark.
//! Rows that appear while a run walks (newer than its first page) are newer than
//! the high-water mark, so the next run's window (which starts an overlap before it)
//! includes them; a run that completes after being resumed is followed at once by
//! such a run, so that a killed and rerun sync ends equal to the API.
//!
//! Orders change after they are created (resting → executed or canceled), which a
//! `min_ts` on creation time does not see: after the walk, every order the database
//! still has as resting and the walk did not return is fetched by id and upserted.
//! Positions are small and change in place: each run replaces them as one snapshot.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::Path;

use anyhow::Context;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use kalshi_portfolio::records::{FillRecord, OrderRecord, PositionRecord, SettlementRecord};
use kalshi_portfolio::types::GetPositionsSettlementStatus;
use kalshi_portfolio::Page;
use rusqlite::{Connection, Transaction};

use crate::cli::SyncArgs;
use crate::connect;
use crate::db;

/// What one run did, per resource.
#[derive(Debug, Default)]
pub struct Summary {
    /// Rows written (inserted or updated), including overlap.
    pub fills: u64,
    /// Orders written.
    pub orders: u64,
    /// Settlements written.
    pub settlements: u64,
    /// Positions in the snapshot.
    pub positions: u64,
}

/// `sync`
pub fn run(connection: &connect::Connection, path: &Path, args: &SyncArgs) -> anyhow::Result<()> {
    let mut db =
        db::open(path).with_context(|| format!("opening the database {}", path.display()))?;
    let summary = sync_all(connection, &mut db, args)?;
    eprintln!(
        "synced into {}: {} fills, {} orders, {} settlements, {} positions",
        path.display(),
        summary.fills,
        summary.orders,
        summary.settlements,
        summary.positions
    );
    Ok(())
}

/// Sync every resource into `db`.
pub fn sync_all(
    connection: &connect::Connection,
    db: &mut Connection,
    args: &SyncArgs,
) -> anyhow::Result<Summary> {
    let client = &connection.client;
    let bars = MultiProgress::with_draw_target(if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let page_size = args.page_size;
    let fills = walk(
        db,
        "fills",
        args,
        &bars,
        |cursor, min_ts| {
            let mut list = client.get_fills().limit(page_size);
            if let Some(cursor) = cursor {
                list = list.cursor(cursor);
            }
            if let Some(min_ts) = min_ts {
                list = list.min_ts(min_ts);
            }
            list.send()
        },
        |tx, fill| {
            let record = FillRecord::from(fill);
            db::upsert_fill(tx, &record)?;
            Ok(record.ts_utc.map(|t| t.timestamp()))
        },
    )
    .context("syncing fills")?;

    let mut seen_orders = HashSet::new();
    let mut orders = walk(
        db,
        "orders",
        args,
        &bars,
        |cursor, min_ts| {
            let mut list = client.get_orders().limit(page_size);
            if let Some(cursor) = cursor {
                list = list.cursor(cursor);
            }
            if let Some(min_ts) = min_ts {
                list = list.min_ts(min_ts);
            }
            list.send()
        },
        |tx, order| {
            let record = OrderRecord::from(order);
            db::upsert_order(tx, &record)?;
            seen_orders.insert(record.order_id.clone());
            Ok(record.created_utc.map(|t| t.timestamp()))
        },
    )
    .context("syncing orders")?;
    orders += refresh_resting(connection, db, &seen_orders).context("refreshing orders")?;

    let settlements = walk(
        db,
        "settlements",
        args,
        &bars,
        |cursor, min_ts| {
            let mut list = client.get_settlements().limit(page_size);
            if let Some(cursor) = cursor {
                list = list.cursor(cursor);
            }
            if let Some(min_ts) = min_ts {
                list = list.min_ts(min_ts);
            }
            list.send()
        },
        |tx, settlement| {
            let record = SettlementRecord::from(settlement);
            db::upsert_settlement(tx, &record)?;
            Ok(Some(record.settled_utc.timestamp()))
        },
    )
    .context("syncing settlements")?;

    let positions = positions(connection, db, page_size, &bars).context("syncing positions")?;
    Ok(Summary {
        fills,
        orders,
        settlements,
        positions,
    })
}

/// Walk one resource page by page, each page and its state in one transaction.
fn walk<T>(
    db: &mut Connection,
    resource: &str,
    args: &SyncArgs,
    bars: &MultiProgress,
    fetch: impl Fn(Option<String>, Option<i64>) -> kalshi_portfolio::Result<Page<T>>,
    mut store: impl FnMut(&Transaction<'_>, &T) -> anyhow::Result<Option<i64>>,
) -> anyhow::Result<u64> {
    let bar = progress(bars, resource);

    let mut state = db::load_state(db, resource)?;
    if state.cursor.is_none() {
        // A fresh run: start an overlap before the last high-water mark.
        state.run_min_ts = state
            .high_water_ts
            .map(|hw| hw.saturating_sub(args.overlap_secs.max(0)));
        state.run_max_ts = None;
    } else {
        tracing::info!(resource, "resuming an interrupted sync at its saved cursor");
        bar.set_message("(resumed)");
    }
    let mut written = 0u64;
    let mut resuming = state.cursor.is_some();
    // A run resumed from a saved cursor began in an earlier invocation: rows added
    // since then sit above its first page, newer than anything it saw. So when it
    // completes, one fresh run (from the new high-water mark, less the overlap)
    // follows at once, and the database equals the API when this call returns.
    let mut catch_up = resuming;
    loop {
        let page = match fetch(state.cursor.clone(), state.run_min_ts) {
            Ok(page) => page,
            Err(e) if resuming && e.status() == Some(400) => {
                // A saved cursor the API no longer accepts (expired, or the API
                // changed): start the interrupted run over from its `min_ts`; the
                // pages already stored are upserted again, harmlessly.
                tracing::warn!(resource, error = %e, "saved cursor refused; restarting the run");
                resuming = false;
                state.cursor = None;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        resuming = false;
        let tx = db.transaction()?;
        for item in &page.items {
            if let Some(ts) = store(&tx, item)? {
                state.run_max_ts = Some(state.run_max_ts.map_or(ts, |m| m.max(ts)));
            }
        }
        written += page.items.len() as u64;
        state.cursor = page.cursor.clone();
        let done = state.cursor.is_none();
        if done {
            state.high_water_ts = match (state.high_water_ts, state.run_max_ts) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            state.run_min_ts = None;
            state.run_max_ts = None;
        }
        db::save_state(&tx, resource, &state, done)?;
        tx.commit()?;
        bar.inc(page.items.len() as u64);
        if done && catch_up {
            catch_up = false;
            state.run_min_ts = state
                .high_water_ts
                .map(|hw| hw.saturating_sub(args.overlap_secs.max(0)));
            state.run_max_ts = None;
            continue;
        }
        if done {
            break;
        }
    }
    bar.finish();
    Ok(written)
}

/// Fetch by id every order stored as resting that this run's walk did not return.
fn refresh_resting(
    connection: &connect::Connection,
    db: &mut Connection,
    seen: &HashSet<String>,
) -> anyhow::Result<u64> {
    let stale: Vec<String> = {
        let mut statement = db.prepare("SELECT order_id FROM orders WHERE status = 'resting'")?;
        let ids = statement.query_map([], |row| row.get::<_, String>(0))?;
        ids.filter(|id| !matches!(id, Ok(id) if seen.contains(id)))
            .collect::<rusqlite::Result<_>>()?
    };
    let mut written = 0;
    for id in stale {
        let order = connection.client.get_order(&id)?;
        let tx = db.transaction()?;
        db::upsert_order(&tx, &OrderRecord::from(order))?;
        tx.commit()?;
        written += 1;
    }
    Ok(written)
}

/// Replace the positions (settled ones included) with the API's current snapshot.
fn positions(
    connection: &connect::Connection,
    db: &mut Connection,
    page_size: u64,
    bars: &MultiProgress,
) -> anyhow::Result<u64> {
    let bar = progress(bars, "positions");
    let mut all = Vec::new();
    for position in connection
        .client
        .get_positions()
        .settlement_status(GetPositionsSettlementStatus::All)
        .limit(page_size)
        .iter()
    {
        all.push(PositionRecord::from(position?));
        bar.inc(1);
    }
    let tx = db.transaction()?;
    tx.execute("DELETE FROM positions", [])?;
    for record in &all {
        db::insert_position(&tx, record)?;
    }
    tx.commit()?;
    bar.finish();
    Ok(all.len() as u64)
}

/// A spinner for one table: its name and the rows written so far.
fn progress(bars: &MultiProgress, name: &str) -> ProgressBar {
    let bar = bars.add(ProgressBar::new_spinner());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix:>12} {pos} rows {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_prefix(name.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
