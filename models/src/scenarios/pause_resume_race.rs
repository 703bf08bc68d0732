//! Both sides racing across the pause and resume edges (W6, R4, R5).

use pipe_core::pipe;

use crate::{consume, options, read, Join, Runtime};

/// W6: two one-byte writes, each reaching the pause threshold (1), race a
/// reader that consumes as it goes, so both edges are crossed twice and each
/// side waits and is woken twice (a second registration after a wake);
/// every byte arrives in order and nobody hangs. (Completion races are
/// `complete_wakes_other_side`'s: leaving them out keeps this model within
/// its bound's budget.)
pub fn w6_writer_and_reader_race_across_edges<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(1, 1, 2)).expect("valid options");
    let producer = R::spawn(move || {
        for chunk in [&b"a"[..], b"b"] {
            let result = R::block_on(writer.write(chunk)).expect("write");
            assert!(!result.is_completed() && !result.is_canceled(), "W6: plain flush result");
        }
        writer
    });
    let bytes = consume::<R>(&mut reader, 2, |got| {
        assert!(!got.completed && !got.canceled && !got.bytes.is_empty(), "R1: a plain read brings bytes");
    });
    assert_eq!(bytes, b"ab", "W6: bytes in order");
    drop(producer.join());
}

/// R5: a reader that examined everything but consumed nothing releases a
/// paused writer; R4: its next read waits for the new bytes rather than
/// returning the examined ones again.
pub fn r5_examined_not_consumed_resumes_writer<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(2, 1, 2)).expect("valid options");
    let producer = R::spawn(move || {
        for chunk in [&b"ab"[..], b"c"] {
            let result = R::block_on(writer.write(chunk)).expect("write");
            assert!(!result.is_completed() && !result.is_canceled(), "W6: plain flush result");
        }
        writer
    });
    let first = read::<R>(&mut reader);
    assert_eq!(first.bytes, b"ab", "the writer pauses after `ab`");
    reader.advance_to(first.start, first.end).expect("examine all, consume none");
    let second = read::<R>(&mut reader);
    assert_eq!(second.bytes, b"abc", "R4: the read after examining everything waits for new bytes");
    assert!(!second.completed && !second.canceled, "plain read result");
    reader.advance(second.end).expect("advance");
    drop(producer.join());
}
