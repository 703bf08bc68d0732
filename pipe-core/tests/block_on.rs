//! `block_on`, the executor under the blocking API (C1): it returns when the
//! future is ready, whichever way and whenever the future's waker is woken,
//! and a stray unpark of the thread does not end a wait early.
#![cfg(not(loom))]

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use common::*;
use pipe_core::block_on;

const LIMIT: Duration = Duration::from_secs(20);

/// How a [`WokenLater`] future's waker is woken.
#[derive(Clone, Copy)]
enum Wake {
    ByValue,
    ByRef,
}

/// Pending until another thread sets its flag, `after` its first poll, and
/// wakes the waker that poll was given.
struct WokenLater {
    ready: Arc<AtomicBool>,
    started: bool,
    after: Duration,
    how: Wake,
}

impl WokenLater {
    fn new(after: Duration, how: Wake) -> Self {
        Self { ready: Arc::new(AtomicBool::new(false)), started: false, after, how }
    }
}

impl Future for WokenLater {
    type Output = &'static str;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.ready.load(Ordering::Acquire) {
            return Poll::Ready("woken");
        }
        if !self.started {
            self.started = true;
            let (ready, waker, after, how): (_, Waker, _, _) =
                (self.ready.clone(), cx.waker().clone(), self.after, self.how);
            thread::spawn(move || {
                thread::sleep(after);
                ready.store(true, Ordering::Release);
                match how {
                    Wake::ByValue => waker.wake(),
                    Wake::ByRef => waker.wake_by_ref(),
                }
            });
        }
        Poll::Pending
    }
}

#[test]
fn c1_block_on_returns_when_another_thread_wakes_by_value() {
    // Long enough that the waiting thread has stopped spinning and parked.
    let out = within(LIMIT, "a wake by value", || block_on(WokenLater::new(Duration::from_millis(50), Wake::ByValue)));
    assert_eq!(out, "woken");
}

#[test]
fn c1_block_on_returns_when_another_thread_wakes_by_reference() {
    let out =
        within(LIMIT, "a wake by reference", || block_on(WokenLater::new(Duration::from_millis(50), Wake::ByRef)));
    assert_eq!(out, "woken");
}

#[test]
fn c1_block_on_catches_a_wake_that_comes_while_it_spins() {
    // A wake at once: the waiting thread usually sees it before it parks.
    for _ in 0..100 {
        let out = within(LIMIT, "an early wake", || block_on(WokenLater::new(Duration::ZERO, Wake::ByRef)));
        assert_eq!(out, "woken");
    }
}

#[test]
fn c1_a_stray_unpark_does_not_end_the_wait_before_the_wake() {
    let out = within(LIMIT, "a stray unpark", || {
        // An unpark meant for someone else: the park it reaches returns at
        // once, and the wait must park again until the real wake.
        thread::current().unpark();
        block_on(WokenLater::new(Duration::from_millis(50), Wake::ByValue))
    });
    assert_eq!(out, "woken");
}

#[test]
fn c1_block_on_inside_a_poll_uses_its_own_waker() {
    // A future that blocks inside its poll: the inner call must not take
    // the outer call's wakes, and both must finish.
    struct Nested(Option<WokenLater>);
    impl Future for Nested {
        type Output = &'static str;
        fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
            let inner = self.0.take().expect("polled once");
            Poll::Ready(block_on(inner))
        }
    }
    let out = within(LIMIT, "a nested block_on", || {
        let first = block_on(Nested(Some(WokenLater::new(Duration::from_millis(20), Wake::ByValue))));
        // And the thread's own blocker is free again afterwards.
        let second = block_on(WokenLater::new(Duration::from_millis(20), Wake::ByValue));
        (first, second)
    });
    assert_eq!(out, ("woken", "woken"));
}
