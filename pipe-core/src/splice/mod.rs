//! Zero-copy transfers between file descriptors on Linux: `splice(2)` and
//! `tee(2)` with a transparent read/write fallback (feature `splice`).
//!
//! * [`transfer`] moves bytes from any readable descriptor to any writable
//!   one: with one `splice` per chunk when one side is a pipe, through a
//!   pooled intermediate pipe ([`PipePool`]) when neither is, and by copying
//!   through a user-space buffer when the kernel refuses. It returns a
//!   [`TransferReport`]: bytes delivered, how many by splice and how many by
//!   copy, with how many calls, and whether it fell back.
//! * [`KernelPipe`] is a kernel pipe with [`set_capacity`](KernelPipe::set_capacity),
//!   [`read_from`](KernelPipe::read_from), [`write_to`](KernelPipe::write_to)
//!   and [`tee_to`](KernelPipe::tee_to) (one source to several consumers).
//! * [`read_into`], [`fill_from_fd`], [`write_sequence`], [`write_once`] and [`drain_to_fd`]
//!   bridge descriptors and the user-space [`pipe`](crate::pipe).
//!
//! When to splice, when to copy, and which errors are returned is one table,
//! in `docs/splice.md`; in short: "cannot splice" errnos (`EINVAL`, `ENOSYS`,
//! `EPERM`, `EOPNOTSUPP`, `EXDEV`) switch to the copy path only while the call
//! has delivered nothing; `EINTR` is retried; `EAGAIN` is `WouldBlock`, bytes
//! already taken from the source kept; everything else is returned with the
//! exact count delivered. SIGPIPE never reaches the process's disposition.
//!
//! The loop itself ([`Engine`]) is written against the [`Syscalls`] trait, so
//! tests and the simulator drive it with injected faults.
//!
//! This module does file-descriptor I/O with `std` and `rustix`, not shared
//! pipe state: it does not go through the `sync` facade (the pool's lock is
//! std's under every backend) and is never model-checked; under
//! `--cfg loom` it compiles and its tests compile out.
//!
//! Modules, each using only earlier ones: `types`, `sigpipe` → `error` → `engine` → `kernel_pipe` → `fd` → `bridge`.
//! (`types` holds the shared data types and uses no other; `bridge` calls `FdKind::of`, implemented in `fd`.)
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! use std::net::{TcpListener, TcpStream};
//!
//! let listener = TcpListener::bind("127.0.0.1:0")?;
//! let mut client = TcpStream::connect(listener.local_addr()?)?;
//! let (server, _) = listener.accept()?;
//! // Echo whatever the client sends, without copying it through user space.
//! let report = pipe_core::splice::transfer(&server, &server, u64::MAX)?;
//! println!("{} bytes, {} by splice", report.bytes, report.spliced);
//! # let _ = &mut client;
//! # Ok(())
//! # }
//! ```

mod bridge;
mod engine;
mod error;
mod fd;
mod kernel_pipe;
mod sigpipe;
mod types;

pub use bridge::{drain_to_fd, fill_from_fd, read_into, write_once, write_sequence, DrainStep, MAX_IOVECS};
pub use engine::{End, Engine, Syscalls, COPY_BUFFER, MAX_LEN};
pub use error::{cannot_splice, CapacityError, TransferError};
pub use fd::{route_for, transfer, transfer_with, Transfer, TransferOptions};
pub use kernel_pipe::{system_max_capacity, KernelPipe, PipePool, PoolStats, PooledPipe};
pub use types::{Fallback, FdKind, Op, Route, Stop, TransferReport};
