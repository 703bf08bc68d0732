//! Proves the sync facade under loom: a flush wakes a reader waiting in
//! another thread (W4, C2). The full models live in `models/`.
//!
//! Run: `RUSTFLAGS="--cfg loom" cargo test -p pipe-core --release --test loom_flush_wakes_reader`
#![cfg(loom)]

use pipe_core::{pipe, PipeOptions};

#[test]
fn w4_flush_wakes_waiting_reader() {
    let mut builder = loom::model::Builder::new();
    // Unbounded, the spin lock's retry loops make this take minutes; three
    // preemptions covers every lost-wakeup schedule of two threads and one
    // lock hand-off (LOOM_MAX_PREEMPTIONS overrides).
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(|| {
        let options = PipeOptions::new().minimum_segment_size(4).pause_writer_threshold(0);
        let (mut reader, mut writer) = pipe(options).expect("valid options");
        let producer = loom::thread::spawn(move || {
            let result = loom::future::block_on(writer.write(b"ab")).expect("write");
            assert!(!result.is_completed() && !result.is_canceled());
            writer
        });
        let bytes = loom::future::block_on(async {
            let result = reader.read().await.expect("read");
            assert!(!result.is_canceled());
            let buffer = result.buffer();
            (buffer.to_vec(), buffer.end())
        });
        assert_eq!(bytes.0, b"ab");
        reader.advance(bytes.1).expect("advance");
        drop(producer.join().expect("producer"));
    });
}
