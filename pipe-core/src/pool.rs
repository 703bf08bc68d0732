//! Segments and the pools they come from (rules M1, M3).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;
use core::ptr::NonNull;

use crate::pipe::ChainLink;
use crate::sync::ByteTrack;
use crate::PipeError;

/// A block of memory the writer fills and the reader reads in place.
///
/// Owned by a pool while free and by a pipe while rented. The bytes live
/// behind a raw pointer so the writer's `&mut` to the unwritten tail and the
/// reader's `&` to the flushed head never alias one `Box`.
pub struct Segment {
    inner: NonNull<SegmentInner>,
}

pub(crate) struct SegmentInner {
    /// Start of `capacity` initialized bytes, from `Box<[u8]>::into_raw`.
    pub(crate) data: NonNull<u8>,
    pub(crate) capacity: usize,
    /// Shadow cells that let loom check every byte hand-off.
    pub(crate) track: ByteTrack,
    /// The segment's place in the chain of the pipe that rents it.
    pub(crate) link: ChainLink,
}

// SAFETY: a `Segment` owns its allocation exclusively; moving it to another
// thread moves that ownership.
unsafe impl Send for Segment {}

impl Segment {
    /// Allocates a zeroed segment of `capacity` bytes (at least 1).
    ///
    /// Fails with [`PipeError::AllocationFailed`] instead of aborting when
    /// the memory is not available.
    pub fn new(capacity: usize) -> Result<Self, PipeError> {
        let capacity = capacity.max(1);
        let mut bytes: Vec<u8> = Vec::new();
        bytes.try_reserve_exact(capacity).map_err(|_| PipeError::AllocationFailed { size: capacity })?;
        bytes.resize(capacity, 0);
        let raw = Box::into_raw(bytes.into_boxed_slice());
        // SAFETY: `Box::into_raw` never returns null.
        let data = unsafe { NonNull::new_unchecked(raw.cast::<u8>()) };
        let inner = Box::new(SegmentInner { data, capacity, track: ByteTrack::new(capacity), link: ChainLink::new() });
        Ok(Self { inner: NonNull::from(Box::leak(inner)) })
    }

    /// Usable bytes.
    pub fn capacity(&self) -> usize {
        self.inner().capacity
    }

    fn inner(&self) -> &SegmentInner {
        // SAFETY: `inner` came from `Box::leak` and is freed only in `drop`.
        unsafe { self.inner.as_ref() }
    }

    /// Gives up ownership to the pipe's segment chain.
    pub(crate) fn into_raw(self) -> NonNull<SegmentInner> {
        let inner = self.inner;
        core::mem::forget(self);
        inner
    }

    /// Takes ownership back from the pipe's segment chain.
    ///
    /// # Safety
    /// `inner` must come from [`Segment::into_raw`], and nothing may use it
    /// or any slice of its bytes afterwards.
    pub(crate) unsafe fn from_raw(inner: NonNull<SegmentInner>) -> Self {
        Self { inner }
    }
}

impl Drop for Segment {
    fn drop(&mut self) {
        // SAFETY: we own `inner` (from `Box::leak`) and its bytes (from
        // `Box::<[u8]>::into_raw` with `capacity` elements); nothing else
        // refers to them any more.
        unsafe {
            let inner = Box::from_raw(self.inner.as_ptr());
            let bytes = core::ptr::slice_from_raw_parts_mut(inner.data.as_ptr(), inner.capacity);
            drop(Box::from_raw(bytes));
        }
    }
}

impl fmt::Debug for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Segment").field("capacity", &self.capacity()).finish()
    }
}

/// Where a pipe rents segments and returns them (M1, M3).
///
/// A pipe calls its pool under its internal segment lock, from either half's
/// thread, once per segment (never per write or read); implementations
/// should be quick and must not call back into the pipe.
pub trait SegmentPool: Send {
    /// A free segment with at least `min_capacity` bytes, or `None` to let
    /// the pipe allocate one.
    fn rent(&mut self, min_capacity: usize) -> Option<Segment>;

    /// Takes back a segment the pipe no longer uses. The pool may keep it or
    /// drop it.
    fn give_back(&mut self, segment: Segment);
}

/// The default pool: a free list of at most `max_free` segments.
///
/// Renting pops a free segment large enough for the request; giving back
/// pushes unless the list is full, in which case the segment is freed.
#[derive(Debug)]
pub struct BoundedPool {
    free: Vec<Segment>,
    max_free: usize,
}

impl BoundedPool {
    /// A pool that keeps up to `max_free` free segments.
    pub fn new(max_free: usize) -> Self {
        Self { free: Vec::new(), max_free }
    }

    /// Free segments held now.
    pub fn free_segments(&self) -> usize {
        self.free.len()
    }
}

impl SegmentPool for BoundedPool {
    fn rent(&mut self, min_capacity: usize) -> Option<Segment> {
        let index = self.free.iter().rposition(|s| s.capacity() >= min_capacity)?;
        Some(self.free.swap_remove(index))
    }

    fn give_back(&mut self, segment: Segment) {
        if self.free.len() < self.max_free {
            if self.free.capacity() == self.free.len() {
                // Growing the list must not abort; drop the segment instead.
                if self.free.try_reserve(1).is_err() {
                    return;
                }
            }
            self.free.push(segment);
        }
    }
}
