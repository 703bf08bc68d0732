//! The tasks: the single pipe's writer and reader, and a topology's
//! sources, relay and sinks. Each task steps against the [`World`].

mod reader;
mod relay;
mod sink;
mod source;
mod writer;

use models::driver::Wait;

use crate::sched::Check;
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
        Task::Writer(Writer { pipe, state: writer::State::Active })
    }

    /// A source writer of pipe `pipe`.
    pub(crate) fn source(pipe: usize) -> Self {
        Task::Source(Source { pipe, state: source::State::Active })
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

    /// What the task waits for, `(pipe, event)`; empty while it can run.
    pub(crate) fn waits(&self) -> Vec<(usize, Wait)> {
        match self {
            Task::Writer(Writer { pipe, state: writer::State::WaitingFlush })
            | Task::Source(Source { pipe, state: source::State::WaitingFlush }) => vec![(*pipe, Wait::Flush)],
            Task::Reader(Reader { pipe, state: reader::State::WaitingRead { min }, .. })
            | Task::Sink(Sink { pipe, state: sink::State::WaitingRead { min }, .. }) => {
                vec![(*pipe, Wait::Read { min: *min })]
            }
            Task::Relay(r) => r.waits(),
            _ => Vec::new(),
        }
    }

    /// The task has finished.
    pub(crate) fn gone(&self) -> bool {
        match self {
            Task::Writer(t) => t.state == writer::State::Gone,
            Task::Reader(t) => matches!(t.state, reader::State::Gone),
            Task::Source(t) => t.state == source::State::Gone,
            Task::Sink(t) => t.state == sink::State::Gone,
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
