//! `export`: fills, settlements, orders or positions as CSV or JSON lines, from the
//! API or from a database written by `sync`.
//!
//! Streaming: a page (API) or a row (database) at a time is held, whatever the size of
//! the account. Rows are the library's flat records (`kalshi_portfolio::records`), so
//! every CSV row has every column; the database path rebuilds the same columns in the
//! same order (`rows_from_db`), tested against the API path.

use std::fs::File;
use std::io::{BufWriter, Write};

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use kalshi_portfolio::records::{FillRecord, OrderRecord, PositionRecord, SettlementRecord};
use kalshi_portfolio::types::GetPositionsSettlementStatus;
use serde::Serialize;

use crate::cli::{ExportArgs, ExportKind, Format};
use crate::connect::Connection;
use crate::fail::usage;

/// `export`
pub fn run(connection: Option<&Connection>, args: &ExportArgs) -> anyhow::Result<()> {
    let window = Window::parse(args.since.as_deref(), args.until.as_deref())?;
    if args.kind == ExportKind::Positions && (window.since.is_some() || window.until.is_some()) {
        return Err(usage(
            "--since/--until do not apply to positions (a snapshot of now); drop them",
        ));
    }
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let mut sink = Sink::new(out, args.format);
    match (&args.from_db, connection) {
        (Some(path), _) => crate::export_db::export(path, args.kind, &window, &mut sink)?,
        (None, Some(connection)) => from_api(connection, args.kind, &window, &mut sink)?,
        (None, None) => anyhow::bail!("no source to export from"),
    }
    sink.finish()
}

/// The `--since`/`--until` window: since inclusive, until exclusive.
#[derive(Clone, Copy, Debug, Default)]
pub struct Window {
    /// Rows at or after.
    pub since: Option<DateTime<Utc>>,
    /// Rows before.
    pub until: Option<DateTime<Utc>>,
}

impl Window {
    /// Read the options (`2026-01-31` is that day's midnight UTC, or RFC 3339).
    pub fn parse(since: Option<&str>, until: Option<&str>) -> anyhow::Result<Window> {
        let window = Window {
            since: since.map(|t| parse_instant("--since", t)).transpose()?,
            until: until.map(|t| parse_instant("--until", t)).transpose()?,
        };
        if let (Some(since), Some(until)) = (window.since, window.until) {
            if since >= until {
                return Err(usage(format!(
                    "--since {since} is not before --until {until}: the window is empty"
                )));
            }
        }
        Ok(window)
    }

    /// Whether a row at `time` is inside (a row without a time is kept).
    pub fn contains(&self, time: Option<DateTime<Utc>>) -> bool {
        match time {
            None => true,
            Some(t) => self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u),
        }
    }

    /// `min_ts` for the API (inclusive, whole seconds).
    fn min_ts(&self) -> Option<i64> {
        self.since.map(|s| s.timestamp())
    }

    /// `max_ts` for the API (inclusive there, so the second of `until` is asked for
    /// and rows at or after `until` are dropped here).
    fn max_ts(&self) -> Option<i64> {
        self.until.map(|u| u.timestamp())
    }
}

fn parse_instant(option: &str, text: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        if let Some(midnight) = date.and_hms_opt(0, 0, 0) {
            return Ok(midnight.and_utc());
        }
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            usage(format!(
                "{option} {text:?} is not a date (2026-01-31) or an RFC 3339 time (2026-01-31T12:00:00Z)"
            ))
        })
}

/// Where rows go: CSV with a header, or JSON lines.
pub struct Sink {
    format: Format,
    csv: Option<csv::Writer<Box<dyn Write>>>,
    json: Option<Box<dyn Write>>,
    /// Rows written.
    pub rows: u64,
}

impl Sink {
    fn new(out: Box<dyn Write>, format: Format) -> Sink {
        match format {
            Format::Csv => Sink {
                format,
                csv: Some(csv::Writer::from_writer(out)),
                json: None,
                rows: 0,
            },
            Format::Jsonl => Sink {
                format,
                csv: None,
                json: Some(out),
                rows: 0,
            },
        }
    }

    /// Write one row.
    pub fn write(&mut self, row: &impl Serialize) -> anyhow::Result<()> {
        match (self.format, &mut self.csv, &mut self.json) {
            (Format::Csv, Some(csv), _) => csv.serialize(row)?,
            (Format::Jsonl, _, Some(out)) => {
                serde_json::to_writer(&mut *out, row)?;
                out.write_all(b"\n")?;
            }
            _ => anyhow::bail!("export sink misconfigured"),
        }
        self.rows += 1;
        Ok(())
    }

    fn finish(self) -> anyhow::Result<()> {
        if let Some(mut csv) = self.csv {
            csv.flush()?;
        }
        if let Some(mut out) = self.json {
            out.flush()?;
        }
        Ok(())
    }
}

fn from_api(
    connection: &Connection,
    kind: ExportKind,
    window: &Window,
    sink: &mut Sink,
) -> anyhow::Result<()> {
    let client = &connection.client;
    match kind {
        ExportKind::Fills => {
            let mut list = client.get_fills().limit(1000);
            if let Some(t) = window.min_ts() {
                list = list.min_ts(t);
            }
            if let Some(t) = window.max_ts() {
                list = list.max_ts(t);
            }
            for fill in list.iter() {
                let record = FillRecord::from(fill?);
                if window.contains(record.ts_utc) {
                    sink.write(&record)?;
                }
            }
        }
        ExportKind::Settlements => {
            let mut list = client.get_settlements().limit(1000);
            if let Some(t) = window.min_ts() {
                list = list.min_ts(t);
            }
            if let Some(t) = window.max_ts() {
                list = list.max_ts(t);
            }
            for settlement in list.iter() {
                let record = SettlementRecord::from(settlement?);
                if window.contains(Some(record.settled_utc)) {
                    sink.write(&record)?;
                }
            }
        }
        ExportKind::Orders => {
            let mut list = client.get_orders().limit(1000);
            if let Some(t) = window.min_ts() {
                list = list.min_ts(t);
            }
            if let Some(t) = window.max_ts() {
                list = list.max_ts(t);
            }
            for order in list.iter() {
                let record = OrderRecord::from(order?);
                if window.contains(record.created_utc) {
                    sink.write(&record)?;
                }
            }
        }
        ExportKind::Positions => {
            let list = client
                .get_positions()
                .settlement_status(GetPositionsSettlementStatus::All)
                .limit(1000);
            for position in list.iter() {
                sink.write(&PositionRecord::from(position?))?;
            }
        }
    }
    Ok(())
}
