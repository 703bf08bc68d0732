//! `std::io::{Write, Read, BufRead}` for the halves, through adapter types.

use core::borrow::BorrowMut;
use core::fmt;
use std::io;

use super::{copy_out, flush_outcome, settle_empty_read};
use crate::{PipeReader, PipeWriter};

/// A [`PipeWriter`] as a `std::io::Write`, from [`PipeWriter::into_std`] or
/// [`PipeWriter::as_std`].
///
/// It follows std's convention for buffered writers, with the pipe's
/// segments as the buffer (no second copy): `write` copies bytes into the
/// current segment, and the bytes are published — a flush of the contract
/// (W4) — when the segment fills or on [`flush()`](io::Write::flush). Each
/// publish honours back pressure: the calling thread blocks while the
/// writer is paused (W6), so a producer that outruns its reader holds at
/// most the pause threshold plus a segment (M2). A `BufWriter` in front is
/// not needed; it only adds a copy.
///
/// Call `flush()` when the reader must see what was written so far (end of
/// a message, before waiting for an answer). Dropping an owning adapter
/// drops the writer, which completes it (R12) and so publishes everything;
/// a borrowing one leaves unpublished bytes advanced in the writer (W3), for
/// its next flush or completion.
///
/// Errors: once the reader has completed, the publish that finds out fails
/// with `ErrorKind::BrokenPipe`, like a write to an OS pipe whose read end
/// is closed — at the first write of this adapter, at a segment's end or at
/// `flush()`, and at every write after that (W9); the bytes go nowhere. A reader that failed with an error
/// gives `ErrorKind::Other` carrying [`PipeError::ReaderFailed`](crate::PipeError::ReaderFailed)
/// (R11). After the writer completed, writes fail with `BrokenPipe` (W8). A
/// canceled flush (W7) has published its bytes and returns `Ok`.
///
/// ```
/// use std::io::Write;
/// let (mut reader, writer) = pipe_core::pipe(pipe_core::PipeOptions::default())?;
/// let mut writer = writer.into_std();
/// write!(writer, "{} + {} = {}", 1, 2, 3)?; // into the segment, not published yet
/// assert_eq!(writer.get_ref().unflushed_bytes(), 9);
/// writer.flush()?; // published
/// let result = reader.read_blocking()?;
/// assert_eq!(result.buffer(), &b"1 + 2 = 3"[..]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct StdWriter<W = PipeWriter> {
    writer: W,
    /// Look at the reader before the next copy: set at the start and after a
    /// publish that failed, so a write to a completed reader fails at once,
    /// every time, as on an OS pipe (W9).
    check_reader: bool,
}

impl<W: BorrowMut<PipeWriter>> StdWriter<W> {
    /// Wraps a writer (`PipeWriter` or `&mut PipeWriter`).
    pub fn new(writer: W) -> Self {
        Self { writer, check_reader: true }
    }

    /// The writer.
    pub fn get_ref(&self) -> &PipeWriter {
        self.writer.borrow()
    }

    /// The writer, for `get_memory`/`advance` or `complete`.
    pub fn get_mut(&mut self) -> &mut PipeWriter {
        self.writer.borrow_mut()
    }

    /// Unwraps the writer; unpublished bytes stay advanced in it (W3).
    pub fn into_inner(self) -> W {
        self.writer
    }

    /// Publishes the full current segment, blocking under back pressure.
    fn publish(&mut self) -> io::Result<()> {
        self.check_reader = true;
        flush_outcome(self.writer.borrow_mut().flush_blocking())?;
        self.check_reader = false;
        Ok(())
    }

    /// `write` after its copy filled the segment: publish, then report
    /// the `copied` bytes.
    #[cold]
    #[inline(never)]
    fn publish_after(&mut self, copied: usize) -> io::Result<usize> {
        self.publish()?;
        Ok(copied)
    }

    /// `write_all` past the fast path: `copied` bytes went in, `full` says
    /// whether they filled the segment.
    #[cold]
    #[inline(never)]
    fn write_all_cold(&mut self, mut bytes: &[u8], copied: usize, full: bool) -> io::Result<()> {
        if full && copied > 0 {
            self.publish()?;
        }
        bytes = bytes.get(copied..).unwrap_or_default();
        while !bytes.is_empty() {
            let n = self.write_slow(bytes)?;
            bytes = bytes.get(n..).unwrap_or_default();
        }
        Ok(())
    }

    /// One `write` the slow way: look at the reader if due, rent a segment
    /// if needed, copy, publish when the segment is full.
    #[cold]
    #[inline(never)]
    fn write_slow(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if bytes.is_empty() {
            return Ok(0);
        }
        let writer = self.writer.borrow_mut();
        if self.check_reader {
            // Report a reader that is already gone now rather than a segment
            // later (W9); the flush publishes nothing new.
            if writer.stats().reader_completed {
                flush_outcome(writer.flush_blocking())?;
            }
            self.check_reader = false;
        }
        let memory = writer.get_memory(1)?;
        let n = memory.len().min(bytes.len());
        let full = n == memory.len();
        if let (Some(target), Some(source)) = (memory.get_mut(..n), bytes.get(..n)) {
            target.copy_from_slice(source);
        }
        writer.advance(n)?;
        if full {
            self.publish()?;
        }
        Ok(n)
    }
}

impl<W: BorrowMut<PipeWriter>> io::Write for StdWriter<W> {
    /// Copies as much of `bytes` as fits in the current segment (a fresh one
    /// if it is full) and publishes the segment once it is full.
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if !self.check_reader {
            // The common case, inlined: room left in the current segment.
            let (n, full) = self.writer.borrow_mut().append_to_tail(bytes);
            if n > 0 {
                return if full { self.publish_after(n) } else { Ok(n) };
            }
        }
        self.write_slow(bytes)
    }

    /// `write` in a loop, with the common case — the bytes fit in the
    /// current segment — inlined, as `BufWriter` does.
    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        if !self.check_reader {
            let (n, full) = self.writer.borrow_mut().append_to_tail(bytes);
            if n == bytes.len() && !full {
                return Ok(());
            }
            return self.write_all_cold(bytes, n, full);
        }
        self.write_all_cold(bytes, 0, false)
    }

    /// Publishes every advanced byte and blocks while back pressure holds.
    fn flush(&mut self) -> io::Result<()> {
        self.check_reader = true;
        flush_outcome(self.writer.borrow_mut().flush_blocking())?;
        self.check_reader = false;
        Ok(())
    }
}

impl<W: BorrowMut<PipeWriter>> fmt::Debug for StdWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StdWriter").field("writer", self.get_ref()).finish()
    }
}

/// A [`PipeReader`] as a `std::io::Read` and `BufRead`, from
/// [`PipeReader::into_std`] or [`PipeReader::as_std`]; it streams like the
/// read end of an OS pipe.
///
/// `read` blocks until bytes are published (R1), then fills `out` with as
/// many buffered bytes as fit, across segments, and consumes them; it
/// returns `Ok(0)` once the writer completed and everything was read (R10),
/// every time after that. `fill_buf` hands out the first segment's bytes
/// (one contiguous slice) and `consume` advances past them; consuming all
/// of the buffer makes the next call wait for new bytes (R4).
///
/// Errors: the writer's completion error is `ErrorKind::Other` carrying
/// [`PipeError::WriterFailed`](crate::PipeError::WriterFailed) (R11). A
/// canceled read with nothing buffered (R9) is `ErrorKind::Interrupted`,
/// which `read_exact`, `read_to_end` and `io::copy` retry.
///
/// ```
/// use std::io::{BufRead, Read};
/// let (reader, mut writer) = pipe_core::pipe(pipe_core::PipeOptions::default())?;
/// writer.write_blocking(b"GET / HTTP/1.1\r\nrest")?;
/// writer.complete(None);
/// let mut reader = reader.into_std();
/// let mut line = String::new();
/// reader.read_line(&mut line)?;
/// assert_eq!(line, "GET / HTTP/1.1\r\n");
/// let mut rest = Vec::new();
/// reader.read_to_end(&mut rest)?;
/// assert_eq!(rest, b"rest");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct StdReader<R = PipeReader> {
    reader: R,
}

impl<R: BorrowMut<PipeReader>> StdReader<R> {
    /// Wraps a reader (`PipeReader` or `&mut PipeReader`).
    pub fn new(reader: R) -> Self {
        Self { reader }
    }

    /// The reader.
    pub fn get_ref(&self) -> &PipeReader {
        self.reader.borrow()
    }

    /// The reader. A read left outstanding by `fill_buf` is visible through
    /// [`PipeReader::outstanding_read`].
    pub fn get_mut(&mut self) -> &mut PipeReader {
        self.reader.borrow_mut()
    }

    /// Unwraps the reader, with any read `fill_buf` left outstanding.
    pub fn into_inner(self) -> R {
        self.reader
    }

    /// Makes a read outstanding unless one is (or the pipe is at EOF).
    fn fill(&mut self) -> io::Result<()> {
        let reader = self.reader.borrow_mut();
        if !reader.has_outstanding_read() {
            reader.read_blocking()?;
            settle_empty_read(reader)?;
        }
        Ok(())
    }
}

impl<R: BorrowMut<PipeReader>> io::Read for StdReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        self.fill()?;
        copy_out(self.reader.borrow_mut(), out)
    }
}

impl<R: BorrowMut<PipeReader>> io::BufRead for StdReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.fill()?;
        Ok(self.reader.borrow().outstanding_read().map_or(&[][..], |result| result.buffer().first()))
    }

    fn consume(&mut self, amount: usize) {
        // Cannot fail: the position lies inside the outstanding buffer.
        let _ = super::consume(self.reader.borrow_mut(), amount);
    }
}

impl<R: BorrowMut<PipeReader>> fmt::Debug for StdReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StdReader").field("reader", self.get_ref()).finish()
    }
}
