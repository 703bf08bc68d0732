//! The plain data types every splice module shares: the calls a transfer
//! makes, its routes, what one call did, and what a descriptor is. This
//! module imports no other splice module.

use core::fmt;

/// The system call a transfer was making when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `fstat`/`getsockopt` to learn what a descriptor is.
    Inspect,
    /// Creating the intermediate pipe.
    CreatePipe,
    /// `splice(source, dest)` (one side a pipe).
    SpliceDirect,
    /// `splice(source, intermediate pipe)`.
    SpliceIn,
    /// `splice(intermediate pipe, dest)`.
    SpliceOut,
    /// `read(source)` on the copy path.
    Read,
    /// `write(dest)` (or `send`) on the copy path.
    Write,
    /// `read(intermediate pipe)`: taking held bytes out to fall back.
    DrainPipe,
    /// `poll(dest)`: waiting for a non-blocking destination to take held bytes.
    Wait,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Inspect => "inspecting a descriptor",
            Self::CreatePipe => "creating the intermediate pipe",
            Self::SpliceDirect => "splice from the source to the destination",
            Self::SpliceIn => "splice from the source into the intermediate pipe",
            Self::SpliceOut => "splice from the intermediate pipe to the destination",
            Self::Read => "read from the source",
            Self::Write => "write to the destination",
            Self::DrainPipe => "read of held bytes back out of the intermediate pipe",
            Self::Wait => "poll for the destination to become writable",
        })
    }
}

/// How a transfer moves bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `splice(source, dest)`: one of the two is a pipe.
    Direct,
    /// `splice(source, pipe)` then `splice(pipe, dest)` through an intermediate
    /// kernel pipe: neither end is a pipe.
    ViaPipe,
    /// `read` into a user-space buffer, then `write`.
    Copy,
}

/// Why a call stopped before its limit, or that it reached it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Stop {
    /// The limit was reached.
    #[default]
    Limit,
    /// The source reported end of file.
    Eof,
    /// A non-blocking end returned `EAGAIN` after some bytes were delivered;
    /// bytes taken from the source but not delivered stay held (see
    /// [`Engine::held`](super::Engine::held)) and go out first on the next call.
    WouldBlock,
}

/// A switch from a splice route to the copy path, and what caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fallback {
    /// The call that refused.
    pub op: Op,
    /// Its errno.
    pub errno: i32,
    /// Bytes taken out of the intermediate pipe to be written by the copy path.
    pub recovered: usize,
}

/// What one call of a transfer did: bytes delivered, by which path, with how
/// many system calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TransferReport {
    /// Bytes delivered to the destination by this call.
    pub bytes: u64,
    /// Of those, bytes delivered by `splice`.
    pub spliced: u64,
    /// Of those, bytes delivered by `write`.
    pub copied: u64,
    /// `splice` calls that moved bytes (the call that reports end of file
    /// and retries after `EINTR` are not counted).
    pub splice_calls: u64,
    /// `read` and `write` calls that moved bytes (the read that reports end
    /// of file is not counted).
    pub copy_calls: u64,
    /// The switch to the copy path in this call, if one happened.
    pub fallback: Option<Fallback>,
    /// Why the call returned.
    pub stop: Stop,
}

impl TransferReport {
    /// Adds `other` (a later call of the same transfer) to this report.
    pub fn merge(&mut self, other: &TransferReport) {
        self.bytes += other.bytes;
        self.spliced += other.spliced;
        self.copied += other.copied;
        self.splice_calls += other.splice_calls;
        self.copy_calls += other.copy_calls;
        self.fallback = self.fallback.or(other.fallback);
        self.stop = other.stop;
    }
}

/// What a descriptor is, as far as splicing cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FdKind {
    /// A pipe or FIFO.
    Pipe,
    /// A `SOCK_STREAM` socket (TCP, stream unix socket).
    StreamSocket,
    /// A datagram, seqpacket or raw socket: splice would move one datagram per
    /// call and lose the boundaries, so these take the copy path.
    DatagramSocket,
    /// A regular file.
    RegularFile,
    /// A block device.
    BlockDevice,
    /// A character device (`/dev/null`, `/dev/zero`, a tty).
    CharDevice,
    /// Anything else (`eventfd`, `epoll`, other anonymous inodes).
    Other,
}

impl fmt::Display for FdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pipe => "pipe",
            Self::StreamSocket => "stream socket",
            Self::DatagramSocket => "datagram or seqpacket socket",
            Self::RegularFile => "regular file",
            Self::BlockDevice => "block device",
            Self::CharDevice => "character device",
            Self::Other => "other descriptor",
        })
    }
}
