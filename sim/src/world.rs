//! What the tasks act on: the scheduler's state and the pipes under test,
//! each driven against its own reference model by [`models::driver`]; the
//! calls and checks every task and scenario shares.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use models::driver::{check_slices, By, Checked, Driver, FlushPoll, Mismatch, ReadPoll, Wait};
use models::reference::Event;
use pipe_core::{Position, Sequence};

use crate::config::{Config, PipeConfig};
use crate::coverage::Mark;
use crate::pool::PoolCounts;
use crate::report::Failure;
use crate::sched::{Check, Core};

/// One pipe under test.
pub(crate) struct Pipe {
    pub(crate) cfg: PipeConfig,
    pub(crate) driver: Driver,
    /// Names the pipe in messages (`""` for the single pipe).
    pub(crate) name: String,
    pub(crate) pool: Arc<Mutex<PoolCounts>>,
}

/// A resolved read a task holds until its `advance_to`.
pub(crate) struct Held {
    /// The buffer's bytes.
    pub(crate) bytes: Vec<u8>,
    /// Bytes it consumes.
    pub(crate) k: usize,
    pub(crate) start: Position,
    pub(crate) consumed: Position,
    pub(crate) examined: Position,
    pub(crate) completed: bool,
    pub(crate) canceled: bool,
}

/// One half of a pipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Half {
    Writer,
    Reader,
}

/// How a waiting task gives up (faults of the fault phase).
pub(crate) enum GiveUp {
    /// It drops its future (cancel at an await point).
    Abandon,
    /// It completes its half mid-operation.
    Complete,
}

/// The scheduler's state and the pipes.
pub(crate) struct World {
    pub(crate) cfg: Config,
    pub(crate) core: Core,
    pub(crate) pipes: Vec<Pipe>,
    /// A completion with an error or before the end of the stream happened:
    /// a topology's readers may get a prefix only.
    pub(crate) cut: bool,
    /// `(task, pipe, what it waits for)`, as of the last snapshot (before
    /// the faults, before a task's step, and for the liveness check).
    pub(crate) waits: Vec<(usize, usize, Wait)>,
}

impl World {
    /// Operations applied to every pipe so far.
    pub(crate) fn ops(&self) -> usize {
        self.pipes.iter().map(|p| p.driver.ops).sum()
    }

    /// Whether some task waits on pipe `p` for `read` (or a flush).
    fn waits_on(&self, p: usize, read: bool) -> bool {
        self.waits.iter().any(|&(_, q, w)| q == p && matches!(w, Wait::Read { .. }) == read)
    }

    /// Faults of the fault phase: a spurious wake, a cancel of a pipe's
    /// read or flush from a third task (through its cancel handle).
    pub(crate) fn chaos(&mut self, tasks: usize) -> Check {
        if self.core.rng.chance(self.cfg.spurious_wake) {
            let task = self.core.rng.below(tasks as u64) as usize;
            self.core.ev("spurious-wake", task as u64, 0);
            self.core.coverage.hit(Mark::SpuriousWake);
            self.core.woken[task] = true;
        }
        for read in [true, false] {
            if self.core.rng.chance(if read { self.cfg.cancel_read } else { self.cfg.cancel_flush }) {
                // One pipe has nothing to choose: no draw.
                let p = if self.pipes.len() > 1 { self.core.rng.below(self.pipes.len() as u64) as usize } else { 0 };
                if self.waits_on(p, read) {
                    self.core.coverage.hit(if read { Mark::CancelWhileReadWaits } else { Mark::CancelWhileFlushWaits });
                }
                let driver = &mut self.pipes[p].driver;
                if read {
                    driver.cancel_read(By::Handle);
                    self.core.ev("cancel-read(handle)", p as u64, 0);
                } else {
                    driver.cancel_flush(By::Handle);
                    self.core.ev("cancel-flush(handle)", p as u64, 0);
                }
            }
        }
        Ok(())
    }

    /// Whether a task waiting on pipe `p` (a read, or a flush) gives up now.
    pub(crate) fn give_up(&mut self, p: usize, read: bool) -> Option<GiveUp> {
        if !self.core.draining && self.core.rng.chance(self.cfg.abandon) {
            self.core.ev(if read { "abandon-read" } else { "abandon-flush" }, p as u64, 0);
            self.core.coverage.hit(if read { Mark::AbandonedRead } else { Mark::AbandonedFlush });
            return Some(GiveUp::Abandon);
        }
        if !self.core.draining && self.core.rng.chance(self.cfg.complete_while_waiting) {
            self.core.coverage.hit(Mark::CompletionWhileWaiting);
            return Some(GiveUp::Complete);
        }
        None
    }

    /// Completes pipe `p`'s `half`: by dropping it (`drop` without
    /// `error`) or with `complete`, then dropped too when `drop`.
    pub(crate) fn complete(&mut self, p: usize, half: Half, error: bool, drop: bool) {
        // The other half waits on this one.
        if self.waits_on(p, half == Half::Writer) {
            self.core.coverage.hit(Mark::CompletionWhileWaiting);
        }
        let driver = &mut self.pipes[p].driver;
        match (half, drop && !error) {
            (Half::Writer, true) => driver.drop_writer(),
            (Half::Reader, true) => driver.drop_reader(),
            (Half::Writer, false) => {
                driver.complete_writer(error);
                if drop {
                    driver.writer = None;
                }
            }
            (Half::Reader, false) => {
                driver.complete_reader(error);
                if drop {
                    driver.reader = None;
                }
            }
        }
        if error && half == Half::Writer {
            self.core.coverage.hit(Mark::WriterFailed);
        }
    }

    /// One read poll on pipe `p` by `task`. A resolved buffer is checked
    /// (against the model, the writer's bytes and, on a random range, its
    /// own slices: S2, S3); `choose(core, buffer, previously examined)`
    /// then picks how far to consume and examine.
    pub(crate) fn read(
        &mut self,
        p: usize,
        task: usize,
        min: usize,
        wait: bool,
        choose: impl FnOnce(&mut Core, &Sequence<'_>, usize) -> Checked<(usize, usize)>,
    ) -> Result<ReadPoll<Held>, Failure> {
        let Self { core, pipes, .. } = self;
        let waker = core.wakers[task].clone();
        let Pipe { driver, name, .. } = &mut pipes[p];
        let name = &*name;
        let poll = driver.read(&waker, min, wait, |result, got, model| {
            let buffer = result.buffer();
            let bytes = got.bytes;
            let len = bytes.len();
            let a = core.rng.range(0, len);
            let b = core.rng.range(a, len);
            check_slices(&buffer, &bytes, a, b)
                .map_err(|m| Mismatch { message: format!("{name}{}", m.message), ..m })?;
            let start = buffer.start();
            let previous = usize::try_from(model.examined().saturating_sub(start.offset())).unwrap_or(len).min(len);
            let (k, e) = choose(core, &buffer, previous)?;
            let position = |offset: usize| {
                buffer.get_position(offset).map_err(|e| Mismatch {
                    kind: "mismatch",
                    message: format!("{name}get_position({offset}) of a {len}-byte buffer failed: {e}"),
                })
            };
            let (consumed, examined) = (position(k)?, position(e)?);
            if buffer.chunks().count() >= 3 {
                core.coverage.hit(Mark::ReadSpans3Segments);
            }
            if k == 0 && e == len && len > 0 {
                core.coverage.hit(Mark::ExaminedAllConsumedNothing);
            }
            Ok(Held {
                bytes,
                k,
                start,
                consumed,
                examined,
                completed: result.is_completed(),
                canceled: result.is_canceled(),
            })
        });
        self.core.checked(poll)
    }

    // The calls of the topology tasks (sources, relays, sinks), with their
    // events; the single pipe's tasks record theirs in their own format.

    /// [`complete`](Self::complete), recorded.
    pub(crate) fn end(&mut self, p: usize, half: Half, error: bool, drop: bool) {
        let (dropped, completed) = match half {
            Half::Writer => ("drop-writer", "complete-writer"),
            Half::Reader => ("drop-reader", "complete-reader"),
        };
        if drop && !error {
            self.core.ev(dropped, p as u64, 0);
        } else {
            self.core.ev(completed, p as u64, u64::from(error));
        }
        self.complete(p, half, error, drop);
    }

    /// Commits `data` into pipe `p` with `get_memory`/`advance` (no flush),
    /// sometimes asking for less memory than is left.
    pub(crate) fn put(&mut self, p: usize, data: &[u8]) -> Check {
        let mut done = 0;
        while done < data.len() {
            let left = data.len() - done;
            let hint = if self.core.rng.chance(300) { self.core.rng.range(0, left) } else { left };
            let got = self.pipes[p].driver.get_memory(hint, Some(&data[done..]));
            let n = match self.core.checked(got)? {
                Ok(len) => len.min(left),
                Err(e) => return self.core.err("mismatch", format!("pipe {p}: get_memory({hint}) failed: {e:?}")),
            };
            let advanced = self.pipes[p].driver.advance(n);
            self.core.ev("advance", p as u64, n as u64);
            if let Err(e) = self.core.checked(advanced)? {
                return self.core.err("mismatch", format!("pipe {p}: advance({n}) failed: {e:?}"));
            }
            done += n;
        }
        self.core.checked(self.pipes[p].driver.check_unflushed())
    }

    /// `write(data)` on pipe `p`, polled once by `task`.
    pub(crate) fn write(&mut self, p: usize, task: usize, data: &[u8]) -> Result<FlushPoll, Failure> {
        let poll = self.pipes[p].driver.write(data, &self.core.wakers[task]);
        self.core.ev("write", p as u64, data.len() as u64);
        self.core.checked(poll)
    }

    /// One `poll_flush` on pipe `p` by `task`.
    pub(crate) fn poll_flush(&mut self, p: usize, task: usize) -> Result<FlushPoll, Failure> {
        let poll = self.core.checked(self.pipes[p].driver.poll_flush(&self.core.wakers[task]))?;
        self.core.ev("poll-flush", p as u64, u64::from(!matches!(poll, FlushPoll::Pending)));
        Ok(poll)
    }

    /// `advance_to(consumed, examined)` on pipe `p`; must succeed.
    pub(crate) fn advance_to(&mut self, p: usize, consumed: Position, examined: Position) -> Check {
        let done = self.pipes[p].driver.advance_to((consumed, false), (examined, false));
        self.core.ev("advance-to", p as u64, consumed.offset());
        match self.core.checked(done)? {
            Ok(()) => Ok(()),
            Err(e) => self.core.err("mismatch", format!("pipe {p}: advance_to failed: {e:?}")),
        }
    }

    /// After a step: every pipe's counters against its model, M1, M2; the
    /// models' events become coverage marks.
    pub(crate) fn check_pipes(&mut self) -> Check {
        for pipe in &mut self.pipes {
            for event in pipe.driver.model.take_events() {
                match event {
                    Event::Paused { exact } => {
                        self.core.coverage.hit(Mark::WriterPaused);
                        if exact {
                            self.core.coverage.hit(Mark::PausedAtExactThreshold);
                        }
                    }
                    Event::ResumedByAdvance => self.core.coverage.hit(Mark::ResumedByAdvance),
                    Event::ResumedByReadAtLeast => self.core.coverage.hit(Mark::ResumedByReadAtLeast),
                    Event::ResumedByReaderCompletion => self.core.coverage.hit(Mark::ResumedByReaderCompletion),
                    Event::ReaderWoken => {}
                }
            }
        }
        for pipe in &self.pipes {
            self.core.checked(pipe.driver.check())?;
            let pause = pipe.cfg.pause;
            if pipe.driver.model.unexamined() > pause as u64 && pause > 0 {
                self.core.coverage.hit(Mark::AbovePause);
            }
        }
        Ok(())
    }

    /// C2: a task waiting, with no wake on its way, for an event its pipe's
    /// model says happened lost a wakeup.
    pub(crate) fn check_liveness(&self, describe: impl Fn() -> String) -> Check {
        for &(task, p, wait) in &self.waits {
            if !self.core.wake_pending(task) && self.pipes[p].driver.would_resolve(wait) {
                return self.core.err(
                    "lost-wakeup",
                    format!("task {task} waits for an event its pipe's model says happened; {}", describe()),
                );
            }
        }
        Ok(())
    }

    /// End of run for every pool: every segment back (M3).
    pub(crate) fn check_pools(&mut self) -> Check {
        for pipe in &mut self.pipes {
            let counts = pipe.pool.lock().map(|c| *c).unwrap_or_default();
            if counts.returns != counts.rents + counts.shorts {
                return self.core.err(
                    "m3",
                    format!(
                        "{}M3: {} segments rented, {} short, {} given back",
                        pipe.name, counts.rents, counts.shorts, counts.returns
                    ),
                );
            }
            if counts.dry > 0 {
                self.core.coverage.hit(Mark::PoolRanDry);
            }
            if counts.shorts > 0 {
                self.core.coverage.hit(Mark::PoolShortSegment);
            }
        }
        Ok(())
    }

    /// Every pipe's model state, for failure messages.
    pub(crate) fn describe(&self, s: &mut String) {
        for (i, p) in self.pipes.iter().enumerate() {
            let m = &p.driver.model;
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
    }
}
