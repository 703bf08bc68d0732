//! Helpers shared by the contract tests: a one-poll executor whose waker
//! counts its wakes, a segment pool that counts rents and returns, and
//! shorthands for writing and reading without waiting.
//!
//! Polling by hand (instead of a runtime) makes "pending" and "ready"
//! deterministic, so a test can say exactly when a wake must happen (C2).
#![allow(dead_code)]

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use pipe_core::{
    pipe, BoundedPool, CompletionError, FlushResult, PipeError, PipeOptions, PipeReader, PipeWriter, Position,
    ReadResult, Segment, SegmentPool,
};

// ------------------------------------------------------------ waker

struct WakeCount(AtomicUsize);

impl Wake for WakeCount {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A waker that records how many times it was woken.
pub struct CountingWaker {
    count: Arc<WakeCount>,
    waker: Waker,
}

impl CountingWaker {
    pub fn new() -> Self {
        let count = Arc::new(WakeCount(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        Self { count, waker }
    }

    /// Wakes so far.
    pub fn wakes(&self) -> usize {
        self.count.0.load(Ordering::SeqCst)
    }

    pub fn waker(&self) -> &Waker {
        &self.waker
    }

    pub fn cx(&self) -> Context<'_> {
        Context::from_waker(&self.waker)
    }

    /// Polls `future` once with this waker.
    pub fn poll<F: Future + Unpin>(&self, future: &mut F) -> Poll<F::Output> {
        Pin::new(future).poll(&mut self.cx())
    }

    /// Polls `future` once with this waker, asserts that it waits (so the
    /// waker is registered), and hands it back to be polled again.
    pub fn waiting<F: Future + Unpin>(&self, mut future: F) -> F {
        assert!(self.poll(&mut future).is_pending(), "expected the future to wait");
        future
    }
}

impl Default for CountingWaker {
    fn default() -> Self {
        Self::new()
    }
}

/// Polls once with a waker nobody watches.
pub fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    CountingWaker::new().poll(future)
}

// ------------------------------------------------------------ pool

/// Counters of a [`CountingPool`], shared with the test.
#[derive(Default)]
pub struct PoolCounts {
    /// Calls to `rent`: one per segment the pipe put in its chain (a miss
    /// makes the pipe allocate).
    pub rents: AtomicUsize,
    /// Rents the inner pool satisfied.
    pub hits: AtomicUsize,
    /// Segments given back.
    pub returns: AtomicUsize,
}

impl PoolCounts {
    pub fn rents(&self) -> usize {
        self.rents.load(Ordering::SeqCst)
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    pub fn returns(&self) -> usize {
        self.returns.load(Ordering::SeqCst)
    }

    /// Segments the pipe holds now.
    pub fn held(&self) -> usize {
        self.rents() - self.returns()
    }
}

/// A [`BoundedPool`] that counts what passes through it (M1, M3).
pub struct CountingPool {
    inner: BoundedPool,
    counts: Arc<PoolCounts>,
}

impl CountingPool {
    pub fn new(max_free: usize) -> (Self, Arc<PoolCounts>) {
        let counts = Arc::new(PoolCounts::default());
        (Self { inner: BoundedPool::new(max_free), counts: counts.clone() }, counts)
    }
}

impl SegmentPool for CountingPool {
    fn rent(&mut self, min_capacity: usize) -> Option<Segment> {
        self.counts.rents.fetch_add(1, Ordering::SeqCst);
        let segment = self.inner.rent(min_capacity);
        if segment.is_some() {
            self.counts.hits.fetch_add(1, Ordering::SeqCst);
        }
        segment
    }

    fn give_back(&mut self, segment: Segment) {
        self.counts.returns.fetch_add(1, Ordering::SeqCst);
        self.inner.give_back(segment);
    }
}

// ------------------------------------------------------------ pipes

pub fn options(pause: usize, resume: usize, segment: usize) -> PipeOptions {
    PipeOptions::new().pause_writer_threshold(pause).resume_writer_threshold(resume).minimum_segment_size(segment)
}

/// A pipe with the given thresholds and segment size.
pub fn small_pipe(pause: usize, resume: usize, segment: usize) -> (PipeReader, PipeWriter) {
    pipe(options(pause, resume, segment)).expect("valid options")
}

/// A pipe whose pool counts segments.
pub fn counted_pipe(pause: usize, resume: usize, segment: usize) -> (PipeReader, PipeWriter, Arc<PoolCounts>) {
    let (pool, counts) = CountingPool::new(64);
    let (reader, writer) = pipe(options(pause, resume, segment).pool(pool)).expect("valid options");
    (reader, writer, counts)
}

// ------------------------------------------------------------ writing

/// Writes and flushes; the flush must resolve at once.
pub fn write_now(writer: &mut PipeWriter, bytes: &[u8]) -> FlushResult {
    match poll_once(&mut writer.write(bytes)) {
        Poll::Ready(result) => result.expect("write"),
        Poll::Pending => panic!("write of {} bytes waited", bytes.len()),
    }
}

/// Copies `bytes` into the writer's memory and advances, without flushing.
pub fn advance_bytes(writer: &mut PipeWriter, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        let memory = writer.get_memory(1).expect("get_memory");
        let n = memory.len().min(bytes.len());
        memory[..n].copy_from_slice(&bytes[..n]);
        writer.advance(n).expect("advance");
        bytes = &bytes[n..];
    }
}

/// Bytes `0, 1, 2, …` (mod 251, so runs never line up with powers of two).
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

// ------------------------------------------------------------ reading

/// An owned copy of a read result, so the reader can be used again.
#[derive(Debug, Clone)]
pub struct Snap {
    pub bytes: Vec<u8>,
    /// Non-empty chunks, as the sequence presents them.
    pub chunks: Vec<Vec<u8>>,
    pub start: Position,
    pub end: Position,
    /// Position of every offset `0..=len` (only for buffers up to 64 KiB).
    pub positions: Vec<Position>,
    pub completed: bool,
    pub canceled: bool,
}

impl Snap {
    pub fn of(result: &ReadResult<'_>) -> Self {
        let buffer = result.buffer();
        let positions = if buffer.len() <= 1 << 16 {
            (0..=buffer.len()).map(|i| buffer.get_position(i).expect("offset inside buffer")).collect()
        } else {
            Vec::new()
        };
        Self {
            bytes: buffer.to_vec(),
            chunks: buffer.chunks().map(<[u8]>::to_vec).collect(),
            start: buffer.start(),
            end: buffer.end(),
            positions,
            completed: result.is_completed(),
            canceled: result.is_canceled(),
        }
    }

    /// Position `offset` bytes into the buffer.
    pub fn at(&self, offset: usize) -> Position {
        self.positions[offset]
    }
}

/// `try_read`, copied out.
pub fn try_snap(reader: &mut PipeReader) -> Result<Option<Snap>, PipeError> {
    reader.try_read().map(|r| r.as_ref().map(Snap::of))
}

/// A read that must resolve at once.
pub fn read_now(reader: &mut PipeReader) -> Snap {
    try_snap(reader).expect("read").expect("read would wait")
}

/// Polls `read()` once with `waker`, copied out.
pub fn poll_read_snap(reader: &mut PipeReader, waker: &CountingWaker) -> Poll<Result<Snap, PipeError>> {
    reader.poll_read(&mut waker.cx()).map(|r| r.map(|r| Snap::of(&r)))
}

/// Polls `read_at_least(n)` once with `waker`, copied out.
pub fn poll_read_at_least_snap(
    reader: &mut PipeReader,
    waker: &CountingWaker,
    n: usize,
) -> Poll<Result<Snap, PipeError>> {
    reader.poll_read_at_least(&mut waker.cx(), n).map(|r| r.map(|r| Snap::of(&r)))
}

/// Reads at once and consumes everything read.
pub fn drain_now(reader: &mut PipeReader) -> Vec<u8> {
    let snap = read_now(reader);
    reader.advance(snap.end).expect("advance");
    snap.bytes
}

/// Asserts the expression is `Err` matching the pattern.
#[allow(unused_macros)]
macro_rules! assert_err {
    ($value:expr, $pattern:pat $(if $guard:expr)?) => {
        match $value {
            Err($pattern) $(if $guard)? => {}
            other => panic!("expected Err({}), got {:?}", stringify!($pattern), other),
        }
    };
}
// A path-scoped macro, not `#[macro_export]`: `every_test.rs` includes this
// module once per test file, and exported macros would collide at its root.
#[allow(unused_imports)]
pub(crate) use assert_err;

/// Runs `f` on its own thread and fails the test if it takes longer than
/// `limit`, so a lost wakeup in a blocking call fails instead of hanging.
pub fn within<T: Send + 'static>(limit: Duration, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(f());
    });
    match receiver.recv_timeout(limit) {
        Ok(value) => value,
        Err(_) => panic!("{what}: no result within {limit:?} (a lost wakeup?)"),
    }
}

/// A completion error that carries a number, to check which one arrives.
#[derive(Debug)]
pub struct Boom(pub u32);

impl fmt::Display for Boom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "boom {}", self.0)
    }
}

impl std::error::Error for Boom {}

/// `Some(Boom(n))` as a completion error.
pub fn boom(n: u32) -> Option<CompletionError> {
    Some(CompletionError::new(Boom(n)))
}

/// The number of the `Boom` inside a completion error, if it is one.
pub fn boom_of(error: &CompletionError) -> Option<u32> {
    error.get_ref().downcast_ref::<Boom>().map(|b| b.0)
}
