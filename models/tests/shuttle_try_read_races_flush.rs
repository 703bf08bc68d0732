//! `try_read` racing `flush` (R7, W3).
//! Shuttle: random and PCT schedules at scale.
#![cfg(feature = "shuttle")]

use models::scenarios::try_read_races_flush as model;
use models::shuttle_runner::{check, Shuttle};

#[test]
fn r7_try_read_sees_only_flushed_bytes() {
    check(
        "try_read_races_flush::r7_try_read_sees_only_flushed_bytes",
        model::r7_try_read_sees_only_flushed_bytes::<Shuttle>,
    );
}
