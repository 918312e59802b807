//! The hand-written baselines: the same requests made by plain `reqwest` clients under
//! each runtime model the facade is compared with.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use kalshi_portfolio::signing::SigningKey;
use kalshi_portfolio::Client;
use reqwest::header::{HeaderName, HeaderValue};

use super::*;

/// What the baselines decode a balance into (handwritten; same field types as the
/// generated `GetBalanceResponse`, so both pay the same decoding work).
#[derive(serde::Deserialize, Debug)]
pub struct BaselineBalance {
    pub balance: i64,
    pub balance_dollars: kalshi_portfolio::Dollars,
    pub portfolio_value: i64,
    pub updated_ts: i64,
}

/// The order the baselines send: the same JSON the facade sends for [`new_order`]
/// (the report prints both bodies' lengths), with a fresh `client_order_id` each time
/// as the facade makes one.
#[derive(serde::Serialize)]
struct BaselineOrder {
    ticker: &'static str,
    client_order_id: String,
    side: &'static str,
    count: &'static str,
    price: &'static str,
    time_in_force: &'static str,
    self_trade_prevention_type: &'static str,
}

impl BaselineOrder {
    fn new() -> BaselineOrder {
        BaselineOrder {
            ticker: "KXHIGHNY-25NOV26-T60",
            client_order_id: uuid::Uuid::new_v4().to_string(),
            side: "bid",
            count: "1.00",
            price: "0.5600",
            time_in_force: "good_till_canceled",
            self_trade_prevention_type: "taker_at_cross",
        }
    }
}

/// What the baselines decode a created order into (same field types as the generated
/// `CreateOrderV2Response`).
#[derive(serde::Deserialize, Debug)]
pub struct BaselineOrderResponse {
    pub order_id: String,
    pub client_order_id: Option<String>,
    pub fill_count: kalshi_portfolio::Count,
    pub remaining_count: kalshi_portfolio::Count,
    pub average_fill_price: Option<kalshi_portfolio::Dollars>,
    pub average_fee_paid: Option<kalshi_portfolio::Dollars>,
    pub ts_ms: Option<i64>,
}

const KEY_HEADER: HeaderName = HeaderName::from_static("kalshi-access-key");
const TIMESTAMP_HEADER: HeaderName = HeaderName::from_static("kalshi-access-timestamp");
const SIGNATURE_HEADER: HeaderName = HeaderName::from_static("kalshi-access-signature");
const BASELINE_USER_AGENT: &str = "bench-baseline/0 (rust; blocking)";

/// Sign inline and set the three `KALSHI-ACCESS-*` headers, as a hand-written client
/// would.
fn sign_into(
    key: &SigningKey,
    key_id: &HeaderValue,
    method: &str,
    path: &str,
    headers: &mut reqwest::header::HeaderMap,
) -> Result<(), String> {
    let timestamp = now_ms();
    let signature = key
        .sign_request(timestamp, method, path)
        .map_err(|e| e.to_string())?;
    headers.insert(KEY_HEADER, key_id.clone());
    headers.insert(TIMESTAMP_HEADER, HeaderValue::from(timestamp));
    headers.insert(
        SIGNATURE_HEADER,
        HeaderValue::from_str(&signature).map_err(|e| e.to_string())?,
    );
    Ok(())
}

/// Set (to anything) to give the baselines the facade's trust store, the operating
/// system's through rustls-platform-verifier, instead of none: `bench_profile memory`
/// uses it to tell the trust store's memory from the rest of the facade's.
pub const BASELINE_TRUST_ENV: &str = "BENCH_BASELINE_PLATFORM_TRUST";

/// The TLS setup the baselines hand reqwest: the crate's crypto library, no roots (the
/// server is plain http; a reqwest client still builds its TLS connector), or with
/// [`BASELINE_TRUST_ENV`] set the operating system's, as the facade has.
fn baseline_tls() -> rustls::ClientConfig {
    use rustls_platform_verifier::BuilderVerifierExt;
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(tls_provider()))
        .with_safe_default_protocol_versions()
        .expect("tls versions");
    if std::env::var_os(BASELINE_TRUST_ENV).is_some() {
        builder
            .with_platform_verifier()
            .expect("the system trust store")
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth()
    }
}

/// The async baseline: the same work as [`PlainCore`] on an async reqwest client.
struct BaselineCore {
    http: reqwest::Client,
    base: String,
    key_id: HeaderValue,
    key: SigningKey,
}

impl BaselineCore {
    async fn get_balance(&self) -> Result<BaselineBalance, String> {
        self.send(self.http.get(format!("{}/portfolio/balance", self.base)))
            .await
    }

    async fn create_order(&self) -> Result<BaselineOrderResponse, String> {
        let url = format!("{}/portfolio/events/orders", self.base);
        self.send(self.http.post(url).json(&BaselineOrder::new()))
            .await
    }

    /// Build the request, sign inline, set the three headers, send, decode.
    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, String> {
        let mut request = request.build().map_err(|e| e.to_string())?;
        let path = request.url().path().to_owned();
        let method = request.method().clone();
        sign_into(
            &self.key,
            &self.key_id,
            method.as_str(),
            &path,
            request.headers_mut(),
        )?;
        let response = self
            .http
            .execute(request)
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()));
        }
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    }
}

/// The plain `reqwest::blocking` client most Rust users would write: sign inline with
/// the crate's `SigningKey`, the same three headers, the facade's reqwest settings.
struct PlainCore {
    http: reqwest::blocking::Client,
    base: String,
    key_id: HeaderValue,
    key: SigningKey,
}

impl PlainCore {
    fn get_balance(&self) -> Result<BaselineBalance, String> {
        self.send(self.http.get(format!("{}/portfolio/balance", self.base)))
    }

    fn create_order(&self) -> Result<BaselineOrderResponse, String> {
        let url = format!("{}/portfolio/events/orders", self.base);
        self.send(self.http.post(url).json(&BaselineOrder::new()))
    }

    /// Build the request, sign inline, set the three headers, send, decode.
    fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::blocking::RequestBuilder,
    ) -> Result<T, String> {
        let mut request = request.build().map_err(|e| e.to_string())?;
        let path = request.url().path().to_owned();
        let method = request.method().clone();
        sign_into(
            &self.key,
            &self.key_id,
            method.as_str(),
            &path,
            request.headers_mut(),
        )?;
        let response = self.http.execute(request).map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()));
        }
        let body = response.bytes().map_err(|e| e.to_string())?;
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    }
}

/// Which hand-written client, i.e. how its async reqwest call becomes a blocking one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaselineModel {
    /// `reqwest::blocking::Client`: one background thread drives every request; the
    /// caller hands its request over and waits. What most Rust users would write, so
    /// the reference for the 1.05x target.
    PlainBlocking,
    /// The facade's previous model: a multi-thread runtime with
    /// [`facade_workers`] workers; the call is spawned onto it and the caller waits on
    /// a channel (two cross-thread wake-ups per request). Information.
    SpawnChannel,
    /// A current-thread runtime the calling thread blocks on: the cheapest blocking
    /// client, but on its own it panics inside another runtime and serialises
    /// callers. Information: the floor.
    CallerThread,
}

impl BaselineModel {
    pub const ALL: [BaselineModel; 3] = [
        BaselineModel::PlainBlocking,
        BaselineModel::SpawnChannel,
        BaselineModel::CallerThread,
    ];

    /// The reference of the targets.
    pub const REFERENCE: BaselineModel = BaselineModel::PlainBlocking;

    /// Short name for benchmark ids and command lines.
    pub fn id(self) -> &'static str {
        match self {
            BaselineModel::PlainBlocking => "plain_blocking",
            BaselineModel::SpawnChannel => "spawn_channel",
            BaselineModel::CallerThread => "caller_thread",
        }
    }

    pub fn from_id(id: &str) -> Option<BaselineModel> {
        BaselineModel::ALL
            .into_iter()
            .find(|model| model.id() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            BaselineModel::PlainBlocking => "plain reqwest::blocking",
            BaselineModel::SpawnChannel => "spawn+chan, N workers",
            BaselineModel::CallerThread => "current-thread block_on",
        }
    }
}

/// The worker count of the facade's fallback runtime (and of its previous model).
pub fn facade_workers() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4)
}

/// rustls's provider from the crypto library the crate was built with (the
/// baselines sign with the crate's `SigningKey`, so they use that library too).
fn tls_provider() -> rustls::crypto::CryptoProvider {
    #[cfg(feature = "aws-lc-rs")]
    {
        rustls::crypto::aws_lc_rs::default_provider()
    }
    #[cfg(not(feature = "aws-lc-rs"))]
    {
        rustls::crypto::ring::default_provider()
    }
}

/// What the benchmark calls: W1's signed GET or W3's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    GetBalance,
    CreateOrder,
}

impl Op {
    pub fn label(self) -> &'static str {
        match self {
            Op::GetBalance => "get_balance",
            Op::CreateOrder => "create_order",
        }
    }

    pub fn from_id(id: &str) -> Option<Op> {
        match id {
            "get_balance" | "balance" => Some(Op::GetBalance),
            "create_order" | "order" => Some(Op::CreateOrder),
            _ => None,
        }
    }
}

/// One facade call of `op`.
pub fn facade_call(client: &Client, op: Op) {
    match op {
        Op::GetBalance => {
            black_box(client.get_balance().expect("facade get_balance"));
        }
        Op::CreateOrder => {
            black_box(
                client
                    .create_order(&new_order())
                    .expect("facade create_order"),
            );
        }
    }
}

/// A blocking, hand-written Kalshi client: no generated code.
pub struct Baseline {
    model: BaselineModel,
    plain: Option<PlainCore>,
    core: Option<Arc<BaselineCore>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Baseline {
    pub fn new(server: &Server, key: Key, model: BaselineModel) -> Baseline {
        Baseline::at(&server.base_url, key, model)
    }

    pub fn at(base_url: &str, key: Key, model: BaselineModel) -> Baseline {
        // Same reqwest settings as the facade (timeouts, nodelay, no redirects, no
        // proxy from the environment). reqwest is built without a default TLS
        // provider, so give it the crate's crypto library.
        let base = base_url.to_owned();
        let key_id = HeaderValue::from_static(KEY_ID);
        if model == BaselineModel::PlainBlocking {
            let http = reqwest::blocking::Client::builder()
                .tls_backend_preconfigured(baseline_tls())
                .user_agent(BASELINE_USER_AGENT)
                .timeout(Duration::from_secs(30))
                .connect_timeout(Duration::from_secs(10))
                .tcp_nodelay(true)
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .build()
                .expect("reqwest blocking client");
            return Baseline {
                model,
                plain: Some(PlainCore {
                    http,
                    base,
                    key_id,
                    key: key.load(),
                }),
                core: None,
                runtime: None,
            };
        }
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(baseline_tls())
            .user_agent(BASELINE_USER_AGENT)
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .expect("reqwest client");
        let runtime = match model {
            BaselineModel::SpawnChannel => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(facade_workers())
                .enable_all()
                .build(),
            _ => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build(),
        }
        .expect("baseline runtime");
        Baseline {
            model,
            plain: None,
            core: Some(Arc::new(BaselineCore {
                http,
                base,
                key_id,
                key: key.load(),
            })),
            runtime: Some(runtime),
        }
    }

    pub fn get_balance(&self) -> Result<BaselineBalance, String> {
        if let Some(plain) = &self.plain {
            return plain.get_balance();
        }
        self.run(|core| async move { core.get_balance().await })
    }

    pub fn create_order(&self) -> Result<BaselineOrderResponse, String> {
        if let Some(plain) = &self.plain {
            return plain.create_order();
        }
        self.run(|core| async move { core.create_order().await })
    }

    pub fn call(&self, op: Op) {
        match op {
            Op::GetBalance => {
                black_box(self.get_balance().expect("baseline get_balance"));
            }
            Op::CreateOrder => {
                black_box(self.create_order().expect("baseline create_order"));
            }
        }
    }

    fn run<T: Send + 'static, Fut>(
        &self,
        call: impl FnOnce(Arc<BaselineCore>) -> Fut,
    ) -> Result<T, String>
    where
        Fut: std::future::Future<Output = Result<T, String>> + Send + 'static,
    {
        let (Some(core), Some(runtime)) = (&self.core, &self.runtime) else {
            return Err("no runtime".into());
        };
        match self.model {
            BaselineModel::SpawnChannel => {
                let future = call(core.clone());
                let (sender, receiver) = std::sync::mpsc::sync_channel(1);
                runtime.spawn(async move {
                    let _ = sender.send(future.await);
                });
                receiver
                    .recv()
                    .unwrap_or_else(|_| Err("runtime stopped".into()))
            }
            _ => runtime.block_on(call(core.clone())),
        }
    }
}
