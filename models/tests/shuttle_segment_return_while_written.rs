//! Segment return to the pool while the writer still holds memory in it,
//! and the hand-off of a sealed segment (M1, M3).
//! Shuttle: random and PCT schedules at scale.
#![cfg(feature = "shuttle")]

use models::scenarios::segment_return_while_written as model;
use models::shuttle_runner::{check, Shuttle};

#[test]
fn m1_segment_stays_while_written() {
    check(
        "segment_return_while_written::m1_segment_stays_while_written",
        model::m1_segment_stays_while_written::<Shuttle>,
    );
}

#[test]
fn m1_sealed_segment_hand_off() {
    check("segment_return_while_written::m1_sealed_segment_hand_off", model::m1_sealed_segment_hand_off::<Shuttle>);
}
