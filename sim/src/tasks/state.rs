//! The states a writing or a reading task goes through, whichever task it is.

use pipe_core::Position;

/// Where a writing task (the single pipe's writer, a source) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriterState {
    Active,
    WaitingFlush,
    /// Completed but not dropped yet.
    Completed,
    Gone,
}

/// Where a reading task (the single pipe's reader, a sink) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReaderState {
    Active,
    WaitingRead {
        min: usize,
    },
    /// Holding a read until its `advance_to`.
    Holding {
        consumed: Position,
        examined: Position,
        completed_empty: bool,
    },
    /// Completed but not dropped yet.
    Completed,
    Gone,
}
