//! Replays every committed fuzz corpus file through the fuzz targets' own
//! check functions, so the normal test suite re-checks the corpus on stable
//! (S1–S4). The checks are the ones the fuzz targets call.
// Not built under `--cfg loom` or feature `shuttle`: the pipe then runs on
// the model checker's types, which work only inside its model (see
// pipe-core/tests/loom_flush_wakes_reader.rs).
#![cfg(not(any(loom, feature = "shuttle")))]

use std::path::PathBuf;

use models::{pipe_ops, sequence_checks as checks};

/// Runs `check` on every file of `fuzz/corpus/<target>/`; returns how many.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    for path in &files {
        let data = std::fs::read(path).expect("corpus file");
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{target} corpus file {} fails its check", path.display());
    }
    files.len()
}

#[test]
fn s1_s3_sequence_slice_corpus_replays_clean() {
    let n = replay("sequence_slice", checks::run_slice_bytes);
    assert!(n >= 10, "sequence_slice corpus has only {n} files");
}

#[test]
fn s4_sequence_reader_corpus_replays_clean() {
    let n = replay("sequence_reader", checks::run_reader_bytes);
    assert!(n >= 10, "sequence_reader corpus has only {n} files");
}

#[test]
fn pipe_ops_corpus_replays_clean_against_the_model() {
    let n = replay("pipe_ops", pipe_ops::run_pipe_bytes);
    assert!(n >= 10, "pipe_ops corpus has only {n} files");
}
