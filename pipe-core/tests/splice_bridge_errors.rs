//! The bridges between descriptors and the user-space pipe when something is
//! wrong on one side: a completed writer, a descriptor that cannot be read,
//! a reader that completes while `fill_from_fd` is filling, an empty
//! sequence, and a canceled read in `write_once` (R9). Each error names what
//! failed and keeps the pipe's state exact. Descriptors are kernel pipes and
//! unix socketpairs, created here.
#![cfg(all(feature = "splice", target_os = "linux", not(loom), not(miri)))]

mod common;
mod splice_common;

use std::io::{self, Write};
use std::os::fd::AsRawFd;

use common::*;
use pipe_core::splice::{fill_from_fd, read_into, write_once, write_sequence, DrainStep};
use pipe_core::{PipeError, Sequence};

#[test]
fn w8_read_into_a_completed_writer_names_the_pipe_error_and_reads_nothing() {
    let (_reader, mut writer) = small_pipe(0, 0, 64);
    let (read_end, mut write_end) = splice_common::pipe();
    write_end.write_all(b"waiting").expect("write");
    writer.complete(None);
    let error = read_into(&mut writer, &read_end, 16).expect_err("the writer has completed");
    assert_eq!(error.kind(), io::ErrorKind::Other);
    let text = error.to_string();
    assert!(text.contains("get_memory for a read from an fd") && text.contains("writer has completed"), "{text}");
    let mut left = [0u8; 16];
    let n = io::Read::read(&mut &read_end, &mut left).expect("the bytes are still in the fd");
    assert_eq!(&left[..n], b"waiting", "nothing was read from the descriptor");
}

#[test]
fn read_into_from_a_write_only_descriptor_names_the_fd_and_advances_nothing() {
    let (mut reader, mut writer) = small_pipe(0, 0, 64);
    let (_read_end, write_end) = splice_common::pipe();
    let error = read_into(&mut writer, &write_end, 16).expect_err("EBADF: the write end cannot be read");
    let text = error.to_string();
    assert!(text.contains(&format!("from fd {}", write_end.as_raw_fd())) && text.contains("up to 64 bytes"), "{text}");
    assert_eq!(writer.unflushed_bytes(), 0, "nothing advanced");
    write_now(&mut writer, b"");
    assert!(try_snap(&mut reader).expect("read").is_none(), "nothing published");
}

#[test]
fn w9_fill_from_fd_stops_with_broken_pipe_when_the_reader_completes() {
    let (mut reader, mut writer) = small_pipe(0, 0, 64);
    reader.complete(None);
    let (read_end, mut write_end) = splice_common::pipe();
    write_end.write_all(b"0123456789").expect("write");
    drop(write_end);
    let error = fill_from_fd(&mut writer, &read_end, 100).expect_err("nobody reads the pipe");
    assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
    let text = error.to_string();
    assert!(
        text.contains("reader completed after 10 bytes") && text.contains(&format!("fd {}", read_end.as_raw_fd())),
        "{text}"
    );
}

#[test]
fn writing_an_empty_sequence_makes_no_call_and_writes_nothing() {
    let (read_end, write_end) = splice_common::pipe();
    let empty: [&[u8]; 2] = [b"", b""];
    assert_eq!(write_sequence(&write_end, &Sequence::from_slices(&empty)).expect("empty"), 0);
    drop(write_end);
    let mut rest = Vec::new();
    io::Read::read_to_end(&mut &read_end, &mut rest).expect("read");
    assert!(rest.is_empty());
}

#[test]
fn r9_write_once_on_a_canceled_read_writes_nothing_and_the_next_one_delivers() {
    let (mut reader, mut writer) = small_pipe(0, 0, 64);
    let (read_end, write_end) = splice_common::pipe();
    reader.cancel_pending_read();
    let step = write_once(&mut reader, &write_end).expect("canceled, not failed");
    assert_eq!(step, DrainStep { written: 0, completed: false });
    assert!(!reader.has_outstanding_read(), "the canceled read was ended");
    write_now(&mut writer, b"after");
    writer.complete(None);
    let step = write_once(&mut reader, &write_end).expect("write");
    assert_eq!(step, DrainStep { written: 5, completed: true });
    drop(write_end);
    let mut got = Vec::new();
    io::Read::read_to_end(&mut &read_end, &mut got).expect("read");
    assert_eq!(got, b"after");
}

#[test]
fn r11_write_once_after_the_writer_failed_names_the_read_and_the_error() {
    let (mut reader, mut writer) = small_pipe(0, 0, 64);
    let (_read_end, write_end) = splice_common::pipe();
    writer.complete(boom(4));
    let error = write_once(&mut reader, &write_end).expect_err("the writer failed");
    assert_eq!(error.kind(), io::ErrorKind::Other);
    let text = error.to_string();
    assert!(text.contains("read before a write to an fd") && text.contains("boom 4"), "{text}");
    assert_err!(try_snap(&mut reader), PipeError::WriterFailed(_));
}
