//! pipe-core's benchmarks: every system side by side in one run, each
//! reader's bytes checked before a figure counts, and the report
//! (`docs/PERFORMANCE.md` and its plots) written from the run's results.
//! `ci/bench` is the way in.
#![cfg(not(loom))]
#![warn(missing_docs)]

pub mod baseline;
pub mod check;
pub mod cli;
pub mod data;
pub mod lines;
pub mod machine;
pub mod measure;
pub mod memory;
pub mod pingpong;
pub mod profile;
pub mod report;
pub mod splice;
pub mod stats;
pub mod svg;
pub mod systems;
