//! Contract rules W1–W9: the writer half.
// Not built under `--cfg loom`: the pipe then runs on loom's types, which
// work only inside `loom::model` (see loom_flush_wakes_reader.rs).
#![cfg(not(loom))]

mod common;

use std::task::Poll;

use common::*;
use pipe_core::{CompletionError, PipeError};

// ------------------------------------------------------------------ W1

#[test]
fn w1_get_memory_gives_at_least_max_hint_1_bytes() {
    let (_reader, mut writer) = small_pipe(0, 0, 16);
    assert!(!writer.get_memory(0).expect("hint 0").is_empty());
    for hint in [1, 7, 16] {
        assert!(writer.get_memory(hint).expect("memory").len() >= hint);
    }
}

#[test]
fn w1_hint_above_segment_size_gets_a_larger_segment() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    let memory = writer.get_memory(10_000).expect("a big hint is never an error");
    assert!(memory.len() >= 10_000, "{}", memory.len());
    memory[..10_000].copy_from_slice(&pattern(10_000));
    writer.advance(10_000).expect("advance");
    write_now(&mut writer, &[]);
    let snap = read_now(&mut reader);
    assert_eq!(snap.chunks.len(), 1, "one contiguous segment");
    assert_eq!(snap.bytes, pattern(10_000));
}

#[test]
fn w1_second_get_memory_without_advance_starts_at_same_place() {
    let (_reader, mut writer) = small_pipe(0, 0, 16);
    let first = writer.get_memory(4).expect("memory").as_ptr();
    let second = writer.get_memory(16).expect("memory").as_ptr();
    assert_eq!(first, second, "the rest of the segment (16) satisfies the second hint");
    writer.advance(3).expect("advance");
    let after_advance = writer.get_memory(1).expect("memory");
    assert_eq!(after_advance.as_ptr(), first.wrapping_add(3));
    assert_eq!(after_advance.len(), 13);
    // 13 left cannot satisfy 14: new memory elsewhere, still big enough.
    let elsewhere = writer.get_memory(14).expect("memory");
    assert!(elsewhere.len() >= 14);
    assert_ne!(elsewhere.as_ptr(), first.wrapping_add(3));
}

// ------------------------------------------------------------------ W2

#[test]
fn w2_advance_beyond_memory_is_an_error_and_commits_nothing() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    let len = writer.get_memory(1).expect("memory").len();
    assert_eq!(len, 16);
    assert_err!(
        writer.advance(len + 1),
        PipeError::AdvanceBeyondMemory { requested, available } if requested == len + 1 && available == len
    );
    assert_eq!(writer.unflushed_bytes(), 0, "nothing committed");
    write_now(&mut writer, &[]);
    assert!(try_snap(&mut reader).expect("read").is_none(), "nothing became readable");
    assert_eq!(writer.stats().flushed_end, 0);
}

#[test]
fn w2_advance_counts_against_the_memory_left() {
    let (_reader, mut writer) = small_pipe(0, 0, 16);
    writer.get_memory(1).expect("memory");
    writer.advance(10).expect("advance 10 of 16");
    assert_err!(writer.advance(7), PipeError::AdvanceBeyondMemory { requested: 7, available: 6 });
    assert_eq!(writer.unflushed_bytes(), 10);
    writer.advance(6).expect("the remaining 6");
    assert_err!(writer.advance(1), PipeError::AdvanceBeyondMemory { requested: 1, available: 0 });
    assert_eq!(writer.unflushed_bytes(), 16);
}

#[test]
fn w2_advance_without_memory_fails_but_zero_is_allowed() {
    let (_reader, mut writer) = small_pipe(0, 0, 16);
    writer.advance(0).expect("advance(0) before get_memory");
    assert_err!(writer.advance(1), PipeError::AdvanceBeyondMemory { requested: 1, available: 0 });
    writer.get_memory(1).expect("memory");
    writer.advance(0).expect("advance(0)");
    assert_eq!(writer.unflushed_bytes(), 0);
}

// ------------------------------------------------------------------ W3

#[test]
fn w3_advanced_bytes_are_invisible_until_flush() {
    let (mut reader, mut writer) = small_pipe(0, 0, 4);
    advance_bytes(&mut writer, b"0123456789");
    assert_eq!(writer.unflushed_bytes(), 10, "counted across three segments");
    assert!(try_snap(&mut reader).expect("read").is_none(), "unflushed bytes are not readable");
    assert_eq!(writer.stats().flushed_end, 0);
    write_now(&mut writer, &[]);
    assert_eq!(writer.unflushed_bytes(), 0);
    assert_eq!(read_now(&mut reader).bytes, b"0123456789");
}

// ------------------------------------------------------------------ W4

#[test]
fn w4_flush_publishes_and_wakes_waiting_reader() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    let waker = CountingWaker::new();
    assert!(poll_read_snap(&mut reader, &waker).is_pending());
    advance_bytes(&mut writer, b"abc");
    assert_eq!(waker.wakes(), 0, "advance alone does not wake (W3)");
    let result = write_now(&mut writer, &[]);
    assert!(!result.is_completed() && !result.is_canceled());
    assert_eq!(waker.wakes(), 1, "the flush wakes the reader");
    let Poll::Ready(Ok(snap)) = poll_read_snap(&mut reader, &waker) else { panic!("read after flush") };
    assert_eq!(snap.bytes, b"abc");
}

#[test]
fn w4_flush_waits_while_back_pressure_holds() {
    let (mut reader, mut writer) = small_pipe(8, 4, 16);
    let waker = CountingWaker::new();
    let mut flush = waker.waiting(writer.write(b"12345678"));
    assert!(waker.poll(&mut flush).is_pending(), "still paused on a second poll");
    let snap = read_now(&mut reader);
    reader.advance(snap.end).expect("advance");
    assert_eq!(waker.wakes(), 1);
    assert!(matches!(waker.poll(&mut flush), Poll::Ready(Ok(r)) if !r.is_completed() && !r.is_canceled()));
}

// ------------------------------------------------------------------ W5

#[test]
fn w5_write_copies_across_segments_and_flushes() {
    let (mut reader, mut writer) = small_pipe(0, 0, 4);
    let result = write_now(&mut writer, b"Hello, World");
    assert!(!result.is_completed());
    assert_eq!(writer.unflushed_bytes(), 0);
    let snap = read_now(&mut reader);
    assert_eq!(snap.bytes, b"Hello, World");
    assert_eq!(snap.chunks, [&b"Hell"[..], b"o, W", b"orld"]);
}

// ------------------------------------------------------------------ W6

#[test]
fn w6_flush_reaching_pause_threshold_pauses_writer() {
    let (_reader, mut writer) = small_pipe(10, 5, 16);
    write_now(&mut writer, &pattern(9));
    assert!(!writer.stats().writer_paused, "9 < 10");
    assert!(poll_once(&mut writer.write(&[9])).is_pending(), "exactly 10 pauses");
    assert!(writer.stats().writer_paused);
}

#[test]
fn w6_one_flush_jumping_past_pause_pauses_writer() {
    let (_reader, mut writer) = small_pipe(10, 5, 16);
    assert!(poll_once(&mut writer.write(&pattern(35))).is_pending());
}

#[test]
fn w6_flush_of_64k_pauses_at_defaults() {
    let (_reader, mut writer) = pipe_core::pipe(Default::default()).expect("defaults");
    assert!(poll_once(&mut writer.write(&pattern(65_536))).is_pending());
    assert!(writer.stats().writer_paused);
}

#[test]
fn w6_resume_edge_at_defaults_is_below_32k_not_at_it() {
    let (mut reader, mut writer) = pipe_core::pipe(Default::default()).expect("defaults");
    write_now(&mut writer, &pattern(65_535));
    let waker = CountingWaker::new();
    let mut flush = writer.write(&[1]);
    assert!(waker.poll(&mut flush).is_pending(), "65,536 unexamined");

    let snap = read_now(&mut reader);
    // Examine 32,768: exactly 32,768 stay unexamined, not below the resume threshold.
    reader.advance_to(snap.start, snap.at(32_768)).expect("advance");
    assert_eq!(reader.stats().unexamined(), 32_768);
    assert_eq!(waker.wakes(), 0, "one byte short of the resume edge");
    assert!(waker.poll(&mut flush).is_pending());

    // One more byte examined: 32,767 < 32,768 resumes.
    let snap = read_now(&mut reader);
    reader.advance_to(snap.start, snap.at(32_769)).expect("advance");
    assert_eq!(waker.wakes(), 1, "the resume edge wakes the writer");
    assert!(!reader.stats().writer_paused);
    assert!(matches!(waker.poll(&mut flush), Poll::Ready(Ok(_))));
}

#[test]
fn w6_advance_that_stays_at_or_above_resume_keeps_writer_paused() {
    let (mut reader, mut writer) = small_pipe(10, 5, 16);
    let waker = CountingWaker::new();
    let mut flush = waker.waiting(writer.write(&pattern(12)));
    let snap = read_now(&mut reader);
    reader.advance(snap.at(7)).expect("advance"); // 5 unexamined: at resume, not below
    assert_eq!(waker.wakes(), 0);
    assert!(reader.stats().writer_paused);
    let snap = read_now(&mut reader);
    reader.advance(snap.at(1)).expect("advance"); // 4 < 5
    assert_eq!(waker.wakes(), 1);
    assert!(matches!(waker.poll(&mut flush), Poll::Ready(Ok(_))));
}

#[test]
fn w9_completing_the_reader_wakes_only_a_writer_that_still_waits() {
    // A flush future keeps its waker registered after it resolved; the
    // reader's completion must not wake it a second time.
    let (mut reader, mut writer) = small_pipe(10, 5, 16);
    let waker = CountingWaker::new();
    let mut flush = waker.waiting(writer.write(&pattern(12)));
    let snap = read_now(&mut reader);
    reader.advance(snap.at(12)).expect("advance");
    assert_eq!(waker.wakes(), 1, "the resume edge wakes the writer");
    assert!(matches!(waker.poll(&mut flush), Poll::Ready(Ok(_))));
    reader.complete(None);
    assert_eq!(waker.wakes(), 1, "the writer no longer waits, so completing the reader wakes nothing");
    drop(flush);
}

#[test]
fn w6_flush_above_pause_without_crossing_does_not_pause() {
    // Pause and resume are edges: after an R8 resume the count sits above
    // the pause threshold, and flushes that stay above it cross nothing.
    let (mut reader, mut writer) = small_pipe(10, 5, 64);
    let writer_waker = CountingWaker::new();
    let flush = writer_waker.waiting(writer.write(&pattern(10)));
    drop(flush);
    let reader_waker = CountingWaker::new();
    assert!(poll_read_at_least_snap(&mut reader, &reader_waker, 30).is_pending());
    assert!(!reader.stats().writer_paused, "R8 resumed the writer");
    reader.cancel_pending_read();
    let snap = read_now(&mut reader);
    assert!(snap.canceled);
    reader.advance_to(snap.start, snap.start).expect("advance");
    assert_eq!(writer.stats().unexamined(), 10);
    // 10 -> 15: at or above pause before and after, no crossing.
    assert!(matches!(poll_once(&mut writer.write(&pattern(5))), Poll::Ready(Ok(_))));
    assert!(!writer.stats().writer_paused);
}

// ------------------------------------------------------------------ W7

#[test]
fn w7_cancel_resolves_pending_flush_with_is_canceled() {
    let (_reader, mut writer) = small_pipe(4, 2, 16);
    let handle = writer.cancel_handle();
    let waker = CountingWaker::new();
    let mut flush = waker.waiting(writer.write(b"1234"));
    handle.cancel_pending_flush();
    assert_eq!(waker.wakes(), 1, "cancel wakes the waiting writer");
    let Poll::Ready(Ok(result)) = waker.poll(&mut flush) else { panic!("canceled flush resolves at once") };
    assert!(result.is_canceled() && !result.is_completed());
}

#[test]
fn w7_cancel_with_no_flush_pending_cancels_the_next_and_then_clears() {
    let (_reader, mut writer) = small_pipe(0, 0, 16);
    writer.cancel_pending_flush();
    let next = write_now(&mut writer, b"a");
    assert!(next.is_canceled(), "the next flush sees the cancel");
    let after = write_now(&mut writer, b"b");
    assert!(!after.is_canceled(), "observed once, then cleared");
}

#[test]
fn w7_cancel_does_not_end_back_pressure() {
    let (mut reader, mut writer) = small_pipe(4, 2, 16);
    let waker = CountingWaker::new();
    let flush = waker.waiting(writer.write(b"1234"));
    drop(flush);
    writer.cancel_pending_flush();
    let mut flush = writer.flush();
    assert!(matches!(waker.poll(&mut flush), Poll::Ready(Ok(r)) if r.is_canceled()));
    drop(flush);
    assert!(writer.stats().writer_paused, "still paused after the cancel");
    let mut flush = writer.flush();
    assert!(waker.poll(&mut flush).is_pending(), "a later flush waits again");
    let wakes = waker.wakes();
    let snap = read_now(&mut reader);
    reader.advance(snap.end).expect("advance");
    assert_eq!(waker.wakes(), wakes + 1, "until the resume edge");
    assert!(matches!(waker.poll(&mut flush), Poll::Ready(Ok(r)) if !r.is_canceled()));
}

// ------------------------------------------------------------------ W8

#[test]
fn w8_complete_commits_unflushed_bytes() {
    let (mut reader, mut writer) = small_pipe(0, 0, 4);
    advance_bytes(&mut writer, b"tail bytes");
    writer.complete(None);
    let snap = read_now(&mut reader);
    assert_eq!(snap.bytes, b"tail bytes");
    assert!(snap.completed);
}

#[test]
fn w8_writer_calls_fail_after_complete() {
    let (_reader, mut writer) = small_pipe(0, 0, 16);
    writer.get_memory(1).expect("memory");
    writer.complete(None);
    assert_err!(writer.get_memory(1), PipeError::WriterCompleted);
    assert_err!(writer.advance(1), PipeError::WriterCompleted);
    assert_err!(writer.advance(0), PipeError::WriterCompleted);
    assert!(matches!(poll_once(&mut writer.flush()), Poll::Ready(Err(PipeError::WriterCompleted))));
    assert!(matches!(poll_once(&mut writer.write(b"x")), Poll::Ready(Err(PipeError::WriterCompleted))));
    assert!(matches!(writer.poll_flush(&mut CountingWaker::new().cx()), Poll::Ready(Err(PipeError::WriterCompleted))));
}

#[test]
fn w8_first_completion_stands() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    writer.complete(None);
    writer.complete(Some(CompletionError::new(Boom(1))));
    let snap = read_now(&mut reader);
    assert!(snap.completed, "the clean completion stands, no WriterFailed");

    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    writer.complete(Some(CompletionError::new(Boom(1))));
    writer.complete(Some(CompletionError::new(Boom(2))));
    writer.complete(None);
    let error = try_snap(&mut reader).expect_err("writer failed");
    let PipeError::WriterFailed(original) = error else { panic!("{error:?}") };
    assert_eq!(boom_of(&original), Some(1));
}

#[test]
fn w8_completing_after_a_pending_poll_flush_resolves_it_at_once() {
    // `complete` needs `&mut self`, so only a `poll_flush` can be pending.
    let (_reader, mut writer) = small_pipe(4, 2, 16);
    advance_bytes(&mut writer, b"1234");
    let waker = CountingWaker::new();
    assert!(writer.poll_flush(&mut waker.cx()).is_pending());
    writer.complete(None);
    assert!(matches!(writer.poll_flush(&mut waker.cx()), Poll::Ready(Err(PipeError::WriterCompleted))));
}

// ------------------------------------------------------------------ W9

#[test]
fn w9_writing_after_reader_completed_drops_bytes_and_reports_completed() {
    let (mut reader, mut writer) = small_pipe(8, 4, 4);
    reader.complete(None);
    for _ in 0..100 {
        let memory = writer.get_memory(3).expect("get_memory still works");
        memory[..3].copy_from_slice(b"abc");
        writer.advance(3).expect("advance still works");
        let result = match poll_once(&mut writer.flush()) {
            Poll::Ready(result) => result.expect("not an error"),
            Poll::Pending => panic!("a flush after reader completion never waits"),
        };
        assert!(result.is_completed() && !result.is_canceled());
    }
    assert!(write_now(&mut writer, &pattern(100)).is_completed());
    let stats = writer.stats();
    assert_eq!(stats.flushed_end, 400);
    assert_eq!(stats.buffered(), 0, "the bytes went nowhere");
    assert!(!stats.writer_paused);
    assert!(stats.segments_rented <= 1, "dropped bytes do not pile up segments: {}", stats.segments_rented);
}
