//! The blocking (`std`) API: threads park and the pipe unparks them (C1).

use pipe_core::pipe;

use crate::{options, Join, Runtime};

/// C1, W6, R10: `write_blocking` parks while paused and `read_blocking`
/// parks while empty; each is unparked by the other side's advance, flush
/// or completion.
pub fn c1_blocking_calls_park_until_woken<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(2, 1, 2)).expect("valid options");
    let producer = R::spawn(move || {
        let result = writer.write_blocking(b"ab").expect("write_blocking");
        assert!(!result.is_completed() && !result.is_canceled(), "plain flush result");
        writer.complete(None);
    });
    let mut bytes = Vec::new();
    loop {
        let result = reader.read_blocking().expect("read_blocking");
        let buffer = result.buffer();
        let (end, completed) = (buffer.end(), result.is_completed());
        bytes.extend(buffer.to_vec());
        reader.advance(end).expect("advance");
        if completed {
            break;
        }
    }
    assert_eq!(bytes, b"ab", "C1: bytes");
    producer.join();
}
