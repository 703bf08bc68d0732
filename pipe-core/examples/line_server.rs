//! A line protocol server on loopback, in the System.IO.Pipelines style: one
//! thread fills the pipe straight from the socket (`get_memory` → `read` →
//! `advance` → `flush`), another parses lines out of the `Sequence` with a
//! `SequenceReader` and answers each. Segments are tiny (16 bytes) and the
//! client sends its messages in odd-sized pieces, so lines are split across
//! socket reads and across segments; a scan that finds no newline examines
//! everything and resumes there on the next read (R4).
//!
//! `cargo run -p pipe-core --example line_server [clients] [lines]`

#[cfg(not(loom))]
mod real {
    use std::io::{self, BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::thread;
    use std::time::{Duration, Instant};

    use pipe_core::{pipe, PipeError, PipeOptions, PipeWriter, Position, SequenceReader};

    /// Socket → pipe, without an intermediate buffer: the socket reads into
    /// the pipe's own memory.
    fn fill(mut socket: TcpStream, mut writer: PipeWriter) -> io::Result<()> {
        loop {
            let memory = writer.get_memory(64)?;
            let n = socket.read(memory)?;
            if n == 0 {
                writer.complete(None);
                return Ok(());
            }
            writer.advance(n)?;
            if writer.flush_blocking()?.is_completed() {
                return Ok(()); // the parser stopped
            }
        }
    }

    /// Pipe → lines → answers. Returns (lines, reads, lines split across segments).
    fn parse(mut reader: pipe_core::PipeReader, mut out: TcpStream) -> Result<(u64, u64, u64), PipeError> {
        let (mut lines, mut reads, mut split) = (0, 0, 0);
        // Where the last scan stopped without finding a newline.
        let mut resume: Option<Position> = None;
        loop {
            let result = reader.read_blocking()?;
            reads += 1;
            let buffer = result.buffer();
            let mut scan = match resume {
                Some(position) => SequenceReader::new_at(buffer, position)?,
                None => SequenceReader::new(buffer),
            };
            let mut consumed = buffer.start();
            while let Some(line) = scan.try_read_to(b'\n', true) {
                // A resumed scan starts past the line's start: slice from it.
                let line = buffer.slice_positions(consumed, line.end())?;
                if !line.is_single_segment() {
                    split += 1;
                }
                // The common case parses a slice; a split line is copied once.
                let text = match line.as_slice() {
                    Some(slice) => String::from_utf8_lossy(slice).into_owned(),
                    None => String::from_utf8_lossy(&line.to_vec()).into_owned(),
                };
                let answer = format!("{} bytes: {}\n", text.len(), text.to_uppercase());
                if out.write_all(answer.as_bytes()).is_err() {
                    return Ok((lines, reads, split));
                }
                lines += 1;
                consumed = scan.position();
            }
            let done = result.is_completed();
            // Consume whole lines; examine everything, so the next read waits
            // for new bytes, and remember where the scan stopped.
            let examined = buffer.end();
            resume = (consumed != examined).then_some(examined);
            reader.advance_to(consumed, examined)?;
            if done {
                return Ok((lines, reads, split));
            }
        }
    }

    /// One client: sends `count` lines in awkward pieces, checks every answer.
    fn client(address: std::net::SocketAddr, id: usize, count: usize) -> io::Result<()> {
        let socket = TcpStream::connect(address)?;
        socket.set_nodelay(true)?;
        socket.set_read_timeout(Some(Duration::from_secs(20)))?;
        let mut sender = socket.try_clone()?;
        let messages: Vec<String> = (0..count).map(|i| format!("client {id} says hello number {i}")).collect();
        let text: String = messages.iter().map(|m| format!("{m}\n")).collect();
        let sending = thread::spawn(move || -> io::Result<()> {
            for (i, piece) in text.as_bytes().chunks(7 + id % 5).enumerate() {
                sender.write_all(piece)?;
                if i % 16 == 0 {
                    thread::sleep(Duration::from_millis(1)); // let the server see a partial line
                }
            }
            sender.shutdown(std::net::Shutdown::Write)
        });
        let mut answers = BufReader::new(socket);
        for message in &messages {
            let mut answer = String::new();
            answers.read_line(&mut answer)?;
            let expected = format!("{} bytes: {}\n", message.len(), message.to_uppercase());
            if answer != expected {
                return Err(io::Error::other(format!("client {id}: got {answer:?}, expected {expected:?}")));
            }
        }
        sending.join().map_err(|_| io::Error::other("sender panicked"))?
    }

    pub fn run(clients: usize, lines: usize) -> io::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let started = Instant::now();
        let server = thread::spawn(move || -> io::Result<Vec<(u64, u64, u64)>> {
            let mut connections = Vec::new();
            for _ in 0..clients {
                let (socket, _) = listener.accept()?;
                let options = PipeOptions::new()
                    .minimum_segment_size(16)
                    .pause_writer_threshold(256)
                    .resume_writer_threshold(128);
                let (reader, writer) = pipe(options).map_err(io::Error::from)?;
                let input = socket.try_clone()?;
                let filler = thread::spawn(move || fill(input, writer));
                let parser = thread::spawn(move || parse(reader, socket));
                connections.push((filler, parser));
            }
            let mut stats = Vec::new();
            for (filler, parser) in connections {
                filler.join().map_err(|_| io::Error::other("filler panicked"))??;
                stats.push(parser.join().map_err(|_| io::Error::other("parser panicked"))?.map_err(io::Error::from)?);
            }
            Ok(stats)
        });
        let client_threads: Vec<_> = (0..clients).map(|id| thread::spawn(move || client(address, id, lines))).collect();
        for handle in client_threads {
            handle.join().map_err(|_| io::Error::other("client panicked"))??;
        }
        let stats = server.join().map_err(|_| io::Error::other("server panicked"))??;
        let (total, reads, split) =
            stats.iter().fold((0, 0, 0), |(a, b, c), (lines, reads, split)| (a + lines, b + reads, c + split));
        println!(
            "line_server: {clients} clients, {total} lines answered in {:.0} ms; {reads} pipe reads, \
             {split} lines split across segments",
            started.elapsed().as_secs_f64() * 1e3
        );
        if total != (clients * lines) as u64 || split == 0 {
            return Err(io::Error::other(format!(
                "expected {} lines, some split; got {total}, {split}",
                clients * lines
            )));
        }
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn line_server_example_answers_every_line() {
            super::run(3, 200).expect("the example runs");
        }
    }
}

#[cfg(not(loom))]
fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let clients = args.next().and_then(|a| a.parse().ok()).unwrap_or(4);
    let lines = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    real::run(clients, lines)
}

/// Under `--cfg loom` the pipe runs on loom's types, which work only inside
/// `loom::model`: nothing to run.
#[cfg(loom)]
fn main() {}
