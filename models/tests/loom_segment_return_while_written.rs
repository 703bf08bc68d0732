//! Segment return to the pool while the writer still holds memory in it,
//! and the hand-off of a sealed segment (M1, M3).
//! Loom: every interleaving up to the stated preemption bound.
#![cfg(loom)]

use models::loom_runner::check;
use models::loom_runner::Loom;
use models::scenarios::segment_return_while_written as model;

#[test]
fn m1_segment_stays_while_written() {
    check(
        "segment_return_while_written::m1_segment_stays_while_written",
        3,
        model::m1_segment_stays_while_written::<Loom>,
    );
}

#[test]
fn m1_sealed_segment_hand_off() {
    check("segment_return_while_written::m1_sealed_segment_hand_off", 3, model::m1_sealed_segment_hand_off::<Loom>);
}
