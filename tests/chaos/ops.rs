//! The chaos test's operations: each write call under its fault script, and how the
//! caller settles its view afterwards, following the README's recipes.

use std::collections::HashMap;

use kalshi_portfolio::sandbox::{JournalEntry, Sandbox};
use kalshi_portfolio::types::OrderStatus;
use kalshi_portfolio::{AmendOrder, Client, Count, DecreaseOrder, Error, NewOrder};

use super::faults::{
    is_order_list, is_order_read, is_write, predicted_attempts, random_script, release_of,
    FaultSpec, Release, MAX,
};
use super::late::{settle_late, LateCall, Learned};
use super::stats::Stats;
use super::view::{
    belief, check_order, find_by_client_id, random_order, resync, track_found, Belief, Tracked,
    Trial,
};

/// One logical call under a fault script: inject, run, read the journal, check the
/// number of requests against the retry rules, and count what fired. Late requests
/// due `AfterCall` run as it returns; the others stay held for their request or for
/// [`settle_late`].
pub fn under_faults<T>(
    sandbox: &Sandbox,
    stats: &mut Stats,
    context: &str,
    script: &[FaultSpec],
    (idempotent, max_attempts): (bool, usize),
    call: impl FnOnce() -> T,
) -> (T, Vec<JournalEntry>, LateCall) {
    sandbox.clear_faults();
    sandbox.clear_journal();
    sandbox.clear_late_executions();
    assert_eq!(
        sandbox.held_late(),
        0,
        "{context}: a late request left held"
    );
    for fault in script {
        sandbox.inject(fault.fault());
    }
    let outcome = call();
    let journal = sandbox.journal();
    sandbox.clear_faults();
    let late = LateCall {
        release: release_of(script),
        during: sandbox.late_executions().len(),
        held_at_return: sandbox.held_late(),
    };
    if late.release == Some(Release::AfterCall) {
        sandbox.release_late();
    }
    let writes = journal.iter().filter(|e| is_write(e)).count();
    let expected = predicted_attempts(script, idempotent, max_attempts);
    if writes != expected {
        stats.fail(
            |s| &mut s.retry_rule_violations,
            format!("{context}: {writes} write requests, expected {expected} for {script:?}"),
        );
    }
    for fault in &script[..writes.min(script.len())] {
        *stats.faults.entry(fault.label()).or_default() += 1;
    }
    stats.write_requests += writes as u64;
    stats.logical_writes += 1;
    stats.max_requests_per_call = stats.max_requests_per_call.max(writes);
    (outcome, journal, late)
}

/// A create that failed without an unknown outcome: certainly unsent (must not
/// exist), or ambiguous (looked up by the test).
pub fn settle_failed_create(
    client: &Client,
    stats: &mut Stats,
    trial: &mut Trial,
    (client_order_id, ticker, bid): (&str, &str, bool),
    may_have_reached_exchange: bool,
    batch: bool,
) {
    if !may_have_reached_exchange {
        stats.unsent_creates += 1;
        trial.absent.push(client_order_id.to_string());
        return;
    }
    if batch {
        stats.ambiguous_batch_items += 1;
    } else {
        stats.ambiguous_creates += 1;
    }
    match find_by_client_id(client, ticker, client_order_id) {
        Some(order) => {
            if batch {
                stats.ambiguous_batch_items_placed += 1;
            } else {
                stats.ambiguous_creates_placed += 1;
            }
            trial.placed.push(track_found(&order, bid));
        }
        None => trial.absent.push(client_order_id.to_string()),
    }
}

/// The README's recipe for a create that failed with `Error::OutcomeUnknown`:
/// `resolve_create`, which finds the order or places it with the same id. Before it,
/// an order that already exists although nothing was held when the call returned is
/// a lookup the client missed (`ambiguous_creates_placed` must stay 0).
#[allow(clippy::too_many_arguments)]
pub fn resolve_unknown_create(
    client: &Client,
    stats: &mut Stats,
    trial: &mut Trial,
    learned: &mut Learned,
    context: &str,
    (order, client_order_id, ticker, bid): (&NewOrder, &str, &str, bool),
    error: &Error,
    late: &LateCall,
) {
    let existed = find_by_client_id(client, ticker, client_order_id);
    if existed.is_some() && late.held_at_return == 0 {
        stats.ambiguous_creates_placed += 1;
    }
    match client.resolve_create(order, error) {
        Ok(placed) => {
            if existed.is_some() {
                stats.resolved_found += 1;
            } else {
                stats.resolved_placed += 1;
            }
            learned.recovered.insert(placed.order_id.clone());
            let tracked = Tracked {
                client_order_id: client_order_id.to_string(),
                order_id: placed.order_id,
                ticker: ticker.to_string(),
                bid,
                filled: placed.fill_count.as_hundredths(),
                belief: belief(placed.remaining_count),
            };
            check_order(client, stats, context, &tracked);
            trial.placed.push(tracked);
        }
        Err(resolve) => {
            stats.fail(
                |s| &mut s.losses,
                format!("{context}: resolve_create of {client_order_id} failed: {resolve}"),
            );
            match find_by_client_id(client, ticker, client_order_id) {
                Some(order) => trial.placed.push(track_found(&order, bid)),
                None => trial.absent.push(client_order_id.to_string()),
            }
        }
    }
}

/// After a late request ran once the caller had settled its view, the orders it may
/// have touched must still be what the caller believes.
pub fn recheck(
    client: &Client,
    stats: &mut Stats,
    context: &str,
    trial: &Trial,
    indexes: &[usize],
) {
    for &index in indexes {
        let context = format!("{context} (after a late execution)");
        check_order(client, stats, &context, &trial.placed[index]);
    }
}

pub fn op_create(
    sandbox: &Sandbox,
    client: &Client,
    rng: &mut fastrand::Rng,
    stats: &mut Stats,
    trial: &mut Trial,
    context: &str,
) {
    let (order, client_order_id, ticker, bid) = random_order(rng, trial);
    let script = random_script(rng);
    let (caller, max) = trial.creating_client(rng, client);
    let (result, journal, late) =
        under_faults(sandbox, stats, context, &script, (true, max), || {
            caller.create_order(&order)
        });
    let mut learned = Learned::default();
    match result {
        Ok(placed) => {
            if journal.iter().any(is_order_list) {
                stats.found_by_client_lookup += 1;
            }
            if placed.client_order_id.as_deref() != Some(client_order_id.as_str()) {
                stats.mismatch(format!(
                    "{context}: create answered client id {:?}, sent {client_order_id}",
                    placed.client_order_id
                ));
            }
            learned.reported.insert(placed.order_id.clone());
            let tracked = Tracked {
                client_order_id,
                order_id: placed.order_id,
                ticker,
                bid,
                filled: placed.fill_count.as_hundredths(),
                belief: belief(placed.remaining_count),
            };
            check_order(client, stats, context, &tracked);
            trial.placed.push(tracked);
        }
        Err(error @ Error::OutcomeUnknown { .. }) => resolve_unknown_create(
            client,
            stats,
            trial,
            &mut learned,
            context,
            (&order, &client_order_id, &ticker, bid),
            &error,
            &late,
        ),
        Err(error) => {
            let reached = error.may_have_reached_exchange();
            settle_failed_create(
                client,
                stats,
                trial,
                (&client_order_id, &ticker, bid),
                reached,
                false,
            );
        }
    }
    settle_late(sandbox, stats, context, &late, &learned);
    // A late create after the caller settled is refused as a duplicate; the trial's
    // reconcile lists every order and finds any that was not.
}

pub fn op_batch_create(
    sandbox: &Sandbox,
    client: &Client,
    rng: &mut fastrand::Rng,
    stats: &mut Stats,
    trial: &mut Trial,
    context: &str,
) {
    let orders: Vec<_> = (0..rng.usize(2..=4))
        .map(|_| random_order(rng, trial))
        .collect();
    let requests: Vec<NewOrder> = orders.iter().map(|(order, ..)| order.clone()).collect();
    let script = random_script(rng);
    let (caller, max) = trial.creating_client(rng, client);
    let (result, journal, late) =
        under_faults(sandbox, stats, context, &script, (true, max), || {
            caller.batch_create_orders(&requests)
        });
    let retried = journal.iter().filter(|e| is_write(e)).count() > 1;
    let mut learned = Learned::default();
    match result {
        Ok(items) => {
            if items.len() != orders.len() {
                stats.mismatch(format!(
                    "{context}: {} answers for {} orders",
                    items.len(),
                    orders.len()
                ));
                sandbox.release_late();
                return;
            }
            for ((order, client_order_id, ticker, bid), item) in orders.iter().zip(items) {
                if item.client_order_id.as_deref() != Some(client_order_id.as_str()) {
                    stats.mismatch(format!(
                        "{context}: item answered client id {:?}, sent {client_order_id}",
                        item.client_order_id
                    ));
                }
                match (&item.error, &item.order_id, &item.remaining_count) {
                    (None, Some(order_id), Some(remaining)) => {
                        learned.reported.insert(order_id.clone());
                        let tracked = Tracked {
                            client_order_id: client_order_id.clone(),
                            order_id: order_id.clone(),
                            ticker: ticker.clone(),
                            bid: *bid,
                            filled: item.fill_count.map_or(0, Count::as_hundredths),
                            belief: belief(*remaining),
                        };
                        check_order(client, stats, context, &tracked);
                        trial.placed.push(tracked);
                    }
                    (Some(error), ..) => {
                        let duplicate = error.code.as_deref() == Some("duplicate_client_order_id");
                        let not_placed =
                            error.code.as_deref() == Some(kalshi_portfolio::operations::NOT_PLACED);
                        if not_placed {
                            // The client looked the order up after a failed batch and
                            // did not find it; a request it gave up on may still place
                            // it. The recipe: send it again with the same id (placed
                            // now, or the late one's order returned), never twice.
                            stats.not_placed_resent += 1;
                            match client.create_order(order) {
                                Ok(placed) => {
                                    learned.recovered.insert(placed.order_id.clone());
                                    let tracked = Tracked {
                                        client_order_id: client_order_id.clone(),
                                        order_id: placed.order_id,
                                        ticker: ticker.clone(),
                                        bid: *bid,
                                        filled: placed.fill_count.as_hundredths(),
                                        belief: belief(placed.remaining_count),
                                    };
                                    check_order(client, stats, context, &tracked);
                                    trial.placed.push(tracked);
                                }
                                Err(error) => {
                                    stats.mismatch(format!(
                                        "{context}: {client_order_id} (not placed) sent \
                                         again: {error}"
                                    ));
                                    trial.absent.push(client_order_id.clone());
                                }
                            }
                        } else if duplicate && retried {
                            // The client looks refused items of a retried batch up
                            // itself; one still refused as a duplicate means its lookup
                            // missed, so check what the exchange holds.
                            stats.batch_duplicate_items += 1;
                            match find_by_client_id(client, ticker, client_order_id) {
                                Some(order) => trial.placed.push(track_found(&order, *bid)),
                                None => {
                                    stats.fail(
                                        |s| &mut s.losses,
                                        format!(
                                            "{context}: {client_order_id} refused as a \
                                             duplicate but not found"
                                        ),
                                    );
                                    trial.absent.push(client_order_id.clone());
                                }
                            }
                        } else {
                            stats.mismatch(format!(
                                "{context}: {client_order_id} refused: {error:?} (retried: \
                                 {retried})"
                            ));
                            trial.absent.push(client_order_id.clone());
                        }
                    }
                    _ => stats.mismatch(format!("{context}: incomplete item {item:?}")),
                }
            }
        }
        Err(error @ Error::OutcomeUnknown { .. }) => {
            // The README's recipe, order by order: each has its own id in the error.
            for (order, client_order_id, ticker, bid) in &orders {
                resolve_unknown_create(
                    client,
                    stats,
                    trial,
                    &mut learned,
                    context,
                    (order, client_order_id, ticker, *bid),
                    &error,
                    &late,
                );
            }
        }
        Err(error) => {
            let reached = error.may_have_reached_exchange();
            for (_, client_order_id, ticker, bid) in &orders {
                settle_failed_create(
                    client,
                    stats,
                    trial,
                    (client_order_id, ticker, *bid),
                    reached,
                    true,
                );
            }
        }
    }
    settle_late(sandbox, stats, context, &late, &learned);
}

/// The README's recipe after an amend, `reduce_to` or cancel fails: the request may
/// still execute, so send the same request again (each states its end state, so a
/// repeat is harmless) and read the order. A late copy then finds the order as it
/// asks and changes nothing, unless the caller changes the order first.
pub fn resend_then_resync(
    client: &Client,
    stats: &mut Stats,
    tracked: &mut Tracked,
    resend: impl FnOnce() -> bool,
) {
    stats.resent_writes += 1;
    let _ = resend();
    resync(client, stats, tracked);
}

pub fn op_amend(
    sandbox: &Sandbox,
    client: &Client,
    rng: &mut fastrand::Rng,
    stats: &mut Stats,
    trial: &mut Trial,
    context: &str,
) {
    let (index, tracked, _) = trial.pick_resting(rng);
    let cents = if tracked.bid {
        rng.i64(2..=45)
    } else {
        rng.i64(55..=98)
    };
    let total = tracked.filled + 100 * rng.i64(1..=10);
    let mut amend = AmendOrder::new(tracked.ticker.clone())
        .price(format!("0.{cents:02}"))
        .count(Count::from_hundredths(total));
    amend = if tracked.bid {
        amend.bid()
    } else {
        amend.ask()
    };
    let script = random_script(rng);
    let (result, journal, late) =
        under_faults(sandbox, stats, context, &script, (true, MAX), || {
            client.amend_order(&tracked.order_id, &amend)
        });
    let order = &mut trial.placed[index];
    match result {
        Ok(amended) => {
            if journal.iter().any(is_order_read) {
                // Completed or settled by the client's read (after a retry or a lost
                // answer): fills of a lost attempt are not in the answer, so the
                // caller reads the order's total.
                stats.amends_read_back += 1;
                order.filled = client
                    .get_order(&order.order_id)
                    .expect("reading an order without faults")
                    .fill_count_fp
                    .as_hundredths();
            } else {
                // An amend answers with the fills it caused, if any.
                order.filled += amended.fill_count.map_or(0, Count::as_hundredths);
            }
            // Without counts the amend neither filled nor resized the order.
            if let Some(remaining) = amended.remaining_count {
                order.belief = belief(remaining);
            }
            let order = order.clone();
            check_order(client, stats, context, &order);
        }
        Err(_) => resend_then_resync(client, stats, order, || {
            client.amend_order(&tracked.order_id, &amend).is_ok()
        }),
    }
    if settle_late(sandbox, stats, context, &late, &Learned::default()) > 0 {
        recheck(client, stats, context, trial, &[index]);
    }
}

pub fn op_decrease(
    sandbox: &Sandbox,
    client: &Client,
    rng: &mut fastrand::Rng,
    stats: &mut Stats,
    trial: &mut Trial,
    context: &str,
) {
    let (index, tracked, remaining) = trial.pick_resting(rng);
    let reduce_to = rng.bool();
    let (decrease, expected) = if reduce_to {
        let to = 100 * rng.i64(0..remaining / 100);
        (
            DecreaseOrder::new().reduce_to(Count::from_hundredths(to)),
            to,
        )
    } else {
        let by = 100 * rng.i64(1..=remaining / 100);
        (
            DecreaseOrder::new().reduce_by(Count::from_hundredths(by)),
            (remaining - by).max(0),
        )
    };
    let script = random_script(rng);
    let (result, journal, late) =
        under_faults(sandbox, stats, context, &script, (reduce_to, MAX), || {
            client.decrease_order(&tracked.order_id, &decrease)
        });
    let order = &mut trial.placed[index];
    match result {
        Ok(decreased) => {
            if journal.iter().any(is_order_read) {
                stats.already_applied += 1;
            }
            let got = decreased.remaining_count.as_hundredths();
            if got != expected {
                stats.mismatch(format!(
                    "{context}: decrease of {} answered {got} remaining, expected {expected}",
                    order.client_order_id
                ));
            }
            order.belief = belief(decreased.remaining_count);
            let order = order.clone();
            check_order(client, stats, context, &order);
        }
        Err(_) if reduce_to => resend_then_resync(client, stats, order, || {
            client.decrease_order(&tracked.order_id, &decrease).is_ok()
        }),
        Err(_) => {
            // A reduce_by cannot be repeated, and a late copy shrinks the order again
            // whenever it lands: no recipe settles it (RELIABILITY.md). The caller
            // here reads the order only once the held request has run.
            let released = sandbox.release_late().len();
            stats.late_reduce_by += released as u64;
            resync(client, stats, order);
        }
    }
    if settle_late(sandbox, stats, context, &late, &Learned::default()) > 0 {
        recheck(client, stats, context, trial, &[index]);
    }
}

/// A cancel's `reduced_by` against the count the caller believed resting. A cancel
/// recovered after a lost answer reports `initial − filled` (documented): at least the
/// resting count, more if the order was decreased before, which is counted, not failed.
pub fn check_reduced_by(
    stats: &mut Stats,
    context: &str,
    order: &Tracked,
    reduced_by: Count,
    recovered: bool,
) {
    let Belief::Resting(remaining) = order.belief else {
        return;
    };
    let reduced_by = reduced_by.as_hundredths();
    if recovered {
        stats.already_applied += 1;
    }
    if recovered && reduced_by > remaining {
        stats.reduced_by_overstated += 1;
    } else if reduced_by != remaining {
        stats.mismatch(format!(
            "{context}: cancel of {} reduced by {reduced_by}, {remaining} rested",
            order.client_order_id
        ));
    }
}

pub fn op_cancel(
    sandbox: &Sandbox,
    client: &Client,
    rng: &mut fastrand::Rng,
    stats: &mut Stats,
    trial: &mut Trial,
    context: &str,
) {
    let (index, tracked, _) = trial.pick_resting(rng);
    let script = random_script(rng);
    let (result, journal, late) =
        under_faults(sandbox, stats, context, &script, (true, MAX), || {
            client.cancel_order(&tracked.order_id)
        });
    let order = &mut trial.placed[index];
    match result {
        Ok(cancelled) => {
            let recovered = journal.iter().any(is_order_read);
            check_reduced_by(stats, context, order, cancelled.reduced_by, recovered);
            order.belief = Belief::Gone;
            let order = order.clone();
            check_order(client, stats, context, &order);
        }
        Err(_) => resend_then_resync(client, stats, order, || {
            client.cancel_order(&tracked.order_id).is_ok()
        }),
    }
    if settle_late(sandbox, stats, context, &late, &Learned::default()) > 0 {
        recheck(client, stats, context, trial, &[index]);
    }
}

pub fn op_batch_cancel(
    sandbox: &Sandbox,
    client: &Client,
    rng: &mut fastrand::Rng,
    stats: &mut Stats,
    trial: &mut Trial,
    context: &str,
) {
    let mut resting = trial.resting();
    rng.shuffle(&mut resting);
    resting.truncate(rng.usize(2..=4));
    let ids: Vec<String> = resting
        .iter()
        .map(|&i| trial.placed[i].order_id.clone())
        .collect();
    let script = random_script(rng);
    let (result, journal, late) =
        under_faults(sandbox, stats, context, &script, (true, MAX), || {
            client.batch_cancel_orders(ids.clone())
        });
    let retried = journal.iter().filter(|e| is_write(e)).count() > 1;
    match result {
        Ok(items) => {
            let answers: HashMap<String, _> = items
                .into_iter()
                .map(|item| (item.order_id.clone(), item))
                .collect();
            for &index in &resting {
                let order = &mut trial.placed[index];
                let Some(item) = answers.get(&order.order_id) else {
                    stats.mismatch(format!("{context}: no answer for {}", order.order_id));
                    resync(client, stats, order);
                    continue;
                };
                match &item.error {
                    None => {
                        // The client reads an order only to settle a lost answer.
                        let read = format!("/portfolio/orders/{}", order.order_id);
                        let recovered = journal
                            .iter()
                            .any(|e| is_order_read(e) && e.path.ends_with(&read));
                        check_reduced_by(stats, context, order, item.reduced_by, recovered);
                        order.belief = Belief::Gone;
                    }
                    Some(error)
                        if retried && error.code.as_deref() == Some("order_not_resting") =>
                    {
                        // An earlier attempt, whose answer was lost, cancelled it.
                        stats.batch_cancel_refused_after_retry += 1;
                        order.belief = Belief::Gone;
                    }
                    Some(error)
                        if error.code.as_deref()
                            == Some(kalshi_portfolio::operations::NOT_CANCELLED) =>
                    {
                        // The batch failed as a whole; the client read this order
                        // and found it not cancelled.
                        stats.batch_cancel_items_not_cancelled += 1;
                        let now = client
                            .get_order(&order.order_id)
                            .expect("reading an order without faults");
                        if now.status == OrderStatus::Canceled {
                            stats.mismatch(format!(
                                "{context}: {} reported not cancelled, but it is",
                                order.client_order_id
                            ));
                        }
                        let id = order.order_id.clone();
                        resend_then_resync(client, stats, order, || {
                            client.cancel_order(&id).is_ok()
                        });
                    }
                    Some(_) => {
                        let id = order.order_id.clone();
                        resend_then_resync(client, stats, order, || {
                            client.cancel_order(&id).is_ok()
                        });
                    }
                }
                let order = order.clone();
                check_order(client, stats, context, &order);
            }
        }
        Err(_) => {
            stats.resent_writes += 1;
            let _ = client.batch_cancel_orders(ids.clone());
            for &index in &resting {
                resync(client, stats, &mut trial.placed[index]);
            }
        }
    }
    if settle_late(sandbox, stats, context, &late, &Learned::default()) > 0 {
        recheck(client, stats, context, trial, &resting);
    }
}
