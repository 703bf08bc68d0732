//! A producer serializes records with `serde_json` into a pipe's writer while
//! the pipe's reader is the streaming body of an HTTP POST (`ureq`) to a
//! loopback server (`tiny_http`) that hashes what it receives. The same run
//! with `std::io::pipe`, each with and without a `BufWriter`, for comparison.
//!
//! `cargo run -p pipe-core --release --example http_body [records]`
//! (200,000 records, about 25 MB, by default; the test runs a small one).
//!
//! The comparison needs `std::io::pipe` (Rust 1.87); the library's MSRV
//! (1.85) covers the library, and the examples build on current stable.
#![allow(clippy::incompatible_msrv)]

#[cfg(not(loom))]
mod real {
    use std::io::{self, BufWriter, Read, Write};
    use std::thread;
    use std::time::{Duration, Instant};

    use pipe_core::{pipe, PipeOptions};
    use serde::Serialize;

    #[derive(Serialize)]
    struct Record<'a> {
        id: u64,
        name: String,
        email: String,
        score: f64,
        tags: [&'a str; 3],
        active: bool,
    }

    fn record(id: u64) -> Record<'static> {
        Record {
            id,
            name: format!("user-{id}"),
            email: format!("user{id}@example.com"),
            score: (id % 1000) as f64 / 7.0,
            tags: ["alpha", "beta", if id % 2 == 0 { "even" } else { "odd" }],
            active: id % 3 != 0,
        }
    }

    /// Serializes `records` records as JSON lines into `out`.
    fn produce(records: u64, mut out: impl Write) -> io::Result<()> {
        for id in 0..records {
            serde_json::to_writer(&mut out, &record(id))?;
            out.write_all(b"\n")?;
        }
        out.flush()
    }

    /// What the server computes over the body: a 64-bit multiply-xor hash
    /// of its 8-byte words (the last, short one zero-padded) and its length,
    /// the same however the stream is split. Word-wise, so the server keeps
    /// up with the pipes it measures (byte-wise FNV was the slowest stage).
    #[derive(Clone, Copy)]
    struct Digest {
        hash: u64,
        len: u64,
        /// Bytes of an unfinished word.
        partial: [u8; 8],
        partial_len: usize,
    }

    impl Digest {
        fn new() -> Self {
            Self { hash: 0xcbf2_9ce4_8422_2325, len: 0, partial: [0; 8], partial_len: 0 }
        }

        fn mix(&mut self, word: u64) {
            self.hash = (self.hash ^ word).wrapping_mul(0x0100_0000_01b3).rotate_left(29);
        }

        fn update(&mut self, mut bytes: &[u8]) {
            self.len += bytes.len() as u64;
            if self.partial_len > 0 {
                let take = (8 - self.partial_len).min(bytes.len());
                self.partial[self.partial_len..self.partial_len + take].copy_from_slice(&bytes[..take]);
                self.partial_len += take;
                bytes = &bytes[take..];
                if self.partial_len < 8 {
                    return;
                }
                self.mix(u64::from_le_bytes(self.partial));
                self.partial_len = 0;
            }
            let mut words = bytes.chunks_exact(8);
            for word in &mut words {
                let mut array = [0u8; 8];
                array.copy_from_slice(word);
                self.mix(u64::from_le_bytes(array));
            }
            let rest = words.remainder();
            self.partial[..rest.len()].copy_from_slice(rest);
            self.partial_len = rest.len();
        }

        /// "len hash", the answer the server sends.
        fn finish(mut self) -> String {
            if self.partial_len > 0 {
                self.partial[self.partial_len..].fill(0);
                self.mix(u64::from_le_bytes(self.partial));
            }
            format!("{} {:016x}", self.len, self.hash)
        }
    }

    impl Write for Digest {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.update(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A loopback server answering `requests` POSTs with "len hash" of each body.
    fn serve(requests: usize) -> io::Result<(String, thread::JoinHandle<io::Result<()>>)> {
        let server = tiny_http::Server::http("127.0.0.1:0").map_err(io::Error::other)?;
        let address = server.server_addr().to_ip().ok_or_else(|| io::Error::other("server has no IP address"))?;
        let handle = thread::spawn(move || -> io::Result<()> {
            for _ in 0..requests {
                let Some(mut request) = server.recv_timeout(Duration::from_secs(60))? else {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "no request within 60 s"));
                };
                let mut digest = Digest::new();
                let mut buf = vec![0u8; 64 * 1024];
                let body = request.as_reader();
                loop {
                    let n = body.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    digest.update(&buf[..n]);
                }
                let answer = digest.finish();
                request.respond(tiny_http::Response::from_string(answer))?;
            }
            Ok(())
        });
        Ok((format!("http://{address}/ingest"), handle))
    }

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Kind {
        PipeCore,
        OsPipe,
    }

    /// One POST: the producer on its own thread, the body streamed by ureq.
    fn post(agent: &ureq::Agent, url: &str, kind: Kind, buffered: bool, records: u64) -> io::Result<String> {
        let (body, producer): (Box<dyn Read + Send>, thread::JoinHandle<io::Result<()>>) = match kind {
            Kind::PipeCore => {
                let (reader, writer) = pipe(PipeOptions::default()).map_err(io::Error::from)?;
                let producer = thread::spawn(move || {
                    let writer = writer.into_std(); // dropped at the end: completes the pipe
                    if buffered {
                        produce(records, BufWriter::with_capacity(8 * 1024, writer))
                    } else {
                        produce(records, writer)
                    }
                });
                (Box::new(reader.into_std()), producer)
            }
            Kind::OsPipe => {
                let (reader, writer) = io::pipe()?;
                let producer = thread::spawn(move || {
                    if buffered {
                        produce(records, BufWriter::with_capacity(8 * 1024, writer))
                    } else {
                        produce(records, writer)
                    }
                });
                (Box::new(reader), producer)
            }
        };
        let response = agent
            .post(url)
            .set("Content-Type", "application/x-ndjson")
            .send(body)
            .map_err(|e| io::Error::other(format!("POST {url}: {e}")))?;
        let answer = response.into_string()?;
        producer.join().map_err(|_| io::Error::other("producer thread panicked"))??;
        Ok(answer)
    }

    /// One POST, timed, with the server's answer checked.
    fn timed_post(
        agent: &ureq::Agent,
        url: &str,
        kind: Kind,
        buffered: bool,
        records: u64,
        expected: &str,
    ) -> io::Result<Duration> {
        let started = Instant::now();
        let answer = post(agent, url, kind, buffered, records)?;
        let elapsed = started.elapsed();
        if answer != expected {
            return Err(io::Error::other(format!("{kind:?}: the server got {answer}, expected {expected}")));
        }
        Ok(elapsed)
    }

    pub fn run(records: u64, repeats: usize) -> io::Result<()> {
        let mut expected = Digest::new();
        produce(records, &mut expected)?;
        let expected = expected.finish();
        println!(
            "http_body: {records} JSON records ({} bytes) as the streaming body of a POST",
            expected_len(&expected)
        );

        // The three fast variants run in rounds, one of each per round, so a
        // change in the machine's load hits all three alike; the unbuffered
        // OS pipe makes one system call per serde_json write and takes
        // seconds, so it runs once, at the end (HTTP_BODY_SKIP_SLOW=1 skips it).
        let variants = [(Kind::PipeCore, false), (Kind::PipeCore, true), (Kind::OsPipe, true)];
        let slow = std::env::var_os("HTTP_BODY_SKIP_SLOW").is_none();
        let (url, server) = serve(variants.len() * repeats + usize::from(slow))?;
        let agent = ureq::AgentBuilder::new().build();
        let mut times = vec![Vec::new(); variants.len() + 1];
        for _ in 0..repeats {
            for (i, &(kind, buffered)) in variants.iter().enumerate() {
                times[i].push(timed_post(&agent, &url, kind, buffered, records, &expected)?);
            }
        }
        if slow {
            times[variants.len()].push(timed_post(&agent, &url, Kind::OsPipe, false, records, &expected)?);
        }
        let mut medians = Vec::new();
        let all = variants.iter().copied().chain([(Kind::OsPipe, false)]);
        for (times, (kind, buffered)) in times.iter_mut().zip(all) {
            if times.is_empty() {
                continue;
            }
            times.sort();
            let median = times[times.len() / 2];
            let name = match kind {
                Kind::PipeCore => "pipe-core",
                Kind::OsPipe => "std::io::pipe",
            };
            let shown: Vec<String> = times.iter().map(|t| format!("{:.0}", t.as_secs_f64() * 1e3)).collect();
            println!(
                "  {name:<14} {:<16} median {:>7.1} ms  ({} ms)",
                if buffered { "+ BufWriter 8K" } else { "no BufWriter" },
                median.as_secs_f64() * 1e3,
                shown.join(", ")
            );
            medians.push(median);
        }
        server.join().map_err(|_| io::Error::other("server thread panicked"))??;
        let (core_plain, core_buffered, os_buffered) = (medians[0], medians[1], medians[2]);
        println!(
            "  goal 1, pipe-core without BufWriter faster than std::io::pipe with one: {} ({:.2}x)",
            if core_plain < os_buffered { "met" } else { "NOT met" },
            os_buffered.as_secs_f64() / core_plain.as_secs_f64()
        );
        println!(
            "  goal 2, pipe-core with BufWriter no slower than std::io::pipe with one: {} ({:.2}x)",
            if core_buffered <= os_buffered { "met" } else { "NOT met" },
            os_buffered.as_secs_f64() / core_buffered.as_secs_f64()
        );
        println!("  every body arrived intact: {expected}");
        Ok(())
    }

    fn expected_len(expected: &str) -> &str {
        expected.split(' ').next().unwrap_or("?")
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn http_body_example_runs_and_every_body_arrives_intact() {
            super::run(2_000, 1).expect("the example runs");
        }
    }
}

#[cfg(not(loom))]
fn main() -> std::io::Result<()> {
    let records = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    real::run(records, 5)
}

/// Under `--cfg loom` the pipe runs on loom's types, which work only inside
/// `loom::model`, and the HTTP crates are not built: nothing to run.
#[cfg(loom)]
fn main() {}
