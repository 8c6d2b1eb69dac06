//! Small statistics for the figures: the best or the median of rounds, percentiles of samples, ratios, rounding.
//! Plain functions, tested natively.
// Only the wasm build measures anything; natively these serve the tests alone.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

/// The smallest of `xs`: the best of several timed rounds, the one least disturbed by whatever
/// else the machine was doing (interference only ever adds time). `None` when empty.
pub fn best(xs: &[f64]) -> Option<f64> {
    xs.iter().copied().min_by(f64::total_cmp)
}

/// The median of `xs` (the mean of the middle two for an even count); `None` when empty.
pub fn median(xs: &[f64]) -> Option<f64> {
    let sorted = sorted(xs);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The median by nearest rank (the 50th percentile): the smallest sample with at least half of
/// the samples at or below it, always one of the samples. `None` when empty.
pub fn p50(xs: &[f64]) -> Option<f64> {
    nearest_rank(xs, 50)
}

/// The 95th percentile by nearest rank: of 120 samples the 114th smallest. `None` when empty.
pub fn p95(xs: &[f64]) -> Option<f64> {
    nearest_rank(xs, 95)
}

/// The 99th percentile by nearest rank: of 1,000 samples the 990th smallest. `None` when empty.
pub fn p99(xs: &[f64]) -> Option<f64> {
    nearest_rank(xs, 99)
}

/// The nearest-rank `percent`th percentile (1 to 100) of `xs`: the smallest sample with at least
/// `percent` percent of the samples at or below it. Private, and a whole number of percent, so
/// that a fraction (0.95 for the 95th) cannot be passed: it once made a "p95" the second-fastest
/// of 120 frames. The figures call [`p50`], [`p95`] and [`p99`].
fn nearest_rank(xs: &[f64], percent: u8) -> Option<f64> {
    let sorted = sorted(xs);
    if sorted.is_empty() {
        return None;
    }
    // ceil(percent / 100 * n) in whole numbers: no rounding at exact ranks (95 * 120 / 100 = 114).
    let rank = (usize::from(percent) * sorted.len()).div_ceil(100);
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// `a / b`, or `None` when that is not a meaningful finite number (a zero or negative baseline).
pub fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0 && a.is_finite() && b.is_finite()).then(|| a / b)
}

/// `x` rounded to `decimals` places, for figures a reader can take in at a glance.
pub fn round(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale
}

fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_is_the_smallest() {
        assert_eq!(best(&[3.0, 1.5, 2.0]), Some(1.5));
        assert_eq!(best(&[]), None);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    /// `n` samples 1, 2, .., n, shuffled (the figures' samples come in any order).
    fn samples(n: u32) -> Vec<f64> {
        let mut xs: Vec<f64> = (1..=n).map(f64::from).collect();
        // A fixed permutation: x * 7919 mod n (7919 is prime to 30, 120 and 1000).
        xs.sort_by_key(|&x| ((x as u32) * 7919) % n);
        xs
    }

    #[test]
    fn nearest_rank_percentiles_of_100() {
        let xs: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(p50(&xs), Some(50.0));
        assert_eq!(p95(&xs), Some(95.0));
        assert_eq!(p99(&xs), Some(99.0));
        assert_eq!(nearest_rank(&xs, 100), Some(100.0));
        assert_eq!(nearest_rank(&[1.0, 2.0, 3.0], 0), Some(1.0));
        assert_eq!(p99(&[7.0]), Some(7.0));
        assert_eq!(p50(&[]), None);
    }

    // The counts the figures really pass: a fraction (0.95 for 95) would give the second-fastest
    // of 120 frames and the fastest of 30.
    #[test]
    fn timeline_p50_and_p95_of_120_frames() {
        let frames = samples(120);
        assert_eq!(frames.len(), 120);
        assert_eq!(p50(&frames), Some(60.0));
        assert_eq!(p95(&frames), Some(114.0));
    }

    #[test]
    fn timeline_live_p95_of_30_frames_is_the_29th() {
        assert_eq!(p95(&samples(30)), Some(29.0));
    }

    #[test]
    fn timer_p50_and_p99_of_1000_sleeps() {
        let late = samples(1000);
        assert_eq!(p50(&late), Some(500.0));
        assert_eq!(p99(&late), Some(990.0));
    }

    #[test]
    fn timer_percentiles_are_medians_of_5_rounds() {
        // Each round's p99, then their median, as timer_lateness does.
        let rounds: Vec<f64> = [3.0, 1.0, 5.0, 2.0, 4.0]
            .iter()
            .filter_map(|offset| {
                let late: Vec<f64> = samples(1000).iter().map(|x| x + offset).collect();
                p99(&late)
            })
            .collect();
        assert_eq!(median(&rounds), Some(993.0));
    }

    #[test]
    fn ratios_need_a_positive_baseline() {
        assert_eq!(ratio(3.0, 2.0), Some(1.5));
        assert_eq!(ratio(1.0, 0.0), None);
        assert_eq!(ratio(1.0, -2.0), None);
        assert_eq!(ratio(f64::NAN, 1.0), None);
    }

    #[test]
    fn rounds_to_places() {
        assert_eq!(round(1.23456, 2), 1.23);
        assert_eq!(round(1234.5678, 0), 1235.0);
    }
}
