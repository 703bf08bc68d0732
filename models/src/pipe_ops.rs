//! The `pipe_ops` check: an arbitrary single-threaded sequence of writer and
//! reader calls, misuse included, run on the real pipe with a manual
//! executor and on `pipe_core::model` (the reference model of the
//! contract), comparing every answer (W1–W9, R1–R13, M2, C2).
//!
//! Shared by the `pipe_ops` fuzz target, the corpus replay test and the
//! property tests (`pipe-core/tests/prop_pipe.rs`); depends only on
//! `pipe-core` (feature `reference-model`) and `arbitrary`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use arbitrary::{Arbitrary, Unstructured};
use crate::reference::{completion_error, pattern_byte, same_error, FlushOutcome, Model, Op, Outcome, ReadOutcome};
use pipe_core::{pipe, CancelHandle, PipeError, PipeOptions, PipeReader, PipeWriter, Position, Sequence};

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

/// A resolved read the reader has not advanced yet.
struct Held {
    /// Position `k` of the buffer at index `k`.
    positions: Vec<Position>,
}

struct Harness {
    model: Model,
    reader: Option<PipeReader>,
    writer: Option<PipeWriter>,
    cancel: CancelHandle,
    reader_flag: Arc<Flag>,
    writer_flag: Arc<Flag>,
    /// The last read poll returned pending with this `min`.
    read_waiting: Option<usize>,
    /// The last flush poll returned pending.
    flush_waiting: bool,
    held: Option<Held>,
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

fn poll_once<T>(flag: &Arc<Flag>, f: impl FnOnce(&mut Context<'_>) -> Poll<T>) -> Poll<T> {
    flag.0.store(false, Ordering::SeqCst);
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    f(&mut cx)
}

impl Harness {
    fn fail(&self, what: &str) -> ! {
        panic!("pipe_ops step {}: {what}", self.step)
    }

    fn expect_unit(&self, what: &str, expected: &Outcome, actual: Result<(), PipeError>) {
        match (expected, &actual) {
            (Outcome::Err(e), Err(a)) if same_error(e, a) => {}
            (Outcome::Done | Outcome::Memory { .. } | Outcome::Flushed(_) | Outcome::Unknown, Ok(())) => {}
            _ => self.fail(&format!("{what}: model says {expected:?}, pipe answered {actual:?}")),
        }
    }

    fn check_flush(&mut self, what: &str, expected: &Outcome, actual: Poll<Result<pipe_core::FlushResult, PipeError>>) {
        match (expected, &actual) {
            (Outcome::FlushPending, Poll::Pending) => self.flush_waiting = true,
            (Outcome::Flushed(FlushOutcome { completed, canceled }), Poll::Ready(Ok(r)))
                if r.is_completed() == *completed && r.is_canceled() == *canceled =>
            {
                self.flush_waiting = false;
            }
            (Outcome::Err(e), Poll::Ready(Err(a))) if same_error(e, a) => self.flush_waiting = false,
            _ => self.fail(&format!("{what}: model says {expected:?}, pipe answered {actual:?}")),
        }
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
        match op {
            PipeOp::GetMemory(hint) => {
                let Some(writer) = self.writer.as_mut() else {
                    return;
                };
                let hint = usize::from(hint % 24);
                let expected = self.model.apply(&Op::GetMemory { hint });
                let start = self.model.flushed_end() + self.model.unflushed();
                match (&expected, writer.get_memory(hint)) {
                    (Outcome::Memory { min_len }, Ok(memory)) => {
                        if memory.len() < *min_len {
                            let len = memory.len();
                            self.fail(&format!("W1: get_memory({hint}) gave {len} bytes"));
                        }
                        for (i, byte) in memory.iter_mut().enumerate() {
                            *byte = pattern_byte(start + i as u64);
                        }
                        let len = memory.len();
                        self.model.memory_returned(hint, len);
                        self.memory_unknown = false;
                    }
                    (Outcome::Err(e), Err(a)) if same_error(e, &a) => {}
                    (expected, actual) => {
                        let actual = actual.map(|m| m.len());
                        self.fail(&format!("get_memory({hint}): model {expected:?}, pipe {actual:?}"));
                    }
                }
            }
            PipeOp::Advance(n) => {
                let Some(writer) = self.writer.as_mut() else {
                    return;
                };
                let n = usize::from(n % 26);
                if self.memory_unknown {
                    return;
                }
                let actual = writer.advance(n);
                let expected = self.model.apply(&Op::Advance { n });
                self.expect_unit("advance", &expected, actual);
            }
            PipeOp::Write(len) => {
                let Some(writer) = self.writer.as_mut() else {
                    return;
                };
                let len = usize::from(len % 40);
                let start = self.model.flushed_end() + self.model.unflushed();
                let bytes: Vec<u8> = (0..len as u64).map(|i| pattern_byte(start + i)).collect();
                let flag = self.writer_flag.clone();
                let actual = poll_once(&flag, |cx| {
                    let mut flush = writer.write(&bytes);
                    core::future::Future::poll(core::pin::Pin::new(&mut flush), cx)
                });
                let expected = self.model.apply(&Op::Write { len });
                self.memory_unknown = true;
                self.check_flush("write", &expected, actual);
            }
            PipeOp::PollFlush => {
                let Some(writer) = self.writer.as_mut() else {
                    return;
                };
                let flag = self.writer_flag.clone();
                let actual = poll_once(&flag, |cx| writer.poll_flush(cx));
                let expected = self.model.apply(&Op::PollFlush);
                self.check_flush("poll_flush", &expected, actual);
            }
            PipeOp::CancelFlush => {
                self.cancel.cancel_pending_flush();
                self.model.apply(&Op::CancelPendingFlush);
            }
            PipeOp::CompleteWriter(error) => {
                let Some(writer) = self.writer.as_mut() else {
                    return;
                };
                writer.complete(error.then(|| completion_error(true)));
                self.model.apply(&Op::CompleteWriter { error });
            }
            PipeOp::DropWriter => {
                if self.writer.take().is_some() {
                    self.model.apply(&Op::DropWriter);
                    self.flush_waiting = false;
                }
            }
            PipeOp::PollRead(min) => {
                let min = usize::from(min % 40);
                let flag = self.reader_flag.clone();
                let Some(reader) = self.reader.as_mut() else {
                    return;
                };
                let actual = poll_once(&flag, |cx| {
                    if min == 0 {
                        reader.poll_read(cx).map(|r| r.map(read_outcome))
                    } else {
                        reader.poll_read_at_least(cx, min).map(|r| r.map(read_outcome))
                    }
                });
                let expected = self.model.apply(&Op::PollRead { min });
                self.check_read("poll_read", &expected, actual, Some(min));
            }
            PipeOp::TryRead => {
                let Some(reader) = self.reader.as_mut() else {
                    return;
                };
                let actual = match reader.try_read() {
                    Ok(Some(r)) => Poll::Ready(Ok(read_outcome(r))),
                    Ok(None) => Poll::Pending,
                    Err(e) => Poll::Ready(Err(e)),
                };
                let expected = self.model.apply(&Op::TryRead);
                self.check_read("try_read", &expected, actual, None);
            }
            PipeOp::AdvanceTo(consumed, examined) => {
                let (c, c_foreign) = self.pick(consumed);
                let (e, e_foreign) = self.pick(examined);
                let Some(reader) = self.reader.as_mut() else {
                    return;
                };
                let actual = reader.advance_to(c, e);
                let expected = self.model.apply(&Op::AdvanceTo {
                    consumed: c.offset(),
                    examined: e.offset(),
                    consumed_foreign: c_foreign,
                    examined_foreign: e_foreign,
                });
                self.expect_unit("advance_to", &expected, actual);
                if matches!(expected, Outcome::Done) {
                    if let Some(held) = self.held.take() {
                        self.old.extend(held.positions.into_iter().step_by(3));
                        let len = self.old.len();
                        if len > 64 {
                            self.old.drain(..len - 64);
                        }
                    }
                    if c.offset() < self.consumed {
                        self.fail("consumed moved back: bytes would be delivered twice");
                    }
                    self.consumed = c.offset();
                }
            }
            PipeOp::CancelRead => {
                self.cancel.cancel_pending_read();
                self.model.apply(&Op::CancelPendingRead);
            }
            PipeOp::CompleteReader(error) => {
                let Some(reader) = self.reader.as_mut() else {
                    return;
                };
                reader.complete(error.then(|| completion_error(false)));
                self.model.apply(&Op::CompleteReader { error });
                self.held = None;
                self.read_waiting = None;
            }
            PipeOp::DropReader => {
                if self.reader.take().is_some() {
                    self.model.apply(&Op::DropReader);
                    self.held = None;
                    self.read_waiting = None;
                }
            }
        }
    }

    /// A position for `advance_to` and whether it is foreign.
    fn pick(&self, pick: Pick) -> (Position, bool) {
        let from_held = |k: usize| self.held.as_ref().and_then(|h| h.positions.get(k % h.positions.len()).copied());
        let old = |k: u8| {
            if self.old.is_empty() {
                None
            } else {
                self.old.get(usize::from(k) % self.old.len()).copied()
            }
        };
        let found = match pick {
            Pick::InBuffer(k) => from_held(usize::from(k)),
            Pick::End => self.held.as_ref().and_then(|h| h.positions.last().copied()),
            Pick::Old(k) => old(k),
            Pick::Foreign => return (self.foreign, true),
        };
        match found.or_else(|| old(0)) {
            Some(p) => (p, false),
            None => (self.foreign, true),
        }
    }

    fn check_read(
        &mut self,
        what: &str,
        expected: &Outcome,
        actual: Poll<Result<(ReadOutcome, Vec<Position>), PipeError>>,
        min: Option<usize>,
    ) {
        match (expected, actual) {
            (Outcome::ReadPending, Poll::Pending) => self.read_waiting = min,
            (Outcome::Read(want), Poll::Ready(Ok((got, positions)))) if *want == got => {
                if !got.completed && !got.canceled && got.bytes.is_empty() {
                    self.fail(&format!("R1: {what} resolved with an empty buffer"));
                }
                if got.start != self.consumed {
                    self.fail(&format!("R2: buffer starts at {}, consumed is {}", got.start, self.consumed));
                }
                self.read_waiting = None;
                self.held = Some(Held { positions });
            }
            (Outcome::Err(e), Poll::Ready(Err(a))) if same_error(e, &a) => self.read_waiting = None,
            (expected, actual) => {
                let actual = actual.map(|r| r.map(|(o, _)| o));
                self.fail(&format!("{what}: model says {expected:?}, pipe answered {actual:?}"))
            }
        }
    }

    /// Counters, M2 and lost wakeups (C2) after every step.
    fn check_state(&self) {
        let stats = match (&self.reader, &self.writer) {
            (Some(r), _) => r.stats(),
            (None, Some(w)) => w.stats(),
            (None, None) => return,
        };
        let m = &self.model;
        let model = (m.flushed_end(), m.consumed(), m.examined(), m.writer_paused());
        let real = (stats.flushed_end, stats.consumed, stats.examined, stats.writer_paused);
        if model != real {
            self.fail(&format!("state (flushed_end, consumed, examined, paused): model {model:?}, pipe {real:?}"));
        }
        if let Some(w) = &self.writer {
            if w.unflushed_bytes() as u64 != m.unflushed() {
                self.fail(&format!("W3: unflushed_bytes {}, model {}", w.unflushed_bytes(), m.unflushed()));
            }
        }
        if !m.m2_holds() {
            self.fail(&format!("M2: {} unexamined bytes exceed the bound {:?}", m.unexamined(), m.m2_bound()));
        }
        if self.flush_waiting
            && self.writer.is_some()
            && !self.writer_flag.0.load(Ordering::SeqCst)
            && m.flush_would_resolve()
        {
            self.fail("C2: the writer waits on a flush that can resolve and was not woken");
        }
        if let Some(min) = self.read_waiting {
            if self.reader.is_some() && !self.reader_flag.0.load(Ordering::SeqCst) && m.read_would_resolve(min) {
                self.fail("C2: the reader waits on a read that can resolve and was not woken");
            }
        }
    }
}

/// What a resolved read showed, and a position for every offset of it.
fn read_outcome(result: pipe_core::ReadResult<'_>) -> (ReadOutcome, Vec<Position>) {
    let buffer = result.buffer();
    let positions = (0..=buffer.len()).filter_map(|k| buffer.get_position(k).ok()).collect();
    let outcome = ReadOutcome {
        start: buffer.start().offset(),
        bytes: buffer.to_vec(),
        completed: result.is_completed(),
        canceled: result.is_canceled(),
    };
    (outcome, positions)
}

/// Runs a `pipe_ops` case; panics on the first difference from the model.
pub fn check_pipe(case: &PipeCase) {
    let (pause, resume, segment) = case.thresholds();
    let options = PipeOptions::default()
        .pause_writer_threshold(pause)
        .resume_writer_threshold(resume)
        .minimum_segment_size(segment);
    let (reader, writer) = pipe(options).expect("valid options");
    let foreign_bytes: [&[u8]; 1] = [b"elsewhere"];
    let foreign = Sequence::from_slices(&foreign_bytes).start();
    let mut h = Harness {
        model: Model::new(pause, resume, segment),
        cancel: reader.cancel_handle(),
        reader: Some(reader),
        writer: Some(writer),
        reader_flag: Arc::new(Flag(AtomicBool::new(false))),
        writer_flag: Arc::new(Flag(AtomicBool::new(false))),
        read_waiting: None,
        flush_waiting: false,
        held: None,
        old: Vec::new(),
        foreign,
        memory_unknown: false,
        consumed: 0,
        step: 0,
    };
    for &op in case.ops.iter().take(MAX_OPS) {
        h.step += 1;
        h.apply(op);
        h.model.take_events();
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
