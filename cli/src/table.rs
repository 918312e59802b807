//! Rows out: an aligned table for a person, or JSON lines for a pipe. Both come from
//! the same `Serialize` record, so the two never disagree on a value.

use std::io::Write;

use serde::Serialize;
use serde_json::Value;

/// Collects rows, then prints them as a table (columns chosen by the caller) or as
/// JSON lines (every field).
pub struct Rows {
    json: bool,
    columns: &'static [&'static str],
    rows: Vec<Vec<String>>,
    out: std::io::StdoutLock<'static>,
}

impl Rows {
    /// Start; `columns` are the record fields the table shows, in order.
    pub fn new(json: bool, columns: &'static [&'static str]) -> Rows {
        Rows {
            json,
            columns,
            rows: Vec::new(),
            out: std::io::stdout().lock(),
        }
    }

    /// Add one record: written at once as JSON, or kept for the table.
    pub fn push(&mut self, record: &impl Serialize) -> anyhow::Result<()> {
        if self.json {
            serde_json::to_writer(&mut self.out, record)?;
            self.out.write_all(b"\n")?;
            return Ok(());
        }
        let value = serde_json::to_value(record)?;
        let row = self
            .columns
            .iter()
            .map(|column| cell(value.get(*column)))
            .collect();
        self.rows.push(row);
        Ok(())
    }

    /// Print the table (nothing more for JSON lines).
    pub fn finish(mut self) -> anyhow::Result<()> {
        if !self.json {
            let header: Vec<String> = self.columns.iter().map(|c| c.to_string()).collect();
            let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
            for row in &self.rows {
                for (width, text) in widths.iter_mut().zip(row) {
                    *width = (*width).max(text.chars().count());
                }
            }
            write_row(&mut self.out, &header, &widths)?;
            for row in &self.rows {
                write_row(&mut self.out, row, &widths)?;
            }
            if self.rows.is_empty() {
                writeln!(self.out, "(none)")?;
            }
        }
        self.out.flush()?;
        Ok(())
    }
}

fn write_row(out: &mut impl Write, row: &[String], widths: &[usize]) -> std::io::Result<()> {
    let mut line = String::new();
    for (i, (text, width)) in row.iter().zip(widths).enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        line.push_str(text);
        if i + 1 < row.len() {
            line.extend(std::iter::repeat_n(' ', width - text.chars().count()));
        }
    }
    writeln!(out, "{line}")
}

/// A JSON value as table text: strings bare, null empty.
pub fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}
