//! The sandbox checks Kalshi's signatures exactly: every refusal is a 401 with a
//! Kalshi-shaped body, and nothing wrongly signed is ever accepted. Requests here are
//! hand-made over a raw TCP stream so the client's own signing is not what is tested.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kalshi_portfolio::sandbox::{MarketSpec, Sandbox};
use kalshi_portfolio::signing::SigningKey;
use kalshi_portfolio::{Client, Environment};
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys/");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{name}")).expect("fixture key")
}

struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_string()
    }
}

/// One HTTP/1.1 request on a fresh connection; the whole answer.
fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &str,
) -> Answer {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Answer {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn auth(key_id: &str, timestamp: String, signature: String) -> Vec<(String, String)> {
    vec![
        ("KALSHI-ACCESS-KEY".into(), key_id.into()),
        ("KALSHI-ACCESS-TIMESTAMP".into(), timestamp),
        ("KALSHI-ACCESS-SIGNATURE".into(), signature),
    ]
}

/// Headers signing `signed_path` with the sandbox's own key at time `ts`.
fn signed(sandbox: &Sandbox, method: &str, signed_path: &str, ts: u64) -> Vec<(String, String)> {
    // The message is built here, not by the crate's signer (which strips queries).
    let key = SigningKey::from_pem(sandbox.private_key_pem()).unwrap();
    let signature = key
        .sign(format!("{ts}{method}{signed_path}").as_bytes())
        .unwrap();
    auth(sandbox.key_id(), ts.to_string(), base64_encode(&signature))
}

/// Request headers as (name, value) pairs.
type Headers = Vec<(String, String)>;

const BALANCE: &str = "/trade-api/v2/portfolio/balance";

#[test]
fn a_correct_signature_is_accepted() {
    let sandbox = Sandbox::start().unwrap();
    let answer = send(
        sandbox.addr(),
        "GET",
        BALANCE,
        &signed(&sandbox, "GET", BALANCE, now_ms()),
        "",
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["balance"], 100_000);
    assert_eq!(answer.json()["balance_dollars"], "1000.0000");
}

#[test]
fn every_refusal_is_a_kalshi_shaped_401() {
    let sandbox = Sandbox::start().unwrap();
    let addr = sandbox.addr();
    let ts = now_ms();
    let good = signed(&sandbox, "GET", BALANCE, ts);
    let signature = good[2].1.clone();

    let cases: Vec<(&str, Headers, &str)> = vec![
        ("no headers", vec![], "missing_auth_headers"),
        ("no signature", good[..2].to_vec(), "missing_auth_headers"),
        (
            "unknown key id",
            auth("someone-else", ts.to_string(), signature.clone()),
            "unknown_api_key",
        ),
        (
            "bad base64",
            auth(sandbox.key_id(), ts.to_string(), "!!!not base64!!!".into()),
            "invalid_signature",
        ),
        (
            "signature of another path",
            signed(&sandbox, "GET", "/trade-api/v2/portfolio/fills", ts),
            "invalid_signature",
        ),
        (
            "signature of another method",
            signed(&sandbox, "POST", BALANCE, ts),
            "invalid_signature",
        ),
        (
            "path without the /trade-api/v2 stem",
            signed(&sandbox, "GET", "/portfolio/balance", ts),
            "invalid_signature",
        ),
        (
            "timestamp not the signed one",
            auth(sandbox.key_id(), (ts + 1).to_string(), signature.clone()),
            "invalid_signature",
        ),
        (
            "stale timestamp",
            signed(&sandbox, "GET", BALANCE, ts - 10_000),
            "stale_timestamp",
        ),
        (
            "timestamp from the future",
            signed(&sandbox, "GET", BALANCE, ts + 10_000),
            "stale_timestamp",
        ),
        (
            "timestamp in seconds",
            auth(sandbox.key_id(), "17abc".into(), signature.clone()),
            "invalid_timestamp",
        ),
    ];
    for (name, headers, code) in cases {
        let answer = send(addr, "GET", BALANCE, &headers, "");
        assert_eq!(answer.status, 401, "{name}: {}", answer.body);
        let body = answer.json();
        assert_eq!(body["code"], code, "{name}: {}", answer.body);
        assert!(body["message"].is_string(), "{name}");
        assert_eq!(body["details"], "", "{name}");
    }
    // A tampered signature (one byte flipped) is refused too.
    let mut bytes = base64_decode(&signature);
    bytes[10] ^= 1;
    let tampered = auth(sandbox.key_id(), ts.to_string(), base64_encode(&bytes));
    assert_eq!(
        send(addr, "GET", BALANCE, &tampered, "").code(),
        "invalid_signature"
    );
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn the_query_is_not_signed_and_the_path_is_signed_as_received() {
    let sandbox = Sandbox::start().unwrap();
    let addr = sandbox.addr();
    let target = "/trade-api/v2/portfolio/fills?limit=5";
    let over_query = signed(&sandbox, "GET", target, now_ms());
    let answer = send(addr, "GET", target, &over_query, "");
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (401, "invalid_signature")
    );
    let over_path = signed(&sandbox, "GET", "/trade-api/v2/portfolio/fills", now_ms());
    let answer = send(addr, "GET", target, &over_path, "");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["cursor"], "");

    // Percent-encoding stays as sent: the encoded path verifies, the decoded does not.
    let encoded = "/trade-api/v2/portfolio/orders/abc%20def";
    let answer = send(
        addr,
        "GET",
        encoded,
        &signed(&sandbox, "GET", encoded, now_ms()),
        "",
    );
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (404, "order_not_found")
    );
    let decoded = "/trade-api/v2/portfolio/orders/abc def";
    let answer = send(
        addr,
        "GET",
        encoded,
        &signed(&sandbox, "GET", decoded, now_ms()),
        "",
    );
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (401, "invalid_signature")
    );
}

#[test]
fn the_timestamp_window_is_configurable() {
    let sandbox = Sandbox::builder()
        .timestamp_window(Duration::from_secs(60))
        .start()
        .unwrap();
    let answer = send(
        sandbox.addr(),
        "GET",
        BALANCE,
        &signed(&sandbox, "GET", BALANCE, now_ms() - 30_000),
        "",
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
}

fn client_with(sandbox: &Sandbox, key_id: &str, private_pem: String) -> Client {
    Client::builder()
        .environment(Environment::Custom(sandbox.base_url()))
        .api_key_id(key_id)
        .private_key_pem(private_pem)
        .build()
        .unwrap()
}

#[test]
fn registered_rsa_and_ed25519_keys_verify() {
    use rsa::pkcs1::EncodeRsaPublicKey as _;
    use rsa::pkcs8::DecodePublicKey as _;

    let sandbox = Sandbox::start().unwrap();
    let rsa_spki = fixture("rsa-public.pem");
    sandbox.register_key("rsa-spki", &rsa_spki).unwrap();
    let pkcs1 = rsa::RsaPublicKey::from_public_key_pem(&rsa_spki)
        .unwrap()
        .to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
        .unwrap();
    assert!(pkcs1.starts_with("-----BEGIN RSA PUBLIC KEY-----"));
    sandbox.register_key("rsa-pkcs1", &pkcs1).unwrap();
    sandbox
        .register_key("ed25519", &fixture("ed25519-public.pem"))
        .unwrap();

    for (key_id, private) in [
        ("rsa-spki", "rsa-pkcs1.pem"),
        ("rsa-pkcs1", "rsa-pkcs8.pem"),
        ("ed25519", "ed25519-pkcs8.pem"),
    ] {
        let client = client_with(&sandbox, key_id, fixture(private));
        let balance = client
            .get_balance()
            .unwrap_or_else(|e| panic!("{key_id}: {e}"));
        assert_eq!(balance.balance, 100_000);
    }
    // The Ed25519 key registered under the RSA id does not verify RSA signatures.
    let wrong = client_with(&sandbox, "ed25519", fixture("rsa-pkcs1.pem"));
    let err = wrong.get_balance().unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(401), Some("invalid_signature"))
    );

    assert_eq!(
        sandbox.register_key("bad", "not a key").unwrap_err().code(),
        "invalid_public_key"
    );
}

#[test]
fn journal_keeps_no_secrets_and_debug_hides_the_key() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    client.get_balance().unwrap();
    let journal = sandbox.journal();
    assert_eq!(journal.len(), 1);
    let entry = &journal[0];
    assert_eq!(
        (entry.method.as_str(), entry.path.as_str()),
        ("GET", BALANCE)
    );
    assert_eq!(entry.header("kalshi-access-signature"), Some("[redacted]"));
    assert_eq!(entry.header("kalshi-access-timestamp"), Some("[redacted]"));
    assert_eq!(entry.header("kalshi-access-key"), Some(sandbox.key_id()));
    let debug = format!("{sandbox:?} {journal:?}");
    let key_body = sandbox.private_key_pem().lines().nth(1).unwrap();
    assert!(!debug.contains(key_body), "{debug}");
    assert!(debug.contains("redacted"));
    sandbox.clear_journal();
    assert!(sandbox.journal().is_empty());
}

#[test]
fn unimplemented_operations_answer_501_and_unknown_paths_404() {
    let sandbox = Sandbox::start().unwrap();
    for (method, path, operation) in [
        (
            "GET",
            "/trade-api/v2/portfolio/withdrawals",
            "GetWithdrawals",
        ),
        ("GET", "/trade-api/v2/portfolio/deposits", "GetDeposits"),
        (
            "POST",
            "/trade-api/v2/portfolio/subaccounts",
            "CreateSubaccount",
        ),
        (
            "PUT",
            "/trade-api/v2/portfolio/subaccounts/netting",
            "UpdateSubaccountNetting",
        ),
        (
            "GET",
            "/trade-api/v2/portfolio/intra_exchange_instance_transfers/t-1",
            "GetIntraExchangeInstanceTransfer",
        ),
    ] {
        let answer = send(
            sandbox.addr(),
            method,
            path,
            &signed(&sandbox, method, path, now_ms()),
            "",
        );
        assert_eq!(answer.status, 501, "{path}");
        assert_eq!(answer.json()["code"], "not_implemented");
        assert_eq!(
            answer.json()["message"],
            format!("the sandbox does not implement {operation}")
        );
        // Unsigned too: the spec need not list a 401 for an operation the sandbox
        // does not serve (a newly imported one), so none is answered.
        let unsigned = send(sandbox.addr(), method, path, &[], "");
        assert_eq!(unsigned.status, 501, "{path} unsigned");
        assert_eq!(unsigned.json()["code"], "not_implemented");
    }
    let path = "/trade-api/v2/portfolio/nothing";
    let answer = send(
        sandbox.addr(),
        "GET",
        path,
        &signed(&sandbox, "GET", path, now_ms()),
        "",
    );
    assert_eq!((answer.status, answer.code().as_str()), (404, "not_found"));
    // Unsigned requests to a served operation or to a path outside the spec are
    // refused before routing.
    for path in ["/trade-api/v2/portfolio/balance", path] {
        let answer = send(sandbox.addr(), "GET", path, &[], "");
        assert_eq!(answer.status, 401, "{path}");
    }
}

#[test]
fn the_admin_api_works_over_plain_http() {
    let sandbox = Sandbox::start().unwrap();
    let addr = sandbox.addr();
    let post = |path: &str, body: &str| send(addr, "POST", path, &[], body);
    assert_eq!(
        post(
            "/_sandbox/markets",
            r#"{"ticker":"KXA-1","event_ticker":"KXA"}"#
        )
        .status,
        200
    );
    let answer = post(
        "/_sandbox/markets",
        r#"{"ticker":"KXA-1","event_ticker":"KXA"}"#,
    );
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (409, "market_exists")
    );
    let answer = post(
        "/_sandbox/liquidity",
        r#"{"ticker":"KXA-1","side":"ask","price":"0.40","count":"5"}"#,
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.json()["order_id"].is_string());
    assert_eq!(
        post("/_sandbox/balance", r#"{"balance_cents":5000}"#).status,
        200
    );
    let answer = post(
        "/_sandbox/faults",
        r#"{"kind":"rate_limited","retry_after_secs":3,"path_contains":"balance"}"#,
    );
    assert_eq!(answer.status, 200);
    let answer = send(
        addr,
        "GET",
        BALANCE,
        &signed(&sandbox, "GET", BALANCE, now_ms()),
        "",
    );
    assert_eq!(answer.status, 429);
    assert!(
        answer.head.to_ascii_lowercase().contains("retry-after: 3"),
        "{}",
        answer.head
    );
    let answer = send(
        addr,
        "GET",
        BALANCE,
        &signed(&sandbox, "GET", BALANCE, now_ms()),
        "",
    );
    assert_eq!(answer.json()["balance"], 5000);

    let client = sandbox.client().unwrap();
    let placed = client
        .create_order(
            &kalshi_portfolio::NewOrder::new("KXA-1")
                .buy_yes()
                .price("0.45")
                .count(2),
        )
        .unwrap();
    assert_eq!(placed.fill_count.to_string(), "2.00");
    assert_eq!(
        post("/_sandbox/settle", r#"{"ticker":"KXA-1","result":"yes"}"#).status,
        200
    );
    let journal = send(addr, "GET", "/_sandbox/journal", &[], "").json();
    let entries = journal["journal"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(
        send(addr, "DELETE", "/_sandbox/journal", &[], "").status,
        200
    );
    assert!(sandbox.journal().is_empty());
    assert_eq!(
        sandbox
            .create_market(MarketSpec::new("KXA-1", "KXA"))
            .unwrap_err()
            .code(),
        "market_exists"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_inside_a_tokio_runtime_does_not_panic() {
    let sandbox = Sandbox::start().unwrap();
    let addr = sandbox.addr();
    drop(sandbox);
    // The port is closed once the sandbox is gone.
    assert!(TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err());
    let sandbox = Sandbox::start().unwrap();
    sandbox.shutdown();
}

#[test]
fn malformed_requests_get_kalshi_shaped_400s_not_panics() {
    let sandbox = Sandbox::start().unwrap();
    sandbox
        .create_market(MarketSpec::new("KXM-1", "KXM"))
        .unwrap();
    let orders = "/trade-api/v2/portfolio/events/orders";
    let order = |fields: &str| {
        format!(
            r#"{{"ticker":"KXM-1","side":"bid","time_in_force":"good_till_canceled","self_trade_prevention_type":"taker_at_cross",{fields}}}"#
        )
    };
    let cases: Vec<(String, &str)> = vec![
        ("{not json".into(), "invalid_json"),
        ("[1,2]".into(), "invalid_json"),
        (
            order(r#""price":0.5,"count":"1""#),
            "invalid_price",
        ),
        (
            order(r#""price":"0.5.0","count":"1""#),
            "invalid_price",
        ),
        (
            order(r#""price":"99999999999999999999","count":"1""#),
            "invalid_price",
        ),
        (
            order(r#""price":"-0.5","count":"1""#),
            "invalid_price",
        ),
        (
            order(r#""price":"0.5","count":"1.234""#),
            "invalid_count",
        ),
        (
            order(r#""price":"0.5","count":"-1""#),
            "invalid_count",
        ),
        (
            order(r#""price":"0.5","count":"99999999""#),
            "invalid_count",
        ),
        (order(r#""price":"0.5""#), "invalid_count"),
        (
            order(r#""price":"0.5","count":"1","expiration_time":-9223372036854775808"#),
            "invalid_expiration_time",
        ),
        (
            order(r#""price":"0.5","count":"1","subaccount":3"#),
            "invalid_parameters",
        ),
        (
            r#"{"ticker":"KXM-1","side":"sideways","price":"0.5","count":"1","time_in_force":"good_till_canceled","self_trade_prevention_type":"maker"}"#
                .into(),
            "invalid_side",
        ),
    ];
    for (body, code) in cases {
        let answer = send(
            sandbox.addr(),
            "POST",
            orders,
            &signed(&sandbox, "POST", orders, now_ms()),
            &body,
        );
        assert_eq!(
            (answer.status, answer.code()),
            (400, code.to_string()),
            "{body}"
        );
    }
    for target in [
        "/trade-api/v2/portfolio/fills?min_ts=9223372036854775807&max_ts=-9223372036854775808",
        "/trade-api/v2/portfolio/orders?min_ts=-9223372036854775808",
        "/trade-api/v2/portfolio/settlements?max_ts=9223372036854775807",
    ] {
        let path = target.split('?').next().unwrap();
        let answer = send(
            sandbox.addr(),
            "GET",
            target,
            &signed(&sandbox, "GET", path, now_ms()),
            "",
        );
        assert_eq!(answer.status, 200, "{target}: {}", answer.body);
    }
    for (target, code) in [
        ("/trade-api/v2/portfolio/fills?limit=1001", "invalid_limit"),
        ("/trade-api/v2/portfolio/orders?limit=abc", "invalid_limit"),
        (
            "/trade-api/v2/portfolio/orders?min_ts=soon",
            "invalid_parameters",
        ),
        (
            "/trade-api/v2/portfolio/orders?status=sleeping",
            "invalid_parameters",
        ),
        (
            "/trade-api/v2/portfolio/positions?cursor=%%%",
            "invalid_cursor",
        ),
    ] {
        let path = target.split('?').next().unwrap();
        let answer = send(
            sandbox.addr(),
            "GET",
            target,
            &signed(&sandbox, "GET", path, now_ms()),
            "",
        );
        assert_eq!(
            (answer.status, answer.code()),
            (400, code.to_string()),
            "{target}"
        );
    }
    // A huge timestamp is stale, not an overflow.
    let answer = send(
        sandbox.addr(),
        "GET",
        BALANCE,
        &auth(
            sandbox.key_id(),
            "99999999999999999999999".into(),
            "AAAA".into(),
        ),
        "",
    );
    assert_eq!(answer.status, 401);
}

#[test]
fn sandbox_handles_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Sandbox>();
    assert_send_sync::<kalshi_portfolio::sandbox::Fault>();
    assert_send_sync::<kalshi_portfolio::sandbox::JournalEntry>();
    assert_send_sync::<kalshi_portfolio::sandbox::SandboxError>();
}

/// The key file handed to other programs is PKCS#8 v1 (`BEGIN PRIVATE KEY`, version 0,
/// no attached public key): our own signer loads it and signs requests the sandbox
/// accepts, and OpenSSL, when installed, reads it.
#[test]
fn the_written_key_file_is_pkcs8_v1_that_signers_and_openssl_read() {
    let sandbox = Sandbox::start().unwrap();
    let dir = std::env::temp_dir().join(format!("kalshi-sandbox-key-{}", uuid_like()));
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("key.pem");
    sandbox.write_private_key_file(&path).unwrap();
    // Never overwrites.
    assert!(sandbox.write_private_key_file(&path).is_err());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the key file is readable by others: {mode:o}"
        );
    }
    let pem = std::fs::read_to_string(&path).unwrap();
    assert!(
        pem.starts_with("-----BEGIN PRIVATE KEY-----\n"),
        "{}",
        &pem[..30]
    );
    let der = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        pem.lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>(),
    )
    .unwrap();
    // SEQUENCE { INTEGER 0, ... } of 48 bytes: version 0, seed only.
    assert_eq!(der.len(), 48);
    assert_eq!(der[..5], [0x30, 0x2e, 0x02, 0x01, 0x00]);

    let client = Client::builder()
        .environment(Environment::Custom(sandbox.base_url()))
        .api_key_id(sandbox.key_id())
        .private_key_file(&path)
        .build()
        .unwrap();
    assert!(client.get_balance().is_ok());

    match std::process::Command::new("openssl")
        .args(["pkey", "-noout", "-in"])
        .arg(&path)
        .output()
    {
        Ok(output) => assert!(
            output.status.success(),
            "openssl pkey refused the key file: {}",
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(e) => println!("skipping the openssl check: cannot run openssl ({e})"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}
