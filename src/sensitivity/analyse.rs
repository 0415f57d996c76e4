//! The estimators: Sobol indices (first order S1, total ST, second order S2) and Morris
//! elementary effects (mu, mu*, sigma), each with a bootstrap 95% interval.
//!
//! They compute what SALib's `sobol.analyze` and `morris.analyze` compute, in the same
//! order of operations, so the estimates agree to rounding (`benches/salib/compare.py`
//! checks 1e-9 on the same sample matrix):
//!
//! - Sobol: the outputs are standardised (`(Y - mean) / sd`, population sd), then with `A`,
//!   `B`, `AB_j`, `BA_j` the outputs of the design's rows ([`super::design`]) and
//!   `V = var([A; B])` (population variance of the `2N` values):
//!   `S1_j = mean(B (AB_j - A)) / V` (Saltelli et al. 2010),
//!   `ST_j = mean((A - AB_j)^2) / (2 V)` (Jansen 1999), and
//!   `S2_jk = mean(BA_j AB_k - A B) / V - S1_j - S1_k` (Saltelli 2002).
//! - Morris: the elementary effect of parameter `j` in a trajectory is
//!   `(y(x_j high) - y(x_j low)) / Δ`, with `Δ` the grid step in the unit cube (only the
//!   direction of each move is read from the points); `mu` is their mean, `mu*` the mean of
//!   their absolute values, `sigma` their standard deviation (`n - 1`).
//!
//! Intervals are SALib's: `estimate ± 1.96 sd*`, with `sd*` the standard deviation (`n - 1`)
//! of the estimate over bootstrap resamples of the `N` base points (Sobol) or of the
//! trajectories (Morris). The resamples are drawn from triad's own generator, so the
//! intervals differ from SALib's by sampling error, not in kind.

use super::design::{Design, Method, morris_delta};
use crate::engine::{Streams, hash2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The normal quantile of a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// Which index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// First-order Sobol index.
    S1,
    /// Total Sobol index.
    ST,
    /// Second-order Sobol index of a pair.
    S2,
    /// Mean elementary effect.
    Mu,
    /// Mean absolute elementary effect.
    MuStar,
    /// Standard deviation of the elementary effects.
    Sigma,
}

impl Kind {
    /// The name in `indices.csv` (`S1`, `ST`, `S2`, `mu`, `mu_star`, `sigma`).
    pub fn key(self) -> &'static str {
        match self {
            Kind::S1 => "S1",
            Kind::ST => "ST",
            Kind::S2 => "S2",
            Kind::Mu => "mu",
            Kind::MuStar => "mu_star",
            Kind::Sigma => "sigma",
        }
    }
}

/// One index of one parameter (or pair, for S2) with its bootstrap 95% interval. An index
/// that is undefined (outputs that do not vary) is NaN.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Index {
    /// Which index.
    pub kind: Kind,
    /// The parameter, by its position.
    pub param: usize,
    /// The second parameter of an S2 pair.
    pub with: Option<usize>,
    /// The estimate.
    pub estimate: f64,
    /// Lower end of the 95% interval.
    pub lo: f64,
    /// Upper end of the 95% interval.
    pub hi: f64,
}

/// Evaluates `f` at every point of `design` on the current rayon pool; the outputs come
/// back in the design's order whatever the thread count.
pub fn evaluate(design: &Design, f: impl Fn(&[f64]) -> f64 + Sync) -> Vec<f64> {
    design.points.par_iter().map(|x| f(x)).collect()
}

/// [`evaluate`] then [`analyse`]: the indices of `f` over `design`. What a caller with its
/// own model (a claim's margin over the physics) needs: a design, a function, the indices.
pub fn indices_of(
    design: &Design,
    f: impl Fn(&[f64]) -> f64 + Sync,
    resamples: usize,
    seed: u64,
) -> Result<Vec<Index>, String> {
    analyse(design, &evaluate(design, f), resamples, seed)
}

/// The indices of outputs `y` (one per row of `design`, in its order); intervals from
/// `resamples` bootstrap resamples drawn from `seed`. Sobol gives S1 and ST per parameter
/// (then S2 per pair with second order); Morris gives mu, mu* and sigma per parameter. An
/// error when `y` does not fit the design or holds a value that is not finite.
pub fn analyse(
    design: &Design,
    y: &[f64],
    resamples: usize,
    seed: u64,
) -> Result<Vec<Index>, String> {
    if y.len() != design.points.len() {
        return Err(format!(
            "{} outputs for a design of {} points",
            y.len(),
            design.points.len()
        ));
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(format!(
            "the output of point {} is {}, not a number",
            i + 1,
            y[i]
        ));
    }
    if resamples < 2 {
        return Err(format!("resamples must be at least 2 (got {resamples})"));
    }
    Ok(match design.method {
        Method::Sobol { n, second_order } => sobol(y, design.d, n, second_order, resamples, seed),
        Method::Morris { levels, .. } => morris(design, y, morris_delta(levels), resamples, seed),
    })
}

/// Mean of `xs` (plain summation in order).
fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for x in xs {
        s += x;
        n += 1;
    }
    s / n as f64
}

/// Standard deviation with `n - 1`.
fn sd1(xs: &[f64]) -> f64 {
    let m = mean(xs.iter().copied());
    (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() as f64 - 1.0)).sqrt()
}

/// An index with the interval `estimate ± 1.96 sd(resampled)`.
fn with_ci(
    kind: Kind,
    param: usize,
    with: Option<usize>,
    estimate: f64,
    resampled: &[f64],
) -> Index {
    let h = Z95 * sd1(resampled);
    Index {
        kind,
        param,
        with,
        estimate,
        lo: estimate - h,
        hi: estimate + h,
    }
}

/// The Sobol outputs split by role, standardised: `a[i]`, `b[i]`, `ab[j][i]`, `ba[j][i]`.
struct Split {
    a: Vec<f64>,
    b: Vec<f64>,
    ab: Vec<Vec<f64>>,
    ba: Vec<Vec<f64>>,
}

fn split(y: &[f64], d: usize, n: usize, second_order: bool) -> Split {
    let m = mean(y.iter().copied());
    let sd = (y.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / y.len() as f64).sqrt();
    let z = |v: f64| (v - m) / sd;
    let step = if second_order { 2 * d + 2 } else { d + 2 };
    let row = |i: usize, k: usize| z(y[i * step + k]);
    Split {
        a: (0..n).map(|i| row(i, 0)).collect(),
        b: (0..n).map(|i| row(i, step - 1)).collect(),
        ab: (0..d)
            .map(|j| (0..n).map(|i| row(i, 1 + j)).collect())
            .collect(),
        ba: if second_order {
            (0..d)
                .map(|j| (0..n).map(|i| row(i, 1 + d + j)).collect())
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// The Sobol estimators on the base points `idx` (all of them, or a bootstrap resample).
struct Estimator<'a> {
    s: &'a Split,
    idx: &'a [usize],
    var: f64,
}

impl<'a> Estimator<'a> {
    fn new(s: &'a Split, idx: &'a [usize]) -> Estimator<'a> {
        let all = || {
            idx.iter()
                .map(|&i| s.a[i])
                .chain(idx.iter().map(|&i| s.b[i]))
        };
        let m = mean(all());
        let var = mean(all().map(|v| (v - m) * (v - m)));
        Estimator { s, idx, var }
    }

    fn s1(&self, j: usize) -> f64 {
        let s = self.s;
        mean(self.idx.iter().map(|&i| s.b[i] * (s.ab[j][i] - s.a[i]))) / self.var
    }

    fn st(&self, j: usize) -> f64 {
        let s = self.s;
        0.5 * mean(self.idx.iter().map(|&i| (s.a[i] - s.ab[j][i]).powi(2))) / self.var
    }

    fn s2(&self, j: usize, k: usize) -> f64 {
        let s = self.s;
        let vjk = mean(
            self.idx
                .iter()
                .map(|&i| s.ba[j][i] * s.ab[k][i] - s.a[i] * s.b[i]),
        ) / self.var;
        vjk - self.s1(j) - self.s1(k)
    }
}

/// `resamples` bootstrap resamples of `n` indices.
fn resample_sets(n: usize, resamples: usize, seed: u64, salt: u64) -> Vec<Vec<usize>> {
    let mut r = Streams::new(hash2(seed, salt)).stream(0);
    (0..resamples)
        .map(|_| (0..n).map(|_| r.below(n)).collect())
        .collect()
}

fn sobol(
    y: &[f64],
    d: usize,
    n: usize,
    second_order: bool,
    resamples: usize,
    seed: u64,
) -> Vec<Index> {
    let s = split(y, d, n, second_order);
    let all: Vec<usize> = (0..n).collect();
    let full = Estimator::new(&s, &all);
    let sets = resample_sets(n, resamples, seed, 0xB007_5AB0_0001);
    let boots: Vec<Estimator> = sets.iter().map(|idx| Estimator::new(&s, idx)).collect();
    let mut out = Vec::new();
    for j in 0..d {
        let b1: Vec<f64> = boots.iter().map(|e| e.s1(j)).collect();
        out.push(with_ci(Kind::S1, j, None, full.s1(j), &b1));
        let bt: Vec<f64> = boots.iter().map(|e| e.st(j)).collect();
        out.push(with_ci(Kind::ST, j, None, full.st(j), &bt));
    }
    if second_order {
        for j in 0..d {
            for k in j + 1..d {
                let b2: Vec<f64> = boots.iter().map(|e| e.s2(j, k)).collect();
                out.push(with_ci(Kind::S2, j, Some(k), full.s2(j, k), &b2));
            }
        }
    }
    out
}

/// The elementary effects `ee[j][t]` of every parameter in every trajectory.
pub fn elementary_effects(design: &Design, y: &[f64], delta: f64) -> Vec<Vec<f64>> {
    let d = design.d;
    let size = d + 1;
    let r = design.points.len() / size;
    let mut ee = vec![vec![0.0; r]; d];
    #[allow(clippy::needless_range_loop)]
    for t in 0..r {
        for s in 0..d {
            let (lo_row, hi_row) = (t * size + s, t * size + s + 1);
            let (x0, x1) = (&design.points[lo_row], &design.points[hi_row]);
            for j in 0..d {
                if x1[j] > x0[j] {
                    ee[j][t] = (y[hi_row] - y[lo_row]) / delta;
                } else if x1[j] < x0[j] {
                    ee[j][t] = (y[lo_row] - y[hi_row]) / delta;
                }
            }
        }
    }
    ee
}

fn morris(design: &Design, y: &[f64], delta: f64, resamples: usize, seed: u64) -> Vec<Index> {
    let ee = elementary_effects(design, y, delta);
    let r = ee.first().map_or(0, Vec::len);
    let sets = resample_sets(r, resamples, seed, 0xB007_5AB0_0002);
    let stats = |e: &[f64], idx: &mut dyn Iterator<Item = usize>| -> [f64; 3] {
        let v: Vec<f64> = idx.map(|t| e[t]).collect();
        [
            mean(v.iter().copied()),
            mean(v.iter().map(|x| x.abs())),
            sd1(&v),
        ]
    };
    let mut out = Vec::new();
    for (j, e) in ee.iter().enumerate() {
        let full = stats(e, &mut (0..r));
        let boots: Vec<[f64; 3]> = sets
            .iter()
            .map(|idx| stats(e, &mut idx.iter().copied()))
            .collect();
        for (k, kind) in [Kind::Mu, Kind::MuStar, Kind::Sigma]
            .into_iter()
            .enumerate()
        {
            let b: Vec<f64> = boots.iter().map(|s| s[k]).collect();
            out.push(with_ci(kind, j, None, full[k], &b));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(ix: &[Index], kind: Kind, j: usize) -> Index {
        *ix.iter()
            .find(|i| i.kind == kind && i.param == j && i.with.is_none())
            .unwrap()
    }

    #[test]
    fn an_additive_function_has_equal_first_and_total_indices_near_their_shares() {
        // y = x0 + 2 x1 (uniform): variances 1/12 and 4/12, so S = 0.2, 0.8, 0 (a third
        // parameter that does nothing).
        let d = Design::new(
            Method::Sobol {
                n: 1024,
                second_order: true,
            },
            3,
            1,
        )
        .unwrap();
        let ix = indices_of(&d, |x| x[0] + 2.0 * x[1], 200, 1).unwrap();
        for (j, want) in [(0, 0.2), (1, 0.8), (2, 0.0)] {
            for k in [Kind::S1, Kind::ST] {
                let i = get(&ix, k, j);
                assert!(i.lo <= want && want <= i.hi, "{k:?} {j}: {i:?}");
                assert!(i.hi - i.lo < 0.2, "{i:?}");
            }
        }
        // No interaction: every S2 interval holds 0.
        for i in ix.iter().filter(|i| i.kind == Kind::S2) {
            assert!(i.lo <= 0.0 && 0.0 <= i.hi, "{i:?}");
        }
        // The unused parameter's total index is exactly 0: AB_2 = A on every row.
        assert_eq!(get(&ix, Kind::ST, 2).estimate, 0.0);
    }

    #[test]
    fn morris_effects_of_a_linear_function_are_its_slopes() {
        let d = Design::new(
            Method::Morris {
                trajectories: 10,
                levels: 4,
            },
            3,
            2,
        )
        .unwrap();
        let ix = indices_of(&d, |x| 3.0 * x[0] - 2.0 * x[1], 50, 2).unwrap();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(get(&ix, Kind::Mu, 0).estimate, 3.0));
        assert!(close(get(&ix, Kind::Mu, 1).estimate, -2.0));
        assert!(close(get(&ix, Kind::MuStar, 1).estimate, 2.0));
        assert!(close(get(&ix, Kind::Sigma, 0).estimate, 0.0));
        assert!(close(get(&ix, Kind::MuStar, 2).estimate, 0.0));
    }

    #[test]
    fn outputs_that_do_not_fit_are_refused() {
        let d = Design::new(
            Method::Sobol {
                n: 4,
                second_order: false,
            },
            2,
            1,
        )
        .unwrap();
        assert!(analyse(&d, &[1.0; 3], 10, 1).is_err());
        let mut y = vec![1.0; d.points.len()];
        y[5] = f64::NAN;
        assert!(analyse(&d, &y, 10, 1).unwrap_err().contains("point 6"));
    }
}
