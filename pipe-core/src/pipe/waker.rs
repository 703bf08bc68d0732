//! One half's waker slot: registered by that half, woken by the other half
//! or a `CancelHandle`, without a lock.
//!
//! The slot's state word says who may touch the stored waker: nobody
//! (`IDLE`: the last registration is complete), the registering half
//! (`REGISTERING`), or one waking side (`WAKING`). A registration that finds
//! a wake in progress waits for it (one `wake_by_ref`). A wake that finds a
//! wake in progress leaves `AGAIN` for it, and it wakes once more: its own
//! wake may already have been consumed by a poll that registered again. A
//! wake that finds a registration in progress leaves the `WAKING` bit for
//! the registration to find, which then wakes the new waker itself. So a wake is never lost to a
//! concurrent registration, and the waker stays stored after a wake: a task
//! that waits again with the same waker registers without cloning it.
//!
//! The protocol decides *whether* to wake (its waiting bits in the flag
//! word); this slot only makes the wake itself safe.

use core::task::Waker;

#[cfg(pipe_core_bug)]
use crate::bugs::{is_active as seeded, Bug};
use crate::sync::{spin_hint, AtomicUsize, Ordering, UnsafeCell};

/// No one holds the slot.
const IDLE: usize = 0;
/// The owning half is storing its waker.
const REGISTERING: usize = 0b01;
/// A waking side is reading the stored waker.
const WAKING: usize = 0b10;
/// Another wake was asked for while one was in progress.
const AGAIN: usize = 0b100;

pub(super) struct WakerSlot {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: `waker` is written only by the owning half after it moved `state`
// from `IDLE` to `REGISTERING`, and read by a waking side only after it moved
// `state` from `IDLE` to `WAKING` (or by the owning half itself, which is the
// only writer); writer and waking readers are exclusive, and the
// acquire/release pairs on `state` order the accesses. `Waker` is
// `Send + Sync`.
unsafe impl Send for WakerSlot {}
// SAFETY: as above.
unsafe impl Sync for WakerSlot {}

impl WakerSlot {
    pub(super) fn new() -> Self {
        Self { state: AtomicUsize::new(IDLE), waker: UnsafeCell::new(None) }
    }

    /// Stores `waker` (unless the slot holds one that wakes the same task).
    /// Only the owning half registers, so registrations never overlap.
    pub(super) fn register(&self, waker: &Waker) {
        // Only this half writes the slot, so reading it here races nothing
        // (a waking side only reads it too): the common re-registration of
        // the same task touches no atomic.
        // SAFETY: see above; writes happen only in this method, below.
        if self.waker.with(|slot| unsafe { &*slot }.as_ref().is_some_and(|current| current.will_wake(waker))) {
            return;
        }
        // Acquire: the stored waker, as the last registration or wake left it.
        let acquire = Ordering::Acquire;
        #[cfg(pipe_core_bug)]
        let acquire = if seeded(Bug::WakerRegisterRelaxed) { Ordering::Relaxed } else { acquire };
        // A wake is reading the stored waker: it is short (one
        // `wake_by_ref`), so wait for it rather than racing it.
        while self.state.compare_exchange(IDLE, REGISTERING, acquire, Ordering::Acquire).is_err() {
            spin_hint();
        }
        // SAFETY: `REGISTERING` makes the slot ours (type invariant).
        self.waker.with_mut(|slot| unsafe { *slot = Some(waker.clone()) });
        // Release: publishes the stored waker to the next wake.
        if self.state.compare_exchange(REGISTERING, IDLE, Ordering::AcqRel, Ordering::Acquire).is_err() {
            // A wake came while we stored: it left `WAKING` for us.
            // The slot is still ours; wake the task ourselves.
            self.state.store(IDLE, Ordering::Release);
            waker.wake_by_ref();
        }
    }

    /// Wakes the stored waker, keeping it stored.
    pub(super) fn wake(&self) {
        // One exchange decides who delivers the wake: a registration in
        // progress (it finds `WAKING` and wakes itself), a wake in progress
        // (it finds `AGAIN` and wakes once more: its own wake may already
        // have been consumed by a poll that registered again), or us.
        // AcqRel: the stored waker is visible (acquire); whoever delivers
        // sees what we published before waking (release).
        // The common case first: the slot is idle.
        let mut current = IDLE;
        loop {
            let next = if current & REGISTERING == 0 && current & WAKING != 0 {
                // Seeded bug: trust the wake in progress to cover ours.
                #[cfg(pipe_core_bug)]
                if seeded(Bug::WakeSkipsWakeInProgress) {
                    return;
                }
                current | AGAIN
            } else {
                current | WAKING
            };
            match self.state.compare_exchange(current, next, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        if current != IDLE {
            return;
        }
        loop {
            self.waker.with(|slot| {
                // SAFETY: `WAKING` from `IDLE` makes the slot ours to read.
                if let Some(waker) = unsafe { &*slot } {
                    waker.wake_by_ref();
                }
            });
            // Release the slot, unless a wake was asked for meanwhile: then
            // take the request (keeping the slot) and wake again.
            if self.state.compare_exchange(WAKING, IDLE, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                return;
            }
            self.state.swap(WAKING, Ordering::AcqRel);
        }
    }
}
