//! The market reads through the facade, against the sandbox: markets of each price
//! structure (flat cent, deci-cent, tapered), their books and events, and orders
//! checked against the market's own price rules before sending — the same rules the
//! sandbox enforces.

use kalshi_portfolio::operations::Level;
use kalshi_portfolio::order_builders::TimeInForce;
use kalshi_portfolio::price_rules::PriceRules;
use kalshi_portfolio::sandbox::{MarketResult, MarketSpec, Sandbox, Side};
use kalshi_portfolio::types::{self, GetMarketsStatus};
use kalshi_portfolio::{AmendOrder, Client, Count, Dollars, Error, NewOrder};

const EVENT: &str = "KXMKT-26";
const CENT: &str = "KXMKT-26-CENT";
const DECI: &str = "KXMKT-26-DECI";
const TAPERED: &str = "KXMKT-26-TAPER";

fn d(text: &str) -> Dollars {
    text.parse().unwrap()
}

fn c(text: &str) -> Count {
    text.parse().unwrap()
}

/// A sandbox with one market of each structure in one event, and money enough for
/// thousands of orders.
fn sandbox() -> (Sandbox, Client) {
    let sandbox = Sandbox::start().unwrap();
    sandbox.create_market(MarketSpec::new(CENT, EVENT)).unwrap();
    sandbox
        .create_market(MarketSpec::new(DECI, EVENT).price_rules(PriceRules::deci_cent()))
        .unwrap();
    sandbox
        .create_market(MarketSpec::new(TAPERED, EVENT).price_rules(PriceRules::tapered_deci_cent()))
        .unwrap();
    sandbox.set_balance_cents(100_000_000);
    let client = sandbox.client().unwrap();
    (sandbox, client)
}

fn structures() -> [(&'static str, PriceRules, &'static str); 3] {
    [
        (CENT, PriceRules::linear_cent(), "linear_cent"),
        (DECI, PriceRules::deci_cent(), "deci_cent"),
        (
            TAPERED,
            PriceRules::tapered_deci_cent(),
            "tapered_deci_cent",
        ),
    ]
}

/// Every price from $0.0005 to $0.9995 on a $0.0005 grid: every level of every
/// structure here, and a point between each pair of deci-cent levels.
fn grid() -> impl Iterator<Item = Dollars> {
    (1..2000).map(|n| Dollars::from_micros(n * 500))
}

#[test]
fn get_market_reports_its_price_structure_status_and_best_prices() {
    let (sandbox, client) = sandbox();
    for (ticker, rules, name) in structures() {
        let market = client.get_market(ticker).unwrap();
        assert_eq!(market.ticker, ticker);
        assert_eq!(market.event_ticker, EVENT);
        assert_eq!(market.status, types::MarketStatus::Active);
        assert_eq!(market.price_level_structure, name);
        assert_eq!(PriceRules::try_from(&market).unwrap(), rules, "{ticker}");
    }
    sandbox
        .add_liquidity(TAPERED, Side::Bid, d("0.055"), c("3"))
        .unwrap();
    sandbox
        .add_liquidity(TAPERED, Side::Ask, d("0.93"), c("2"))
        .unwrap();
    let market = client.get_market(TAPERED).unwrap();
    assert_eq!(market.yes_bid_dollars, d("0.055"));
    assert_eq!(market.yes_ask_dollars, d("0.93"));
    assert_eq!(market.no_bid_dollars, d("0.07"));
    assert_eq!(market.no_ask_dollars, d("0.945"));

    sandbox.settle_market(CENT, MarketResult::No).unwrap();
    let settled = client.get_market(CENT).unwrap();
    assert_eq!(settled.status, types::MarketStatus::Finalized);
    assert_eq!(settled.result, types::MarketResult::No);

    let missing = client.get_market("KXMKT-26-NOPE").unwrap_err();
    assert_eq!(missing.status(), Some(404), "{missing}");
    let blank = client.get_market(" ").unwrap_err();
    assert!(matches!(blank, Error::InvalidRequest { .. }), "{blank}");
}

#[test]
fn price_rules_from_a_market_fall_back_to_the_named_structure() {
    let (_sandbox, client) = sandbox();
    let mut market = client.get_market(TAPERED).unwrap();
    market.price_ranges.clear();
    assert_eq!(
        PriceRules::try_from(&market).unwrap(),
        PriceRules::tapered_deci_cent()
    );
    market.price_level_structure = "quarter_cent".into();
    let error = PriceRules::try_from(&market).unwrap_err().to_string();
    assert!(
        error.contains(TAPERED) && error.contains("quarter_cent"),
        "{error}"
    );
    let error = NewOrder::for_market(&market).unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { ref field, .. } if field == "market"));

    let mut market = client.get_market(CENT).unwrap();
    market.price_ranges[0].step = "a cent".into();
    let error = PriceRules::try_from(&market).unwrap_err().to_string();
    assert!(
        error.contains("step") && error.contains("a cent"),
        "{error}"
    );
}

#[test]
fn every_level_is_accepted_and_every_other_price_refused_before_sending() {
    let (sandbox, client) = sandbox();
    for (ticker, rules, _) in structures() {
        let market = client.get_market(ticker).unwrap();
        let template = NewOrder::for_market(&market)
            .unwrap()
            .buy_yes()
            .count(1u32)
            .time_in_force(TimeInForce::ImmediateOrCancel);
        let (valid, invalid): (Vec<Dollars>, Vec<Dollars>) =
            grid().partition(|p| rules.is_valid(*p));
        assert_eq!(valid.len(), rules.levels().count(), "{ticker}");

        sandbox.clear_journal();
        for price in &invalid {
            let error = client
                .create_order(&template.clone().price(*price))
                .unwrap_err();
            assert!(
                matches!(error, Error::InvalidRequest { ref field, .. } if field == "price"),
                "{ticker} {price}: {error}"
            );
        }
        assert!(
            sandbox.journal().is_empty(),
            "{ticker}: an invalid price reached the exchange"
        );

        let orders: Vec<NewOrder> = valid
            .iter()
            .map(|price| template.clone().price(*price))
            .collect();
        let items = client.batch_create_orders(&orders).unwrap();
        assert_eq!(items.len(), valid.len());
        for (item, price) in items.iter().zip(&valid) {
            assert!(
                item.error.is_none() && item.order_id.is_some(),
                "{ticker} {price}: {item:?}"
            );
        }
    }
}

#[test]
fn the_sandbox_refuses_exactly_what_the_rules_refuse() {
    // Sent with a tick finer than every structure, so only the sandbox judges.
    let (_sandbox, client) = sandbox();
    for (ticker, rules, _) in structures() {
        for price in grid().step_by(3) {
            let order = NewOrder::new(ticker)
                .buy_yes()
                .price(price)
                .count(1u32)
                .tick(d("0.0005"))
                .time_in_force(TimeInForce::ImmediateOrCancel);
            match client.create_order(&order) {
                Ok(_) => assert!(rules.is_valid(price), "{ticker} accepted {price}"),
                Err(error) => {
                    assert!(!rules.is_valid(price), "{ticker} refused {price}: {error}");
                    assert_eq!(error.status(), Some(400), "{error}");
                    assert_eq!(error.code(), Some("invalid_price"), "{error}");
                }
            }
        }
    }
}

#[test]
fn a_ladder_stepped_across_range_boundaries_lands_on_valid_levels() {
    let (_sandbox, client) = sandbox();
    let market = client.get_market(TAPERED).unwrap();
    let rules = PriceRules::try_from(&market).unwrap();
    // Up from $0.085 across the $0.10 boundary, and down from $0.915 across $0.90.
    let mut up = vec![d("0.085")];
    let mut down = vec![d("0.915")];
    for _ in 0..25 {
        let next = rules.step_up(*up.last().unwrap()).unwrap();
        up.push(next);
        let next = rules.step_down(*down.last().unwrap()).unwrap();
        down.push(next);
    }
    assert!(up.contains(&d("0.099")) && up.contains(&d("0.10")) && up.contains(&d("0.11")));
    assert!(!up.contains(&d("0.101")));
    assert!(down.contains(&d("0.901")) && down.contains(&d("0.90")) && down.contains(&d("0.89")));
    assert!(!down.contains(&d("0.899")));
    let template = NewOrder::for_market(&market).unwrap().count(1u32);
    let mut ladder: Vec<NewOrder> = up
        .iter()
        .map(|p| template.clone().buy_yes().price(*p))
        .collect();
    ladder.extend(down.iter().map(|p| template.clone().sell_yes().price(*p)));
    let placed = client.batch_create_orders(&ladder).unwrap();
    assert_eq!(placed.len(), ladder.len());
    assert!(placed.iter().all(|item| item.error.is_none()), "{placed:?}");

    // Repricing one rung by a rounded step stays on the grid too.
    let order = client
        .get_orders()
        .ticker(TAPERED)
        .iter()
        .map(Result::unwrap)
        .find(|o| o.yes_price_dollars == d("0.099"))
        .unwrap();
    let amend = AmendOrder::for_market(&market)
        .unwrap()
        .bid()
        .price(rules.round_up(d("0.1003")).unwrap())
        .count(1u32);
    assert!(client.amend_order(&order.order_id, &amend).is_ok());
    let off_grid = AmendOrder::for_market(&market)
        .unwrap()
        .bid()
        .price("0.105")
        .count(1u32);
    let error = client.amend_order(&order.order_id, &off_grid).unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error}");
}

#[test]
fn get_markets_pages_lazily_and_filters() {
    let (sandbox, client) = sandbox();
    for n in 0..7 {
        sandbox
            .create_market(MarketSpec::new(format!("KXOTHER-26-T{n}"), "KXOTHER-26"))
            .unwrap();
    }
    sandbox.clear_journal();
    let all: Vec<String> = client
        .get_markets()
        .limit(3)
        .iter()
        .map(|m| m.unwrap().ticker)
        .collect();
    assert_eq!(all.len(), 10, "{all:?}");
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 10, "no market twice across pages: {all:?}");
    // 10 markets, 3 a page: 4 requests, each with the previous page's cursor.
    let journal = sandbox.journal();
    assert_eq!(journal.len(), 4, "{journal:?}");

    let in_event: Vec<String> = client
        .get_markets()
        .event_ticker(EVENT)
        .iter()
        .map(|m| m.unwrap().ticker)
        .collect();
    assert_eq!(in_event, [CENT, DECI, TAPERED]);
    let by_series = client
        .get_markets()
        .series_ticker("KXOTHER")
        .send()
        .unwrap();
    assert_eq!(by_series.items.len(), 7);
    let picked = client
        .get_markets()
        .tickers(format!("{DECI},KXOTHER-26-T4"))
        .send()
        .unwrap();
    let picked: Vec<&str> = picked.items.iter().map(|m| m.ticker.as_str()).collect();
    assert_eq!(picked, [DECI, "KXOTHER-26-T4"]);

    sandbox.settle_market(DECI, MarketResult::Yes).unwrap();
    let settled = client
        .get_markets()
        .status(GetMarketsStatus::Settled)
        .send()
        .unwrap();
    assert_eq!(settled.items.len(), 1);
    assert_eq!(settled.items[0].ticker, DECI);
    let open = client
        .get_markets()
        .event_ticker(EVENT)
        .status(GetMarketsStatus::Open)
        .send()
        .unwrap();
    assert_eq!(open.items.len(), 2);
}

#[test]
fn the_orderbook_shows_both_sides_as_bids_and_derives_the_asks() {
    let (sandbox, client) = sandbox();
    for (side, price, count) in [
        (Side::Bid, "0.40", "5"),
        (Side::Bid, "0.42", "3"),
        (Side::Bid, "0.42", "1"),
        (Side::Ask, "0.60", "2"),
        (Side::Ask, "0.65", "4"),
    ] {
        sandbox
            .add_liquidity(CENT, side, d(price), c(count))
            .unwrap();
    }
    let level = |price: &str, count: &str| Level {
        price: d(price),
        count: c(count),
    };
    let book = client.get_market_orderbook(CENT).send().unwrap();
    assert_eq!(book.ticker, CENT);
    assert_eq!(book.yes_bids, [level("0.40", "5"), level("0.42", "4")]);
    // YES asks at 0.65 and 0.60 are NO bids at 0.35 and 0.40, lowest first.
    assert_eq!(book.no_bids, [level("0.35", "4"), level("0.40", "2")]);
    assert_eq!(book.best_yes_bid(), Some(level("0.42", "4")));
    assert_eq!(book.best_yes_ask(), Some(level("0.60", "2")));
    assert_eq!(book.best_no_bid(), Some(level("0.40", "2")));
    assert_eq!(book.best_no_ask(), Some(level("0.58", "4")));
    assert_eq!(book.yes_asks(), [level("0.60", "2"), level("0.65", "4")]);

    // A resting user order is in the book too.
    client
        .create_order(&NewOrder::new(CENT).buy_yes().price("0.45").count(2u32))
        .unwrap();
    let top = client.get_market_orderbook(CENT).depth(1).send().unwrap();
    assert_eq!(top.yes_bids, [level("0.45", "2")]);
    assert_eq!(top.no_bids, [level("0.40", "2")]);
    let market = client.get_market(CENT).unwrap();
    assert_eq!(market.yes_bid_dollars, d("0.45"));
    assert_eq!(market.yes_ask_dollars, d("0.60"));

    let empty = client.get_market_orderbook(DECI).send().unwrap();
    assert!(empty.yes_bids.is_empty() && empty.no_bids.is_empty());
    assert_eq!(empty.best_yes_ask(), None);

    sandbox.clear_journal();
    let too_deep = client
        .get_market_orderbook(CENT)
        .depth(101)
        .send()
        .unwrap_err();
    assert!(matches!(too_deep, Error::InvalidRequest { ref field, .. } if field == "depth"));
    assert!(sandbox.journal().is_empty());
    let missing = client.get_market_orderbook("NOPE").send().unwrap_err();
    assert_eq!(missing.status(), Some(404));
}

#[test]
fn get_event_lists_its_markets() {
    let (sandbox, client) = sandbox();
    sandbox
        .create_market(MarketSpec::new("KXOTHER-26-T1", "KXOTHER-26"))
        .unwrap();
    let answer = client.get_event(EVENT).unwrap();
    assert_eq!(answer.event.event_ticker, EVENT);
    assert_eq!(answer.event.series_ticker, "KXMKT");
    let tickers: Vec<&str> = answer.markets.iter().map(|m| m.ticker.as_str()).collect();
    assert_eq!(tickers, [CENT, DECI, TAPERED]);
    // Each market of the event carries its own rules.
    for market in &answer.markets {
        let rules = PriceRules::try_from(market).unwrap();
        assert_eq!(rules.is_valid(d("0.055")), market.ticker != CENT);
    }
    let missing = client.get_event("KXNOPE-26").unwrap_err();
    assert_eq!(missing.status(), Some(404));
}
