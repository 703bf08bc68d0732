//! Dropping either half while the other waits (R12, C2).
//! Loom: every interleaving up to the stated preemption bound.
#![cfg(loom)]

use models::loom_runner::check;
use models::loom_runner::Loom;
use models::scenarios::drop_wakes_other_side as model;

#[test]
fn r12_writer_drop_wakes_reader() {
    check("drop_wakes_other_side::r12_writer_drop_wakes_reader", 3, model::r12_writer_drop_wakes_reader::<Loom>);
}

#[test]
fn r12_reader_drop_wakes_paused_writer() {
    check(
        "drop_wakes_other_side::r12_reader_drop_wakes_paused_writer",
        3,
        model::r12_reader_drop_wakes_paused_writer::<Loom>,
    );
}
