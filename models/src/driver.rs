//! The differential driver: one real pipe and its reference model, driven
//! together.
//!
//! Every call goes to the pipe and to the [`Model`]; the answers must agree
//! exactly: results, `is_completed`/`is_canceled`, error variants with their
//! values, and bytes (against the model when the writer writes
//! [`pattern_byte`]s, and always against the bytes the writer committed).
//! [`Driver::check`] compares the counters and checks the invariants (M1,
//! M2) after a step; [`Driver::would_resolve`] says whether a waiting poll's
//! event has happened (C2). The simulator (every scenario), the `pipe_ops`
//! fuzz target and the property tests drive their pipes through it; how a
//! caller reacts to a difference (a failed run, a panic) is its own.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use pipe_core::{CancelHandle, FlushResult, PipeError, PipeReader, PipeWriter, Position, ReadResult, Sequence};

use crate::reference::{completion_error, pattern_byte, same_error, FlushOutcome, Model, Op, Outcome, ReadOutcome};

/// A difference between the pipe and the model, or a broken invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// `mismatch`, `m1` or `m2`.
    pub kind: &'static str,
    /// What was expected and what happened, naming the pipe.
    pub message: String,
}

/// A driver call's result: the agreed answer, or how they differ.
pub type Checked<T> = Result<T, Mismatch>;

/// What a read poll gave, agreed by the pipe and the model.
#[derive(Debug)]
pub enum ReadPoll<T> {
    /// The read waits (`try_read`: `None`).
    Pending,
    /// The read failed with this error.
    Failed(PipeError),
    /// The read resolved; what the caller's `then` made of the buffer.
    Ready(T),
}

/// What a flush (or `write`) poll gave, agreed by the pipe and the model.
#[derive(Debug)]
pub enum FlushPoll {
    /// The flush waits (back pressure).
    Pending,
    /// The flush resolved.
    Done(FlushOutcome),
    /// The flush failed with this error.
    Failed(PipeError),
}

/// The event a waiting poll needs (C2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// A pending flush.
    Flush,
    /// A pending read needing `min` bytes (0: a plain read).
    Read {
        /// Bytes the read needs.
        min: usize,
    },
}

/// Who cancels: the half itself, or a [`CancelHandle`] (a third task).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// The half's own `cancel_pending_*`.
    Own,
    /// The pipe's cancel handle.
    Handle,
}

/// One pipe under test and its model.
#[derive(Debug)]
pub struct Driver {
    /// The reference model, advanced with every call.
    pub model: Model,
    /// The reader, until dropped.
    pub reader: Option<PipeReader>,
    /// The writer, until dropped.
    pub writer: Option<PipeWriter>,
    /// The reader's and the writer's cancel handles (kept to the end, so
    /// M3 is checked with a third party still holding the pipe).
    handles: Option<(CancelHandle, CancelHandle)>,
    /// Every byte the writer committed, in order.
    pub log: Vec<u8>,
    /// Operations applied to the model.
    pub ops: usize,
    /// The writer writes `pattern_byte(offset)`, so the model knows the bytes.
    pattern: bool,
    /// Names the pipe in messages (`""` or `"pipe 2: "`).
    name: String,
    /// The last `get_memory`: its start offset, its length, the bytes
    /// copied into it over the pattern, and how many of it are committed.
    memory: (u64, usize),
    data: Vec<u8>,
    committed: usize,
}

impl Driver {
    /// Drives `pipe` against `model`; the writer writes pattern bytes.
    pub fn new((reader, writer): (PipeReader, PipeWriter), model: Model) -> Self {
        Self {
            model,
            handles: Some((reader.cancel_handle(), writer.cancel_handle())),
            reader: Some(reader),
            writer: Some(writer),
            log: Vec::new(),
            ops: 0,
            pattern: true,
            name: String::new(),
            memory: (0, 0),
            data: Vec::new(),
            committed: 0,
        }
    }

    /// Names the pipe in messages (`"pipe 2: "`).
    pub fn named(mut self, name: String) -> Self {
        self.name = name;
        self
    }

    /// The writer writes other bytes than the pattern: reads are checked
    /// against the committed bytes only (the model still decides start,
    /// length and flags).
    pub fn not_pattern(mut self) -> Self {
        self.pattern = false;
        self
    }

    /// Applies `op` to the model only.
    pub fn apply(&mut self, op: &Op) -> Outcome {
        self.ops += 1;
        self.model.apply(op)
    }

    /// Offset of the next byte the writer commits.
    pub fn end(&self) -> u64 {
        self.model.flushed_end() + self.model.unflushed()
    }

    /// Compares a call with nothing to return.
    fn unit(
        &self,
        what: &dyn core::fmt::Display,
        expected: &Outcome,
        actual: Result<(), PipeError>,
    ) -> Checked<Result<(), PipeError>> {
        match (expected, &actual) {
            (Outcome::Err(e), Err(a)) if same_error(e, a) => Ok(actual),
            (Outcome::Done | Outcome::Memory { .. } | Outcome::Flushed(_) | Outcome::Unknown, Ok(())) => Ok(actual),
            _ => mismatch(&self.name, format!("{what}: model says {expected:?}, pipe answered {actual:?}")),
        }
    }

    /// `get_memory(hint)`: at least the model's length (W1). The memory is
    /// filled with pattern bytes, then with `data` from its start; returns
    /// the memory's length.
    pub fn get_memory(&mut self, hint: usize, data: Option<&[u8]>) -> Checked<Result<usize, PipeError>> {
        let expected = self.apply(&Op::GetMemory { hint });
        let start = self.end();
        let Some(writer) = self.writer.as_mut() else { return Ok(Err(PipeError::WriterCompleted)) };
        match (&expected, writer.get_memory(hint)) {
            (Outcome::Memory { min_len }, Ok(memory)) => {
                let len = memory.len();
                if len < *min_len {
                    return mismatch(&self.name, format!("W1: get_memory({hint}) gave {len} bytes"));
                }
                for (i, byte) in memory.iter_mut().enumerate() {
                    *byte = pattern_byte(start + i as u64);
                }
                self.data.clear();
                if let Some(data) = data {
                    let n = data.len().min(len);
                    memory[..n].copy_from_slice(&data[..n]);
                    self.data.extend_from_slice(&data[..n]);
                }
                self.memory = (start, len);
                self.committed = 0;
                self.model.memory_returned(hint, len);
                Ok(Ok(len))
            }
            (Outcome::Err(e), Err(a)) if same_error(e, &a) => Ok(Err(a)),
            (expected, actual) => {
                let actual = actual.map(|m| m.len());
                mismatch(&self.name, format!("get_memory({hint}): model {expected:?}, pipe {actual:?}"))
            }
        }
    }

    /// `advance(n)` (W2 past the memory).
    pub fn advance(&mut self, n: usize) -> Checked<Result<(), PipeError>> {
        let expected = self.apply(&Op::Advance { n });
        let actual = self.writer.as_mut().map_or(Ok(()), |w| w.advance(n));
        let actual = self.unit(&format_args!("advance({n})"), &expected, actual)?;
        if actual.is_ok() {
            let (start, len) = self.memory;
            let end = (self.committed + n).min(len);
            let data = &self.data;
            self.log.extend(
                (self.committed..end).map(|i| data.get(i).copied().unwrap_or_else(|| pattern_byte(start + i as u64))),
            );
            self.committed = end;
        }
        Ok(actual)
    }

    /// `unflushed_bytes` against the model (W3).
    pub fn check_unflushed(&self) -> Checked<()> {
        let unflushed = self.writer.as_ref().map_or(0, |w| w.unflushed_bytes()) as u64;
        if unflushed != self.model.unflushed() {
            return mismatch(&self.name, format!("W3: unflushed_bytes {unflushed}, model {}", self.model.unflushed()));
        }
        Ok(())
    }

    /// `write(data)` and one poll of its future under `waker`.
    pub fn write(&mut self, data: &[u8], waker: &Waker) -> Checked<FlushPoll> {
        let expected = self.apply(&Op::Write { len: data.len() });
        let Some(writer) = self.writer.as_mut() else { return Ok(FlushPoll::Failed(PipeError::WriterCompleted)) };
        let actual = Pin::new(&mut writer.write(data)).poll(&mut Context::from_waker(waker));
        if !matches!(expected, Outcome::Err(_)) {
            self.log.extend_from_slice(data);
        }
        self.flush_poll("write", &expected, actual)
    }

    /// One `poll_flush` under `waker`.
    pub fn poll_flush(&mut self, waker: &Waker) -> Checked<FlushPoll> {
        let expected = self.apply(&Op::PollFlush);
        let Some(writer) = self.writer.as_mut() else { return Ok(FlushPoll::Failed(PipeError::WriterCompleted)) };
        let actual = writer.poll_flush(&mut Context::from_waker(waker));
        self.flush_poll("poll_flush", &expected, actual)
    }

    fn flush_poll(
        &self,
        what: &str,
        expected: &Outcome,
        actual: Poll<Result<FlushResult, PipeError>>,
    ) -> Checked<FlushPoll> {
        match (expected, actual) {
            (Outcome::FlushPending, Poll::Pending) => Ok(FlushPoll::Pending),
            (Outcome::Flushed(want), Poll::Ready(Ok(r)))
                if r.is_completed() == want.completed && r.is_canceled() == want.canceled =>
            {
                Ok(FlushPoll::Done(*want))
            }
            (Outcome::Err(e), Poll::Ready(Err(a))) if same_error(e, &a) => Ok(FlushPoll::Failed(a)),
            (expected, actual) => {
                mismatch(&self.name, format!("{what}: model says {expected:?}, pipe answered {actual:?}"))
            }
        }
    }

    /// `cancel_pending_flush` (W7), by the writer or through its handle.
    pub fn cancel_flush(&mut self, by: By) {
        match by {
            By::Own => self.writer.iter().for_each(PipeWriter::cancel_pending_flush),
            By::Handle => self.handles.iter().for_each(|(_, h)| h.cancel_pending_flush()),
        }
        self.apply(&Op::CancelPendingFlush);
    }

    /// `cancel_pending_read` (R9), by the reader or through its handle.
    pub fn cancel_read(&mut self, by: By) {
        match by {
            By::Own => self.reader.iter().for_each(PipeReader::cancel_pending_read),
            By::Handle => self.handles.iter().for_each(|(h, _)| h.cancel_pending_read()),
        }
        self.apply(&Op::CancelPendingRead);
    }

    /// The writer's `complete`, with the model's error when `error`.
    pub fn complete_writer(&mut self, error: bool) {
        if let Some(w) = self.writer.as_mut() {
            w.complete(error.then(|| completion_error(true)));
        }
        self.apply(&Op::CompleteWriter { error });
    }

    /// Drops the writer (R12).
    pub fn drop_writer(&mut self) {
        self.writer = None;
        self.apply(&Op::DropWriter);
    }

    /// The reader's `complete`, with the model's error when `error`.
    pub fn complete_reader(&mut self, error: bool) {
        if let Some(r) = self.reader.as_mut() {
            r.complete(error.then(|| completion_error(false)));
        }
        self.apply(&Op::CompleteReader { error });
    }

    /// Drops the reader (R12).
    pub fn drop_reader(&mut self) {
        self.reader = None;
        self.apply(&Op::DropReader);
    }

    /// One poll of a read under `waker` (`min > 0`: `poll_read_at_least`),
    /// or a `try_read` when `!wait`. A resolved read must match the model
    /// (start, length, flags, bytes), the committed bytes, and R1; `then`
    /// sees it, its bytes and the model before the reader moves on.
    pub fn read<T>(
        &mut self,
        waker: &Waker,
        min: usize,
        wait: bool,
        then: impl FnOnce(&ReadResult<'_>, ReadOutcome, &Model) -> Checked<T>,
    ) -> Checked<ReadPoll<T>> {
        let expected = self.apply(&if wait { Op::PollRead { min } } else { Op::TryRead });
        let Some(reader) = self.reader.as_mut() else { return Ok(ReadPoll::Failed(PipeError::ReaderCompleted)) };
        let cx = &mut Context::from_waker(waker);
        let actual = if !wait {
            match reader.try_read() {
                Ok(Some(r)) => Poll::Ready(Ok(r)),
                Ok(None) => Poll::Pending,
                Err(e) => Poll::Ready(Err(e)),
            }
        } else if min == 0 {
            reader.poll_read(cx)
        } else {
            reader.poll_read_at_least(cx, min)
        };
        let what = || format!("read(min {min}, wait {wait})");
        match (&expected, actual) {
            (Outcome::ReadPending, Poll::Pending) => Ok(ReadPoll::Pending),
            (Outcome::Err(e), Poll::Ready(Err(a))) if same_error(e, &a) => Ok(ReadPoll::Failed(a)),
            (Outcome::Read(want), Poll::Ready(Ok(result))) => {
                let got = ReadOutcome {
                    start: result.buffer().start().offset(),
                    bytes: result.buffer().to_vec(),
                    completed: result.is_completed(),
                    canceled: result.is_canceled(),
                };
                let logged = usize::try_from(got.start).ok().and_then(|s| self.log.get(s..s + got.bytes.len()));
                let as_logged = logged == Some(got.bytes.as_slice());
                let as_modelled = if self.pattern { *want == got } else { same_shape(want, &got) };
                if !as_modelled || !as_logged {
                    let bytes = truncated(&got.bytes);
                    return mismatch(
                        &self.name,
                        format!(
                            "{}: model says {expected:?}, pipe answered Read {{ start: {}, len: {}, completed: {}, \
                         canceled: {}, bytes: {bytes} }} (bytes match the writer's: {as_logged})",
                            what(),
                            got.start,
                            got.bytes.len(),
                            got.completed,
                            got.canceled
                        ),
                    );
                }
                if !got.completed && !got.canceled && got.bytes.is_empty() {
                    return mismatch(&self.name, format!("R1: {} resolved with an empty buffer", what()));
                }
                then(&result, got, &self.model).map(ReadPoll::Ready)
            }
            (_, actual) => {
                mismatch(&self.name, format!("{}: model says {expected:?}, pipe answered {}", what(), describe(actual)))
            }
        }
    }

    /// `advance_to(consumed, examined)`; each position comes with whether it
    /// belongs to another sequence (R6, R13).
    pub fn advance_to(
        &mut self,
        (consumed, consumed_foreign): (Position, bool),
        (examined, examined_foreign): (Position, bool),
    ) -> Checked<Result<(), PipeError>> {
        let expected = self.apply(&Op::AdvanceTo {
            consumed: consumed.offset(),
            examined: examined.offset(),
            consumed_foreign,
            examined_foreign,
        });
        let actual = self.reader.as_mut().map_or(Ok(()), |r| r.advance_to(consumed, examined));
        self.unit(&"advance_to", &expected, actual)
    }

    /// After a step: the counters and completion flags equal the model's,
    /// M2 holds, and with every byte consumed at most the writer's segment
    /// stays rented (M1).
    pub fn check(&self) -> Checked<()> {
        let stats = match (&self.reader, &self.writer) {
            (Some(r), _) => r.stats(),
            (None, Some(w)) => w.stats(),
            (None, None) => return Ok(()),
        };
        let m = &self.model;
        let model = (m.flushed_end(), m.consumed(), m.examined(), m.writer_paused());
        let real = (stats.flushed_end, stats.consumed, stats.examined, stats.writer_paused);
        if model != real {
            return mismatch(
                &self.name,
                format!("state (flushed_end, consumed, examined, paused): model {model:?}, pipe {real:?}"),
            );
        }
        if (m.writer_completed(), m.reader_completed()) != (stats.writer_completed, stats.reader_completed) {
            return mismatch(&self.name, format!("completion flags: pipe {stats:?}"));
        }
        if !m.m2_holds() {
            let message =
                format!("{}M2: {} unexamined bytes exceed the bound {:?}", self.name, m.unexamined(), m.m2_bound());
            return Err(Mismatch { kind: "m2", message });
        }
        if !m.read_outstanding() && m.buffered() == 0 && m.unflushed() == 0 && !m.reader_completed() {
            let allowed = usize::from(!m.writer_completed());
            if stats.segments_rented > allowed {
                let message = format!(
                    "{}M1: {} segments rented with every byte consumed (allowed {allowed})",
                    self.name, stats.segments_rented
                );
                return Err(Mismatch { kind: "m1", message });
            }
        }
        Ok(())
    }

    /// Whether a poll waiting for `wait` must have been woken by now: its
    /// half is there and the model says the event happened (C2).
    pub fn would_resolve(&self, wait: Wait) -> bool {
        match wait {
            Wait::Flush => self.writer.is_some() && self.model.flush_would_resolve(),
            Wait::Read { min } => self.reader.is_some() && self.model.read_would_resolve(min),
        }
    }
}

/// `len` pattern bytes from offset `start`.
pub fn pattern(start: u64, len: usize) -> Vec<u8> {
    (start..start + len as u64).map(pattern_byte).collect()
}

/// Slices `a..b` of `buffer` by offsets and by positions (S2, S3) and
/// compares both with `want[a..b]`.
pub fn check_slices(buffer: &Sequence<'_>, want: &[u8], a: usize, b: usize) -> Checked<()> {
    let want = want.get(a..b).unwrap_or(&[]);
    let by_offsets = buffer.slice(a, b).map(|s| s.to_vec());
    let by_positions = buffer
        .get_position(a)
        .and_then(|pa| buffer.get_position(b).and_then(|pb| buffer.slice_positions(pa, pb)))
        .map(|s| s.to_vec());
    for (how, got) in [("slice", by_offsets), ("slice_positions", by_positions)] {
        if !matches!(&got, Ok(got) if got == want) {
            let message = format!(
                "{how}({a}, {b}) of a {}-byte buffer: {:?}, expected {}",
                buffer.len(),
                got.map(|g| truncated(&g)),
                truncated(want)
            );
            return Err(Mismatch { kind: "mismatch", message });
        }
    }
    Ok(())
}

fn mismatch<T>(name: &str, message: String) -> Checked<T> {
    Err(Mismatch { kind: "mismatch", message: format!("{name}{message}") })
}

/// Same start, length and flags; the bytes are not the model's to know.
fn same_shape(want: &ReadOutcome, got: &ReadOutcome) -> bool {
    (want.start, want.bytes.len(), want.completed, want.canceled)
        == (got.start, got.bytes.len(), got.completed, got.canceled)
}

fn describe(actual: Poll<Result<ReadResult<'_>, PipeError>>) -> String {
    match actual {
        Poll::Pending => "Pending".to_string(),
        Poll::Ready(Ok(r)) => format!(
            "Read {{ start: {}, len: {}, completed: {}, canceled: {} }}",
            r.buffer().start().offset(),
            r.buffer().len(),
            r.is_completed(),
            r.is_canceled()
        ),
        Poll::Ready(Err(e)) => format!("Err({e:?})"),
    }
}

/// Bytes for a message: the first 32 and the length.
pub fn truncated(bytes: &[u8]) -> String {
    if bytes.len() <= 32 {
        format!("{bytes:?}")
    } else {
        format!("{:?}… ({} bytes)", &bytes[..32], bytes.len())
    }
}
