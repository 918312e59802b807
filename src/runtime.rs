//! How a blocking call drives the async generated client.
//!
//! The generated client is async; this crate's users are not. A blocking call has to
//! run its future on some tokio runtime, and how it gets there is most of what the
//! facade costs per request once the signature is cheap (Ed25519): handing the
//! future to a worker thread and waiting on a channel costs two cross-thread wake-ups
//! per request, more than the facade's own code (BENCHMARKS.md, "The runtime model").
//!
//! So the calling thread drives its own call. The [`Engine`] keeps a pool of
//! [`Driver`]s, each a current-thread runtime with its own generated client and so its
//! own reqwest connection pool. A call checks one out, `block_on`s its future on the
//! calling thread, lets the runtime finish the work the response left behind (the
//! connection going back to its pool), and checks the driver back in. Each driver
//! owns its connections: a connection's hyper task is spawned on the runtime that
//! opened it and is only ever polled by it, so no driver waits on a task another
//! driver would have to run. Drivers are made on demand, one per thread calling at
//! the same moment, and kept for the next call: a program that calls from one thread
//! uses one driver and one connection; four threads calling at once, four.
//!
//! `block_on` panics on a thread that is already inside a tokio runtime (an `async fn`,
//! or `spawn_blocking`). There the engine falls back to a multi-thread runtime of its
//! own, started on first use, onto which the call is spawned while the calling thread
//! waits on a plain channel: slower, but it neither panics nor deadlocks.
//!
//! What the drivers share lives outside them: the signing key (in the hooks of every
//! generated client), and the client's rate limiter and retry policy (in the call's
//! future). The TLS configuration is built once and cloned into each driver's
//! reqwest client.

use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};

use crate::error::{Error, Result};
use crate::generated::Client as RawClient;

/// Builds one generated client (with its own reqwest client and connection pool) for a
/// new driver or for the fallback runtime.
pub(crate) type MakeRaw = Box<dyn Fn() -> Result<RawClient> + Send + Sync>;

/// Runs blocking calls of one [`crate::Client`] and all its clones.
pub(crate) struct Engine {
    make_raw: MakeRaw,
    /// Drivers no call is using right now; the most recently returned is reused first,
    /// so a single calling thread keeps using the same one (and its connection).
    idle: Mutex<Vec<Driver>>,
    /// The runtime for calls made inside another tokio runtime; started on first use.
    fallback: OnceLock<Fallback>,
}

/// A current-thread runtime and the generated client whose connections live on it.
struct Driver {
    runtime: Option<tokio::runtime::Runtime>,
    raw: Arc<RawClient>,
}

/// The multi-thread runtime calls are spawned onto when the caller is inside a tokio
/// runtime already, and the generated client whose connections live on it.
struct Fallback {
    runtime: Option<tokio::runtime::Runtime>,
    raw: Arc<RawClient>,
}

impl Engine {
    /// An engine with one driver ready, so that the first call pays for no runtime or
    /// connection pool setup and a setup failure is reported by `build()`.
    pub(crate) fn start(make_raw: MakeRaw) -> Result<Engine> {
        let first = Driver::new(&make_raw)?;
        Ok(Engine {
            make_raw,
            idle: Mutex::new(vec![first]),
            fallback: OnceLock::new(),
        })
    }

    /// Run `call` (given the generated client to use) to completion, blocking the
    /// calling thread.
    pub(crate) fn run<T, F, Fut>(&self, call: F) -> Result<T>
    where
        F: FnOnce(Arc<RawClient>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        if tokio::runtime::Handle::try_current().is_ok() {
            return self.fallback()?.run(call);
        }
        let mut driver = self.check_out()?;
        let result = driver.run(call);
        // A driver whose call panicked is dropped by the unwinding, never reused.
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(driver);
        result
    }

    fn check_out(&self) -> Result<Driver> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match idle {
            Some(driver) => Ok(driver),
            None => Driver::new(&self.make_raw),
        }
    }

    fn fallback(&self) -> Result<&Fallback> {
        if let Some(fallback) = self.fallback.get() {
            return Ok(fallback);
        }
        let made = Fallback::new(&self.make_raw)?;
        // Two threads may race to start it; the loser's runtime is shut down quietly.
        Ok(self.fallback.get_or_init(|| made))
    }
}

impl Driver {
    fn new(make_raw: &MakeRaw) -> Result<Driver> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("could not start the client's runtime: {e}")))?;
        Ok(Driver {
            runtime: Some(runtime),
            raw: Arc::new(make_raw()?),
        })
    }

    fn run<T, Fut>(&mut self, call: impl FnOnce(Arc<RawClient>) -> Fut) -> Result<T>
    where
        Fut: Future<Output = Result<T>>,
    {
        let Some(runtime) = &self.runtime else {
            return Err(Error::Config("the client's runtime has stopped".into()));
        };
        let result = runtime.block_on(call(self.raw.clone()));
        // `block_on` returns as soon as the call's own future is done, but the
        // connection it used goes back to its pool only when the tasks its response
        // woke have run (hyper's connection task, and the one hyper-util spawns to
        // put the connection back). The scheduler usually runs them before it polls
        // the call's future for the last time, but nothing promises it; a call that
        // returned first would leave the next one an empty pool, and a second
        // connection. One yield settles it: the current-thread scheduler runs every
        // task that is ready before it polls a yielded future again.
        runtime.block_on(tokio::task::yield_now());
        result
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Neither blocks nor panics, even when the last clone of a client is dropped
        // inside someone else's runtime.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Fallback {
    fn new(make_raw: &MakeRaw) -> Result<Fallback> {
        let workers = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 4);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("kalshi-portfolio")
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("could not start the client's runtime: {e}")))?;
        Ok(Fallback {
            runtime: Some(runtime),
            raw: Arc::new(make_raw()?),
        })
    }

    /// Spawn the call onto the runtime and wait for it on a plain channel: never
    /// `block_on`, which panics inside another runtime.
    fn run<T, F, Fut>(&self, call: F) -> Result<T>
    where
        F: FnOnce(Arc<RawClient>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        let Some(runtime) = &self.runtime else {
            return Err(Error::Config("the client's runtime has stopped".into()));
        };
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        let future = call(self.raw.clone());
        runtime.spawn(async move {
            let result = future.await;
            // As for a driver: give the connection the chance to go back to its pool
            // before the caller makes its next request.
            tokio::task::yield_now().await;
            // The receiver only disappears if the calling thread is gone.
            let _ = sender.send(result);
        });
        receiver.recv().unwrap_or_else(|_| {
            Err(Error::Config(
                "the client's runtime stopped before the call finished".into(),
            ))
        })
    }
}

impl Drop for Fallback {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
