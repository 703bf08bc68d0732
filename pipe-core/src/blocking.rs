//! The blocking API (`std` feature); the `std::io` adapters are in `crate::io`.
//!
//! Blocking calls drive the async ones with [`block_on`], which parks the
//! calling thread until the pipe wakes it (C1).

use core::cell::Cell;
use core::future::Future;
use core::pin::{pin, Pin};
use core::task::{Context, Poll, Waker};

#[cfg(pipe_core_bug)]
use crate::bugs::{is_active as seeded, Bug};
use crate::sync::{spin_hint, thread, AtomicU32, Ordering, PayloadArc};
use crate::{FlushResult, PipeError, PipeReader, PipeWriter, ReadResult};

/// [`ThreadWaker::state`]'s low bit: the blocked thread parks (or is about
/// to), so the next wake must unpark it.
const PARKED: u32 = 1;
/// What one wake adds to [`ThreadWaker::state`]: the bits above
/// [`PARKED`] count wakes, wrapping.
const WAKE: u32 = 2;

/// Wakes a thread blocked in [`block_on`].
struct ThreadWaker {
    thread: thread::Thread,
    /// A wake count (wrapping, in steps of [`WAKE`]) and the [`PARKED`] bit.
    ///
    /// A wake adds one to the count and clears `PARKED` in one
    /// compare-exchange, and unparks the thread only if `PARKED` was set.
    /// The blocked thread reads the count before it polls, spins with plain
    /// loads until the count moves, and parks only after a compare-exchange
    /// from the count it read to the same count with `PARKED`. Either a wake
    /// comes first (the exchange fails: the thread polls again) or the
    /// exchange does (the wake sees `PARKED` and unparks): no wake is lost,
    /// a wake to a thread that is still spinning costs no system call, and
    /// the spinning thread writes nothing until it parks.
    ///
    /// Written by the waking side with `Release` and read by the blocked
    /// thread with `Acquire` before it polls again, so what the waker did
    /// before waking is visible to that poll.
    state: AtomicU32,
}

impl alloc::task::Wake for ThreadWaker {
    fn wake(self: PayloadArc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &PayloadArc<Self>) {
        #[cfg(pipe_core_bug)]
        if seeded(Bug::WakeCheckThenSet) {
            // Seeded bug: check, then set, in two steps.
            let current = self.state.load(Ordering::Acquire);
            self.state.store(current.wrapping_add(WAKE) & !PARKED, Ordering::Release);
            if current & PARKED != 0 {
                self.thread.unpark();
            }
            return;
        }
        let mut current = self.state.load(Ordering::Relaxed);
        loop {
            let woken = current.wrapping_add(WAKE) & !PARKED;
            match self.state.compare_exchange(current, woken, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        if current & PARKED != 0 {
            self.thread.unpark();
        }
    }
}

/// A blocked thread's waker and its spin budget.
struct Blocker {
    notifier: PayloadArc<ThreadWaker>,
    waker: Waker,
    /// Spin rounds the next wait spends before it yields, adapted to how
    /// this thread's waits end (see [`Blocker::wait`]); in
    /// `MIN_SPIN..=MAX_SPIN`.
    spin_limit: Cell<u32>,
    /// Waits so far (wrapping), to space out the probing spins.
    waits: Cell<u32>,
    /// Whether a [`block_on`] runs on this blocker now, so a nested call
    /// (a future that blocks inside `poll`) takes a fresh one instead of
    /// consuming the outer call's wakes.
    #[cfg(not(any(loom, feature = "shuttle")))]
    busy: Cell<bool>,
}

/// Fewest spin rounds a wait spends before it yields: next to nothing, for
/// when the other side shares this core and cannot act while we spin. Under
/// the model checkers a wait neither spins nor yields, which would only
/// multiply the explored states.
const MIN_SPIN: u32 = if cfg!(any(loom, feature = "shuttle")) { 0 } else { 1 };
/// Most spin rounds a wait spends before it yields: some 25–100 µs,
/// depending on the processor's spin-loop hint, about what a park and an
/// unpark cost.
const MAX_SPIN: u32 = if cfg!(any(loom, feature = "shuttle")) { 0 } else { 1 << 11 };
/// Every this many waits, one spins [`PROBE_FACTOR`] times its budget, so a
/// budget that shrank while the other side shared this core grows again
/// once the two run on different cores.
const PROBE_EVERY: u32 = 32;
/// How much longer a probing wait spins...
const PROBE_FACTOR: u32 = 8;
/// ...and at least how long: a few hundred nanoseconds to a few
/// microseconds, what one side takes to answer the other from another core.
const PROBE_MIN_SPIN: u32 = if cfg!(any(loom, feature = "shuttle")) { 0 } else { 64 };
/// Yields a wait spends after its spin, before it parks.
/// (A function, not a constant, so the model builds hold no empty range.)
fn yields() -> u32 {
    if cfg!(any(loom, feature = "shuttle")) {
        0
    } else {
        16
    }
}

impl Blocker {
    fn new() -> Self {
        let notifier = PayloadArc::new(ThreadWaker { thread: thread::current(), state: AtomicU32::new(0) });
        let waker = Waker::from(notifier.clone());
        Self {
            notifier,
            waker,
            spin_limit: Cell::new(MAX_SPIN),
            waits: Cell::new(0),
            #[cfg(not(any(loom, feature = "shuttle")))]
            busy: Cell::new(false),
        }
    }

    /// Polls `future` until it is ready, waiting for a wake between polls
    /// (spinning and yielding first when `spin`).
    fn run<F: Future>(&self, mut future: Pin<&mut F>, spin: bool) -> F::Output {
        let mut cx = Context::from_waker(&self.waker);
        // Wakes counted before the first poll concern no future of this
        // call: that poll sees whatever they announced.
        let mut seen = self.notifier.state.load(Ordering::Acquire);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
            seen = if spin { self.wait(seen) } else { self.announce_and_park(seen) };
        }
    }

    /// Waits until the wake count moves from `seen` (a count without
    /// [`PARKED`]); returns the new count.
    ///
    /// The other side usually runs on another core and is about to act, so
    /// the wait first spins: catching the wake there saves a park and an
    /// unpark — two system calls and a trip through the scheduler — and the
    /// waker's `unpark` with them. When the other side shares this core it
    /// cannot act while we spin, so the wait then yields the core a few
    /// times, which lets it run at once. Only then does the wait park.
    ///
    /// Spinning that does not pay only burns time, so the spin budget
    /// adapts: it halves on every wait the spin did not end and at least
    /// doubles on every wait it did, within `MIN_SPIN..=MAX_SPIN`; a
    /// periodic longer probe lets a shrunk budget find its way back up.
    fn wait(&self, seen: u32) -> u32 {
        debug_assert_eq!(seen & PARKED, 0, "only a wait sets PARKED, and only a wake clears it");
        let state = &self.notifier.state;
        let limit = self.spin_limit.get();
        let waits = self.waits.get().wrapping_add(1);
        self.waits.set(waits);
        let spins = if waits % PROBE_EVERY == 0 {
            limit.saturating_mul(PROBE_FACTOR).clamp(PROBE_MIN_SPIN, MAX_SPIN)
        } else {
            limit
        };
        for spun in 0..spins {
            let now = state.load(Ordering::Acquire);
            if now != seen {
                let grown = limit.saturating_mul(2).max(spun.saturating_mul(2));
                self.spin_limit.set(grown.clamp(MIN_SPIN, MAX_SPIN));
                return now;
            }
            spin_hint();
        }
        self.spin_limit.set((limit / 2).clamp(MIN_SPIN, MAX_SPIN));
        for _ in 0..yields() {
            let now = state.load(Ordering::Acquire);
            if now != seen {
                return now;
            }
            thread::yield_now();
        }
        self.announce_and_park(seen)
    }

    /// Announces the park and parks, unless a wake came first; returns the
    /// new count.
    fn announce_and_park(&self, seen: u32) -> u32 {
        let state = &self.notifier.state;
        #[cfg(pipe_core_bug)]
        if seeded(Bug::ParkCheckThenSet) {
            // Seeded bug: check, then announce, in two steps.
            let now = state.load(Ordering::Acquire);
            if now != seen {
                return now;
            }
            state.store(seen | PARKED, Ordering::Relaxed);
            return self.park(seen);
        }
        // Announce the park; fails only when a wake came first.
        if let Err(now) = state.compare_exchange(seen, seen | PARKED, Ordering::Acquire, Ordering::Acquire) {
            return now;
        }
        self.park(seen)
    }

    /// Parks until a wake moves the count from `seen`, once [`PARKED`] is
    /// announced; returns the new count.
    fn park(&self, seen: u32) -> u32 {
        let state = &self.notifier.state;
        loop {
            thread::park();
            // `park` may return without an unpark (spuriously, or for an
            // unpark meant for another waker of this thread): only a moved
            // count ends the wait, and the wake that moved it cleared
            // `PARKED`.
            let now = state.load(Ordering::Acquire);
            if now & !PARKED != seen {
                return now;
            }
        }
    }
}

/// Runs `future` to completion on the current thread, parking it while the
/// future is pending.
///
/// Parking tolerates spurious and early wakes: an unpark that arrives before
/// the park makes the park return at once.
pub fn block_on<F: Future>(future: F) -> F::Output {
    run_blocking(future, true)
}

/// [`block_on`] that parks at once instead of spinning and yielding first,
/// as a thread blocked on an OS pipe does: for the `std::io` adapters, whose
/// other end usually has work of its own to do (an HTTP client, a
/// compressor) and needs the core a spinning thread would hold.
pub(crate) fn park_on<F: Future>(future: F) -> F::Output {
    run_blocking(future, false)
}

#[cfg(not(any(loom, feature = "shuttle")))]
std::thread_local! {
    /// The thread's blocker, lent to each blocking call.
    static BLOCKER: Blocker = Blocker::new();
}

fn run_blocking<F: Future>(future: F, spin: bool) -> F::Output {
    let mut future = pin!(future);
    // Real threads keep one blocker for their lifetime and lend it to each
    // call, so a blocking call allocates nothing and clones no waker of its
    // own (the pipe clones it only to register it); under the model
    // checkers, whose threads share OS threads, each call makes its own.
    #[cfg(not(any(loom, feature = "shuttle")))]
    {
        let lent = BLOCKER.try_with(|blocker| {
            if blocker.busy.replace(true) {
                return None;
            }
            let _release = Release(&blocker.busy);
            Some(blocker.run(future.as_mut(), spin))
        });
        // Unavailable only during thread-local teardown (a blocking call
        // from a destructor) or to a nested call: then a fresh blocker does
        // the job.
        if let Ok(Some(output)) = lent {
            return output;
        }
    }
    Blocker::new().run(future.as_mut(), spin)
}

/// Marks a lent blocker free again, also when the future panics.
/// (Only real threads lend their blocker; the model checkers make one per call.)
#[cfg(not(any(loom, feature = "shuttle")))]
struct Release<'a>(&'a Cell<bool>);

#[cfg(not(any(loom, feature = "shuttle")))]
impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
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

/// Spin-loop hints a blocking read spends watching the pipe for data before
/// it announces a wait: at most a few microseconds, what a writer on another
/// core takes to send the next bytes. Data that arrives meanwhile is read on
/// the fast path, and the writer's flush has no reader to wake — a wake
/// costs both sides more than the watch. The watch follows the thread's
/// adaptive spin budget (see [`Blocker::wait`]): when the other side shares
/// this core and spinning cannot pay, the budget, and with it the watch,
/// shrinks to next to nothing. The model builds do not spin.
fn read_spins() -> u32 {
    #[cfg(not(any(loom, feature = "shuttle")))]
    {
        const MOST: u32 = 64;
        BLOCKER.try_with(|blocker| blocker.spin_limit.get().min(MOST)).unwrap_or(0)
    }
    #[cfg(any(loom, feature = "shuttle"))]
    {
        0
    }
}

impl PipeReader {
    /// [`read`](Self::read), blocking the thread until it resolves.
    pub fn read_blocking(&mut self) -> Result<ReadResult<'_>, PipeError> {
        self.watch_for_data(0);
        block_on(self.read())
    }

    /// [`read_at_least`](Self::read_at_least), blocking the thread until it
    /// resolves.
    pub fn read_at_least_blocking(&mut self, n: usize) -> Result<ReadResult<'_>, PipeError> {
        self.watch_for_data(n);
        block_on(self.read_at_least(n))
    }

    /// Spins briefly while a read of `min` bytes would have to wait.
    fn watch_for_data(&self, min: usize) {
        for _ in 0..read_spins() {
            if self.would_resolve(min) {
                return;
            }
            spin_hint();
        }
    }
}
