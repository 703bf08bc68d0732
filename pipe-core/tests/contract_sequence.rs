//! Contract rules S1–S3: sequences and positions (the basics; S4's
//! `SequenceReader` has its own tests).
// Not built under `--cfg loom`: the pipe then runs on loom's types, which
// work only inside `loom::model` (see loom_flush_wakes_reader.rs).
#![cfg(not(loom))]

mod common;

use common::*;
use pipe_core::{PipeError, Sequence};

// ------------------------------------------------------------------ S1

#[test]
fn s1_sequence_may_hold_empty_segments_first_middle_and_last() {
    let parts: [&[u8]; 5] = [b"", b"ab", b"", b"cd", b""];
    let seq = Sequence::from_slices(&parts);
    assert_eq!(seq.len(), 4);
    assert!(!seq.is_empty());
    assert_eq!(seq.to_vec(), b"abcd");
    assert_eq!(seq.chunks().collect::<Vec<_>>(), [&b"ab"[..], b"cd"]);
    assert_eq!(seq.first(), b"ab", "first skips the empty first segment");
    assert_eq!(seq.get_position(2).expect("2").offset(), 2);
    assert_eq!(seq.end().offset(), 4);

    let empty: [&[u8]; 3] = [b"", b"", b""];
    let seq = Sequence::from_slices(&empty);
    assert!(seq.is_empty());
    assert_eq!(seq.len(), 0);
    assert_eq!(seq.first(), b"");
    assert_eq!(seq.chunks().count(), 0);
    assert_eq!(seq.start(), seq.end());

    let none: [&[u8]; 0] = [];
    assert!(Sequence::from_slices(&none).is_empty());
}

#[test]
fn s1_pipe_buffer_with_an_empty_segment_in_the_middle() {
    let (mut reader, mut writer) = small_pipe(0, 0, 4);
    let memory = writer.get_memory(1).expect("memory");
    memory[..2].copy_from_slice(b"ab");
    writer.advance(2).expect("advance");
    writer.get_memory(3).expect("2 left < 3: a new segment");
    writer.get_memory(5).expect("4 < 5: another new segment; the previous stays empty");
    let memory = writer.get_memory(5).expect("memory");
    memory[..2].copy_from_slice(b"cd");
    writer.advance(2).expect("advance");
    write_now(&mut writer, &[]);
    let result = reader.try_read().expect("read").expect("ready");
    let buffer = result.buffer();
    assert_eq!(buffer.len(), 4);
    assert_eq!(buffer.to_vec(), b"abcd");
    assert_eq!(buffer.chunks().collect::<Vec<_>>(), [&b"ab"[..], b"cd"]);
    assert_eq!(buffer.slice(1, 3).expect("slice").to_vec(), b"bc");
    let end_of_ab = buffer.slice(0, 2).expect("slice").end();
    let start_of_cd = buffer.slice_from(2).expect("slice").start();
    assert_eq!(end_of_ab, start_of_cd, "S2 across the empty segment");
    assert_eq!(buffer.position_of(b'c'), Some(start_of_cd));
}

// ------------------------------------------------------------------ S2

#[test]
fn s2_positions_at_the_same_offset_are_equivalent() {
    let parts: [&[u8]; 3] = [b"Hello", b"", b"World"];
    let seq = Sequence::from_slices(&parts);
    let candidates = [
        seq.get_position(5).expect("offset 5"),
        seq.slice(0, 5).expect("Hello").end(),
        seq.slice(5, 10).expect("World").start(),
        seq.position_of(b'W').expect("W"),
        seq.get_position_from(seq.get_position(2).expect("2"), 3).expect("2 + 3"),
    ];
    for p in candidates {
        assert_eq!(p, candidates[0]);
        assert_eq!(p.offset(), 5);
        assert_eq!(seq.offset_of(p).expect("inside"), 5);
        assert_eq!(seq.slice_positions(p, seq.end()).expect("slice").to_vec(), b"World");
        assert_eq!(seq.slice_positions(seq.start(), p).expect("slice").to_vec(), b"Hello");
        assert_eq!(seq.get_position_from(p, 1).expect("+1").offset(), 6);
        assert!(p > seq.start() && p < seq.end());
    }
}

#[test]
fn s2_equivalent_positions_advance_a_pipe_alike() {
    for use_end_of_first in [true, false] {
        let (mut reader, mut writer) = small_pipe(0, 0, 5);
        write_now(&mut writer, b"HelloWorld");
        let result = reader.try_read().expect("read").expect("ready");
        let buffer = result.buffer();
        let position = if use_end_of_first {
            buffer.slice(0, 5).expect("Hello").end()
        } else {
            buffer.slice(5, 10).expect("World").start()
        };
        reader.advance(position).expect("either name of offset 5 works");
        assert_eq!(reader.stats().consumed, 5);
        assert_eq!(read_now(&mut reader).bytes, b"World");
    }
}

#[test]
fn s2_positions_of_different_sequences_never_compare() {
    let parts: [&[u8]; 1] = [b"same"];
    let a = Sequence::from_slices(&parts);
    let b = Sequence::from_slices(&parts);
    assert_ne!(a.start(), b.start());
    assert_eq!(a.start().partial_cmp(&b.start()), None);
    assert_err!(a.offset_of(b.start()), PipeError::ForeignPosition);
}

// ------------------------------------------------------------------ S3

#[test]
fn s3_slicing_and_lookups_by_offset_and_position() {
    let parts: [&[u8]; 3] = [b"abc", b"defg", b"hi"];
    let seq = Sequence::from_slices(&parts);
    assert_eq!(seq.len(), 9);
    assert_eq!(seq.slice(2, 7).expect("slice").to_vec(), b"cdefg");
    assert_eq!(seq.slice(2, 2).expect("empty slice").len(), 0);
    assert_eq!(seq.slice_from(7).expect("slice").to_vec(), b"hi");
    let from = seq.get_position(1).expect("1");
    let to = seq.get_position(8).expect("8");
    let middle = seq.slice_positions(from, to).expect("slice");
    assert_eq!(middle.to_vec(), b"bcdefgh");
    assert_eq!(middle.first(), b"bc");
    assert_eq!(middle.chunks().collect::<Vec<_>>(), [&b"bc"[..], b"defg", b"h"]);
    // Offsets on a slice count from the slice's start.
    assert_eq!(middle.offset_of(to).expect("end of slice"), 7);
    assert_eq!(middle.get_position(3).expect("3").offset(), 4);
    assert_eq!(seq.position_of(b'h').map(|p| p.offset()), Some(7));
    assert_eq!(seq.position_of(b'z'), None);
    let mut out = [0u8; 12];
    seq.copy_to(&mut out).expect("copy");
    assert_eq!(&out[..9], b"abcdefghi");
}

#[test]
fn s3_out_of_range_offsets_and_positions_are_errors_not_panics() {
    let parts: [&[u8]; 2] = [b"abc", b"def"];
    let seq = Sequence::from_slices(&parts);
    assert_err!(seq.get_position(7), PipeError::OffsetOutOfRange { offset: 7, len: 6 });
    assert_err!(seq.slice(2, 9), PipeError::OffsetOutOfRange { .. });
    assert_err!(seq.slice(5, 3), PipeError::StartAfterEnd { start: 5, end: 3 });
    assert_err!(seq.slice_from(8), PipeError::OffsetOutOfRange { .. });
    let inner = seq.slice(1, 4).expect("slice");
    assert_err!(
        inner.offset_of(seq.get_position(5).expect("5")),
        PipeError::PositionOutsideSequence { offset: 5, start: 1, end: 4 }
    );
    assert_err!(inner.offset_of(seq.start()), PipeError::PositionOutsideSequence { offset: 0, .. });
    let (p2, p4) = (seq.get_position(2).expect("2"), seq.get_position(4).expect("4"));
    assert_err!(seq.slice_positions(p4, p2), PipeError::StartAfterEnd { start: 4, end: 2 });
    assert_err!(seq.get_position_from(p4, 3), PipeError::OffsetOutOfRange { .. });
    let mut short = [0u8; 5];
    assert_err!(seq.copy_to(&mut short), PipeError::NotEnoughData { needed: 6, available: 5 });
    assert_eq!(short, [0; 5], "a failed copy writes nothing");
}
