//! `pipe-bench`: see `ci/bench` and the `cli` module.

#[cfg(not(loom))]
fn main() -> std::process::ExitCode {
    pipe_bench::cli::main()
}

// Under the model checkers (`--cfg loom` reaches every workspace member)
// there is nothing to benchmark.
#[cfg(loom)]
fn main() {}
