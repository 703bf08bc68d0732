//! Streams 256 MiB through a pipe in small writes, writer and reader on two
//! threads, checks every byte and prints the throughput.
//!
//! `cargo run -p pipe-core --release --example quickstart [total_mib] [write_bytes]`

use std::time::Instant;

use pipe_core::{pipe, PipeError, PipeOptions};

fn main() -> Result<(), PipeError> {
    let mut args = std::env::args().skip(1);
    let total_mib: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(256);
    let write_size: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(128).max(1);
    let total = total_mib * 1024 * 1024;

    let (mut reader, mut writer) = pipe(PipeOptions::default())?;
    let started = Instant::now();

    let producer = std::thread::spawn(move || -> Result<(), PipeError> {
        // A repeating pattern the reader can verify without a second copy.
        let pattern: Vec<u8> = (0..=255u8).cycle().take(write_size + 256).collect();
        let mut sent = 0;
        while sent < total {
            let n = write_size.min(total - sent);
            let start = sent % 256;
            writer.write_blocking(&pattern[start..start + n])?;
            sent += n;
        }
        writer.complete(None);
        Ok(())
    });

    // Byte `i` of the stream is `i % 256`; compare whole runs with memcmp.
    let expected: Vec<u8> = (0..=255u8).cycle().take(512).collect();
    let mut received = 0usize;
    let mut reads = 0u64;
    loop {
        let result = reader.read_blocking()?;
        let buffer = result.buffer();
        for chunk in buffer.chunks() {
            for run in chunk.chunks(256) {
                let phase = received % 256;
                if run != &expected[phase..phase + run.len()] {
                    eprintln!("corrupt bytes in the 256-byte run at offset {received}");
                    std::process::exit(1);
                }
                received += run.len();
            }
        }
        reads += 1;
        let (end, done) = (buffer.end(), result.is_completed());
        reader.advance(end)?;
        if done {
            break;
        }
    }
    match producer.join() {
        Ok(outcome) => outcome?,
        Err(_) => {
            eprintln!("the writer thread panicked");
            std::process::exit(1);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    if received != total {
        eprintln!("received {received} bytes, expected {total}");
        std::process::exit(1);
    }
    println!(
        "streamed {total_mib} MiB in {write_size}-byte writes: {:.0} MB/s ({:.1} ns per write, {reads} reads)",
        total as f64 / seconds / 1e6,
        seconds * 1e9 / (total / write_size) as f64,
    );
    Ok(())
}
