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
//! below the resume threshold. The full rules are the [`contract`] module;
//! each rule id cited in these docs (O1–C2: [W7](contract#W7),
//! [R9](contract#R9), …) is an anchor there, and the docs as docs.rs
//! builds them link every cited id to it.
//!
//! The crate is `no_std` + `alloc`. With the default `std` feature it adds
//! blocking calls (`read_blocking`, `flush_blocking`, `write_blocking`) and
//! `std::io::{Read, BufRead, Write}` through `StdReader` / `StdWriter`
//! (`reader.into_std()`, `writer.into_std()`); features `tokio` and
//! `futures-io` add those runtimes' `AsyncRead`, `AsyncBufRead` and
//! `AsyncWrite` through `AsyncReader` / `AsyncWriter` (`into_async()`).
//! The halves themselves implement none of those traits, so `write`, `flush`
//! and `read` on a half always mean the contract's async operations
//! whatever is in scope; [`io`] says why.
//!
//! Every atomic, `Arc`, cell and lock goes through one `sync` facade, so
//! `RUSTFLAGS="--cfg loom"` runs the pipe under loom and feature `shuttle`
//! under shuttle.
//!
//! # Example: two threads, the blocking API
//!
//! ```
//! # #[cfg(all(feature = "std", not(loom)))] {
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
//!     let done = result.is_completed();
//!     reader.advance_to_end()?;
//!     if done {
//!         break;
//!     }
//! }
//! producer.join().expect("producer thread")?;
//! assert_eq!(text, b"Hello, World");
//! # }
//! # Ok::<(), pipe_core::PipeError>(())
//! ```
//!
//! # Example: async, on any executor
//!
//! The futures need no runtime; here `futures::executor` drives two tasks.
//! A parser examines what it has and asks for more (R4): `advance_to(start,
//! end)` consumes nothing, and the next read waits for new bytes.
//!
//! ```
//! # #[cfg(all(feature = "std", not(loom)))] {
//! use pipe_core::{pipe, PipeError, PipeOptions, SequenceReader};
//! use futures::executor::block_on;
//!
//! let (mut reader, mut writer) = pipe(PipeOptions::default())?;
//! let writing = async move {
//!     for piece in ["GET /index.html", " HTTP/1.1\r", "\nHost: x\r\n"] {
//!         writer.write(piece.as_bytes()).await?; // publish, honour back pressure
//!     }
//!     writer.complete(None);
//!     Ok::<(), PipeError>(())
//! };
//! let reading = async move {
//!     let mut lines = Vec::new();
//!     loop {
//!         let result = reader.read().await?;
//!         let buffer = result.buffer();
//!         let mut scan = SequenceReader::new(buffer);
//!         while let Some(line) = scan.try_read_to(b'\n', true) {
//!             lines.push(line.to_vec());
//!         }
//!         if result.is_completed() {
//!             break;
//!         }
//!         let (consumed, examined) = (scan.position(), buffer.end());
//!         reader.advance_to(consumed, examined)?;
//!     }
//!     Ok::<_, PipeError>(lines)
//! };
//! let (written, lines) = block_on(futures::future::join(writing, reading));
//! written?;
//! assert_eq!(lines?, [&b"GET /index.html HTTP/1.1\r"[..], b"Host: x\r"]);
//! # }
//! # Ok::<(), pipe_core::PipeError>(())
//! ```
//!
//! # Example: a runtime's I/O traits
//!
//! With feature `tokio`, the reader is an `AsyncBufRead` for tokio's
//! utilities (and likewise with `futures-io`); see `AsyncWriter` for
//! `poll_write`'s contract.
//!
//! ```
//! # #[cfg(all(feature = "tokio", not(loom)))]
//! # fn main() -> std::io::Result<()> {
//! use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
//! let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! runtime.block_on(async {
//!     let (reader, writer) = pipe_core::pipe(pipe_core::PipeOptions::default()).map_err(std::io::Error::from)?;
//!     let mut writer = writer.into_async();
//!     writer.write_all(b"first\nsecond\n").await?; // writes publish
//!     writer.shutdown().await?; // complete: EOF after every byte
//!     let mut lines = reader.into_async().lines();
//!     while let Some(line) = lines.next_line().await? {
//!         println!("{line}");
//!     }
//!     Ok(())
//! })
//! # }
//! # #[cfg(not(all(feature = "tokio", not(loom))))]
//! # fn main() {}
//! ```
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub, clippy::undocumented_unsafe_blocks)]

extern crate alloc;
#[cfg(any(feature = "std", loom, pipe_core_bug))]
extern crate std;

// Test-only: the seeded bugs of `docs/VERIFICATION.md`. Exists only under
// the rustc cfg `pipe_core_bug`, which no dependent crate can turn on.
#[cfg(pipe_core_bug)]
#[doc(hidden)]
pub mod bugs;
mod error;
mod options;
mod pipe;
mod pool;
mod sequence;
mod sequence_reader;
mod sync;

#[cfg(feature = "std")]
mod blocking;
pub mod contract;
pub mod io;
mod sequence_ext;
#[cfg(all(feature = "splice", target_os = "linux"))]
pub mod splice;

pub use error::{CompletionError, PipeError};
pub use options::{
    PipeOptions, DEFAULT_MINIMUM_SEGMENT_SIZE, DEFAULT_PAUSE_WRITER_THRESHOLD, DEFAULT_RESUME_WRITER_THRESHOLD,
};
// The futures are exported as `ReadFuture` / `FlushFuture`: a `Read` here would
// make `use pipe_core::*; use std::io::*;` ambiguous.
pub use pipe::{
    pipe, CancelHandle, Flush as FlushFuture, FlushResult, PipeReader, PipeStats, PipeWriter, Read as ReadFuture,
    ReadResult,
};
pub use pool::{BoundedPool, Segment, SegmentPool};
pub use sequence::{Chunks, Position, Sequence};
pub use sequence_reader::SequenceReader;

#[cfg(feature = "std")]
pub use blocking::block_on;
#[cfg(any(feature = "tokio", feature = "futures-io"))]
pub use io::{AsyncReader, AsyncWriter};
#[cfg(feature = "std")]
pub use io::{StdReader, StdWriter};

/// The crate's README, compiled and run as doctests (its examples use both
/// runtime adapters; not under loom, whose types work only inside a model).
#[cfg(all(doctest, feature = "tokio", feature = "futures-io", not(loom)))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
