//! Every integration test of pipe-core in one binary: one test crate to
//! compile and link instead of one per file, in every build that has them
//! (the tests, clippy, loom, the packaged crate, each mutant of
//! `ci/mutants`). `Cargo.toml` turns off cargo's one-binary-per-file
//! discovery (`autotests = false`) and lists the files that stay binaries of
//! their own: `splice_sigpipe` and `splice_wait_failure` (each re-executes
//! its own binary by test name), `loom_flush_wakes_reader` (built only under
//! `--cfg loom`), and the files Miri runs alone (also included here).
//!
//! `cargo test -p pipe-core --test every_test -- contract_reader::` runs one
//! file's tests.
#![cfg(not(loom))]
// Each file declares the shared helpers (`mod common;`) so that it also
// builds as a crate of its own (Miri runs some alone); here that loads them
// once per file.
#![allow(clippy::duplicate_mod)]

#[path = "adapters_futures.rs"]
mod adapters_futures;

#[path = "adapters_tokio.rs"]
mod adapters_tokio;

#[path = "allocation.rs"]
mod allocation;

#[path = "async_io_adapters.rs"]
mod async_io_adapters;

#[path = "block_on.rs"]
mod block_on;

#[path = "blocking_io.rs"]
mod blocking_io;

#[path = "contract_concurrency.rs"]
mod contract_concurrency;

#[path = "contract_copy.rs"]
mod contract_copy;

#[path = "contract_memory.rs"]
mod contract_memory;

#[path = "contract_options.rs"]
mod contract_options;

#[path = "contract_reader.rs"]
mod contract_reader;

#[path = "contract_sequence.rs"]
mod contract_sequence;

#[path = "contract_writer.rs"]
mod contract_writer;

#[path = "debug_and_accessors.rs"]
mod debug_and_accessors;

#[path = "errors_display.rs"]
mod errors_display;

#[path = "miri_aliasing.rs"]
mod miri_aliasing;

#[path = "rare_paths.rs"]
mod rare_paths;

#[path = "sequence_parsers.rs"]
mod sequence_parsers;

#[path = "sequence_reader.rs"]
mod sequence_reader;

#[path = "splice_bridge_errors.rs"]
mod splice_bridge_errors;

#[path = "splice_differential.rs"]
mod splice_differential;

#[path = "splice_engine_faults.rs"]
mod splice_engine_faults;

#[path = "splice_examples.rs"]
mod splice_examples;

#[path = "splice_fallback.rs"]
mod splice_fallback;

#[path = "splice_kernel_pipe.rs"]
mod splice_kernel_pipe;

#[path = "splice_types_errors.rs"]
mod splice_types_errors;

#[path = "std_adapters.rs"]
mod std_adapters;

#[path = "threads.rs"]
mod threads;
