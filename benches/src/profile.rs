//! Where pipe-core loses to a peer: which cases, and a `perf` profile of
//! each (function-level self time, per thread).

use std::path::Path;
use std::process::Command;

use crate::measure::{Results, Row};
use crate::stats::{median, ratio};
use crate::systems::System;

/// One comparison pipe-core lost in the run.
#[derive(Clone, Debug)]
pub struct Loss {
    /// The table (`crystal`, `fixed-N`, `pingpong`).
    pub table: String,
    /// The pipe-core configuration.
    pub system: System,
    /// The peer that beat it.
    pub peer: System,
    /// pipe-core ÷ peer, as speed (below 1 is a loss).
    pub speed_ratio: f64,
}

/// One sampled function.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Share of the profile's samples, percent.
    pub percent: f64,
    /// Thread name.
    pub thread: String,
    /// Binary or library (`[kernel.kallsyms]` for the kernel).
    pub dso: String,
    /// Function.
    pub symbol: String,
}

/// A profile of one losing case.
#[derive(Clone, Debug)]
pub struct Profile {
    /// The table profiled.
    pub table: String,
    /// The pipe-core configuration profiled.
    pub system: System,
    /// Samples taken, as `perf report` counts them (`2K`).
    pub samples: String,
    /// Functions at or above the report's limit, largest first.
    pub entries: Vec<Entry>,
    /// Why the profile failed, if it did.
    pub error: Option<String>,
}

/// The pipe-core configurations whose losses are looked at (the one-thread
/// ceiling has no peer of its kind).
const CONTENDERS: [System; 2] = [System::PipeAsync, System::PipeBlocking];

/// Every comparison pipe-core lost, throughput tables first, then ping-pong.
pub fn losses(results: &Results) -> Vec<Loss> {
    let mut out = Vec::new();
    for table in std::iter::once(&results.crystal).chain(&results.fixed) {
        for system in CONTENDERS {
            let Some(ours) = table.figures(Row::System(system)) else { continue };
            for peer in System::ALL.into_iter().filter(|s| !s.is_pipe_core()) {
                let Some(theirs) = table.figures(Row::System(peer)) else { continue };
                let speed_ratio = ratio(ours, theirs);
                if speed_ratio < 1.0 {
                    out.push(Loss { table: table.id.clone(), system, peer, speed_ratio });
                }
            }
        }
    }
    let p50 = |system: System| -> Option<Vec<f64>> {
        results.pingpong.rows.iter().find(|(s, _)| *s == system).map(|(_, v)| v.iter().map(|x| x.0).collect())
    };
    for system in CONTENDERS {
        let Some(ours) = p50(system) else { continue };
        for peer in System::ALL.into_iter().filter(|s| !s.is_pipe_core()) {
            let Some(theirs) = p50(peer) else { continue };
            // Speed is the inverse of latency.
            let speed_ratio = ratio(&theirs, &ours);
            if speed_ratio < 1.0 {
                out.push(Loss { table: "pingpong".to_string(), system, peer, speed_ratio });
            }
        }
    }
    out
}

/// The (table, system) cases to profile: each losing pair once, the Crystal
/// stream and ping-pong first, the worst loss first within a table; at most `limit`.
pub fn cases(losses: &[Loss], limit: usize) -> Vec<(String, System)> {
    let rank = |table: &str| match table {
        "crystal" => 0,
        "pingpong" => 1,
        _ => 2,
    };
    let mut pairs: Vec<(String, System, f64)> = Vec::new();
    for loss in losses {
        match pairs.iter_mut().find(|(t, s, _)| *t == loss.table && *s == loss.system) {
            Some(pair) => pair.2 = pair.2.min(loss.speed_ratio),
            None => pairs.push((loss.table.clone(), loss.system, loss.speed_ratio)),
        }
    }
    pairs.sort_by(|a, b| rank(&a.0).cmp(&rank(&b.0)).then(a.2.total_cmp(&b.2)));
    pairs.into_iter().take(limit).map(|(t, s, _)| (t, s)).collect()
}

/// Why `perf` cannot profile here, or `None` if it can.
pub fn unavailable(work: &Path) -> Option<String> {
    let probe = work.join("perf-probe.data");
    let outcome =
        Command::new("perf").args(["record", "-q", "-e", "cpu-clock", "-o"]).arg(&probe).args(["--", "true"]).output();
    let _ = std::fs::remove_file(&probe);
    match outcome {
        Ok(output) if output.status.success() => None,
        Ok(output) => {
            Some(format!("`perf record -e cpu-clock` failed: {}", String::from_utf8_lossy(&output.stderr).trim()))
        }
        Err(e) => Some(format!("`perf` could not be started: {e}")),
    }
}

/// Threads of the profiled child that run the workload (its main thread only builds the plan).
const THREADS: &str = "bench,writer,reader,pong,async-worker";

/// Profiles `system` on `table` by running this binary's `child profile` under `perf record`.
pub fn run(exe: &Path, work: &Path, config: &str, table: &str, system: System) -> Profile {
    let mut profile =
        Profile { table: table.to_string(), system, samples: String::new(), entries: Vec::new(), error: None };
    let data = work.join(format!("perf-{table}-{}.data", system.id()));
    let recorded = Command::new("perf")
        .args(["record", "-q", "-e", "cpu-clock", "-F", "1999", "-o"])
        .arg(&data)
        .arg("--")
        .arg(exe)
        .args(["child", "profile", config, table, system.id()])
        .output();
    match recorded {
        Ok(output) if output.status.success() => {}
        Ok(output) => {
            profile.error = Some(format!("perf record failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
            return profile;
        }
        Err(e) => {
            profile.error = Some(format!("perf record could not start: {e}"));
            return profile;
        }
    }
    let report = Command::new("perf")
        .args(["report", "--stdio", "--no-children", "--sort", "comm,dso,sym", "--percentage", "relative"])
        .args(["--comms", THREADS, "--percent-limit", "0.7", "-i"])
        .arg(&data)
        .output();
    match report {
        Ok(output) if output.status.success() => {
            let text = String::from_utf8_lossy(&output.stdout);
            parse_report(&text, &mut profile);
        }
        Ok(output) => {
            profile.error = Some(format!("perf report failed: {}", String::from_utf8_lossy(&output.stderr).trim()))
        }
        Err(e) => profile.error = Some(format!("perf report could not start: {e}")),
    }
    profile
}

/// Reads `perf report --stdio --sort comm,dso,sym` output into `profile`.
pub fn parse_report(text: &str, profile: &mut Profile) {
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("# Samples:") {
            profile.samples = rest.split_whitespace().next().unwrap_or("0").to_string();
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(percent), Some(thread), Some(dso), Some(_kind)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Ok(percent) = percent.trim_end_matches('%').parse::<f64>() else { continue };
        let symbol = parts.collect::<Vec<_>>().join(" ");
        profile.entries.push(Entry { percent, thread: thread.to_string(), dso: dso.to_string(), symbol });
    }
}

/// What a hot function does, for readers of the profile.
pub fn note(entry: &Entry) -> &'static str {
    let s = entry.symbol.as_str();
    let notes: &[(&str, &str)] = &[
        ("SpinLock", "pipe-core's segment lock (the slow path: renting, linking and giving back segments), spinning while the other side holds it"),
        ("block_on::<pipe_core::pipe::writer::Flush>", "a blocking flush: polls the flush, then spins on the wake count, yields and parks while back pressure holds"),
        ("block_on::<pipe_core::pipe::reader::Read>", "a blocking read: polls the read, then spins on the wake count, yields and parks until a flush wakes it"),
        ("clone_waker::<pipe_core::blocking::ThreadWaker>", "cloning the thread's waker (an atomic increment)"),
        ("drop_waker::<pipe_core::blocking::ThreadWaker>", "dropping a waker clone (an atomic decrement)"),
        ("wake_by_ref::<pipe_core::blocking::ThreadWaker>", "waking the blocked thread: its wake count, and unpark if it parked"),
        ("Blocker>::wait", "a blocked thread's wait: spinning on its wake count, yielding, parking"),
        ("PipeWriter>::write", "`write`: copy into the tail segment (`get_memory`/`advance` inlined) and the flush, where inlined"),
        ("PipeWriter>::get_memory", "`get_memory`: the tail's free space, or a new segment"),
        ("Shared>::commit", "a flush's publication: the flushed end's read-modify-write (its cache line comes back from the reader's core), the flags load, the pause edge, waking a waiting reader"),
        ("Shared>::new_segment", "renting, sealing and linking a new segment (two short sections of the segment lock)"),
        ("Shared>::release_consumed", "giving consumed segments back to the pool (the segment lock)"),
        ("Shared>::advance_to", "an advance: publishing the examined and consumed offsets, the resume check, offering the drained head"),
        ("Shared>::resolve_read", "a read that resolves: building its view of the buffer"),
        ("Shared>::read", "a read: taking back the offered head, loading the flags and the flushed end, the view of the buffer, or announcing a wait"),
        ("WakerSlot>::wake", "waking the other side through its waker slot"),
        ("WakerSlot>::register", "storing a new waker in the slot"),
        ("PipeReader>::read_blocking", "a blocking read: watching the flushed end briefly, then the read on the thread's waker (inlined)"),
        ("Flush as core::future::future::Future>::poll", "polling a flush future (pending under back pressure)"),
        ("Read as core::future::future::Future>::poll", "polling a read future"),
        ("PipeReader>::advance_to", "`advance_to`: position checks, then the protocol's advance"),
        ("Checksum>::update", "the benchmark's own check of every byte"),
        ("memmove", "copying bytes"),
        ("finish_task_switch", "the kernel switching threads (a park, an unpark, a worker going idle)"),
        ("_raw_spin_unlock_irqrestore", "the kernel waking a thread (futex wake, scheduler)"),
        ("__schedule", "the kernel's scheduler (a thread going to sleep or yielding)"),
        ("clock_gettime", "reading the clock (tokio's scheduler; the ping-pong's timer)"),
        ("syscall", "a system call (futex wait or wake)"),
        ("tokio::runtime", "tokio's scheduler: waking, scheduling and running tasks"),
        ("pipe_bench::", "the benchmark's loop, with pipe-core's small calls inlined into it"),
    ];
    notes.iter().find(|(pattern, _)| s.contains(pattern)).map_or("", |(_, note)| note)
}

/// What a function's time is spent on, for the summary.
pub fn category(entry: &Entry) -> &'static str {
    let s = entry.symbol.as_str();
    if entry.dso.contains("kernel") {
        if s.contains("futex") || s.contains("schedule") || s.contains("task_switch") || s.contains("wake") {
            return "kernel: sleeping and waking threads";
        }
        return "kernel: other (system calls, copies, interrupts)";
    }
    if s.contains("Checksum") {
        return "the reader's checksum";
    }
    if s.contains("memmove") || s.contains("memcpy") || s.contains("copy_from_slice") {
        return "memcpy";
    }
    if s.contains("SpinLock") || s.contains("spin_wait") || s.contains("sched_yield") {
        return "pipe-core's segment lock (`SpinLock::with` where not inlined)";
    }
    if s.contains("block_on")
        || s.contains("park")
        || s.contains("Wake")
        || s.contains("futex")
        || s.contains("syscall")
    {
        return "blocking: block_on, park, wake";
    }
    if s.contains("pipe_core") {
        return "pipe-core: read, flush, advance, segments";
    }
    if s.contains("tokio") {
        return "tokio: scheduler and tasks";
    }
    if s.contains("pipe_bench") {
        return "the benchmark's loops (with inlined pipe-core calls)";
    }
    "other"
}

/// Category shares of `profile`, largest first.
pub fn categories(profile: &Profile) -> Vec<(&'static str, f64)> {
    let mut out: Vec<(&'static str, f64)> = Vec::new();
    for entry in &profile.entries {
        let name = category(entry);
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 += entry.percent,
            None => out.push((name, entry.percent)),
        }
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

/// Share of each thread in `profile` (of the listed entries).
pub fn threads(profile: &Profile) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    for entry in &profile.entries {
        match out.iter_mut().find(|(n, _)| *n == entry.thread) {
            Some(slot) => slot.1 += entry.percent,
            None => out.push((entry.thread.clone(), entry.percent)),
        }
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

/// The median p50 of `system` in ping-pong, ns.
pub fn ping_p50(results: &Results, system: System) -> f64 {
    results
        .pingpong
        .rows
        .iter()
        .find(|(s, _)| *s == system)
        .map_or(f64::NAN, |(_, v)| median(&v.iter().map(|x| x.0).collect::<Vec<_>>()))
}
