//! The sample designs of a sensitivity analysis, in the unit cube: Saltelli's cross-sampled
//! matrices on a scrambled Sobol sequence, and Morris trajectories.
//!
//! Both lay their points out in the order SALib's samplers do, so that SALib's `analyze`
//! reads triad's outputs as its own (`benches/salib/compare.py` checks it):
//!
//! - **Sobol** (Saltelli): a scrambled Sobol sequence of `N` points in `2D` dimensions
//!   gives for point `i` the rows `A_i` (its first `D` coordinates) and `B_i` (its last `D`).
//!   The design holds, for each `i` in turn, `A_i`, then `AB_i^j` for `j = 1..D` (`A_i` with
//!   column `j` from `B_i`), then, with second order, `BA_i^j` (`B_i` with column `j` from
//!   `A_i`), then `B_i`: `N (2D + 2)` rows, or `N (D + 2)` without second order.
//! - **Morris**: `r` trajectories of `D + 1` points on a grid of `p` levels
//!   (`0, 1/(p-1), ..., 1`); each starts at a random grid point with every coordinate at
//!   most `1 - Δ` (`Δ = p / (2 (p - 1))`), and moves one coordinate at a time, in random
//!   order, by `+Δ` or `-Δ` (random sign), so every coordinate changes exactly once.

use crate::engine::{Streams, hash2};
use crate::sweep::design::{SOBOL_MAX_DIMS, sobol_scrambled};
use serde::{Deserialize, Serialize};

/// Most parameters of a Sobol analysis: its sequence has two coordinates per parameter.
pub const SOBOL_MAX_PARAMS: usize = SOBOL_MAX_DIMS / 2;
/// Most parameters of a Morris analysis.
pub const MORRIS_MAX_PARAMS: usize = 64;

/// How a design is drawn and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "method")]
pub enum Method {
    /// Saltelli sampling for Sobol indices: `n` base points (a power of 2 keeps the
    /// sequence balanced), with or without second-order indices.
    Sobol {
        /// Base points `N`.
        n: usize,
        /// Cross-sampled `BA` rows for second-order indices.
        second_order: bool,
    },
    /// Morris trajectories for elementary effects.
    Morris {
        /// Trajectories `r`.
        trajectories: usize,
        /// Grid levels `p` (even, at least 2).
        levels: u32,
    },
}

impl Method {
    /// Rows of the design for `d` parameters.
    pub fn rows(&self, d: usize) -> usize {
        match *self {
            Method::Sobol { n, second_order } => n * if second_order { 2 * d + 2 } else { d + 2 },
            Method::Morris { trajectories, .. } => trajectories * (d + 1),
        }
    }

    /// What is wrong with this method for `d` parameters, if anything.
    pub fn check(&self, d: usize) -> Result<(), String> {
        match *self {
            Method::Sobol { n, .. } => {
                if d == 0 || d > SOBOL_MAX_PARAMS {
                    return Err(format!(
                        "a Sobol analysis takes 1 to {SOBOL_MAX_PARAMS} parameters (got {d}); \
                         screen more with method = \"morris\""
                    ));
                }
                if n < 2 {
                    return Err(format!("n must be at least 2 (got {n})"));
                }
            }
            Method::Morris {
                trajectories,
                levels,
            } => {
                if d == 0 || d > MORRIS_MAX_PARAMS {
                    return Err(format!(
                        "a Morris analysis takes 1 to {MORRIS_MAX_PARAMS} parameters (got {d})"
                    ));
                }
                if trajectories < 2 {
                    return Err(format!(
                        "n (trajectories) must be at least 2 (got {trajectories})"
                    ));
                }
                if levels < 2 || levels % 2 != 0 {
                    return Err(format!("levels must be even and at least 2 (got {levels})"));
                }
            }
        }
        Ok(())
    }
}

/// A design: its method, parameter count and points in `[0, 1]^d`, in SALib's row order.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// How it was drawn.
    pub method: Method,
    /// Parameters.
    pub d: usize,
    /// The rows.
    pub points: Vec<Vec<f64>>,
}

impl Design {
    /// The design of `method` for `d` parameters from `seed`; an error says what is wrong
    /// with the method ([`Method::check`]).
    pub fn new(method: Method, d: usize, seed: u64) -> Result<Design, String> {
        method.check(d)?;
        let points = match method {
            Method::Sobol { n, second_order } => saltelli(n, d, second_order, seed)?,
            Method::Morris {
                trajectories,
                levels,
            } => morris(trajectories, d, levels, seed),
        };
        Ok(Design { method, d, points })
    }
}

fn saltelli(n: usize, d: usize, second_order: bool, seed: u64) -> Result<Vec<Vec<f64>>, String> {
    let base = sobol_scrambled(n, 2 * d, seed)
        .ok_or_else(|| format!("n = {n} is more points than the Sobol sequence has"))?;
    let mut out = Vec::with_capacity(Method::Sobol { n, second_order }.rows(d));
    for p in &base {
        let (a, b) = p.split_at(d);
        out.push(a.to_vec());
        for j in 0..d {
            let mut ab = a.to_vec();
            ab[j] = b[j];
            out.push(ab);
        }
        if second_order {
            for j in 0..d {
                let mut ba = b.to_vec();
                ba[j] = a[j];
                out.push(ba);
            }
        }
        out.push(b.to_vec());
    }
    Ok(out)
}

/// The grid step of Morris trajectories on `levels` levels.
pub fn morris_delta(levels: u32) -> f64 {
    levels as f64 / (2.0 * (levels as f64 - 1.0))
}

fn morris(trajectories: usize, d: usize, levels: u32, seed: u64) -> Vec<Vec<f64>> {
    let mut r = Streams::new(hash2(seed, 0x5EED_DE51_6E00_0004)).stream(0);
    let delta = morris_delta(levels);
    let step = 1.0 / (levels as f64 - 1.0);
    // Start levels 0 .. levels/2 - 1: at most 1 - delta.
    let starts = (levels / 2) as usize;
    let mut out = Vec::with_capacity(trajectories * (d + 1));
    for _ in 0..trajectories {
        let mut x: Vec<f64> = (0..d).map(|_| r.below(starts) as f64 * step).collect();
        let up: Vec<bool> = (0..d).map(|_| r.bernoulli(0.5)).collect();
        // A coordinate moving down starts at the top of its step.
        for j in 0..d {
            if !up[j] {
                x[j] += delta;
            }
        }
        let mut order: Vec<usize> = (0..d).collect();
        for i in (1..d).rev() {
            let k = r.below(i + 1);
            order.swap(i, k);
        }
        out.push(x.clone());
        for &j in &order {
            x[j] += if up[j] { delta } else { -delta };
            // Land exactly on the grid: level k is k / (levels - 1).
            x[j] = (x[j] / step).round() * step;
            out.push(x.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saltelli_rows_share_columns_as_salib_lays_them_out() {
        let (n, d) = (8, 3);
        let m = Method::Sobol {
            n,
            second_order: true,
        };
        let x = Design::new(m, d, 5).unwrap().points;
        assert_eq!(x.len(), m.rows(d));
        let step = 2 * d + 2;
        for i in 0..n {
            let (a, b) = (&x[i * step], &x[i * step + step - 1]);
            for j in 0..d {
                let ab = &x[i * step + 1 + j];
                let ba = &x[i * step + 1 + d + j];
                for k in 0..d {
                    assert_eq!(ab[k], if k == j { b[k] } else { a[k] });
                    assert_eq!(ba[k], if k == j { a[k] } else { b[k] });
                }
            }
        }
        assert!(Design::new(m, SOBOL_MAX_PARAMS + 1, 5).is_err());
    }

    #[test]
    fn morris_trajectories_move_each_coordinate_once_by_delta_on_the_grid() {
        let (r, d, p) = (20, 5, 4);
        let m = Method::Morris {
            trajectories: r,
            levels: p,
        };
        let x = Design::new(m, d, 9).unwrap().points;
        assert_eq!(x.len(), r * (d + 1));
        let delta = morris_delta(p);
        let mut ups = 0;
        for t in 0..r {
            let mut moved = vec![0; d];
            for s in 0..d {
                let (a, b) = (&x[t * (d + 1) + s], &x[t * (d + 1) + s + 1]);
                let changed: Vec<usize> = (0..d).filter(|&k| a[k] != b[k]).collect();
                assert_eq!(changed.len(), 1);
                let k = changed[0];
                moved[k] += 1;
                assert!(((b[k] - a[k]).abs() - delta).abs() < 1e-12);
                ups += usize::from(b[k] > a[k]);
                for v in [a[k], b[k]] {
                    let level = v * (p as f64 - 1.0);
                    assert!((level - level.round()).abs() < 1e-12 && (0.0..=1.0).contains(&v));
                }
            }
            assert!(moved.iter().all(|&m| m == 1));
        }
        // Both directions occur (100 moves, each up with probability 1/2).
        assert!(ups > 20 && ups < 80, "{ups}");
    }
}
