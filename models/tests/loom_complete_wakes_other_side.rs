//! Writer `complete` while the reader waits, and reader `complete` while
//! the writer waits, with and without an error (W8, R10, R11, C2).
//! Loom: every interleaving up to the stated preemption bound.
#![cfg(loom)]

use models::loom_runner::check;
use models::loom_runner::Loom;
use models::scenarios::complete_wakes_other_side as model;

#[test]
fn r10_writer_complete_wakes_reader() {
    check(
        "complete_wakes_other_side::r10_writer_complete_wakes_reader",
        3,
        model::r10_writer_complete_wakes_reader::<Loom>,
    );
}

#[test]
fn r11_writer_error_wakes_reader() {
    check("complete_wakes_other_side::r11_writer_error_wakes_reader", 3, model::r11_writer_error_wakes_reader::<Loom>);
}

#[test]
fn w9_reader_complete_wakes_paused_writer() {
    check(
        "complete_wakes_other_side::w9_reader_complete_wakes_paused_writer",
        3,
        model::w9_reader_complete_wakes_paused_writer::<Loom>,
    );
}

#[test]
fn r11_reader_error_wakes_paused_writer() {
    check(
        "complete_wakes_other_side::r11_reader_error_wakes_paused_writer",
        3,
        model::r11_reader_error_wakes_paused_writer::<Loom>,
    );
}
