//! Contract rules M1–M3: where segments come from, when they go back, and
//! how much the pipe may hold.
// Not built under `--cfg loom`: the pipe then runs on loom's types, which
// work only inside `loom::model` (see loom_flush_wakes_reader.rs).
#![cfg(not(loom))]

mod common;

use std::task::Poll;

use common::*;
use pipe_core::{pipe, CompletionError, PipeReader, PipeWriter};

/// The pool's count and the pipe's own count of rented segments agree.
fn held(reader: &PipeReader, counts: &PoolCounts) -> usize {
    let rented = reader.stats().segments_rented;
    assert_eq!(rented, counts.held(), "stats().segments_rented disagrees with the pool");
    rented
}

// ------------------------------------------------------------------ M1

#[test]
fn m1_segments_come_from_the_pool_and_are_reused() {
    let (mut reader, mut writer, counts) = counted_pipe(0, 0, 4);
    for _ in 0..50 {
        write_now(&mut writer, b"abcdef");
        drain_now(&mut reader);
    }
    assert!(counts.rents() >= 75, "300 bytes in 4-byte segments: {}", counts.rents());
    assert!(held(&reader, &counts) <= 2);
    // Everything but the first couple of segments was a pool hit.
    assert!(counts.hits() + 3 >= counts.rents(), "hits {} of {} rents", counts.hits(), counts.rents());
}

#[test]
fn m1_writers_full_segment_stays_rented_until_writer_moves_on() {
    let (mut reader, mut writer, counts) = counted_pipe(0, 0, 4);
    write_now(&mut writer, b"abcd"); // fills the first segment exactly
    assert_eq!(drain_now(&mut reader), b"abcd");
    assert_eq!(counts.returns(), 0, "consumed, but still the writer's segment");
    assert_eq!(held(&reader, &counts), 1);
    write_now(&mut writer, b"e"); // the writer moves on
    assert_eq!(counts.returns(), 1, "consumed and left: back to the pool");
    assert_eq!(held(&reader, &counts), 1);
}

#[test]
fn m1_partly_consumed_segment_stays_rented() {
    let (mut reader, mut writer, counts) = counted_pipe(0, 0, 4);
    write_now(&mut writer, b"abcdefgh");
    let snap = read_now(&mut reader);
    reader.advance(snap.at(3)).expect("advance");
    assert_eq!(counts.returns(), 0, "byte 3 of the first segment is not consumed");
    let snap = read_now(&mut reader);
    reader.advance(snap.at(1)).expect("advance");
    assert_eq!(counts.returns(), 1);
    assert_eq!(held(&reader, &counts), 1);
}

#[test]
fn m1_no_segment_returns_while_a_read_is_outstanding() {
    let (mut reader, mut writer, counts) = counted_pipe(0, 0, 4);
    write_now(&mut writer, b"abcd");
    drain_now(&mut reader);
    // An outstanding (canceled, empty) read still views the consumed segment.
    reader.cancel_pending_read();
    let result = reader.try_read().expect("read").expect("canceled read");
    let end = result.buffer().end();
    writer.get_memory(1).expect("the writer moves to a new segment");
    assert_eq!(counts.returns(), 0, "returned while a read was outstanding");
    reader.advance(end).expect("advance");
    assert_eq!(counts.returns(), 1, "goes back at the next advance");
}

#[test]
fn m1_writer_completion_releases_its_consumed_segment() {
    let (mut reader, mut writer, counts) = counted_pipe(0, 0, 4);
    write_now(&mut writer, b"abc");
    drain_now(&mut reader);
    assert_eq!(held(&reader, &counts), 1);
    writer.complete(None);
    assert_eq!(held(&reader, &counts), 0, "the writer no longer writes into it");
}

#[test]
fn m1_at_most_the_writers_segment_stays_after_everything_is_consumed() {
    let (mut reader, mut writer, counts) = counted_pipe(0, 0, 8);
    for size in 1..40 {
        write_now(&mut writer, &pattern(size));
        assert_eq!(drain_now(&mut reader), pattern(size));
        assert_eq!(held(&reader, &counts), 1, "after writing {size} bytes");
    }
}

// ------------------------------------------------------------------ M2

/// Writes `total` bytes in chunks of 1..=`chunk` bytes, awaiting every
/// flush; the reader only runs while the writer is paused and examines
/// `step` bytes at a time. Returns the most unexamined bytes seen.
fn run_bounded_writer(pause: usize, resume: usize, segment: usize, chunk: usize, step: usize) -> u64 {
    let (mut reader, mut writer) = small_pipe(pause, resume, segment);
    let total = 20 * pause;
    let data = pattern(total);
    let mut sent = 0;
    let mut received = Vec::new();
    let mut most = 0;
    let mut rounds = 0;
    while sent < total {
        let n = (1 + (sent * 7 + rounds) % chunk).min(total - sent);
        rounds += 1;
        let waker = CountingWaker::new();
        let mut flush = writer.write(&data[sent..sent + n]);
        sent += n;
        most = most.max(reader.stats().unexamined());
        while waker.poll(&mut flush).is_pending() {
            let snap = read_now(&mut reader);
            let examined = reader.stats().examined - snap.start.offset();
            let to = (examined as usize + step).min(snap.bytes.len());
            reader.advance(snap.at(to)).expect("advance");
            received.extend_from_slice(&snap.bytes[..to]);
            most = most.max(reader.stats().unexamined());
        }
    }
    drop(writer);
    loop {
        let snap = read_now(&mut reader);
        received.extend_from_slice(&snap.bytes);
        reader.advance(snap.end).expect("advance");
        if snap.completed {
            break;
        }
    }
    assert_eq!(received, data, "every byte, in order");
    most
}

#[test]
fn m2_writer_awaiting_flushes_never_exceeds_pause_plus_chunk_plus_segment() {
    for (pause, resume, segment) in [(16, 8, 4), (64, 32, 16), (100, 1, 7), (50, 50, 64)] {
        for chunk in [1, 3, 16, 40] {
            for step in [1, 5] {
                let most = run_bounded_writer(pause, resume, segment, chunk, step);
                let bound = (pause + chunk + segment) as u64;
                assert!(
                    most <= bound,
                    "pause {pause} resume {resume} segment {segment} chunk {chunk}: {most} unexamined > {bound}"
                );
                assert!(most >= pause as u64, "the run never reached the pause threshold");
            }
        }
    }
}

// ------------------------------------------------------------------ M3

fn fill(writer: &mut PipeWriter, reader: &mut PipeReader) -> pipe_core::Position {
    write_now(writer, &pattern(30)); // several 4-byte segments, unconsumed
    advance_bytes(writer, b"unflushed tail");
    let snap = read_now(reader);
    reader.advance_to(snap.at(5), snap.at(9)).expect("advance");
    snap.at(9)
}

#[test]
fn m3_every_segment_returns_after_both_halves_drop_in_either_order() {
    for writer_first in [true, false] {
        let (mut reader, mut writer, counts) = counted_pipe(0, 0, 4);
        fill(&mut writer, &mut reader);
        let _outstanding = read_now(&mut reader);
        assert!(counts.held() > 3);
        if writer_first {
            drop(writer);
            drop(reader);
        } else {
            drop(reader);
            drop(writer);
        }
        assert_eq!(counts.held(), 0, "writer dropped first: {writer_first}");
    }
}

#[test]
fn m3_every_segment_returns_after_both_halves_complete() {
    for writer_first in [true, false] {
        for with_errors in [false, true] {
            let (mut reader, mut writer, counts) = counted_pipe(0, 0, 4);
            fill(&mut writer, &mut reader);
            let error = || with_errors.then(|| CompletionError::message("failed"));
            if writer_first {
                writer.complete(error());
                reader.complete(error());
            } else {
                reader.complete(error());
                writer.complete(error());
            }
            assert_eq!(held(&reader, &counts), 0, "writer first: {writer_first}, errors: {with_errors}");
        }
    }
}

#[test]
fn m3_mixed_complete_and_drop_returns_every_segment() {
    let (mut reader, mut writer, counts) = counted_pipe(16, 8, 4);
    let waker = CountingWaker::new();
    let mut flush = writer.write(&pattern(20));
    assert!(matches!(waker.poll(&mut flush), Poll::Pending));
    drop(flush);
    reader.complete(None);
    drop(writer);
    assert_eq!(counts.held(), 0);
    drop(reader);
    assert_eq!(counts.held(), 0);
    // The default pool: nothing to count, but nothing may leak or double-free.
    let (mut reader, mut writer) = pipe(options(0, 0, 4)).expect("valid");
    fill(&mut writer, &mut reader);
    drop(reader);
    drop(writer);
}
