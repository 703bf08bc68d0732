//! Shrinking a failing run by simplifying its tape of draws.
//!
//! Draw 0 is always the simplest choice, so zeroing, halving and deleting
//! draws gives shorter runs with smaller sizes and fewer faults. A candidate
//! is kept when it still fails with the same kind of failure.

use crate::report::RunReport;
use crate::scenario::{run, Source};

/// The smallest failing run found and how many runs it took.
#[derive(Debug)]
pub struct Shrunk {
    /// The reduced run (failing).
    pub report: RunReport,
    /// Runs tried.
    pub attempts: usize,
}

/// Reduces `failing` (a failed run) within `budget` runs.
pub fn shrink(failing: RunReport, budget: usize) -> Shrunk {
    let kind = failing.failure.as_ref().map(|f| f.kind);
    let mut best = failing;
    let mut attempts = 0;
    let mut tape = best.tape.clone();
    let try_tape = |candidate: Vec<u64>, best: &mut RunReport, tape: &mut Vec<u64>, attempts: &mut usize| -> bool {
        *attempts += 1;
        let report = run(Source::Tape(candidate), false);
        let same = report.failure.as_ref().map(|f| f.kind) == kind && kind.is_some();
        // A candidate that replays as the current tape (a deleted trailing
        // draw read back as 0) is no progress: accepting it would loop.
        let smaller = (report.steps, report.ops, report.bytes) <= (best.steps, best.ops, best.bytes);
        if same && smaller && report.tape != *tape {
            *tape = report.tape.clone();
            *best = report;
            true
        } else {
            false
        }
    };
    let mut progress = true;
    while progress && attempts < budget {
        progress = false;
        // Delete blocks of draws, large blocks first.
        let mut block = (tape.len() / 2).max(1);
        while block >= 1 && attempts < budget {
            let mut start = 0;
            while start < tape.len() && attempts < budget {
                let mut candidate = tape.clone();
                let end = (start + block).min(candidate.len());
                candidate.drain(start..end);
                if try_tape(candidate, &mut best, &mut tape, &mut attempts) {
                    progress = true;
                } else {
                    start += block;
                }
            }
            block /= 2;
        }
        // Simplify single draws: zero, then halve.
        let mut i = 0;
        while i < tape.len() && attempts < budget {
            let value = tape[i];
            if value != 0 {
                for smaller in [0, value / 2, value - 1] {
                    if smaller >= value {
                        continue;
                    }
                    let mut candidate = tape.clone();
                    candidate[i] = smaller;
                    if try_tape(candidate, &mut best, &mut tape, &mut attempts) {
                        progress = true;
                        break;
                    }
                }
            }
            i += 1;
        }
    }
    // Re-run the winner with its trace.
    let report = run(Source::Tape(tape), true);
    Shrunk { report, attempts }
}

/// A tape as a comma-separated list (for `--tape`).
pub fn format_tape(tape: &[u64]) -> String {
    let trimmed = tape.iter().rposition(|&v| v != 0).map_or(&tape[..0], |last| &tape[..=last]);
    trimmed.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

/// Parses [`format_tape`]'s output.
pub fn parse_tape(text: &str) -> Option<Vec<u64>> {
    text.split(',').filter(|s| !s.trim().is_empty()).map(|s| s.trim().parse().ok()).collect()
}
