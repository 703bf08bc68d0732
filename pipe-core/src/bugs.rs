//! Seeded bugs: deliberate defects that prove each checker bites.
//!
//! This module exists only under the rustc cfg `pipe_core_bug`
//! (`RUSTFLAGS="--cfg pipe_core_bug"`), which no dependent crate can switch
//! on through Cargo; a normal build holds no trace of it or of its hooks.
//! With the cfg, one bug at a time is chosen at run time by name, from the
//! `PIPE_CORE_BUG` environment variable or [`activate`], so each checker is
//! built once for all its bugs.
//!
//! The hooks sit in the pipe's protocol module (`pipe/protocol.rs`, which
//! holds most ordering bugs as `ordering!` arguments), the segment chain
//! (`pipe/chain.rs`), the waker slot (`pipe/waker.rs`), the segment lock
//! (`pipe/lock.rs`), the halves' drop (`pipe/reader.rs`, `pipe/writer.rs`),
//! the slicing code for the two `Sequence` bugs, and the blocking waker's
//! park handshake (`blocking.rs`). Which checker must catch which bug is
//! written once, in `ci/canaries.table`.

/// Declares [`Bug`] and its name table from one list, so the two cannot
/// drift apart.
macro_rules! seeded_bugs {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal,)*) => {
        /// Identifies one seeded bug.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum Bug {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Bug {
            /// Every seeded bug with its name (the name `PIPE_CORE_BUG` and
            /// `ci/canaries.table` use).
            pub const ALL: &'static [(&'static str, Bug)] = &[$(($name, Bug::$variant),)*];

            /// The bug's name.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Bug::$variant => $name,)*
                }
            }
        }
    };
}

seeded_bugs! {
    /// The lock's acquiring compare-exchange is `Relaxed`.
    LockAcquireRelaxed = "lock_acquire_relaxed",
    /// The lock's releasing store is `Relaxed`.
    LockReleaseRelaxed = "lock_release_relaxed",
    /// A flush does not wake the waiting reader.
    FlushNoWake = "lost_wake_on_flush",
    /// The resume edge does not wake the paused writer.
    ResumeNoWake = "lost_wake_on_resume",
    /// `cancel_pending_read` does not wake the reader.
    CancelReadNoWake = "lost_wake_on_cancel_read",
    /// `cancel_pending_flush` does not wake the writer.
    CancelFlushNoWake = "lost_wake_on_cancel_flush",
    /// Writer completion does not wake the reader.
    CompleteWriterNoWake = "lost_wake_on_complete_writer",
    /// Reader completion does not wake the writer.
    CompleteReaderNoWake = "lost_wake_on_complete_reader",
    /// Dropping the writer does not complete it.
    DropWriterNoComplete = "drop_writer_no_complete",
    /// Dropping the reader does not complete it.
    DropReaderNoComplete = "drop_reader_no_complete",
    /// The pause edge needs `> pause` instead of `>= pause`.
    PauseEdgeOffByOne = "pause_edge_off_by_one",
    /// The resume edge fires on the upward crossing.
    ResumeEdgeInverted = "resume_edge_inverted",
    /// Back pressure counts unconsumed instead of unexamined bytes.
    BackPressureCountsConsumed = "back_pressure_counts_consumed",
    /// A read resolves when bytes are buffered even if all were examined.
    ExaminedAtEndNoWait = "examined_at_end_no_wait",
    /// The read-cancel flag is not cleared when observed.
    CancelReadNotCleared = "cancel_read_not_cleared",
    /// The flush-cancel flag is not cleared when observed.
    CancelFlushNotCleared = "cancel_flush_not_cleared",
    /// `read_at_least` does not resume a paused writer.
    ReadAtLeastNoResume = "read_at_least_no_resume",
    /// `Sequence::slice` mishandles a boundary comparison.
    SliceBoundaryOffByOne = "slice_boundary_off_by_one",
    /// `SequenceReader` mishandles a segment boundary.
    SequenceReaderBoundaryOffByOne = "sequence_reader_boundary_off_by_one",
    /// The reader sees advanced but unflushed bytes.
    UnflushedVisible = "unflushed_visible",
    /// The writer's current segment goes back to the pool while still written.
    SegmentReturnedWhileWritten = "segment_returned_while_written",
    /// A read cancel with no read pending is lost.
    CancelReadNotSticky = "cancel_read_not_sticky",
    /// A flush cancel with no flush pending is lost.
    CancelFlushNotSticky = "cancel_flush_not_sticky",
    /// The spin lock tests and then sets its flag in two steps, so two
    /// threads can both enter.
    LockNotAtomic = "lock_not_atomic",
    /// Writer completion drops advanced but unflushed bytes (W8).
    CompleteDropsUnflushed = "complete_drops_unflushed",
    /// A pending read checks readiness and registers its waker in two
    /// critical sections, so a flush in between is not delivered.
    ReaderRegistersLate = "reader_registers_late",
    /// A paused flush checks back pressure and registers its waker in two
    /// critical sections, so a resume in between is not delivered.
    WriterRegistersLate = "writer_registers_late",
    /// A blocked thread checks the wake count and announces its park in two
    /// steps (a load, then a store), so a wake in between is overwritten and
    /// the thread parks with nobody to unpark it.
    ParkCheckThenSet = "park_check_then_set",
    /// A wake reads the blocked thread's state and bumps its wake count in
    /// two steps (a load, then a store), so a park announced in between is
    /// erased and never unparked.
    WakeCheckThenSet = "wake_check_then_set",
    /// The writer publishes its flushed end with `Relaxed`, so the reader
    /// may read flushed bytes before they are written.
    FlushPublishRelaxed = "flush_publish_relaxed",
    /// The reader loads the flushed end with `Relaxed`, so it may read
    /// flushed bytes before their writing is visible.
    ReadAcquireRelaxed = "read_acquire_relaxed",
    /// The reader's second look after announcing a wait is a `Relaxed`
    /// read-modify-write, which no longer hands the announcement to the
    /// writer's next flush.
    ReadHandshakeRelaxed = "read_handshake_relaxed",
    /// The reader's second look after announcing a wait is a plain load,
    /// which can miss a flush that also missed the announcement.
    ReadHandshakeLoad = "read_handshake_load",
    /// The reader announces its wait with `Relaxed`, so a pausing writer may
    /// judge it by a stale `want` (R8).
    ReaderAnnounceRelaxed = "reader_announce_relaxed",
    /// The writer's second look at `examined` after pausing is a `Relaxed`
    /// read-modify-write.
    PauseHandshakeRelaxed = "pause_handshake_relaxed",
    /// The writer's second look at `examined` after pausing is a plain load,
    /// which can miss an advance that also missed `PAUSED`.
    PauseHandshakeLoad = "pause_handshake_load",
    /// The reader publishes its examined offset with `Relaxed`.
    AdvancePublishRelaxed = "advance_publish_relaxed",
    /// The writer's completion flag is set with `Relaxed`, so the reader may
    /// see it before the last bytes and the tail's seal.
    WriterDoneRelaxed = "writer_done_relaxed",
    /// The writer's completion flag is published before its last bytes.
    WriterDoneBeforeData = "writer_done_before_data",
    /// The writer links the next segment with `Relaxed`, so the reader may
    /// follow it before its placement and the previous seal are visible.
    SegmentLinkRelaxed = "segment_link_relaxed",
    /// A waker registration takes the slot with `Relaxed`, racing the
    /// previous wake's read of the stored waker.
    WakerRegisterRelaxed = "waker_register_relaxed",
    /// A wake that finds another wake in progress returns, trusting it to
    /// cover this one, though that wake may already have been consumed.
    WakeSkipsWakeInProgress = "wake_skips_wake_in_progress",
}

/// The selected bug's index + 1, 0 for none, `usize::MAX` until first use.
/// A process-wide switch, not part of any protocol a model checks.
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

/// Whether `bug` is the selected one. The first call reads
/// `PIPE_CORE_BUG` unless [`activate`] came first.
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
