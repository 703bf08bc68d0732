//! The one-shot `transfer` waits (`poll`) for a non-blocking destination to
//! take the bytes it already took from the source (`docs/splice.md`, the
//! `EAGAIN` row). When that wait itself fails, the error names the wait
//! (`Op::Wait`), its errno, the bytes delivered and the bytes still held —
//! it must neither be swallowed nor turn into a busy retry.
//!
//! The only failure `poll` gives for a valid descriptor on demand is `EINVAL`
//! for more descriptors than `RLIMIT_NOFILE` allows, and that limit is the
//! whole process's: so the case runs in a child (this test binary, re-run
//! with one test selected), like `splice_sigpipe.rs`, and stays out of
//! `every_test`. The parent gives the child a generous deadline only so that
//! a transfer that never returns fails the test instead of hanging it.
#![cfg(all(feature = "splice", target_os = "linux", not(loom), not(miri)))]

mod splice_common;

use std::io::{self, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pipe_core::splice::{transfer_with, Op, TransferOptions};
use splice_common::*;

const CHILD: &str = "PIPE_CORE_SPLICE_WAIT_FAILURE_CHILD";

/// Sets the soft `RLIMIT_NOFILE` and returns the previous one.
fn set_nofile_limit(soft: libc::rlim_t) -> libc::rlimit {
    let mut old = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `old` is a valid, writable `rlimit`.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut old) }, 0, "getrlimit(RLIMIT_NOFILE)");
    let new = libc::rlimit { rlim_cur: soft, rlim_max: old.rlim_max };
    // SAFETY: `new` is a valid `rlimit`; lowering the soft limit needs no privilege.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) }, 0, "setrlimit(RLIMIT_NOFILE, {soft})");
    old
}

/// The child: a copy-path transfer into a full non-blocking unix socket,
/// with `poll` made to fail.
fn child_body() {
    let (src_read, mut src_write) = pipe();
    src_write.write_all(&data(1000)).expect("fill the source");
    let (dst, _peer) = unix_pair();
    dst.set_nonblocking(true).expect("nonblocking destination");
    let chunk = data(65_536);
    loop {
        match (&dst).write(&chunk) {
            Ok(_) => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("filling the destination: {e}"),
        }
    }
    // The transfer reads the 1000 bytes, the full destination takes none
    // (EAGAIN with bytes held), and the wait for it is a `poll` of one
    // descriptor, above a limit of 0: EINVAL.
    let old = set_nofile_limit(0);
    let result = transfer_with(&src_read, &dst, 1000, &TransferOptions::copy_only());
    set_nofile_limit(old.rlim_cur);
    let error = result.expect_err("the wait for the destination fails");
    println!(
        "outcome=op={:?} errno={:?} delivered={} held={}",
        error.op(),
        error.raw_os_error(),
        error.report().bytes,
        error.held()
    );
    assert_eq!(error.op(), Op::Wait, "{error}");
}

#[test]
fn wait_failure_child() {
    // Does nothing unless started by the test below.
    if std::env::var_os(CHILD).is_some() {
        child_body();
    }
}

#[test]
fn a_failing_wait_for_the_destination_is_an_error_naming_the_wait_and_the_held_bytes() {
    let exe = std::env::current_exe().expect("current_exe");
    let mut child = Command::new(exe)
        .args(["--exact", "wait_failure_child", "--nocapture", "--test-threads", "1"])
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn child");
    // Not a speed bound: the child needs milliseconds; the deadline only
    // keeps a transfer that never returns from hanging the suite.
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("transfer_with did not return after its wait failed: it kept retrying the full destination");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("child output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let outcome = stdout.lines().find_map(|line| line.split_once("outcome=").map(|(_, rest)| rest.trim()));
    assert!(output.status.success(), "child failed: {stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        outcome,
        Some(format!("op=Wait errno=Some({}) delivered=0 held=1000", libc::EINVAL).as_str()),
        "the failed poll is returned with its errno, nothing delivered and the 1000 bytes still held"
    );
}
