//! One source to a live client and a recording file with `KernelPipe::tee_to`
//! (the zerocopy seed's camera server): bytes from the "camera" socket are
//! spliced into a kernel pipe, duplicated with `tee` into the recording's
//! pipe, and spliced on to the client; a second thread splices the
//! recording's pipe into a file. Nothing is copied through user space. The
//! camera sends 4 MiB + 7 bytes on 127.0.0.1; the client's bytes and the
//! file are checked against them, and the program exits.
//!
//! `cargo run -p pipe-core --features splice --example tee_record`

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

use pipe_core::splice::{transfer, KernelPipe, Stop};

/// Bytes the client got and bytes recorded, and how many went by splice.
#[derive(Debug, Clone, Copy, Default)]
pub struct Recorded {
    /// Bytes sent to the live client.
    pub live: u64,
    /// Bytes written to the recording.
    pub recorded: u64,
    /// `tee` calls.
    pub tees: u64,
    /// Bytes delivered by splice (camera in, client out, recording out).
    pub spliced: u64,
}

fn join<T>(handle: thread::JoinHandle<io::Result<T>>, what: &str) -> io::Result<T> {
    handle.join().map_err(|_| io::Error::other(format!("{what} panicked")))?
}

fn tcp_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let client = TcpStream::connect(listener.local_addr()?)?;
    Ok((client, listener.accept()?.0))
}

/// Runs the camera, the server, the client and the recorder for `bytes`.
pub fn run(bytes: usize) -> io::Result<Recorded> {
    let frames: Vec<u8> = (0..bytes).map(|i| (i * 13 % 256) as u8).collect();
    let (mut camera_out, camera) = tcp_pair()?;
    let (client, mut viewer) = tcp_pair()?;
    let path = std::env::temp_dir().join(format!("pipe-core-tee-record-{}.bin", std::process::id()));
    let recording = std::fs::File::create(&path)?;

    let sent = frames.clone();
    let camera_thread = thread::spawn(move || -> io::Result<()> { camera_out.write_all(&sent) });
    let viewer_thread = thread::spawn(move || -> io::Result<Vec<u8>> {
        let mut seen = Vec::new();
        viewer.read_to_end(&mut seen)?;
        Ok(seen)
    });

    let campipe = KernelPipe::new()?;
    // The recording's pipe with its ends apart: dropping the write end tells
    // the recorder the stream is over.
    let (rec_read, rec_write) = KernelPipe::new()?.into_ends();
    let recorder = thread::spawn(move || -> io::Result<(u64, u64)> {
        let report = transfer(&rec_read, &recording, u64::MAX)?;
        Ok((report.bytes, report.spliced))
    });

    let mut result = Recorded::default();
    loop {
        let got = campipe.read_from(&camera, 64 * 1024)?;
        result.spliced += got.spliced;
        if got.stop == Stop::Eof && got.bytes == 0 {
            break;
        }
        let mut left = got.bytes as usize;
        while left > 0 {
            // Duplicate what the pipe holds, then consume exactly that much.
            let teed = campipe.tee_into(&rec_write, left)?;
            result.tees += 1;
            let out = campipe.write_to(&client, teed as u64)?;
            result.live += out.bytes;
            result.spliced += out.spliced;
            left -= teed;
        }
    }
    drop(rec_write);
    drop(client);
    let (recorded, spliced) = join(recorder, "recorder")?;
    result.recorded = recorded;
    result.spliced += spliced;
    join(camera_thread, "camera")?;
    let seen = join(viewer_thread, "viewer")?;
    let stored = std::fs::read(&path)?;
    std::fs::remove_file(&path)?;
    if seen != frames || stored != frames {
        return Err(io::Error::other(format!(
            "sent {} bytes; the client saw {}, the recording holds {}",
            frames.len(),
            seen.len(),
            stored.len()
        )));
    }
    Ok(result)
}

fn main() -> io::Result<()> {
    let r = run((4 << 20) + 7)?;
    println!(
        "live client: {} bytes, recording: {} bytes, {} tee calls, {} bytes moved by splice",
        r.live, r.recorded, r.tees, r.spliced
    );
    Ok(())
}
