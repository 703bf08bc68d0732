//! A topology's sink: drains its pipe and keeps what it received.

use models::driver::{By, ReadPoll};
use pipe_core::PipeError;

use crate::coverage::Mark;
use crate::sched::Check;
use crate::tasks::state::ReaderState;
use crate::world::{GiveUp, Half, World};

/// A sink reader: read, `read_at_least`, `try_read`, partial consume,
/// examine ahead, cancel, complete early, abandon a waiting read.
#[derive(Debug)]
pub(crate) struct Sink {
    pub(crate) pipe: usize,
    pub(crate) state: ReaderState,
    /// Every byte consumed, in order (checked end to end).
    pub(crate) received: Vec<u8>,
}

impl Sink {
    /// The sink of pipe `pipe`.
    pub(crate) fn new(pipe: usize) -> Self {
        Self { pipe, state: ReaderState::Active, received: Vec::new() }
    }

    /// One step of the task `me`.
    pub(crate) fn step(&mut self, me: usize, w: &mut World) -> Check {
        let p = self.pipe;
        match self.state {
            ReaderState::Active => {
                if w.core.draining {
                    return self.read(me, w, 0, true);
                }
                let weights = &w.cfg.reader_weights;
                match w.core.rng.weighted(&weights[..5]) {
                    1 => {
                        let n = w.core.rng.range(1, w.pipes[p].cfg.pause + 2);
                        self.read(me, w, n, true)
                    }
                    2 => self.read(me, w, 0, false),
                    3 => {
                        w.core.ev("cancel-read(own)", p as u64, 0);
                        w.pipes[p].driver.cancel_read(By::Own);
                        Ok(())
                    }
                    4 => self.complete(w, false),
                    _ => self.read(me, w, 0, true),
                }
            }
            ReaderState::WaitingRead { min } => match w.give_up(p, true) {
                Some(GiveUp::Abandon) => {
                    self.state = ReaderState::Active;
                    Ok(())
                }
                Some(GiveUp::Complete) => self.complete(w, false),
                None => self.read(me, w, min, true),
            },
            ReaderState::Holding { consumed, examined, completed_empty } => {
                if completed_empty {
                    return self.complete(w, true);
                }
                w.advance_to(p, consumed, examined)?;
                self.state = ReaderState::Active;
                Ok(())
            }
            ReaderState::Completed => {
                w.core.ev("drop-reader", p as u64, 0);
                w.pipes[p].driver.reader = None;
                self.state = ReaderState::Gone;
                Ok(())
            }
            ReaderState::Gone => Ok(()),
        }
    }

    /// Completes the reader; before the end of the stream, the chain is cut.
    fn complete(&mut self, w: &mut World, at_end: bool) -> Check {
        let error = !at_end && !w.core.draining && w.core.rng.chance(w.cfg.complete_with_error);
        let drop = w.core.rng.chance(w.cfg.drop_instead) && !error;
        if !at_end {
            w.cut = true;
        }
        w.end(self.pipe, Half::Reader, error, drop);
        self.state = if drop { ReaderState::Gone } else { ReaderState::Completed };
        Ok(())
    }

    fn read(&mut self, me: usize, w: &mut World, min: usize, wait: bool) -> Check {
        let p = self.pipe;
        let style = if w.core.draining { 0 } else { w.core.rng.weighted(&w.cfg.consume_weights) };
        let poll = w.read(p, me, min, wait, |core, buffer, previous| {
            let len = buffer.len();
            Ok(match style {
                0 => (len, len),
                1 => (core.rng.range(0, len), len),
                2 | 3 => {
                    let k = core.rng.range(0, len);
                    (k, core.rng.range(k.max(previous), len))
                }
                _ => (0, previous),
            })
        })?;
        match poll {
            ReadPoll::Pending => {
                w.core.ev("read-pending", p as u64, min as u64);
                if wait {
                    self.state = ReaderState::WaitingRead { min };
                } else {
                    w.core.coverage.hit(Mark::TryReadNone);
                }
                Ok(())
            }
            ReadPoll::Failed(e) => {
                w.core.ev("read-error", p as u64, 0);
                if matches!(e, PipeError::WriterFailed(_)) {
                    w.core.coverage.hit(Mark::ReadWriterFailed);
                    w.core.coverage.hit(Mark::RelayForwardedError);
                    return self.complete(w, true);
                }
                self.state = ReaderState::Active;
                Ok(())
            }
            ReadPoll::Ready(held) => {
                w.core.ev("read", p as u64, held.bytes.len() as u64);
                self.received.extend_from_slice(&held.bytes[..held.k]);
                let completed_empty = held.completed && held.bytes.is_empty();
                self.state = ReaderState::Holding { consumed: held.consumed, examined: held.examined, completed_empty };
                Ok(())
            }
        }
    }
}
