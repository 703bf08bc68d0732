//! The `pipe_ops` check: an arbitrary single-threaded sequence of writer and
//! reader calls, misuse included, run on the real pipe with a manual
//! executor and on the reference model through [`crate::driver`], comparing
//! every answer (W1–W9, R1–R13, M1, M2, C2).
//!
//! Shared by the `pipe_ops` fuzz target, the corpus replay test and the
//! property tests (`tests/prop_pipe.rs`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Wake, Waker};

use arbitrary::{Arbitrary, Unstructured};
use pipe_core::{pipe, PipeOptions, Position, Sequence};

use crate::driver::{pattern, By, Checked, Driver, FlushPoll, ReadPoll, Wait};
use crate::reference::Model;

/// Most operations a case runs.
const MAX_OPS: usize = 256;

/// Where an `advance_to` position comes from.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Pick {
    /// `k % (len + 1)` bytes into the outstanding buffer.
    InBuffer(u8),
    /// The end of the outstanding buffer.
    End,
    /// A position kept from an earlier read (maybe released).
    Old(u8),
    /// A position of another sequence.
    Foreign,
}

/// One call on the pipe.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum PipeOp {
    /// `get_memory(hint % 24)`, memory filled with the pattern.
    GetMemory(u8),
    /// `advance(n % 26)`: past the memory sometimes (W2).
    Advance(u8),
    /// `write` of `len % 40` pattern bytes, then one poll of its future.
    Write(u8),
    /// One `poll_flush`.
    PollFlush,
    /// `cancel_pending_flush`.
    CancelFlush,
    /// Writer `complete`, with an error when `true`.
    CompleteWriter(bool),
    /// Drop the writer (R12).
    DropWriter,
    /// One `poll_read_at_least(min % 40)` (`poll_read` for 0).
    PollRead(u8),
    /// `try_read`.
    TryRead,
    /// `advance_to(consumed, examined)`.
    AdvanceTo(Pick, Pick),
    /// `cancel_pending_read`.
    CancelRead,
    /// Reader `complete`, with an error when `true`.
    CompleteReader(bool),
    /// Drop the reader (R12).
    DropReader,
}

/// A `pipe_ops` case: small thresholds and segments, so every boundary is
/// hit constantly, and the calls.
#[derive(Arbitrary, Clone, Debug)]
pub struct PipeCase {
    /// Pause threshold `% 33` (0 disables back pressure).
    pub pause: u8,
    /// Resume threshold: `1 + resume % pause`.
    pub resume: u8,
    /// Minimum segment size `1 + segment % 8`.
    pub segment: u8,
    /// The calls.
    pub ops: Vec<PipeOp>,
}

impl PipeCase {
    /// The pipe options the case stands for (always valid, O2).
    pub fn thresholds(&self) -> (usize, usize, usize) {
        let pause = usize::from(self.pause % 33);
        let resume = if pause == 0 { 0 } else { 1 + usize::from(self.resume) % pause };
        (pause, resume, 1 + usize::from(self.segment % 8))
    }
}

/// A waker that records that it was woken.
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// One half's waker and whether it was woken since its last poll.
struct Half {
    flag: Arc<Flag>,
    waker: Waker,
}

impl Half {
    fn new() -> Self {
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        Self { waker: Waker::from(flag.clone()), flag }
    }

    /// The waker for a new poll (clears the flag).
    fn poll(&self) -> &Waker {
        self.flag.0.store(false, Ordering::SeqCst);
        &self.waker
    }

    fn woken(&self) -> bool {
        self.flag.0.load(Ordering::SeqCst)
    }
}

struct Harness {
    pipe: Driver,
    reader_waker: Half,
    writer_waker: Half,
    /// The last read poll returned pending with this `min`.
    read_waiting: Option<usize>,
    /// The last flush poll returned pending.
    flush_waiting: bool,
    /// Position `k` of the outstanding buffer at index `k`.
    held: Option<Vec<Position>>,
    /// Positions of earlier reads, for released-position misuse.
    old: Vec<Position>,
    foreign: Position,
    /// The model cannot tell the memory left after a `write` (its answer
    /// would be `Unknown`): advances wait for the next `get_memory`.
    memory_unknown: bool,
    /// Bytes delivered so far: the reader's consumed offset must only grow.
    consumed: u64,
    step: usize,
}

impl Harness {
    fn fail(&self, what: &str) -> ! {
        panic!("pipe_ops step {}: {what}", self.step)
    }

    /// The driver's answer, or the panic that reports the difference.
    fn agreed<T>(&self, checked: Checked<T>) -> T {
        checked.unwrap_or_else(|m| self.fail(&m.message))
    }

    fn flushed(&mut self, poll: Checked<FlushPoll>) {
        self.flush_waiting = matches!(self.agreed(poll), FlushPoll::Pending);
    }

    fn apply(&mut self, op: PipeOp) {
        // A half's task that makes another call is no longer waiting on its
        // last poll (the Rust API borrows the half for the future's life).
        match op {
            PipeOp::GetMemory(_)
            | PipeOp::Advance(_)
            | PipeOp::Write(_)
            | PipeOp::PollFlush
            | PipeOp::CompleteWriter(_)
            | PipeOp::DropWriter => self.flush_waiting = false,
            PipeOp::PollRead(_)
            | PipeOp::TryRead
            | PipeOp::AdvanceTo(..)
            | PipeOp::CompleteReader(_)
            | PipeOp::DropReader => {
                self.read_waiting = None;
            }
            PipeOp::CancelFlush | PipeOp::CancelRead => {}
        }
        let has_writer = self.pipe.writer.is_some();
        let has_reader = self.pipe.reader.is_some();
        match op {
            PipeOp::GetMemory(hint) if has_writer => {
                let got = self.pipe.get_memory(usize::from(hint % 24), None);
                if self.agreed(got).is_ok() {
                    self.memory_unknown = false;
                }
            }
            PipeOp::Advance(n) if has_writer && !self.memory_unknown => {
                let done = self.pipe.advance(usize::from(n % 26));
                let _ = self.agreed(done);
            }
            PipeOp::Write(len) if has_writer => {
                let bytes = pattern(self.pipe.end(), usize::from(len % 40));
                let poll = self.pipe.write(&bytes, self.writer_waker.poll());
                self.memory_unknown = true;
                self.flushed(poll);
            }
            PipeOp::PollFlush if has_writer => {
                let poll = self.pipe.poll_flush(self.writer_waker.poll());
                self.flushed(poll);
            }
            PipeOp::CancelFlush => self.pipe.cancel_flush(By::Handle),
            PipeOp::CompleteWriter(error) if has_writer => self.pipe.complete_writer(error),
            PipeOp::DropWriter if has_writer => {
                self.pipe.drop_writer();
                self.flush_waiting = false;
            }
            PipeOp::PollRead(min) if has_reader => self.read(usize::from(min % 40), true),
            PipeOp::TryRead if has_reader => self.read(0, false),
            PipeOp::AdvanceTo(consumed, examined) => {
                let (c, e) = (self.pick(consumed), self.pick(examined));
                if !has_reader {
                    return;
                }
                let done = self.pipe.advance_to(c, e);
                if self.agreed(done).is_ok() {
                    if let Some(held) = self.held.take() {
                        self.old.extend(held.into_iter().step_by(3));
                        let len = self.old.len();
                        if len > 64 {
                            self.old.drain(..len - 64);
                        }
                    }
                    if c.0.offset() < self.consumed {
                        self.fail("consumed moved back: bytes would be delivered twice");
                    }
                    self.consumed = c.0.offset();
                }
            }
            PipeOp::CancelRead => self.pipe.cancel_read(By::Handle),
            PipeOp::CompleteReader(error) if has_reader => {
                self.pipe.complete_reader(error);
                self.held = None;
                self.read_waiting = None;
            }
            PipeOp::DropReader if has_reader => {
                self.pipe.drop_reader();
                self.held = None;
                self.read_waiting = None;
            }
            _ => {}
        }
    }

    /// One read poll (`try_read` when `!wait`); keeps a position for every
    /// offset of a resolved buffer.
    fn read(&mut self, min: usize, wait: bool) {
        let consumed = self.consumed;
        let poll = self.pipe.read(self.reader_waker.poll(), min, wait, |result, _, _| {
            let buffer = result.buffer();
            // R2: the buffer starts where the reader consumed to.
            let start = buffer.start().offset();
            let positions = (0..=buffer.len()).filter_map(|k| buffer.get_position(k).ok()).collect();
            Ok((start, positions))
        });
        match self.agreed(poll) {
            ReadPoll::Pending => self.read_waiting = wait.then_some(min),
            ReadPoll::Failed(_) => self.read_waiting = None,
            ReadPoll::Ready((start, positions)) => {
                if start != consumed {
                    self.fail(&format!("R2: buffer starts at {start}, consumed is {consumed}"));
                }
                self.read_waiting = None;
                self.held = Some(positions);
            }
        }
    }

    /// A position for `advance_to` and whether it is foreign.
    fn pick(&self, pick: Pick) -> (Position, bool) {
        let from_held = |k: usize| self.held.as_ref().and_then(|h| h.get(k % h.len()).copied());
        let old = |k: u8| {
            if self.old.is_empty() {
                None
            } else {
                self.old.get(usize::from(k) % self.old.len()).copied()
            }
        };
        let found = match pick {
            Pick::InBuffer(k) => from_held(usize::from(k)),
            Pick::End => self.held.as_ref().and_then(|h| h.last().copied()),
            Pick::Old(k) => old(k),
            Pick::Foreign => return (self.foreign, true),
        };
        match found.or_else(|| old(0)) {
            Some(p) => (p, false),
            None => (self.foreign, true),
        }
    }

    /// Counters, W3, M1, M2 and lost wakeups (C2) after every step.
    fn check_state(&self) {
        self.agreed(self.pipe.check());
        self.agreed(self.pipe.check_unflushed());
        if self.flush_waiting && !self.writer_waker.woken() && self.pipe.would_resolve(Wait::Flush) {
            self.fail("C2: the writer waits on a flush that can resolve and was not woken");
        }
        if let Some(min) = self.read_waiting {
            if !self.reader_waker.woken() && self.pipe.would_resolve(Wait::Read { min }) {
                self.fail("C2: the reader waits on a read that can resolve and was not woken");
            }
        }
    }
}

/// Runs a `pipe_ops` case; panics on the first difference from the model.
pub fn check_pipe(case: &PipeCase) {
    let (pause, resume, segment) = case.thresholds();
    let options = PipeOptions::default()
        .pause_writer_threshold(pause)
        .resume_writer_threshold(resume)
        .minimum_segment_size(segment);
    let foreign_bytes: [&[u8]; 1] = [b"elsewhere"];
    let mut h = Harness {
        pipe: Driver::new(pipe(options).expect("valid options"), Model::new(pause, resume, segment)),
        reader_waker: Half::new(),
        writer_waker: Half::new(),
        read_waiting: None,
        flush_waiting: false,
        held: None,
        old: Vec::new(),
        foreign: Sequence::from_slices(&foreign_bytes).start(),
        memory_unknown: false,
        consumed: 0,
        step: 0,
    };
    for &op in case.ops.iter().take(MAX_OPS) {
        h.step += 1;
        h.apply(op);
        h.pipe.model.take_events();
        h.check_state();
    }
}

/// Decodes `data` the way `libfuzzer-sys` does for a typed target and
/// checks it; undecodable input is skipped, as the fuzzer skips it.
pub fn run_pipe_bytes(data: &[u8]) {
    if let Ok(case) = PipeCase::arbitrary_take_rest(Unstructured::new(data)) {
        check_pipe(&case);
    }
}
