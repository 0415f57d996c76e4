//! Profile likelihood: each parameter's interval.
//!
//! The objective is a chi-square (a sum of squared standardised residuals), so its rise
//! `delta` above the minimum is a likelihood-ratio statistic. The profile of parameter `i`
//! fixes it at the points of a grid over its range and minimises the objective over the
//! other parameters there (Nelder-Mead, started from the neighbouring grid point's optimum).
//! The 95% interval is where the profile stays below [`DELTA_95`] (the 95% quantile of a
//! chi-square with one degree of freedom), with the crossings interpolated between grid
//! points on the signed-root scale `sqrt(delta)`, which is linear in the parameter for a
//! quadratic profile: an interval narrower than the grid's spacing keeps its width (a
//! linear interpolation of `delta` itself would cut it short, since the chord of a convex
//! profile lies above it). The walk goes out from the fit both ways and stops past [`CUTOFF`]: farther
//! points cannot enter the interval. A profile that never reaches [`DELTA_95`] on a side
//! leaves the interval open at that end of the range: the targets do not bound the
//! parameter there.

use super::optimise::{self, Bounds, Method, Objective, Settings};

/// The 95% quantile of chi-square with one degree of freedom.
pub const DELTA_95: f64 = 3.841_458_820_694_124;

/// A profile walk stops one grid point past this rise of the objective.
pub(super) const CUTOFF: f64 = 9.0;

/// Most Nelder-Mead evaluations per profile point (over the other parameters), by default:
/// measured against 12 and 40 on the example (docs/calibrate.md, "The intervals").
pub(super) const EVALS_PER_POINT: usize = 24;

/// One point of a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfilePoint {
    /// Every parameter at the point, in unit coordinates (the profiled one fixed).
    pub u: Vec<f64>,
    /// The profiled parameter's value (set by [`Profile::finish`]; its unit coordinate
    /// before).
    pub value: f64,
    /// The objective minimised over the other parameters.
    pub objective: f64,
    /// Its rise above the overall minimum (set by [`Profile::finish`]).
    pub delta: f64,
}

/// A parameter's profile and interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// The points, by value (the fit's own point included).
    pub points: Vec<ProfilePoint>,
    /// Lower end of the 95% interval.
    pub lo: f64,
    /// Upper end of the 95% interval.
    pub hi: f64,
    /// The targets bound the parameter from below (the interval does not run into the
    /// range's low end).
    pub bounded_below: bool,
    /// ... from above.
    pub bounded_above: bool,
    /// Objective evaluations made.
    pub evals: usize,
}

impl Profile {
    /// Whether the targets bound the parameter on neither side (a flat profile).
    pub fn flat(&self) -> bool {
        !self.bounded_below && !self.bounded_above
    }

    /// The point with the lowest objective.
    pub fn best_point(&self) -> Option<&ProfilePoint> {
        self.points
            .iter()
            .min_by(|a, b| a.objective.total_cmp(&b.objective))
    }

    /// Sets each point's rise above `min` and the interval around `at` (unit coordinate of
    /// the best point) for parameter `i` of `bounds`.
    pub fn finish(&mut self, min: f64, at: f64, bounds: &Bounds, i: usize) {
        let (lo, hi) = (bounds.lo[i], bounds.hi[i]);
        for p in &mut self.points {
            p.delta = (p.objective - min).max(0.0);
            p.value = lo + p.u[i] * (hi - lo);
        }
        let centre = lo + at * (hi - lo);
        // Points at or above the centre, going up; at or below it, going down.
        let up: Vec<(f64, f64)> = self
            .points
            .iter()
            .filter(|p| p.value >= centre)
            .map(|p| (p.value, p.delta))
            .collect();
        let down: Vec<(f64, f64)> = self
            .points
            .iter()
            .rev()
            .filter(|p| p.value <= centre)
            .map(|p| (p.value, p.delta))
            .collect();
        let cross = |walk: &[(f64, f64)], end: f64| -> (f64, bool) {
            let mut prev: (f64, f64) = (centre, 0.0);
            for &(v, d) in walk {
                if d > DELTA_95 {
                    let (r0, r1) = (prev.1.sqrt(), d.sqrt());
                    let t = (DELTA_95.sqrt() - r0) / (r1 - r0);
                    return (prev.0 + t.clamp(0.0, 1.0) * (v - prev.0), true);
                }
                prev = (v, d);
            }
            (end, false)
        };
        (self.hi, self.bounded_above) = cross(&up, hi);
        (self.lo, self.bounded_below) = cross(&down, lo);
    }
}

/// The profile of parameter `i` around the fit `u` (objective `at_fit`), on a grid of
/// `points` values over its range, with at most `evals_per_point` evaluations at each;
/// `on_eval` reports progress.
pub(super) fn profile(
    f: &Objective<'_>,
    u: &[f64],
    at_fit: f64,
    i: usize,
    points: usize,
    evals_per_point: usize,
    on_eval: &dyn Fn(usize, f64),
) -> anyhow::Result<Profile> {
    let points = points.max(3);
    let grid: Vec<f64> = (0..points)
        .map(|k| k as f64 / (points - 1) as f64)
        .collect();
    let mut out = vec![ProfilePoint {
        u: u.to_vec(),
        value: u[i],
        objective: at_fit,
        delta: 0.0,
    }];
    let mut evals = 0;
    let up: Vec<f64> = grid.iter().copied().filter(|&g| g > u[i] + 1e-9).collect();
    let down: Vec<f64> = grid
        .iter()
        .rev()
        .copied()
        .filter(|&g| g < u[i] - 1e-9)
        .collect();
    for walk in [up, down] {
        let mut from = u.to_vec();
        for g in walk {
            let others: Vec<f64> = from
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, &v)| v)
                .collect();
            let with = |o: &[f64]| -> Vec<f64> {
                let mut v = o.to_vec();
                v.insert(i, g);
                v
            };
            let sub = |o: &[f64]| f(&with(o));
            let r = optimise::minimise(
                &sub,
                &others,
                &Settings {
                    method: Method::NelderMead,
                    max_evals: evals_per_point,
                    step: 0.1,
                    seed: 0,
                },
                &|n, b| on_eval(evals + n, b),
            )?;
            evals += r.evals;
            let full = with(&r.u);
            out.push(ProfilePoint {
                u: full.clone(),
                value: g,
                objective: r.value,
                delta: 0.0,
            });
            from = full;
            if r.value - at_fit > CUTOFF {
                break;
            }
        }
    }
    out.sort_by(|a, b| a.value.total_cmp(&b.value));
    Ok(Profile {
        points: out,
        lo: f64::NAN,
        hi: f64::NAN,
        bounded_below: false,
        bounded_above: false,
        evals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chi-square in two parameters with known intervals: z1 = (x - 0.4) / 0.05,
    /// z2 = (y - 0.5) / 0.1 on the unit box; the 95% interval of x is 0.4 +- 1.96 * 0.05.
    #[test]
    fn profile_intervals_match_a_known_chi_square() {
        let f = |u: &[f64]| -> anyhow::Result<f64> {
            Ok(((u[0] - 0.4) / 0.05).powi(2) + ((u[1] - 0.5) / 0.1).powi(2))
        };
        let b = Bounds {
            lo: vec![0.0, 0.0],
            hi: vec![1.0, 1.0],
        };
        let mut p = profile(&f, &[0.4, 0.5], 0.0, 0, 41, EVALS_PER_POINT, &|_, _| {}).unwrap();
        p.finish(0.0, 0.4, &b, 0);
        assert!(p.bounded_below && p.bounded_above && !p.flat());
        let half = DELTA_95.sqrt() * 0.05;
        // Interpolated on the signed-root scale, a quadratic profile's crossings are exact.
        assert!((p.lo - (0.4 - half)).abs() < 1e-6, "{}", p.lo);
        assert!((p.hi - (0.4 + half)).abs() < 1e-6, "{}", p.hi);
        // The walk stopped: far points were not computed.
        assert!(p.points.len() < 20, "{}", p.points.len());
    }

    /// An interval much narrower than the grid's spacing (sd 0.01 on a grid of 0.0625, the
    /// fit between grid points) keeps its width: 1.96 sd each side.
    #[test]
    fn an_interval_narrower_than_the_grid_keeps_its_width() {
        let f = |u: &[f64]| -> anyhow::Result<f64> {
            Ok(((u[0] - 0.53) / 0.01).powi(2) + ((u[1] - 0.5) / 0.1).powi(2))
        };
        let b = Bounds {
            lo: vec![0.0, 0.0],
            hi: vec![1.0, 1.0],
        };
        let mut p = profile(&f, &[0.53, 0.5], 0.0, 0, 17, EVALS_PER_POINT, &|_, _| {}).unwrap();
        p.finish(0.0, 0.53, &b, 0);
        let half = DELTA_95.sqrt() * 0.01;
        assert!((p.lo - (0.53 - half)).abs() < 1e-6, "{}", p.lo);
        assert!((p.hi - (0.53 + half)).abs() < 1e-6, "{}", p.hi);
    }

    #[test]
    fn a_flat_profile_is_open_at_both_ends() {
        let f = |u: &[f64]| -> anyhow::Result<f64> { Ok(((u[1] - 0.5) / 0.1).powi(2)) };
        let b = Bounds {
            lo: vec![-1.0, 0.0],
            hi: vec![3.0, 1.0],
        };
        let mut p = profile(&f, &[0.5, 0.5], 0.0, 0, 11, EVALS_PER_POINT, &|_, _| {}).unwrap();
        p.finish(0.0, 0.5, &b, 0);
        assert!(p.flat());
        assert_eq!((p.lo, p.hi), (-1.0, 3.0));
        assert_eq!(p.points.len(), 11);
    }
}
