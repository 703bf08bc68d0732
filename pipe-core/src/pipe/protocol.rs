//! The protocol: the state both halves share and every transition on it.
//!
//! This is the one place the pipe's protocol is written; read beside the
//! reference model, one method here matches one operation there. The
//! halves (`writer.rs`, `reader.rs`) keep their API state and call these
//! methods with their protocol state ([`WriterSide`], [`ReaderSide`]).
//!
//! | transition | method | rules |
//! |---|---|---|
//! | commit + flush | [`Shared::flush`] | W3, W4, W6, R8 |
//! | poll flush | [`Shared::poll_flush`] | W4, W6, W7, W9, R11 |
//! | read | [`Shared::read`] | R1, R2, R4, R7, R8, R9, R10, R13 |
//! | advance | [`Shared::advance_to`] | R3, R4, R5, W6, M1 |
//! | cancel read / flush | [`Shared::cancel_read`], [`Shared::cancel_flush`] | R9, W7 |
//! | complete writer | [`Shared::complete_writer`] | W8, R10, M1 |
//! | complete reader | [`Shared::complete_reader`] | R11, W9, M1 |
//! | drop writer / reader | [`Shared::drop_writer`], [`Shared::drop_reader`] | R12 |
//! | new segment | [`Shared::new_segment`] | M1 |
//!
//! # Single producer, single consumer
//!
//! Each shared index has one writer: the flushed end is the writer's, the
//! consumed and examined offsets are the reader's, each on a cache line of
//! its own, and each side keeps its own exact `u64` copies. Shared indices
//! are wrapping `usize` (targets without 64-bit atomics); every difference
//! the protocol takes is between offsets less than `usize::MAX / 2` apart.
//! Everything else both sides decide on is one flag word ([`flag`]): who
//! waits, back pressure, cancel requests (also from a `CancelHandle` on any
//! thread) and completions.
//!
//! The fast paths touch only atomics: a flush is one read-modify-write of
//! the flushed end and one load of the flags; a read that finds data is two
//! loads; an advance is one read-modify-write of the examined offset and one
//! load of the flags. Renting, linking and giving back segments, and the
//! completion errors, sit behind a lock of their own ([`Segments`]) that no
//! fast path takes: once per segment, not per call.
//!
//! # Wait handshakes
//!
//! A side that is about to wait first announces it with a read-modify-write
//! of the flags, then re-reads the index it waits on with a
//! read-modify-write (`fetch_add(0)`) instead of a load; the other side
//! publishes that index with a read-modify-write, then loads the flags. The
//! two read-modify-writes of one index are ordered, so either the waiting
//! side sees the new index or the publishing side sees the announcement:
//! no wake is lost, and no fence is needed on any fast path. Loom models
//! read-modify-writes exactly, so it checks these handshakes as written.
//! Each ordering's reason, and the seeded bug that proves it matters, is in
//! `docs/design.md`.
//!
//! With the cfg `pipe_core_bug`, the seeded bugs' hooks are `#[cfg]`'d
//! statements and [`ordering!`] arguments here; without it they do not exist.

use alloc::boxed::Box;
use core::ptr::NonNull;
use core::task::{Poll, Waker};

use super::chain::Seg;
use super::lock::SpinLock;
use super::view::{Outstanding, ReaderView};
use super::waker::WakerSlot;
#[cfg(pipe_core_bug)]
use crate::bugs::{is_active as seeded, Bug};
use crate::pool::{Segment, SegmentInner, SegmentPool};
use crate::sequence::Cursor;
use crate::sync::{AtomicPtr, AtomicUsize, Ordering};
use crate::{CompletionError, PipeError};

/// `$normal`, or `Relaxed` while the seeded bug `$bug` is active.
macro_rules! ordering {
    ($bug:ident, $normal:expr) => {{
        #[cfg(pipe_core_bug)]
        let ordering = if seeded(Bug::$bug) { Ordering::Relaxed } else { $normal };
        #[cfg(not(pipe_core_bug))]
        let ordering = $normal;
        ordering
    }};
}

/// The handshakes' second look at `$index`: a read-modify-write that changes
/// nothing, so it is ordered with the other side's publication of the same
/// index (see the module docs). `$load` and `$relaxed` name the seeded bugs
/// that weaken it to a plain load or to `Relaxed`.
macro_rules! second_look {
    ($index:expr, $load:ident, $relaxed:ident) => {{
        #[cfg(pipe_core_bug)]
        let value = if seeded(Bug::$load) {
            $index.load(Ordering::Acquire)
        } else {
            $index.fetch_add(0, ordering!($relaxed, Ordering::AcqRel))
        };
        #[cfg(not(pipe_core_bug))]
        let value = $index.fetch_add(0, Ordering::AcqRel);
        value
    }};
}

/// The bits of the flag word, one each (written as binary literals: a
/// shift by zero would be a mutation no test can tell apart).
pub(super) mod flag {
    /// The reader waits; whoever makes its read resolvable clears this bit
    /// and wakes it (exactly one side wins the bit).
    pub(crate) const READER_WAITING: usize = 0b1;
    /// The waiting read is a `read_at_least`: it needs the flushed end to
    /// reach `want`, and back pressure must not starve it (R8).
    pub(crate) const READ_AT_LEAST: usize = 0b10;
    /// The writer waits in a paused flush; whoever resolves the flush clears
    /// this bit and wakes it.
    pub(crate) const WRITER_WAITING: usize = 0b100;
    /// Back pressure holds (W6): set by the writer on the pause edge,
    /// cleared by the reader below the resume threshold, by R8, or by its
    /// completion.
    pub(crate) const PAUSED: usize = 0b1000;
    /// Sticky until a read observes it (R9).
    pub(crate) const READ_CANCELED: usize = 0b10000;
    /// Sticky until a flush observes it (W7).
    pub(crate) const FLUSH_CANCELED: usize = 0b100000;
    /// The writer completed (W8); set after its last bytes are published.
    pub(crate) const WRITER_DONE: usize = 0b1000000;
    /// ... with an error, which the segment lock holds.
    pub(crate) const WRITER_FAILED: usize = 0b10000000;
    /// The reader completed (R11).
    pub(crate) const READER_DONE: usize = 0b100000000;
    /// ... with an error, which the segment lock holds.
    pub(crate) const READER_FAILED: usize = 0b1000000000;
}
use flag::*;

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
///
/// Taken while the other half may run: each counter is exact as of its own
/// load, and `consumed <= examined <= flushed_end` always holds.
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

/// Keeps its value on a cache line of its own (128 bytes: adjacent-line
/// prefetch pairs lines on x86), so the two sides' indices never share one.
#[repr(align(128))]
struct Padded<T>(T);

impl<T> core::ops::Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// What both halves share.
pub(super) struct Shared {
    /// Identity that positions carry, to reject foreign ones (R6).
    pub(super) owner: usize,
    /// Smallest segment the writer rents.
    pub(super) minimum_segment_size: usize,
    /// Pause threshold (W6); 0 disables back pressure.
    pub(super) pause: usize,
    /// Resume threshold (W6).
    resume: usize,
    /// End of the bytes the writer has flushed; written by the writer only.
    flushed: Padded<AtomicUsize>,
    /// The reader's indices.
    reader: Padded<ReaderIndices>,
    /// The flag word, the waker slots and the first segment.
    signals: Padded<Signals>,
    /// The slow path: the pool, the rented count, completion errors.
    segments: SpinLock<Segments>,
}

struct ReaderIndices {
    /// How far the reader has looked (R3, R4); written by the reader only.
    examined: AtomicUsize,
    /// Start of the reader's buffer (R2, R3); written by the reader only,
    /// after `examined`, so `consumed <= examined` at every moment.
    consumed: AtomicUsize,
    /// The flushed end that resolves the waiting `read_at_least`
    /// (announced with `READ_AT_LEAST`).
    want: AtomicUsize,
    /// The reader's drained head, offered to the writer: null while the
    /// reader holds its head; the head segment after an advance left the
    /// reader nothing to read in it; [`taken`] once the writer gave it back
    /// (see [`Shared::take_drained`]).
    drained: AtomicPtr<SegmentInner>,
}

struct Signals {
    flags: AtomicUsize,
    reader_waker: WakerSlot,
    writer_waker: WakerSlot,
    /// The pipe's first segment until the reader picks it up: published by
    /// the writer's first segment, replaced if the writer moves on from it
    /// while it holds no byte for the reader, swapped to null by the reader.
    first: AtomicPtr<SegmentInner>,
}

/// The slow path's state, behind the segment lock.
struct Segments {
    pool: Box<dyn SegmentPool>,
    /// Segments rented and not given back.
    rented: usize,
    writer_done: bool,
    writer_error: Option<CompletionError>,
    reader_done: bool,
    reader_error: Option<CompletionError>,
}

impl Segments {
    fn give_back(&mut self, segment: Seg) {
        self.rented -= 1;
        // SAFETY: both halves are done with the segment (the callers'
        // conditions, M1), so nothing refers to it any more.
        self.pool.give_back(unsafe { Segment::from_raw(segment.0) });
    }
}

/// The writer's protocol state: its current segment and its own copies.
pub(super) struct WriterSide {
    /// The writer's current segment, the chain's last. Bytes
    /// `written..capacity` are the writer's alone.
    pub(super) tail: Option<Seg>,
    /// Pipe offset of the tail's byte 0.
    pub(super) tail_base: u64,
    /// Bytes written into the tail; never below the tail's flushed bytes.
    pub(super) written: usize,
    /// The flushed end (the shared one is its low bits).
    flushed: u64,
    /// The examined offset as last loaded: at most the real one, so the
    /// unexamined count it gives is an upper bound.
    seen_examined: usize,
    next_number: u64,
}

/// The reader's protocol state.
pub(super) struct ReaderSide {
    /// The first segment not given back; `None` before the reader picked
    /// up the first segment (`first`) or once every segment is back.
    head: Option<Seg>,
    /// Whether `head` is offered to the writer (`drained`) and must be
    /// taken back before use.
    offered: bool,
    pub(super) consumed: u64,
    /// The examined offset as the protocol counts it.
    examined: u64,
}

// SAFETY: the segment pointers are the chain's, shared by protocol; moving a
// half's state to another thread moves that half's use of them.
unsafe impl Send for WriterSide {}
// SAFETY: as above.
unsafe impl Send for ReaderSide {}

impl WriterSide {
    pub(super) fn new() -> Self {
        Self { tail: None, tail_base: 0, written: 0, flushed: 0, seen_examined: 0, next_number: 0 }
    }
}

impl ReaderSide {
    pub(super) fn new() -> Self {
        Self { head: None, offered: false, consumed: 0, examined: 0 }
    }
}

/// The value of `drained` that says the writer took the offered head and
/// the reader's new head is `head`: the pointer with its low bit set.
fn taken(head: Option<Seg>) -> *mut SegmentInner {
    match head {
        Some(seg) => seg.0.as_ptr().map_addr(|addr| addr | 1),
        None => core::ptr::without_provenance_mut(1),
    }
}

/// If `drained` is a [`taken`] value, the new head it carries.
fn taken_head(drained: *mut SegmentInner) -> Option<Option<Seg>> {
    (drained.addr() & 1 == 1).then(|| NonNull::new(drained.map_addr(|addr| addr & !1)).map(Seg))
}

/// Whether offset `end` is reached by `flushed` (wrapping offsets).
fn reaches(flushed: usize, end: usize) -> bool {
    flushed.wrapping_sub(end) < usize::MAX / 2
}

/// What a flush resolves to under `flags`.
enum FlushOutcome {
    /// The reader completed with an error (R11).
    ReaderFailed,
    /// A cancel is pending (W7).
    Canceled,
    /// The reader completed (W9).
    ReaderCompleted,
    /// Back pressure holds (W6).
    Paused,
    /// Nothing holds the flush (W4).
    Flushed,
}

fn flush_outcome(flags: usize) -> FlushOutcome {
    if flags & READER_FAILED != 0 {
        FlushOutcome::ReaderFailed
    } else if flags & FLUSH_CANCELED != 0 {
        FlushOutcome::Canceled
    } else if flags & READER_DONE != 0 {
        FlushOutcome::ReaderCompleted
    } else if flags & PAUSED != 0 {
        FlushOutcome::Paused
    } else {
        FlushOutcome::Flushed
    }
}

impl Shared {
    pub(super) fn new(
        owner: usize,
        minimum_segment_size: usize,
        pause: usize,
        resume: usize,
        pool: Box<dyn SegmentPool>,
    ) -> Self {
        Self {
            owner,
            minimum_segment_size,
            pause,
            resume,
            flushed: Padded(AtomicUsize::new(0)),
            reader: Padded(ReaderIndices {
                examined: AtomicUsize::new(0),
                consumed: AtomicUsize::new(0),
                want: AtomicUsize::new(0),
                drained: AtomicPtr::new(core::ptr::null_mut()),
            }),
            signals: Padded(Signals {
                flags: AtomicUsize::new(0),
                reader_waker: WakerSlot::new(),
                writer_waker: WakerSlot::new(),
                first: AtomicPtr::new(core::ptr::null_mut()),
            }),
            segments: SpinLock::new(Segments {
                pool,
                rented: 0,
                writer_done: false,
                writer_error: None,
                reader_done: false,
                reader_error: None,
            }),
        }
    }

    fn flags(&self) -> &AtomicUsize {
        &self.signals.flags
    }

    /// Wakes the reader if it still waits: exactly one waking side wins the
    /// bit, so a registration is woken once.
    fn wake_reader(&self) {
        let old = self.flags().fetch_and(!(READER_WAITING | READ_AT_LEAST), Ordering::AcqRel);
        if old & READER_WAITING != 0 {
            self.signals.reader_waker.wake();
        }
    }

    /// Wakes the writer if it still waits (see [`wake_reader`](Self::wake_reader)).
    fn wake_writer(&self) {
        let old = self.flags().fetch_and(!WRITER_WAITING, Ordering::AcqRel);
        if old & WRITER_WAITING != 0 {
            self.signals.writer_waker.wake();
        }
    }

    /// Whether a flush to `flushed` resolves the read announced in `flags`:
    /// a plain read waits only with nothing unexamined, so any flush does;
    /// a `read_at_least` needs its `want`.
    fn resolves_waiting_read(&self, flags: usize, flushed: usize) -> bool {
        // Relaxed: `want` was stored before the announcement the caller
        // acquired from the flags.
        flags & READ_AT_LEAST == 0 || reaches(flushed, self.reader.want.load(Ordering::Relaxed))
    }

    /// Whether a `read_at_least` announced in `flags` needs more than
    /// `flushed`, so back pressure must not hold (R8).
    fn starves_reader(&self, flags: usize, flushed: usize) -> bool {
        flags & (READER_WAITING | READ_AT_LEAST) == READER_WAITING | READ_AT_LEAST
            && !self.resolves_waiting_read(flags, flushed)
    }

    // ------------------------------------------------------------ segments

    /// Rents (or allocates) a segment of at least `size` bytes and makes it
    /// the writer's tail, sealing and linking the previous one (M1).
    pub(super) fn new_segment(&self, w: &mut WriterSide, size: usize) -> Result<Seg, PipeError> {
        let rented = self.segments.with(|s| s.pool.rent(size));
        let segment = match rented {
            Some(segment) if segment.capacity() >= size => segment,
            other => {
                // A pool that hands out a short segment gets it back.
                if let Some(short) = other {
                    self.segments.with(|s| s.pool.give_back(short));
                }
                Segment::new(size)?
            }
        };
        let new = Seg(segment.into_raw());
        let base = w.tail_base + w.written as u64;
        new.place(base, w.next_number);
        w.next_number += 1;
        let old = w.tail.replace(new);
        let written = w.written;
        self.segments.with(|s| {
            s.rented += 1;
            let Some(old) = old else {
                // Release: the reader that finds it sees its placement.
                self.signals.first.store(new.0.as_ptr(), Ordering::Release);
                return;
            };
            old.seal(written);
            if s.reader_done {
                // Nobody reads any more (W9): the writer's own segment is
                // the writer's to give back.
                s.give_back(old);
                return;
            }
            old.link_next(new);
            if self.take_drained(old, base, Some(new)) {
                s.give_back(old);
            }
        });
        w.tail_base = base;
        w.written = 0;
        Ok(new)
    }

    /// The writer moves on from (or completes in) `old`, whose bytes end at
    /// `end`: if the reader holds no byte of it — it offered `old` as its
    /// drained head, or has not picked `old` up yet — and has consumed all
    /// of it, the writer takes it, leaving `next` as the reader's next head,
    /// and the caller gives it back (M1: consumed and no longer written
    /// into). The reader cannot move `consumed` in between: it swaps
    /// `drained` (or `first`) before it touches a head again.
    fn take_drained(&self, old: Seg, end: u64, next: Option<Seg>) -> bool {
        let drained = &self.reader.drained;
        // Acquire: the reader's `consumed`, stored before its offer.
        let current = drained.load(Ordering::Acquire);
        if current == old.0.as_ptr() || current == taken(Some(old)) {
            return self.reader.consumed.load(Ordering::Relaxed) == end as usize
                // Release: the reader that takes the new head sees its placement.
                && drained.compare_exchange(current, taken(next), Ordering::AcqRel, Ordering::Relaxed).is_ok();
        }
        // Never picked up: still the pipe's first segment.
        let first = &self.signals.first;
        let next = next.map_or(core::ptr::null_mut(), |seg| seg.0.as_ptr());
        first.load(Ordering::Acquire) == old.0.as_ptr()
            && self.reader.consumed.load(Ordering::Relaxed) == end as usize
            && first.compare_exchange(old.0.as_ptr(), next, Ordering::AcqRel, Ordering::Relaxed).is_ok()
    }

    // -------------------------------------------------------------- writer

    /// Publishes `n` committed bytes; applies the pause edge and wakes a
    /// reader they resolve (W4, W6, R8). Returns the flags the flush is
    /// judged by.
    fn commit(&self, w: &mut WriterSide, n: u64) -> usize {
        if n == 0 {
            return self.flags().load(Ordering::Acquire);
        }
        let before = w.flushed as usize;
        w.flushed += n;
        let flushed = w.flushed as usize;
        // The pause edge is judged by `examined` as of the publication:
        // load it first, so no advance over the new bytes is in it. An upper
        // bound of the unexamined bytes says whether that load is needed.
        let edge_examined = (self.pause > 0 && flushed.wrapping_sub(w.seen_examined) >= self.pause)
            // Relaxed: only a value; the handshake in `pause` orders what matters.
            .then(|| self.reader.examined.load(Ordering::Relaxed));
        // Release publishes the bytes; as a read-modify-write it closes the
        // wait handshake with a reader that announced it waits.
        self.flushed.fetch_add(n as usize, ordering!(FlushPublishRelaxed, Ordering::AcqRel));
        // Acquire: a waiting reader's `want`, a completion's error flag.
        let mut flags = self.flags().load(Ordering::Acquire);
        if flags & READER_DONE != 0 {
            return flags;
        }
        if let Some(examined) = edge_examined {
            w.seen_examined = examined;
            let (was, now) = (before.wrapping_sub(examined), flushed.wrapping_sub(examined));
            let crosses = was < self.pause && now >= self.pause;
            #[cfg(pipe_core_bug)]
            let crosses = if seeded(Bug::PauseEdgeOffByOne) { was < self.pause && now > self.pause } else { crosses };
            if crosses {
                flags = self.pause(w);
            }
        }
        #[cfg(pipe_core_bug)]
        if seeded(Bug::FlushNoWake) {
            return flags;
        }
        if flags & READER_WAITING != 0 && self.resolves_waiting_read(flags, flushed) {
            self.wake_reader();
        }
        flags
    }

    /// The flush just published took the unexamined bytes from below the
    /// pause threshold to at least it (W6): sets `PAUSED`, unless that
    /// starves a waiting `read_at_least` (R8) or the reader has meanwhile
    /// examined its way back below the resume threshold. Returns the flags
    /// after.
    fn pause(&self, w: &mut WriterSide) -> usize {
        let flushed = w.flushed as usize;
        let old = self.flags().fetch_or(PAUSED, Ordering::AcqRel);
        // The pause handshake: re-read `examined` with a read-modify-write,
        // so either we see the reader's latest advance or its advance sees
        // `PAUSED` (and resumes us if it went below the resume threshold).
        let examined = second_look!(self.reader.examined, PauseHandshakeLoad, PauseHandshakeRelaxed);
        w.seen_examined = examined;
        let resumed = flushed.wrapping_sub(examined) < self.resume;
        if old & READER_DONE != 0 || self.starves_reader(old, flushed) || resumed {
            return self.flags().fetch_and(!PAUSED, Ordering::AcqRel) & !PAUSED;
        }
        old | PAUSED
    }

    /// `flush`: commits `n` bytes and says whether the flush is settled
    /// already. Only the common case — nothing holds it — settles here;
    /// anything else is left to `poll_flush`, so a flag is only consumed by
    /// a polled future.
    pub(super) fn flush(&self, w: &mut WriterSide, n: u64) -> bool {
        matches!(flush_outcome(self.commit(w, n)), FlushOutcome::Flushed)
    }

    /// Polls a flush: commits `n` bytes, then resolves unless back pressure
    /// holds, in which case the writer announces it waits and looks again.
    pub(super) fn poll_flush(&self, w: &mut WriterSide, n: u64, waker: &Waker) -> Poll<Result<FlushResult, PipeError>> {
        let flags = self.commit(w, n);
        if let Some(outcome) = self.resolve_flush(flags) {
            return Poll::Ready(outcome);
        }
        self.signals.writer_waker.register(waker);
        // The flags returned are the latest, so a resume or cancel either
        // shows here or sees our bit. Release: the registration happens
        // before the waking side's wake (the slot's own handshake orders it
        // too, which is why no seeded bug can show this one in loom; see
        // `docs/design.md`).
        let old = self.flags().fetch_or(WRITER_WAITING, Ordering::AcqRel);
        #[cfg(pipe_core_bug)]
        if seeded(Bug::WriterRegistersLate) {
            // Seeded bug: the announcement is not followed by a second look.
            return Poll::Pending;
        }
        match self.resolve_flush(old) {
            Some(outcome) => {
                self.flags().fetch_and(!WRITER_WAITING, Ordering::Relaxed);
                Poll::Ready(outcome)
            }
            None => Poll::Pending,
        }
    }

    /// The flush's outcome under `flags`, consuming a cancel; `None` while
    /// back pressure holds.
    fn resolve_flush(&self, flags: usize) -> Option<Result<FlushResult, PipeError>> {
        match flush_outcome(flags) {
            FlushOutcome::ReaderFailed => Some(Err(PipeError::ReaderFailed(self.reader_error()))),
            FlushOutcome::Canceled => {
                let clear = true;
                #[cfg(pipe_core_bug)]
                let clear = clear && !seeded(Bug::CancelFlushNotCleared);
                if clear {
                    self.flags().fetch_and(!FLUSH_CANCELED, Ordering::AcqRel);
                }
                Some(Ok(FlushResult { completed: flags & READER_DONE != 0, canceled: true }))
            }
            FlushOutcome::ReaderCompleted => Some(Ok(FlushResult { completed: true, canceled: false })),
            FlushOutcome::Paused => None,
            FlushOutcome::Flushed => Some(Ok(FlushResult::default())),
        }
    }

    /// The reader's completion error; set before `READER_FAILED`.
    fn reader_error(&self) -> CompletionError {
        self.segments.with(|s| s.reader_error.clone()).unwrap_or_else(|| CompletionError::message("the reader failed"))
    }

    /// The writer's completion error; set before `WRITER_FAILED`.
    fn writer_error(&self) -> CompletionError {
        self.segments.with(|s| s.writer_error.clone()).unwrap_or_else(|| CompletionError::message("the writer failed"))
    }

    /// Cancels the pending flush, or if none the next one (W7).
    pub(super) fn cancel_flush(&self) {
        let old = self.flags().fetch_or(FLUSH_CANCELED, Ordering::AcqRel);
        #[cfg(pipe_core_bug)]
        if seeded(Bug::CancelFlushNotSticky) && old & WRITER_WAITING == 0 {
            // Seeded bug: a cancel with no flush pending is lost.
            self.flags().fetch_and(!FLUSH_CANCELED, Ordering::AcqRel);
            return;
        }
        #[cfg(pipe_core_bug)]
        if seeded(Bug::CancelFlushNoWake) {
            return;
        }
        if old & WRITER_WAITING != 0 {
            self.wake_writer();
        }
    }

    /// Seeded bug `UnflushedVisible`: publishes `n` advanced bytes without a
    /// flush. Returns the writer's new unflushed count.
    #[cfg(pipe_core_bug)]
    pub(super) fn seeded_advance(&self, w: &mut WriterSide, unflushed: usize, n: usize) -> usize {
        if !seeded(Bug::UnflushedVisible) {
            return unflushed;
        }
        w.flushed += n as u64;
        self.flushed.fetch_add(n, Ordering::AcqRel);
        unflushed - n
    }

    /// The writer completes (W8, R10): its `unflushed` bytes are published,
    /// its tail is sealed, and the reader learns it (after the bytes).
    pub(super) fn complete_writer(&self, w: &mut WriterSide, unflushed: u64, error: Option<CompletionError>) {
        // Seeded bug: completion drops the unflushed bytes (W8).
        #[cfg(pipe_core_bug)]
        let unflushed = if seeded(Bug::CompleteDropsUnflushed) { 0 } else { unflushed };
        let done = WRITER_DONE | if error.is_some() { WRITER_FAILED } else { 0 };
        #[cfg(pipe_core_bug)]
        if seeded(Bug::WriterDoneBeforeData) {
            // Seeded bug: the completion is published before the last bytes.
            self.flags().fetch_or(done, Ordering::AcqRel);
        }
        if unflushed > 0 {
            w.flushed += unflushed;
            self.flushed.fetch_add(unflushed as usize, Ordering::AcqRel);
        }
        let tail = w.tail.take();
        let end = w.tail_base + w.written as u64;
        if let Some(tail) = tail {
            tail.seal(w.written);
        }
        self.segments.with(|s| {
            s.writer_done = true;
            s.writer_error = error;
            let Some(tail) = tail else { return };
            if s.reader_done || self.take_drained(tail, end, None) {
                s.give_back(tail);
            }
        });
        // Release: the reader that sees the flag sees the last bytes, the
        // tail's seal and the error.
        let old = self.flags().fetch_or(done, ordering!(WriterDoneRelaxed, Ordering::AcqRel));
        #[cfg(pipe_core_bug)]
        if seeded(Bug::CompleteWriterNoWake) {
            return;
        }
        if old & READER_WAITING != 0 {
            self.wake_reader();
        }
    }

    /// The writer is dropped: it completes without an error (R12).
    pub(super) fn drop_writer(&self, w: &mut WriterSide, unflushed: u64) {
        #[cfg(pipe_core_bug)]
        if seeded(Bug::DropWriterNoComplete) {
            return;
        }
        self.complete_writer(w, unflushed, None);
    }

    // -------------------------------------------------------------- reader

    /// Picks up the pipe's first segment, once; later calls find none.
    fn pick_up_first(&self) -> Option<Seg> {
        // Acquire: the first segment's placement.
        NonNull::new(self.signals.first.swap(core::ptr::null_mut(), Ordering::AcqRel)).map(Seg)
    }

    /// Takes back the reader's offered head before the reader uses it; the
    /// writer may have given it back meanwhile and left a new head.
    fn reclaim_head(&self, r: &mut ReaderSide) {
        if r.offered {
            r.offered = false;
            // Acquire: the new head's placement, if the writer took ours.
            let drained = self.reader.drained.swap(core::ptr::null_mut(), Ordering::AcqRel);
            if let Some(head) = taken_head(drained) {
                r.head = head;
            }
        }
    }

    /// The read transition: resolves with a fresh view of the buffer, or
    /// (with a `waker`) announces the wait; `None` is `try_read` (R7).
    pub(super) fn read(
        &self,
        r: &mut ReaderSide,
        min: usize,
        waker: Option<&Waker>,
        view: &mut ReaderView,
    ) -> Poll<Result<(), PipeError>> {
        self.reclaim_head(r);
        // Flags before the index: a completion seen here comes with all of
        // the writer's bytes.
        let flags = self.flags().load(Ordering::Acquire);
        // Acquire: the flushed bytes themselves.
        let flushed = self.flushed.load(ordering!(ReadAcquireRelaxed, Ordering::Acquire));
        if let Some(poll) = self.resolve_read(r, min, flags, flushed, view) {
            return poll;
        }
        let Some(waker) = waker else {
            self.idle(r, flags & WRITER_DONE != 0);
            return Poll::Pending;
        };
        if min > 0 {
            self.reader.want.store((r.consumed + min as u64) as usize, Ordering::Relaxed);
        }
        self.signals.reader_waker.register(waker);
        let announce = READER_WAITING | if min > 0 { READ_AT_LEAST } else { 0 };
        // AcqRel: publishes `want` and the registration; the flags returned
        // are the latest.
        let old = self.flags().fetch_or(announce, ordering!(ReaderAnnounceRelaxed, Ordering::AcqRel));
        if min == 0 && old & READ_AT_LEAST != 0 {
            // Left by an abandoned `read_at_least`: withdrawn before the
            // second look, so a flush that judged us by its `want` is one
            // the second look sees.
            self.flags().fetch_and(!READ_AT_LEAST, Ordering::AcqRel);
        }
        #[cfg(pipe_core_bug)]
        let skip_second_look = seeded(Bug::ReaderRegistersLate);
        #[cfg(not(pipe_core_bug))]
        let skip_second_look = false;
        if !skip_second_look {
            // The wait handshake: a read-modify-write, so either it sees the
            // writer's latest flush or that flush sees our announcement.
            let flushed = second_look!(self.flushed, ReadHandshakeLoad, ReadHandshakeRelaxed);
            // With our announcement in the flags, a read that resolves now
            // withdraws it (in `resolve_read`).
            if let Some(poll) = self.resolve_read(r, min, old | announce, flushed, view) {
                return poll;
            }
            // A paused writer must not starve a reader that needs more (R8).
            let buffered = flushed.wrapping_sub(r.consumed as usize);
            let resume = min > 0 && old & PAUSED != 0 && buffered < min;
            #[cfg(pipe_core_bug)]
            let resume = resume && !seeded(Bug::ReadAtLeastNoResume);
            if resume {
                self.resume_writer();
            }
        }
        self.idle(r, flags & WRITER_DONE != 0);
        Poll::Pending
    }

    /// The reader holds no read: segments it has consumed past go back, and
    /// a head the writer may still move on from is offered to it (M1).
    fn idle(&self, r: &mut ReaderSide, writer_done: bool) {
        self.release_consumed(r, writer_done);
        if let Some(head) = r.head.filter(|head| head.next().is_none()) {
            // Release: `consumed`, which the writer checks before it takes.
            self.reader.drained.store(head.0.as_ptr(), Ordering::Release);
            r.offered = true;
        }
    }

    /// Whether a read of at least `min` bytes (0 = plain read) would resolve
    /// now, with no side effect: what a blocking read watches before it
    /// announces a wait. `Relaxed`: only a hint; the read itself looks again
    /// with acquire.
    #[cfg(feature = "std")]
    pub(super) fn read_would_resolve(&self, r: &ReaderSide, min: usize) -> bool {
        let flags = self.flags().load(Ordering::Relaxed);
        if flags & (READ_CANCELED | WRITER_DONE | WRITER_FAILED) != 0 {
            return true;
        }
        let flushed = self.flushed.load(Ordering::Relaxed);
        if min == 0 {
            flushed != r.examined as usize
        } else {
            flushed.wrapping_sub(r.consumed as usize) >= min
        }
    }

    /// Resolves a read under `flags` and `flushed`, or `None` if it must wait.
    fn resolve_read(
        &self,
        r: &mut ReaderSide,
        min: usize,
        flags: usize,
        flushed: usize,
        view: &mut ReaderView,
    ) -> Option<Poll<Result<(), PipeError>>> {
        if flags & WRITER_FAILED != 0 {
            return Some(Poll::Ready(Err(PipeError::WriterFailed(self.writer_error()))));
        }
        let buffered = flushed.wrapping_sub(r.consumed as usize);
        let unexamined = flushed.wrapping_sub(r.examined as usize);
        let canceled = flags & READ_CANCELED != 0;
        let completed = flags & WRITER_DONE != 0;
        let ready = canceled || completed || if min == 0 { unexamined > 0 } else { buffered >= min };
        #[cfg(pipe_core_bug)]
        let ready = if seeded(Bug::ExaminedAtEndNoWait) { canceled || completed || buffered > 0 } else { ready };
        if !ready {
            return None;
        }
        if flags & (READER_WAITING | READ_AT_LEAST) != 0 {
            // This read's announcement, or one left by an abandoned earlier
            // read: withdrawn, so no flush wakes or judges the reader by it.
            self.flags().fetch_and(!(READER_WAITING | READ_AT_LEAST), Ordering::Relaxed);
        }
        let clear = canceled;
        #[cfg(pipe_core_bug)]
        let clear = clear && !seeded(Bug::CancelReadNotCleared);
        if clear {
            self.flags().fetch_and(!READ_CANCELED, Ordering::AcqRel);
        }
        let flushed_end = r.consumed + buffered as u64;
        self.fill_view(r, view, flushed_end, completed, canceled);
        Some(Poll::Ready(Ok(())))
    }

    /// Builds the reader's view of the buffer `consumed..flushed_end`.
    fn fill_view(&self, r: &mut ReaderSide, view: &mut ReaderView, flushed_end: u64, completed: bool, canceled: bool) {
        let consumed = r.consumed;
        if r.head.is_none() && flushed_end > consumed {
            r.head = self.pick_up_first();
        }
        // Segments wholly consumed before the writer moved on go back now,
        // so the buffer's first segment is the one that holds `consumed`.
        self.release_consumed(r, completed);
        view.views.clear();
        view.first_segment = r.head.map_or(0, |head| head.number());
        let mut start = Cursor { segment: 0, index: 0, offset: consumed };
        let mut end = start;
        let mut segment = r.head;
        let mut i = 0;
        while let Some(seg) = segment {
            let base = seg.base();
            if i > 0 && base >= flushed_end {
                break;
            }
            let next = seg.next();
            // A sealed segment ends at its seal; the tail at the flushed end.
            let limit = if next.is_some() || completed { seg.sealed_len() } else { seg.capacity() };
            let flushed = usize::try_from(flushed_end - base).unwrap_or(usize::MAX);
            let readable = limit.min(flushed);
            let from = usize::try_from(consumed.saturating_sub(base)).unwrap_or(readable).min(readable);
            seg.track().read(from, readable);
            // `readable <= capacity`: the view stays inside the allocation.
            view.views.push(NonNull::slice_from_raw_parts(seg.data(), readable));
            if i == 0 {
                start = Cursor { segment: 0, index: from, offset: consumed };
            }
            end = Cursor { segment: i, index: readable, offset: base + readable as u64 };
            if end.offset >= flushed_end {
                break;
            }
            segment = next;
            i += 1;
        }
        if view.views.is_empty() {
            end = start;
        }
        debug_assert_eq!(end.offset, flushed_end.max(consumed));
        view.outstanding = Some(Outstanding { start, end, completed, canceled });
    }

    /// Gives back every segment at the front of the chain that the reader
    /// has consumed past and the writer has moved on from (M1): sealed by a
    /// `next`, or by the writer's completion (`writer_done`, acquired).
    fn release_consumed(&self, r: &mut ReaderSide, writer_done: bool) {
        let consumed = r.consumed;
        let mut keep = r.head;
        let mut count = 0usize;
        while let Some(seg) = keep {
            let next = seg.next();
            let len = match next {
                Some(_) => seg.sealed_len(),
                None if writer_done => seg.sealed_len(),
                // Seeded bug: the writer's current segment counts as done once read.
                #[cfg(pipe_core_bug)]
                None if seeded(Bug::SegmentReturnedWhileWritten) && consumed > seg.base() => {
                    (consumed - seg.base()) as usize
                }
                None => break,
            };
            if seg.base() + len as u64 > consumed {
                break;
            }
            keep = next;
            count += 1;
        }
        if count == 0 {
            return;
        }
        self.segments.with(|s| {
            let mut segment = r.head;
            for _ in 0..count {
                let Some(seg) = segment else { break };
                segment = seg.next();
                s.give_back(seg);
            }
        });
        r.head = keep;
    }

    /// The reader ends its read at `consumed` having looked at everything
    /// before `examined` (R3, R4, R5, W6); the positions are checked already.
    pub(super) fn advance_to(&self, r: &mut ReaderSide, consumed: u64, examined: u64) {
        #[cfg(pipe_core_bug)]
        let examined = if seeded(Bug::BackPressureCountsConsumed) { consumed } else { examined };
        r.consumed = consumed;
        r.examined = examined;
        // A read-modify-write: the pause handshake's other half (see
        // `pause_on_edge`). `examined` before `consumed`, so observers never
        // see `consumed > examined`.
        self.reader.examined.swap(examined as usize, ordering!(AdvancePublishRelaxed, Ordering::AcqRel));
        self.reader.consumed.store(consumed as usize, Ordering::Release);
        let flags = self.flags().load(Ordering::Acquire);
        if flags & PAUSED != 0 {
            let flushed = self.flushed.load(Ordering::Acquire);
            let below = flushed.wrapping_sub(examined as usize) < self.resume;
            #[cfg(pipe_core_bug)]
            let below = if seeded(Bug::ResumeEdgeInverted) { !below } else { below };
            if below {
                self.resume_writer();
            }
        }
        self.idle(r, flags & WRITER_DONE != 0);
    }

    /// Lifts back pressure and wakes a paused writer.
    fn resume_writer(&self) {
        let old = self.flags().fetch_and(!PAUSED, Ordering::AcqRel);
        #[cfg(pipe_core_bug)]
        if seeded(Bug::ResumeNoWake) {
            return;
        }
        if old & PAUSED != 0 && old & WRITER_WAITING != 0 {
            self.wake_writer();
        }
    }

    /// Cancels the pending read, or if none the next one (R9).
    pub(super) fn cancel_read(&self) {
        let old = self.flags().fetch_or(READ_CANCELED, Ordering::AcqRel);
        #[cfg(pipe_core_bug)]
        if seeded(Bug::CancelReadNotSticky) && old & READER_WAITING == 0 {
            // Seeded bug: a cancel with no read pending is lost.
            self.flags().fetch_and(!READ_CANCELED, Ordering::AcqRel);
            return;
        }
        #[cfg(pipe_core_bug)]
        if seeded(Bug::CancelReadNoWake) {
            return;
        }
        if old & READER_WAITING != 0 {
            self.wake_reader();
        }
    }

    /// The reader completes (R11, W9): every segment the writer has moved
    /// on from goes back, back pressure lifts, and later flushes report
    /// `is_completed` (or the error).
    pub(super) fn complete_reader(&self, r: &mut ReaderSide, error: Option<CompletionError>) {
        self.reclaim_head(r);
        let done = READER_DONE | if error.is_some() { READER_FAILED } else { 0 };
        self.segments.with(|s| {
            s.reader_done = true;
            s.reader_error = error;
            let mut segment = r.head.take().or_else(|| self.pick_up_first());
            // The writer's current segment stays: the writer gives it back.
            while let Some(seg) = segment {
                segment = seg.next();
                if segment.is_none() && !s.writer_done {
                    break;
                }
                s.give_back(seg);
            }
        });
        let mut current = self.flags().load(Ordering::Relaxed);
        let old = loop {
            let next = (current | done) & !(PAUSED | WRITER_WAITING);
            match self.flags().compare_exchange_weak(current, next, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(old) => break old,
                Err(actual) => current = actual,
            }
        };
        #[cfg(pipe_core_bug)]
        if seeded(Bug::CompleteReaderNoWake) {
            return;
        }
        if old & WRITER_WAITING != 0 {
            self.signals.writer_waker.wake();
        }
    }

    /// The reader is dropped: it completes without an error (R12).
    pub(super) fn drop_reader(&self, r: &mut ReaderSide) {
        #[cfg(pipe_core_bug)]
        if seeded(Bug::DropReaderNoComplete) {
            return;
        }
        self.complete_reader(r, None);
    }

    /// A snapshot of the counters. `own` is the calling half's exact view of
    /// one offset: the flushed end for the writer, the consumed offset for
    /// the reader; the others are reconstructed from the shared low bits.
    pub(super) fn stats(&self, own: Own) -> PipeStats {
        let flags = self.flags().load(Ordering::Acquire);
        // This order keeps `consumed <= examined <= flushed_end`: each
        // later load sees an offset at least as far as the earlier ones.
        let consumed = self.reader.consumed.load(Ordering::Acquire);
        let examined = self.reader.examined.load(Ordering::Acquire);
        let flushed = self.flushed.load(Ordering::Acquire);
        let (flushed_end, consumed, examined) = match own {
            Own::Flushed(end) => {
                let back = |offset: usize| end - (end as usize).wrapping_sub(offset) as u64;
                (end, back(consumed), back(examined))
            }
            Own::Consumed(start) => {
                let ahead = |offset: usize| start + offset.wrapping_sub(start as usize) as u64;
                (ahead(flushed), start, ahead(examined))
            }
        };
        let (consumed, examined) =
            if flags & READER_DONE != 0 { (flushed_end, flushed_end) } else { (consumed, examined) };
        PipeStats {
            flushed_end,
            consumed,
            examined,
            writer_paused: flags & PAUSED != 0,
            segments_rented: self.segments.with(|s| s.rented),
            writer_completed: flags & WRITER_DONE != 0,
            reader_completed: flags & READER_DONE != 0,
        }
    }
}

/// The calling half's exact offset, for [`Shared::stats`].
pub(super) enum Own {
    Flushed(u64),
    Consumed(u64),
}

impl WriterSide {
    /// The writer's exact flushed end.
    pub(super) fn own(&self) -> Own {
        Own::Flushed(self.flushed)
    }
}

impl ReaderSide {
    /// The reader's exact consumed offset.
    pub(super) fn own(&self) -> Own {
        Own::Consumed(self.consumed)
    }
}
