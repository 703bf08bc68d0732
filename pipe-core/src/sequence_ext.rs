//! What parsers want from a [`Sequence`] beyond rule S3: the contiguous
//! fast path, comparison with byte slices, writing it out, and a
//! [`SequenceReader`] that resumes where the last read stopped.

use alloc::vec::Vec;

use crate::{PipeError, Position, Sequence, SequenceReader};

impl<'a> Sequence<'a> {
    /// Whether the bytes lie in at most one segment (empty segments do not
    /// count), so [`as_slice`](Self::as_slice) returns them.
    ///
    /// ```
    /// use pipe_core::Sequence;
    /// let split: [&[u8]; 3] = [b"ab", b"", b"c"];
    /// assert!(!Sequence::from_slices(&split).is_single_segment());
    /// assert!(Sequence::from_slices(&split).slice(0, 2)?.is_single_segment());
    /// # Ok::<(), pipe_core::PipeError>(())
    /// ```
    pub fn is_single_segment(&self) -> bool {
        self.chunks().nth(1).is_none()
    }

    /// The bytes as one slice, if they are contiguous (an empty sequence
    /// gives an empty slice); `None` if they span segments. The parser's
    /// fast path: parse the slice, fall back to a [`SequenceReader`].
    ///
    /// ```
    /// use pipe_core::Sequence;
    /// let parts: [&[u8]; 2] = [b"", b"GET /"];
    /// assert_eq!(Sequence::from_slices(&parts).as_slice(), Some(&b"GET /"[..]));
    /// ```
    pub fn as_slice(&self) -> Option<&'a [u8]> {
        let mut chunks = self.chunks();
        let first = chunks.next().unwrap_or(&[]);
        chunks.next().is_none().then_some(first)
    }

    /// Whether the bytes equal `bytes`, however the sequence is split.
    pub fn eq_bytes(&self, bytes: &[u8]) -> bool {
        if self.len() != bytes.len() {
            return false;
        }
        let mut rest = bytes;
        for chunk in self.chunks() {
            let Some((head, tail)) = rest.split_at_checked(chunk.len()) else {
                return false;
            };
            if head != chunk {
                return false;
            }
            rest = tail;
        }
        rest.is_empty()
    }

    /// Writes every byte to `out`, chunk by chunk (`write_all` each), without
    /// copying them first.
    ///
    /// ```
    /// use pipe_core::Sequence;
    /// let parts: [&[u8]; 2] = [b"hello, ", b"world"];
    /// let mut out = Vec::new();
    /// Sequence::from_slices(&parts).write_to(&mut out)?;
    /// assert_eq!(out, b"hello, world");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn write_to<W: std::io::Write>(&self, mut out: W) -> std::io::Result<()> {
        for chunk in self.chunks() {
            out.write_all(chunk)?;
        }
        Ok(())
    }

    /// Fills `dst` with one `IoSlice` per non-empty chunk, as many as fit,
    /// and returns how many it filled: the sequence for a vectored write
    /// (`write_vectored`) without the `bytes` feature.
    ///
    /// ```
    /// use std::io::{IoSlice, Write};
    /// use pipe_core::Sequence;
    /// let parts: [&[u8]; 3] = [b"ab", b"", b"cd"];
    /// let seq = Sequence::from_slices(&parts);
    /// let mut slices = [IoSlice::new(&[]); 4];
    /// let n = seq.io_slices(&mut slices);
    /// assert_eq!(n, 2);
    /// let mut out = Vec::new();
    /// out.write_vectored(&slices[..n])?;
    /// assert_eq!(out, b"abcd");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn io_slices(&self, dst: &mut [std::io::IoSlice<'a>]) -> usize {
        let mut filled = 0;
        for (slot, chunk) in dst.iter_mut().zip(self.chunks()) {
            *slot = std::io::IoSlice::new(chunk);
            filled += 1;
        }
        filled
    }

    /// One `IoSlice` per non-empty chunk, in a new vector.
    #[cfg(feature = "std")]
    pub fn to_io_slices(&self) -> Vec<std::io::IoSlice<'a>> {
        self.chunks().map(std::io::IoSlice::new).collect()
    }
}

impl PartialEq<[u8]> for Sequence<'_> {
    fn eq(&self, other: &[u8]) -> bool {
        self.eq_bytes(other)
    }
}

impl PartialEq<&[u8]> for Sequence<'_> {
    fn eq(&self, other: &&[u8]) -> bool {
        self.eq_bytes(other)
    }
}

impl<const N: usize> PartialEq<[u8; N]> for Sequence<'_> {
    fn eq(&self, other: &[u8; N]) -> bool {
        self.eq_bytes(other)
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for Sequence<'_> {
    fn eq(&self, other: &&[u8; N]) -> bool {
        self.eq_bytes(*other)
    }
}

impl PartialEq<Vec<u8>> for Sequence<'_> {
    fn eq(&self, other: &Vec<u8>) -> bool {
        self.eq_bytes(other)
    }
}

impl PartialEq<Sequence<'_>> for [u8] {
    fn eq(&self, other: &Sequence<'_>) -> bool {
        other.eq_bytes(self)
    }
}

impl PartialEq<Sequence<'_>> for &[u8] {
    fn eq(&self, other: &Sequence<'_>) -> bool {
        other.eq_bytes(self)
    }
}

impl<const N: usize> PartialEq<Sequence<'_>> for [u8; N] {
    fn eq(&self, other: &Sequence<'_>) -> bool {
        other.eq_bytes(self)
    }
}

impl PartialEq<Sequence<'_>> for Vec<u8> {
    fn eq(&self, other: &Sequence<'_>) -> bool {
        other.eq_bytes(self)
    }
}

impl<'a> SequenceReader<'a> {
    /// A reader over `sequence` that starts at `position`: resumes a scan
    /// where an earlier one stopped, for example at the `examined` position
    /// handed to `advance_to` before the next read (R4). The position may
    /// come from an earlier read's buffer of the same pipe, as long as it
    /// falls inside `sequence` (positions compare by offset, S2);
    /// [`consumed`](Self::consumed) counts from the sequence's start.
    ///
    /// Fails like [`Sequence::offset_of`]: `ForeignPosition` or
    /// `PositionOutsideSequence`.
    ///
    /// ```
    /// use pipe_core::{Sequence, SequenceReader};
    /// let parts: [&[u8]; 2] = [b"no newline y", b"et\nrest"];
    /// let seq = Sequence::from_slices(&parts);
    /// let scanned = seq.get_position(12)?; // the first scan stopped here
    /// let mut reader = SequenceReader::new_at(seq, scanned)?;
    /// assert_eq!(reader.consumed(), 12);
    /// assert!(reader.try_read_to(b'\n', true).is_some_and(|s| s == b"et"));
    /// # Ok::<(), pipe_core::PipeError>(())
    /// ```
    pub fn new_at(sequence: Sequence<'a>, position: Position) -> Result<Self, PipeError> {
        let offset = sequence.offset_of(position)?;
        let mut reader = Self::new(sequence);
        reader.advance(offset)?;
        Ok(reader)
    }

    /// Moves to `position`, forward or back. Fails like
    /// [`Sequence::offset_of`], and then does not move.
    pub fn set_position(&mut self, position: Position) -> Result<(), PipeError> {
        let target = self.sequence().offset_of(position)?;
        let here = self.consumed();
        if target >= here {
            self.advance(target - here)
        } else {
            self.rewind(here - target)
        }
    }
}
