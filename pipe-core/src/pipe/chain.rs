//! The segment chain: how segments flow from the writer to the reader
//! without a lock.
//!
//! Each rented segment carries a [`ChainLink`]. The writer fills in where the
//! segment sits in the pipe (`placement`) while the segment is still its
//! own, seals it (`sealed_len`) when it moves on, and only then links the next
//! segment (`next`, release). The reader follows `next` with acquire, so a
//! segment it reaches through `next` has its placement and its predecessor's
//! seal visible; the writer's flushed end (release, in the protocol) covers
//! the bytes. The first segment is published through the protocol's
//! `first` pointer the same way.

use core::ptr::NonNull;

#[cfg(pipe_core_bug)]
use crate::bugs::{is_active as seeded, Bug};
use crate::pool::SegmentInner;
use crate::sync::{AtomicPtr, Ordering, UnsafeCell};

/// A segment's place in a pipe's chain; meaningful only while a pipe rents it.
pub(crate) struct ChainLink {
    /// The next segment, once the writer has moved on; null before.
    next: AtomicPtr<SegmentInner>,
    /// Pipe offset of byte 0 and running number of the segment: written by
    /// the writer before the segment is published, read-only afterwards.
    placement: UnsafeCell<Placement>,
    /// Bytes the writer wrote into the segment, written when it moves on or
    /// completes, before it publishes that (`next`, or the completion flag).
    sealed_len: UnsafeCell<usize>,
}

#[derive(Clone, Copy, Default)]
struct Placement {
    base: u64,
    number: u64,
}

impl ChainLink {
    pub(crate) fn new() -> Self {
        Self {
            next: AtomicPtr::new(core::ptr::null_mut()),
            placement: UnsafeCell::new(Placement::default()),
            sealed_len: UnsafeCell::new(0),
        }
    }
}

/// A segment in the chain (a copyable pointer with the chain's accessors).
///
/// Invariant: the segment is alive — rented by the pipe — for as long as
/// anyone holds this pointer; the protocol gives a segment back only after
/// both halves are done with it (M1).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Seg(pub(super) NonNull<SegmentInner>);

impl Seg {
    fn inner(&self) -> &SegmentInner {
        // SAFETY: the segment is alive while the pointer is held (type invariant).
        unsafe { self.0.as_ref() }
    }

    fn link(&self) -> &ChainLink {
        &self.inner().link
    }

    pub(super) fn capacity(&self) -> usize {
        self.inner().capacity
    }

    pub(super) fn data(&self) -> NonNull<u8> {
        self.inner().data
    }

    pub(super) fn track(&self) -> &crate::sync::ByteTrack {
        &self.inner().track
    }

    /// Writer: places a segment it has not published yet.
    pub(super) fn place(&self, base: u64, number: u64) {
        self.link().next.store(core::ptr::null_mut(), Ordering::Relaxed);
        // SAFETY: the segment is the writer's alone until it is published.
        self.link().placement.with_mut(|p| unsafe { *p = Placement { base, number } });
    }

    /// Pipe offset of byte 0.
    pub(super) fn base(&self) -> u64 {
        // SAFETY: written once before publication; read-only afterwards.
        self.link().placement.with(|p| unsafe { (*p).base })
    }

    /// Running number within the pipe.
    pub(super) fn number(&self) -> u64 {
        // SAFETY: as in `base`.
        self.link().placement.with(|p| unsafe { (*p).number })
    }

    /// Writer: records that it wrote `len` bytes and moves on (or completes).
    pub(super) fn seal(&self, len: usize) {
        // SAFETY: only the writer writes it, and the reader reads it only
        // after the writer published the seal (`link` or completion).
        self.link().sealed_len.with_mut(|s| unsafe { *s = len });
    }

    /// Bytes written into a sealed segment.
    ///
    /// Only after [`next`](Self::next) returned a segment, or the writer's
    /// completion was observed (acquire), so the seal is visible.
    pub(super) fn sealed_len(&self) -> usize {
        // SAFETY: see above: the seal happened before.
        self.link().sealed_len.with(|s| unsafe { *s })
    }

    /// Writer: links `next` after this sealed segment, publishing the seal
    /// and `next`'s placement.
    pub(super) fn link_next(&self, next: Seg) {
        let release = Ordering::Release;
        #[cfg(pipe_core_bug)]
        let release = if seeded(Bug::SegmentLinkRelaxed) { Ordering::Relaxed } else { release };
        self.link().next.store(next.0.as_ptr(), release);
    }

    /// The next segment, if the writer has moved on from this one.
    pub(super) fn next(&self) -> Option<Seg> {
        NonNull::new(self.link().next.load(Ordering::Acquire)).map(Seg)
    }
}
