//! The synchronization facade: the only module that names atomics, `Arc`,
//! model-visible cells, spin hints and thread parking.
//!
//! Everything else in the crate uses `crate::sync::…`, so one switch decides
//! what the whole pipe is built on:
//!
//! * normal builds: `core` / `alloc` (and `std` for parking);
//! * `--cfg loom`: loom's atomics, `Arc`, `UnsafeCell` and threads, so loom
//!   explores every interleaving and checks every cell access for causality;
//! * feature `shuttle`: shuttle's atomics, `Arc` and threads, so shuttle can
//!   schedule the pipe at random or with PCT.
//!
//! The cells expose loom's closure API (`with`, `with_mut`) in every build so
//! the algorithm is written once.

#[cfg(all(loom, feature = "shuttle"))]
compile_error!("`--cfg loom` and feature `shuttle` select different sync backends; enable one");

#[cfg(loom)]
mod backend {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::AtomicBool;
    pub(crate) use loom::sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize};
    pub(crate) use loom::sync::Arc;

    /// One step of a spin loop: under loom a spin must yield, or loom would
    /// explore the spinning thread forever.
    #[inline]
    pub(crate) fn spin_wait(_spins: u32) {
        loom::thread::yield_now();
    }

    /// One pause of a busy wait that has no lock to give up: under loom a
    /// yield, as in [`spin_wait`].
    #[inline]
    pub(crate) fn spin_hint() {
        loom::thread::yield_now();
    }

    pub(crate) mod thread {
        pub(crate) use loom::thread::{current, park, yield_now, Thread};
    }
}

#[cfg(all(feature = "shuttle", not(loom)))]
mod backend {
    pub(crate) use super::plain_cell::UnsafeCell;
    pub(crate) use shuttle::sync::atomic::AtomicBool;
    pub(crate) use shuttle::sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize};
    pub(crate) use shuttle::sync::Arc;

    /// One step of a spin loop: shuttle must be told, or it would keep
    /// scheduling the spinning thread.
    #[inline]
    pub(crate) fn spin_wait(_spins: u32) {
        shuttle::thread::yield_now();
    }

    /// One pause of a busy wait that has no lock to give up: under shuttle
    /// a yield, as in [`spin_wait`].
    #[inline]
    pub(crate) fn spin_hint() {
        shuttle::thread::yield_now();
    }

    pub(crate) mod thread {
        pub(crate) use shuttle::thread::{current, park, yield_now, Thread};
    }
}

#[cfg(not(any(loom, feature = "shuttle")))]
mod backend {
    pub(crate) use super::plain_cell::UnsafeCell;
    pub(crate) use alloc::sync::Arc;
    pub(crate) use core::sync::atomic::AtomicBool;
    #[cfg(feature = "std")]
    pub(crate) use core::sync::atomic::AtomicU32;
    pub(crate) use core::sync::atomic::{AtomicPtr, AtomicUsize};

    /// One step of a spin loop. Critical sections are a handful of field
    /// updates, so a short busy wait nearly always suffices; past that the
    /// holder was probably preempted and, with `std`, we give up the core.
    #[inline]
    pub(crate) fn spin_wait(spins: u32) {
        #[cfg(feature = "std")]
        if spins >= 64 {
            std::thread::yield_now();
            return;
        }
        let _ = spins;
        core::hint::spin_loop();
    }

    /// One pause of a busy wait that has no lock to give up (the blocking
    /// waker's spin before it parks, a registration waiting out a wake):
    /// the processor's spin-loop hint.
    #[inline]
    pub(crate) fn spin_hint() {
        core::hint::spin_loop();
    }

    #[cfg(feature = "std")]
    pub(crate) mod thread {
        pub(crate) use std::thread::{current, park, yield_now, Thread};
    }
}

pub(crate) use backend::*;
pub(crate) use core::sync::atomic::Ordering;

/// The `Arc` of immutable payloads (completion errors, blocking wakers) that
/// never take part in the pipe's own synchronization. It is always the real
/// `alloc::sync::Arc`, because `Waker` and `dyn Error` need unsized coercion,
/// which model `Arc`s do not offer.
pub(crate) use alloc::sync::Arc as PayloadArc;

/// Process-wide identity source for pipes and sequences, used only to tell
/// a foreign `Position` from an own one. Not synchronization: models need not
/// see it, and wrapping after 2³² pipes on 32-bit targets is harmless.
pub(crate) fn next_owner_id() -> usize {
    static NEXT: StaticAtomicUsize = StaticAtomicUsize::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The real `core` atomic, for process-wide statics (owner ids, the seeded-bug
/// selector) that are not part of any protocol a model checks; model atomics
/// cannot live in statics.
pub(crate) use core::sync::atomic::AtomicUsize as StaticAtomicUsize;

#[cfg(not(loom))]
mod plain_cell {
    /// `core::cell::UnsafeCell` with loom's closure API (`with`, `with_mut`).
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> Self {
            Self(core::cell::UnsafeCell::new(value))
        }

        #[inline]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        #[inline]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

/// Per-byte access tracking for segment memory.
///
/// Segment bytes cross between the writer and reader threads without the
/// lock. Under loom every byte has a shadow cell and each hand-off point
/// records a write (writer `advance`) or a read (reader receives a buffer), so
/// loom reports any access not ordered by happens-before: a weakened ordering
/// or a segment recycled too early. In other builds this type is empty.
#[derive(Debug, Default)]
pub(crate) struct ByteTrack {
    #[cfg(loom)]
    cells: alloc::vec::Vec<loom::cell::UnsafeCell<()>>,
}

impl ByteTrack {
    pub(crate) fn new(_len: usize) -> Self {
        Self {
            #[cfg(loom)]
            cells: (0.._len).map(|_| loom::cell::UnsafeCell::new(())).collect(),
        }
    }

    /// Records that the writer wrote bytes `start..end`.
    #[inline]
    pub(crate) fn wrote(&self, _start: usize, _end: usize) {
        #[cfg(loom)]
        for cell in self.cells.iter().take(_end).skip(_start) {
            cell.with_mut(|_| ());
        }
    }

    /// Records that the reader is about to read bytes `start..end`.
    #[inline]
    pub(crate) fn read(&self, _start: usize, _end: usize) {
        #[cfg(loom)]
        for cell in self.cells.iter().take(_end).skip(_start) {
            cell.with(|_| ());
        }
    }
}

/// The lock of the splice module's pool of kernel pipes. It guards a list of
/// file descriptors, not pipe state: no model checker needs to see it, so it
/// is std's lock under every backend.
#[cfg(all(feature = "splice", target_os = "linux"))]
pub(crate) use std::sync::Mutex as FdPoolMutex;
