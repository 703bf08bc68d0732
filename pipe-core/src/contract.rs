//! The contract: every rule the pipe keeps, with the ids (O1 … C2) that the
//! rest of these docs, the tests and the checkers cite. Each rule id is an
//! anchor here (`contract#R9`).
//!
//! This is the crate's copy of the repository's `docs/semantics.md`; a test
//! (`contract_copy`) keeps the two identical.
#![doc = include_str!("../docs/semantics.md")]
