//! What a user sees when printing or unwrapping the crate's types: every
//! public type's `Debug` shows the state that matters (thresholds, unflushed
//! bytes, completion, an outstanding read, a future being done, a sequence's
//! bounds), the `std::io` adapters hand their half back unchanged, and the
//! sequence comparisons and position lookups (S2, S3, S4) agree however the
//! bytes are split into segments.
#![cfg(not(loom))]

mod common;

use std::collections::HashSet;
use std::io::{BufRead, Read, Write};
use std::task::Poll;

use common::*;
use pipe_core::{BoundedPool, PipeOptions, Segment, SegmentPool, Sequence, SequenceReader};

#[test]
fn o1_options_debug_shows_the_thresholds_and_whether_a_pool_was_given() {
    let shown = format!("{:?}", options(1_000, 500, 64));
    for part in ["pause_writer_threshold: 1000", "resume_writer_threshold: 500", "minimum_segment_size: 64"] {
        assert!(shown.contains(part), "{shown} should show {part}");
    }
    assert!(shown.contains("pool: None"), "{shown}");
    let custom = format!("{:?}", PipeOptions::new().pool(BoundedPool::new(1)));
    assert!(custom.contains("pool: Some(\"custom\")"), "{custom}");
}

#[test]
fn m1_bounded_pool_keeps_at_most_max_free_and_rents_only_large_enough_segments() {
    let mut pool = BoundedPool::new(2);
    assert_eq!(pool.free_segments(), 0);
    for capacity in [8, 32, 16] {
        pool.give_back(Segment::new(capacity).expect("segment"));
    }
    assert_eq!(pool.free_segments(), 2, "the third segment was freed, not kept");
    assert!(pool.rent(64).is_none(), "no free segment is large enough");
    let rented = pool.rent(9).expect("the 32-byte segment fits");
    assert_eq!(rented.capacity(), 32);
    assert_eq!(format!("{rented:?}"), "Segment { capacity: 32 }");
    assert_eq!(pool.free_segments(), 1);
    assert!(format!("{pool:?}").contains("max_free: 2"), "{pool:?}");
    assert_eq!(Segment::new(0).expect("segment").capacity(), 1, "a segment has at least one byte");
}

#[test]
fn the_halves_and_their_futures_show_their_state_in_debug() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    advance_bytes(&mut writer, b"abc");
    let shown = format!("{writer:?}");
    assert!(shown.contains("unflushed: 3") && shown.contains("completed: false"), "{shown}");
    assert!(format!("{reader:?}").contains("outstanding: false"), "{reader:?}");
    let handle = reader.cancel_handle();
    assert!(format!("{handle:?}").starts_with("CancelHandle"), "{handle:?}");

    let mut flush = writer.flush();
    assert!(format!("{flush:?}").contains("done: false"), "{flush:?}");
    assert!(matches!(poll_once(&mut flush), Poll::Ready(Ok(_))));
    assert!(format!("{flush:?}").contains("done: true"), "{flush:?}");
    drop(flush);

    let mut read = reader.read_at_least(2);
    assert!(format!("{read:?}").contains("min: 2") && format!("{read:?}").contains("done: false"), "{read:?}");
    assert!(matches!(poll_once(&mut read), Poll::Ready(Ok(_))));
    assert!(format!("{read:?}").contains("done: true"), "{read:?}");
    drop(read);
    assert!(format!("{reader:?}").contains("outstanding: true"), "{reader:?}");
    reader.advance_to_end().expect("advance");

    writer.complete(None);
    assert!(format!("{writer:?}").contains("completed: true"), "{writer:?}");
    reader.complete(None);
    assert!(format!("{reader:?}").contains("completed: true"), "{reader:?}");
}

#[test]
fn s1_sequence_debug_shows_its_bounds_and_how_many_segments_it_spans() {
    let parts: [&[u8]; 3] = [b"ab", b"cde", b"f"];
    let sequence = Sequence::from_slices(&parts);
    let shown = format!("{sequence:?}");
    assert!(shown.contains("start: 0") && shown.contains("end: 6") && shown.contains("segments: 3"), "{shown}");
    let tail = sequence.slice_from(3).expect("3..");
    let shown = format!("{tail:?}");
    assert!(shown.contains("start: 3") && shown.contains("end: 6"), "{shown}");
}

#[test]
fn s1_a_slice_from_a_segment_boundary_counts_only_the_segments_holding_its_bytes() {
    // Offset 2 is the end of "ab" (and the empty segment after it); the
    // slice's bytes all lie in the third segment, so its `Debug` counts one.
    let parts: [&[u8]; 3] = [b"ab", b"", b"cd"];
    let sequence = Sequence::from_slices(&parts);
    for slice in [sequence.slice(2, 4).expect("2..4"), sequence.slice_from(2).expect("2..")] {
        let shown = format!("{slice:?}");
        assert!(shown.contains("start: 2") && shown.contains("end: 4") && shown.contains("segments: 1"), "{shown}");
        assert_eq!(slice.to_vec(), b"cd");
    }
}

#[test]
fn s2_a_position_zero_bytes_on_is_that_very_position() {
    // A reader names the segment holding its next byte: after "ab" that is
    // the start of "cd", not the end of "ab" (the two are equivalent, S2).
    let parts: [&[u8]; 2] = [b"ab", b"cd"];
    let sequence = Sequence::from_slices(&parts);
    let mut reader = SequenceReader::new(sequence);
    reader.advance(2).expect("two bytes remain");
    let start_of_second = reader.position();
    let same = sequence.get_position_from(start_of_second, 0).expect("zero bytes on");
    assert_eq!(same, start_of_second);
    assert_eq!(
        format!("{same:?}"),
        format!("{start_of_second:?}"),
        "the same segment and index, not only an equivalent position"
    );
}

/// The hash of a position, by a fixed hasher.
fn hash_of(position: &pipe_core::Position) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(position)
}

#[test]
fn s2_positions_hash_by_owner_and_offset_so_a_map_of_them_spreads() {
    let parts: [&[u8]; 2] = [b"abc", b"def"];
    let sequence = Sequence::from_slices(&parts);
    let hashes: HashSet<u64> = (0..=6).map(|i| hash_of(&sequence.get_position(i).expect("offset"))).collect();
    assert_eq!(hashes.len(), 7, "seven offsets, seven hashes: the offset is hashed");
    let other_parts: [&[u8]; 1] = [b"abcdef"];
    let other = Sequence::from_slices(&other_parts);
    assert_ne!(
        hash_of(&sequence.get_position(3).expect("3")),
        hash_of(&other.get_position(3).expect("3")),
        "the same offset in another sequence hashes apart: the owner is hashed"
    );
}

#[test]
fn s2_positions_at_the_same_offset_hash_alike_across_a_segment_boundary() {
    let parts: [&[u8]; 2] = [b"abc", b"def"];
    let sequence = Sequence::from_slices(&parts);
    let end_of_first = sequence.get_position(3).expect("3");
    let start_of_second = sequence.slice_from(3).expect("3..").start();
    assert_eq!(end_of_first, start_of_second);
    let mut set = HashSet::new();
    set.insert(end_of_first);
    assert!(!set.insert(start_of_second), "S2: equal positions hash alike");
    assert!(set.insert(sequence.get_position(4).expect("4")));
    let other_parts: [&[u8]; 1] = [b"abcdef"];
    let other = Sequence::from_slices(&other_parts);
    assert!(set.insert(other.get_position(3).expect("3")), "another sequence's position is another key");
}

#[test]
fn s3_sequences_compare_equal_to_bytes_whatever_their_segments() {
    let parts: [&[u8]; 4] = [b"he", b"", b"ll", b"o"];
    let sequence = Sequence::from_slices(&parts);
    let bytes: &[u8] = b"hello";
    assert!(sequence == *bytes && sequence == bytes && sequence == *b"hello" && sequence == b"hello");
    assert!(*bytes == sequence && bytes == sequence && *b"hello" == sequence && b"hello".to_vec() == sequence);
    assert!(sequence == b"hello".to_vec());
    assert!(sequence != *b"hellO" && sequence != *b"hell" && *b"help!" != sequence);
    // Sequence == Sequence compares bytes, not how they are split.
    let other_parts: [&[u8]; 2] = [b"h", b"ello"];
    assert_eq!(sequence, Sequence::from_slices(&other_parts));
    let different: [&[u8]; 2] = [b"h", b"allo"];
    assert_ne!(sequence, Sequence::from_slices(&different));
}

#[test]
fn s3_position_of_finds_a_byte_in_a_later_segment_and_reports_absence() {
    let parts: [&[u8]; 3] = [b"abc", b"", b"dxf"];
    let sequence = Sequence::from_slices(&parts);
    let x = sequence.position_of(b'x').expect("x is there");
    assert_eq!(x.offset(), 4);
    assert_eq!(sequence.slice_from_position(x).expect("x..").to_vec(), b"xf");
    assert!(sequence.position_of(b'z').is_none());
    assert!(sequence.slice(0, 3).expect("0..3").position_of(b'x').is_none(), "not beyond the slice's end");
}

#[test]
fn s4_a_reader_resumes_at_a_position_from_an_earlier_read_of_a_released_segment() {
    // Segments of 4 bytes: offset 8 from the first read names the end of
    // the second segment, which the consume below releases (M1).
    let (mut reader, mut writer) = small_pipe(0, 0, 4);
    write_now(&mut writer, &pattern(12));
    let first = read_now(&mut reader);
    let resume_at = first.at(8);
    reader.advance_to(first.at(8), first.at(8)).expect("consume 8");
    write_now(&mut writer, &pattern(4));
    let result = reader.try_read().expect("read").expect("bytes");
    let buffer = result.buffer();
    let mut scan = SequenceReader::new_at(buffer, resume_at).expect("the offset lies in this buffer");
    assert_eq!(scan.consumed(), 0, "offset 8 is this buffer's start");
    assert_eq!(scan.try_read(), Some(pattern(12)[8]));
    // And back to it with set_position (a rewind).
    scan.advance(3).expect("advance");
    scan.set_position(resume_at).expect("back to the start");
    assert_eq!(scan.consumed(), 0);
    assert_eq!(buffer.offset_of(resume_at).expect("offset"), 0);
}

#[test]
fn w5_std_writer_accepts_an_empty_write_and_into_inner_returns_the_writer() {
    let (mut reader, writer) = small_pipe(0, 0, 16);
    let mut std_writer = writer.into_std();
    assert_eq!(std_writer.write(b"").expect("empty write"), 0);
    std_writer.write_all(b"kept").expect("write");
    assert!(format!("{std_writer:?}").contains("StdWriter"), "{std_writer:?}");
    let mut writer = std_writer.into_inner();
    // W3: the adapter did not publish; the writer still holds the bytes.
    assert_eq!(writer.unflushed_bytes(), 4);
    assert!(try_snap(&mut reader).expect("read").is_none(), "nothing flushed yet");
    write_now(&mut writer, b"!");
    assert_eq!(read_now(&mut reader).bytes, b"kept!");
}

#[test]
fn r2_std_reader_borrowed_reads_and_hands_the_reader_back() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"line one\nrest");
    {
        let mut std_reader = reader.as_std();
        assert_eq!(std_reader.read(&mut []).expect("empty read"), 0, "an empty buffer reads nothing");
        assert!(!std_reader.get_ref().has_outstanding_read(), "and starts no read");
        let mut line = String::new();
        std_reader.read_line(&mut line).expect("line");
        assert_eq!(line, "line one\n");
        assert!(format!("{std_reader:?}").contains("StdReader"), "{std_reader:?}");
        // fill_buf leaves its read outstanding; get_mut shows it.
        assert_eq!(std_reader.fill_buf().expect("fill"), b"rest");
        assert!(std_reader.get_mut().has_outstanding_read());
        std_reader.consume(2);
        let inner = std_reader.into_inner();
        assert!(!inner.has_outstanding_read(), "consume ended the read");
    }
    writer.complete(None);
    let mut rest = Vec::new();
    reader.into_std().read_to_end(&mut rest).expect("rest");
    assert_eq!(rest, b"st");
}
