//! futures-io's `AsyncRead`, `AsyncBufRead` and `AsyncWrite` (feature
//! `futures-io`).

use core::borrow::BorrowMut;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::io;

use futures_io::{AsyncBufRead, AsyncRead, AsyncWrite};

use super::{AsyncReader, AsyncWriter};
use crate::{PipeReader, PipeWriter};

impl<R: BorrowMut<PipeReader> + Unpin> AsyncRead for AsyncReader<R> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, out: &mut [u8]) -> Poll<io::Result<usize>> {
        self.get_mut().poll_read_into(cx, out)
    }
}

impl<R: BorrowMut<PipeReader> + Unpin> AsyncBufRead for AsyncReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_mut().poll_fill_buf_inner(cx)
    }

    fn consume(self: Pin<&mut Self>, amount: usize) {
        self.get_mut().consume_inner(amount);
    }
}

/// `poll_close` completes the writer (W8).
impl<W: BorrowMut<PipeWriter> + Unpin> AsyncWrite for AsyncWriter<W> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, bytes: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().poll_write_bytes(cx, bytes)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_pipe(cx)
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().complete()
    }
}
