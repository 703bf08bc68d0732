//! The pipe: the protocol, the writer half, the reader half and their
//! futures.
//!
//! All state both halves touch lives in the protocol's `State` behind one
//! lock; each transition is one method there and a few field updates
//! (`protocol.rs`). Segment bytes are written and read outside the lock:
//! the writer only writes past the flushed end of its current segment, the
//! reader only reads flushed bytes, and the lock's release/acquire pair on
//! every flush and read orders the two. See `docs/design.md`.
//!
//! * `protocol.rs` — shared state and every transition, each returning what
//!   must be woken;
//! * `lock.rs` — the spin lock the transitions run under;
//! * `writer.rs`, `reader.rs` — the halves: their own state, then "enter,
//!   transition, leave, wake";
//! * `futures.rs` — `Flush` and `Read`.

use core::fmt;

use crate::sync::Arc;
use crate::{PipeError, PipeOptions};

mod futures;
mod lock;
mod protocol;
mod reader;
mod writer;

pub use futures::{Flush, Read};
pub use reader::{PipeReader, ReadResult};
pub use writer::{FlushResult, PipeWriter};

/// Builds a pipe and returns its two halves.
///
/// Fails if the options break rule O2, naming the offending values.
///
/// ```
/// # #[cfg(all(feature = "std", not(loom)))] {
/// use pipe_core::{pipe, PipeOptions};
/// let (mut reader, mut writer) = pipe(PipeOptions::default())?;
/// writer.write_blocking(b"hello")?;
/// let result = reader.read_blocking()?;
/// assert_eq!(result.buffer().to_vec(), b"hello");
/// let end = result.buffer().end();
/// reader.advance(end)?;
/// # }
/// # Ok::<(), pipe_core::PipeError>(())
/// ```
pub fn pipe(options: PipeOptions) -> Result<(PipeReader, PipeWriter), PipeError> {
    options.validate()?;
    let pause = options.pause_writer_threshold;
    let resume = options.resume_writer_threshold;
    let minimum_segment_size = options.minimum_segment_size;
    let pool = options.into_pool();
    let shared = Arc::new(protocol::Shared {
        owner: crate::sync::next_owner_id(),
        minimum_segment_size,
        state: lock::SpinLock::new(protocol::State::new(pause, resume, pool)),
    });
    Ok((PipeReader::new(shared.clone()), PipeWriter::new(shared)))
}

/// A snapshot of a pipe's counters, for diagnostics, tests and the simulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PipeStats {
    /// Offset just past the last flushed byte.
    pub flushed_end: u64,
    /// Offset the reader has consumed to.
    pub consumed: u64,
    /// Offset the reader has examined to.
    pub examined: u64,
    /// Whether back pressure holds the writer.
    pub writer_paused: bool,
    /// Segments rented by the pipe now.
    pub segments_rented: usize,
    /// Whether the writer has completed.
    pub writer_completed: bool,
    /// Whether the reader has completed.
    pub reader_completed: bool,
}

impl PipeStats {
    /// Flushed bytes the reader has not consumed.
    pub fn buffered(&self) -> u64 {
        self.flushed_end - self.consumed
    }

    /// Flushed bytes past the reader's examined position.
    pub fn unexamined(&self) -> u64 {
        self.flushed_end - self.examined
    }
}

/// Cancels a pending read or flush from any thread (R9, W7).
///
/// Obtained from [`PipeReader::cancel_handle`] or
/// [`PipeWriter::cancel_handle`]; useful while the half itself is borrowed by
/// a pending future.
#[derive(Clone)]
pub struct CancelHandle {
    shared: Arc<protocol::Shared>,
}

impl CancelHandle {
    /// See [`PipeReader::cancel_pending_read`].
    pub fn cancel_pending_read(&self) {
        self.shared.enter(|s| s.cancel_read());
    }

    /// See [`PipeWriter::cancel_pending_flush`].
    pub fn cancel_pending_flush(&self) {
        self.shared.enter(|s| s.cancel_flush());
    }
}

impl fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelHandle").finish_non_exhaustive()
    }
}
