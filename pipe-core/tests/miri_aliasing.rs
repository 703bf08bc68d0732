//! Small, thread-heavy scenarios for Miri (`ci/miri`): the writer's `&mut`
//! to a segment's tail and the reader's `&` to its flushed head live at the
//! same time on two threads, and segments are recycled through the pool.
//! Miri checks that no access aliases or races; the sizes are tiny so a Miri
//! run takes seconds. They also run as ordinary tests.
// Not built under `--cfg loom`: the pipe then runs on loom's types, which
// work only inside `loom::model` (see loom_flush_wakes_reader.rs).
#![cfg(not(loom))]

use std::io::{Read, Write};

use pipe_core::{pipe, PipeOptions};

fn small_options() -> PipeOptions {
    PipeOptions::new().minimum_segment_size(8).pause_writer_threshold(24).resume_writer_threshold(12)
}

/// C1: writer and reader on two threads, bytes crossing segment boundaries,
/// back pressure engaging, segments going back to the pool and being rented
/// again while the other thread holds slices of neighbouring segments.
#[test]
fn c1_two_threads_stream_through_recycled_segments() {
    let total: usize = if cfg!(miri) { 600 } else { 60_000 };
    let (mut reader, mut writer) = pipe(small_options()).expect("valid options");
    let producer = std::thread::spawn(move || {
        let mut sent = 0usize;
        while sent < total {
            let memory = writer.get_memory(1).expect("memory");
            let n = memory.len().min(5).min(total - sent);
            for (i, byte) in memory.iter_mut().take(n).enumerate() {
                *byte = ((sent + i) % 251) as u8;
            }
            writer.advance(n).expect("advance");
            sent += n;
            writer.flush_blocking().expect("flush");
        }
        writer.complete(None);
    });
    let mut received = 0usize;
    loop {
        let result = reader.read_blocking().expect("read");
        let buffer = result.buffer();
        for chunk in buffer.chunks() {
            for &byte in chunk {
                assert_eq!(byte, (received % 251) as u8, "byte {received}");
                received += 1;
            }
        }
        let (end, done) = (buffer.end(), result.is_completed());
        // Consume half, examine all: keeps segments alive across reads.
        let half = buffer.get_position(buffer.len() / 2).expect("inside");
        let kept = buffer.len() - buffer.len() / 2;
        if done {
            reader.advance(end).expect("advance");
            break;
        }
        reader.advance_to(half, end).expect("advance_to");
        received -= kept;
    }
    producer.join().expect("producer");
    assert_eq!(received, total);
    let stats = reader.stats();
    assert_eq!(stats.flushed_end, total as u64);
}

/// R12 + M3 across threads: dropping the reader while the writer is paused
/// wakes it, and every segment is released.
#[test]
fn r12_drop_reader_while_writer_paused_on_another_thread() {
    let (reader, mut writer) = pipe(small_options()).expect("valid options");
    let producer = std::thread::spawn(move || {
        let result = writer.write_blocking(&[7u8; 40]).expect("write");
        assert!(result.is_completed(), "the reader's drop ends the wait");
        writer
    });
    std::thread::yield_now();
    drop(reader);
    let writer = producer.join().expect("producer");
    drop(writer);
}

/// The `std::io` adapters on two threads: a reader used as a streaming body.
#[test]
fn io_adapters_stream_a_body_between_threads() {
    let body: Vec<u8> = (0..if cfg!(miri) { 300u32 } else { 30_000 }).map(|i| (i % 256) as u8).collect();
    let expected = body.clone();
    let (reader, writer) = pipe(small_options()).expect("valid options");
    let producer = std::thread::spawn(move || {
        let mut writer = writer.into_std();
        for piece in body.chunks(7) {
            writer.write_all(piece).expect("write");
        }
        writer.get_mut().complete(None);
    });
    let mut received = Vec::new();
    reader.into_std().read_to_end(&mut received).expect("read_to_end");
    producer.join().expect("producer");
    assert_eq!(received, expected);
}
