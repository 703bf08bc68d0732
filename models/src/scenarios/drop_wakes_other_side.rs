//! Dropping either half while the other waits (R12, C2).

use pipe_core::pipe;

use crate::{drain, options, Join, Runtime};

/// R12: dropping the writer completes it and wakes the waiting reader,
/// which gets the flushed bytes and then `is_completed`.
pub fn r12_writer_drop_wakes_reader<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(0, 0, 2)).expect("valid options");
    let producer = R::spawn(move || {
        R::block_on(writer.write(b"ab")).expect("write");
        drop(writer);
    });
    assert_eq!(drain::<R>(&mut reader), b"ab", "R12: bytes, then completion");
    producer.join();
}

/// R12: dropping the reader completes it and wakes a writer paused by back
/// pressure; the flush reports `is_completed`.
pub fn r12_reader_drop_wakes_paused_writer<R: Runtime>() {
    let (reader, mut writer) = pipe(options(2, 1, 2)).expect("valid options");
    let consumer = R::spawn(move || drop(reader));
    let result = R::block_on(writer.write(b"ab")).expect("write");
    assert!(result.is_completed() && !result.is_canceled(), "R12: the flush reports the reader's completion");
    consumer.join();
}
