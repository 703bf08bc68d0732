//! The machine and the moment of a run, for the report's header.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// What ran the benchmarks, and when.
#[derive(Clone, Debug)]
pub struct Machine {
    /// CPU model (`/proc/cpuinfo`).
    pub cpu: String,
    /// Cores available to the process.
    pub cores: usize,
    /// Kernel release.
    pub kernel: String,
    /// The compiler that built the benchmarks.
    pub rustc: String,
    /// UTC date and time of the run.
    pub date: String,
    /// Commit of the repository, with a note if the tree had changes.
    pub commit: String,
    /// Load average (1, 5, 15 minutes) when the run started.
    pub load_before: String,
}

fn first_line(path: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|l| Some(l.strip_prefix(key)?.trim_start_matches([' ', '\t', ':']).trim().to_string()))
}

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Load average now: three numbers.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_string())
}

/// `YYYY-MM-DD HH:MM UTC` of `secs` since the epoch (civil-from-days).
pub fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", rem / 3600, rem % 3600 / 60)
}

impl Machine {
    /// Reads this machine's description.
    pub fn describe() -> Self {
        let commit = match git(&["rev-parse", "--short=12", "HEAD"]) {
            Some(hash) => {
                let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
                if dirty {
                    format!("{hash} (with uncommitted changes)")
                } else {
                    hash
                }
            }
            None => "unknown".to_string(),
        };
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Self {
            cpu: first_line("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown".to_string()),
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| "unknown".to_string()),
            rustc: env!("PIPE_BENCH_RUSTC").to_string(),
            date: utc(secs),
            commit,
            load_before: load_average(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_dates() {
        assert_eq!(super::utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::utc(951_782_400 + 3_660), "2000-02-29 01:01 UTC");
    }
}
