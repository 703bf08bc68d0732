//! The transfer loop ([`Engine`]) against calls that misbehave in ways the
//! fallback table of `docs/splice.md` must survive without losing count:
//! a destination that accepts 0 bytes, a call that reports more than it was
//! asked to move, and the intermediate pipe failing while the loop falls back
//! to copying (after which the engine refuses to reorder held bytes). Every
//! error is checked for what it names: the call, its length, the bytes
//! delivered and the bytes held.
#![cfg(all(feature = "splice", target_os = "linux", not(loom), not(miri)))]

use std::collections::VecDeque;
use std::error::Error as _;
use std::io;

use pipe_core::splice::{End, Engine, Op, Route, Stop, Syscalls, TransferError};

/// What a scripted call answers instead of moving bytes normally.
#[derive(Debug, Clone, Copy)]
enum Answer {
    /// Fails with this errno.
    Errno(i32),
    /// Moves nothing and reports this count (a kernel that lies).
    Claim(usize),
    /// Moves at most this many bytes.
    Cap(usize),
    /// Fails with an error of this kind that carries no errno (an error a
    /// `Syscalls` implementation makes itself).
    Plain(io::ErrorKind),
}

/// Which call an answer applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Splice(End, End),
    Read(End),
    Write(End),
}

/// In-memory source, intermediate pipe and destination; each scripted answer
/// fires on the next call that matches it.
#[derive(Default)]
struct Faulty {
    source: VecDeque<u8>,
    pipe: VecDeque<u8>,
    dest: Vec<u8>,
    script: VecDeque<(Call, Answer)>,
    calls: Vec<Call>,
}

impl Faulty {
    fn new(source: &[u8]) -> Self {
        Self { source: source.iter().copied().collect(), ..Self::default() }
    }

    fn then(mut self, call: Call, answer: Answer) -> Self {
        self.script.push_back((call, answer));
        self
    }

    /// `Ok(Some(cap))` to move at most `cap`, `Ok(None)` for a claimed count.
    fn answer(&mut self, call: Call, len: usize) -> io::Result<Result<usize, usize>> {
        assert!(len > 0, "{call:?} with length 0");
        self.calls.push(call);
        match self.script.front() {
            Some(&(c, answer)) if c == call => {
                self.script.pop_front();
                match answer {
                    Answer::Errno(errno) => Err(io::Error::from_raw_os_error(errno)),
                    Answer::Claim(n) => Ok(Err(n)),
                    Answer::Cap(n) => Ok(Ok(len.min(n))),
                    Answer::Plain(kind) => Err(io::Error::new(kind, "scripted error without an errno")),
                }
            }
            _ => Ok(Ok(len)),
        }
    }

    fn take(queue: &mut VecDeque<u8>, n: usize) -> Vec<u8> {
        queue.drain(..n.min(queue.len())).collect()
    }
}

impl Syscalls for Faulty {
    fn splice(&mut self, from: End, to: End, len: usize) -> io::Result<usize> {
        let len = match self.answer(Call::Splice(from, to), len)? {
            Ok(len) => len,
            Err(claimed) => return Ok(claimed),
        };
        let bytes = match from {
            End::Source => Self::take(&mut self.source, len),
            End::Pipe => Self::take(&mut self.pipe, len),
            End::Dest => panic!("splice from the destination"),
        };
        match to {
            End::Pipe => self.pipe.extend(&bytes),
            End::Dest => self.dest.extend(&bytes),
            End::Source => panic!("splice into the source"),
        }
        Ok(bytes.len())
    }

    fn read(&mut self, from: End, buf: &mut [u8]) -> io::Result<usize> {
        let len = match self.answer(Call::Read(from), buf.len())? {
            Ok(len) => len,
            Err(claimed) => return Ok(claimed),
        };
        let bytes = match from {
            End::Source => Self::take(&mut self.source, len),
            End::Pipe => Self::take(&mut self.pipe, len),
            End::Dest => panic!("read from the destination"),
        };
        buf[..bytes.len()].copy_from_slice(&bytes);
        Ok(bytes.len())
    }

    fn write(&mut self, to: End, buf: &[u8]) -> io::Result<usize> {
        assert_eq!(to, End::Dest, "the loop writes only to the destination");
        let len = match self.answer(Call::Write(to), buf.len())? {
            Ok(len) => len,
            Err(claimed) => return Ok(claimed),
        };
        self.dest.extend_from_slice(&buf[..len]);
        Ok(len)
    }
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + 3) as u8).collect()
}

fn assert_names(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{text:?} should name {part:?}");
    }
}

fn expect_err(result: Result<pipe_core::splice::TransferReport, TransferError>) -> TransferError {
    match result {
        Err(error) => error,
        Ok(report) => panic!("expected an error, got {report:?}"),
    }
}

const SPLICE_IN: Call = Call::Splice(End::Source, End::Pipe);
const SPLICE_OUT: Call = Call::Splice(End::Pipe, End::Dest);
const DRAIN: Call = Call::Read(End::Pipe);

#[test]
fn a_destination_that_takes_0_bytes_from_the_pipe_is_write_zero_with_every_byte_held() {
    let mut sys = Faulty::new(&data(10)).then(SPLICE_OUT, Answer::Claim(0));
    let mut engine = Engine::new(Route::ViaPipe, 4096);
    let error = expect_err(engine.run(&mut sys, 100));
    assert_eq!(error.op(), Op::SpliceOut);
    assert_eq!(error.kind(), io::ErrorKind::WriteZero);
    assert_eq!(error.call_len(), 10, "the call was asked for the 10 bytes the pipe holds");
    assert_eq!((error.report().bytes, error.held()), (0, 10));
    assert_eq!(error.raw_os_error(), None, "not an OS error");
    let text = error.to_string();
    assert_names(
        &text,
        &[
            "splice from the intermediate pipe to the destination",
            "(length 10)",
            "accepted 0 bytes",
            "0 bytes were delivered",
            "10 bytes taken from the source were not delivered",
        ],
    );
    // The held bytes are still there: a good call delivers them in order.
    let report = engine.run(&mut sys, 100).expect("the retry delivers");
    assert_eq!(report.bytes, 10);
    assert_eq!(sys.dest, data(10));
}

#[test]
fn a_pipe_splice_that_reports_more_than_asked_is_invalid_data_naming_both_counts() {
    let mut sys = Faulty::new(&data(10)).then(SPLICE_OUT, Answer::Claim(15));
    let mut engine = Engine::new(Route::ViaPipe, 4096);
    let error = expect_err(engine.run(&mut sys, 100));
    assert_eq!((error.op(), error.kind()), (Op::SpliceOut, io::ErrorKind::InvalidData));
    assert_names(&error.to_string(), &["asked to move 10 bytes reported 15"]);
    assert_eq!(error.held(), 10, "a count that cannot be true delivers nothing");
}

#[test]
fn a_copy_write_of_0_bytes_and_a_read_that_reports_too_much_are_errors() {
    let mut sys = Faulty::new(&data(6)).then(Call::Write(End::Dest), Answer::Claim(0));
    let mut engine = Engine::new(Route::Copy, 0);
    let error = expect_err(engine.run(&mut sys, 100));
    assert_eq!((error.op(), error.kind()), (Op::Write, io::ErrorKind::WriteZero));
    assert_names(&error.to_string(), &["write to the destination", "(length 6)", "6 bytes taken"]);

    let mut sys = Faulty::new(&data(6)).then(Call::Write(End::Dest), Answer::Claim(7));
    let error = expect_err(Engine::new(Route::Copy, 0).run(&mut sys, 100));
    assert_eq!((error.op(), error.kind()), (Op::Write, io::ErrorKind::InvalidData));
    assert_names(&error.to_string(), &["asked to move 6 bytes reported 7"]);

    let mut sys = Faulty::new(&data(6)).then(Call::Read(End::Source), Answer::Claim(1 << 30));
    let error = expect_err(Engine::new(Route::Copy, 0).run(&mut sys, 8));
    assert_eq!((error.op(), error.kind()), (Op::Read, io::ErrorKind::InvalidData));
    assert_names(&error.to_string(), &["read from the source", "(length 8)", "reported 1073741824"]);
    assert_eq!(error.held(), 0);
}

#[test]
fn a_direct_splice_that_reports_too_much_names_the_direct_call() {
    let mut sys = Faulty::new(&data(6)).then(Call::Splice(End::Source, End::Dest), Answer::Claim(usize::MAX));
    let error = expect_err(Engine::new(Route::Direct, 0).run(&mut sys, 4));
    assert_eq!((error.op(), error.kind()), (Op::SpliceDirect, io::ErrorKind::InvalidData));
    assert_names(&error.to_string(), &["splice from the source to the destination", "(length 4)"]);
}

#[test]
fn a_failing_drain_while_falling_back_breaks_the_engine_and_it_refuses_to_reorder() {
    // The pipe holds 10 bytes when splicing out is refused (EINVAL: cannot
    // splice), so the loop reads them back out to copy them; that read gets
    // 4 bytes, then fails with EIO.
    let mut sys = Faulty::new(&data(10))
        .then(SPLICE_OUT, Answer::Errno(libc::EINVAL))
        .then(DRAIN, Answer::Cap(4))
        .then(DRAIN, Answer::Errno(libc::EIO));
    let mut engine = Engine::new(Route::ViaPipe, 4096);
    let error = expect_err(engine.run(&mut sys, 100));
    assert_eq!(error.op(), Op::DrainPipe);
    assert_eq!(error.raw_os_error(), Some(libc::EIO));
    assert_eq!(error.call_len(), 6, "the failed read asked for the 6 bytes still in the pipe");
    assert_eq!(error.held(), 10, "4 bytes in the buffer and 6 in the pipe are all still held");
    assert_eq!(engine.held_in_pipe(), 6);
    assert_names(&error.to_string(), &["read of held bytes back out of the intermediate pipe", "(length 6)"]);
    assert_eq!(
        error.source().and_then(|s| s.downcast_ref::<io::Error>()).and_then(|e| e.raw_os_error()),
        Some(libc::EIO)
    );
    // Delivering the buffer's 4 bytes first and the pipe's 6 later is not
    // possible in order: every later call fails without a system call.
    let calls = sys.calls.len();
    for _ in 0..2 {
        let again = expect_err(engine.run(&mut sys, 100));
        assert_eq!((again.op(), again.kind()), (Op::DrainPipe, io::ErrorKind::Other));
        assert_names(&again.to_string(), &["earlier read of the intermediate pipe failed", "10 bytes stay held"]);
        assert_eq!(again.held(), 10);
    }
    assert_eq!(sys.calls.len(), calls, "a broken engine makes no calls");
    assert!(sys.dest.is_empty(), "nothing was delivered out of order");
}

#[test]
fn a_drain_that_returns_0_while_the_pipe_holds_bytes_is_unexpected_eof_naming_the_counts() {
    let mut sys = Faulty::new(&data(10)).then(SPLICE_OUT, Answer::Errno(libc::ENOSYS)).then(DRAIN, Answer::Claim(0));
    let mut engine = Engine::new(Route::ViaPipe, 4096);
    let error = expect_err(engine.run(&mut sys, 100));
    assert_eq!((error.op(), error.kind()), (Op::DrainPipe, io::ErrorKind::UnexpectedEof));
    assert_names(&error.to_string(), &["returned 0 of 10 bytes it holds", "0 of 10 already read out"]);
    assert_eq!(error.held(), 10);
}

#[test]
fn a_clean_fallback_with_held_bytes_reports_what_it_recovered() {
    let mut sys =
        Faulty::new(&data(300)).then(SPLICE_IN, Answer::Cap(100)).then(SPLICE_OUT, Answer::Errno(libc::EXDEV));
    let mut engine = Engine::new(Route::ViaPipe, 4096);
    let report = engine.run(&mut sys, 1_000).expect("falls back and copies");
    let fallback = report.fallback.expect("a fallback happened");
    assert_eq!((fallback.op, fallback.errno, fallback.recovered), (Op::SpliceOut, libc::EXDEV, 100));
    assert_eq!(engine.route(), Route::Copy);
    assert_eq!((report.bytes, report.spliced, report.stop), (300, 0, Stop::Eof));
    assert_eq!(sys.dest, data(300), "the recovered bytes went out first, in order");
}

#[test]
fn the_loop_runs_through_a_mutable_reference_to_the_syscalls() {
    // `impl Syscalls for &mut S`: a caller can keep ownership of its
    // implementation and lend it to each run.
    let mut sys = Faulty::new(&data(50)).then(Call::Splice(End::Source, End::Dest), Answer::Cap(20));
    let mut engine = Engine::new(Route::Direct, 0);
    {
        let mut lent: &mut Faulty = &mut sys;
        let report = engine.run(&mut lent, 30).expect("direct");
        assert_eq!((report.bytes, report.splice_calls, report.stop), (30, 2, Stop::Limit));
    }
    let mut sys_copy = Faulty::new(&data(5));
    {
        let mut lent: &mut Faulty = &mut sys_copy;
        let report = Engine::new(Route::Copy, 0).run(&mut lent, 10).expect("copy");
        assert_eq!((report.bytes, report.copied, report.stop), (5, 5, Stop::Eof));
    }
    assert_eq!(sys.dest, data(30));
    assert_eq!(sys_copy.dest, data(5));
}

#[test]
fn a_transfer_error_becomes_an_io_error_with_its_kind_and_its_text() {
    let mut sys = Faulty::new(&data(10)).then(SPLICE_OUT, Answer::Errno(libc::ECONNRESET));
    let error = expect_err(Engine::new(Route::ViaPipe, 4096).run(&mut sys, 100));
    assert_eq!(error.io_error().raw_os_error(), Some(libc::ECONNRESET));
    let text = error.to_string();
    let io_error = io::Error::from(error);
    assert_eq!(io_error.kind(), io::ErrorKind::ConnectionReset, "the kind survives the conversion");
    assert_eq!(io_error.to_string(), text, "and so does the text naming the call and the counts");
    let inner = io_error.get_ref().and_then(|e| e.downcast_ref::<TransferError>()).expect("the TransferError inside");
    assert_eq!(inner.held(), 10);
}

#[test]
fn via_pipe_counts_every_splice_into_and_out_of_the_intermediate_pipe() {
    // 10 bytes through the intermediate pipe at most 4 at a time: three
    // fills and three pumps move bytes, a fourth fill sees end of file.
    let mut sys = Faulty::new(&data(10))
        .then(SPLICE_IN, Answer::Cap(4))
        .then(SPLICE_OUT, Answer::Cap(4))
        .then(SPLICE_IN, Answer::Cap(4))
        .then(SPLICE_OUT, Answer::Cap(4));
    let report = Engine::new(Route::ViaPipe, 4096).run(&mut sys, 100).expect("via pipe");
    assert_eq!((report.bytes, report.spliced, report.stop), (10, 10, Stop::Eof));
    let fills = sys.calls.iter().filter(|&&c| c == SPLICE_IN).count();
    let pumps = sys.calls.iter().filter(|&&c| c == SPLICE_OUT).count();
    assert_eq!((fills, pumps), (4, 3), "three fills that moved bytes, one that saw EOF, three pumps");
    assert_eq!(report.splice_calls, 6, "each fill and each pump that moved bytes is one splice call: {report:?}");
    assert_eq!((report.copied, report.copy_calls), (0, 0));
}

#[test]
fn a_fallback_counts_each_read_out_of_the_intermediate_pipe_as_a_copy_call() {
    // 100 bytes in the pipe when the pump is refused (EXDEV): read back out
    // 30 at a time (4 reads), written (1), then the source's last 200 bytes
    // read (1) and written (1); the read that sees end of file moves nothing.
    let mut sys = Faulty::new(&data(300))
        .then(SPLICE_IN, Answer::Cap(100))
        .then(SPLICE_OUT, Answer::Errno(libc::EXDEV))
        .then(DRAIN, Answer::Cap(30))
        .then(DRAIN, Answer::Cap(30))
        .then(DRAIN, Answer::Cap(30));
    let mut engine = Engine::new(Route::ViaPipe, 4096);
    let report = engine.run(&mut sys, 1_000).expect("falls back and copies");
    assert_eq!(report.fallback.map(|f| f.recovered), Some(100));
    let drains = sys.calls.iter().filter(|&&c| c == DRAIN).count();
    assert_eq!(drains, 4, "30 + 30 + 30 + 10 bytes read back out of the pipe");
    assert_eq!(report.copy_calls, 7, "4 reads out of the pipe, 2 writes and 1 read of the source: {report:?}");
    assert_eq!((report.bytes, report.copied, report.splice_calls), (300, 300, 1));
    assert_eq!(sys.dest, data(300));
}

#[test]
fn a_transfer_error_with_nothing_held_does_not_mention_undelivered_bytes() {
    let mut sys = Faulty::new(&data(10)).then(Call::Splice(End::Source, End::Dest), Answer::Errno(libc::ECONNRESET));
    let error = expect_err(Engine::new(Route::Direct, 0).run(&mut sys, 100));
    assert_eq!((error.held(), error.report().bytes), (0, 0));
    let text = error.to_string();
    assert!(text.ends_with("; 0 bytes were delivered by this call"), "{text:?}");
    assert!(!text.contains("not delivered"), "nothing is held, so nothing is undelivered: {text:?}");
}

#[test]
fn an_error_without_an_errno_is_returned_not_retried() {
    // Only EINTR (or an errno-less error of kind `Interrupted`) is retried;
    // any other error a `Syscalls` implementation makes ends the call.
    let mut sys =
        Faulty::new(&data(10)).then(Call::Splice(End::Source, End::Dest), Answer::Plain(io::ErrorKind::Other));
    let error = expect_err(Engine::new(Route::Direct, 0).run(&mut sys, 100));
    assert_eq!((error.op(), error.kind(), error.raw_os_error()), (Op::SpliceDirect, io::ErrorKind::Other, None));
    assert_eq!(sys.calls.len(), 1, "the failed call was not repeated");
    assert!(sys.dest.is_empty());
}

#[test]
fn an_interrupted_error_without_an_errno_is_retried_like_eintr() {
    let mut sys =
        Faulty::new(&data(10)).then(Call::Splice(End::Source, End::Dest), Answer::Plain(io::ErrorKind::Interrupted));
    let report = Engine::new(Route::Direct, 0).run(&mut sys, 10).expect("the interrupted call is retried");
    assert_eq!((report.bytes, report.splice_calls, report.stop), (10, 1, Stop::Limit));
    assert_eq!(sys.calls.len(), 2, "the interrupted call and its retry");
    assert_eq!(sys.dest, data(10));
}

#[test]
fn an_error_without_an_errno_after_bytes_were_delivered_is_an_error_not_would_block() {
    // EAGAIN ends a call with `Ok(Stop::WouldBlock)` once bytes were
    // delivered; any other error is returned with the exact count.
    let direct = Call::Splice(End::Source, End::Dest);
    let mut sys = Faulty::new(&data(10)).then(direct, Answer::Cap(4)).then(direct, Answer::Plain(io::ErrorKind::Other));
    let error = expect_err(Engine::new(Route::Direct, 0).run(&mut sys, 100));
    assert_eq!((error.op(), error.kind()), (Op::SpliceDirect, io::ErrorKind::Other));
    assert_eq!(error.report().bytes, 4, "the exact count delivered before the error");
    assert_eq!(sys.dest, data(4));
}

#[test]
fn a_would_block_error_without_an_errno_after_bytes_ends_the_call_with_would_block() {
    let direct = Call::Splice(End::Source, End::Dest);
    let mut sys =
        Faulty::new(&data(10)).then(direct, Answer::Cap(4)).then(direct, Answer::Plain(io::ErrorKind::WouldBlock));
    let report = Engine::new(Route::Direct, 0).run(&mut sys, 100).expect("would block after 4 bytes is Ok");
    assert_eq!((report.bytes, report.stop), (4, Stop::WouldBlock));
    assert_eq!(sys.dest, data(4));
}
