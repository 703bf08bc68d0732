//! Errors of the splice module and the errno classes of `docs/splice.md`.

use core::fmt;
use std::io;

use rustix::io::Errno;

use super::types::{FdKind, Op, TransferReport};

/// A failed transfer: which call failed with which error, what was delivered
/// before it, and how many bytes taken from the source were not delivered.
///
/// `report().bytes` is exact: that many bytes reached the destination in the
/// failed call, in order. `held()` bytes were taken from the source and did
/// not reach it; a [`Transfer`](super::Transfer) that is kept delivers them
/// first on its next call, a dropped one loses them (and never returns a pipe
/// that still holds bytes to the pool).
#[derive(Debug)]
pub struct TransferError {
    op: Op,
    len: usize,
    source: io::Error,
    report: TransferReport,
    held: usize,
    fds: Option<(i32, FdKind, i32, FdKind)>,
}

impl TransferError {
    pub(crate) fn new(op: Op, len: usize, source: io::Error, report: TransferReport, held: usize) -> Self {
        Self { op, len, source, report, held, fds: None }
    }

    pub(crate) fn with_fds(mut self, src: (i32, FdKind), dst: (i32, FdKind)) -> Self {
        self.fds = Some((src.0, src.1, dst.0, dst.1));
        self
    }

    /// The same error, its report counting `earlier` deliveries of the same
    /// call first.
    pub(crate) fn after(mut self, earlier: &TransferReport) -> Self {
        let mut report = *earlier;
        report.merge(&self.report);
        self.report = report;
        self
    }

    /// The call that failed.
    pub fn op(&self) -> Op {
        self.op
    }

    /// The length that call was given.
    pub fn call_len(&self) -> usize {
        self.len
    }

    /// The error's kind (`WouldBlock` for `EAGAIN`, `BrokenPipe` for `EPIPE`, …).
    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }

    /// The errno, if the error came from the system.
    pub fn raw_os_error(&self) -> Option<i32> {
        os_errno(&self.source)
    }

    /// The underlying error.
    pub fn io_error(&self) -> &io::Error {
        &self.source
    }

    /// What the failed call delivered before failing.
    pub fn report(&self) -> &TransferReport {
        &self.report
    }

    /// Bytes taken from the source and not delivered.
    pub fn held(&self) -> usize {
        self.held
    }
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (length {}) failed: {}", self.op, self.len, self.source)?;
        if let Some((src, src_kind, dst, dst_kind)) = self.fds {
            write!(f, "; source fd {src} ({src_kind}), destination fd {dst} ({dst_kind})")?;
        }
        write!(f, "; {} bytes were delivered by this call", self.report.bytes)?;
        if self.held > 0 {
            write!(f, ", {} bytes taken from the source were not delivered", self.held)?;
        }
        Ok(())
    }
}

impl std::error::Error for TransferError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl From<TransferError> for io::Error {
    /// Keeps the kind and the errno-carrying error as the source; the message
    /// names the call and the counts.
    fn from(error: TransferError) -> Self {
        io::Error::new(error.kind(), error)
    }
}

/// A `set_capacity` that did not take effect; the pipe keeps its size.
#[derive(Debug)]
pub enum CapacityError {
    /// The size asked for is above `/proc/sys/fs/pipe-max-size`.
    AboveSystemMax {
        /// Bytes asked for.
        requested: usize,
        /// The system maximum.
        max: usize,
        /// The pipe's size, unchanged.
        current: usize,
    },
    /// `EBUSY`: the pipe holds more data than the smaller size could.
    Busy {
        /// Bytes asked for.
        requested: usize,
        /// The pipe's size, unchanged.
        current: usize,
        /// Bytes queued in the pipe.
        queued: usize,
    },
    /// Any other failure of `F_SETPIPE_SZ` or of reading the limits.
    Os {
        /// Bytes asked for.
        requested: usize,
        /// The error.
        source: io::Error,
    },
}

impl fmt::Display for CapacityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AboveSystemMax { requested, max, current } => write!(
                f,
                "pipe capacity {requested} bytes is above the system maximum of {max} bytes \
                 (/proc/sys/fs/pipe-max-size); the pipe keeps {current} bytes"
            ),
            Self::Busy { requested, current, queued } => write!(
                f,
                "cannot shrink the pipe to {requested} bytes while it holds {queued} bytes (EBUSY); \
                 it keeps {current} bytes"
            ),
            Self::Os { requested, source } => {
                write!(f, "setting the pipe capacity to {requested} bytes failed: {source}")
            }
        }
    }
}

impl std::error::Error for CapacityError {}

impl From<CapacityError> for io::Error {
    fn from(error: CapacityError) -> Self {
        let kind = match &error {
            CapacityError::AboveSystemMax { .. } => io::ErrorKind::InvalidInput,
            CapacityError::Busy { .. } => io::ErrorKind::ResourceBusy,
            CapacityError::Os { source, .. } => source.kind(),
        };
        io::Error::new(kind, error)
    }
}

/// An OS error and what was being done; the errno stays reachable as the
/// source.
#[derive(Debug)]
struct Context {
    message: std::string::String,
    source: io::Error,
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.message, self.source)
    }
}

impl std::error::Error for Context {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// `error` with the same kind and a message saying what failed.
pub(crate) fn context(error: impl Into<io::Error>, message: std::string::String) -> io::Error {
    let source = error.into();
    io::Error::new(source.kind(), Context { message, source })
}

/// The errno of `error`, or of the OS error it wraps.
pub(crate) fn os_errno(error: &io::Error) -> Option<i32> {
    error.raw_os_error().or_else(|| {
        error.get_ref().and_then(|inner| inner.downcast_ref::<Context>()).and_then(|c| c.source.raw_os_error())
    })
}

fn errno(error: &io::Error) -> Option<Errno> {
    os_errno(error).map(Errno::from_raw_os_error)
}

/// `EINTR`: retried.
pub(crate) fn is_interrupted(error: &io::Error) -> bool {
    errno(error) == Some(Errno::INTR) || (error.raw_os_error().is_none() && error.kind() == io::ErrorKind::Interrupted)
}

/// `EAGAIN`/`EWOULDBLOCK`: surfaced as `WouldBlock`.
pub(crate) fn is_would_block(error: &io::Error) -> bool {
    errno(error) == Some(Errno::AGAIN) || (error.raw_os_error().is_none() && error.kind() == io::ErrorKind::WouldBlock)
}

/// The errnos by which `splice` says "this pair of descriptors cannot
/// splice": `EINVAL`, `ENOSYS`, `EPERM`, `EOPNOTSUPP`, `EXDEV`. Lengths are
/// capped by the loop, so `EINVAL` never stands for an oversized length.
pub fn cannot_splice(error: &io::Error) -> bool {
    matches!(
        errno(error),
        Some(Errno::INVAL) | Some(Errno::NOSYS) | Some(Errno::PERM) | Some(Errno::OPNOTSUPP) | Some(Errno::XDEV)
    )
}
