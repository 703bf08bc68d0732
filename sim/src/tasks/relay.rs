//! A topology's relay: reads its sources and writes what it consumed into
//! its outputs.

use models::driver::{FlushPoll, ReadPoll, Wait};
use pipe_core::PipeError;

use crate::coverage::Mark;
use crate::sched::Check;
use crate::world::{Half, World};

/// Where the relay is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
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

/// A relay: reads its sources in turn (skipping a finished one), examines
/// the whole buffer, consumes all or part, writes the consumed bytes into
/// every open output and goes back to reading only when every flush has
/// resolved; completion and errors propagate.
#[derive(Debug)]
pub(crate) struct Relay {
    srcs: Vec<usize>,
    dests: Vec<usize>,
    /// Index into `srcs` of the source read next.
    cur: usize,
    src_done: [bool; 2],
    dest_open: [bool; 2],
    /// Source of the last non-empty chunk (fan-in switches).
    last_src: Option<usize>,
    /// Fan-in: `(source index, bytes)` runs in the order written to the output.
    pub(crate) record: Vec<(usize, usize)>,
    pub(crate) state: State,
}

impl Relay {
    /// A relay from the pipes `srcs` (one or two) into `dests` (one or two).
    pub(crate) fn new(srcs: Vec<usize>, dests: Vec<usize>) -> Self {
        Self {
            srcs,
            dests,
            cur: 0,
            src_done: [false; 2],
            dest_open: [true; 2],
            last_src: None,
            record: Vec::new(),
            state: State::Read,
        }
    }

    /// What the relay `me` waits for, as `(me, pipe, event)` pushed onto `into`.
    pub(crate) fn waits(&self, me: usize, into: &mut Vec<(usize, usize, Wait)>) {
        match self.state {
            State::WaitingRead { min } => into.push((me, self.srcs[self.cur], Wait::Read { min })),
            State::Flushing { pending } => into
                .extend(self.dests.iter().enumerate().filter(|&(i, _)| pending[i]).map(|(_, &p)| (me, p, Wait::Flush))),
            _ => {}
        }
    }

    /// The relay waits on a read or on a flush.
    pub(crate) fn waiting(&self) -> bool {
        matches!(self.state, State::WaitingRead { .. } | State::Flushing { .. })
    }

    /// One step of the task `me`.
    pub(crate) fn step(&mut self, me: usize, w: &mut World) -> Check {
        match self.state {
            State::Read => self.read(me, w, 0),
            State::WaitingRead { min } => self.read(me, w, min),
            State::Flushing { pending } => self.flush(me, w, pending),
            State::Gone => Ok(()),
        }
    }

    /// Completes whatever the relay still holds; `error` forwards a source's
    /// failure to the outputs.
    fn shutdown(&mut self, w: &mut World, error: bool) {
        let srcs: Vec<usize> =
            self.srcs.iter().enumerate().filter(|&(i, _)| !self.src_done[i]).map(|(_, &p)| p).collect();
        let dests: Vec<usize> =
            self.dests.iter().enumerate().filter(|&(i, _)| self.dest_open[i]).map(|(_, &p)| p).collect();
        self.state = State::Gone;
        for p in srcs {
            w.end(p, Half::Reader, false, true);
        }
        for p in dests {
            w.end(p, Half::Writer, error, true);
        }
    }

    fn read(&mut self, me: usize, w: &mut World, min: usize) -> Check {
        let fan_in = self.srcs.len() == 2;
        if self.src_done.iter().take(self.srcs.len()).all(|&d| d) {
            let propagated = self.dest_open.iter().take(self.dests.len()).any(|&o| o);
            self.shutdown(w, false);
            if propagated {
                w.core.coverage.hit(if fan_in {
                    Mark::FanInCompletionPropagated
                } else {
                    Mark::TeeCompletionPropagated
                });
            }
            return Ok(());
        }
        if self.src_done[self.cur] {
            self.cur = 1 - self.cur;
        }
        let (cur, src) = (self.cur, self.srcs[self.cur]);
        let min = if min == 0 && !w.core.draining && w.core.rng.chance(150) {
            w.core.rng.range(1, w.pipes[src].cfg.pause.max(1))
        } else {
            min
        };
        let draining = w.core.draining;
        let poll = w.read(src, me, min, true, |core, buffer, _| {
            // Examine everything, consume all or part: a relay that keeps a
            // tail for later still moves on.
            let len = buffer.len();
            Ok(if draining || core.rng.chance(600) { (len, len) } else { (core.rng.range(0, len), len) })
        })?;
        match poll {
            ReadPoll::Pending => {
                w.core.ev("read-pending", src as u64, min as u64);
                if fan_in {
                    w.core.coverage.hit(Mark::FanInRelayWaitedForSource);
                }
                self.state = State::WaitingRead { min };
                Ok(())
            }
            ReadPoll::Failed(e) => {
                w.core.ev("read-error", src as u64, 0);
                if matches!(e, PipeError::WriterFailed(_)) {
                    // Forward the failure: complete the outputs with an error.
                    w.cut = true;
                    self.src_done[cur] = true;
                    w.end(src, Half::Reader, false, true);
                    self.shutdown(w, true);
                    return Ok(());
                }
                w.core.err("mismatch", format!("relay read on pipe {src} failed: {e:?}"))
            }
            ReadPoll::Ready(held) => {
                w.core.ev("read", src as u64, held.bytes.len() as u64);
                w.advance_to(src, held.consumed, held.examined)?;
                let k = held.k;
                let chunk = &held.bytes[..k];
                if held.completed && k == held.bytes.len() {
                    self.src_done[cur] = true;
                }
                let switched = k > 0 && fan_in && self.last_src.is_some_and(|l| l != cur);
                if k > 0 && fan_in {
                    self.last_src = Some(cur);
                    self.record.push((cur, k));
                }
                if fan_in && !self.src_done[1 - cur] {
                    self.cur = 1 - cur;
                }
                let dests: Vec<(usize, usize)> =
                    self.dests.iter().copied().enumerate().filter(|&(i, _)| self.dest_open[i]).collect();
                if switched {
                    w.core.coverage.hit(Mark::FanInRelaySwitchedSources);
                }
                if self.src_done[cur] {
                    w.end(src, Half::Reader, false, true);
                }
                let mut pending = [false; 2];
                if !chunk.is_empty() {
                    for (i, p) in dests {
                        let poll = if w.core.rng.chance(500) {
                            w.write(p, me, chunk)?
                        } else {
                            w.put(p, chunk)?;
                            w.poll_flush(p, me)?
                        };
                        pending[i] = self.flushed(w, i, p, poll);
                    }
                }
                self.after_flush(w, pending);
                Ok(())
            }
        }
    }

    /// Handles one output's flush; `true` while it is pending.
    fn flushed(&mut self, w: &mut World, i: usize, p: usize, poll: FlushPoll) -> bool {
        match poll {
            FlushPoll::Pending => true,
            FlushPoll::Done(o) if !o.completed => false,
            FlushPoll::Done(_) | FlushPoll::Failed(_) => {
                // That branch's reader is gone: stop writing to it.
                w.end(p, Half::Writer, false, true);
                self.dest_open[i] = false;
                if self.dests.len() == 2 && self.dest_open[1 - i] {
                    w.core.coverage.hit(Mark::TeeBranchClosedEarly);
                }
                false
            }
        }
    }

    fn after_flush(&mut self, w: &mut World, pending: [bool; 2]) {
        if self.dest_open.iter().take(self.dests.len()).all(|&o| !o) {
            // Every output's reader is gone: release the sources.
            self.shutdown(w, false);
            return;
        }
        let waiting = pending.iter().filter(|&&p| p).count();
        self.state = if waiting > 0 { State::Flushing { pending } } else { State::Read };
        if waiting == 1 && self.dests.len() == 2 && self.dest_open.iter().all(|&o| o) {
            w.core.coverage.hit(Mark::TeeRelayPausedByOneBranch);
        }
    }

    fn flush(&mut self, me: usize, w: &mut World, mut pending: [bool; 2]) -> Check {
        for (i, p) in self.dests.clone().into_iter().enumerate() {
            if pending[i] {
                let poll = w.poll_flush(p, me)?;
                pending[i] = self.flushed(w, i, p, poll);
            }
        }
        self.after_flush(w, pending);
        Ok(())
    }
}
