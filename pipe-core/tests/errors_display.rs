//! Convention 10: errors are values with the offending numbers in them, and
//! `Display` reads as a sentence. Each test provokes one `PipeError` through
//! the call that returns it (the rule it breaks names the test), then checks
//! that its text names the values involved, what `std::io::Error` kind it
//! becomes (W9: a completed half is `BrokenPipe`, as on an OS pipe), and its
//! error source. The few variants no call of today's pipe can return
//! (`PositionBeyondEnd`: a read's end never shrinks) are built by hand and
//! say so.
#![cfg(not(loom))]

mod common;

use std::error::Error as _;
use std::io;
use std::task::Poll;

use common::*;
use pipe_core::{pipe, CompletionError, PipeError, PipeOptions, Sequence, SequenceReader};

/// The text of `error`, after checking it is one sentence-like line.
fn text(error: &PipeError) -> String {
    let text = error.to_string();
    assert!(!text.is_empty() && !text.contains('\n'), "one line of text: {text:?}");
    text
}

/// Asserts `text` contains every one of `parts`.
fn assert_names(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{text:?} should name {part:?}");
    }
}

/// The `io::Error` an adapter would return for `error`, checked to keep the
/// `PipeError` inside (so `get_ref().downcast_ref()` gets it back).
fn as_io(error: PipeError) -> io::Error {
    let text = error.to_string();
    let io_error = io::Error::from(error);
    let inner = io_error.get_ref().and_then(|e| e.downcast_ref::<PipeError>());
    assert!(inner.is_some(), "the io::Error carries the PipeError: {io_error:?}");
    assert_eq!(io_error.to_string(), text, "the io::Error reads as the PipeError");
    io_error
}

// ------------------------------------------------------------ options (O2)

#[test]
fn o2_zero_resume_threshold_text_names_the_pause_threshold_and_the_way_out() {
    let error = PipeOptions::new().pause_writer_threshold(4_096).resume_writer_threshold(0).validate().unwrap_err();
    assert!(matches!(error, PipeError::ZeroResumeThreshold { pause: 4_096 }), "{error:?}");
    let text = text(&error);
    assert_names(&text, &["resume_writer_threshold is 0", "4096", "never resume", "pause to 0"]);
    assert_eq!(as_io(error).kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn o2_resume_above_pause_text_puts_each_value_next_to_its_name() {
    let error = pipe(options(300, 700, 16)).map(|_| ()).unwrap_err();
    let text = text(&error);
    // Not only both numbers, but each beside the threshold it belongs to.
    assert_names(&text, &["resume_writer_threshold (700)", "pause_writer_threshold (300)"]);
    assert_eq!(as_io(error).kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn o2_zero_segment_size_text_names_the_option_and_the_minimum() {
    let error = pipe(options(0, 0, 0)).map(|_| ()).unwrap_err();
    assert!(matches!(error, PipeError::ZeroSegmentSize), "{error:?}");
    assert_names(&text(&error), &["minimum_segment_size", "at least 1"]);
    assert_eq!(as_io(error).kind(), io::ErrorKind::InvalidInput);
}

// ------------------------------------------------------------ writer (W1, W2, W8)

#[test]
fn w2_advance_beyond_memory_text_names_the_request_and_the_memory_left() {
    let (_reader, mut writer) = small_pipe(0, 0, 16);
    assert_eq!(writer.get_memory(1).expect("memory").len(), 16);
    writer.advance(12).expect("12 of 16");
    // Four bytes of the last memory are left; 9 is too many.
    let error = writer.advance(9).unwrap_err();
    assert!(matches!(error, PipeError::AdvanceBeyondMemory { requested: 9, available: 4 }), "{error:?}");
    assert_names(&text(&error), &["advance(9)", "4 bytes", "get_memory"]);
    assert!(error.source().is_none(), "a misuse has no underlying cause");
    assert_eq!(as_io(error).kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn w8_writer_completed_text_and_broken_pipe_kind() {
    let (_reader, mut writer) = small_pipe(0, 0, 16);
    writer.complete(None);
    let error = writer.get_memory(1).map(|m| m.len()).unwrap_err();
    assert!(matches!(error, PipeError::WriterCompleted), "{error:?}");
    assert_names(&text(&error), &["writer has completed"]);
    assert_eq!(as_io(error).kind(), io::ErrorKind::BrokenPipe);
}

#[test]
fn w1_allocation_failure_is_an_error_naming_the_size_and_out_of_memory_for_io() {
    let (_reader, mut writer) = small_pipe(0, 0, 16);
    // No allocator can give `usize::MAX` bytes: `get_memory` must report it
    // instead of aborting, and the writer stays usable.
    let error = writer.get_memory(usize::MAX).map(|m| m.len()).unwrap_err();
    assert!(matches!(error, PipeError::AllocationFailed { size: usize::MAX }), "{error:?}");
    assert_names(&text(&error), &["could not allocate", &usize::MAX.to_string(), "bytes"]);
    assert_eq!(as_io(error).kind(), io::ErrorKind::OutOfMemory);
    assert_eq!(writer.get_memory(1).expect("a later small request works").len(), 16);
}

// ------------------------------------------------------------ reader (R6, R11)

#[test]
fn r6_reader_completed_text_and_broken_pipe_kind() {
    let (mut reader, _writer) = small_pipe(0, 0, 16);
    reader.complete(None);
    let error = try_snap(&mut reader).unwrap_err();
    assert!(matches!(error, PipeError::ReaderCompleted), "{error:?}");
    assert_names(&text(&error), &["reader has completed"]);
    assert_eq!(as_io(error).kind(), io::ErrorKind::BrokenPipe);
}

#[test]
fn r6_read_already_outstanding_text_says_what_to_call() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"abc");
    read_now(&mut reader);
    let error = try_snap(&mut reader).unwrap_err();
    assert!(matches!(error, PipeError::ReadAlreadyOutstanding), "{error:?}");
    assert_names(&text(&error), &["already outstanding", "advance_to"]);
    assert_eq!(as_io(error).kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn r6_no_outstanding_read_text_names_advance_to() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"abc");
    let snap = read_now(&mut reader);
    reader.advance_to(snap.start, snap.at(1)).expect("first advance");
    let error = reader.advance(snap.at(1)).unwrap_err();
    assert!(matches!(error, PipeError::NoOutstandingRead), "{error:?}");
    assert_names(&text(&error), &["advance_to", "outstanding read"]);
    assert_eq!(as_io(error).kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn r6_examined_before_consumed_text_names_both_offsets() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, &pattern(8));
    let snap = read_now(&mut reader);
    let error = reader.advance_to(snap.at(6), snap.at(2)).unwrap_err();
    assert!(matches!(error, PipeError::ExaminedBeforeConsumed { consumed: 6, examined: 2 }), "{error:?}");
    assert_names(&text(&error), &["examined position (offset 2)", "consumed position (offset 6)"]);
    assert_eq!(as_io(error).kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn r6_examined_moved_back_text_names_the_new_and_the_previous_offset() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, &pattern(8));
    let first = read_now(&mut reader);
    reader.advance_to(first.start, first.at(5)).expect("examine 5");
    let second = read_now(&mut reader);
    let error = reader.advance_to(second.start, second.at(3)).unwrap_err();
    assert!(matches!(error, PipeError::ExaminedMovedBack { examined: 3, previous: 5 }), "{error:?}");
    assert_names(&text(&error), &["offset 3", "previously examined offset 5"]);
    assert_eq!(as_io(error).kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn r6_position_released_text_names_the_offset_and_the_buffer_start() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, &pattern(8));
    let first = read_now(&mut reader);
    reader.advance_to(first.at(4), first.at(4)).expect("consume 4");
    write_now(&mut writer, b"more");
    read_now(&mut reader);
    let error = reader.advance(first.at(2)).unwrap_err();
    assert!(matches!(error, PipeError::PositionReleased { offset: 2, start: 4 }), "{error:?}");
    assert_names(&text(&error), &["offset 2", "buffer start at offset 4", "released"]);
    assert_eq!(as_io(error).kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn r6_foreign_position_text_says_whose_it_is() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    let (mut other_reader, mut other_writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"ours");
    write_now(&mut other_writer, b"theirs");
    read_now(&mut reader);
    let theirs = read_now(&mut other_reader);
    let error = reader.advance(theirs.at(2)).unwrap_err();
    assert!(matches!(error, PipeError::ForeignPosition), "{error:?}");
    assert_names(&text(&error), &["another pipe or sequence"]);
    assert_eq!(as_io(error).kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn r6_position_beyond_end_text_names_the_offset_and_the_end() {
    // No call returns this today: every position of a pipe lies at or before
    // the end of its latest read, and a read's end never moves back. The
    // text is what `advance_to` would report, so it is checked by hand.
    let error = PipeError::PositionBeyondEnd { offset: 9, end: 4 };
    assert_names(&text(&error), &["offset 9", "beyond the end at offset 4"]);
    assert_eq!(as_io(error).kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn r11_writer_failed_text_quotes_the_writer_error_and_keeps_it_as_source() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    writer.complete(boom(7));
    let error = try_snap(&mut reader).unwrap_err();
    let PipeError::WriterFailed(ref completion) = error else { panic!("expected WriterFailed, got {error:?}") };
    assert_eq!(boom_of(completion), Some(7));
    assert_names(&text(&error), &["writer completed with an error", "boom 7"]);
    // The chain: PipeError -> CompletionError -> Boom.
    let source = error.source().expect("WriterFailed has a source");
    assert_eq!(source.to_string(), "boom 7");
    let completion_source = source.source().expect("CompletionError's source is the wrapped error");
    assert!(completion_source.downcast_ref::<Boom>().is_some(), "{completion_source:?}");
    // Another side's failure is not a misuse: `Other`, carrying the error.
    assert_eq!(as_io(error).kind(), io::ErrorKind::Other);
}

#[test]
fn r11_reader_failed_text_quotes_the_reader_error_and_keeps_it_as_source() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    reader.complete(Some(CompletionError::message("bad frame at byte 12")));
    let error = match poll_once(&mut writer.write(b"x")) {
        Poll::Ready(Err(error)) => error,
        other => panic!("expected the flush to fail with ReaderFailed, got {other:?}"),
    };
    assert!(matches!(error, PipeError::ReaderFailed(_)), "{error:?}");
    assert_names(&text(&error), &["reader completed with an error", "bad frame at byte 12"]);
    assert_eq!(error.source().map(|s| s.to_string()).as_deref(), Some("bad frame at byte 12"));
    assert_eq!(as_io(error).kind(), io::ErrorKind::Other);
}

// ------------------------------------------------------------ sequences (S3, S4)

#[test]
fn s3_offset_out_of_range_text_names_the_offset_and_the_length() {
    let parts: [&[u8]; 2] = [b"ab", b"cde"];
    let sequence = Sequence::from_slices(&parts);
    let error = sequence.get_position(6).unwrap_err();
    assert!(matches!(error, PipeError::OffsetOutOfRange { offset: 6, len: 5 }), "{error:?}");
    assert_names(&text(&error), &["offset 6", "sequence length 5"]);
    assert_eq!(as_io(error).kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn s3_start_after_end_text_names_both_offsets() {
    let parts: [&[u8]; 2] = [b"ab", b"cde"];
    let sequence = Sequence::from_slices(&parts);
    let (start, end) = (sequence.get_position(4).expect("4"), sequence.get_position(1).expect("1"));
    let error = sequence.slice_positions(start, end).map(|s| s.len()).unwrap_err();
    assert!(matches!(error, PipeError::StartAfterEnd { start: 4, end: 1 }), "{error:?}");
    assert_names(&text(&error), &["start (offset 4)", "end (offset 1)"]);
    assert_eq!(as_io(error).kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn s3_position_outside_sequence_text_names_the_offset_and_the_range() {
    let parts: [&[u8]; 2] = [b"abcd", b"efgh"];
    let sequence = Sequence::from_slices(&parts);
    let middle = sequence.slice(2, 5).expect("2..5");
    let outside = sequence.get_position(7).expect("7");
    let error = middle.offset_of(outside).unwrap_err();
    assert!(matches!(error, PipeError::PositionOutsideSequence { offset: 7, start: 2, end: 5 }), "{error:?}");
    assert_names(&text(&error), &["offset 7", "outside the sequence", "2..=5"]);
    assert_eq!(as_io(error).kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn s3_copy_to_a_short_slice_text_names_needed_and_available() {
    let parts: [&[u8]; 2] = [b"abc", b"defg"];
    let sequence = Sequence::from_slices(&parts);
    let mut short = [0u8; 5];
    let error = sequence.copy_to(&mut short).unwrap_err();
    assert!(matches!(error, PipeError::NotEnoughData { needed: 7, available: 5 }), "{error:?}");
    assert_names(&text(&error), &["needed 7 bytes", "only 5 remain"]);
    assert_eq!(short, [0; 5], "a failed copy copies nothing");
    assert_eq!(as_io(error).kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn s4_rewind_past_the_start_text_names_the_count_and_what_was_read() {
    let parts: [&[u8]; 2] = [b"abc", b"def"];
    let mut scan = SequenceReader::new(Sequence::from_slices(&parts));
    scan.advance(4).expect("4 of 6");
    let error = scan.rewind(5).unwrap_err();
    assert!(matches!(error, PipeError::NotEnoughData { needed: 5, available: 4 }), "{error:?}");
    assert_names(&text(&error), &["needed 5 bytes", "only 4 remain"]);
    assert_eq!(scan.consumed(), 4, "a failed rewind does not move");
}

// ------------------------------------------------------------ futures

#[test]
fn a_read_future_polled_after_it_resolved_is_an_error_not_a_panic() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    write_now(&mut writer, b"abc");
    let mut read = reader.read();
    assert!(matches!(poll_once(&mut read), Poll::Ready(Ok(_))), "the first poll resolves");
    let error = match poll_once(&mut read) {
        Poll::Ready(Err(error)) => error,
        other => panic!("expected PolledAfterCompletion, got {:?}", other.map(|r| r.map(|_| ()))),
    };
    assert!(matches!(error, PipeError::PolledAfterCompletion), "{error:?}");
    assert_names(&text(&error), &["polled after it completed"]);
    assert_eq!(as_io(error).kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn a_flush_future_polled_after_it_resolved_is_an_error_not_a_panic() {
    let (_reader, mut writer) = small_pipe(0, 0, 16);
    let mut flush = writer.write(b"abc");
    assert!(matches!(poll_once(&mut flush), Poll::Ready(Ok(_))), "the first poll resolves");
    assert!(matches!(poll_once(&mut flush), Poll::Ready(Err(PipeError::PolledAfterCompletion))));
}

// ------------------------------------------------------------ CompletionError

#[test]
fn r11_completion_error_from_io_error_keeps_kind_and_text_through_the_pipe() {
    let (mut reader, mut writer) = small_pipe(0, 0, 16);
    let original = io::Error::new(io::ErrorKind::ConnectionReset, "peer reset after 3 bytes");
    writer.complete(Some(CompletionError::from(original)));
    let error = try_snap(&mut reader).unwrap_err();
    let PipeError::WriterFailed(ref completion) = error else { panic!("expected WriterFailed, got {error:?}") };
    // Display and Debug both show the wrapped error, not a wrapper.
    assert_eq!(completion.to_string(), "peer reset after 3 bytes");
    let debug = format!("{completion:?}");
    assert_names(&debug, &["ConnectionReset", "peer reset after 3 bytes"]);
    let inner = completion.get_ref().downcast_ref::<io::Error>().expect("the io::Error itself");
    assert_eq!(inner.kind(), io::ErrorKind::ConnectionReset);
    let source = completion.source().expect("a CompletionError's source is what it wraps");
    assert_eq!(source.to_string(), "peer reset after 3 bytes");
    // Every later read hands out the same error (R11), cheaply cloned.
    let PipeError::WriterFailed(again) = try_snap(&mut reader).unwrap_err() else { panic!("R11: again") };
    assert_eq!(again.to_string(), completion.to_string());
}

#[test]
fn completion_error_message_reads_as_the_message() {
    let error = CompletionError::message("upstream closed mid-frame");
    assert_eq!(error.to_string(), "upstream closed mid-frame");
    assert!(format!("{error:?}").contains("upstream closed mid-frame"), "{error:?}");
    assert_eq!(error.get_ref().to_string(), "upstream closed mid-frame");
    let cloned = error.clone();
    assert_eq!(cloned.to_string(), error.to_string());
}
