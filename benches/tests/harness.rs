//! The harness itself: every system carries a small stream intact, every
//! ping-pong echoes, and a wrong checksum is a failure. No figure is checked.
#![cfg(not(loom))]

use std::sync::Arc;
use std::time::Duration;

use pipe_bench::data::{text, Plan};
use pipe_bench::lines::{self, LineReader};
use pipe_bench::memory::run_here;
use pipe_bench::systems::{run_stream, NoProbe, System};
use pipe_bench::{baseline, pingpong};

#[test]
fn every_system_delivers_the_crystal_stream_intact() {
    let plan = Arc::new(Plan::random(1 << 20, 1, 256, 11));
    for system in System::ALL {
        run_stream(system, &plan, &Arc::new(NoProbe)).unwrap_or_else(|e| panic!("{}: {e}", system.label()));
    }
}

#[test]
fn every_system_delivers_writes_bigger_than_its_capacity() {
    let plan = Arc::new(Plan::fixed(4 << 20, 1 << 20, 12));
    for system in System::ALL {
        run_stream(system, &plan, &Arc::new(NoProbe)).unwrap_or_else(|e| panic!("{}: {e}", system.label()));
    }
    baseline::memcpy(&plan).expect("memcpy");
    baseline::checksum(&plan).expect("checksum alone");
}

#[test]
fn every_ping_pong_system_echoes() {
    for system in pingpong::SYSTEMS {
        let times = pingpong::run(system, 10, 200).unwrap_or_else(|e| panic!("{}: {e}", system.label()));
        assert_eq!(times.len(), 200, "{}", system.label());
    }
}

#[test]
fn every_line_reader_counts_the_lines() {
    let plan = Arc::new(Plan::fixed_over(2 << 20, 16 * 1024, text(256 * 1024, 160, 13)));
    assert!(plan.newlines() > 0);
    for config in LineReader::ALL {
        lines::run(config, &plan).unwrap_or_else(|e| panic!("{}: {e}", config.label()));
    }
}

#[test]
fn the_memory_probe_sees_the_stream_within_m2_for_pipe_core() {
    let plan = Arc::new(Plan::random(4 << 20, 1, 256, 14));
    for system in System::PIPE_CORE {
        let run = run_here(system, &plan, 1 << 20, Duration::from_millis(1)).expect("memory run");
        let unexamined = run.peak_unexamined.expect("pipe-core reports unexamined bytes");
        assert!(unexamined <= pipe_bench::report::m2_bound(256), "{}: {unexamined}", system.label());
        assert!(run.peak_buffered > 0);
    }
}

#[test]
fn a_wrong_checksum_is_a_failure() {
    let plan = Plan::random(10_000, 1, 256, 15);
    let (bytes, sum) = plan.expected();
    assert!(plan.verify("test", (bytes, sum)).is_ok());
    assert!(plan.verify("test", (bytes, sum ^ 1)).is_err());
    assert!(plan.verify("test", (bytes - 1, sum)).is_err());
}
