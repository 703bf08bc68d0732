//! A TCP proxy on `splice::transfer`: for each client, one transfer per
//! direction between the client's and the upstream's sockets, both through
//! pooled kernel pipes (Polyphony's splice proxy, the zerocopy seed's
//! `Transfer(upstream, downstream)`). The upstream here is a small server on
//! 127.0.0.1 that answers each request with its bytes reversed; two clients
//! talk to it through the proxy, check the answers, and the program exits.
//!
//! `cargo run -p pipe-core --features splice --example tcp_proxy`

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;

use pipe_core::splice::{transfer, TransferReport};

/// Both directions' reports for one proxied connection.
#[derive(Debug, Clone, Copy)]
pub struct Proxied {
    /// Client → upstream.
    pub up: TransferReport,
    /// Upstream → client.
    pub down: TransferReport,
}

fn join<T>(handle: thread::JoinHandle<io::Result<T>>, what: &str) -> io::Result<T> {
    handle.join().map_err(|_| io::Error::other(format!("{what} panicked")))?
}

/// Runs the upstream, the proxy and `clients` clients sending `bytes` each.
pub fn run(clients: usize, bytes: usize) -> io::Result<Vec<Proxied>> {
    // Upstream: reads a request to end of file, answers with it reversed.
    let upstream = TcpListener::bind("127.0.0.1:0")?;
    let upstream_address = upstream.local_addr()?;
    let upstream_thread = thread::spawn(move || -> io::Result<()> {
        for _ in 0..clients {
            let (mut connection, _) = upstream.accept()?;
            let mut request = Vec::new();
            connection.read_to_end(&mut request)?;
            request.reverse();
            connection.write_all(&request)?;
        }
        Ok(())
    });
    // The proxy.
    let proxy = TcpListener::bind("127.0.0.1:0")?;
    let proxy_address = proxy.local_addr()?;
    let proxy_thread = thread::spawn(move || -> io::Result<Vec<Proxied>> {
        let mut sessions = Vec::new();
        for _ in 0..clients {
            let (client, _) = proxy.accept()?;
            let server = TcpStream::connect(upstream_address)?;
            let (client_up, server_up) = (client.try_clone()?, server.try_clone()?);
            let up = thread::spawn(move || -> io::Result<TransferReport> {
                let report = transfer(&client_up, &server_up, u64::MAX)?;
                server_up.shutdown(Shutdown::Write)?;
                Ok(report)
            });
            let down = thread::spawn(move || -> io::Result<TransferReport> {
                let report = transfer(&server, &client, u64::MAX)?;
                client.shutdown(Shutdown::Write)?;
                Ok(report)
            });
            sessions.push((up, down));
        }
        sessions.into_iter().map(|(up, down)| Ok(Proxied { up: join(up, "up")?, down: join(down, "down")? })).collect()
    });
    for n in 0..clients {
        let request: Vec<u8> = (0..bytes).map(|i| ((i * 7 + n) % 256) as u8).collect();
        let mut stream = TcpStream::connect(proxy_address)?;
        stream.write_all(&request)?;
        stream.shutdown(Shutdown::Write)?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        let mut expected = request;
        expected.reverse();
        if answer != expected {
            return Err(io::Error::other(format!("client {n}: wrong answer of {} bytes", answer.len())));
        }
    }
    join(upstream_thread, "upstream")?;
    join(proxy_thread, "proxy")
}

fn main() -> io::Result<()> {
    for (i, session) in run(2, 512 * 1024 + 3)?.iter().enumerate() {
        println!(
            "client {i}: up {} bytes ({} spliced), down {} bytes ({} spliced)",
            session.up.bytes, session.up.spliced, session.down.bytes, session.down.spliced
        );
    }
    Ok(())
}
