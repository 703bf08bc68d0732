//! A handle that cancels a pending read or flush from any thread.

use core::fmt;

use super::protocol::Shared;
use crate::sync::Arc;

/// Cancels a pending read or flush from any thread (R9, W7).
///
/// Obtained from [`PipeReader::cancel_handle`](crate::PipeReader::cancel_handle)
/// or [`PipeWriter::cancel_handle`](crate::PipeWriter::cancel_handle); useful
/// while the half itself is borrowed by a pending future.
#[derive(Clone)]
pub struct CancelHandle {
    shared: Arc<Shared>,
}

impl CancelHandle {
    pub(super) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    /// See [`PipeReader::cancel_pending_read`](crate::PipeReader::cancel_pending_read).
    pub fn cancel_pending_read(&self) {
        self.shared.cancel_read();
    }

    /// See [`PipeWriter::cancel_pending_flush`](crate::PipeWriter::cancel_pending_flush).
    pub fn cancel_pending_flush(&self) {
        self.shared.cancel_flush();
    }
}

impl fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelHandle").finish_non_exhaustive()
    }
}
