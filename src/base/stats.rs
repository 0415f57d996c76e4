//! Summary statistics: mean, standard deviation and Student-t confidence intervals, plain and
//! paired, with Student-t quantiles from `statrs`.

/// A sample's mean with a two-sided confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanCi {
    /// Sample size.
    pub n: usize,
    /// Sample mean (NaN when `n == 0`).
    pub mean: f64,
    /// Sample standard deviation with `n - 1` in the denominator (NaN when `n < 2`).
    pub sd: f64,
    /// Lower end of the interval (NaN when `n < 2`).
    pub lo: f64,
    /// Upper end of the interval (NaN when `n < 2`).
    pub hi: f64,
}

impl MeanCi {
    /// Half the width of the interval.
    pub fn half_width(&self) -> f64 {
        (self.hi - self.lo) / 2.0
    }
}

/// Mean, sd and the `level` (e.g. 0.95) Student-t confidence interval of `xs`.
///
/// The sum runs in the order of `xs`, so equal inputs give equal bits.
pub fn mean_ci(xs: &[f64], level: f64) -> MeanCi {
    let n = xs.len();
    if n == 0 {
        return MeanCi {
            n,
            mean: f64::NAN,
            sd: f64::NAN,
            lo: f64::NAN,
            hi: f64::NAN,
        };
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return MeanCi {
            n,
            mean,
            sd: f64::NAN,
            lo: f64::NAN,
            hi: f64::NAN,
        };
    }
    let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
    let sd = (ss / (n - 1) as f64).sqrt();
    mean_ci_of(n, mean, sd, level)
}

/// The [`MeanCi`] of a sample of `n` (at least 2) with mean `mean` and sd `sd`: the same
/// bits [`mean_ci`] gives for such a sample (a record of one read back is checked with it).
pub fn mean_ci_of(n: usize, mean: f64, sd: f64, level: f64) -> MeanCi {
    let t = t_quantile(0.5 + level / 2.0, (n - 1) as f64);
    let half = t * sd / (n as f64).sqrt();
    MeanCi {
        n,
        mean,
        sd,
        lo: mean - half,
        hi: mean + half,
    }
}

/// Paired difference `a[i] - b[i]` (pairs where either side is NaN are skipped): mean and
/// Student-t interval of the differences. Common random numbers make these intervals much
/// narrower than the difference of two independent intervals.
pub fn paired_ci(a: &[f64], b: &[f64], level: f64) -> MeanCi {
    let d: Vec<f64> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| !x.is_nan() && !y.is_nan())
        .map(|(x, y)| x - y)
        .collect();
    mean_ci(&d, level)
}

/// The `p` quantile of Student's t distribution with `df > 0` degrees of freedom
/// (NaN for `p` outside (0, 1) or `df <= 0`), from `statrs`.
///
/// ```
/// let t = triad::base::stats::t_quantile(0.975, 9.0);
/// assert!((t - 2.262157).abs() < 1e-6);
/// ```
pub fn t_quantile(p: f64, df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
    if p.is_nan() || p <= 0.0 || p >= 1.0 || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if df > LARGE_DF {
        // statrs' root finding loses digits here (1.8266 for 0.975 at df = 1e7); the
        // Cornish-Fisher expansion around the normal quantile is exact to ~1e-12 instead.
        let z = Normal::standard().inverse_cdf(p);
        let (z3, z5) = (z.powi(3), z.powi(5));
        return z + (z3 + z) / (4.0 * df) + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * df * df);
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) => t.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

/// A share of `k` successes in `n` trials with its Wilson score interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    /// Successes.
    pub k: usize,
    /// Trials.
    pub n: usize,
    /// `k / n` (NaN when `n == 0`).
    pub p: f64,
    /// Lower end of the interval (NaN when `n == 0`).
    pub lo: f64,
    /// Upper end of the interval (NaN when `n == 0`).
    pub hi: f64,
}

/// `k` of `n` with its two-sided `level` (e.g. 0.95) Wilson score interval (Wilson 1927):
/// centre `(p + z^2 / 2n) / (1 + z^2 / n)`, half width
/// `z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)`, `z` the normal quantile. Unlike
/// `p +- z sd` it stays inside [0, 1] and is not empty at `k = 0` or `k = n`.
pub fn wilson(k: usize, n: usize, level: f64) -> Share {
    if n == 0 {
        return Share {
            k,
            n,
            p: f64::NAN,
            lo: f64::NAN,
            hi: f64::NAN,
        };
    }
    let z = statrs::distribution::Normal::new(0.0, 1.0)
        .map(|d| statrs::distribution::ContinuousCDF::inverse_cdf(&d, 0.5 + level / 2.0))
        .unwrap_or(f64::NAN);
    let nf = n as f64;
    let p = k as f64 / nf;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * nf)) / (1.0 + z2 / nf);
    let half = z / (1.0 + z2 / nf) * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    Share {
        k,
        n,
        p,
        // At k = 0 (k = n) the end is 0 (1) exactly; rounding would leave 1e-17.
        lo: if k == 0 {
            0.0
        } else {
            (centre - half).max(0.0)
        },
        hi: if k == n {
            1.0
        } else {
            (centre + half).min(1.0)
        },
    }
}

/// The ranks of `xs` (1 for the smallest), ties given their mean rank.
pub fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]).then(a.cmp(&b)));
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && xs[order[j + 1]] == xs[order[i]] {
            j += 1;
        }
        let mean = (i + j) as f64 / 2.0 + 1.0;
        for &o in &order[i..=j] {
            r[o] = mean;
        }
        i = j + 1;
    }
    r
}

/// Pearson's correlation of `x` and `y` (NaN when either does not vary or they are
/// shorter than 2).
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    if n < 2 {
        return f64::NAN;
    }
    let mx = x[..n].iter().sum::<f64>() / n as f64;
    let my = y[..n].iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (dx, dy) = (x[i] - mx, y[i] - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return f64::NAN;
    }
    sxy / (sxx * syy).sqrt()
}

/// Spearman's rank correlation of `x` and `y`: Pearson's correlation of their ranks.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&ranks(x), &ranks(y))
}

/// Degrees of freedom above which [`t_quantile`] uses the large-sample expansion.
const LARGE_DF: f64 = 1e4;

/// Welford's running mean and variance, for streaming aggregation in a fixed order.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Running {
    n: usize,
    mean: f64,
    m2: f64,
}

impl Running {
    /// Adds one observation (NaN is skipped).
    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// Mean, sd and the `level` Student-t interval of what was pushed.
    pub fn ci(&self, level: f64) -> MeanCi {
        let n = self.n;
        if n == 0 {
            return mean_ci(&[], level);
        }
        if n < 2 {
            return mean_ci(&[self.mean], level);
        }
        let sd = (self.m2 / (n - 1) as f64).sqrt();
        let half = t_quantile(0.5 + level / 2.0, (n - 1) as f64) * sd / (n as f64).sqrt();
        MeanCi {
            n,
            mean: self.mean,
            sd,
            lo: self.mean - half,
            hi: self.mean + half,
        }
    }
}

/// `u` mirrored into `[0, 1]`: the walls reflect (`-0.1` -> `0.1`, `1.3` -> `0.7`), and a
/// value that is not finite goes to the middle. The searches of `triad calibrate` and
/// `triad optimize` sample the whole line and keep their variables in the unit cube so.
pub fn reflect(u: f64) -> f64 {
    if !u.is_finite() {
        return 0.5;
    }
    let t = u.rem_euclid(2.0);
    if t > 1.0 { 2.0 - t } else { t }
}

/// The tail share of CVaR in `triad stress` and a stress objective of `triad optimize`.
pub const CVAR_ALPHA: f64 = 0.1;

/// Mean of the lowest `ceil(alpha n)` (at least one) of the `n` values of `xs` that are not
/// NaN: the lower-tail CVaR at level `alpha`. NaN when every value is NaN.
pub fn lower_tail_mean(xs: &[f64], alpha: f64) -> f64 {
    let mut all: Vec<f64> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
    if all.is_empty() {
        return f64::NAN;
    }
    all.sort_by(f64::total_cmp);
    let k = ((alpha * all.len() as f64).ceil() as usize).clamp(1, all.len());
    all[..k].iter().sum::<f64>() / k as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_the_tables() {
        // Two-sided 95% critical values as printed in every t table.
        for (df, t) in [
            (1.0, 12.706),
            (4.0, 2.776),
            (9.0, 2.262),
            (29.0, 2.045),
            (1e6, 1.960),
        ] {
            assert!((t_quantile(0.975, df) - t).abs() < 5e-4, "df {df}");
        }
        assert!((t_quantile(0.025, 9.0) + t_quantile(0.975, 9.0)).abs() < 1e-9);
        assert!(t_quantile(1.0, 5.0).is_nan() && t_quantile(0.9, 0.0).is_nan());
    }

    #[test]
    fn running_matches_batch() {
        let xs = [1.0, 4.0, 2.5, 8.0, -3.0];
        let mut r = Running::default();
        xs.iter().for_each(|&x| r.push(x));
        let (a, b) = (r.ci(0.95), mean_ci(&xs, 0.95));
        assert!((a.mean - b.mean).abs() < 1e-12 && (a.sd - b.sd).abs() < 1e-12);
    }

    #[test]
    fn lower_tail_mean_takes_the_lowest_ceil_alpha_n() {
        let xs: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(
            lower_tail_mean(&xs, 0.1),
            1.5,
            "ceil(2) lowest of 20: 1 and 2"
        );
        assert_eq!(lower_tail_mean(&xs[..11], 0.1), 1.5, "ceil(1.1) = 2 of 11");
        assert_eq!(lower_tail_mean(&[5.0, f64::NAN, 3.0], 0.1), 3.0);
        assert!(lower_tail_mean(&[f64::NAN], 0.1).is_nan());
    }
}
