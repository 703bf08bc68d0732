//! The pipe on two real threads with the blocking API (C1, C2, R12, W6/M2):
//! a blocked half must be woken by every event its rule names. Each test
//! runs under a watchdog so a lost wakeup fails instead of hanging.
// Not built under `--cfg loom`: the pipe then runs on loom's types, which
// work only inside `loom::model` (see loom_flush_wakes_reader.rs).
#![cfg(not(loom))]

mod common;

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use pipe_core::{pipe, CompletionError, PipeError, PipeOptions, PipeReader, PipeWriter};

/// Lets a thread reach its blocking call. The outcome does not depend on
/// it; it only makes the waiting path the likely one.
fn settle() {
    thread::sleep(Duration::from_millis(30));
}

const LIMIT: Duration = Duration::from_secs(20);

/// A byte that differs from its neighbours and from the byte 256 away.
fn byte_at(i: usize) -> u8 {
    (i ^ (i >> 8) ^ (i >> 16)) as u8
}

/// Reads until the writer completes; returns (bytes, reads).
fn read_all_blocking(reader: &mut PipeReader) -> Result<(Vec<u8>, usize), PipeError> {
    let mut bytes = Vec::new();
    let mut reads = 0;
    loop {
        let result = reader.read_blocking()?;
        reads += 1;
        let buffer = result.buffer();
        bytes.extend(buffer.to_vec());
        let (end, done) = (buffer.end(), result.is_completed());
        reader.advance(end)?;
        if done {
            return Ok((bytes, reads));
        }
    }
}

#[test]
fn c1_1048576_single_byte_flushes_are_read_in_order_on_two_threads() {
    const N: usize = 1 << 20;
    let started = Instant::now();
    let (mut reader, mut writer) = pipe(PipeOptions::default()).expect("defaults");
    let producer = thread::spawn(move || -> Result<(), PipeError> {
        for i in 0..N {
            let memory = writer.get_memory(1)?;
            memory[0] = byte_at(i);
            writer.advance(1)?;
            let result = writer.flush_blocking()?;
            assert!(!result.is_completed() && !result.is_canceled());
        }
        writer.complete(None);
        Ok(())
    });
    let (next, reads) = within(Duration::from_secs(30), "1 MiB of 1-byte flushes", move || {
        let mut next = 0usize;
        let mut reads = 0usize;
        loop {
            let result = reader.read_blocking().expect("read");
            reads += 1;
            let buffer = result.buffer();
            for chunk in buffer.chunks() {
                for &b in chunk {
                    if b != byte_at(next) {
                        panic!("byte {next} is {b}, expected {}", byte_at(next));
                    }
                    next += 1;
                }
            }
            let (end, done) = (buffer.end(), result.is_completed());
            reader.advance(end).expect("advance");
            if done {
                return (next, reads);
            }
        }
    });
    producer.join().expect("producer thread").expect("producer");
    assert_eq!(next, N, "every byte arrives exactly once");
    eprintln!("{N} single-byte flushes in {:?}, {reads} reads", started.elapsed());
}

#[test]
fn m2_back_pressure_bounds_unexamined_bytes_across_threads_at_defaults() {
    const TOTAL: usize = 4 << 20;
    const CHUNK: usize = 1_000;
    let (mut reader, mut writer) = pipe(PipeOptions::default()).expect("defaults");
    let data = pattern(TOTAL);
    let expected = data.clone();
    let producer = thread::spawn(move || -> Result<(u64, usize), PipeError> {
        let mut most = 0;
        let mut waits = 0;
        for chunk in data.chunks(CHUNK) {
            writer.write_blocking(chunk)?;
            let stats = writer.stats();
            most = most.max(stats.unexamined());
            waits += usize::from(stats.writer_paused);
        }
        Ok((most, waits))
    });
    let (received, _) = within(LIMIT, "4 MiB with back pressure", move || {
        let mut received = Vec::new();
        let mut reads = 0;
        loop {
            let result = reader.read_blocking().expect("read");
            reads += 1;
            let buffer = result.buffer();
            // Consume in small steps so the writer hits the pause threshold.
            let take = buffer.len().min(3_000);
            received.extend(buffer.slice(0, take).expect("slice").to_vec());
            let all = take == buffer.len();
            let (at, done) = (buffer.get_position(take).expect("position"), result.is_completed());
            reader.advance(at).expect("advance");
            if done && all {
                return (received, reads);
            }
        }
    });
    let (most, _) = producer.join().expect("producer thread").expect("producer");
    assert_eq!(received, expected);
    let bound = (65_536 + CHUNK + 4_096) as u64;
    assert!(most <= bound, "{most} unexamined bytes > {bound}");
}

#[test]
fn r12_dropping_writer_wakes_reader_blocked_on_another_thread() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"tail");
    let snap = read_now(&mut reader);
    reader.advance_to(snap.start, snap.end).expect("examined everything: the next read blocks");
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let outcome = reader.read_blocking().map(|r| (r.is_completed(), r.buffer().to_vec()));
        let _ = sender.send(outcome);
    });
    settle();
    drop(writer);
    let outcome = receiver.recv_timeout(LIMIT).expect("the blocked reader is woken by the drop");
    assert_eq!(outcome.expect("read"), (true, b"tail".to_vec()));
}

#[test]
fn r12_dropping_reader_wakes_writer_blocked_in_flush_on_another_thread() {
    let (reader, mut writer) = small_pipe(8, 4, 16);
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let outcome = writer.write_blocking(&pattern(8)).map(|r| r.is_completed());
        let _ = sender.send((outcome, writer));
    });
    settle();
    drop(reader);
    let (outcome, mut writer) = receiver.recv_timeout(LIMIT).expect("the paused writer is woken by the drop");
    assert!(outcome.expect("flush"), "the flush reports the reader completed");
    assert!(writer.write_blocking(b"more").expect("W9").is_completed());
}

#[test]
fn r11_writer_error_wakes_reader_blocked_on_another_thread() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    let handle = thread::spawn(move || reader.read_blocking().map(|r| r.is_completed()));
    settle();
    writer.complete(Some(CompletionError::message("disk on fire")));
    let outcome = within(LIMIT, "blocked reader sees the writer's error", move || handle.join().expect("reader"));
    assert_err!(outcome, PipeError::WriterFailed(ref e) if e.to_string() == "disk on fire");
}

#[test]
fn c2_cancel_from_another_thread_wakes_blocked_reader_and_writer() {
    let (mut reader, mut writer) = small_pipe(8, 4, 16);
    let (reader_cancel, writer_cancel) = (reader.cancel_handle(), writer.cancel_handle());
    let blocked_reader = thread::spawn(move || {
        let canceled = reader.read_blocking().map(|r| r.is_canceled());
        (canceled, reader)
    });
    let blocked_writer = thread::spawn(move || {
        let canceled = writer.write_blocking(&pattern(8)).map(|r| r.is_canceled());
        (canceled, writer)
    });
    settle();
    reader_cancel.cancel_pending_read();
    writer_cancel.cancel_pending_flush();
    let (canceled, _reader) = within(LIMIT, "cancel wakes the reader", move || blocked_reader.join().expect("reader"));
    // The writer's 8 bytes may have arrived first; then the read resolved with data.
    let _ = canceled.expect("read");
    let (canceled, writer) = within(LIMIT, "cancel wakes the writer", move || blocked_writer.join().expect("writer"));
    assert!(canceled.expect("flush"), "the paused flush resolves canceled");
    drop::<PipeWriter>(writer);
}

#[test]
fn r10_reader_thread_sees_everything_then_completion() {
    let (mut reader, mut writer) = small_pipe(64, 32, 8);
    let data = pattern(50_000);
    let expected = data.clone();
    let producer = thread::spawn(move || -> Result<(), PipeError> {
        for chunk in data.chunks(77) {
            writer.write_blocking(chunk)?;
        }
        Ok(()) // dropped: complete(None) (R12)
    });
    let (received, reads) = within(LIMIT, "stream 50 KB", move || read_all_blocking(&mut reader)).expect("read");
    producer.join().expect("producer thread").expect("producer");
    assert_eq!(received, expected);
    assert!(reads > 1);
}
