//! The crate renders the contract from its own copy,
//! `pipe-core/docs/semantics.md`; in the repository that copy must equal
//! `docs/semantics.md` (the packaged crate has only its copy, and skips).
#![cfg(not(loom))]

use std::path::PathBuf;

/// The crate's directory as cargo reports it when it runs the test (a
/// binary built for a copy of the crate elsewhere still looks here).
fn crate_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

#[test]
fn the_crates_copy_of_the_contract_equals_the_repositorys() {
    let crate_dir = crate_dir();
    let ours = std::fs::read_to_string(crate_dir.join("docs/semantics.md")).expect("the crate's copy");
    let Ok(repository) = std::fs::read_to_string(crate_dir.join("../docs/semantics.md")) else {
        return; // the packaged crate stands alone
    };
    assert!(ours == repository, "pipe-core/docs/semantics.md differs from docs/semantics.md: copy it over");
    for id in ["O1", "W7", "R9", "R13", "S4", "M3", "C2"] {
        assert!(ours.contains(&format!("<a id=\"{id}\"></a>")), "rule {id} has no anchor for rustdoc links");
    }
}

/// The repository's README shows the crate README's examples; only the
/// crate's copy runs as doctests, so each Rust block of the repository's
/// must appear in it verbatim.
#[test]
fn the_repository_readme_shows_only_examples_that_the_crate_readme_tests() {
    let crate_dir = crate_dir();
    let ours = std::fs::read_to_string(crate_dir.join("README.md")).expect("the crate's README");
    let Ok(repository) = std::fs::read_to_string(crate_dir.join("../README.md")) else {
        return; // the packaged crate stands alone
    };
    let blocks: Vec<&str> = repository.split("```rust\n").skip(1).filter_map(|rest| rest.split("```").next()).collect();
    assert!(!blocks.is_empty(), "the repository README has Rust examples");
    for block in blocks {
        assert!(ours.contains(block), "README.md shows an example that pipe-core/README.md lacks:\n{block}");
    }
}
