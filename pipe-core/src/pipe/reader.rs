//! The reading half: holds the view of its outstanding read, checks the
//! positions it is given, and calls the protocol's read transitions.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use super::cancel::CancelHandle;
use super::protocol::{PipeStats, ReaderSide, Shared};
use super::view::{ReaderView, Views};
use crate::sequence::{Cursor, Position, Sequence};
use crate::sync::Arc;
use crate::{CompletionError, PipeError};

/// The reading half: sees flushed bytes as a [`Sequence`] and says how far
/// it consumed and examined them (`advance_to`).
pub struct PipeReader {
    pub(super) shared: Arc<Shared>,
    view: ReaderView,
    /// The reader's protocol state: its head segment and own offsets.
    side: ReaderSide,
    /// Last examined offset the reader gave (R6's "moved back" check).
    examined: u64,
    completed: bool,
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
    pub(super) fn new(shared: Arc<Shared>) -> Self {
        let view = ReaderView { views: Views::default(), first_segment: 0, outstanding: None };
        Self { shared, view, side: ReaderSide::new(), examined: 0, completed: false }
    }

    /// Waits for unexamined bytes, completion or cancellation (R1, R4).
    pub fn read(&mut self) -> Read<'_> {
        Read::new(self, 0)
    }

    /// Waits until at least `n` bytes are buffered, examined or not, or
    /// until completion or cancellation (R8). `read_at_least(0)` is `read`.
    pub fn read_at_least(&mut self, n: usize) -> Read<'_> {
        Read::new(self, n)
    }

    /// Polls a read (see [`read`](Self::read)).
    pub fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<Result<ReadResult<'_>, PipeError>> {
        self.poll_read_at_least(cx, 0)
    }

    /// Polls a `read_at_least(n)` (see [`read_at_least`](Self::read_at_least)).
    pub fn poll_read_at_least(&mut self, cx: &mut Context<'_>, n: usize) -> Poll<Result<ReadResult<'_>, PipeError>> {
        match self.poll_start_read(cx, n) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(self.outstanding_result())),
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// The poll-read transition: on `Ready(Ok)` the read is outstanding.
    pub(super) fn poll_start_read(&mut self, cx: &mut Context<'_>, n: usize) -> Poll<Result<(), PipeError>> {
        self.start_read(n, Some(cx.waker()))
    }

    /// Whether a read of at least `min` bytes would resolve at once (an
    /// error included), looking only: for the blocking reads' spin.
    #[cfg(feature = "std")]
    pub(crate) fn would_resolve(&self, min: usize) -> bool {
        self.completed || self.view.outstanding.is_some() || self.shared.read_would_resolve(&self.side, min)
    }

    /// Reads without waiting: `None` where `read` would wait (R7).
    pub fn try_read(&mut self) -> Result<Option<ReadResult<'_>>, PipeError> {
        match self.start_read(0, None) {
            Poll::Ready(Ok(())) => Ok(Some(self.outstanding_result())),
            Poll::Ready(Err(error)) => Err(error),
            Poll::Pending => Ok(None),
        }
    }

    /// Checks the reader's own preconditions (R13 order), then runs a read
    /// transition, which on success makes the read outstanding with a fresh
    /// view of the buffer.
    fn start_read(&mut self, min: usize, waker: Option<&Waker>) -> Poll<Result<(), PipeError>> {
        if self.completed {
            return Poll::Ready(Err(PipeError::ReaderCompleted));
        }
        if self.view.outstanding.is_some() {
            return Poll::Ready(Err(PipeError::ReadAlreadyOutstanding));
        }
        self.shared.read(&mut self.side, min, waker, &mut self.view)
    }

    pub(crate) fn outstanding_result(&self) -> ReadResult<'_> {
        let (start, end, completed, canceled) = match self.view.outstanding {
            Some(o) => (o.start, o.end, o.completed, o.canceled),
            None => {
                let empty = Cursor { segment: 0, index: 0, offset: self.examined };
                (empty, empty, false, false)
            }
        };
        ReadResult {
            buffer: Sequence::from_parts(
                self.view.views.as_slices(),
                self.shared.owner,
                self.view.first_segment,
                start,
                end,
            ),
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
        self.shared.advance_to(&mut self.side, consumed.offset, examined.offset);
        Ok(())
    }

    /// `advance_to(consumed, consumed)` (R3).
    pub fn advance(&mut self, consumed: Position) -> Result<(), PipeError> {
        self.advance_to(consumed, consumed)
    }

    /// Makes the pending read, or if none the next one (a `try_read`
    /// included), resolve at once with `is_canceled` (R9).
    pub fn cancel_pending_read(&self) {
        self.shared.cancel_read();
    }

    /// A handle that cancels reads or flushes from another task.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle::new(self.shared.clone())
    }

    /// Ends reading (R11, W9). Segments go back to the pool; the writer's
    /// pending and later flushes report `is_completed`, or return `error`.
    /// Completing again is harmless and the first completion stands.
    pub fn complete(&mut self, error: Option<CompletionError>) {
        if self.finish() {
            self.shared.complete_reader(&mut self.side, error);
        }
    }

    /// Ends the reader's own state (its view); `false` if it had completed
    /// already.
    fn finish(&mut self) -> bool {
        if self.completed {
            return false;
        }
        self.completed = true;
        self.view.outstanding = None;
        self.view.views.clear();
        true
    }

    /// A snapshot of the pipe's counters.
    pub fn stats(&self) -> PipeStats {
        self.shared.stats(self.side.own())
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
        if self.finish() {
            self.shared.drop_reader(&mut self.side);
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
    /// `None` once the future has resolved.
    reader: Option<&'a mut PipeReader>,
    min: usize,
}

impl<'a> Read<'a> {
    pub(super) fn new(reader: &'a mut PipeReader, min: usize) -> Self {
        Self { reader: Some(reader), min }
    }
}

impl<'a> Future for Read<'a> {
    type Output = Result<ReadResult<'a>, PipeError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let Some(reader) = this.reader.take() else {
            return Poll::Ready(Err(PipeError::PolledAfterCompletion));
        };
        match reader.poll_start_read(cx, this.min) {
            Poll::Ready(Ok(())) => {
                // A resolved read lends the reader to its result for `'a`.
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
