//! Every logic-class seeded bug fails the simulator within 10,000 seeds, and
//! its failing seed replays and shrinks. The tee and fan-in scenarios alone
//! also catch every one (their own checks bite); the table shows the first
//! seed of each that fails.
//!
//! Which bugs the simulator must catch is the `sim` column of
//! `ci/canaries.table`, the one home of the bug -> checker table.
//!
//! `RUSTFLAGS="--cfg pipe_core_bug" cargo test -p sim --release --test
//! seeded_bugs --target-dir target/bugs`. One test, so the process-global
//! bug switch is never flipped by two tests at once.
#![cfg(all(pipe_core_bug, not(loom)))]

use pipe_core::bugs::Bug;
use sim::config::Scenario;
use sim::shrink::shrink;
use sim::{run, Source};

/// `(bug, simulator must catch it)` for every row of the table.
fn table() -> Vec<(&'static str, bool)> {
    include_str!("../../ci/canaries.table")
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let columns: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(columns.len(), 5, "ci/canaries.table: a row needs 5 columns: {line}");
            (columns[0], columns[4] == "sim")
        })
        .collect()
}

#[test]
fn every_logic_bug_is_caught_replayed_and_shrunk() {
    let rows = table();
    let mut named: Vec<&str> = rows.iter().map(|(bug, _)| *bug).collect();
    named.sort_unstable();
    let mut all: Vec<&str> = Bug::ALL.iter().map(|(name, _)| *name).collect();
    all.sort_unstable();
    assert_eq!(named, all, "ci/canaries.table must list every seeded bug exactly once");
    let mut table = Vec::new();
    for bug in rows.iter().filter(|(_, sim)| *sim).map(|(bug, _)| *bug) {
        assert!(sim::activate_bug(Some(bug)), "unknown seeded bug {bug}");
        let caught = (0..10_000u64).find_map(|seed| {
            let report = run(Source::Seed(seed), false);
            report.failure.is_some().then_some((seed, report))
        });
        let Some((seed, report)) = caught else {
            sim::activate_bug(None);
            panic!("seeded bug {bug} survived 10,000 seeds");
        };
        let kind = report.failure.as_ref().map(|f| f.kind);
        let replay = run(Source::Seed(seed), false);
        assert_eq!(replay.hash, report.hash, "{bug}: seed {seed} did not replay");
        assert_eq!(replay.failure.as_ref().map(|f| f.kind), kind);
        // The first failing seed of each multi-pipe scenario.
        let first_of = |scenario: Scenario| {
            (0..10_000u64).find(|&seed| {
                let r = run(Source::Seed(seed), false);
                r.config.scenario == scenario && r.failure.is_some()
            })
        };
        let (tee, fan_in) = (first_of(Scenario::Tee), first_of(Scenario::FanIn));
        if tee.is_none() || fan_in.is_none() {
            sim::activate_bug(None);
            panic!("seeded bug {bug} survived the tee ({tee:?}) or fan-in ({fan_in:?}) seeds among 10,000");
        }
        let steps = report.steps;
        let shrunk = shrink(report, 300);
        assert_eq!(shrunk.report.failure.as_ref().map(|f| f.kind), kind, "{bug}: shrinking lost the failure");
        assert!(shrunk.report.steps <= steps);
        table.push(format!(
            "{bug:<34} seed {seed:>5} ({:>4} seeds)  {:<12} {steps:>4} -> {:>3} steps  first tee seed {:>4}, fan-in {:>4}",
            seed + 1,
            kind.unwrap_or("-"),
            shrunk.report.steps,
            tee.unwrap_or(0),
            fan_in.unwrap_or(0),
        ));
    }
    sim::activate_bug(None);
    for line in &table {
        println!("{line}");
    }
}
