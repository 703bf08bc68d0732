//! Contract rules R1–R11 and R13: the reader half (R12, dropping a half, is
//! in `contract_concurrency.rs` with the other wake paths).
// Not built under `--cfg loom`: the pipe then runs on loom's types, which
// work only inside `loom::model` (see loom_flush_wakes_reader.rs).
#![cfg(not(loom))]

mod common;

use std::task::Poll;

use common::*;
use pipe_core::{PipeError, PipeReader, PipeStats, PipeWriter, Position, Sequence};

/// After a rejected call: the shared counters did not move, the read is
/// still outstanding, and handing it back with `examined` lets the next read
/// see the same bytes again (R6: "leaves the pipe unchanged").
fn still_usable(reader: &mut PipeReader, before: PipeStats, snap: &Snap, examined: Position) {
    assert_eq!(reader.stats(), before, "a rejected call changed the pipe");
    assert!(reader.has_outstanding_read(), "a rejected call ended the read");
    reader.advance_to(snap.start, examined).expect("a valid advance still works");
    let again = read_now(reader);
    assert_eq!(again.bytes, snap.bytes, "the next read sees the same data");
    assert_eq!(again.start, snap.start);
}

/// The R6 setup: `abcdef` flushed across 4-byte segments and read once; the
/// read is outstanding and the writer is returned so the pipe stays open.
fn abcdef_read() -> (PipeReader, PipeWriter, Snap) {
    outstanding_read(4, b"abcdef")
}

/// A pipe without back pressure and `segment`-byte segments, `bytes`
/// flushed and one read outstanding; the writer stays alive.
fn outstanding_read(segment: usize, bytes: &[u8]) -> (PipeReader, PipeWriter, Snap) {
    let (mut reader, mut writer) = small_pipe(0, 0, segment);
    write_now(&mut writer, bytes);
    let snap = read_now(&mut reader);
    (reader, writer, snap)
}

// ------------------------------------------------------------------ R1

#[test]
fn r1_read_waits_while_nothing_is_flushed() {
    let (mut reader, _writer) = small_pipe(0, 0, 16);
    let waker = CountingWaker::new();
    let read = waker.waiting(reader.read());
    drop(read);
    assert!(try_snap(&mut reader).expect("try_read").is_none());
    assert!(!reader.has_outstanding_read());
}

#[test]
fn r1_empty_flush_does_not_resolve_a_read() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    let waker = CountingWaker::new();
    assert!(poll_read_snap(&mut reader, &waker).is_pending());
    writer.get_memory(1).expect("memory");
    writer.advance(0).expect("advance(0)");
    write_now(&mut writer, &[]);
    assert_eq!(waker.wakes(), 0, "no bytes, no wake");
    assert!(poll_read_snap(&mut reader, &waker).is_pending(), "never an empty, plain result");
}

#[test]
fn r1_read_resolves_empty_only_when_completed_or_canceled() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    reader.cancel_pending_read();
    let snap = read_now(&mut reader);
    assert!(snap.bytes.is_empty() && snap.canceled && !snap.completed);
    reader.advance(snap.end).expect("advance");
    writer.complete(None);
    let snap = read_now(&mut reader);
    assert!(snap.bytes.is_empty() && snap.completed && !snap.canceled);
}

// ------------------------------------------------------------------ R2

#[test]
fn r2_buffer_is_every_buffered_byte_from_last_consumed() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"abc");
    let snap = read_now(&mut reader);
    reader.advance_to(snap.at(1), snap.end).expect("advance");
    write_now(&mut writer, b"de");
    let snap = read_now(&mut reader);
    assert_eq!(snap.bytes, b"bcde");
    assert_eq!(snap.start.offset(), 1);
    assert_eq!(snap.end.offset(), 5);
}

#[test]
fn r2_multi_segment_read_views_the_segments_in_place() {
    let (mut reader, mut writer) = small_pipe(0, 0, 4);
    let mut addresses = Vec::new();
    for part in [b"abcd", b"efgh", b"ijkl"] {
        let memory = writer.get_memory(4).expect("memory");
        addresses.push(memory.as_ptr() as usize);
        memory[..4].copy_from_slice(part);
        writer.advance(4).expect("advance");
    }
    write_now(&mut writer, &[]);
    let result = reader.try_read().expect("read").expect("ready");
    let buffer = result.buffer();
    assert_eq!(buffer.len(), 12);
    assert_eq!(buffer.to_vec(), b"abcdefghijkl");
    let chunks: Vec<&[u8]> = buffer.chunks().collect();
    assert_eq!(chunks, [&b"abcd"[..], b"efgh", b"ijkl"]);
    let seen: Vec<usize> = chunks.iter().map(|c| c.as_ptr() as usize).collect();
    assert_eq!(seen, addresses, "zero-copy: the chunks are the segments the writer filled");
}

#[test]
fn r2_hello_world_split_across_two_segments() {
    let (mut reader, mut writer) = small_pipe(0, 0, 5);
    for word in [b"Hello", b"World"] {
        let memory = writer.get_memory(5).expect("memory");
        assert_eq!(memory.len(), 5);
        memory.copy_from_slice(word);
        writer.advance(5).expect("advance");
    }
    write_now(&mut writer, &[]);
    let result = reader.try_read().expect("read").expect("ready");
    let buffer = result.buffer();
    assert_eq!(buffer.chunks().collect::<Vec<_>>(), [&b"Hello"[..], b"World"]);
    assert_eq!(buffer.to_vec(), b"HelloWorld");
    assert_eq!(buffer.first(), b"Hello");
    assert_eq!(buffer.slice(3, 7).expect("slice").to_vec(), b"loWo");
    let w = buffer.position_of(b'W').expect("W");
    assert_eq!(buffer.offset_of(w).expect("offset"), 5);
    assert_eq!(buffer.get_position(5).expect("position"), w, "S2: end of Hello == start of World");
    let mut out = [0u8; 10];
    buffer.copy_to(&mut out).expect("copy");
    assert_eq!(&out, b"HelloWorld");
}

#[test]
fn r2_hello_world_flushed_in_two_parts_reads_as_one_buffer() {
    let (mut reader, mut writer) = small_pipe(0, 0, 5);
    write_now(&mut writer, b"Hello");
    let snap = read_now(&mut reader);
    reader.advance_to(snap.start, snap.end).expect("examined all, consumed nothing");
    write_now(&mut writer, b"World");
    let snap = read_now(&mut reader);
    assert_eq!(snap.bytes, b"HelloWorld");
    assert_eq!(snap.chunks, [&b"Hello"[..], b"World"]);
}

// ------------------------------------------------------------------ R3

#[test]
fn r3_advance_to_releases_segments_wholly_before_consumed() {
    let (mut reader, mut writer, counts) = counted_pipe(0, 0, 4);
    write_now(&mut writer, &pattern(12));
    assert_eq!(counts.held(), 3);
    let snap = read_now(&mut reader);
    reader.advance_to(snap.at(7), snap.end).expect("advance");
    assert_eq!(counts.returns(), 1, "only the first segment lies wholly before offset 7");
    assert_eq!(reader.stats().segments_rented, 2);
    let snap = read_now_after_flush(&mut reader, &mut writer);
    reader.advance_to(snap.at(1), snap.end).expect("consume to offset 8");
    assert_eq!(counts.returns(), 2, "segment 4..8 is now wholly consumed");
    assert_eq!(reader.stats().consumed, 8);
}

fn read_now_after_flush(reader: &mut PipeReader, writer: &mut pipe_core::PipeWriter) -> Snap {
    write_now(writer, &[]);
    // Examined is at the end; `read_at_least(1)` sees the buffered bytes anyway.
    let waker = CountingWaker::new();
    match poll_read_at_least_snap(reader, &waker, 1) {
        Poll::Ready(result) => result.expect("read"),
        Poll::Pending => panic!("bytes are buffered"),
    }
}

#[test]
fn r3_advance_is_advance_to_with_examined_at_consumed() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"abcdef");
    let snap = read_now(&mut reader);
    reader.advance(snap.at(2)).expect("advance");
    let stats = reader.stats();
    assert_eq!((stats.consumed, stats.examined), (2, 2));
    let snap = read_now(&mut reader);
    assert_eq!(snap.bytes, b"cdef", "examined stops short of the end: resolves at once");
}

// ------------------------------------------------------------------ R4

#[test]
fn r4_examined_at_end_waits_for_next_flush() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"abc");
    let snap = read_now(&mut reader);
    reader.advance_to(snap.start, snap.end).expect("advance");
    assert!(try_snap(&mut reader).expect("try_read").is_none(), "3 bytes buffered, none unexamined");
    let waker = CountingWaker::new();
    let mut read = waker.waiting(reader.read());
    write_now(&mut writer, b"d");
    assert_eq!(waker.wakes(), 1);
    let Poll::Ready(Ok(result)) = waker.poll(&mut read) else { panic!("new bytes resolve the read") };
    assert_eq!(result.buffer().to_vec(), b"abcd");
}

#[test]
fn r4_examined_before_end_resolves_at_once() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"abc");
    let snap = read_now(&mut reader);
    reader.advance_to(snap.start, snap.at(2)).expect("advance");
    assert_eq!(read_now(&mut reader).bytes, b"abc");
}

#[test]
fn r4_examined_at_end_resolves_once_writer_completed() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"abc");
    let snap = read_now(&mut reader);
    reader.advance_to(snap.start, snap.end).expect("advance");
    writer.complete(None);
    let snap = read_now(&mut reader);
    assert!(snap.completed);
    assert_eq!(snap.bytes, b"abc");
}

// ------------------------------------------------------------------ R5

#[test]
fn r5_examining_without_consuming_resumes_paused_writer() {
    let (mut reader, mut writer) = small_pipe(10, 5, 16);
    let waker = CountingWaker::new();
    let mut flush = waker.waiting(writer.write(&pattern(10)));
    let snap = read_now(&mut reader);
    reader.advance_to(snap.start, snap.end).expect("examine all, consume nothing");
    assert_eq!(reader.stats().buffered(), 10);
    assert_eq!(waker.wakes(), 1, "0 unexamined < resume: the writer must not deadlock");
    assert!(matches!(waker.poll(&mut flush), Poll::Ready(Ok(_))));
}

// ------------------------------------------------------------------ R6

#[test]
fn r6_examined_before_consumed_is_rejected_and_changes_nothing() {
    let (mut reader, _writer, snap) = abcdef_read();
    let before = reader.stats();
    assert_err!(
        reader.advance_to(snap.at(3), snap.at(1)),
        PipeError::ExaminedBeforeConsumed { consumed: 3, examined: 1 }
    );
    still_usable(&mut reader, before, &snap, snap.start);
}

#[test]
fn r6_released_position_is_rejected_and_changes_nothing() {
    let (mut reader, _writer, old) = abcdef_read();
    reader.advance_to(old.at(3), old.at(3)).expect("advance");
    let snap = read_now(&mut reader);
    assert_eq!(snap.bytes, b"def");
    let before = reader.stats();
    assert_err!(reader.advance_to(old.at(1), snap.end), PipeError::PositionReleased { offset: 1, start: 3 });
    assert_err!(reader.advance_to(snap.start, old.at(2)), PipeError::PositionReleased { offset: 2, start: 3 });
    assert_err!(reader.advance(old.start), PipeError::PositionReleased { offset: 0, start: 3 });
    still_usable(&mut reader, before, &snap, snap.start);
}

#[test]
fn r6_foreign_position_is_rejected_and_changes_nothing() {
    let (mut reader, _writer, snap) = abcdef_read();
    let (_other_reader, _other_writer, other) = abcdef_read();
    let before = reader.stats();
    // Same offsets, another pipe.
    assert_err!(reader.advance_to(other.at(1), other.at(2)), PipeError::ForeignPosition);
    assert_err!(reader.advance_to(snap.start, other.at(2)), PipeError::ForeignPosition);
    assert_err!(reader.advance(other.start), PipeError::ForeignPosition);
    let parts: [&[u8]; 1] = [b"abcdef"];
    let sequence = Sequence::from_slices(&parts);
    assert_err!(reader.advance(sequence.get_position(2).expect("position")), PipeError::ForeignPosition);
    still_usable(&mut reader, before, &snap, snap.start);
}

#[test]
fn r6_examined_moving_back_is_rejected_and_changes_nothing() {
    let (mut reader, _writer, snap) = abcdef_read();
    reader.advance_to(snap.start, snap.at(4)).expect("advance");
    let snap = read_now(&mut reader);
    let before = reader.stats();
    assert_err!(reader.advance_to(snap.start, snap.at(2)), PipeError::ExaminedMovedBack { examined: 2, previous: 4 });
    still_usable(&mut reader, before, &snap, snap.at(4));
}

#[test]
fn r6_advance_without_outstanding_read_is_rejected_and_changes_nothing() {
    let (mut reader, _writer, snap) = abcdef_read();
    reader.advance_to(snap.start, snap.start).expect("advance");
    let before = reader.stats();
    assert_err!(reader.advance_to(snap.start, snap.end), PipeError::NoOutstandingRead);
    assert_err!(reader.advance(snap.at(2)), PipeError::NoOutstandingRead);
    assert_eq!(reader.stats(), before);
    let again = read_now(&mut reader);
    assert_eq!(again.bytes, b"abcdef");
}

#[test]
fn r6_second_read_while_one_is_outstanding_is_rejected_and_changes_nothing() {
    let (mut reader, _writer, snap) = abcdef_read();
    let before = reader.stats();
    let waker = CountingWaker::new();
    assert_err!(reader.try_read().map(|_| ()), PipeError::ReadAlreadyOutstanding);
    assert!(matches!(waker.poll(&mut reader.read()), Poll::Ready(Err(PipeError::ReadAlreadyOutstanding))));
    assert!(matches!(waker.poll(&mut reader.read_at_least(3)), Poll::Ready(Err(PipeError::ReadAlreadyOutstanding))));
    assert!(matches!(reader.poll_read(&mut waker.cx()), Poll::Ready(Err(PipeError::ReadAlreadyOutstanding))));
    assert!(matches!(
        reader.poll_read_at_least(&mut waker.cx(), 0),
        Poll::Ready(Err(PipeError::ReadAlreadyOutstanding))
    ));
    still_usable(&mut reader, before, &snap, snap.start);
}

#[test]
fn r6_reads_and_advances_after_reader_completed_are_rejected() {
    let (mut reader, mut writer, snap) = abcdef_read();
    reader.complete(None);
    let before = reader.stats();
    let waker = CountingWaker::new();
    assert_err!(reader.try_read().map(|_| ()), PipeError::ReaderCompleted);
    assert!(matches!(waker.poll(&mut reader.read()), Poll::Ready(Err(PipeError::ReaderCompleted))));
    assert!(matches!(waker.poll(&mut reader.read_at_least(1)), Poll::Ready(Err(PipeError::ReaderCompleted))));
    assert!(matches!(reader.poll_read(&mut waker.cx()), Poll::Ready(Err(PipeError::ReaderCompleted))));
    assert_err!(reader.advance_to(snap.start, snap.end), PipeError::ReaderCompleted);
    assert_err!(reader.advance(snap.start), PipeError::ReaderCompleted);
    assert_eq!(reader.stats(), before);
    // The writer side goes on (W9).
    assert!(write_now(&mut writer, b"x").is_completed());
}

// Not tested: a position "beyond the end of the buffer" (R6). Positions only
// come from read buffers, whose ends never move back, so no public call can
// produce one for this pipe.

// ------------------------------------------------------------------ R7

#[test]
fn r7_try_read_is_none_where_read_would_wait_and_some_is_outstanding() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    assert!(try_snap(&mut reader).expect("try_read").is_none());
    assert!(!reader.has_outstanding_read());
    let parts: [&[u8]; 0] = [];
    assert_err!(reader.advance(Sequence::from_slices(&parts).start()), PipeError::NoOutstandingRead);
    write_now(&mut writer, b"xy");
    let snap = read_now(&mut reader);
    assert!(reader.has_outstanding_read(), "Some makes the read outstanding");
    assert_err!(reader.try_read().map(|_| ()), PipeError::ReadAlreadyOutstanding);
    reader.advance_to(snap.start, snap.end).expect("advance");
    assert!(try_snap(&mut reader).expect("try_read").is_none(), "examined at end: read would wait");
}

// ------------------------------------------------------------------ R8

#[test]
fn r8_read_at_least_waits_for_n_buffered_bytes() {
    let (mut reader, mut writer) = small_pipe(0, 0, 4);
    let waker = CountingWaker::new();
    write_now(&mut writer, b"abc");
    assert!(poll_read_at_least_snap(&mut reader, &waker, 5).is_pending());
    write_now(&mut writer, b"d");
    assert_eq!(waker.wakes(), 0, "4 < 5: no wake");
    assert!(poll_read_at_least_snap(&mut reader, &waker, 5).is_pending());
    write_now(&mut writer, b"e");
    assert_eq!(waker.wakes(), 1);
    let Poll::Ready(Ok(snap)) = poll_read_at_least_snap(&mut reader, &waker, 5) else { panic!("5 buffered") };
    assert_eq!(snap.bytes, b"abcde");
    assert!(!snap.completed && !snap.canceled);
}

#[test]
fn r8_read_at_least_counts_examined_bytes_too() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"abcde");
    let snap = read_now(&mut reader);
    reader.advance_to(snap.start, snap.end).expect("advance");
    let waker = CountingWaker::new();
    assert!(poll_read_at_least_snap(&mut reader, &waker, 6).is_pending());
    let Poll::Ready(Ok(snap)) = poll_read_at_least_snap(&mut reader, &waker, 5) else {
        panic!("5 buffered (all examined) satisfy read_at_least(5)")
    };
    assert_eq!(snap.bytes, b"abcde");
}

#[test]
fn r8_read_at_least_resolves_with_fewer_on_completion_or_cancel() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"abc");
    let waker = CountingWaker::new();
    assert!(poll_read_at_least_snap(&mut reader, &waker, 10).is_pending());
    reader.cancel_pending_read();
    assert_eq!(waker.wakes(), 1);
    let Poll::Ready(Ok(snap)) = poll_read_at_least_snap(&mut reader, &waker, 10) else { panic!("canceled") };
    assert!(snap.canceled && snap.bytes == b"abc");
    reader.advance_to(snap.start, snap.start).expect("advance");
    assert!(poll_read_at_least_snap(&mut reader, &waker, 10).is_pending());
    writer.complete(None);
    assert_eq!(waker.wakes(), 2);
    let Poll::Ready(Ok(snap)) = poll_read_at_least_snap(&mut reader, &waker, 10) else { panic!("completed") };
    assert!(snap.completed && snap.bytes == b"abc");
}

#[test]
fn r8_read_at_least_beyond_pause_resumes_paused_writer() {
    let (mut reader, mut writer) = small_pipe(10, 5, 64);
    let writer_waker = CountingWaker::new();
    let mut flush = writer_waker.waiting(writer.write(&pattern(10)));
    let reader_waker = CountingWaker::new();
    assert!(poll_read_at_least_snap(&mut reader, &reader_waker, 20).is_pending());
    assert_eq!(writer_waker.wakes(), 1, "the writer is resumed rather than deadlocking");
    assert!(matches!(writer_waker.poll(&mut flush), Poll::Ready(Ok(_))));
    write_now(&mut writer, &pattern(10));
    assert_eq!(reader_waker.wakes(), 1);
    let Poll::Ready(Ok(snap)) = poll_read_at_least_snap(&mut reader, &reader_waker, 20) else { panic!("20") };
    assert_eq!(snap.bytes.len(), 20);
}

#[test]
fn r8_flush_crossing_pause_while_read_at_least_waits_does_not_pause() {
    let (mut reader, mut writer) = small_pipe(10, 5, 64);
    let reader_waker = CountingWaker::new();
    assert!(poll_read_at_least_snap(&mut reader, &reader_waker, 20).is_pending());
    write_now(&mut writer, &pattern(15)); // would pause, but the reader needs 20
    assert_eq!(reader_waker.wakes(), 0);
    write_now(&mut writer, &pattern(5));
    assert_eq!(reader_waker.wakes(), 1);
    assert!(
        matches!(poll_read_at_least_snap(&mut reader, &reader_waker, 20), Poll::Ready(Ok(s)) if s.bytes.len() == 20)
    );
}

#[test]
fn r8_read_at_least_zero_behaves_as_read() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"abc");
    let snap = read_now(&mut reader);
    reader.advance_to(snap.start, snap.end).expect("advance");
    let waker = CountingWaker::new();
    assert!(poll_read_at_least_snap(&mut reader, &waker, 0).is_pending(), "examined at end waits like read (R4)");
    write_now(&mut writer, b"d");
    assert_eq!(waker.wakes(), 1);
    assert!(matches!(poll_read_at_least_snap(&mut reader, &waker, 0), Poll::Ready(Ok(s)) if s.bytes == b"abcd"));
}

// ------------------------------------------------------------------ R9

#[test]
fn r9_cancel_resolves_pending_read_with_current_buffer() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"ab");
    let snap = read_now(&mut reader);
    reader.advance_to(snap.start, snap.end).expect("advance");
    let handle = reader.cancel_handle();
    let waker = CountingWaker::new();
    let mut read = waker.waiting(reader.read());
    handle.cancel_pending_read();
    assert_eq!(waker.wakes(), 1);
    let Poll::Ready(Ok(result)) = waker.poll(&mut read) else { panic!("canceled read resolves") };
    assert!(result.is_canceled() && !result.is_completed());
    assert_eq!(result.buffer().to_vec(), b"ab");
}

#[test]
fn r9_cancel_with_no_read_pending_cancels_next_try_read_once() {
    let (mut reader, _writer) = small_pipe(0, 0, 16);
    reader.cancel_pending_read();
    let snap = read_now(&mut reader);
    assert!(snap.canceled && snap.bytes.is_empty());
    reader.advance(snap.end).expect("advance");
    assert!(try_snap(&mut reader).expect("try_read").is_none(), "cleared once observed");
}

#[test]
fn r9_cancel_and_writer_completion_carry_both_flags() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"z");
    writer.complete(None);
    reader.cancel_pending_read();
    let snap = read_now(&mut reader);
    assert!(snap.canceled && snap.completed);
    assert_eq!(snap.bytes, b"z");
}

// ------------------------------------------------------------------ R10

#[test]
fn r10_clean_completion_returns_the_rest_then_empty_completed_forever() {
    let (mut reader, mut writer) = small_pipe(0, 0, 4);
    write_now(&mut writer, b"abcdef");
    writer.complete(None);
    let snap = read_now(&mut reader);
    assert!(snap.completed);
    assert_eq!(snap.bytes, b"abcdef");
    reader.advance(snap.at(4)).expect("advance");
    let snap = read_now(&mut reader);
    assert!(snap.completed);
    assert_eq!(snap.bytes, b"ef");
    reader.advance(snap.end).expect("advance");
    for _ in 0..3 {
        let snap = read_now(&mut reader);
        assert!(snap.completed && !snap.canceled && snap.bytes.is_empty());
        reader.advance(snap.end).expect("advance");
    }
}

// ------------------------------------------------------------------ R11

#[test]
fn r11_writer_error_arrives_on_next_and_every_later_read() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"unread");
    writer.complete(boom(7));
    let waker = CountingWaker::new();
    for _ in 0..3 {
        match reader.try_read() {
            Err(PipeError::WriterFailed(e)) => assert_eq!(boom_of(&e), Some(7)),
            other => panic!("expected WriterFailed, got {:?}", other.map(|r| r.map(|r| r.buffer().to_vec()))),
        }
        assert!(
            matches!(waker.poll(&mut reader.read()), Poll::Ready(Err(PipeError::WriterFailed(ref e))) if boom_of(e) == Some(7))
        );
        assert!(matches!(
            waker.poll(&mut reader.read_at_least(100)),
            Poll::Ready(Err(PipeError::WriterFailed(ref e))) if boom_of(e) == Some(7)
        ));
    }
}

#[test]
fn r11_writer_error_wakes_and_fails_a_waiting_read() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    let waker = CountingWaker::new();
    assert!(poll_read_snap(&mut reader, &waker).is_pending());
    writer.complete(boom(3));
    assert_eq!(waker.wakes(), 1);
    assert!(
        matches!(poll_read_snap(&mut reader, &waker), Poll::Ready(Err(PipeError::WriterFailed(ref e))) if boom_of(e) == Some(3))
    );
    let error = try_snap(&mut reader).expect_err("still failed");
    assert!(error.to_string().contains("boom 3"), "{error}");
    assert!(std::error::Error::source(&error).is_some(), "the original is the source");
}

#[test]
fn r11_reader_error_arrives_on_pending_and_every_later_flush() {
    let (mut reader, mut writer) = small_pipe(4, 2, 16);
    let waker = CountingWaker::new();
    let mut flush = waker.waiting(writer.write(b"1234"));
    reader.complete(boom(9));
    assert_eq!(waker.wakes(), 1);
    assert!(
        matches!(waker.poll(&mut flush), Poll::Ready(Err(PipeError::ReaderFailed(ref e))) if boom_of(e) == Some(9))
    );
    drop(flush);
    for _ in 0..3 {
        let memory = writer.get_memory(2).expect("get_memory keeps working");
        memory[..2].copy_from_slice(b"ok");
        writer.advance(2).expect("advance keeps working");
        assert!(
            matches!(poll_once(&mut writer.flush()), Poll::Ready(Err(PipeError::ReaderFailed(ref e))) if boom_of(e) == Some(9))
        );
        assert!(matches!(poll_once(&mut writer.write(b"x")), Poll::Ready(Err(PipeError::ReaderFailed(_)))));
    }
}

// ------------------------------------------------------------------ R13

#[test]
fn r13_read_reader_completed_comes_before_writer_failed() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    writer.complete(boom(1));
    reader.complete(None);
    assert_err!(reader.try_read().map(|_| ()), PipeError::ReaderCompleted);
}

#[test]
fn r13_read_already_outstanding_comes_before_writer_failed() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"a");
    let snap = read_now(&mut reader);
    writer.complete(boom(1));
    assert_err!(reader.try_read().map(|_| ()), PipeError::ReadAlreadyOutstanding);
    reader.advance(snap.end).expect("advance");
    assert_err!(reader.try_read().map(|_| ()), PipeError::WriterFailed(_));
}

#[test]
fn r13_advance_reader_completed_comes_first() {
    let (mut reader, _writer, snap) = outstanding_read(16, b"abc");
    let (_other, _other_writer, foreign) = outstanding_read(16, b"abc");
    reader.complete(None);
    assert_err!(reader.advance_to(foreign.start, foreign.end), PipeError::ReaderCompleted);
    assert_err!(reader.advance_to(snap.end, snap.start), PipeError::ReaderCompleted);
}

#[test]
fn r13_advance_no_outstanding_read_comes_before_position_checks() {
    let (mut reader, _writer, snap) = outstanding_read(16, b"abc");
    let (_other, _other_writer, foreign) = outstanding_read(16, b"abc");
    reader.advance(snap.at(2)).expect("advance");
    // Foreign, released, and examined before consumed: but no read outstanding.
    assert_err!(reader.advance_to(foreign.at(1), foreign.start), PipeError::NoOutstandingRead);
    assert_err!(reader.advance_to(snap.at(1), snap.start), PipeError::NoOutstandingRead);
}

#[test]
fn r13_advance_position_validity_comes_before_relations() {
    let (mut reader, _writer, old) = outstanding_read(16, b"abcdef");
    let (_other, _other_writer, foreign) = outstanding_read(16, b"abcdef");
    reader.advance_to(old.at(2), old.at(4)).expect("advance");
    let snap = read_now(&mut reader);
    // Released examined (1) is also before consumed (5) and before the previous examined (4).
    assert_err!(reader.advance_to(snap.at(3), old.at(1)), PipeError::PositionReleased { offset: 1, start: 2 });
    // Foreign examined: its offset (0) would also be before consumed and previous.
    assert_err!(reader.advance_to(snap.at(3), foreign.start), PipeError::ForeignPosition);
    // R13 read literally: the classes are ordered (released, foreign, beyond)
    // across both positions, so a released `examined` wins over a foreign
    // `consumed`.
    assert_err!(reader.advance_to(foreign.at(3), old.at(1)), PipeError::PositionReleased { offset: 1, start: 2 });
    assert!(reader.has_outstanding_read());
}

#[test]
fn r13_examined_before_consumed_comes_before_examined_moved_back() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"abcdef");
    let snap = read_now(&mut reader);
    reader.advance_to(snap.start, snap.at(4)).expect("advance");
    let snap = read_now(&mut reader);
    assert_err!(
        reader.advance_to(snap.at(5), snap.at(3)),
        PipeError::ExaminedBeforeConsumed { consumed: 5, examined: 3 }
    );
    assert_err!(reader.advance_to(snap.at(2), snap.at(3)), PipeError::ExaminedMovedBack { examined: 3, previous: 4 });
}

#[test]
fn r6_a_position_from_an_earlier_read_finds_its_byte_after_segments_were_released() {
    // Four-byte segments: the position lies in the eighth segment of the
    // first read; consuming three segments moves the later read's first
    // segment, and the position must still name the same byte (S2).
    let (mut reader, mut writer) = small_pipe(0, 0, 4);
    let bytes = pattern(60);
    write_now(&mut writer, &bytes);
    let first = read_now(&mut reader);
    let kept = first.at(30);
    reader.advance_to(first.at(12), first.end).expect("consume three segments, examine everything");
    write_now(&mut writer, b"!");
    let result = reader.try_read().expect("read").expect("new bytes are there");
    let buffer = result.buffer();
    assert_eq!(buffer.start().offset(), 12);
    let tail = buffer.slice_from_position(kept).expect("the position is still in the buffer");
    let mut expected = bytes[30..].to_vec();
    expected.push(b'!');
    assert_eq!(tail.to_vec(), expected, "the kept position names byte 30");
    let head = buffer.slice_positions(buffer.start(), kept).expect("start..kept");
    assert_eq!(head.to_vec(), bytes[12..30].to_vec());
}
