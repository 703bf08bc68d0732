//! Contract rules C1, C2 and R12: which halves may move between threads, and
//! that every wake path wakes the waiting task exactly when its rule says.
//! Wakes are counted with a hand-polled waker, so "exactly" is checked to
//! the single wake. Thread-level versions are in `threads.rs`.
// Not built under `--cfg loom`: the pipe then runs on loom's types, which
// work only inside `loom::model` (see loom_flush_wakes_reader.rs).
#![cfg(not(loom))]

mod common;

use std::future::Future;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Wake, Waker};
use std::time::Duration;

use common::*;
use pipe_core::{CancelHandle, CompletionError, FlushFuture, PipeError, PipeReader, PipeWriter, ReadFuture};

// ------------------------------------------------------------------ C1

fn assert_send<T: Send>() {}
fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn c1_halves_and_their_futures_are_send() {
    assert_send::<PipeReader>();
    assert_send::<PipeWriter>();
    assert_send::<ReadFuture<'static>>();
    assert_send::<FlushFuture<'static>>();
    assert_send_sync::<CancelHandle>();
    assert_send_sync::<PipeError>();
    assert_send_sync::<CompletionError>();
}

#[test]
fn c1_async_halves_run_on_different_threads() {
    let (mut reader, mut writer) = small_pipe(64, 32, 16);
    let data = pattern(10_000);
    let expected = data.clone();
    let producer = std::thread::spawn(move || {
        for chunk in data.chunks(100) {
            pipe_core::block_on(writer.write(chunk)).expect("write");
        }
    });
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut received = Vec::new();
        loop {
            let (bytes, end, completed) = pipe_core::block_on(async {
                let result = reader.read().await.expect("read");
                (result.buffer().to_vec(), result.buffer().end(), result.is_completed())
            });
            received.extend(bytes);
            reader.advance(end).expect("advance");
            if completed {
                let _ = sender.send(received);
                return;
            }
        }
    });
    // A lost wakeup must fail the test, not hang it.
    let received = receiver.recv_timeout(Duration::from_secs(20)).expect("the consumer finishes");
    producer.join().expect("producer");
    assert_eq!(received, expected);
}

#[test]
fn c1_async_calls_return_pending_instead_of_blocking() {
    let (mut reader, _writer) = small_pipe(4, 2, 16);
    let (_reader, mut writer) = small_pipe(4, 2, 16);
    let waker = CountingWaker::new();
    // Each of these would block a blocking API; the async API must return.
    assert!(waker.poll(&mut reader.read()).is_pending());
    assert!(waker.poll(&mut reader.read_at_least(100)).is_pending());
    assert!(waker.poll(&mut writer.write(b"12345")).is_pending());
    assert!(writer.poll_flush(&mut waker.cx()).is_pending());
}

// ------------------------------------------------------------------ C2

#[test]
fn c2_flush_wakes_reader_once_and_only_when_the_read_can_resolve() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    let waker = CountingWaker::new();
    assert!(poll_read_snap(&mut reader, &waker).is_pending());
    advance_bytes(&mut writer, b"ab");
    assert_eq!(waker.wakes(), 0, "advance without flush");
    write_now(&mut writer, &[]);
    assert_eq!(waker.wakes(), 1, "flush");
    write_now(&mut writer, b"c");
    assert_eq!(waker.wakes(), 1, "nobody waits any more: no second wake");
    let snap = read_now(&mut reader);
    reader.advance_to(snap.start, snap.end).expect("advance");
    write_now(&mut writer, b"d");
    assert_eq!(waker.wakes(), 1, "no read pending: no wake");
}

#[test]
fn c2_flush_wakes_the_latest_waker() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    let (first, second) = (CountingWaker::new(), CountingWaker::new());
    let mut read = first.waiting(reader.read());
    assert!(second.poll(&mut read).is_pending(), "the task moved: a new waker");
    write_now(&mut writer, b"x");
    assert_eq!((first.wakes(), second.wakes()), (0, 1));
}

#[test]
fn c2_resume_edge_wakes_writer_once_and_only_on_the_edge() {
    let (mut reader, mut writer) = small_pipe(10, 5, 16);
    let (first, waker) = (CountingWaker::new(), CountingWaker::new());
    let mut flush = first.waiting(writer.write(&pattern(12)));
    assert!(waker.poll(&mut flush).is_pending());
    for (consume, paused) in [(3, true), (4, true), (1, false), (2, false)] {
        let snap = read_now(&mut reader);
        reader.advance(snap.at(consume)).expect("advance");
        assert_eq!(waker.wakes(), usize::from(!paused), "after consuming {consume} more");
    }
    assert_eq!(first.wakes(), 0, "the replaced waker is not woken");
    assert!(matches!(waker.poll(&mut flush), Poll::Ready(Ok(_))));
}

#[test]
fn c2_cancel_read_wakes_the_waiting_reader_once() {
    let (mut reader, _writer) = small_pipe(0, 0, 16);
    let handle = reader.cancel_handle();
    let waker = CountingWaker::new();
    let mut read = waker.waiting(reader.read());
    handle.cancel_pending_read();
    assert_eq!(waker.wakes(), 1);
    handle.cancel_pending_read();
    assert_eq!(waker.wakes(), 1, "the waker was taken: one wake per wait");
    assert!(matches!(waker.poll(&mut read), Poll::Ready(Ok(r)) if r.is_canceled()));
}

#[test]
fn c2_cancel_flush_wakes_the_waiting_writer_once() {
    let (_reader, mut writer) = small_pipe(4, 2, 16);
    let handle = writer.cancel_handle();
    let waker = CountingWaker::new();
    let mut flush = waker.waiting(writer.write(b"1234"));
    handle.cancel_pending_flush();
    assert_eq!(waker.wakes(), 1);
    assert!(matches!(waker.poll(&mut flush), Poll::Ready(Ok(r)) if r.is_canceled()));
}

#[test]
fn c2_writer_completion_wakes_the_waiting_reader() {
    for error in [None, Some(CompletionError::message("w"))] {
        let (mut reader, mut writer) = small_pipe(0, 0, 16);
        let waker = CountingWaker::new();
        assert!(poll_read_at_least_snap(&mut reader, &waker, 10).is_pending());
        writer.complete(error.clone());
        assert_eq!(waker.wakes(), 1, "error: {error:?}");
        assert!(poll_read_snap(&mut reader, &waker).is_ready());
    }
}

#[test]
fn c2_reader_completion_wakes_the_paused_writer() {
    for error in [None, Some(CompletionError::message("r"))] {
        let (mut reader, mut writer) = small_pipe(4, 2, 16);
        let waker = CountingWaker::new();
        let mut flush = waker.waiting(writer.write(b"1234"));
        reader.complete(error.clone());
        assert_eq!(waker.wakes(), 1, "error: {error:?}");
        assert!(waker.poll(&mut flush).is_ready());
    }
}

#[test]
fn c2_read_at_least_resume_wakes_the_paused_writer() {
    let (mut reader, mut writer) = small_pipe(4, 2, 16);
    let writer_waker = CountingWaker::new();
    let mut flush = writer_waker.waiting(writer.write(b"1234"));
    let reader_waker = CountingWaker::new();
    let Poll::Ready(Ok(snap)) = poll_read_at_least_snap(&mut reader, &reader_waker, 4) else {
        panic!("4 buffered satisfy read_at_least(4)")
    };
    assert_eq!(writer_waker.wakes(), 0, "no resume needed");
    reader.advance_to(snap.start, snap.start).expect("hand the read back");
    assert!(poll_read_at_least_snap(&mut reader, &reader_waker, 5).is_pending());
    assert_eq!(writer_waker.wakes(), 1, "R8 resume wakes the writer");
    assert!(matches!(writer_waker.poll(&mut flush), Poll::Ready(Ok(_))));
}

/// A waker that calls back into the pipe when woken, as an executor that
/// polls inline might; it deadlocks if the pipe wakes under its lock.
struct Reentrant {
    handle: Mutex<Option<CancelHandle>>,
    /// Cancels a read (reader side) or a flush (writer side) when woken.
    reader_side: bool,
    woken: mpsc::Sender<()>,
}

impl Wake for Reentrant {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(handle) = self.handle.lock().expect("lock").take() {
            if self.reader_side {
                handle.cancel_pending_read();
            } else {
                handle.cancel_pending_flush();
            }
        }
        let _ = self.woken.send(());
    }
}

#[test]
fn c2_wakers_are_woken_outside_the_pipe_lock() {
    let (sender, woken) = mpsc::channel();
    let (done_sender, done) = mpsc::channel();
    std::thread::spawn(move || {
        // Reader side: a flush wakes a waker that re-enters the pipe.
        let (mut reader, mut writer) = small_pipe(4, 2, 16);
        let waker = Waker::from(Arc::new(Reentrant {
            handle: Mutex::new(Some(reader.cancel_handle())),
            reader_side: true,
            woken: sender.clone(),
        }));
        assert!(reader.poll_read(&mut std::task::Context::from_waker(&waker)).is_pending());
        write_now(&mut writer, b"x");
        // Writer side: the resume edge wakes a waker that re-enters the pipe.
        let waker = Waker::from(Arc::new(Reentrant {
            handle: Mutex::new(Some(writer.cancel_handle())),
            reader_side: false,
            woken: sender,
        }));
        let mut flush = writer.write(b"123");
        assert!(std::pin::Pin::new(&mut flush).poll(&mut std::task::Context::from_waker(&waker)).is_pending());
        let snap = read_now(&mut reader);
        reader.advance(snap.end).expect("advance");
        let _ = done_sender.send(());
    });
    for _ in 0..2 {
        woken.recv_timeout(Duration::from_secs(10)).expect("woken (a wake under the lock deadlocks)");
    }
    done.recv_timeout(Duration::from_secs(10)).expect("the pipe is usable after re-entrant wakes");
}

// ------------------------------------------------------------------ R12

#[test]
fn r12_dropping_writer_completes_it_and_wakes_the_waiting_reader() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"last");
    let snap = read_now(&mut reader);
    reader.advance_to(snap.start, snap.end).expect("advance");
    let waker = CountingWaker::new();
    let mut read = waker.waiting(reader.read());
    drop(writer);
    assert_eq!(waker.wakes(), 1);
    let Poll::Ready(Ok(result)) = waker.poll(&mut read) else { panic!("drop completes the writer") };
    assert!(result.is_completed());
    assert_eq!(result.buffer().to_vec(), b"last");
}

#[test]
fn r12_dropping_reader_completes_it_and_wakes_the_paused_writer() {
    let (reader, mut writer) = small_pipe(4, 2, 16);
    let waker = CountingWaker::new();
    let mut flush = waker.waiting(writer.write(b"1234"));
    drop(reader);
    assert_eq!(waker.wakes(), 1);
    assert!(matches!(waker.poll(&mut flush), Poll::Ready(Ok(r)) if r.is_completed()));
    drop(flush);
    assert!(write_now(&mut writer, b"more").is_completed());
}

#[test]
fn r12_dropping_a_completed_half_keeps_its_first_completion() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    writer.complete(Some(CompletionError::message("writer broke")));
    drop(writer);
    assert_err!(try_snap(&mut reader), PipeError::WriterFailed(ref e) if e.to_string() == "writer broke");

    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    reader.complete(Some(CompletionError::message("reader broke")));
    drop(reader);
    assert!(matches!(
        poll_once(&mut writer.write(b"x")),
        Poll::Ready(Err(PipeError::ReaderFailed(ref e))) if e.to_string() == "reader broke"
    ));
}
