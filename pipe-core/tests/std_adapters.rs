//! `StdWriter` / `StdReader` as fast as an OS pipe: `read` fills its buffer
//! across segments (R2), `write` publishes only when a segment fills or on
//! `flush()` (W3, W4), and every publish honours back pressure (W6, M2).
#![cfg(not(loom))]

use std::io::{self, BufRead, Read, Write};
use std::thread;

use pipe_core::{pipe, PipeOptions, PipeReader, PipeWriter};

fn small(pause: usize, resume: usize, segment: usize) -> (PipeReader, PipeWriter) {
    let options =
        PipeOptions::new().pause_writer_threshold(pause).resume_writer_threshold(resume).minimum_segment_size(segment);
    pipe(options).expect("valid options")
}

#[test]
fn r2_one_read_fills_the_buffer_across_segments() {
    let (reader, mut writer) = small(0, 0, 16);
    for piece in [&b"0123456789abcdef"[..], b"ghijklmnopqrstuv", b"wxyz"] {
        writer.write_blocking(piece).expect("write");
    }
    let mut reader = reader.into_std();
    let mut out = [0u8; 30];
    assert_eq!(reader.read(&mut out).expect("read"), 30, "three segments, one read");
    assert_eq!(&out, b"0123456789abcdefghijklmnopqrst");
    let mut rest = [0u8; 30];
    assert_eq!(reader.read(&mut rest).expect("read"), 6, "what is buffered, without waiting for more");
    assert_eq!(&rest[..6], b"uvwxyz");
}

#[test]
fn w3_writes_publish_when_a_segment_fills_or_on_flush() {
    // Without back pressure the adapter's segments are 32 KiB.
    let (reader, writer) = small(0, 0, 16);
    let mut writer = writer.into_std();
    writer.write_all(b"0123456789").expect("write");
    assert_eq!(reader.stats().flushed_end, 0, "a partly filled segment is not published");
    assert_eq!(writer.get_ref().unflushed_bytes(), 10);
    writer.write_all(&[b'x'; 32_768 - 10]).expect("write");
    assert_eq!(reader.stats().flushed_end, 32_768, "the full segment is published");
    // Many tiny writes cost one publish per segment, not one per write.
    for _ in 0..40_000 {
        writer.write_all(b"x").expect("write");
    }
    assert_eq!(reader.stats().flushed_end, 2 * 32_768, "every full segment, no more");
    writer.flush().expect("flush");
    assert_eq!(reader.stats().flushed_end, 32_768 + 40_000, "flush publishes the rest");
}

#[test]
fn w1_segments_are_half_the_pause_threshold_and_at_least_the_minimum() {
    let (reader, writer) = small(400, 200, 16);
    let mut writer = writer.into_std();
    writer.write_all(&[1; 199]).expect("write");
    assert_eq!(reader.stats().flushed_end, 0);
    writer.write_all(&[1; 1]).expect("write");
    assert_eq!(reader.stats().flushed_end, 200, "half the pause threshold");
    let (reader, writer) = small(400, 200, 300);
    let mut writer = writer.into_std();
    writer.write_all(&[1; 300]).expect("write");
    assert_eq!(reader.stats().flushed_end, 300, "never below the minimum segment size");
}

#[test]
fn w3_a_borrowing_adapter_leaves_its_bytes_to_the_writer() {
    let (mut reader, mut writer) = small(0, 0, 64);
    write!(writer.as_std(), "{}-{}", 4, 2).expect("write");
    assert_eq!(writer.unflushed_bytes(), 3);
    writer.flush_blocking().expect("the writer's own flush publishes them");
    assert_eq!(reader.read_blocking().expect("read").buffer(), &b"4-2"[..]);
}

#[test]
fn m2_a_producer_of_tiny_writes_is_held_at_the_pause_threshold() {
    let (reader, writer) = small(1_000, 500, 100);
    let producer = thread::spawn(move || -> io::Result<u64> {
        let mut writer = writer.into_std();
        let mut peak = 0;
        for i in 0..50_000u32 {
            writer.write_all(&i.to_le_bytes()[..1])?;
            peak = peak.max(writer.get_ref().stats().unexamined());
        }
        writer.flush()?;
        Ok(peak)
    });
    let mut received = Vec::new();
    reader.into_std().read_to_end(&mut received).expect("read_to_end");
    let peak = producer.join().expect("producer thread").expect("producer");
    assert_eq!(received.len(), 50_000);
    assert!(received.iter().enumerate().all(|(i, &b)| b == (i as u32).to_le_bytes()[0]));
    // One publish is a segment of half the pause threshold.
    assert!(peak <= 1_000 + 500, "unexamined peaked at {peak}");
}

#[test]
fn r4_buf_read_until_spans_segments() {
    let (reader, writer) = small(0, 0, 4);
    let mut writer = writer.into_std();
    writer.write_all(b"key=value;next").expect("write");
    drop(writer);
    let mut reader = reader.into_std();
    let mut field = Vec::new();
    reader.read_until(b';', &mut field).expect("read_until");
    assert_eq!(field, b"key=value;");
    let mut rest = String::new();
    reader.read_to_string(&mut rest).expect("rest");
    assert_eq!(rest, "next");
}

#[test]
fn r12_an_owning_writer_adapter_completes_on_drop() {
    let (reader, writer) = small(0, 0, 64);
    let mut writer = writer.into_std();
    writer.write_all(b"unflushed").expect("write");
    drop(writer);
    let mut text = String::new();
    reader.into_std().read_to_string(&mut text).expect("read");
    assert_eq!(text, "unflushed");
}

#[test]
fn w1_a_new_adapter_goes_on_filling_the_writers_current_segment() {
    // Each borrowing adapter starts without a cached room; the second must
    // find the room the first left, not rent a fresh 32 KiB segment.
    let (mut reader, mut writer) = small(0, 0, 16);
    writer.as_std().write_all(b"ab").expect("write");
    writer.as_std().write_all(b"cd").expect("write");
    assert_eq!(writer.stats().segments_rented, 1, "both writes in the first segment");
    writer.flush_blocking().expect("flush");
    let result = reader.read_blocking().expect("read");
    assert_eq!(result.buffer().as_slice(), Some(&b"abcd"[..]), "one contiguous segment");
}
