//! `read_at_least(n)` with `n` above the pause threshold (R8, C2).

use pipe_core::pipe;

use crate::{options, read_at_least, Join, Runtime};

/// R8: a reader asking for more than the pause threshold lets a paused
/// writer go on instead of deadlocking, and resolves once `n` bytes are
/// buffered.
pub fn r8_read_at_least_above_pause_resumes_writer<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(2, 1, 2)).expect("valid options");
    let producer = R::spawn(move || {
        for chunk in [&b"ab"[..], b"cd"] {
            let result = R::block_on(writer.write(chunk)).expect("write");
            assert!(!result.is_completed() && !result.is_canceled(), "plain flush result");
        }
        writer
    });
    let got = read_at_least::<R>(&mut reader, 4);
    assert_eq!(got.bytes, b"abcd", "R8: at least n bytes");
    assert!(!got.completed && !got.canceled, "R8: plain read result");
    reader.advance(got.end).expect("advance");
    drop(producer.join());
}
