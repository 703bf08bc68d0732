//! `flate2` through pipes, three threads in a line: a producer writes log
//! lines into the first pipe; a compressor reads that pipe as an `io::Read`
//! and writes gzip into the second pipe through a `GzEncoder` on its
//! `io::Write`; a decompressor reads the second pipe through a `GzDecoder`
//! and checks every byte. Back pressure holds each stage to the one after it.
//!
//! `cargo run -p pipe-core --release --example gzip_pipeline [lines]`

#[cfg(not(loom))]
mod real {
    use std::io::{self, Read, Write};
    use std::thread;
    use std::time::Instant;

    use flate2::read::GzDecoder;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use pipe_core::{pipe, PipeOptions};

    fn line(i: usize) -> String {
        let level = ["INFO", "WARN", "DEBUG", "INFO"][i % 4];
        format!("2026-01-01T00:00:{:02}Z {level} request id={i} path=/api/v1/items/{} status=200\n", i % 60, i % 97)
    }

    pub fn run(lines: usize) -> io::Result<()> {
        let started = Instant::now();
        let (raw_reader, raw_writer) = pipe(PipeOptions::default()).map_err(io::Error::from)?;
        let (gz_reader, gz_writer) = pipe(PipeOptions::default()).map_err(io::Error::from)?;

        let producer = thread::spawn(move || -> io::Result<u64> {
            let mut out = raw_writer.into_std();
            let mut sent = 0;
            for i in 0..lines {
                let text = line(i);
                out.write_all(text.as_bytes())?;
                sent += text.len() as u64;
            }
            Ok(sent) // dropping `out` completes the pipe: EOF for the compressor
        });
        let compressor = thread::spawn(move || -> io::Result<u64> {
            let mut encoder = GzEncoder::new(gz_writer.into_std(), Compression::fast());
            io::copy(&mut raw_reader.into_std(), &mut encoder)?;
            let mut out = encoder.finish()?; // the gzip trailer
            out.flush()?;
            Ok(out.get_ref().stats().flushed_end)
        });
        let mut decoder = GzDecoder::new(gz_reader.into_std());
        let mut received = 0u64;
        let mut text = String::new();
        let mut expected = 0;
        let mut pending = String::new();
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            let n = decoder.read(&mut buf)?;
            if n == 0 {
                break;
            }
            received += n as u64;
            text.clear();
            text.push_str(&pending);
            text.push_str(std::str::from_utf8(&buf[..n]).map_err(io::Error::other)?);
            let complete = text.rfind('\n').map_or(0, |i| i + 1);
            for got in text[..complete].split_inclusive('\n') {
                if got != line(expected) {
                    return Err(io::Error::other(format!("line {expected}: got {got:?}")));
                }
                expected += 1;
            }
            pending = text[complete..].to_string();
        }
        let sent = producer.join().map_err(|_| io::Error::other("producer panicked"))??;
        let compressed = compressor.join().map_err(|_| io::Error::other("compressor panicked"))??;
        if received != sent || expected != lines || !pending.is_empty() {
            return Err(io::Error::other(format!(
                "sent {sent} bytes, received {received}; {expected} of {lines} lines"
            )));
        }
        let elapsed = started.elapsed().as_secs_f64();
        println!(
            "gzip_pipeline: {lines} lines, {sent} bytes -> {compressed} gzip bytes ({:.1}x) -> {received} bytes, \
             every line checked, {:.0} ms ({:.0} MB/s)",
            sent as f64 / compressed as f64,
            elapsed * 1e3,
            sent as f64 / elapsed / 1e6
        );
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn gzip_pipeline_example_round_trips_every_line() {
            super::run(5_000).expect("the example runs");
        }
    }
}

#[cfg(not(loom))]
fn main() -> std::io::Result<()> {
    let lines = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    real::run(lines)
}

/// Under `--cfg loom` the pipe runs on loom's types, which work only inside
/// `loom::model`, and flate2 is not built: nothing to run.
#[cfg(loom)]
fn main() {}
