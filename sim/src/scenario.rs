//! The scenarios: one pipe (a writer and a reader), a tee or a fan-in,
//! built from a seed's configuration and run by one step loop. The single
//! pipe is the one-pipe topology; each scenario adds its end-of-run checks.

use std::fmt::Write as _;

use models::driver::Driver;
use models::reference::Model;
use pipe_core::{pipe, PipeOptions};

use crate::config::{Config, Scenario};
use crate::coverage::Mark;
use crate::pool::TestPool;
use crate::report::{Failure, RunReport};
use crate::rng::Rng;
use crate::sched::{drive, Check, Core, Tasks};
use crate::tasks::{Reader, Relay, Sink, Task};
use crate::world::{Pipe, World};

/// Where a run's draws come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A seed (SplitMix64).
    Seed(u64),
    /// A recorded (possibly shrunk) tape.
    Tape(Vec<u64>),
}

/// Runs one simulation.
pub fn run(source: Source, trace: bool) -> RunReport {
    let mut rng = match source {
        Source::Seed(seed) => Rng::from_seed(seed),
        Source::Tape(tape) => Rng::from_tape(tape),
    };
    let cfg = Config::draw(&mut rng);
    let pipe_cfgs = cfg.draw_pipes(&mut rng);
    let mut trace = trace.then(String::new);
    if let Some(t) = trace.as_mut() {
        let _ = writeln!(t, "config: {cfg}");
        if pipe_cfgs.len() > 1 {
            for (i, p) in pipe_cfgs.iter().enumerate() {
                let _ = writeln!(t, "pipe {i}: {p}");
            }
        }
    }
    let single = cfg.scenario == Scenario::Single;
    let fan_in = cfg.scenario == Scenario::FanIn;
    let mut pipes = Vec::new();
    let mut failure = None;
    for (i, pc) in pipe_cfgs.iter().enumerate() {
        let pool = TestPool::new(pc.pool, rng.next_u64());
        let counts = pool.counts();
        let options = PipeOptions::new()
            .pause_writer_threshold(pc.pause)
            .resume_writer_threshold(pc.resume)
            .minimum_segment_size(pc.min_segment)
            .pool(pool);
        match pipe(options) {
            Ok(halves) => {
                let name = if single { String::new() } else { format!("pipe {i}: ") };
                let mut driver =
                    Driver::new(halves, Model::new(pc.pause, pc.resume, pc.min_segment)).named(name.clone());
                // The fan-in output carries the relay's interleaving, not
                // the pattern.
                if fan_in && i == 2 {
                    driver = driver.not_pattern();
                }
                pipes.push(Pipe { cfg: *pc, driver, name, pool: counts });
            }
            Err(error) => {
                failure =
                    Some(Failure { step: 0, kind: "options", message: format!("valid options refused: {error}") });
            }
        }
    }
    let tasks = match cfg.scenario {
        Scenario::Single => vec![Task::writer(0), Task::Reader(Reader::new(0))],
        Scenario::Tee => {
            vec![
                Task::source(0),
                Task::Relay(Relay::new(vec![0], vec![1, 2])),
                Task::Sink(Sink::new(1)),
                Task::Sink(Sink::new(2)),
            ]
        }
        Scenario::FanIn => {
            vec![
                Task::source(0),
                Task::source(1),
                Task::Relay(Relay::new(vec![0, 1], vec![2])),
                Task::Sink(Sink::new(2)),
            ]
        }
    };
    let core = Core::new(&cfg, rng, tasks.len(), trace);
    let mut run = Run { world: World { cfg, core, pipes, cut: false, waits: Vec::new() }, tasks };
    if failure.is_none() {
        failure = drive(&mut run).err();
    }
    let World { cfg, core, pipes, .. } = run.world;
    let bytes = pipes.iter().map(|p| p.driver.model.flushed_end() + p.driver.model.unflushed()).sum();
    let ops = pipes.iter().map(|p| p.driver.ops).sum();
    core.report(cfg, failure, ops, bytes)
}

/// A scenario under way: the world and its tasks.
struct Run {
    world: World,
    tasks: Vec<Task>,
}

impl Run {
    /// Snapshots what every task waits for, `(task, pipe, event)`, for the
    /// tasks', the faults' and the liveness check's view.
    fn snapshot_waits(&mut self) {
        let waits = &mut self.world.waits;
        waits.clear();
        for (t, task) in self.tasks.iter().enumerate() {
            task.waits(t, waits);
        }
    }

    /// Tee: each sink received a prefix of the source's stream, all of it
    /// unless a completion cut the chain.
    fn tee_end_to_end(&mut self) -> Check {
        let w = &mut self.world;
        let source = &w.pipes[0].driver.log;
        for task in &self.tasks[2..] {
            let Task::Sink(sink) = task else { continue };
            if !source.starts_with(&sink.received) {
                let message = format!("tee: the reader of pipe {} got bytes the source never wrote", sink.pipe);
                return w.core.err("end-to-end", message);
            }
            if !w.cut && sink.received.len() != source.len() {
                let message = format!(
                    "tee: the reader of pipe {} got {} of the source's {} bytes",
                    sink.pipe,
                    sink.received.len(),
                    source.len()
                );
                return w.core.err("end-to-end", message);
            }
        }
        if !w.cut {
            w.core.coverage.hit(Mark::TeeEndToEnd);
        }
        Ok(())
    }

    /// Fan-in: the output's reader got a prefix of the relay's output, and
    /// splitting it by source gives a prefix of each source's stream (all
    /// of it, every byte once, when nothing cut the chain).
    fn fan_in_end_to_end(&mut self) -> Check {
        let w = &mut self.world;
        let (Task::Relay(relay), Task::Sink(sink)) = (&self.tasks[2], &self.tasks[3]) else { return Ok(()) };
        let output = &w.pipes[2].driver.log;
        if !output.starts_with(&sink.received) {
            return w.core.err("end-to-end", "fan-in: the reader's bytes are not the relay's output".into());
        }
        let mut split = [Vec::new(), Vec::new()];
        let mut at = 0;
        for &(src, len) in &relay.record {
            split[src].extend_from_slice(output.get(at..at + len).unwrap_or(&[]));
            at += len;
        }
        let mut whole = !w.cut;
        for (s, bytes) in split.iter().enumerate() {
            if !w.pipes[s].driver.log.starts_with(bytes) {
                return w.core.err("end-to-end", format!("fan-in: the relay's record of source {s} is not its stream"));
            }
            whole &= bytes.len() == w.pipes[s].driver.log.len();
        }
        whole &= at == output.len() && sink.received.len() == output.len();
        if whole {
            w.core.coverage.hit(Mark::FanInEndToEnd);
        }
        if !w.cut && !whole {
            return w.core.err("end-to-end", "fan-in: a byte of a source never reached the reader".into());
        }
        Ok(())
    }
}

impl Tasks for Run {
    fn core(&mut self) -> &mut Core {
        &mut self.world.core
    }

    fn count(&self) -> usize {
        self.tasks.len()
    }

    fn all_gone(&self) -> bool {
        self.tasks.iter().all(Task::gone)
    }

    fn runnable(&self, task: usize) -> bool {
        let t = &self.tasks[task];
        !t.gone() && (!t.waiting() || self.world.core.woken[task])
    }

    fn chaos(&mut self) -> Check {
        self.snapshot_waits();
        self.world.chaos(self.tasks.len())
    }

    fn task_step(&mut self, task: usize) -> Check {
        self.snapshot_waits();
        self.tasks[task].step(task, &mut self.world)
    }

    fn check_state(&mut self) -> Check {
        self.world.check_pipes()
    }

    fn check_liveness(&mut self) -> Check {
        self.snapshot_waits();
        self.world.check_liveness(|| self.describe())
    }

    /// End of run: every half gone, every segment back (M3), and the
    /// scenario's end-to-end checks.
    fn finish(&mut self) -> Check {
        self.world.check_pools()?;
        match self.world.cfg.scenario {
            Scenario::Single => {
                let counts = self.world.pipes[0].pool.lock().map(|c| *c).unwrap_or_default();
                self.world.core.ev("end", counts.rents, counts.returns);
            }
            Scenario::Tee => {
                self.tee_end_to_end()?;
                self.world.core.ev("end", self.world.pipes.len() as u64, 0);
            }
            Scenario::FanIn => {
                self.fan_in_end_to_end()?;
                self.world.core.ev("end", self.world.pipes.len() as u64, 0);
            }
        }
        Ok(())
    }

    fn describe(&self) -> String {
        let mut s = String::new();
        for (i, t) in self.tasks.iter().enumerate() {
            let _ = write!(s, "task {i} {}; ", t.describe());
        }
        self.world.describe(&mut s);
        s
    }
}
