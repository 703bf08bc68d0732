//! Arbitrary segment layouts and slicing operations vs a flat-vector oracle
//! (rules S1–S3). Run: `cargo fuzz run sequence_slice`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use models::sequence_checks::{check_slice, SliceCase};

fuzz_target!(|case: SliceCase| check_slice(&case));
