//! What a run reports: its outcome, its failure, its coverage and its tape.

use crate::config::Config;
use crate::coverage::Coverage;

/// Why a run failed.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Step at which the check failed.
    pub step: usize,
    /// Class of the failure (`mismatch`, `lost-wakeup`, `m2`, …); the
    /// shrinker keeps it fixed.
    pub kind: &'static str,
    /// What was expected and what happened.
    pub message: String,
}

/// The outcome of one run.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The swarm configuration the run drew.
    pub config: Config,
    /// FNV-1a hash of the whole history.
    pub hash: u64,
    /// Steps taken (fault phase and drain phase).
    pub steps: usize,
    /// Operations issued on the pipes.
    pub ops: usize,
    /// Bytes written.
    pub bytes: u64,
    /// The first failed check, if any.
    pub failure: Option<Failure>,
    /// Interesting states reached.
    pub coverage: Coverage,
    /// Every draw the run made; replaying it repeats the run.
    pub tape: Vec<u64>,
    /// The history, one line per event, when tracing.
    pub trace: Option<String>,
}
