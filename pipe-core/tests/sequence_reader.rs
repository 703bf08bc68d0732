//! `SequenceReader` (S4): reads across segment boundaries are the normal
//! case, and failed operations leave the reader where it was.
// Not built under `--cfg loom`: the pipe then runs on loom's types, which
// work only inside `loom::model` (see loom_flush_wakes_reader.rs).
#![cfg(not(loom))]

use pipe_core::{PipeError, Sequence, SequenceReader};

#[test]
fn s4_integers_split_over_three_segments_with_empty_ones_between() {
    let parts: [&[u8]; 6] = [b"", b"\x01", b"", b"\x02\x03", b"", b"\x04\x05\x06\x07\x08"];
    let seq = Sequence::from_slices(&parts);
    let mut r = SequenceReader::new(seq);
    assert_eq!(r.try_read_u32_be(), Some(0x0102_0304));
    assert_eq!(r.try_read_u32_le(), Some(0x0807_0605));
    assert!(r.is_end());
    r.rewind(8).expect("rewind to start");
    assert_eq!(r.try_read_u64_be(), Some(0x0102_0304_0506_0708));
    r.rewind(8).expect("rewind to start");
    assert_eq!(r.try_read_i16_be(), Some(0x0102));
    assert_eq!(r.try_read_i16_le(), Some(0x0403));
}

#[test]
fn s4_failed_operations_leave_the_reader_in_place() {
    let parts: [&[u8]; 3] = [b"ab", b"", b"c"];
    let mut r = SequenceReader::new(Sequence::from_slices(&parts));
    r.advance(1).expect("advance 1");
    let before = (r.consumed(), r.remaining(), r.position());
    assert!(matches!(r.advance(3), Err(PipeError::NotEnoughData { needed: 3, available: 2 })));
    assert!(matches!(r.rewind(2), Err(PipeError::NotEnoughData { needed: 2, available: 1 })));
    assert_eq!(r.try_read_u32_le(), None);
    assert_eq!(r.try_read_to(b'z', true), None);
    let mut too_long = [0u8; 3];
    assert!(!r.try_copy_to(&mut too_long));
    assert!(!r.is_next(b"bd", true));
    assert_eq!((r.consumed(), r.remaining(), r.position()), before);
    assert_eq!(r.unread_chunk(), b"b");
}

#[test]
fn s4_delimiter_in_a_later_segment_after_empty_segments() {
    let parts: [&[u8]; 5] = [b"key", b"", b"", b"=va", b"lue;"];
    let mut r = SequenceReader::new(Sequence::from_slices(&parts));
    let key = r.try_read_to(b'=', true).expect("delimiter");
    assert_eq!(key.to_vec(), b"key");
    let value = r.try_read_to_any(b";,", false).expect("delimiter");
    assert_eq!(value.to_vec(), b"value");
    assert_eq!(r.try_peek(0), Some(b';'));
    assert_eq!(r.advance_past(b';'), 1);
    assert!(r.is_end());
    assert_eq!(r.unread_chunk(), b"");
}

#[test]
fn s4_unread_chunk_is_never_empty_before_the_end() {
    let parts: [&[u8]; 5] = [b"", b"x", b"", b"", b"yz"];
    let mut r = SequenceReader::new(Sequence::from_slices(&parts));
    let mut seen = Vec::new();
    while !r.is_end() {
        let chunk = r.unread_chunk();
        assert!(!chunk.is_empty());
        seen.push(chunk[0]);
        r.advance(1).expect("a byte remains");
    }
    assert_eq!(seen, b"xyz");
    assert_eq!(r.consumed(), 3);
}

#[test]
fn s4_is_next_and_advance_past_any_span_segments() {
    let parts: [&[u8]; 4] = [b"  \t", b"", b" GE", b"T /"];
    let mut r = SequenceReader::new(Sequence::from_slices(&parts));
    assert_eq!(r.advance_past_any(b" \t"), 4);
    assert!(r.is_next(b"GET", true));
    assert_eq!(r.try_read(), Some(b' '));
    assert_eq!(r.position().offset(), 8);
    assert_eq!(r.unread_sequence().to_vec(), b"/");
}

#[test]
fn s4_set_position_forward_from_the_middle_lands_on_the_position() {
    let parts: [&[u8]; 3] = [b"abc", b"", b"defgh"];
    let seq = Sequence::from_slices(&parts);
    let mut r = SequenceReader::new(seq);
    r.advance(2).expect("advance 2");
    r.set_position(seq.get_position(5).expect("5")).expect("forward to 5");
    assert_eq!(r.consumed(), 5, "moved by the 3 bytes between, not by 5");
    assert_eq!(r.try_read(), Some(b'f'));
}
