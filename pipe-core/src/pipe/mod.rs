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
//! * `view.rs` — the reader's view of its outstanding read, which the read
//!   transitions fill;
//! * `writer.rs`, `reader.rs` — the halves (with their futures, `Flush` and
//!   `Read`): their own state, then "enter, transition, leave, wake";
//! * `cancel.rs` — `CancelHandle`.
//!
//! Imports run one way: `lock`, `view` ← `protocol` ← `cancel` ← the halves.

use crate::sync::Arc;
use crate::{PipeError, PipeOptions};

mod cancel;
mod lock;
mod protocol;
mod reader;
mod view;
mod writer;

pub use cancel::CancelHandle;
pub use protocol::{FlushResult, PipeStats};
pub use reader::{PipeReader, Read, ReadResult};
pub use writer::{Flush, PipeWriter};

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
        #[cfg(feature = "std")]
        pause,
        state: lock::SpinLock::new(protocol::State::new(pause, resume, pool)),
    });
    Ok((PipeReader::new(shared.clone()), PipeWriter::new(shared)))
}
