//! The writing half: fills segments and publishes them through the
//! protocol's flush transitions.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::cancel::CancelHandle;
use super::protocol::{FlushResult, PipeStats, Shared, WriterSide};
use crate::sync::Arc;
use crate::{CompletionError, PipeError};

/// The writing half: fills segments (`get_memory`/`advance`) and publishes
/// them (`flush`).
pub struct PipeWriter {
    pub(super) shared: Arc<Shared>,
    /// The writer's protocol state: its current segment and own offsets.
    side: WriterSide,
    /// Bytes advanced but not flushed (W3); may span segments.
    unflushed: usize,
    /// Bytes left of the memory last returned by `get_memory` (W2); with
    /// `side.written`, at most the tail's capacity.
    memory_len: usize,
    completed: bool,
}

// The writer is `Send` (its protocol state is) but not `Sync`: no API needs a
// shared writer across threads; `CancelHandle` is the `Sync` way to reach a
// pipe from elsewhere.

impl PipeWriter {
    pub(super) fn new(shared: Arc<Shared>) -> Self {
        Self { shared, side: WriterSide::new(), unflushed: 0, memory_len: 0, completed: false }
    }

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
        let tail = match self.side.tail {
            Some(tail) if tail.capacity() - self.side.written >= need => tail,
            _ => {
                let size = need.max(self.shared.minimum_segment_size);
                self.shared.new_segment(&mut self.side, size)?
            }
        };
        let written = self.side.written;
        let len = tail.capacity() - written;
        self.memory_len = len;
        // SAFETY: bytes `written..capacity` are initialized, inside the
        // allocation, and the writer's alone: the reader only reads flushed
        // bytes, which all lie before `written`.
        Ok(unsafe { core::slice::from_raw_parts_mut(tail.data().as_ptr().add(written), len) })
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
        self.record_written(n);
        // Seeded bug `UnflushedVisible` (its hook is in the protocol).
        #[cfg(pipe_core_bug)]
        {
            let unflushed = self.unflushed;
            self.unflushed = self.shared.seeded_advance(&mut self.side, unflushed, n);
        }
        self.memory_len -= n;
        Ok(())
    }

    /// Bytes advanced but not yet flushed (W3).
    pub fn unflushed_bytes(&self) -> usize {
        self.unflushed
    }

    /// Publishes advanced bytes and resolves once back pressure allows (W4).
    ///
    /// Bytes are published when `flush` is called, even if the returned
    /// future is never polled.
    pub fn flush(&mut self) -> Flush<'_> {
        if self.completed {
            return Flush::new(self, None);
        }
        let n = core::mem::take(&mut self.unflushed) as u64;
        let settled = self.shared.flush(&mut self.side, n);
        Flush::new(self, settled.then_some(Ok(FlushResult::default())))
    }

    /// Copies `bytes` into the pipe, spanning segments as needed, then
    /// flushes (W5).
    pub fn write(&mut self, bytes: &[u8]) -> Flush<'_> {
        if let Err(error) = self.copy_in(bytes) {
            return Flush::new(self, Some(Err(error)));
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
        if self.completed {
            return Poll::Ready(Err(PipeError::WriterCompleted));
        }
        let n = core::mem::take(&mut self.unflushed) as u64;
        self.shared.poll_flush(&mut self.side, n, cx.waker())
    }

    /// Makes the pending flush, or if none the next one, resolve at once
    /// with `is_canceled` (W7). Back pressure still holds afterwards.
    pub fn cancel_pending_flush(&self) {
        self.shared.cancel_flush();
    }

    /// A handle that cancels reads or flushes from another task.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle::new(self.shared.clone())
    }

    /// Ends writing (W8, R10, R11). Advanced bytes are committed; later
    /// `get_memory`, `advance`, `flush` and `write` fail. Completing again is
    /// harmless and the first completion stands.
    pub fn complete(&mut self, error: Option<CompletionError>) {
        if let Some(unflushed) = self.finish() {
            self.shared.complete_writer(&mut self.side, unflushed, error);
        }
    }

    /// Ends the writer's own state; `None` if it had completed already.
    /// Returns the unflushed bytes, for the completing transition.
    fn finish(&mut self) -> Option<u64> {
        if self.completed {
            return None;
        }
        self.completed = true;
        self.memory_len = 0;
        Some(core::mem::take(&mut self.unflushed) as u64)
    }

    /// A snapshot of the pipe's counters.
    pub fn stats(&self) -> PipeStats {
        self.shared.stats(self.side.own())
    }
    /// The room left in the current segment: a pointer to its first free
    /// byte and the count of free bytes; `None` with no current segment.
    /// For `StdWriter`'s cached fast path, which copies there and then calls
    /// [`commit_spare`](Self::commit_spare); the pointer stays valid until
    /// the next call of any other `&mut self` method. Like `write`, it hands
    /// no memory to `advance` (W2).
    #[cfg(feature = "std")]
    #[inline]
    pub(crate) fn spare(&mut self) -> Option<(core::ptr::NonNull<u8>, usize)> {
        self.memory_len = 0;
        let tail = self.side.tail.filter(|_| !self.completed)?;
        let written = self.side.written;
        // SAFETY: `written <= capacity`, so the pointer stays inside (or one
        // past the end of) the allocation.
        let free = unsafe { tail.data().add(written) };
        Some((free, tail.capacity() - written))
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
        self.record_written(n);
    }

    /// Counts `n` more bytes written into the tail and not yet flushed.
    #[inline]
    fn record_written(&mut self, n: usize) {
        let written = self.side.written;
        if let Some(tail) = self.side.tail {
            tail.track().wrote(written, written + n);
        }
        self.side.written += n;
        self.unflushed += n;
    }
}

impl Drop for PipeWriter {
    /// Dropping the writer completes it without an error (R12).
    fn drop(&mut self) {
        if let Some(unflushed) = self.finish() {
            self.shared.drop_writer(&mut self.side, unflushed);
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
    /// `None` once the future has resolved.
    writer: Option<&'a mut PipeWriter>,
    /// An outcome settled before the first poll (by `flush` or `write`).
    early: Option<Result<FlushResult, PipeError>>,
}

impl<'a> Flush<'a> {
    pub(super) fn new(writer: &'a mut PipeWriter, early: Option<Result<FlushResult, PipeError>>) -> Self {
        Self { writer: Some(writer), early }
    }
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
