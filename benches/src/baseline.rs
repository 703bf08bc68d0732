//! The ceilings beside the bulk workload: a `memcpy` of each write into a
//! pre-touched rotating buffer (what any copying writer pays), and the
//! reader's checksum alone (what any checking reader pays).

use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::check::Checksum;
use crate::data::Plan;
use crate::systems::Outcome;

/// Bytes of the rotating destination: the working set of a pipe with a
/// 64 KiB pause threshold, or two writes if they are bigger.
pub fn rotating_len(write: usize) -> usize {
    (256 * 1024).max(2 * write)
}

/// Copies every write of `plan` into a rotating buffer; returns the time.
pub fn memcpy(plan: &Plan) -> Outcome<Duration> {
    let mut target = vec![1u8; rotating_len(plan.max_write())];
    let mut at = 0;
    let started = Instant::now();
    for chunk in plan.writes() {
        if at + chunk.len() > target.len() {
            at = 0;
        }
        target[at..at + chunk.len()].copy_from_slice(chunk);
        black_box(&mut target);
        at += chunk.len();
    }
    let elapsed = started.elapsed();
    // The copies must have happened: the last one sits at `at - len`.
    let mut sum = Checksum::new();
    sum.update(&target[..at]);
    black_box(sum.value());
    Ok(elapsed)
}

/// Checksums every write of `plan` in place; returns the time, and fails on a mismatch.
pub fn checksum(plan: &Plan) -> Outcome<Duration> {
    let started = Instant::now();
    let mut sum = Checksum::new();
    for chunk in plan.writes() {
        sum.update(black_box(chunk));
    }
    let elapsed = started.elapsed();
    plan.verify("checksum alone", sum.value())?;
    Ok(elapsed)
}
