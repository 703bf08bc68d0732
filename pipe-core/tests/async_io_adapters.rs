//! `AsyncReader` / `AsyncWriter` polled by hand (features `futures-io` and
//! `tokio`): the paths a runtime utility rarely takes — empty buffers, a
//! pending flush that fails or waits, errors from the other half surfacing
//! through `poll_read` / `poll_fill_buf` / `poll_flush`, the borrowing
//! adapters (`as_async`) and what `get_ref` / `get_mut` / `into_inner` /
//! `Debug` show. Polling with a counting waker makes "pending" and "woken"
//! exact (C2).
#![cfg(all(not(loom), feature = "futures-io"))]

mod common;

use std::io;
use std::pin::Pin;
use std::task::Poll;

use common::*;
use futures::io::{AsyncBufRead, AsyncRead, AsyncWrite};
use pipe_core::{CompletionError, PipeError};

/// The `PipeError` an `io::Error` from an adapter carries.
fn pipe_error(error: &io::Error) -> &PipeError {
    error.get_ref().and_then(|e| e.downcast_ref::<PipeError>()).expect("the io::Error carries a PipeError")
}

#[test]
fn w5_an_empty_poll_write_accepts_nothing_and_publishes_nothing() {
    let (mut reader, writer) = small_pipe(0, 0, 16);
    let mut writer = writer.into_async();
    let waker = CountingWaker::new();
    let poll = Pin::new(&mut writer).poll_write(&mut waker.cx(), b"");
    assert!(matches!(poll, Poll::Ready(Ok(0))), "{poll:?}");
    assert_eq!(writer.get_ref().stats().flushed_end, 0, "nothing published");
    assert!(try_snap(&mut reader).expect("read").is_none(), "R7: nothing to read");
}

#[test]
fn w6_an_empty_poll_write_still_waits_for_a_pending_flush() {
    let (mut reader, writer) = small_pipe(8, 4, 16);
    let mut writer = writer.into_async();
    let waker = CountingWaker::new();
    // Reaches the pause threshold: accepted, the flush left pending.
    assert!(matches!(Pin::new(&mut writer).poll_write(&mut waker.cx(), &[7; 8]), Poll::Ready(Ok(8))));
    let shown = format!("{writer:?}");
    assert!(shown.contains("AsyncWriter") && shown.contains("flush_pending: true"), "{shown}");
    // Even an empty write drives the pending flush first.
    assert!(Pin::new(&mut writer).poll_write(&mut waker.cx(), b"").is_pending());
    let wakes = waker.wakes();
    reader.try_read().expect("read").expect("8 bytes");
    reader.advance_to_end().expect("examine everything");
    assert!(waker.wakes() > wakes, "C2: the resume edge wakes the waiting write");
    assert!(matches!(Pin::new(&mut writer).poll_write(&mut waker.cx(), b""), Poll::Ready(Ok(0))));
    assert!(format!("{writer:?}").contains("flush_pending: false"), "{writer:?}");
}

#[test]
fn r11_a_pending_flush_fails_with_reader_failed_when_the_reader_fails() {
    let (mut reader, writer) = small_pipe(8, 4, 16);
    let mut writer = writer.into_async();
    let waker = CountingWaker::new();
    assert!(matches!(Pin::new(&mut writer).poll_write(&mut waker.cx(), &[1; 10]), Poll::Ready(Ok(10))));
    assert!(writer.get_ref().stats().writer_paused);
    assert!(Pin::new(&mut writer).poll_flush(&mut waker.cx()).is_pending());
    reader.complete(Some(CompletionError::message("reader gave up")));
    // The next write reports the pending flush's failure, accepting nothing.
    let error = match Pin::new(&mut writer).poll_write(&mut waker.cx(), b"more") {
        Poll::Ready(Err(error)) => error,
        other => panic!("expected the pending flush's error, got {other:?}"),
    };
    assert_eq!(error.kind(), io::ErrorKind::Other);
    assert!(matches!(pipe_error(&error), PipeError::ReaderFailed(e) if e.to_string() == "reader gave up"));
    // And every flush after it (R11).
    let flush = Pin::new(&mut writer).poll_flush(&mut waker.cx());
    assert!(matches!(&flush, Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Other), "{flush:?}");
}

#[test]
fn w8_get_mut_and_into_inner_hand_back_the_same_writer() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    {
        let mut borrowed = writer.as_async();
        let waker = CountingWaker::new();
        assert!(matches!(Pin::new(&mut borrowed).poll_write(&mut waker.cx(), b"abc"), Poll::Ready(Ok(3))));
        // Through get_mut: the contract's operations on the same writer.
        advance_bytes(borrowed.get_mut(), b"de");
        assert_eq!(borrowed.get_ref().unflushed_bytes(), 2);
        let inner: &mut pipe_core::PipeWriter = borrowed.into_inner();
        assert_eq!(inner.unflushed_bytes(), 2);
    }
    // The borrowing adapter is gone; the writer is still usable.
    write_now(&mut writer, b"f");
    assert_eq!(read_now(&mut reader).bytes, b"abcdef");
    let owned = writer.into_async();
    let mut writer = owned.into_inner();
    writer.complete(None);
    assert_eq!(writer.get_memory(1).map(|m| m.len()).unwrap_err().to_string(), "the writer has completed");
}

#[test]
fn r1_an_empty_poll_read_returns_0_without_starting_a_read() {
    let (reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"abc");
    let mut reader = reader.into_async();
    let waker = CountingWaker::new();
    let poll = Pin::new(&mut reader).poll_read(&mut waker.cx(), &mut []);
    assert!(matches!(poll, Poll::Ready(Ok(0))), "{poll:?}");
    assert!(!reader.get_ref().has_outstanding_read(), "an empty buffer starts no read");
    let mut out = [0u8; 8];
    assert!(matches!(Pin::new(&mut reader).poll_read(&mut waker.cx(), &mut out), Poll::Ready(Ok(3))));
    assert_eq!(&out[..3], b"abc");
}

#[test]
fn r1_poll_read_waits_and_the_flush_wakes_it() {
    let (reader, mut writer) = small_pipe(0, 0, 16);
    let mut reader = reader.into_async();
    let waker = CountingWaker::new();
    let mut out = [0u8; 4];
    assert!(Pin::new(&mut reader).poll_read(&mut waker.cx(), &mut out).is_pending());
    assert_eq!(waker.wakes(), 0);
    write_now(&mut writer, b"wake");
    assert_eq!(waker.wakes(), 1, "C2: the flush wakes the waiting read once");
    assert!(matches!(Pin::new(&mut reader).poll_read(&mut waker.cx(), &mut out), Poll::Ready(Ok(4))));
    assert_eq!(&out, b"wake");
}

#[test]
fn r11_poll_read_and_poll_fill_buf_fail_with_writer_failed() {
    let (reader, mut writer) = small_pipe(0, 0, 16);
    let mut reader = reader.into_async();
    let waker = CountingWaker::new();
    let mut out = [0u8; 4];
    assert!(Pin::new(&mut reader).poll_read(&mut waker.cx(), &mut out).is_pending());
    writer.complete(boom(5));
    assert_eq!(waker.wakes(), 1, "C2: the failure wakes the waiting read");
    for attempt in 0..2 {
        let error = match Pin::new(&mut reader).poll_read(&mut waker.cx(), &mut out) {
            Poll::Ready(Err(error)) => error,
            other => panic!("read {attempt}: expected WriterFailed, got {other:?}"),
        };
        assert_eq!(error.kind(), io::ErrorKind::Other);
        assert!(matches!(pipe_error(&error), PipeError::WriterFailed(e) if boom_of(e) == Some(5)), "{error:?}");
    }
    let error = match Pin::new(&mut reader).poll_fill_buf(&mut waker.cx()) {
        Poll::Ready(Err(error)) => error,
        Poll::Ready(Ok(bytes)) => panic!("expected WriterFailed, got {} bytes", bytes.len()),
        Poll::Pending => panic!("expected WriterFailed, got Pending"),
    };
    assert!(matches!(pipe_error(&error), PipeError::WriterFailed(_)), "{error:?}");
}

#[test]
fn r4_fill_buf_waits_after_consuming_everything_and_consume_without_a_read_does_nothing() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"head");
    {
        let mut borrowed = reader.as_async();
        let waker = CountingWaker::new();
        // Nothing outstanding yet: consume is a no-op, not an error.
        Pin::new(&mut borrowed).consume(3);
        assert!(!borrowed.get_ref().has_outstanding_read());
        match Pin::new(&mut borrowed).poll_fill_buf(&mut waker.cx()) {
            Poll::Ready(Ok(bytes)) => assert_eq!(bytes, b"head"),
            other => panic!("expected the buffered bytes, got {:?}", other.map(|r| r.map(<[u8]>::to_vec))),
        }
        let shown = format!("{borrowed:?}");
        assert!(shown.contains("AsyncReader") && shown.contains("outstanding: true"), "{shown}");
        Pin::new(&mut borrowed).consume(4);
        assert!(Pin::new(&mut borrowed).poll_fill_buf(&mut waker.cx()).is_pending(), "R4");
        write_now(&mut writer, b"tail");
        assert_eq!(waker.wakes(), 1);
        // get_mut reaches the reader itself.
        let snap = read_now(borrowed.get_mut());
        assert_eq!(snap.bytes, b"tail");
        borrowed.get_mut().advance(snap.at(1)).expect("consume 1");
        let inner: &mut pipe_core::PipeReader = borrowed.into_inner();
        assert!(!inner.has_outstanding_read());
    }
    // The borrow ended; the reader goes on where the adapter left it.
    assert_eq!(read_now(&mut reader).bytes, b"ail");
}

#[test]
fn r9_a_canceled_empty_read_is_interrupted_and_the_next_poll_waits_again() {
    let (reader, _writer) = small_pipe(0, 0, 16);
    let mut reader = reader.into_async();
    let waker = CountingWaker::new();
    let mut out = [0u8; 4];
    assert!(Pin::new(&mut reader).poll_read(&mut waker.cx(), &mut out).is_pending());
    reader.get_ref().cancel_pending_read();
    assert_eq!(waker.wakes(), 1, "C2: the cancel wakes the read");
    let poll = Pin::new(&mut reader).poll_read(&mut waker.cx(), &mut out);
    assert!(matches!(&poll, Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted), "{poll:?}");
    assert!(!reader.get_ref().has_outstanding_read(), "the canceled read was ended");
    assert!(Pin::new(&mut reader).poll_read(&mut waker.cx(), &mut out).is_pending(), "the cancel was used up");
}

#[test]
fn r10_into_inner_returns_the_reader_and_eof_is_zero_every_time() {
    let (reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"xy");
    writer.complete(None);
    let mut reader = reader.into_async();
    let waker = CountingWaker::new();
    let mut out = [0u8; 4];
    assert!(matches!(Pin::new(&mut reader).poll_read(&mut waker.cx(), &mut out), Poll::Ready(Ok(2))));
    for _ in 0..3 {
        assert!(matches!(Pin::new(&mut reader).poll_read(&mut waker.cx(), &mut out), Poll::Ready(Ok(0))), "EOF");
    }
    let mut reader = reader.into_inner();
    // Each EOF `poll_read` consumed its (empty) read, so the reader is free
    // for the contract's own calls: completed and empty (R10).
    assert!(!reader.has_outstanding_read(), "poll_read leaves no read outstanding");
    let snap = read_now(&mut reader);
    assert!(snap.completed && snap.bytes.is_empty(), "{snap:?}");
}

#[cfg(feature = "tokio")]
mod tokio_traits {
    use super::*;
    use tokio::io::{AsyncRead as TokioRead, AsyncWrite as TokioWrite, ReadBuf};

    #[test]
    fn r11_tokio_poll_read_fails_with_writer_failed_and_fills_nothing() {
        let (reader, mut writer) = small_pipe(0, 0, 16);
        let mut reader = reader.into_async();
        let waker = CountingWaker::new();
        let mut storage = [0u8; 8];
        let mut buf = ReadBuf::new(&mut storage);
        assert!(TokioRead::poll_read(Pin::new(&mut reader), &mut waker.cx(), &mut buf).is_pending());
        writer.complete(boom(9));
        assert_eq!(waker.wakes(), 1);
        let poll = TokioRead::poll_read(Pin::new(&mut reader), &mut waker.cx(), &mut buf);
        let Poll::Ready(Err(error)) = poll else { panic!("expected WriterFailed, got {poll:?}") };
        assert!(matches!(pipe_error(&error), PipeError::WriterFailed(e) if boom_of(e) == Some(9)), "{error:?}");
        assert!(buf.filled().is_empty(), "a failed read fills nothing");
    }

    #[test]
    fn w8_tokio_shutdown_through_a_borrowed_writer_completes_it() {
        let (mut reader, mut writer) = small_pipe(0, 0, 16);
        let waker = CountingWaker::new();
        {
            let mut borrowed = writer.as_async();
            assert!(matches!(
                TokioWrite::poll_write(Pin::new(&mut borrowed), &mut waker.cx(), b"last"),
                Poll::Ready(Ok(4))
            ));
            assert!(matches!(TokioWrite::poll_shutdown(Pin::new(&mut borrowed), &mut waker.cx()), Poll::Ready(Ok(()))));
        }
        let snap = read_now(&mut reader);
        assert_eq!(snap.bytes, b"last");
        assert!(snap.completed, "shutdown is complete(None): EOF after the bytes");
        assert_err!(writer.get_memory(1).map(|m| m.len()), PipeError::WriterCompleted);
    }
}
