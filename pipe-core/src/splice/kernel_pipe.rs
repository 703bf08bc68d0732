//! Kernel pipes: the splice buffer, with capacity control, tee, and a pool.

use core::ops::Deref;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::vec::Vec;

use rustix::io::Errno;
use rustix::pipe::{PipeFlags, SpliceFlags};

use super::error::{context, CapacityError};
use crate::sync::FdPoolMutex;

/// A kernel pipe: both ends, owned, close-on-exec.
///
/// It is the buffer splice moves bytes through, and the zerocopy seed's
/// `Pipe`: fill it from a descriptor with [`read_from`](Self::read_from),
/// duplicate its bytes into another pipe with [`tee_to`](Self::tee_to), empty
/// it into a descriptor with [`write_to`](Self::write_to).
#[derive(Debug)]
pub struct KernelPipe {
    read: OwnedFd,
    write: OwnedFd,
}

impl KernelPipe {
    /// A new pipe (`pipe2(O_CLOEXEC)`), blocking at both ends.
    pub fn new() -> io::Result<Self> {
        let (read, write) =
            rustix::pipe::pipe_with(PipeFlags::CLOEXEC).map_err(|e| context(e, "pipe2(O_CLOEXEC) failed".into()))?;
        Ok(Self { read, write })
    }

    /// A pipe from its two ends.
    pub fn from_ends(read: OwnedFd, write: OwnedFd) -> Self {
        Self { read, write }
    }

    /// The read end.
    pub fn read_end(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }

    /// The write end.
    pub fn write_end(&self) -> BorrowedFd<'_> {
        self.write.as_fd()
    }

    /// Both ends, read end first.
    pub fn into_ends(self) -> (OwnedFd, OwnedFd) {
        (self.read, self.write)
    }

    /// The capacity in bytes (`F_GETPIPE_SZ`).
    pub fn capacity(&self) -> io::Result<usize> {
        rustix::pipe::fcntl_getpipe_size(&self.write).map_err(|e| context(e, "F_GETPIPE_SZ failed".into()))
    }

    /// Bytes queued in the pipe (`FIONREAD`).
    pub fn buffered(&self) -> io::Result<usize> {
        rustix::io::ioctl_fionread(&self.read)
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
            .map_err(|e| context(e, "FIONREAD on a pipe failed".into()))
    }

    /// Sets the capacity (`F_SETPIPE_SZ`) and returns the size the kernel
    /// chose: `bytes` rounded up to a power-of-two number of pages.
    ///
    /// A size above `/proc/sys/fs/pipe-max-size` is refused with
    /// [`CapacityError::AboveSystemMax`] whatever the caller's privileges, so
    /// behaviour does not depend on `CAP_SYS_RESOURCE`; shrinking below the
    /// bytes queued is [`CapacityError::Busy`] (`EBUSY`). In both cases the
    /// pipe keeps its size and stays usable.
    pub fn set_capacity(&self, bytes: usize) -> Result<usize, CapacityError> {
        let current = self.capacity().map_err(|source| CapacityError::Os { requested: bytes, source })?;
        let max = system_max_capacity().map_err(|source| CapacityError::Os { requested: bytes, source })?;
        if bytes > max {
            return Err(CapacityError::AboveSystemMax { requested: bytes, max, current });
        }
        match rustix::pipe::fcntl_setpipe_size(&self.write, bytes) {
            Ok(size) => Ok(size),
            Err(Errno::BUSY) => {
                Err(CapacityError::Busy { requested: bytes, current, queued: self.buffered().unwrap_or(0) })
            }
            Err(Errno::PERM) => Err(CapacityError::AboveSystemMax { requested: bytes, max, current }),
            Err(e) => Err(CapacityError::Os { requested: bytes, source: e.into() }),
        }
    }

    /// Duplicates up to `limit` bytes from the front of this pipe into
    /// `other` without consuming them (`tee(2)`); returns the count.
    ///
    /// Blocks while this pipe is empty or `other` is full. The next tee starts
    /// again at the front, so consume the returned count from this pipe (for
    /// example with [`write_to`](Self::write_to)) before teeing again.
    /// `EINTR` is retried; `Ok(0)` means this pipe's writers are gone and it is
    /// empty.
    pub fn tee_to(&self, other: &KernelPipe, limit: usize) -> io::Result<usize> {
        self.tee_into(other.write_end(), limit)
    }

    /// [`tee_to`](Self::tee_to) into the write end of any pipe — for example
    /// one whose ends are owned separately, so that dropping the write end
    /// tells the consumer the stream has ended.
    pub fn tee_into(&self, pipe_write_end: impl AsFd, limit: usize) -> io::Result<usize> {
        let target = pipe_write_end.as_fd();
        let len = limit.min(super::engine::MAX_LEN);
        if len == 0 {
            return Ok(0);
        }
        loop {
            match rustix::pipe::tee(&self.read, target, len, SpliceFlags::empty()) {
                Ok(n) => return Ok(n),
                Err(Errno::INTR) => continue,
                Err(e) => {
                    return Err(context(
                        e,
                        std::format!(
                            "tee of {len} bytes from pipe fd {} into pipe fd {} failed",
                            raw(self.read_end()),
                            raw(target)
                        ),
                    ))
                }
            }
        }
    }
}

fn raw(fd: BorrowedFd<'_>) -> i32 {
    use std::os::fd::AsRawFd;
    fd.as_raw_fd()
}

/// `/proc/sys/fs/pipe-max-size`.
pub fn system_max_capacity() -> io::Result<usize> {
    let text = std::fs::read_to_string("/proc/sys/fs/pipe-max-size")
        .map_err(|e| context(e, "reading /proc/sys/fs/pipe-max-size failed".into()))?;
    text.trim().parse().map_err(|e| {
        io::Error::new(io::ErrorKind::InvalidData, std::format!("/proc/sys/fs/pipe-max-size holds {text:?}: {e}"))
    })
}

/// Counters of a [`PipePool`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStats {
    /// Pipes created because none was idle.
    pub created: u64,
    /// Leases served by an idle pipe.
    pub reused: u64,
    /// Pipes given back empty and kept for reuse.
    pub returned: u64,
    /// Pipes closed instead of kept: they held bytes, or the pool was full.
    pub discarded: u64,
    /// Of those, pipes closed because they held bytes.
    pub discarded_nonempty: u64,
}

#[derive(Debug)]
struct PoolState {
    /// Idle pipes, empty, with their capacity.
    idle: Vec<(KernelPipe, usize)>,
    stats: PoolStats,
}

/// Intermediate pipes shared by concurrent transfers.
///
/// A lease ([`PooledPipe`]) goes back to the pool on drop only if the pipe is
/// empty (checked with `FIONREAD`, not trusted from the caller); a pipe with
/// stranded bytes is closed, so no transfer ever sees another's bytes. The
/// lock is held only to push or pop, never across a system call that blocks.
#[derive(Debug)]
pub struct PipePool {
    state: FdPoolMutex<PoolState>,
    max_idle: usize,
}

static GLOBAL: PipePool = PipePool::new(32);

impl PipePool {
    /// A pool keeping at most `max_idle` idle pipes.
    pub const fn new(max_idle: usize) -> Self {
        Self {
            state: FdPoolMutex::new(PoolState {
                idle: Vec::new(),
                stats: PoolStats { created: 0, reused: 0, returned: 0, discarded: 0, discarded_nonempty: 0 },
            }),
            max_idle,
        }
    }

    /// The process-wide pool [`transfer`](super::transfer) uses.
    pub fn global() -> &'static PipePool {
        &GLOBAL
    }

    fn with<R>(&self, f: impl FnOnce(&mut PoolState) -> R) -> R {
        let mut guard = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }

    /// An empty pipe: an idle one, or a new one.
    pub fn get(&self) -> io::Result<PooledPipe<'_>> {
        let pipe = self.with(|s| {
            let pipe = s.idle.pop();
            if pipe.is_some() {
                s.stats.reused += 1;
            }
            pipe
        });
        let (pipe, capacity) = match pipe {
            Some(idle) => idle,
            None => {
                let pipe = KernelPipe::new()?;
                let capacity = pipe.capacity()?;
                self.with(|s| s.stats.created += 1);
                (pipe, capacity)
            }
        };
        Ok(PooledPipe { pipe: Some(pipe), capacity, pool: self })
    }

    /// The counters so far.
    pub fn stats(&self) -> PoolStats {
        self.with(|s| s.stats)
    }

    /// Idle pipes now.
    pub fn idle(&self) -> usize {
        self.with(|s| s.idle.len())
    }

    fn give_back(&self, pipe: KernelPipe, capacity: usize) {
        let empty = matches!(pipe.buffered(), Ok(0));
        let dropped = self.with(|s| {
            if empty && s.idle.len() < self.max_idle {
                s.idle.push((pipe, capacity));
                s.stats.returned += 1;
                None
            } else {
                s.stats.discarded += 1;
                if !empty {
                    s.stats.discarded_nonempty += 1;
                }
                Some(pipe)
            }
        });
        // Closed outside the lock.
        drop(dropped);
    }
}

/// A pipe leased from a [`PipePool`]; goes back on drop if empty.
#[derive(Debug)]
pub struct PooledPipe<'a> {
    pipe: Option<KernelPipe>,
    /// The capacity measured when the pipe was created. A later
    /// `set_capacity` through `Deref` is not seen here; that is harmless, the
    /// value only sizes each fill of an empty pipe.
    capacity: usize,
    pool: &'a PipePool,
}

impl PooledPipe<'_> {
    /// The pipe's capacity in bytes, without a system call.
    pub fn pooled_capacity(&self) -> usize {
        self.capacity
    }

    /// Closes the pipe instead of returning it.
    pub fn discard(mut self) {
        if self.pipe.take().is_some() {
            self.pool.with(|s| s.stats.discarded += 1);
        }
    }
}

impl Deref for PooledPipe<'_> {
    type Target = KernelPipe;
    fn deref(&self) -> &KernelPipe {
        // Invariant: `pipe` is `Some` until `discard` or drop.
        match &self.pipe {
            Some(pipe) => pipe,
            None => unreachable!("a PooledPipe is used after discard"),
        }
    }
}

impl Drop for PooledPipe<'_> {
    fn drop(&mut self) {
        if let Some(pipe) = self.pipe.take() {
            self.pool.give_back(pipe, self.capacity);
        }
    }
}
