//! Memory that stays flat however many pages a `sync` walks.
//!
//! A sync holds one page at a time, and SQLite's part is bounded by its page cache
//! (pinned in [`crate::db::open`]). What grew with the number of pages was the
//! allocator: glibc's `malloc` raises its mmap threshold to the size of the largest
//! mapped block freed, so after the first page the page-sized buffers (a response
//! body of 1,000 fills is about 0.5 MiB, read into a vector that may double to 1 MiB)
//! are carved from the heap arenas instead of being mapped. Freed, they leave holes
//! that the next bodies, chunked differently by the network, do not fit exactly, and
//! the resident set crept up page after page (2.5 to 3.5 MiB more for 100,000 fills
//! than for 10,000; BENCHMARKS.md, "Command line: sync"). Fixing the threshold at
//! glibc's own default (128 KiB) turns that adjustment off: every buffer that large
//! is mapped for its use and returned to the system when freed, so the resident set
//! holds at most the buffers of the page in hand.

/// The mmap threshold fixed by [`keep_large_buffers_mapped`]: glibc's default.
pub const MMAP_THRESHOLD: usize = 128 * 1024;

/// Fix glibc's mmap threshold (see the module docs). Call it once, before the work
/// starts; it only changes where large blocks come from. A no-op where the C library
/// is not glibc (musl and the BSDs map large blocks and return them anyway).
pub fn keep_large_buffers_mapped() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let threshold = libc::c_int::try_from(MMAP_THRESHOLD).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only sets a tuning parameter of the allocator; any value is
        // accepted or refused (return 0) without touching memory.
        let accepted = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, threshold) };
        if accepted == 0 {
            tracing::debug!("glibc refused M_MMAP_THRESHOLD; memory may grow with the pages");
        }
    }
}
