//! Calls the other tests leave out: a blocking `read_at_least`, a buffered
//! read asked twice before it is consumed, a sequence reader moved forward
//! to a position, and the kinds a transfer sees (R8, R2, S4).
#![cfg(not(loom))]

mod common;

use std::io::{BufRead, Read};
use std::thread;
use std::time::Duration;

use common::*;
use pipe_core::SequenceReader;

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn r8_read_at_least_blocking_waits_for_enough_bytes_from_another_thread() {
    let (mut reader, mut writer) = small_pipe(0, 0, 8);
    let got = within(LIMIT, "read_at_least_blocking", move || {
        let producer = thread::spawn(move || {
            for chunk in pattern(30).chunks(5) {
                thread::sleep(Duration::from_millis(2));
                writer.write_blocking(chunk).expect("write");
            }
            writer
        });
        let result = reader.read_at_least_blocking(30).expect("read");
        let bytes = result.buffer().to_vec();
        let end = result.buffer().end();
        reader.advance(end).expect("advance");
        drop(producer.join().expect("producer"));
        bytes
    });
    assert_eq!(got, pattern(30), "R8: the read resolves with at least 30 bytes, all of them");
}

#[test]
fn r8_read_at_least_blocking_with_the_bytes_there_resolves_at_once() {
    let (mut reader, mut writer) = small_pipe(0, 0, 8);
    write_now(&mut writer, &pattern(20));
    let result = reader.read_at_least_blocking(12).expect("read");
    assert_eq!(result.buffer().to_vec(), pattern(20));
}

#[test]
fn r2_fill_buf_twice_without_consume_gives_the_same_bytes() {
    let (reader, mut writer) = small_pipe(0, 0, 8);
    write_now(&mut writer, b"hello world");
    let mut reader = reader.into_std();
    let first = reader.fill_buf().expect("fill_buf").to_vec();
    let again = reader.fill_buf().expect("fill_buf again").to_vec();
    assert_eq!(first, again, "a second fill_buf sees the same unconsumed bytes");
    let mut rest = vec![0; 32];
    let n = reader.read(&mut rest).expect("read after fill_buf");
    assert_eq!(&rest[..n], &b"hello world"[..n]);
    assert!(n > 0);
}

#[cfg(feature = "futures-io")]
#[test]
fn r2_async_fill_buf_twice_without_consume_gives_the_same_bytes() {
    use futures::io::AsyncBufReadExt;
    let (reader, mut writer) = small_pipe(0, 0, 8);
    write_now(&mut writer, b"hello world");
    let mut reader = reader.into_async();
    futures::executor::block_on(async {
        let first = reader.fill_buf().await.expect("fill_buf").to_vec();
        let again = reader.fill_buf().await.expect("fill_buf again").to_vec();
        assert_eq!(first, again, "a second fill_buf sees the same unconsumed bytes");
    });
}

#[test]
fn s4_set_position_moves_a_sequence_reader_forward() {
    let parts: [&[u8]; 3] = [b"abc", b"def", b"ghi"];
    let sequence = pipe_core::Sequence::from_slices(&parts);
    let mut reader = SequenceReader::new(sequence);
    let target = sequence.get_position(7).expect("7");
    reader.set_position(target).expect("forward");
    assert_eq!(reader.consumed(), 7);
    assert_eq!(reader.try_peek(0), Some(b'h'));
    assert_eq!(reader.try_peek(1), Some(b'i'), "a peek past the chunk's end");
    reader.set_position(sequence.get_position(2).expect("2")).expect("back");
    assert_eq!(reader.consumed(), 2);
    assert_eq!(reader.try_peek(0), Some(b'c'));
    assert_eq!(reader.try_peek(4), Some(b'g'), "a peek into a later segment");
    assert_eq!(reader.try_peek(7), None, "a peek past the end");
}

#[cfg(all(feature = "splice", target_os = "linux"))]
#[test]
fn a_transfer_names_the_kinds_of_its_two_fds() {
    use std::os::fd::AsFd;

    use pipe_core::splice::{FdKind, Transfer, TransferOptions};
    let (pipe_read, _pipe_write) = std::io::pipe().expect("pipe");
    let (socket, _peer) = std::os::unix::net::UnixStream::pair().expect("socketpair");
    let transfer = Transfer::new(pipe_read.as_fd(), socket.as_fd(), &TransferOptions::default()).expect("transfer");
    assert_eq!(transfer.kinds(), (FdKind::Pipe, FdKind::StreamSocket));
}

#[test]
fn s3_a_sequence_equals_only_its_own_bytes_in_every_comparison() {
    let parts: [&[u8]; 2] = [b"ab", b"cd"];
    let sequence = pipe_core::Sequence::from_slices(&parts);
    let slice: &[u8] = b"abcd";
    assert!(sequence == *slice && sequence == slice && sequence == *b"abcd" && sequence == b"abcd");
    assert!(sequence == b"abcd".to_vec() && b"abcd"[..] == sequence);
    assert!(slice == sequence && b"abcd".to_vec() == sequence, "the bytes on the left");
    for other in [&b"abce"[..], b"abc", b"abcde", b""] {
        assert!(sequence != *other, "[u8] {other:?}");
        assert!(sequence != other, "&[u8] {other:?}");
        assert!(sequence != other.to_vec(), "Vec {other:?}");
        assert!(*other != sequence, "[u8] == Sequence {other:?}");
        assert!(other != sequence, "&[u8] == Sequence {other:?}");
        assert!(other.to_vec() != sequence, "Vec == Sequence {other:?}");
    }
    assert!(sequence != *b"abce" && sequence != b"abce", "arrays");
}

#[cfg(feature = "bytes")]
#[test]
fn s3_chunks_vectored_fills_one_slice_per_non_empty_chunk() {
    use bytes::Buf;
    use std::io::IoSlice;
    let parts: [&[u8]; 4] = [b"ab", b"", b"cde", b"f"];
    let sequence = pipe_core::Sequence::from_slices(&parts);
    let mut slots = [IoSlice::new(&[]); 8];
    let filled = sequence.chunks_vectored(&mut slots);
    assert_eq!(filled, 3, "three non-empty chunks");
    let got: Vec<&[u8]> = slots[..filled].iter().map(|s| &s[..]).collect();
    assert_eq!(got, [&b"ab"[..], b"cde", b"f"]);
    let mut two = [IoSlice::new(&[]); 2];
    assert_eq!(sequence.chunks_vectored(&mut two), 2, "as many as fit");
}
