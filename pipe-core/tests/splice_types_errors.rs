//! The splice module's plain types and errors as a user meets them: every
//! `Op` and `FdKind` reads as words in an error message, `FdKind::of` tells
//! each kind of descriptor apart, `CapacityError` and `TransferError` name
//! their numbers and keep their `io::ErrorKind` when converted, reports add
//! up with `merge`, and `transfer` on a non-blocking destination that fills
//! waits for it and delivers every held byte — or reports exactly what it
//! held when the peer goes away. Descriptors are unix socketpairs and kernel
//! pipes, created here.
#![cfg(all(feature = "splice", target_os = "linux", not(loom), not(miri)))]

mod splice_common;

use std::collections::HashSet;
use std::error::Error as _;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::UnixDatagram;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use pipe_core::splice::{
    system_max_capacity, transfer, CapacityError, Fallback, FdKind, KernelPipe, Op, Stop, TransferReport,
};
use splice_common::{data, set_nonblocking, unix_pair};

fn assert_names(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{text:?} should name {part:?}");
    }
}

#[test]
fn every_op_reads_as_the_call_it_stands_for_and_no_two_read_alike() {
    let ops = [
        (Op::Inspect, "inspecting a descriptor"),
        (Op::CreatePipe, "creating the intermediate pipe"),
        (Op::SpliceDirect, "splice from the source to the destination"),
        (Op::SpliceIn, "splice from the source into the intermediate pipe"),
        (Op::SpliceOut, "splice from the intermediate pipe to the destination"),
        (Op::Read, "read from the source"),
        (Op::Write, "write to the destination"),
        (Op::DrainPipe, "intermediate pipe"),
        (Op::Wait, "poll for the destination"),
    ];
    let mut texts = HashSet::new();
    for (op, words) in ops {
        let text = op.to_string();
        assert!(text.contains(words), "{op:?} reads {text:?}, expected it to say {words:?}");
        assert!(texts.insert(text), "{op:?} reads like another op");
    }
}

#[test]
fn every_fd_kind_reads_as_what_it_is() {
    let kinds = [
        (FdKind::Pipe, "pipe"),
        (FdKind::StreamSocket, "stream socket"),
        (FdKind::DatagramSocket, "datagram"),
        (FdKind::RegularFile, "regular file"),
        (FdKind::BlockDevice, "block device"),
        (FdKind::CharDevice, "character device"),
        (FdKind::Other, "other"),
    ];
    let mut texts = HashSet::new();
    for (kind, words) in kinds {
        let text = kind.to_string();
        assert!(text.contains(words), "{kind:?} reads {text:?}, expected it to say {words:?}");
        assert!(texts.insert(text), "{kind:?} reads like another kind");
    }
}

#[test]
fn fd_kind_of_tells_a_datagram_socket_a_char_device_and_an_eventfd_apart() {
    let (datagram, _peer) = UnixDatagram::pair().expect("socketpair(SOCK_DGRAM)");
    assert_eq!(FdKind::of(&datagram).expect("datagram"), FdKind::DatagramSocket);
    let null = std::fs::File::open("/dev/null").expect("/dev/null");
    assert_eq!(FdKind::of(&null).expect("/dev/null"), FdKind::CharDevice);
    // SAFETY: eventfd returns a new descriptor (checked below) that nothing
    // else owns; `OwnedFd` closes it.
    let raw = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
    assert!(raw >= 0, "eventfd: {}", io::Error::last_os_error());
    // SAFETY: `raw` is a fresh, open descriptor owned by nobody else.
    let eventfd = unsafe { OwnedFd::from_raw_fd(raw) };
    assert_eq!(FdKind::of(&eventfd).expect("eventfd"), FdKind::Other);
    let (stream, _other) = unix_pair();
    assert_eq!(FdKind::of(&stream).expect("stream"), FdKind::StreamSocket);
}

#[test]
fn merge_adds_the_counts_keeps_the_first_fallback_and_takes_the_last_stop() {
    let first_fallback = Fallback { op: Op::SpliceIn, errno: libc::EINVAL, recovered: 0 };
    let mut total = TransferReport {
        bytes: 10,
        spliced: 10,
        copied: 0,
        splice_calls: 1,
        copy_calls: 0,
        fallback: None,
        stop: Stop::WouldBlock,
    };
    let later = TransferReport {
        bytes: 5,
        spliced: 0,
        copied: 5,
        splice_calls: 0,
        copy_calls: 2,
        fallback: Some(first_fallback),
        stop: Stop::Eof,
    };
    total.merge(&later);
    assert_eq!((total.bytes, total.spliced, total.copied), (15, 10, 5));
    assert_eq!((total.splice_calls, total.copy_calls), (1, 2));
    assert_eq!(total.fallback, Some(first_fallback));
    assert_eq!(total.stop, Stop::Eof);
    let another = Fallback { op: Op::SpliceOut, errno: libc::ENOSYS, recovered: 3 };
    total.merge(&TransferReport { fallback: Some(another), ..TransferReport::default() });
    assert_eq!(total.fallback, Some(first_fallback), "the first fallback stands");
    assert_eq!(total.stop, Stop::Limit, "the default stop is Limit");
    assert_eq!(total.bytes, 15);
}

#[test]
fn capacity_errors_name_their_sizes_and_convert_to_their_io_kinds() {
    let pipe = KernelPipe::new().expect("pipe");
    let max = system_max_capacity().expect("pipe-max-size");
    let current = pipe.capacity().expect("capacity");
    let error = pipe.set_capacity(max + 1).expect_err("above the system maximum");
    let text = error.to_string();
    assert_names(
        &text,
        &[&format!("{} bytes", max + 1), &format!("maximum of {max} bytes"), &format!("keeps {current}")],
    );
    assert_eq!(io::Error::from(error).kind(), io::ErrorKind::InvalidInput);

    // Fill a page-sized pipe beyond one page, then shrink it to one page.
    let busy = KernelPipe::new().expect("pipe");
    let queued = busy.capacity().expect("capacity");
    let mut write = std::fs::File::from(busy.write_end().try_clone_to_owned().expect("dup"));
    write.write_all(&data(queued)).expect("fill");
    let error = busy.set_capacity(4096).expect_err("cannot shrink below the queued bytes");
    assert!(matches!(error, CapacityError::Busy { requested: 4096, .. }), "{error:?}");
    assert_names(&error.to_string(), &["shrink the pipe to 4096 bytes", &format!("holds {queued} bytes"), "EBUSY"]);
    assert!(error.source().is_none());
    assert_eq!(io::Error::from(error).kind(), io::ErrorKind::ResourceBusy);

    let os = CapacityError::Os { requested: 12_345, source: io::Error::from_raw_os_error(libc::EBADF) };
    assert_names(&os.to_string(), &["12345 bytes failed", "Bad file descriptor"]);
    let converted = io::Error::from(os);
    assert_eq!(converted.kind(), io::Error::from_raw_os_error(libc::EBADF).kind(), "an OS error keeps its kind");
}

#[test]
fn tee_of_0_bytes_is_a_no_op_and_tee_into_a_non_pipe_names_both_descriptors() {
    let source = KernelPipe::new().expect("pipe");
    let target = KernelPipe::new().expect("pipe");
    assert_eq!(source.tee_to(&target, 0).expect("limit 0"), 0, "no call, nothing teed");
    assert_eq!(target.buffered().expect("FIONREAD"), 0);
    let mut write = std::fs::File::from(source.write_end().try_clone_to_owned().expect("dup"));
    write.write_all(b"once").expect("write");
    // tee(2) needs a pipe at both ends: a socket is EINVAL, reported with
    // the descriptors and the length.
    let (socket, _peer) = unix_pair();
    let error = source.tee_into(&socket, 4).expect_err("tee into a socket");
    assert_eq!(error.raw_os_error(), None, "the errno sits in the context's source");
    let text = error.to_string();
    assert_names(
        &text,
        &[
            "tee of 4 bytes",
            &format!("pipe fd {}", source.read_end().as_raw_fd()),
            &format!("fd {}", socket.as_raw_fd()),
        ],
    );
    let cause = error.get_ref().and_then(|e| e.source()).and_then(|s| s.downcast_ref::<io::Error>());
    assert_eq!(cause.and_then(io::Error::raw_os_error), Some(libc::EINVAL), "{error:?}");
    assert_eq!(source.buffered().expect("FIONREAD"), 4, "a failed tee consumes nothing");
}

/// A unix socket pair whose `dst` end is non-blocking with a full send
/// buffer; returns (dst, its peer, the bytes written to fill it).
fn full_nonblocking_pair() -> (std::os::unix::net::UnixStream, std::os::unix::net::UnixStream, usize) {
    let (mut dst, peer) = unix_pair();
    set_nonblocking(dst.as_raw_fd());
    let chunk = [0xEEu8; 4096];
    let mut filled = 0;
    loop {
        match dst.write(&chunk) {
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("filling the socket: {e}"),
        }
    }
    (dst, peer, filled)
}

/// Runs `f` on a thread; fails if it has not returned within 10 s.
fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let _ = sender.send(f());
    });
    receiver.recv_timeout(Duration::from_secs(10)).unwrap_or_else(|_| panic!("{what}: no result within 10 s"))
}

#[test]
fn transfer_into_a_full_non_blocking_socket_waits_and_delivers_every_held_byte() {
    let (source, mut feeder) = unix_pair();
    let (dst, mut peer, filled) = full_nonblocking_pair();
    let body = data(4096);
    feeder.write_all(&body).expect("feed the source");
    // The peer starts reading only after the transfer found the socket full.
    let drain = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        let mut received = vec![0u8; filled + 4096];
        peer.read_exact(&mut received).expect("read everything");
        received
    });
    let report = within("transfer into a full socket", move || transfer(&source, &dst, 4096)).expect("transfer");
    assert_eq!(report.bytes, 4096, "every byte taken from the source was delivered: {report:?}");
    assert_eq!(report.stop, Stop::WouldBlock, "the call had to wait for the destination");
    assert_eq!(report.spliced, 4096, "splice through the intermediate pipe: {report:?}");
    let received = drain.join().expect("drain thread");
    assert_eq!(&received[filled..], &body[..], "the held bytes arrived after the filler, in order");
}

#[test]
fn a_peer_that_closes_while_transfer_waits_is_broken_pipe_naming_the_held_bytes() {
    let (source, mut feeder) = unix_pair();
    let (dst, peer, _filled) = full_nonblocking_pair();
    let (src_fd, dst_fd) = (source.as_fd().as_raw_fd(), dst.as_fd().as_raw_fd());
    feeder.write_all(&data(2048)).expect("feed the source");
    let closer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        drop(peer);
    });
    let error = within("transfer to a closing peer", move || transfer(&source, &dst, 2048)).expect_err("peer closed");
    closer.join().expect("closer thread");
    assert_eq!(error.kind(), io::ErrorKind::BrokenPipe, "{error}");
    assert_eq!(error.raw_os_error(), Some(libc::EPIPE));
    assert_eq!(error.op(), Op::SpliceOut);
    assert_eq!((error.report().bytes, error.held()), (0, 2048), "{error}");
    assert_names(
        &error.to_string(),
        &[
            &format!("source fd {src_fd} (stream socket)"),
            &format!("destination fd {dst_fd} (stream socket)"),
            "2048 bytes taken from the source were not delivered",
        ],
    );
    // EPIPE on a socket: the process is still here, so SIGPIPE never reached
    // its default disposition (splice_sigpipe.rs checks that in a child).
}
