//! The simulator is deterministic: one seed, one history.
// Not built under `--cfg loom`: the pipe then runs on loom's types, which
// work only inside a loom model.
#![cfg(not(loom))]

use sim::config::Scenario;
use sim::{run, Source};

#[test]
fn same_seed_gives_the_same_history_hash() {
    for seed in [0, 1, 7, 42, 1_000_003] {
        let (a, b) = sim::determinism_check(seed);
        assert_eq!(a, b, "seed {seed} gave two different histories");
    }
}

#[test]
fn replaying_a_recorded_tape_gives_the_same_history() {
    for seed in [3, 99] {
        let first = run(Source::Seed(seed), false);
        let again = run(Source::Tape(first.tape.clone()), false);
        assert_eq!(first.hash, again.hash, "seed {seed}: the tape replay diverged");
        assert_eq!(first.steps, again.steps);
    }
}

#[test]
fn different_seeds_give_different_histories() {
    let mut hashes: Vec<u64> = (0..200).map(|seed| run(Source::Seed(seed), false).hash).collect();
    hashes.sort_unstable();
    hashes.dedup();
    assert_eq!(hashes.len(), 200, "two of 200 seeds produced the same history");
}

#[test]
fn trace_records_every_step() {
    let report = run(Source::Seed(5), true);
    let trace = report.trace.expect("trace requested");
    assert!(trace.starts_with("config: "));
    assert!(trace.lines().count() > report.steps / 2, "trace too short for {} steps", report.steps);
}

#[test]
fn tee_and_fan_in_seeds_replay() {
    for scenario in [Scenario::Tee, Scenario::FanIn] {
        let seed = (0..1_000)
            .find(|&seed| run(Source::Seed(seed), false).config.scenario == scenario)
            .expect("a seed of each scenario among 1,000");
        let first = run(Source::Seed(seed), false);
        let again = run(Source::Seed(seed), false);
        let tape = run(Source::Tape(first.tape.clone()), false);
        assert_eq!(first.hash, again.hash, "{scenario:?} seed {seed} gave two histories");
        assert_eq!(first.hash, tape.hash, "{scenario:?} seed {seed}: the tape replay diverged");
        assert!(first.failure.is_none(), "{scenario:?} seed {seed} failed: {:?}", first.failure);
    }
}
