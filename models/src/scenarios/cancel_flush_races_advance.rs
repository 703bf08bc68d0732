//! `cancel_pending_flush` racing a paused flush and the reader's advance
//! (W7, C2).

use pipe_core::pipe;

use crate::{consume, options, write_counting_cancels, Join, Runtime};

/// W7: a cancel from another thread wakes a flush paused by back pressure
/// (or, if it comes first, makes it resolve at once) with `is_canceled`;
/// back pressure still holds afterwards (**Rust**).
pub fn w7_cancel_wakes_paused_writer<R: Runtime>() {
    let (reader, mut writer) = pipe(options(2, 1, 2)).expect("valid options");
    let handle = writer.cancel_handle();
    let canceler = R::spawn(move || handle.cancel_pending_flush());
    let result = R::block_on(writer.write(b"ab")).expect("write");
    assert!(result.is_canceled() && !result.is_completed(), "W7: the flush is canceled");
    assert!(writer.stats().writer_paused, "W7: cancelling does not end back pressure");
    canceler.join();
    drop(reader);
}

/// W7: one cancel racing a paused flush and the resume edge is observed by
/// exactly one of the writer's flushes (sticky, cleared once observed),
/// and the reader gets every byte. The reader's thread cancels, so the
/// cancel races both the writer's flushes and the reader's own advance.
pub fn w7_cancel_races_advance_observed_once<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(2, 1, 2)).expect("valid options");
    let handle = writer.cancel_handle();
    let consumer = R::spawn(move || {
        handle.cancel_pending_flush();
        let bytes = consume::<R>(&mut reader, 3, |_| {});
        assert_eq!(bytes, b"abc", "the reader gets every byte");
        reader
    });
    let mut cancels = write_counting_cancels::<R>(&mut writer, &[b"ab", b"c"]);
    let reader = consumer.join();
    // The cancel happened by now; if no flush observed it, this one must.
    let result = R::block_on(writer.flush()).expect("flush");
    cancels += usize::from(result.is_canceled());
    assert_eq!(cancels, 1, "W7: one cancel is observed by exactly one flush");
    drop(reader);
}
