//! What the single-pipe runner ([`crate::run`]) and the tee / fan-in runner
//! (`crate::topo`) share: the scheduler's state (draws, wake delivery with
//! delays and duplicates, the history hash and trace, coverage), the step
//! loop, and the checks that do not depend on the topology.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use models::reference::{Event, Model, Op, Outcome};
use pipe_core::{PipeError, PipeReader, PipeStats, PipeWriter, ReadResult, Sequence};

use crate::config::Config;
use crate::coverage::{Coverage, Mark};
use crate::pool::PoolCounts;
use crate::rng::Rng;
use crate::run::{Failure, RunReport};

/// Steps the drain phase may take before the run is declared stuck.
pub(crate) const DRAIN_LIMIT: usize = 20_000;

pub(crate) type Check = Result<(), Failure>;

/// A task's waker: a wake puts the task's index into the scheduler's inbox.
struct TaskWaker {
    task: usize,
    inbox: Arc<Mutex<Vec<usize>>>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Ok(mut inbox) = self.inbox.lock() {
            inbox.push(self.task);
        }
    }
}

/// The scheduler's state, whatever the tasks are.
pub(crate) struct Core {
    pub(crate) rng: Rng,
    /// One waker per task, indexed like the tasks.
    pub(crate) wakers: Vec<Waker>,
    inbox: Arc<Mutex<Vec<usize>>>,
    /// Wakes issued but not yet delivered: (task, steps to wait).
    pub(crate) in_flight: Vec<(usize, u32)>,
    /// Delivered wakes not yet consumed by a step of the task.
    pub(crate) woken: Vec<bool>,
    pub(crate) step: usize,
    pub(crate) ops: usize,
    hash: u64,
    pub(crate) trace: Option<String>,
    pub(crate) coverage: Coverage,
    /// Past the fault phase: no faults, every task winds down.
    pub(crate) draining: bool,
    /// Steps of the fault phase.
    steps: usize,
    delay_wake: u32,
    duplicate_wake: u32,
}

impl Core {
    /// A scheduler for `tasks` tasks; `trace` starts the trace when set.
    pub(crate) fn new(cfg: &Config, rng: Rng, tasks: usize, trace: Option<String>) -> Self {
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let wakers = (0..tasks).map(|task| Waker::from(Arc::new(TaskWaker { task, inbox: inbox.clone() }))).collect();
        Core {
            rng,
            wakers,
            inbox,
            in_flight: Vec::new(),
            woken: vec![false; tasks],
            step: 0,
            ops: 0,
            hash: 0xcbf2_9ce4_8422_2325,
            trace,
            coverage: Coverage::default(),
            draining: false,
            steps: cfg.steps,
            delay_wake: cfg.delay_wake,
            duplicate_wake: cfg.duplicate_wake,
        }
    }

    /// Records an event in the history hash (and the trace).
    pub(crate) fn ev(&mut self, what: &str, a: u64, b: u64) {
        for byte in what.bytes().chain(a.to_le_bytes()).chain(b.to_le_bytes()) {
            self.hash ^= u64::from(byte);
            self.hash = self.hash.wrapping_mul(0x0100_0000_01b3);
        }
        if let Some(t) = self.trace.as_mut() {
            let _ = writeln!(t, "{:>6} {what} {a} {b}", self.step);
        }
    }

    /// A failure at the current step.
    pub(crate) fn err<T>(&self, kind: &'static str, message: String) -> Result<T, Failure> {
        Err(Failure { step: self.step, kind, message })
    }

    /// Moves wakes from the wakers into flight, with delays and duplicates,
    /// and delivers the ones that are due.
    fn pump_wakes(&mut self) {
        self.intake_wakes();
        let mut i = 0;
        while i < self.in_flight.len() {
            if self.in_flight[i].1 == 0 {
                let (task, _) = self.in_flight.remove(i);
                self.woken[task] = true;
            } else {
                self.in_flight[i].1 -= 1;
                i += 1;
            }
        }
    }

    /// Takes the wakes the wakers issued into flight, deciding their delays.
    fn intake_wakes(&mut self) {
        let new: Vec<usize> = self.inbox.lock().map(|mut i| std::mem::take(&mut *i)).unwrap_or_default();
        for task in new {
            self.ev("wake", task as u64, 0);
            let faults = !self.draining;
            let delay = if faults && self.rng.chance(self.delay_wake) {
                self.coverage.hit(Mark::DelayedWake);
                1 + self.rng.below(6) as u32
            } else {
                0
            };
            self.in_flight.push((task, delay));
            if faults && self.rng.chance(self.duplicate_wake) {
                self.coverage.hit(Mark::DuplicatedWake);
                let again = self.rng.below(4) as u32;
                self.in_flight.push((task, again));
            }
        }
    }

    /// A wake for `task` is delivered or on its way.
    pub(crate) fn wake_pending(&self, task: usize) -> bool {
        self.woken[task] || self.in_flight.iter().any(|&(t, _)| t == task)
    }

    /// Applies `op` to `model`, counting it and marking the model's events.
    pub(crate) fn apply(&mut self, model: &mut Model, op: &Op) -> Outcome {
        self.ops += 1;
        let outcome = model.apply(op);
        for event in model.take_events() {
            match event {
                Event::Paused { exact } => {
                    self.coverage.hit(Mark::WriterPaused);
                    if exact {
                        self.coverage.hit(Mark::PausedAtExactThreshold);
                    }
                }
                Event::ResumedByAdvance => self.coverage.hit(Mark::ResumedByAdvance),
                Event::ResumedByReadAtLeast => self.coverage.hit(Mark::ResumedByReadAtLeast),
                Event::ResumedByReaderCompletion => self.coverage.hit(Mark::ResumedByReaderCompletion),
                Event::ReaderWoken => {}
            }
        }
        outcome
    }

    /// The pipe's counters against its model (O/W/R rules, M1, M2);
    /// `prefix` names the pipe in messages, `m1_allowed` adds the allowance
    /// to an M1 message.
    pub(crate) fn check_counters(
        &mut self,
        model: &Model,
        stats: Option<PipeStats>,
        pause: usize,
        prefix: &str,
        m1_allowed: bool,
    ) -> Check {
        let Some(stats) = stats else { return Ok(()) };
        let m = model;
        let model = (m.flushed_end(), m.consumed(), m.examined(), m.writer_paused());
        let real = (stats.flushed_end, stats.consumed, stats.examined, stats.writer_paused);
        if model != real {
            return self.err(
                "mismatch",
                format!("{prefix}state (flushed_end, consumed, examined, paused): model {model:?}, pipe {real:?}"),
            );
        }
        if (m.writer_completed(), m.reader_completed()) != (stats.writer_completed, stats.reader_completed) {
            return self.err("mismatch", format!("{prefix}completion flags: pipe {stats:?}"));
        }
        if !m.m2_holds() {
            return self.err(
                "m2",
                format!("{prefix}M2: {} unexamined bytes exceed the bound {:?}", m.unexamined(), m.m2_bound()),
            );
        }
        if m.unexamined() > pause as u64 && pause > 0 {
            self.coverage.hit(Mark::AbovePause);
        }
        // M1: with everything consumed, at most the writer's segment stays.
        if !m.read_outstanding() && m.buffered() == 0 && m.unflushed() == 0 && !m.reader_completed() {
            let allowed = usize::from(!m.writer_completed());
            if stats.segments_rented > allowed {
                let note = if m1_allowed { format!(" (allowed {allowed})") } else { String::new() };
                return self.err(
                    "m1",
                    format!("{prefix}M1: {} segments rented with every byte consumed{note}", stats.segments_rented),
                );
            }
        }
        Ok(())
    }

    /// End of run for one pipe's pool: every segment back (M3).
    pub(crate) fn check_pool(&mut self, pool: &Mutex<PoolCounts>, prefix: &str) -> Check {
        let counts = pool.lock().map(|c| *c).unwrap_or_default();
        if counts.returns != counts.rents + counts.shorts {
            return self.err(
                "m3",
                format!(
                    "{prefix}M3: {} segments rented, {} short, {} given back",
                    counts.rents, counts.shorts, counts.returns
                ),
            );
        }
        if counts.dry > 0 {
            self.coverage.hit(Mark::PoolRanDry);
        }
        if counts.shorts > 0 {
            self.coverage.hit(Mark::PoolShortSegment);
        }
        Ok(())
    }

    /// The run's report; `failure` goes into the trace too.
    pub(crate) fn report(mut self, config: Config, failure: Option<Failure>, bytes: u64) -> RunReport {
        if let (Some(f), Some(t)) = (&failure, self.trace.as_mut()) {
            let _ = writeln!(t, "FAILED at step {}: {}: {}", f.step, f.kind, f.message);
        }
        RunReport {
            hash: self.hash,
            steps: self.step,
            ops: self.ops,
            bytes,
            failure,
            coverage: self.coverage,
            tape: self.rng.into_tape(),
            trace: self.trace,
            config,
        }
    }
}

/// A set of tasks the step loop drives.
pub(crate) trait Tasks {
    /// The scheduler's state.
    fn core(&mut self) -> &mut Core;
    /// How many tasks there are.
    fn count(&self) -> usize;
    /// Every task has finished.
    fn all_gone(&self) -> bool;
    /// Whether `task` may take a step (not gone, not waiting without a wake).
    fn runnable(&self, task: usize) -> bool;
    /// Faults and third-party actions of the fault phase.
    fn chaos(&mut self) -> Check;
    /// One step of `task`.
    fn task_step(&mut self, task: usize) -> Check;
    /// Counters against the models after a step.
    fn check_state(&mut self) -> Check;
    /// Lost wakeups (C2) after a step.
    fn check_liveness(&mut self) -> Check;
    /// End-of-run checks once every task is gone.
    fn finish(&mut self) -> Check;
    /// The state, for failure messages.
    fn describe(&self) -> String;
}

/// The step loop: deliver wakes, inject faults, step one runnable task
/// (chosen by the seed), check, until every task is gone.
pub(crate) fn drive(tasks: &mut impl Tasks) -> Check {
    let steps = tasks.core().steps;
    let total = steps + DRAIN_LIMIT;
    while tasks.core().step < total {
        let core = tasks.core();
        core.draining = core.step >= steps;
        let draining = core.draining;
        if tasks.all_gone() {
            return tasks.finish();
        }
        tasks.core().pump_wakes();
        if !draining {
            tasks.chaos()?;
            tasks.core().intake_wakes();
        }
        let runnable: Vec<usize> = (0..tasks.count()).filter(|&t| tasks.runnable(t)).collect();
        if runnable.is_empty() {
            if tasks.core().in_flight.is_empty() {
                tasks.check_liveness()?;
                let message = format!("no task runnable and no wake in flight; {}", tasks.describe());
                return tasks.core().err("deadlock", message);
            }
        } else {
            let core = tasks.core();
            let task = runnable[core.rng.below(runnable.len() as u64) as usize];
            core.woken[task] = false;
            tasks.task_step(task)?;
        }
        tasks.core().intake_wakes();
        tasks.check_state()?;
        tasks.check_liveness()?;
        tasks.core().step += 1;
    }
    let message = format!("the drain phase did not finish in {DRAIN_LIMIT} steps; {}", tasks.describe());
    tasks.core().err("stuck", message)
}

/// One poll of a read (`min > 0`: `read_at_least`), or a `try_read`.
pub(crate) fn poll_read<'r>(
    reader: &'r mut PipeReader,
    waker: &Waker,
    min: usize,
    wait: bool,
) -> Poll<Result<ReadResult<'r>, PipeError>> {
    let cx = &mut Context::from_waker(waker);
    if !wait {
        match reader.try_read() {
            Ok(Some(r)) => Poll::Ready(Ok(r)),
            Ok(None) => Poll::Pending,
            Err(e) => Poll::Ready(Err(e)),
        }
    } else if min == 0 {
        reader.poll_read(cx)
    } else {
        reader.poll_read_at_least(cx, min)
    }
}

/// A read poll's answer, for mismatch messages.
pub(crate) fn describe_read(actual: Poll<Result<ReadResult<'_>, PipeError>>) -> String {
    match actual {
        Poll::Pending => "Pending".to_string(),
        Poll::Ready(Ok(r)) => format!(
            "Read {{ start: {}, len: {}, completed: {}, canceled: {} }}",
            r.buffer().start().offset(),
            r.buffer().len(),
            r.is_completed(),
            r.is_canceled()
        ),
        Poll::Ready(Err(e)) => format!("Err({e:?})"),
    }
}

/// A slice of a read buffer that differs from the expected bytes.
pub(crate) struct SliceMismatch<'w> {
    /// `slice` or `slice_positions`.
    pub(crate) how: &'static str,
    pub(crate) a: usize,
    pub(crate) b: usize,
    /// What the buffer gave.
    pub(crate) got: Result<Vec<u8>, PipeError>,
    /// The expected bytes `a..b`.
    pub(crate) want: &'w [u8],
}

/// Slices a random range `a..b` of `buffer` by offsets and by positions
/// (S2, S3) and compares both with `bytes[a..b]`.
pub(crate) fn check_slices<'w>(rng: &mut Rng, buffer: &Sequence<'_>, bytes: &'w [u8]) -> Result<(), SliceMismatch<'w>> {
    let len = buffer.len();
    let a = rng.range(0, len);
    let b = rng.range(a, len);
    let want = bytes.get(a..b).unwrap_or(&[]);
    let by_offsets = buffer.slice(a, b).map(|s| s.to_vec());
    let by_positions = buffer
        .get_position(a)
        .and_then(|pa| buffer.get_position(b).and_then(|pb| buffer.slice_positions(pa, pb)))
        .map(|s| s.to_vec());
    for (how, got) in [("slice", by_offsets), ("slice_positions", by_positions)] {
        if !matches!(&got, Ok(got) if got == want) {
            return Err(SliceMismatch { how, a, b, got, want });
        }
    }
    Ok(())
}

/// The counters of a pipe through whichever half is still there.
pub(crate) fn stats(reader: Option<&PipeReader>, writer: Option<&PipeWriter>) -> Option<PipeStats> {
    match (reader, writer) {
        (Some(r), _) => Some(r.stats()),
        (None, Some(w)) => Some(w.stats()),
        (None, None) => None,
    }
}
