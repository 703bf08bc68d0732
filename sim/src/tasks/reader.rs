//! The single pipe's reader: every reader call, misuse included (R1–R13).

use models::driver::{By, Checked, Mismatch, ReadPoll};
use pipe_core::{PipeError, Position, Sequence};

use crate::coverage::Mark;
use crate::sched::{Check, Core};
use crate::tasks::state::ReaderState;
use crate::world::{GiveUp, Half, World};

/// A reader task: `poll_read`, `poll_read_at_least`, `try_read`, cancel,
/// complete, drop; after each read it consumes all, part, a random amount,
/// up to a delimiter, or nothing, and examines at least as far as before;
/// and wrong calls.
#[derive(Debug)]
pub(crate) struct Reader {
    pub(crate) pipe: usize,
    pub(crate) state: ReaderState,
    /// Positions of earlier reads, for stale-position misuse.
    stale: Vec<Position>,
}

impl Reader {
    /// The reader of pipe `pipe`.
    pub(crate) fn new(pipe: usize) -> Self {
        Self { pipe, state: ReaderState::Active, stale: Vec::new() }
    }

    /// One step of the task `me`.
    pub(crate) fn step(&mut self, me: usize, w: &mut World) -> Check {
        let p = self.pipe;
        match self.state {
            ReaderState::Active => {
                if w.core.draining {
                    return self.read(me, w, 0, true);
                }
                match w.core.rng.weighted(&w.cfg.reader_weights) {
                    0 => self.read(me, w, 0, true),
                    1 => {
                        let cfg = w.pipes[p].cfg;
                        let n = match w.core.rng.below(3) {
                            0 => w.core.rng.range(1, cfg.max_write),
                            1 => w.core.rng.range(1, cfg.pause + 2),
                            _ => w.core.rng.range(cfg.pause.max(1), 2 * cfg.pause + cfg.max_write),
                        };
                        self.read(me, w, n, true)
                    }
                    2 => self.read(me, w, 0, false),
                    3 => {
                        w.core.ev("cancel-read(own)", p as u64, 0);
                        w.pipes[p].driver.cancel_read(By::Own);
                        Ok(())
                    }
                    4 => self.complete(w),
                    _ => {
                        // advance_to with no outstanding read (R6).
                        let at = self.last_stale();
                        self.misuse_advance(w, at, at)
                    }
                }
            }
            ReaderState::WaitingRead { min } => match w.give_up(p, true) {
                Some(GiveUp::Abandon) => {
                    self.state = ReaderState::Active;
                    Ok(())
                }
                Some(GiveUp::Complete) => self.complete(w),
                None => self.read(me, w, min, true),
            },
            ReaderState::Holding { consumed, examined, completed_empty } => {
                if !w.core.draining && w.core.rng.chance(300) {
                    return self.holding_misuse(me, w, consumed, examined);
                }
                if completed_empty && (w.core.draining || w.core.rng.chance(500)) {
                    return self.complete(w);
                }
                let done = w.pipes[p].driver.advance_to((consumed, false), (examined, false));
                w.core.ev("advance-to", consumed.offset(), examined.offset());
                let _agreed = w.core.checked(done)?;
                self.state = ReaderState::Active;
                Ok(())
            }
            ReaderState::Completed => {
                if !w.core.draining && w.core.rng.chance(500) {
                    w.core.ev("reader-misuse-after-complete", 0, 0);
                    let at = self.last_stale();
                    return self.misuse_advance(w, at, at);
                }
                w.core.ev("drop-reader", p as u64, 0);
                w.pipes[p].driver.reader = None;
                self.state = ReaderState::Gone;
                Ok(())
            }
            ReaderState::Gone => Ok(()),
        }
    }

    /// The last position of an earlier read, or a foreign one.
    fn last_stale(&self) -> (Position, bool) {
        self.stale.last().map_or((foreign_position(0), true), |&p| (p, false))
    }

    /// `advance_to` with positions that may be wrong; `(position, foreign)`.
    fn misuse_advance(&mut self, w: &mut World, consumed: (Position, bool), examined: (Position, bool)) -> Check {
        w.core.coverage.hit(Mark::MisuseReader);
        let done = w.pipes[self.pipe].driver.advance_to(consumed, examined);
        w.core.ev("misuse-advance-to", consumed.0.offset(), examined.0.offset());
        if w.core.checked(done)?.is_ok() {
            // A stale position that is still inside the buffer is valid (S2):
            // the read is no longer outstanding.
            self.state = ReaderState::Active;
        }
        Ok(())
    }

    fn holding_misuse(&mut self, me: usize, w: &mut World, consumed: Position, examined: Position) -> Check {
        match w.core.rng.below(5) {
            0 => {
                // A second read while one is outstanding.
                let read = w.pipes[self.pipe].driver.read(&w.core.wakers[me], 0, false, |_, _, _| Ok(()));
                w.core.ev("second-read", 0, 0);
                w.core.coverage.hit(Mark::MisuseReader);
                match w.core.checked(read)? {
                    ReadPoll::Failed(_) => Ok(()),
                    _ => w.core.err("mismatch", "a second read while one is outstanding succeeded".into()),
                }
            }
            1 if consumed.offset() < examined.offset() => self.misuse_advance(w, (examined, false), (consumed, false)),
            2 => {
                let foreign = foreign_position(w.core.rng.below(4) as usize);
                if w.core.rng.chance(500) {
                    self.misuse_advance(w, (consumed, false), (foreign, true))
                } else {
                    self.misuse_advance(w, (foreign, true), (examined, false))
                }
            }
            3 => match self.stale.get(w.core.rng.below(self.stale.len() as u64 + 1) as usize).copied() {
                Some(p) => self.misuse_advance(w, (p, false), (max_by_offset(examined, p), false)),
                None => Ok(()),
            },
            _ => {
                let examined_at = w.pipes[self.pipe].driver.model.examined();
                match self.stale.iter().rev().find(|p| p.offset() < examined_at).copied() {
                    Some(p) if p.offset() >= consumed.offset() => self.misuse_advance(w, (consumed, false), (p, false)),
                    _ => Ok(()),
                }
            }
        }
    }

    fn complete(&mut self, w: &mut World) -> Check {
        let error = !w.core.draining && w.core.rng.chance(w.cfg.complete_with_error);
        let drop = w.core.rng.chance(w.cfg.drop_instead) && !error;
        if drop {
            w.core.ev("drop-reader", self.pipe as u64, 0);
        } else {
            w.core.ev("complete-reader", u64::from(error), 0);
        }
        w.complete(self.pipe, Half::Reader, error, drop);
        self.state = if drop { ReaderState::Gone } else { ReaderState::Completed };
        Ok(())
    }

    /// One poll of a read (`min > 0`: `read_at_least`), or a `try_read`.
    fn read(&mut self, me: usize, w: &mut World, min: usize, wait: bool) -> Check {
        let was_waiting = matches!(self.state, ReaderState::WaitingRead { .. });
        let weights = w.cfg.consume_weights;
        let poll =
            w.read(self.pipe, me, min, wait, |core, buffer, previous| choose(core, &weights, buffer, previous))?;
        match poll {
            ReadPoll::Pending => {
                w.core.ev("read-pending", min as u64, u64::from(wait));
                if !wait {
                    w.core.coverage.hit(Mark::TryReadNone);
                } else {
                    if w.pipes[self.pipe].driver.model.buffered() > 0 && min == 0 {
                        w.core.coverage.hit(Mark::ExaminedAtEndWait);
                    }
                    self.state = ReaderState::WaitingRead { min };
                }
                Ok(())
            }
            ReadPoll::Failed(e) => {
                w.core.ev("read-error", 0, 0);
                self.state = ReaderState::Active;
                if matches!(e, PipeError::WriterFailed(_)) {
                    w.core.coverage.hit(Mark::ReadWriterFailed);
                    // The reader gives up on a failed writer.
                    if w.core.draining || w.core.rng.chance(300) {
                        return self.complete(w);
                    }
                }
                Ok(())
            }
            ReadPoll::Ready(held) => {
                self.stale.push(held.start);
                self.stale.push(held.consumed);
                if self.stale.len() > 8 {
                    self.stale.drain(..2);
                }
                let (completed, canceled) = (held.completed, held.canceled);
                w.core.ev("read", held.bytes.len() as u64, u64::from(completed) * 2 + u64::from(canceled));
                let marks = [
                    (canceled && was_waiting, Mark::ReadWokenByCancel),
                    (canceled && !was_waiting, Mark::StickyReadCancel),
                    (completed && was_waiting, Mark::ReadWokenByCompletion),
                    (min > 0 && was_waiting && !canceled && !completed, Mark::ReadAtLeastSatisfied),
                ];
                for (reached, mark) in marks {
                    if reached {
                        w.core.coverage.hit(mark);
                    }
                }
                let completed_empty = completed && held.bytes.is_empty();
                if completed_empty {
                    w.core.coverage.hit(Mark::ReadCompletedEmpty);
                }
                self.state = ReaderState::Holding { consumed: held.consumed, examined: held.examined, completed_empty };
                Ok(())
            }
        }
    }
}

/// How far to consume and examine a buffer: all, part, random, up to a
/// delimiter found with `position_of`, or nothing.
fn choose(core: &mut Core, weights: &[u32; 5], buffer: &Sequence<'_>, previous: usize) -> Checked<(usize, usize)> {
    let len = buffer.len();
    let style = if core.draining { 0 } else { core.rng.weighted(weights) };
    Ok(match style {
        0 => (len, len),
        1 => (core.rng.range(0, len), len),
        2 => {
            let k = core.rng.range(0, len);
            (k, core.rng.range(k.max(previous), len))
        }
        3 => {
            // Parse up to a delimiter: a byte picked from the buffer.
            let at = core.rng.range(0, len.saturating_sub(1));
            let delimiter = buffer.slice_from(at).map(|s| s.first().first().copied()).ok().flatten();
            match delimiter.and_then(|d| buffer.position_of(d)) {
                Some(p) => {
                    core.coverage.hit(Mark::DelimiterFound);
                    let k = buffer.offset_of(p).map_err(|e| Mismatch {
                        kind: "mismatch",
                        message: format!("offset_of(position_of) failed: {e}"),
                    })? + 1;
                    (k, k.max(previous))
                }
                None => (0, len),
            }
        }
        _ => (0, previous),
    })
}

fn max_by_offset(a: Position, b: Position) -> Position {
    if b.offset() > a.offset() {
        b
    } else {
        a
    }
}

static FOREIGN_BYTES: [u8; 4] = *b"abcd";
static FOREIGN_SLICES: [&[u8]; 1] = [&FOREIGN_BYTES];

/// A position of a sequence that belongs to no pipe.
fn foreign_position(offset: usize) -> Position {
    let sequence = Sequence::from_slices(&FOREIGN_SLICES);
    sequence.get_position(offset.min(4)).unwrap_or_else(|_| sequence.start())
}
