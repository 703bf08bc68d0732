//! `KernelPipe` (capacity, tee) and the bridges between descriptors and the
//! user-space pipe, on real descriptors.
#![cfg(all(feature = "splice", target_os = "linux", not(loom), not(miri)))]

mod splice_common;

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::thread;

use pipe_core::splice::{
    drain_to_fd, fill_from_fd, read_into, system_max_capacity, write_once, write_sequence, CapacityError, KernelPipe,
    PipePool,
};
use pipe_core::{pipe as user_pipe, PipeOptions, Sequence};
use splice_common::*;

#[test]
fn set_capacity_rounds_up_to_a_power_of_two_number_of_pages() {
    let pipe = KernelPipe::new().expect("pipe");
    assert_eq!(pipe.capacity().expect("capacity"), 65536, "the default: 16 pages");
    assert_eq!(pipe.set_capacity(5 * 4096).expect("set"), 8 * 4096);
    assert_eq!(pipe.capacity().expect("capacity"), 8 * 4096);
    assert_eq!(pipe.set_capacity(1).expect("set"), 4096);
}

#[test]
fn set_capacity_above_the_system_maximum_is_a_clear_error_and_keeps_the_size() {
    let pipe = KernelPipe::new().expect("pipe");
    let max = system_max_capacity().expect("pipe-max-size");
    let error = pipe.set_capacity(max + 1).expect_err("above the maximum");
    match &error {
        CapacityError::AboveSystemMax { requested, max: reported, current } => {
            assert_eq!((*requested, *reported, *current), (max + 1, max, 65536));
        }
        other => panic!("expected AboveSystemMax, got {other:?}"),
    }
    let text = error.to_string();
    assert!(text.contains(&(max + 1).to_string()) && text.contains("pipe-max-size"), "{text}");
    assert_eq!(pipe.capacity().expect("capacity"), 65536, "unchanged");
    assert_eq!(pipe.set_capacity(max).expect("the maximum itself"), max);
}

#[test]
fn shrinking_below_the_queued_bytes_is_busy_and_the_pipe_carries_on() {
    let pipe = KernelPipe::new().expect("pipe");
    let (read, write) = pipe.into_ends();
    let (mut read, mut write) = (std::fs::File::from(read), std::fs::File::from(write));
    write.write_all(&data(40_000)).expect("fill");
    let pipe = KernelPipe::from_ends(read.try_clone().expect("dup").into(), write.try_clone().expect("dup").into());
    match pipe.set_capacity(4096) {
        Err(CapacityError::Busy { requested, current, queued }) => {
            assert_eq!((requested, current, queued), (4096, 65536, 40_000));
        }
        other => panic!("expected Busy, got {other:?}"),
    }
    assert_eq!(pipe.capacity().expect("capacity"), 65536, "the size is kept");
    write.write_all(&data(100)).expect("still usable");
    drop((pipe, write));
    let mut got = Vec::new();
    read.read_to_end(&mut got).expect("read");
    assert_eq!(got.len(), 40_100);
}

#[test]
fn tee_duplicates_without_consuming() {
    let source = KernelPipe::new().expect("pipe");
    let copy = KernelPipe::new().expect("pipe");
    let payload = data(10_000);
    let (out_read, out_write) = pipe();
    rustix_free_write(&source, &payload);
    let teed = source.tee_to(&copy, 10_000).expect("tee");
    assert_eq!(teed, 10_000);
    assert_eq!(source.buffered().expect("FIONREAD"), 10_000, "tee does not consume");
    assert_eq!(copy.buffered().expect("FIONREAD"), 10_000);
    let sent = source.write_to(&out_write, 10_000).expect("write_to");
    assert_eq!((sent.bytes, sent.spliced), (10_000, 10_000));
    drop(out_write);
    let mut got = Vec::new();
    let mut out_read = out_read;
    out_read.read_to_end(&mut got).expect("read");
    assert_eq!(got, payload);
    let mut copied = vec![0; 10_000];
    let (copy_read, _copy_write) = copy.into_ends();
    std::fs::File::from(copy_read).read_exact(&mut copied).expect("read copy");
    assert_eq!(copied, payload);
}

fn rustix_free_write(pipe: &KernelPipe, bytes: &[u8]) {
    let mut writer = std::fs::File::from(pipe.write_end().try_clone_to_owned().expect("dup"));
    writer.write_all(bytes).expect("write");
}

#[test]
fn read_from_fills_the_pipe_by_splice() {
    let pipe = KernelPipe::new().expect("pipe");
    let (mut a, b) = unix_pair();
    a.write_all(&data(5000)).expect("write");
    let report = pipe.read_from(&b, 5000).expect("read_from");
    assert_eq!((report.bytes, report.spliced), (5000, 5000));
    assert_eq!(pipe.buffered().expect("FIONREAD"), 5000);
}

#[test]
fn a_pooled_pipe_returns_empty_and_a_dirty_one_is_closed() {
    let pool = PipePool::new(2);
    {
        let lease = pool.get().expect("lease");
        assert_eq!(lease.buffered().expect("FIONREAD"), 0);
    }
    assert_eq!(pool.idle(), 1);
    {
        let lease = pool.get().expect("lease");
        rustix_free_write(&lease, b"stranded");
    }
    let stats = pool.stats();
    assert_eq!((stats.created, stats.reused, stats.returned, stats.discarded_nonempty), (1, 1, 1, 1));
    assert_eq!(pool.idle(), 0, "the pipe that held bytes is gone");
    pool.get().expect("lease").discard();
    assert_eq!(pool.stats().discarded, 2);
}

#[test]
fn a_pool_keeps_at_most_max_idle_pipes_and_closes_the_rest() {
    // Three empty pipes given back to a pool that keeps two: the third is
    // closed (counted as discarded, not as holding bytes).
    let pool = PipePool::new(2);
    let leases: Vec<_> = (0..3).map(|_| pool.get().expect("lease")).collect();
    drop(leases);
    assert_eq!(pool.idle(), 2, "no more idle pipes than max_idle");
    let stats = pool.stats();
    assert_eq!((stats.created, stats.returned, stats.discarded, stats.discarded_nonempty), (3, 2, 1, 0), "{stats:?}");

    // A pool that keeps none closes every pipe given back.
    let none = PipePool::new(0);
    drop(none.get().expect("lease"));
    assert_eq!(none.idle(), 0, "max_idle 0 keeps nothing");
    assert_eq!((none.stats().returned, none.stats().discarded), (0, 1));
}

// ---- bridges ----

#[test]
fn fill_from_fd_reads_straight_into_writer_memory() {
    let payload = data(300_000);
    let (reader, mut writer) = user_pipe(PipeOptions::default()).expect("pipe");
    let (src_in, src_out) = unix_pair();
    let feeder = feed(src_in, payload.clone());
    let filler = thread::spawn(move || {
        let n = fill_from_fd(&mut writer, &src_out, u64::MAX).expect("fill");
        writer.complete(None);
        n
    });
    let mut got = Vec::new();
    reader.into_std().read_to_end(&mut got).expect("read");
    assert_eq!(filler.join().expect("filler"), payload.len() as u64);
    feeder.join().expect("feeder");
    assert!(got == payload);
}

#[test]
fn read_into_advances_by_the_count_read_and_does_not_flush() {
    let (mut reader, mut writer) = user_pipe(PipeOptions::default()).expect("pipe");
    let (mut a, b) = unix_pair();
    a.write_all(b"hello").expect("write");
    assert_eq!(read_into(&mut writer, &b, 16).expect("read"), 5);
    assert_eq!(writer.unflushed_bytes(), 5);
    assert!(reader.try_read().expect("try_read").is_none(), "not flushed yet");
}

#[test]
fn write_sequence_writes_every_chunk_in_one_vectored_call() {
    let chunks: [&[u8]; 3] = [b"abc", b"", b"defgh"];
    let sequence = Sequence::from_slices(&chunks);
    for socket in [false, true] {
        let (mut read, n) = if socket {
            let (a, b) = unix_pair();
            let n = write_sequence(&a, &sequence).expect("sendmsg");
            (Box::new(b) as Box<dyn Read>, n)
        } else {
            let (r, w) = pipe();
            let n = write_sequence(&w, &sequence).expect("writev");
            (Box::new(r) as Box<dyn Read>, n)
        };
        assert_eq!(n, 8);
        let mut got = [0; 8];
        read.read_exact(&mut got).expect("read");
        assert_eq!(&got, b"abcdefgh");
    }
}

#[test]
fn drain_to_fd_delivers_everything_in_order() {
    let payload = data(2 << 20);
    let (mut reader, mut writer) = user_pipe(PipeOptions::default()).expect("pipe");
    let (a, b) = unix_pair();
    let collector = collect(b);
    let bytes = payload.clone();
    let producer = thread::spawn(move || {
        for chunk in bytes.chunks(7919) {
            writer.write_blocking(chunk).expect("write");
        }
        writer.complete(None);
    });
    let written = drain_to_fd(&mut reader, &a).expect("drain");
    drop(a);
    producer.join().expect("producer");
    assert_eq!(written, payload.len() as u64);
    assert!(collector.join().expect("collector") == payload);
}

#[test]
fn write_once_honours_partial_writes_with_advance_to() {
    // A non-blocking socket with a slow reader takes part of each buffer;
    // the rest must come back on the next read, every byte once, in order.
    let payload = data(2 << 20);
    let (mut reader, mut writer) = user_pipe(PipeOptions::default()).expect("pipe");
    let (a, mut b) = unix_pair();
    a.set_nonblocking(true).expect("nonblocking");
    let collector = thread::spawn(move || {
        let mut got: Vec<u8> = Vec::new();
        let mut buf = [0; 3001];
        loop {
            let n = b.read(&mut buf).expect("read");
            if n == 0 {
                return got;
            }
            got.extend(&buf[..n]);
            thread::sleep(std::time::Duration::from_micros(20));
        }
    });
    let bytes = payload.clone();
    let producer = thread::spawn(move || {
        writer.write_blocking(&bytes).expect("write");
        writer.complete(None);
    });
    let (mut total, mut partial, mut blocked) = (0u64, 0u32, 0u32);
    loop {
        let before = reader.stats();
        match write_once(&mut reader, &a) {
            Ok(step) => {
                total += step.written as u64;
                if step.written > 0 && (before.buffered() as usize) > step.written {
                    partial += 1;
                }
                if step.completed {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                blocked += 1;
                thread::sleep(std::time::Duration::from_micros(200));
            }
            Err(e) => panic!("write_once: {e}"),
        }
    }
    drop(a);
    producer.join().expect("producer");
    assert_eq!(total, payload.len() as u64);
    assert!(partial > 0 && blocked > 0, "the test must see partial writes ({partial}) and EAGAIN ({blocked})");
    assert!(collector.join().expect("collector") == payload);
}

#[test]
fn drain_to_fd_into_a_closed_peer_is_broken_pipe() {
    let (mut reader, mut writer) = user_pipe(PipeOptions::default()).expect("pipe");
    writer.write_blocking(b"lost").expect("write");
    let (a, b) = unix_pair();
    drop(b);
    let error = drain_to_fd(&mut reader, &a).expect_err("no peer");
    assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe);
}

#[test]
fn fill_from_fd_takes_no_byte_beyond_its_limit_from_the_descriptor() {
    // The writer's segment has room for far more than the limit; the bytes
    // past it belong to whoever reads the descriptor next.
    let (mut reader, mut writer) = user_pipe(PipeOptions::default()).expect("pipe");
    let (mut src_read, mut src_write) = pipe();
    src_write.write_all(&data(10)).expect("fill source");
    drop(src_write);
    let n = fill_from_fd(&mut writer, &src_read, 4).expect("4 of the 10 bytes");
    assert_eq!(n, 4);
    let result = reader.try_read().expect("try_read").expect("flushed");
    assert!(result.buffer().to_vec() == data(10)[..4], "the first 4 bytes, and only those");
    let mut rest = Vec::new();
    src_read.read_to_end(&mut rest).expect("the rest stays in the source");
    assert_eq!(rest, data(10)[4..]);
}

#[test]
fn fill_from_fd_makes_no_read_once_it_has_its_limit() {
    // The source holds exactly the limit and stays open, non-blocking: one
    // more read would fail with EAGAIN, so a fill that reached its limit
    // must return without reading again.
    let (mut reader, mut writer) = user_pipe(PipeOptions::default()).expect("pipe");
    let (src_read, mut src_write) = pipe();
    src_write.write_all(&data(10)).expect("fill source");
    set_nonblocking(src_read.as_raw_fd());
    let n = fill_from_fd(&mut writer, &src_read, 10).expect("10 bytes are there, no more are needed");
    assert_eq!(n, 10);
    let result = reader.try_read().expect("try_read").expect("flushed");
    assert!(result.buffer().to_vec() == data(10), "the 10 bytes, flushed");
    drop(src_write);
}
