//! `docs/PERFORMANCE.md`, written from a run's results: no figure in it is
//! typed by hand.

use std::fmt::Write as _;

use pipe_core::{DEFAULT_MINIMUM_SEGMENT_SIZE, DEFAULT_PAUSE_WRITER_THRESHOLD};

use crate::lines::LineReader;
use crate::machine::Machine;
use crate::measure::{Results, Row, Table};
use crate::pingpong;
use crate::profile::{categories, note, threads, Loss};
use crate::splice::{Cell as SpliceCell, Method, Pair};
use crate::stats::{median, range, ratio, ratio_range};
use crate::systems::{System, BUF_WRITER, CAPACITY, READ_BUFFER};

/// Rule M2's bound for the memory workload: pause + largest write + minimum segment.
pub fn m2_bound(largest_write: usize) -> u64 {
    (DEFAULT_PAUSE_WRITER_THRESHOLD + largest_write + DEFAULT_MINIMUM_SEGMENT_SIZE) as u64
}

/// One of the goals, evaluated on the run.
#[derive(Clone, Debug)]
pub struct Goal {
    /// What is asked.
    pub goal: String,
    /// What the run measured.
    pub measured: String,
    /// Whether it is met.
    pub met: bool,
}

fn thousands(value: f64) -> String {
    if !value.is_finite() {
        return "—".to_string();
    }
    let s = format!("{:.0}", value);
    let (sign, digits) = s.split_at(usize::from(s.starts_with('-')));
    let mut out = String::from(sign);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn x(value: f64) -> String {
    if !value.is_finite() {
        "—".to_string()
    } else if value >= 10.0 {
        format!("{value:.1}×")
    } else {
        format!("{value:.2}×")
    }
}

fn ns(value: f64) -> String {
    if !value.is_finite() {
        "—".to_string()
    } else if value >= 10_000.0 {
        format!("{:.1} µs", value / 1000.0)
    } else if value >= 1000.0 {
        format!("{:.2} µs", value / 1000.0)
    } else {
        format!("{value:.0} ns")
    }
}

fn bytes(value: u64) -> String {
    if value >= 1 << 30 && value.is_multiple_of(1 << 30) {
        format!("{} GiB", value >> 30)
    } else if value >= 1 << 20 && value.is_multiple_of(1 << 20) {
        format!("{} MiB", value >> 20)
    } else if value >= 1024 && value.is_multiple_of(1024) {
        format!("{} KiB", value >> 10)
    } else {
        format!("{} B", thousands(value as f64))
    }
}

fn table_title(table: &Table) -> String {
    match table.id.as_str() {
        "crystal" => "(a) The Crystal stream: random writes of 1–256 bytes".to_string(),
        "lines" => "(f) Zero-copy parsing: counting lines".to_string(),
        _ => match table.write_size() {
            Some(57) => "(b) Fixed 57-byte writes".to_string(),
            Some(size) if size >= 4096 => format!("(c) Bulk: {} writes", bytes(size as u64)),
            Some(size) => format!("Fixed {size}-byte writes"),
            None => table.id.clone(),
        },
    }
}

fn table_name(id: &str) -> String {
    match id {
        "crystal" => "Crystal stream".to_string(),
        "pingpong" => "ping-pong".to_string(),
        "lines" => "line counting".to_string(),
        other => match other.strip_prefix("fixed-").and_then(|s| s.parse::<u64>().ok()) {
            Some(size) => format!("{} writes", bytes(size)),
            None => other.to_string(),
        },
    }
}

/// A throughput table: each row's median MB/s, its range, and every pipe-core configuration's ratio to it.
fn throughput_table(out: &mut String, table: &Table, versus: &[Row]) {
    let _ = write!(out, "| system | MB/s (median) | range over rounds |");
    for v in versus {
        let _ = write!(out, " {} ÷ it |", v.short());
    }
    let _ = writeln!(out);
    let _ = write!(out, "|---|---:|---:|");
    for _ in versus {
        let _ = write!(out, "---:|");
    }
    let _ = writeln!(out);
    for (row, figures) in &table.rows {
        let (lo, hi) = range(figures);
        let _ =
            write!(out, "| {} | {} | {}–{} |", row.label(), thousands(median(figures)), thousands(lo), thousands(hi));
        for v in versus {
            if v == row {
                let _ = write!(out, " — |");
                continue;
            }
            match table.figures(*v) {
                Some(ours) => {
                    let (rlo, rhi) = ratio_range(ours, figures);
                    let _ = write!(out, " {} ({}–{}) |", x(ratio(ours, figures)), x(rlo), x(rhi));
                }
                None => {
                    let _ = write!(out, " — |");
                }
            }
        }
        let _ = writeln!(out);
    }
}

fn speed(results: &Results, table: &str, ours: System, theirs: Row) -> f64 {
    let t = if table == "crystal" { Some(&results.crystal) } else { results.fixed.iter().find(|t| t.id == table) };
    match t.and_then(|t| Some((t.figures(Row::System(ours))?, t.figures(theirs)?))) {
        Some((a, b)) => ratio(a, b),
        None => f64::NAN,
    }
}

/// The goals, evaluated on `results`.
pub fn goals(results: &Results) -> Vec<Goal> {
    let mut goals = Vec::new();
    let mut at_least = |goal: &str, what: &str, value: f64, target: f64| {
        goals.push(Goal {
            goal: goal.to_string(),
            measured: format!("{what} = {}", x(value)),
            met: value.is_finite() && value >= target,
        });
    };
    let crystal = |ours, theirs| speed(results, "crystal", ours, Row::System(theirs));
    at_least(
        "Crystal stream: async ≥ 2× `tokio::io::duplex`",
        "async ÷ duplex",
        crystal(System::PipeAsync, System::Duplex),
        2.0,
    );
    at_least("Crystal stream: async ≥ 0.8× `rtrb`", "async ÷ rtrb", crystal(System::PipeAsync, System::Rtrb), 0.8);
    at_least(
        "Crystal stream: blocking at least as fast as async",
        "blocking ÷ async",
        speed(results, "crystal", System::PipeBlocking, Row::System(System::PipeAsync)),
        1.0,
    );
    at_least(
        "Crystal stream: blocking ≥ 3× OS pipe behind `BufWriter`",
        "blocking ÷ OS pipe + BufWriter",
        crystal(System::PipeBlocking, System::OsPipeBuffered),
        3.0,
    );
    at_least(
        "Crystal stream: blocking ≥ 40× unbuffered OS pipe",
        "blocking ÷ OS pipe",
        crystal(System::PipeBlocking, System::OsPipe),
        40.0,
    );
    if results.fixed.iter().any(|t| t.id == "fixed-65536") {
        at_least(
            "Bulk 64 KiB: async ≥ 50% of `memcpy`",
            "async ÷ memcpy",
            speed(results, "fixed-65536", System::PipeAsync, Row::Memcpy),
            0.5,
        );
    }
    for table in results.fixed.iter().filter(|t| t.write_size().is_some_and(|s| s >= 4096)) {
        at_least(
            &format!("Bulk {}: async ≥ `tokio::io::duplex`", bytes(table.write_size().unwrap_or(0) as u64)),
            "async ÷ duplex",
            speed(results, &table.id, System::PipeAsync, Row::System(System::Duplex)),
            1.0,
        );
    }
    let blocking = crate::profile::ping_p50(results, System::PipeBlocking);
    let spin = crate::profile::ping_p50(results, System::Rtrb);
    goals.push(Goal {
        goal: "Ping-pong: blocking p50 ≤ 2.5× `rtrb` spin loop".to_string(),
        measured: format!("blocking p50 ÷ rtrb p50 = {} ({} vs {})", x(blocking / spin), ns(blocking), ns(spin)),
        met: (blocking / spin).is_finite() && blocking / spin <= 2.5,
    });
    if let Some(goal) = splice_goal(&results.splice) {
        goals.push(goal);
    }
    let bound = m2_bound(256);
    let pipe_runs: Vec<_> = results.memory.iter().filter(|r| r.peak_unexamined.is_some()).collect();
    let worst = pipe_runs.iter().filter_map(|r| r.peak_unexamined).max().unwrap_or(0);
    goals.push(Goal {
        goal: "Memory: every pipe-core configuration within rule M2".to_string(),
        measured: format!("largest peak unexamined {} B, bound {} B", thousands(worst as f64), thousands(bound as f64)),
        met: !pipe_runs.is_empty() && worst <= bound,
    });
    goals
}

/// The splice goal's threshold: operations of this size and up...
pub const SPLICE_GOAL_FROM: usize = 64 << 10;
/// ...must splice at least this many times as fast as they copy.
pub const SPLICE_GOAL_RATIO: f64 = 2.0;

/// Issue 12's goal, "splice ≥ 2× copy at every size ≥ 64 KiB", on every
/// pair; `None` when the run has no splice table.
pub fn splice_goal(cells: &[SpliceCell]) -> Option<Goal> {
    let judged: Vec<&SpliceCell> = cells.iter().filter(|c| c.size >= SPLICE_GOAL_FROM).collect();
    let by_ratio = |a: &&&SpliceCell, b: &&&SpliceCell| a.ratio().total_cmp(&b.ratio());
    let (lowest, highest) = (judged.iter().min_by(by_ratio)?, judged.iter().max_by(by_ratio)?);
    // A missing ratio (NaN) counts as below: unmeasured is not met.
    let below = judged.iter().filter(|c| !c.ratio().is_finite() || c.ratio() < SPLICE_GOAL_RATIO).count();
    Some(Goal {
        goal: format!(
            "Splice: ≥ {}× the read/write copy at every size ≥ {}, every pair",
            SPLICE_GOAL_RATIO,
            bytes(SPLICE_GOAL_FROM as u64)
        ),
        measured: format!(
            "splice ÷ copy from {} ({} {}) to {} ({} {}); {} of {} cells below {}×",
            x(lowest.ratio()),
            lowest.pair.label(),
            bytes(lowest.size as u64),
            x(highest.ratio()),
            highest.pair.label(),
            bytes(highest.size as u64),
            below,
            judged.len(),
            SPLICE_GOAL_RATIO
        ),
        met: below == 0,
    })
}

/// The splice table: per pair and size, median MB/s of each path and the
/// median per-round ratio with its range (the zerocopy seed's shape).
pub fn splice_table(cells: &[SpliceCell]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| pair | size | copy MB/s | splice MB/s | splice ÷ copy | range over rounds |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    for cell in cells {
        let (lo, hi) = cell.ratio_range();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {}–{} |",
            cell.pair.label(),
            bytes(cell.size as u64),
            thousands(median(cell.figures(Method::Copy))),
            thousands(median(cell.figures(Method::Splice))),
            x(cell.ratio()),
            x(lo),
            x(hi)
        );
    }
    out
}

/// How the splice workload measures, for both pages.
fn splice_method(results: &Results) -> String {
    let c = &results.config;
    format!(
        "Each operation is one `Transfer::run` of the row's size from a source descriptor to a destination \
         descriptor (one `Transfer` per measurement, as a server keeps one per connection): on the splice path \
         (`TransferOptions::with_files()`: `splice(2)` into a pooled intermediate pipe and out of it) and on the \
         forced copy path (`TransferOptions::copy_only()`: `read(2)` into a 64 KiB buffer, `write(2)` out). \
         Sockets are TCP on 127.0.0.1 and unix stream pairs; file→tcp re-reads a page-cache-hot file of one \
         operation's size. A producer thread keeps a socket source full and a consumer thread drains the \
         destination, checksumming every byte (the harness's checksum); a measurement counts only if the \
         checksum and byte count match the stream's and the `TransferReport`s show every byte moved by the path \
         measured. {} per measurement under 16 KiB, {} from 16 KiB; {} rounds, splice and copy back to back in \
         each (order alternating). MB/s = 10⁶ bytes per second, median over rounds; the ratio is the median of \
         the per-round splice ÷ copy (above 1: splice is faster).",
        bytes(c.splice_small_total),
        bytes(c.splice_bulk_total),
        c.rounds
    )
}

/// The block `ci/bench` writes into `docs/splice.md` between [`SPLICE_BEGIN`]
/// and [`SPLICE_END`]: the run, the method, the table and the goal.
pub fn splice_block(results: &Results, machine: &Machine) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Written by `ci/bench --{}` from the same run as [PERFORMANCE.md](PERFORMANCE.md) (commit {}, {}; \
         {} cores, {}, kernel {}; load average {} at the start). Do not edit between the markers; run \
         `ci/bench` again.\n",
        results.config.name,
        machine.commit,
        machine.date,
        machine.cores,
        machine.cpu,
        machine.kernel,
        machine.load_before
    );
    let _ = writeln!(out, "{}\n", splice_method(results));
    out.push_str(&splice_table(&results.splice));
    let _ = writeln!(out);
    if let Some(goal) = splice_goal(&results.splice) {
        let _ = writeln!(
            out,
            "Goal, splice ≥ {}× copy at every size ≥ {} on every pair: **{}** in this run ({}).\n",
            SPLICE_GOAL_RATIO,
            bytes(SPLICE_GOAL_FROM as u64),
            if goal.met { "met" } else { "not met" },
            goal.measured
        );
    }
    let _ = writeln!(out, "![splice and copy throughput against size](perf/splice.svg)");
    out
}

/// Where the generated splice block starts in `docs/splice.md`...
pub const SPLICE_BEGIN: &str = "<!-- bench:splice:begin -->";
/// ...and where it ends.
pub const SPLICE_END: &str = "<!-- bench:splice:end -->";

/// `page` with everything between the splice markers replaced by `block`;
/// `None` unless both markers are there once, in order.
pub fn replace_splice_block(page: &str, block: &str) -> Option<String> {
    if page.matches(SPLICE_BEGIN).count() != 1 || page.matches(SPLICE_END).count() != 1 {
        return None;
    }
    let (before, rest) = page.split_once(SPLICE_BEGIN)?;
    let (_, after) = rest.split_once(SPLICE_END)?;
    Some(format!("{before}{SPLICE_BEGIN}\n{block}{SPLICE_END}{after}"))
}

fn losses_table(out: &mut String, losses: &[Loss]) {
    let _ = writeln!(out, "| workload | pipe-core | loses to | pipe-core's speed ÷ the peer's |");
    let _ = writeln!(out, "|---|---|---|---:|");
    for loss in losses {
        let peer = if loss.table == "pingpong" { pingpong::label(loss.peer) } else { loss.peer.label() };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            table_name(&loss.table),
            loss.system.short(),
            peer,
            x(loss.speed_ratio)
        );
    }
}

/// A symbol without its generic arguments past the first level, for tables.
fn short_symbol(symbol: &str) -> String {
    if symbol.len() <= 90 {
        return symbol.to_string();
    }
    let mut out = String::new();
    let mut depth = 0;
    for c in symbol.chars() {
        match c {
            '<' => {
                depth += 1;
                if depth == 2 {
                    out.push_str("<…");
                }
                if depth >= 2 {
                    continue;
                }
            }
            '>' => {
                depth -= 1;
                if depth >= 1 {
                    if depth == 1 {
                        out.push('>');
                    }
                    continue;
                }
            }
            _ if depth >= 2 => continue,
            _ => {}
        }
        out.push(c);
    }
    out
}

/// The whole page.
pub fn render(results: &Results, machine: &Machine, load_after: &str, profile_seconds: f64) -> String {
    let c = &results.config;
    let mut out = String::new();
    let _ = writeln!(out, "# Performance\n");
    let _ = writeln!(
        out,
        "Generated by `ci/bench --{}` (the `pipe-bench` crate in `benches/`): every figure on this page and in \
         the plots under `docs/perf/` comes from that one run. Do not edit it by hand; run the script again.\n",
        c.name
    );
    let _ = writeln!(
        out,
        "The throughput and latency workloads run every system in one process, in interleaved rounds (the \
         order rotates each round), so each ratio compares figures taken seconds apart on the same machine; \
         the memory workload runs each system in a child process of its own, for its RSS. The machine may be shared and busy: \
         the absolute figures move from run to run, the ratios much less. A ratio is the median over rounds of \
         the per-round ratio, with its range over rounds in brackets.\n"
    );
    let _ = writeln!(out, "## Machine and run\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| CPU | {} |", machine.cpu);
    let _ = writeln!(out, "| cores | {} |", machine.cores);
    let _ = writeln!(out, "| kernel | {} |", machine.kernel);
    let _ = writeln!(out, "| rustc | {} |", machine.rustc);
    let _ = writeln!(out, "| date | {} |", machine.date);
    let _ = writeln!(out, "| commit | {} |", machine.commit);
    let _ = writeln!(out, "| load average (1, 5, 15 min) at start / end | {} / {} |", machine.load_before, load_after);
    let _ = writeln!(out, "| profile | `--{}`: {} rounds per workload |", c.name, c.rounds);
    let _ =
        writeln!(out, "| time | measurements {:.0} s, profiles {:.0} s |\n", results.measure_seconds, profile_seconds);

    let goals = goals(results);
    let met = goals.iter().filter(|g| g.met).count();
    let _ = writeln!(out, "## Goals\n");
    let _ = writeln!(
        out,
        "The goals of the benchmark issue, reported and not asserted. **{met} of {} met** in this run.\n",
        goals.len()
    );
    let _ = writeln!(out, "| goal | measured | |\n|---|---|---|");
    for g in &goals {
        let _ = writeln!(out, "| {} | {} | {} |", g.goal, g.measured, if g.met { "met" } else { "**not met**" });
    }
    let _ = writeln!(out);

    let _ = writeln!(out, "## How it measures\n");
    let _ = writeln!(
        out,
        "- **Systems.** pipe-core with default options (pause {} B, resume {} B, segments {} B): the async API \
         as two tasks on a 2-worker tokio runtime; the blocking API on two threads; and one thread that writes \
         and flushes until the writer pauses, then reads and advances (the no-contention ceiling). Peers: \
         `std::io::pipe` with one `write_all` per write, and behind a {} B `BufWriter`; `tokio::io::duplex({})` \
         on a 2-worker runtime; `piper::pipe({})` on two threads (`futures_lite::future::block_on`); `rtrb` with \
         {} slots, yielding the thread when full or empty (spinning in ping-pong). Copying readers read into a \
         {} B buffer; pipe-core and `rtrb` readers check their buffers in place.",
        DEFAULT_PAUSE_WRITER_THRESHOLD,
        pipe_core::DEFAULT_RESUME_WRITER_THRESHOLD,
        DEFAULT_MINIMUM_SEGMENT_SIZE,
        BUF_WRITER,
        CAPACITY,
        CAPACITY,
        CAPACITY,
        READ_BUFFER
    );
    let _ = writeln!(
        out,
        "- **Checked, not just timed.** Every write is cut from seeded random bytes; every reader keeps a \
         running checksum (Fletcher-style over 64-bit words: catches lost, changed and reordered bytes) and \
         the run fails, with no figure, unless it equals the writer's. The checksum's own speed is in the bulk \
         tables as a ceiling. pipe-core's `write` is copy + flush, so each write is one flush; the peers' \
         writes are visible to their readers at once. Times run from the start of the writer to the reader's last check."
    );
    let _ = writeln!(
        out,
        "- **Sizes.** Crystal stream {} per run; fixed writes under 4 KiB {} per run, 4 KiB and up {} per run; \
         ping-pong {} timed round trips per round after {} warm-up; memory {} with the reader sleeping {} ms \
         after every {}; line counting {} in {} B writes; splice against copy {} per operation.\n",
        bytes(c.crystal_total),
        bytes(c.small_total),
        bytes(c.bulk_total),
        thousands(c.ping_samples as f64),
        thousands(c.ping_warmup as f64),
        bytes(c.memory_total),
        c.stall.as_millis(),
        bytes(c.stall_every),
        bytes(c.lines_total),
        thousands(c.lines_write as f64),
        {
            let sizes: Vec<String> = c.splice_sizes.iter().map(|&s| bytes(s as u64)).collect();
            sizes.join(", ")
        },
    );

    let versus: Vec<Row> = System::PIPE_CORE.iter().map(|&s| Row::System(s)).collect();
    let _ = writeln!(out, "## {}\n", table_title(&results.crystal));
    let _ = writeln!(
        out,
        "{} writes from a fixed seed, mean {:.1} B, {} in all. Columns on the right: each pipe-core \
         configuration's throughput divided by the row's (above 1: pipe-core is faster).\n",
        thousands(results.crystal.writes as f64),
        results.crystal.mean_write,
        bytes(results.crystal.total)
    );
    throughput_table(&mut out, &results.crystal, &versus);
    let _ = writeln!(out);

    for table in &results.fixed {
        let _ = writeln!(out, "## {}\n", table_title(table));
        let _ = write!(out, "{} writes, {} in all.", thousands(table.writes as f64), bytes(table.total));
        if table.write_size().is_some_and(|s| s >= 4096) {
            let _ = write!(
                out,
                " The ceilings: `memcpy` of each write into a pre-touched rotating buffer of {} (the working set \
                 of a 64 KiB-threshold pipe, or two writes if larger), and the reader's checksum alone over the \
                 same bytes.",
                bytes(crate::baseline::rotating_len(table.write_size().unwrap_or(0)) as u64)
            );
        }
        let _ = writeln!(out, "\n");
        throughput_table(&mut out, table, &versus);
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "![throughput against write size](perf/throughput.svg)\n");

    // (d)
    let _ = writeln!(out, "## (d) One-byte ping-pong\n");
    let _ = writeln!(
        out,
        "One thread (or task) sends a byte, the other echoes it; each round trip is timed with `Instant::now` \
         (whose own cost is in every figure) and the echo checked. \
         Right-hand columns: pipe-core's p50 divided by the row's p50 (below 1: pipe-core is faster).\n"
    );
    let _ =
        writeln!(out, "| system | p50 (median) | p50 range | p99 (median) | async p50 ÷ its | blocking p50 ÷ its |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    let p50s = |s: System| -> Vec<f64> {
        results
            .pingpong
            .rows
            .iter()
            .find(|(x, _)| *x == s)
            .map(|(_, v)| v.iter().map(|p| p.0).collect())
            .unwrap_or_default()
    };
    for (system, figures) in &results.pingpong.rows {
        let p50: Vec<f64> = figures.iter().map(|f| f.0).collect();
        let p99: Vec<f64> = figures.iter().map(|f| f.1).collect();
        let (lo, hi) = range(&p50);
        let cell = |ours: System| {
            if ours == *system {
                "—".to_string()
            } else {
                x(ratio(&p50s(ours), &p50))
            }
        };
        let _ = writeln!(
            out,
            "| {} | {} | {}–{} | {} | {} | {} |",
            pingpong::label(*system),
            ns(median(&p50)),
            ns(lo),
            ns(hi),
            ns(median(&p99)),
            cell(System::PipeAsync),
            cell(System::PipeBlocking)
        );
    }
    let _ = writeln!(out, "\n![ping-pong latency](perf/pingpong.svg)\n");

    // (e)
    let bound = m2_bound(256);
    let _ = writeln!(out, "## (e) Memory under a periodically stalled reader\n");
    let _ = writeln!(
        out,
        "The Crystal stream ({}) into a reader that sleeps {} ms after every {}; each system in a child process \
         of its own. *In flight*: bytes written and not yet checked by the reader, taken by the writer before \
         each write plus that write (an upper bound). *Unexamined*: pipe-core's `PipeStats::unexamined()` the \
         same way, against rule M2's bound for writes of at most 256 B: pause {} + 256 + segment {} = {} B. \
         *RSS growth*: peak RSS during the stream less RSS before it (the peak reset via `/proc/self/clear_refs` \
         once the plan was built).\n",
        bytes(c.memory_total),
        c.stall.as_millis(),
        bytes(c.stall_every),
        DEFAULT_PAUSE_WRITER_THRESHOLD,
        DEFAULT_MINIMUM_SEGMENT_SIZE,
        thousands(bound as f64)
    );
    let _ = writeln!(out, "| system | peak in flight | peak unexamined | within M2 | peak RSS | RSS growth | time |");
    let _ = writeln!(out, "|---|---:|---:|---|---:|---:|---:|");
    for run in &results.memory {
        let (unexamined, within) = match run.peak_unexamined {
            Some(u) => (format!("{} B", thousands(u as f64)), if u <= bound { "yes" } else { "**no**" }),
            None => ("—".to_string(), "—"),
        };
        let reset = if run.rss_peak_reset { "" } else { " (peak since start)" };
        let _ = writeln!(
            out,
            "| {} | {} B | {} | {} | {} KiB{} | {} KiB | {:.2} s |",
            run.system.label(),
            thousands(run.peak_buffered as f64),
            unexamined,
            within,
            thousands(run.rss_peak_kib as f64),
            reset,
            thousands(run.rss_peak_kib.saturating_sub(run.rss_before_kib) as f64),
            run.elapsed.as_secs_f64()
        );
    }
    let _ = writeln!(out, "\n![bytes in flight over time](perf/memory.svg)\n");

    // (f)
    let _ = writeln!(out, "## {}\n", table_title(&results.lines));
    let _ = writeln!(
        out,
        "{} of newline-terminated lines (0–160 letters, seeded) in {} B writes, 2 threads. Every reader \
         counts lines and checksums their bytes; both must match the writer's.\n",
        bytes(results.lines.total),
        thousands(c.lines_write as f64)
    );
    throughput_table(&mut out, &results.lines, &[Row::Lines(LineReader::PipeSequenceReader)]);
    let _ = writeln!(out);

    // (g)
    if !results.splice.is_empty() {
        let _ = writeln!(out, "## (g) Splice against a read/write copy (Linux)\n");
        let _ = writeln!(out, "{}\n", splice_method(results));
        out.push_str(&splice_table(&results.splice));
        let _ = writeln!(out);
        let per_pair: Vec<String> = Pair::ALL
            .iter()
            .filter_map(|&pair| {
                let judged: Vec<f64> = results
                    .splice
                    .iter()
                    .filter(|c| c.pair == pair && c.size >= SPLICE_GOAL_FROM)
                    .map(SpliceCell::ratio)
                    .collect();
                let (lo, hi) = range(&judged);
                (!judged.is_empty()).then(|| format!("{} {}–{}", pair.label(), x(lo), x(hi)))
            })
            .collect();
        let _ = writeln!(
            out,
            "From {} up, splice ÷ copy per pair: {}. The same table, with this run's machine, is in \
             [splice.md](splice.md#splice-against-copy).\n",
            bytes(SPLICE_GOAL_FROM as u64),
            per_pair.join("; ")
        );
        let _ = writeln!(out, "![splice and copy throughput against size](perf/splice.svg)\n");
    }

    // Losses and profiles.
    let _ = writeln!(out, "## Where pipe-core loses, and where its time goes\n");
    if results.losses.is_empty() {
        let _ = writeln!(
            out,
            "pipe-core's async and blocking configurations beat every peer in every workload of this run.\n"
        );
    } else {
        let _ = writeln!(
            out,
            "Every comparison the async or blocking configuration lost in this run (speed ratio below 1):\n"
        );
        losses_table(&mut out, &results.losses);
        let _ = writeln!(out);
    }
    if let Some(why) = &results.profile_skipped {
        let _ = writeln!(out, "No profile was taken: {why}.\n");
    }
    if !results.profiles.is_empty() {
        let _ = writeln!(
            out,
            "Each case below ran again on its own under `perf record -e cpu-clock -F 1999` (at most {} cases, \
             the Crystal stream and ping-pong first); shares are self time per function and thread, of the \
             samples in the workload's threads, functions under 0.7% left out. pipe-core's small functions are \
             mostly inlined into the benchmark's loops, so those lines carry pipe-core's code too.\n",
            c.profile_cases
        );
    }
    if !results.profiles.is_empty() {
        let _ = writeln!(out, "In short, per profiled case:\n");
        let _ = writeln!(out, "| case | largest share | hottest function |\n|---|---|---|");
        for p in &results.profiles {
            let cats = categories(p);
            let (cat, share) = cats.first().map_or(("—", 0.0), |(n, s)| (*n, *s));
            let hottest = p.entries.first().map_or("—".to_string(), |e| {
                format!("`{}` ({}, {:.1}%)", short_symbol(&e.symbol).replace('|', "\\|"), e.thread, e.percent)
            });
            let _ =
                writeln!(out, "| {}, {} | {cat} ({share:.1}%) | {hottest} |", p.system.short(), table_name(&p.table));
        }
        let _ = writeln!(out);
    }
    for p in &results.profiles {
        let peers: Vec<String> = results
            .losses
            .iter()
            .filter(|l| l.table == p.table && l.system == p.system)
            .map(|l| format!("{} {}", l.peer.short(), x(l.speed_ratio)))
            .collect();
        let _ = writeln!(out, "### {}, {} (loses to {})\n", p.system.short(), table_name(&p.table), peers.join(", "));
        if let Some(error) = &p.error {
            let _ = writeln!(out, "The profile failed: {error}\n");
            continue;
        }
        let cats = categories(p);
        let listed: f64 = p.entries.iter().map(|e| e.percent).sum();
        let top: Vec<String> = p
            .entries
            .iter()
            .take(3)
            .map(|e| {
                format!("`{}` in the {} thread ({:.1}%: {})", short_symbol(&e.symbol), e.thread, e.percent, note(e))
            })
            .collect();
        let _ = writeln!(
            out,
            "{} samples; threads: {}. The hottest functions: {}.\n",
            p.samples,
            threads(p).iter().map(|(t, s)| format!("{t} {s:.1}%")).collect::<Vec<_>>().join(", "),
            top.join("; ")
        );
        let _ = writeln!(out, "| where the time goes | share |\n|---|---:|");
        for (name, share) in &cats {
            let _ = writeln!(out, "| {name} | {share:.1}% |");
        }
        let _ = writeln!(out, "| (functions under 0.7%) | {:.1}% |\n", (100.0 - listed).max(0.0));
        let _ = writeln!(out, "<details><summary>Functions</summary>\n");
        let _ = writeln!(out, "| thread | function | self | what it is |\n|---|---|---:|---|");
        for e in p.entries.iter().take(25) {
            let symbol = short_symbol(&e.symbol).replace('|', "\\|");
            let _ = writeln!(out, "| {} | `{}` | {:.1}% | {} |", e.thread, symbol, e.percent, note(e));
        }
        let _ = writeln!(out, "\n</details>\n");
    }
    if results.losses.len() > results.profiles.len() {
        let profiled: Vec<String> = results.profiles.iter().map(|p| format!("{}/{}", p.table, p.system.id())).collect();
        let mut rest: Vec<String> = results
            .losses
            .iter()
            .map(|l| format!("{}/{}", l.table, l.system.id()))
            .filter(|k| !profiled.contains(k))
            .collect();
        rest.dedup();
        if !rest.is_empty() && results.profile_skipped.is_none() {
            let _ = writeln!(out, "Not profiled in this run (over the case limit): {}.\n", rest.join(", "));
        }
    }
    out
}
