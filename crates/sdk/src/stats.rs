//! Latency statistics in integer microseconds.
//!
//! Integer maths on a sorted sample keeps the figures exact and reproducible (and the
//! workspace forbids float arithmetic); nearest-rank percentiles need nothing more.

use serde::Serialize;

/// The nearest-rank percentile of an ascending sample, in per-mille (`500` = p50,
/// `999` = p99.9): the smallest value with at least that share of the sample at or below it.
/// An empty sample gives 0.
pub fn percentile_permille(sorted: &[u64], permille: u64) -> u64 {
    let n = sorted.len() as u128;
    if n == 0 {
        return 0;
    }
    let permille = u128::from(permille.min(1000));
    // rank = ceil(permille * n / 1000), at least 1.
    let rank = (permille * n).div_ceil(1000).max(1);
    let index = usize::try_from(rank - 1).unwrap_or(usize::MAX);
    sorted
        .get(index)
        .or_else(|| sorted.last())
        .copied()
        .unwrap_or(0)
}

/// Percentiles of one sample of latencies, in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LatencySummary {
    pub count: u64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
    /// Integer mean (rounded down).
    pub mean_us: u64,
}

impl LatencySummary {
    /// Sorts the sample in place and summarises it.
    pub fn from_sample(sample: &mut [u64]) -> Self {
        sample.sort_unstable();
        let sum: u128 = sample.iter().map(|&v| u128::from(v)).sum();
        let count = sample.len() as u64;
        let mean = if count == 0 {
            0
        } else {
            u64::try_from(sum / u128::from(count)).unwrap_or(u64::MAX)
        };
        LatencySummary {
            count,
            p50_us: percentile_permille(sample, 500),
            p90_us: percentile_permille(sample, 900),
            p99_us: percentile_permille(sample, 990),
            max_us: sample.last().copied().unwrap_or(0),
            mean_us: mean,
        }
    }
}

/// Microseconds as milliseconds with three decimals, e.g. `1234` → `"1.234"`.
pub fn micros_as_millis_text(us: u64) -> String {
    format!("{}.{:03}", us / 1000, us % 1000)
}

/// `count` events over `elapsed_us` microseconds, per second (rounded down); 0 if no time.
pub fn per_second(count: u64, elapsed_us: u64) -> u64 {
    if elapsed_us == 0 {
        return 0;
    }
    u64::try_from(u128::from(count) * 1_000_000 / u128::from(elapsed_us)).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile_permille(&v, 500), 50);
        assert_eq!(percentile_permille(&v, 900), 90);
        assert_eq!(percentile_permille(&v, 990), 99);
        assert_eq!(percentile_permille(&v, 1000), 100);
        assert_eq!(percentile_permille(&v, 0), 1);
        assert_eq!(percentile_permille(&[], 500), 0);
        assert_eq!(percentile_permille(&[7], 990), 7);
        // Ten values: p50 is the 5th, p90 the 9th, p99 the 10th.
        let ten: Vec<u64> = (1..=10).map(|x| x * 10).collect();
        assert_eq!(percentile_permille(&ten, 500), 50);
        assert_eq!(percentile_permille(&ten, 900), 90);
        assert_eq!(percentile_permille(&ten, 990), 100);
        // Over-range per-mille saturates at the maximum.
        assert_eq!(percentile_permille(&ten, 5000), 100);
    }

    #[test]
    fn summary_sorts_and_averages() {
        let mut sample = vec![900, 100, 500, 300, 700];
        let s = LatencySummary::from_sample(&mut sample);
        assert_eq!(sample, vec![100, 300, 500, 700, 900]);
        assert_eq!(
            s,
            LatencySummary {
                count: 5,
                p50_us: 500,
                p90_us: 900,
                p99_us: 900,
                max_us: 900,
                mean_us: 500,
            }
        );
        assert_eq!(
            LatencySummary::from_sample(&mut []),
            LatencySummary::default()
        );
    }

    #[test]
    fn integer_formatting_and_rates() {
        assert_eq!(micros_as_millis_text(1234), "1.234");
        assert_eq!(micros_as_millis_text(5), "0.005");
        assert_eq!(micros_as_millis_text(2_000_000), "2000.000");
        assert_eq!(per_second(3000, 1_000_000), 3000);
        assert_eq!(per_second(1000, 1_500_000), 666);
        assert_eq!(per_second(5, 0), 0);
    }
}
