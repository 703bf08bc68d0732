//! Keeping SIGPIPE from killing the process around calls that raise it.
//!
//! `splice` into a socket whose peer is gone, and `splice`/`write`/`writev`
//! into a pipe without readers, fail with `EPIPE` *and* send SIGPIPE to the
//! calling thread; under the default disposition that ends the process. A
//! library cannot rely on the program ignoring SIGPIPE (Rust's own `main`
//! does, C hosts and some runtimes do not), and must not change the
//! process-wide disposition. So [`SigpipeGuard`] blocks SIGPIPE in the calling
//! thread's mask for the duration of a call, consumes a SIGPIPE the call left
//! pending with a zero-timeout `sigtimedwait`, and restores the mask.
//!
//! rustix has no stable API for the signal mask, so these few calls go
//! through `libc`. A thread that already blocks SIGPIPE is left alone: its
//! owner handles pending signals itself.

use std::io;

/// Blocks SIGPIPE for the current thread while it lives.
pub(crate) struct SigpipeGuard {
    /// `true` when this guard blocked SIGPIPE and must consume and unblock it.
    owned: bool,
    /// A call under the guard returned `EPIPE`, so it may have left a
    /// SIGPIPE pending. Without `EPIPE` no call raised one, and a SIGPIPE
    /// sent by someone else is delivered normally once unblocked.
    epipe: bool,
}

fn sigpipe_set() -> libc::sigset_t {
    // SAFETY: `sigset_t` is a plain bit set; all-zero is a valid value that
    // `sigemptyset` then initializes properly.
    let mut set: libc::sigset_t = unsafe { core::mem::zeroed() };
    // SAFETY: `set` is a valid, writable `sigset_t`; SIGPIPE is a valid signal.
    unsafe {
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
    }
    set
}

impl SigpipeGuard {
    /// Blocks SIGPIPE in this thread.
    pub(crate) fn new() -> io::Result<Self> {
        let set = sigpipe_set();
        // SAFETY: as in `sigpipe_set`.
        let mut old: libc::sigset_t = unsafe { core::mem::zeroed() };
        // SAFETY: both pointers are valid `sigset_t`s; SIG_BLOCK only adds
        // SIGPIPE, which no libc reserves.
        let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old) };
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        // SAFETY: `old` was filled in by `pthread_sigmask`.
        let was_blocked = unsafe { libc::sigismember(&old, libc::SIGPIPE) } == 1;
        Ok(Self { owned: !was_blocked, epipe: false })
    }
}

impl SigpipeGuard {
    /// Records that a call under the guard failed with `EPIPE`.
    pub(crate) fn saw_epipe(&mut self) {
        self.epipe = true;
    }
}

impl Drop for SigpipeGuard {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        let set = sigpipe_set();
        let zero = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // Consume every SIGPIPE pending for this thread (a queued one is
        // taken per `sigtimedwait`), only if a call returned EPIPE.
        while self.epipe {
            // SAFETY: as in `sigpipe_set`.
            let mut pending: libc::sigset_t = unsafe { core::mem::zeroed() };
            // SAFETY: `pending` is a valid, writable `sigset_t`.
            if unsafe { libc::sigpending(&mut pending) } != 0 {
                break;
            }
            // SAFETY: `pending` was filled in by `sigpending`.
            if unsafe { libc::sigismember(&pending, libc::SIGPIPE) } != 1 {
                break;
            }
            // SAFETY: `set` holds only SIGPIPE, which is blocked in this
            // thread; a null `siginfo` pointer is allowed; `zero` is valid.
            let rc = unsafe { libc::sigtimedwait(&set, core::ptr::null_mut(), &zero) };
            if rc < 0 && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                self.epipe = false;
            }
        }
        // SAFETY: `set` is valid; unblocking SIGPIPE restores the mask this
        // guard found (SIGPIPE was not blocked then).
        unsafe {
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, core::ptr::null_mut());
        }
    }
}
