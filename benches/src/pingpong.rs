//! One-byte ping-pong: the ping side sends a byte, the pong side echoes it,
//! and the round trip is timed. Every echoed byte is checked against the
//! one sent (the byte is the round's number, so a stale or lost byte shows).

use std::io::{Read, Write};
use std::time::Instant;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use pipe_core::{pipe, PipeOptions, PipeReader, PipeWriter, Position, ReadResult};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::systems::{join, runtime, spawn, Outcome, System, CAPACITY};

/// The systems that can ping-pong, in table order (`BufWriter` would need a
/// flush per byte, which makes it the plain OS pipe; one thread cannot wait
/// for itself).
pub const SYSTEMS: [System; 6] =
    [System::PipeAsync, System::PipeBlocking, System::OsPipe, System::Duplex, System::Piper, System::Rtrb];

/// Name of a ping-pong row (`rtrb` spins here instead of yielding).
pub fn label(system: System) -> &'static str {
    match system {
        System::Rtrb => "`rtrb` 64 KiB, spin loop",
        other => other.label(),
    }
}

fn mismatch(sent: u8, got: u8) -> String {
    format!("ping-pong: sent byte {sent}, the echo was {got}")
}

fn pipe_failure(what: &'static str) -> impl Fn(pipe_core::PipeError) -> String {
    move |e| format!("{what}: {e}")
}

fn io_failure(what: &'static str) -> impl Fn(std::io::Error) -> String {
    move |e| format!("{what}: {e}")
}

/// Times `warmup + samples` round trips of `system`; returns the last
/// `samples` round-trip times in nanoseconds.
pub fn run(system: System, warmup: usize, samples: usize) -> Outcome<Vec<u64>> {
    let rounds = warmup + samples;
    let mut times = match system {
        System::PipeAsync => pipe_async(rounds)?,
        System::PipeBlocking => pipe_blocking(rounds)?,
        System::OsPipe => os_pipe(rounds)?,
        System::Duplex => duplex(rounds)?,
        System::Piper => piper_pipe(rounds)?,
        System::Rtrb => rtrb_spin(rounds)?,
        System::PipeOneThread | System::OsPipeBuffered => {
            return Err(format!("{} does not ping-pong", system.label()));
        }
    };
    times.drain(..warmup.min(times.len()));
    Ok(times)
}

/// The ping side's loop over a blocking round trip.
fn ping(rounds: usize, mut round_trip: impl FnMut(u8) -> Outcome<u8>) -> Outcome<Vec<u64>> {
    let mut times = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let sent = i as u8;
        let started = Instant::now();
        let got = round_trip(sent)?;
        times.push(started.elapsed().as_nanos() as u64);
        if got != sent {
            return Err(mismatch(sent, got));
        }
    }
    Ok(times)
}

/// The one byte a ping-pong read must hold, `None` at the end of the
/// stream, and the position to advance to (the buffer's end) either way.
fn echoed_byte(result: &ReadResult<'_>) -> (Position, Outcome<Option<u8>>) {
    let buffer = result.buffer();
    let byte = match (buffer.len(), buffer.first().first().copied()) {
        (0, _) if result.is_completed() => Ok(None),
        (1, Some(byte)) => Ok(Some(byte)),
        (len, _) => Err(format!("ping-pong: a read returned {len} bytes, expected 1")),
    };
    (buffer.end(), byte)
}

/// Reads exactly one byte with the blocking API, or `None` at the end of the stream.
fn pipe_read_byte(reader: &mut PipeReader) -> Outcome<Option<u8>> {
    let result = reader.read_blocking().map_err(pipe_failure("read_blocking"))?;
    let (end, byte) = echoed_byte(&result);
    reader.advance(end).map_err(pipe_failure("advance"))?;
    byte
}

fn pipe_blocking(rounds: usize) -> Outcome<Vec<u64>> {
    let (mut ping_reader, mut pong_writer) = pipe(PipeOptions::default()).map_err(pipe_failure("pipe"))?;
    let (mut pong_reader, mut ping_writer) = pipe(PipeOptions::default()).map_err(pipe_failure("pipe"))?;
    let pong = spawn("pong", move || {
        while let Some(byte) = pipe_read_byte(&mut pong_reader)? {
            pong_writer.write_blocking(&[byte]).map_err(pipe_failure("write_blocking"))?;
        }
        Ok(())
    });
    let times = ping(rounds, |byte| {
        ping_writer.write_blocking(&[byte]).map_err(pipe_failure("write_blocking"))?;
        pipe_read_byte(&mut ping_reader)?.ok_or_else(|| "ping-pong: the echo ended early".to_string())
    });
    drop(ping_writer);
    join(pong, "pong")?;
    times
}

async fn pipe_read_byte_async(reader: &mut PipeReader) -> Outcome<Option<u8>> {
    let result = reader.read().await.map_err(pipe_failure("read"))?;
    let (end, byte) = echoed_byte(&result);
    reader.advance(end).map_err(pipe_failure("advance"))?;
    byte
}

fn pipe_async(rounds: usize) -> Outcome<Vec<u64>> {
    let runtime = runtime();
    let (mut ping_reader, mut pong_writer) = pipe(PipeOptions::default()).map_err(pipe_failure("pipe"))?;
    let (mut pong_reader, mut ping_writer): (PipeReader, PipeWriter) =
        pipe(PipeOptions::default()).map_err(pipe_failure("pipe"))?;
    let pong = runtime.spawn(async move {
        while let Some(byte) = pipe_read_byte_async(&mut pong_reader).await? {
            pong_writer.write(&[byte]).await.map_err(pipe_failure("write"))?;
        }
        Ok::<(), String>(())
    });
    let ping = runtime.spawn(async move {
        let mut times = Vec::with_capacity(rounds);
        for i in 0..rounds {
            let sent = i as u8;
            let started = Instant::now();
            ping_writer.write(&[sent]).await.map_err(pipe_failure("write"))?;
            let got = pipe_read_byte_async(&mut ping_reader)
                .await?
                .ok_or_else(|| "ping-pong: the echo ended early".to_string())?;
            times.push(started.elapsed().as_nanos() as u64);
            if got != sent {
                return Err(mismatch(sent, got));
            }
        }
        Ok::<_, String>(times)
    });
    let (times, ponged) = runtime.block_on(async { (ping.await, pong.await) });
    ponged.map_err(|e| format!("pong task: {e}"))??;
    times.map_err(|e| format!("ping task: {e}"))?
}

fn os_pipe(rounds: usize) -> Outcome<Vec<u64>> {
    let (mut ping_reader, mut pong_writer) = std::io::pipe().map_err(io_failure("std::io::pipe"))?;
    let (mut pong_reader, mut ping_writer) = std::io::pipe().map_err(io_failure("std::io::pipe"))?;
    let pong = spawn("pong", move || {
        let mut byte = [0u8; 1];
        while pong_reader.read(&mut byte).map_err(io_failure("read"))? == 1 {
            pong_writer.write_all(&byte).map_err(io_failure("write_all"))?;
        }
        Ok(())
    });
    let times = ping(rounds, |sent| {
        ping_writer.write_all(&[sent]).map_err(io_failure("write_all"))?;
        let mut byte = [0u8; 1];
        ping_reader.read_exact(&mut byte).map_err(io_failure("read_exact"))?;
        Ok(byte[0])
    });
    drop(ping_writer);
    join(pong, "pong")?;
    times
}

fn duplex(rounds: usize) -> Outcome<Vec<u64>> {
    let runtime = runtime();
    let (mut ping_end, mut pong_end) = tokio::io::duplex(CAPACITY);
    let pong = runtime.spawn(async move {
        let mut byte = [0u8; 1];
        while pong_end.read(&mut byte).await.map_err(io_failure("read"))? == 1 {
            pong_end.write_all(&byte).await.map_err(io_failure("write_all"))?;
        }
        Ok::<(), String>(())
    });
    let ping = runtime.spawn(async move {
        let mut times = Vec::with_capacity(rounds);
        for i in 0..rounds {
            let sent = i as u8;
            let started = Instant::now();
            ping_end.write_all(&[sent]).await.map_err(io_failure("write_all"))?;
            let mut byte = [0u8; 1];
            ping_end.read_exact(&mut byte).await.map_err(io_failure("read_exact"))?;
            times.push(started.elapsed().as_nanos() as u64);
            if byte[0] != sent {
                return Err(mismatch(sent, byte[0]));
            }
        }
        Ok::<_, String>(times)
    });
    let (times, ponged) = runtime.block_on(async { (ping.await, pong.await) });
    ponged.map_err(|e| format!("pong task: {e}"))??;
    times.map_err(|e| format!("ping task: {e}"))?
}

fn piper_pipe(rounds: usize) -> Outcome<Vec<u64>> {
    let (mut ping_reader, mut pong_writer) = piper::pipe(CAPACITY);
    let (mut pong_reader, mut ping_writer) = piper::pipe(CAPACITY);
    let pong = spawn("pong", move || {
        futures_lite::future::block_on(async {
            let mut byte = [0u8; 1];
            while pong_reader.read(&mut byte).await.map_err(io_failure("read"))? == 1 {
                pong_writer.write_all(&byte).await.map_err(io_failure("write_all"))?;
            }
            Ok(())
        })
    });
    let times = futures_lite::future::block_on(async {
        let mut times = Vec::with_capacity(rounds);
        for i in 0..rounds {
            let sent = i as u8;
            let started = Instant::now();
            ping_writer.write_all(&[sent]).await.map_err(io_failure("write_all"))?;
            let mut byte = [0u8; 1];
            ping_reader.read_exact(&mut byte).await.map_err(io_failure("read_exact"))?;
            times.push(started.elapsed().as_nanos() as u64);
            if byte[0] != sent {
                return Err(mismatch(sent, byte[0]));
            }
        }
        Ok(times)
    });
    drop(ping_writer);
    join(pong, "pong")?;
    times
}

fn rtrb_spin(rounds: usize) -> Outcome<Vec<u64>> {
    let (mut ping_producer, mut pong_consumer) = rtrb::RingBuffer::<u8>::new(CAPACITY);
    let (mut pong_producer, mut ping_consumer) = rtrb::RingBuffer::<u8>::new(CAPACITY);
    let pong = spawn("pong", move || loop {
        match pong_consumer.pop() {
            Ok(byte) => {
                while pong_producer.push(byte).is_err() {
                    std::hint::spin_loop();
                }
            }
            Err(_) if pong_consumer.is_abandoned() && pong_consumer.is_empty() => return Ok(()),
            Err(_) => std::hint::spin_loop(),
        }
    });
    let times = ping(rounds, |sent| {
        while ping_producer.push(sent).is_err() {
            std::hint::spin_loop();
        }
        loop {
            if let Ok(byte) = ping_consumer.pop() {
                return Ok(byte);
            }
            if ping_consumer.is_abandoned() {
                return Err("ping-pong: the echo ended early".to_string());
            }
            std::hint::spin_loop();
        }
    });
    drop(ping_producer);
    join(pong, "pong")?;
    times
}
