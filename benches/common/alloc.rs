//! Heap accounting: a counting global allocator, so the benches can report the
//! client's allocations and peak heap.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// `System`, counting the bytes currently allocated and the peak since the last
/// [`reset_peak`]. Process-wide: every thread (client, runtime workers, server) counts.
pub struct CountingAlloc;

static HEAP_CURRENT: AtomicUsize = AtomicUsize::new(0);
static HEAP_PEAK: AtomicUsize = AtomicUsize::new(0);
static HEAP_ALLOCS: AtomicU64 = AtomicU64::new(0);

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

thread_local! {
    /// False on threads whose allocations are not the client's (the server's), so
    /// the peak measures the client alone. Const-initialised with no destructor, so
    /// reading it from inside the allocator never allocates.
    static COUNTED: Cell<bool> = const { Cell::new(true) };
}

/// Leave the calling thread's allocations out of the counts from now on.
pub fn exclude_this_thread_from_heap_counts() {
    COUNTED.with(|counted| counted.set(false));
}

fn counted() -> bool {
    COUNTED.try_with(Cell::get).unwrap_or(true)
}

fn heap_grow(bytes: usize) {
    HEAP_ALLOCS.fetch_add(1, Ordering::Relaxed);
    let now = HEAP_CURRENT.fetch_add(bytes, Ordering::Relaxed) + bytes;
    HEAP_PEAK.fetch_max(now, Ordering::Relaxed);
}

fn heap_shrink(bytes: usize) {
    HEAP_CURRENT.fetch_sub(bytes, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; the counters are only
// bookkeeping on the side.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc(layout);
        if !ptr.is_null() && counted() {
            heap_grow(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc_zeroed(layout);
        if !ptr.is_null() && counted() {
            heap_grow(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        if counted() {
            heap_shrink(layout.size());
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = System.realloc(ptr, layout, new_size);
        if !new.is_null() && counted() {
            if new_size >= layout.size() {
                heap_grow(new_size - layout.size());
            } else {
                heap_shrink(layout.size() - new_size);
            }
        }
        new
    }
}

/// Start a new peak window; returns the bytes allocated right now (the baseline).
pub fn reset_peak() -> usize {
    let now = HEAP_CURRENT.load(Ordering::Relaxed);
    HEAP_PEAK.store(now, Ordering::Relaxed);
    now
}

/// Allocation calls (alloc, alloc_zeroed, growing realloc) on counted threads so far.
pub fn alloc_calls() -> u64 {
    HEAP_ALLOCS.load(Ordering::Relaxed)
}

/// Bytes allocated on counted threads right now.
pub fn heap_now() -> usize {
    HEAP_CURRENT.load(Ordering::Relaxed)
}

/// The highest allocated total since [`reset_peak`].
pub fn peak() -> usize {
    HEAP_PEAK.load(Ordering::Relaxed)
}

/// Start a new peak window without moving the baseline.
pub fn restart_peak_window() {
    HEAP_PEAK.store(HEAP_CURRENT.load(Ordering::Relaxed), Ordering::Relaxed);
}
