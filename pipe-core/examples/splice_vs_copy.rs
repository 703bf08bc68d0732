//! Splice against a read/write copy, through the public API only: each
//! operation is one `Transfer::run` of `size` bytes from a source descriptor
//! to a destination descriptor, on the splice path (default options, files
//! opted in) and on the forced copy path (64 KiB buffer). A producer thread
//! keeps the source full and a consumer thread drains the destination, so
//! the transfer itself is what is timed. Every run first checks that the
//! bytes arrive intact. Prints a markdown table with a ratio column
//! (splice MB/s ÷ copy MB/s; above 1 means splice is faster).
//!
//! `cargo run -p pipe-core --release --features splice --example splice_vs_copy [MiB per cell]`

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::thread;
use std::time::{Duration, Instant};

use pipe_core::splice::{Transfer, TransferOptions};

/// Sizes per operation: 1 KiB … 1 MiB.
pub const SIZES: &[usize] = &[1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20];

/// The descriptor pairs measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pair {
    /// TCP socket to TCP socket (through the intermediate pipe).
    TcpToTcp,
    /// Unix stream socket to unix stream socket.
    UnixToUnix,
    /// Regular file to TCP socket.
    FileToTcp,
}

impl Pair {
    /// All pairs, in table order.
    pub const ALL: [Pair; 3] = [Pair::TcpToTcp, Pair::UnixToUnix, Pair::FileToTcp];

    fn name(self) -> &'static str {
        match self {
            Pair::TcpToTcp => "tcp→tcp",
            Pair::UnixToUnix => "unix→unix",
            Pair::FileToTcp => "file→tcp",
        }
    }
}

/// One table row.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// The pair.
    pub pair: Pair,
    /// Bytes per operation.
    pub size: usize,
    /// Copy path MB/s.
    pub copy: f64,
    /// Splice path MB/s.
    pub splice: f64,
}

impl Row {
    /// splice ÷ copy.
    pub fn ratio(&self) -> f64 {
        self.splice / self.copy
    }
}

fn tcp_pair() -> io::Result<(File, File)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let a = TcpStream::connect(listener.local_addr()?)?;
    let (b, _) = listener.accept()?;
    a.set_nodelay(true)?;
    Ok((File::from(OwnedFd::from(a)), File::from(OwnedFd::from(b))))
}

fn unix_pair() -> io::Result<(File, File)> {
    let (a, b) = UnixStream::pair()?;
    Ok((File::from(OwnedFd::from(a)), File::from(OwnedFd::from(b))))
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// MB/s of `ops` transfers of `size` bytes on `pair`; checks the bytes.
fn measure(pair: Pair, size: usize, ops: usize, options: TransferOptions) -> io::Result<f64> {
    let total = size * ops;
    let block = pattern(size);
    let (sink_in, mut sink_out) = match pair {
        Pair::UnixToUnix => unix_pair()?,
        _ => tcp_pair()?,
    };
    let expected = block.clone();
    // The consumer checks the first block byte for byte and a sum of every
    // byte (cheap enough not to be what is measured).
    let block_sum: u64 = expected.iter().map(|&b| u64::from(b)).sum();
    let consumer = thread::spawn(move || -> io::Result<bool> {
        let mut buf = vec![0; 256 * 1024];
        let (mut got, mut sum, mut first) = (0usize, 0u64, Vec::with_capacity(size));
        while got < total {
            let n = sink_out.read(&mut buf)?;
            if n == 0 {
                break;
            }
            if first.len() < size {
                let take = (size - first.len()).min(n);
                first.extend_from_slice(&buf[..take]);
            }
            sum += buf[..n].iter().map(|&b| u64::from(b)).sum::<u64>();
            got += n;
        }
        Ok(got == total && first == expected && sum == block_sum * ops as u64)
    });
    let (source, producer) = match pair {
        Pair::FileToTcp => {
            let path = std::env::temp_dir().join(format!("pipe-core-splice-bench-{}-{size}", std::process::id()));
            std::fs::write(&path, &block)?;
            let file = File::open(&path)?;
            std::fs::remove_file(&path)?;
            (file, None)
        }
        _ => {
            let (mut src_in, src_out) = if pair == Pair::UnixToUnix { unix_pair()? } else { tcp_pair()? };
            let producer = thread::spawn(move || -> io::Result<()> {
                for _ in 0..ops {
                    src_in.write_all(&block)?;
                }
                Ok(())
            });
            (src_out, Some(producer))
        }
    };
    // One `Transfer` per measurement, as a server keeps one per connection:
    // what is timed is the loop, not inspecting the descriptors.
    let started = Instant::now();
    {
        let mut transfer = Transfer::new(source.as_fd(), sink_in.as_fd(), &options)?;
        for _ in 0..ops {
            if pair == Pair::FileToTcp {
                (&source).seek(SeekFrom::Start(0))?;
            }
            let mut left = size as u64;
            while left > 0 {
                let report = transfer.run(left)?;
                if report.bytes == 0 {
                    return Err(io::Error::other(format!("{} {size}: the source ended early", pair.name())));
                }
                left -= report.bytes;
            }
        }
    }
    let elapsed = started.elapsed().max(Duration::from_nanos(1));
    drop(sink_in);
    if let Some(producer) = producer {
        producer.join().map_err(|_| io::Error::other("producer panicked"))??;
    }
    let intact = consumer.join().map_err(|_| io::Error::other("consumer panicked"))??;
    if !intact {
        return Err(io::Error::other(format!("{} {size}: bytes arrived damaged or short", pair.name())));
    }
    Ok(total as f64 / elapsed.as_secs_f64() / 1e6)
}

/// Measures every pair and size with about `mib` MiB per cell (at least 8
/// operations), best of three runs per cell.
pub fn run(mib: usize) -> io::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for pair in Pair::ALL {
        for &size in SIZES {
            let ops = (mib * (1 << 20) / size).max(8);
            let mut best = (0.0f64, 0.0f64);
            for _ in 0..3 {
                best.0 = best.0.max(measure(pair, size, ops, TransferOptions::copy_only())?);
                best.1 = best.1.max(measure(pair, size, ops, TransferOptions::with_files())?);
            }
            rows.push(Row { pair, size, copy: best.0, splice: best.1 });
        }
    }
    Ok(rows)
}

/// The rows as a markdown table.
pub fn table(rows: &[Row]) -> String {
    let mut out =
        String::from("| pair | size | copy MB/s | splice MB/s | ratio |\n| --- | ---: | ---: | ---: | ---: |\n");
    for row in rows {
        let size =
            if row.size >= 1 << 20 { format!("{} MiB", row.size >> 20) } else { format!("{} KiB", row.size >> 10) };
        out +=
            &format!("| {} | {size} | {:.0} | {:.0} | {:.2}× |\n", row.pair.name(), row.copy, row.splice, row.ratio());
    }
    out
}

fn main() -> io::Result<()> {
    let mib = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(64);
    print!("{}", table(&run(mib)?));
    Ok(())
}
