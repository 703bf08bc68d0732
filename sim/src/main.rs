//! `sim`: run, replay and shrink simulated histories of `pipe-core`.
//!
//! ```text
//! sim --seeds N [--start S] [--keep-going]   campaign with progress and a summary table
//! sim --seed S                               one seed: configuration and outcome
//! sim --replay S --trace                     one seed with the full step-by-step history
//! sim --seed S --shrink                      reduce a failing seed and print the result
//! sim --tape 1,2,3 [--trace]                 replay a (shrunk) tape
//! sim --bug NAME ...                         activate a seeded bug (needs RUSTFLAGS="--cfg pipe_core_bug")
//! ```

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use sim::config::Scenario;
use sim::shrink::{format_tape, parse_tape, shrink};
use sim::{determinism_check, run, CoverageCounts, RunReport, Source};

#[derive(Default)]
struct Args {
    seeds: Option<u64>,
    start: u64,
    seed: Option<u64>,
    tape: Option<Vec<u64>>,
    trace: bool,
    shrink: bool,
    keep_going: bool,
    bug: Option<String>,
}

fn parse() -> Result<Args, String> {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    let number = |v: Option<String>, flag: &str| -> Result<u64, String> {
        v.and_then(|v| v.parse().ok()).ok_or_else(|| format!("{flag} needs a number"))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--seeds" => args.seeds = Some(number(it.next(), "--seeds")?),
            "--start" => args.start = number(it.next(), "--start")?,
            "--seed" | "--replay" => args.seed = Some(number(it.next(), &arg)?),
            "--tape" => args.tape = Some(it.next().and_then(|t| parse_tape(&t)).ok_or("--tape needs a list")?),
            "--trace" => args.trace = true,
            "--shrink" => args.shrink = true,
            "--keep-going" => args.keep_going = true,
            "--bug" => args.bug = Some(it.next().ok_or("--bug needs a name")?),
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn replay_command(seed: u64, bug: Option<&str>) -> String {
    match bug {
        Some(bug) => {
            format!("RUSTFLAGS=\"--cfg pipe_core_bug\" cargo run -p sim --release --target-dir target/bugs -- --replay {seed} --trace --bug {bug}")
        }
        None => format!("cargo run -p sim --release -- --replay {seed} --trace"),
    }
}

fn print_failure(seed: u64, report: &RunReport, bug: Option<&str>) {
    if let Some(f) = &report.failure {
        println!("FAILED seed {seed} at step {}: {}: {}", f.step, f.kind, f.message);
        println!("  config: {}", report.config);
        println!("  replay: {}", replay_command(seed, bug));
        println!("  shrink: {}", replay_command(seed, bug).replace("--trace", "--shrink"));
    }
}

fn print_shrunk(report: RunReport, bug: Option<&str>) {
    let steps = report.steps;
    let shrunk = shrink(report, 4000);
    let r = &shrunk.report;
    println!("shrunk in {} runs: {} -> {} steps, {} ops, {} bytes", shrunk.attempts, steps, r.steps, r.ops, r.bytes);
    if let Some(trace) = &r.trace {
        print!("{trace}");
    }
    let flags = if bug.is_some() { "RUSTFLAGS=\"--cfg pipe_core_bug\" " } else { "" };
    let target_dir = if bug.is_some() { " --target-dir target/bugs" } else { "" };
    let bug = bug.map(|b| format!(" --bug {b}")).unwrap_or_default();
    println!(
        "replay the shrunk history: {flags}cargo run -p sim --release{target_dir} -- --trace{bug} --tape {}",
        format_tape(&r.tape)
    );
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            eprintln!("usage: sim [--seeds N [--start S] [--keep-going]] [--seed S | --replay S] [--tape LIST] [--trace] [--shrink] [--bug NAME]");
            return ExitCode::from(2);
        }
    };
    let bug = args.bug.as_deref();
    if let Some(name) = bug {
        #[cfg(pipe_core_bug)]
        if !sim::activate_bug(Some(name)) {
            eprintln!("unknown seeded bug {name}");
            return ExitCode::from(2);
        }
        #[cfg(not(pipe_core_bug))]
        {
            eprintln!("--bug {name} needs a build with RUSTFLAGS=\"--cfg pipe_core_bug\"");
            return ExitCode::from(2);
        }
    } else {
        #[cfg(pipe_core_bug)]
        sim::activate_bug(None);
    }

    if let Some(tape) = args.tape {
        let report = run(Source::Tape(tape), args.trace);
        return single(None, report, args.shrink, bug);
    }
    if let Some(seed) = args.seed {
        let report = run(Source::Seed(seed), args.trace);
        return single(Some(seed), report, args.shrink, bug);
    }
    campaign(args.start, args.seeds.unwrap_or(10_000), args.keep_going, bug)
}

fn single(seed: Option<u64>, report: RunReport, shrink_it: bool, bug: Option<&str>) -> ExitCode {
    if let Some(trace) = &report.trace {
        print!("{trace}");
    }
    println!("config: {}", report.config);
    println!("steps {}, ops {}, bytes {}, history hash {:016x}", report.steps, report.ops, report.bytes, report.hash);
    if report.failure.is_none() {
        println!("ok");
        return ExitCode::SUCCESS;
    }
    match seed {
        Some(seed) => print_failure(seed, &report, bug),
        None => {
            if let Some(f) = &report.failure {
                println!("FAILED at step {}: {}: {}", f.step, f.kind, f.message);
            }
        }
    }
    if shrink_it {
        print_shrunk(report, bug);
    }
    ExitCode::FAILURE
}

fn campaign(start: u64, count: u64, keep_going: bool, bug: Option<&str>) -> ExitCode {
    let (a, b) = determinism_check(start);
    if a != b {
        println!("determinism self-check FAILED: seed {start} gave history hashes {a:016x} and {b:016x}");
        return ExitCode::FAILURE;
    }
    println!("determinism self-check: seed {start} twice -> {a:016x} both times");
    let began = Instant::now();
    let mut last_print = Instant::now();
    let mut coverage = CoverageCounts::default();
    let mut failures = 0u64;
    let mut first_failure = None;
    let (mut steps, mut ops) = (0u64, 0u64);
    // Seeds and failures per scenario: single, tee, fan-in.
    let mut by_scenario = [(0u64, 0u64); 3];
    let mut done = 0;
    for seed in start..start + count {
        let report = run(Source::Seed(seed), false);
        done += 1;
        steps += report.steps as u64;
        ops += report.ops as u64;
        coverage.add(report.coverage);
        let slot = &mut by_scenario[match report.config.scenario {
            Scenario::Single => 0,
            Scenario::Tee => 1,
            Scenario::FanIn => 2,
        }];
        slot.0 += 1;
        slot.1 += u64::from(report.failure.is_some());
        if report.failure.is_some() {
            failures += 1;
            eprintln!();
            print_failure(seed, &report, bug);
            if first_failure.is_none() {
                first_failure = Some(seed);
            }
            if !keep_going {
                break;
            }
        }
        if last_print.elapsed().as_millis() >= 250 || done == count {
            last_print = Instant::now();
            let rate = done as f64 / began.elapsed().as_secs_f64().max(1e-9);
            let width = 30;
            let filled = (done * width / count.max(1)) as usize;
            eprint!(
                "\r[{}{}] {done}/{count} seeds  {rate:.0} seeds/s  {failures} failures ",
                "#".repeat(filled),
                ".".repeat(width as usize - filled)
            );
            let _ = std::io::stderr().flush();
        }
    }
    eprintln!();
    let secs = began.elapsed().as_secs_f64();
    println!();
    println!("seeds      {done} ({start}..{})", start + done);
    println!("failures   {failures}");
    println!("time       {secs:.2} s  ({:.0} seeds/s, {:.0} steps/s)", done as f64 / secs, steps as f64 / secs);
    println!("steps      {steps}  ops {ops}");
    let [single, tee, fan_in] = by_scenario;
    println!(
        "scenarios  single {} ({} failed), tee {} ({} failed), fan-in {} ({} failed)",
        single.0, single.1, tee.0, tee.1, fan_in.0, fan_in.1
    );
    println!();
    println!("{:<32} {:>10}", "coverage mark", "seeds");
    for (mark, n) in coverage.iter() {
        println!("{:<32} {:>10}{}", mark.name(), n, if n == 0 { "   <- never reached" } else { "" });
    }
    let missing = coverage.missing();
    if let Some(seed) = first_failure {
        println!();
        println!("first failing seed: {seed} (after {} seeds)", seed - start + 1);
        return ExitCode::FAILURE;
    }
    if !missing.is_empty() && done == count {
        println!("coverage goals missed: {}", missing.iter().map(|m| m.name()).collect::<Vec<_>>().join(", "));
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
