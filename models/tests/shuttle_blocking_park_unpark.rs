//! The blocking (`std`) API: threads park and the pipe unparks them (C1).
//! Shuttle: random and PCT schedules at scale.
#![cfg(feature = "shuttle")]

use models::scenarios::blocking_park_unpark as model;
use models::shuttle_runner::{check, Shuttle};

#[test]
fn c1_blocking_calls_park_until_woken() {
    check(
        "blocking_park_unpark::c1_blocking_calls_park_until_woken",
        model::c1_blocking_calls_park_until_woken::<Shuttle>,
    );
}
