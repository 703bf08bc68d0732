//! Adapters from the pipe's halves to the I/O traits of `std`, tokio and
//! futures-io (features `std`, `tokio`, `futures-io`).
//!
//! # Why adapters, and not the traits on the halves
//!
//! The halves' own methods are the contract's operations: `write` and
//! `flush` return futures that publish at the call (W4, W5), `read` returns a
//! future of a zero-copy [`Sequence`](crate::Sequence) (R1, R2). If the halves
//! also implemented `std::io::Write` or `std::io::Read`, the name `write`
//! would mean the async operation or the blocking one depending on which
//! trait happens to be in scope, and an inherent method always wins: with
//! `use std::io::Write;`, `writer.write(b"x")` is still the async write, and
//! `let _ = writer.write(b"x");` publishes without honouring back pressure.
//!
//! So, as tokio does with its `SyncIoBridge` and as `tokio-util`'s `compat`
//! does between runtimes, each trait family lives on an adapter type of its
//! own, and no method name means two things:
//!
//! | you hold | `write` / `flush` / `read` mean |
//! |---|---|
//! | `PipeWriter`, `PipeReader` | the async operations of the contract, always |
//! | `StdWriter`, `StdReader` (`std`) | `std::io::{Write, Read, BufRead}`, blocking |
//! | `AsyncWriter`, `AsyncReader` (`tokio` or `futures-io`) | the runtime traits, non-blocking |
//!
//! `into_std()` / `into_async()` take a half by value (dropping the adapter
//! then drops the half, which completes it, R12); `as_std()` / `as_async()`
//! borrow it, so the half stays usable once the adapter is gone. The halves
//! implement none of the `std::io` traits, which is pinned by these doctests:
//!
//! ```compile_fail,E0277
//! // `?` on the async write's future: `std::io::Write` does not apply.
//! use std::io::Write;
//! fn send(writer: &mut pipe_core::PipeWriter) -> std::io::Result<()> {
//!     writer.write(b"x")?;
//!     Ok(())
//! }
//! ```
//!
//! ```compile_fail,E0277
//! fn wants_write<W: std::io::Write>(_: W) {}
//! fn give(writer: pipe_core::PipeWriter) {
//!     wants_write(writer); // the adapter is `writer.into_std()`
//! }
//! ```
//!
//! ```compile_fail,E0061
//! // The async read takes no buffer: `std::io::Read::read` never applies.
//! use std::io::Read;
//! fn take(reader: &mut pipe_core::PipeReader, buf: &mut [u8]) -> std::io::Result<usize> {
//!     reader.read(buf)
//! }
//! ```
//!
//! while the adapters take the std names:
//!
//! ```
//! # #[cfg(all(feature = "std", not(loom)))] {
//! use std::io::{Read, Write};
//! let (reader, writer) = pipe_core::pipe(pipe_core::PipeOptions::default())?;
//! let mut writer = writer.into_std();
//! writer.write_all(b"hello")?;
//! drop(writer); // drops the PipeWriter: complete(None) publishes the rest
//! let mut text = String::new();
//! reader.into_std().read_to_string(&mut text)?;
//! assert_eq!(text, "hello");
//! # }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The futures are exported as [`ReadFuture`](crate::ReadFuture) and
//! [`FlushFuture`](crate::FlushFuture), so glob imports of this crate and of
//! `std::io` do not collide on `Read`:
//!
//! ```
//! # #[cfg(all(feature = "std", not(loom)))] {
//! #![allow(unused_imports)]
//! use pipe_core::*;
//! use std::io::*;
//! fn body<R: Read>(mut r: R) -> Result<Vec<u8>> {
//!     let mut out = Vec::new();
//!     r.read_to_end(&mut out)?;
//!     Ok(out)
//! }
//! fn future_types(_: Option<ReadFuture<'_>>, _: Option<FlushFuture<'_>>) {}
//! let (reader, writer) = pipe_core::pipe(PipeOptions::default()).map_err(Error::from)?;
//! drop(writer);
//! assert!(body(reader.into_std())?.is_empty());
//! # }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Since Rust 1.87, `std::io` also has an OS pipe named `pipe`, `PipeReader`
//! and `PipeWriter`: under both glob imports those three names are
//! ambiguous, which the compiler reports (it never picks one silently).
//! Import them by name (`use pipe_core::{pipe, PipeReader, PipeWriter};`).

#[cfg(feature = "std")]
mod blocking;
#[cfg(feature = "std")]
pub use blocking::{StdReader, StdWriter};

#[cfg(any(feature = "tokio", feature = "futures-io"))]
mod async_io;
#[cfg(any(feature = "tokio", feature = "futures-io"))]
pub use async_io::{AsyncReader, AsyncWriter};
#[cfg(feature = "futures-io")]
mod futures_impl;
#[cfg(feature = "tokio")]
mod tokio_impl;

#[cfg(feature = "std")]
use crate::{FlushResult, PipeError, PipeReader, PipeWriter};

/// The error for a flush whose reader has completed: the bytes go nowhere,
/// as on an OS pipe whose read end is closed (W9).
#[cfg(feature = "std")]
fn broken_pipe() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the pipe's reader has completed")
}

/// A flush's outcome as `std::io` reports it: a completed reader is
/// `BrokenPipe`; a canceled flush (W7) has published its bytes and is `Ok`.
#[cfg(feature = "std")]
fn flush_outcome(result: Result<FlushResult, PipeError>) -> std::io::Result<()> {
    match result {
        Ok(result) if result.is_completed() => Err(broken_pipe()),
        Ok(_) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// What a reader adapter does with a read that resolved empty: nothing to
/// hand out unless the writer completed (EOF). A canceled empty read (R9) is
/// ended, so the next call waits again, and reported as `Interrupted`.
#[cfg(feature = "std")]
fn settle_empty_read(reader: &mut PipeReader) -> std::io::Result<()> {
    let Some(result) = reader.outstanding_read() else {
        return Ok(());
    };
    let (empty, completed, canceled) = (result.buffer().is_empty(), result.is_completed(), result.is_canceled());
    if empty && !completed {
        let start = result.buffer().start();
        reader.advance(start)?;
        if canceled {
            return Err(std::io::Error::new(std::io::ErrorKind::Interrupted, "pipe read canceled"));
        }
    }
    Ok(())
}

/// Copies the front of the outstanding read's buffer into `out`, across
/// segments, and consumes what it copied. Returns the count (0 at EOF or
/// with no read outstanding).
#[cfg(feature = "std")]
fn copy_out(reader: &mut PipeReader, out: &mut [u8]) -> std::io::Result<usize> {
    let Some(result) = reader.outstanding_read() else {
        return Ok(0);
    };
    let buffer = result.buffer();
    let mut copied = 0;
    for chunk in buffer.chunks() {
        let Some(room) = out.get_mut(copied..) else { break };
        if room.is_empty() {
            break;
        }
        let n = chunk.len().min(room.len());
        if let (Some(target), Some(source)) = (room.get_mut(..n), chunk.get(..n)) {
            target.copy_from_slice(source);
        }
        copied += n;
    }
    consume(reader, copied)?;
    Ok(copied)
}

/// Consumes `amount` bytes (at most all) of the outstanding read; consuming
/// everything examines everything, so the next read waits for new bytes (R4).
#[cfg(feature = "std")]
fn consume(reader: &mut PipeReader, amount: usize) -> Result<(), PipeError> {
    let Some(result) = reader.outstanding_read() else {
        return Ok(());
    };
    let buffer = result.buffer();
    let position = buffer.get_position(amount.min(buffer.len()))?;
    reader.advance(position)
}

#[cfg(feature = "std")]
impl PipeWriter {
    /// This writer as a `std::io::Write`: bytes go into the segment and are
    /// published when it fills or on `flush()`. See [`StdWriter`].
    pub fn into_std(self) -> StdWriter<PipeWriter> {
        StdWriter::new(self)
    }

    /// Borrows this writer as a `std::io::Write` (see [`StdWriter`]); bytes
    /// not yet published when the adapter is dropped stay advanced in the
    /// writer, and its next flush or completion publishes them.
    pub fn as_std(&mut self) -> StdWriter<&mut PipeWriter> {
        StdWriter::new(self)
    }
}

#[cfg(feature = "std")]
impl PipeReader {
    /// This reader as a `std::io::Read` + `BufRead`. See [`StdReader`].
    pub fn into_std(self) -> StdReader<PipeReader> {
        StdReader::new(self)
    }

    /// Borrows this reader as a `std::io::Read` + `BufRead` (see
    /// [`StdReader`]).
    pub fn as_std(&mut self) -> StdReader<&mut PipeReader> {
        StdReader::new(self)
    }
}

#[cfg(any(feature = "tokio", feature = "futures-io"))]
impl PipeWriter {
    /// This writer as a tokio / futures-io `AsyncWrite`. See [`AsyncWriter`].
    pub fn into_async(self) -> AsyncWriter<PipeWriter> {
        AsyncWriter::new(self)
    }

    /// Borrows this writer as a tokio / futures-io `AsyncWrite` (see
    /// [`AsyncWriter`]).
    pub fn as_async(&mut self) -> AsyncWriter<&mut PipeWriter> {
        AsyncWriter::new(self)
    }
}

#[cfg(any(feature = "tokio", feature = "futures-io"))]
impl PipeReader {
    /// This reader as a tokio / futures-io `AsyncRead` + `AsyncBufRead`. See
    /// [`AsyncReader`].
    pub fn into_async(self) -> AsyncReader<PipeReader> {
        AsyncReader::new(self)
    }

    /// Borrows this reader as a tokio / futures-io `AsyncRead` +
    /// `AsyncBufRead` (see [`AsyncReader`]).
    pub fn as_async(&mut self) -> AsyncReader<&mut PipeReader> {
        AsyncReader::new(self)
    }
}
