//! Workload (f): count the lines of a text stream. pipe-core's reader scans
//! its buffer in place with a `SequenceReader`; the peers go through
//! `BufRead::read_line`, which copies each line into a `String`. Every
//! reader checksums the bytes of the lines it found and counts them; both
//! must match the writer's.

use std::io::{BufRead, BufReader, Write};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use pipe_core::{pipe, PipeOptions, PipeReader, SequenceReader};

use crate::check::Checksum;
use crate::data::Plan;
use crate::systems::{join, spawn, Outcome};

/// A line-counting configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LineReader {
    /// pipe-core (blocking API, 2 threads), lines found in place with `SequenceReader::try_read_to`.
    PipeSequenceReader,
    /// pipe-core (blocking API, 2 threads) through its `BufRead::read_line`.
    PipeReadLine,
    /// `std::io::pipe` behind a 64 KiB `BufReader`, `BufRead::read_line`.
    OsPipeReadLine,
}

impl LineReader {
    /// Every configuration, in table order.
    pub const ALL: [LineReader; 3] =
        [LineReader::PipeSequenceReader, LineReader::PipeReadLine, LineReader::OsPipeReadLine];

    /// Name in tables.
    pub fn label(self) -> &'static str {
        match self {
            LineReader::PipeSequenceReader => "pipe-core + `SequenceReader` (zero-copy)",
            LineReader::PipeReadLine => "pipe-core + `BufRead::read_line`",
            LineReader::OsPipeReadLine => "`std::io::pipe` + `BufReader` + `BufRead::read_line`",
        }
    }
}

fn pipe_failure(what: &'static str) -> impl Fn(pipe_core::PipeError) -> String {
    move |e| format!("{what}: {e}")
}

fn io_failure(what: &'static str) -> impl Fn(std::io::Error) -> String {
    move |e| format!("{what}: {e}")
}

/// Streams `plan` (text) through `config`; checks line count and checksum; returns the wall time.
pub fn run(config: LineReader, plan: &Arc<Plan>) -> Outcome<Duration> {
    let started = Instant::now();
    let (lines, sum) = match config {
        LineReader::PipeSequenceReader => pipe_sequence_reader(plan)?,
        LineReader::PipeReadLine => pipe_read_line(plan)?,
        LineReader::OsPipeReadLine => os_pipe_read_line(plan)?,
    };
    let elapsed = started.elapsed();
    plan.verify(config.label(), sum)?;
    if lines != plan.newlines() {
        return Err(format!("{}: counted {lines} lines, the writer sent {}", config.label(), plan.newlines()));
    }
    Ok(elapsed)
}

/// A pipe whose writer half a thread fills with the plan's writes, then
/// completes; returns the reader and that thread.
fn pipe_with_writer(plan: &Arc<Plan>) -> Outcome<(PipeReader, JoinHandle<Outcome<()>>)> {
    let (reader, mut writer) = pipe(PipeOptions::default()).map_err(pipe_failure("pipe"))?;
    let wplan = plan.clone();
    let writer_thread = spawn("writer", move || {
        for chunk in wplan.writes() {
            writer.write_blocking(chunk).map_err(pipe_failure("write_blocking"))?;
        }
        writer.complete(None);
        Ok(())
    });
    Ok((reader, writer_thread))
}

fn pipe_sequence_reader(plan: &Arc<Plan>) -> Outcome<(u64, (u64, u64))> {
    let (mut reader, writer_thread) = pipe_with_writer(plan)?;
    let mut sum = Checksum::new();
    let mut lines = 0u64;
    loop {
        let result = reader.read_blocking().map_err(pipe_failure("read_blocking"))?;
        let buffer = result.buffer();
        let mut scan = SequenceReader::new(buffer);
        while let Some(line) = scan.try_read_to(b'\n', true) {
            for chunk in line.chunks() {
                sum.update(chunk);
            }
            sum.update(b"\n");
            lines += 1;
        }
        if result.is_completed() {
            // A last line without a newline is not a line, but its bytes count.
            for chunk in scan.unread_sequence().chunks() {
                sum.update(chunk);
            }
            break;
        }
        // Consume the whole lines, examine the partial one: wait for more.
        let (consumed, end) = (scan.position(), buffer.end());
        reader.advance_to(consumed, end).map_err(pipe_failure("advance_to"))?;
    }
    join(writer_thread, "writer")?;
    Ok((lines, sum.value()))
}

fn count_lines(mut input: impl BufRead) -> Outcome<(u64, (u64, u64))> {
    let mut sum = Checksum::new();
    let mut lines = 0u64;
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line).map_err(io_failure("read_line"))? == 0 {
            return Ok((lines, sum.value()));
        }
        sum.update(line.as_bytes());
        lines += u64::from(line.ends_with('\n'));
    }
}

fn pipe_read_line(plan: &Arc<Plan>) -> Outcome<(u64, (u64, u64))> {
    let (reader, writer_thread) = pipe_with_writer(plan)?;
    let counted = count_lines(reader.into_std())?;
    join(writer_thread, "writer")?;
    Ok(counted)
}

fn os_pipe_read_line(plan: &Arc<Plan>) -> Outcome<(u64, (u64, u64))> {
    let (pipe_reader, mut pipe_writer) = std::io::pipe().map_err(io_failure("std::io::pipe"))?;
    let wplan = plan.clone();
    let writer_thread = spawn("writer", move || {
        for chunk in wplan.writes() {
            pipe_writer.write_all(chunk).map_err(io_failure("write_all"))?;
        }
        Ok(())
    });
    let counted = count_lines(BufReader::with_capacity(64 * 1024, pipe_reader))?;
    join(writer_thread, "writer")?;
    Ok(counted)
}
