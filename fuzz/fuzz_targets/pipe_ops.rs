//! Arbitrary single-threaded writer/reader calls, misuse included, on the
//! real pipe vs the reference model (`models::reference`) (W1–W9, R1–R13, M2, C2).
//! Run: `cargo fuzz run pipe_ops`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use models::pipe_ops::{check_pipe, PipeCase};

fuzz_target!(|case: PipeCase| check_pipe(&case));
