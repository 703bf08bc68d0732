//! The crate renders the contract from its own copy,
//! `pipe-core/docs/semantics.md`; in the repository that copy must equal
//! `docs/semantics.md` (the packaged crate has only its copy, and skips).
#![cfg(not(loom))]

use std::path::Path;

#[test]
fn the_crates_copy_of_the_contract_equals_the_repositorys() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ours = std::fs::read_to_string(crate_dir.join("docs/semantics.md")).expect("the crate's copy");
    let Ok(repository) = std::fs::read_to_string(crate_dir.join("../docs/semantics.md")) else {
        return; // the packaged crate stands alone
    };
    assert!(ours == repository, "pipe-core/docs/semantics.md differs from docs/semantics.md: copy it over");
    for id in ["O1", "W7", "R9", "R13", "S4", "M3", "C2"] {
        assert!(ours.contains(&format!("<a id=\"{id}\"></a>")), "rule {id} has no anchor for rustdoc links");
    }
}
