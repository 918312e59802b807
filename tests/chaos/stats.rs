//! The chaos test's figures: what ran, what fired, and every failure, printed as one
//! summary line.

use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Default)]
pub struct Stats {
    pub trials: u64,
    pub operations: BTreeMap<&'static str, u64>,
    pub faults: BTreeMap<&'static str, u64>,
    pub write_requests: u64,
    pub logical_writes: u64,
    pub max_requests_per_call: usize,
    /// Creates answered Ok after the client looked the order up.
    pub found_by_client_lookup: u64,
    /// Creates that failed with `may_have_reached_exchange()`, resolved by the test.
    pub ambiguous_creates: u64,
    pub ambiguous_creates_placed: u64,
    /// Orders of batch creates that failed with `may_have_reached_exchange()`: the
    /// client does not look them up, the test does.
    pub ambiguous_batch_items: u64,
    pub ambiguous_batch_items_placed: u64,
    /// Creates that failed although certainly not sent.
    pub unsent_creates: u64,
    /// Batch-create items refused as duplicates of an earlier attempt.
    pub batch_duplicate_items: u64,
    /// Batch-cancel items refused as not resting after an earlier attempt cancelled them.
    pub batch_cancel_refused_after_retry: u64,
    /// Items of batch cancels that failed as a whole whose order the client found not
    /// cancelled (`NOT_CANCELLED`).
    pub batch_cancel_items_not_cancelled: u64,
    /// Cancels and reduce_to decreases reported done after the client read the order.
    pub already_applied: u64,
    /// Amends whose answer the client completed or settled by reading the order.
    pub amends_read_back: u64,
    /// Cancels and batch-cancel items recovered that way whose `reduced_by`
    /// (initial − filled) exceeds the count that actually rested.
    pub reduced_by_overstated: u64,
    /// Order calls that failed, after which the caller re-read the order.
    pub resyncs: u64,
    /// Failed amends, `reduce_to`s and cancels (single or batch items) the caller sent
    /// again as the README recommends before reading the order.
    pub resent_writes: u64,
    /// Creates that failed with `Error::OutcomeUnknown`, settled by `resolve_create`
    /// (the order existed already / was placed by it); batch orders included.
    pub resolved_found: u64,
    pub resolved_placed: u64,
    /// Orders of batch creates answered `NOT_PLACED`, sent again with their id.
    pub not_placed_resent: u64,
    /// Requests the client gave up on that the sandbox executed afterwards: in all,
    /// by operation, and when (during the call, after it returned, after the caller
    /// settled its view); answered 2xx (applied) or refused.
    pub late_by_operation: BTreeMap<&'static str, u64>,
    pub late_during_call: u64,
    pub late_after_call: u64,
    pub late_after_settle: u64,
    pub late_applied: u64,
    pub late_refused: u64,
    /// Orders placed by a late create (single or batch item): reported by the call
    /// itself, or recovered by the resolve step (`resolve_create`, or the re-send of
    /// a `NOT_PLACED` item).
    pub late_creates_applied: u64,
    pub late_creates_reported: u64,
    pub late_creates_recovered: u64,
    /// Late `reduce_by`s (never safe to repeat, so no recipe can settle them):
    /// released before the caller read the order.
    pub late_reduce_by: u64,
    /// Orders placed by a late create that neither the call nor the resolve step
    /// reported.
    pub late_unaccounted: u64,
    pub duplicates: u64,
    pub losses: u64,
    pub mismatches: u64,
    pub retry_rule_violations: u64,
    pub failures: Vec<String>,
}

impl Stats {
    pub fn fail(&mut self, counter: fn(&mut Stats) -> &mut u64, message: String) {
        *counter(self) += 1;
        if self.failures.len() < 50 {
            self.failures.push(message);
        }
    }

    pub fn mismatch(&mut self, message: String) {
        self.fail(|s| &mut s.mismatches, message);
    }

    pub fn summary(&self, seed: u64, elapsed: Duration) -> String {
        let total: u64 = self.operations.values().sum();
        let ops: Vec<String> = self
            .operations
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let faults: Vec<String> = self
            .faults
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let late: Vec<String> = self
            .late_by_operation
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        format!(
            "chaos: seed={seed} trials={} operations={total} ({}) faults: {} (total {}); \
             write requests {} for {} calls = {} retries (max {} per call); \
             creates found by the client's lookup {}; ambiguous create errors resolved by \
             lookup {} (placed {}); orders of failed batch creates resolved by lookup {} \
             (placed {}); unsent create errors {}; batch duplicate items {}; \
             batch cancel items refused after retry {}; items of failed batch cancels \
             not cancelled {}; already-applied cancel/decrease {} \
             (reduced_by overstated {}); amends read back {}; resyncs after errors {}; \
             writes re-sent after errors {}; late executions {} ({}; during the call {}, \
             after it while the caller settled {}, after the caller settled {}; applied {}, \
             refused {}); orders \
             placed late {} (reported by the call {}, recovered by the resolve step {}, \
             unaccounted {}); late reduce_by {}; resolve_create found {} placed {}; \
             NOT_PLACED items re-sent {}; \
             duplicates={} losses={} mismatches={} retry_rule_violations={} in {:.1}s",
            self.trials,
            ops.join(", "),
            faults.join(", "),
            self.faults.values().sum::<u64>(),
            self.write_requests,
            self.logical_writes,
            self.write_requests - self.logical_writes,
            self.max_requests_per_call,
            self.found_by_client_lookup,
            self.ambiguous_creates,
            self.ambiguous_creates_placed,
            self.ambiguous_batch_items,
            self.ambiguous_batch_items_placed,
            self.unsent_creates,
            self.batch_duplicate_items,
            self.batch_cancel_refused_after_retry,
            self.batch_cancel_items_not_cancelled,
            self.already_applied,
            self.reduced_by_overstated,
            self.amends_read_back,
            self.resyncs,
            self.resent_writes,
            self.late_by_operation.values().sum::<u64>(),
            late.join(", "),
            self.late_during_call,
            self.late_after_call,
            self.late_after_settle,
            self.late_applied,
            self.late_refused,
            self.late_creates_applied,
            self.late_creates_reported,
            self.late_creates_recovered,
            self.late_unaccounted,
            self.late_reduce_by,
            self.resolved_found,
            self.resolved_placed,
            self.not_placed_resent,
            self.duplicates,
            self.losses,
            self.mismatches,
            self.retry_rule_violations,
            elapsed.as_secs_f64(),
        )
    }
}
