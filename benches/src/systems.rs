//! The systems under comparison and the stream workload each runs: the
//! writer sends a [`Plan`]'s writes, the reader checks every byte with a
//! [`Checksum`] and the run fails unless it matches the writer's.

use std::future::Future;
use std::io::{BufWriter, Read, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use pipe_core::{pipe, PipeError, PipeOptions, PipeReader, PipeWriter, Position, ReadResult};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::check::Checksum;
use crate::data::Plan;

/// Capacity of every bounded peer (and pipe-core's pause threshold, O1).
pub const CAPACITY: usize = 65_536;
/// Buffer a copying reader reads into.
pub const READ_BUFFER: usize = 65_536;
/// Buffer of the `BufWriter` peer.
pub const BUF_WRITER: usize = 8 * 1024;

/// A system under comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum System {
    /// pipe-core's async API, writer and reader as tasks on a 2-worker tokio runtime.
    PipeAsync,
    /// pipe-core's blocking API, writer and reader on two threads.
    PipeBlocking,
    /// pipe-core on one thread: write + flush, then read + advance when the writer pauses.
    PipeOneThread,
    /// `std::io::pipe`, one `write` per write.
    OsPipe,
    /// `std::io::pipe` behind an 8 KiB `BufWriter`.
    OsPipeBuffered,
    /// `tokio::io::duplex(65536)` on a 2-worker tokio runtime.
    Duplex,
    /// `piper::pipe(65536)`, writer and reader on two threads.
    Piper,
    /// `rtrb` ring buffer of 64 KiB, yielding the thread when full or empty.
    Rtrb,
}

impl System {
    /// Every system, in table order.
    pub const ALL: [System; 8] = [
        System::PipeAsync,
        System::PipeBlocking,
        System::PipeOneThread,
        System::OsPipe,
        System::OsPipeBuffered,
        System::Duplex,
        System::Piper,
        System::Rtrb,
    ];

    /// The pipe-core systems whose figures are compared with every peer.
    pub const PIPE_CORE: [System; 3] = [System::PipeAsync, System::PipeBlocking, System::PipeOneThread];

    /// Name in tables.
    pub fn label(self) -> &'static str {
        match self {
            System::PipeAsync => "pipe-core async (2-worker tokio)",
            System::PipeBlocking => "pipe-core blocking (2 threads)",
            System::PipeOneThread => "pipe-core one thread",
            System::OsPipe => "`std::io::pipe`",
            System::OsPipeBuffered => "`std::io::pipe` + 8 KiB `BufWriter`",
            System::Duplex => "`tokio::io::duplex(65536)`",
            System::Piper => "`piper::pipe(65536)`",
            System::Rtrb => "`rtrb` 64 KiB, yield loop",
        }
    }

    /// Short name for plots and column headers.
    pub fn short(self) -> &'static str {
        match self {
            System::PipeAsync => "pipe-core async",
            System::PipeBlocking => "pipe-core blocking",
            System::PipeOneThread => "pipe-core 1 thread",
            System::OsPipe => "OS pipe",
            System::OsPipeBuffered => "OS pipe + BufWriter",
            System::Duplex => "tokio duplex",
            System::Piper => "piper",
            System::Rtrb => "rtrb",
        }
    }

    /// Identifier on the command line.
    pub fn id(self) -> &'static str {
        match self {
            System::PipeAsync => "pipe-async",
            System::PipeBlocking => "pipe-blocking",
            System::PipeOneThread => "pipe-one-thread",
            System::OsPipe => "os-pipe",
            System::OsPipeBuffered => "os-pipe-buffered",
            System::Duplex => "duplex",
            System::Piper => "piper",
            System::Rtrb => "rtrb",
        }
    }

    /// The system named `id`.
    pub fn from_id(id: &str) -> Option<System> {
        System::ALL.into_iter().find(|s| s.id() == id)
    }

    /// Whether this is one of pipe-core's own configurations.
    pub fn is_pipe_core(self) -> bool {
        System::PIPE_CORE.contains(&self)
    }
}

/// A failure: lost, changed or reordered bytes, or an error of the system.
pub type Outcome<T> = Result<T, String>;

fn pipe_error(what: &str) -> impl Fn(PipeError) -> String + '_ {
    move |e| format!("{what}: {e}")
}

fn io_error(what: &str) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// A 2-worker multi-thread tokio runtime, as the async systems use.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("async-worker")
        .enable_all()
        .build()
        .expect("a 2-worker tokio runtime")
}

/// Joins a thread, turning a panic into a failure.
pub fn join<T>(handle: thread::JoinHandle<Outcome<T>>, what: &str) -> Outcome<T> {
    handle.join().map_err(|_| format!("{what}: the thread panicked"))?
}

/// Spawns a named thread (the name shows in profiles).
pub fn spawn<T: Send + 'static>(name: &str, f: impl FnOnce() -> T + Send + 'static) -> thread::JoinHandle<T> {
    thread::Builder::new().name(name.to_string()).spawn(f).expect("spawn a thread")
}

/// Hooks the memory workload uses to watch the stream; free for the others.
pub trait Probe: Send + Sync + 'static {
    /// Called by the writer before each write with the bytes sent so far,
    /// the size of the write and, for pipe-core, the writer (for `stats()`).
    fn writing(&self, sent: u64, len: usize, writer: Option<&PipeWriter>);
    /// Called by the reader once it has checked `received` bytes in total,
    /// before it releases them to the pipe.
    fn received(&self, received: u64);
}

/// The probe of the timed workloads: does nothing.
#[derive(Debug)]
pub struct NoProbe;

impl Probe for NoProbe {
    #[inline(always)]
    fn writing(&self, _: u64, _: usize, _: Option<&PipeWriter>) {}
    #[inline(always)]
    fn received(&self, _: u64) {}
}

/// Runs one stream of `plan` through `system`; returns the wall time from
/// the first write to the reader's last check.
pub fn run_stream<P: Probe>(system: System, plan: &Arc<Plan>, probe: &Arc<P>) -> Outcome<Duration> {
    let label = system.label();
    let (elapsed, sum) = match system {
        System::PipeAsync => pipe_async(plan, probe)?,
        System::PipeBlocking => pipe_blocking(plan, probe)?,
        System::PipeOneThread => pipe_one_thread(plan, probe)?,
        System::OsPipe => os_pipe(plan, probe, false)?,
        System::OsPipeBuffered => os_pipe(plan, probe, true)?,
        System::Duplex => duplex(plan, probe)?,
        System::Piper => piper_pipe(plan, probe)?,
        System::Rtrb => rtrb_ring(plan, probe)?,
    };
    plan.verify(label, sum)?;
    Ok(elapsed)
}

/// Checks every chunk of a pipe-core read; returns where it ends and whether the writer completed.
#[inline]
pub fn check_read(result: &ReadResult<'_>, sum: &mut Checksum) -> (Position, bool) {
    let buffer = result.buffer();
    for chunk in buffer.chunks() {
        sum.update(chunk);
    }
    (buffer.end(), result.is_completed())
}

fn pipe_async<P: Probe>(plan: &Arc<Plan>, probe: &Arc<P>) -> Outcome<(Duration, (u64, u64))> {
    let runtime = runtime();
    let (mut reader, mut writer) = pipe(PipeOptions::default()).map_err(pipe_error("pipe"))?;
    let (wplan, wprobe, rprobe) = (plan.clone(), probe.clone(), probe.clone());
    let started = Instant::now();
    let writer_task = runtime.spawn(async move {
        let mut sent = 0u64;
        for chunk in wplan.writes() {
            wprobe.writing(sent, chunk.len(), Some(&writer));
            let result = writer.write(chunk).await.map_err(pipe_error("write"))?;
            if result.is_completed() {
                return Err("write: the reader completed early".to_string());
            }
            sent += chunk.len() as u64;
        }
        writer.complete(None);
        Ok::<(), String>(())
    });
    let reader_task = runtime.spawn(async move {
        let mut sum = Checksum::new();
        loop {
            let result = reader.read().await.map_err(pipe_error("read"))?;
            let (end, done) = check_read(&result, &mut sum);
            rprobe.received(sum.bytes());
            reader.advance(end).map_err(pipe_error("advance"))?;
            if done {
                return Ok::<_, String>((Instant::now(), sum.value()));
            }
        }
    });
    let (written, read) = runtime.block_on(async { (writer_task.await, reader_task.await) });
    written.map_err(|e| format!("writer task: {e}"))??;
    let (finished, sum) = read.map_err(|e| format!("reader task: {e}"))??;
    Ok((finished - started, sum))
}

fn pipe_blocking<P: Probe>(plan: &Arc<Plan>, probe: &Arc<P>) -> Outcome<(Duration, (u64, u64))> {
    let (mut reader, mut writer) = pipe(PipeOptions::default()).map_err(pipe_error("pipe"))?;
    let (wplan, wprobe, rprobe) = (plan.clone(), probe.clone(), probe.clone());
    let started = Instant::now();
    let writer_thread = spawn("writer", move || {
        let mut sent = 0u64;
        for chunk in wplan.writes() {
            wprobe.writing(sent, chunk.len(), Some(&writer));
            let result = writer.write_blocking(chunk).map_err(pipe_error("write_blocking"))?;
            if result.is_completed() {
                return Err("write: the reader completed early".to_string());
            }
            sent += chunk.len() as u64;
        }
        writer.complete(None);
        Ok(())
    });
    let reader_thread = spawn("reader", move || {
        let mut sum = Checksum::new();
        loop {
            let result = reader.read_blocking().map_err(pipe_error("read_blocking"))?;
            let (end, done) = check_read(&result, &mut sum);
            rprobe.received(sum.bytes());
            reader.advance(end).map_err(pipe_error("advance"))?;
            if done {
                return Ok((Instant::now(), sum.value()));
            }
        }
    });
    join(writer_thread, "writer")?;
    let (finished, sum) = join(reader_thread, "reader")?;
    Ok((finished - started, sum))
}

/// Reads and checks everything buffered without waiting; true once the writer completed.
fn drain(reader: &mut PipeReader, sum: &mut Checksum) -> Outcome<bool> {
    while let Some(result) = reader.try_read().map_err(pipe_error("try_read"))? {
        let (end, done) = check_read(&result, sum);
        reader.advance(end).map_err(pipe_error("advance"))?;
        if done {
            return Ok(true);
        }
    }
    Ok(false)
}

fn pipe_one_thread<P: Probe>(plan: &Arc<Plan>, probe: &Arc<P>) -> Outcome<(Duration, (u64, u64))> {
    let (mut reader, mut writer) = pipe(PipeOptions::default()).map_err(pipe_error("pipe"))?;
    let mut cx = Context::from_waker(Waker::noop());
    let mut sum = Checksum::new();
    let mut sent = 0u64;
    let started = Instant::now();
    for chunk in plan.writes() {
        probe.writing(sent, chunk.len(), Some(&writer));
        // The bytes are published when `write` returns (W4); a pending
        // flush means back pressure, so the reader takes its turn.
        let paused = match Pin::new(&mut writer.write(chunk)).poll(&mut cx) {
            Poll::Ready(result) => {
                result.map_err(pipe_error("write"))?;
                false
            }
            Poll::Pending => true,
        };
        sent += chunk.len() as u64;
        if paused {
            drain(&mut reader, &mut sum)?;
            probe.received(sum.bytes());
        }
    }
    writer.complete(None);
    if !drain(&mut reader, &mut sum)? {
        return Err("the reader did not see the writer complete".to_string());
    }
    probe.received(sum.bytes());
    Ok((started.elapsed(), sum.value()))
}

/// A copying reader's loop: reads into a buffer until end of stream.
fn copy_reader<P: Probe>(
    mut read: impl FnMut(&mut [u8]) -> Outcome<usize>,
    probe: &P,
) -> Outcome<(Instant, (u64, u64))> {
    let mut buffer = vec![0u8; READ_BUFFER];
    let mut sum = Checksum::new();
    loop {
        let n = read(&mut buffer)?;
        if n == 0 {
            return Ok((Instant::now(), sum.value()));
        }
        sum.update(&buffer[..n]);
        probe.received(sum.bytes());
    }
}

fn write_plan<W: Write, P: Probe>(mut out: W, plan: &Plan, probe: &P) -> Outcome<()> {
    let mut sent = 0u64;
    for chunk in plan.writes() {
        probe.writing(sent, chunk.len(), None);
        out.write_all(chunk).map_err(io_error("write_all"))?;
        sent += chunk.len() as u64;
    }
    out.flush().map_err(io_error("flush"))
}

fn os_pipe<P: Probe>(plan: &Arc<Plan>, probe: &Arc<P>, buffered: bool) -> Outcome<(Duration, (u64, u64))> {
    let (mut pipe_reader, pipe_writer) = std::io::pipe().map_err(io_error("std::io::pipe"))?;
    let (wplan, wprobe, rprobe) = (plan.clone(), probe.clone(), probe.clone());
    let started = Instant::now();
    let writer_thread = spawn("writer", move || {
        if buffered {
            write_plan(BufWriter::with_capacity(BUF_WRITER, pipe_writer), &wplan, &*wprobe)
        } else {
            write_plan(pipe_writer, &wplan, &*wprobe)
        }
    });
    let reader_thread =
        spawn("reader", move || copy_reader(|buffer| pipe_reader.read(buffer).map_err(io_error("read")), &*rprobe));
    join(writer_thread, "writer")?;
    let (finished, sum) = join(reader_thread, "reader")?;
    Ok((finished - started, sum))
}

fn duplex<P: Probe>(plan: &Arc<Plan>, probe: &Arc<P>) -> Outcome<(Duration, (u64, u64))> {
    let runtime = runtime();
    let (mut ours, mut theirs) = tokio::io::duplex(CAPACITY);
    let (wplan, wprobe, rprobe) = (plan.clone(), probe.clone(), probe.clone());
    let started = Instant::now();
    let writer_task = runtime.spawn(async move {
        let mut sent = 0u64;
        for chunk in wplan.writes() {
            wprobe.writing(sent, chunk.len(), None);
            ours.write_all(chunk).await.map_err(io_error("write_all"))?;
            sent += chunk.len() as u64;
        }
        ours.shutdown().await.map_err(io_error("shutdown"))?;
        Ok::<(), String>(())
    });
    let reader_task = runtime.spawn(async move {
        let mut buffer = vec![0u8; READ_BUFFER];
        let mut sum = Checksum::new();
        loop {
            let n = theirs.read(&mut buffer).await.map_err(io_error("read"))?;
            if n == 0 {
                return Ok::<_, String>((Instant::now(), sum.value()));
            }
            sum.update(&buffer[..n]);
            rprobe.received(sum.bytes());
        }
    });
    let (written, read) = runtime.block_on(async { (writer_task.await, reader_task.await) });
    written.map_err(|e| format!("writer task: {e}"))??;
    let (finished, sum) = read.map_err(|e| format!("reader task: {e}"))??;
    Ok((finished - started, sum))
}

fn piper_pipe<P: Probe>(plan: &Arc<Plan>, probe: &Arc<P>) -> Outcome<(Duration, (u64, u64))> {
    let (mut pipe_reader, mut pipe_writer) = piper::pipe(CAPACITY);
    let (wplan, wprobe, rprobe) = (plan.clone(), probe.clone(), probe.clone());
    let started = Instant::now();
    let writer_thread = spawn("writer", move || {
        futures_lite::future::block_on(async {
            let mut sent = 0u64;
            for chunk in wplan.writes() {
                wprobe.writing(sent, chunk.len(), None);
                pipe_writer.write_all(chunk).await.map_err(io_error("write_all"))?;
                sent += chunk.len() as u64;
            }
            drop(pipe_writer);
            Ok(())
        })
    });
    let reader_thread = spawn("reader", move || {
        futures_lite::future::block_on(async {
            let mut buffer = vec![0u8; READ_BUFFER];
            let mut sum = Checksum::new();
            loop {
                let n = pipe_reader.read(&mut buffer).await.map_err(io_error("read"))?;
                if n == 0 {
                    return Ok((Instant::now(), sum.value()));
                }
                sum.update(&buffer[..n]);
                rprobe.received(sum.bytes());
            }
        })
    });
    join(writer_thread, "writer")?;
    let (finished, sum) = join(reader_thread, "reader")?;
    Ok((finished - started, sum))
}

fn rtrb_ring<P: Probe>(plan: &Arc<Plan>, probe: &Arc<P>) -> Outcome<(Duration, (u64, u64))> {
    let (mut producer, mut consumer) = rtrb::RingBuffer::<u8>::new(CAPACITY);
    let (wplan, wprobe, rprobe) = (plan.clone(), probe.clone(), probe.clone());
    let started = Instant::now();
    let writer_thread = spawn("writer", move || {
        let mut sent = 0u64;
        for chunk in wplan.writes() {
            wprobe.writing(sent, chunk.len(), None);
            let mut rest = chunk;
            loop {
                let (_, remainder) = producer.push_partial_slice(rest);
                if remainder.is_empty() {
                    break;
                }
                rest = remainder;
                thread::yield_now();
            }
            sent += chunk.len() as u64;
        }
        drop(producer);
        Ok(())
    });
    let reader_thread = spawn("reader", move || {
        let mut sum = Checksum::new();
        loop {
            let slots = consumer.slots();
            if slots == 0 {
                // Abandoned and still empty (checked in that order): the end.
                if consumer.is_abandoned() && consumer.slots() == 0 {
                    return Ok((Instant::now(), sum.value()));
                }
                thread::yield_now();
                continue;
            }
            let chunk = consumer.read_chunk(slots).map_err(|e| format!("read_chunk: {e}"))?;
            let (first, second) = chunk.as_slices();
            sum.update(first);
            sum.update(second);
            rprobe.received(sum.bytes());
            chunk.commit_all();
        }
    });
    join(writer_thread, "writer")?;
    let (finished, sum) = join(reader_thread, "reader")?;
    Ok((finished - started, sum))
}
