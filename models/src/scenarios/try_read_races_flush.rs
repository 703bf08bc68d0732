//! `try_read` racing `flush` (R7, W3).

use pipe_core::pipe;

use crate::{read, Got, Join, Runtime};

/// R7, W3: a `try_read` racing a flush returns nothing or exactly the
/// flushed bytes, never bytes advanced but not flushed; once flushed, they
/// arrive.
pub fn r7_try_read_sees_only_flushed_bytes<R: Runtime>() {
    let (mut reader, mut writer) = pipe(crate::options(0, 0, 4)).expect("valid options");
    let producer = R::spawn(move || {
        R::block_on(writer.write(b"ab")).expect("write");
        let memory = writer.get_memory(2).expect("memory");
        memory[..2].copy_from_slice(b"cd");
        writer.advance(2).expect("advance");
        writer
    });
    let early = reader.try_read().expect("try_read").as_ref().map(Got::of);
    if let Some(got) = early {
        assert_eq!(got.bytes, b"ab", "R7/W3: only flushed bytes");
        reader.advance_to(got.start, got.start).expect("consume and examine nothing");
    }
    let mut writer = producer.join();
    assert_eq!(writer.unflushed_bytes(), 2, "W3: `cd` is unflushed");
    let got = read::<R>(&mut reader);
    assert_eq!(got.bytes, b"ab", "W3: unflushed bytes are invisible");
    reader.advance_to(got.start, got.end).expect("examine all");
    assert!(reader.try_read().expect("try_read").is_none(), "R7: nothing new to read");
    R::block_on(writer.flush()).expect("flush");
    assert_eq!(read::<R>(&mut reader).bytes, b"abcd", "W4: flushed bytes arrive");
}
