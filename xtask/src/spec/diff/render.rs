//! Printing a [`Report`]: Markdown for people, JSON for machines.

use std::collections::BTreeSet;

use serde_json::json;

use super::{Change, Facade, Kind, Report, Section, Side};

/// One change as a sentence fragment, without the verdict.
pub fn describe(change: &Change) -> String {
    let at = if change.at.is_empty() {
        String::new()
    } else {
        format!("`{}`: ", change.at)
    };
    let name = format!("`{}`", change.at);
    let old = change.old.as_deref().unwrap_or("");
    let new = change.new.as_deref().unwrap_or("");
    match change.kind {
        Kind::OperationAdded => "operation added".to_owned(),
        Kind::OperationRemoved => "operation removed".to_owned(),
        Kind::OperationIdChanged => format!("operationId `{old}` → `{new}`"),
        Kind::DeprecatedChanged => format!("deprecated {old} → {new}"),
        Kind::ParameterAdded => format!("parameter {name} added ({new})"),
        Kind::ParameterRemoved => format!("parameter {name} removed (was {old})"),
        Kind::RequestBodyAdded => format!("request body added ({new})"),
        Kind::RequestBodyRemoved => format!("request body removed (was {old})"),
        Kind::SuccessStatusChanged => format!("success status `{old}` → `{new}`"),
        Kind::ResponseBodyAdded => format!("{at}body added (`{new}`)"),
        Kind::ResponseBodyRemoved => format!("{at}body removed (was `{old}`)"),
        Kind::ErrorResponseAdded => format!("{at}declared (`{new}`)"),
        Kind::ErrorResponseRemoved => format!("{at}no longer declared (was `{old}`)"),
        Kind::SchemaAdded => format!("schema added (`{new}`)"),
        Kind::SchemaRemoved => format!("schema removed (was `{old}`)"),
        Kind::FieldAdded => format!("field {name} added ({new})"),
        Kind::FieldRemoved => format!("field {name} removed (was {old})"),
        Kind::RequiredChanged => format!("{at}{old} → {new}"),
        Kind::TypeChanged => format!("{at}type `{old}` → `{new}`"),
        Kind::EnumValueAdded => format!("{at}enum value `{new}` added"),
        Kind::EnumValueRemoved => format!("{at}enum value `{old}` removed"),
        Kind::EnumIntroduced => format!("{at}now restricted to the enum `{new}`"),
        Kind::EnumDropped => format!("{at}no longer restricted to the enum `{old}`"),
        Kind::NullableChanged => format!("{at}nullable {old} → {new}"),
        Kind::MediaTypeAdded => format!("{at}media type `{new}` added"),
        Kind::MediaTypeRemoved => format!("{at}media type `{old}` removed"),
        Kind::ConstraintChanged => format!(
            "{at}constraint `{}` → `{}`",
            if old.is_empty() { "none" } else { old },
            if new.is_empty() { "none" } else { new }
        ),
    }
}

/// The report as Markdown: a header, then operations (removed, added,
/// changed) and schemas (changed, removed, added), breaking changes first in
/// each group.
pub fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    let breaking = report.breaking_count();
    out.push_str(&format!(
        "# Spec changes: {} → {}\n\n",
        report.old.version, report.new.version
    ));
    out.push_str(&format!(
        "- old: `{}`, version {} (the side a client is built from)\n",
        report.old.source, report.old.version
    ));
    out.push_str(&format!(
        "- new: `{}`, version {}, cut to `/portfolio` and the extra paths like `spec import`\n",
        report.new.source, report.new.version
    ));
    out.push_str(&format!(
        "- **{} change{}, {} breaking for this client** (rules: openapi/README.md, \"Breaking changes\")\n",
        report.changes.len(),
        if report.changes.len() == 1 { "" } else { "s" },
        breaking
    ));
    for warning in &report.warnings {
        out.push_str(&format!("- **warning:** {warning}\n"));
    }
    if !report.changes.is_empty() {
        out.push_str(
            "\n| section | removed | added | changed | breaking |\n|---|---:|---:|---:|---:|\n",
        );
        for (section, removed, added) in [
            (
                Section::Operations,
                Kind::OperationRemoved,
                Kind::OperationAdded,
            ),
            (Section::Schemas, Kind::SchemaRemoved, Kind::SchemaAdded),
        ] {
            let in_section = || report.changes.iter().filter(move |c| c.section == section);
            let count = |kind: Kind| in_section().filter(|c| c.kind == kind).count();
            let changed: BTreeSet<&str> = in_section()
                .filter(|c| c.kind != removed && c.kind != added)
                .map(|c| c.subject.as_str())
                .collect();
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                section.name(),
                count(removed),
                count(added),
                changed.len(),
                in_section().filter(|c| c.breaking()).count()
            ));
        }
    }
    if report.changes.is_empty() {
        out.push_str("\nNo changes to operations or schemas.\n");
        return out;
    }

    let ops: Vec<&Change> = report
        .changes
        .iter()
        .filter(|c| c.section == Section::Operations)
        .collect();
    let schemas: Vec<&Change> = report
        .changes
        .iter()
        .filter(|c| c.section == Section::Schemas)
        .collect();

    if !ops.is_empty() {
        out.push_str("\n## Operations\n");
        let whole = |kind: Kind| -> Vec<&Change> {
            ops.iter().copied().filter(|c| c.kind == kind).collect()
        };
        for (title, kind) in [
            ("Removed", Kind::OperationRemoved),
            ("Added", Kind::OperationAdded),
        ] {
            let list = whole(kind);
            if list.is_empty() {
                continue;
            }
            out.push_str(&format!("\n### {title} ({})\n\n", list.len()));
            for change in list {
                out.push_str(&format!(
                    "- {}`{}`{}{}\n",
                    verdict(change),
                    change.subject,
                    change
                        .operation_id
                        .as_deref()
                        .map(|id| format!(" ({id})"))
                        .unwrap_or_default(),
                    reason(change)
                ));
            }
        }
        let changed: Vec<&Change> = ops
            .iter()
            .copied()
            .filter(|c| !matches!(c.kind, Kind::OperationAdded | Kind::OperationRemoved))
            .collect();
        if !changed.is_empty() {
            out.push_str("\n### Changed\n");
            for (subject, list) in grouped(&changed) {
                let id = list
                    .first()
                    .and_then(|c| c.operation_id.as_deref())
                    .map(|id| format!(" ({id})"))
                    .unwrap_or_default();
                out.push_str(&format!("\n#### `{subject}`{id}\n\n"));
                push_items(&mut out, &list);
            }
        }
    }

    if !schemas.is_empty() {
        out.push_str("\n## Schemas\n");
        let changed: Vec<&Change> = schemas
            .iter()
            .copied()
            .filter(|c| !matches!(c.kind, Kind::SchemaAdded | Kind::SchemaRemoved))
            .collect();
        if !changed.is_empty() {
            out.push_str("\n### Changed\n");
            for (subject, list) in grouped(&changed) {
                let usage = list.first().map_or("", |c| c.usage.describe());
                out.push_str(&format!("\n#### `{subject}` ({usage})\n\n"));
                push_items(&mut out, &list);
            }
        }
        for (title, kind) in [
            ("Removed", Kind::SchemaRemoved),
            ("Added", Kind::SchemaAdded),
        ] {
            let list: Vec<&Change> = schemas.iter().copied().filter(|c| c.kind == kind).collect();
            if list.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "\n### {title} ({}; each is judged where it is used)\n\n",
                list.len()
            ));
            let names: Vec<String> = list
                .iter()
                .map(|c| format!("`{}` ({})", c.subject, c.usage.describe()))
                .collect();
            out.push_str(&names.join(", "));
            out.push('\n');
        }
    }
    out
}

/// Changes grouped by subject, in first-seen order.
fn grouped<'c>(changes: &[&'c Change]) -> Vec<(String, Vec<&'c Change>)> {
    let mut groups: Vec<(String, Vec<&Change>)> = Vec::new();
    for change in changes {
        match groups.iter_mut().find(|(s, _)| *s == change.subject) {
            Some((_, list)) => list.push(change),
            None => groups.push((change.subject.clone(), vec![change])),
        }
    }
    groups
}

/// Breaking changes first, otherwise in the order found.
fn push_items(out: &mut String, list: &[&Change]) {
    let ordered = list
        .iter()
        .filter(|c| c.breaking())
        .chain(list.iter().filter(|c| !c.breaking()));
    for change in ordered {
        out.push_str(&format!(
            "- {}{}{}\n",
            verdict(change),
            describe(change),
            reason(change)
        ));
    }
}

fn verdict(change: &Change) -> &'static str {
    if change.breaking() {
        "**BREAKING** "
    } else {
        ""
    }
}

fn reason(change: &Change) -> String {
    let mut reason = format!(" — {}", change.rule.why());
    match &change.facade {
        Facade::NotJudged => {}
        Facade::Uses(uses) => {
            reason.push_str(&format!("; handwritten code uses {}", uses.join("; ")));
        }
        Facade::Unused => {
            reason.push_str("; not breaking here: no handwritten code uses what it changes");
            if change.breaks_released_crate() {
                reason.push_str(
                    ", but the released crate's decoder still expects the old form and fails \
                     on it against a server on the new version until this import ships",
                );
            }
        }
    }
    reason
}

/// The report as JSON. The shape is stable (`format_version` changes if it
/// ever must): `old`/`new` sides, a summary, and one object per change with
/// `section`, `subject`, `operation_id`, `at`, `kind`, `old`, `new`,
/// `usage`, `breaking`, `rule`, `facade_uses` (the handwritten uses that
/// make it breaking; empty when not breaking), `breaks_released_crate`;
/// and `warnings`, one string per tolerance
/// that did not apply to the new side.
pub fn to_json(report: &Report) -> serde_json::Value {
    let side = |s: &Side| json!({ "source": s.source, "version": s.version });
    let changes: Vec<serde_json::Value> = report
        .changes
        .iter()
        .map(|c| {
            let mut usage = Vec::new();
            if c.usage.request {
                usage.push("request");
            }
            if c.usage.response {
                usage.push("response");
            }
            json!({
                "section": c.section.name(),
                "subject": c.subject,
                "operation_id": c.operation_id,
                "at": c.at,
                "kind": c.kind.name(),
                "old": c.old,
                "new": c.new,
                "usage": usage,
                "breaking": c.breaking(),
                "rule": c.rule.name(),
                "facade_uses": match &c.facade {
                    Facade::Uses(uses) => uses.clone(),
                    Facade::NotJudged | Facade::Unused => Vec::new(),
                },
                "breaks_released_crate": c.breaks_released_crate(),
            })
        })
        .collect();
    json!({
        "format_version": 1,
        "old": side(&report.old),
        "new": side(&report.new),
        "warnings": report.warnings,
        "summary": {
            "changes": report.changes.len(),
            "breaking": report.breaking_count(),
        },
        "changes": changes,
    })
}
