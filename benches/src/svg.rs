//! The plots, as hand-written SVG (no font or drawing dependency): every
//! number in them comes from the run.

use std::fmt::Write as _;

use crate::measure::{Results, Row};
use crate::memory::{MemoryRun, BUCKET};
use crate::pingpong;
use crate::splice::{Cell as SpliceCell, Method, Pair};
use crate::stats::median;
use crate::systems::System;

const COLORS: [&str; 10] =
    ["#1f77b4", "#d62728", "#2ca02c", "#7f7f7f", "#8c564b", "#ff7f0e", "#9467bd", "#17becf", "#000000", "#bcbd22"];

fn color(row: Row) -> &'static str {
    match row {
        Row::System(s) => COLORS[System::ALL.iter().position(|&x| x == s).unwrap_or(0)],
        Row::Memcpy => COLORS[8],
        Row::Checksum => COLORS[9],
        Row::Lines(_) => COLORS[0],
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

struct Svg {
    width: f64,
    height: f64,
    body: String,
}

impl Svg {
    fn new(width: f64, height: f64) -> Self {
        Self { width, height, body: String::new() }
    }

    fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str, width: f64, dash: bool) {
        let dash = if dash { " stroke-dasharray=\"5,4\"" } else { "" };
        let _ = writeln!(
            self.body,
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash}/>"
        );
    }

    fn polyline(&mut self, points: &[(f64, f64)], stroke: &str, width: f64, dash: bool) {
        let dash = if dash { " stroke-dasharray=\"6,4\"" } else { "" };
        let pts: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let _ = writeln!(
            self.body,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash}/>",
            pts.join(" ")
        );
    }

    fn circle(&mut self, (x, y): (f64, f64), r: f64, fill: &str) {
        let _ = writeln!(self.body, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r}\" fill=\"{fill}\"/>");
    }

    fn rect(&mut self, (x, y): (f64, f64), (w, h): (f64, f64), fill: &str) {
        let _ =
            writeln!(self.body, "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{fill}\"/>");
    }

    fn text(&mut self, (x, y): (f64, f64), size: f64, anchor: &str, content: &str) {
        let _ = writeln!(
            self.body,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" text-anchor=\"{anchor}\">{}</text>",
            escape(content)
        );
    }

    fn finish(self) -> String {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\">\n<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n{}</svg>\n",
            self.body,
            w = self.width,
            h = self.height
        )
    }
}

/// Tick values 1, 2, 5 × 10^k within `lo..=hi`.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi {
        for m in [1.0, 2.0, 5.0] {
            let t = decade * m;
            if t >= lo && t <= hi {
                ticks.push(t);
            }
        }
        decade *= 10.0;
    }
    ticks
}

fn number(value: f64) -> String {
    if value == 0.0 {
        "0".to_string()
    } else if value >= 1000.0 {
        let s = format!("{:.0}", value);
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else if value >= 1.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

fn size_label(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} B")
    }
}

/// Throughput against write size, log-log, every system and the ceilings.
pub fn throughput(results: &Results) -> String {
    let (w, h) = (900.0, 560.0);
    let (left, right, top, bottom) = (80.0, 250.0, 40.0, 60.0);
    let mut svg = Svg::new(w, h);
    let sizes: Vec<usize> = results.fixed.iter().filter_map(|t| t.write_size()).collect();
    let mut rows: Vec<Row> = System::ALL.iter().map(|&s| Row::System(s)).collect();
    rows.extend([Row::Memcpy, Row::Checksum]);
    let mut all = Vec::new();
    for table in &results.fixed {
        for (_, v) in &table.rows {
            all.push(median(v));
        }
    }
    let all: Vec<f64> = all.into_iter().filter(|v| v.is_finite() && *v > 0.0).collect();
    let lo = all.iter().copied().fold(f64::INFINITY, f64::min).max(1e-3) / 1.5;
    let hi = all.iter().copied().fold(0.0, f64::max) * 1.5;
    let (xmin, xmax) =
        ((*sizes.first().unwrap_or(&1) as f64).log2() - 0.5, (*sizes.last().unwrap_or(&2) as f64).log2() + 0.5);
    let px = |size: f64| left + (size.log2() - xmin) / (xmax - xmin) * (w - left - right);
    let py = |v: f64| top + (hi.log10() - v.log10()) / (hi.log10() - lo.log10()) * (h - top - bottom);
    svg.text((w / 2.0 - 80.0, 24.0), 16.0, "middle", "Throughput against write size (median of rounds)");
    for t in log_ticks(lo, hi) {
        svg.line((left, py(t)), (w - right, py(t)), "#e0e0e0", 1.0, false);
        svg.text((left - 6.0, py(t) + 4.0), 11.0, "end", &number(t));
    }
    for &s in &sizes {
        svg.line((px(s as f64), top), (px(s as f64), h - bottom), "#f0f0f0", 1.0, false);
        svg.text((px(s as f64), h - bottom + 18.0), 11.0, "middle", &size_label(s));
    }
    svg.line((left, h - bottom), (w - right, h - bottom), "#000", 1.0, false);
    svg.line((left, top), (left, h - bottom), "#000", 1.0, false);
    svg.text(((left + w - right) / 2.0, h - 18.0), 13.0, "middle", "write size (log scale)");
    svg.text((18.0, top - 12.0), 13.0, "start", "MB/s (log scale)");
    for (i, &row) in rows.iter().enumerate() {
        let mut points = Vec::new();
        for table in &results.fixed {
            if let (Some(size), Some(v)) = (table.write_size(), table.figures(row)) {
                let m = median(v);
                if m.is_finite() && m > 0.0 {
                    points.push((px(size as f64), py(m)));
                }
            }
        }
        if points.is_empty() {
            continue;
        }
        let dashed = !matches!(row, Row::System(_));
        svg.polyline(&points, color(row), 2.0, dashed);
        for &p in &points {
            svg.circle(p, 3.0, color(row));
        }
        let ly = top + 10.0 + i as f64 * 20.0;
        svg.line((w - right + 15.0, ly), (w - right + 40.0, ly), color(row), 2.0, dashed);
        svg.text((w - right + 46.0, ly + 4.0), 12.0, "start", &row.short());
    }
    svg.finish()
}

/// Ping-pong round trips: p50 and p99 bars per system, log scale.
pub fn pingpong(results: &Results) -> String {
    let rows = &results.pingpong.rows;
    let (w, bar) = (900.0, 34.0);
    let (left, right, top, bottom) = (230.0, 40.0, 50.0, 60.0);
    let h = top + bottom + rows.len() as f64 * bar;
    let mut svg = Svg::new(w, h);
    let figures: Vec<(System, f64, f64)> = rows
        .iter()
        .map(|(s, v)| {
            let p50: Vec<f64> = v.iter().map(|x| x.0).collect();
            let p99: Vec<f64> = v.iter().map(|x| x.1).collect();
            (*s, median(&p50), median(&p99))
        })
        .collect();
    let lo = figures.iter().map(|f| f.1).fold(f64::INFINITY, f64::min).max(1.0) / 2.0;
    let hi = figures.iter().map(|f| f.2).fold(1.0, f64::max) * 1.5;
    let px = |ns: f64| left + (ns.log10() - lo.log10()) / (hi.log10() - lo.log10()) * (w - left - right);
    svg.text(
        (w / 2.0, 24.0),
        16.0,
        "middle",
        "One-byte ping-pong round trip: p50 (dark) and p99 (light), median of rounds",
    );
    for t in log_ticks(lo, hi) {
        svg.line((px(t), top), (px(t), h - bottom), "#e0e0e0", 1.0, false);
        let label = if t >= 1000.0 { format!("{} µs", number(t / 1000.0)) } else { format!("{} ns", number(t)) };
        svg.text((px(t), h - bottom + 16.0), 11.0, "middle", &label);
    }
    svg.text(((left + w - right) / 2.0, h - 18.0), 13.0, "middle", "round trip (log scale)");
    for (i, (system, p50, p99)) in figures.iter().enumerate() {
        let y = top + i as f64 * bar + 6.0;
        let c = color(Row::System(*system));
        svg.rect((left, y), (px(*p99) - left, bar - 12.0), &format!("{c}55"));
        svg.rect((left, y), (px(*p50) - left, bar - 12.0), c);
        svg.text((left - 8.0, y + bar / 2.0), 12.0, "end", pingpong::label(*system).replace('`', "").as_str());
    }
    svg.line((left, top), (left, h - bottom), "#000", 1.0, false);
    svg.finish()
}

/// Max-pools `samples` into at most `points` buckets.
fn pool(samples: &[(u64, u64)], points: usize) -> Vec<(u64, u64)> {
    let stride = samples.len().div_ceil(points.max(1)).max(1);
    samples.chunks(stride).map(|c| (c[0].0, c.iter().map(|s| s.1).max().unwrap_or(0))).collect()
}

/// Bytes in flight over time under the stalled reader: one panel per system, a shared y scale.
pub fn memory(runs: &[MemoryRun], m2_bound: u64) -> String {
    let (cols, pw, ph) = (2usize, 440.0, 170.0);
    let rows = runs.len().div_ceil(cols);
    let (w, h) = (cols as f64 * pw + 20.0, rows as f64 * ph + 60.0);
    let mut svg = Svg::new(w, h);
    svg.text(
        (w / 2.0, 24.0),
        16.0,
        "middle",
        "Bytes written and not yet checked by the stalled reader, over time (dashed: rule M2's bound)",
    );
    let ymax = runs.iter().map(|r| r.peak_buffered).chain([m2_bound]).max().unwrap_or(1) as f64 * 1.15;
    let bucket_ms = BUCKET.as_secs_f64() * 1e3;
    for (i, run) in runs.iter().enumerate() {
        let (ox, oy) = (10.0 + (i % cols) as f64 * pw, 40.0 + (i / cols) as f64 * ph);
        let (left, right, top, bottom) = (ox + 60.0, ox + pw - 15.0, oy + 22.0, oy + ph - 30.0);
        let samples = pool(&run.samples, 400);
        let tmax = samples.last().map_or(1.0, |s| (s.0 as f64 + 1.0) * bucket_ms).max(1.0);
        let px = |t: f64| left + t / tmax * (right - left);
        let py = |b: f64| bottom - b / ymax * (bottom - top);
        svg.text((ox + pw / 2.0, oy + 14.0), 12.0, "middle", run.system.short());
        svg.line((left, bottom), (right, bottom), "#000", 1.0, false);
        svg.line((left, top), (left, bottom), "#000", 1.0, false);
        for k in 0..=2 {
            let b = ymax / 1.15 * k as f64 / 2.0;
            svg.text((left - 4.0, py(b) + 4.0), 10.0, "end", &format!("{} KiB", number(b / 1024.0)));
        }
        svg.text((right, bottom + 14.0), 10.0, "end", &format!("{} ms", number(tmax)));
        svg.text((left, bottom + 14.0), 10.0, "start", "0");
        svg.line((left, py(m2_bound as f64)), (right, py(m2_bound as f64)), "#d62728", 1.0, true);
        let points: Vec<(f64, f64)> = samples.iter().map(|&(t, b)| (px(t as f64 * bucket_ms), py(b as f64))).collect();
        svg.polyline(&points, color(Row::System(run.system)), 1.2, false);
    }
    svg.finish()
}

/// Splice against copy: throughput against operation size per pair (solid:
/// splice, dashed: copy; log-log), and below it splice ÷ copy with 1× and
/// the goal's line from the goal's size up.
pub fn splice(cells: &[SpliceCell], goal_from: usize, goal_ratio: f64) -> String {
    let (w, h) = (900.0, 760.0);
    let (left, right) = (80.0, 230.0);
    // Two panels sharing the x axis: throughput on top, the ratio below.
    let (top1, bottom1, top2, bottom2) = (60.0, 440.0, 500.0, 710.0);
    let mut svg = Svg::new(w, h);
    let mut sizes: Vec<usize> = cells.iter().map(|c| c.size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let rates: Vec<f64> = cells
        .iter()
        .flat_map(|c| [median(c.figures(Method::Copy)), median(c.figures(Method::Splice))])
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    let lo = rates.iter().copied().fold(f64::INFINITY, f64::min).max(1e-3) / 1.3;
    let hi = rates.iter().copied().fold(0.0, f64::max).max(lo * 2.0) * 1.3;
    let ratios: Vec<f64> = cells.iter().map(SpliceCell::ratio).filter(|r| r.is_finite()).collect();
    let rmax = ratios.iter().copied().fold(goal_ratio, f64::max) * 1.15;
    let (xmin, xmax) =
        ((*sizes.first().unwrap_or(&1) as f64).log2() - 0.4, (*sizes.last().unwrap_or(&2) as f64).log2() + 0.4);
    let px = |size: f64| left + (size.log2() - xmin) / (xmax - xmin) * (w - left - right);
    let py = |v: f64| top1 + (hi.log10() - v.log10()) / (hi.log10() - lo.log10()) * (bottom1 - top1);
    let pr = |r: f64| bottom2 - r / rmax * (bottom2 - top2);
    svg.text(
        (w / 2.0 - 70.0, 24.0),
        16.0,
        "middle",
        "Splice against a read/write copy: throughput against size (median of rounds)",
    );
    for t in log_ticks(lo, hi) {
        svg.line((left, py(t)), (w - right, py(t)), "#e0e0e0", 1.0, false);
        svg.text((left - 6.0, py(t) + 4.0), 11.0, "end", &number(t));
    }
    let step = if rmax > 6.0 { 1.0 } else { 0.5 };
    let mut r = 0.0;
    while r <= rmax {
        svg.line((left, pr(r)), (w - right, pr(r)), "#e0e0e0", 1.0, false);
        svg.text((left - 6.0, pr(r) + 4.0), 11.0, "end", &format!("{r:.1}×"));
        r += step;
    }
    for &s in &sizes {
        for (a, b) in [(top1, bottom1), (top2, bottom2)] {
            svg.line((px(s as f64), a), (px(s as f64), b), "#f0f0f0", 1.0, false);
        }
        svg.text((px(s as f64), bottom2 + 18.0), 11.0, "middle", &size_label(s));
    }
    for (a, b) in [(top1, bottom1), (top2, bottom2)] {
        svg.line((left, b), (w - right, b), "#000", 1.0, false);
        svg.line((left, a), (left, b), "#000", 1.0, false);
    }
    svg.text(((left + w - right) / 2.0, h - 14.0), 13.0, "middle", "bytes per transfer (log scale)");
    svg.text((18.0, top1 - 10.0), 13.0, "start", "MB/s (log scale)");
    svg.text((18.0, top2 - 12.0), 13.0, "start", "splice ÷ copy (median of per-round ratios)");
    svg.line((left, pr(1.0)), (w - right, pr(1.0)), "#7f7f7f", 1.0, false);
    let goal_x = px(goal_from as f64);
    // Black, not a pair's colour: the goal is every pair's.
    svg.line((goal_x, pr(goal_ratio)), (w - right, pr(goal_ratio)), "#000", 1.5, true);
    svg.text(
        (w - right - 4.0, pr(goal_ratio) - 6.0),
        11.0,
        "end",
        &format!("goal: ≥ {goal_ratio}× from {}", size_label(goal_from)),
    );
    let mut ly = top1 + 10.0;
    for (i, pair) in Pair::ALL.iter().enumerate() {
        let mine: Vec<&SpliceCell> = cells.iter().filter(|c| c.pair == *pair).collect();
        if mine.is_empty() {
            continue;
        }
        let c = COLORS[i];
        for method in Method::ALL {
            let points: Vec<(f64, f64)> = mine
                .iter()
                .map(|cell| (cell.size, median(cell.figures(method))))
                .filter(|(_, v)| v.is_finite() && *v > 0.0)
                .map(|(s, v)| (px(s as f64), py(v)))
                .collect();
            let dashed = method == Method::Copy;
            svg.polyline(&points, c, 2.0, dashed);
            for &p in &points {
                svg.circle(p, 3.0, c);
            }
            svg.line((w - right + 15.0, ly), (w - right + 40.0, ly), c, 2.0, dashed);
            svg.text((w - right + 46.0, ly + 4.0), 12.0, "start", &format!("{} {}", pair.label(), method.label()));
            ly += 20.0;
        }
        let points: Vec<(f64, f64)> = mine
            .iter()
            .map(|cell| (cell.size, cell.ratio()))
            .filter(|(_, r)| r.is_finite())
            .map(|(s, r)| (px(s as f64), pr(r)))
            .collect();
        svg.polyline(&points, c, 2.0, false);
        for &p in &points {
            svg.circle(p, 3.0, c);
        }
        let ry = top2 + 10.0 + i as f64 * 20.0;
        svg.line((w - right + 15.0, ry), (w - right + 40.0, ry), c, 2.0, false);
        svg.text((w - right + 46.0, ry + 4.0), 12.0, "start", pair.label());
    }
    svg.finish()
}
