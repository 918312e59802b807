//! Late executions in the chaos test: counting what each call's late requests did,
//! and checking that every order a late create placed reached the caller.

use std::collections::HashSet;

use kalshi_portfolio::sandbox::{LateExecution, Sandbox};

use super::faults::Release;
use super::stats::Stats;

/// What one call's late requests had done when it returned.
pub struct LateCall {
    pub release: Option<Release>,
    /// Late executions before the call returned.
    pub during: usize,
    /// Requests still held when it returned.
    pub held_at_return: usize,
}

/// Order ids of one create call's orders: those its answer reported, and those the
/// caller's resolve step recovered.
#[derive(Default)]
pub struct Learned {
    pub reported: HashSet<String>,
    pub recovered: HashSet<String>,
}

/// Which write a late request was.
pub fn late_operation(late: &LateExecution) -> &'static str {
    let path = late.path.as_str();
    match late.method.as_str() {
        "POST" if path.ends_with("/batched") => "batch_create",
        "DELETE" if path.ends_with("/batched") => "batch_cancel",
        "POST" if path.ends_with("/amend") => "amend",
        "POST" if path.ends_with("/decrease") => "decrease",
        "POST" => "create",
        _ => "cancel",
    }
}

/// The order ids a late create or batch create placed.
pub fn placed_late(late: &LateExecution) -> Vec<String> {
    if !(200..300).contains(&late.status) {
        return Vec::new();
    }
    let one = |value: &serde_json::Value| value["order_id"].as_str().map(str::to_string);
    match late_operation(late) {
        "create" => one(&late.body).into_iter().collect(),
        "batch_create" => late.body["orders"]
            .as_array()
            .map(|items| items.iter().filter_map(one).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Release what the call's faults still hold (due `AfterSettle`), count every late
/// execution of the call, and check that each order a late create placed reached the
/// caller: through the call's answer or the resolve step. Returns how many requests
/// ran after the caller settled, so the caller checks its view again.
pub fn settle_late(
    sandbox: &Sandbox,
    stats: &mut Stats,
    context: &str,
    late: &LateCall,
    learned: &Learned,
) -> usize {
    let after_settle = sandbox.release_late().len();
    let executions = sandbox.late_executions();
    stats.late_during_call += late.during as u64;
    stats.late_after_call += (executions.len() - late.during - after_settle) as u64;
    stats.late_after_settle += after_settle as u64;
    for execution in &executions {
        *stats
            .late_by_operation
            .entry(late_operation(execution))
            .or_default() += 1;
        if (200..300).contains(&execution.status) {
            stats.late_applied += 1;
        } else {
            stats.late_refused += 1;
        }
        for order_id in placed_late(execution) {
            stats.late_creates_applied += 1;
            if learned.reported.contains(&order_id) {
                stats.late_creates_reported += 1;
            } else if learned.recovered.contains(&order_id) {
                stats.late_creates_recovered += 1;
            } else {
                stats.fail(
                    |s| &mut s.late_unaccounted,
                    format!(
                        "{context}: a late {} placed {order_id}, which the caller never \
                         learned of ({:?})",
                        late_operation(execution),
                        late.release
                    ),
                );
            }
        }
    }
    after_settle
}
