//! The blocking [`Client`], how to build one, and where it connects.
//!
//! The generated client is async; this crate's users are scripts and batch jobs that
//! are not. The [`Client`] drives the async core itself (src/runtime.rs): the calling
//! thread runs its own call on a small current-thread runtime it checks out of the
//! client, so the caller needs no runtime of its own and many threads can share one
//! `Client`; a `Client` built, used or dropped inside someone else's tokio runtime
//! neither panics nor deadlocks (the call goes to a runtime of the client's own and
//! only blocks that thread for its duration, as any blocking client does).

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use progenitor_client::ResponseValue;
use tracing::Instrument;

use crate::error::{Error, Result};
use crate::generated::Client as RawClient;
use crate::rate_limit::{Budget, RateLimit, RateLimiter};
use crate::retry::{Idempotency, RetryDecision, RetryPolicy};
use crate::runtime::{Engine, MakeRaw};
use crate::signing::SigningKey;
use crate::transport::{self, Hooks};

/// Which Kalshi deployment to talk to.
///
/// There is deliberately no `Default`: production is never chosen for you.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// Real money: `https://external-api.kalshi.com/trade-api/v2`.
    Production,
    /// Kalshi's demo exchange: `https://external-api.demo.kalshi.co/trade-api/v2`.
    /// Demo needs its own API key; production keys do not work there.
    Demo,
    /// Any base URL including the `/trade-api/v2` stem, e.g. a local sandbox (a bare
    /// `https://host` is completed with it; another path is refused). Plain `http` is
    /// accepted only for loopback hosts, so a key never signs requests that cross a
    /// network unencrypted, and `user:password@` never.
    Custom(String),
}

impl Environment {
    /// The base URL requests are made against (no trailing slash).
    pub fn base_url(&self) -> &str {
        match self {
            Environment::Production => "https://external-api.kalshi.com/trade-api/v2",
            Environment::Demo => "https://external-api.demo.kalshi.co/trade-api/v2",
            Environment::Custom(url) => url.trim_end_matches('/'),
        }
    }

    /// Read `demo`, `production` (or `prod`), or a URL, as `KALSHI_ENV` does.
    pub fn parse(text: &str) -> Result<Self> {
        let trimmed = text.trim();
        match trimmed.to_ascii_lowercase().as_str() {
            "demo" => Ok(Environment::Demo),
            "production" | "prod" => Ok(Environment::Production),
            _ if trimmed.contains("://") => {
                let environment = Environment::Custom(trimmed.to_string());
                environment.validated_url()?;
                Ok(environment)
            }
            _ => Err(Error::Config(format!(
                "unknown environment {trimmed:?}: expected `demo`, `production` or a base URL"
            ))),
        }
    }

    fn validated_url(&self) -> Result<reqwest::Url> {
        let url = checked_url("base URL", self.base_url())?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::Config(format!(
                "base URL {:?} carries user info (`user:password@`); Kalshi authenticates \
                 with the signed headers only, so remove it",
                redact_user_info(self.base_url())
            )));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::Config(format!(
                "base URL {:?} must not have a query or fragment",
                redact_user_info(self.base_url())
            )));
        }
        // Kalshi signs the path with its `/trade-api/v2` stem, so a base URL without
        // it cannot work: a bare host is completed, any other path refused now rather
        // than answered 404 later.
        let mut url = url;
        match url.path().trim_end_matches('/') {
            "" => url.set_path(API_PATH),
            path if path.ends_with(API_PATH) => {}
            path => {
                return Err(Error::Config(format!(
                    "base URL {:?} has the path {path:?}; Kalshi's API is under \
                     {API_PATH} (e.g. http://127.0.0.1:8787{API_PATH})",
                    redact_user_info(self.base_url())
                )))
            }
        }
        Ok(url)
    }
}

/// The path every base URL ends with.
const API_PATH: &str = "/trade-api/v2";

/// Parse a URL the client will send signed requests to or through, and check its
/// scheme: `https`, or plain `http` only to a loopback host, so a key never signs
/// requests that cross a network unencrypted. Errors name `what` and never show a
/// password.
fn checked_url(what: &str, text: &str) -> Result<reqwest::Url> {
    let shown = redact_user_info(text);
    let url = reqwest::Url::parse(text)
        .map_err(|e| Error::Config(format!("{what} {shown:?} is not a valid URL: {e}")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(Error::Config(format!(
            "{what} {shown:?} uses plain http on a non-loopback host; use https"
        ))),
        other => Err(Error::Config(format!(
            "{what} {shown:?} has scheme {other:?}; expected https"
        ))),
    }
}

/// `url` with any user info (`user:password@`) replaced by `***@`, for display. Works
/// on text that does not parse as a URL too, so nothing a caller typed can leak a
/// password through an error or a `Debug`.
pub(crate) fn redact_user_info(url: &str) -> std::borrow::Cow<'_, str> {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[authority_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            std::borrow::Cow::Owned(format!("{}***{}", &url[..authority_start], &rest[at..]))
        }
        None => std::borrow::Cow::Borrowed(url),
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Environment::Production => f.write_str("Production"),
            Environment::Demo => f.write_str("Demo"),
            Environment::Custom(url) => f
                .debug_tuple("Custom")
                .field(&redact_user_info(url))
                .finish(),
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Environment::Production => f.write_str("production"),
            Environment::Demo => f.write_str("demo"),
            Environment::Custom(url) => f.write_str(&redact_user_info(url)),
        }
    }
}

/// Where the private key comes from. Its `Debug` never shows PEM text.
#[derive(Clone)]
enum KeySource {
    Pem(String),
    File(PathBuf),
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Pem(_) => f.write_str("Pem([redacted])"),
            KeySource::File(path) => f.debug_tuple("File").field(path).finish(),
        }
    }
}

/// Default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed for a whole request, from sending to the last byte of the body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default largest batch for batch create and batch cancel. Kalshi scales the real
/// limit with the account's tier; raise it with [`ClientBuilder::max_batch_size`].
pub const DEFAULT_MAX_BATCH_SIZE: usize = 20;
/// Default largest response body the client reads: 8 MiB. The largest legitimate
/// answer is a page of 1,000 orders, about 1 MB of JSON (a 1,000-fill page is about
/// 0.5 MB), so this leaves room for Kalshi's records to grow eightfold while a server
/// that sends an endless body costs at most this much memory.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 8 * 1024 * 1024;

/// Configures a [`Client`]. Obtain one with [`Client::builder`].
#[derive(Clone, Debug)]
#[must_use]
pub struct ClientBuilder {
    environment: Option<Environment>,
    api_key_id: Option<String>,
    key: Option<KeySource>,
    timeout: Duration,
    connect_timeout: Duration,
    max_batch_size: usize,
    max_response_body: usize,
    proxy: Option<ProxyUrl>,
    retry: RetryPolicy,
    rate_limit: Option<RateLimit>,
}

/// A proxy URL given to [`ClientBuilder::proxy`]. Its `Debug` hides any password.
#[derive(Clone)]
struct ProxyUrl(String);

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ProxyUrl")
            .field(&redact_user_info(&self.0))
            .finish()
    }
}

impl ClientBuilder {
    fn new() -> Self {
        ClientBuilder {
            environment: None,
            api_key_id: None,
            key: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_batch_size: DEFAULT_MAX_BATCH_SIZE,
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            proxy: None,
            retry: RetryPolicy::default(),
            rate_limit: None,
        }
    }

    /// The largest response body the client reads, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BODY`], 8 MiB). A larger success answer ends the call
    /// with [`Error::ResponseTooLarge`] after reading at most this much; error bodies
    /// are kept up to 64 KiB.
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// Send every request through this proxy (`https://…`, or `http://…` on a
    /// loopback host, as for the base URL; `user:password@` is accepted for proxies
    /// that ask for it and never shown).
    ///
    /// Without this call the client uses no proxy at all: `HTTP_PROXY`, `HTTPS_PROXY`
    /// and `ALL_PROXY` in the environment are ignored, so a variable set for some other
    /// program cannot route signed requests elsewhere. With an https exchange, the
    /// proxy sees only the host it tunnels to; the request stays encrypted.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(ProxyUrl(url.into()));
        self
    }

    /// How failed calls are retried ([`RetryPolicy::default`]: 4 attempts with capped,
    /// jittered backoff; [`RetryPolicy::none`] turns retries off). Only calls that
    /// cannot act twice are repeated; see [`RetryPolicy`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Pace requests to a read/write budget, e.g. [`RateLimit::BASIC`] (off by
    /// default). Calls wait for their budget before they are signed.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Which exchange to talk to. Required: there is no default environment.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// The API key id Kalshi showed when the key was created.
    pub fn api_key_id(mut self, key_id: impl Into<String>) -> Self {
        self.api_key_id = Some(key_id.into());
        self
    }

    /// The private key as PEM text: RSA in PKCS#1 (`BEGIN RSA PRIVATE KEY`, as Kalshi
    /// hands it out) or PKCS#8 (`BEGIN PRIVATE KEY`), or Ed25519 in PKCS#8.
    pub fn private_key_pem(mut self, pem: impl Into<String>) -> Self {
        self.key = Some(KeySource::Pem(pem.into()));
        self
    }

    /// Read the private key PEM from a file when [`ClientBuilder::build`] runs.
    pub fn private_key_file(mut self, path: impl AsRef<Path>) -> Self {
        self.key = Some(KeySource::File(path.as_ref().to_path_buf()));
        self
    }

    /// Time allowed for a whole request (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed to open a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The most orders one batch request carries (default 20); longer lists given to
    /// [`Client::batch_create_orders`] and [`Client::batch_cancel_orders`] are sent
    /// in several requests. Kalshi scales its own limit with the account's tier.
    pub fn max_batch_size(mut self, size: usize) -> Self {
        self.max_batch_size = size;
        self
    }

    /// Check the configuration, load the key, and start the client.
    pub fn build(self) -> Result<Client> {
        let environment = self.environment.ok_or_else(|| {
            Error::Config(
                "no environment chosen: call .environment(Environment::Demo) or \
                 Environment::Production explicitly"
                    .into(),
            )
        })?;
        let base_url = environment.validated_url()?;
        let key_id = self
            .api_key_id
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| Error::Config("no API key id: call .api_key_id(..)".into()))?;
        let key = match self.key {
            Some(KeySource::Pem(pem)) => SigningKey::from_pem(&pem),
            Some(KeySource::File(path)) => SigningKey::from_pem_file(&path),
            None => {
                return Err(Error::Config(
                    "no private key: call .private_key_pem(..) or .private_key_file(..)".into(),
                ))
            }
        }
        .map_err(|e| Error::Config(e.to_string()))?;
        if self.max_batch_size == 0 {
            return Err(Error::Config("max_batch_size must be at least 1".into()));
        }
        if self.timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(Error::Config("timeouts must be longer than zero".into()));
        }
        if self.max_response_body == 0 {
            return Err(Error::Config("max_response_body must be at least 1".into()));
        }

        key.warm();
        let hooks = Hooks::new(key_id, key)?;
        let proxy = match &self.proxy {
            Some(ProxyUrl(text)) => {
                let url = checked_url("proxy URL", text)?;
                Some(reqwest::Proxy::all(url).map_err(|e| {
                    Error::Config(format!(
                        "proxy URL {:?} is not usable: {}",
                        redact_user_info(text),
                        e.without_url()
                    ))
                })?)
            }
            None => None,
        };
        // Built once (the expensive part of a reqwest client) and cloned into the
        // reqwest client of each driver (src/runtime.rs).
        let tls = transport::tls_config()?;
        let (timeout, connect_timeout) = (self.timeout, self.connect_timeout);
        let base = base_url.as_str().trim_end_matches('/').to_owned();
        let raw_hooks = hooks.clone();
        let make_raw: MakeRaw = Box::new(move || {
            let mut http = reqwest::Client::builder()
                .tls_backend_preconfigured(tls.clone())
                .user_agent(USER_AGENT)
                .timeout(timeout)
                .connect_timeout(connect_timeout)
                .tcp_nodelay(true)
                // A signed request goes to the configured host and nowhere else: a
                // 3xx is an error (`Error::Redirect`), and no proxy is taken from the
                // environment.
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy();
            if let Some(proxy) = &proxy {
                http = http.proxy(proxy.clone());
            }
            let http = http
                .build()
                .map_err(|e| Error::Config(format!("HTTP client setup failed: {e}")))?;
            Ok(RawClient::new_with_client(&base, http, raw_hooks.clone()))
        });
        let engine = Engine::start(make_raw)?;
        Ok(Client {
            inner: Arc::new(Inner {
                engine,
                hooks,
                environment,
                timeout: self.timeout,
                max_batch_size: self.max_batch_size,
                max_response_body: self.max_response_body,
                retry: self.retry,
                rate_limiter: self
                    .rate_limit
                    .map(|limit| Arc::new(RateLimiter::new(limit))),
            }),
        })
    }
}

const USER_AGENT: &str = concat!(
    env!("CARGO_PKG_NAME"),
    "/",
    env!("CARGO_PKG_VERSION"),
    " (rust; blocking)"
);

/// A blocking client for Kalshi's portfolio endpoints.
///
/// Cheap to clone (an `Arc`), `Send + Sync`, and meant to be shared: clones share the
/// runtimes and connections (one per thread calling at the same moment), which stop
/// when the last clone is dropped.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    /// The signing hooks every driver's generated client shares (here for `Debug`).
    hooks: Hooks,
    environment: Environment,
    timeout: Duration,
    max_batch_size: usize,
    max_response_body: usize,
    retry: RetryPolicy,
    rate_limiter: Option<Arc<RateLimiter>>,
}

/// How the facade classifies a call for retries and rate limiting.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallKind {
    pub idempotency: Idempotency,
    pub budget: Budget,
    /// Overrides the client's timeout for each request of this call.
    pub timeout: Option<Duration>,
}

impl CallKind {
    /// A read: idempotent, one read of budget.
    pub const READ: CallKind = CallKind {
        idempotency: Idempotency::Idempotent,
        budget: Budget::Read,
        timeout: None,
    };

    /// A write of `cost` orders whose repetition cannot act twice.
    pub fn keyed_write(cost: usize) -> CallKind {
        CallKind {
            idempotency: Idempotency::Idempotent,
            budget: Budget::Write(u32::try_from(cost).unwrap_or(u32::MAX)),
            timeout: None,
        }
    }

    /// A write that may act twice if repeated.
    pub const UNKEYED_WRITE: CallKind = CallKind {
        idempotency: Idempotency::NotIdempotent,
        budget: Budget::Write(1),
        timeout: None,
    };

    /// A call the client cannot classify ([`Client::raw`]): repeated only when the
    /// exchange certainly did nothing, and counted as a read.
    pub const UNCLASSIFIED: CallKind = CallKind {
        idempotency: Idempotency::NotIdempotent,
        budget: Budget::Read,
        timeout: None,
    };

    /// The same call with its own request timeout.
    pub fn with_timeout(self, timeout: Option<Duration>) -> CallKind {
        CallKind { timeout, ..self }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("environment", &self.inner.environment)
            .field("api_key_id", &self.inner.hooks.key_id())
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

/// Environment variables read by [`Client::from_env`].
pub mod env_vars {
    /// The API key id.
    pub const API_KEY_ID: &str = "KALSHI_API_KEY_ID";
    /// Path to the private key PEM file.
    pub const PRIVATE_KEY_PATH: &str = "KALSHI_PRIVATE_KEY_PATH";
    /// The private key PEM text itself (literal `\n` sequences are accepted).
    pub const PRIVATE_KEY: &str = "KALSHI_PRIVATE_KEY";
    /// `demo` (the default when unset), `production`, or a base URL.
    pub const ENV: &str = "KALSHI_ENV";
}

impl Client {
    /// Start configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// Build a client from `KALSHI_API_KEY_ID`, `KALSHI_PRIVATE_KEY_PATH` or
    /// `KALSHI_PRIVATE_KEY`, and `KALSHI_ENV` (`demo` when unset: production is never a
    /// default).
    pub fn from_env() -> Result<Client> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// [`Client::from_env`] with a custom variable lookup (for tests and for callers
    /// that keep configuration elsewhere).
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Client> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let environment = match get(env_vars::ENV) {
            Some(text) => Environment::parse(&text).map_err(|e| match e {
                Error::Config(message) => Error::Config(format!("{}: {message}", env_vars::ENV)),
                other => other,
            })?,
            None => Environment::Demo,
        };
        let key_id = get(env_vars::API_KEY_ID);
        let key = match (get(env_vars::PRIVATE_KEY_PATH), get(env_vars::PRIVATE_KEY)) {
            (Some(path), _) => Some(KeySource::File(PathBuf::from(path.trim()))),
            (None, Some(pem)) => Some(KeySource::Pem(pem.replace("\\n", "\n"))),
            (None, None) => None,
        };
        let (Some(key_id), Some(key)) = (key_id.as_deref(), key.clone()) else {
            let mut missing = Vec::new();
            if key_id.is_none() {
                missing.push(env_vars::API_KEY_ID.to_string());
            }
            if key.is_none() {
                missing.push(format!(
                    "{} (or {})",
                    env_vars::PRIVATE_KEY_PATH,
                    env_vars::PRIVATE_KEY
                ));
            }
            return Err(Error::Config(format!(
                "no credentials for the {environment} environment: {} not set",
                missing.join(" and ")
            )));
        };
        let builder = Client::builder()
            .environment(environment)
            .api_key_id(key_id.trim());
        ClientBuilder {
            key: Some(key),
            ..builder
        }
        .build()
    }

    /// The environment this client talks to.
    pub fn environment(&self) -> &Environment {
        &self.inner.environment
    }

    /// The most orders one batch request carries
    /// ([`ClientBuilder::max_batch_size`], default [`DEFAULT_MAX_BATCH_SIZE`]);
    /// [`Client::batch_create_orders`] and [`Client::batch_cancel_orders`] split
    /// longer lists into requests of this size.
    pub fn max_batch_size(&self) -> usize {
        self.inner.max_batch_size
    }

    /// Run any operation of the generated async client, blocking until it finishes.
    ///
    /// This reaches every `/portfolio` operation of the vendored spec, including the
    /// ones the facade does not wrap (subaccounts, transfers, deposits, …). Requests
    /// are signed and errors decoded exactly as for the facade methods. Because the
    /// client cannot know whether such a call is safe to repeat, it is retried only
    /// when the exchange certainly did not act on it (429, or no connection), and it
    /// counts as a read for the rate limit.
    ///
    /// ```no_run
    /// # fn main() -> kalshi_portfolio::Result<()> {
    /// let client = kalshi_portfolio::Client::from_env()?;
    /// let balances = client.raw("get_subaccount_balances", |raw| async move {
    ///     raw.get_subaccount_balances().send().await
    /// })?;
    /// # Ok(()) }
    /// ```
    pub fn raw<T, F, Fut>(&self, operation: &'static str, call: F) -> Result<T>
    where
        F: Fn(Arc<RawClient>) -> Fut + Send + 'static,
        Fut: Future<Output = std::result::Result<ResponseValue<T>, progenitor_client::Error<()>>>
            + Send
            + 'static,
        T: Send + 'static,
    {
        self.call(operation, CallKind::UNCLASSIFIED, call)
    }

    /// Run a generated call with the client's rate limit and retry policy.
    ///
    /// `call` is invoked once per attempt, so every attempt is a new request with a
    /// new timestamp and signature (the generated `pre` hook signs).
    pub(crate) fn call<T, F, Fut>(
        &self,
        operation: &'static str,
        kind: CallKind,
        call: F,
    ) -> Result<T>
    where
        F: Fn(Arc<RawClient>) -> Fut + Send + 'static,
        Fut: Future<Output = std::result::Result<ResponseValue<T>, progenitor_client::Error<()>>>
            + Send
            + 'static,
        T: Send + 'static,
    {
        self.call_counted(operation, kind, call)
            .map(|(value, _attempts)| value)
    }

    /// [`Client::call`], also saying how many attempts the success took: a success
    /// after a retry may follow an earlier attempt that acted but whose answer was lost.
    pub(crate) fn call_counted<T, F, Fut>(
        &self,
        operation: &'static str,
        kind: CallKind,
        call: F,
    ) -> Result<(T, u32)>
    where
        F: Fn(Arc<RawClient>) -> Fut + Send + 'static,
        Fut: Future<Output = std::result::Result<ResponseValue<T>, progenitor_client::Error<()>>>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let inner = self.inner.clone();
        self.inner.engine.run(move |raw| async move {
            let mut attempt = 0;
            loop {
                attempt += 1;
                if let Some(limiter) = &inner.rate_limiter {
                    limiter.acquire(kind.budget).await;
                }
                // The transport's per-request span (status, latency) nests in this one.
                let span = tracing::debug_span!("kalshi_call", operation, attempt);
                // Boxed so that this loop's own future stays small (~450 bytes rather
                // than ~5.8 KB): tokio copies a task's whole future when it spawns it
                // and again when it stores the result, and with the generated request
                // future held inline that copying was the largest cost the facade
                // added over a hand-written client (BENCHMARKS.md, "Where the
                // facade's extra cost went").
                let attempt_future = Box::pin(call(raw.clone())).instrument(span);
                let attempt_future = transport::ATTEMPT.scope(
                    transport::Attempt::new(inner.max_response_body),
                    async {
                        let result = attempt_future.await;
                        (result, transport::ATTEMPT.with(transport::Attempt::outcome))
                    },
                );
                let (result, outcome) = match kind.timeout {
                    Some(timeout) => {
                        transport::REQUEST_TIMEOUT
                            .scope(timeout, attempt_future)
                            .await
                    }
                    None => attempt_future.await,
                };
                let timeout = kind.timeout.unwrap_or(inner.timeout);
                let mut error = match result {
                    Ok(value) => return Ok((value.into_inner(), attempt)),
                    // Boxed for the same reason; one allocation on the error path is cheap.
                    Err(e) => Box::pin(transport::into_error(operation, e, timeout, outcome)).await,
                };
                let wait = match inner.retry.decide(attempt, &error, kind.idempotency) {
                    RetryDecision::Wait(wait) => Some(wait),
                    RetryDecision::Stop => None,
                    RetryDecision::Refuse(reason) => {
                        // The server asked for a wait this client will not make: say so
                        // in the error instead of retrying at once.
                        if let Error::Api(api) = &mut error {
                            api.not_retried = Some(reason);
                        }
                        None
                    }
                };
                match wait {
                    Some(wait) => {
                        tracing::warn!(
                            operation,
                            attempt,
                            wait_ms = wait.as_millis() as u64,
                            error = %error,
                            "retrying"
                        );
                        tokio::time::sleep(wait).await;
                    }
                    None if attempt == 1 => return Err(error),
                    None => {
                        return Err(Error::RetriesExhausted {
                            operation,
                            attempts: attempt,
                            last: Box::new(error),
                        })
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_have_the_current_hosts() {
        assert_eq!(
            Environment::Production.base_url(),
            "https://external-api.kalshi.com/trade-api/v2"
        );
        assert_eq!(
            Environment::Demo.base_url(),
            "https://external-api.demo.kalshi.co/trade-api/v2"
        );
        assert_eq!(
            Environment::Custom("http://127.0.0.1:9/trade-api/v2/".into()).base_url(),
            "http://127.0.0.1:9/trade-api/v2"
        );
    }

    #[test]
    fn environment_parsing() {
        assert_eq!(Environment::parse("demo").ok(), Some(Environment::Demo));
        assert_eq!(
            Environment::parse(" PRODUCTION ").ok(),
            Some(Environment::Production)
        );
        assert_eq!(
            Environment::parse("prod").ok(),
            Some(Environment::Production)
        );
        assert!(matches!(
            Environment::parse("https://example.test/trade-api/v2"),
            Ok(Environment::Custom(_))
        ));
        let err = Environment::parse("staging").expect_err("unknown name");
        assert!(err.to_string().contains("staging"));
    }

    #[test]
    fn plain_http_only_on_loopback() {
        for ok in [
            "http://127.0.0.1:8080/trade-api/v2",
            "http://localhost:1/trade-api/v2",
            "http://[::1]:1/trade-api/v2",
            "https://example.test/trade-api/v2",
        ] {
            assert!(
                Environment::Custom(ok.into()).validated_url().is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "http://example.test/trade-api/v2",
            "ftp://127.0.0.1/",
            "https://example.test/trade-api/v2?x=1",
            "https://example.test/api/v1",
            "not a url",
        ] {
            let err = Environment::Custom(bad.into())
                .validated_url()
                .expect_err(bad);
            assert!(matches!(err, Error::Config(_)), "{bad}: {err}");
        }
    }

    #[test]
    fn user_info_is_redacted_from_anything_that_looks_like_a_url() {
        assert_eq!(
            redact_user_info("https://u:secret@host.test:8/p?q=1"),
            "https://***@host.test:8/p?q=1"
        );
        assert_eq!(
            redact_user_info("https://host.test/a@b"),
            "https://host.test/a@b"
        );
        assert_eq!(redact_user_info("u:secret@host/x"), "***@host/x");
        assert_eq!(redact_user_info("not a url"), "not a url");
        let err = Environment::Custom("https://u:secret@host.test/trade-api/v2".into())
            .validated_url()
            .expect_err("user info");
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn a_bare_host_is_completed_with_the_api_path() {
        for bare in [
            "https://example.test",
            "https://example.test/",
            "http://127.0.0.1:8787",
        ] {
            let url = Environment::Custom(bare.into())
                .validated_url()
                .expect(bare);
            assert!(url.path() == "/trade-api/v2", "{bare}: {url}");
        }
        let err = Environment::Custom("https://example.test/v2".into())
            .validated_url()
            .expect_err("a wrong path");
        assert!(err.to_string().contains("/trade-api/v2"), "{err}");
    }

    #[test]
    fn from_env_names_every_missing_variable_and_no_doubled_prefix() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_string())
            }
        };
        let err = Client::from_env_with(vars(&[("KALSHI_ENV", "production")]))
            .expect_err("no credentials");
        let text = err.to_string();
        assert!(text.contains("production"), "{text}");
        assert!(text.contains("KALSHI_API_KEY_ID"), "{text}");
        assert!(text.contains("KALSHI_PRIVATE_KEY_PATH"), "{text}");
        let err = Client::from_env_with(vars(&[("KALSHI_ENV", "staging")])).expect_err("bad env");
        assert_eq!(
            err.to_string().matches("configuration error").count(),
            1,
            "{err}"
        );
    }

    #[test]
    fn builder_requires_an_explicit_environment() {
        let err = Client::builder()
            .api_key_id("id")
            .private_key_pem("x")
            .build()
            .expect_err("no environment");
        assert!(err.to_string().contains("no environment"), "{err}");
    }

    #[test]
    fn builder_debug_hides_the_pem() {
        let builder = Client::builder().private_key_pem("-----BEGIN PRIVATE KEY-----\nSECRETBYTES");
        let debug = format!("{builder:?}");
        assert!(!debug.contains("SECRETBYTES"), "{debug}");
        assert!(debug.contains("redacted"), "{debug}");
    }
}
