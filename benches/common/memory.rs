//! Where a client's resident memory goes, stage by stage (`bench_profile memory`).
//!
//! A process's RSS mixes things a client controls (its heap, its threads' stacks, its
//! runtime) with things it only influences (how much of the executable's code it
//! touched). `/proc/self/status` keeps them apart: `RssAnon` is heap, stacks and other
//! private memory, `RssFile` the file-backed pages (the executable and shared
//! libraries, as far as they were touched). Next to those, the counting allocator
//! gives the Rust heap alone, and the thread count says how many stacks there are.
//! Linux only; elsewhere every figure reads as absent.

use std::fmt::Write as _;

/// One reading of the process's memory.
#[derive(Clone, Copy, Debug, Default)]
pub struct Snapshot {
    pub rss_anon_kib: u64,
    pub rss_file_kib: u64,
    /// The peak RSS so far (`VmHWM`).
    pub peak_kib: u64,
    /// Bytes the Rust heap holds (the counting allocator's count).
    pub heap_bytes: u64,
    pub threads: u64,
}

impl Snapshot {
    /// Reads `/proc/self/status`; `None` where it does not exist or says nothing.
    pub fn now() -> Option<Snapshot> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let field = |name: &str| -> Option<u64> {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.trim_start_matches(':').split_whitespace().next())
                .and_then(|n| n.parse().ok())
        };
        Some(Snapshot {
            rss_anon_kib: field("RssAnon")?,
            rss_file_kib: field("RssFile")?,
            peak_kib: field("VmHWM")?,
            heap_bytes: super::heap_now() as u64,
            threads: field("Threads")?,
        })
    }

    /// One line of `bench_profile memory-run`'s output: `stage NAME a f p h t`.
    pub fn line(&self, stage: &str) -> String {
        format!(
            "stage {stage} {} {} {} {} {}",
            self.rss_anon_kib, self.rss_file_kib, self.peak_kib, self.heap_bytes, self.threads
        )
    }

    /// The inverse of [`Snapshot::line`].
    pub fn parse_line(line: &str) -> Option<(String, Snapshot)> {
        let mut words = line.strip_prefix("stage ")?.split_whitespace();
        let stage = words.next()?.to_owned();
        let mut next = || words.next().and_then(|w| w.parse::<u64>().ok());
        let snapshot = Snapshot {
            rss_anon_kib: next()?,
            rss_file_kib: next()?,
            peak_kib: next()?,
            heap_bytes: next()?,
            threads: next()?,
        };
        Some((stage, snapshot))
    }
}

/// The stages `bench_profile memory-run` reports, in order, with what each adds.
pub const STAGES: [(&str, &str); 4] = [
    ("start", "the process before any client"),
    (
        "built",
        "after build(): runtime, HTTP client, TLS configuration, key",
    ),
    (
        "first",
        "after the first request: a connection and its buffers",
    ),
    ("many", "after 2,000 more requests"),
];

/// Side-by-side table of two clients' stages (`ours` and `theirs`, same stage order).
pub fn table(
    ours_name: &str,
    ours: &[(String, Snapshot)],
    theirs_name: &str,
    theirs: &[(String, Snapshot)],
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  {:<7}{:>34}{:>34}{:>26}",
        "", ours_name, theirs_name, "difference"
    );
    let units = "anon/  file/  heap KiB, thr";
    let _ = writeln!(
        out,
        "  {:<7}{units:>34}{units:>34}{:>26}",
        "stage", "anon/file/heap KiB"
    );
    for ((stage, a), (_, b)) in ours.iter().zip(theirs) {
        let cell = |s: &Snapshot| {
            format!(
                "{:>6}/{:>6}/{:>6}, {:>2}",
                s.rss_anon_kib,
                s.rss_file_kib,
                s.heap_bytes / 1024,
                s.threads
            )
        };
        let diff = |x: u64, y: u64| x as i64 - y as i64;
        let _ = writeln!(
            out,
            "  {stage:<7}{:>34}{:>34}{:>26}",
            cell(a),
            cell(b),
            format!(
                "{:+}/{:+}/{:+}",
                diff(a.rss_anon_kib, b.rss_anon_kib),
                diff(a.rss_file_kib, b.rss_file_kib),
                diff(a.heap_bytes / 1024, b.heap_bytes / 1024)
            )
        );
    }
    if let (Some((_, a)), Some((_, b))) = (ours.last(), theirs.last()) {
        let _ = writeln!(
            out,
            "  peak RSS (VmHWM): {ours_name} {} KiB, {theirs_name} {} KiB, difference {:+} KiB",
            a.peak_kib,
            b.peak_kib,
            a.peak_kib as i64 - b.peak_kib as i64
        );
    }
    out
}
