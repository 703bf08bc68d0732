//! The pipe's one error type.

use core::fmt;

use crate::sync::PayloadArc;

/// An error one side of the pipe completed with, delivered to the other side.
///
/// Cheap to clone: every later read (R11) or flush hands out the same error.
#[derive(Clone)]
pub struct CompletionError(PayloadArc<dyn core::error::Error + Send + Sync + 'static>);

impl CompletionError {
    /// Wraps any error.
    pub fn new<E: core::error::Error + Send + Sync + 'static>(error: E) -> Self {
        Self(PayloadArc::new(error))
    }

    /// An error that is just a message.
    pub fn message(message: &'static str) -> Self {
        Self::new(Message(message))
    }

    /// The wrapped error.
    pub fn get_ref(&self) -> &(dyn core::error::Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl fmt::Debug for CompletionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for CompletionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl core::error::Error for CompletionError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&*self.0)
    }
}

#[cfg(feature = "std")]
impl From<std::io::Error> for CompletionError {
    fn from(error: std::io::Error) -> Self {
        Self::new(error)
    }
}

#[derive(Debug)]
struct Message(&'static str);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl core::error::Error for Message {}

/// Everything that can go wrong with a pipe, its options or a sequence.
///
/// Misuse returns one of these and leaves the pipe unchanged. Offsets in
/// positions are byte offsets from the start of the pipe (or of the
/// sequence, for sequences built with `Sequence::from_slices`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PipeError {
    // ---- options (O2) ----
    /// `resume_writer_threshold` is above a non-zero `pause_writer_threshold`.
    ResumeAbovePause {
        /// The pause threshold.
        pause: usize,
        /// The resume threshold.
        resume: usize,
    },
    /// `resume_writer_threshold` is 0 with back pressure enabled: the writer
    /// could never resume.
    ZeroResumeThreshold {
        /// The pause threshold.
        pause: usize,
    },
    /// `minimum_segment_size` is 0.
    ZeroSegmentSize,

    // ---- writer (W2, W8) ----
    /// `advance(n)` asked for more than the memory last returned by `get_memory`.
    AdvanceBeyondMemory {
        /// Bytes the call asked to commit.
        requested: usize,
        /// Bytes left in the memory last returned.
        available: usize,
    },
    /// The writer was used after it completed.
    WriterCompleted,
    /// A segment of the given size could not be allocated.
    AllocationFailed {
        /// The size asked for.
        size: usize,
    },

    // ---- reader (R6, R11) ----
    /// The reader was used after it completed.
    ReaderCompleted,
    /// A read was started while an earlier one was not yet advanced.
    ReadAlreadyOutstanding,
    /// `advance_to` was called with no outstanding read.
    NoOutstandingRead,
    /// `examined` lies before `consumed`.
    ExaminedBeforeConsumed {
        /// Offset of the consumed position.
        consumed: u64,
        /// Offset of the examined position.
        examined: u64,
    },
    /// `examined` lies before a previously examined position.
    ExaminedMovedBack {
        /// Offset of the examined position given now.
        examined: u64,
        /// Offset examined before.
        previous: u64,
    },
    /// The position lies before the buffer's start: its bytes were released.
    PositionReleased {
        /// Offset of the position.
        offset: u64,
        /// Offset where the buffer starts.
        start: u64,
    },
    /// The position lies beyond the end of the buffer or sequence.
    PositionBeyondEnd {
        /// Offset of the position.
        offset: u64,
        /// Offset where the buffer ends.
        end: u64,
    },
    /// The position belongs to another pipe or sequence.
    ForeignPosition,
    /// The position lies outside the sequence it was given to.
    PositionOutsideSequence {
        /// Offset of the position.
        offset: u64,
        /// Offset where the sequence starts.
        start: u64,
        /// Offset where the sequence ends.
        end: u64,
    },

    // ---- completion from the other side (R11) ----
    /// The writer completed with this error.
    WriterFailed(CompletionError),
    /// The reader completed with this error.
    ReaderFailed(CompletionError),

    // ---- sequences (S3, S4) ----
    /// An offset lies beyond the end of the sequence.
    OffsetOutOfRange {
        /// The offset given.
        offset: u64,
        /// The sequence's length.
        len: u64,
    },
    /// A slice's start lies after its end.
    StartAfterEnd {
        /// Offset of the start.
        start: u64,
        /// Offset of the end.
        end: u64,
    },
    /// Fewer bytes remain than the operation needs.
    NotEnoughData {
        /// Bytes the operation needs.
        needed: u64,
        /// Bytes available.
        available: u64,
    },

    // ---- futures ----
    /// A pipe future was polled again after it had completed.
    PolledAfterCompletion,
}

impl fmt::Display for PipeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ResumeAbovePause { pause, resume } => write!(
                f,
                "resume_writer_threshold ({resume}) must not exceed pause_writer_threshold ({pause})"
            ),
            Self::ZeroResumeThreshold { pause } => write!(
                f,
                "resume_writer_threshold is 0 while pause_writer_threshold is {pause}: a paused writer could never resume (set pause to 0 to disable back pressure)"
            ),
            Self::ZeroSegmentSize => f.write_str("minimum_segment_size must be at least 1"),
            Self::AdvanceBeyondMemory { requested, available } => write!(
                f,
                "advance({requested}) exceeds the {available} bytes of memory last returned by get_memory"
            ),
            Self::WriterCompleted => f.write_str("the writer has completed"),
            Self::AllocationFailed { size } => write!(f, "could not allocate a segment of {size} bytes"),
            Self::ReaderCompleted => f.write_str("the reader has completed"),
            Self::ReadAlreadyOutstanding => {
                f.write_str("a read is already outstanding; call advance_to before reading again")
            }
            Self::NoOutstandingRead => f.write_str("advance_to needs an outstanding read"),
            Self::ExaminedBeforeConsumed { consumed, examined } => write!(
                f,
                "examined position (offset {examined}) lies before consumed position (offset {consumed})"
            ),
            Self::ExaminedMovedBack { examined, previous } => write!(
                f,
                "examined position (offset {examined}) lies before the previously examined offset {previous}"
            ),
            Self::PositionReleased { offset, start } => write!(
                f,
                "position at offset {offset} lies before the buffer start at offset {start}; those bytes were released"
            ),
            Self::PositionBeyondEnd { offset, end } => {
                write!(f, "position at offset {offset} lies beyond the end at offset {end}")
            }
            Self::ForeignPosition => f.write_str("the position belongs to another pipe or sequence"),
            Self::PositionOutsideSequence { offset, start, end } => write!(
                f,
                "position at offset {offset} lies outside the sequence (offsets {start}..={end})"
            ),
            Self::WriterFailed(error) => write!(f, "the writer completed with an error: {error}"),
            Self::ReaderFailed(error) => write!(f, "the reader completed with an error: {error}"),
            Self::OffsetOutOfRange { offset, len } => {
                write!(f, "offset {offset} is beyond the sequence length {len}")
            }
            Self::StartAfterEnd { start, end } => {
                write!(f, "slice start (offset {start}) lies after its end (offset {end})")
            }
            Self::NotEnoughData { needed, available } => {
                write!(f, "needed {needed} bytes but only {available} remain")
            }
            Self::PolledAfterCompletion => f.write_str("a pipe future was polled after it completed"),
        }
    }
}

impl core::error::Error for PipeError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::WriterFailed(error) | Self::ReaderFailed(error) => Some(error),
            _ => None,
        }
    }
}

#[cfg(feature = "std")]
impl From<PipeError> for std::io::Error {
    fn from(error: PipeError) -> Self {
        use std::io::ErrorKind;
        let kind = match &error {
            PipeError::WriterCompleted | PipeError::ReaderCompleted => ErrorKind::BrokenPipe,
            PipeError::AllocationFailed { .. } => ErrorKind::OutOfMemory,
            PipeError::WriterFailed(_) | PipeError::ReaderFailed(_) => ErrorKind::Other,
            _ => ErrorKind::InvalidInput,
        };
        std::io::Error::new(kind, error)
    }
}
