//! Pipe construction options (rules O1, O2).

use alloc::boxed::Box;
use core::fmt;

use crate::pool::{BoundedPool, SegmentPool};
use crate::PipeError;

/// Default pause threshold (O1): 64 KiB of unexamined bytes.
pub const DEFAULT_PAUSE_WRITER_THRESHOLD: usize = 65_536;
/// Default resume threshold (O1): 32 KiB of unexamined bytes.
pub const DEFAULT_RESUME_WRITER_THRESHOLD: usize = 32_768;
/// Default minimum segment size (O1): 4 KiB.
pub const DEFAULT_MINIMUM_SEGMENT_SIZE: usize = 4_096;

/// How a pipe is built. Validated by [`pipe`](crate::pipe) (O2).
///
/// ```
/// use pipe_core::{pipe, PipeOptions};
/// let options = PipeOptions::new()
///     .pause_writer_threshold(1024)
///     .resume_writer_threshold(512)
///     .minimum_segment_size(256);
/// # #[cfg(not(loom))] // loom's types work only inside a model
/// let (_reader, _writer) = pipe(options)?;
/// # Ok::<(), pipe_core::PipeError>(())
/// ```
pub struct PipeOptions {
    /// Unexamined bytes at which a flush pauses the writer; 0 disables back
    /// pressure.
    pub pause_writer_threshold: usize,
    /// Unexamined bytes below which the reader's advance resumes the writer.
    pub resume_writer_threshold: usize,
    /// Smallest segment the writer rents.
    pub minimum_segment_size: usize,
    /// Where segments come from and go back to. `None` uses a
    /// [`BoundedPool`] that keeps up to
    /// `pause_writer_threshold / minimum_segment_size + 2` free segments.
    pub pool: Option<Box<dyn SegmentPool>>,
}

impl PipeOptions {
    /// The defaults of rule O1.
    pub fn new() -> Self {
        Self {
            pause_writer_threshold: DEFAULT_PAUSE_WRITER_THRESHOLD,
            resume_writer_threshold: DEFAULT_RESUME_WRITER_THRESHOLD,
            minimum_segment_size: DEFAULT_MINIMUM_SEGMENT_SIZE,
            pool: None,
        }
    }

    /// Sets [`pause_writer_threshold`](Self::pause_writer_threshold).
    pub fn pause_writer_threshold(mut self, bytes: usize) -> Self {
        self.pause_writer_threshold = bytes;
        self
    }

    /// Sets [`resume_writer_threshold`](Self::resume_writer_threshold).
    pub fn resume_writer_threshold(mut self, bytes: usize) -> Self {
        self.resume_writer_threshold = bytes;
        self
    }

    /// Sets [`minimum_segment_size`](Self::minimum_segment_size).
    pub fn minimum_segment_size(mut self, bytes: usize) -> Self {
        self.minimum_segment_size = bytes;
        self
    }

    /// Sets the segment [`pool`](Self::pool).
    pub fn pool(mut self, pool: impl SegmentPool + 'static) -> Self {
        self.pool = Some(Box::new(pool));
        self
    }

    /// Checks rule O2 without building a pipe.
    pub fn validate(&self) -> Result<(), PipeError> {
        let (pause, resume) = (self.pause_writer_threshold, self.resume_writer_threshold);
        if pause != 0 {
            if resume > pause {
                return Err(PipeError::ResumeAbovePause { pause, resume });
            }
            if resume == 0 {
                return Err(PipeError::ZeroResumeThreshold { pause });
            }
        }
        if self.minimum_segment_size == 0 {
            return Err(PipeError::ZeroSegmentSize);
        }
        Ok(())
    }

    pub(crate) fn into_pool(self) -> Box<dyn SegmentPool> {
        match self.pool {
            Some(pool) => pool,
            None => {
                let keep = (self.pause_writer_threshold / self.minimum_segment_size).saturating_add(2);
                Box::new(BoundedPool::new(keep))
            }
        }
    }
}

impl Default for PipeOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for PipeOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipeOptions")
            .field("pause_writer_threshold", &self.pause_writer_threshold)
            .field("resume_writer_threshold", &self.resume_writer_threshold)
            .field("minimum_segment_size", &self.minimum_segment_size)
            .field("pool", &self.pool.as_ref().map(|_| "custom"))
            .finish()
    }
}
