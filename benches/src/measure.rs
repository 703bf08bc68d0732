//! The run: every workload, every system, several interleaved rounds, all
//! in one process (memory children aside), and the figures it produced.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::data::{text, Plan};
use crate::lines::{self, LineReader};
use crate::memory::MemoryRun;
use crate::pingpong;
use crate::splice::Cell as SpliceCell;
use crate::systems::{run_stream, NoProbe, Outcome, System};
use crate::{baseline, profile};

/// The seed of every plan.
pub const SEED: u64 = 0x5EED_2026;

/// How big and how long: `--quick` or `--full`.
#[derive(Clone, Debug)]
pub struct Config {
    /// `quick` or `full`.
    pub name: &'static str,
    /// Rounds of each throughput and latency workload (systems interleaved).
    pub rounds: usize,
    /// Bytes of the Crystal stream (a).
    pub crystal_total: u64,
    /// Fixed write sizes of (b) and the size sweep (bulk sizes included).
    pub sizes: Vec<usize>,
    /// Bytes per run for writes under 4 KiB.
    pub small_total: u64,
    /// Bytes per run for writes of 4 KiB and up.
    pub bulk_total: u64,
    /// Ping-pong round trips discarded before timing.
    pub ping_warmup: usize,
    /// Ping-pong round trips timed per round.
    pub ping_samples: usize,
    /// Bytes through the stalled reader (e).
    pub memory_total: u64,
    /// The stalled reader sleeps after every this many bytes...
    pub stall_every: u64,
    /// ...for this long.
    pub stall: Duration,
    /// Bytes of text in the line-counting workload (f).
    pub lines_total: u64,
    /// Size of each write of the text.
    pub lines_write: usize,
    /// Seconds of each profiled run.
    pub profile_seconds: f64,
    /// Most cases profiled.
    pub profile_cases: usize,
    /// Bytes per operation of the splice workload (g).
    pub splice_sizes: Vec<usize>,
    /// Bytes per measurement of the splice workload for operations under 16 KiB...
    pub splice_small_total: u64,
    /// ...and for 16 KiB and up.
    pub splice_bulk_total: u64,
}

impl Config {
    /// The quick profile (about three minutes on two cores).
    pub fn quick() -> Self {
        Self {
            name: "quick",
            rounds: 5,
            crystal_total: 256 << 20,
            sizes: vec![57, 4096, 65_536, 1 << 20],
            small_total: 64 << 20,
            bulk_total: 512 << 20,
            ping_warmup: 1_000,
            ping_samples: 10_000,
            memory_total: 1 << 30,
            stall_every: 8 << 20,
            stall: Duration::from_millis(1),
            lines_total: 256 << 20,
            lines_write: 16 * 1024,
            profile_seconds: 1.5,
            profile_cases: 6,
            splice_sizes: vec![1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20],
            // About 0.1–0.4 s per measurement at this machine's 0.2–8 GB/s:
            // 36 measurements a round, 5 rounds, under a minute.
            splice_small_total: 64 << 20,
            splice_bulk_total: 256 << 20,
        }
    }

    /// The full profile.
    pub fn full() -> Self {
        Self {
            name: "full",
            rounds: 7,
            crystal_total: 1 << 30,
            sizes: vec![16, 57, 256, 1024, 4096, 16_384, 65_536, 262_144, 1 << 20],
            small_total: 256 << 20,
            bulk_total: 1 << 30,
            ping_samples: 50_000,
            profile_seconds: 4.0,
            profile_cases: 10,
            splice_sizes: (10..=20).map(|k| 1 << k).collect(),
            splice_small_total: 256 << 20,
            splice_bulk_total: 1 << 30,
            ..Self::quick()
        }
    }

    /// The profile named `name`.
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "quick" => Some(Self::quick()),
            "full" => Some(Self::full()),
            _ => None,
        }
    }

    /// Bytes per run of fixed `size`-byte writes.
    pub fn fixed_total(&self, size: usize) -> u64 {
        if size < 4096 {
            self.small_total
        } else {
            self.bulk_total
        }
    }

    /// The plan of the throughput table `id` (`crystal`, `fixed-N`, `lines`).
    pub fn plan(&self, id: &str) -> Option<Plan> {
        if id == "crystal" {
            return Some(Plan::random(self.crystal_total, 1, 256, SEED));
        }
        if id == "lines" {
            return Some(Plan::fixed_over(self.lines_total, self.lines_write, text(4 << 20, 160, SEED)));
        }
        let size = id.strip_prefix("fixed-")?.parse().ok()?;
        Some(Plan::fixed(self.fixed_total(size), size, SEED))
    }

    /// Bytes per measurement of the splice workload at `size` bytes per operation.
    pub fn splice_total(&self, size: usize) -> u64 {
        if size < 16 << 10 {
            self.splice_small_total
        } else {
            self.splice_bulk_total
        }
    }

    /// The plan of the memory workload: the Crystal stream, `memory_total` long.
    pub fn memory_plan(&self) -> Plan {
        Plan::random(self.memory_total, 1, 256, SEED)
    }
}

/// A row of a throughput table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Row {
    /// A system under comparison.
    System(System),
    /// `memcpy` of each write into a rotating buffer.
    Memcpy,
    /// The reader's checksum alone.
    Checksum,
    /// A line-counting configuration.
    Lines(LineReader),
}

impl Row {
    /// Name in tables.
    pub fn label(self) -> String {
        match self {
            Row::System(system) => system.label().to_string(),
            Row::Memcpy => "`memcpy` into a rotating buffer (ceiling)".to_string(),
            Row::Checksum => "the reader's checksum alone (ceiling of a checked reader)".to_string(),
            Row::Lines(config) => config.label().to_string(),
        }
    }

    /// Short name for plots.
    pub fn short(self) -> String {
        match self {
            Row::System(system) => system.short().to_string(),
            Row::Memcpy => "memcpy".to_string(),
            Row::Checksum => "checksum alone".to_string(),
            Row::Lines(config) => config.label().to_string(),
        }
    }
}

/// One throughput workload: MB/s of each row in each round.
#[derive(Clone, Debug)]
pub struct Table {
    /// `crystal`, `fixed-N` or `lines`.
    pub id: String,
    /// Bytes per run.
    pub total: u64,
    /// Writes per run.
    pub writes: usize,
    /// Mean write size.
    pub mean_write: f64,
    /// Rows in table order, each with its MB/s per round.
    pub rows: Vec<(Row, Vec<f64>)>,
}

impl Table {
    fn new(id: &str, plan: &Plan, rows: &[Row]) -> Self {
        Self {
            id: id.to_string(),
            total: plan.total(),
            writes: plan.write_count(),
            mean_write: plan.mean_write(),
            rows: rows.iter().map(|&row| (row, Vec::new())).collect(),
        }
    }

    /// The MB/s of `row` per round.
    pub fn figures(&self, row: Row) -> Option<&[f64]> {
        self.rows.iter().find(|(r, _)| *r == row).map(|(_, v)| v.as_slice())
    }

    /// Fixed write size, for `fixed-N` tables.
    pub fn write_size(&self) -> Option<usize> {
        self.id.strip_prefix("fixed-")?.parse().ok()
    }
}

/// Ping-pong: per system and round, (p50, p99) of the round trip in ns.
#[derive(Clone, Debug, Default)]
pub struct PingTable {
    /// Rows in table order.
    pub rows: Vec<(System, Vec<(f64, f64)>)>,
}

/// Everything one run measured.
#[derive(Debug)]
pub struct Results {
    /// The profile it ran.
    pub config: Config,
    /// The Crystal stream (a).
    pub crystal: Table,
    /// Fixed-size writes (b, c and the sweep), by size.
    pub fixed: Vec<Table>,
    /// Ping-pong (d).
    pub pingpong: PingTable,
    /// Memory under a stalled reader (e).
    pub memory: Vec<MemoryRun>,
    /// Line counting (f).
    pub lines: Table,
    /// Where pipe-core loses, profiled.
    pub profiles: Vec<profile::Profile>,
    /// Every case where pipe-core loses to a peer (table, pipe-core system, peer, ratio).
    pub losses: Vec<profile::Loss>,
    /// Splice against copy (g), per pair and size; empty where the platform has no splice.
    pub splice: Vec<SpliceCell>,
    /// Why profiling was skipped, if it was.
    pub profile_skipped: Option<String>,
    /// Wall time of the measurements (profiles excluded).
    pub measure_seconds: f64,
}

/// MB/s of `bytes` in `elapsed`.
pub fn mb_per_s(bytes: u64, elapsed: Duration) -> f64 {
    bytes as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6
}

fn note(text: &str) {
    eprintln!("{text}");
}

/// `items` rotated by `round`, so no system always runs first or last.
fn rotated<T: Copy>(items: &[T], round: usize) -> Vec<T> {
    let mut v = items.to_vec();
    if !v.is_empty() {
        let k = round % v.len();
        v.rotate_left(k);
    }
    v
}

fn run_row(row: Row, plan: &Arc<Plan>) -> Outcome<Duration> {
    match row {
        Row::System(system) => run_stream(system, plan, &Arc::new(NoProbe)),
        Row::Memcpy => baseline::memcpy(plan),
        Row::Checksum => baseline::checksum(plan),
        Row::Lines(config) => lines::run(config, plan),
    }
}

fn run_table(table: &mut Table, plan: &Arc<Plan>, round: usize, config: &Config) -> Outcome<()> {
    let order: Vec<Row> = table.rows.iter().map(|(row, _)| *row).collect();
    for row in rotated(&order, round) {
        let elapsed = run_row(row, plan)?;
        let rate = mb_per_s(plan.total(), elapsed);
        note(&format!("  round {}/{} {} {}: {rate:.0} MB/s", round + 1, config.rounds, table.id, row.short()));
        if let Some((_, figures)) = table.rows.iter_mut().find(|(r, _)| *r == row) {
            figures.push(rate);
        }
    }
    Ok(())
}

/// Percentile `p` (0..=1) of sorted `values`.
pub fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)] as f64
}

/// Runs every workload of `config`; `memory` runs the memory children.
pub fn run_all(config: &Config, memory: impl Fn(System) -> Outcome<MemoryRun>) -> Outcome<Results> {
    let started = Instant::now();
    let systems: Vec<Row> = System::ALL.iter().map(|&s| Row::System(s)).collect();

    note("(a) the Crystal stream");
    let crystal_plan = Arc::new(config.plan("crystal").ok_or("no crystal plan")?);
    let mut crystal = Table::new("crystal", &crystal_plan, &systems);
    for round in 0..config.rounds {
        run_table(&mut crystal, &crystal_plan, round, config)?;
    }
    drop(crystal_plan);

    note("(b, c) fixed-size writes");
    let mut fixed = Vec::new();
    for &size in &config.sizes {
        let plan = Arc::new(config.plan(&format!("fixed-{size}")).ok_or("no fixed plan")?);
        let mut rows = systems.clone();
        if size >= 4096 {
            rows.extend([Row::Memcpy, Row::Checksum]);
        }
        let mut table = Table::new(&format!("fixed-{size}"), &plan, &rows);
        for round in 0..config.rounds {
            run_table(&mut table, &plan, round, config)?;
        }
        fixed.push(table);
    }

    note("(d) one-byte ping-pong");
    let mut pingpong = PingTable { rows: pingpong::SYSTEMS.iter().map(|&s| (s, Vec::new())).collect() };
    for round in 0..config.rounds {
        for system in rotated(&pingpong::SYSTEMS, round) {
            let mut times = pingpong::run(system, config.ping_warmup, config.ping_samples)?;
            times.sort_unstable();
            let (p50, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
            note(&format!(
                "  round {}/{} ping-pong {}: p50 {p50:.0} ns, p99 {p99:.0} ns",
                round + 1,
                config.rounds,
                system.short()
            ));
            if let Some((_, figures)) = pingpong.rows.iter_mut().find(|(s, _)| *s == system) {
                figures.push((p50, p99));
            }
        }
    }

    note("(e) memory under a stalled reader");
    let mut memory_runs = Vec::new();
    for system in System::ALL {
        let run = memory(system)?;
        note(&format!(
            "  memory {}: peak in flight {} B, peak RSS {} KiB ({} before)",
            system.short(),
            run.peak_buffered,
            run.rss_peak_kib,
            run.rss_before_kib
        ));
        memory_runs.push(run);
    }

    note("(f) line counting");
    let lines_plan = Arc::new(config.plan("lines").ok_or("no lines plan")?);
    let line_rows: Vec<Row> = LineReader::ALL.iter().map(|&c| Row::Lines(c)).collect();
    let mut lines_table = Table::new("lines", &lines_plan, &line_rows);
    for round in 0..config.rounds {
        run_table(&mut lines_table, &lines_plan, round, config)?;
    }

    let splice = run_splice(config)?;

    Ok(Results {
        config: config.clone(),
        crystal,
        fixed,
        pingpong,
        memory: memory_runs,
        lines: lines_table,
        splice,
        profiles: Vec::new(),
        losses: Vec::new(),
        profile_skipped: None,
        measure_seconds: started.elapsed().as_secs_f64(),
    })
}

/// (g): every pair, size and method, in interleaved rounds like the others.
#[cfg(target_os = "linux")]
fn run_splice(config: &Config) -> Outcome<Vec<SpliceCell>> {
    use crate::splice::{self, Method, Pair, Stream};

    note("(g) splice against copy");
    let streams: Vec<Arc<Stream>> =
        config.splice_sizes.iter().map(|&size| Arc::new(Stream::new(size, config.splice_total(size), SEED))).collect();
    let mut cells = Vec::new();
    for pair in Pair::ALL {
        for stream in &streams {
            cells.push((SpliceCell::new(pair, stream.size(), stream.ops()), Arc::clone(stream)));
        }
    }
    for round in 0..config.rounds {
        for (cell, stream) in &mut cells {
            for method in rotated(&Method::ALL, round) {
                let rate = splice::run(cell.pair, method, stream)?;
                note(&format!(
                    "  round {}/{} splice {} {} B {}: {rate:.0} MB/s",
                    round + 1,
                    config.rounds,
                    cell.pair.label(),
                    cell.size,
                    method.label()
                ));
                match method {
                    Method::Copy => cell.copy.push(rate),
                    Method::Splice => cell.splice.push(rate),
                }
            }
        }
    }
    Ok(cells.into_iter().map(|(cell, _)| cell).collect())
}

/// No splice outside Linux: the table is left out of the report.
#[cfg(not(target_os = "linux"))]
fn run_splice(_config: &Config) -> Outcome<Vec<SpliceCell>> {
    Ok(Vec::new())
}
