//! The pipe: the protocol, the writer half, the reader half and their
//! futures.
//!
//! A single-producer, single-consumer protocol on atomics: the writer
//! publishes a flushed end, the reader a consumed and an examined offset,
//! and both decide everything else on one flag word; segments flow through
//! a chain of links. Segment bytes are written and read in place: the writer
//! only writes past the flushed end of its current segment, the reader only
//! reads flushed bytes, and the release/acquire pair on the flushed end
//! orders the two. Only renting and giving back segments takes a lock. See
//! `docs/design.md`.
//!
//! * `protocol.rs` — shared state and every transition;
//! * `chain.rs` — the segment chain's links;
//! * `waker.rs` — each half's lock-free waker slot;
//! * `lock.rs` — the spin lock of the segment slow path;
//! * `view.rs` — the reader's view of its outstanding read, which the read
//!   transition fills;
//! * `writer.rs`, `reader.rs` — the halves (with their futures, `Flush` and
//!   `Read`): their API state, then one protocol call;
//! * `cancel.rs` — `CancelHandle`.
//!
//! Imports run one way: `lock`, `view`, `chain`, `waker` ← `protocol` ←
//! `cancel` ← the halves.

use crate::sync::Arc;
use crate::{PipeError, PipeOptions};

mod cancel;
mod chain;
mod lock;
mod protocol;
mod reader;
mod view;
mod waker;
mod writer;

pub use cancel::CancelHandle;
pub(crate) use chain::ChainLink;
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
    let shared =
        Arc::new(protocol::Shared::new(crate::sync::next_owner_id(), minimum_segment_size, pause, resume, pool));
    Ok((PipeReader::new(shared.clone()), PipeWriter::new(shared)))
}
