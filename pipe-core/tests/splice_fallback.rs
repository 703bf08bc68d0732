//! One test per row of the fallback table in `docs/splice.md`, on the
//! transfer loop ([`Engine`]) driven by a scripted [`Syscalls`]: the source,
//! the intermediate pipe and the destination are byte queues, and a script
//! says which call returns which errno. Rows that depend on real descriptors
//! (routes for datagram sockets and files) use real ones.
#![cfg(all(feature = "splice", target_os = "linux", not(loom), not(miri)))]

mod splice_common;

use std::collections::VecDeque;
use std::io;

use pipe_core::splice::{
    cannot_splice, route_for, End, Engine, FdKind, Op, Route, Stop, Syscalls, TransferOptions, MAX_LEN,
};

const EINTR: i32 = libc::EINTR;
const EAGAIN: i32 = libc::EAGAIN;
const EINVAL: i32 = libc::EINVAL;
const EPIPE: i32 = libc::EPIPE;

/// Which call a scripted fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Splice(End, End),
    Read(End),
    Write(End),
}

/// In-memory ends with a script of faults: each entry fires on the next call
/// matching it. `short` caps every transfer.
#[derive(Default)]
struct Scripted {
    source: VecDeque<u8>,
    pipe: VecDeque<u8>,
    pipe_capacity: usize,
    dest: Vec<u8>,
    script: VecDeque<(Call, Result<usize, i32>)>,
    short: Option<usize>,
    calls: Vec<(Call, usize)>,
}

impl Scripted {
    fn new(source: &[u8]) -> Self {
        Self { source: source.iter().copied().collect(), pipe_capacity: 65536, ..Self::default() }
    }

    fn fault(mut self, call: Call, errno: i32) -> Self {
        self.script.push_back((call, Err(errno)));
        self
    }

    fn limit_to(mut self, call: Call, n: usize) -> Self {
        self.script.push_back((call, Ok(n)));
        self
    }

    /// The scripted answer for `call` if the front of the script is for it:
    /// `Some(Err)` to fail, `Some(Ok(n))` to cap the transfer at `n`.
    fn scripted(&mut self, call: Call, len: usize) -> Option<Result<usize, io::Error>> {
        assert!(len > 0 && len <= MAX_LEN, "{call:?} with length {len}");
        self.calls.push((call, len));
        if self.script.front().map(|(c, _)| *c) == Some(call) {
            let (_, answer) = self.script.pop_front().expect("front");
            return Some(answer.map_err(io::Error::from_raw_os_error));
        }
        None
    }

    fn cap(&self, len: usize, scripted: Option<usize>) -> usize {
        len.min(scripted.unwrap_or(usize::MAX)).min(self.short.unwrap_or(usize::MAX))
    }

    fn take(queue: &mut VecDeque<u8>, n: usize) -> Vec<u8> {
        queue.drain(..n.min(queue.len())).collect()
    }
}

impl Syscalls for Scripted {
    fn splice(&mut self, from: End, to: End, len: usize) -> io::Result<usize> {
        let call = Call::Splice(from, to);
        let scripted = match self.scripted(call, len) {
            Some(Err(e)) => return Err(e),
            Some(Ok(n)) => Some(n),
            None => None,
        };
        let len = self.cap(len, scripted);
        let bytes = match from {
            End::Source => Self::take(&mut self.source, len),
            End::Pipe => Self::take(&mut self.pipe, len),
            End::Dest => panic!("splice from the destination"),
        };
        match to {
            End::Pipe => {
                assert!(self.pipe.is_empty(), "the pipe is filled only when empty");
                assert!(bytes.len() <= self.pipe_capacity);
                self.pipe.extend(&bytes)
            }
            End::Dest => self.dest.extend(&bytes),
            End::Source => panic!("splice into the source"),
        }
        Ok(bytes.len())
    }

    fn read(&mut self, from: End, buf: &mut [u8]) -> io::Result<usize> {
        let scripted = match self.scripted(Call::Read(from), buf.len()) {
            Some(Err(e)) => return Err(e),
            Some(Ok(n)) => Some(n),
            None => None,
        };
        let len = self.cap(buf.len(), scripted);
        let bytes = match from {
            End::Source => Self::take(&mut self.source, len),
            End::Pipe => Self::take(&mut self.pipe, len),
            End::Dest => panic!("read from the destination"),
        };
        buf[..bytes.len()].copy_from_slice(&bytes);
        Ok(bytes.len())
    }

    fn write(&mut self, to: End, buf: &[u8]) -> io::Result<usize> {
        assert_eq!(to, End::Dest, "writes go to the destination");
        let scripted = match self.scripted(Call::Write(to), buf.len()) {
            Some(Err(e)) => return Err(e),
            Some(Ok(n)) => Some(n),
            None => None,
        };
        let len = self.cap(buf.len(), scripted);
        self.dest.extend(&buf[..len]);
        Ok(len)
    }
}

const IN: Call = Call::Splice(End::Source, End::Pipe);
const OUT: Call = Call::Splice(End::Pipe, End::Dest);
const DIRECT: Call = Call::Splice(End::Source, End::Dest);
const WRITE: Call = Call::Write(End::Dest);
const READ: Call = Call::Read(End::Source);

fn bytes(n: usize) -> Vec<u8> {
    splice_common::data(n)
}

// ---- EINTR ----

#[test]
fn eintr_is_retried_on_every_call() {
    for (route, calls) in
        [(Route::Direct, vec![DIRECT]), (Route::ViaPipe, vec![IN, OUT]), (Route::Copy, vec![READ, WRITE])]
    {
        let source = bytes(10_000);
        let mut sys = Scripted::new(&source);
        for call in &calls {
            sys = sys.fault(*call, EINTR).fault(*call, EINTR);
        }
        let mut engine = Engine::new(route, 4096);
        let report = engine.run(&mut sys, u64::MAX).expect("EINTR is retried");
        assert_eq!(sys.dest, source, "{route:?}");
        assert_eq!((report.bytes, report.stop), (10_000, Stop::Eof), "{route:?}");
        assert!(report.fallback.is_none());
    }
}

// ---- EAGAIN ----

#[test]
fn eagain_before_any_byte_is_would_block_with_nothing_held() {
    for (route, call) in [(Route::Direct, DIRECT), (Route::ViaPipe, IN), (Route::Copy, READ)] {
        let mut sys = Scripted::new(&bytes(100)).fault(call, EAGAIN);
        let mut engine = Engine::new(route, 4096);
        let error = engine.run(&mut sys, u64::MAX).expect_err("would block");
        assert_eq!(error.kind(), io::ErrorKind::WouldBlock, "{route:?}");
        assert_eq!((error.report().bytes, error.held(), engine.held()), (0, 0, 0), "{route:?}");
        let report = engine.run(&mut sys, u64::MAX).expect("second call");
        assert_eq!(report.bytes, 100, "{route:?}: nothing lost");
    }
}

#[test]
fn eagain_from_the_destination_keeps_the_bytes_held_in_the_pipe() {
    let source = bytes(10_000);
    // The pump delivers 3000 of 4096, then the destination would block.
    let mut sys = Scripted::new(&source).limit_to(OUT, 3000).fault(OUT, EAGAIN);
    let mut engine = Engine::new(Route::ViaPipe, 4096);
    let report = engine.run(&mut sys, u64::MAX).expect("partial");
    assert_eq!((report.bytes, report.stop), (3000, Stop::WouldBlock));
    assert_eq!(engine.held_in_pipe(), 1096, "bytes already in the pipe stay held");
    // Still blocked: nothing delivered, the held count unchanged.
    sys.script.push_back((OUT, Err(EAGAIN)));
    let error = engine.run(&mut sys, u64::MAX).expect_err("still blocked");
    assert_eq!((error.kind(), error.report().bytes, error.held()), (io::ErrorKind::WouldBlock, 0, 1096));
    let report = engine.run(&mut sys, u64::MAX).expect("resumed");
    assert_eq!(report.bytes, 7000);
    assert_eq!(sys.dest, source, "held bytes went out first, in order");
}

#[test]
fn eagain_from_the_destination_on_the_copy_path_keeps_the_buffered_bytes() {
    let source = bytes(100_000);
    let mut sys = Scripted::new(&source).limit_to(WRITE, 10).fault(WRITE, EAGAIN);
    let mut engine = Engine::new(Route::Copy, 0);
    let report = engine.run(&mut sys, u64::MAX).expect("partial");
    assert_eq!((report.bytes, report.stop), (10, Stop::WouldBlock));
    assert!(engine.held() > 0);
    let report = engine.run(&mut sys, u64::MAX).expect("resumed");
    assert_eq!(report.bytes, 99_990);
    assert_eq!(sys.dest, source);
}

// ---- cannot splice: fall back only before the first delivered byte ----

#[test]
fn every_cannot_splice_errno_falls_back_before_the_first_byte() {
    for errno in [libc::EINVAL, libc::ENOSYS, libc::EPERM, libc::EOPNOTSUPP, libc::EXDEV] {
        assert!(cannot_splice(&io::Error::from_raw_os_error(errno)), "errno {errno}");
        for (route, call) in [(Route::Direct, DIRECT), (Route::ViaPipe, IN)] {
            let source = bytes(70_000);
            let mut sys = Scripted::new(&source).fault(call, errno);
            let mut engine = Engine::new(route, 4096);
            let report = engine.run(&mut sys, u64::MAX).expect("falls back");
            assert_eq!(sys.dest, source, "{route:?} errno {errno}");
            let fallback = report.fallback.expect("fallback recorded");
            assert_eq!((fallback.errno, fallback.recovered), (errno, 0));
            assert_eq!((report.spliced, report.copied), (0, 70_000));
            assert_eq!(engine.route(), Route::Copy);
        }
    }
}

#[test]
fn real_errors_are_not_cannot_splice() {
    for errno in [libc::EPIPE, libc::ECONNRESET, libc::EBADF, libc::EIO, libc::ENOSPC, libc::EAGAIN, libc::EINTR] {
        assert!(!cannot_splice(&io::Error::from_raw_os_error(errno)), "errno {errno}");
    }
}

#[test]
fn einval_from_the_pump_with_bytes_in_the_pipe_reads_them_back_out_of_the_pipe() {
    // Go's zerocopy reads leftovers from the wrong end here; the bytes are in
    // the intermediate pipe and must come out of its read end, first.
    let source = bytes(20_000);
    let mut sys = Scripted::new(&source).fault(OUT, EINVAL);
    let mut engine = Engine::new(Route::ViaPipe, 4096);
    let report = engine.run(&mut sys, u64::MAX).expect("falls back");
    assert_eq!(sys.dest, source);
    let fallback = report.fallback.expect("fallback");
    assert_eq!((fallback.op, fallback.errno, fallback.recovered), (Op::SpliceOut, EINVAL, 4096));
    assert!(sys.calls.contains(&(Call::Read(End::Pipe), 4096)), "held bytes read from the pipe: {:?}", sys.calls);
    assert_eq!(report.bytes, 20_000);
}

#[test]
fn einval_after_partial_progress_is_an_error_with_the_exact_count() {
    for (route, call) in [(Route::Direct, DIRECT), (Route::ViaPipe, IN), (Route::ViaPipe, OUT)] {
        let source = bytes(50_000);
        let mut sys = Scripted::new(&source);
        // Let some calls succeed first.
        sys.short = Some(1000);
        let mut engine = Engine::new(route, 4096);
        let first = engine.run(&mut sys, 5000).expect("progress");
        assert_eq!(first.bytes, 5000);
        let delivered_before = sys.dest.len();
        // In the next call: one success, then EINVAL.
        sys.script.push_back((call, Ok(700)));
        sys.script.push_back((call, Err(EINVAL)));
        if call == OUT {
            sys.script.push_front((IN, Ok(4096)));
        }
        let error = engine.run(&mut sys, u64::MAX).expect_err("EINVAL after progress is returned");
        assert_eq!(error.raw_os_error(), Some(EINVAL), "{route:?} {call:?}");
        assert_eq!(error.report().bytes as usize, sys.dest.len() - delivered_before, "{route:?}: exact count");
        assert!(error.report().bytes > 0);
        assert!(error.report().fallback.is_none(), "no fallback after progress");
        assert_eq!(sys.dest, source[..sys.dest.len()], "no byte lost or reordered");
        assert_eq!(engine.held(), error.held());
        assert_eq!(sys.dest.len() + engine.held() + sys.source.len(), source.len(), "every byte accounted for");
    }
}

#[test]
fn a_fallback_in_a_later_call_needs_no_assertion_that_nothing_moved_before() {
    // An earlier call delivered bytes; this call has delivered none when the
    // kernel refuses, so it falls back instead of panicking or failing.
    let source = bytes(30_000);
    let mut sys = Scripted::new(&source);
    let mut engine = Engine::new(Route::Direct, 4096);
    assert_eq!(engine.run(&mut sys, 10_000).expect("first").bytes, 10_000);
    sys.script.push_back((DIRECT, Err(EINVAL)));
    let report = engine.run(&mut sys, u64::MAX).expect("falls back");
    assert!(report.fallback.is_some());
    assert_eq!(sys.dest, source);
}

// ---- real errors ----

#[test]
fn epipe_mid_stream_is_returned_with_delivered_and_held_counts() {
    for (route, call) in [(Route::Direct, DIRECT), (Route::ViaPipe, OUT), (Route::Copy, WRITE)] {
        let source = bytes(40_000);
        let mut sys = Scripted::new(&source);
        sys.short = Some(3000);
        sys.script.push_back((call, Ok(3000)));
        sys.script.push_back((call, Ok(1234)));
        sys.script.push_back((call, Err(EPIPE)));
        let mut engine = Engine::new(route, 4096);
        let error = engine.run(&mut sys, u64::MAX).expect_err("EPIPE");
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(error.report().bytes as usize, sys.dest.len(), "{route:?}");
        assert_eq!(sys.dest, source[..sys.dest.len()]);
        assert_eq!(sys.dest.len() + error.held() + sys.source.len(), source.len(), "{route:?}: {error}");
        let text = error.to_string();
        assert!(text.contains("bytes were delivered"), "{text}");
    }
}

#[test]
fn ebadf_and_econnreset_are_returned_not_fallen_back_from() {
    for errno in [libc::EBADF, libc::ECONNRESET] {
        let mut sys = Scripted::new(&bytes(100)).fault(DIRECT, errno);
        let mut engine = Engine::new(Route::Direct, 4096);
        let error = engine.run(&mut sys, u64::MAX).expect_err("real error");
        assert_eq!(error.raw_os_error(), Some(errno));
        assert!(error.report().fallback.is_none());
        assert_eq!(engine.route(), Route::Direct);
    }
}

// ---- lengths ----

#[test]
fn lengths_are_capped_far_below_isize_max_even_for_an_unbounded_limit() {
    let source = bytes(3 * MAX_LEN + 5);
    for route in [Route::Direct, Route::ViaPipe, Route::Copy] {
        let mut sys = Scripted::new(&source);
        sys.pipe_capacity = MAX_LEN;
        let mut engine = Engine::new(route, usize::MAX);
        engine.run(&mut sys, u64::MAX).expect("transfer");
        assert!(sys.calls.iter().all(|(_, len)| *len <= MAX_LEN && *len as u64 <= isize::MAX as u64));
        assert_eq!(sys.dest.len(), source.len(), "{route:?}");
    }
}

#[test]
fn short_transfers_of_every_size_lose_nothing() {
    let source = bytes(5000);
    for short in 1..=64 {
        for route in [Route::Direct, Route::ViaPipe, Route::Copy] {
            let mut sys = Scripted::new(&source);
            sys.short = Some(short);
            let mut engine = Engine::new(route, 100);
            let report = engine.run(&mut sys, u64::MAX).expect("transfer");
            assert_eq!(sys.dest, source, "{route:?} short {short}");
            assert_eq!(report.bytes, 5000);
        }
    }
}

#[test]
fn a_zero_count_from_the_destination_is_write_zero_not_a_hang() {
    let mut sys = Scripted::new(&bytes(10)).limit_to(WRITE, 0);
    let error = Engine::new(Route::Copy, 0).run(&mut sys, u64::MAX).expect_err("write zero");
    assert_eq!(error.kind(), io::ErrorKind::WriteZero);
    assert_eq!(error.held(), 10);
}

// ---- routes ----

#[test]
fn datagram_and_seqpacket_sockets_take_the_copy_path() {
    let options = TransferOptions::default();
    for other in [FdKind::Pipe, FdKind::StreamSocket, FdKind::RegularFile] {
        assert_eq!(route_for(FdKind::DatagramSocket, other, &options), Route::Copy);
        assert_eq!(route_for(other, FdKind::DatagramSocket, &options), Route::Copy);
    }
    let (a, _b) = std::os::unix::net::UnixDatagram::pair().expect("pair");
    assert_eq!(FdKind::of(&a).expect("kind"), FdKind::DatagramSocket);
}

#[test]
fn regular_file_sources_are_copied_unless_opted_in() {
    let default = TransferOptions::default();
    let files = TransferOptions::with_files();
    assert_eq!(route_for(FdKind::RegularFile, FdKind::Pipe, &default), Route::Copy);
    assert_eq!(route_for(FdKind::RegularFile, FdKind::StreamSocket, &default), Route::Copy);
    assert_eq!(route_for(FdKind::RegularFile, FdKind::Pipe, &files), Route::Direct);
    assert_eq!(route_for(FdKind::RegularFile, FdKind::StreamSocket, &files), Route::ViaPipe);
    // A file as the destination is no hazard: spliced by default.
    assert_eq!(route_for(FdKind::Pipe, FdKind::RegularFile, &default), Route::Direct);
    assert_eq!(route_for(FdKind::StreamSocket, FdKind::RegularFile, &default), Route::ViaPipe);
}

#[test]
fn a_bad_descriptor_is_an_error_naming_it_not_a_panic() {
    let (_read, write) = splice_common::pipe();
    // A number far above any descriptor limit: EBADF, and no other test can
    // open it meanwhile.
    let raw = 0x7fff_fff0;
    // SAFETY: the number is never open; every call on it fails with EBADF,
    // which is what is tested.
    let closed = unsafe { std::os::fd::BorrowedFd::borrow_raw(raw) };
    let error = pipe_core::splice::transfer(closed, &write, 10).expect_err("EBADF");
    assert_eq!(error.raw_os_error(), Some(libc::EBADF));
    assert!(error.to_string().contains(&format!("fd {raw}")), "{error}");
}
