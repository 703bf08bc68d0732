//! The splice fault scenario (`sim::splice`): 10,000 seeds of injected
//! EINTR, EAGAIN, short transfers, "cannot splice" errnos before and after
//! progress, and EPIPE, checked for lost, duplicated or reordered bytes and
//! exact counts. `SIM_SPLICE_SEED=N` replays one seed.
#![cfg(all(target_os = "linux", not(loom)))]

use std::time::Instant;

use sim::splice::{campaign, run_seed};

#[test]
fn ten_thousand_seeds_lose_duplicate_and_reorder_nothing() {
    if let Ok(seed) = std::env::var("SIM_SPLICE_SEED") {
        let seed: u64 = seed.parse().expect("SIM_SPLICE_SEED is a number");
        let run = run_seed(seed).unwrap_or_else(|failure| panic!("{failure}"));
        println!("seed {seed}: {:?}\n{:?}", run.config, run.tally);
        return;
    }
    let started = Instant::now();
    let tally = campaign(0, 10_000).unwrap_or_else(|failure| panic!("{failure}"));
    println!("splice faults: 10,000 seeds in {:.2?}: {tally:?}", started.elapsed());
    // Coverage: every fault and every interesting outcome was reached, often.
    for (what, count) in [
        ("EINTR", tally.eintr),
        ("EAGAIN", tally.eagain),
        ("short transfers", tally.short),
        ("cannot-splice errnos", tally.refused),
        ("EPIPE", tally.epipe),
        ("fallbacks", tally.fallbacks),
        ("fallbacks recovering bytes from the pipe", tally.fallbacks_recovering),
        ("cannot-splice errors after progress", tally.refused_after_progress),
        ("bytes held across calls", tally.held_across_calls),
        ("broken destinations", tally.broken),
    ] {
        assert!(count >= 50, "only {count} {what} in 10,000 seeds: {tally:?}");
    }
}

#[test]
fn a_seed_replays_identically() {
    for seed in [1, 77, 4242] {
        let a = run_seed(seed).expect("seed passes");
        let b = run_seed(seed).expect("seed passes");
        assert_eq!(a.tally, b.tally, "seed {seed}");
    }
}
