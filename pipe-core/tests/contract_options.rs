//! Contract rules O1–O2: pipe options and their validation.
// Not built under `--cfg loom`: the pipe then runs on loom's types, which
// work only inside `loom::model` (see loom_flush_wakes_reader.rs).
#![cfg(not(loom))]

mod common;

use std::task::Poll;

use common::*;
use pipe_core::{
    pipe, PipeError, PipeOptions, DEFAULT_MINIMUM_SEGMENT_SIZE, DEFAULT_PAUSE_WRITER_THRESHOLD,
    DEFAULT_RESUME_WRITER_THRESHOLD,
};

#[test]
fn o1_default_options_are_64k_pause_32k_resume_4k_segments() {
    let options = PipeOptions::default();
    assert_eq!(options.pause_writer_threshold, 65_536);
    assert_eq!(options.resume_writer_threshold, 32_768);
    assert_eq!(options.minimum_segment_size, 4_096);
    assert_eq!(DEFAULT_PAUSE_WRITER_THRESHOLD, 65_536);
    assert_eq!(DEFAULT_RESUME_WRITER_THRESHOLD, 32_768);
    assert_eq!(DEFAULT_MINIMUM_SEGMENT_SIZE, 4_096);
    let new = PipeOptions::new();
    assert_eq!(
        (new.pause_writer_threshold, new.resume_writer_threshold, new.minimum_segment_size),
        (65_536, 32_768, 4_096)
    );
}

#[test]
fn o1_default_pipe_rents_4k_segments() {
    let (_reader, mut writer) = pipe(PipeOptions::default()).expect("defaults are valid");
    // A fresh segment of the minimum size: the whole of it is offered.
    assert_eq!(writer.get_memory(1).expect("memory").len(), 4_096);
}

#[test]
fn o1_default_pipe_pauses_at_exactly_64k_unexamined() {
    let (_reader, mut writer) = pipe(PipeOptions::default()).expect("defaults are valid");
    write_now(&mut writer, &pattern(65_535));
    assert!(!writer.stats().writer_paused);
    assert!(poll_once(&mut writer.write(&[0])).is_pending(), "65,536 unexamined bytes must pause");
}

#[test]
fn o2_pause_zero_disables_back_pressure() {
    let (_reader, mut writer) = small_pipe(0, 0, 16);
    // Far beyond any threshold; no flush may wait.
    for _ in 0..64 {
        write_now(&mut writer, &pattern(1_000));
    }
    assert!(!writer.stats().writer_paused);
    assert_eq!(writer.stats().unexamined(), 64_000);
}

#[test]
fn o2_pause_zero_ignores_resume_threshold() {
    // Literal reading: "Otherwise" — with pause 0 the resume threshold is not checked.
    assert!(pipe(options(0, 100, 16)).is_ok());
    assert!(pipe(options(0, 0, 16)).is_ok());
}

#[test]
fn o2_resume_above_pause_is_an_error_naming_both() {
    let error = pipe(options(100, 101, 16)).map(|_| ()).expect_err("resume > pause");
    assert!(matches!(error, PipeError::ResumeAbovePause { pause: 100, resume: 101 }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("100") && text.contains("101"), "{text}");
    assert_err!(options(100, 101, 16).validate(), PipeError::ResumeAbovePause { pause: 100, resume: 101 });
}

#[test]
fn o2_resume_zero_with_back_pressure_is_an_error() {
    let error = pipe(options(100, 0, 16)).map(|_| ()).expect_err("resume 0 never resumes");
    assert!(matches!(error, PipeError::ZeroResumeThreshold { pause: 100 }), "{error:?}");
    assert!(error.to_string().contains("100"), "{error}");
}

#[test]
fn o2_resume_equal_to_pause_is_valid_and_works() {
    let (mut reader, mut writer) = small_pipe(10, 10, 16);
    write_now(&mut writer, &pattern(9));
    let waker = CountingWaker::new();
    let mut flush = writer.write(&[9]);
    assert!(waker.poll(&mut flush).is_pending(), "10 unexamined with pause 10");
    let snap = read_now(&mut reader);
    reader.advance_to(snap.start, snap.at(1)).expect("advance");
    assert_eq!(waker.wakes(), 1, "9 < resume 10 resumes");
    assert!(matches!(waker.poll(&mut flush), Poll::Ready(Ok(_))));
}

#[test]
fn o2_zero_minimum_segment_size_is_an_error() {
    assert_err!(pipe(options(100, 50, 0)), PipeError::ZeroSegmentSize);
    assert_err!(pipe(PipeOptions::new().minimum_segment_size(0)), PipeError::ZeroSegmentSize);
}
