//! Runs each splice example's logic (the example files are compiled into
//! this test, so `cargo test` checks what `cargo run --example` runs).
#![cfg(all(feature = "splice", target_os = "linux", not(loom), not(miri)))]

#[allow(dead_code)]
#[path = "../examples/echo_server.rs"]
mod echo_server;
#[allow(dead_code)]
#[path = "../examples/tcp_proxy.rs"]
mod tcp_proxy;
#[allow(dead_code)]
#[path = "../examples/tee_record.rs"]
mod tee_record;

#[test]
fn echo_server_echoes_every_client_by_splice() {
    let reports = echo_server::run(3, (1 << 20) + 7).expect("echo server");
    assert_eq!(reports.len(), 3);
    for report in reports {
        assert_eq!(report.bytes, (1 << 20) + 7);
        assert_eq!(report.spliced, report.bytes, "{report:?}");
    }
}

#[test]
fn tcp_proxy_relays_both_directions_by_splice() {
    let sessions = tcp_proxy::run(2, 300_001).expect("proxy");
    for session in sessions {
        assert_eq!((session.up.bytes, session.down.bytes), (300_001, 300_001));
        assert_eq!(session.up.spliced, 300_001, "{session:?}");
        assert_eq!(session.down.spliced, 300_001, "{session:?}");
    }
}

#[test]
fn tee_record_feeds_the_client_and_the_recording() {
    let recorded = tee_record::run((1 << 20) + 7).expect("tee_record");
    assert_eq!((recorded.live, recorded.recorded), ((1 << 20) + 7, (1 << 20) + 7));
    assert!(recorded.tees > 0);
    assert_eq!(recorded.spliced, 3 * ((1 << 20) + 7), "camera in, client out, recording out: {recorded:?}");
}
