//! The reader's view of its outstanding read: what the read transitions
//! fill and the reader lends out as a `Sequence`.

use alloc::vec::Vec;
use core::ptr::NonNull;

use crate::sequence::Cursor;

/// The reader's view of its buffer, filled by the read transitions.
pub(super) struct ReaderView {
    /// Flushed bytes of each segment from the buffer's first segment on,
    /// rebuilt by each read and cleared by each advance.
    pub(super) views: Views,
    /// Number of the segment `views[0]` shows.
    pub(super) first_segment: u64,
    /// The outstanding read's buffer bounds, if any.
    pub(super) outstanding: Option<Outstanding>,
}

/// Read-only views of segment bytes, as raw slices.
///
/// Invariant: every view covers flushed bytes of a segment in the pipe's
/// chain; the protocol keeps those segments in the chain and the writer
/// never writes those bytes again while the read is outstanding, and the
/// views are cleared before the read stops being outstanding (advance,
/// completion). So while the reader is borrowed, each view may be read as
/// a `&[u8]`.
#[derive(Default)]
pub(super) struct Views(Vec<NonNull<[u8]>>);

// SAFETY: the views are shared, read-only access to bytes no one writes
// while they exist (see the invariant), like `&[u8]`, which is `Send`.
unsafe impl Send for Views {}
// SAFETY: as above; `&[u8]` is `Sync`.
unsafe impl Sync for Views {}

impl Views {
    pub(super) fn clear(&mut self) {
        self.0.clear();
    }

    pub(super) fn push(&mut self, view: NonNull<[u8]>) {
        self.0.push(view);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The views as byte slices, for as long as the views are borrowed.
    pub(super) fn as_slices(&self) -> &[&[u8]] {
        let views: &[NonNull<[u8]>] = &self.0;
        // SAFETY: `NonNull<[u8]>` is a transparent `*const [u8]`, and
        // pointers and references have the same layout, so the slice may be
        // read as `&[&[u8]]`; each view may be read as `&[u8]` while `self`
        // is borrowed (the type's invariant), and the returned lifetime is
        // that borrow.
        unsafe { &*(views as *const [NonNull<[u8]>] as *const [&[u8]]) }
    }
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Outstanding {
    pub(super) start: Cursor,
    pub(super) end: Cursor,
    pub(super) completed: bool,
    pub(super) canceled: bool,
}
