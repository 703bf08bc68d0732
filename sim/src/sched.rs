//! The scheduler: draws, wake delivery with delays and duplicates, the
//! history hash and trace, coverage, and the step loop over any set of
//! tasks ([`Tasks`]). It knows nothing about pipes.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};

use models::driver::Checked;

use crate::config::Config;
use crate::coverage::{Coverage, Mark};
use crate::report::{Failure, RunReport};
use crate::rng::Rng;

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

    /// A driver's answer, or its mismatch as a failure at this step.
    pub(crate) fn checked<T>(&self, checked: Checked<T>) -> Result<T, Failure> {
        checked.or_else(|m| self.err(m.kind, m.message))
    }

    /// The run's report; `failure` goes into the trace too.
    pub(crate) fn report(mut self, config: Config, failure: Option<Failure>, ops: usize, bytes: u64) -> RunReport {
        if let (Some(f), Some(t)) = (&failure, self.trace.as_mut()) {
            let _ = writeln!(t, "FAILED at step {}: {}: {}", f.step, f.kind, f.message);
        }
        RunReport {
            hash: self.hash,
            steps: self.step,
            ops,
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
