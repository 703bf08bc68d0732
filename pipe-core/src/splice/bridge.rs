//! Bridges between descriptors and the user-space pipe.
//!
//! Filling: a `read(2)` straight into the memory `PipeWriter::get_memory`
//! returns, then `advance`. The writer's public API hands out one contiguous
//! slice at a time (a second `get_memory` without `advance` returns the same
//! memory), so a fill is one `read` per segment, not a `readv` across
//! segments.
//!
//! Draining: one `writev(2)` (or `sendmsg(2)` with `MSG_NOSIGNAL` for a
//! socket) of the `Sequence`'s chunks, then `advance_to` exactly the bytes
//! written — a partial write consumes and examines only its prefix, so the
//! next read returns the rest at once.

use std::io;
use std::io::IoSlice;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::vec::Vec;

use rustix::io::Errno;
use rustix::net::{SendAncillaryBuffer, SendFlags};

use super::error::context;
use super::sigpipe::SigpipeGuard;
use super::types::FdKind;
use crate::{PipeError, PipeReader, PipeWriter, Sequence};

/// At most this many chunks go into one `writev` (`IOV_MAX` on Linux).
pub const MAX_IOVECS: usize = 1024;

fn pipe_error(what: &str, error: PipeError) -> io::Error {
    io::Error::other(std::format!("{what}: {error}"))
}

/// Reads once from `fd` into the writer's memory (at least `hint` bytes
/// asked for) and advances the writer by the count; does not flush. Returns
/// the count, 0 at end of file. `EINTR` is retried; `EAGAIN` is an error of
/// kind `WouldBlock` with nothing advanced.
pub fn read_into(writer: &mut PipeWriter, fd: impl AsFd, hint: usize) -> io::Result<usize> {
    read_at_most(writer, fd.as_fd(), hint, usize::MAX)
}

/// [`read_into`] that takes at most `most` bytes from `fd`: the writer's
/// memory may be larger than asked for, and a caller with a limit must not
/// take bytes beyond it from the descriptor.
fn read_at_most(writer: &mut PipeWriter, fd: BorrowedFd<'_>, hint: usize, most: usize) -> io::Result<usize> {
    let memory = writer.get_memory(hint).map_err(|e| pipe_error("get_memory for a read from an fd", e))?;
    let len = memory.len().min(most);
    let n = loop {
        match rustix::io::read(fd, &mut memory[..len]) {
            Ok(n) => break n,
            Err(Errno::INTR) => continue,
            Err(e) => {
                return Err(context(
                    e,
                    std::format!("read of up to {len} bytes from fd {} into a pipe segment failed", fd.as_raw_fd()),
                ))
            }
        }
    };
    writer.advance(n).map_err(|e| pipe_error("advance after a read from an fd", e))?;
    Ok(n)
}

/// Fills the pipe from `fd` until end of file or `limit` bytes, flushing
/// (blocking while back pressure holds) after every read; returns the bytes
/// moved. Fails with `BrokenPipe` once the pipe's reader has completed.
pub fn fill_from_fd(writer: &mut PipeWriter, fd: impl AsFd, limit: u64) -> io::Result<u64> {
    let fd = fd.as_fd();
    let mut total = 0u64;
    while total < limit {
        let left = usize::try_from(limit - total).unwrap_or(usize::MAX);
        let n = read_at_most(writer, fd, left.min(super::engine::COPY_BUFFER), left)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        let flushed = writer.flush_blocking().map_err(|e| pipe_error("flush after a read from an fd", e))?;
        if flushed.is_completed() {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                std::format!("the pipe's reader completed after {total} bytes were read from fd {}", fd.as_raw_fd()),
            ));
        }
    }
    Ok(total)
}

/// Writes as much of `sequence` to `fd` as one vectored call takes (up to
/// [`MAX_IOVECS`] chunks) and returns the count. `EINTR` is retried. A socket
/// gets `sendmsg` with `MSG_NOSIGNAL`; any other descriptor `writev`, with
/// SIGPIPE blocked for the call — `EPIPE` is an error, never a signal.
pub fn write_sequence(fd: impl AsFd, sequence: &Sequence<'_>) -> io::Result<usize> {
    let fd = fd.as_fd();
    let kind = FdKind::of(fd)?;
    write_chunks(fd, kind, sequence)
}

fn write_chunks(fd: BorrowedFd<'_>, kind: FdKind, sequence: &Sequence<'_>) -> io::Result<usize> {
    let slices: Vec<IoSlice<'_>> = sequence.chunks().take(MAX_IOVECS).map(IoSlice::new).collect();
    if slices.is_empty() {
        return Ok(0);
    }
    let socket = matches!(kind, FdKind::StreamSocket | FdKind::DatagramSocket);
    let mut guard = if socket { None } else { Some(SigpipeGuard::new()?) };
    loop {
        let result = if socket {
            rustix::net::sendmsg(fd, &slices, &mut SendAncillaryBuffer::default(), SendFlags::NOSIGNAL)
        } else {
            rustix::io::writev(fd, &slices)
        };
        match result {
            Ok(n) => return Ok(n),
            Err(Errno::INTR) => continue,
            Err(e) => {
                if let (Some(guard), Errno::PIPE) = (guard.as_mut(), e) {
                    guard.saw_epipe();
                }
                return Err(context(
                    e,
                    std::format!(
                        "vectored write of {} bytes in {} chunks to fd {} ({kind}) failed",
                        slices.iter().map(|s| s.len()).sum::<usize>(),
                        slices.len(),
                        fd.as_raw_fd()
                    ),
                ));
            }
        }
    }
}

/// What one [`write_once`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrainStep {
    /// Bytes written (and consumed from the pipe).
    pub written: usize,
    /// The writer has completed and every byte was written: nothing more
    /// will come.
    pub completed: bool,
}

/// One read of the pipe (blocking until bytes or completion), one vectored
/// write of its buffer to `fd`, then `advance_to` exactly the bytes written,
/// consumed and examined — after a partial write the next read returns the
/// rest at once.
///
/// A write error (`WouldBlock` from a non-blocking `fd` included) is
/// returned after ending the read with nothing consumed. A canceled read
/// returns `written: 0, completed: false`.
pub fn write_once(reader: &mut PipeReader, fd: impl AsFd) -> io::Result<DrainStep> {
    let fd = fd.as_fd();
    let kind = FdKind::of(fd)?;
    write_once_to(reader, fd, kind)
}

fn write_once_to(reader: &mut PipeReader, fd: BorrowedFd<'_>, kind: FdKind) -> io::Result<DrainStep> {
    let (step, outcome, position) = {
        let result = reader.read_blocking().map_err(|e| pipe_error("read before a write to an fd", e))?;
        let buffer = result.buffer();
        if buffer.is_empty() {
            (DrainStep { written: 0, completed: result.is_completed() }, Ok(()), buffer.start())
        } else {
            match write_chunks(fd, kind, &buffer) {
                Ok(n) => {
                    let position =
                        buffer.get_position(n).map_err(|e| pipe_error("position after a vectored write", e))?;
                    let completed = result.is_completed() && n == buffer.len();
                    (DrainStep { written: n, completed }, Ok(()), position)
                }
                Err(e) => (DrainStep { written: 0, completed: false }, Err(e), buffer.start()),
            }
        }
    };
    reader.advance_to(position, position).map_err(|e| pipe_error("advance_to after a vectored write", e))?;
    outcome.map(|()| step)
}

/// Drains the pipe to `fd` with [`write_once`] until the writer completes
/// and every byte is written; returns the bytes written. An error is
/// returned as it comes; bytes not yet written stay in the pipe. The
/// writer's completion error is an error of kind `Other`.
pub fn drain_to_fd(reader: &mut PipeReader, fd: impl AsFd) -> io::Result<u64> {
    let fd = fd.as_fd();
    let kind = FdKind::of(fd)?;
    let mut total = 0u64;
    loop {
        let step = write_once_to(reader, fd, kind)?;
        total += step.written as u64;
        if step.completed {
            return Ok(total);
        }
    }
}
