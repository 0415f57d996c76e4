//! Summary statistics: mean, standard deviation and Student-t confidence intervals, plain and
//! paired, with the t quantile computed from the regularised incomplete beta function.

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
/// (NaN for `p` outside (0, 1) or `df <= 0`). Accurate to about 1e-12 relative.
///
/// ```
/// let t = triad::base::stats::t_quantile(0.975, 9.0);
/// assert!((t - 2.262157).abs() < 1e-6);
/// ```
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if p.is_nan() || p <= 0.0 || p >= 1.0 || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if p == 0.5 {
        return 0.0;
    }
    if p < 0.5 {
        return -t_quantile(1.0 - p, df);
    }
    // Bracket, then bisect on the CDF, then polish with Newton steps.
    let mut lo = 0.0;
    let mut hi = 1.0;
    while t_cdf(hi, df) < p {
        lo = hi;
        hi *= 2.0;
        if hi > 1e300 {
            return f64::INFINITY;
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-15 * hi.max(1.0) {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// The CDF of Student's t distribution with `df` degrees of freedom at `t`.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    let x = df / (df + t * t);
    let tail = 0.5 * reg_inc_beta(df / 2.0, 0.5, x);
    if t > 0.0 { 1.0 - tail } else { tail }
}

/// The regularised incomplete beta function `I_x(a, b)` for `a, b > 0`, `0 <= x <= 1`
/// (continued fraction, modified Lentz).
pub fn reg_inc_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(a, b, x) / a
    } else {
        1.0 - front * beta_cf(b, a, 1.0 - x) / b
    }
}

fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=10_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, n = 9; about 15 significant digits).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_factorials() {
        for (n, f) in [(1u32, 1.0f64), (5, 24.0), (11, 3_628_800.0)] {
            assert!((ln_gamma(n as f64) - f.ln()).abs() < 1e-12);
        }
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
    }

    #[test]
    fn t_cdf_is_symmetric_and_one_df_is_cauchy() {
        for t in [0.3, 1.0, 4.0] {
            assert!((t_cdf(t, 7.0) + t_cdf(-t, 7.0) - 1.0).abs() < 1e-14);
            let cauchy = 0.5 + t.atan() / std::f64::consts::PI;
            assert!((t_cdf(t, 1.0) - cauchy).abs() < 1e-12);
        }
    }

    #[test]
    fn running_matches_batch() {
        let xs = [1.0, 4.0, 2.5, 8.0, -3.0];
        let mut r = Running::default();
        xs.iter().for_each(|&x| r.push(x));
        let (a, b) = (r.ci(0.95), mean_ci(&xs, 0.95));
        assert!((a.mean - b.mean).abs() < 1e-12 && (a.sd - b.sd).abs() < 1e-12);
    }
}
