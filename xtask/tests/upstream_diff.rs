//! `spec diff` between the real upstream versions in `../shared`, in both
//! directions, and the committed sample report (skipped when absent).

mod common;

use std::fs;

use xtask::spec::diff::{self, Change, Kind, Report, Section};
use xtask::spec::rules::Rule;

const V2_0_0: &str = "kalshi-openapi-2.0.0-2025-11-02.yaml";
const V3_34_0: &str = "kalshi-openapi-3.34.0-assembled.yaml";
const SAMPLE: &str = "openapi/samples/diff-2.0.0-to-3.34.0.md";

/// The six V1 order writes of 2.0.0, gone by 3.22.
const V1_WRITES: [&str; 6] = [
    "POST /portfolio/orders",
    "POST /portfolio/orders/batched",
    "DELETE /portfolio/orders/batched",
    "DELETE /portfolio/orders/{order_id}",
    "POST /portfolio/orders/{order_id}/amend",
    "POST /portfolio/orders/{order_id}/decrease",
];

/// Their V2 replacements, under /portfolio/events/orders.
const V2_WRITES: [&str; 6] = [
    "POST /portfolio/events/orders",
    "POST /portfolio/events/orders/batched",
    "DELETE /portfolio/events/orders/batched",
    "DELETE /portfolio/events/orders/{order_id}",
    "POST /portfolio/events/orders/{order_id}/amend",
    "POST /portfolio/events/orders/{order_id}/decrease",
];

fn report(old: (&[u8], &str), new_file: &str) -> Option<Report> {
    let new_path = common::shared_spec(new_file)?;
    let new = fs::read(new_path).unwrap();
    let tolerances = xtask::spec::Tolerances::checked_in().unwrap();
    let extra = xtask::spec::ExtraPaths::checked_in().unwrap();
    // The retained fields belong to the vendored file; an upstream base has none.
    let retained = if old.1 == xtask::spec::DEFAULT_OUT {
        xtask::spec::Retained::checked_in().unwrap()
    } else {
        xtask::spec::Retained::none()
    };
    Some(diff::diff_inputs(old.0, old.1, &new, new_file, &tolerances, &extra, &retained).unwrap())
}

fn find<'r>(
    report: &'r Report,
    section: Section,
    subject: &str,
    at: &str,
    kind: Kind,
) -> &'r Change {
    report
        .changes
        .iter()
        .find(|c| c.section == section && c.subject == subject && c.at == at && c.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} for {subject} {at}"))
}

#[test]
fn vendored_to_2_0_0_lists_v1_operations_and_cent_fields() {
    // The check: `cargo xtask spec diff <2.0.0>` with the vendored
    // 3.34.0 as the old side.
    let vendored = fs::read(xtask::spec::workspace_root().join(xtask::spec::DEFAULT_OUT)).unwrap();
    let Some(report) = report((&vendored, "openapi/portfolio.yaml"), V2_0_0) else {
        return;
    };
    for op in V1_WRITES {
        let change = find(&report, Section::Operations, op, "", Kind::OperationAdded);
        assert!(!change.breaking(), "{change:?}");
    }
    for op in V2_WRITES {
        let change = find(&report, Section::Operations, op, "", Kind::OperationRemoved);
        assert!(change.breaking(), "{change:?}");
    }
    // Integer cents come back as additions; the fixed-point fields the
    // client decodes (required in 3.34.0) go, and that breaks it.
    for (schema, cents) in [
        ("Fill", "yes_price"),
        ("Order", "taker_fees"),
        ("MarketPosition", "realized_pnl"),
    ] {
        let change = find(&report, Section::Schemas, schema, cents, Kind::FieldAdded);
        assert!(!change.breaking(), "{change:?}");
    }
    for (schema, fixed) in [
        ("Fill", "yes_price_dollars"),
        ("Fill", "count_fp"),
        ("Order", "fill_count_fp"),
    ] {
        let change = find(&report, Section::Schemas, schema, fixed, Kind::FieldRemoved);
        assert_eq!(
            change.rule,
            Rule::RequiredResponseFieldRemoved,
            "{change:?}"
        );
    }
}

#[test]
fn from_2_0_0_to_3_34_0_reads_the_other_way_round() {
    let Some(base) = common::shared_spec(V2_0_0) else {
        return;
    };
    let old = fs::read(base).unwrap();
    let Some(report) = report((&old, V2_0_0), V3_34_0) else {
        return;
    };
    for op in V1_WRITES {
        assert!(find(&report, Section::Operations, op, "", Kind::OperationRemoved).breaking());
    }
    for op in V2_WRITES {
        assert!(!find(&report, Section::Operations, op, "", Kind::OperationAdded).breaking());
    }
    let change = find(
        &report,
        Section::Schemas,
        "Fill",
        "yes_price_dollars",
        Kind::FieldAdded,
    );
    assert_eq!(change.rule, Rule::RequiredResponseFieldAdded);
    let change = find(
        &report,
        Section::Schemas,
        "Fill",
        "yes_price",
        Kind::FieldRemoved,
    );
    assert_eq!(change.rule, Rule::OptionalResponseFieldRemoved);
    // `string` to `FixedPointDollars` (a string): same wire, new Rust type.
    let change = find(
        &report,
        Section::Schemas,
        "MarketPosition",
        "fees_paid_dollars",
        Kind::TypeChanged,
    );
    assert_eq!(change.rule, Rule::TypeRenamed);
}

#[test]
fn committed_sample_is_current() {
    let (Some(base), Some(_)) = (common::shared_spec(V2_0_0), common::shared_spec(V3_34_0)) else {
        return;
    };
    let old = fs::read(base).unwrap();
    let Some(report) = report((&old, V2_0_0), V3_34_0) else {
        return;
    };
    let path = xtask::spec::workspace_root().join(SAMPLE);
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == diff::render_markdown(&report),
        "{SAMPLE} is stale: regenerate it with `cargo xtask spec diff --base ../shared/kalshi-openapi/{V2_0_0} ../shared/kalshi-openapi/{V3_34_0} > {SAMPLE}`"
    );
}
