//! Transfers between real file descriptors: what each descriptor is, which
//! route that allows, the [`Syscalls`] implementation that issues the
//! calls, and [`KernelPipe`]'s transfers in and out.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use rustix::fs::FileType;
use rustix::net::{SendFlags, SocketType};
use rustix::pipe::SpliceFlags;

use super::engine::{End, Engine, Syscalls};
use super::error::{context, TransferError};
use super::kernel_pipe::{KernelPipe, PipePool, PooledPipe};
use super::sigpipe::SigpipeGuard;
use super::types::{FdKind, Op, Route, Stop, TransferReport};

impl FdKind {
    /// Inspects `fd` with `fstat` (and `getsockopt(SO_TYPE)` for sockets).
    pub fn of(fd: impl AsFd) -> io::Result<Self> {
        let fd = fd.as_fd();
        let stat =
            rustix::fs::fstat(fd).map_err(|e| context(e, std::format!("fstat of fd {} failed", fd.as_raw_fd())))?;
        Ok(match FileType::from_raw_mode(stat.st_mode) {
            FileType::Fifo => Self::Pipe,
            FileType::RegularFile => Self::RegularFile,
            FileType::BlockDevice => Self::BlockDevice,
            FileType::CharacterDevice => Self::CharDevice,
            FileType::Socket => match rustix::net::sockopt::socket_type(fd) {
                Ok(SocketType::STREAM) => Self::StreamSocket,
                Ok(_) => Self::DatagramSocket,
                Err(e) => return Err(context(e, std::format!("getsockopt(SO_TYPE) of fd {} failed", fd.as_raw_fd()))),
            },
            _ => Self::Other,
        })
    }

    fn is_socket(self) -> bool {
        matches!(self, Self::StreamSocket | Self::DatagramSocket)
    }
}

/// How a transfer may move bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TransferOptions {
    /// Splice a regular file or block device *as the source* (off by
    /// default). Splicing a file into a pipe passes its pages by reference: a
    /// write to the file before the bytes are consumed changes what the
    /// destination gets. Turn it on only for files nobody writes during the
    /// transfer.
    pub splice_files: bool,
    /// Never splice: read and write through a user-space buffer. The copy
    /// path every splice route is compared with.
    pub force_copy: bool,
}

impl TransferOptions {
    /// Options that only copy.
    pub fn copy_only() -> Self {
        Self { force_copy: true, ..Self::default() }
    }

    /// Options that splice files too.
    pub fn with_files() -> Self {
        Self { splice_files: true, ..Self::default() }
    }
}

/// The route for a pair of descriptors.
pub fn route_for(src: FdKind, dst: FdKind, options: &TransferOptions) -> Route {
    let file_source = matches!(src, FdKind::RegularFile | FdKind::BlockDevice);
    if options.force_copy
        || src == FdKind::DatagramSocket
        || dst == FdKind::DatagramSocket
        || (file_source && !options.splice_files)
    {
        Route::Copy
    } else if src == FdKind::Pipe || dst == FdKind::Pipe {
        Route::Direct
    } else {
        Route::ViaPipe
    }
}

/// Moves up to `limit` bytes (`u64::MAX`: to end of file) from `src` to
/// `dst` and reports how.
///
/// Splices directly when one side is a pipe, through a pooled intermediate
/// pipe when neither is, and copies through a 64 KiB buffer when the kernel
/// refuses before the first byte arrives, for datagram sockets, and for
/// regular-file sources (see [`TransferOptions::splice_files`]). The rules are
/// the table in `docs/splice.md`.
///
/// Blocking descriptors block. A non-blocking one that would block ends the
/// call: with bytes delivered, `Ok` with [`Stop::WouldBlock`]; with none, an
/// error of kind `WouldBlock`. Bytes already taken from the source are never
/// dropped: if the destination would block while some are held, this call
/// waits (`poll`) until they are delivered. To keep them across calls
/// instead, use [`Transfer`].
///
/// SIGPIPE raised by the calls is blocked in the calling thread and consumed;
/// `EPIPE` comes back as an error of kind `BrokenPipe`.
pub fn transfer(src: impl AsFd, dst: impl AsFd, limit: u64) -> Result<TransferReport, TransferError> {
    transfer_with(src.as_fd(), dst.as_fd(), limit, &TransferOptions::default())
}

/// [`transfer`] with options.
pub fn transfer_with(
    src: impl AsFd,
    dst: impl AsFd,
    limit: u64,
    options: &TransferOptions,
) -> Result<TransferReport, TransferError> {
    let (src, dst) = (src.as_fd(), dst.as_fd());
    let mut transfer = Transfer::new(src, dst, options)?;
    let mut total = match transfer.run(limit) {
        Ok(report) => report,
        Err(e) if e.kind() == io::ErrorKind::WouldBlock && transfer.held() > 0 => *e.report(),
        Err(e) => return Err(e),
    };
    while transfer.held() > 0 {
        wait_writable(dst).map_err(|e| transfer.error(Op::Wait, 0, e, total))?;
        match transfer.run(transfer.held() as u64) {
            Ok(report) => total.merge(&report),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => total.merge(e.report()),
            Err(e) => return Err(e.after(&total)),
        }
        total.stop = Stop::WouldBlock;
    }
    Ok(total)
}

fn wait_writable(fd: BorrowedFd<'_>) -> io::Result<()> {
    use rustix::event::{PollFd, PollFlags};
    loop {
        let mut fds = [PollFd::new(&fd, PollFlags::OUT)];
        match rustix::event::poll(&mut fds, None) {
            Ok(_) => return Ok(()),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// [`KernelPipe`]'s transfers in and out: [`transfer_with`] on one of its ends.
impl KernelPipe {
    /// Moves up to `limit` bytes (`u64::MAX`: to end of file) from `fd` into
    /// the pipe: [`transfer`](super::transfer) to the write end. A regular
    /// file is copied, not spliced by reference; see
    /// [`read_from_with`](Self::read_from_with).
    pub fn read_from(&self, fd: impl AsFd, limit: u64) -> Result<TransferReport, TransferError> {
        self.read_from_with(fd, limit, &TransferOptions::default())
    }

    /// [`read_from`](Self::read_from) with options (for example
    /// [`TransferOptions::with_files`] to splice a file nobody writes).
    pub fn read_from_with(
        &self,
        fd: impl AsFd,
        limit: u64,
        options: &TransferOptions,
    ) -> Result<TransferReport, TransferError> {
        transfer_with(fd.as_fd(), self.write_end(), limit, options)
    }

    /// Moves up to `limit` bytes from the pipe to `fd`: [`transfer`](super::transfer)
    /// from the read end. With a `limit` above the bytes queued it waits for
    /// more, so pass the count you know is there.
    pub fn write_to(&self, fd: impl AsFd, limit: u64) -> Result<TransferReport, TransferError> {
        transfer_with(self.read_end(), fd.as_fd(), limit, &TransferOptions::default())
    }
}

/// A transfer between two descriptors that can be resumed: bytes taken from
/// the source and not yet delivered (after `EAGAIN` from a non-blocking
/// destination, or an error) stay held and go out first on the next
/// [`run`](Self::run).
///
/// Dropping it returns its intermediate pipe to the pool if the pipe is
/// empty and closes it otherwise.
#[derive(Debug)]
pub struct Transfer<'a> {
    src: BorrowedFd<'a>,
    dst: BorrowedFd<'a>,
    src_kind: FdKind,
    dst_kind: FdKind,
    engine: Engine,
    pipe: Option<PooledPipe<'a>>,
}

impl<'a> Transfer<'a> {
    /// Inspects both descriptors and picks the route; an intermediate pipe
    /// comes from [`PipePool::global`].
    pub fn new(src: BorrowedFd<'a>, dst: BorrowedFd<'a>, options: &TransferOptions) -> Result<Self, TransferError> {
        Self::with_pool(src, dst, options, PipePool::global())
    }

    /// [`new`](Self::new) with intermediate pipes from `pool`.
    pub fn with_pool(
        src: BorrowedFd<'a>,
        dst: BorrowedFd<'a>,
        options: &TransferOptions,
        pool: &'a PipePool,
    ) -> Result<Self, TransferError> {
        let inspect = |fd: BorrowedFd<'_>| {
            FdKind::of(fd).map_err(|e| TransferError::new(Op::Inspect, 0, e, TransferReport::default(), 0))
        };
        let src_kind = inspect(src)?;
        let dst_kind = inspect(dst)?;
        let route = route_for(src_kind, dst_kind, options);
        let (pipe, capacity) = if route == Route::ViaPipe {
            let fail = |e| {
                TransferError::new(Op::CreatePipe, 0, e, TransferReport::default(), 0)
                    .with_fds((src.as_raw_fd(), src_kind), (dst.as_raw_fd(), dst_kind))
            };
            let pipe = pool.get().map_err(fail)?;
            let capacity = pipe.pooled_capacity();
            (Some(pipe), capacity)
        } else {
            (None, 0)
        };
        Ok(Self { src, dst, src_kind, dst_kind, engine: Engine::new(route, capacity), pipe })
    }

    /// Delivers at most `limit` bytes: see [`transfer`] and [`Engine::run`].
    pub fn run(&mut self, limit: u64) -> Result<TransferReport, TransferError> {
        let needs_guard = self.dst_kind == FdKind::Pipe || (self.dst_kind.is_socket() && self.route() != Route::Copy);
        let mut guard = if needs_guard {
            Some(SigpipeGuard::new().map_err(|e| self.error(Op::Write, 0, e, TransferReport::default()))?)
        } else {
            None
        };
        let mut sys = FdSyscalls {
            src: self.src,
            dst: self.dst,
            pipe: self.pipe.as_ref().map(|p| (p.read_end(), p.write_end())),
            dst_is_socket: self.dst_kind.is_socket(),
        };
        let (src, dst) = ((self.src.as_raw_fd(), self.src_kind), (self.dst.as_raw_fd(), self.dst_kind));
        let result = self.engine.run(&mut sys, limit).map_err(|e| e.with_fds(src, dst));
        if let (Some(guard), Err(e)) = (guard.as_mut(), &result) {
            if e.raw_os_error() == Some(rustix::io::Errno::PIPE.raw_os_error()) {
                guard.saw_epipe();
            }
        }
        result
    }

    /// Bytes taken from the source and not yet delivered.
    pub fn held(&self) -> usize {
        self.engine.held()
    }

    /// The route the next [`run`](Self::run) takes.
    pub fn route(&self) -> Route {
        self.engine.route()
    }

    /// What the source and the destination are.
    pub fn kinds(&self) -> (FdKind, FdKind) {
        (self.src_kind, self.dst_kind)
    }

    fn error(&self, op: Op, len: usize, error: io::Error, report: TransferReport) -> TransferError {
        TransferError::new(op, len, error, report, self.held())
            .with_fds((self.src.as_raw_fd(), self.src_kind), (self.dst.as_raw_fd(), self.dst_kind))
    }
}

/// The real system calls on a transfer's descriptors.
struct FdSyscalls<'a> {
    src: BorrowedFd<'a>,
    dst: BorrowedFd<'a>,
    /// The intermediate pipe's read and write ends.
    pipe: Option<(BorrowedFd<'a>, BorrowedFd<'a>)>,
    dst_is_socket: bool,
}

impl FdSyscalls<'_> {
    fn fd(&self, end: End, reading: bool) -> io::Result<BorrowedFd<'_>> {
        match (end, self.pipe) {
            (End::Source, _) => Ok(self.src),
            (End::Dest, _) => Ok(self.dst),
            (End::Pipe, Some((read, write))) => Ok(if reading { read } else { write }),
            (End::Pipe, None) => Err(io::Error::other("this transfer has no intermediate pipe")),
        }
    }
}

impl Syscalls for FdSyscalls<'_> {
    fn splice(&mut self, from: End, to: End, len: usize) -> io::Result<usize> {
        // SPLICE_F_MORE is never set: on a last chunk it delays a small
        // message by ~200 ms; the kernel sets MSG_MORE itself while the pipe
        // still holds bytes. SPLICE_F_NONBLOCK is not needed either: the
        // intermediate pipe is only filled when empty and only drained when
        // not, and user descriptors keep their own blocking mode.
        Ok(rustix::pipe::splice(self.fd(from, true)?, None, self.fd(to, false)?, None, len, SpliceFlags::empty())?)
    }

    fn read(&mut self, from: End, buf: &mut [u8]) -> io::Result<usize> {
        Ok(rustix::io::read(self.fd(from, true)?, buf)?)
    }

    fn write(&mut self, to: End, buf: &[u8]) -> io::Result<usize> {
        let fd = self.fd(to, false)?;
        if to == End::Dest && self.dst_is_socket {
            // MSG_NOSIGNAL: a closed peer is EPIPE, not SIGPIPE.
            Ok(rustix::net::send(fd, buf, SendFlags::NOSIGNAL)?)
        } else {
            Ok(rustix::io::write(fd, buf)?)
        }
    }
}
