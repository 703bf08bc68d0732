//! tokio's `AsyncRead`, `AsyncBufRead` and `AsyncWrite` on `AsyncReader` /
//! `AsyncWriter` (feature `tokio`), checked with tokio's own utilities:
//! `tokio::io::copy` into a loopback `TcpStream`, `BufReader::lines`,
//! `tokio_util::codec::FramedRead`. Shutdown is complete (W8, R10); a dropped
//! reader makes writes fail with `BrokenPipe` (R12, W9); a publish that
//! pauses the writer leaves the flush pending for the next write (W6).
#![cfg(all(not(loom), feature = "tokio"))]

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::task::noop_waker;
use pipe_core::{pipe, PipeOptions, PipeReader, PipeWriter};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{FramedRead, LinesCodec};

const LIMIT: Duration = Duration::from_secs(20);

fn small(pause: usize, resume: usize, segment: usize) -> (PipeReader, PipeWriter) {
    let options =
        PipeOptions::new().pause_writer_threshold(pause).resume_writer_threshold(resume).minimum_segment_size(segment);
    pipe(options).expect("valid options")
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

fn run<F: std::future::Future<Output = io::Result<()>>>(test: F) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async { tokio::time::timeout(LIMIT, test).await.expect("finishes in time") }).expect("test");
}

#[test]
fn r10_tokio_io_copy_streams_the_reader_into_a_loopback_tcp_stream() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let body = pattern(300_000);
        let expected = body.clone();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await?;
            let mut received = Vec::new();
            socket.read_to_end(&mut received).await?;
            Ok::<_, io::Error>(received)
        });
        let (reader, writer) = small(4_096, 2_048, 512);
        let producer = tokio::spawn(async move {
            let mut writer = writer.into_async();
            for piece in body.chunks(1_000) {
                writer.write_all(piece).await?;
            }
            writer.shutdown().await
        });
        let mut socket = TcpStream::connect(address).await?;
        let copied = tokio::io::copy(&mut reader.into_async(), &mut socket).await?;
        socket.shutdown().await?;
        producer.await??;
        assert_eq!(copied, 300_000);
        assert_eq!(server.await??, expected);
        Ok(())
    });
}

#[test]
fn r2_buf_reader_lines_reads_lines_split_across_segments() {
    run(async {
        let (reader, writer) = small(64, 32, 8);
        let producer = tokio::spawn(async move {
            let mut writer = writer.into_async();
            for i in 0..200 {
                writer.write_all(format!("line number {i}\n").as_bytes()).await?;
            }
            writer.shutdown().await
        });
        let mut lines = BufReader::new(reader.into_async()).lines();
        let mut count = 0;
        while let Some(line) = lines.next_line().await? {
            assert_eq!(line, format!("line number {count}"));
            count += 1;
        }
        assert_eq!(count, 200);
        producer.await?
    });
}

#[test]
fn r2_the_reader_is_an_async_buf_read_of_its_own() {
    run(async {
        let (reader, writer) = small(0, 0, 4);
        let mut writer = writer.into_async();
        writer.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await?;
        writer.shutdown().await?;
        let mut reader = reader.into_async();
        let mut line = String::new();
        reader.read_line(&mut line).await?;
        assert_eq!(line, "GET / HTTP/1.1\r\n");
        let buffer = reader.fill_buf().await?;
        assert_eq!(buffer, b"Host", "fill_buf is the first segment's bytes");
        let outstanding = reader.get_ref().outstanding_read().expect("the read in progress is visible");
        assert_eq!(outstanding.buffer(), &b"Host: x\r\n"[..]);
        reader.consume(2);
        let mut rest = String::new();
        reader.read_to_string(&mut rest).await?;
        assert_eq!(rest, "st: x\r\n");
        Ok(())
    });
}

#[test]
fn r2_framed_read_decodes_frames_split_across_reads_and_segments() {
    run(async {
        let (reader, writer) = small(128, 64, 16);
        let producer = tokio::spawn(async move {
            let mut writer = writer.into_async();
            // Frames cut at awkward places, with pauses between the writes.
            let text: String = (0..100).map(|i| format!("frame-{i}-{}\n", "x".repeat(i % 37))).collect();
            for piece in text.as_bytes().chunks(13) {
                writer.write_all(piece).await?;
                tokio::task::yield_now().await;
            }
            writer.shutdown().await
        });
        let mut frames = FramedRead::new(reader.into_async(), LinesCodec::new());
        let mut count = 0;
        while let Some(frame) = futures::StreamExt::next(&mut frames).await {
            let frame = frame.map_err(io::Error::other)?;
            assert_eq!(frame, format!("frame-{count}-{}", "x".repeat(count % 37)));
            count += 1;
        }
        assert_eq!(count, 100);
        producer.await?
    });
}

#[test]
fn w8_shutdown_gives_eof_after_every_buffered_byte() {
    run(async {
        let (reader, writer) = small(0, 0, 64);
        let mut writer = writer.into_async();
        let body = pattern(10_000);
        writer.write_all(&body).await?;
        writer.shutdown().await?;
        writer.shutdown().await?; // completing again is harmless
        let error = writer.write_all(b"late").await.expect_err("written after shutdown");
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        let mut received = Vec::new();
        let mut reader = reader.into_async();
        reader.read_to_end(&mut received).await?;
        assert_eq!(received, body);
        assert_eq!(reader.read(&mut [0u8; 8]).await?, 0, "EOF repeats");
        Ok(())
    });
}

#[test]
fn r12_dropping_the_reader_makes_writes_fail_with_broken_pipe() {
    run(async {
        let (reader, writer) = small(0, 0, 64);
        let mut writer = writer.into_async();
        writer.write_all(b"heard").await?;
        drop(reader);
        let error = writer.write_all(b"nobody listens").await.expect_err("reader gone");
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(writer.flush().await.expect_err("flush").kind(), io::ErrorKind::BrokenPipe);
        Ok(())
    });
}

#[test]
fn r12_a_writer_waiting_on_back_pressure_gets_broken_pipe_when_the_reader_drops() {
    run(async {
        let (reader, writer) = small(100, 50, 64);
        let producer = tokio::spawn(async move {
            let mut writer = writer.into_async();
            loop {
                if let Err(error) = writer.write_all(&[1u8; 60]).await {
                    return Ok::<_, io::Error>(error.kind());
                }
            }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(reader);
        assert_eq!(producer.await??, io::ErrorKind::BrokenPipe);
        Ok(())
    });
}

#[test]
fn w6_a_pausing_write_is_accepted_and_the_next_write_waits_for_the_resume() {
    let (mut reader, writer) = small(100, 50, 64);
    let mut writer = writer.into_async();
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    // This write takes the unexamined count to the pause threshold: its bytes
    // are published and accepted, the flush is left pending.
    let poll = Pin::new(&mut writer).poll_write(&mut cx, &[0u8; 120]);
    assert!(matches!(poll, Poll::Ready(Ok(120))), "{poll:?}");
    assert!(writer.get_ref().stats().writer_paused);
    assert_eq!(writer.get_ref().stats().flushed_end, 120, "writes publish");
    // The next write first drives the pending flush: pending while paused.
    assert!(Pin::new(&mut writer).poll_write(&mut cx, b"more").is_pending());
    assert!(Pin::new(&mut writer).poll_flush(&mut cx).is_pending());
    // The reader examines everything: the resume edge lets the writer go on.
    let result = reader.try_read().expect("read").expect("bytes are there");
    assert_eq!(result.buffer().len(), 120);
    reader.advance_to_end().expect("advance");
    assert!(matches!(Pin::new(&mut writer).poll_write(&mut cx, b"more"), Poll::Ready(Ok(4))));
    assert!(matches!(Pin::new(&mut writer).poll_flush(&mut cx), Poll::Ready(Ok(()))));
}
