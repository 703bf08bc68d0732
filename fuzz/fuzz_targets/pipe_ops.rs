//! Arbitrary single-threaded writer/reader calls, misuse included, on the
//! real pipe vs `pipe_core::model` (W1–W9, R1–R13, M2, C2).
//! Run: `cargo fuzz run pipe_ops`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pipe_core_fuzz::pipe_ops::{check_pipe, PipeCase};

fuzz_target!(|case: PipeCase| check_pipe(&case));
