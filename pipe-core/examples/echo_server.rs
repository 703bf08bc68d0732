//! An echo server on `splice::transfer`: each connection's bytes go back to
//! it through a pooled kernel pipe, never through user space (Polyphony's
//! splice echo server). Serves three clients on 127.0.0.1, each sending
//! 1 MiB + 7 bytes and checking the echo, then exits.
//!
//! `cargo run -p pipe-core --features splice --example echo_server`

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;

use pipe_core::splice::{transfer, TransferReport};

/// What the server did: one report per connection.
pub fn run(clients: usize, bytes: usize) -> io::Result<Vec<TransferReport>> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    let server = thread::spawn(move || -> io::Result<Vec<TransferReport>> {
        let handlers: Vec<_> = (0..clients)
            .map(|_| {
                let (connection, _) = listener.accept()?;
                Ok(thread::spawn(move || -> io::Result<TransferReport> {
                    // Source and destination are the same socket.
                    let report = transfer(&connection, &connection, u64::MAX)?;
                    connection.shutdown(Shutdown::Write)?;
                    Ok(report)
                }))
            })
            .collect::<io::Result<_>>()?;
        handlers.into_iter().map(|h| h.join().map_err(|_| io::Error::other("handler panicked"))?).collect()
    });
    let payload: Vec<u8> = (0..bytes).map(|i| (i % 251) as u8).collect();
    let client_threads: Vec<_> = (0..clients)
        .map(|_| {
            let payload = payload.clone();
            thread::spawn(move || -> io::Result<()> {
                let stream = TcpStream::connect(address)?;
                let mut writer = stream.try_clone()?;
                let sender = thread::spawn(move || -> io::Result<()> {
                    writer.write_all(&payload)?;
                    writer.shutdown(Shutdown::Write)
                });
                let mut echoed = Vec::new();
                (&stream).read_to_end(&mut echoed)?;
                sender.join().map_err(|_| io::Error::other("sender panicked"))??;
                if echoed.len() != bytes || echoed.iter().enumerate().any(|(i, &b)| b != (i % 251) as u8) {
                    return Err(io::Error::other(format!("echo of {bytes} bytes came back as {} bytes", echoed.len())));
                }
                Ok(())
            })
        })
        .collect();
    for client in client_threads {
        client.join().map_err(|_| io::Error::other("client panicked"))??;
    }
    server.join().map_err(|_| io::Error::other("server panicked"))?
}

fn main() -> io::Result<()> {
    for (i, report) in run(3, (1 << 20) + 7)?.iter().enumerate() {
        println!(
            "connection {i}: echoed {} bytes, {} by splice in {} splice calls, {} copied",
            report.bytes, report.spliced, report.splice_calls, report.copied
        );
    }
    Ok(())
}
