//! Medians, ranges and per-round ratios.

/// The median of `values` (NaN if empty).
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// Smallest and largest of `values`.
pub fn range(values: &[f64]) -> (f64, f64) {
    values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)))
}

/// `a ÷ b` for each round measured for both, then the median of those: a
/// ratio of two figures taken minutes apart would mostly measure the machine.
pub fn ratio(a: &[f64], b: &[f64]) -> f64 {
    let per_round: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    median(&per_round)
}

/// Per-round ratios `a ÷ b`, smallest and largest.
pub fn ratio_range(a: &[f64], b: &[f64]) -> (f64, f64) {
    let per_round: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    range(&per_round)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_ratios() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(ratio(&[2.0, 4.0, 9.0], &[1.0, 1.0, 3.0]), 3.0);
        assert_eq!(ratio_range(&[2.0, 4.0], &[1.0, 1.0]), (2.0, 4.0));
    }
}
