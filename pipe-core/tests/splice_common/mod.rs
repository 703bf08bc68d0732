//! Shared helpers of the splice tests: real descriptors on loopback, unix
//! sockets, kernel pipes and temporary files, and the differential harness
//! that runs one case on the splice path and on the forced copy path.
#![allow(dead_code)]

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

use pipe_core::splice::{KernelPipe, TransferError, TransferOptions, TransferReport};

/// Which path a differential case runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// Splicing allowed (files too: `splice_files`).
    Splice,
    /// `force_copy`.
    Copy,
}

impl Path {
    pub fn options(self) -> TransferOptions {
        match self {
            Path::Splice => TransferOptions::with_files(),
            Path::Copy => TransferOptions::copy_only(),
        }
    }
}

/// What a case produced: the bytes that arrived, the count the transfer
/// reported, the error class if it failed, and the splice report.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub output: Vec<u8>,
    pub bytes: u64,
    pub error: Option<io::ErrorKind>,
    pub report: TransferReport,
}

impl Outcome {
    pub fn from_result(result: &Result<TransferReport, TransferError>, output: Vec<u8>) -> Self {
        match result {
            Ok(report) => Outcome { output, bytes: report.bytes, error: None, report: *report },
            Err(e) => Outcome { output, bytes: e.report().bytes, error: Some(e.kind()), report: *e.report() },
        }
    }
}

/// Runs `case` on both paths and checks identical bytes, counts and error
/// class; checks that the copy path never spliced. Returns (splice, copy).
pub fn differential(name: &str, case: impl Fn(Path) -> Outcome) -> (Outcome, Outcome) {
    let splice = case(Path::Splice);
    let copy = case(Path::Copy);
    assert_eq!(splice.output.len(), copy.output.len(), "{name}: output lengths differ (splice vs copy)");
    assert!(splice.output == copy.output, "{name}: output bytes differ between the splice and the copy path");
    assert_eq!(splice.bytes, copy.bytes, "{name}: reported counts differ (splice vs copy)");
    assert_eq!(splice.error, copy.error, "{name}: error classes differ (splice vs copy)");
    assert_eq!(copy.report.spliced, 0, "{name}: the forced copy path spliced");
    assert_eq!(copy.report.splice_calls, 0, "{name}: the forced copy path called splice");
    (splice, copy)
}

/// Asserts that the splice path really spliced every delivered byte.
pub fn assert_spliced(name: &str, outcome: &Outcome) {
    if outcome.bytes > 0 {
        assert!(outcome.report.splice_calls > 0, "{name}: no splice call on the splice path: {:?}", outcome.report);
        assert_eq!(
            outcome.report.spliced, outcome.bytes,
            "{name}: not every byte went by splice: {:?}",
            outcome.report
        );
    }
}

/// `len` bytes of a pattern that does not repeat at page or pipe sizes.
pub fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i.wrapping_mul(31) ^ (i >> 9)) as u8).collect()
}

pub fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let client = TcpStream::connect(listener.local_addr().expect("local addr")).expect("connect");
    let (server, _) = listener.accept().expect("accept");
    (client, server)
}

pub fn unix_pair() -> (UnixStream, UnixStream) {
    UnixStream::pair().expect("socketpair")
}

/// A kernel pipe as (read end, write end) files.
pub fn pipe() -> (File, File) {
    let (read, write) = KernelPipe::new().expect("pipe").into_ends();
    (File::from(read), File::from(write))
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A fresh path in the temporary directory, removed by [`TempFile`]'s drop.
pub struct TempFile {
    pub path: PathBuf,
}

impl TempFile {
    pub fn new(tag: &str) -> Self {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("pipe-core-splice-{}-{tag}-{n}", std::process::id()));
        TempFile { path }
    }

    pub fn with(tag: &str, contents: &[u8]) -> Self {
        let file = Self::new(tag);
        std::fs::write(&file.path, contents).expect("write temp file");
        file
    }

    pub fn open(&self) -> File {
        File::open(&self.path).expect("open temp file")
    }

    pub fn create(&self) -> File {
        OpenOptions::new().create(true).truncate(true).read(true).write(true).open(&self.path).expect("create")
    }

    pub fn append(&self) -> File {
        OpenOptions::new().create(true).append(true).open(&self.path).expect("open O_APPEND")
    }

    pub fn contents(&self) -> Vec<u8> {
        std::fs::read(&self.path).expect("read temp file")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Reads `reader` to end of file on a thread.
pub fn collect<R: Read + Send + 'static>(mut reader: R) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut out = Vec::new();
        let _ = reader.read_to_end(&mut out);
        out
    })
}

/// Writes `bytes` then closes `writer`, on a thread.
pub fn feed<W: Write + Send + 'static>(mut writer: W, bytes: Vec<u8>) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let _ = writer.write_all(&bytes);
    })
}

/// Sets `O_NONBLOCK` on `fd`.
pub fn set_nonblocking(fd: impl AsRawFd) {
    let fd = fd.as_raw_fd();
    // SAFETY: fcntl on a descriptor the caller owns; F_GETFL/F_SETFL take and
    // return plain flags.
    let rc = unsafe { libc::fcntl(fd, libc::F_SETFL, libc::fcntl(fd, libc::F_GETFL) | libc::O_NONBLOCK) };
    assert_eq!(rc, 0, "fcntl(O_NONBLOCK) on fd {fd}");
}

/// Owned duplicate of `fd`.
pub fn dup(fd: impl AsFd) -> OwnedFd {
    fd.as_fd().try_clone_to_owned().expect("dup")
}
