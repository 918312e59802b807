//! Every facade operation, called once against the sandbox, must send what the
//! generated client requires.
//!
//! The generated (progenitor) builders check their required parameters only when a
//! request is sent: a builder whose required parameter was never set fails in
//! `send()` with `InvalidRequest("<name> was not initialized")`, which the facade
//! reports as [`Error::InvalidRequest`] with the field `request`. So when a Kalshi
//! release adds a required parameter to an operation the facade wraps, the crate
//! still compiles, and only a call finds out. This file makes that call for each
//! operation, without the optional filters, and names the operation and the missing
//! parameter when it happens; `openapi/README.md` ("Upgrading to a new Kalshi
//! release") points here.
//!
//! The list of operations is checked against `src/operations/`, so a new facade
//! method fails this file until it is called here too.

use std::collections::BTreeSet;
use std::path::Path;

use kalshi_portfolio::sandbox::{MarketSpec, Sandbox, Side};
use kalshi_portfolio::{AmendOrder, Client, Count, DecreaseOrder, Dollars, Error, NewOrder};

const T: &str = "KXFACADE-26-T50";
const EVENT: &str = "KXFACADE-26";

/// Every public method of `Client` in `src/operations/`, each of which makes a
/// request. (`Client::raw` runs a generated call the caller builds, so what it sends
/// is up to the caller.)
const OPERATIONS: [&str; 31] = [
    "amend_order",
    "batch_cancel_orders",
    "batch_create_orders",
    "cancel_all_orders",
    "cancel_order",
    "cancel_orders",
    "create_order",
    "create_order_group",
    "decrease_order",
    "delete_order_group",
    "find_order_by_client_order_id",
    "get_balance",
    "get_event",
    "get_fills",
    "get_market",
    "get_market_orderbook",
    "get_markets",
    "get_order",
    "get_order_group",
    "get_order_groups",
    "get_order_queue_position",
    "get_orders",
    "get_positions",
    "get_queue_positions",
    "get_settlements",
    "get_total_resting_order_value",
    "reset_order_group",
    "resolve_create",
    "resolve_create_within",
    "trigger_order_group",
    "update_order_group_limit",
];

/// The message for an error that means "the generated call needs something the
/// facade did not give it", or `None` for any other outcome.
fn missing_parameter(operation: &str, error: &Error) -> Option<String> {
    match error {
        Error::InvalidRequest { field, reason } if field == "request" => Some(format!(
            "{operation}: the generated call now needs a parameter the facade does not set: \
             {reason}"
        )),
        _ => None,
    }
}

/// The calls made so far, and what went wrong with them.
#[derive(Default)]
struct Audit {
    called: BTreeSet<&'static str>,
    missing_parameters: Vec<String>,
    other_failures: Vec<String>,
}

impl Audit {
    /// Records one call. Later calls still run when one fails (with a stand-in id
    /// where they needed its result), so a single run names every operation that a
    /// spec change broke.
    fn check<T>(&mut self, operation: &'static str, result: Result<T, Error>) -> Option<T> {
        self.called.insert(operation);
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                match missing_parameter(operation, &error) {
                    Some(message) => self.missing_parameters.push(message),
                    None => self
                        .other_failures
                        .push(format!("{operation}: failed against the sandbox: {error}")),
                }
                None
            }
        }
    }
}

fn d(text: &str) -> Dollars {
    text.parse().unwrap()
}

fn c(text: &str) -> Count {
    text.parse().unwrap()
}

fn bid(price: &str, count: u32) -> NewOrder {
    NewOrder::new(T).bid().price(price).count(count)
}

/// A session touching every operation once, in an order where each has something
/// to act on: an order partly filled (so there are fills and a position), a batch of
/// resting orders, and an order group.
fn run_every_operation(client: &Client, sandbox: &Sandbox) -> Audit {
    let mut audit = Audit::default();
    let stand_in = || "rehearsal-missing-id".to_owned();

    audit.check("get_balance", client.get_balance());
    audit.check("get_market", client.get_market(T));
    audit.check("get_markets", client.get_markets().send());
    audit.check(
        "get_market_orderbook",
        client.get_market_orderbook(T).send(),
    );
    audit.check("get_event", client.get_event(EVENT));

    sandbox
        .add_liquidity(T, Side::Ask, d("0.45"), c("4"))
        .unwrap();
    let order_id = audit
        .check("create_order", client.create_order(&bid("0.50", 10)))
        .map_or_else(stand_in, |placed| placed.order_id);
    let batch: Vec<String> = audit
        .check(
            "batch_create_orders",
            client.batch_create_orders(&[bid("0.30", 2), bid("0.31", 2)]),
        )
        .map(|items| items.into_iter().filter_map(|i| i.order_id).collect())
        .unwrap_or_default();

    audit.check("get_orders", client.get_orders().send());
    audit.check("get_order", client.get_order(&order_id));
    audit.check(
        "get_order_queue_position",
        client.get_order_queue_position(&order_id),
    );
    audit.check("get_queue_positions", client.get_queue_positions().send());
    audit.check(
        "get_total_resting_order_value",
        client.get_total_resting_order_value(),
    );
    audit.check(
        "amend_order",
        client.amend_order(&order_id, &AmendOrder::new(T).bid().price("0.50").count(12)),
    );
    audit.check(
        "decrease_order",
        client.decrease_order(&order_id, &DecreaseOrder::new().reduce_by(1u32)),
    );
    audit.check("get_fills", client.get_fills().send());
    audit.check("get_positions", client.get_positions().send());
    audit.check("get_settlements", client.get_settlements().send());
    audit.check("cancel_order", client.cancel_order(&order_id));
    let batch = if batch.is_empty() {
        vec![stand_in()]
    } else {
        batch
    };
    audit.check("batch_cancel_orders", client.batch_cancel_orders(batch));

    let group_id = audit
        .check("create_order_group", client.create_order_group(5u32))
        .map_or_else(stand_in, |group| group.order_group_id);
    audit.check("get_order_groups", client.get_order_groups());
    audit.check("get_order_group", client.get_order_group(&group_id));
    audit.check(
        "update_order_group_limit",
        client.update_order_group_limit(&group_id, 20u32),
    );
    audit.check("trigger_order_group", client.trigger_order_group(&group_id));
    audit.check("reset_order_group", client.reset_order_group(&group_id));
    audit.check("delete_order_group", client.delete_order_group(&group_id));

    audit.check(
        "create_order",
        client.create_order(&bid("0.20", 1)).map(drop),
    );
    audit.check(
        "find_order_by_client_order_id",
        client.find_order_by_client_order_id(T, "rehearsal-missing-id"),
    );
    // An unknown outcome to settle: an order that was never placed is placed now.
    let unknown = |id: &str| Error::OutcomeUnknown {
        operation: "create_order",
        client_order_ids: vec![id.to_owned()],
        submitted_at: 0,
        last: Box::new(Error::Config("stand-in".into())),
    };
    audit.check(
        "resolve_create",
        client.resolve_create(&bid("0.21", 1), &unknown("resolve-1")),
    );
    audit.check(
        "resolve_create_within",
        client.resolve_create_within(
            &bid("0.22", 1),
            &unknown("resolve-2"),
            std::time::Duration::from_secs(1),
        ),
    );
    audit.check("cancel_orders", client.cancel_orders().ticker(T).send());
    audit.check("cancel_all_orders", client.cancel_all_orders());
    audit
}

#[test]
fn every_facade_operation_sends_what_the_generated_client_requires() {
    let sandbox = Sandbox::start().unwrap();
    sandbox.create_market(MarketSpec::new(T, EVENT)).unwrap();
    let client = sandbox.client().unwrap();

    let audit = run_every_operation(&client, &sandbox);

    assert!(
        audit.missing_parameters.is_empty(),
        "{}",
        audit.missing_parameters.join("\n")
    );
    assert!(
        audit.other_failures.is_empty(),
        "{}",
        audit.other_failures.join("\n")
    );
    let expected: BTreeSet<&str> = OPERATIONS.into_iter().collect();
    assert_eq!(
        audit.called, expected,
        "the session must call every operation"
    );
}

/// The classification above, against a real generated builder missing a required
/// parameter: `get_order` without its `order_id`.
#[test]
fn a_missing_required_parameter_is_named() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let error = client
        .raw(
            "get_order",
            |raw| async move { raw.get_order().send().await },
        )
        .unwrap_err();
    let message = missing_parameter("get_order", &error)
        .unwrap_or_else(|| panic!("not recognised as a missing parameter: {error:?}"));
    assert_eq!(
        message,
        "get_order: the generated call now needs a parameter the facade does not set: \
         order_id was not initialized"
    );
    // Nothing reached the exchange: the builder refused before sending.
    assert!(sandbox.journal().is_empty(), "{:?}", sandbox.journal());

    // Any other error is not mistaken for one.
    let other = client.get_order("no-such-order").unwrap_err();
    assert_eq!(missing_parameter("get_order", &other), None, "{other:?}");
}

/// `OPERATIONS` is every `pub fn` of the `impl Client` blocks in `src/operations/`.
#[test]
fn the_list_is_every_facade_operation() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/operations");
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut in_client = false;
        for line in text.lines() {
            if line.starts_with("impl ") {
                in_client = line.starts_with("impl Client {");
            } else if line.starts_with('}') {
                in_client = false;
            } else if let Some(rest) = line.strip_prefix("    pub fn ").filter(|_| in_client) {
                let name: String = rest
                    .chars()
                    .take_while(|ch| ch.is_alphanumeric() || *ch == '_')
                    .collect();
                found.insert(name);
            }
        }
    }
    let listed: BTreeSet<String> = OPERATIONS.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(
        found, listed,
        "src/operations/ has changed: call the new facade operation in this file"
    );
}
