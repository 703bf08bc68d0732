//! The lock of the protocol's slow path — renting, linking and giving back
//! segments, completion errors — a spin lock on one facade atomic, so loom
//! and shuttle model it like any other atomic protocol, and usable in
//! `no_std`. No fast path (a flush, a read, an advance that gives nothing
//! back) takes it.
//!
//! It belongs to the protocol, not to the `sync` facade. The seeded
//! ordering bugs weaken its two orderings here, at the atomic they concern.

#[cfg(pipe_core_bug)]
use crate::bugs::{is_active as seeded, Bug};
use crate::sync::{spin_wait, AtomicBool, Ordering, UnsafeCell};

/// A mutual-exclusion lock built on facade atomics.
///
/// Held only for short updates of the slow path's state: never across a
/// byte copy, an allocation of segment memory by the pipe, or a wake.
#[derive(Debug)]
pub(super) struct SpinLock<T> {
    /// `true` while a thread is inside `with`.
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: `value` is only reached inside `with`, which the `locked` flag makes
// exclusive; the `Acquire`/`Release` pair on `locked` orders the accesses.
unsafe impl<T: Send> Sync for SpinLock<T> {}
// SAFETY: moving the lock moves the `T`, which is `Send`.
unsafe impl<T: Send> Send for SpinLock<T> {}

impl<T> SpinLock<T> {
    pub(super) fn new(value: T) -> Self {
        Self { locked: AtomicBool::new(false), value: UnsafeCell::new(value) }
    }

    /// Runs `f` with exclusive access to the value.
    #[inline]
    pub(super) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut spins = 0u32;
        while !self.try_take() {
            // Wait on plain loads, so contention does not bounce the line.
            while self.locked.load(Ordering::Relaxed) {
                spin_wait(spins);
                spins = spins.saturating_add(1);
            }
        }
        let unlock = Unlock(&self.locked);
        // SAFETY: `locked` is ours until `unlock` drops, so no other
        // reference to the value exists.
        let result = self.value.with_mut(|value| f(unsafe { &mut *value }));
        drop(unlock);
        result
    }

    /// One attempt to take the flag.
    #[inline]
    fn try_take(&self) -> bool {
        // Acquire: everything the previous holder wrote before its release
        // store is visible inside our critical section.
        let acquire = Ordering::Acquire;
        #[cfg(pipe_core_bug)]
        let acquire = if seeded(Bug::LockAcquireRelaxed) { Ordering::Relaxed } else { acquire };
        #[cfg(pipe_core_bug)]
        if seeded(Bug::LockNotAtomic) {
            // Seeded bug: test, then set, in two steps.
            if self.locked.load(acquire) {
                return false;
            }
            self.locked.store(true, Ordering::Relaxed);
            return true;
        }
        self.locked.compare_exchange_weak(false, true, acquire, Ordering::Relaxed).is_ok()
    }
}

/// Releases the lock even if the critical section unwinds.
struct Unlock<'a>(&'a AtomicBool);

impl Drop for Unlock<'_> {
    fn drop(&mut self) {
        // Release: publishes the critical section's writes to the next holder.
        let release = Ordering::Release;
        #[cfg(pipe_core_bug)]
        let release = if seeded(Bug::LockReleaseRelaxed) { Ordering::Relaxed } else { release };
        self.0.store(false, release);
    }
}
