//! The blocking API (`std` feature); the `std::io` adapters are in `crate::io`.
//!
//! Blocking calls drive the async ones with [`block_on`], which parks the
//! calling thread until the pipe wakes it (C1).

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use crate::sync::{thread, AtomicBool, Ordering, PayloadArc};
use crate::{FlushResult, PipeError, PipeReader, PipeWriter, ReadResult};

/// Wakes a thread blocked in [`block_on`].
struct ThreadWaker {
    thread: thread::Thread,
    /// Set by every wake, so the blocked thread can spin on a flag of its
    /// own instead of re-polling (and locking) the pipe.
    notified: AtomicBool,
}

impl alloc::task::Wake for ThreadWaker {
    fn wake(self: PayloadArc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &PayloadArc<Self>) {
        self.notified.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Backoff rounds spent on the wake flag before parking; none under the
/// model checkers, where spinning would only multiply the explored states.
fn spin_rounds() -> u32 {
    if cfg!(any(loom, feature = "shuttle")) {
        0
    } else {
        10
    }
}

/// Runs `future` to completion on the current thread, parking it while the
/// future is pending.
///
/// Parking tolerates spurious and early wakes: an unpark that arrives before
/// the park makes the park return at once.
pub fn block_on<F: Future>(future: F) -> F::Output {
    block_on_spinning(future, spin_rounds())
}

/// [`block_on`] that parks at once instead of spinning first, as a thread
/// blocked on an OS pipe does: for the `std::io` adapters, whose other end
/// usually has work of its own to do (an HTTP client, a compressor) and
/// needs the core a spinning thread would hold.
pub(crate) fn park_on<F: Future>(future: F) -> F::Output {
    block_on_spinning(future, 0)
}

fn block_on_spinning<F: Future>(future: F, spin_rounds: u32) -> F::Output {
    let (notifier, waker) = thread_waker();
    {
        let mut future = pin!(future);
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            // The other side usually runs on another core and is about to
            // act: waiting a moment for the wake saves a park/unpark pair of
            // system calls. A wake that lands after this check still unparks
            // us; a stale flag from an earlier call costs one extra poll.
            let mut woken = false;
            for round in 0..spin_rounds {
                if notifier.notified.swap(false, Ordering::Acquire) {
                    woken = true;
                    break;
                }
                for _ in 0..(1u32 << round) {
                    core::hint::spin_loop();
                }
            }
            if !woken {
                thread::park();
                notifier.notified.store(false, Ordering::Relaxed);
            }
        }
    }
}

/// This thread's waker. Real threads keep one for their lifetime, so a
/// blocking call allocates nothing; under the model checkers, whose threads
/// share OS threads, each call makes its own.
fn thread_waker() -> (PayloadArc<ThreadWaker>, Waker) {
    #[cfg(not(any(loom, feature = "shuttle")))]
    {
        std::thread_local! {
            static THREAD_WAKER: (PayloadArc<ThreadWaker>, Waker) = new_thread_waker();
        }
        // Unavailable only during thread-local teardown (a blocking call
        // from a destructor): then a fresh waker does the job.
        if let Ok(cached) = THREAD_WAKER.try_with(|(notifier, waker)| (notifier.clone(), waker.clone())) {
            return cached;
        }
    }
    new_thread_waker()
}

fn new_thread_waker() -> (PayloadArc<ThreadWaker>, Waker) {
    let notifier = PayloadArc::new(ThreadWaker { thread: thread::current(), notified: AtomicBool::new(false) });
    let waker = Waker::from(notifier.clone());
    (notifier, waker)
}

impl PipeWriter {
    /// [`flush`](Self::flush), blocking the thread while back pressure holds.
    pub fn flush_blocking(&mut self) -> Result<FlushResult, PipeError> {
        block_on(self.flush())
    }

    /// [`write`](Self::write), blocking the thread while back pressure holds.
    pub fn write_blocking(&mut self, bytes: &[u8]) -> Result<FlushResult, PipeError> {
        block_on(self.write(bytes))
    }
}

impl PipeReader {
    /// [`read`](Self::read), blocking the thread until it resolves.
    pub fn read_blocking(&mut self) -> Result<ReadResult<'_>, PipeError> {
        block_on(self.read())
    }

    /// [`read_at_least`](Self::read_at_least), blocking the thread until it
    /// resolves.
    pub fn read_at_least_blocking(&mut self, n: usize) -> Result<ReadResult<'_>, PipeError> {
        block_on(self.read_at_least(n))
    }
}
