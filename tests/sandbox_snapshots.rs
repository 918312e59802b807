//! The exact wire shape of the sandbox's main answers, as insta snapshots (ids and
//! times redacted), so a change in what the sandbox sends shows up in review.

mod sandbox_support;

use std::io::{Read, Write};
use std::net::TcpStream;

use kalshi_portfolio::sandbox::{MarketSpec, Sandbox, Side};
use sandbox_support::send_signed;
use serde_json::{json, Value};

fn call(sandbox: &Sandbox, method: &str, path: &str, body: Option<Value>) -> Value {
    let (status, body) = send_signed(sandbox, method, path, body.as_ref());
    json!({ "status": status, "body": serde_json::from_str::<Value>(&body).unwrap_or(Value::Null) })
}

#[test]
fn sandbox_wire_shapes() {
    let sandbox = Sandbox::start().unwrap();
    sandbox
        .create_market(MarketSpec::new("KXSNAP-26-T1", "KXSNAP-26"))
        .unwrap();
    sandbox
        .add_liquidity(
            "KXSNAP-26-T1",
            Side::Ask,
            "0.37".parse().unwrap(),
            "2".parse().unwrap(),
        )
        .unwrap();
    let created = call(
        &sandbox,
        "POST",
        "/trade-api/v2/portfolio/events/orders",
        Some(json!({
            "ticker": "KXSNAP-26-T1", "side": "bid", "price": "0.40", "count": "5",
            "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross",
            "client_order_id": "snap-1",
        })),
    );
    let order_id = created["body"]["order_id"].as_str().unwrap().to_string();
    let unauthorized = {
        let mut stream = TcpStream::connect(sandbox.addr()).unwrap();
        write!(
            stream,
            "GET /trade-api/v2/portfolio/balance HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = String::new();
        let _ = stream.read_to_string(&mut raw);
        serde_json::from_str::<Value>(raw.split_once("\r\n\r\n").unwrap().1).unwrap()
    };
    let shapes = json!({
        "create_order": created,
        "get_order": call(&sandbox, "GET", &format!("/trade-api/v2/portfolio/orders/{order_id}"), None),
        "fills": call(&sandbox, "GET", "/trade-api/v2/portfolio/fills", None),
        "positions": call(&sandbox, "GET", "/trade-api/v2/portfolio/positions", None),
        "balance": call(&sandbox, "GET", "/trade-api/v2/portfolio/balance", None),
        "resting_value": call(&sandbox, "GET", "/trade-api/v2/portfolio/summary/total_resting_order_value", None),
        "bad_price": call(
            &sandbox,
            "POST",
            "/trade-api/v2/portfolio/events/orders",
            Some(json!({
                "ticker": "KXSNAP-26-T1", "side": "bid", "price": "0.405", "count": "1",
                "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross",
            })),
        ),
        "unauthorized": unauthorized,
    });
    insta::assert_json_snapshot!("sandbox_wire_shapes", shapes, {
        ".**.order_id" => "[order_id]",
        ".**.fill_id" => "[fill_id]",
        ".**.trade_id" => "[trade_id]",
        ".**.ts_ms" => "[ts_ms]",
        ".**.ts" => "[ts]",
        ".**.updated_ts" => "[updated_ts]",
        ".**.created_time" => "[time]",
        ".**.last_update_time" => "[time]",
        ".**.last_updated_ts" => "[time]",
    });
}
