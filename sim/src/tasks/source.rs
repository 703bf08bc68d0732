//! A topology's source: writes pattern bytes into its pipe.

use models::driver::{pattern, By, FlushPoll};

use crate::sched::Check;
use crate::tasks::state::WriterState;
use crate::world::{GiveUp, Half, World};

/// A source writer: pattern bytes by `get_memory`/`advance` or `write`, a
/// flush cadence, cancel, complete at a random point (with or without
/// error) or drop; it stops when its reader is gone.
#[derive(Debug)]
pub(crate) struct Source {
    pub(crate) pipe: usize,
    pub(crate) state: WriterState,
}

impl Source {
    /// One step of the task `me`.
    pub(crate) fn step(&mut self, me: usize, w: &mut World) -> Check {
        let p = self.pipe;
        match self.state {
            WriterState::Active => {
                if w.core.draining {
                    return self.complete(w);
                }
                let weights = &w.cfg.writer_weights;
                match w.core.rng.weighted(&weights[..5]) {
                    0 | 2 => {
                        let len = w.core.rng.range(1, w.pipes[p].cfg.max_write);
                        let data = pattern(w.pipes[p].driver.end(), len);
                        if w.core.rng.chance(500) {
                            let poll = w.write(p, me, &data)?;
                            self.flushed(w, poll)
                        } else {
                            w.put(p, &data)
                        }
                    }
                    1 => {
                        let poll = w.poll_flush(p, me)?;
                        self.flushed(w, poll)
                    }
                    3 => {
                        w.core.ev("cancel-flush(own)", p as u64, 0);
                        w.pipes[p].driver.cancel_flush(By::Own);
                        Ok(())
                    }
                    _ => self.complete(w),
                }
            }
            WriterState::WaitingFlush => match w.give_up(p, false) {
                Some(GiveUp::Abandon) => {
                    self.state = WriterState::Active;
                    Ok(())
                }
                Some(GiveUp::Complete) => self.complete(w),
                None => {
                    let poll = w.poll_flush(p, me)?;
                    self.flushed(w, poll)
                }
            },
            WriterState::Completed => {
                w.core.ev("drop-writer", p as u64, 0);
                w.pipes[p].driver.writer = None;
                self.state = WriterState::Gone;
                Ok(())
            }
            WriterState::Gone => Ok(()),
        }
    }

    fn flushed(&mut self, w: &mut World, poll: FlushPoll) -> Check {
        match poll {
            FlushPoll::Pending => self.state = WriterState::WaitingFlush,
            // The reader is gone: the source stops producing.
            FlushPoll::Done(o) if o.completed => return self.complete(w),
            FlushPoll::Failed(_) => return self.complete(w),
            FlushPoll::Done(_) => self.state = WriterState::Active,
        }
        Ok(())
    }

    fn complete(&mut self, w: &mut World) -> Check {
        let error = !w.core.draining && w.core.rng.chance(w.cfg.complete_with_error);
        let drop = w.core.rng.chance(w.cfg.drop_instead) && !error;
        w.cut |= error;
        w.end(self.pipe, Half::Writer, error, drop);
        self.state = if drop { WriterState::Gone } else { WriterState::Completed };
        Ok(())
    }
}
