//! EPIPE without SIGPIPE: splicing (and writing) into a reader-less pipe or a
//! socket shut for writing raises SIGPIPE, which under the default
//! disposition kills the process. Each case runs in a child process (this
//! test binary, re-run with one test selected) that first restores SIGPIPE's
//! default disposition — Rust's runtime ignores it, a library must not rely
//! on that — and must exit normally with `BrokenPipe`, on the splice path and
//! on the copy path alike. A control child proves the disposition really
//! kills: a plain `write` into a reader-less pipe dies by SIGPIPE.
#![cfg(all(feature = "splice", target_os = "linux", not(loom), not(miri)))]

mod splice_common;

use std::io::Write;
use std::net::Shutdown;
use std::os::fd::AsRawFd;
use std::os::unix::process::ExitStatusExt;
use std::process::Command;

use pipe_core::splice::{transfer_with, write_sequence, TransferOptions};
use pipe_core::Sequence;
use splice_common::*;

const CHILD: &str = "PIPE_CORE_SPLICE_SIGPIPE_CHILD";

/// Restores SIG_DFL for SIGPIPE and checks it took.
fn default_sigpipe() {
    // SAFETY: setting a signal's disposition to SIG_DFL installs no handler.
    let previous = unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    assert_ne!(previous, libc::SIG_ERR, "signal(SIGPIPE, SIG_DFL)");
    // SAFETY: a null `act` only queries; `old` is a valid out-pointer.
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut old) };
    assert_eq!(rc, 0);
    assert_eq!(old.sa_sigaction, libc::SIG_DFL, "SIGPIPE has the default disposition");
}

/// After a call: no SIGPIPE left pending, and SIGPIPE not left blocked.
fn assert_signal_state_restored() {
    // SAFETY: valid out-pointers; a null `set` only queries the mask.
    unsafe {
        let mut pending: libc::sigset_t = std::mem::zeroed();
        assert_eq!(libc::sigpending(&mut pending), 0);
        assert_eq!(libc::sigismember(&pending, libc::SIGPIPE), 0, "a SIGPIPE was left pending");
        let mut mask: libc::sigset_t = std::mem::zeroed();
        assert_eq!(libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut mask), 0);
        assert_eq!(libc::sigismember(&mask, libc::SIGPIPE), 0, "SIGPIPE was left blocked");
    }
}

/// What a child does, by the mode its parent passes.
fn child_body(mode: &str) {
    default_sigpipe();
    let (path, case) = mode.split_once(':').expect("mode is path:case");
    let options = if path == "splice" { TransferOptions::with_files() } else { TransferOptions::copy_only() };
    let outcome = match case {
        "pipe" => {
            // pipe → reader-less pipe: splice(2) directly.
            let (src_read, mut src_write) = pipe();
            src_write.write_all(&data(10_000)).expect("fill source");
            let (dst_read, dst_write) = pipe();
            drop(dst_read);
            transfer_with(&src_read, &dst_write, 10_000, &options)
        }
        "unix" => {
            // unix → unix whose peer is gone: through the intermediate pipe.
            let (mut src_in, src_out) = unix_pair();
            src_in.write_all(&data(10_000)).expect("fill source");
            let (dst, peer) = unix_pair();
            drop(peer);
            transfer_with(&src_out, &dst, 10_000, &options)
        }
        "tcp" => {
            // pipe → TCP socket shut for writing.
            let (src_read, mut src_write) = pipe();
            src_write.write_all(&data(10_000)).expect("fill source");
            let (client, _server) = tcp_pair();
            client.shutdown(Shutdown::Write).expect("shutdown");
            transfer_with(&src_read, &client, 10_000, &options)
        }
        "writev" => {
            // The bridge's vectored write into a reader-less pipe.
            let (read, write) = pipe();
            drop(read);
            let chunks: [&[u8]; 2] = [b"hello ", b"world"];
            let result = write_sequence(&write, &Sequence::from_slices(&chunks));
            let kind = result.expect_err("no reader").kind();
            assert_signal_state_restored();
            println!("outcome={kind:?}");
            return;
        }
        "control" => {
            let (read, write) = pipe();
            drop(read);
            // SAFETY: a plain write of a valid buffer to a descriptor we own.
            let _ = unsafe { libc::write(write.as_raw_fd(), b"x".as_ptr().cast(), 1) };
            println!("outcome=survived");
            return;
        }
        other => panic!("unknown case {other}"),
    };
    let error = outcome.expect_err("the destination has no reader");
    assert_eq!(error.report().bytes, 0, "{error}");
    if path == "splice" {
        use pipe_core::splice::Op;
        assert!(matches!(error.op(), Op::SpliceDirect | Op::SpliceOut), "the splice call failed: {error}");
    }
    assert_signal_state_restored();
    println!("outcome={:?}", error.kind());
}

#[test]
fn sigpipe_child() {
    // Does nothing unless started by `run_child`.
    if let Ok(mode) = std::env::var(CHILD) {
        child_body(&mode);
    }
}

fn run_child(mode: &str) -> (std::process::ExitStatus, String) {
    let exe = std::env::current_exe().expect("current_exe");
    let output = Command::new(exe)
        .args(["--exact", "sigpipe_child", "--nocapture", "--test-threads", "1"])
        .env(CHILD, mode)
        .output()
        .expect("spawn child");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let outcome = stdout
        .lines()
        .find_map(|line| line.split_once("outcome=").map(|(_, rest)| rest.trim()))
        .map(str::to_owned)
        .unwrap_or_else(|| format!("no outcome; stderr: {}", String::from_utf8_lossy(&output.stderr)));
    (output.status, outcome)
}

fn both_paths_survive(case: &str) {
    let mut outcomes = Vec::new();
    for path in ["splice", "copy"] {
        let (status, outcome) = run_child(&format!("{path}:{case}"));
        assert_eq!(status.signal(), None, "{path}:{case}: the child was killed by signal {:?}", status.signal());
        assert!(status.success(), "{path}:{case}: child failed: {outcome}");
        outcomes.push(outcome);
    }
    assert_eq!(outcomes[0], outcomes[1], "{case}: error classes differ (splice vs copy)");
    assert_eq!(outcomes[0], "BrokenPipe", "{case}");
}

#[test]
fn the_control_child_dies_by_sigpipe_under_the_default_disposition() {
    let (status, outcome) = run_child("copy:control");
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "control: {outcome}");
}

#[test]
fn splice_into_a_readerless_pipe_is_epipe_not_a_kill() {
    both_paths_survive("pipe");
}

#[test]
fn splice_into_a_closed_unix_socket_through_the_intermediate_pipe_is_epipe_not_a_kill() {
    both_paths_survive("unix");
}

#[test]
fn splice_into_a_tcp_socket_shut_for_writing_is_epipe_not_a_kill() {
    both_paths_survive("tcp");
}

#[test]
fn a_vectored_write_into_a_readerless_pipe_is_epipe_not_a_kill() {
    let (status, outcome) = run_child("copy:writev");
    assert!(status.success(), "writev: {status:?} {outcome}");
    assert_eq!(outcome, "BrokenPipe");
}
