//! CPU clocks and samples: process and per-thread CPU time, context switches, and
//! one measured run ([`Sample`]).

use std::time::{Duration, Instant};

use super::*;

/// User + system CPU time of the whole process (all threads), from `getrusage`.
pub fn process_cpu() -> Duration {
    // SAFETY: getrusage only writes into the struct we hand it.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

/// Context switches (voluntary + involuntary) of the whole process so far.
pub fn context_switches() -> u64 {
    // SAFETY: getrusage only writes into the struct we hand it.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    (usage.ru_nvcsw + usage.ru_nivcsw) as u64
}

/// The CPU clock of one thread, readable from any thread while it lives.
#[derive(Clone, Copy)]
pub struct ThreadClock(libc::clockid_t);

impl ThreadClock {
    /// The calling thread's clock.
    pub fn current() -> ThreadClock {
        let mut id: libc::clockid_t = 0;
        // SAFETY: pthread_self is always valid for the calling thread.
        let rc = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut id) };
        assert_eq!(rc, 0, "pthread_getcpuclockid failed");
        ThreadClock(id)
    }

    /// CPU time the thread has used so far.
    pub fn read(&self) -> Duration {
        // SAFETY: clock_gettime only writes into the struct we hand it.
        let ts = unsafe {
            let mut ts: libc::timespec = std::mem::zeroed();
            libc::clock_gettime(self.0, &mut ts);
            ts
        };
        Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    }
}

/// Wall time and client CPU time (process CPU minus the server thread's) of a run.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub wall: Duration,
    pub cpu: Duration,
    pub server_cpu: Duration,
    pub ops: u64,
    /// Allocation calls outside the server thread.
    pub allocs: u64,
    /// Context switches of the whole process (server thread included).
    pub switches: u64,
}

impl Sample {
    pub fn wall_per_op_us(&self) -> f64 {
        self.wall.as_secs_f64() * 1e6 / self.ops as f64
    }
    pub fn cpu_per_op_us(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.ops as f64
    }
    pub fn switches_per_op(&self) -> f64 {
        self.switches as f64 / self.ops as f64
    }
    pub fn allocs_per_op(&self) -> f64 {
        self.allocs as f64 / self.ops as f64
    }
    pub fn ops_per_sec(&self) -> f64 {
        self.ops as f64 / self.wall.as_secs_f64()
    }
}

/// Runs `f`, which performs `ops` operations, and measures it.
pub fn measure(server: &Server, ops: u64, f: impl FnOnce()) -> Sample {
    let server_before = server.cpu.read();
    let allocs_before = alloc_calls();
    let switches_before = context_switches();
    let cpu_before = process_cpu();
    let started = Instant::now();
    f();
    let wall = started.elapsed();
    let cpu = process_cpu().saturating_sub(cpu_before);
    let server_cpu = server.cpu.read().saturating_sub(server_before);
    let allocs = alloc_calls() - allocs_before;
    let switches = context_switches() - switches_before;
    Sample {
        switches,
        allocs,
        wall,
        cpu: cpu.saturating_sub(server_cpu),
        server_cpu,
        ops,
    }
}

pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}
