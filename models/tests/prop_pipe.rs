//! Property tests of partial reads and back pressure: random calls on the
//! real pipe against the reference model (`models::reference`, through `models::driver`), and an
//! end-to-end delivery property that needs no model. Thresholds and segment
//! sizes are tiny, so pause/resume edges and segment boundaries are hit in
//! almost every case (W1–W9, R1–R13, M2, C2).
// Not built under `--cfg loom` or feature `shuttle`: the pipe then runs on
// the model checker's types, which work only inside its model (see
// pipe-core/tests/loom_flush_wakes_reader.rs).
#![cfg(not(any(loom, feature = "shuttle")))]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};

use models::pipe_ops::{check_pipe, Pick, PipeCase, PipeOp};
use pipe_core::{pipe, PipeOptions};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![
        6 => any::<u8>().prop_map(Pick::InBuffer),
        3 => Just(Pick::End),
        1 => any::<u8>().prop_map(Pick::Old),
        1 => Just(Pick::Foreign),
    ]
}

/// Mostly the normal flow (write, flush, read, advance), some cancels,
/// completions and misuse.
fn op() -> impl Strategy<Value = PipeOp> {
    prop_oneof![
        4 => any::<u8>().prop_map(PipeOp::GetMemory),
        4 => any::<u8>().prop_map(PipeOp::Advance),
        6 => any::<u8>().prop_map(PipeOp::Write),
        4 => Just(PipeOp::PollFlush),
        6 => any::<u8>().prop_map(|m| PipeOp::PollRead(if m < 160 { 0 } else { m })),
        3 => Just(PipeOp::TryRead),
        10 => (pick(), pick()).prop_map(|(c, e)| PipeOp::AdvanceTo(c, e)),
        1 => Just(PipeOp::CancelFlush),
        1 => Just(PipeOp::CancelRead),
        1 => any::<bool>().prop_map(PipeOp::CompleteWriter),
        1 => any::<bool>().prop_map(PipeOp::CompleteReader),
        1 => Just(PipeOp::DropWriter),
        1 => Just(PipeOp::DropReader),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/prop_pipe.txt"))),
        ..ProptestConfig::default()
    })]

    /// Every call's answer, the counters, M2 and wakeups agree with the
    /// reference model.
    #[test]
    fn pipe_calls_agree_with_the_reference_model(
        pause in any::<u8>(), resume in any::<u8>(), segment in any::<u8>(),
        ops in vec(op(), 0..120),
    ) {
        check_pipe(&PipeCase { pause, resume, segment, ops });
    }

    /// Bytes written in random chunks and read with partial advances
    /// (consumed < examined < end) arrive exactly once and in order; a
    /// read with bytes left unexamined resolves at once (R4); no history
    /// deadlocks (R5, W6).
    #[test]
    fn every_byte_delivered_once_in_order(
        segment in 1usize..8, pause in 0usize..24, resume_pick in any::<usize>(),
        chunks in vec(1usize..20, 1..30),
        advances in vec((any::<u8>(), any::<u8>()), 1..40),
    ) {
        let resume = if pause == 0 { 0 } else { 1 + resume_pick % pause };
        let options = PipeOptions::default()
            .pause_writer_threshold(pause)
            .resume_writer_threshold(resume)
            .minimum_segment_size(segment);
        let (mut reader, mut writer) = pipe(options).expect("valid options");
        let written: Vec<u8> = (0..chunks.iter().sum::<usize>()).map(|i| (i * 7 % 251) as u8).collect();
        let mut delivered = Vec::new();
        let mut cx = Context::from_waker(Waker::noop());
        let mut next_chunk = 0;
        let mut sent = 0;
        let mut flush_pending = false;
        let mut unexamined_left = false;
        let mut done = false;
        let mut examined_at = 0u64;
        for step in 0..20_000usize {
            // Writer: finish a pending flush, or write the next chunk.
            if flush_pending {
                flush_pending = writer.poll_flush(&mut cx).is_pending();
            } else if let Some(&len) = chunks.get(next_chunk) {
                let poll = pin!(writer.write(&written[sent..sent + len])).poll(&mut cx);
                flush_pending = poll.is_pending();
                sent += len;
                next_chunk += 1;
            } else {
                writer.complete(None);
            }
            // Reader: one read and a partial advance.
            let Some(result) = reader.try_read().expect("try_read") else {
                prop_assert!(!unexamined_left, "R4: a read waits although bytes were left unexamined");
                continue;
            };
            let buffer = result.buffer();
            let len = buffer.len();
            let (c, e) = advances[step % advances.len()];
            // Every fourth read consumes everything, so the pipe drains.
            let consumed = if step % 4 == 3 { len } else { usize::from(c) % (len + 1) };
            // `examined` never moves back (R6).
            let floor = usize::try_from(examined_at.saturating_sub(buffer.start().offset())).expect("small").max(consumed);
            let examined = floor + usize::from(e) % (len - floor + 1);
            examined_at = buffer.start().offset() + examined as u64;
            delivered.extend(buffer.slice(0, consumed).expect("consumed in range").to_vec());
            if result.is_completed() && len == 0 {
                done = true;
            }
            let (cp, ep) = (buffer.get_position(consumed).expect("c"), buffer.get_position(examined).expect("e"));
            reader.advance_to(cp, ep).expect("advance_to");
            unexamined_left = examined < len;
            if done {
                break;
            }
        }
        prop_assert!(done, "the pipe did not drain in 20,000 steps (deadlock?)");
        prop_assert_eq!(delivered, written);
    }
}
