//! `SequenceReader`: a cursor that parses a [`Sequence`] across segment
//! boundaries (rule S4).

#[cfg(pipe_core_bug)]
use crate::bugs::{is_active as seeded, Bug};
use crate::sequence::{Cursor, Position, Sequence};
use crate::PipeError;

/// Walks a [`Sequence`] byte by byte or value by value (S4).
///
/// Values and delimiters split over two or more segments, with empty
/// segments between them, read exactly as if the bytes were contiguous.
/// Every operation that fails (too few bytes, no delimiter) leaves the
/// reader where it was.
///
/// ```
/// use pipe_core::{Sequence, SequenceReader};
/// let parts: [&[u8]; 4] = [b"GET /a", b"", b"b\r", b"\n\x01\x02"];
/// let seq = Sequence::from_slices(&parts);
/// let mut reader = SequenceReader::new(seq);
/// let line = reader.try_read_to(b'\r', true).map(|s| s.to_vec());
/// assert_eq!(line.as_deref(), Some(&b"GET /ab"[..]));
/// assert!(reader.is_next(b"\n", true));
/// assert_eq!(reader.try_read_u16_be(), Some(0x0102));
/// assert!(reader.is_end());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SequenceReader<'a> {
    sequence: Sequence<'a>,
    /// Where the next byte is read. Invariant: between the sequence's start
    /// and end, and while bytes remain, strictly inside the bytes its
    /// segment contributes (`index < sequence.stop(segment)`), so that
    /// `unread_chunk` is never empty before the end.
    cursor: Cursor,
}

impl<'a> SequenceReader<'a> {
    /// A reader at the start of `sequence`.
    pub fn new(sequence: Sequence<'a>) -> Self {
        let mut reader = Self { sequence, cursor: sequence.start };
        reader.cursor = reader.normalized(sequence.start);
        reader
    }

    /// Moves a cursor that sits at the end of its segment's bytes to the
    /// next segment holding a byte, unless it is at the sequence's end.
    fn normalized(&self, mut cursor: Cursor) -> Cursor {
        // `segment < end.segment` only bounds the walk: before the end a
        // byte always lies at or before the end's segment.
        while cursor.offset < self.sequence.end.offset
            && cursor.segment < self.sequence.end.segment
            && cursor.index >= self.sequence.stop(cursor.segment)
        {
            let index = 0;
            // Seeded bug: lands one byte into the next segment.
            #[cfg(pipe_core_bug)]
            let index = if seeded(Bug::SequenceReaderBoundaryOffByOne) && cursor.index > 0 { 1 } else { index };
            cursor = Cursor { segment: cursor.segment + 1, index, offset: cursor.offset };
        }
        debug_assert!(cursor.offset <= self.sequence.end.offset);
        cursor
    }

    /// The whole sequence, read and unread.
    pub fn sequence(&self) -> Sequence<'a> {
        self.sequence
    }

    /// The bytes not read yet.
    pub fn unread_sequence(&self) -> Sequence<'a> {
        self.sequence.slice_cursors(self.cursor, self.sequence.end).unwrap_or(self.sequence)
    }

    /// Position of the next byte to read.
    pub fn position(&self) -> Position {
        self.sequence.position(self.cursor)
    }

    /// Bytes read (advanced over) so far.
    pub fn consumed(&self) -> usize {
        usize::try_from(self.cursor.offset - self.sequence.start.offset).unwrap_or(usize::MAX)
    }

    /// Bytes left to read.
    pub fn remaining(&self) -> usize {
        usize::try_from(self.sequence.end.offset - self.cursor.offset).unwrap_or(usize::MAX)
    }

    /// Whether every byte has been read.
    pub fn is_end(&self) -> bool {
        self.cursor.offset == self.sequence.end.offset
    }

    /// The unread bytes of the current segment: empty only at the end.
    pub fn unread_chunk(&self) -> &'a [u8] {
        let stop = self.sequence.stop(self.cursor.segment);
        self.sequence.segments.get(self.cursor.segment).and_then(|s| s.get(self.cursor.index..stop)).unwrap_or(&[])
    }

    /// The byte `offset` bytes ahead of the next one, without moving.
    pub fn try_peek(&self, offset: usize) -> Option<u8> {
        if let Some(&byte) = self.unread_chunk().get(offset) {
            return Some(byte);
        }
        if offset >= self.remaining() {
            return None;
        }
        let at = self.sequence.walk(self.cursor, offset).ok()?;
        let at = self.normalized(at);
        self.sequence.segments.get(at.segment)?.get(at.index).copied()
    }

    /// Reads one byte.
    pub fn try_read(&mut self) -> Option<u8> {
        let byte = self.try_peek(0)?;
        self.advance(1).ok()?;
        Some(byte)
    }

    /// Moves `count` bytes forward.
    ///
    /// Fails with [`PipeError::NotEnoughData`] (naming `count` and the bytes
    /// remaining) if fewer remain, and then does not move.
    pub fn advance(&mut self, count: usize) -> Result<(), PipeError> {
        if count < self.unread_chunk().len() {
            // Stays inside the current segment's bytes.
            self.cursor.index += count;
            self.cursor.offset += count as u64;
            return Ok(());
        }
        if count > self.remaining() {
            return Err(PipeError::NotEnoughData { needed: count as u64, available: self.remaining() as u64 });
        }
        let to = self.sequence.walk(self.cursor, count)?;
        self.cursor = self.normalized(to);
        Ok(())
    }

    /// Moves `count` bytes back.
    ///
    /// Fails with [`PipeError::NotEnoughData`] (naming `count` and the bytes
    /// consumed so far) if fewer were read, and then does not move.
    pub fn rewind(&mut self, count: usize) -> Result<(), PipeError> {
        let consumed = self.consumed();
        if count > consumed {
            return Err(PipeError::NotEnoughData { needed: count as u64, available: consumed as u64 });
        }
        let floor = if self.cursor.segment == self.sequence.start.segment { self.sequence.start.index } else { 0 };
        if count <= self.cursor.index - floor.min(self.cursor.index) {
            // Stays inside the current segment.
            self.cursor.index -= count;
            self.cursor.offset -= count as u64;
            self.cursor = self.normalized(self.cursor);
            return Ok(());
        }
        let to = self.sequence.walk(self.sequence.start, consumed - count)?;
        self.cursor = self.normalized(to);
        Ok(())
    }

    /// Copies the next `dest.len()` bytes into `dest` without moving.
    /// Returns `false`, copying nothing, if fewer remain.
    pub fn try_copy_to(&self, dest: &mut [u8]) -> bool {
        if dest.len() > self.remaining() {
            return false;
        }
        let mut filled = 0;
        let mut cursor = self.cursor;
        while filled < dest.len() {
            let Some(segment) = self.sequence.segments.get(cursor.segment) else {
                return false;
            };
            let stop = self.sequence.stop(cursor.segment);
            let chunk = segment.get(cursor.index..stop).unwrap_or(&[]);
            let take = chunk.len().min(dest.len() - filled);
            match (dest.get_mut(filled..filled + take), chunk.get(..take)) {
                (Some(to), Some(from)) => to.copy_from_slice(from),
                _ => return false,
            }
            filled += take;
            cursor = Cursor { segment: cursor.segment + 1, index: 0, offset: cursor.offset + take as u64 };
        }
        true
    }

    /// Whether the next bytes are `bytes`; if so and `advance_past`, moves
    /// past them. An empty `bytes` is always next.
    pub fn is_next(&mut self, bytes: &[u8], advance_past: bool) -> bool {
        let matches = if let Some(head) = self.unread_chunk().get(..bytes.len()) {
            head == bytes
        } else {
            bytes.len() <= self.remaining() && self.unread_sequence().chunks().flatten().zip(bytes).all(|(a, b)| a == b)
        };
        if matches && advance_past {
            // Cannot fail: `bytes.len() <= remaining()`.
            let _ = self.advance(bytes.len());
        }
        matches
    }

    /// Offset from the next byte of the first byte matching `found`.
    fn find(&self, found: impl Fn(u8) -> bool) -> Option<usize> {
        let mut skipped = 0;
        for chunk in self.unread_sequence().chunks() {
            if let Some(i) = chunk.iter().position(|&b| found(b)) {
                return Some(skipped + i);
            }
            skipped += chunk.len();
        }
        None
    }

    /// Reads the bytes up to the first `delimiter` and moves to it (or past
    /// it if `advance_past`). Returns `None`, not moving, if there is none.
    pub fn try_read_to(&mut self, delimiter: u8, advance_past: bool) -> Option<Sequence<'a>> {
        let at = self.find(|b| b == delimiter)?;
        self.read_to(at, advance_past)
    }

    /// Like [`try_read_to`](Self::try_read_to), stopping at the first byte
    /// that is any of `delimiters`.
    pub fn try_read_to_any(&mut self, delimiters: &[u8], advance_past: bool) -> Option<Sequence<'a>> {
        let at = self.find(|b| delimiters.contains(&b))?;
        self.read_to(at, advance_past)
    }

    /// Returns the next `count` bytes and moves past them and, if
    /// `advance_past`, one more (the delimiter).
    fn read_to(&mut self, count: usize, advance_past: bool) -> Option<Sequence<'a>> {
        let to = self.sequence.walk(self.cursor, count).ok()?;
        let read = self.sequence.slice_cursors(self.cursor, to).ok()?;
        let skip = count + usize::from(advance_past);
        if skip > self.remaining() {
            return None;
        }
        self.advance(skip).ok()?;
        Some(read)
    }

    /// Moves past every consecutive `byte`; returns how many.
    pub fn advance_past(&mut self, byte: u8) -> usize {
        self.advance_while(|b| b == byte)
    }

    /// Moves past every consecutive byte that is any of `bytes`; returns how
    /// many.
    pub fn advance_past_any(&mut self, bytes: &[u8]) -> usize {
        self.advance_while(|b| bytes.contains(&b))
    }

    fn advance_while(&mut self, skip: impl Fn(u8) -> bool) -> usize {
        let count = self.find(|b| !skip(b)).unwrap_or_else(|| self.remaining());
        // Cannot fail: `count <= remaining()`.
        let _ = self.advance(count);
        count
    }

    /// Reads `N` bytes, spanning segments as needed.
    fn try_read_array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let mut bytes = [0; N];
        if !self.try_copy_to(&mut bytes) {
            return None;
        }
        self.advance(N).ok()?;
        Some(bytes)
    }
}

macro_rules! read_ints {
    ($($ty:ident: $le:ident, $be:ident;)*) => {
        impl SequenceReader<'_> {
            $(
                #[doc = concat!("Reads a little-endian `", stringify!($ty), "`; `None`, not moving, if too few bytes remain.")]
                pub fn $le(&mut self) -> Option<$ty> {
                    self.try_read_array().map($ty::from_le_bytes)
                }

                #[doc = concat!("Reads a big-endian `", stringify!($ty), "`; `None`, not moving, if too few bytes remain.")]
                pub fn $be(&mut self) -> Option<$ty> {
                    self.try_read_array().map($ty::from_be_bytes)
                }
            )*
        }
    };
}

read_ints! {
    u16: try_read_u16_le, try_read_u16_be;
    u32: try_read_u32_le, try_read_u32_be;
    u64: try_read_u64_le, try_read_u64_be;
    i16: try_read_i16_le, try_read_i16_be;
    i32: try_read_i32_le, try_read_i32_be;
    i64: try_read_i64_le, try_read_i64_be;
}
