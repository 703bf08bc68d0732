//! Reader waits; a flush wakes it (W4, R1, C2).

use pipe_core::pipe;

use crate::{options, read, Join, Runtime};

/// W4: a reader blocked in `read` is woken by a flush from another thread
/// and sees exactly the flushed bytes.
pub fn w4_flush_wakes_waiting_reader<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(0, 0, 4)).expect("valid options");
    let producer = R::spawn(move || {
        let result = R::block_on(writer.write(b"ab")).expect("write");
        assert!(!result.is_completed() && !result.is_canceled(), "W4: plain flush result");
        writer
    });
    let got = read::<R>(&mut reader);
    assert_eq!(got.bytes, b"ab", "W4: the reader sees the flushed bytes");
    assert!(!got.completed && !got.canceled, "W4: plain read result");
    reader.advance(got.end).expect("advance");
    drop(producer.join());
}
