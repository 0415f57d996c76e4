//! The built-in test models a plan can name instead of a base scenario (`model = ...`):
//! functions whose Sobol indices are known in closed form, to check the estimators
//! against.
//!
//! - **Ishigami** (Ishigami and Homma 1990), `f = sin x1 + a sin² x2 + b x3⁴ sin x1` on
//!   `[-π, π]³`. With `V1 = (1 + b π⁴/5)² / 2`, `V2 = a²/8`,
//!   `V13 = b² π⁸ (1/18 - 1/50)` and `V = V1 + V2 + V13`: `S1 = V1/V`, `S2 = V2/V`,
//!   `S3 = 0`, `ST1 = (V1 + V13)/V`, `ST2 = S2`, `ST3 = V13/V`. At `a = 7`, `b = 0.1`:
//!   S1 = 0.3139, 0.4424, 0 and ST = 0.5576, 0.4424, 0.2437.
//! - **Sobol G** (Saltelli and Sobol 1995), `f = Π (|4 x_i - 2| + a_i) / (1 + a_i)` on
//!   `[0, 1]^k`: `V_i = 1 / (3 (1 + a_i)²)`, `V = Π (1 + V_i) - 1`, `S_i = V_i / V`,
//!   `ST_i = V_i Π_{j≠i} (1 + V_j) / V`.

use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// A built-in test model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "kebab-case")]
pub enum Model {
    /// The Ishigami function.
    Ishigami {
        /// Weight of the `sin² x2` term.
        a: f64,
        /// Weight of the `x3⁴ sin x1` term.
        b: f64,
    },
    /// The Sobol G function with one coefficient per input.
    SobolG {
        /// The coefficients `a_i >= 0`: the smaller, the more input `i` matters.
        a: Vec<f64>,
    },
}

impl Model {
    /// The inputs' names (`x1`, `x2`, ...).
    pub fn inputs(&self) -> Vec<String> {
        (1..=self.dims()).map(|i| format!("x{i}")).collect()
    }

    /// The number of inputs.
    pub fn dims(&self) -> usize {
        match self {
            Model::Ishigami { .. } => 3,
            Model::SobolG { a } => a.len(),
        }
    }

    /// The range of every input.
    pub fn range(&self) -> (f64, f64) {
        match self {
            Model::Ishigami { .. } => (-PI, PI),
            Model::SobolG { .. } => (0.0, 1.0),
        }
    }

    /// The model's value at `x` (in the inputs' own ranges).
    pub fn eval(&self, x: &[f64]) -> f64 {
        match self {
            Model::Ishigami { a, b } => {
                x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
            }
            Model::SobolG { a } => a
                .iter()
                .zip(x)
                .map(|(ai, xi)| ((4.0 * xi - 2.0).abs() + ai) / (1.0 + ai))
                .product(),
        }
    }

    /// The analytic first-order and total indices of every input.
    pub fn analytic(&self) -> (Vec<f64>, Vec<f64>) {
        match self {
            Model::Ishigami { a, b } => {
                let v1 = (1.0 + b * PI.powi(4) / 5.0).powi(2) / 2.0;
                let v2 = a * a / 8.0;
                let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
                let v = v1 + v2 + v13;
                (
                    vec![v1 / v, v2 / v, 0.0],
                    vec![(v1 + v13) / v, v2 / v, v13 / v],
                )
            }
            Model::SobolG { a } => {
                let vi: Vec<f64> = a
                    .iter()
                    .map(|ai| 1.0 / (3.0 * (1.0 + ai).powi(2)))
                    .collect();
                let prod: f64 = vi.iter().map(|v| 1.0 + v).product();
                let v = prod - 1.0;
                (
                    vi.iter().map(|x| x / v).collect(),
                    vi.iter().map(|x| x * prod / (1.0 + x) / v).collect(),
                )
            }
        }
    }

    /// How the report names it: `Ishigami (a = 7, b = 0.1)`, `Sobol G (a = 0, 0.5, ...)`.
    pub fn describe(&self) -> String {
        use crate::base::fmt::num;
        match self {
            Model::Ishigami { a, b } => format!("Ishigami (a = {}, b = {})", num(*a), num(*b)),
            Model::SobolG { a } => format!(
                "Sobol G (a = {})",
                a.iter().map(|x| num(*x)).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    /// What is wrong with the model's coefficients, if anything.
    pub fn check(&self) -> Result<(), String> {
        match self {
            Model::Ishigami { a, b } if !(a.is_finite() && b.is_finite()) => {
                Err("a and b must be finite numbers".into())
            }
            Model::SobolG { a } if a.is_empty() => {
                Err("the Sobol G function needs its coefficients: a = [0.0, 1.0, 4.5, ...]".into())
            }
            Model::SobolG { a } if a.iter().any(|v| !(v.is_finite() && *v >= 0.0)) => {
                Err("every coefficient a_i must be a finite number >= 0".into())
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ishigami_indices_are_the_published_ones() {
        let (s1, st) = Model::Ishigami { a: 7.0, b: 0.1 }.analytic();
        let r4 = |v: &[f64]| {
            v.iter()
                .map(|x| (x * 1e4).round() / 1e4)
                .collect::<Vec<_>>()
        };
        assert_eq!(r4(&s1), vec![0.3139, 0.4424, 0.0]);
        assert_eq!(r4(&st), vec![0.5576, 0.4424, 0.2437]);
    }

    #[test]
    fn sobol_g_without_interactions_among_useless_inputs() {
        let m = Model::SobolG { a: vec![0.0, 99.0] };
        let (s1, st) = m.analytic();
        // Shares sum to less than 1 (the interaction), the totals to more.
        assert!(s1.iter().sum::<f64>() < 1.0 && st.iter().sum::<f64>() > 1.0);
        // V = (1 + 1/3)(1 + 1/30000) - 1: input 2 holds about 1e-4 of it.
        assert!(s1[0] > 0.999 && st[1] > 0.0 && st[1] < 2e-4);
        // Every input at 0.5 - 1/4 and the middle: |4x - 2| = 1 makes each factor 1.
        assert_eq!(m.eval(&[0.25, 0.75]), 1.0);
    }
}
