//! One simulated run: a writer task and a reader task on one pipe, driven
//! step by step by the scheduler, checked against the reference model after
//! every step. Tee and fan-in scenarios run in [`crate::topo`].

use std::fmt::Write as _;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use pipe_core::model::{
    completion_error, pattern_byte, same_error, Event, FlushOutcome, Model, Op, Outcome, ReadOutcome,
};
use pipe_core::{pipe, CancelHandle, PipeError, PipeOptions, PipeReader, PipeWriter, Position, Sequence};

use crate::config::{Config, Scenario};
use crate::coverage::{Coverage, Mark};
use crate::pool::{PoolCounts, TestPool};
use crate::rng::Rng;

/// Where a run's draws come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A seed (SplitMix64).
    Seed(u64),
    /// A recorded (possibly shrunk) tape.
    Tape(Vec<u64>),
}

/// Why a run failed.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Step at which the check failed.
    pub step: usize,
    /// Class of the failure (`mismatch`, `lost-wakeup`, `m2`, …); the
    /// shrinker keeps it fixed.
    pub kind: &'static str,
    /// What was expected and what happened.
    pub message: String,
}

/// The outcome of one run.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The swarm configuration the run drew.
    pub config: Config,
    /// FNV-1a hash of the whole history.
    pub hash: u64,
    /// Steps taken (fault phase and drain phase).
    pub steps: usize,
    /// Operations issued on the pipe.
    pub ops: usize,
    /// Bytes written.
    pub bytes: u64,
    /// The first failed check, if any.
    pub failure: Option<Failure>,
    /// Interesting states reached.
    pub coverage: Coverage,
    /// Every draw the run made; replaying it repeats the run.
    pub tape: Vec<u64>,
    /// The history, one line per event, when tracing.
    pub trace: Option<String>,
}

const WRITER: usize = 0;
const READER: usize = 1;
/// Steps the drain phase may take before the run is declared stuck.
pub(crate) const DRAIN_LIMIT: usize = 20_000;

/// A task's waker: a wake puts the task's index into the scheduler's inbox.
pub(crate) struct TaskWaker {
    pub(crate) task: usize,
    pub(crate) inbox: Arc<Mutex<Vec<usize>>>,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WriterState {
    Active,
    WaitingFlush,
    /// Completed but not dropped yet.
    Completed,
    Gone,
}

#[derive(Debug, Clone, Copy)]
enum ReaderState {
    Active,
    WaitingRead { min: usize },
    Holding { consumed: Position, examined: Position, completed_empty: bool },
    Completed,
    Gone,
}

type Check = Result<(), Failure>;

/// The state of one run.
struct Sim {
    cfg: Config,
    rng: Rng,
    model: Model,
    writer: Option<PipeWriter>,
    reader: Option<PipeReader>,
    handles: Option<(CancelHandle, CancelHandle)>,
    ws: WriterState,
    rs: ReaderState,
    wakers: [Waker; 2],
    inbox: Arc<Mutex<Vec<usize>>>,
    /// Wakes issued but not yet delivered: (task, steps to wait).
    in_flight: Vec<(usize, u32)>,
    woken: [bool; 2],
    /// Positions of earlier reads, for stale-position misuse.
    stale: Vec<Position>,
    step: usize,
    ops: usize,
    hash: u64,
    trace: Option<String>,
    coverage: Coverage,
    pool_counts: Arc<Mutex<PoolCounts>>,
    draining: bool,
}

fn fail<T>(step: usize, kind: &'static str, message: String) -> Result<T, Failure> {
    Err(Failure { step, kind, message })
}

/// Runs one simulation.
pub fn run(source: Source, trace: bool) -> RunReport {
    let mut rng = match source {
        Source::Seed(seed) => Rng::from_seed(seed),
        Source::Tape(tape) => Rng::from_tape(tape),
    };
    let cfg = Config::draw(&mut rng);
    if cfg.scenario != Scenario::Single {
        return crate::topo::run(cfg, rng, trace);
    }
    let pool = TestPool::new(cfg.pool, rng.next_u64());
    let pool_counts = pool.counts();
    let options = PipeOptions::new()
        .pause_writer_threshold(cfg.pause)
        .resume_writer_threshold(cfg.resume)
        .minimum_segment_size(cfg.min_segment)
        .pool(pool);
    let inbox = Arc::new(Mutex::new(Vec::new()));
    let wakers = [
        Waker::from(Arc::new(TaskWaker { task: WRITER, inbox: inbox.clone() })),
        Waker::from(Arc::new(TaskWaker { task: READER, inbox: inbox.clone() })),
    ];
    let mut sim = Sim {
        model: Model::new(cfg.pause, cfg.resume, cfg.min_segment),
        cfg,
        rng,
        writer: None,
        reader: None,
        handles: None,
        ws: WriterState::Active,
        rs: ReaderState::Active,
        wakers,
        inbox,
        in_flight: Vec::new(),
        woken: [false; 2],
        stale: Vec::new(),
        step: 0,
        ops: 0,
        hash: 0xcbf2_9ce4_8422_2325,
        trace: trace.then(String::new),
        coverage: Coverage::default(),
        pool_counts,
        draining: false,
    };
    if let Some(t) = sim.trace.as_mut() {
        let _ = writeln!(t, "config: {}", sim.cfg);
    }
    let failure = match pipe(options) {
        Ok((reader, writer)) => {
            sim.handles = Some((reader.cancel_handle(), writer.cancel_handle()));
            sim.reader = Some(reader);
            sim.writer = Some(writer);
            sim.run().err()
        }
        Err(error) => Some(Failure { step: 0, kind: "options", message: format!("valid options refused: {error}") }),
    };
    if let (Some(f), Some(t)) = (&failure, sim.trace.as_mut()) {
        let _ = writeln!(t, "FAILED at step {}: {}: {}", f.step, f.kind, f.message);
    }
    RunReport {
        hash: sim.hash,
        steps: sim.step,
        ops: sim.ops,
        bytes: sim.model.flushed_end() + sim.model.unflushed(),
        failure,
        coverage: sim.coverage,
        tape: sim.rng.into_tape(),
        trace: sim.trace,
        config: sim.cfg,
    }
}

impl Sim {
    /// Records an event in the history hash (and the trace).
    fn ev(&mut self, what: &str, a: u64, b: u64) {
        for byte in what.bytes().chain(a.to_le_bytes()).chain(b.to_le_bytes()) {
            self.hash ^= u64::from(byte);
            self.hash = self.hash.wrapping_mul(0x0100_0000_01b3);
        }
        if let Some(t) = self.trace.as_mut() {
            let _ = writeln!(t, "{:>6} {what} {a} {b}", self.step);
        }
    }

    fn err<T>(&self, kind: &'static str, message: String) -> Result<T, Failure> {
        fail(self.step, kind, message)
    }

    fn run(&mut self) -> Check {
        let total = self.cfg.steps + DRAIN_LIMIT;
        while self.step < total {
            self.draining = self.step >= self.cfg.steps;
            if self.ws == WriterState::Gone && matches!(self.rs, ReaderState::Gone) {
                return self.finish();
            }
            self.pump_wakes();
            if !self.draining {
                self.chaos()?;
                self.intake_wakes();
            }
            let runnable: Vec<usize> = [WRITER, READER].into_iter().filter(|&t| self.runnable(t)).collect();
            if runnable.is_empty() {
                if self.in_flight.is_empty() {
                    self.check_liveness()?;
                    return self
                        .err("deadlock", format!("no task runnable and no wake in flight; {}", self.describe()));
                }
            } else {
                let task = runnable[self.rng.below(runnable.len() as u64) as usize];
                self.woken[task] = false;
                if task == WRITER {
                    self.writer_step()?;
                } else {
                    self.reader_step()?;
                }
            }
            self.intake_wakes();
            self.check_state()?;
            self.check_liveness()?;
            self.step += 1;
        }
        self.err("stuck", format!("the drain phase did not finish in {DRAIN_LIMIT} steps; {}", self.describe()))
    }

    fn describe(&self) -> String {
        format!(
            "writer {:?}, reader {:?}, model: flushed_end={} consumed={} examined={} paused={} waiter={:?}",
            self.ws,
            self.rs,
            self.model.flushed_end(),
            self.model.consumed(),
            self.model.examined(),
            self.model.writer_paused(),
            self.model.reader_waiter()
        )
    }

    fn runnable(&self, task: usize) -> bool {
        if task == WRITER {
            match self.ws {
                WriterState::Active | WriterState::Completed => true,
                WriterState::WaitingFlush => self.woken[WRITER],
                WriterState::Gone => false,
            }
        } else {
            match self.rs {
                ReaderState::Active | ReaderState::Holding { .. } | ReaderState::Completed => true,
                ReaderState::WaitingRead { .. } => self.woken[READER],
                ReaderState::Gone => false,
            }
        }
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
            let delay = if faults && self.rng.chance(self.cfg.delay_wake) {
                self.coverage.hit(Mark::DelayedWake);
                1 + self.rng.below(6) as u32
            } else {
                0
            };
            self.in_flight.push((task, delay));
            if faults && self.rng.chance(self.cfg.duplicate_wake) {
                self.coverage.hit(Mark::DuplicatedWake);
                let again = self.rng.below(4) as u32;
                self.in_flight.push((task, again));
            }
        }
    }

    /// Faults and third-party actions of the fault phase.
    fn chaos(&mut self) -> Check {
        if self.rng.chance(self.cfg.spurious_wake) {
            let task = self.rng.below(2) as usize;
            self.ev("spurious-wake", task as u64, 0);
            self.coverage.hit(Mark::SpuriousWake);
            self.woken[task] = true;
        }
        if self.rng.chance(self.cfg.cancel_read) {
            if let Some((handle, _)) = &self.handles {
                handle.cancel_pending_read();
                if matches!(self.rs, ReaderState::WaitingRead { .. }) {
                    self.coverage.hit(Mark::CancelWhileReadWaits);
                }
                self.ev("cancel-read(handle)", 0, 0);
                self.model_apply(&Op::CancelPendingRead);
            }
        }
        if self.rng.chance(self.cfg.cancel_flush) {
            if let Some((_, handle)) = &self.handles {
                handle.cancel_pending_flush();
                if self.ws == WriterState::WaitingFlush {
                    self.coverage.hit(Mark::CancelWhileFlushWaits);
                }
                self.ev("cancel-flush(handle)", 0, 0);
                self.model_apply(&Op::CancelPendingFlush);
            }
        }
        Ok(())
    }

    fn model_apply(&mut self, op: &Op) -> Outcome {
        self.ops += 1;
        let outcome = self.model.apply(op);
        for event in self.model.take_events() {
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

    // ------------------------------------------------------------ writer

    fn writer_step(&mut self) -> Check {
        match self.ws {
            WriterState::Active => {
                if self.draining {
                    return self.writer_complete();
                }
                match self.rng.weighted(&self.cfg.writer_weights) {
                    0 => self.writer_get_advance(false),
                    1 => self.writer_poll_flush(),
                    2 => self.writer_write(),
                    3 => {
                        self.ev("cancel-flush(own)", 0, 0);
                        if let Some(w) = &self.writer {
                            w.cancel_pending_flush();
                        }
                        self.model_apply(&Op::CancelPendingFlush);
                        Ok(())
                    }
                    4 => self.writer_complete(),
                    _ => self.writer_get_advance(true),
                }
            }
            WriterState::WaitingFlush => {
                if !self.draining && self.rng.chance(self.cfg.abandon) {
                    self.ev("abandon-flush", 0, 0);
                    self.coverage.hit(Mark::AbandonedFlush);
                    self.ws = WriterState::Active;
                    return Ok(());
                }
                if !self.draining && self.rng.chance(self.cfg.complete_while_waiting) {
                    self.coverage.hit(Mark::CompletionWhileWaiting);
                    return self.writer_complete();
                }
                self.writer_poll_flush()
            }
            WriterState::Completed => {
                if !self.draining && self.rng.chance(500) {
                    // Misuse after completion (W8).
                    let op = match self.rng.below(4) {
                        0 => Op::GetMemory { hint: 1 },
                        1 => Op::Advance { n: 0 },
                        2 => Op::Write { len: 1 },
                        _ => Op::PollFlush,
                    };
                    self.ev("writer-misuse-after-complete", self.ops as u64, 0);
                    let expected = self.model_apply(&op);
                    let Some(w) = self.writer.as_mut() else { return Ok(()) };
                    let actual = match op {
                        Op::GetMemory { hint } => w.get_memory(hint).map(|_| ()),
                        Op::Advance { n } => w.advance(n),
                        Op::Write { .. } => {
                            let cx = &mut Context::from_waker(&self.wakers[WRITER]);
                            match std::pin::Pin::new(&mut w.write(&[0])).poll(cx) {
                                Poll::Ready(r) => r.map(|_| ()),
                                Poll::Pending => Ok(()),
                            }
                        }
                        _ => {
                            let cx = &mut Context::from_waker(&self.wakers[WRITER]);
                            match w.poll_flush(cx) {
                                Poll::Ready(r) => r.map(|_| ()),
                                Poll::Pending => Ok(()),
                            }
                        }
                    };
                    return self.expect_unit("writer op after complete", expected, actual);
                }
                self.ev("drop-writer", 0, 0);
                self.writer = None;
                self.ws = WriterState::Gone;
                Ok(())
            }
            WriterState::Gone => Ok(()),
        }
    }

    fn expect_unit(&self, what: &str, expected: Outcome, actual: Result<(), PipeError>) -> Check {
        match (&expected, &actual) {
            (Outcome::Err(e), Err(a)) if same_error(e, a) => Ok(()),
            (Outcome::Done | Outcome::Memory { .. } | Outcome::Flushed(_) | Outcome::Unknown, Ok(())) => Ok(()),
            _ => self.err("mismatch", format!("{what}: model says {expected:?}, pipe answered {actual:?}")),
        }
    }

    fn writer_get_advance(&mut self, misuse: bool) -> Check {
        let hint = match self.rng.below(4) {
            0 => 0,
            1 => self.rng.range(1, self.cfg.max_write),
            2 => self.rng.range(1, 3 * self.cfg.min_segment + 2),
            _ => 1,
        };
        let expected = self.model_apply(&Op::GetMemory { hint });
        let start = self.model.flushed_end() + self.model.unflushed();
        let Some(w) = self.writer.as_mut() else { return Ok(()) };
        let len = match (expected, w.get_memory(hint)) {
            (Outcome::Memory { min_len }, Ok(memory)) => {
                if memory.len() < min_len {
                    return fail(self.step, "mismatch", format!("W1: get_memory({hint}) gave {} bytes", memory.len()));
                }
                for (i, byte) in memory.iter_mut().enumerate() {
                    *byte = pattern_byte(start + i as u64);
                }
                memory.len()
            }
            (expected, actual) => {
                let actual = actual.map(|m| m.len());
                return fail(self.step, "mismatch", format!("get_memory({hint}): model {expected:?}, pipe {actual:?}"));
            }
        };
        self.model.memory_returned(hint, len);
        self.ev("get-memory", hint as u64, len as u64);
        if misuse {
            let n = len + 1 + self.rng.below(3) as usize;
            self.coverage.hit(Mark::MisuseWriter);
            let expected = self.model_apply(&Op::Advance { n });
            let actual = self.writer.as_mut().map_or(Ok(()), |w| w.advance(n));
            self.ev("advance-too-far", n as u64, 0);
            self.expect_unit("advance beyond memory (W2)", expected, actual)?;
        }
        // Advance less than asked, sometimes nothing, in one or two steps.
        let n = match self.rng.below(3) {
            0 => len.min(hint.max(1)),
            1 => self.rng.range(0, len),
            _ => len,
        };
        let first = if self.rng.chance(300) { self.rng.range(0, n) } else { n };
        for part in [first, n - first] {
            if part == 0 && first != 0 {
                continue;
            }
            let expected = self.model_apply(&Op::Advance { n: part });
            let actual = self.writer.as_mut().map_or(Ok(()), |w| w.advance(part));
            self.ev("advance", part as u64, 0);
            self.expect_unit("advance", expected, actual)?;
        }
        let unflushed = self.writer.as_ref().map_or(0, |w| w.unflushed_bytes()) as u64;
        if unflushed != self.model.unflushed() {
            return self.err("mismatch", format!("W3: unflushed_bytes {unflushed}, model {}", self.model.unflushed()));
        }
        Ok(())
    }

    fn check_flush(
        &mut self,
        what: &str,
        expected: Outcome,
        actual: Poll<Result<pipe_core::FlushResult, PipeError>>,
    ) -> Check {
        let was_waiting = self.ws == WriterState::WaitingFlush;
        match (&expected, &actual) {
            (Outcome::FlushPending, Poll::Pending) => {
                self.ev(what, 0, 0);
                if self.model.unexamined() > 0 && !was_waiting {
                    self.coverage.hit(Mark::FlushWaited);
                }
                self.ws = WriterState::WaitingFlush;
                Ok(())
            }
            (Outcome::Flushed(FlushOutcome { completed, canceled }), Poll::Ready(Ok(r)))
                if r.is_completed() == *completed && r.is_canceled() == *canceled =>
            {
                self.ev(what, 1 + u64::from(*completed), u64::from(*canceled));
                if *canceled && was_waiting {
                    self.coverage.hit(Mark::FlushWokenByCancel);
                }
                if *completed {
                    self.coverage.hit(Mark::FlushAfterReaderCompleted);
                }
                if was_waiting && !*canceled && !*completed {
                    self.coverage.hit(Mark::FlushResumed);
                }
                self.ws = WriterState::Active;
                Ok(())
            }
            (Outcome::Err(e), Poll::Ready(Err(a))) if same_error(e, a) => {
                self.ev(what, 9, 0);
                if matches!(a, PipeError::ReaderFailed(_)) {
                    self.coverage.hit(Mark::FlushReaderFailed);
                }
                self.ws = WriterState::Active;
                Ok(())
            }
            _ => self.err("mismatch", format!("{what}: model says {expected:?}, pipe answered {actual:?}")),
        }
    }

    fn writer_poll_flush(&mut self) -> Check {
        let expected = self.model_apply(&Op::PollFlush);
        let Some(w) = self.writer.as_mut() else { return Ok(()) };
        let actual = w.poll_flush(&mut Context::from_waker(&self.wakers[WRITER]));
        self.check_flush("poll-flush", expected, actual)
    }

    fn writer_write(&mut self) -> Check {
        let len = match self.rng.below(3) {
            0 => 1,
            1 => self.rng.range(1, self.cfg.max_write),
            _ => self.rng.range(1, 4 * self.cfg.min_segment),
        };
        let start = self.model.flushed_end() + self.model.unflushed();
        let data: Vec<u8> = (start..start + len as u64).map(pattern_byte).collect();
        let expected = self.model_apply(&Op::Write { len });
        let Some(w) = self.writer.as_mut() else { return Ok(()) };
        let actual = {
            let mut future = w.write(&data);
            std::pin::Pin::new(&mut future).poll(&mut Context::from_waker(&self.wakers[WRITER]))
        };
        self.check_flush("write", expected, actual)
    }

    fn writer_complete(&mut self) -> Check {
        let error = !self.draining && self.rng.chance(self.cfg.complete_with_error);
        let drop = self.rng.chance(self.cfg.drop_instead) && !error;
        if matches!(self.rs, ReaderState::WaitingRead { .. }) {
            self.coverage.hit(Mark::CompletionWhileWaiting);
        }
        if drop {
            self.ev("drop-writer", 0, 0);
            self.writer = None;
            self.model_apply(&Op::DropWriter);
            self.ws = WriterState::Gone;
        } else {
            self.ev("complete-writer", u64::from(error), 0);
            if let Some(w) = self.writer.as_mut() {
                w.complete(error.then(|| completion_error(true)));
            }
            self.model_apply(&Op::CompleteWriter { error });
            if error {
                self.coverage.hit(Mark::WriterFailed);
            }
            self.ws = WriterState::Completed;
        }
        Ok(())
    }

    // ------------------------------------------------------------ reader

    fn reader_step(&mut self) -> Check {
        match self.rs {
            ReaderState::Active => {
                if self.draining {
                    return self.reader_read(0, true);
                }
                match self.rng.weighted(&self.cfg.reader_weights) {
                    0 => self.reader_read(0, true),
                    1 => {
                        let n = match self.rng.below(3) {
                            0 => self.rng.range(1, self.cfg.max_write),
                            1 => self.rng.range(1, self.cfg.pause + 2),
                            _ => self.rng.range(self.cfg.pause.max(1), 2 * self.cfg.pause + self.cfg.max_write),
                        };
                        self.reader_read(n, true)
                    }
                    2 => self.reader_read(0, false),
                    3 => {
                        self.ev("cancel-read(own)", 0, 0);
                        if let Some(r) = &self.reader {
                            r.cancel_pending_read();
                        }
                        self.model_apply(&Op::CancelPendingRead);
                        Ok(())
                    }
                    4 => self.reader_complete(),
                    _ => {
                        // advance_to with no outstanding read (R6).
                        let p = self.stale.last().map_or((foreign_position(0), true), |&p| (p, false));
                        self.misuse_advance(p, p)
                    }
                }
            }
            ReaderState::WaitingRead { min } => {
                if !self.draining && self.rng.chance(self.cfg.abandon) {
                    self.ev("abandon-read", 0, 0);
                    self.coverage.hit(Mark::AbandonedRead);
                    self.rs = ReaderState::Active;
                    return Ok(());
                }
                if !self.draining && self.rng.chance(self.cfg.complete_while_waiting) {
                    self.coverage.hit(Mark::CompletionWhileWaiting);
                    return self.reader_complete();
                }
                self.reader_read(min, true)
            }
            ReaderState::Holding { consumed, examined, completed_empty } => {
                if !self.draining && self.rng.chance(300) {
                    return self.holding_misuse(consumed, examined);
                }
                if completed_empty && (self.draining || self.rng.chance(500)) {
                    return self.reader_complete();
                }
                let expected = self.model_apply(&Op::AdvanceTo {
                    consumed: consumed.offset(),
                    examined: examined.offset(),
                    consumed_foreign: false,
                    examined_foreign: false,
                });
                let actual = self.reader.as_mut().map_or(Ok(()), |r| r.advance_to(consumed, examined));
                self.ev("advance-to", consumed.offset(), examined.offset());
                self.expect_unit("advance_to", expected, actual)?;
                self.rs = ReaderState::Active;
                Ok(())
            }
            ReaderState::Completed => {
                if !self.draining && self.rng.chance(500) {
                    self.ev("reader-misuse-after-complete", 0, 0);
                    let p = self.stale.last().map_or((foreign_position(0), true), |&p| (p, false));
                    return self.misuse_advance(p, p);
                }
                self.ev("drop-reader", 0, 0);
                self.reader = None;
                self.rs = ReaderState::Gone;
                Ok(())
            }
            ReaderState::Gone => Ok(()),
        }
    }

    /// `advance_to` with positions that may be wrong; `(position, foreign)`.
    fn misuse_advance(
        &mut self,
        (consumed, consumed_foreign): (Position, bool),
        (examined, examined_foreign): (Position, bool),
    ) -> Check {
        self.coverage.hit(Mark::MisuseReader);
        let expected = self.model_apply(&Op::AdvanceTo {
            consumed: consumed.offset(),
            examined: examined.offset(),
            consumed_foreign,
            examined_foreign,
        });
        let actual = self.reader.as_mut().map_or(Ok(()), |r| r.advance_to(consumed, examined));
        self.ev("misuse-advance-to", consumed.offset(), examined.offset());
        if matches!(expected, Outcome::Done) {
            // A stale position that is still inside the buffer is valid (S2):
            // the read is no longer outstanding.
            self.rs = ReaderState::Active;
        }
        self.expect_unit("advance_to (misuse)", expected, actual)
    }

    fn holding_misuse(&mut self, consumed: Position, examined: Position) -> Check {
        match self.rng.below(5) {
            0 => {
                // A second read while one is outstanding.
                let expected = self.model_apply(&Op::TryRead);
                let actual = self.reader.as_mut().map_or(Ok(()), |r| r.try_read().map(|_| ()));
                self.ev("second-read", 0, 0);
                self.coverage.hit(Mark::MisuseReader);
                self.expect_unit("read while outstanding", expected, actual)
            }
            1 if consumed.offset() < examined.offset() => self.misuse_advance((examined, false), (consumed, false)),
            2 => {
                let foreign = foreign_position(self.rng.below(4) as usize);
                if self.rng.chance(500) {
                    self.misuse_advance((consumed, false), (foreign, true))
                } else {
                    self.misuse_advance((foreign, true), (examined, false))
                }
            }
            3 => match self.stale.get(self.rng.below(self.stale.len() as u64 + 1) as usize).copied() {
                Some(p) => self.misuse_advance((p, false), (examined.max_by_offset(p), false)),
                None => Ok(()),
            },
            _ => match self.stale.iter().rev().find(|p| p.offset() < self.model.examined()).copied() {
                Some(p) if p.offset() >= consumed.offset() => self.misuse_advance((consumed, false), (p, false)),
                _ => Ok(()),
            },
        }
    }

    fn reader_complete(&mut self) -> Check {
        let error = !self.draining && self.rng.chance(self.cfg.complete_with_error);
        let drop = self.rng.chance(self.cfg.drop_instead) && !error;
        if self.ws == WriterState::WaitingFlush {
            self.coverage.hit(Mark::CompletionWhileWaiting);
        }
        if drop {
            self.ev("drop-reader", 0, 0);
            self.reader = None;
            self.model_apply(&Op::DropReader);
            self.rs = ReaderState::Gone;
        } else {
            self.ev("complete-reader", u64::from(error), 0);
            if let Some(r) = self.reader.as_mut() {
                r.complete(error.then(|| completion_error(false)));
            }
            self.model_apply(&Op::CompleteReader { error });
            self.rs = ReaderState::Completed;
        }
        Ok(())
    }

    /// One poll of a read (`min > 0`: `read_at_least`), or a `try_read`.
    fn reader_read(&mut self, min: usize, wait: bool) -> Check {
        let Some(mut reader) = self.reader.take() else { return Ok(()) };
        let result = self.reader_read_with(&mut reader, min, wait);
        self.reader = Some(reader);
        match result {
            Ok(true) => self.reader_complete(),
            Ok(false) => Ok(()),
            Err(failure) => Err(failure),
        }
    }

    /// [`reader_read`](Self::reader_read) with the reader taken out of
    /// `self`; `Ok(true)` asks to complete the reader afterwards.
    fn reader_read_with(&mut self, reader: &mut PipeReader, min: usize, wait: bool) -> Result<bool, Failure> {
        let was_waiting = matches!(self.rs, ReaderState::WaitingRead { .. });
        let op = if wait { Op::PollRead { min } } else { Op::TryRead };
        let expected = self.model_apply(&op);
        let buffered_before = self.model.buffered();
        let waker = self.wakers[READER].clone();
        let cx = &mut Context::from_waker(&waker);
        let actual = if !wait {
            match reader.try_read() {
                Ok(Some(r)) => Poll::Ready(Ok(r)),
                Ok(None) => Poll::Pending,
                Err(e) => Poll::Ready(Err(e)),
            }
        } else if min == 0 {
            reader.poll_read(cx)
        } else {
            reader.poll_read_at_least(cx, min)
        };
        let step = self.step;
        let mismatch = |expected: &Outcome, actual: String| {
            fail(
                step,
                "mismatch",
                format!("read(min {min}, wait {wait}): model says {expected:?}, pipe answered {actual}"),
            )
        };
        match (&expected, actual) {
            (Outcome::ReadPending, Poll::Pending) => {
                self.ev("read-pending", min as u64, u64::from(wait));
                if !wait {
                    self.coverage.hit(Mark::TryReadNone);
                } else {
                    if buffered_before > 0 && min == 0 {
                        self.coverage.hit(Mark::ExaminedAtEndWait);
                    }
                    self.rs = ReaderState::WaitingRead { min };
                }
                Ok(false)
            }
            (Outcome::Err(e), Poll::Ready(Err(a))) if same_error(e, &a) => {
                self.ev("read-error", 0, 0);
                if matches!(a, PipeError::WriterFailed(_)) {
                    self.coverage.hit(Mark::ReadWriterFailed);
                    // The reader gives up on a failed writer.
                    self.rs = ReaderState::Active;
                    return Ok(self.draining || self.rng.chance(300));
                }
                self.rs = ReaderState::Active;
                Ok(false)
            }
            (Outcome::Read(model), Poll::Ready(Ok(result))) => {
                let buffer = result.buffer();
                let (completed, canceled) = (result.is_completed(), result.is_canceled());
                if !same_read(model, &buffer, completed, canceled) {
                    return mismatch(
                        &expected,
                        format!(
                            "Read {{ start: {}, len: {}, completed: {completed}, canceled: {canceled}, bytes: {:?} }}",
                            buffer.start().offset(),
                            buffer.len(),
                            truncated(&buffer.to_vec())
                        ),
                    );
                }
                self.check_slices(&buffer, &model.bytes)?;
                let chunks = buffer.chunks().count();
                let (consumed, examined) = self.choose_advance(&buffer)?;
                let start = buffer.start();
                self.stale.push(start);
                self.stale.push(consumed);
                if self.stale.len() > 8 {
                    self.stale.drain(..2);
                }
                self.ev("read", buffer.len() as u64, u64::from(completed) * 2 + u64::from(canceled));
                if chunks >= 3 {
                    self.coverage.hit(Mark::ReadSpans3Segments);
                }
                if canceled && was_waiting {
                    self.coverage.hit(Mark::ReadWokenByCancel);
                }
                if canceled && !was_waiting {
                    self.coverage.hit(Mark::StickyReadCancel);
                }
                if completed && was_waiting {
                    self.coverage.hit(Mark::ReadWokenByCompletion);
                }
                if min > 0 && was_waiting && !canceled && !completed {
                    self.coverage.hit(Mark::ReadAtLeastSatisfied);
                }
                let completed_empty = completed && model.bytes.is_empty();
                if completed_empty {
                    self.coverage.hit(Mark::ReadCompletedEmpty);
                }
                self.rs = ReaderState::Holding { consumed, examined, completed_empty };
                Ok(false)
            }
            (_, actual) => {
                let actual = match actual {
                    Poll::Pending => "Pending".to_string(),
                    Poll::Ready(Ok(r)) => format!(
                        "Read {{ start: {}, len: {}, completed: {}, canceled: {} }}",
                        r.buffer().start().offset(),
                        r.buffer().len(),
                        r.is_completed(),
                        r.is_canceled()
                    ),
                    Poll::Ready(Err(e)) => format!("Err({e:?})"),
                };
                mismatch(&expected, actual)
            }
        }
    }

    /// Cross-checks `slice`, `slice_positions` and `get_position` on a
    /// random range of the buffer against the model's bytes (S2, S3).
    fn check_slices(&mut self, buffer: &Sequence<'_>, bytes: &[u8]) -> Check {
        let len = buffer.len();
        let a = self.rng.range(0, len);
        let b = self.rng.range(a, len);
        let want = bytes.get(a..b).unwrap_or(&[]);
        let by_offsets = buffer.slice(a, b).map(|s| s.to_vec());
        let by_positions = buffer
            .get_position(a)
            .and_then(|pa| buffer.get_position(b).and_then(|pb| buffer.slice_positions(pa, pb)))
            .map(|s| s.to_vec());
        for (how, got) in [("slice", by_offsets), ("slice_positions", by_positions)] {
            match got {
                Ok(got) if got == want => {}
                other => {
                    return self.err(
                        "mismatch",
                        format!(
                            "{how}({a}, {b}) of a {len}-byte buffer: {:?}, model {:?}",
                            other.map(|g| truncated(&g)),
                            truncated(want)
                        ),
                    )
                }
            }
        }
        Ok(())
    }

    /// Picks how far to consume and examine a buffer.
    fn choose_advance(&mut self, buffer: &Sequence<'_>) -> Result<(Position, Position), Failure> {
        let len = buffer.len();
        let start = buffer.start().offset();
        let previous = usize::try_from(self.model.examined().saturating_sub(start)).unwrap_or(len).min(len);
        let style = if self.draining { 0 } else { self.rng.weighted(&self.cfg.consume_weights) };
        let (k, e) = match style {
            0 => (len, len),
            1 => (self.rng.range(0, len), len),
            2 => {
                let k = self.rng.range(0, len);
                (k, self.rng.range(k.max(previous), len))
            }
            3 => {
                // Parse up to a delimiter: a byte picked from the buffer.
                let at = self.rng.range(0, len.saturating_sub(1));
                let delimiter = buffer.slice_from(at).map(|s| s.first().first().copied()).ok().flatten();
                match delimiter.and_then(|d| buffer.position_of(d)) {
                    Some(p) => {
                        self.coverage.hit(Mark::DelimiterFound);
                        let k = buffer.offset_of(p).map_err(|e| Failure {
                            step: self.step,
                            kind: "mismatch",
                            message: format!("offset_of(position_of) failed: {e}"),
                        })? + 1;
                        (k, k.max(previous))
                    }
                    None => (0, len),
                }
            }
            _ => (0, previous),
        };
        let position = |offset: usize| {
            buffer.get_position(offset).map_err(|e| Failure {
                step: self.step,
                kind: "mismatch",
                message: format!("get_position({offset}) of a {len}-byte buffer failed: {e}"),
            })
        };
        if k == 0 && e == len && len > 0 {
            self.coverage.hit(Mark::ExaminedAllConsumedNothing);
        }
        Ok((position(k)?, position(e)?))
    }

    // ------------------------------------------------------------ checks

    /// Compares the pipe's counters with the model (O/W/R rules, M1, M2).
    fn check_state(&mut self) -> Check {
        let stats = match (&self.reader, &self.writer) {
            (Some(r), _) => r.stats(),
            (None, Some(w)) => w.stats(),
            (None, None) => return Ok(()),
        };
        let m = &self.model;
        let model = (m.flushed_end(), m.consumed(), m.examined(), m.writer_paused());
        let real = (stats.flushed_end, stats.consumed, stats.examined, stats.writer_paused);
        if model != real {
            return self.err(
                "mismatch",
                format!("state (flushed_end, consumed, examined, paused): model {model:?}, pipe {real:?}"),
            );
        }
        if (m.writer_completed(), m.reader_completed()) != (stats.writer_completed, stats.reader_completed) {
            return self.err("mismatch", format!("completion flags: pipe {stats:?}"));
        }
        if !m.m2_holds() {
            return self
                .err("m2", format!("M2: {} unexamined bytes exceed the bound {:?}", m.unexamined(), m.m2_bound()));
        }
        if m.unexamined() > self.cfg.pause as u64 && self.cfg.pause > 0 {
            self.coverage.hit(Mark::AbovePause);
        }
        // M1: with everything consumed, at most the writer's segment stays.
        if !m.read_outstanding() && m.buffered() == 0 && m.unflushed() == 0 && !m.reader_completed() {
            let allowed = usize::from(!m.writer_completed());
            if stats.segments_rented > allowed {
                return self.err(
                    "m1",
                    format!(
                        "M1: {} segments rented with every byte consumed (allowed {allowed})",
                        stats.segments_rented
                    ),
                );
            }
        }
        Ok(())
    }

    /// A task that waits although the model says its event has happened,
    /// with no wake on the way, lost a wakeup (C2).
    fn check_liveness(&mut self) -> Check {
        let pending = |sim: &Self, task: usize| sim.woken[task] || sim.in_flight.iter().any(|&(t, _)| t == task);
        if self.ws == WriterState::WaitingFlush && !pending(self, WRITER) && self.model.flush_would_resolve() {
            return self
                .err("lost-wakeup", format!("the writer waits on a flush that can resolve; {}", self.describe()));
        }
        if let ReaderState::WaitingRead { min } = self.rs {
            if !pending(self, READER) && self.model.read_would_resolve(min) {
                return self
                    .err("lost-wakeup", format!("the reader waits on a read that can resolve; {}", self.describe()));
            }
        }
        Ok(())
    }

    /// End of run: both halves gone, every segment back (M3).
    fn finish(&mut self) -> Check {
        self.handles = None;
        let counts = self.pool_counts.lock().map(|c| *c).unwrap_or_default();
        if counts.returns != counts.rents + counts.shorts {
            return self.err(
                "m3",
                format!("M3: {} segments rented, {} short, {} given back", counts.rents, counts.shorts, counts.returns),
            );
        }
        if counts.dry > 0 {
            self.coverage.hit(Mark::PoolRanDry);
        }
        if counts.shorts > 0 {
            self.coverage.hit(Mark::PoolShortSegment);
        }
        self.ev("end", counts.rents, counts.returns);
        Ok(())
    }
}

trait MaxByOffset {
    fn max_by_offset(self, other: Position) -> Position;
}

impl MaxByOffset for Position {
    fn max_by_offset(self, other: Position) -> Position {
        if other.offset() > self.offset() {
            other
        } else {
            self
        }
    }
}

static FOREIGN_BYTES: [u8; 4] = *b"abcd";
static FOREIGN_SLICES: [&[u8]; 1] = [&FOREIGN_BYTES];

/// A position of a sequence that belongs to no pipe.
fn foreign_position(offset: usize) -> Position {
    let sequence = Sequence::from_slices(&FOREIGN_SLICES);
    sequence.get_position(offset.min(4)).unwrap_or_else(|_| sequence.start())
}

fn same_read(model: &ReadOutcome, buffer: &Sequence<'_>, completed: bool, canceled: bool) -> bool {
    model.completed == completed
        && model.canceled == canceled
        && model.start == buffer.start().offset()
        && model.bytes.len() == buffer.len()
        && buffer.chunks().flatten().eq(model.bytes.iter())
}

fn truncated(bytes: &[u8]) -> String {
    if bytes.len() <= 32 {
        format!("{bytes:?}")
    } else {
        format!("{:?}… ({} bytes)", &bytes[..32], bytes.len())
    }
}
