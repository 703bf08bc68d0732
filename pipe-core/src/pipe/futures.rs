//! The futures of the halves' waiting calls: each poll is one transition.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::reader::{PipeReader, ReadResult};
use super::writer::{FlushResult, PipeWriter};
use crate::PipeError;

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
