//! Writer `complete` while the reader waits, and reader `complete` while
//! the writer waits, with and without an error (W8, R10, R11, C2).
//! Shuttle: random and PCT schedules at scale.
#![cfg(feature = "shuttle")]

use models::scenarios::complete_wakes_other_side as model;
use models::shuttle_runner::{check, Shuttle};

#[test]
fn r10_writer_complete_wakes_reader() {
    check(
        "complete_wakes_other_side::r10_writer_complete_wakes_reader",
        model::r10_writer_complete_wakes_reader::<Shuttle>,
    );
}

#[test]
fn r11_writer_error_wakes_reader() {
    check("complete_wakes_other_side::r11_writer_error_wakes_reader", model::r11_writer_error_wakes_reader::<Shuttle>);
}

#[test]
fn w9_reader_complete_wakes_paused_writer() {
    check(
        "complete_wakes_other_side::w9_reader_complete_wakes_paused_writer",
        model::w9_reader_complete_wakes_paused_writer::<Shuttle>,
    );
}

#[test]
fn r11_reader_error_wakes_paused_writer() {
    check(
        "complete_wakes_other_side::r11_reader_error_wakes_paused_writer",
        model::r11_reader_error_wakes_paused_writer::<Shuttle>,
    );
}
