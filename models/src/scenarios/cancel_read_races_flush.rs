//! `cancel_pending_read` racing a waiting read and a flush (R9, C2).

use pipe_core::pipe;

use crate::{options, read, Join, Runtime};

/// R9: a cancel from another thread wakes a waiting read, or, if it comes
/// first, makes the next read resolve at once; either way canceled, empty.
/// The flag is cleared once observed: the following read is a plain one.
pub fn r9_cancel_wakes_waiting_reader<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(0, 0, 2)).expect("valid options");
    let handle = reader.cancel_handle();
    let canceler = R::spawn(move || handle.cancel_pending_read());
    let got = read::<R>(&mut reader);
    assert!(got.canceled, "R9: the read is canceled");
    assert!(!got.completed && got.bytes.is_empty(), "R9: nothing else happened");
    reader.advance(got.end).expect("advance");
    canceler.join();
    R::block_on(writer.write(b"ab")).expect("write");
    let got = read::<R>(&mut reader);
    assert!(!got.canceled, "R9: the cancel flag is cleared once observed");
    assert_eq!(got.bytes, b"ab", "R2: the flushed bytes");
}

/// R9: one cancel racing a flush is observed by exactly one read (sticky,
/// cleared once observed), and the flushed bytes arrive either way. The
/// writer's thread cancels after its flush, so the cancel races the
/// reader's reads and advances.
pub fn r9_cancel_races_flush_observed_once<R: Runtime>() {
    let (mut reader, mut writer) = pipe(options(0, 0, 2)).expect("valid options");
    let handle = reader.cancel_handle();
    let producer = R::spawn(move || {
        R::block_on(writer.write(b"ab")).expect("write");
        handle.cancel_pending_read();
        writer
    });
    let (mut bytes, mut cancels) = (Vec::new(), 0);
    while cancels == 0 || bytes.len() < 2 {
        let got = read::<R>(&mut reader);
        cancels += usize::from(got.canceled);
        assert!(cancels <= 1, "R9: the cancel flag is cleared once observed");
        assert!(got.canceled || !got.bytes.is_empty(), "R1: empty read that is not canceled");
        bytes = got.bytes.clone();
        // Examine everything, consume nothing: the next read waits for new
        // bytes or the cancel (R4).
        reader.advance_to(got.start, got.end).expect("advance");
    }
    assert_eq!(bytes, b"ab", "R2: the flushed bytes");
    drop(producer.join());
}
