//! HTTP/1.1 chunked transfer encoding of a pipe: a producer writes records
//! into the pipe; the sender turns each read's buffer into one chunk —
//! `size CRLF`, the buffer's segments as `IoSlice`s, `CRLF` — written with
//! one vectored write to a loopback HTTP server (`tiny_http`), which decodes
//! the chunks and answers with what it received. Nothing is copied between
//! the pipe and the socket.
//!
//! `cargo run -p pipe-core --example chunked [records]`

#[cfg(not(loom))]
mod real {
    use std::io::{self, BufRead, BufReader, IoSlice, Write};
    use std::net::TcpStream;
    use std::thread;
    use std::time::{Duration, Instant};

    use pipe_core::{pipe, PipeOptions, PipeReader};

    /// `write_all` for a list of slices (`Write::write_all_vectored` is not
    /// stable yet).
    fn write_all_vectored(out: &mut impl Write, mut slices: &mut [IoSlice<'_>]) -> io::Result<()> {
        IoSlice::advance_slices(&mut slices, 0);
        while !slices.is_empty() {
            let n = out.write_vectored(slices)?;
            if n == 0 {
                return Err(io::Error::new(io::ErrorKind::WriteZero, "the socket took no bytes"));
            }
            IoSlice::advance_slices(&mut slices, n);
        }
        Ok(())
    }

    /// Sends the pipe's bytes as the chunked body of a POST; returns the
    /// number of chunks.
    fn send_chunked(mut reader: PipeReader, socket: &mut TcpStream, host: &str) -> io::Result<u64> {
        let head = format!(
            "POST /upload HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\
             Content-Type: text/plain\r\nConnection: close\r\n\r\n"
        );
        socket.write_all(head.as_bytes())?;
        let mut chunks = 0;
        loop {
            let result = reader.read_blocking()?;
            let buffer = result.buffer();
            if !buffer.is_empty() {
                let size = format!("{:x}\r\n", buffer.len());
                let mut slices = vec![IoSlice::new(size.as_bytes())];
                slices.extend(buffer.to_io_slices()); // the segments themselves
                slices.push(IoSlice::new(b"\r\n"));
                write_all_vectored(socket, &mut slices)?;
                chunks += 1;
            }
            let done = result.is_completed();
            reader.advance_to_end()?;
            if done {
                socket.write_all(b"0\r\n\r\n")?; // the last chunk
                return Ok(chunks);
            }
        }
    }

    pub fn run(records: usize) -> io::Result<()> {
        let server = tiny_http::Server::http("127.0.0.1:0").map_err(io::Error::other)?;
        let address = server.server_addr().to_ip().ok_or_else(|| io::Error::other("server has no IP address"))?;
        let serving = thread::spawn(move || -> io::Result<Vec<u8>> {
            let Some(mut request) = server.recv_timeout(Duration::from_secs(20))? else {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "no request within 20 s"));
            };
            let mut body = Vec::new();
            request.as_reader().read_to_end(&mut body)?; // tiny_http decodes the chunks
            let answer = format!("{} bytes", body.len());
            request.respond(tiny_http::Response::from_string(answer))?;
            Ok(body)
        });

        let started = Instant::now();
        let options =
            PipeOptions::new().minimum_segment_size(1_024).pause_writer_threshold(8_192).resume_writer_threshold(4_096);
        let (reader, mut writer) = pipe(options).map_err(io::Error::from)?;
        let producer = thread::spawn(move || -> io::Result<Vec<u8>> {
            let mut sent = Vec::new();
            for i in 0..records {
                let line = format!("{i:>6} sensor=temp value={:.2} unit=C\n", 20.0 + (i % 50) as f64 / 10.0);
                writer.write_blocking(line.as_bytes()).map_err(io::Error::from)?;
                sent.extend_from_slice(line.as_bytes());
            }
            writer.complete(None);
            Ok(sent)
        });
        let mut socket = TcpStream::connect(address)?;
        socket.set_read_timeout(Some(Duration::from_secs(20)))?;
        let chunks = send_chunked(reader, &mut socket, &address.to_string())?;
        let mut status = String::new();
        let mut response = BufReader::new(socket);
        response.read_line(&mut status)?;
        let sent = producer.join().map_err(|_| io::Error::other("producer panicked"))??;
        let received = serving.join().map_err(|_| io::Error::other("server panicked"))??;
        if !status.starts_with("HTTP/1.1 200") || received != sent {
            return Err(io::Error::other(format!(
                "the server answered {status:?} and got {} of {} bytes",
                received.len(),
                sent.len()
            )));
        }
        println!(
            "chunked: {} bytes in {chunks} chunks (one per pipe read, written vectored), decoded intact by the \
             server in {:.0} ms",
            sent.len(),
            started.elapsed().as_secs_f64() * 1e3
        );
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn chunked_example_delivers_the_body_intact() {
            super::run(2_000).expect("the example runs");
        }
    }
}

#[cfg(not(loom))]
fn main() -> std::io::Result<()> {
    let records = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    real::run(records)
}

/// Under `--cfg loom` the pipe runs on loom's types, which work only inside
/// `loom::model`, and the HTTP server crate is not built: nothing to run.
#[cfg(loom)]
fn main() {}
