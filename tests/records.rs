//! The flat export records: every column on every row, in a fixed order, with units in
//! the names, as a CSV writer and a spreadsheet need them.

use kalshi_portfolio::operations::Position;
use kalshi_portfolio::records::{FillRecord, OrderRecord, PositionRecord, SettlementRecord};
use kalshi_portfolio::sandbox::{MarketResult, MarketSpec, Sandbox, Side};
use kalshi_portfolio::{types, NewOrder};
use serde_json::{json, Value};

fn fill(extra: Value) -> types::Fill {
    let mut fill = json!({
        "fill_id": "f1", "trade_id": "f1", "order_id": "o1", "ticker": "KXR-26-T1",
        "market_ticker": "KXR-26-T1", "book_side": "bid", "outcome_side": "yes",
        "count_fp": "227.27", "yes_price_dollars": "0.0010", "no_price_dollars": "0.9990",
        "is_taker": true, "fee_cost": "0.015930", "created_time": "2026-08-18T14:03:11Z",
        "exchange_index": 0
    });
    for (key, value) in extra.as_object().expect("an object") {
        fill[key] = value.clone();
    }
    serde_json::from_value(fill).expect("a fill")
}

fn csv_of<T: serde::Serialize>(rows: &[T]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row).expect("a CSV row");
    }
    String::from_utf8(writer.into_inner().expect("flushed")).expect("UTF-8")
}

/// CSV and JSON out, and back to equal records.
fn assert_round_trip<T>(rows: &[T])
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let text = csv_of(rows);
    let back: Vec<T> = csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .expect("CSV reads back");
    assert_eq!(back, rows, "{text}");
    for row in rows {
        let line = serde_json::to_string(row).expect("JSON");
        let back: T = serde_json::from_str(&line).expect("JSON reads back");
        assert_eq!(&back, row, "{line}");
    }
}

#[test]
fn fills_with_and_without_optional_fields_make_rows_of_one_length() {
    let rows = [
        FillRecord::from(fill(
            json!({"action": "buy", "side": "yes", "subaccount_number": 0}),
        )),
        FillRecord::from(fill(json!({}))),
        FillRecord::from(fill(json!({"created_time": null, "ts": 1787061800}))),
    ];
    let text = csv_of(&rows);
    // Empty columns read back as absent, filled ones as sent.
    assert_round_trip(&rows);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "ts_utc,fill_id,order_id,ticker,book_side,outcome_side,action,side,count,\
             yes_price_dollars,no_price_dollars,fee_dollars,is_taker,subaccount"
        )
    );
    let widths: Vec<usize> = text.lines().map(|line| line.split(',').count()).collect();
    assert!(widths.iter().all(|w| *w == 14), "{text}");
    assert_eq!(
        lines.next(),
        Some("2026-08-18T14:03:11Z,f1,o1,KXR-26-T1,bid,yes,buy,yes,227.27,0.0010,0.9990,0.01593,true,0")
    );
    assert!(
        text.contains("2026-08-18T14:03:20Z"),
        "ts in seconds becomes a time: {text}"
    );
}

#[test]
fn records_from_a_trading_session_serialize_as_csv_and_json() {
    let sandbox = Sandbox::start().expect("sandbox");
    sandbox
        .create_market(MarketSpec::new("KXR-26-T1", "KXR-26"))
        .expect("market");
    sandbox
        .add_liquidity(
            "KXR-26-T1",
            Side::Ask,
            "0.45".parse().expect("p"),
            "4".parse().expect("c"),
        )
        .expect("liquidity");
    let client = sandbox.client().expect("client");
    client
        .create_order(&NewOrder::new("KXR-26-T1").buy_yes().price("0.50").count(6))
        .expect("placed");
    let fills: Vec<FillRecord> = client
        .get_fills()
        .iter()
        .map(|f| f.map(FillRecord::from))
        .collect::<Result<_, _>>()
        .expect("fills");
    let orders: Vec<OrderRecord> = client
        .get_orders()
        .iter()
        .map(|o| o.map(OrderRecord::from))
        .collect::<Result<_, _>>()
        .expect("orders");
    let positions: Vec<Position> = client
        .get_positions()
        .iter()
        .collect::<Result<_, _>>()
        .expect("positions");
    let position_rows: Vec<PositionRecord> = positions.iter().map(PositionRecord::from).collect();
    sandbox
        .settle_market("KXR-26-T1", MarketResult::Yes)
        .expect("settled");
    let settlements: Vec<SettlementRecord> = client
        .get_settlements()
        .iter()
        .map(|s| s.map(SettlementRecord::from))
        .collect::<Result<_, _>>()
        .expect("settlements");

    assert_eq!(fills.len(), 1);
    assert_eq!(orders[0].remaining_count.to_string(), "2.00");
    let kinds: Vec<&str> = position_rows.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, ["market", "event"]);
    assert_eq!(
        settlements[0]
            .revenue_dollars
            .map(|d| d.to_string())
            .as_deref(),
        Some("4.0000")
    );
    for text in [
        csv_of(&fills),
        csv_of(&orders),
        csv_of(&position_rows),
        csv_of(&settlements),
    ] {
        let widths: Vec<usize> = csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.expect("a row").len())
            .collect();
        assert!(!widths.is_empty());
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{text}");
    }
    // Each record reads back, from CSV and from JSON, as the record it was.
    assert_round_trip(&fills);
    assert_round_trip(&orders);
    assert_round_trip(&position_rows);
    assert_round_trip(&settlements);
    // Positions and pages serialize too, tagged by kind.
    let json = serde_json::to_value(&positions[0]).expect("json");
    assert_eq!(json["kind"], "market");
    let page = client.get_fills().send().expect("page");
    let json = serde_json::to_value(&page).expect("json");
    assert!(json["items"].is_array());
}

#[test]
fn a_record_is_built_from_its_column_values_and_refuses_bad_ones() {
    let row = json!({
        "kind": "event", "ticker": null, "event_ticker": "KXR-26",
        "position": null, "total_cost_shares": "12.00", "exposure_dollars": "1.2000",
        "realized_pnl_dollars": "-0.5000", "fees_paid_dollars": "0.0300",
        "total_traded_dollars": null, "total_cost_dollars": "6.0000",
        "last_updated_utc": null
    });
    let record: PositionRecord = serde_json::from_value(row.clone()).expect("a record");
    assert_eq!(record.kind, "event");
    assert_eq!(record.realized_pnl_dollars.as_micros(), -500_000);
    assert_eq!(serde_json::to_value(&record).expect("json"), row);
    let mut bad = row.clone();
    bad["kind"] = json!("portfolio");
    let error = serde_json::from_value::<PositionRecord>(bad)
        .expect_err("an unknown kind")
        .to_string();
    assert!(error.contains("market or event"), "{error}");
    let mut bad = row;
    bad["exposure_dollars"] = json!(1.2);
    assert!(
        serde_json::from_value::<PositionRecord>(bad).is_err(),
        "money is text, never a float"
    );
}
