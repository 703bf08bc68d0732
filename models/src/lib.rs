//! Models of `pipe-core`, outside the product crate:
//!
//! - [`reference`]: the reference model of the contract (`docs/semantics.md`);
//! - [`driver`]: the one differential driver that applies each operation to
//!   the real pipe and to the model and compares them (the simulator, the
//!   `pipe_ops` fuzz target and the property tests all use it);
//! - [`pipe_ops`] and [`sequence_checks`]: the fuzz targets' cases and
//!   oracles, shared with the property tests and the corpus replay;
//! - loom and shuttle models of every wakeup path (rule C2), below.
//!
//! Each path is one scenario in [`scenarios`], written once against the
//! [`Runtime`] trait and run by two test files named after it:
//! `tests/loom_<path>.rs` (every interleaving up to a preemption bound,
//! plus loom's causality checks on every byte hand-off) and
//! `tests/shuttle_<path>.rs` (random and PCT schedules at scale).
//!
//! A scenario asserts the contract's outcome (bytes, flags, errors) and
//! blocks its waiting side in the runtime's `block_on`, so a lost wakeup
//! leaves every thread blocked, which both checkers report as a deadlock.
//!
//! Commands (also in `ci/loom` and `ci/shuttle`):
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p models --release --tests
//! cargo test -p models --release --features shuttle --tests
//! ```

use core::future::Future;

use pipe_core::{PipeOptions, PipeReader, PipeWriter, Position, ReadResult};

pub mod driver;
pub mod pipe_ops;
pub mod reference;
pub mod scenarios;
pub mod sequence_checks;

#[cfg(loom)]
pub mod loom_runner;

#[cfg(feature = "shuttle")]
pub mod shuttle_runner;

/// What a scenario needs from a model checker: threads and a way to wait
/// on a future that only the checker's own wake-ups can complete.
pub trait Runtime {
    /// A spawned thread's handle.
    type Handle<T: Send + 'static>: Join<T>;

    /// Spawns a model thread.
    fn spawn<T, F>(f: F) -> Self::Handle<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static;

    /// Runs `future` on the current model thread, blocking it (not
    /// re-polling) until the future's waker is woken.
    fn block_on<F: Future>(future: F) -> F::Output;
}

/// Waits for a model thread.
pub trait Join<T> {
    /// The thread's result; a panic in the thread fails the model.
    fn join(self) -> T;
}

/// Pipe options for tiny models: `segment`-byte segments and the given
/// thresholds (`pause == 0` disables back pressure).
pub fn options(pause: usize, resume: usize, segment: usize) -> PipeOptions {
    PipeOptions::new().pause_writer_threshold(pause).resume_writer_threshold(resume).minimum_segment_size(segment)
}

/// What a read returned, detached from the reader's borrow.
#[derive(Clone, Debug)]
pub struct Got {
    /// The buffer's bytes.
    pub bytes: Vec<u8>,
    /// `is_completed`.
    pub completed: bool,
    /// `is_canceled`.
    pub canceled: bool,
    /// The buffer's start.
    pub start: Position,
    /// The buffer's end.
    pub end: Position,
}

impl Got {
    /// Copies a read result.
    pub fn of(result: &ReadResult<'_>) -> Self {
        let buffer = result.buffer();
        Self {
            bytes: buffer.to_vec(),
            completed: result.is_completed(),
            canceled: result.is_canceled(),
            start: buffer.start(),
            end: buffer.end(),
        }
    }
}

/// `read().await` under `R`, copied out. Panics on an error.
pub fn read<R: Runtime>(reader: &mut PipeReader) -> Got {
    R::block_on(async { reader.read().await.as_ref().map(Got::of).expect("read") })
}

/// `read_at_least(n).await` under `R`, copied out. Panics on an error.
pub fn read_at_least<R: Runtime>(reader: &mut PipeReader, n: usize) -> Got {
    R::block_on(async { reader.read_at_least(n).await.as_ref().map(Got::of).expect("read_at_least") })
}

/// Reads and consumes everything until the writer completes; returns the
/// bytes. Checks R1 on the way: a read that is neither completed nor
/// canceled never comes back empty.
pub fn drain<R: Runtime>(reader: &mut PipeReader) -> Vec<u8> {
    let mut bytes = Vec::new();
    loop {
        let got = read::<R>(reader);
        assert!(
            got.completed || got.canceled || !got.bytes.is_empty(),
            "R1: empty read that is neither completed nor canceled"
        );
        bytes.extend_from_slice(&got.bytes);
        reader.advance(got.end).expect("advance to the end");
        if got.completed {
            return bytes;
        }
    }
}

/// Reads and consumes until `len` bytes have arrived, passing every read to
/// `check` first; returns the bytes.
pub fn consume<R: Runtime>(reader: &mut PipeReader, len: usize, mut check: impl FnMut(&Got)) -> Vec<u8> {
    let mut bytes = Vec::new();
    while bytes.len() < len {
        let got = read::<R>(reader);
        check(&got);
        bytes.extend_from_slice(&got.bytes);
        reader.advance(got.end).expect("advance");
    }
    bytes
}

/// Writes and flushes each chunk under `R` while the reader is alive (no
/// flush may report completion); returns how many flushes were canceled.
pub fn write_counting_cancels<R: Runtime>(writer: &mut PipeWriter, chunks: &[&[u8]]) -> usize {
    let mut cancels = 0;
    for chunk in chunks {
        let result = R::block_on(writer.write(chunk)).expect("write");
        assert!(!result.is_completed(), "the reader is alive");
        cancels += usize::from(result.is_canceled());
    }
    cancels
}
