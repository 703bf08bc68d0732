//! One simulated run: a writer task and a reader task on one pipe, driven
//! step by step by the scheduler, checked against the reference model after
//! every step. Tee and fan-in scenarios run in [`crate::topo`].

use std::fmt::Write as _;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use models::reference::{completion_error, pattern_byte, same_error, FlushOutcome, Model, Op, Outcome, ReadOutcome};
use pipe_core::{pipe, CancelHandle, PipeError, PipeOptions, PipeReader, PipeWriter, Position, Sequence};

use crate::config::{Config, Scenario};
use crate::coverage::{Coverage, Mark};
use crate::pool::{PoolCounts, TestPool};
use crate::rng::Rng;
use crate::sched::{self, drive, Check, Core, SliceMismatch, Tasks};

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

/// The state of one run.
struct Sim {
    cfg: Config,
    core: Core,
    model: Model,
    writer: Option<PipeWriter>,
    reader: Option<PipeReader>,
    handles: Option<(CancelHandle, CancelHandle)>,
    ws: WriterState,
    rs: ReaderState,
    /// Positions of earlier reads, for stale-position misuse.
    stale: Vec<Position>,
    pool_counts: Arc<Mutex<PoolCounts>>,
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
    let mut sim = Sim {
        model: Model::new(cfg.pause, cfg.resume, cfg.min_segment),
        core: Core::new(&cfg, rng, 2, trace.then(String::new)),
        cfg,
        writer: None,
        reader: None,
        handles: None,
        ws: WriterState::Active,
        rs: ReaderState::Active,
        stale: Vec::new(),
        pool_counts,
    };
    if let Some(t) = sim.core.trace.as_mut() {
        let _ = writeln!(t, "config: {}", sim.cfg);
    }
    let failure = match pipe(options) {
        Ok((reader, writer)) => {
            sim.handles = Some((reader.cancel_handle(), writer.cancel_handle()));
            sim.reader = Some(reader);
            sim.writer = Some(writer);
            drive(&mut sim).err()
        }
        Err(error) => Some(Failure { step: 0, kind: "options", message: format!("valid options refused: {error}") }),
    };
    let bytes = sim.model.flushed_end() + sim.model.unflushed();
    sim.core.report(sim.cfg, failure, bytes)
}

impl Tasks for Sim {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }

    fn count(&self) -> usize {
        2
    }

    fn all_gone(&self) -> bool {
        self.ws == WriterState::Gone && matches!(self.rs, ReaderState::Gone)
    }

    fn runnable(&self, task: usize) -> bool {
        if task == WRITER {
            match self.ws {
                WriterState::Active | WriterState::Completed => true,
                WriterState::WaitingFlush => self.core.woken[WRITER],
                WriterState::Gone => false,
            }
        } else {
            match self.rs {
                ReaderState::Active | ReaderState::Holding { .. } | ReaderState::Completed => true,
                ReaderState::WaitingRead { .. } => self.core.woken[READER],
                ReaderState::Gone => false,
            }
        }
    }

    /// Faults and third-party actions of the fault phase.
    fn chaos(&mut self) -> Check {
        if self.core.rng.chance(self.cfg.spurious_wake) {
            let task = self.core.rng.below(2) as usize;
            self.core.ev("spurious-wake", task as u64, 0);
            self.core.coverage.hit(Mark::SpuriousWake);
            self.core.woken[task] = true;
        }
        if self.core.rng.chance(self.cfg.cancel_read) {
            if let Some((handle, _)) = &self.handles {
                handle.cancel_pending_read();
                if matches!(self.rs, ReaderState::WaitingRead { .. }) {
                    self.core.coverage.hit(Mark::CancelWhileReadWaits);
                }
                self.core.ev("cancel-read(handle)", 0, 0);
                self.model_apply(&Op::CancelPendingRead);
            }
        }
        if self.core.rng.chance(self.cfg.cancel_flush) {
            if let Some((_, handle)) = &self.handles {
                handle.cancel_pending_flush();
                if self.ws == WriterState::WaitingFlush {
                    self.core.coverage.hit(Mark::CancelWhileFlushWaits);
                }
                self.core.ev("cancel-flush(handle)", 0, 0);
                self.model_apply(&Op::CancelPendingFlush);
            }
        }
        Ok(())
    }

    fn task_step(&mut self, task: usize) -> Check {
        if task == WRITER {
            self.writer_step()
        } else {
            self.reader_step()
        }
    }

    /// Compares the pipe's counters with the model (O/W/R rules, M1, M2).
    fn check_state(&mut self) -> Check {
        let stats = sched::stats(self.reader.as_ref(), self.writer.as_ref());
        self.core.check_counters(&self.model, stats, self.cfg.pause, "", true)
    }

    /// A task that waits although the model says its event has happened,
    /// with no wake on the way, lost a wakeup (C2).
    fn check_liveness(&mut self) -> Check {
        if self.ws == WriterState::WaitingFlush && !self.core.wake_pending(WRITER) && self.model.flush_would_resolve() {
            return self
                .core
                .err("lost-wakeup", format!("the writer waits on a flush that can resolve; {}", self.describe()));
        }
        if let ReaderState::WaitingRead { min } = self.rs {
            if !self.core.wake_pending(READER) && self.model.read_would_resolve(min) {
                return self
                    .core
                    .err("lost-wakeup", format!("the reader waits on a read that can resolve; {}", self.describe()));
            }
        }
        Ok(())
    }

    /// End of run: both halves gone, every segment back (M3).
    fn finish(&mut self) -> Check {
        self.handles = None;
        self.core.check_pool(&self.pool_counts, "")?;
        let counts = self.pool_counts.lock().map(|c| *c).unwrap_or_default();
        self.core.ev("end", counts.rents, counts.returns);
        Ok(())
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
}

impl Sim {
    fn model_apply(&mut self, op: &Op) -> Outcome {
        self.core.apply(&mut self.model, op)
    }

    // ------------------------------------------------------------ writer

    fn writer_step(&mut self) -> Check {
        match self.ws {
            WriterState::Active => {
                if self.core.draining {
                    return self.writer_complete();
                }
                match self.core.rng.weighted(&self.cfg.writer_weights) {
                    0 => self.writer_get_advance(false),
                    1 => self.writer_poll_flush(),
                    2 => self.writer_write(),
                    3 => {
                        self.core.ev("cancel-flush(own)", 0, 0);
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
                if !self.core.draining && self.core.rng.chance(self.cfg.abandon) {
                    self.core.ev("abandon-flush", 0, 0);
                    self.core.coverage.hit(Mark::AbandonedFlush);
                    self.ws = WriterState::Active;
                    return Ok(());
                }
                if !self.core.draining && self.core.rng.chance(self.cfg.complete_while_waiting) {
                    self.core.coverage.hit(Mark::CompletionWhileWaiting);
                    return self.writer_complete();
                }
                self.writer_poll_flush()
            }
            WriterState::Completed => {
                if !self.core.draining && self.core.rng.chance(500) {
                    // Misuse after completion (W8).
                    let op = match self.core.rng.below(4) {
                        0 => Op::GetMemory { hint: 1 },
                        1 => Op::Advance { n: 0 },
                        2 => Op::Write { len: 1 },
                        _ => Op::PollFlush,
                    };
                    self.core.ev("writer-misuse-after-complete", self.core.ops as u64, 0);
                    let expected = self.model_apply(&op);
                    let Some(w) = self.writer.as_mut() else { return Ok(()) };
                    let actual = match op {
                        Op::GetMemory { hint } => w.get_memory(hint).map(|_| ()),
                        Op::Advance { n } => w.advance(n),
                        Op::Write { .. } => {
                            let cx = &mut Context::from_waker(&self.core.wakers[WRITER]);
                            match std::pin::Pin::new(&mut w.write(&[0])).poll(cx) {
                                Poll::Ready(r) => r.map(|_| ()),
                                Poll::Pending => Ok(()),
                            }
                        }
                        _ => {
                            let cx = &mut Context::from_waker(&self.core.wakers[WRITER]);
                            match w.poll_flush(cx) {
                                Poll::Ready(r) => r.map(|_| ()),
                                Poll::Pending => Ok(()),
                            }
                        }
                    };
                    return self.expect_unit("writer op after complete", expected, actual);
                }
                self.core.ev("drop-writer", 0, 0);
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
            _ => self.core.err("mismatch", format!("{what}: model says {expected:?}, pipe answered {actual:?}")),
        }
    }

    fn writer_get_advance(&mut self, misuse: bool) -> Check {
        let hint = match self.core.rng.below(4) {
            0 => 0,
            1 => self.core.rng.range(1, self.cfg.max_write),
            2 => self.core.rng.range(1, 3 * self.cfg.min_segment + 2),
            _ => 1,
        };
        let expected = self.model_apply(&Op::GetMemory { hint });
        let start = self.model.flushed_end() + self.model.unflushed();
        let Some(w) = self.writer.as_mut() else { return Ok(()) };
        let len = match (expected, w.get_memory(hint)) {
            (Outcome::Memory { min_len }, Ok(memory)) => {
                if memory.len() < min_len {
                    return fail(
                        self.core.step,
                        "mismatch",
                        format!("W1: get_memory({hint}) gave {} bytes", memory.len()),
                    );
                }
                for (i, byte) in memory.iter_mut().enumerate() {
                    *byte = pattern_byte(start + i as u64);
                }
                memory.len()
            }
            (expected, actual) => {
                let actual = actual.map(|m| m.len());
                return fail(
                    self.core.step,
                    "mismatch",
                    format!("get_memory({hint}): model {expected:?}, pipe {actual:?}"),
                );
            }
        };
        self.model.memory_returned(hint, len);
        self.core.ev("get-memory", hint as u64, len as u64);
        if misuse {
            let n = len + 1 + self.core.rng.below(3) as usize;
            self.core.coverage.hit(Mark::MisuseWriter);
            let expected = self.model_apply(&Op::Advance { n });
            let actual = self.writer.as_mut().map_or(Ok(()), |w| w.advance(n));
            self.core.ev("advance-too-far", n as u64, 0);
            self.expect_unit("advance beyond memory (W2)", expected, actual)?;
        }
        // Advance less than asked, sometimes nothing, in one or two steps.
        let n = match self.core.rng.below(3) {
            0 => len.min(hint.max(1)),
            1 => self.core.rng.range(0, len),
            _ => len,
        };
        let first = if self.core.rng.chance(300) { self.core.rng.range(0, n) } else { n };
        for part in [first, n - first] {
            if part == 0 && first != 0 {
                continue;
            }
            let expected = self.model_apply(&Op::Advance { n: part });
            let actual = self.writer.as_mut().map_or(Ok(()), |w| w.advance(part));
            self.core.ev("advance", part as u64, 0);
            self.expect_unit("advance", expected, actual)?;
        }
        let unflushed = self.writer.as_ref().map_or(0, |w| w.unflushed_bytes()) as u64;
        if unflushed != self.model.unflushed() {
            return self
                .core
                .err("mismatch", format!("W3: unflushed_bytes {unflushed}, model {}", self.model.unflushed()));
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
                self.core.ev(what, 0, 0);
                if self.model.unexamined() > 0 && !was_waiting {
                    self.core.coverage.hit(Mark::FlushWaited);
                }
                self.ws = WriterState::WaitingFlush;
                Ok(())
            }
            (Outcome::Flushed(FlushOutcome { completed, canceled }), Poll::Ready(Ok(r)))
                if r.is_completed() == *completed && r.is_canceled() == *canceled =>
            {
                self.core.ev(what, 1 + u64::from(*completed), u64::from(*canceled));
                if *canceled && was_waiting {
                    self.core.coverage.hit(Mark::FlushWokenByCancel);
                }
                if *completed {
                    self.core.coverage.hit(Mark::FlushAfterReaderCompleted);
                }
                if was_waiting && !*canceled && !*completed {
                    self.core.coverage.hit(Mark::FlushResumed);
                }
                self.ws = WriterState::Active;
                Ok(())
            }
            (Outcome::Err(e), Poll::Ready(Err(a))) if same_error(e, a) => {
                self.core.ev(what, 9, 0);
                if matches!(a, PipeError::ReaderFailed(_)) {
                    self.core.coverage.hit(Mark::FlushReaderFailed);
                }
                self.ws = WriterState::Active;
                Ok(())
            }
            _ => self.core.err("mismatch", format!("{what}: model says {expected:?}, pipe answered {actual:?}")),
        }
    }

    fn writer_poll_flush(&mut self) -> Check {
        let expected = self.model_apply(&Op::PollFlush);
        let Some(w) = self.writer.as_mut() else { return Ok(()) };
        let actual = w.poll_flush(&mut Context::from_waker(&self.core.wakers[WRITER]));
        self.check_flush("poll-flush", expected, actual)
    }

    fn writer_write(&mut self) -> Check {
        let len = match self.core.rng.below(3) {
            0 => 1,
            1 => self.core.rng.range(1, self.cfg.max_write),
            _ => self.core.rng.range(1, 4 * self.cfg.min_segment),
        };
        let start = self.model.flushed_end() + self.model.unflushed();
        let data: Vec<u8> = (start..start + len as u64).map(pattern_byte).collect();
        let expected = self.model_apply(&Op::Write { len });
        let Some(w) = self.writer.as_mut() else { return Ok(()) };
        let actual = {
            let mut future = w.write(&data);
            std::pin::Pin::new(&mut future).poll(&mut Context::from_waker(&self.core.wakers[WRITER]))
        };
        self.check_flush("write", expected, actual)
    }

    fn writer_complete(&mut self) -> Check {
        let error = !self.core.draining && self.core.rng.chance(self.cfg.complete_with_error);
        let drop = self.core.rng.chance(self.cfg.drop_instead) && !error;
        if matches!(self.rs, ReaderState::WaitingRead { .. }) {
            self.core.coverage.hit(Mark::CompletionWhileWaiting);
        }
        if drop {
            self.core.ev("drop-writer", 0, 0);
            self.writer = None;
            self.model_apply(&Op::DropWriter);
            self.ws = WriterState::Gone;
        } else {
            self.core.ev("complete-writer", u64::from(error), 0);
            if let Some(w) = self.writer.as_mut() {
                w.complete(error.then(|| completion_error(true)));
            }
            self.model_apply(&Op::CompleteWriter { error });
            if error {
                self.core.coverage.hit(Mark::WriterFailed);
            }
            self.ws = WriterState::Completed;
        }
        Ok(())
    }

    // ------------------------------------------------------------ reader

    fn reader_step(&mut self) -> Check {
        match self.rs {
            ReaderState::Active => {
                if self.core.draining {
                    return self.reader_read(0, true);
                }
                match self.core.rng.weighted(&self.cfg.reader_weights) {
                    0 => self.reader_read(0, true),
                    1 => {
                        let n = match self.core.rng.below(3) {
                            0 => self.core.rng.range(1, self.cfg.max_write),
                            1 => self.core.rng.range(1, self.cfg.pause + 2),
                            _ => self.core.rng.range(self.cfg.pause.max(1), 2 * self.cfg.pause + self.cfg.max_write),
                        };
                        self.reader_read(n, true)
                    }
                    2 => self.reader_read(0, false),
                    3 => {
                        self.core.ev("cancel-read(own)", 0, 0);
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
                if !self.core.draining && self.core.rng.chance(self.cfg.abandon) {
                    self.core.ev("abandon-read", 0, 0);
                    self.core.coverage.hit(Mark::AbandonedRead);
                    self.rs = ReaderState::Active;
                    return Ok(());
                }
                if !self.core.draining && self.core.rng.chance(self.cfg.complete_while_waiting) {
                    self.core.coverage.hit(Mark::CompletionWhileWaiting);
                    return self.reader_complete();
                }
                self.reader_read(min, true)
            }
            ReaderState::Holding { consumed, examined, completed_empty } => {
                if !self.core.draining && self.core.rng.chance(300) {
                    return self.holding_misuse(consumed, examined);
                }
                if completed_empty && (self.core.draining || self.core.rng.chance(500)) {
                    return self.reader_complete();
                }
                let expected = self.model_apply(&Op::AdvanceTo {
                    consumed: consumed.offset(),
                    examined: examined.offset(),
                    consumed_foreign: false,
                    examined_foreign: false,
                });
                let actual = self.reader.as_mut().map_or(Ok(()), |r| r.advance_to(consumed, examined));
                self.core.ev("advance-to", consumed.offset(), examined.offset());
                self.expect_unit("advance_to", expected, actual)?;
                self.rs = ReaderState::Active;
                Ok(())
            }
            ReaderState::Completed => {
                if !self.core.draining && self.core.rng.chance(500) {
                    self.core.ev("reader-misuse-after-complete", 0, 0);
                    let p = self.stale.last().map_or((foreign_position(0), true), |&p| (p, false));
                    return self.misuse_advance(p, p);
                }
                self.core.ev("drop-reader", 0, 0);
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
        self.core.coverage.hit(Mark::MisuseReader);
        let expected = self.model_apply(&Op::AdvanceTo {
            consumed: consumed.offset(),
            examined: examined.offset(),
            consumed_foreign,
            examined_foreign,
        });
        let actual = self.reader.as_mut().map_or(Ok(()), |r| r.advance_to(consumed, examined));
        self.core.ev("misuse-advance-to", consumed.offset(), examined.offset());
        if matches!(expected, Outcome::Done) {
            // A stale position that is still inside the buffer is valid (S2):
            // the read is no longer outstanding.
            self.rs = ReaderState::Active;
        }
        self.expect_unit("advance_to (misuse)", expected, actual)
    }

    fn holding_misuse(&mut self, consumed: Position, examined: Position) -> Check {
        match self.core.rng.below(5) {
            0 => {
                // A second read while one is outstanding.
                let expected = self.model_apply(&Op::TryRead);
                let actual = self.reader.as_mut().map_or(Ok(()), |r| r.try_read().map(|_| ()));
                self.core.ev("second-read", 0, 0);
                self.core.coverage.hit(Mark::MisuseReader);
                self.expect_unit("read while outstanding", expected, actual)
            }
            1 if consumed.offset() < examined.offset() => self.misuse_advance((examined, false), (consumed, false)),
            2 => {
                let foreign = foreign_position(self.core.rng.below(4) as usize);
                if self.core.rng.chance(500) {
                    self.misuse_advance((consumed, false), (foreign, true))
                } else {
                    self.misuse_advance((foreign, true), (examined, false))
                }
            }
            3 => match self.stale.get(self.core.rng.below(self.stale.len() as u64 + 1) as usize).copied() {
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
        let error = !self.core.draining && self.core.rng.chance(self.cfg.complete_with_error);
        let drop = self.core.rng.chance(self.cfg.drop_instead) && !error;
        if self.ws == WriterState::WaitingFlush {
            self.core.coverage.hit(Mark::CompletionWhileWaiting);
        }
        if drop {
            self.core.ev("drop-reader", 0, 0);
            self.reader = None;
            self.model_apply(&Op::DropReader);
            self.rs = ReaderState::Gone;
        } else {
            self.core.ev("complete-reader", u64::from(error), 0);
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
        let actual = sched::poll_read(reader, &self.core.wakers[READER], min, wait);
        let step = self.core.step;
        let mismatch = |expected: &Outcome, actual: String| {
            fail(
                step,
                "mismatch",
                format!("read(min {min}, wait {wait}): model says {expected:?}, pipe answered {actual}"),
            )
        };
        match (&expected, actual) {
            (Outcome::ReadPending, Poll::Pending) => {
                self.core.ev("read-pending", min as u64, u64::from(wait));
                if !wait {
                    self.core.coverage.hit(Mark::TryReadNone);
                } else {
                    if buffered_before > 0 && min == 0 {
                        self.core.coverage.hit(Mark::ExaminedAtEndWait);
                    }
                    self.rs = ReaderState::WaitingRead { min };
                }
                Ok(false)
            }
            (Outcome::Err(e), Poll::Ready(Err(a))) if same_error(e, &a) => {
                self.core.ev("read-error", 0, 0);
                if matches!(a, PipeError::WriterFailed(_)) {
                    self.core.coverage.hit(Mark::ReadWriterFailed);
                    // The reader gives up on a failed writer.
                    self.rs = ReaderState::Active;
                    return Ok(self.core.draining || self.core.rng.chance(300));
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
                self.core.ev("read", buffer.len() as u64, u64::from(completed) * 2 + u64::from(canceled));
                if chunks >= 3 {
                    self.core.coverage.hit(Mark::ReadSpans3Segments);
                }
                if canceled && was_waiting {
                    self.core.coverage.hit(Mark::ReadWokenByCancel);
                }
                if canceled && !was_waiting {
                    self.core.coverage.hit(Mark::StickyReadCancel);
                }
                if completed && was_waiting {
                    self.core.coverage.hit(Mark::ReadWokenByCompletion);
                }
                if min > 0 && was_waiting && !canceled && !completed {
                    self.core.coverage.hit(Mark::ReadAtLeastSatisfied);
                }
                let completed_empty = completed && model.bytes.is_empty();
                if completed_empty {
                    self.core.coverage.hit(Mark::ReadCompletedEmpty);
                }
                self.rs = ReaderState::Holding { consumed, examined, completed_empty };
                Ok(false)
            }
            (_, actual) => mismatch(&expected, sched::describe_read(actual)),
        }
    }

    /// Cross-checks `slice`, `slice_positions` and `get_position` on a
    /// random range of the buffer against the model's bytes (S2, S3).
    fn check_slices(&mut self, buffer: &Sequence<'_>, bytes: &[u8]) -> Check {
        match sched::check_slices(&mut self.core.rng, buffer, bytes) {
            Ok(()) => Ok(()),
            Err(SliceMismatch { how, a, b, got, want }) => self.core.err(
                "mismatch",
                format!(
                    "{how}({a}, {b}) of a {}-byte buffer: {:?}, model {:?}",
                    buffer.len(),
                    got.map(|g| truncated(&g)),
                    truncated(want)
                ),
            ),
        }
    }

    /// Picks how far to consume and examine a buffer.
    fn choose_advance(&mut self, buffer: &Sequence<'_>) -> Result<(Position, Position), Failure> {
        let len = buffer.len();
        let start = buffer.start().offset();
        let previous = usize::try_from(self.model.examined().saturating_sub(start)).unwrap_or(len).min(len);
        let style = if self.core.draining { 0 } else { self.core.rng.weighted(&self.cfg.consume_weights) };
        let (k, e) = match style {
            0 => (len, len),
            1 => (self.core.rng.range(0, len), len),
            2 => {
                let k = self.core.rng.range(0, len);
                (k, self.core.rng.range(k.max(previous), len))
            }
            3 => {
                // Parse up to a delimiter: a byte picked from the buffer.
                let at = self.core.rng.range(0, len.saturating_sub(1));
                let delimiter = buffer.slice_from(at).map(|s| s.first().first().copied()).ok().flatten();
                match delimiter.and_then(|d| buffer.position_of(d)) {
                    Some(p) => {
                        self.core.coverage.hit(Mark::DelimiterFound);
                        let k = buffer.offset_of(p).map_err(|e| Failure {
                            step: self.core.step,
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
                step: self.core.step,
                kind: "mismatch",
                message: format!("get_position({offset}) of a {len}-byte buffer failed: {e}"),
            })
        };
        if k == 0 && e == len && len > 0 {
            self.core.coverage.hit(Mark::ExaminedAllConsumedNothing);
        }
        Ok((position(k)?, position(e)?))
    }

    // ------------------------------------------------------------ checks
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
