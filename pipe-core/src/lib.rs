//! A byte pipe with the semantics of .NET's System.IO.Pipelines, built to be
//! model-checked.
//!
//! # Contract
//!
//! A [`PipeWriter`] fills pooled segments (`get_memory` / `advance`) and
//! publishes them with `flush`. A [`PipeReader`] sees every flushed byte it
//! has not consumed as one [`Sequence`] — a zero-copy view over one or more
//! segments — and reports with `advance_to(consumed, examined)` how far it
//! consumed and how far it looked. A read waits while the reader has
//! examined everything; the writer pauses when a flush pushes unexamined
//! bytes to the pause threshold and resumes when the reader brings them
//! below the resume threshold. The full rules, with the ids tests cite
//! (O1–C2), are in `docs/semantics.md`.
//!
//! The crate is `no_std` + `alloc`. With the default `std` feature it adds
//! blocking calls (`read_blocking`, `flush_blocking`, `write_blocking`) and
//! `std::io::{Read, BufRead, Write}`.
//!
//! Every atomic, `Arc`, cell and lock goes through one `sync` facade, so
//! `RUSTFLAGS="--cfg loom"` runs the pipe under loom and feature `shuttle`
//! under shuttle.
//!
//! # Example
//!
//! ```
//! # #[cfg(feature = "std")] {
//! use pipe_core::{pipe, PipeOptions};
//!
//! let (mut reader, mut writer) = pipe(PipeOptions::default())?;
//! let producer = std::thread::spawn(move || -> Result<(), pipe_core::PipeError> {
//!     for word in ["Hello", ", ", "World"] {
//!         writer.write_blocking(word.as_bytes())?;
//!     }
//!     writer.complete(None);
//!     Ok(())
//! });
//! let mut text = Vec::new();
//! loop {
//!     let result = reader.read_blocking()?;
//!     let buffer = result.buffer();
//!     text.extend(buffer.to_vec());
//!     let (end, done) = (buffer.end(), result.is_completed());
//!     reader.advance(end)?;
//!     if done {
//!         break;
//!     }
//! }
//! producer.join().expect("producer thread")?;
//! assert_eq!(text, b"Hello, World");
//! # }
//! # Ok::<(), pipe_core::PipeError>(())
//! ```
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs, clippy::undocumented_unsafe_blocks)]

extern crate alloc;
#[cfg(any(feature = "std", loom))]
extern crate std;

#[doc(hidden)]
pub mod bugs;
mod error;
#[cfg(feature = "reference-model")]
pub mod model;
mod options;
mod pipe;
mod pool;
mod sequence;
mod sequence_reader;
mod sync;

#[cfg(feature = "std")]
mod blocking;
#[cfg(all(feature = "splice", target_os = "linux"))]
pub mod splice;

pub use error::{CompletionError, PipeError};
pub use options::{
    PipeOptions, DEFAULT_MINIMUM_SEGMENT_SIZE, DEFAULT_PAUSE_WRITER_THRESHOLD, DEFAULT_RESUME_WRITER_THRESHOLD,
};
pub use pipe::{pipe, CancelHandle, Flush, FlushResult, PipeReader, PipeStats, PipeWriter, Read, ReadResult};
pub use pool::{BoundedPool, Segment, SegmentPool};
pub use sequence::{Chunks, Position, Sequence};
pub use sequence_reader::SequenceReader;

#[cfg(feature = "std")]
pub use blocking::block_on;

/// The README's example, compiled and run as a doctest.
#[cfg(all(doctest, feature = "std"))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
