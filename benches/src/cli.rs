//! The command line: `run` measures everything and writes the docs; the
//! `child` commands are what `run` starts in processes of their own.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::machine::{load_average, Machine};
use crate::measure::{run_all, Config, Results};
use crate::memory::{self, MemoryRun};
use crate::systems::{run_stream, spawn, NoProbe, Outcome, System};
use crate::{pingpong, profile, report, svg};

const USAGE: &str = "usage:
  pipe-bench run [--quick | --full] [--docs DIR] [--work DIR] [--no-profile]
      measure every workload and system, profile where pipe-core loses,
      write DIR/PERFORMANCE.md and DIR/perf/*.svg, and the splice table into
      DIR/splice.md between its markers (DIR defaults to docs)
  pipe-bench child memory (quick|full) SYSTEM
  pipe-bench child profile (quick|full) TABLE SYSTEM";

/// Entry point of the `pipe-bench` binary.
pub fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("child") => child(&args[1..]),
        _ => Err(USAGE.to_string()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pipe-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn config_named(name: &str) -> Outcome<Config> {
    Config::named(name).ok_or_else(|| format!("unknown profile `{name}` (quick or full)"))
}

fn system_named(id: &str) -> Outcome<System> {
    System::from_id(id).ok_or_else(|| format!("unknown system `{id}`"))
}

fn run(args: &[String]) -> Outcome<()> {
    let mut config = Config::quick();
    let mut docs = PathBuf::from("docs");
    let mut work = PathBuf::from("target/bench");
    let mut profiling = true;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--quick" => config = Config::quick(),
            "--full" => config = Config::full(),
            "--no-profile" => profiling = false,
            "--docs" | "--work" => {
                let value = args.get(i + 1).ok_or_else(|| format!("{} needs a directory", args[i]))?;
                if args[i] == "--docs" {
                    docs = PathBuf::from(value);
                } else {
                    work = PathBuf::from(value);
                }
                i += 1;
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
        i += 1;
    }
    std::fs::create_dir_all(&work).map_err(|e| format!("create {}: {e}", work.display()))?;
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let machine = Machine::describe();
    eprintln!(
        "pipe-bench: --{} on {} ({} cores), load {}",
        config.name, machine.cpu, machine.cores, machine.load_before
    );

    let mut results = run_all(&config, |system| memory_child(&exe, config.name, system))?;
    let load_after = load_average();

    let profile_started = Instant::now();
    results.losses = profile::losses(&results);
    if !profiling {
        results.profile_skipped = Some("the run was started with `--no-profile`".to_string());
    } else if let Some(why) = profile::unavailable(&work) {
        results.profile_skipped = Some(why);
    } else {
        for (table, system) in profile::cases(&results.losses, config.profile_cases) {
            eprintln!("  profiling {} on {table}", system.short());
            results.profiles.push(profile::run(&exe, &work, config.name, &table, system));
        }
    }
    let profile_seconds = profile_started.elapsed().as_secs_f64();
    write_docs(&docs, &results, &machine, &load_after, profile_seconds)?;
    let goals = report::goals(&results);
    eprintln!(
        "pipe-bench: wrote {}/PERFORMANCE.md{}, {}/perf/*.svg; {} of {} goals met",
        docs.display(),
        if results.splice.is_empty() { String::new() } else { format!(", {}/splice.md", docs.display()) },
        docs.display(),
        goals.iter().filter(|g| g.met).count(),
        goals.len()
    );
    Ok(())
}

fn write_docs(
    docs: &Path,
    results: &Results,
    machine: &Machine,
    load_after: &str,
    profile_seconds: f64,
) -> Outcome<()> {
    // The splice block goes into a page written by hand around it: check
    // its markers before anything is written, so a missing marker leaves
    // every page as it was.
    let splice_page = docs.join("splice.md");
    let splice_text = if results.splice.is_empty() {
        None
    } else {
        let page = std::fs::read_to_string(&splice_page).map_err(|e| format!("read {}: {e}", splice_page.display()))?;
        let block = report::splice_block(results, machine);
        Some(report::replace_splice_block(&page, &block).ok_or_else(|| {
            format!(
                "{} needs one `{}` and one `{}` line, in that order",
                splice_page.display(),
                report::SPLICE_BEGIN,
                report::SPLICE_END
            )
        })?)
    };
    let plots = docs.join("perf");
    std::fs::create_dir_all(&plots).map_err(|e| format!("create {}: {e}", plots.display()))?;
    let write =
        |path: PathBuf, text: String| std::fs::write(&path, text).map_err(|e| format!("write {}: {e}", path.display()));
    write(docs.join("PERFORMANCE.md"), report::render(results, machine, load_after, profile_seconds))?;
    write(plots.join("throughput.svg"), svg::throughput(results))?;
    write(plots.join("pingpong.svg"), svg::pingpong(results))?;
    write(plots.join("memory.svg"), svg::memory(&results.memory, report::m2_bound(256)))?;
    if let Some(text) = splice_text {
        write(
            plots.join("splice.svg"),
            svg::splice(&results.splice, report::SPLICE_GOAL_FROM, report::SPLICE_GOAL_RATIO),
        )?;
        write(splice_page, text)?;
    }
    Ok(())
}

fn memory_child(exe: &Path, config: &str, system: System) -> Outcome<MemoryRun> {
    let output = Command::new(exe)
        .args(["child", "memory", config, system.id()])
        .output()
        .map_err(|e| format!("start the memory child: {e}"))?;
    if !output.status.success() {
        return Err(format!("memory child for {}: {}", system.label(), String::from_utf8_lossy(&output.stderr).trim()));
    }
    MemoryRun::decode(&String::from_utf8_lossy(&output.stdout))
}

fn child(args: &[String]) -> Outcome<()> {
    match args {
        [kind, config, system] if kind == "memory" => {
            let config = config_named(config)?;
            let system = system_named(system)?;
            let plan = Arc::new(config.memory_plan());
            let run = memory::run_here(system, &plan, config.stall_every, config.stall)?;
            print!("{}", run.encode());
            Ok(())
        }
        [kind, config, table, system] if kind == "profile" => {
            let config = config_named(config)?;
            let system = system_named(system)?;
            profile_child(&config, table, system)
        }
        _ => Err(USAGE.to_string()),
    }
}

/// Runs one case over and over for the profile's duration, on a thread
/// named `bench` (the main thread only builds the plan, and is left out of the report).
fn profile_child(config: &Config, table: &str, system: System) -> Outcome<()> {
    let seconds = Duration::from_secs_f64(config.profile_seconds);
    if table == "pingpong" {
        let samples = config.ping_samples;
        let handle = spawn("bench", move || -> Outcome<()> {
            let started = Instant::now();
            while started.elapsed() < seconds {
                pingpong::run(system, 0, samples)?;
            }
            Ok(())
        });
        return handle.join().map_err(|_| "the profiled thread panicked".to_string())?;
    }
    let plan = Arc::new(config.plan(table).ok_or_else(|| format!("unknown table `{table}`"))?);
    let handle = spawn("bench", move || -> Outcome<()> {
        let started = Instant::now();
        while started.elapsed() < seconds {
            run_stream(system, &plan, &Arc::new(NoProbe))?;
        }
        Ok(())
    });
    handle.join().map_err(|_| "the profiled thread panicked".to_string())?
}
