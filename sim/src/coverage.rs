//! Coverage marks: "sometimes" assertions on interesting states.
//!
//! Each run records which marks it reached; a campaign counts, per mark, the
//! seeds that reached it, and fails if one was never reached.

/// Declares [`Mark`] and [`Mark::ALL`] from one list, so the table cannot
/// miss a variant or list one twice.
macro_rules! marks {
    ($($(#[$doc:meta])* $mark:ident,)*) => {
        /// An interesting state a campaign must reach.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Mark {
            $($(#[$doc])* $mark,)*
        }

        impl Mark {
            /// Every mark, in report order.
            pub const ALL: [Mark; [$(stringify!($mark),)*].len()] = [$(Mark::$mark,)*];
        }
    };
}

marks! {
    /// A flush crossed the pause threshold (W6).
    WriterPaused,
    /// ... with unexamined bytes exactly at the threshold.
    PausedAtExactThreshold,
    /// A flush had to wait.
    FlushWaited,
    /// The reader's advance moved unexamined bytes below resume (W6).
    ResumedByAdvance,
    /// A waiting `read_at_least` resumed the writer (R8).
    ResumedByReadAtLeast,
    /// Reader completion released a paused writer.
    ResumedByReaderCompletion,
    /// A waiting flush resolved plainly after back pressure lifted.
    FlushResumed,
    /// A waiting flush resolved canceled (W7).
    FlushWokenByCancel,
    /// A waiting read resolved canceled (R9).
    ReadWokenByCancel,
    /// A cancel before the read made the next read canceled (R9, sticky).
    StickyReadCancel,
    /// A waiting read resolved because the writer completed (R10).
    ReadWokenByCompletion,
    /// A waiting `read_at_least` resolved with enough bytes (R8).
    ReadAtLeastSatisfied,
    /// A read waited although bytes were buffered: all examined (R4).
    ExaminedAtEndWait,
    /// The reader examined everything and consumed nothing (R5).
    ExaminedAllConsumedNothing,
    /// A read's buffer spanned three or more segments.
    ReadSpans3Segments,
    /// A read returned an empty completed buffer (R10).
    ReadCompletedEmpty,
    /// A read returned the writer's error (R11).
    ReadWriterFailed,
    /// A flush returned the reader's error (R11).
    FlushReaderFailed,
    /// A flush reported the reader completed (W9).
    FlushAfterReaderCompleted,
    /// The writer completed with an error.
    WriterFailed,
    /// One half completed while the other (or itself) waited.
    CompletionWhileWaiting,
    /// A third task canceled a waiting read.
    CancelWhileReadWaits,
    /// A third task canceled a waiting flush.
    CancelWhileFlushWaits,
    /// `try_read` returned `None` (R7).
    TryReadNone,
    /// A delimiter was found with `position_of`.
    DelimiterFound,
    /// Unexamined bytes exceeded the pause threshold.
    AbovePause,
    /// Reader misuse was checked against the model (R6, R13).
    MisuseReader,
    /// Writer misuse was checked against the model (W2).
    MisuseWriter,
    /// A waiting read's future was dropped.
    AbandonedRead,
    /// A waiting flush's future was dropped.
    AbandonedFlush,
    /// A wake was delivered late.
    DelayedWake,
    /// A wake was delivered twice.
    DuplicatedWake,
    /// A task was woken for nothing.
    SpuriousWake,
    /// The pool ran dry.
    PoolRanDry,
    /// The pool handed out a segment shorter than asked.
    PoolShortSegment,
    /// Tee: the relay waited on one branch's back pressure after the other
    /// branch's flush had resolved.
    TeeRelayPausedByOneBranch,
    /// Tee: one branch's reader completed; the relay kept feeding the other.
    TeeBranchClosedEarly,
    /// Tee: the source completed and the relay completed both branches
    /// after draining it.
    TeeCompletionPropagated,
    /// Tee: both branch readers received the source's whole stream.
    TeeEndToEnd,
    /// Fan-in: the relay consumed from one source, then from the other.
    FanInRelaySwitchedSources,
    /// Fan-in: the relay waited on an empty source.
    FanInRelayWaitedForSource,
    /// Fan-in: both sources completed and the relay completed the output.
    FanInCompletionPropagated,
    /// Fan-in: the output's reader received every byte of both sources.
    FanInEndToEnd,
    /// A source writer's error reached a reader through a relay.
    RelayForwardedError,
}

// A run's marks are bits of a `u64`.
const _: () = assert!(Mark::ALL.len() <= 64);

impl Mark {
    /// The mark's name in reports.
    pub fn name(self) -> String {
        let debug = format!("{self:?}");
        let mut name = String::new();
        for (i, c) in debug.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                name.push('_');
            }
            name.push(c.to_ascii_lowercase());
        }
        name
    }
}

/// The marks one run reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Coverage(u64);

impl Coverage {
    /// Records that `mark` was reached.
    pub fn hit(&mut self, mark: Mark) {
        self.0 |= 1 << mark as u32;
    }

    /// Whether `mark` was reached.
    pub fn has(&self, mark: Mark) -> bool {
        self.0 & (1 << mark as u32) != 0
    }
}

/// Per-mark counts of seeds over a campaign.
#[derive(Debug, Clone)]
pub struct CoverageCounts {
    counts: [u64; Mark::ALL.len()],
}

impl Default for CoverageCounts {
    fn default() -> Self {
        Self { counts: [0; Mark::ALL.len()] }
    }
}

impl CoverageCounts {
    /// Adds one run.
    pub fn add(&mut self, coverage: Coverage) {
        for (count, mark) in self.counts.iter_mut().zip(Mark::ALL) {
            *count += u64::from(coverage.has(mark));
        }
    }

    /// `(mark, seeds that reached it)` in report order.
    pub fn iter(&self) -> impl Iterator<Item = (Mark, u64)> + '_ {
        Mark::ALL.into_iter().zip(self.counts.iter().copied())
    }

    /// Marks no seed reached.
    pub fn missing(&self) -> Vec<Mark> {
        self.iter().filter(|&(_, n)| n == 0).map(|(m, _)| m).collect()
    }
}
