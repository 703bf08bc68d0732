//! The transfer loop, written once against [`Syscalls`] so the same code runs
//! on real file descriptors and under fault injection.

use std::io;
use std::vec::Vec;

use super::error::{cannot_splice, is_interrupted, is_would_block, TransferError};
use super::types::{Fallback, Op, Route, Stop, TransferReport};

/// One end of a transfer, as the [`Syscalls`] trait names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum End {
    /// The descriptor bytes come from.
    Source,
    /// The descriptor bytes go to.
    Dest,
    /// The intermediate kernel pipe: its write end when it is the target of a
    /// call, its read end when it is the origin.
    Pipe,
}

/// The system calls the transfer loop makes, one method per call.
///
/// [`Engine::run`] calls exactly these, with these arguments:
///
/// | call | meaning |
/// | --- | --- |
/// | `splice(Source, Dest, len)` | [`Route::Direct`]: one side is a pipe |
/// | `splice(Source, Pipe, len)` | [`Route::ViaPipe`]: fill the empty intermediate pipe |
/// | `splice(Pipe, Dest, len)` | [`Route::ViaPipe`]: deliver bytes held in the pipe |
/// | `read(Source, buf)` | [`Route::Copy`]: read into the user-space buffer |
/// | `read(Pipe, buf)` | falling back with bytes held in the pipe: take them out |
/// | `write(Dest, buf)` | [`Route::Copy`]: deliver bytes held in the buffer |
///
/// `len` and `buf.len()` are never 0 and never above [`MAX_LEN`]. A call
/// returns how many bytes it moved (`Ok(0)` from the source is end of file)
/// or an error whose `raw_os_error` is the errno; the loop's reaction to each
/// errno is the fallback table of `docs/splice.md`. The real implementation
/// issues `splice(2)`, `read(2)` and `write(2)`/`send(2)`; tests and the
/// simulator implement it to inject `EINTR`, `EAGAIN`, short transfers and
/// failures at any point.
pub trait Syscalls {
    /// `splice(from, to, len)`: moves up to `len` bytes, at least one side a pipe.
    fn splice(&mut self, from: End, to: End, len: usize) -> io::Result<usize>;
    /// `read(from, buf)`: copies up to `buf.len()` bytes into `buf`.
    fn read(&mut self, from: End, buf: &mut [u8]) -> io::Result<usize>;
    /// `write(to, buf)`: copies up to `buf.len()` bytes out of `buf`.
    fn write(&mut self, to: End, buf: &[u8]) -> io::Result<usize>;
}

impl<S: Syscalls + ?Sized> Syscalls for &mut S {
    fn splice(&mut self, from: End, to: End, len: usize) -> io::Result<usize> {
        (**self).splice(from, to, len)
    }
    fn read(&mut self, from: End, buf: &mut [u8]) -> io::Result<usize> {
        (**self).read(from, buf)
    }
    fn write(&mut self, to: End, buf: &[u8]) -> io::Result<usize> {
        (**self).write(to, buf)
    }
}

/// The largest length the loop passes to one call: 1 MiB, far below
/// `isize::MAX` (a length above that is `EINVAL`, which must never be taken
/// for "cannot splice").
pub const MAX_LEN: usize = 1 << 20;

/// The user-space buffer of the copy path.
pub const COPY_BUFFER: usize = 64 * 1024;

/// The transfer state machine: the route, and bytes taken from the source
/// but not yet delivered.
///
/// Bytes are only ever in one place: the intermediate pipe holds
/// `in_pipe` bytes, the buffer holds `buffer[start..end]`, and at most one of
/// the two is non-empty. New bytes are taken from the source only when both
/// are empty, so the order of bytes is the order of calls.
#[derive(Debug)]
pub struct Engine {
    route: Route,
    pipe_capacity: usize,
    /// Bytes held in the intermediate pipe.
    in_pipe: usize,
    /// The copy path's buffer; allocated on first use.
    buffer: Vec<u8>,
    /// Held bytes are `buffer[start..end]`; `start <= end <= buffer.len()`.
    start: usize,
    end: usize,
    /// Set when reading the intermediate pipe failed half-way: held bytes are
    /// then split between buffer and pipe and the transfer cannot go on.
    broken: bool,
}

impl Engine {
    /// A transfer on `route`; `pipe_capacity` bounds each fill of the
    /// intermediate pipe (ignored by the other routes; at least 1).
    pub fn new(route: Route, pipe_capacity: usize) -> Self {
        Self {
            route,
            pipe_capacity: pipe_capacity.clamp(1, MAX_LEN),
            in_pipe: 0,
            buffer: Vec::new(),
            start: 0,
            end: 0,
            broken: false,
        }
    }

    /// The route the next call takes (after a fallback, [`Route::Copy`]).
    pub fn route(&self) -> Route {
        self.route
    }

    /// Bytes taken from the source and not yet delivered (in the pipe or the
    /// buffer). Non-zero only after a `WouldBlock` or an error.
    pub fn held(&self) -> usize {
        self.in_pipe + (self.end - self.start)
    }

    /// Bytes held in the intermediate pipe.
    pub fn held_in_pipe(&self) -> usize {
        self.in_pipe
    }

    /// Delivers at most `limit` bytes: held bytes first, then bytes taken from
    /// the source, until the limit, end of file, `EAGAIN` or an error.
    ///
    /// `EINTR` is retried. `EAGAIN` with bytes delivered returns `Ok` with
    /// [`Stop::WouldBlock`]; with none, `Err` of kind `WouldBlock`. A
    /// "cannot splice" errno switches to the copy path only while this call has
    /// delivered nothing (bytes already in the intermediate pipe are read out
    /// and written by the copy path); after that it is returned. Every error
    /// carries the report of what this call delivered and the count held.
    pub fn run<S: Syscalls>(&mut self, sys: &mut S, limit: u64) -> Result<TransferReport, TransferError> {
        let mut report = TransferReport::default();
        if self.broken {
            let error = io::Error::other(std::format!(
                "an earlier read of the intermediate pipe failed; {} bytes stay held and cannot be delivered in order",
                self.held()
            ));
            return Err(self.fail(Op::DrainPipe, 0, error, report));
        }
        loop {
            debug_assert!(self.in_pipe == 0 || self.start == self.end, "bytes held in two places");
            debug_assert!(self.start <= self.end && self.end <= self.buffer.len());
            let room = limit - report.bytes;
            if room == 0 {
                report.stop = Stop::Limit;
                return Ok(report);
            }
            if self.in_pipe > 0 {
                let len = cap(self.in_pipe, room);
                match retry(|| sys.splice(End::Pipe, End::Dest, len)) {
                    Ok(0) => return Err(self.fail(Op::SpliceOut, len, write_zero(), report)),
                    Ok(n) if n > len => return Err(self.fail(Op::SpliceOut, len, too_many(n, len), report)),
                    Ok(n) => {
                        self.in_pipe -= n;
                        report.bytes += n as u64;
                        report.spliced += n as u64;
                        report.splice_calls += 1;
                    }
                    Err(e) if is_would_block(&e) => return self.would_block(Op::SpliceOut, len, e, report),
                    Err(e) if cannot_splice(&e) && report.bytes == 0 => {
                        self.fall_back(sys, Op::SpliceOut, e, &mut report)?
                    }
                    Err(e) => return Err(self.fail(Op::SpliceOut, len, e, report)),
                }
                continue;
            }
            if self.end > self.start {
                let len = cap(self.end - self.start, room);
                let chunk = &self.buffer[self.start..self.start + len];
                match retry(|| sys.write(End::Dest, chunk)) {
                    Ok(0) => return Err(self.fail(Op::Write, len, write_zero(), report)),
                    Ok(n) if n > len => return Err(self.fail(Op::Write, len, too_many(n, len), report)),
                    Ok(n) => {
                        self.start += n;
                        report.bytes += n as u64;
                        report.copied += n as u64;
                        report.copy_calls += 1;
                    }
                    Err(e) if is_would_block(&e) => return self.would_block(Op::Write, len, e, report),
                    Err(e) => return Err(self.fail(Op::Write, len, e, report)),
                }
                if self.start == self.end {
                    self.start = 0;
                    self.end = 0;
                }
                continue;
            }
            // Nothing held: take new bytes from the source.
            let want = cap(MAX_LEN, room);
            let (op, len, result) = match self.route {
                Route::Direct => (Op::SpliceDirect, want, retry(|| sys.splice(End::Source, End::Dest, want))),
                Route::ViaPipe => {
                    let len = want.min(self.pipe_capacity);
                    (Op::SpliceIn, len, retry(|| sys.splice(End::Source, End::Pipe, len)))
                }
                Route::Copy => {
                    if self.buffer.is_empty() {
                        self.buffer = std::vec![0; COPY_BUFFER];
                    }
                    let len = want.min(self.buffer.len());
                    let buffer = &mut self.buffer[..len];
                    (Op::Read, len, retry(|| sys.read(End::Source, buffer)))
                }
            };
            match result {
                Ok(0) => {
                    report.stop = Stop::Eof;
                    return Ok(report);
                }
                Ok(n) if n > len => return Err(self.fail(op, len, too_many(n, len), report)),
                Ok(n) => match self.route {
                    Route::Direct => {
                        report.bytes += n as u64;
                        report.spliced += n as u64;
                        report.splice_calls += 1;
                    }
                    Route::ViaPipe => {
                        self.in_pipe = n;
                        report.splice_calls += 1;
                    }
                    Route::Copy => {
                        self.start = 0;
                        self.end = n;
                        report.copy_calls += 1;
                    }
                },
                Err(e) if is_would_block(&e) => return self.would_block(op, len, e, report),
                Err(e) if self.route != Route::Copy && cannot_splice(&e) && report.bytes == 0 => {
                    self.fall_back(sys, op, e, &mut report)?
                }
                Err(e) => return Err(self.fail(op, len, e, report)),
            }
        }
    }

    /// Switches to the copy path, first reading every byte held in the
    /// intermediate pipe into the buffer (from the pipe's read end: those bytes
    /// were taken from the source and must go out first).
    fn fall_back<S: Syscalls>(
        &mut self,
        sys: &mut S,
        op: Op,
        cause: io::Error,
        report: &mut TransferReport,
    ) -> Result<(), TransferError> {
        let recovered = self.in_pipe;
        if self.in_pipe > 0 {
            if self.buffer.len() < self.in_pipe.max(COPY_BUFFER) {
                self.buffer.resize(self.in_pipe.max(COPY_BUFFER), 0);
            }
            let mut got = 0;
            while got < self.in_pipe {
                let target = &mut self.buffer[got..self.in_pipe];
                let len = target.len();
                match retry(|| sys.read(End::Pipe, target)) {
                    Ok(n) if n > 0 && n <= len => got += n,
                    Ok(n) => {
                        let error = io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            std::format!(
                                "the intermediate pipe returned {n} of {len} bytes it holds ({got} of {} already read out)",
                                self.in_pipe
                            ),
                        );
                        return Err(self.drain_failed(len, got, error, *report));
                    }
                    Err(e) => return Err(self.drain_failed(len, got, e, *report)),
                }
                report.copy_calls += 1;
            }
            self.start = 0;
            self.end = self.in_pipe;
            self.in_pipe = 0;
        }
        self.route = Route::Copy;
        report.fallback = Some(Fallback { op, errno: cause.raw_os_error().unwrap_or(0), recovered });
        Ok(())
    }

    /// A read from the intermediate pipe failed while falling back: the bytes
    /// read out so far are in the buffer, the rest still in the pipe.
    fn drain_failed(&mut self, len: usize, got: usize, error: io::Error, report: TransferReport) -> TransferError {
        // `held` still counts both parts; the engine refuses further calls
        // rather than deliver the pipe's bytes before the buffer's.
        self.in_pipe -= got;
        self.start = 0;
        self.end = got;
        self.broken = true;
        TransferError::new(Op::DrainPipe, len, error, report, self.held())
    }

    fn fail(&self, op: Op, len: usize, error: io::Error, report: TransferReport) -> TransferError {
        TransferError::new(op, len, error, report, self.held())
    }

    fn would_block(
        &self,
        op: Op,
        len: usize,
        error: io::Error,
        mut report: TransferReport,
    ) -> Result<TransferReport, TransferError> {
        if report.bytes > 0 {
            report.stop = Stop::WouldBlock;
            Ok(report)
        } else {
            Err(self.fail(op, len, error, report))
        }
    }
}

/// `min(limit, room)` as a length for one call.
fn cap(limit: usize, room: u64) -> usize {
    limit.min(MAX_LEN).min(usize::try_from(room).unwrap_or(usize::MAX))
}

/// Repeats `call` while it fails with `EINTR`.
fn retry(mut call: impl FnMut() -> io::Result<usize>) -> io::Result<usize> {
    loop {
        match call() {
            Err(e) if is_interrupted(&e) => continue,
            other => return other,
        }
    }
}

fn write_zero() -> io::Error {
    io::Error::new(io::ErrorKind::WriteZero, "the destination accepted 0 bytes")
}

fn too_many(n: usize, len: usize) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, std::format!("a call asked to move {len} bytes reported {n}"))
}
