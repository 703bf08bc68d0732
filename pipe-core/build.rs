//! Shows rustdoc the `loom` cfg.
//!
//! `RUSTFLAGS="--cfg loom"` reaches rustc but not rustdoc, so doctests would
//! be built without the cfg against a library built with it, and the
//! library's loom types panic outside a loom model. Cargo passes a build
//! script's cfgs to rustdoc too, so under loom the doctests see `loom` and
//! the examples that build a pipe compile out (`#[cfg(not(loom))]`), which
//! makes `RUSTFLAGS="--cfg loom" cargo test` work as typed.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CARGO_CFG_LOOM");
    if std::env::var_os("CARGO_CFG_LOOM").is_some() {
        println!("cargo:rustc-cfg=loom");
    }
}
