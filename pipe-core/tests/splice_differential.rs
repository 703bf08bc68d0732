//! Differential tests of `pipe_core::splice`: every case runs on real
//! descriptors twice — on the splice path and on the forced copy path — and
//! the two must deliver identical bytes, report identical counts and fail
//! with the same error class. The splice report's call counter proves the
//! fast path ran where it should.
#![cfg(all(feature = "splice", target_os = "linux", not(loom), not(miri)))]

mod splice_common;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::net::UnixDatagram;
use std::thread;
use std::time::{Duration, Instant};

use pipe_core::splice::{transfer_with, KernelPipe, PipePool, Route, Stop, Transfer, TransferOptions, TransferReport};
use splice_common::*;

const MIB: usize = 1 << 20;

#[derive(Clone, Copy, Debug)]
enum Stream {
    Tcp,
    Unix,
}

/// A connected stream socket pair as files: (write side, read side).
fn stream(kind: Stream) -> (File, File) {
    match kind {
        Stream::Tcp => {
            let (a, b) = tcp_pair();
            a.set_nodelay(true).expect("nodelay");
            (File::from(OwnedFd::from(a)), File::from(OwnedFd::from(b)))
        }
        Stream::Unix => {
            let (a, b) = unix_pair();
            (File::from(OwnedFd::from(a)), File::from(OwnedFd::from(b)))
        }
    }
}

// ---- file → pipe, at every size of interest ----

fn file_to_pipe(size: usize) {
    let name = format!("file→pipe {size}");
    let expected = data(size);
    let (splice, _) = differential(&name, |path| {
        let source = TempFile::with("f2p", &expected);
        let file = source.open();
        let (read, write) = pipe();
        let reader = collect(read);
        let result = transfer_with(&file, &write, u64::MAX, &path.options());
        drop(write);
        Outcome::from_result(&result, reader.join().expect("reader"))
    });
    assert!(splice.output == expected, "{name}: wrong bytes");
    assert_eq!(splice.report.stop, Stop::Eof);
    assert_spliced(&name, &splice);
}

#[test]
fn file_to_pipe_0() {
    file_to_pipe(0);
}
#[test]
fn file_to_pipe_1() {
    file_to_pipe(1);
}
#[test]
fn file_to_pipe_4095() {
    file_to_pipe(4095);
}
#[test]
fn file_to_pipe_4096() {
    file_to_pipe(4096);
}
#[test]
fn file_to_pipe_4097() {
    file_to_pipe(4097);
}
#[test]
fn file_to_pipe_65536() {
    file_to_pipe(65536);
}
#[test]
fn file_to_pipe_1mib_plus_7() {
    file_to_pipe(MIB + 7);
}

// ---- pipe → file ----

fn pipe_to_file(size: usize) {
    let name = format!("pipe→file {size}");
    let expected = data(size);
    let (splice, _) = differential(&name, |path| {
        let (read, write) = pipe();
        let feeder = feed(write, expected.clone());
        let target = TempFile::new("p2f");
        let file = target.create();
        let result = transfer_with(&read, &file, u64::MAX, &path.options());
        feeder.join().expect("feeder");
        Outcome::from_result(&result, target.contents())
    });
    assert!(splice.output == expected, "{name}: wrong bytes");
    assert_spliced(&name, &splice);
}

#[test]
fn pipe_to_file_65536() {
    pipe_to_file(65536);
}
#[test]
fn pipe_to_file_1mib_plus_7() {
    pipe_to_file(MIB + 7);
}

// ---- sockets and files through the intermediate pipe ----

#[test]
fn file_to_tcp() {
    let expected = data(MIB + 7);
    let (splice, _) = differential("file→TCP", |path| {
        let source = TempFile::with("f2t", &expected);
        let file = source.open();
        let (client, server) = stream(Stream::Tcp);
        let reader = collect(server);
        let result = transfer_with(&file, &client, u64::MAX, &path.options());
        drop(client);
        Outcome::from_result(&result, reader.join().expect("reader"))
    });
    assert!(splice.output == expected);
    assert_spliced("file→TCP", &splice);
}

/// `src` stream → `dst` stream, both sockets: the intermediate pipe.
fn stream_to_stream(src: Stream, dst: Stream, size: usize) {
    let name = format!("{src:?}→{dst:?} {size}");
    let expected = data(size);
    let (splice, _) = differential(&name, |path| {
        let (src_in, src_out) = stream(src);
        let (dst_in, dst_out) = stream(dst);
        let feeder = feed(src_in, expected.clone());
        let reader = collect(dst_out);
        let mut transfer =
            Transfer::new(std::os::fd::AsFd::as_fd(&src_out), std::os::fd::AsFd::as_fd(&dst_in), &path.options())
                .expect("transfer");
        if path == Path::Splice {
            assert_eq!(transfer.route(), Route::ViaPipe, "{name}: sockets on both sides go through a pipe");
        }
        let result = transfer.run(u64::MAX);
        drop(transfer);
        drop(dst_in);
        feeder.join().expect("feeder");
        Outcome::from_result(&result, reader.join().expect("reader"))
    });
    assert!(splice.output == expected, "{name}: wrong bytes");
    assert_spliced(&name, &splice);
}

#[test]
fn tcp_to_tcp_4097() {
    stream_to_stream(Stream::Tcp, Stream::Tcp, 4097);
}
#[test]
fn tcp_to_tcp_1mib_plus_7() {
    stream_to_stream(Stream::Tcp, Stream::Tcp, MIB + 7);
}
#[test]
fn unix_to_unix_1mib_plus_7() {
    stream_to_stream(Stream::Unix, Stream::Unix, MIB + 7);
}
#[test]
fn unix_to_tcp_1mib_plus_7() {
    stream_to_stream(Stream::Unix, Stream::Tcp, MIB + 7);
}
#[test]
fn tcp_to_unix_1mib_plus_7() {
    stream_to_stream(Stream::Tcp, Stream::Unix, MIB + 7);
}

#[test]
fn tcp_to_file_through_the_intermediate_pipe() {
    let expected = data(MIB + 7);
    let (splice, _) = differential("TCP→file", |path| {
        let (src_in, src_out) = stream(Stream::Tcp);
        let feeder = feed(src_in, expected.clone());
        let target = TempFile::new("t2f");
        let file = target.create();
        let result = transfer_with(&src_out, &file, u64::MAX, &path.options());
        feeder.join().expect("feeder");
        Outcome::from_result(&result, target.contents())
    });
    assert!(splice.output == expected);
    assert_spliced("TCP→file", &splice);
}

#[test]
fn pipe_to_pipe_direct() {
    let expected = data(65536 + 3);
    let (splice, _) = differential("pipe→pipe", |path| {
        let (a_read, a_write) = pipe();
        let (b_read, b_write) = pipe();
        let feeder = feed(a_write, expected.clone());
        let reader = collect(b_read);
        let result = transfer_with(&a_read, &b_write, u64::MAX, &path.options());
        drop(b_write);
        feeder.join().expect("feeder");
        Outcome::from_result(&result, reader.join().expect("reader"))
    });
    assert!(splice.output == expected);
    assert_spliced("pipe→pipe", &splice);
}

// ---- tee: one source, a fast live client and a slow recording ----

#[test]
fn pipe_to_pipe_with_tee_to_a_fast_and_a_slow_consumer() {
    let expected = data(MIB + 7);
    let (splice, _) = differential("tee", |path| {
        let (camera_in, camera) = stream(Stream::Unix);
        let (client, client_out) = stream(Stream::Unix);
        let feeder = feed(camera_in, expected.clone());
        let live = collect(client_out);
        let recording = TempFile::new("tee");
        let file = recording.create();
        let mut report = TransferReport::default();
        match path {
            Path::Splice => {
                let campipe = KernelPipe::new().expect("pipe");
                let (rec_read, rec_write) = KernelPipe::new().expect("pipe").into_ends();
                thread::scope(|scope| {
                    let recorder = scope.spawn(|| {
                        // The slow consumer: small chunks with pauses.
                        let mut total = TransferReport::default();
                        loop {
                            let r = transfer_with(&rec_read, &file, 16 * 1024, &TransferOptions::default())
                                .expect("recorder");
                            total.merge(&r);
                            if r.stop == Stop::Eof {
                                return total;
                            }
                            thread::sleep(Duration::from_micros(300));
                        }
                    });
                    loop {
                        let got = campipe.read_from(&camera, 64 * 1024).expect("read_from camera");
                        report.merge(&got);
                        if got.bytes == 0 {
                            break;
                        }
                        let mut left = got.bytes as usize;
                        while left > 0 {
                            let teed = campipe.tee_into(&rec_write, left).expect("tee");
                            assert!(teed > 0, "tee returned 0 while the pipe holds {left} bytes");
                            let sent = campipe.write_to(&client, teed as u64).expect("write_to client");
                            assert_eq!(sent.bytes, teed as u64);
                            left -= teed;
                        }
                    }
                    drop(rec_write);
                    let recorded = recorder.join().expect("recorder");
                    assert_eq!(recorded.bytes, expected.len() as u64);
                });
            }
            Path::Copy => {
                let mut camera = camera;
                let (mut client, mut file) = (&client, &file);
                let mut buf = vec![0; 64 * 1024];
                loop {
                    let n = camera.read(&mut buf).expect("read camera");
                    if n == 0 {
                        break;
                    }
                    client.write_all(&buf[..n]).expect("client");
                    file.write_all(&buf[..n]).expect("recording");
                    report.bytes += n as u64;
                }
            }
        }
        drop(client);
        feeder.join().expect("feeder");
        let mut output = live.join().expect("live");
        output.extend(recording.contents());
        Outcome { output, bytes: report.bytes, error: None, report }
    });
    let mut both = expected.clone();
    both.extend(&expected);
    assert!(splice.output == both, "live client and recording must each get every byte");
    assert!(splice.report.splice_calls > 0);
}

// ---- lengths and limits ----

#[test]
fn a_source_shorter_than_the_limit_stops_at_eof() {
    let expected = data(3000);
    let (splice, _) = differential("short source", |path| {
        let source = TempFile::with("short", &expected);
        let file = source.open();
        let (read, write) = pipe();
        let reader = collect(read);
        let result = transfer_with(&file, &write, 10_000, &path.options());
        drop(write);
        Outcome::from_result(&result, reader.join().expect("reader"))
    });
    assert_eq!(splice.bytes, 3000);
    assert_eq!(splice.report.stop, Stop::Eof);
}

#[test]
fn a_limit_shorter_than_the_source_stops_at_the_limit_and_leaves_the_offset_there() {
    let source_bytes = data(65536);
    let (splice, _) = differential("limit", |path| {
        let source = TempFile::with("limit", &source_bytes);
        let mut file = source.open();
        let (read, write) = pipe();
        let reader = collect(read);
        let result = transfer_with(&file, &write, 4097, &path.options());
        drop(write);
        assert_eq!(file.stream_position().expect("position"), 4097, "{path:?}: file offset after the limit");
        Outcome::from_result(&result, reader.join().expect("reader"))
    });
    assert_eq!(splice.output, source_bytes[..4097]);
    assert_eq!(splice.report.stop, Stop::Limit);
}

#[test]
fn file_offsets_are_honoured_on_the_source() {
    let source_bytes = data(10_000);
    let (splice, _) = differential("source offset", |path| {
        let source = TempFile::with("offset", &source_bytes);
        let mut file = source.open();
        file.seek(SeekFrom::Start(1000)).expect("seek");
        let (read, write) = pipe();
        let reader = collect(read);
        let result = transfer_with(&file, &write, 5000, &path.options());
        drop(write);
        assert_eq!(file.stream_position().expect("position"), 6000, "{path:?}: offset after the transfer");
        Outcome::from_result(&result, reader.join().expect("reader"))
    });
    assert_eq!(splice.output, source_bytes[1000..6000]);
    assert_spliced("source offset", &splice);
}

#[test]
fn file_offsets_are_honoured_on_the_destination() {
    let payload = data(5000);
    let (splice, _) = differential("destination offset", |path| {
        let (read, write) = pipe();
        let feeder = feed(write, payload.clone());
        let target = TempFile::new("dst-offset");
        let mut file = target.create();
        file.write_all(&[b'x'; 100]).expect("prefix");
        let result = transfer_with(&read, &file, u64::MAX, &path.options());
        feeder.join().expect("feeder");
        assert_eq!(file.stream_position().expect("position"), 5100);
        Outcome::from_result(&result, target.contents())
    });
    let mut expected = vec![b'x'; 100];
    expected.extend(&payload);
    assert_eq!(splice.output, expected);
    assert_spliced("destination offset", &splice);
}

// ---- peers that go away ----

#[test]
fn source_peer_closing_mid_transfer_ends_it_at_eof() {
    let expected = data(100_000);
    let (splice, _) = differential("source peer closes", |path| {
        let (src_in, src_out) = stream(Stream::Tcp);
        let (dst_in, dst_out) = stream(Stream::Tcp);
        let feeder = feed(src_in, expected.clone());
        let reader = collect(dst_out);
        let result = transfer_with(&src_out, &dst_in, MIB as u64, &path.options());
        drop(dst_in);
        feeder.join().expect("feeder");
        Outcome::from_result(&result, reader.join().expect("reader"))
    });
    assert!(splice.output == expected);
    assert_eq!(splice.report.stop, Stop::Eof);
    assert_spliced("source peer closes", &splice);
}

#[test]
fn destination_peer_closing_mid_transfer_is_broken_pipe_with_an_exact_count() {
    // How far the transfer gets before EPIPE depends on socket buffers, so
    // counts are compared with what arrived, not between the paths. The peer
    // stops reading with `shutdown(SHUT_RD)`: closing a unix socket with
    // unread bytes queued gives ECONNRESET or EPIPE depending on timing,
    // shutting its read side gives EPIPE.
    let mut classes = Vec::new();
    for path in [Path::Splice, Path::Copy] {
        let (src_in, src_out) = stream(Stream::Unix);
        let (dst_in, mut dst_out) = unix_pair();
        let feeder = feed(src_in, data(8 * MIB));
        let reader = thread::spawn(move || {
            let mut got = vec![0; 65536];
            dst_out.read_exact(&mut got).expect("first 64 KiB");
            dst_out.shutdown(std::net::Shutdown::Read).expect("shutdown(SHUT_RD)");
            (got, dst_out)
        });
        let result = transfer_with(&src_out, &dst_in, u64::MAX, &path.options());
        let (got, dst_out) = reader.join().expect("reader");
        drop(dst_out);
        assert_eq!(got, data(65536), "{path:?}: the first 64 KiB");
        let error = result.expect_err("the destination's peer is gone");
        assert!(error.report().bytes >= 65536, "{path:?}: {error}");
        assert!(error.report().bytes <= 8 * MIB as u64, "{path:?}: {error}");
        classes.push(error.kind());
        drop(src_out);
        feeder.join().expect("feeder");
    }
    assert_eq!(classes[0], classes[1], "error classes differ (splice vs copy)");
    assert_eq!(classes[0], std::io::ErrorKind::BrokenPipe);
}

// ---- non-blocking descriptors ----

#[test]
fn a_non_blocking_source_that_returns_eagain_is_would_block() {
    let payload = data(5000);
    let (splice, _) = differential("EAGAIN source", |path| {
        let (mut src_in, src_out) = unix_pair();
        src_out.set_nonblocking(true).expect("nonblocking");
        let (read, write) = pipe();
        let reader = collect(read);
        let first = transfer_with(&src_out, &write, u64::MAX, &path.options());
        let first_error = first.as_ref().err().map(|e| e.kind());
        assert_eq!(first_error, Some(std::io::ErrorKind::WouldBlock), "{path:?}: empty non-blocking source");
        src_in.write_all(&payload).expect("write");
        let second = transfer_with(&src_out, &write, u64::MAX, &path.options()).expect("second call");
        assert_eq!(second.stop, Stop::WouldBlock, "{path:?}");
        drop(write);
        Outcome { output: reader.join().expect("reader"), bytes: second.bytes, error: first_error, report: second }
    });
    assert!(splice.output == payload);
    assert_spliced("EAGAIN source", &splice);
}

// ---- targets and sources the kernel refuses or treats specially ----

fn append_target(via_pipe: bool) {
    let name = if via_pipe { "unix→O_APPEND file" } else { "pipe→O_APPEND file" };
    let payload = data(100_000);
    let (splice, _) = differential(name, |path| {
        let target = TempFile::with("append", b"HEADER\n");
        let file = target.append();
        let result = if via_pipe {
            let (src_in, src_out) = stream(Stream::Unix);
            let feeder = feed(src_in, payload.clone());
            let result = transfer_with(&src_out, &file, u64::MAX, &path.options());
            feeder.join().expect("feeder");
            result
        } else {
            let (read, write) = pipe();
            let feeder = feed(write, payload.clone());
            let result = transfer_with(&read, &file, u64::MAX, &path.options());
            feeder.join().expect("feeder");
            result
        };
        Outcome::from_result(&result, target.contents())
    });
    let mut expected = b"HEADER\n".to_vec();
    expected.extend(&payload);
    assert!(splice.output == expected, "{name}: wrong bytes");
    let fallback = splice.report.fallback.expect("an O_APPEND target must fall back");
    assert_eq!(fallback.errno, libc::EINVAL, "{name}: {fallback:?}");
    if via_pipe {
        assert!(fallback.recovered > 0, "{name}: bytes already in the pipe are recovered: {fallback:?}");
    }
    assert_eq!(splice.report.copied, payload.len() as u64);
}

#[test]
fn an_o_append_target_falls_back_to_copy() {
    append_target(false);
}

#[test]
fn an_o_append_target_behind_the_intermediate_pipe_recovers_the_held_bytes() {
    append_target(true);
}

#[test]
fn dev_null_as_destination() {
    let (splice, _) = differential("pipe→/dev/null", |path| {
        let (read, write) = pipe();
        let feeder = feed(write, data(MIB + 7));
        let null = std::fs::OpenOptions::new().write(true).open("/dev/null").expect("/dev/null");
        let result = transfer_with(&read, &null, u64::MAX, &path.options());
        feeder.join().expect("feeder");
        Outcome::from_result(&result, Vec::new())
    });
    assert_eq!(splice.bytes, (MIB + 7) as u64);
    assert_spliced("/dev/null", &splice);
}

#[test]
fn dev_zero_as_source() {
    let (splice, _) = differential("/dev/zero→pipe", |path| {
        let zero = File::open("/dev/zero").expect("/dev/zero");
        let (read, write) = pipe();
        let reader = collect(read);
        let result = transfer_with(&zero, &write, 100_000, &path.options());
        drop(write);
        Outcome::from_result(&result, reader.join().expect("reader"))
    });
    assert_eq!(splice.output, vec![0; 100_000]);
    assert_eq!(splice.report.stop, Stop::Limit);
}

#[test]
fn datagram_sockets_take_the_copy_path_and_keep_boundaries() {
    let (splice, _) = differential("datagram→pipe", |path| {
        let (a, b) = UnixDatagram::pair().expect("socketpair");
        for (byte, len) in [(b'a', 100), (b'b', 200), (b'c', 300)] {
            a.send(&vec![byte; len]).expect("send");
        }
        let (read, write) = pipe();
        let reader = collect(read);
        let result = transfer_with(&b, &write, 600, &path.options());
        drop(write);
        Outcome::from_result(&result, reader.join().expect("reader"))
    });
    assert_eq!(splice.report.splice_calls, 0, "datagram sockets are never spliced");
    assert_eq!(splice.report.copy_calls, 6, "three datagrams, one read and one write each");
    assert_eq!(splice.bytes, 600);
}

#[test]
fn seqpacket_sockets_take_the_copy_path() {
    let (splice, _) = differential("seqpacket→pipe", |path| {
        let mut fds = [0; 2];
        // SAFETY: socketpair writes two descriptors into `fds`.
        let rc =
            unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC, 0, fds.as_mut_ptr()) };
        assert_eq!(rc, 0, "socketpair(SOCK_SEQPACKET)");
        // SAFETY: both descriptors are fresh and owned here.
        let (mut a, b) = unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) };
        a.write_all(&[7; 1000]).expect("send");
        a.write_all(&[8; 24]).expect("send");
        let (read, write) = pipe();
        let reader = collect(read);
        let result = transfer_with(&b, &write, 1024, &path.options());
        drop(write);
        Outcome::from_result(&result, reader.join().expect("reader"))
    });
    assert_eq!(splice.report.splice_calls, 0);
    assert_eq!(splice.bytes, 1024);
}

#[test]
fn files_are_copied_by_default_and_spliced_by_reference_only_on_opt_in() {
    let run = |options: TransferOptions| {
        let source = TempFile::with("by-reference", &[b'A'; 65536]);
        let file = source.open();
        let (mut read, write) = pipe();
        // The pipe holds 64 KiB: the transfer completes before anyone reads
        // (with the limit: a splice at end of file into a full pipe waits for
        // room before it sees the end).
        let report = transfer_with(&file, &write, 65536, &options).expect("transfer");
        // Overwrite the file in place before the pipe's bytes are read.
        let mut writer = std::fs::OpenOptions::new().write(true).open(&source.path).expect("open for writing");
        writer.write_all(&[b'B'; 65536]).expect("overwrite");
        drop(writer);
        drop(write);
        let mut got = Vec::new();
        read.read_to_end(&mut got).expect("read");
        (report, got)
    };
    let (report, got) = run(TransferOptions::default());
    assert_eq!(report.spliced, 0, "a regular file source is copied by default: {report:?}");
    assert!(got.iter().all(|&b| b == b'A'), "the copy path delivers the bytes as they were read");
    let (report, got) = run(TransferOptions::with_files());
    assert_eq!(report.spliced, 65536, "splice_files splices: {report:?}");
    assert_eq!(got.len(), 65536);
    // The measured hazard the default avoids: the pipe held references to
    // the file's pages, so the rewrite shows through.
    assert!(got.iter().all(|&b| b == b'B'), "spliced file pages are passed by reference");
}

// ---- the pool, stranded bytes, slots, stalls ----

#[test]
fn concurrent_transfers_share_the_pipe_pool() {
    const THREADS: usize = 4;
    const EACH: usize = 4;
    let expected = data(256 * 1024 + 11);
    let (splice, _) = differential("concurrent pool", |path| {
        let pool = PipePool::new(8);
        let mut output = Vec::new();
        let mut report = TransferReport::default();
        thread::scope(|scope| {
            let workers: Vec<_> = (0..THREADS)
                .map(|_| {
                    let (pool, expected) = (&pool, &expected);
                    scope.spawn(move || {
                        let mut results = Vec::new();
                        for _ in 0..EACH {
                            let (src_in, src_out) = stream(Stream::Unix);
                            let (dst_in, dst_out) = stream(Stream::Unix);
                            let feeder = feed(src_in, expected.clone());
                            let reader = collect(dst_out);
                            let mut transfer = Transfer::with_pool(
                                std::os::fd::AsFd::as_fd(&src_out),
                                std::os::fd::AsFd::as_fd(&dst_in),
                                &path.options(),
                                pool,
                            )
                            .expect("transfer");
                            let report = transfer.run(u64::MAX).expect("run");
                            drop(transfer);
                            drop(dst_in);
                            feeder.join().expect("feeder");
                            results.push((report, reader.join().expect("reader")));
                        }
                        results
                    })
                })
                .collect();
            for worker in workers {
                for (r, got) in worker.join().expect("worker") {
                    assert!(got == *expected, "{path:?}: a concurrent transfer delivered wrong bytes");
                    report.merge(&r);
                    output.extend(got);
                }
            }
        });
        let stats = pool.stats();
        if path == Path::Splice {
            assert_eq!(stats.created + stats.reused, (THREADS * EACH) as u64, "{stats:?}");
            assert!(stats.created <= THREADS as u64, "at most one pipe per concurrent transfer: {stats:?}");
            assert_eq!(stats.returned, (THREADS * EACH) as u64, "every pipe came back empty: {stats:?}");
            assert_eq!(stats.discarded, 0, "{stats:?}");
        } else {
            assert_eq!(stats.created, 0, "the copy path needs no pipe: {stats:?}");
        }
        Outcome { output, bytes: report.bytes, error: None, report }
    });
    assert_spliced("concurrent pool", &splice);
}

#[test]
fn a_pump_failure_after_a_drain_reports_stranded_bytes_and_discards_the_pipe() {
    let payload = data(10_000);
    let (splice, _) = differential("stranded", |path| {
        let pool = PipePool::new(8);
        let (mut src_in, src_out) = unix_pair();
        src_in.write_all(&payload).expect("write");
        drop(src_in);
        let (dst_in, dst_out) = unix_pair();
        drop(dst_out);
        let mut transfer = Transfer::with_pool(
            std::os::fd::AsFd::as_fd(&src_out),
            std::os::fd::AsFd::as_fd(&dst_in),
            &path.options(),
            &pool,
        )
        .expect("transfer");
        let error = transfer.run(u64::MAX).expect_err("the destination's peer is gone");
        assert_eq!(error.report().bytes, 0, "{path:?}: nothing was delivered: {error}");
        assert_eq!(error.held(), payload.len(), "{path:?}: every byte taken is reported held: {error}");
        assert_eq!(transfer.held(), payload.len());
        drop(transfer);
        let stats = pool.stats();
        if path == Path::Splice {
            assert_eq!(stats.discarded_nonempty, 1, "the pipe with stranded bytes is closed: {stats:?}");
            assert_eq!(pool.idle(), 0, "and never reused: {stats:?}");
            let again = pool.get().expect("lease");
            assert_eq!(again.buffered().expect("FIONREAD"), 0, "a new lease is empty");
        }
        let mut outcome = Outcome::from_result(&Err(error), Vec::new());
        outcome.report.splice_calls = 0;
        outcome
    });
    assert_eq!(splice.error, Some(std::io::ErrorKind::BrokenPipe));
}

#[test]
fn many_one_byte_writes_exhausting_pipe_slots_finish_without_a_busy_loop() {
    const WRITES: usize = 20_000;
    let expected = data(WRITES);
    let (splice, _) = differential("1-byte writes", |path| {
        let (src_in, src_out) = stream(Stream::Tcp);
        let (dst_in, dst_out) = stream(Stream::Tcp);
        let bytes = expected.clone();
        let feeder = thread::spawn(move || {
            let mut src_in = src_in;
            for byte in bytes {
                src_in.write_all(&[byte]).expect("1-byte write");
            }
        });
        let reader = collect(dst_out);
        let started = Instant::now();
        let result = transfer_with(&src_out, &dst_in, u64::MAX, &path.options());
        drop(dst_in);
        feeder.join().expect("feeder");
        assert!(started.elapsed() < Duration::from_secs(30), "{path:?}: took {:?}", started.elapsed());
        if let Ok(report) = &result {
            let calls = report.splice_calls + report.copy_calls;
            assert!(calls <= 2 * WRITES as u64 + 2, "{path:?}: {calls} calls for {WRITES} bytes: busy loop");
        }
        Outcome::from_result(&result, reader.join().expect("reader"))
    });
    assert!(splice.output == expected);
    assert_spliced("1-byte writes", &splice);
}

#[test]
fn a_blocking_tcp_source_does_not_stall_other_transfers() {
    let expected = data(MIB + 7);
    let (quiet_client, quiet_server) = stream(Stream::Tcp);
    let (sink_out, sink) = pipe();
    let drain = collect(sink_out);
    let stalled = thread::spawn(move || transfer_with(&quiet_server, &sink, u64::MAX, &TransferOptions::default()));
    thread::sleep(Duration::from_millis(50));
    let (splice, _) = differential("beside a stalled transfer", |path| {
        let (src_in, src_out) = stream(Stream::Tcp);
        let (dst_in, dst_out) = stream(Stream::Tcp);
        let feeder = feed(src_in, expected.clone());
        let reader = collect(dst_out);
        let started = Instant::now();
        let result = transfer_with(&src_out, &dst_in, u64::MAX, &path.options());
        assert!(started.elapsed() < Duration::from_secs(10), "{path:?}: stalled for {:?}", started.elapsed());
        drop(dst_in);
        feeder.join().expect("feeder");
        Outcome::from_result(&result, reader.join().expect("reader"))
    });
    assert!(splice.output == expected);
    if stalled.is_finished() {
        panic!("the quiet transfer ended early: {:?}", stalled.join());
    }
    drop(quiet_client);
    let report = stalled.join().expect("stalled thread").expect("quiet transfer");
    assert_eq!((report.bytes, report.stop), (0, Stop::Eof));
    assert!(drain.join().expect("drain").is_empty());
}

#[test]
fn a_non_blocking_destination_that_returns_eagain_loses_no_held_bytes() {
    // The destination's buffer fills while bytes are in the intermediate pipe
    // (or the copy buffer): `Transfer` keeps them held across calls, and the
    // one-shot `transfer_with` waits until they are out. Every byte arrives
    // once, in order, and the counts add up.
    let expected = data(4 * MIB + 3);
    let (splice, _) = differential("EAGAIN destination", |path| {
        let (src_in, src_out) = stream(Stream::Unix);
        let (dst_in, mut dst_out) = unix_pair();
        dst_in.set_nonblocking(true).expect("nonblocking");
        let feeder = feed(src_in, expected.clone());
        let reader = thread::spawn(move || {
            let mut got = Vec::new();
            let mut buf = vec![0; 8192];
            loop {
                let n = dst_out.read(&mut buf).expect("read");
                if n == 0 {
                    return got;
                }
                got.extend(&buf[..n]);
                thread::sleep(Duration::from_micros(50));
            }
        });
        let mut report = TransferReport::default();
        let (mut would_block, mut held_seen) = (0, 0);
        // Half with a resumable Transfer, the rest with one-shot calls.
        {
            let mut transfer =
                Transfer::new(std::os::fd::AsFd::as_fd(&src_out), std::os::fd::AsFd::as_fd(&dst_in), &path.options())
                    .expect("transfer");
            while report.bytes < (2 * MIB) as u64 || transfer.held() > 0 {
                match transfer.run(u64::MAX) {
                    Ok(r) => {
                        report.merge(&r);
                        if r.stop == Stop::WouldBlock {
                            would_block += 1;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        would_block += 1;
                        thread::sleep(Duration::from_micros(100));
                    }
                    Err(e) => panic!("{path:?}: {e}"),
                }
                if transfer.held() > 0 {
                    held_seen += 1;
                }
            }
        }
        loop {
            match transfer_with(&src_out, &dst_in, u64::MAX, &path.options()) {
                Ok(r) => {
                    report.merge(&r);
                    if r.stop == Stop::Eof {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => thread::sleep(Duration::from_micros(100)),
                Err(e) => panic!("{path:?}: {e}"),
            }
        }
        assert!(would_block > 0 && held_seen > 0, "{path:?}: EAGAIN {would_block}, held {held_seen}");
        drop(dst_in);
        feeder.join().expect("feeder");
        let output = reader.join().expect("reader");
        assert_eq!(report.bytes, output.len() as u64, "{path:?}: counts add up to what arrived");
        let mut outcome = Outcome { output, bytes: report.bytes, error: None, report };
        // Call counts differ with timing; bytes, counts and errors may not.
        outcome.report.splice_calls = report.splice_calls.min(1);
        outcome.report.copy_calls = 0;
        outcome
    });
    assert!(splice.output == expected);
}

#[test]
fn an_eventfd_source_is_refused_by_splice_and_copied() {
    let (splice, _) = differential("eventfd→pipe", |path| {
        // SAFETY: eventfd returns a fresh descriptor or -1.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
        assert!(fd >= 0, "eventfd");
        // SAFETY: `fd` is fresh and owned here.
        let mut counter = unsafe { File::from_raw_fd(fd) };
        counter.write_all(&42u64.to_ne_bytes()).expect("add to the counter");
        let (read, write) = pipe();
        let reader = collect(read);
        let result = transfer_with(&counter, &write, 8, &path.options());
        drop(write);
        Outcome::from_result(&result, reader.join().expect("reader"))
    });
    assert_eq!(splice.output, 42u64.to_ne_bytes());
    let fallback = splice.report.fallback.expect("splice refuses an eventfd");
    assert_eq!(fallback.errno, libc::EINVAL);
}

#[test]
fn a_procfs_source_gives_the_same_bytes_on_both_paths() {
    let (splice, _) = differential("procfs→pipe", |path| {
        let file = File::open("/proc/sys/fs/pipe-max-size").expect("procfs");
        let (read, write) = pipe();
        let reader = collect(read);
        let result = transfer_with(&file, &write, u64::MAX, &path.options());
        drop(write);
        Outcome::from_result(&result, reader.join().expect("reader"))
    });
    assert!(!splice.output.is_empty());
    assert_eq!(splice.report.stop, Stop::Eof);
}
