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

#[cfg(target_os = "linux")]
#[test]
fn every_splice_pair_and_method_delivers_the_stream_intact() {
    use pipe_bench::splice::{self, Method, Pair, Stream};
    // A size that is no multiple of the checksum's words nor of a page, and one of several pipe buffers.
    for size in [4097, 256 << 10] {
        let stream = Arc::new(Stream::new(size, 2 << 20, 16));
        for pair in Pair::ALL {
            for method in Method::ALL {
                let rate = splice::run(pair, method, &stream)
                    .unwrap_or_else(|e| panic!("{} {} {size}: {e}", pair.label(), method.label()));
                assert!(rate.is_finite() && rate > 0.0);
            }
        }
    }
}

#[test]
fn a_corrupted_splice_stream_is_a_failure() {
    use pipe_bench::splice::{check_reader, Stream};
    let stream = Stream::new(4096, 64 << 10, 17);
    let whole: Vec<u8> = stream.block().repeat(stream.ops());
    assert_eq!(whole.len() as u64, stream.total());
    assert!(check_reader(whole.as_slice(), &stream, "intact").is_ok());
    let mut changed = whole.clone();
    changed[10_000] ^= 1;
    assert!(check_reader(changed.as_slice(), &stream, "a changed byte").is_err());
    assert!(check_reader(&whole[..whole.len() - 1], &stream, "a lost byte").is_err());
    let mut longer = whole.clone();
    longer.push(0);
    assert!(check_reader(longer.as_slice(), &stream, "an extra byte").is_err());
    let mut swapped = whole.clone();
    swapped[8192..8256].rotate_left(32);
    assert!(check_reader(swapped.as_slice(), &stream, "two swapped words").is_err());
    // A chunk delivered twice in place of the next one (what a transfer
    // that resent bytes held in its pipe would produce).
    let mut resent = whole.clone();
    resent.copy_within(5000..6000, 6000);
    assert!(check_reader(resent.as_slice(), &stream, "a resent chunk").is_err());
}

#[test]
fn the_splice_page_has_one_generated_block() {
    use pipe_bench::report::{replace_splice_block, SPLICE_BEGIN, SPLICE_END};
    let page = include_str!("../../docs/splice.md");
    let replaced = replace_splice_block(page, "new table\n").expect("docs/splice.md has the splice markers");
    assert!(replaced.contains(&format!("{SPLICE_BEGIN}\nnew table\n{SPLICE_END}")));
    assert_eq!(replace_splice_block(&replaced, "again\n"), replace_splice_block(page, "again\n"), "idempotent");
    assert!(replace_splice_block("no markers", "x").is_none());
    assert!(replace_splice_block(&format!("{SPLICE_END}\n{SPLICE_BEGIN}"), "x").is_none());
    assert!(replace_splice_block(&format!("{SPLICE_BEGIN}{SPLICE_BEGIN}{SPLICE_END}"), "x").is_none());
}
