//! `try_read` racing `flush` (R7, W3).
//! Loom: every interleaving up to the stated preemption bound.
#![cfg(loom)]

use models::loom_runner::check;
use models::loom_runner::Loom;
use models::scenarios::try_read_races_flush as model;

#[test]
fn r7_try_read_sees_only_flushed_bytes() {
    check(
        "try_read_races_flush::r7_try_read_sees_only_flushed_bytes",
        3,
        model::r7_try_read_sees_only_flushed_bytes::<Loom>,
    );
}
