//! Shared checks of the `pipe-core` fuzz targets. The same files are
//! included by `pipe-core/tests/corpus_replay.rs` (and the property tests),
//! so the committed corpus is re-checked by the normal (stable) test suite.

pub mod checks;
pub mod pipe_ops;
