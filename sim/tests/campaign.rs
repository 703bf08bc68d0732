//! The default tier: many seeds pass on the correct pipe and reach every
//! coverage goal.
//!
//! Optimized builds (`cargo test -p sim --release`) run 10,000 seeds; debug
//! builds run 1,000 (the CLI, `cargo run -p sim --release -- --seeds 10000`,
//! is the 10,000-seed default tier in `ci/sim`). `SIM_SEEDS` overrides.
// Not built under `--cfg loom`: the pipe then runs on loom's types, which
// work only inside a loom model.
#![cfg(not(loom))]

use sim::{run, CoverageCounts, Source};

fn seeds() -> u64 {
    let default = if cfg!(debug_assertions) { 1_000 } else { 10_000 };
    std::env::var("SIM_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

#[test]
fn seeds_pass_and_reach_every_coverage_goal() {
    #[cfg(pipe_core_bug)]
    sim::activate_bug(None);
    let count = seeds();
    let mut coverage = CoverageCounts::default();
    for seed in 0..count {
        let report = run(Source::Seed(seed), false);
        if let Some(f) = &report.failure {
            panic!(
                "seed {seed} failed at step {}: {}: {}\nreplay: cargo run -p sim --release -- --replay {seed} --trace",
                f.step, f.kind, f.message
            );
        }
        coverage.add(report.coverage);
    }
    // Rare marks need the full 10,000; fewer seeds check only the common ones.
    if count >= 10_000 {
        let missing = coverage.missing();
        assert!(missing.is_empty(), "coverage goals never reached in {count} seeds: {missing:?}");
    } else {
        let reached = coverage.iter().filter(|&(_, n)| n > 0).count();
        assert!(reached * 10 >= sim::Mark::ALL.len() * 9, "only {reached} coverage goals reached in {count} seeds");
    }
}
