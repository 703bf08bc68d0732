//! Segment return to the pool while the writer still holds memory in it,
//! and the hand-off of a sealed segment from the writer to the reader (M1,
//! M3).

use pipe_core::pipe;

use crate::{consume, drain, options, Join, Runtime};

/// M1: the reader consuming everything flushed so far does not return the
/// writer's current segment to the pool: the writer keeps filling it and
/// the reader gets every byte. M3: afterwards nothing stays rented.
pub fn m1_segment_stays_while_written<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(0, 0, 4)).expect("valid options");
    let producer = R::spawn(move || {
        // Both writes land in the same 4-byte segment (W1).
        for chunk in [&b"ab"[..], b"cd"] {
            R::block_on(writer.write(chunk)).expect("write");
        }
        writer.complete(None);
    });
    assert_eq!(drain::<R>(&mut reader), b"abcd", "M1: every byte, in order");
    producer.join();
    assert_eq!(reader.stats().segments_rented, 0, "M3: both completed, nothing rented");
}

/// M1: a segment the writer has moved on from goes back once the reader has
/// consumed it, while the writer links and fills the next one: the reader
/// follows the link (the previous segment's seal and the next one's
/// placement) and gets every byte. M3: afterwards nothing stays rented.
pub fn m1_sealed_segment_hand_off<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(0, 0, 2)).expect("valid options");
    let producer = R::spawn(move || {
        // `ab` fills the first 2-byte segment; `cd` seals it and links a second.
        for chunk in [&b"ab"[..], b"cd"] {
            R::block_on(writer.write(chunk)).expect("write");
        }
        writer
    });
    let bytes = consume::<R>(&mut reader, 4, |_| {});
    assert_eq!(bytes, b"abcd", "M1: every byte, in order");
    drop(producer.join());
    assert_eq!(reader.stats().segments_rented, 0, "M1: consumed, and the writer is gone: nothing rented");
}
