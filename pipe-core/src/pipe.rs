//! The pipe: shared state, the writer half and the reader half.
//!
//! All state both halves touch lives in [`State`] behind one [`SpinLock`];
//! each critical section is a few field updates. Segment bytes are written
//! and read outside the lock: the writer only writes past the flushed end of
//! its current segment, the reader only reads flushed bytes, and the lock's
//! release/acquire pair on every flush and read orders the two. See
//! `docs/design.md`.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, Poll, Waker};

use crate::bugs::bug;
use crate::pool::{Segment, SegmentInner, SegmentPool};
use crate::sequence::{Cursor, Position, Sequence};
use crate::sync::{Arc, SpinLock};
use crate::{CompletionError, PipeError, PipeOptions};

/// Builds a pipe and returns its two halves.
///
/// Fails if the options break rule O2, naming the offending values.
///
/// ```
/// # #[cfg(feature = "std")] {
/// use pipe_core::{pipe, PipeOptions};
/// let (mut reader, mut writer) = pipe(PipeOptions::default())?;
/// writer.write_blocking(b"hello")?;
/// let result = reader.read_blocking()?;
/// assert_eq!(result.buffer().to_vec(), b"hello");
/// let end = result.buffer().end();
/// reader.advance(end)?;
/// # }
/// # Ok::<(), pipe_core::PipeError>(())
/// ```
pub fn pipe(options: PipeOptions) -> Result<(PipeReader, PipeWriter), PipeError> {
    options.validate()?;
    let pause = options.pause_writer_threshold;
    let resume = options.resume_writer_threshold;
    let minimum_segment_size = options.minimum_segment_size;
    let pool = options.into_pool();
    let shared = Arc::new(Shared {
        owner: crate::sync::next_owner_id(),
        pause,
        resume,
        minimum_segment_size,
        state: SpinLock::new(State {
            chain: VecDeque::new(),
            next_segment: 0,
            pool,
            flushed_end: 0,
            consumed: 0,
            examined: 0,
            paused: false,
            read_outstanding: false,
            read_canceled: false,
            flush_canceled: false,
            read_min: 0,
            reader_waker: None,
            writer_waker: None,
            writer_done: None,
            reader_done: None,
        }),
    });
    let reader = PipeReader {
        shared: shared.clone(),
        view: ReaderView { views: Vec::new(), first_segment: 0, outstanding: None },
        examined: 0,
        completed: false,
    };
    let writer =
        PipeWriter { shared, tail: None, tail_base: 0, written: 0, unflushed: 0, memory_len: 0, completed: false };
    Ok((reader, writer))
}

/// What both halves share.
struct Shared {
    /// Identity that positions carry, to reject foreign ones (R6).
    owner: usize,
    pause: usize,
    resume: usize,
    minimum_segment_size: usize,
    state: SpinLock<State>,
}

/// How one side ended.
#[derive(Clone, Debug)]
enum Completion {
    Clean,
    Failed(CompletionError),
}

impl Completion {
    fn new(error: Option<CompletionError>) -> Self {
        error.map_or(Self::Clean, Self::Failed)
    }
}

/// A rented segment in the pipe's chain.
struct Link {
    segment: NonNull<SegmentInner>,
    /// Running number of the segment within the pipe.
    number: u64,
    /// Pipe offset of the segment's byte 0.
    base: u64,
    /// Bytes written into it, once the writer has moved on (or completed);
    /// `None` for the writer's current segment.
    sealed_len: Option<usize>,
}

impl Link {
    fn capacity(&self) -> usize {
        // SAFETY: a segment in the chain is alive until it leaves the chain.
        unsafe { self.segment.as_ref() }.capacity
    }

    /// Bytes of this segment the reader may see, given the flushed end.
    fn readable(&self, flushed_end: u64) -> usize {
        let limit = self.sealed_len.unwrap_or_else(|| self.capacity());
        let flushed = flushed_end.saturating_sub(self.base);
        usize::try_from(flushed).map_or(limit, |f| f.min(limit))
    }
}

/// The state both halves update under the lock.
///
/// Offsets count bytes from the start of the pipe and only grow:
/// `consumed <= examined <= flushed_end`.
struct State {
    /// Rented segments in order; the back is the writer's current segment
    /// while the writer is active. Bases are contiguous:
    /// `next.base == prev.base + prev.sealed_len`.
    chain: VecDeque<Link>,
    next_segment: u64,
    pool: Box<dyn SegmentPool>,
    /// End of the bytes the writer has flushed (W3, W4).
    flushed_end: u64,
    /// Start of the reader's buffer (R2, R3).
    consumed: u64,
    /// How far the reader has looked (R3, R4).
    examined: u64,
    /// Back pressure holds (W6): set on the pause edge, cleared on the resume
    /// edge, reader completion, or a `read_at_least` that needs more (R8).
    paused: bool,
    /// The reader holds a buffer; segments in it must not be released.
    read_outstanding: bool,
    /// Sticky until a read observes it (R9).
    read_canceled: bool,
    /// Sticky until a flush observes it (W7).
    flush_canceled: bool,
    /// Bytes a waiting `read_at_least` needs; 0 for a plain read.
    read_min: usize,
    reader_waker: Option<Waker>,
    writer_waker: Option<Waker>,
    writer_done: Option<Completion>,
    reader_done: Option<Completion>,
}

// SAFETY: the raw segment pointers in `chain` are owned by the state and
// only dereferenced under the lock or by the half that the protocol gives
// them to; moving the state between threads moves that ownership.
unsafe impl Send for State {}

impl State {
    /// Unexamined bytes: what back pressure counts (W6, R5).
    fn unexamined(&self) -> u64 {
        self.flushed_end - self.examined
    }

    /// Buffered bytes: flushed and not consumed.
    fn buffered(&self) -> u64 {
        self.flushed_end - self.consumed
    }

    /// Whether a read asking for `min` bytes (0 = plain read) may resolve.
    fn reader_ready(&self, min: usize) -> bool {
        self.read_canceled
            || self.writer_done.is_some()
            || if min == 0 { self.unexamined() > 0 } else { self.buffered() >= min as u64 }
    }

    /// Takes the reader's waker if a waiting read can now resolve.
    fn wake_reader_if_ready(&mut self) -> Option<Waker> {
        if self.reader_waker.is_some() && self.reader_ready(self.read_min) {
            self.reader_waker.take()
        } else {
            None
        }
    }

    /// Returns to the pool every segment the reader has consumed past and the
    /// writer no longer writes into (M1), unless a read is outstanding.
    fn release_consumed(&mut self) {
        if self.read_outstanding {
            return;
        }
        while let Some(front) = self.chain.front() {
            let len = match front.sealed_len {
                Some(len) => len,
                // Seeded bug: the writer's current segment counts as done once read.
                None if bug!(SegmentReturnedWhileWritten) && front.readable(self.flushed_end) > 0 => {
                    front.readable(self.flushed_end)
                }
                None => break,
            };
            if front.base + len as u64 > self.consumed {
                break;
            }
            if let Some(link) = self.chain.pop_front() {
                // SAFETY: the link left the chain; the writer has moved on
                // from it (`sealed_len` is set) and no read is outstanding,
                // so nothing refers to it any more.
                let segment = unsafe { Segment::from_raw(link.segment) };
                self.pool.give_back(segment);
            }
        }
    }

    /// Reader completed: flushed bytes go nowhere (W9).
    fn discard_if_reader_done(&mut self) {
        if self.reader_done.is_some() {
            self.consumed = self.flushed_end;
            self.examined = self.flushed_end;
            self.release_consumed();
        }
    }
}

impl Drop for State {
    fn drop(&mut self) {
        // Both halves are gone: every segment goes back (M3).
        while let Some(link) = self.chain.pop_front() {
            // SAFETY: with both halves dropped nothing refers to the segment.
            let segment = unsafe { Segment::from_raw(link.segment) };
            self.pool.give_back(segment);
        }
    }
}

/// A snapshot of a pipe's counters, for diagnostics, tests and the simulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PipeStats {
    /// Offset just past the last flushed byte.
    pub flushed_end: u64,
    /// Offset the reader has consumed to.
    pub consumed: u64,
    /// Offset the reader has examined to.
    pub examined: u64,
    /// Whether back pressure holds the writer.
    pub writer_paused: bool,
    /// Segments rented by the pipe now.
    pub segments_rented: usize,
    /// Whether the writer has completed.
    pub writer_completed: bool,
    /// Whether the reader has completed.
    pub reader_completed: bool,
}

impl PipeStats {
    /// Flushed bytes the reader has not consumed.
    pub fn buffered(&self) -> u64 {
        self.flushed_end - self.consumed
    }

    /// Flushed bytes past the reader's examined position.
    pub fn unexamined(&self) -> u64 {
        self.flushed_end - self.examined
    }
}

impl Shared {
    fn stats(&self) -> PipeStats {
        self.state.with(|s| PipeStats {
            flushed_end: s.flushed_end,
            consumed: s.consumed,
            examined: s.examined,
            writer_paused: s.paused,
            segments_rented: s.chain.len(),
            writer_completed: s.writer_done.is_some(),
            reader_completed: s.reader_done.is_some(),
        })
    }

    fn cancel_pending_read(&self) {
        let waker = self.state.with(|s| {
            // Seeded bug: a cancel with no read pending is lost.
            s.read_canceled = !(bug!(CancelReadNotSticky) && s.reader_waker.is_none());
            if bug!(CancelReadNoWake) {
                return None;
            }
            s.reader_waker.take()
        });
        wake(waker);
    }

    fn cancel_pending_flush(&self) {
        let waker = self.state.with(|s| {
            // Seeded bug: a cancel with no flush pending is lost.
            s.flush_canceled = !(bug!(CancelFlushNotSticky) && s.writer_waker.is_none());
            if bug!(CancelFlushNoWake) {
                return None;
            }
            s.writer_waker.take()
        });
        wake(waker);
    }
}

fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// Stores `waker` in `slot` unless it already holds one that wakes the same task.
fn register(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(current) if current.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

/// Cancels a pending read or flush from any thread (R9, W7).
///
/// Obtained from [`PipeReader::cancel_handle`] or
/// [`PipeWriter::cancel_handle`]; useful while the half itself is borrowed by
/// a pending future.
#[derive(Clone)]
pub struct CancelHandle {
    shared: Arc<Shared>,
}

impl CancelHandle {
    /// See [`PipeReader::cancel_pending_read`].
    pub fn cancel_pending_read(&self) {
        self.shared.cancel_pending_read();
    }

    /// See [`PipeWriter::cancel_pending_flush`].
    pub fn cancel_pending_flush(&self) {
        self.shared.cancel_pending_flush();
    }
}

impl fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelHandle").finish_non_exhaustive()
    }
}

// ------------------------------------------------------------------ writer

/// The writing half: fills segments (`get_memory`/`advance`) and publishes
/// them (`flush`).
pub struct PipeWriter {
    shared: Arc<Shared>,
    /// The writer's current segment, also the back of the chain. Bytes
    /// `written..capacity` are the writer's alone.
    tail: Option<NonNull<SegmentInner>>,
    /// Pipe offset of the tail's byte 0.
    tail_base: u64,
    /// Bytes written into the tail; never below the tail's flushed bytes.
    written: usize,
    /// Bytes advanced but not flushed (W3); may span segments.
    unflushed: usize,
    /// Bytes left of the memory last returned by `get_memory` (W2).
    memory_len: usize,
    completed: bool,
}

// SAFETY: the tail pointer is owned by the pipe; the writer half is its only
// user, so moving the half moves that use.
unsafe impl Send for PipeWriter {}
// SAFETY: `&self` methods only touch the shared state, through its lock.
unsafe impl Sync for PipeWriter {}

/// The outcome of a flush (W4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlushResult {
    completed: bool,
    canceled: bool,
}

impl FlushResult {
    /// The reader has completed: further data goes nowhere (W9).
    pub fn is_completed(&self) -> bool {
        self.completed
    }

    /// The flush was canceled by `cancel_pending_flush` (W7).
    pub fn is_canceled(&self) -> bool {
        self.canceled
    }
}

impl PipeWriter {
    /// A writable contiguous slice of at least `max(hint, 1)` bytes (W1).
    ///
    /// A hint above the segment size gets a larger segment. Calling again
    /// without `advance` returns memory at the same place while the current
    /// segment still satisfies the hint.
    pub fn get_memory(&mut self, hint: usize) -> Result<&mut [u8], PipeError> {
        if self.completed {
            return Err(PipeError::WriterCompleted);
        }
        let need = hint.max(1);
        let tail = match self.tail {
            // SAFETY: the tail is alive while it is the writer's.
            Some(tail) if unsafe { tail.as_ref() }.capacity - self.written >= need => tail,
            _ => self.start_segment(need)?,
        };
        // SAFETY: as above.
        let inner = unsafe { tail.as_ref() };
        let len = inner.capacity - self.written;
        self.memory_len = len;
        // SAFETY: bytes `written..capacity` are initialized, inside the
        // allocation, and the writer's alone: the reader only reads flushed
        // bytes, which all lie before `written`.
        Ok(unsafe { core::slice::from_raw_parts_mut(inner.data.as_ptr().add(self.written), len) })
    }

    /// Rents a segment of at least `need` bytes and makes it the tail.
    fn start_segment(&mut self, need: usize) -> Result<NonNull<SegmentInner>, PipeError> {
        let size = need.max(self.shared.minimum_segment_size);
        let rented = self.shared.state.with(|s| s.pool.rent(size));
        let segment = match rented {
            Some(segment) if segment.capacity() >= size => segment,
            other => {
                // A pool that hands out a short segment gets it back.
                if let Some(short) = other {
                    self.shared.state.with(|s| s.pool.give_back(short));
                }
                Segment::new(size)?
            }
        };
        let inner = segment.into_raw();
        let base = self.tail_base + self.written as u64;
        let written = self.written;
        self.shared.state.with(|s| {
            let number = s.next_segment;
            s.next_segment += 1;
            if let Some(back) = s.chain.back_mut() {
                back.sealed_len = Some(written);
            }
            s.chain.push_back(Link { segment: inner, number, base, sealed_len: None });
            s.discard_if_reader_done();
            s.release_consumed();
        });
        self.tail = Some(inner);
        self.tail_base = base;
        self.written = 0;
        Ok(inner)
    }

    /// Commits `n` bytes of the memory last returned by `get_memory` (W2).
    ///
    /// `n` above that memory's length is an error that commits nothing;
    /// `advance(0)` is allowed.
    pub fn advance(&mut self, n: usize) -> Result<(), PipeError> {
        if self.completed {
            return Err(PipeError::WriterCompleted);
        }
        if n > self.memory_len {
            return Err(PipeError::AdvanceBeyondMemory { requested: n, available: self.memory_len });
        }
        if n == 0 {
            return Ok(());
        }
        if let Some(tail) = self.tail {
            // SAFETY: the tail is alive while it is the writer's.
            unsafe { tail.as_ref() }.track.wrote(self.written, self.written + n);
        }
        self.written += n;
        if bug!(UnflushedVisible) {
            // Seeded bug: advanced bytes are published without a flush.
            self.shared.state.with(|s| s.flushed_end += n as u64);
        } else {
            self.unflushed += n;
        }
        self.memory_len -= n;
        Ok(())
    }

    /// Bytes advanced but not yet flushed (W3).
    pub fn unflushed_bytes(&self) -> usize {
        self.unflushed
    }

    /// Publishes advanced bytes, wakes a reader that can now resolve, and
    /// applies the pause edge (W4, W6, R8). Runs under the lock.
    fn commit(s: &mut State, pause: usize, n: u64) -> Option<Waker> {
        if n == 0 {
            return None;
        }
        let before = s.unexamined();
        s.flushed_end += n;
        if s.reader_done.is_some() {
            s.discard_if_reader_done();
            return None;
        }
        let after = s.unexamined();
        let crosses = if bug!(PauseEdgeOffByOne) {
            before < pause as u64 && after > pause as u64
        } else {
            before < pause as u64 && after >= pause as u64
        };
        // A waiting `read_at_least` that this flush does not satisfy would
        // deadlock against a paused writer (R8).
        let starves_reader = s.reader_waker.is_some() && s.read_min > 0 && s.buffered() < s.read_min as u64;
        if pause > 0 && crosses && !starves_reader {
            s.paused = true;
        }
        if bug!(FlushNoWake) {
            return None;
        }
        s.wake_reader_if_ready()
    }

    /// Publishes advanced bytes and resolves once back pressure allows (W4).
    ///
    /// Bytes are published when `flush` is called, even if the returned
    /// future is never polled.
    pub fn flush(&mut self) -> Flush<'_> {
        if self.completed {
            return Flush { writer: Some(self), early: None };
        }
        let n = core::mem::take(&mut self.unflushed) as u64;
        let pause = self.shared.pause;
        // The common case — no back pressure, no cancel, reader alive — is
        // settled in this one critical section; anything else is left for
        // `poll_flush`, so a flag is only consumed by a polled future.
        let (waker, settled) = self.shared.state.with(|s| {
            let waker = Self::commit(s, pause, n);
            (waker, !s.paused && !s.flush_canceled && s.reader_done.is_none())
        });
        wake(waker);
        let early = settled.then_some(Ok(FlushResult::default()));
        Flush { writer: Some(self), early }
    }

    /// Copies `bytes` into the pipe, spanning segments as needed, then
    /// flushes (W5).
    pub fn write(&mut self, bytes: &[u8]) -> Flush<'_> {
        if let Err(error) = self.copy_in(bytes) {
            return Flush { writer: Some(self), early: Some(Err(error)) };
        }
        self.flush()
    }

    fn copy_in(&mut self, mut bytes: &[u8]) -> Result<(), PipeError> {
        if self.completed {
            return Err(PipeError::WriterCompleted);
        }
        while !bytes.is_empty() {
            let memory = self.get_memory(1)?;
            let n = memory.len().min(bytes.len());
            let (now, rest) = bytes.split_at(n);
            if let Some(target) = memory.get_mut(..n) {
                target.copy_from_slice(now);
            }
            self.advance(n)?;
            bytes = rest;
        }
        // The rest of the memory `write` asked for was never handed out, so
        // a later `advance` must not commit it (W2).
        self.memory_len = 0;
        Ok(())
    }

    /// Polls a flush: publishes advanced bytes, then resolves unless back
    /// pressure holds (W4, W6, W7, W9, R11).
    pub fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<FlushResult, PipeError>> {
        self.poll_flush_inner(Some(cx))
    }

    fn poll_flush_inner(&mut self, cx: Option<&mut Context<'_>>) -> Poll<Result<FlushResult, PipeError>> {
        if self.completed {
            return Poll::Ready(Err(PipeError::WriterCompleted));
        }
        let n = core::mem::take(&mut self.unflushed) as u64;
        let pause = self.shared.pause;
        // Seeded bug: register the waker in a second critical section.
        let late = bug!(WriterRegistersLate);
        let mut cx = cx;
        let (poll, reader_waker) = self.shared.state.with(|s| {
            let reader_waker = Self::commit(s, pause, n);
            let poll = if let Some(Completion::Failed(error)) = &s.reader_done {
                Poll::Ready(Err(PipeError::ReaderFailed(error.clone())))
            } else if s.flush_canceled {
                if !bug!(CancelFlushNotCleared) {
                    s.flush_canceled = false;
                }
                Poll::Ready(Ok(FlushResult { completed: s.reader_done.is_some(), canceled: true }))
            } else if s.reader_done.is_some() {
                Poll::Ready(Ok(FlushResult { completed: true, canceled: false }))
            } else if s.paused {
                if let Some(cx) = cx.as_deref_mut().filter(|_| !late) {
                    register(&mut s.writer_waker, cx.waker());
                }
                Poll::Pending
            } else {
                Poll::Ready(Ok(FlushResult::default()))
            };
            (poll, reader_waker)
        });
        if let (true, true, Some(cx)) = (late, poll.is_pending(), cx) {
            self.shared.state.with(|s| register(&mut s.writer_waker, cx.waker()));
        }
        wake(reader_waker);
        poll
    }

    /// Makes the pending flush, or if none the next one, resolve at once
    /// with `is_canceled` (W7). Back pressure still holds afterwards.
    pub fn cancel_pending_flush(&self) {
        self.shared.cancel_pending_flush();
    }

    /// A handle that cancels reads or flushes from another task.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle { shared: self.shared.clone() }
    }

    /// Ends writing (W8, R10, R11). Advanced bytes are committed; later
    /// `get_memory`, `advance`, `flush` and `write` fail. Completing again is
    /// harmless and the first completion stands.
    pub fn complete(&mut self, error: Option<CompletionError>) {
        if self.completed {
            return;
        }
        self.completed = true;
        let unflushed = core::mem::take(&mut self.unflushed) as u64;
        let written = self.written;
        let has_tail = self.tail.take().is_some();
        let waker = self.shared.state.with(|s| {
            // Seeded bug: completion drops the unflushed bytes (W8).
            s.flushed_end += if bug!(CompleteDropsUnflushed) { 0 } else { unflushed };
            if has_tail {
                if let Some(back) = s.chain.back_mut() {
                    back.sealed_len = Some(written);
                }
            }
            s.writer_done = Some(Completion::new(error));
            s.discard_if_reader_done();
            s.release_consumed();
            if bug!(CompleteWriterNoWake) {
                return None;
            }
            s.reader_waker.take()
        });
        self.memory_len = 0;
        wake(waker);
    }

    /// A snapshot of the pipe's counters.
    pub fn stats(&self) -> PipeStats {
        self.shared.stats()
    }

    /// The room left in the current segment: a pointer to its first free
    /// byte and the count of free bytes; `None` with no current segment.
    /// For `StdWriter`'s cached fast path, which copies there and then calls
    /// [`commit_spare`](Self::commit_spare); the pointer stays valid until
    /// the next call of any other `&mut self` method. Like `write`, it hands
    /// no memory to `advance` (W2).
    #[cfg(feature = "std")]
    #[inline]
    pub(crate) fn spare(&mut self) -> Option<(NonNull<u8>, usize)> {
        self.memory_len = 0;
        let tail = self.tail.filter(|_| !self.completed)?;
        // SAFETY: the tail is alive while it is the writer's.
        let inner = unsafe { tail.as_ref() };
        // SAFETY: `written <= capacity`, so the pointer stays inside (or one
        // past the end of) the allocation.
        let free = unsafe { inner.data.add(self.written) };
        Some((free, inner.capacity - self.written))
    }

    /// The pipe's pause threshold and minimum segment size (O1, O2), for
    /// adapters that size their segments.
    #[cfg(feature = "std")]
    pub(crate) fn thresholds(&self) -> (usize, usize) {
        (self.shared.pause, self.shared.minimum_segment_size)
    }

    /// Commits `n` bytes copied into the memory [`spare`](Self::spare)
    /// returned (W3).
    ///
    /// # Safety
    ///
    /// `n` is at most the room `spare` reported, less what was committed
    /// since, and those bytes were initialized by the caller.
    #[cfg(feature = "std")]
    #[inline]
    pub(crate) unsafe fn commit_spare(&mut self, n: usize) {
        if let Some(tail) = self.tail {
            // SAFETY: the tail is alive while it is the writer's.
            unsafe { tail.as_ref() }.track.wrote(self.written, self.written + n);
        }
        self.written += n;
        self.unflushed += n;
    }
}

impl Drop for PipeWriter {
    /// Dropping the writer completes it without an error (R12).
    fn drop(&mut self) {
        if !bug!(DropWriterNoComplete) {
            self.complete(None);
        }
    }
}

impl fmt::Debug for PipeWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipeWriter")
            .field("unflushed", &self.unflushed)
            .field("completed", &self.completed)
            .finish_non_exhaustive()
    }
}

/// Future of [`PipeWriter::flush`] and [`PipeWriter::write`].
#[must_use = "the bytes are published already; await the future to honour back pressure"]
pub struct Flush<'a> {
    writer: Option<&'a mut PipeWriter>,
    /// An outcome settled before the first poll (by `flush` or `write`).
    early: Option<Result<FlushResult, PipeError>>,
}

impl Future for Flush<'_> {
    type Output = Result<FlushResult, PipeError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Some(outcome) = this.early.take() {
            this.writer = None;
            return Poll::Ready(outcome);
        }
        let Some(writer) = this.writer.as_deref_mut() else {
            return Poll::Ready(Err(PipeError::PolledAfterCompletion));
        };
        let poll = writer.poll_flush(cx);
        if poll.is_ready() {
            this.writer = None;
        }
        poll
    }
}

impl fmt::Debug for Flush<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Flush").field("done", &self.writer.is_none()).finish()
    }
}

// ------------------------------------------------------------------ reader

/// The reading half: sees flushed bytes as a [`Sequence`] and says how far
/// it consumed and examined them (`advance_to`).
pub struct PipeReader {
    shared: Arc<Shared>,
    view: ReaderView,
    /// Last examined offset (mirror of the shared one; only we change it).
    examined: u64,
    completed: bool,
}

/// The reader's view of its buffer.
struct ReaderView {
    /// Flushed bytes of each segment from the buffer's first segment on,
    /// rebuilt by each read and cleared by each advance.
    ///
    /// The `'static` is never exposed: sequences borrow it for the reader's
    /// lifetime, and the segments stay in the chain (not released) while the
    /// read is outstanding.
    views: Vec<&'static [u8]>,
    /// Number of the segment `views[0]` shows.
    first_segment: u64,
    /// The outstanding read's buffer bounds, if any.
    outstanding: Option<Outstanding>,
}

#[derive(Clone, Copy, Debug)]
struct Outstanding {
    start: Cursor,
    end: Cursor,
    completed: bool,
    canceled: bool,
}

/// A successful read: the buffer and why the read resolved (R1, R2).
#[derive(Clone, Copy, Debug)]
pub struct ReadResult<'a> {
    buffer: Sequence<'a>,
    completed: bool,
    canceled: bool,
}

impl<'a> ReadResult<'a> {
    /// Every buffered byte from the last consumed position (R2).
    pub fn buffer(&self) -> Sequence<'a> {
        self.buffer
    }

    /// The writer has completed: no more bytes will come (R10).
    pub fn is_completed(&self) -> bool {
        self.completed
    }

    /// The read was canceled by `cancel_pending_read` (R9).
    pub fn is_canceled(&self) -> bool {
        self.canceled
    }
}

impl PipeReader {
    /// Waits for unexamined bytes, completion or cancellation (R1, R4).
    pub fn read(&mut self) -> Read<'_> {
        Read { reader: Some(self), min: 0 }
    }

    /// Waits until at least `n` bytes are buffered, examined or not, or
    /// until completion or cancellation (R8). `read_at_least(0)` is `read`.
    pub fn read_at_least(&mut self, n: usize) -> Read<'_> {
        Read { reader: Some(self), min: n }
    }

    /// Polls a read (see [`read`](Self::read)).
    pub fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<Result<ReadResult<'_>, PipeError>> {
        match self.prepare_read(Some(cx), 0) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(self.outstanding_result())),
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Polls a `read_at_least(n)` (see [`read_at_least`](Self::read_at_least)).
    pub fn poll_read_at_least(&mut self, cx: &mut Context<'_>, n: usize) -> Poll<Result<ReadResult<'_>, PipeError>> {
        match self.prepare_read(Some(cx), n) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(self.outstanding_result())),
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Reads without waiting: `None` where `read` would wait (R7).
    pub fn try_read(&mut self) -> Result<Option<ReadResult<'_>>, PipeError> {
        match self.prepare_read(None, 0) {
            Poll::Ready(Ok(())) => Ok(Some(self.outstanding_result())),
            Poll::Ready(Err(error)) => Err(error),
            Poll::Pending => Ok(None),
        }
    }

    /// Checks a read's preconditions (R13 order) and, when it can resolve,
    /// makes it outstanding with a fresh view of the buffer.
    fn prepare_read(&mut self, cx: Option<&mut Context<'_>>, min: usize) -> Poll<Result<(), PipeError>> {
        if self.completed {
            return Poll::Ready(Err(PipeError::ReaderCompleted));
        }
        if self.view.outstanding.is_some() {
            return Poll::Ready(Err(PipeError::ReadAlreadyOutstanding));
        }
        let view = &mut self.view;
        // Seeded bug: register the waker in a second critical section.
        let late = bug!(ReaderRegistersLate);
        let mut cx = cx;
        let (poll, writer_waker) = self.shared.state.with(|s| {
            if let Some(Completion::Failed(error)) = &s.writer_done {
                return (Poll::Ready(Err(PipeError::WriterFailed(error.clone()))), None);
            }
            let ready = if bug!(ExaminedAtEndNoWait) {
                s.read_canceled || s.writer_done.is_some() || s.buffered() > 0
            } else {
                s.reader_ready(min)
            };
            if ready {
                let canceled = s.read_canceled;
                if !bug!(CancelReadNotCleared) {
                    s.read_canceled = false;
                }
                s.read_min = 0;
                s.reader_waker = None;
                s.read_outstanding = true;
                let completed = s.writer_done.is_some();
                view.rebuild(s, completed, canceled);
                return (Poll::Ready(Ok(())), None);
            }
            let mut writer_waker = None;
            // A paused writer must not starve a reader that needs more (R8).
            if min > 0 && s.paused && s.buffered() < min as u64 && !bug!(ReadAtLeastNoResume) {
                s.paused = false;
                writer_waker = s.writer_waker.take();
            }
            if let Some(cx) = cx.as_deref_mut().filter(|_| !late) {
                s.read_min = min;
                register(&mut s.reader_waker, cx.waker());
            }
            (Poll::Pending, writer_waker)
        });
        if let (true, true, Some(cx)) = (late, poll.is_pending(), cx) {
            self.shared.state.with(|s| {
                s.read_min = min;
                register(&mut s.reader_waker, cx.waker());
            });
        }
        wake(writer_waker);
        poll
    }
}

impl ReaderView {
    /// Rebuilds `views` for the buffer `consumed..flushed_end`. Under the lock.
    fn rebuild(&mut self, s: &State, completed: bool, canceled: bool) {
        self.views.clear();
        let consumed = s.consumed;
        let flushed_end = s.flushed_end;
        // The buffer's first segment: the last one starting at or before
        // `consumed` (earlier ones are wholly consumed).
        let first = s.chain.iter().rposition(|link| link.base <= consumed).unwrap_or(0);
        self.first_segment = s.chain.get(first).map_or(0, |link| link.number);
        let mut start = Cursor { segment: 0, index: 0, offset: consumed };
        let mut end = start;
        for (i, link) in s.chain.iter().skip(first).enumerate() {
            if i > 0 && link.base >= flushed_end {
                break;
            }
            let readable = link.readable(flushed_end);
            // SAFETY: the segment is in the chain and stays there while the
            // read is outstanding (`release_consumed` checks); its first
            // `readable` bytes are flushed, so the writer never writes them
            // again, and the lock we hold ordered their writing before us.
            let inner = unsafe { link.segment.as_ref() };
            let from = usize::try_from(consumed.saturating_sub(link.base)).unwrap_or(readable).min(readable);
            inner.track.read(from, readable);
            // SAFETY: as above; `readable <= capacity`.
            let view: &'static [u8] = unsafe { core::slice::from_raw_parts(inner.data.as_ptr(), readable) };
            self.views.push(view);
            if i == 0 {
                start = Cursor { segment: 0, index: from, offset: consumed };
            }
            end = Cursor { segment: i, index: readable, offset: link.base + readable as u64 };
        }
        if self.views.is_empty() {
            end = start;
        }
        debug_assert_eq!(end.offset, flushed_end.max(consumed));
        self.outstanding = Some(Outstanding { start, end, completed, canceled });
    }
}

impl PipeReader {
    pub(crate) fn outstanding_result(&self) -> ReadResult<'_> {
        let (start, end, completed, canceled) = match self.view.outstanding {
            Some(o) => (o.start, o.end, o.completed, o.canceled),
            None => {
                let empty = Cursor { segment: 0, index: 0, offset: self.examined };
                (empty, empty, false, false)
            }
        };
        let views: &[&[u8]] = &self.view.views;
        ReadResult {
            buffer: Sequence::from_parts(views, self.shared.owner, self.view.first_segment, start, end),
            completed,
            canceled,
        }
    }

    /// Releases bytes before `consumed` and records that the reader looked at
    /// everything before `examined` (R3, R4, R5, R6, W6).
    ///
    /// Errors (R6, in R13's order) leave the pipe unchanged.
    pub fn advance_to(&mut self, consumed: Position, examined: Position) -> Result<(), PipeError> {
        if self.completed {
            return Err(PipeError::ReaderCompleted);
        }
        let Some(outstanding) = self.view.outstanding else {
            return Err(PipeError::NoOutstandingRead);
        };
        // R13 orders the position checks by class — released, foreign,
        // beyond the end — each class over both positions, `consumed` first.
        // Only an own position can be "released"; a foreign one is foreign.
        let own = |p: &Position| p.owner == self.shared.owner;
        if let Some(p) = [consumed, examined].iter().find(|p| own(p) && p.offset < outstanding.start.offset) {
            return Err(PipeError::PositionReleased { offset: p.offset, start: outstanding.start.offset });
        }
        if [consumed, examined].iter().any(|p| !own(p)) {
            return Err(PipeError::ForeignPosition);
        }
        if let Some(p) = [consumed, examined].iter().find(|p| p.offset > outstanding.end.offset) {
            return Err(PipeError::PositionBeyondEnd { offset: p.offset, end: outstanding.end.offset });
        }
        if examined.offset < consumed.offset {
            return Err(PipeError::ExaminedBeforeConsumed { consumed: consumed.offset, examined: examined.offset });
        }
        if examined.offset < self.examined {
            return Err(PipeError::ExaminedMovedBack { examined: examined.offset, previous: self.examined });
        }
        self.view.outstanding = None;
        self.view.views.clear();
        self.examined = examined.offset;
        let resume = self.shared.resume as u64;
        let waker = self.shared.state.with(|s| {
            let before = s.unexamined();
            s.consumed = consumed.offset;
            s.examined = if bug!(BackPressureCountsConsumed) { consumed.offset } else { examined.offset };
            s.read_outstanding = false;
            let after = s.unexamined();
            let crosses = if bug!(ResumeEdgeInverted) {
                before < resume && after >= resume
            } else {
                before >= resume && after < resume
            };
            let mut waker = None;
            if s.paused && crosses {
                s.paused = false;
                if !bug!(ResumeNoWake) {
                    waker = s.writer_waker.take();
                }
            }
            s.release_consumed();
            waker
        });
        wake(waker);
        Ok(())
    }

    /// `advance_to(consumed, consumed)` (R3).
    pub fn advance(&mut self, consumed: Position) -> Result<(), PipeError> {
        self.advance_to(consumed, consumed)
    }

    /// Makes the pending read, or if none the next one (a `try_read`
    /// included), resolve at once with `is_canceled` (R9).
    pub fn cancel_pending_read(&self) {
        self.shared.cancel_pending_read();
    }

    /// A handle that cancels reads or flushes from another task.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle { shared: self.shared.clone() }
    }

    /// Ends reading (R11, W9). Segments go back to the pool; the writer's
    /// pending and later flushes report `is_completed`, or return `error`.
    /// Completing again is harmless and the first completion stands.
    pub fn complete(&mut self, error: Option<CompletionError>) {
        if self.completed {
            return;
        }
        self.completed = true;
        self.view.outstanding = None;
        self.view.views.clear();
        let waker = self.shared.state.with(|s| {
            s.reader_done = Some(Completion::new(error));
            s.read_outstanding = false;
            s.paused = false;
            s.reader_waker = None;
            s.discard_if_reader_done();
            if bug!(CompleteReaderNoWake) {
                return None;
            }
            s.writer_waker.take()
        });
        wake(waker);
    }

    /// A snapshot of the pipe's counters.
    pub fn stats(&self) -> PipeStats {
        self.shared.stats()
    }

    /// Whether a read is outstanding (awaiting `advance_to`).
    pub fn has_outstanding_read(&self) -> bool {
        self.view.outstanding.is_some()
    }

    /// The read in progress: the result of the outstanding read, again, until
    /// the next `advance_to`; `None` when no read is outstanding.
    ///
    /// Adapters that resolve a read in one call and consume it in a later one
    /// (`BufRead::fill_buf` then `consume`) look the buffer up here.
    pub fn outstanding_read(&self) -> Option<ReadResult<'_>> {
        self.view.outstanding.map(|_| self.outstanding_result())
    }

    /// Consumes and examines the whole buffer of the outstanding read:
    /// `advance(buffer.end())` without holding the buffer's borrow (R3, R4).
    ///
    /// Fails like [`advance_to`](Self::advance_to): `ReaderCompleted`, then
    /// `NoOutstandingRead`.
    pub fn advance_to_end(&mut self) -> Result<(), PipeError> {
        if self.completed {
            return Err(PipeError::ReaderCompleted);
        }
        match self.outstanding_read() {
            Some(result) => {
                let end = result.buffer().end();
                self.advance(end)
            }
            None => Err(PipeError::NoOutstandingRead),
        }
    }
}

impl Drop for PipeReader {
    /// Dropping the reader completes it without an error (R12).
    fn drop(&mut self) {
        if !bug!(DropReaderNoComplete) {
            self.complete(None);
        }
    }
}

impl fmt::Debug for PipeReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipeReader")
            .field("outstanding", &self.view.outstanding.is_some())
            .field("completed", &self.completed)
            .finish_non_exhaustive()
    }
}

/// Future of [`PipeReader::read`] and [`PipeReader::read_at_least`].
#[must_use = "futures do nothing unless polled"]
pub struct Read<'a> {
    reader: Option<&'a mut PipeReader>,
    min: usize,
}

impl<'a> Future for Read<'a> {
    type Output = Result<ReadResult<'a>, PipeError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let Some(reader) = this.reader.take() else {
            return Poll::Ready(Err(PipeError::PolledAfterCompletion));
        };
        match reader.prepare_read(Some(cx), this.min) {
            Poll::Ready(Ok(())) => {
                let reader: &'a PipeReader = reader;
                Poll::Ready(Ok(reader.outstanding_result()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => {
                this.reader = Some(reader);
                Poll::Pending
            }
        }
    }
}

impl fmt::Debug for Read<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Read").field("min", &self.min).field("done", &self.reader.is_none()).finish()
    }
}
