//! Swarm configuration: each seed first draws what its run looks like.

use std::fmt;

use crate::pool::PoolMode;
use crate::rng::Rng;

/// Everything a run's seed decides before the first step.
#[derive(Debug, Clone)]
pub struct Config {
    /// Pause threshold (0 disables back pressure).
    pub pause: usize,
    /// Resume threshold.
    pub resume: usize,
    /// Minimum segment size.
    pub min_segment: usize,
    /// Steps of the fault phase; the drain phase follows.
    pub steps: usize,
    /// Largest write or `get_memory` hint.
    pub max_write: usize,
    /// How the test pool behaves.
    pub pool: PoolMode,
    /// Writer op weights: get_memory+advance, poll_flush, write, cancel own
    /// flush, complete, misuse.
    pub writer_weights: [u32; 6],
    /// Reader op weights: read, read_at_least, try_read, cancel own read,
    /// complete, misuse.
    pub reader_weights: [u32; 6],
    /// Consume/examine styles: all, partial consume + examine all, random,
    /// delimiter, nothing.
    pub consume_weights: [u32; 5],
    /// Per-mille chance, per step, that a third task cancels the pending read.
    pub cancel_read: u32,
    /// Per-mille chance, per step, that a third task cancels the pending flush.
    pub cancel_flush: u32,
    /// Per-mille chance that a wake is delayed by a few steps.
    pub delay_wake: u32,
    /// Per-mille chance that a wake is delivered twice.
    pub duplicate_wake: u32,
    /// Per-mille chance, per step, of a spurious wake.
    pub spurious_wake: u32,
    /// Per-mille chance that a waiting task drops its future (cancel at an await point).
    pub abandon: u32,
    /// Per-mille chance that a waiting task completes its half mid-operation.
    pub complete_while_waiting: u32,
    /// Per-mille chance that a completion is done by dropping the half.
    pub drop_instead: u32,
    /// Per-mille chance that a completion carries an error.
    pub complete_with_error: u32,
    /// One pipe, or several pipes joined by relay tasks.
    pub scenario: Scenario,
}

/// The options of one pipe of a tee or fan-in scenario.
#[derive(Debug, Clone, Copy)]
pub struct PipeConfig {
    /// Pause threshold (0 disables back pressure).
    pub pause: usize,
    /// Resume threshold.
    pub resume: usize,
    /// Minimum segment size.
    pub min_segment: usize,
    /// Largest write or `get_memory` hint of the pipe's writer.
    pub max_write: usize,
    /// How the pipe's test pool behaves.
    pub pool: PoolMode,
}

/// The topology a seed runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scenario {
    /// One pipe, one writer task, one reader task.
    Single,
    /// A writer feeds pipe 0; a relay copies every byte into pipes 1 and 2;
    /// two readers drain them.
    Tee,
    /// Two writers feed pipes 0 and 1; a relay alternates between them and
    /// writes into pipe 2; one reader drains it.
    FanIn,
}

/// Draws the options of one pipe.
fn draw_pipe(rng: &mut Rng) -> PipeConfig {
    let min_segment = pick(rng, &[1, 2, 3, 4, 7, 16, 64, 4096]);
    let pause = match rng.below(6) {
        0 => 1 + rng.below(8) as usize,
        1 => 0,
        2 => 1,
        3 => 2 + rng.below(64) as usize,
        4 => 64 + rng.below(1024) as usize,
        _ => pick(rng, &[65_536, 4096, 100]),
    };
    let resume = if pause == 0 {
        rng.below(4) as usize
    } else {
        match rng.below(4) {
            0 => pause,
            1 => 1,
            _ => 1 + rng.below(pause as u64) as usize,
        }
    };
    let max_write = match rng.below(4) {
        0 => 1 + rng.below(8) as usize,
        1 => 1 + rng.below(3 * min_segment as u64) as usize,
        2 => 1 + rng.below((pause as u64).max(1) * 2) as usize,
        _ => 1 + rng.below(300) as usize,
    }
    .min(20_000);
    let pool = pick(rng, &[PoolMode::Reuse, PoolMode::Dry, PoolMode::Minimum, PoolMode::Short, PoolMode::Mixed]);
    PipeConfig { pause, resume, min_segment, max_write, pool }
}

fn pick<T: Copy>(rng: &mut Rng, options: &[T]) -> T {
    let index = rng.below(options.len() as u64) as usize;
    options.get(index).copied().unwrap_or_else(|| options[0])
}

fn weight(rng: &mut Rng, on_permille: u32, max: u32) -> u32 {
    // Draw 0 keeps the operation on with weight 1: the simplest run still
    // exercises it.
    if rng.chance(1000 - on_permille) {
        0
    } else {
        1 + rng.below(u64::from(max)) as u32
    }
}

impl Config {
    /// Draws a configuration.
    pub fn draw(rng: &mut Rng) -> Self {
        let steps = 1 + rng.below(400) as usize;
        let PipeConfig { pause, resume, min_segment, max_write, pool } = draw_pipe(rng);
        let writer_weights = [
            1 + rng.below(10) as u32,
            1 + rng.below(10) as u32,
            1 + rng.below(10) as u32,
            weight(rng, 300, 3),
            weight(rng, 500, 1),
            weight(rng, 400, 3),
        ];
        let reader_weights = [
            1 + rng.below(10) as u32,
            weight(rng, 600, 10),
            weight(rng, 600, 10),
            weight(rng, 300, 3),
            weight(rng, 500, 1),
            weight(rng, 400, 3),
        ];
        let consume_weights = [
            1 + rng.below(10) as u32,
            weight(rng, 700, 10),
            weight(rng, 700, 10),
            weight(rng, 500, 10),
            weight(rng, 400, 5),
        ];
        let fault = |rng: &mut Rng, on: u32, max: u64| {
            if rng.chance(on) {
                1 + rng.below(max) as u32
            } else {
                0
            }
        };
        Self {
            pause,
            resume,
            min_segment,
            steps,
            max_write,
            pool,
            writer_weights,
            reader_weights,
            consume_weights,
            cancel_read: fault(rng, 400, 50),
            cancel_flush: fault(rng, 400, 50),
            delay_wake: fault(rng, 500, 500),
            duplicate_wake: fault(rng, 400, 300),
            spurious_wake: fault(rng, 400, 200),
            abandon: fault(rng, 400, 200),
            complete_while_waiting: fault(rng, 300, 50),
            drop_instead: fault(rng, 600, 1000),
            complete_with_error: fault(rng, 500, 1000),
            // Drawn last, and draw 0 is one pipe, so a shrunk tape falls
            // back to the simplest topology.
            scenario: if rng.chance(250) {
                if rng.below(2) == 0 {
                    Scenario::Tee
                } else {
                    Scenario::FanIn
                }
            } else {
                Scenario::Single
            },
        }
    }

    /// The first pipe's options (the single pipe of [`Scenario::Single`]).
    pub fn first_pipe(&self) -> PipeConfig {
        PipeConfig {
            pause: self.pause,
            resume: self.resume,
            min_segment: self.min_segment,
            max_write: self.max_write,
            pool: self.pool,
        }
    }

    /// The options of every pipe of the scenario: the first from this
    /// configuration, the others drawn now.
    pub fn draw_pipes(&self, rng: &mut Rng) -> Vec<PipeConfig> {
        let count = if self.scenario == Scenario::Single { 1 } else { 3 };
        let mut pipes = vec![self.first_pipe()];
        pipes.extend((1..count).map(|_| draw_pipe(rng)));
        pipes
    }
}

impl fmt::Display for PipeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pause={} resume={} segment={} max_write={} pool={:?}",
            self.pause, self.resume, self.min_segment, self.max_write, self.pool
        )
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "scenario={:?} pause={} resume={} segment={} steps={} max_write={} pool={:?} writer={:?} reader={:?} consume={:?} \
             cancel_read={} cancel_flush={} delay={} dup={} spurious={} abandon={} complete_waiting={} drop={} error={}",
            self.scenario,
            self.pause,
            self.resume,
            self.min_segment,
            self.steps,
            self.max_write,
            self.pool,
            self.writer_weights,
            self.reader_weights,
            self.consume_weights,
            self.cancel_read,
            self.cancel_flush,
            self.delay_wake,
            self.duplicate_wake,
            self.spurious_wake,
            self.abandon,
            self.complete_while_waiting,
            self.drop_instead,
            self.complete_with_error,
        )
    }
}
