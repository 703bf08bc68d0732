//! The protocol: the state both halves share and every transition on it.
//!
//! This is the one place the pipe's protocol is written. Each transition is
//! one method on [`State`], run under the lock, and returns what must be
//! woken ([`Wake`]); the halves only enter the lock, call the transition,
//! leave and wake ([`Shared::enter`]). Read beside the reference model, one
//! method here matches one operation there.
//!
//! | transition | method | rules |
//! |---|---|---|
//! | commit + flush | [`State::flush`] | W3, W4, W6, R8 |
//! | poll flush | [`State::poll_flush`] | W4, W6, W7, W9, R11 |
//! | read (no wait) | [`State::try_read`] | R1, R2, R7, R13 |
//! | poll read | [`State::poll_read`] | R1, R4, R8, R9, R10 |
//! | advance | [`State::advance_to`] | R3, R4, R5, W6 |
//! | cancel read | [`State::cancel_read`] | R9 |
//! | cancel flush | [`State::cancel_flush`] | W7 |
//! | complete writer | [`State::complete_writer`] | W8, R10 |
//! | complete reader | [`State::complete_reader`] | R11, W9 |
//! | drop writer / reader | [`State::drop_writer`], [`State::drop_reader`] | R12 |
//! | new segment | [`State::push_segment`] | M1 |
//!
//! With the cfg `pipe_core_bug`, the seeded bugs' hooks are `#[cfg]`'d
//! statements in these methods; without it they do not exist.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use core::ptr::NonNull;
use core::task::{Poll, Waker};

use super::lock::SpinLock;
use super::view::{Outstanding, ReaderView};
#[cfg(pipe_core_bug)]
use crate::bugs::{is_active as seeded, Bug};
use crate::pool::{Segment, SegmentInner, SegmentPool};
use crate::sequence::Cursor;
use crate::{CompletionError, PipeError};

/// The outcome of a flush (W4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlushResult {
    pub(super) completed: bool,
    pub(super) canceled: bool,
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

/// What both halves share.
pub(super) struct Shared {
    /// Identity that positions carry, to reject foreign ones (R6).
    pub(super) owner: usize,
    /// Smallest segment the writer rents.
    pub(super) minimum_segment_size: usize,
    /// The pause threshold (O1), read-only: the std adapters size segments by it.
    #[cfg(feature = "std")]
    pub(super) pause: usize,
    pub(super) state: SpinLock<State>,
}

impl Shared {
    /// Enters the lock, runs one transition, leaves, then wakes what the
    /// transition returned: the shape of every call from the halves.
    #[inline]
    pub(super) fn enter<R>(&self, transition: impl FnOnce(&mut State) -> (R, Wake)) -> R {
        let (result, wake) = self.state.with(transition);
        #[cfg(pipe_core_bug)]
        if let Some(late) = wake.late.clone() {
            // Seeded bugs `ReaderRegistersLate`, `WriterRegistersLate`: the
            // registration the transition skipped, in a second critical section.
            self.state.with(|s| late.register(s));
        }
        wake.wake();
        result
    }

    /// Seeded bug `UnflushedVisible`: publishes `n` advanced bytes without a
    /// flush. Returns the writer's new unflushed count. Enters the lock only
    /// when that bug is the active one, so the hook adds no critical section
    /// (and no happens-before edge) to the runs of the other bugs.
    #[cfg(pipe_core_bug)]
    pub(super) fn seeded_advance(&self, unflushed: usize, n: usize) -> usize {
        if !seeded(Bug::UnflushedVisible) {
            return unflushed;
        }
        self.enter(|s| s.seeded_advance(unflushed, n))
    }

    pub(super) fn stats(&self) -> PipeStats {
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
}

/// What a transition leaves to wake once the lock is released: at most one
/// task, because each transition hands the pipe to at most the other half.
#[must_use = "a transition's waker must be woken after leaving the lock"]
pub(super) struct Wake {
    waker: Option<Waker>,
    #[cfg(pipe_core_bug)]
    late: Option<LateRegistration>,
}

impl Wake {
    const NONE: Self = Self {
        waker: None,
        #[cfg(pipe_core_bug)]
        late: None,
    };

    fn one(waker: Option<Waker>) -> Self {
        Self {
            waker,
            #[cfg(pipe_core_bug)]
            late: None,
        }
    }

    fn wake(self) {
        if let Some(waker) = self.waker {
            waker.wake();
        }
    }
}

/// A registration a seeded bug moved out of its transition.
#[cfg(pipe_core_bug)]
#[derive(Clone)]
enum LateRegistration {
    Reader { waker: Waker, min: usize },
    Writer(Waker),
}

#[cfg(pipe_core_bug)]
impl LateRegistration {
    fn register(self, s: &mut State) {
        match self {
            Self::Reader { waker, min } => {
                s.read_min = min;
                register(&mut s.reader_waker, &waker);
            }
            Self::Writer(waker) => register(&mut s.writer_waker, &waker),
        }
    }
}

/// Stores `waker` in `slot` unless it already holds one that wakes the same task.
fn register(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(current) if current.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
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

/// What a flush resolves to in the current state: the one flush decision,
/// shared by `flush` (which settles only [`Flushed`](Self::Flushed)) and
/// `poll_flush`.
enum FlushOutcome<'a> {
    /// The reader completed with an error (R11).
    ReaderFailed(&'a CompletionError),
    /// A cancel is pending (W7).
    Canceled,
    /// The reader completed (W9).
    ReaderCompleted,
    /// Back pressure holds (W6).
    Paused,
    /// Nothing holds the flush (W4).
    Flushed,
}

/// The state both halves update under the lock.
///
/// Offsets count bytes from the start of the pipe and only grow:
/// `consumed <= examined <= flushed_end`.
pub(super) struct State {
    /// Pause threshold (W6); 0 disables back pressure.
    pause: u64,
    /// Resume threshold (W6).
    resume: u64,
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
    pub(super) fn new(pause: usize, resume: usize, pool: Box<dyn SegmentPool>) -> Self {
        Self {
            pause: pause as u64,
            resume: resume as u64,
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
        }
    }

    /// Checks the offset invariant; called where the offsets change.
    fn check_offsets(&self) {
        debug_assert!(self.consumed <= self.examined, "consumed {} > examined {}", self.consumed, self.examined);
        debug_assert!(self.examined <= self.flushed_end, "examined {} > flushed {}", self.examined, self.flushed_end);
    }

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
            let sealed_len = front.sealed_len;
            // Seeded bug: the writer's current segment counts as done once read.
            #[cfg(pipe_core_bug)]
            let sealed_len = match sealed_len {
                None if seeded(Bug::SegmentReturnedWhileWritten) && front.readable(self.flushed_end) > 0 => {
                    Some(front.readable(self.flushed_end))
                }
                other => other,
            };
            let Some(len) = sealed_len else { break };
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

    // ------------------------------------------------------------ segments

    /// Rents a segment of `size` bytes from the pool, if it has one.
    pub(super) fn rent(&mut self, size: usize) -> Option<Segment> {
        self.pool.rent(size)
    }

    /// Returns a segment the pipe did not use to the pool.
    pub(super) fn give_back(&mut self, segment: Segment) {
        self.pool.give_back(segment);
    }

    /// The writer moved to a new segment starting at pipe offset `base`; the
    /// previous one is sealed at `written` bytes (M1).
    pub(super) fn push_segment(&mut self, segment: NonNull<SegmentInner>, base: u64, written: usize) {
        let number = self.next_segment;
        self.next_segment += 1;
        if let Some(back) = self.chain.back_mut() {
            back.sealed_len = Some(written);
        }
        self.chain.push_back(Link { segment, number, base, sealed_len: None });
        self.discard_if_reader_done();
        self.release_consumed();
    }

    // -------------------------------------------------------------- writer

    /// Seeded bug `UnflushedVisible`: publishes `n` advanced bytes without a
    /// flush. Returns the writer's new unflushed count.
    #[cfg(pipe_core_bug)]
    pub(super) fn seeded_advance(&mut self, unflushed: usize, n: usize) -> (usize, Wake) {
        if seeded(Bug::UnflushedVisible) {
            self.flushed_end += n as u64;
            return (unflushed - n, Wake::NONE);
        }
        (unflushed, Wake::NONE)
    }

    /// Publishes `n` advanced bytes, wakes a reader that can now resolve,
    /// and applies the pause edge (W4, W6, R8).
    fn commit(&mut self, n: u64) -> Option<Waker> {
        if n == 0 {
            return None;
        }
        let before = self.unexamined();
        self.flushed_end += n;
        if self.reader_done.is_some() {
            self.discard_if_reader_done();
            return None;
        }
        let after = self.unexamined();
        let pause = self.pause;
        let crosses = before < pause && after >= pause;
        #[cfg(pipe_core_bug)]
        let crosses = if seeded(Bug::PauseEdgeOffByOne) { before < pause && after > pause } else { crosses };
        // A waiting `read_at_least` that this flush does not satisfy would
        // deadlock against a paused writer (R8).
        let starves_reader = self.reader_waker.is_some() && self.read_min > 0 && self.buffered() < self.read_min as u64;
        if pause > 0 && crosses && !starves_reader {
            self.paused = true;
        }
        #[cfg(pipe_core_bug)]
        if seeded(Bug::FlushNoWake) {
            return None;
        }
        self.wake_reader_if_ready()
    }

    /// What a flush resolves to now, consuming nothing.
    fn flush_outcome(&self) -> FlushOutcome<'_> {
        match &self.reader_done {
            Some(Completion::Failed(error)) => FlushOutcome::ReaderFailed(error),
            _ if self.flush_canceled => FlushOutcome::Canceled,
            Some(Completion::Clean) => FlushOutcome::ReaderCompleted,
            None if self.paused => FlushOutcome::Paused,
            None => FlushOutcome::Flushed,
        }
    }

    /// `flush`: commits `n` bytes and says whether the flush is settled
    /// already. Only the common case — nothing holds it — settles here;
    /// anything else is left to `poll_flush`, so a flag is only consumed by
    /// a polled future.
    pub(super) fn flush(&mut self, n: u64) -> (bool, Wake) {
        let waker = self.commit(n);
        (matches!(self.flush_outcome(), FlushOutcome::Flushed), Wake::one(waker))
    }

    /// Polls a flush: commits `n` bytes, then resolves unless back pressure
    /// holds, in which case `waker` is registered.
    pub(super) fn poll_flush(&mut self, n: u64, waker: &Waker) -> (Poll<Result<FlushResult, PipeError>>, Wake) {
        let wake = Wake::one(self.commit(n));
        let poll = match self.flush_outcome() {
            FlushOutcome::ReaderFailed(error) => Poll::Ready(Err(PipeError::ReaderFailed(error.clone()))),
            FlushOutcome::Canceled => {
                let clear = true;
                #[cfg(pipe_core_bug)]
                let clear = clear && !seeded(Bug::CancelFlushNotCleared);
                if clear {
                    self.flush_canceled = false;
                }
                Poll::Ready(Ok(FlushResult { completed: self.reader_done.is_some(), canceled: true }))
            }
            FlushOutcome::ReaderCompleted => Poll::Ready(Ok(FlushResult { completed: true, canceled: false })),
            FlushOutcome::Paused => {
                #[cfg(pipe_core_bug)]
                if seeded(Bug::WriterRegistersLate) {
                    return (Poll::Pending, Wake { late: Some(LateRegistration::Writer(waker.clone())), ..wake });
                }
                register(&mut self.writer_waker, waker);
                Poll::Pending
            }
            FlushOutcome::Flushed => Poll::Ready(Ok(FlushResult::default())),
        };
        (poll, wake)
    }

    /// Cancels the pending flush, or if none the next one (W7).
    pub(super) fn cancel_flush(&mut self) -> ((), Wake) {
        let sticky = true;
        // Seeded bug: a cancel with no flush pending is lost.
        #[cfg(pipe_core_bug)]
        let sticky = sticky && !(seeded(Bug::CancelFlushNotSticky) && self.writer_waker.is_none());
        self.flush_canceled = sticky;
        #[cfg(pipe_core_bug)]
        if seeded(Bug::CancelFlushNoWake) {
            return ((), Wake::NONE);
        }
        ((), Wake::one(self.writer_waker.take()))
    }

    /// The writer completes (W8, R10): its `unflushed` bytes are committed
    /// and its current segment, if it has one, is sealed at `written`.
    pub(super) fn complete_writer(
        &mut self,
        unflushed: u64,
        written: usize,
        has_tail: bool,
        error: Option<CompletionError>,
    ) -> ((), Wake) {
        // Seeded bug: completion drops the unflushed bytes (W8).
        #[cfg(pipe_core_bug)]
        let unflushed = if seeded(Bug::CompleteDropsUnflushed) { 0 } else { unflushed };
        self.flushed_end += unflushed;
        if has_tail {
            if let Some(back) = self.chain.back_mut() {
                back.sealed_len = Some(written);
            }
        }
        self.writer_done = Some(Completion::new(error));
        self.discard_if_reader_done();
        self.release_consumed();
        #[cfg(pipe_core_bug)]
        if seeded(Bug::CompleteWriterNoWake) {
            return ((), Wake::NONE);
        }
        ((), Wake::one(self.reader_waker.take()))
    }

    /// The writer is dropped: it completes without an error (R12).
    pub(super) fn drop_writer(&mut self, unflushed: u64, written: usize, has_tail: bool) -> ((), Wake) {
        #[cfg(pipe_core_bug)]
        if seeded(Bug::DropWriterNoComplete) {
            return ((), Wake::NONE);
        }
        self.complete_writer(unflushed, written, has_tail, None)
    }

    // -------------------------------------------------------------- reader

    /// Reads without waiting (R7): resolves like `poll_read(0)` or leaves
    /// nothing registered.
    pub(super) fn try_read(&mut self, view: &mut ReaderView) -> (Poll<Result<(), PipeError>>, Wake) {
        self.read(0, None, view)
    }

    /// Polls a read of at least `min` bytes (0 = plain read): resolves with
    /// a fresh view of the buffer, or registers `waker` (R1, R4, R8, R9).
    pub(super) fn poll_read(
        &mut self,
        min: usize,
        waker: &Waker,
        view: &mut ReaderView,
    ) -> (Poll<Result<(), PipeError>>, Wake) {
        self.read(min, Some(waker), view)
    }

    /// The read transition; `waker` is `None` for `try_read`.
    fn read(
        &mut self,
        min: usize,
        waker: Option<&Waker>,
        view: &mut ReaderView,
    ) -> (Poll<Result<(), PipeError>>, Wake) {
        if let Some(Completion::Failed(error)) = &self.writer_done {
            return (Poll::Ready(Err(PipeError::WriterFailed(error.clone()))), Wake::NONE);
        }
        let ready = self.reader_ready(min);
        #[cfg(pipe_core_bug)]
        let ready = if seeded(Bug::ExaminedAtEndNoWait) {
            self.read_canceled || self.writer_done.is_some() || self.buffered() > 0
        } else {
            ready
        };
        if ready {
            let canceled = self.read_canceled;
            let clear = true;
            #[cfg(pipe_core_bug)]
            let clear = clear && !seeded(Bug::CancelReadNotCleared);
            if clear {
                self.read_canceled = false;
            }
            self.read_min = 0;
            self.reader_waker = None;
            self.read_outstanding = true;
            let completed = self.writer_done.is_some();
            self.fill_view(view, completed, canceled);
            return (Poll::Ready(Ok(())), Wake::NONE);
        }
        let mut writer_waker = None;
        // A paused writer must not starve a reader that needs more (R8).
        let resume = min > 0 && self.paused && self.buffered() < min as u64;
        #[cfg(pipe_core_bug)]
        let resume = resume && !seeded(Bug::ReadAtLeastNoResume);
        if resume {
            self.paused = false;
            writer_waker = self.writer_waker.take();
        }
        if let Some(waker) = waker {
            #[cfg(pipe_core_bug)]
            if seeded(Bug::ReaderRegistersLate) {
                let late = Some(LateRegistration::Reader { waker: waker.clone(), min });
                return (Poll::Pending, Wake { waker: writer_waker, late });
            }
            self.read_min = min;
            register(&mut self.reader_waker, waker);
        }
        (Poll::Pending, Wake::one(writer_waker))
    }

    /// Rebuilds the reader's view for the buffer `consumed..flushed_end`.
    fn fill_view(&self, view: &mut ReaderView, completed: bool, canceled: bool) {
        view.views.clear();
        let consumed = self.consumed;
        let flushed_end = self.flushed_end;
        // The buffer's first segment: the last one starting at or before
        // `consumed` (earlier ones are wholly consumed).
        let first = self.chain.iter().rposition(|link| link.base <= consumed).unwrap_or(0);
        view.first_segment = self.chain.get(first).map_or(0, |link| link.number);
        let mut start = Cursor { segment: 0, index: 0, offset: consumed };
        let mut end = start;
        for (i, link) in self.chain.iter().skip(first).enumerate() {
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
            // `readable <= capacity`: the view stays inside the allocation.
            view.views.push(NonNull::slice_from_raw_parts(inner.data, readable));
            if i == 0 {
                start = Cursor { segment: 0, index: from, offset: consumed };
            }
            end = Cursor { segment: i, index: readable, offset: link.base + readable as u64 };
        }
        if view.views.is_empty() {
            end = start;
        }
        debug_assert_eq!(end.offset, flushed_end.max(consumed));
        view.outstanding = Some(Outstanding { start, end, completed, canceled });
    }

    /// The reader ends its read at `consumed` having looked at everything
    /// before `examined` (R3, R4, R5, W6); the positions are checked already.
    pub(super) fn advance_to(&mut self, consumed: u64, examined: u64) -> ((), Wake) {
        let before = self.unexamined();
        self.consumed = consumed;
        #[cfg(pipe_core_bug)]
        let examined = if seeded(Bug::BackPressureCountsConsumed) { consumed } else { examined };
        self.examined = examined;
        self.check_offsets();
        self.read_outstanding = false;
        let after = self.unexamined();
        let resume = self.resume;
        let crosses = before >= resume && after < resume;
        #[cfg(pipe_core_bug)]
        let crosses = if seeded(Bug::ResumeEdgeInverted) { before < resume && after >= resume } else { crosses };
        let mut waker = None;
        if self.paused && crosses {
            self.paused = false;
            let wake_writer = true;
            #[cfg(pipe_core_bug)]
            let wake_writer = wake_writer && !seeded(Bug::ResumeNoWake);
            if wake_writer {
                waker = self.writer_waker.take();
            }
        }
        self.release_consumed();
        ((), Wake::one(waker))
    }

    /// Cancels the pending read, or if none the next one (R9).
    pub(super) fn cancel_read(&mut self) -> ((), Wake) {
        let sticky = true;
        // Seeded bug: a cancel with no read pending is lost.
        #[cfg(pipe_core_bug)]
        let sticky = sticky && !(seeded(Bug::CancelReadNotSticky) && self.reader_waker.is_none());
        self.read_canceled = sticky;
        #[cfg(pipe_core_bug)]
        if seeded(Bug::CancelReadNoWake) {
            return ((), Wake::NONE);
        }
        ((), Wake::one(self.reader_waker.take()))
    }

    /// The reader completes (R11, W9): its buffer is released, back pressure
    /// lifts, and later flushes report `is_completed` (or the error).
    pub(super) fn complete_reader(&mut self, error: Option<CompletionError>) -> ((), Wake) {
        self.reader_done = Some(Completion::new(error));
        self.read_outstanding = false;
        self.paused = false;
        self.reader_waker = None;
        self.discard_if_reader_done();
        #[cfg(pipe_core_bug)]
        if seeded(Bug::CompleteReaderNoWake) {
            return ((), Wake::NONE);
        }
        ((), Wake::one(self.writer_waker.take()))
    }

    /// The reader is dropped: it completes without an error (R12).
    pub(super) fn drop_reader(&mut self) -> ((), Wake) {
        #[cfg(pipe_core_bug)]
        if seeded(Bug::DropReaderNoComplete) {
            return ((), Wake::NONE);
        }
        self.complete_reader(None)
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
