//! futures-io's `AsyncRead`, `AsyncBufRead` and `AsyncWrite` on
//! `AsyncReader` / `AsyncWriter` (feature `futures-io`), checked with the
//! futures crate's utilities: `futures::io::copy`, `AsyncBufReadExt::read_line`.
//! Close is complete (W8, R10); a dropped reader makes writes fail with
//! `BrokenPipe` (R12, W9).
#![cfg(all(not(loom), feature = "futures-io"))]

use std::io;
use std::thread;

use futures::executor::block_on;
use futures::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use pipe_core::{pipe, PipeOptions, PipeReader, PipeWriter};

fn small(pause: usize, resume: usize, segment: usize) -> (PipeReader, PipeWriter) {
    let options =
        PipeOptions::new().pause_writer_threshold(pause).resume_writer_threshold(resume).minimum_segment_size(segment);
    pipe(options).expect("valid options")
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 13 % 251) as u8).collect()
}

#[test]
fn r10_futures_io_copy_moves_every_byte_between_two_pipes_on_threads() {
    let (first_reader, first_writer) = small(2_048, 1_024, 256);
    let (second_reader, second_writer) = small(1_000, 500, 100);
    let body = pattern(200_000);
    let expected = body.clone();
    let producer = thread::spawn(move || {
        block_on(async {
            let mut writer = first_writer.into_async();
            for piece in body.chunks(777) {
                writer.write_all(piece).await?;
            }
            writer.close().await
        })
    });
    // A relay: futures::io::copy from one pipe into the next, then close.
    let relay = thread::spawn(move || {
        block_on(async {
            let mut writer = second_writer.into_async();
            let copied = futures::io::copy(first_reader.into_async(), &mut writer).await?;
            writer.close().await?;
            Ok::<_, io::Error>(copied)
        })
    });
    let mut received = Vec::new();
    block_on(futures::io::copy(second_reader.into_async(), &mut received)).expect("copy");
    producer.join().expect("producer thread").expect("producer");
    assert_eq!(relay.join().expect("relay thread").expect("relay"), 200_000);
    assert_eq!(received, expected);
}

#[test]
fn r2_read_line_reads_lines_split_across_segments() {
    let (reader, writer) = small(64, 32, 8);
    let producer = thread::spawn(move || {
        block_on(async {
            let mut writer = writer.into_async();
            for i in 0..100 {
                writer.write_all(format!("request {i}: GET /item/{i}\r\n").as_bytes()).await?;
            }
            writer.close().await
        })
    });
    block_on(async {
        let mut reader = reader.into_async();
        for i in 0..100 {
            let mut line = String::new();
            assert!(reader.read_line(&mut line).await.expect("line") > 0);
            assert_eq!(line, format!("request {i}: GET /item/{i}\r\n"));
        }
        let mut line = String::new();
        assert_eq!(reader.read_line(&mut line).await.expect("EOF"), 0);
    });
    producer.join().expect("producer thread").expect("producer");
}

#[test]
fn w8_close_gives_eof_after_every_buffered_byte() {
    let (reader, writer) = small(0, 0, 32);
    block_on(async {
        let mut writer = writer.into_async();
        let body = pattern(5_000);
        writer.write_all(&body).await?;
        writer.close().await?;
        assert_eq!(writer.write_all(b"late").await.expect_err("after close").kind(), io::ErrorKind::BrokenPipe);
        let mut received = Vec::new();
        let mut reader = reader.into_async();
        reader.read_to_end(&mut received).await?;
        assert_eq!(received, body);
        assert_eq!(reader.read(&mut [0u8; 4]).await?, 0, "EOF repeats");
        Ok::<(), io::Error>(())
    })
    .expect("close then read");
}

#[test]
fn r12_dropping_the_reader_makes_writes_fail_with_broken_pipe() {
    let (reader, mut writer) = small(100, 50, 32);
    block_on(async {
        let mut borrowed = writer.as_async();
        borrowed.write_all(b"heard").await?;
        drop(reader);
        assert_eq!(borrowed.write_all(b"lost").await.expect_err("gone").kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(borrowed.flush().await.expect_err("gone").kind(), io::ErrorKind::BrokenPipe);
        Ok::<(), io::Error>(())
    })
    .expect("writes after the reader dropped");
    assert!(writer.stats().reader_completed, "the borrowed writer is still usable");
}
