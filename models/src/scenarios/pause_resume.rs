//! Writer paused at the pause threshold; the reader's advance below the
//! resume threshold wakes it (W6, C2).

use pipe_core::pipe;

use crate::{drain, options, Join, Runtime};

/// W6: a flush that brings unexamined bytes to `pause` (2) waits until the
/// reader examines them below `resume` (1), and only then resolves.
pub fn w6_pause_at_threshold_resume_below<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(2, 1, 2)).expect("valid options");
    let producer = R::spawn(move || {
        let result = R::block_on(writer.write(b"ab")).expect("write");
        assert!(!result.is_completed() && !result.is_canceled(), "W6: resumed, not canceled or completed");
        // Resolving means the resume edge was crossed: the reader examined
        // the bytes (examined never moves back).
        assert_eq!(writer.stats().examined, 2, "W6: the flush resolved before the reader examined below resume");
        writer.complete(None);
    });
    assert_eq!(drain::<R>(&mut reader), b"ab", "W6: bytes");
    producer.join();
}
