//! Seeded bugs: deliberate defects that prove each checker bites.
//!
//! Test-only. Without the `seeded-bugs` feature every hook below is a
//! constant that the optimizer folds away, so a normal build holds no trace
//! of them. With it, one bug at a time is chosen at run time by name (see
//! `ci/canaries` and `docs/VERIFICATION.md`); never enable it in production.
//! Each bug's designated checker is named in the table at the top of
//! `ci/canaries`, the one place that mapping lives.

use crate::sync::Ordering;

/// Identifies one seeded bug.
#[cfg(feature = "seeded-bugs")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Bug {
    /// The lock's acquiring compare-exchange is `Relaxed`.
    LockAcquireRelaxed,
    /// The lock's releasing store is `Relaxed`.
    LockReleaseRelaxed,
    /// A flush does not wake the waiting reader.
    FlushNoWake,
    /// The resume edge does not wake the paused writer.
    ResumeNoWake,
    /// `cancel_pending_read` does not wake the reader.
    CancelReadNoWake,
    /// `cancel_pending_flush` does not wake the writer.
    CancelFlushNoWake,
    /// Writer completion does not wake the reader.
    CompleteWriterNoWake,
    /// Reader completion does not wake the writer.
    CompleteReaderNoWake,
    /// Dropping the writer does not complete it.
    DropWriterNoComplete,
    /// Dropping the reader does not complete it.
    DropReaderNoComplete,
    /// The pause edge needs `> pause` instead of `>= pause`.
    PauseEdgeOffByOne,
    /// The resume edge fires on the upward crossing.
    ResumeEdgeInverted,
    /// Back pressure counts unconsumed instead of unexamined bytes.
    BackPressureCountsConsumed,
    /// A read resolves when bytes are buffered even if all were examined.
    ExaminedAtEndNoWait,
    /// The read-cancel flag is not cleared when observed.
    CancelReadNotCleared,
    /// The flush-cancel flag is not cleared when observed.
    CancelFlushNotCleared,
    /// `read_at_least` does not resume a paused writer.
    ReadAtLeastNoResume,
    /// A flush cancel with no flush pending is lost.
    CancelFlushNotSticky,
    /// A read cancel with no read pending is lost.
    CancelReadNotSticky,
    /// The writer's current segment goes back to the pool while still written.
    SegmentReturnedWhileWritten,
    /// The reader sees advanced but unflushed bytes.
    UnflushedVisible,
    /// `SequenceReader` mishandles a segment boundary.
    SequenceReaderBoundaryOffByOne,
    /// `Sequence::slice` mishandles a boundary comparison.
    SliceBoundaryOffByOne,
    /// The spin lock tests and then sets its flag in two steps, so two
    /// threads can both enter.
    LockNotAtomic,
    /// Writer completion drops advanced but unflushed bytes (W8).
    CompleteDropsUnflushed,
    /// A pending read checks readiness and registers its waker in two
    /// critical sections, so a flush in between is not delivered.
    ReaderRegistersLate,
    /// A paused flush checks back pressure and registers its waker in two
    /// critical sections, so a resume in between is not delivered.
    WriterRegistersLate,
}

#[cfg(feature = "seeded-bugs")]
mod select {
    use super::Bug;

    impl Bug {
        /// Every seeded bug with its name.
        pub const ALL: &'static [(&'static str, Bug)] = &[
            ("lock_acquire_relaxed", Bug::LockAcquireRelaxed),
            ("lock_release_relaxed", Bug::LockReleaseRelaxed),
            ("lost_wake_on_flush", Bug::FlushNoWake),
            ("lost_wake_on_resume", Bug::ResumeNoWake),
            ("lost_wake_on_cancel_read", Bug::CancelReadNoWake),
            ("lost_wake_on_cancel_flush", Bug::CancelFlushNoWake),
            ("lost_wake_on_complete_writer", Bug::CompleteWriterNoWake),
            ("lost_wake_on_complete_reader", Bug::CompleteReaderNoWake),
            ("drop_writer_no_complete", Bug::DropWriterNoComplete),
            ("drop_reader_no_complete", Bug::DropReaderNoComplete),
            ("pause_edge_off_by_one", Bug::PauseEdgeOffByOne),
            ("resume_edge_inverted", Bug::ResumeEdgeInverted),
            ("back_pressure_counts_consumed", Bug::BackPressureCountsConsumed),
            ("examined_at_end_no_wait", Bug::ExaminedAtEndNoWait),
            ("cancel_read_not_cleared", Bug::CancelReadNotCleared),
            ("cancel_flush_not_cleared", Bug::CancelFlushNotCleared),
            ("read_at_least_no_resume", Bug::ReadAtLeastNoResume),
            ("slice_boundary_off_by_one", Bug::SliceBoundaryOffByOne),
            ("sequence_reader_boundary_off_by_one", Bug::SequenceReaderBoundaryOffByOne),
            ("unflushed_visible", Bug::UnflushedVisible),
            ("segment_returned_while_written", Bug::SegmentReturnedWhileWritten),
            ("cancel_read_not_sticky", Bug::CancelReadNotSticky),
            ("cancel_flush_not_sticky", Bug::CancelFlushNotSticky),
            ("lock_not_atomic", Bug::LockNotAtomic),
            ("complete_drops_unflushed", Bug::CompleteDropsUnflushed),
            ("reader_registers_late", Bug::ReaderRegistersLate),
            ("writer_registers_late", Bug::WriterRegistersLate),
        ];
    }

    /// The selected bug's index + 1, 0 for none. Read from the
    /// `PIPE_CORE_BUG` environment variable on first use, or set by
    /// [`activate`].
    static ACTIVE: crate::sync::StaticAtomicUsize = crate::sync::StaticAtomicUsize::new(usize::MAX);

    /// Selects the bug named `name` (`None` turns seeded bugs off).
    /// Returns `false` for an unknown name.
    pub fn activate(name: Option<&str>) -> bool {
        let index = match name {
            None => 0,
            Some(name) => match Bug::ALL.iter().position(|(n, _)| *n == name) {
                Some(i) => i + 1,
                None => return false,
            },
        };
        ACTIVE.store(index, crate::sync::Ordering::Relaxed);
        true
    }

    /// Whether `bug` is the selected one.
    pub fn is_active(bug: Bug) -> bool {
        let mut index = ACTIVE.load(crate::sync::Ordering::Relaxed);
        if index == usize::MAX {
            let from_env = std::env::var("PIPE_CORE_BUG").ok();
            if !activate(from_env.as_deref()) {
                activate(None);
            }
            index = ACTIVE.load(crate::sync::Ordering::Relaxed);
        }
        index != 0 && Bug::ALL.get(index - 1).is_some_and(|(_, b)| *b == bug)
    }
}

#[cfg(feature = "seeded-bugs")]
pub use select::{activate, is_active};

/// `true` when `$bug` is the active seeded bug; `false` (a constant) in
/// normal builds.
macro_rules! bug {
    ($bug:ident) => {{
        #[cfg(feature = "seeded-bugs")]
        {
            $crate::bugs::is_active($crate::bugs::Bug::$bug)
        }
        #[cfg(not(feature = "seeded-bugs"))]
        {
            false
        }
    }};
}
pub(crate) use bug;

/// Ordering of the spin lock's acquiring compare-exchange.
#[inline(always)]
pub(crate) fn lock_acquire() -> Ordering {
    if bug!(LockAcquireRelaxed) {
        Ordering::Relaxed
    } else {
        Ordering::Acquire
    }
}

/// Whether the spin lock takes its flag with a separate load and store.
#[inline(always)]
pub(crate) fn lock_not_atomic() -> bool {
    bug!(LockNotAtomic)
}

/// Ordering of the spin lock's releasing store.
#[inline(always)]
pub(crate) fn lock_release() -> Ordering {
    if bug!(LockReleaseRelaxed) {
        Ordering::Relaxed
    } else {
        Ordering::Release
    }
}
