//! Splice against a read/write copy (issue 12's benchmark): fd→fd transfers
//! through `pipe_core::splice::Transfer`, once on the splice path and once on
//! the forced copy path, over TCP (127.0.0.1) and unix stream socket pairs
//! and from a file to a TCP socket.
//!
//! Each operation is one transfer of `size` bytes (one `Transfer` per
//! measurement, as a server keeps one per connection). A producer thread
//! keeps the source socket full; a consumer thread drains the destination
//! and checks every byte with the harness's [`Checksum`]; the run fails,
//! with no figure, unless the consumer's checksum equals the stream's and
//! every byte went by the path measured (the `TransferReport`s count spliced
//! and copied bytes). Time runs from the producer's start to the consumer's
//! end of stream.

use std::io::Read;
#[cfg(target_os = "linux")]
use std::time::Instant;

use crate::check::Checksum;
use crate::data::random_bytes;
use crate::systems::Outcome;

/// The descriptor pairs measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pair {
    /// TCP socket to TCP socket on 127.0.0.1 (splice goes through an intermediate pipe).
    TcpToTcp,
    /// Unix stream socket to unix stream socket (through an intermediate pipe).
    UnixToUnix,
    /// Regular file to TCP socket (files opted in with `splice_files`).
    FileToTcp,
}

impl Pair {
    /// Every pair, in table order.
    pub const ALL: [Pair; 3] = [Pair::TcpToTcp, Pair::UnixToUnix, Pair::FileToTcp];

    /// Name in tables and plots.
    pub fn label(self) -> &'static str {
        match self {
            Pair::TcpToTcp => "tcp→tcp",
            Pair::UnixToUnix => "unix→unix",
            Pair::FileToTcp => "file→tcp",
        }
    }
}

/// How the bytes move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `TransferOptions::copy_only()`: `read(2)` into a 64 KiB buffer, `write(2)` out.
    Copy,
    /// `TransferOptions::with_files()`: `splice(2)` in and out of a pooled pipe.
    Splice,
}

impl Method {
    /// Both methods, in table order.
    pub const ALL: [Method; 2] = [Method::Copy, Method::Splice];

    /// Name in tables and plots.
    pub fn label(self) -> &'static str {
        match self {
            Method::Copy => "copy",
            Method::Splice => "splice",
        }
    }
}

/// The stream one measurement carries: a block of seeded random bytes sent
/// `ops` times, and the checksum the consumer must see.
#[derive(Clone, Debug)]
pub struct Stream {
    block: Vec<u8>,
    ops: usize,
    expected: (u64, u64),
}

impl Stream {
    /// Operations of `size` bytes adding up to about `total` (at least 8).
    pub fn new(size: usize, total: u64, seed: u64) -> Self {
        let ops = ((total / size as u64) as usize).max(8);
        let block = random_bytes(size, seed ^ size as u64);
        // The checksum depends on each word's offset in the stream, so the
        // expected value is the whole stream's, not `ops` times the block's.
        let mut sum = Checksum::new();
        for _ in 0..ops {
            sum.update(&block);
        }
        Self { block, ops, expected: sum.value() }
    }

    /// Bytes per operation.
    pub fn size(&self) -> usize {
        self.block.len()
    }

    /// Operations per measurement.
    pub fn ops(&self) -> usize {
        self.ops
    }

    /// Bytes in all.
    pub fn total(&self) -> u64 {
        self.block.len() as u64 * self.ops as u64
    }

    /// The bytes of one operation.
    pub fn block(&self) -> &[u8] {
        &self.block
    }

    /// `Ok` only if `got` (byte count, checksum) is the stream's.
    pub fn verify(&self, what: &str, got: (u64, u64)) -> Outcome<()> {
        if got == self.expected {
            Ok(())
        } else {
            Err(format!(
                "{what}: the consumer got {} bytes with checksum {:#018x}, expected {} bytes with {:#018x}",
                got.0, got.1, self.expected.0, self.expected.1
            ))
        }
    }
}

/// Reads `reader` to its end, checksumming every byte, and checks the result
/// against `stream`: what each measurement's consumer runs.
pub fn check_reader(mut reader: impl Read, stream: &Stream, what: &str) -> Outcome<()> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut sum = Checksum::new();
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => sum.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("{what}: consumer read: {e}")),
        }
    }
    stream.verify(what, sum.value())
}

/// One cell of the table: MB/s of a pair, size and method in each round.
#[derive(Clone, Debug)]
pub struct Cell {
    /// The descriptor pair.
    pub pair: Pair,
    /// Bytes per operation.
    pub size: usize,
    /// Operations per measurement.
    pub ops: usize,
    /// Copy path MB/s per round.
    pub copy: Vec<f64>,
    /// Splice path MB/s per round.
    pub splice: Vec<f64>,
}

impl Cell {
    /// A cell with no rounds yet.
    pub fn new(pair: Pair, size: usize, ops: usize) -> Self {
        Self { pair, size, ops, copy: Vec::new(), splice: Vec::new() }
    }

    /// The MB/s per round of `method`.
    pub fn figures(&self, method: Method) -> &[f64] {
        match method {
            Method::Copy => &self.copy,
            Method::Splice => &self.splice,
        }
    }

    /// Median over rounds of the per-round splice ÷ copy.
    pub fn ratio(&self) -> f64 {
        crate::stats::ratio(&self.splice, &self.copy)
    }

    /// Smallest and largest per-round splice ÷ copy.
    pub fn ratio_range(&self) -> (f64, f64) {
        crate::stats::ratio_range(&self.splice, &self.copy)
    }
}

#[cfg(target_os = "linux")]
mod measure {
    use std::fs::File;
    use std::io::{Seek, SeekFrom, Write};
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::{AsFd, OwnedFd};
    use std::os::unix::net::UnixStream;
    use std::sync::{Arc, Barrier};

    use pipe_core::splice::{Transfer, TransferOptions};

    use super::*;
    use crate::measure::mb_per_s;
    use crate::systems::{join, spawn};

    fn failure(what: String) -> impl Fn(std::io::Error) -> String {
        move |e| format!("{what}: {e}")
    }

    /// A connected TCP pair on 127.0.0.1, Nagle off on the writing end (the
    /// sizes are the application's writes, not the kernel's coalescing).
    fn tcp_pair() -> std::io::Result<(File, File)> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let a = TcpStream::connect(listener.local_addr()?)?;
        let (b, _) = listener.accept()?;
        a.set_nodelay(true)?;
        Ok((File::from(OwnedFd::from(a)), File::from(OwnedFd::from(b))))
    }

    fn unix_pair() -> std::io::Result<(File, File)> {
        let (a, b) = UnixStream::pair()?;
        Ok((File::from(OwnedFd::from(a)), File::from(OwnedFd::from(b))))
    }

    /// A temporary file holding one block, unlinked at once (the open
    /// descriptor keeps it; page-cache hot after the first read).
    fn block_file(block: &[u8]) -> std::io::Result<File> {
        let path = std::env::temp_dir().join(format!("pipe-bench-splice-{}-{}", std::process::id(), block.len()));
        std::fs::write(&path, block)?;
        let file = File::open(&path)?;
        std::fs::remove_file(&path)?;
        Ok(file)
    }

    /// Carries `stream` over `pair` by `method`; returns MB/s once the
    /// consumer has checked every byte.
    pub fn run(pair: Pair, method: Method, stream: &Arc<Stream>) -> Outcome<f64> {
        let what = format!("splice workload, {} {} B by {}", pair.label(), stream.size(), method.label());
        let fail = |step: &str| failure(format!("{what}: {step}"));
        let (sink_in, sink_out) = match pair {
            Pair::UnixToUnix => unix_pair(),
            Pair::TcpToTcp | Pair::FileToTcp => tcp_pair(),
        }
        .map_err(fail("destination pair"))?;
        let (source, feed) = match pair {
            Pair::FileToTcp => (block_file(stream.block()).map_err(fail("source file"))?, None),
            Pair::TcpToTcp => {
                let (feed, source) = tcp_pair().map_err(fail("source pair"))?;
                (source, Some(feed))
            }
            Pair::UnixToUnix => {
                let (feed, source) = unix_pair().map_err(fail("source pair"))?;
                (source, Some(feed))
            }
        };
        let options = match method {
            Method::Copy => TransferOptions::copy_only(),
            Method::Splice => TransferOptions::with_files(),
        };
        // Producer, consumer and transfer start together; the clock starts
        // when the barrier opens, so thread start-up is not timed.
        let start = Arc::new(Barrier::new(if feed.is_some() { 3 } else { 2 }));
        let consumer = {
            let (stream, start, what) = (Arc::clone(stream), Arc::clone(&start), what.clone());
            spawn("splice-consumer", move || {
                start.wait();
                check_reader(sink_out, &stream, &what)?;
                Ok(Instant::now())
            })
        };
        let producer = feed.map(|mut feed| {
            let (stream, start, what) = (Arc::clone(stream), Arc::clone(&start), what.clone());
            spawn("splice-producer", move || {
                start.wait();
                for _ in 0..stream.ops() {
                    feed.write_all(stream.block()).map_err(|e| format!("{what}: producer write: {e}"))?;
                }
                Ok(())
            })
        });
        let (mut spliced, mut copied) = (0u64, 0u64);
        start.wait();
        let started = Instant::now();
        {
            let mut transfer =
                Transfer::new(source.as_fd(), sink_in.as_fd(), &options).map_err(|e| format!("{what}: {e}"))?;
            for _ in 0..stream.ops() {
                if pair == Pair::FileToTcp {
                    (&source).seek(SeekFrom::Start(0)).map_err(fail("seek"))?;
                }
                let mut left = stream.size() as u64;
                while left > 0 {
                    let report = transfer.run(left).map_err(|e| format!("{what}: {e}"))?;
                    if report.bytes == 0 {
                        return Err(format!("{what}: the source ended early"));
                    }
                    left -= report.bytes;
                    spliced += report.spliced;
                    copied += report.copied;
                }
            }
        }
        // End of stream for the consumer.
        drop(sink_in);
        if let Some(producer) = producer {
            join(producer, "splice producer")?;
        }
        let ended = join(consumer, "splice consumer")?;
        // A splice figure that was really copied (a fallback) would measure
        // the wrong path: both counts must be exactly the path's.
        let (want_spliced, want_copied) = match method {
            Method::Copy => (0, stream.total()),
            Method::Splice => (stream.total(), 0),
        };
        if (spliced, copied) != (want_spliced, want_copied) {
            return Err(format!(
                "{what}: {spliced} bytes spliced and {copied} copied, expected {want_spliced} and {want_copied}"
            ));
        }
        Ok(mb_per_s(stream.total(), ended.saturating_duration_since(started)))
    }
}

#[cfg(target_os = "linux")]
pub use measure::run;
