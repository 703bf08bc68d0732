//! A reference model of the pipe contract (`docs/semantics.md`), for tests.
//!
//! Outside the product crate, so nothing test-only ships: the simulator, the
//! fuzzers and the property tests drive the real pipe and this model with the
//! same operations through [`crate::driver`] and compare the answers. The model shares no code with the
//! implementation: it keeps the buffered bytes in a `VecDeque<u8>` and the
//! contract's flags in plain fields.
//!
//! Conventions the harness must follow:
//! - Offsets are absolute byte offsets from the pipe's start, as returned by
//!   [`Position::offset`](pipe_core::Position::offset).
//! - The writer writes [`pattern_byte`]`(offset)` at every absolute offset,
//!   so the model knows the bytes without being told them.
//! - After [`Op::GetMemory`] the harness reports the length it got with
//!   [`Model::memory_returned`]; after [`Op::Write`] the memory left over is
//!   unknown to the model until the next `GetMemory`.
//! - Polls are modelled, not futures: [`Op::PollFlush`] is one
//!   `poll_flush` (equal to `flush()` followed by one poll of its future),
//!   [`Op::PollRead`] one `poll_read_at_least(min)` and [`Op::TryRead`] one
//!   `try_read`. A waiter stays registered (as in the real pipe) until a wake
//!   takes it or a read resolves, even if the harness drops the future.

use std::collections::VecDeque;

use pipe_core::{CompletionError, PipeError};

/// The byte a harness writes at absolute offset `offset`.
///
/// A SplitMix64 finalizer, so runs of equal bytes are rare and any
/// misplaced byte shows.
pub fn pattern_byte(offset: u64) -> u8 {
    let mut z = offset.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) as u8
}

/// Whether two errors are the same variant with the same values.
///
/// Completion errors compare by their `Debug` text.
pub fn same_error(a: &PipeError, b: &PipeError) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

/// One call on the pipe, as the model sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Writer `get_memory(hint)`.
    GetMemory {
        /// The hint passed.
        hint: usize,
    },
    /// Writer `advance(n)`.
    Advance {
        /// Bytes committed.
        n: usize,
    },
    /// Writer `write(bytes)` of `len` pattern bytes, then one poll.
    Write {
        /// Bytes written.
        len: usize,
    },
    /// One writer `poll_flush`.
    PollFlush,
    /// `cancel_pending_flush`, from any task.
    CancelPendingFlush,
    /// Writer `complete`, optionally with an error.
    CompleteWriter {
        /// Completes with `CompletionError::message(...)` when set.
        error: bool,
    },
    /// Dropping the writer (R12).
    DropWriter,
    /// One reader poll: `poll_read` for `min == 0`, else
    /// `poll_read_at_least(min)`.
    PollRead {
        /// Bytes the read needs; 0 is a plain read.
        min: usize,
    },
    /// Reader `try_read`.
    TryRead,
    /// Reader `advance_to(consumed, examined)`.
    AdvanceTo {
        /// Offset of the consumed position.
        consumed: u64,
        /// Offset of the examined position.
        examined: u64,
        /// The consumed position comes from another pipe.
        consumed_foreign: bool,
        /// The examined position comes from another pipe.
        examined_foreign: bool,
    },
    /// `cancel_pending_read`, from any task.
    CancelPendingRead,
    /// Reader `complete`, optionally with an error.
    CompleteReader {
        /// Completes with `CompletionError::message(...)` when set.
        error: bool,
    },
    /// Dropping the reader (R12).
    DropReader,
}

/// The error a harness completes a half with when an op asks for one.
pub fn completion_error(writer: bool) -> CompletionError {
    CompletionError::message(if writer { "writer failed (model)" } else { "reader failed (model)" })
}

/// A flush that resolved (W4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushOutcome {
    /// `FlushResult::is_completed`.
    pub completed: bool,
    /// `FlushResult::is_canceled`.
    pub canceled: bool,
}

/// A read that resolved (R1, R2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOutcome {
    /// Offset of the buffer's start.
    pub start: u64,
    /// The buffer's bytes.
    pub bytes: Vec<u8>,
    /// `ReadResult::is_completed`.
    pub completed: bool,
    /// `ReadResult::is_canceled`.
    pub canceled: bool,
}

/// What the real pipe must answer to an [`Op`].
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The call succeeds with nothing to compare (advance, cancel, complete, drop).
    Done,
    /// The call fails with exactly this error (compare with [`same_error`]).
    Err(PipeError),
    /// `get_memory` succeeds with at least this many bytes (W1).
    Memory {
        /// Smallest acceptable length.
        min_len: usize,
    },
    /// The flush resolves now.
    Flushed(FlushOutcome),
    /// The flush must wait (back pressure, W6).
    FlushPending,
    /// The read resolves now.
    Read(ReadOutcome),
    /// The read must wait (or `try_read` returns `None`).
    ReadPending,
    /// The model cannot tell (`advance` with memory unknown after `write`).
    Unknown,
}

/// Something that happened inside the model, for coverage and wake checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A flush moved unexamined bytes across the pause threshold (W6).
    Paused {
        /// Unexamined bytes after the flush equal the threshold exactly.
        exact: bool,
    },
    /// An advance moved unexamined bytes below the resume threshold (W6).
    ResumedByAdvance,
    /// A waiting `read_at_least` resumed the writer (R8).
    ResumedByReadAtLeast,
    /// Reader completion released the writer.
    ResumedByReaderCompletion,
    /// A wake went to a registered reader waiter.
    ReaderWoken,
}

/// How a half ended.
#[derive(Debug, Clone)]
enum End {
    Clean,
    Failed(CompletionError),
}

/// The outstanding read's bounds.
#[derive(Debug, Clone, Copy)]
struct Outstanding {
    start: u64,
    end: u64,
}

/// The reference model. See the module docs for the conventions.
#[derive(Debug, Clone)]
pub struct Model {
    pause: usize,
    resume: usize,
    minimum_segment_size: usize,
    /// Bytes `consumed..flushed_end`.
    buffer: VecDeque<u8>,
    consumed: u64,
    examined: u64,
    flushed_end: u64,
    /// Advanced, unflushed bytes, at offsets `flushed_end..flushed_end + unflushed`.
    unflushed: u64,
    /// Bytes left of the last `get_memory`; `None` when unknown.
    memory: Option<usize>,
    paused: bool,
    read_canceled: bool,
    flush_canceled: bool,
    outstanding: Option<Outstanding>,
    /// A registered read waiter and the bytes it needs (0 = plain read).
    reader_waiter: Option<usize>,
    /// The writer's last poll returned pending and it has not resolved since.
    flush_waiting: bool,
    writer_done: Option<End>,
    reader_done: Option<End>,
    /// M2's conditions no longer hold (R8 with `n > pause`, W7, abandoned flush).
    m2_exempt: bool,
    /// Largest number of bytes one flush (or write, or completion) committed.
    max_chunk: u64,
    events: Vec<Event>,
}

impl Model {
    /// A model of a pipe built with these options (assumed valid, O2).
    pub fn new(pause: usize, resume: usize, minimum_segment_size: usize) -> Self {
        Self {
            pause,
            resume,
            minimum_segment_size,
            buffer: VecDeque::new(),
            consumed: 0,
            examined: 0,
            flushed_end: 0,
            unflushed: 0,
            memory: Some(0),
            paused: false,
            read_canceled: false,
            flush_canceled: false,
            outstanding: None,
            reader_waiter: None,
            flush_waiting: false,
            writer_done: None,
            reader_done: None,
            m2_exempt: false,
            max_chunk: 0,
            events: Vec::new(),
        }
    }

    /// Applies `op` and says what the real pipe must answer.
    pub fn apply(&mut self, op: &Op) -> Outcome {
        match *op {
            Op::GetMemory { hint } => self.get_memory(hint),
            Op::Advance { n } => self.advance(n),
            Op::Write { len } => self.write(len),
            Op::PollFlush => self.poll_flush(),
            Op::CancelPendingFlush => {
                self.flush_canceled = true;
                Outcome::Done
            }
            Op::CompleteWriter { error } => {
                self.complete_writer(error);
                Outcome::Done
            }
            Op::DropWriter => {
                self.complete_writer(false);
                Outcome::Done
            }
            Op::PollRead { min } => self.read(min, true),
            Op::TryRead => self.read(0, false),
            Op::AdvanceTo { consumed, examined, consumed_foreign, examined_foreign } => {
                self.advance_to((consumed, consumed_foreign), (examined, examined_foreign))
            }
            Op::CancelPendingRead => {
                self.read_canceled = true;
                if self.reader_waiter.take().is_some() {
                    self.events.push(Event::ReaderWoken);
                }
                Outcome::Done
            }
            Op::CompleteReader { error } => {
                self.complete_reader(error);
                Outcome::Done
            }
            Op::DropReader => {
                self.complete_reader(false);
                Outcome::Done
            }
        }
    }

    /// Records the length `get_memory` actually returned.
    ///
    /// Returns `false` if it breaks W1 (shorter than `max(hint, 1)`).
    pub fn memory_returned(&mut self, hint: usize, len: usize) -> bool {
        self.memory = Some(len);
        len >= hint.max(1)
    }

    fn get_memory(&mut self, hint: usize) -> Outcome {
        if self.writer_done.is_some() {
            return Outcome::Err(PipeError::WriterCompleted);
        }
        self.abandon_flush();
        Outcome::Memory { min_len: hint.max(1) }
    }

    fn advance(&mut self, n: usize) -> Outcome {
        if self.writer_done.is_some() {
            return Outcome::Err(PipeError::WriterCompleted);
        }
        let Some(available) = self.memory else {
            return if n == 0 { Outcome::Done } else { Outcome::Unknown };
        };
        if n > available {
            return Outcome::Err(PipeError::AdvanceBeyondMemory { requested: n, available });
        }
        self.abandon_flush();
        self.memory = Some(available - n);
        self.unflushed += n as u64;
        Outcome::Done
    }

    fn write(&mut self, len: usize) -> Outcome {
        if self.writer_done.is_some() {
            return Outcome::Err(PipeError::WriterCompleted);
        }
        self.abandon_flush();
        if len > 0 {
            self.memory = None;
        }
        self.unflushed += len as u64;
        self.poll_flush()
    }

    /// The writer moved on while its flush was pending: it no longer awaits
    /// each flush, so M2 does not bind it.
    fn abandon_flush(&mut self) {
        if self.flush_waiting {
            self.flush_waiting = false;
            self.m2_exempt = true;
        }
    }

    /// Makes the unflushed bytes readable (W4), applies the pause edge (W6)
    /// and wakes a reader that can now resolve.
    fn commit(&mut self) {
        let n = core::mem::take(&mut self.unflushed);
        if n == 0 {
            return;
        }
        self.max_chunk = self.max_chunk.max(n);
        let before = self.unexamined();
        let start = self.flushed_end;
        self.flushed_end += n;
        if self.reader_done.is_some() {
            self.discard();
            return;
        }
        self.buffer.extend((start..self.flushed_end).map(pattern_byte));
        let after = self.unexamined();
        let pause = self.pause as u64;
        // A waiting read_at_least this flush does not satisfy would deadlock
        // against a paused writer (R8): the writer does not pause.
        let starves = matches!(self.reader_waiter, Some(min) if min > 0 && self.buffered() < min as u64);
        if pause > 0 && before < pause && after >= pause && !starves {
            self.paused = true;
            self.events.push(Event::Paused { exact: after == pause });
        }
        if let Some(min) = self.reader_waiter {
            if self.read_ready(min) {
                self.reader_waiter = None;
                self.events.push(Event::ReaderWoken);
            }
        }
    }

    fn poll_flush(&mut self) -> Outcome {
        if self.writer_done.is_some() {
            return Outcome::Err(PipeError::WriterCompleted);
        }
        self.commit();
        let outcome = if let Some(End::Failed(error)) = &self.reader_done {
            Outcome::Err(PipeError::ReaderFailed(error.clone()))
        } else if self.flush_canceled {
            self.flush_canceled = false;
            self.m2_exempt = true;
            Outcome::Flushed(FlushOutcome { completed: self.reader_done.is_some(), canceled: true })
        } else if self.reader_done.is_some() {
            Outcome::Flushed(FlushOutcome { completed: true, canceled: false })
        } else if self.paused {
            Outcome::FlushPending
        } else {
            Outcome::Flushed(FlushOutcome { completed: false, canceled: false })
        };
        self.flush_waiting = matches!(outcome, Outcome::FlushPending);
        outcome
    }

    fn complete_writer(&mut self, error: bool) {
        if self.writer_done.is_some() {
            return;
        }
        // W8: advanced bytes are committed, without a pause edge.
        let n = core::mem::take(&mut self.unflushed);
        self.max_chunk = self.max_chunk.max(n);
        let start = self.flushed_end;
        self.flushed_end += n;
        if self.reader_done.is_some() {
            self.discard();
        } else {
            self.buffer.extend((start..self.flushed_end).map(pattern_byte));
        }
        self.writer_done = Some(if error { End::Failed(completion_error(true)) } else { End::Clean });
        self.memory = Some(0);
        self.flush_waiting = false;
        if self.reader_waiter.take().is_some() {
            self.events.push(Event::ReaderWoken);
        }
    }

    fn read(&mut self, min: usize, register: bool) -> Outcome {
        if self.reader_done.is_some() {
            return Outcome::Err(PipeError::ReaderCompleted);
        }
        if self.outstanding.is_some() {
            return Outcome::Err(PipeError::ReadAlreadyOutstanding);
        }
        if let Some(End::Failed(error)) = &self.writer_done {
            return Outcome::Err(PipeError::WriterFailed(error.clone()));
        }
        if min > self.pause && self.pause > 0 {
            self.m2_exempt = true;
        }
        if self.read_ready(min) {
            let canceled = core::mem::take(&mut self.read_canceled);
            self.reader_waiter = None;
            self.outstanding = Some(Outstanding { start: self.consumed, end: self.flushed_end });
            return Outcome::Read(ReadOutcome {
                start: self.consumed,
                bytes: self.buffer.iter().copied().collect(),
                completed: self.writer_done.is_some(),
                canceled,
            });
        }
        if min > 0 && self.paused && self.buffered() < min as u64 {
            self.paused = false;
            self.events.push(Event::ResumedByReadAtLeast);
        }
        if register {
            self.reader_waiter = Some(min);
        }
        Outcome::ReadPending
    }

    fn advance_to(&mut self, consumed: (u64, bool), examined: (u64, bool)) -> Outcome {
        if self.reader_done.is_some() {
            return Outcome::Err(PipeError::ReaderCompleted);
        }
        let Some(outstanding) = self.outstanding else {
            return Outcome::Err(PipeError::NoOutstandingRead);
        };
        // R13: released, then foreign, then beyond the end, each class over
        // both positions (`consumed` first).
        let positions = [consumed, examined];
        if let Some(&(offset, _)) = positions.iter().find(|(offset, foreign)| !foreign && *offset < outstanding.start) {
            return Outcome::Err(PipeError::PositionReleased { offset, start: outstanding.start });
        }
        if positions.iter().any(|&(_, foreign)| foreign) {
            return Outcome::Err(PipeError::ForeignPosition);
        }
        if let Some(&(offset, _)) = positions.iter().find(|(offset, _)| *offset > outstanding.end) {
            return Outcome::Err(PipeError::PositionBeyondEnd { offset, end: outstanding.end });
        }
        let (consumed, examined) = (consumed.0, examined.0);
        if examined < consumed {
            return Outcome::Err(PipeError::ExaminedBeforeConsumed { consumed, examined });
        }
        if examined < self.examined {
            return Outcome::Err(PipeError::ExaminedMovedBack { examined, previous: self.examined });
        }
        let before = self.unexamined();
        let released = (consumed - self.consumed) as usize;
        self.buffer.drain(..released.min(self.buffer.len()));
        self.consumed = consumed;
        self.examined = examined;
        self.outstanding = None;
        let after = self.unexamined();
        let resume = self.resume as u64;
        if self.paused && before >= resume && after < resume {
            self.paused = false;
            self.events.push(Event::ResumedByAdvance);
        }
        Outcome::Done
    }

    fn complete_reader(&mut self, error: bool) {
        if self.reader_done.is_some() {
            return;
        }
        self.reader_done = Some(if error { End::Failed(completion_error(false)) } else { End::Clean });
        self.outstanding = None;
        self.reader_waiter = None;
        if self.paused {
            self.paused = false;
            self.events.push(Event::ResumedByReaderCompletion);
        }
        self.discard();
    }

    /// Reader completed: flushed bytes go nowhere (W9).
    fn discard(&mut self) {
        self.consumed = self.flushed_end;
        self.examined = self.flushed_end;
        self.buffer.clear();
    }

    fn read_ready(&self, min: usize) -> bool {
        self.read_canceled
            || self.writer_done.is_some()
            || if min == 0 { self.unexamined() > 0 } else { self.buffered() >= min as u64 }
    }

    /// Takes the events recorded since the last call.
    pub fn take_events(&mut self) -> Vec<Event> {
        core::mem::take(&mut self.events)
    }

    /// Whether a read that waits (registered, needing `min`) must have been
    /// woken by now: the event it waits for has happened (C2).
    pub fn read_would_resolve(&self, min: usize) -> bool {
        self.reader_done.is_some()
            || self.outstanding.is_some()
            || self.read_ready(min)
            || matches!(self.writer_done, Some(End::Failed(_)))
    }

    /// Whether a pending flush must have been woken by now (C2).
    pub fn flush_would_resolve(&self) -> bool {
        self.writer_done.is_some() || self.reader_done.is_some() || self.flush_canceled || !self.paused
    }

    /// Whether back pressure holds the writer (W6).
    pub fn writer_paused(&self) -> bool {
        self.paused
    }

    /// Offset just past the last flushed byte.
    pub fn flushed_end(&self) -> u64 {
        self.flushed_end
    }

    /// Offset the reader consumed to.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Offset the reader examined to.
    pub fn examined(&self) -> u64 {
        self.examined
    }

    /// Bytes advanced but not flushed (W3).
    pub fn unflushed(&self) -> u64 {
        self.unflushed
    }

    /// Flushed bytes not yet consumed.
    pub fn buffered(&self) -> u64 {
        self.flushed_end - self.consumed
    }

    /// Flushed bytes past the examined position (what W6 counts).
    pub fn unexamined(&self) -> u64 {
        self.flushed_end - self.examined
    }

    /// Whether a read is outstanding.
    pub fn read_outstanding(&self) -> bool {
        self.outstanding.is_some()
    }

    /// The outstanding read's `(start, end)` offsets.
    pub fn outstanding_bounds(&self) -> Option<(u64, u64)> {
        self.outstanding.map(|o| (o.start, o.end))
    }

    /// Whether the writer has completed (or was dropped).
    pub fn writer_completed(&self) -> bool {
        self.writer_done.is_some()
    }

    /// Whether the reader has completed (or was dropped).
    pub fn reader_completed(&self) -> bool {
        self.reader_done.is_some()
    }

    /// Whether a read waiter is registered, and what it needs.
    pub fn reader_waiter(&self) -> Option<usize> {
        self.reader_waiter
    }

    /// The M2 bound on unexamined bytes, or `None` when M2 does not apply
    /// (back pressure off, a canceled flush, `read_at_least(n > pause)`, or
    /// a writer that moved on without awaiting a flush).
    pub fn m2_bound(&self) -> Option<u64> {
        if self.pause == 0 || self.m2_exempt {
            return None;
        }
        Some(self.pause as u64 + self.max_chunk + self.minimum_segment_size as u64)
    }

    /// Whether M2 holds now.
    pub fn m2_holds(&self) -> bool {
        !matches!(self.m2_bound(), Some(bound) if self.unexamined() > bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_bytes(outcome: Outcome) -> ReadOutcome {
        match outcome {
            Outcome::Read(read) => read,
            other => panic!("expected a read, got {other:?}"),
        }
    }

    fn err(outcome: Outcome) -> PipeError {
        match outcome {
            Outcome::Err(error) => error,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    fn advance_to(m: &mut Model, consumed: u64, examined: u64) -> Outcome {
        m.apply(&Op::AdvanceTo { consumed, examined, consumed_foreign: false, examined_foreign: false })
    }

    #[test]
    fn w3_w4_bytes_visible_only_after_flush() {
        let mut m = Model::new(0, 0, 4);
        assert!(matches!(m.apply(&Op::GetMemory { hint: 3 }), Outcome::Memory { min_len: 3 }));
        assert!(m.memory_returned(3, 4));
        assert!(matches!(m.apply(&Op::Advance { n: 3 }), Outcome::Done));
        assert!(matches!(m.apply(&Op::TryRead), Outcome::ReadPending));
        assert!(matches!(
            m.apply(&Op::PollFlush),
            Outcome::Flushed(FlushOutcome { completed: false, canceled: false })
        ));
        let read = read_bytes(m.apply(&Op::TryRead));
        assert_eq!(read.bytes, (0..3).map(pattern_byte).collect::<Vec<_>>());
    }

    #[test]
    fn w2_advance_beyond_memory_commits_nothing() {
        let mut m = Model::new(0, 0, 4);
        m.apply(&Op::GetMemory { hint: 1 });
        m.memory_returned(1, 4);
        let e = err(m.apply(&Op::Advance { n: 5 }));
        assert!(same_error(&e, &PipeError::AdvanceBeyondMemory { requested: 5, available: 4 }));
        assert_eq!(m.unflushed(), 0);
    }

    #[test]
    fn w6_pause_and_resume_are_crossings() {
        let mut m = Model::new(4, 2, 1);
        assert!(matches!(m.apply(&Op::Write { len: 3 }), Outcome::Flushed(_)));
        assert!(matches!(m.apply(&Op::Write { len: 1 }), Outcome::FlushPending));
        assert!(m.take_events().contains(&Event::Paused { exact: true }));
        read_bytes(m.apply(&Op::PollRead { min: 0 }));
        // Examining 1 of 4 leaves 3 >= resume: still paused.
        advance_to(&mut m, 0, 1);
        assert!(m.writer_paused());
        read_bytes(m.apply(&Op::PollRead { min: 0 }));
        advance_to(&mut m, 2, 3);
        assert!(!m.writer_paused());
        assert!(m.flush_would_resolve());
    }

    #[test]
    fn r4_examined_at_end_waits() {
        let mut m = Model::new(0, 0, 4);
        m.apply(&Op::Write { len: 2 });
        read_bytes(m.apply(&Op::PollRead { min: 0 }));
        advance_to(&mut m, 0, 2);
        assert!(matches!(m.apply(&Op::PollRead { min: 0 }), Outcome::ReadPending));
        assert!(!m.read_would_resolve(0));
        m.apply(&Op::Write { len: 1 });
        assert!(m.take_events().contains(&Event::ReaderWoken));
        assert_eq!(read_bytes(m.apply(&Op::PollRead { min: 0 })).bytes.len(), 3);
    }

    #[test]
    fn r8_read_at_least_resumes_paused_writer() {
        let mut m = Model::new(2, 1, 1);
        m.apply(&Op::Write { len: 2 });
        assert!(m.writer_paused());
        assert!(matches!(m.apply(&Op::PollRead { min: 5 }), Outcome::ReadPending));
        assert!(!m.writer_paused());
        assert!(m.m2_bound().is_none());
    }

    #[test]
    fn r9_w7_cancel_is_sticky_and_cleared_once() {
        let mut m = Model::new(0, 0, 4);
        m.apply(&Op::CancelPendingRead);
        assert!(read_bytes(m.apply(&Op::TryRead)).canceled);
        advance_to(&mut m, 0, 0);
        assert!(matches!(m.apply(&Op::TryRead), Outcome::ReadPending));
        m.apply(&Op::CancelPendingFlush);
        assert!(matches!(m.apply(&Op::PollFlush), Outcome::Flushed(FlushOutcome { canceled: true, .. })));
        assert!(matches!(m.apply(&Op::PollFlush), Outcome::Flushed(FlushOutcome { canceled: false, .. })));
    }

    #[test]
    fn r6_r13_error_order() {
        let mut m = Model::new(0, 0, 4);
        assert!(same_error(&err(advance_to(&mut m, 0, 0)), &PipeError::NoOutstandingRead));
        m.apply(&Op::Write { len: 4 });
        read_bytes(m.apply(&Op::PollRead { min: 0 }));
        assert!(same_error(&err(m.apply(&Op::TryRead)), &PipeError::ReadAlreadyOutstanding));
        assert!(same_error(&err(advance_to(&mut m, 5, 5)), &PipeError::PositionBeyondEnd { offset: 5, end: 4 }));
        assert!(same_error(
            &err(advance_to(&mut m, 3, 1)),
            &PipeError::ExaminedBeforeConsumed { consumed: 3, examined: 1 }
        ));
        advance_to(&mut m, 1, 3);
        read_bytes(m.apply(&Op::PollRead { min: 1 }));
        assert!(same_error(&err(advance_to(&mut m, 0, 3)), &PipeError::PositionReleased { offset: 0, start: 1 }));
        assert!(same_error(&err(advance_to(&mut m, 2, 2)), &PipeError::ExaminedMovedBack { examined: 2, previous: 3 }));
        let foreign =
            m.apply(&Op::AdvanceTo { consumed: 2, examined: 3, consumed_foreign: true, examined_foreign: false });
        assert!(same_error(&err(foreign), &PipeError::ForeignPosition));
        m.apply(&Op::CompleteReader { error: false });
        assert!(same_error(&err(m.apply(&Op::TryRead)), &PipeError::ReaderCompleted));
    }

    #[test]
    fn r10_r11_w8_w9_completion() {
        let mut m = Model::new(0, 0, 4);
        m.apply(&Op::GetMemory { hint: 2 });
        m.memory_returned(2, 4);
        m.apply(&Op::Advance { n: 2 });
        m.apply(&Op::CompleteWriter { error: false });
        m.apply(&Op::CompleteWriter { error: true });
        let read = read_bytes(m.apply(&Op::PollRead { min: 0 }));
        assert!(read.completed && read.bytes.len() == 2);
        assert!(same_error(&err(m.apply(&Op::Write { len: 1 })), &PipeError::WriterCompleted));

        let mut m = Model::new(0, 0, 4);
        m.apply(&Op::CompleteWriter { error: true });
        assert!(matches!(err(m.apply(&Op::PollRead { min: 0 })), PipeError::WriterFailed(_)));

        let mut m = Model::new(0, 0, 4);
        m.apply(&Op::DropReader);
        assert!(matches!(m.apply(&Op::Write { len: 3 }), Outcome::Flushed(FlushOutcome { completed: true, .. })));
        assert_eq!(m.buffered(), 0);
    }

    #[test]
    fn m2_bound_and_exemptions() {
        let mut m = Model::new(8, 4, 2);
        m.apply(&Op::Write { len: 3 });
        assert_eq!(m.m2_bound(), Some(8 + 3 + 2));
        m.apply(&Op::CancelPendingFlush);
        m.apply(&Op::PollFlush);
        assert!(m.m2_bound().is_none());
    }
}
