//! `std::io::{Write, Read, BufRead}` for the halves, through adapter types.

use core::borrow::BorrowMut;
use core::fmt;
use core::ptr::NonNull;
use std::io;

use super::{copy_out, flush_outcome, settle_empty_read};
use crate::blocking::park_on;
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
/// most the pause threshold plus a segment (M2). The adapter rents segments
/// of 32 KiB — at most half the pause threshold, at least the pipe's
/// minimum segment size — as its buffer. A `BufWriter` in front is not
/// needed; it only adds a copy.
///
/// A thread blocked here parks at once, as on an OS pipe, instead of
/// spinning first as the blocking API does: the reader at the other end
/// usually has work of its own and needs the core.
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
/// # #[cfg(not(loom))] {
/// use std::io::Write;
/// let (mut reader, writer) = pipe_core::pipe(pipe_core::PipeOptions::default())?;
/// let mut writer = writer.into_std();
/// write!(writer, "{} + {} = {}", 1, 2, 3)?; // into the segment, not published yet
/// assert_eq!(writer.get_ref().unflushed_bytes(), 9);
/// writer.flush()?; // published
/// let result = reader.read_blocking()?;
/// assert_eq!(result.buffer(), &b"1 + 2 = 3"[..]);
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct StdWriter<W = PipeWriter> {
    writer: W,
    /// Look at the reader before the next copy: set at the start and after a
    /// publish that failed, so a write to a completed reader fails at once,
    /// every time, as on an OS pipe (W9).
    check_reader: bool,
    /// The first free byte of the writer's current segment, cached from
    /// `PipeWriter::spare`. Invariant: when `room > 0`, `spare` points at
    /// byte `written` of the writer's tail and `room` bytes after it are
    /// free; the cache is dropped (`room = 0`) before any call that could
    /// change the tail, and before handing the writer out (`get_mut`).
    spare: NonNull<u8>,
    room: usize,
}

// SAFETY: `spare` points into the writer's own segment, which moves with the
// writer; the adapter is as `Send` and `Sync` as the writer it holds.
unsafe impl<W: Send> Send for StdWriter<W> {}
// SAFETY: as above; `&self` methods never touch `spare`.
unsafe impl<W: Sync> Sync for StdWriter<W> {}

impl<W: BorrowMut<PipeWriter>> StdWriter<W> {
    /// Wraps a writer (`PipeWriter` or `&mut PipeWriter`).
    pub fn new(writer: W) -> Self {
        Self { writer, check_reader: true, spare: NonNull::dangling(), room: 0 }
    }

    /// The writer.
    pub fn get_ref(&self) -> &PipeWriter {
        self.writer.borrow()
    }

    /// The writer, for `get_memory`/`advance` or `complete`.
    pub fn get_mut(&mut self) -> &mut PipeWriter {
        self.room = 0;
        self.writer.borrow_mut()
    }

    /// Unwraps the writer; unpublished bytes stay advanced in it (W3).
    pub fn into_inner(self) -> W {
        self.writer
    }

    /// Copies the front of `bytes` into the cached room and commits it;
    /// returns the count. Inlined: this is every small write.
    #[inline]
    fn copy_to_spare(&mut self, bytes: &[u8]) -> usize {
        let n = self.room.min(bytes.len());
        if n > 0 {
            // SAFETY: by the invariant on `spare`, `n <= room` bytes from it
            // are free memory of the writer's tail, the writer's alone, and
            // `bytes` is the caller's slice, so the two do not overlap.
            unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.spare.as_ptr(), n) };
            // SAFETY: `n` bytes of the room were just initialized.
            unsafe { self.writer.borrow_mut().commit_spare(n) };
            // SAFETY: `n <= room`: stays inside the segment, or one past it.
            self.spare = unsafe { self.spare.add(n) };
            self.room -= n;
        }
        n
    }

    /// [`copy_to_spare`](Self::copy_to_spare) for bytes that fit with room
    /// to spare (`bytes.len() < room`), without its checks.
    #[inline(always)]
    fn copy_small(&mut self, bytes: &[u8]) {
        debug_assert!(bytes.len() < self.room);
        let n = bytes.len();
        // SAFETY: as in `copy_to_spare`; the caller checked `n < room`.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.spare.as_ptr(), n) };
        // SAFETY: `n` bytes of the room were just initialized.
        unsafe { self.writer.borrow_mut().commit_spare(n) };
        // SAFETY: `n < room`: stays inside the segment.
        self.spare = unsafe { self.spare.add(n) };
        self.room -= n;
    }

    /// Publishes the full current segment, blocking under back pressure.
    fn publish(&mut self) -> io::Result<()> {
        self.room = 0;
        self.check_reader = true;
        flush_outcome(park_on(self.writer.borrow_mut().flush()))?;
        self.check_reader = false;
        Ok(())
    }

    /// `write` past the fast path: the cached room ran out (publish the
    /// full segment, rent the next), or the reader must be looked at first.
    #[cold]
    #[inline(never)]
    fn write_slow(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if bytes.is_empty() {
            return Ok(0);
        }
        if self.check_reader {
            let writer = self.writer.borrow_mut();
            // Report a reader that is already gone now rather than a segment
            // later (W9); the flush publishes nothing new.
            if writer.stats().reader_completed {
                flush_outcome(park_on(writer.flush()))?;
            }
            self.check_reader = false;
        }
        if self.room == 0 {
            let writer = self.writer.borrow_mut();
            let room = match writer.spare() {
                Some((_, room)) if room > 0 => room,
                _ => {
                    // No segment, or a full one: `get_memory` rents the next.
                    writer.get_memory(segment_hint(writer))?;
                    0
                }
            };
            let _ = room;
            if let Some((spare, room)) = writer.spare() {
                self.spare = spare;
                self.room = room;
            }
        }
        let n = self.copy_to_spare(bytes);
        if self.room == 0 {
            self.publish()?;
        }
        Ok(n)
    }
}

/// The size of the segments `StdWriter` rents: it publishes once per
/// segment, so a segment is its buffer, and 32 KiB keeps publishes — each a
/// lock and perhaps a wake of the reader — rare (16 KiB measured slower in
/// the `http_body` example, 4 KiB much slower). At most half the pause
/// threshold, so the reader gets at least two publishes per pause window
/// (M2 then bounds unexamined bytes by the pause threshold plus this), and
/// never below the pipe's minimum segment size (W1).
fn segment_hint(writer: &PipeWriter) -> usize {
    const STD_SEGMENT: usize = 32 * 1024;
    let (pause, minimum) = writer.thresholds();
    let cap = if pause == 0 { STD_SEGMENT } else { (pause / 2).min(STD_SEGMENT) };
    cap.max(minimum)
}

impl<W: BorrowMut<PipeWriter>> io::Write for StdWriter<W> {
    /// Copies as much of `bytes` as fits in the current segment (a fresh one
    /// if it is full) and publishes the segment once it is full.
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if bytes.len() < self.room {
            // The common case, inlined: the bytes fit with room to spare.
            self.copy_small(bytes);
            return Ok(bytes.len());
        }
        self.write_slow(bytes)
    }

    /// `write` in a loop, with the common case — the bytes fit in the
    /// current segment — inlined, as `BufWriter` does.
    #[inline]
    fn write_all(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        if bytes.len() < self.room {
            self.copy_small(bytes);
            return Ok(());
        }
        while !bytes.is_empty() {
            let n = self.write_slow(bytes)?;
            bytes = bytes.get(n..).unwrap_or_default();
        }
        Ok(())
    }

    /// Publishes every advanced byte and blocks while back pressure holds.
    fn flush(&mut self) -> io::Result<()> {
        self.check_reader = true;
        flush_outcome(park_on(self.writer.borrow_mut().flush()))?;
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
/// `read` blocks (parking at once, as on an OS pipe) until bytes are
/// published (R1), then fills `out` with as
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
/// # #[cfg(not(loom))] {
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
/// # }
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
            park_on(reader.read())?;
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
