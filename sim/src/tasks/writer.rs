//! The single pipe's writer: every writer call, misuse included (W1–W9).

use models::driver::{pattern, By, FlushPoll};
use pipe_core::PipeError;

use crate::coverage::Mark;
use crate::sched::Check;
use crate::tasks::state::WriterState;
use crate::world::{GiveUp, Half, World};

/// A writer task: `get_memory`+`advance` (sometimes less than asked,
/// sometimes in two parts), `poll_flush`, `write`, cancel, complete with or
/// without error, drop, and wrong calls.
#[derive(Debug)]
pub(crate) struct Writer {
    pub(crate) pipe: usize,
    pub(crate) state: WriterState,
}

impl Writer {
    /// One step of the task `me`.
    pub(crate) fn step(&mut self, me: usize, w: &mut World) -> Check {
        let p = self.pipe;
        match self.state {
            WriterState::Active => {
                if w.core.draining {
                    return self.complete(w);
                }
                match w.core.rng.weighted(&w.cfg.writer_weights) {
                    0 => self.get_advance(w, false),
                    1 => self.poll_flush(me, w),
                    2 => self.write(me, w),
                    3 => {
                        w.core.ev("cancel-flush(own)", p as u64, 0);
                        w.pipes[p].driver.cancel_flush(By::Own);
                        Ok(())
                    }
                    4 => self.complete(w),
                    _ => self.get_advance(w, true),
                }
            }
            WriterState::WaitingFlush => match w.give_up(p, false) {
                Some(GiveUp::Abandon) => {
                    self.state = WriterState::Active;
                    Ok(())
                }
                Some(GiveUp::Complete) => self.complete(w),
                None => self.poll_flush(me, w),
            },
            WriterState::Completed => {
                if !w.core.draining && w.core.rng.chance(500) {
                    return self.misuse_after_complete(me, w);
                }
                w.core.ev("drop-writer", p as u64, 0);
                w.pipes[p].driver.writer = None;
                self.state = WriterState::Gone;
                Ok(())
            }
            WriterState::Gone => Ok(()),
        }
    }

    /// A call after completion must fail as the model says (W8).
    fn misuse_after_complete(&mut self, me: usize, w: &mut World) -> Check {
        let p = self.pipe;
        let call = w.core.rng.below(4);
        w.core.ev("writer-misuse-after-complete", w.ops() as u64, 0);
        let waker = &w.core.wakers[me];
        let driver = &mut w.pipes[p].driver;
        match call {
            0 => w.core.checked(driver.get_memory(1, None)).map(drop),
            1 => w.core.checked(driver.advance(0)).map(drop),
            2 => w.core.checked(driver.write(&[0], waker)).map(drop),
            _ => w.core.checked(driver.poll_flush(waker)).map(drop),
        }
    }

    fn get_advance(&mut self, w: &mut World, misuse: bool) -> Check {
        let p = self.pipe;
        let cfg = w.pipes[p].cfg;
        let hint = match w.core.rng.below(4) {
            0 => 0,
            1 => w.core.rng.range(1, cfg.max_write),
            2 => w.core.rng.range(1, 3 * cfg.min_segment + 2),
            _ => 1,
        };
        let got = w.pipes[p].driver.get_memory(hint, None);
        let len = match w.core.checked(got)? {
            Ok(len) => len,
            Err(e) => return w.core.err("mismatch", format!("get_memory({hint}) failed: {e:?}")),
        };
        w.core.ev("get-memory", hint as u64, len as u64);
        if misuse {
            // Past the memory (W2).
            let n = len + 1 + w.core.rng.below(3) as usize;
            w.core.coverage.hit(Mark::MisuseWriter);
            let done = w.pipes[p].driver.advance(n);
            w.core.ev("advance-too-far", n as u64, 0);
            let _agreed = w.core.checked(done)?;
        }
        // Advance less than asked, sometimes nothing, in one or two steps.
        let n = match w.core.rng.below(3) {
            0 => len.min(hint.max(1)),
            1 => w.core.rng.range(0, len),
            _ => len,
        };
        let first = if w.core.rng.chance(300) { w.core.rng.range(0, n) } else { n };
        for part in [first, n - first] {
            if part == 0 && first != 0 {
                continue;
            }
            let done = w.pipes[p].driver.advance(part);
            w.core.ev("advance", part as u64, 0);
            let _agreed = w.core.checked(done)?;
        }
        w.core.checked(w.pipes[p].driver.check_unflushed())
    }

    fn flushed(&mut self, w: &mut World, what: &str, poll: FlushPoll) {
        let was_waiting = self.state == WriterState::WaitingFlush;
        match poll {
            FlushPoll::Pending => {
                w.core.ev(what, 0, 0);
                if w.pipes[self.pipe].driver.model.unexamined() > 0 && !was_waiting {
                    w.core.coverage.hit(Mark::FlushWaited);
                }
                self.state = WriterState::WaitingFlush;
            }
            FlushPoll::Done(outcome) => {
                let (completed, canceled) = (outcome.completed, outcome.canceled);
                w.core.ev(what, 1 + u64::from(completed), u64::from(canceled));
                if canceled && was_waiting {
                    w.core.coverage.hit(Mark::FlushWokenByCancel);
                }
                if completed {
                    w.core.coverage.hit(Mark::FlushAfterReaderCompleted);
                }
                if was_waiting && !canceled && !completed {
                    w.core.coverage.hit(Mark::FlushResumed);
                }
                self.state = WriterState::Active;
            }
            FlushPoll::Failed(e) => {
                w.core.ev(what, 9, 0);
                if matches!(e, PipeError::ReaderFailed(_)) {
                    w.core.coverage.hit(Mark::FlushReaderFailed);
                }
                self.state = WriterState::Active;
            }
        }
    }

    fn poll_flush(&mut self, me: usize, w: &mut World) -> Check {
        let poll = w.pipes[self.pipe].driver.poll_flush(&w.core.wakers[me]);
        let poll = w.core.checked(poll)?;
        self.flushed(w, "poll-flush", poll);
        Ok(())
    }

    fn write(&mut self, me: usize, w: &mut World) -> Check {
        let p = self.pipe;
        let cfg = w.pipes[p].cfg;
        let len = match w.core.rng.below(3) {
            0 => 1,
            1 => w.core.rng.range(1, cfg.max_write),
            _ => w.core.rng.range(1, 4 * cfg.min_segment),
        };
        let data = pattern(w.pipes[p].driver.end(), len);
        let poll = w.pipes[p].driver.write(&data, &w.core.wakers[me]);
        let poll = w.core.checked(poll)?;
        self.flushed(w, "write", poll);
        Ok(())
    }

    fn complete(&mut self, w: &mut World) -> Check {
        let error = !w.core.draining && w.core.rng.chance(w.cfg.complete_with_error);
        let drop = w.core.rng.chance(w.cfg.drop_instead) && !error;
        if drop {
            w.core.ev("drop-writer", self.pipe as u64, 0);
        } else {
            w.core.ev("complete-writer", u64::from(error), 0);
        }
        w.complete(self.pipe, Half::Writer, error, drop);
        self.state = if drop { WriterState::Gone } else { WriterState::Completed };
        Ok(())
    }
}
