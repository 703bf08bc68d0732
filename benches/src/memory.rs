//! Workload (e): the Crystal stream flows into a reader that stalls
//! periodically; the writer records how many bytes sit between the two
//! (peak and over time) and, for pipe-core, the unexamined count that rule
//! M2 bounds. Each system runs in a child process of its own, so its peak
//! RSS is its own.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pipe_core::PipeWriter;

use crate::data::Plan;
use crate::systems::{run_stream, Outcome, Probe, System};

/// Width of one time bucket of the buffered-bytes series.
pub const BUCKET: Duration = Duration::from_micros(500);

/// What the writer side of the memory workload saw.
#[derive(Debug, Default)]
struct WriterView {
    peak_buffered: u64,
    peak_unexamined: Option<u64>,
    bucket_max: u64,
    bucket: u64,
    calls: u64,
    samples: Vec<(u64, u64)>,
}

/// The probe of the memory workload.
#[derive(Debug)]
pub struct MemoryProbe {
    started: Instant,
    received: AtomicU64,
    next_stall: AtomicU64,
    stall_every: u64,
    stall: Duration,
    writer: Mutex<WriterView>,
}

impl MemoryProbe {
    /// A probe whose reader sleeps `stall` after every `stall_every` bytes.
    pub fn new(stall_every: u64, stall: Duration) -> Self {
        Self {
            started: Instant::now(),
            received: AtomicU64::new(0),
            next_stall: AtomicU64::new(stall_every),
            stall_every,
            stall,
            writer: Mutex::new(WriterView::default()),
        }
    }
}

impl Probe for MemoryProbe {
    fn writing(&self, sent: u64, len: usize, writer: Option<&PipeWriter>) {
        // Taken before the write: what is in flight once it lands is at most
        // this, since the reader only takes bytes away meanwhile.
        let received = self.received.load(Ordering::Acquire);
        let buffered = (sent + len as u64).saturating_sub(received);
        let unexamined = writer.map(|w| w.stats().unexamined() + len as u64);
        let mut view = self.writer.lock().expect("probe lock");
        view.peak_buffered = view.peak_buffered.max(buffered);
        if let Some(unexamined) = unexamined {
            view.peak_unexamined = Some(view.peak_unexamined.unwrap_or(0).max(unexamined));
        }
        view.bucket_max = view.bucket_max.max(buffered);
        view.calls += 1;
        if view.calls.is_multiple_of(16) {
            let bucket = self.started.elapsed().as_micros() as u64 / BUCKET.as_micros() as u64;
            if bucket != view.bucket {
                let (at, max) = (view.bucket, view.bucket_max);
                view.samples.push((at, max));
                view.bucket = bucket;
                view.bucket_max = 0;
            }
        }
    }

    fn received(&self, received: u64) {
        self.received.store(received, Ordering::Release);
        let next = self.next_stall.load(Ordering::Relaxed);
        if received >= next {
            self.next_stall.store(next + self.stall_every, Ordering::Relaxed);
            std::thread::sleep(self.stall);
        }
    }
}

/// One system's memory figures.
#[derive(Clone, Debug)]
pub struct MemoryRun {
    /// The system.
    pub system: System,
    /// Wall time of the whole stream, stalls included.
    pub elapsed: Duration,
    /// Most bytes written and not yet checked by the reader.
    pub peak_buffered: u64,
    /// pipe-core only: most unexamined bytes (`PipeStats::unexamined`).
    pub peak_unexamined: Option<u64>,
    /// RSS before the stream started, KiB.
    pub rss_before_kib: u64,
    /// Peak RSS during the stream, KiB.
    pub rss_peak_kib: u64,
    /// Whether the peak RSS was reset before the stream (`/proc/self/clear_refs`).
    pub rss_peak_reset: bool,
    /// (bucket number, most bytes in flight in that bucket).
    pub samples: Vec<(u64, u64)>,
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.trim().strip_suffix("kB")?.trim().parse().ok())
        .unwrap_or(0)
}

/// Runs the memory workload for `system` in this process (the child side).
pub fn run_here(system: System, plan: &Arc<Plan>, stall_every: u64, stall: Duration) -> Outcome<MemoryRun> {
    // Forget the peak of building the plan (Linux: writing 5 resets VmHWM).
    let rss_peak_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let rss_before_kib = status_kib("VmRSS:");
    let probe = Arc::new(MemoryProbe::new(stall_every, stall));
    let elapsed = run_stream(system, plan, &probe)?;
    let rss_peak_kib = status_kib("VmHWM:");
    let mut view = probe.writer.lock().map_err(|_| "probe lock poisoned".to_string())?;
    let (at, max) = (view.bucket, view.bucket_max);
    view.samples.push((at, max));
    Ok(MemoryRun {
        system,
        elapsed,
        peak_buffered: view.peak_buffered,
        peak_unexamined: view.peak_unexamined,
        rss_before_kib,
        rss_peak_kib,
        rss_peak_reset,
        samples: std::mem::take(&mut view.samples),
    })
}

impl MemoryRun {
    /// The child's report, one `key value` line each.
    pub fn encode(&self) -> String {
        let samples: Vec<String> = self.samples.iter().map(|(t, b)| format!("{t}:{b}")).collect();
        format!(
            "system {}\nelapsed_ns {}\npeak_buffered {}\npeak_unexamined {}\nrss_before_kib {}\nrss_peak_kib {}\nrss_peak_reset {}\nsamples {}\n",
            self.system.id(),
            self.elapsed.as_nanos(),
            self.peak_buffered,
            self.peak_unexamined.map_or("-".to_string(), |u| u.to_string()),
            self.rss_before_kib,
            self.rss_peak_kib,
            self.rss_peak_reset,
            samples.join(" ")
        )
    }

    /// Parses a child's report.
    pub fn decode(text: &str) -> Outcome<MemoryRun> {
        let field = |key: &str| -> Outcome<&str> {
            text.lines()
                .find_map(|line| line.strip_prefix(key)?.strip_prefix(' ').or(Some("")))
                .ok_or_else(|| format!("memory child: no `{key}` in its report"))
        };
        let number = |key: &str| -> Outcome<u64> {
            field(key)?.trim().parse().map_err(|_| format!("memory child: `{key}` is not a number"))
        };
        let system = System::from_id(field("system")?.trim()).ok_or("memory child: unknown system")?;
        let unexamined = field("peak_unexamined")?.trim();
        let samples = field("samples")?
            .split_whitespace()
            .filter_map(|pair| {
                let (t, b) = pair.split_once(':')?;
                Some((t.parse().ok()?, b.parse().ok()?))
            })
            .collect();
        Ok(MemoryRun {
            system,
            elapsed: Duration::from_nanos(number("elapsed_ns")?),
            peak_buffered: number("peak_buffered")?,
            peak_unexamined: if unexamined == "-" { None } else { unexamined.parse().ok() },
            rss_before_kib: number("rss_before_kib")?,
            rss_peak_kib: number("rss_peak_kib")?,
            rss_peak_reset: field("rss_peak_reset")?.trim() == "true",
            samples,
        })
    }
}
