//! Fault scenario for pipe-core's splice transfer loop
//! (`pipe_core::splice::Engine`).
//!
//! One seed draws a route, a source length, an intermediate pipe capacity,
//! a fault rate and a style of short transfers, then drives the engine
//! through [`FaultySyscalls`]: an in-memory source, intermediate pipe and
//! destination whose every call may be hit by `EINTR`, `EAGAIN`, a short
//! transfer of any size, a "cannot splice" errno (`EINVAL`, `ENOSYS`,
//! `EPERM`) — before or after partial progress — or `EPIPE` that breaks the
//! destination for good. Calls ask for random limits.
//!
//! After every call the oracle checks: the destination is a prefix of the
//! source (nothing lost, duplicated or reordered); the reported count equals
//! the bytes that arrived in that call, on success and on error; every byte
//! taken from the source is delivered or counted as held; the engine's held
//! count in the pipe matches the pipe; the copy path is entered only while
//! the call has delivered nothing; a "cannot splice" errno comes back as an
//! error only after progress; `WouldBlock` errors delivered nothing; no
//! length is 0 or above `MAX_LEN`; the pipe is filled only when empty and
//! read back only for bytes it holds. Then a liveness phase without faults
//! must finish the transfer (unless `EPIPE` broke the destination) within a
//! bound of calls, with every byte delivered.
//!
//! Linux only, like the splice module (pipe-core's feature `splice`).
#![cfg(target_os = "linux")]

use std::collections::VecDeque;
use std::io;

use pipe_core::splice::{cannot_splice, End, Engine, Route, Stop, Syscalls, TransferError, TransferReport, MAX_LEN};

use crate::rng::Rng;

/// Counts of what one seed (or a campaign) exercised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Calls of `Engine::run`.
    pub runs: u64,
    /// System calls the engine made.
    pub syscalls: u64,
    /// Injected `EINTR`s.
    pub eintr: u64,
    /// Injected `EAGAIN`s.
    pub eagain: u64,
    /// Injected short transfers.
    pub short: u64,
    /// Injected "cannot splice" errnos.
    pub refused: u64,
    /// Injected `EPIPE`s.
    pub epipe: u64,
    /// Fallbacks to the copy path.
    pub fallbacks: u64,
    /// Of those, fallbacks that read held bytes back out of the pipe.
    pub fallbacks_recovering: u64,
    /// "Cannot splice" errors returned after partial progress.
    pub refused_after_progress: u64,
    /// Calls that stopped with bytes held (`WouldBlock` or an error).
    pub held_across_calls: u64,
    /// Seeds whose destination broke (`EPIPE`).
    pub broken: u64,
    /// Bytes delivered.
    pub bytes: u64,
}

impl Tally {
    /// Adds `other`.
    pub fn add(&mut self, other: &Tally) {
        self.runs += other.runs;
        self.syscalls += other.syscalls;
        self.eintr += other.eintr;
        self.eagain += other.eagain;
        self.short += other.short;
        self.refused += other.refused;
        self.epipe += other.epipe;
        self.fallbacks += other.fallbacks;
        self.fallbacks_recovering += other.fallbacks_recovering;
        self.refused_after_progress += other.refused_after_progress;
        self.held_across_calls += other.held_across_calls;
        self.broken += other.broken;
        self.bytes += other.bytes;
    }
}

/// The configuration a seed drew.
#[derive(Debug, Clone, Copy)]
pub struct SpliceConfig {
    /// The engine's starting route.
    pub route: Route,
    /// Bytes in the source.
    pub source_len: usize,
    /// The intermediate pipe's capacity.
    pub pipe_capacity: usize,
    /// Fault probability per call, in permille.
    pub fault_permille: u32,
    /// Upper bound of injected short transfers (1 = always one byte).
    pub short_max: usize,
}

impl SpliceConfig {
    /// Draws a configuration.
    pub fn draw(rng: &mut Rng) -> Self {
        let route = [Route::Direct, Route::ViaPipe, Route::Copy][rng.weighted(&[3, 4, 2])];
        let short_max = [MAX_LEN, 4096, 64, 1][rng.weighted(&[4, 3, 2, 1])];
        let pipe_capacity = [65536, 4096, 7, 1, 1 << 20][rng.weighted(&[4, 3, 1, 1, 1])];
        // Bytes per call are at most the smaller of the two: keep the number
        // of calls per seed in the thousands.
        let source_len = match short_max.min(pipe_capacity) {
            1 => rng.range(0, 600),
            7 | 64 => rng.range(0, 8_000),
            _ => rng.range(0, 300_000),
        };
        let fault_permille = [0, 50, 200, 500][rng.weighted(&[1, 3, 3, 2])];
        Self { route, source_len, pipe_capacity, fault_permille, short_max }
    }
}

/// In-memory ends with seeded faults; records oracle violations.
#[derive(Debug)]
pub struct FaultySyscalls {
    rng: Rng,
    config: SpliceConfig,
    source: Vec<u8>,
    taken: usize,
    pipe: VecDeque<u8>,
    dest: Vec<u8>,
    faults: bool,
    dest_broken: bool,
    /// The engine is on a splice route in this call (no copy call yet).
    splicing: bool,
    /// Bytes delivered in the current `run`.
    delivered_in_call: usize,
    violations: Vec<String>,
    tally: Tally,
}

/// One drawn fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    Eintr,
    Eagain,
    Short,
    Refuse,
    Epipe,
}

impl FaultySyscalls {
    fn fault(&mut self, to_dest: bool, splice: bool) -> Fault {
        if !self.faults || !self.rng.chance(self.config.fault_permille) {
            return Fault::None;
        }
        let weights = [0, 3, 2, 4, if splice { 2 } else { 0 }, if to_dest { 1 } else { 0 }];
        match self.rng.weighted(&weights) {
            1 => Fault::Eintr,
            2 => Fault::Eagain,
            3 => Fault::Short,
            4 => Fault::Refuse,
            5 => Fault::Epipe,
            _ => Fault::None,
        }
    }

    fn violation(&mut self, what: String) {
        self.violations.push(what);
    }

    /// Applies a fault to a call of `len` bytes: `Err` to fail it, else the
    /// number of bytes it may move.
    fn apply(&mut self, call: &str, len: usize, to_dest: bool, splice: bool) -> io::Result<usize> {
        self.tally.syscalls += 1;
        if len == 0 || len > MAX_LEN {
            self.violation(format!("{call} with length {len} (must be 1..={MAX_LEN})"));
        }
        if to_dest && self.dest_broken {
            return Err(io::Error::from_raw_os_error(32)); // EPIPE: stays broken
        }
        let cap = self.config.short_max.min(len).max(1);
        match self.fault(to_dest, splice) {
            Fault::None => Ok(if self.config.short_max < len { self.rng.range(1, cap) } else { len }),
            Fault::Eintr => {
                self.tally.eintr += 1;
                Err(io::Error::from_raw_os_error(4))
            }
            Fault::Eagain => {
                self.tally.eagain += 1;
                Err(io::Error::from_raw_os_error(11))
            }
            Fault::Short => {
                self.tally.short += 1;
                Ok(self.rng.range(1, cap))
            }
            Fault::Refuse => {
                self.tally.refused += 1;
                let errno = [22, 38, 1][self.rng.weighted(&[6, 1, 1])]; // EINVAL, ENOSYS, EPERM
                Err(io::Error::from_raw_os_error(errno))
            }
            Fault::Epipe => {
                self.tally.epipe += 1;
                self.dest_broken = true;
                Err(io::Error::from_raw_os_error(32))
            }
        }
    }

    fn copy_call(&mut self, call: &str) {
        if self.splicing {
            if self.delivered_in_call != 0 {
                self.violation(format!(
                    "{call}: switched to the copy path after delivering {} bytes in the same call",
                    self.delivered_in_call
                ));
            }
            self.splicing = false;
        }
    }

    fn take_source(&mut self, n: usize) -> Vec<u8> {
        let end = (self.taken + n).min(self.source.len());
        let bytes = self.source[self.taken..end].to_vec();
        self.taken = end;
        bytes
    }
}

impl Syscalls for FaultySyscalls {
    fn splice(&mut self, from: End, to: End, len: usize) -> io::Result<usize> {
        let call = format!("splice({from:?}, {to:?}, {len})");
        if !self.splicing {
            self.violation(format!("{call} after the copy path was entered in this call"));
        }
        match (from, to) {
            (End::Source, End::Pipe) => {
                if !self.pipe.is_empty() {
                    self.violation(format!("{call} while the pipe holds {} bytes", self.pipe.len()));
                }
                if len > self.config.pipe_capacity {
                    self.violation(format!("{call} above the pipe capacity {}", self.config.pipe_capacity));
                }
            }
            (End::Pipe, End::Dest) => {
                if len > self.pipe.len() {
                    self.violation(format!("{call} asks for more than the {} bytes held", self.pipe.len()));
                }
            }
            (End::Source, End::Dest) => {}
            _ => self.violation(format!("{call}: no such splice")),
        }
        let n = self.apply(&call, len, to == End::Dest, true)?;
        let bytes = match from {
            End::Source => self.take_source(n),
            _ => self.pipe.drain(..n.min(self.pipe.len())).collect(),
        };
        if to == End::Dest {
            self.delivered_in_call += bytes.len();
            self.dest.extend(&bytes);
        } else {
            self.pipe.extend(&bytes);
        }
        Ok(bytes.len())
    }

    fn read(&mut self, from: End, buf: &mut [u8]) -> io::Result<usize> {
        let call = format!("read({from:?}, {})", buf.len());
        self.copy_call(&call);
        let bytes = match from {
            End::Source => {
                let n = self.apply(&call, buf.len(), false, false)?;
                self.take_source(n)
            }
            End::Pipe => {
                if self.pipe.is_empty() || buf.len() > self.pipe.len() {
                    self.violation(format!("{call} while the pipe holds {} bytes", self.pipe.len()));
                }
                // Only EINTR and short reads on our own pipe.
                self.tally.syscalls += 1;
                if self.faults && self.rng.chance(self.config.fault_permille / 2) {
                    self.tally.eintr += 1;
                    return Err(io::Error::from_raw_os_error(4));
                }
                let n = self.rng.range(1, buf.len().max(1));
                self.pipe.drain(..n.min(self.pipe.len())).collect()
            }
            End::Dest => {
                self.violation(call);
                Vec::new()
            }
        };
        buf[..bytes.len()].copy_from_slice(&bytes);
        Ok(bytes.len())
    }

    fn write(&mut self, to: End, buf: &[u8]) -> io::Result<usize> {
        let call = format!("write({to:?}, {})", buf.len());
        self.copy_call(&call);
        if to != End::Dest {
            self.violation(call.clone());
        }
        let n = self.apply(&call, buf.len(), true, false)?.min(buf.len());
        self.delivered_in_call += n;
        self.dest.extend(&buf[..n]);
        Ok(n)
    }
}

/// What one seed did.
#[derive(Debug, Clone)]
pub struct SpliceRun {
    /// The seed.
    pub seed: u64,
    /// Its configuration.
    pub config: SpliceConfig,
    /// What it exercised.
    pub tally: Tally,
}

/// Runs one seed; `Err` names the first violation with the line that replays it.
pub fn run_seed(seed: u64) -> Result<SpliceRun, String> {
    let mut rng = Rng::from_seed(seed);
    let config = SpliceConfig::draw(&mut rng);
    let source: Vec<u8> =
        (0..config.source_len).map(|i| (i as u64).wrapping_mul(0x9E37_79B9).to_le_bytes()[1]).collect();
    let mut sys = FaultySyscalls {
        rng,
        config,
        source,
        taken: 0,
        pipe: VecDeque::new(),
        dest: Vec::new(),
        faults: true,
        dest_broken: false,
        splicing: false,
        delivered_in_call: 0,
        violations: Vec::new(),
        tally: Tally::default(),
    };
    let mut engine = Engine::new(config.route, config.pipe_capacity);
    let fail = |sys: &FaultySyscalls, what: String| {
        Err(format!(
            "splice seed {seed} ({config:?}): {what}; delivered {} of {}, taken {}; \
             replay: SIM_SPLICE_SEED={seed} cargo test -p sim --release --test splice_faults",
            sys.dest.len(),
            sys.source.len(),
            sys.taken
        ))
    };
    // Safety phase with faults, then a liveness phase without.
    let safety_runs = 40;
    let liveness_bound = 64 + config.source_len * 2;
    let mut finished = false;
    for round in 0..safety_runs + liveness_bound {
        if round == safety_runs {
            sys.faults = false;
        }
        let limit = match sys.rng.weighted(&[3, 2, 1]) {
            0 => u64::MAX,
            1 => sys.rng.range(1, config.source_len.max(1) * 2) as u64,
            _ => sys.rng.range(0, 3) as u64,
        };
        let before = sys.dest.len();
        sys.delivered_in_call = 0;
        sys.splicing = engine.route() != Route::Copy;
        sys.tally.runs += 1;
        let result = engine.run(&mut sys, limit);
        let arrived = sys.dest.len() - before;
        if let Some(first) = sys.violations.first() {
            return fail(&sys, first.clone());
        }
        let report: TransferReport = match &result {
            Ok(report) => *report,
            Err(error) => *error.report(),
        };
        if report.bytes != arrived as u64 {
            return fail(&sys, format!("reported {} bytes, {} arrived ({result:?})", report.bytes, arrived));
        }
        if report.bytes > limit {
            return fail(&sys, format!("delivered {} bytes above the limit {limit}", report.bytes));
        }
        if report.spliced + report.copied != report.bytes {
            return fail(&sys, format!("spliced {} + copied {} != {}", report.spliced, report.copied, report.bytes));
        }
        if sys.dest[..] != sys.source[..sys.dest.len()] {
            let at = sys.dest.iter().zip(&sys.source).position(|(a, b)| a != b).unwrap_or(0);
            return fail(
                &sys,
                format!("destination differs from the source at byte {at}: lost, duplicated or reordered"),
            );
        }
        if sys.dest.len() + engine.held() != sys.taken {
            return fail(&sys, format!("{} delivered + {} held != {} taken", sys.dest.len(), engine.held(), sys.taken));
        }
        if engine.held_in_pipe() != sys.pipe.len() {
            return fail(
                &sys,
                format!("engine holds {} in the pipe, the pipe has {}", engine.held_in_pipe(), sys.pipe.len()),
            );
        }
        if let Some(fallback) = report.fallback {
            sys.tally.fallbacks += 1;
            if fallback.recovered > 0 {
                sys.tally.fallbacks_recovering += 1;
            }
        }
        if engine.held() > 0 {
            sys.tally.held_across_calls += 1;
        }
        match &result {
            Ok(report) => {
                if report.stop == Stop::WouldBlock && report.bytes == 0 {
                    return fail(&sys, "Stop::WouldBlock with nothing delivered".into());
                }
                if report.stop == Stop::Eof && engine.held() == 0 && sys.taken == sys.source.len() {
                    if sys.dest.len() != sys.source.len() {
                        return fail(&sys, "end of file before every byte arrived".into());
                    }
                    finished = true;
                    break;
                }
            }
            Err(error) => {
                if let Some(first) = check_error(error, &engine) {
                    return fail(&sys, first);
                }
                if cannot_splice(error.io_error()) {
                    sys.tally.refused_after_progress += 1;
                }
                if sys.dest_broken && !sys.faults {
                    break;
                }
            }
        }
    }
    if sys.dest_broken {
        sys.tally.broken += 1;
    } else if !finished {
        return fail(&sys, format!("the transfer did not finish within {liveness_bound} calls without faults"));
    }
    sys.tally.bytes = sys.dest.len() as u64;
    Ok(SpliceRun { seed, config, tally: sys.tally })
}

/// Checks an error's own accounting; returns the first violation.
fn check_error(error: &TransferError, engine: &Engine) -> Option<String> {
    if error.held() != engine.held() {
        return Some(format!("error says {} held, engine holds {}", error.held(), engine.held()));
    }
    if error.kind() == io::ErrorKind::WouldBlock && error.report().bytes != 0 {
        return Some(format!("WouldBlock error after delivering {} bytes", error.report().bytes));
    }
    if cannot_splice(error.io_error()) && error.report().bytes == 0 {
        return Some(format!("\"cannot splice\" returned with nothing delivered instead of falling back: {error}"));
    }
    if error.kind() == io::ErrorKind::Interrupted {
        return Some(format!("EINTR returned instead of retried: {error}"));
    }
    None
}

/// Runs seeds `start..start + count`; the summed tally, or the first failure.
pub fn campaign(start: u64, count: u64) -> Result<Tally, String> {
    let mut total = Tally::default();
    for seed in start..start + count {
        total.add(&run_seed(seed)?.tally);
    }
    Ok(total)
}
