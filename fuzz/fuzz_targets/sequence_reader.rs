//! Arbitrary `SequenceReader` operations over arbitrary segment layouts vs
//! an index into a flat vector (rule S4). Run: `cargo fuzz run sequence_reader`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use models::sequence_checks::{check_reader, ReaderCase};

fuzz_target!(|case: ReaderCase| check_reader(&case));
