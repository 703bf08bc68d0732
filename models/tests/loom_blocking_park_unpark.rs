//! The blocking (`std`) API: threads park and the pipe unparks them (C1).
//! Loom: every interleaving up to the stated preemption bound.
#![cfg(loom)]

use models::loom_runner::check;
use models::loom_runner::Loom;
use models::scenarios::blocking_park_unpark as model;

#[test]
fn c1_blocking_calls_park_until_woken() {
    check(
        "blocking_park_unpark::c1_blocking_calls_park_until_woken",
        3,
        model::c1_blocking_calls_park_until_woken::<Loom>,
    );
}
