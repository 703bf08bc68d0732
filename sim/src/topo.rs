//! Tee and fan-in scenarios: several pipes joined by relay tasks.
//!
//! Tee: a source writer feeds pipe 0; a relay reads it and writes every byte
//! into pipes 1 and 2 (waiting on both flushes, so either branch's back
//! pressure holds it); two sink readers drain them. Fan-in: two source
//! writers feed pipes 0 and 1; a relay reads them in turn and writes what it
//! consumed into pipe 2, recording the interleaving; one sink drains it.
//!
//! Every pipe has its own options and its own reference model; every call is
//! checked against its pipe's model, every pipe's counters after every step,
//! and at the end each sink's received bytes against the source streams.
//! The model assumes the writer writes `pattern_byte(offset)`: that holds for
//! the sources and for the tee's branches (a branch's offset is the source's
//! offset), not for the fan-in output, whose bytes are compared with the
//! relay's record instead (the model still decides lengths and flags).

use std::fmt::Write as _;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use models::reference::{completion_error, pattern_byte, same_error, FlushOutcome, Model, Op, Outcome};
use pipe_core::{pipe, CancelHandle, PipeError, PipeOptions, PipeReader, PipeWriter, Position};

use crate::config::{Config, PipeConfig, Scenario};
use crate::coverage::Mark;
use crate::pool::{PoolCounts, TestPool};
use crate::rng::Rng;
use crate::run::{Failure, RunReport};
use crate::sched::{self, drive, Check, Core, SliceMismatch, Tasks};

struct Pipe {
    cfg: PipeConfig,
    model: Model,
    reader: Option<PipeReader>,
    writer: Option<PipeWriter>,
    /// Cancel handles of the reader and the writer.
    handles: (CancelHandle, CancelHandle),
    /// Every byte the writer committed, in order.
    log: Vec<u8>,
    /// The model knows the bytes (`pattern_byte(offset)`).
    pattern: bool,
    pool: Arc<Mutex<PoolCounts>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SourceState {
    Active,
    WaitingFlush,
    Completed,
    Gone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SinkState {
    Active,
    WaitingRead { min: usize },
    Holding { consumed: Position, examined: Position, completed_empty: bool },
    Completed,
    Gone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RelayState {
    Read,
    WaitingRead {
        min: usize,
    },
    /// Flushes of `dests[i]` still pending.
    Flushing {
        pending: [bool; 2],
    },
    Gone,
}

#[derive(Debug)]
enum Task {
    Source { pipe: usize, state: SourceState },
    Sink { pipe: usize, state: SinkState, received: Vec<u8>, early: bool },
    Relay(Relay),
}

#[derive(Debug)]
struct Relay {
    srcs: Vec<usize>,
    dests: Vec<usize>,
    /// Index into `srcs` of the source read next.
    cur: usize,
    src_done: [bool; 2],
    dest_open: [bool; 2],
    /// Source of the last non-empty chunk (fan-in switches).
    last_src: Option<usize>,
    /// Fan-in: `(source index, bytes)` runs in the order written to the output.
    record: Vec<(usize, usize)>,
    state: RelayState,
}

/// What a poll of a read gave.
enum ReadRes {
    Pending,
    Failed(PipeError),
    Data { bytes: Vec<u8>, k: usize, consumed: Position, examined: Position, completed: bool },
}

/// What a flush (or write) poll gave.
enum FlushRes {
    Pending,
    Done { completed: bool },
    Failed,
}

struct Topo {
    cfg: Config,
    core: Core,
    pipes: Vec<Pipe>,
    tasks: Vec<Task>,
    /// A completion with an error or before the end of the stream happened:
    /// the sinks may get a prefix only.
    cut: bool,
}

/// Runs a tee or fan-in scenario; `rng` has drawn `cfg` already.
pub(crate) fn run(cfg: Config, mut rng: Rng, trace: bool) -> RunReport {
    let pipe_cfgs = cfg.draw_pipes(&mut rng);
    let mut trace = trace.then(String::new);
    if let Some(t) = trace.as_mut() {
        let _ = writeln!(t, "config: {cfg}");
        for (i, p) in pipe_cfgs.iter().enumerate() {
            let _ = writeln!(t, "pipe {i}: {p}");
        }
    }
    let fan_in = cfg.scenario == Scenario::FanIn;
    let mut pipes = Vec::new();
    let mut failure = None;
    for (i, pc) in pipe_cfgs.iter().enumerate() {
        let pool = TestPool::new(pc.pool, rng.next_u64());
        let counts = pool.counts();
        let options = PipeOptions::new()
            .pause_writer_threshold(pc.pause)
            .resume_writer_threshold(pc.resume)
            .minimum_segment_size(pc.min_segment)
            .pool(pool);
        match pipe(options) {
            Ok((reader, writer)) => pipes.push(Pipe {
                cfg: *pc,
                model: Model::new(pc.pause, pc.resume, pc.min_segment),
                handles: (reader.cancel_handle(), writer.cancel_handle()),
                reader: Some(reader),
                writer: Some(writer),
                log: Vec::new(),
                pattern: !(fan_in && i == 2),
                pool: counts,
            }),
            Err(error) => {
                failure =
                    Some(Failure { step: 0, kind: "options", message: format!("valid options refused: {error}") });
            }
        }
    }
    let relay = |srcs: Vec<usize>, dests: Vec<usize>| {
        Task::Relay(Relay {
            srcs,
            dests,
            cur: 0,
            src_done: [false; 2],
            dest_open: [true; 2],
            last_src: None,
            record: Vec::new(),
            state: RelayState::Read,
        })
    };
    let sink = |pipe| Task::Sink { pipe, state: SinkState::Active, received: Vec::new(), early: false };
    let tasks = if fan_in {
        vec![
            Task::Source { pipe: 0, state: SourceState::Active },
            Task::Source { pipe: 1, state: SourceState::Active },
            relay(vec![0, 1], vec![2]),
            sink(2),
        ]
    } else {
        vec![Task::Source { pipe: 0, state: SourceState::Active }, relay(vec![0], vec![1, 2]), sink(1), sink(2)]
    };
    let mut topo = Topo { core: Core::new(&cfg, rng, tasks.len(), trace), cfg, pipes, tasks, cut: false };
    if failure.is_none() {
        failure = drive(&mut topo).err();
    }
    let bytes = topo.pipes.iter().map(|p| p.model.flushed_end() + p.model.unflushed()).sum();
    topo.core.report(topo.cfg, failure, bytes)
}

fn flush_res(expected: &Outcome, actual: &Poll<Result<pipe_core::FlushResult, PipeError>>) -> Option<FlushRes> {
    match (expected, actual) {
        (Outcome::FlushPending, Poll::Pending) => Some(FlushRes::Pending),
        (Outcome::Flushed(FlushOutcome { completed, canceled }), Poll::Ready(Ok(r)))
            if r.is_completed() == *completed && r.is_canceled() == *canceled =>
        {
            Some(FlushRes::Done { completed: *completed })
        }
        (Outcome::Err(e), Poll::Ready(Err(a))) if same_error(e, a) => Some(FlushRes::Failed),
        _ => None,
    }
}

impl Tasks for Topo {
    fn core(&mut self) -> &mut Core {
        &mut self.core
    }

    fn count(&self) -> usize {
        self.tasks.len()
    }

    fn all_gone(&self) -> bool {
        (0..self.tasks.len()).all(|t| self.gone(t))
    }

    fn runnable(&self, task: usize) -> bool {
        let waiting = match &self.tasks[task] {
            Task::Source { state, .. } => *state == SourceState::WaitingFlush,
            Task::Sink { state, .. } => matches!(state, SinkState::WaitingRead { .. }),
            Task::Relay(r) => matches!(r.state, RelayState::WaitingRead { .. } | RelayState::Flushing { .. }),
        };
        !self.gone(task) && (!waiting || self.core.woken[task])
    }

    fn chaos(&mut self) -> Check {
        if self.core.rng.chance(self.cfg.spurious_wake) {
            let task = self.core.rng.below(self.tasks.len() as u64) as usize;
            self.core.ev("spurious-wake", task as u64, 0);
            self.core.coverage.hit(Mark::SpuriousWake);
            self.core.woken[task] = true;
        }
        if self.core.rng.chance(self.cfg.cancel_read) {
            let p = self.core.rng.below(self.pipes.len() as u64) as usize;
            self.pipes[p].handles.0.cancel_pending_read();
            self.core.ev("cancel-read(handle)", p as u64, 0);
            self.apply(p, &Op::CancelPendingRead);
        }
        if self.core.rng.chance(self.cfg.cancel_flush) {
            let p = self.core.rng.below(self.pipes.len() as u64) as usize;
            self.pipes[p].handles.1.cancel_pending_flush();
            self.core.ev("cancel-flush(handle)", p as u64, 0);
            self.apply(p, &Op::CancelPendingFlush);
        }
        Ok(())
    }

    fn task_step(&mut self, task: usize) -> Check {
        match &self.tasks[task] {
            Task::Source { pipe, state } => {
                let (p, s) = (*pipe, *state);
                self.source_step(task, p, s)
            }
            Task::Sink { pipe, state, .. } => {
                let (p, s) = (*pipe, *state);
                self.sink_step(task, p, s)
            }
            Task::Relay(_) => self.relay_step(task),
        }
    }

    fn check_state(&mut self) -> Check {
        for p in 0..self.pipes.len() {
            self.check_pipe(p)?;
        }
        Ok(())
    }

    /// C2 for every task: a waiting task with no wake on its way whose
    /// pipe's model says the awaited event happened lost a wakeup.
    fn check_liveness(&mut self) -> Check {
        for task in 0..self.tasks.len() {
            if self.core.wake_pending(task) {
                continue;
            }
            let lost = match &self.tasks[task] {
                Task::Source { pipe, state: SourceState::WaitingFlush } => {
                    self.pipes[*pipe].model.flush_would_resolve()
                }
                Task::Sink { pipe, state: SinkState::WaitingRead { min }, .. } => {
                    self.pipes[*pipe].model.read_would_resolve(*min)
                }
                Task::Relay(r) => match r.state {
                    RelayState::WaitingRead { min } => self.pipes[r.srcs[r.cur]].model.read_would_resolve(min),
                    RelayState::Flushing { pending } => r
                        .dests
                        .iter()
                        .enumerate()
                        .any(|(i, &p)| pending[i] && self.pipes[p].model.flush_would_resolve()),
                    _ => false,
                },
                _ => false,
            };
            if lost {
                return self.core.err(
                    "lost-wakeup",
                    format!("task {task} waits for an event its pipe's model says happened; {}", self.describe()),
                );
            }
        }
        Ok(())
    }

    /// End of run: every half gone, every segment back (M3), and the sinks
    /// got the sources' streams (end to end).
    fn finish(&mut self) -> Check {
        for p in 0..self.pipes.len() {
            self.core.check_pool(&self.pipes[p].pool, &format!("pipe {p}: "))?;
        }
        let mut whole = !self.cut;
        if self.fan_in() {
            let (runs, received) = match (&self.tasks[2], &self.tasks[3]) {
                (Task::Relay(r), Task::Sink { received, .. }) => (r.record.clone(), received.clone()),
                _ => return Ok(()),
            };
            // The output's reader got exactly the relay's interleaving, and
            // splitting it by source gives each source's stream, every byte once.
            let output = &self.pipes[2].log;
            if !output.starts_with(&received) {
                return self.core.err("end-to-end", "fan-in: the reader's bytes are not the relay's output".into());
            }
            let mut split = [Vec::new(), Vec::new()];
            let mut at = 0;
            for (src, len) in runs {
                split[src].extend_from_slice(output.get(at..at + len).unwrap_or(&[]));
                at += len;
            }
            for (s, bytes) in split.iter().enumerate() {
                if !self.pipes[s].log.starts_with(bytes) {
                    return self
                        .core
                        .err("end-to-end", format!("fan-in: the relay's record of source {s} is not its stream"));
                }
                whole &= bytes.len() == self.pipes[s].log.len();
            }
            whole &= at == output.len() && received.len() == output.len();
            if whole {
                self.core.coverage.hit(Mark::FanInEndToEnd);
            }
        } else {
            for t in [2, 3] {
                let Task::Sink { received, pipe, .. } = &self.tasks[t] else {
                    continue;
                };
                if !self.pipes[0].log.starts_with(received) {
                    return self
                        .core
                        .err("end-to-end", format!("tee: the reader of pipe {pipe} got bytes the source never wrote"));
                }
                if !self.cut && received.len() != self.pipes[0].log.len() {
                    return self.core.err(
                        "end-to-end",
                        format!(
                            "tee: the reader of pipe {pipe} got {} of the source's {} bytes",
                            received.len(),
                            self.pipes[0].log.len()
                        ),
                    );
                }
            }
            if !self.cut {
                self.core.coverage.hit(Mark::TeeEndToEnd);
            }
        }
        if !self.cut && self.fan_in() && !whole {
            return self.core.err("end-to-end", "fan-in: a byte of a source never reached the reader".into());
        }
        self.core.ev("end", self.pipes.len() as u64, 0);
        Ok(())
    }

    fn describe(&self) -> String {
        let mut s = String::new();
        for (i, t) in self.tasks.iter().enumerate() {
            let _ = match t {
                Task::Source { pipe, state } => write!(s, "task {i} source({pipe}) {state:?}; "),
                Task::Sink { pipe, state, .. } => write!(s, "task {i} sink({pipe}) {state:?}; "),
                Task::Relay(r) => write!(s, "task {i} relay {:?} cur={}; ", r.state, r.cur),
            };
        }
        for (i, p) in self.pipes.iter().enumerate() {
            let m = &p.model;
            let _ = write!(
                s,
                "pipe {i}: flushed_end={} consumed={} examined={} paused={} waiter={:?} done=({}, {}); ",
                m.flushed_end(),
                m.consumed(),
                m.examined(),
                m.writer_paused(),
                m.reader_waiter(),
                m.writer_completed(),
                m.reader_completed()
            );
        }
        s
    }
}

impl Topo {
    fn gone(&self, task: usize) -> bool {
        match &self.tasks[task] {
            Task::Source { state, .. } => *state == SourceState::Gone,
            Task::Sink { state, .. } => *state == SinkState::Gone,
            Task::Relay(r) => r.state == RelayState::Gone,
        }
    }

    fn check_pipe(&mut self, p: usize) -> Check {
        let pipe = &self.pipes[p];
        let stats = sched::stats(pipe.reader.as_ref(), pipe.writer.as_ref());
        self.core.check_counters(&pipe.model, stats, pipe.cfg.pause, &format!("pipe {p}: "), false)
    }

    fn fan_in(&self) -> bool {
        self.cfg.scenario == Scenario::FanIn
    }

    fn apply(&mut self, p: usize, op: &Op) -> Outcome {
        self.core.apply(&mut self.pipes[p].model, op)
    }

    // ------------------------------------------------------------ pipe calls

    /// Commits `data` into pipe `p` with `get_memory`/`advance` (no flush).
    fn put(&mut self, p: usize, data: &[u8]) -> Check {
        let mut done = 0;
        while done < data.len() {
            let left = data.len() - done;
            let hint = if self.core.rng.chance(300) { self.core.rng.range(0, left) } else { left };
            let expected = self.apply(p, &Op::GetMemory { hint });
            let Some(w) = self.pipes[p].writer.as_mut() else {
                return Ok(());
            };
            let n = match (expected, w.get_memory(hint)) {
                (Outcome::Memory { min_len }, Ok(memory)) if memory.len() >= min_len => {
                    let n = memory.len().min(left);
                    memory[..n].copy_from_slice(&data[done..done + n]);
                    let len = memory.len();
                    self.pipes[p].model.memory_returned(hint, len);
                    n
                }
                (expected, actual) => {
                    let actual = actual.map(|m| m.len());
                    return self
                        .core
                        .err("mismatch", format!("pipe {p}: get_memory({hint}): model {expected:?}, pipe {actual:?}"));
                }
            };
            let expected = self.apply(p, &Op::Advance { n });
            let actual = self.pipes[p].writer.as_mut().map_or(Ok(()), |w| w.advance(n));
            self.core.ev("advance", p as u64, n as u64);
            if !matches!((&expected, &actual), (Outcome::Done | Outcome::Unknown, Ok(()))) {
                return self
                    .core
                    .err("mismatch", format!("pipe {p}: advance({n}): model {expected:?}, pipe {actual:?}"));
            }
            self.pipes[p].log.extend_from_slice(&data[done..done + n]);
            done += n;
        }
        let pipe = &self.pipes[p];
        let unflushed = pipe.writer.as_ref().map_or(0, |w| w.unflushed_bytes()) as u64;
        if unflushed != pipe.model.unflushed() {
            return self.core.err(
                "mismatch",
                format!("pipe {p}: W3: unflushed_bytes {unflushed}, model {}", pipe.model.unflushed()),
            );
        }
        Ok(())
    }

    /// `write(data)` on pipe `p`, polled once by `task`.
    fn write(&mut self, p: usize, task: usize, data: &[u8]) -> Result<FlushRes, Failure> {
        let expected = self.apply(p, &Op::Write { len: data.len() });
        let Some(w) = self.pipes[p].writer.as_mut() else {
            return Ok(FlushRes::Failed);
        };
        let actual = {
            let mut future = w.write(data);
            std::pin::Pin::new(&mut future).poll(&mut Context::from_waker(&self.core.wakers[task]))
        };
        self.pipes[p].log.extend_from_slice(data);
        self.core.ev("write", p as u64, data.len() as u64);
        match flush_res(&expected, &actual) {
            Some(r) => Ok(r),
            None => self.core.err("mismatch", format!("pipe {p}: write: model {expected:?}, pipe {actual:?}")),
        }
    }

    fn poll_flush(&mut self, p: usize, task: usize) -> Result<FlushRes, Failure> {
        let expected = self.apply(p, &Op::PollFlush);
        let Some(w) = self.pipes[p].writer.as_mut() else {
            return Ok(FlushRes::Failed);
        };
        let actual = w.poll_flush(&mut Context::from_waker(&self.core.wakers[task]));
        self.core.ev("poll-flush", p as u64, u64::from(actual.is_ready()));
        match flush_res(&expected, &actual) {
            Some(r) => Ok(r),
            None => self.core.err("mismatch", format!("pipe {p}: poll_flush: model {expected:?}, pipe {actual:?}")),
        }
    }

    /// Completes pipe `p`'s writer: by dropping it (`drop` without
    /// `error`) or with `complete`, then dropped too when `drop`.
    fn complete_writer(&mut self, p: usize, error: bool, drop: bool) {
        if drop && !error {
            self.core.ev("drop-writer", p as u64, 0);
            self.pipes[p].writer = None;
            self.apply(p, &Op::DropWriter);
        } else {
            self.core.ev("complete-writer", p as u64, u64::from(error));
            if let Some(w) = self.pipes[p].writer.as_mut() {
                w.complete(error.then(|| completion_error(true)));
            }
            self.apply(p, &Op::CompleteWriter { error });
            if drop {
                self.pipes[p].writer = None;
            }
        }
        if error {
            self.core.coverage.hit(Mark::WriterFailed);
        }
    }

    /// Completes pipe `p`'s reader: by dropping it (`drop` without
    /// `error`) or with `complete`, then dropped too when `drop`.
    fn complete_reader(&mut self, p: usize, error: bool, drop: bool) {
        if drop && !error {
            self.core.ev("drop-reader", p as u64, 0);
            self.pipes[p].reader = None;
            self.apply(p, &Op::DropReader);
        } else {
            self.core.ev("complete-reader", p as u64, u64::from(error));
            if let Some(r) = self.pipes[p].reader.as_mut() {
                r.complete(error.then(|| completion_error(false)));
            }
            self.apply(p, &Op::CompleteReader { error });
            if drop {
                self.pipes[p].reader = None;
            }
        }
    }

    /// One read poll on pipe `p` by `task`; on data, `choose(rng, len,
    /// previously examined)` picks how far to consume and examine.
    fn read(
        &mut self,
        p: usize,
        task: usize,
        min: usize,
        wait: bool,
        choose: impl FnOnce(&mut Rng, usize, usize) -> (usize, usize),
    ) -> Result<ReadRes, Failure> {
        let op = if wait { Op::PollRead { min } } else { Op::TryRead };
        let expected = self.apply(p, &op);
        let Some(mut reader) = self.pipes[p].reader.take() else {
            return Ok(ReadRes::Failed(PipeError::ReaderCompleted));
        };
        let result = self.read_with(&mut reader, p, task, min, wait, expected, choose);
        self.pipes[p].reader = Some(reader);
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn read_with(
        &mut self,
        reader: &mut PipeReader,
        p: usize,
        task: usize,
        min: usize,
        wait: bool,
        expected: Outcome,
        choose: impl FnOnce(&mut Rng, usize, usize) -> (usize, usize),
    ) -> Result<ReadRes, Failure> {
        let actual = sched::poll_read(reader, &self.core.wakers[task], min, wait);
        let step = self.core.step;
        let mismatch = |actual: String| {
            Err(Failure {
                step,
                kind: "mismatch",
                message: format!(
                    "pipe {p}: read(min {min}, wait {wait}): model says {expected:?}, pipe answered {actual}"
                ),
            })
        };
        match (&expected, actual) {
            (Outcome::ReadPending, Poll::Pending) => {
                self.core.ev("read-pending", p as u64, min as u64);
                Ok(ReadRes::Pending)
            }
            (Outcome::Err(e), Poll::Ready(Err(a))) if same_error(e, &a) => {
                self.core.ev("read-error", p as u64, 0);
                Ok(ReadRes::Failed(a))
            }
            (Outcome::Read(model), Poll::Ready(Ok(result))) => {
                let buffer = result.buffer();
                let (completed, canceled) = (result.is_completed(), result.is_canceled());
                let bytes = buffer.to_vec();
                let start = buffer.start().offset();
                let pipe = &self.pipes[p];
                let logged = usize::try_from(start).ok().and_then(|s| pipe.log.get(s..s + bytes.len())).unwrap_or(&[]);
                let same = model.completed == completed
                    && model.canceled == canceled
                    && model.start == start
                    && model.bytes.len() == bytes.len()
                    && (!pipe.pattern || model.bytes == bytes)
                    && logged == bytes.as_slice();
                if !same {
                    return mismatch(format!(
                        "Read {{ start: {start}, len: {}, completed: {completed}, canceled: {canceled} }} \
                         (bytes match the writer's log: {})",
                        bytes.len(),
                        logged == bytes.as_slice()
                    ));
                }
                let len = bytes.len();
                // `slice` and `slice_positions` of a random range (S2, S3).
                if let Err(SliceMismatch { how, a, b, got, want }) =
                    sched::check_slices(&mut self.core.rng, &buffer, &bytes)
                {
                    return self.core.err(
                        "mismatch",
                        format!("pipe {p}: {how}({a}, {b}) of a {len}-byte buffer: {got:?}, expected {want:?}"),
                    );
                }
                let pipe = &self.pipes[p];
                let previous = usize::try_from(pipe.model.examined().saturating_sub(start)).unwrap_or(len).min(len);
                let (k, e) = choose(&mut self.core.rng, len, previous);
                let position = |offset: usize| {
                    buffer.get_position(offset).map_err(|e| Failure {
                        step,
                        kind: "mismatch",
                        message: format!("pipe {p}: get_position({offset}) of a {len}-byte buffer failed: {e}"),
                    })
                };
                let (consumed, examined) = (position(k)?, position(e)?);
                if buffer.chunks().count() >= 3 {
                    self.core.coverage.hit(Mark::ReadSpans3Segments);
                }
                self.core.ev("read", p as u64, len as u64);
                Ok(ReadRes::Data { bytes, k, consumed, examined, completed })
            }
            (_, actual) => mismatch(sched::describe_read(actual)),
        }
    }

    fn advance_to(&mut self, p: usize, consumed: Position, examined: Position) -> Check {
        let expected = self.apply(
            p,
            &Op::AdvanceTo {
                consumed: consumed.offset(),
                examined: examined.offset(),
                consumed_foreign: false,
                examined_foreign: false,
            },
        );
        let actual = self.pipes[p].reader.as_mut().map_or(Ok(()), |r| r.advance_to(consumed, examined));
        self.core.ev("advance-to", p as u64, consumed.offset());
        match (&expected, &actual) {
            (Outcome::Done, Ok(())) => Ok(()),
            _ => self.core.err("mismatch", format!("pipe {p}: advance_to: model {expected:?}, pipe {actual:?}")),
        }
    }

    // ------------------------------------------------------------ tasks

    fn set_source(&mut self, task: usize, new: SourceState) {
        if let Some(Task::Source { state, .. }) = self.tasks.get_mut(task) {
            *state = new;
        }
    }

    fn source_flushed(&mut self, task: usize, p: usize, r: FlushRes) -> Check {
        match r {
            FlushRes::Pending => self.set_source(task, SourceState::WaitingFlush),
            // The reader is gone: the source stops producing.
            FlushRes::Done { completed: true } | FlushRes::Failed => return self.source_complete(task, p),
            FlushRes::Done { completed: false } => self.set_source(task, SourceState::Active),
        }
        Ok(())
    }

    fn source_complete(&mut self, task: usize, p: usize) -> Check {
        let error = !self.core.draining && self.core.rng.chance(self.cfg.complete_with_error);
        let drop = self.core.rng.chance(self.cfg.drop_instead) && !error;
        self.cut |= error;
        self.complete_writer(p, error, drop);
        self.set_source(task, if drop { SourceState::Gone } else { SourceState::Completed });
        Ok(())
    }

    fn source_step(&mut self, task: usize, p: usize, state: SourceState) -> Check {
        match state {
            SourceState::Active => {
                if self.core.draining {
                    return self.source_complete(task, p);
                }
                let w = &self.cfg.writer_weights;
                match self.core.rng.weighted(&[w[0], w[1], w[2], w[3], w[4]]) {
                    0 | 2 => {
                        let max = self.pipes[p].cfg.max_write;
                        let len = self.core.rng.range(1, max);
                        let start = self.pipes[p].model.flushed_end() + self.pipes[p].model.unflushed();
                        let data: Vec<u8> = (start..start + len as u64).map(pattern_byte).collect();
                        if self.core.rng.chance(500) {
                            let r = self.write(p, task, &data)?;
                            self.source_flushed(task, p, r)
                        } else {
                            self.put(p, &data)
                        }
                    }
                    1 => {
                        let r = self.poll_flush(p, task)?;
                        self.source_flushed(task, p, r)
                    }
                    3 => {
                        self.core.ev("cancel-flush(own)", p as u64, 0);
                        if let Some(w) = &self.pipes[p].writer {
                            w.cancel_pending_flush();
                        }
                        self.apply(p, &Op::CancelPendingFlush);
                        Ok(())
                    }
                    _ => self.source_complete(task, p),
                }
            }
            SourceState::WaitingFlush => {
                if !self.core.draining && self.core.rng.chance(self.cfg.abandon) {
                    self.core.ev("abandon-flush", p as u64, 0);
                    self.core.coverage.hit(Mark::AbandonedFlush);
                    self.set_source(task, SourceState::Active);
                    return Ok(());
                }
                if !self.core.draining && self.core.rng.chance(self.cfg.complete_while_waiting) {
                    self.core.coverage.hit(Mark::CompletionWhileWaiting);
                    return self.source_complete(task, p);
                }
                let r = self.poll_flush(p, task)?;
                self.source_flushed(task, p, r)
            }
            SourceState::Completed => {
                self.core.ev("drop-writer", p as u64, 0);
                self.pipes[p].writer = None;
                self.set_source(task, SourceState::Gone);
                Ok(())
            }
            SourceState::Gone => Ok(()),
        }
    }

    fn set_sink(&mut self, task: usize, new: SinkState) {
        if let Some(Task::Sink { state, .. }) = self.tasks.get_mut(task) {
            *state = new;
        }
    }

    fn sink_complete(&mut self, task: usize, p: usize, at_end: bool) -> Check {
        let error = !at_end && !self.core.draining && self.core.rng.chance(self.cfg.complete_with_error);
        let drop = self.core.rng.chance(self.cfg.drop_instead) && !error;
        if !at_end {
            self.cut = true;
            if let Some(Task::Sink { early, .. }) = self.tasks.get_mut(task) {
                *early = true;
            }
        }
        self.complete_reader(p, error, drop);
        self.set_sink(task, if drop { SinkState::Gone } else { SinkState::Completed });
        Ok(())
    }

    fn sink_read(&mut self, task: usize, p: usize, min: usize, wait: bool) -> Check {
        let style = if self.core.draining { 0 } else { self.core.rng.weighted(&self.cfg.consume_weights) };
        let r = self.read(p, task, min, wait, |rng, len, previous| match style {
            0 => (len, len),
            1 => (rng.range(0, len), len),
            2 | 3 => {
                let k = rng.range(0, len);
                (k, rng.range(k.max(previous), len))
            }
            _ => (0, previous),
        })?;
        match r {
            ReadRes::Pending => {
                if wait {
                    self.set_sink(task, SinkState::WaitingRead { min });
                } else {
                    self.core.coverage.hit(Mark::TryReadNone);
                }
                Ok(())
            }
            ReadRes::Failed(e) => {
                if matches!(e, PipeError::WriterFailed(_)) {
                    self.core.coverage.hit(Mark::ReadWriterFailed);
                    self.core.coverage.hit(Mark::RelayForwardedError);
                    return self.sink_complete(task, p, true);
                }
                self.set_sink(task, SinkState::Active);
                Ok(())
            }
            ReadRes::Data { bytes, k, consumed, examined, completed } => {
                if let Some(Task::Sink { received, .. }) = self.tasks.get_mut(task) {
                    received.extend_from_slice(&bytes[..k]);
                }
                let completed_empty = completed && bytes.is_empty();
                self.set_sink(task, SinkState::Holding { consumed, examined, completed_empty });
                Ok(())
            }
        }
    }

    fn sink_step(&mut self, task: usize, p: usize, state: SinkState) -> Check {
        match state {
            SinkState::Active => {
                if self.core.draining {
                    return self.sink_read(task, p, 0, true);
                }
                let w = &self.cfg.reader_weights;
                match self.core.rng.weighted(&[w[0], w[1], w[2], w[3], w[4]]) {
                    1 => {
                        let n = self.core.rng.range(1, self.pipes[p].cfg.pause + 2);
                        self.sink_read(task, p, n, true)
                    }
                    2 => self.sink_read(task, p, 0, false),
                    3 => {
                        self.core.ev("cancel-read(own)", p as u64, 0);
                        if let Some(r) = &self.pipes[p].reader {
                            r.cancel_pending_read();
                        }
                        self.apply(p, &Op::CancelPendingRead);
                        Ok(())
                    }
                    4 => self.sink_complete(task, p, false),
                    _ => self.sink_read(task, p, 0, true),
                }
            }
            SinkState::WaitingRead { min } => {
                if !self.core.draining && self.core.rng.chance(self.cfg.abandon) {
                    self.core.ev("abandon-read", p as u64, 0);
                    self.core.coverage.hit(Mark::AbandonedRead);
                    self.set_sink(task, SinkState::Active);
                    return Ok(());
                }
                if !self.core.draining && self.core.rng.chance(self.cfg.complete_while_waiting) {
                    self.core.coverage.hit(Mark::CompletionWhileWaiting);
                    return self.sink_complete(task, p, false);
                }
                self.sink_read(task, p, min, true)
            }
            SinkState::Holding { consumed, examined, completed_empty } => {
                if completed_empty {
                    return self.sink_complete(task, p, true);
                }
                self.advance_to(p, consumed, examined)?;
                self.set_sink(task, SinkState::Active);
                Ok(())
            }
            SinkState::Completed => {
                self.core.ev("drop-reader", p as u64, 0);
                self.pipes[p].reader = None;
                self.set_sink(task, SinkState::Gone);
                Ok(())
            }
            SinkState::Gone => Ok(()),
        }
    }

    // ------------------------------------------------------------ relay

    fn relay(&mut self, task: usize) -> Option<&mut Relay> {
        match self.tasks.get_mut(task) {
            Some(Task::Relay(r)) => Some(r),
            _ => None,
        }
    }

    fn relay_step(&mut self, task: usize) -> Check {
        let Some(r) = self.relay(task) else {
            return Ok(());
        };
        match r.state {
            RelayState::Read => self.relay_read(task, 0),
            RelayState::WaitingRead { min } => self.relay_read(task, min),
            RelayState::Flushing { pending } => self.relay_flush(task, pending),
            RelayState::Gone => Ok(()),
        }
    }

    /// Completes whatever the relay still holds; `error` forwards a source's
    /// failure to the outputs.
    fn relay_shutdown(&mut self, task: usize, error: bool) {
        let Some(r) = self.relay(task) else { return };
        let srcs: Vec<usize> = r.srcs.iter().enumerate().filter(|&(i, _)| !r.src_done[i]).map(|(_, &p)| p).collect();
        let dests: Vec<usize> = r.dests.iter().enumerate().filter(|&(i, _)| r.dest_open[i]).map(|(_, &p)| p).collect();
        r.state = RelayState::Gone;
        for p in srcs {
            self.complete_reader(p, false, true);
        }
        for p in dests {
            self.complete_writer(p, error, true);
        }
    }

    fn relay_read(&mut self, task: usize, min: usize) -> Check {
        let fan_in = self.fan_in();
        let Some(r) = self.relay(task) else {
            return Ok(());
        };
        if r.src_done.iter().take(r.srcs.len()).all(|&d| d) {
            let propagated = r.dest_open.iter().take(r.dests.len()).any(|&o| o);
            self.relay_shutdown(task, false);
            if propagated {
                self.core.coverage.hit(if fan_in {
                    Mark::FanInCompletionPropagated
                } else {
                    Mark::TeeCompletionPropagated
                });
            }
            return Ok(());
        }
        if r.src_done[r.cur] {
            r.cur = 1 - r.cur;
        }
        let (cur, src) = (r.cur, r.srcs[r.cur]);
        let min = if min == 0 && !self.core.draining && self.core.rng.chance(150) {
            self.core.rng.range(1, self.pipes[src].cfg.pause.max(1))
        } else {
            min
        };
        let draining = self.core.draining;
        let result = self.read(src, task, min, true, |rng, len, _| {
            // Examine everything, consume all or part: a relay that keeps a
            // tail for later still moves on.
            if draining || rng.chance(600) {
                (len, len)
            } else {
                (rng.range(0, len), len)
            }
        })?;
        match result {
            ReadRes::Pending => {
                if fan_in {
                    self.core.coverage.hit(Mark::FanInRelayWaitedForSource);
                }
                if let Some(r) = self.relay(task) {
                    r.state = RelayState::WaitingRead { min };
                }
                Ok(())
            }
            ReadRes::Failed(e) => {
                if matches!(e, PipeError::WriterFailed(_)) {
                    // Forward the failure: complete the outputs with an error.
                    self.cut = true;
                    if let Some(r) = self.relay(task) {
                        r.src_done[cur] = true;
                    }
                    self.complete_reader(src, false, true);
                    self.relay_shutdown(task, true);
                    return Ok(());
                }
                self.core.err("mismatch", format!("relay read on pipe {src} failed: {e:?}"))
            }
            ReadRes::Data { bytes, k, consumed, examined, completed } => {
                self.advance_to(src, consumed, examined)?;
                let chunk = &bytes[..k];
                let Some(r) = self.relay(task) else {
                    return Ok(());
                };
                if completed && k == bytes.len() {
                    r.src_done[cur] = true;
                }
                let switched = k > 0 && fan_in && r.last_src.is_some_and(|l| l != cur);
                if k > 0 && fan_in {
                    r.last_src = Some(cur);
                    r.record.push((cur, k));
                }
                if fan_in && !r.src_done[1 - cur] {
                    r.cur = 1 - cur;
                }
                let src_done = r.src_done[cur];
                let dests: Vec<(usize, usize)> =
                    r.dests.iter().copied().enumerate().filter(|&(i, _)| r.dest_open[i]).collect();
                if switched {
                    self.core.coverage.hit(Mark::FanInRelaySwitchedSources);
                }
                if src_done {
                    self.complete_reader(src, false, true);
                }
                let mut pending = [false; 2];
                if !chunk.is_empty() {
                    for (i, p) in dests {
                        let res = if self.core.rng.chance(500) {
                            self.write(p, task, chunk)?
                        } else {
                            self.put(p, chunk)?;
                            self.poll_flush(p, task)?
                        };
                        pending[i] = self.relay_flushed(task, i, p, res);
                    }
                }
                self.relay_after_flush(task, pending);
                Ok(())
            }
        }
    }

    /// Handles one dest's flush result; `true` while it is pending.
    fn relay_flushed(&mut self, task: usize, i: usize, p: usize, res: FlushRes) -> bool {
        match res {
            FlushRes::Pending => true,
            FlushRes::Done { completed: false } => false,
            FlushRes::Done { completed: true } | FlushRes::Failed => {
                // That branch's reader is gone: stop writing to it.
                self.complete_writer(p, false, true);
                if let Some(r) = self.relay(task) {
                    r.dest_open[i] = false;
                    if r.dests.len() == 2 && r.dest_open[1 - i] {
                        self.core.coverage.hit(Mark::TeeBranchClosedEarly);
                    }
                }
                false
            }
        }
    }

    fn relay_after_flush(&mut self, task: usize, pending: [bool; 2]) {
        let Some(r) = self.relay(task) else { return };
        if r.dest_open.iter().take(r.dests.len()).all(|&o| !o) {
            // Every output's reader is gone: release the sources.
            self.relay_shutdown(task, false);
            return;
        }
        let waiting = pending.iter().filter(|&&p| p).count();
        r.state = if waiting > 0 { RelayState::Flushing { pending } } else { RelayState::Read };
        if waiting == 1 && r.dests.len() == 2 && r.dest_open.iter().all(|&o| o) {
            self.core.coverage.hit(Mark::TeeRelayPausedByOneBranch);
        }
    }

    fn relay_flush(&mut self, task: usize, mut pending: [bool; 2]) -> Check {
        let Some(r) = self.relay(task) else {
            return Ok(());
        };
        let dests = r.dests.clone();
        for (i, p) in dests.into_iter().enumerate() {
            if pending[i] {
                let res = self.poll_flush(p, task)?;
                pending[i] = self.relay_flushed(task, i, p, res);
            }
        }
        self.relay_after_flush(task, pending);
        Ok(())
    }

    // ------------------------------------------------------------ checks
}
