//! Writer `complete` while the reader waits, and reader `complete` while
//! the writer waits, with and without an error (W8, R10, R11, C2).

use pipe_core::{pipe, CompletionError, PipeError};

use crate::{drain, options, Join, Runtime};

/// W8, R10: completing the writer commits its unflushed bytes and wakes the
/// waiting reader, which then sees them and `is_completed`.
pub fn r10_writer_complete_wakes_reader<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(0, 0, 2)).expect("valid options");
    let producer = R::spawn(move || {
        let memory = writer.get_memory(2).expect("memory");
        memory[..2].copy_from_slice(b"ab");
        writer.advance(2).expect("advance");
        writer.complete(None);
    });
    assert_eq!(drain::<R>(&mut reader), b"ab", "W8: completion commits advanced bytes");
    producer.join();
}

/// R11: the writer's completion error wakes the waiting reader and is
/// returned by that read and every later one.
pub fn r11_writer_error_wakes_reader<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(0, 0, 2)).expect("valid options");
    let producer = R::spawn(move || writer.complete(Some(CompletionError::message("boom"))));
    for _ in 0..2 {
        let error = R::block_on(async { reader.read().await.err() });
        match error {
            Some(PipeError::WriterFailed(e)) => {
                assert_eq!(e.to_string(), "boom", "R11: the writer's error")
            }
            other => panic!("R11: expected the writer's error, got {other:?}"),
        }
    }
    producer.join();
}

/// W9, R12: completing the reader wakes a writer paused by back pressure;
/// the flush reports `is_completed`.
pub fn w9_reader_complete_wakes_paused_writer<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(2, 1, 2)).expect("valid options");
    let consumer = R::spawn(move || reader.complete(None));
    let result = R::block_on(writer.write(b"ab")).expect("write");
    assert!(result.is_completed() && !result.is_canceled(), "W9: the flush reports the reader's completion");
    consumer.join();
}

/// R11: the reader's completion error wakes a paused writer; the pending
/// flush and every later one return it.
pub fn r11_reader_error_wakes_paused_writer<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(2, 1, 2)).expect("valid options");
    let consumer = R::spawn(move || reader.complete(Some(CompletionError::message("boom"))));
    for chunk in [&b"ab"[..], b"c"] {
        match R::block_on(writer.write(chunk)) {
            Err(PipeError::ReaderFailed(e)) => {
                assert_eq!(e.to_string(), "boom", "R11: the reader's error")
            }
            other => panic!("R11: expected the reader's error, got {other:?}"),
        }
    }
    consumer.join();
}
