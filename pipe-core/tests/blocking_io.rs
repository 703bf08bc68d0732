//! `std::io` adapters: `StdReader` (`Read`/`BufRead`) and `StdWriter`
//! (`Write`), so the pipe drops into code written for OS pipes — e.g. a
//! reader handed to another thread as a streaming request body (R10, R11,
//! W9, C1). `StdWriter` publishes when a segment fills or on `flush()`.
// Not built under `--cfg loom`: the pipe then runs on loom's types, which
// work only inside `loom::model` (see loom_flush_wakes_reader.rs).
#![cfg(not(loom))]

mod common;

use std::io::{self, BufRead, Read, Write};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::*;
use pipe_core::{pipe, CompletionError, PipeError, PipeOptions};

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn c1_reader_is_a_streaming_body_for_io_copy_on_another_thread() {
    let (reader, writer) = small_pipe(1_024, 512, 64);
    let (mut reader, mut writer) = (reader.into_std(), writer.into_std());
    let body = pattern(200_000);
    let expected = body.clone();
    let (sender, receiver) = mpsc::channel();
    // The "server" consumes the body as any `io::Read`.
    thread::spawn(move || {
        let mut sink = Vec::new();
        let copied = io::copy(&mut reader, &mut sink).map(|n| (n, sink));
        let _ = sender.send(copied);
    });
    // The "client" streams the body in pieces, blocking under back pressure.
    let client = thread::spawn(move || -> io::Result<()> {
        for chunk in body.chunks(333) {
            writer.write_all(chunk)?;
        }
        Write::flush(&mut writer)
        // Dropping the writer ends the body.
    });
    let (copied, sink) = receiver.recv_timeout(LIMIT).expect("io::copy returns").expect("copy");
    client.join().expect("client thread").expect("client");
    assert_eq!(copied, 200_000);
    assert_eq!(sink, expected);
}

#[test]
fn r10_read_to_end_stops_at_completion_and_eof_repeats() {
    within(LIMIT, "r10_read_to_end_stops_at_completion_and_eof_repeats", || {
        let (reader, mut writer) = small_pipe(0, 0, 4);
        let mut reader = reader.into_std();
        writer.as_std().write_all(b"first line\nsecond").expect("write");
        writer.complete(None);
        let mut text = Vec::new();
        assert_eq!(reader.read_to_end(&mut text).expect("read_to_end"), 17);
        assert_eq!(text, b"first line\nsecond");
        let mut buf = [0u8; 8];
        for _ in 0..3 {
            assert_eq!(Read::read(&mut reader, &mut buf).expect("EOF"), 0, "EOF after completion, every time");
        }
    });
}

#[test]
fn r2_read_line_spans_segments() {
    within(LIMIT, "r2_read_line_spans_segments", || {
        let (reader, writer) = small_pipe(0, 0, 4);
        let mut reader = reader.into_std();
        writer.into_std().write_all(b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
        let mut line = String::new();
        assert_eq!(reader.read_line(&mut line).expect("line"), 26);
        assert_eq!(line, "GET /index.html HTTP/1.1\r\n");
        let rest: Vec<String> = reader.lines().map(|l| l.expect("line")).collect();
        assert_eq!(rest, ["Host: x", ""], "lines() strips CRLF");
    });
}

#[test]
fn r2_small_reads_walk_the_buffer_in_order() {
    within(LIMIT, "r2_small_reads_walk_the_buffer_in_order", || {
        let (reader, writer) = small_pipe(0, 0, 5);
        let (mut reader, mut writer) = (reader.into_std(), writer.into_std());
        writer.write_all(b"HelloWorld").expect("write");
        writer.flush().expect("flush"); // published: the reader sees them
        let mut out = Vec::new();
        let mut buf = [0u8; 3];
        while out.len() < 10 {
            let n = Read::read(&mut reader, &mut buf).expect("read");
            assert!(n > 0 && n <= 3);
            out.extend_from_slice(&buf[..n]);
        }
        assert_eq!(out, b"HelloWorld");
        assert_eq!(Read::read(&mut reader, &mut []).expect("empty read"), 0, "an empty buffer reads 0 without waiting");
        let mut exact = [0u8; 4];
        writer.write_all(b"1234").expect("write");
        writer.flush().expect("flush"); // a segment not yet full: published by flush
        reader.read_exact(&mut exact).expect("read_exact");
        assert_eq!(&exact, b"1234");
    });
}

#[test]
fn r11_writer_error_surfaces_as_an_io_error_carrying_writer_failed() {
    within(LIMIT, "r11_writer_error_surfaces_as_an_io_error_carrying_writer_failed", || {
        let (reader, mut writer) = small_pipe(0, 0, 16);
        let mut reader = reader.into_std();
        writer.as_std().write_all(b"partial").expect("write");
        writer.complete(Some(CompletionError::new(io::Error::new(io::ErrorKind::ConnectionReset, "peer reset"))));
        let mut body = Vec::new();
        let error = reader.read_to_end(&mut body).expect_err("the body failed");
        assert_eq!(error.kind(), io::ErrorKind::Other);
        let inner = error.get_ref().and_then(|e| e.downcast_ref::<PipeError>()).expect("a PipeError inside");
        let PipeError::WriterFailed(original) = inner else { panic!("{inner:?}") };
        let original = original.get_ref().downcast_ref::<io::Error>().expect("the writer's io::Error");
        assert_eq!(original.kind(), io::ErrorKind::ConnectionReset);
        assert_eq!(original.to_string(), "peer reset");
        // Every later read fails the same way.
        assert!(Read::read(&mut reader, &mut [0u8; 4]).is_err());
    });
}

#[test]
fn w9_io_write_after_reader_completed_is_broken_pipe() {
    within(LIMIT, "w9_io_write_after_reader_completed_is_broken_pipe", || {
        let (mut reader, writer) = small_pipe(0, 0, 16);
        let mut writer = writer.into_std();
        reader.complete(None);
        let error = Write::write(&mut writer, b"nobody listens").expect_err("broken pipe");
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(writer.write_all(b"x").expect_err("still").kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(Write::flush(&mut writer).expect_err("flush").kind(), io::ErrorKind::BrokenPipe);
    });
}

#[test]
fn r11_io_write_after_reader_failed_carries_reader_failed() {
    within(LIMIT, "r11_io_write_after_reader_failed_carries_reader_failed", || {
        let (mut reader, writer) = small_pipe(0, 0, 16);
        let mut writer = writer.into_std();
        reader.complete(Some(CompletionError::message("parse error")));
        let error = writer.write_all(b"x").expect_err("reader failed");
        let inner = error.get_ref().and_then(|e| e.downcast_ref::<PipeError>()).expect("a PipeError inside");
        assert!(matches!(inner, PipeError::ReaderFailed(e) if e.to_string() == "parse error"), "{inner:?}");
    });
}

#[test]
fn w8_io_write_after_writer_completed_is_broken_pipe() {
    within(LIMIT, "w8_io_write_after_writer_completed_is_broken_pipe", || {
        let (_reader, mut writer) = small_pipe(0, 0, 16);
        writer.complete(None);
        assert_eq!(
            Write::write(&mut writer.as_std(), b"late").expect_err("completed").kind(),
            io::ErrorKind::BrokenPipe
        );
    });
}

#[test]
fn w6_io_write_blocks_under_back_pressure_until_reader_catches_up() {
    let (reader, writer) = pipe(PipeOptions::default()).expect("defaults");
    let (mut reader, mut writer) = (reader.into_std(), writer.into_std());
    let data = pattern(1 << 20);
    let expected = data.clone();
    let producer = thread::spawn(move || -> io::Result<()> {
        for chunk in data.chunks(4_000) {
            writer.write_all(chunk)?;
            assert!(writer.get_ref().stats().unexamined() <= 65_536 + 4_000 + 4_096);
        }
        Ok(())
    });
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0u8; 1_500];
        let result = loop {
            match Read::read(&mut reader, &mut buf) {
                Ok(0) => break Ok(out),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => break Err(e),
            }
        };
        let _ = sender.send(result);
    });
    let received = receiver.recv_timeout(LIMIT).expect("reader finishes").expect("read");
    producer.join().expect("producer thread").expect("producer");
    assert_eq!(received, expected);
}

#[test]
fn r9_canceled_empty_read_is_interrupted_and_read_to_end_retries() {
    within(LIMIT, "r9_canceled_empty_read_is_interrupted_and_read_to_end_retries", || {
        let (reader, writer) = small_pipe(0, 0, 16);
        reader.cancel_pending_read();
        let mut reader = reader.into_std();
        let error = Read::read(&mut reader, &mut [0u8; 4]).expect_err("canceled with nothing buffered");
        assert_eq!(error.kind(), io::ErrorKind::Interrupted);
        // The cancel was observed once; the pipe reads normally afterwards.
        writer.into_std().write_all(b"ok").expect("write");
        let mut out = Vec::new();
        reader.read_to_end(&mut out).expect("read_to_end");
        assert_eq!(out, b"ok");
    });
}

#[test]
fn r4_fill_buf_after_partial_consume_returns_the_rest_at_once() {
    within(LIMIT, "r4_fill_buf_after_partial_consume_returns_the_rest_at_once", || {
        let (reader, mut writer) = small_pipe(0, 0, 16);
        let mut reader = reader.into_std();
        writer.write_blocking(b"abcdef").expect("write");
        assert_eq!(reader.fill_buf().expect("fill"), b"abcdef");
        reader.consume(2);
        // Examined stopped short of the end: no wait for more bytes.
        assert_eq!(reader.fill_buf().expect("fill"), b"cdef");
        reader.consume(4);
        assert_eq!(reader.get_ref().stats().consumed, 6);
    });
}
