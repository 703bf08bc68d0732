//! Memory the pipe allocates is freed (M1, M3), and a failed allocation is
//! an error (`PipeError::AllocationFailed`), never an abort.
//!
//! A global allocator counts the live bytes of each thread and can be told
//! to fail the current thread's allocations, so these tests see leaks and
//! allocation failures that no other test can. Counting per thread keeps
//! the tests that run beside them (in `every_test`) out of the figures.
#![cfg(not(loom))]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::*;
use pipe_core::{BoundedPool, PipeError, Segment, SegmentPool};

struct CountingAllocator;

thread_local! {
    /// Bytes allocated minus bytes freed, by this thread.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    /// Allocations made by this thread.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    /// When set, this thread's allocations fail.
    static FAIL: Cell<bool> = const { Cell::new(false) };
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

fn live_bytes() -> isize {
    LIVE.with(Cell::get)
}

/// Runs `f` with every allocation of this thread failing.
fn failing_allocations<T>(f: impl FnOnce() -> T) -> T {
    FAIL.with(|fail| fail.set(true));
    let value = f();
    FAIL.with(|fail| fail.set(false));
    value
}

fn count(delta: isize) {
    LIVE.with(|live| live.set(live.get() + delta));
}

fn failing() -> bool {
    FAIL.with(Cell::get)
}

/// One allocation: null when this thread's allocations fail, otherwise
/// `allocate`'s result, counted by `grows` bytes when it succeeds.
fn counted(grows: isize, allocate: impl FnOnce() -> *mut u8) -> *mut u8 {
    if failing() {
        return std::ptr::null_mut();
    }
    let ptr = allocate();
    if !ptr.is_null() {
        count(grows);
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
    }
    ptr
}

// SAFETY: every call is forwarded to `System` with the same arguments; the
// counters are const-initialized thread locals without destructors, so
// touching them never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        counted(layout.size() as isize, || unsafe { System.alloc(layout) })
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        counted(layout.size() as isize, || unsafe { System.alloc_zeroed(layout) })
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        counted(new_size as isize - layout.size() as isize, || unsafe { System.realloc(ptr, layout, new_size) })
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

#[test]
fn m3_a_dropped_segment_frees_its_bytes() {
    let before = live_bytes();
    let segment = Segment::new(4096).expect("segment");
    assert!(live_bytes() - before >= 4096, "the segment's bytes are counted");
    drop(segment);
    assert_eq!(live_bytes(), before, "dropping a segment frees everything it allocated");
}

#[test]
fn m3_a_pipe_dropped_with_bytes_in_flight_frees_every_segment() {
    let before = live_bytes();
    {
        let (mut reader, mut writer) = small_pipe(0, 0, 64);
        // Several segments: one consumed and given back, the rest in flight.
        write_now(&mut writer, &pattern(200));
        let snap = read_now(&mut reader);
        reader.advance(snap.at(70)).expect("advance");
        write_now(&mut writer, &pattern(300));
        advance_bytes(&mut writer, &pattern(50));
    }
    assert_eq!(live_bytes(), before, "both halves dropped: no segment, pool or state left allocated");
}

#[test]
fn a_segment_that_cannot_be_allocated_is_an_error() {
    let error = failing_allocations(|| Segment::new(1 << 20)).expect_err("allocation fails");
    assert!(matches!(error, PipeError::AllocationFailed { size } if size == 1 << 20), "{error:?}");
}

#[test]
fn m3_a_free_list_that_cannot_grow_drops_the_segment_instead_of_aborting() {
    let mut pool = BoundedPool::new(64);
    let segment = Segment::new(16).expect("segment");
    let before = live_bytes();
    // The empty free list must grow to take the segment, and cannot: the
    // pool frees the segment and goes on (an infallible push would abort).
    failing_allocations(|| pool.give_back(segment));
    assert_eq!(pool.free_segments(), 0, "the segment was dropped, not kept");
    assert!(live_bytes() < before, "the dropped segment's bytes were freed");
    // With room to grow, the same pool keeps what it is given.
    pool.give_back(Segment::new(16).expect("segment"));
    assert_eq!(pool.free_segments(), 1);
}

/// Bytes this thread still holds after a pipe made with `options` has had
/// sixty 64-byte segments in flight at once and then had all of them
/// consumed: what its pool keeps, and the writer's current segment.
fn kept_after_sixty_segments(options: pipe_core::PipeOptions) -> isize {
    let (mut reader, mut writer) = pipe_core::pipe(options).expect("valid options");
    let baseline = live_bytes();
    // Each write is examined, not consumed, so back pressure never stops
    // the writer and every segment stays rented until the end.
    for _ in 0..6 {
        write_now(&mut writer, &pattern(640));
        let read = read_now(&mut reader);
        reader.advance_to(read.start, read.end).expect("examine everything, consume nothing");
    }
    write_now(&mut writer, b"!");
    let read = read_now(&mut reader);
    assert_eq!(read.bytes.len(), 3841);
    reader.advance(read.end).expect("consume everything");
    drop(read);
    live_bytes() - baseline
}

#[test]
fn m1_the_default_pool_keeps_one_pause_window_of_segments() {
    let per_segment = {
        let before = live_bytes();
        let _one = Segment::new(64).expect("segment");
        live_bytes() - before
    };
    // Pause at 1,024 bytes in 64-byte segments: the default pool keeps
    // 1,024 / 64 + 2 = 18 free segments, as an explicit BoundedPool of 18 does.
    let default = kept_after_sixty_segments(options(1024, 512, 64));
    let explicit = kept_after_sixty_segments(options(1024, 512, 64).pool(BoundedPool::new(18)));
    let fewer = kept_after_sixty_segments(options(1024, 512, 64).pool(BoundedPool::new(8)));
    assert_eq!(default, explicit, "the default pool keeps pause / segment + 2 segments");
    // Ten more segments kept, and the free list's own slots for them.
    assert!(explicit - fewer >= 10 * per_segment, "each kept segment holds its bytes: {explicit} against {fewer}");
}

#[test]
fn c1_a_blocking_call_allocates_nothing_once_the_thread_has_made_one() {
    // The first call sets up the thread's blocker; later calls borrow it.
    assert_eq!(pipe_core::block_on(std::future::ready(1)), 1);
    let before = allocations();
    for i in 0..3 {
        assert_eq!(pipe_core::block_on(std::future::ready(i)), i);
    }
    assert_eq!(allocations(), before, "a blocking call borrows the thread's blocker and gives it back");
}
