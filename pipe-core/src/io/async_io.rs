//! The runtime adapters' shared core: what `AsyncRead`, `AsyncBufRead` and
//! `AsyncWrite` do, written once for tokio and futures-io.

use core::borrow::BorrowMut;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::io;

use super::{copy_out, flush_outcome, settle_empty_read};
use crate::{PipeReader, PipeWriter};

/// The most one `poll_write` accepts (the default pause threshold).
const MAX_WRITE: usize = crate::DEFAULT_PAUSE_WRITER_THRESHOLD;

/// A [`PipeWriter`] as tokio's `AsyncWrite` (feature `tokio`) and
/// futures-io's `AsyncWrite` (feature `futures-io`), from
/// [`PipeWriter::into_async`] or [`PipeWriter::as_async`].
///
/// **Writes publish.** `poll_write` copies the bytes into pipe memory and
/// flushes them at once, like [`PipeWriter::write`] (W5): the reader sees
/// them without a `flush`, as with an in-memory duplex pipe. A publish that
/// pauses the writer (W6) cannot be undone, so `poll_write` still returns
/// `Ready(Ok(n))` for it and remembers the flush as pending; **the next
/// `poll_write` (or `poll_flush`) first drives that pending flush** and
/// returns `Pending` until back pressure lifts. A writer that stops after a
/// paused write is thus at most one write past the pause threshold (M2), and
/// `poll_flush` resolves once the reader has caught up. One call accepts at
/// most 64 KiB; `write_all` comes back for the rest.
///
/// **Shutdown / close completes the writer** (W8): the reader sees EOF after
/// every byte written before it. Later writes fail with
/// `ErrorKind::BrokenPipe`.
///
/// Errors: after the reader completed, writes and flushes fail with
/// `ErrorKind::BrokenPipe` (W9, R12: dropping the reader completes it); a
/// reader that failed gives `ErrorKind::Other` carrying
/// [`PipeError::ReaderFailed`](crate::PipeError::ReaderFailed) (R11).
///
/// ```
/// # #[cfg(all(feature = "tokio", not(loom)))]
/// # tokio_example().unwrap();
/// # #[cfg(all(feature = "tokio", not(loom)))]
/// # fn tokio_example() -> std::io::Result<()> {
/// use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// runtime.block_on(async {
///     let (reader, writer) = pipe_core::pipe(pipe_core::PipeOptions::default()).map_err(std::io::Error::from)?;
///     let mut writer = writer.into_async();
///     let writing = tokio::spawn(async move {
///         writer.write_all(b"one\ntwo\n").await?;
///         writer.shutdown().await // complete: the reader sees EOF
///     });
///     let mut lines = reader.into_async().lines();
///     assert_eq!(lines.next_line().await?.as_deref(), Some("one"));
///     assert_eq!(lines.next_line().await?.as_deref(), Some("two"));
///     assert_eq!(lines.next_line().await?, None);
///     writing.await.map_err(std::io::Error::other)?
/// })
/// # }
/// ```
pub struct AsyncWriter<W = PipeWriter> {
    writer: W,
    /// A publish paused the writer and nobody has waited for it yet.
    flush_pending: bool,
}

impl<W: BorrowMut<PipeWriter> + Unpin> AsyncWriter<W> {
    /// Wraps a writer (`PipeWriter` or `&mut PipeWriter`).
    pub fn new(writer: W) -> Self {
        Self { writer, flush_pending: false }
    }

    /// The writer.
    pub fn get_ref(&self) -> &PipeWriter {
        self.writer.borrow()
    }

    /// The writer.
    pub fn get_mut(&mut self) -> &mut PipeWriter {
        self.writer.borrow_mut()
    }

    /// Unwraps the writer. A pending flush is forgotten: its bytes are
    /// published already.
    pub fn into_inner(self) -> W {
        self.writer
    }

    pub(super) fn poll_write_bytes(&mut self, cx: &mut Context<'_>, bytes: &[u8]) -> Poll<io::Result<usize>> {
        if self.flush_pending {
            match self.poll_flush_pipe(cx) {
                Poll::Ready(Ok(())) => {}
                other => return other.map_ok(|()| 0),
            }
        }
        if bytes.is_empty() {
            return Poll::Ready(Ok(0));
        }
        // At most `MAX_WRITE` per call, so one huge buffer cannot run far
        // past the pause threshold; `write_all` comes back for the rest.
        let bytes = bytes.get(..MAX_WRITE).unwrap_or(bytes);
        let mut flush = self.writer.borrow_mut().write(bytes);
        let poll = Pin::new(&mut flush).poll(cx);
        drop(flush);
        match poll {
            Poll::Ready(outcome) => Poll::Ready(flush_outcome(outcome).map(|()| bytes.len())),
            // Published; the waker is registered, and the next call drives it.
            Poll::Pending => {
                self.flush_pending = true;
                Poll::Ready(Ok(bytes.len()))
            }
        }
    }

    pub(super) fn poll_flush_pipe(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = self.writer.borrow_mut().poll_flush(cx);
        if poll.is_ready() {
            self.flush_pending = false;
        }
        poll.map(flush_outcome)
    }

    pub(super) fn complete(&mut self) -> Poll<io::Result<()>> {
        self.flush_pending = false;
        self.writer.borrow_mut().complete(None);
        Poll::Ready(Ok(()))
    }
}

impl<W: BorrowMut<PipeWriter>> fmt::Debug for AsyncWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncWriter")
            .field("writer", self.writer.borrow())
            .field("flush_pending", &self.flush_pending)
            .finish()
    }
}

/// A [`PipeReader`] as tokio's `AsyncRead` + `AsyncBufRead` (feature
/// `tokio`) and futures-io's (feature `futures-io`), from
/// [`PipeReader::into_async`] or [`PipeReader::as_async`].
///
/// `poll_read` waits for published bytes (R1), then fills the buffer with
/// as many as fit, across segments, and consumes them; it reads 0 bytes (EOF)
/// once the writer completed and everything was read (R10).
/// `poll_fill_buf` hands out the first segment's bytes and `consume`
/// advances past them (consuming all makes the next poll wait, R4). The
/// read in progress is [`PipeReader::outstanding_read`] on
/// [`get_ref`](Self::get_ref).
///
/// Errors: the writer's completion error is `ErrorKind::Other` carrying
/// [`PipeError::WriterFailed`](crate::PipeError::WriterFailed) (R11); a
/// canceled read with nothing buffered (R9) is `ErrorKind::Interrupted`.
///
/// ```
/// # #[cfg(all(feature = "futures-io", not(loom)))] {
/// use futures::io::{AsyncReadExt, AsyncWriteExt};
/// let (reader, writer) = pipe_core::pipe(pipe_core::PipeOptions::default())?;
/// let (mut reader, mut writer) = (reader.into_async(), writer.into_async());
/// futures::executor::block_on(async {
///     writer.write_all(b"hello").await?;
///     writer.close().await?; // complete
///     let mut text = String::new();
///     reader.read_to_string(&mut text).await?;
///     assert_eq!(text, "hello");
///     Ok::<(), std::io::Error>(())
/// })?;
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AsyncReader<R = PipeReader> {
    reader: R,
}

impl<R: BorrowMut<PipeReader> + Unpin> AsyncReader<R> {
    /// Wraps a reader (`PipeReader` or `&mut PipeReader`).
    pub fn new(reader: R) -> Self {
        Self { reader }
    }

    /// The reader; [`PipeReader::outstanding_read`] shows the read in
    /// progress.
    pub fn get_ref(&self) -> &PipeReader {
        self.reader.borrow()
    }

    /// The reader.
    pub fn get_mut(&mut self) -> &mut PipeReader {
        self.reader.borrow_mut()
    }

    /// Unwraps the reader, with any read `poll_fill_buf` left outstanding.
    pub fn into_inner(self) -> R {
        self.reader
    }

    /// Makes a read outstanding unless one is (or the pipe is at EOF).
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let reader = self.reader.borrow_mut();
        if !reader.has_outstanding_read() {
            match reader.poll_read(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error.into())),
                Poll::Ready(Ok(_)) => settle_empty_read(reader)?,
            }
        }
        Poll::Ready(Ok(()))
    }

    pub(super) fn poll_read_into(&mut self, cx: &mut Context<'_>, out: &mut [u8]) -> Poll<io::Result<usize>> {
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        match self.poll_fill(cx) {
            Poll::Ready(Ok(())) => Poll::Ready(copy_out(self.reader.borrow_mut(), out)),
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    }

    pub(super) fn poll_fill_buf_inner(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        match self.poll_fill(cx) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(self
                .reader
                .borrow()
                .outstanding_read()
                .map_or(&[][..], |result| result.buffer().first()))),
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    }

    pub(super) fn consume_inner(&mut self, amount: usize) {
        // Cannot fail: the position lies inside the outstanding buffer.
        let _ = super::consume(self.reader.borrow_mut(), amount);
    }
}

impl<R: BorrowMut<PipeReader>> fmt::Debug for AsyncReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncReader").field("reader", self.reader.borrow()).finish()
    }
}
