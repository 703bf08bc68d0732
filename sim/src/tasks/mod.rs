//! The tasks: the single pipe's writer and reader, and a topology's
//! sources, relay and sinks. Each task steps against the [`World`].

mod reader;
mod relay;
mod sink;
mod source;
mod state;
mod writer;

use models::driver::Wait;

use crate::sched::Check;
use crate::tasks::state::{ReaderState, WriterState};
use crate::world::World;

pub(crate) use reader::Reader;
pub(crate) use relay::Relay;
pub(crate) use sink::Sink;
pub(crate) use source::Source;
pub(crate) use writer::Writer;

/// One task of a scenario.
#[derive(Debug)]
pub(crate) enum Task {
    /// The single pipe's writer.
    Writer(Writer),
    /// The single pipe's reader.
    Reader(Reader),
    /// A topology's source writer.
    Source(Source),
    /// A topology's sink reader.
    Sink(Sink),
    /// A topology's relay.
    Relay(Relay),
}

impl Task {
    /// The single pipe's writer of pipe `pipe`.
    pub(crate) fn writer(pipe: usize) -> Self {
        Task::Writer(Writer { pipe, state: WriterState::Active })
    }

    /// A source writer of pipe `pipe`.
    pub(crate) fn source(pipe: usize) -> Self {
        Task::Source(Source { pipe, state: WriterState::Active })
    }

    /// One step of the task `me`.
    pub(crate) fn step(&mut self, me: usize, w: &mut World) -> Check {
        match self {
            Task::Writer(t) => t.step(me, w),
            Task::Reader(t) => t.step(me, w),
            Task::Source(t) => t.step(me, w),
            Task::Sink(t) => t.step(me, w),
            Task::Relay(t) => t.step(me, w),
        }
    }

    /// What the task `me` waits for, as `(me, pipe, event)` pushed onto `into`.
    pub(crate) fn waits(&self, me: usize, into: &mut Vec<(usize, usize, Wait)>) {
        match self {
            Task::Writer(Writer { pipe, state: WriterState::WaitingFlush })
            | Task::Source(Source { pipe, state: WriterState::WaitingFlush }) => into.push((me, *pipe, Wait::Flush)),
            Task::Reader(Reader { pipe, state: ReaderState::WaitingRead { min }, .. })
            | Task::Sink(Sink { pipe, state: ReaderState::WaitingRead { min }, .. }) => {
                into.push((me, *pipe, Wait::Read { min: *min }))
            }
            Task::Relay(r) => r.waits(me, into),
            _ => {}
        }
    }

    /// The task waits for an event (and runs only when woken).
    pub(crate) fn waiting(&self) -> bool {
        match self {
            Task::Writer(t) => t.state == WriterState::WaitingFlush,
            Task::Source(t) => t.state == WriterState::WaitingFlush,
            Task::Reader(t) => matches!(t.state, ReaderState::WaitingRead { .. }),
            Task::Sink(t) => matches!(t.state, ReaderState::WaitingRead { .. }),
            Task::Relay(t) => t.waiting(),
        }
    }

    /// The task has finished.
    pub(crate) fn gone(&self) -> bool {
        match self {
            Task::Writer(t) => t.state == WriterState::Gone,
            Task::Reader(t) => t.state == ReaderState::Gone,
            Task::Source(t) => t.state == WriterState::Gone,
            Task::Sink(t) => t.state == ReaderState::Gone,
            Task::Relay(t) => t.state == relay::State::Gone,
        }
    }

    /// The task's state, for failure messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Task::Writer(t) => format!("writer({}) {:?}", t.pipe, t.state),
            Task::Reader(t) => format!("reader({}) {:?}", t.pipe, t.state),
            Task::Source(t) => format!("source({}) {:?}", t.pipe, t.state),
            Task::Sink(t) => format!("sink({}) {:?}", t.pipe, t.state),
            Task::Relay(t) => format!("relay {:?}", t.state),
        }
    }
}
