//! A third thread's [`CancelHandle`](pipe_core::CancelHandle) cancels while
//! the reader and the writer run on threads of their own (R9, W7, C2).
//!
//! The other cancel models cancel from the other half's thread, so the
//! cancel is ordered with that half's own operations; here it races both.

use pipe_core::pipe;

use crate::{consume, options, read, write_counting_cancels, Join, Runtime};

/// R9: a cancel from a third thread races a waiting read (main thread) and
/// a flush (writer thread). Exactly one read observes it, the flag is
/// cleared once observed, and the flushed bytes arrive exactly once. The
/// reader keeps reading until it has seen both, so a lost cancel or a lost
/// flush wake leaves it blocked: a deadlock.
pub fn r9_third_thread_cancel_races_read_and_flush<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(0, 0, 2)).expect("valid options");
    let handle = reader.cancel_handle();
    let canceler = R::spawn(move || handle.cancel_pending_read());
    let producer = R::spawn(move || {
        let result = R::block_on(writer.write(b"ab")).expect("write");
        assert!(!result.is_canceled() && !result.is_completed(), "W4: a read cancel does not touch the flush");
        writer
    });
    let (mut bytes, mut cancels) = (Vec::new(), 0);
    while cancels == 0 || bytes.len() < 2 {
        let got = read::<R>(&mut reader);
        cancels += usize::from(got.canceled);
        assert!(cancels <= 1, "R9: the cancel flag is cleared once observed");
        assert!(!got.completed, "R10: the writer has not completed");
        assert!(got.canceled || !got.bytes.is_empty(), "R1: empty read that is not canceled");
        bytes.extend_from_slice(&got.bytes);
        assert!(b"ab".starts_with(&bytes), "R2: each byte arrives once, in order");
        reader.advance(got.end).expect("advance");
    }
    canceler.join();
    let mut writer = producer.join();
    R::block_on(writer.write(b"c")).expect("write");
    let got = read::<R>(&mut reader);
    assert!(!got.canceled, "R9: the cancel flag is cleared once observed");
    assert_eq!(got.bytes, b"c", "R2: the next flushed byte");
}

/// W7: a cancel from a third thread races a flush paused by back pressure
/// (main thread) and the reader's advance (reader thread). The reader
/// consumes one byte of three, which keeps the unexamined bytes at or above
/// `resume` (1), so only the cancel can resolve the flush: a lost cancel
/// wake is a deadlock. The flush resolves canceled with back pressure still
/// on; once the reader examines the rest, the next flush is a plain one
/// (flag cleared once observed) and every byte arrived exactly once.
pub fn w7_third_thread_cancel_wakes_paused_writer<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(2, 1, 2)).expect("valid options");
    let handle = writer.cancel_handle();
    let canceler = R::spawn(move || handle.cancel_pending_flush());
    let consumer = R::spawn(move || {
        let (bytes, one) = R::block_on(async {
            let result = reader.read().await.expect("read");
            let buffer = result.buffer();
            (buffer.to_vec(), buffer.get_position(1).expect("a byte"))
        });
        assert_eq!(bytes, b"abc", "R2: one flush publishes every byte");
        reader.advance(one).expect("advance");
        reader
    });
    let result = R::block_on(writer.write(b"abc")).expect("write");
    assert!(result.is_canceled() && !result.is_completed(), "W7: only the cancel resolves the paused flush");
    assert!(writer.stats().writer_paused, "W7: cancelling does not end back pressure");
    canceler.join();
    let mut reader = consumer.join();
    let got = read::<R>(&mut reader);
    assert!(!got.canceled, "R9: a flush cancel does not touch the reader");
    assert_eq!(got.bytes, b"bc", "R2: the bytes not consumed, once");
    reader.advance(got.end).expect("advance");
    assert!(!writer.stats().writer_paused, "W6: examining below resume resumes the writer");
    let result = R::block_on(writer.flush()).expect("flush");
    assert!(!result.is_canceled() && !result.is_completed(), "W7: the cancel flag is cleared once observed");
}

/// W7: a cancel from a third thread races a paused flush and the reader's
/// advance that resumes it (reader thread): exactly one of the writer's
/// flushes observes the cancel, and the reader gets every byte once. (One
/// paused write: a second one would add states, not races.)
pub fn w7_third_thread_cancel_races_resume_observed_once<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(2, 1, 2)).expect("valid options");
    let handle = writer.cancel_handle();
    let canceler = R::spawn(move || handle.cancel_pending_flush());
    let consumer = R::spawn(move || {
        let bytes = consume::<R>(&mut reader, 2, |got| {
            assert!(!got.canceled, "R9: a flush cancel does not touch the reader");
        });
        assert_eq!(bytes, b"ab", "R2: every byte, once");
        reader
    });
    let mut cancels = write_counting_cancels::<R>(&mut writer, &[b"ab"]);
    canceler.join();
    let reader = consumer.join();
    // The cancel happened by now; if no flush observed it, this one must.
    let result = R::block_on(writer.flush()).expect("flush");
    cancels += usize::from(result.is_canceled());
    assert_eq!(cancels, 1, "W7: one cancel is observed by exactly one flush");
    let result = R::block_on(writer.flush()).expect("flush");
    assert!(!result.is_canceled(), "W7: the cancel flag is cleared once observed");
    drop(reader);
}
