//! Minimising an expensive objective over a box, with established optimiser crates: the
//! covariance matrix adaptation evolution strategy (`cmaes`) for the global search,
//! `argmin`'s Nelder-Mead simplex for short local searches (profiles, refinements), and
//! `argmin`'s particle swarm (measured against both; not used by a command).
//!
//! Every search works in the unit cube: coordinate `u` in `[0, 1]` stands for
//! `lo + u (hi - lo)` of its parameter (see [`Bounds`]). A point a search proposes outside
//! the cube is mirrored back into it (`1.2` is read as `0.8`), so the objective is only ever
//! evaluated inside the box. The searches are deterministic: the same objective, start,
//! settings and seed give the same evaluations in the same order, so a caller that makes
//! its objective a pure function of the point (common random numbers) gets the same result
//! at any thread count. A search makes at most `max_evals` evaluations.
//!
//! The objective stops a search by returning an error: a failed run, or Ctrl-C (the caller
//! checks [`crate::base::interrupt::requested`] and returns
//! [`crate::base::interrupt::Interrupted`], saying what it kept).
//!
//! `triad calibrate` uses it for the fit and the profiles; any other command that searches
//! a box of scenario parameters should use it too.

use std::cell::RefCell;

/// The box a search runs in: one `[lo, hi]` per parameter, `lo < hi`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounds {
    /// Lower ends.
    pub lo: Vec<f64>,
    /// Upper ends.
    pub hi: Vec<f64>,
}

impl Bounds {
    /// Number of parameters.
    pub fn dim(&self) -> usize {
        self.lo.len()
    }

    /// The point of the box at unit coordinates `u`.
    pub fn to_box(&self, u: &[f64]) -> Vec<f64> {
        u.iter()
            .zip(self.lo.iter().zip(&self.hi))
            .map(|(u, (lo, hi))| lo + u * (hi - lo))
            .collect()
    }

    /// The unit coordinates of the box point `x` (clamped into the cube).
    pub fn to_unit(&self, x: &[f64]) -> Vec<f64> {
        x.iter()
            .zip(self.lo.iter().zip(&self.hi))
            .map(|(x, (lo, hi))| ((x - lo) / (hi - lo)).clamp(0.0, 1.0))
            .collect()
    }
}

pub use crate::base::stats::reflect;

/// Which search to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// CMA-ES (`cmaes`): a population per generation, robust to a rugged objective.
    Cmaes,
    /// Nelder-Mead (`argmin`): a simplex, cheap per step, local.
    NelderMead,
    /// Particle swarm (`argmin`): `particles` points started at random in the box, each
    /// pulled toward its own best and the swarm's; global, ignores the start.
    ParticleSwarm {
        /// The swarm's size: evaluations per iteration.
        particles: usize,
    },
}

/// How a search runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// The search.
    pub method: Method,
    /// At most this many evaluations (a search may stop earlier when it converges).
    pub max_evals: usize,
    /// The initial step in unit coordinates (CMA-ES's sigma; the simplex's edge).
    pub step: f64,
    /// Seed of the search's own random numbers (CMA-ES samples, the swarm's start and
    /// pulls; Nelder-Mead has none).
    pub seed: u64,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The best point seen, in unit coordinates.
    pub u: Vec<f64>,
    /// Its objective.
    pub value: f64,
    /// Evaluations made.
    pub evals: usize,
    /// The best value after each evaluation (for convergence measurements).
    pub trace: Vec<f64>,
}

/// An objective in unit coordinates; an error (an interruption, a run that cannot be
/// made) stops the search and is returned by [`minimise`].
pub type Objective<'a> = dyn Fn(&[f64]) -> anyhow::Result<f64> + Sync + 'a;

/// Keeps the best point, counts evaluations, stops on the first error or when the budget is
/// spent.
struct Tracker<'a> {
    f: &'a Objective<'a>,
    max_evals: usize,
    best: RefCell<(Vec<f64>, f64)>,
    trace: RefCell<Vec<f64>>,
    error: RefCell<Option<anyhow::Error>>,
    on_eval: &'a dyn Fn(usize, f64),
}

/// A value returned to the crate's search after an error: it stops the search soon.
const STOPPED: f64 = 1e300;

impl Tracker<'_> {
    /// The objective at `raw` (mirrored into the cube); `None` once the search must stop (an
    /// error, or the budget spent), without evaluating.
    fn eval(&self, raw: &[f64]) -> Option<f64> {
        if self.spent() {
            return None;
        }
        let u: Vec<f64> = raw.iter().map(|&x| reflect(x)).collect();
        match (self.f)(&u) {
            Ok(v) => {
                let v = if v.is_nan() { f64::INFINITY } else { v };
                let mut best = self.best.borrow_mut();
                if v < best.1 {
                    *best = (u, v);
                }
                let mut trace = self.trace.borrow_mut();
                trace.push(best.1);
                (self.on_eval)(trace.len(), best.1);
                Some(if v.is_finite() { v } else { STOPPED })
            }
            Err(e) => {
                *self.error.borrow_mut() = Some(e);
                None
            }
        }
    }

    fn spent(&self) -> bool {
        self.error.borrow().is_some() || self.trace.borrow().len() >= self.max_evals
    }

    fn finish(self) -> anyhow::Result<Outcome> {
        if let Some(e) = self.error.into_inner() {
            return Err(e);
        }
        let (u, value) = self.best.into_inner();
        let trace = self.trace.into_inner();
        Ok(Outcome {
            u,
            value,
            evals: trace.len(),
            trace,
        })
    }
}

/// Minimises `f` over the unit cube from `start` (unit coordinates); `on_eval(n, best)` is
/// called after each evaluation (for progress). Returns the best point evaluated.
pub fn minimise(
    f: &Objective<'_>,
    start: &[f64],
    settings: &Settings,
    on_eval: &dyn Fn(usize, f64),
) -> anyhow::Result<Outcome> {
    let start: Vec<f64> = start.iter().map(|&u| reflect(u)).collect();
    let t = Tracker {
        f,
        max_evals: settings.max_evals.max(1),
        best: RefCell::new((start.clone(), f64::INFINITY)),
        trace: RefCell::new(Vec::new()),
        error: RefCell::new(None),
        on_eval,
    };
    if start.is_empty() {
        t.eval(&start);
        return t.finish();
    }
    match settings.method {
        Method::Cmaes => cmaes_search(&t, &start, settings),
        Method::NelderMead => nelder_mead(&t, &start, settings),
        Method::ParticleSwarm { particles } => particle_swarm(&t, start.len(), particles, settings),
    }
    t.finish()
}

fn cmaes_search(t: &Tracker<'_>, start: &[f64], s: &Settings) {
    use cmaes::{CMAESOptions, DVector};
    // A point after the stop scores as the worst: the generation ends and the loop with it.
    let objective = |x: &DVector<f64>| t.eval(x.as_slice()).unwrap_or(STOPPED);
    let built = CMAESOptions::new(start.to_vec(), s.step)
        .seed(s.seed)
        .max_function_evals(s.max_evals)
        // In unit coordinates: stop when the search has narrowed to 0.1% of each range or
        // the best values of recent generations agree to 0.01 (in squared z-scores).
        .tol_x(1e-3)
        .tol_fun(1e-2)
        .build(objective);
    let Ok(mut cm) = built else {
        // Only invalid options fail, and these are fixed: evaluate the start at least.
        t.eval(start);
        return;
    };
    while !t.spent() {
        if cm.next().is_some() {
            break;
        }
    }
}

/// The tracker as `argmin`'s cost function. Once the search must stop, every point scores
/// as the worst without being evaluated (an error would not do: `argmin`'s Nelder-Mead
/// unwraps the costs of its first simplex), and the executor runs out its remaining
/// iterations at no cost.
struct Cost<'a, 'b>(&'a Tracker<'b>);

impl argmin::core::CostFunction for Cost<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        Ok(self.0.eval(p).unwrap_or(STOPPED))
    }
}

fn nelder_mead(t: &Tracker<'_>, start: &[f64], s: &Settings) {
    use argmin::core::Executor;
    use argmin::solver::neldermead::NelderMead;
    // The first simplex: the start and one step along each axis, inward from a wall.
    let mut simplex = vec![start.to_vec()];
    for i in 0..start.len() {
        let mut p = start.to_vec();
        p[i] = if p[i] + s.step <= 1.0 {
            p[i] + s.step
        } else {
            p[i] - s.step
        };
        simplex.push(p);
    }
    let Ok(solver) = NelderMead::new(simplex).with_sd_tolerance(1e-4) else {
        t.eval(start);
        return;
    };
    // Each iteration costs one or two evaluations (a shrink costs n): the tracker's own
    // count is the binding limit.
    let iters = s.max_evals as u64;
    let _ = Executor::new(Cost(t), solver)
        .configure(|st| st.max_iters(iters))
        .run();
}

fn particle_swarm(t: &Tracker<'_>, dim: usize, particles: usize, s: &Settings) {
    use argmin::core::Executor;
    use argmin::solver::particleswarm::ParticleSwarm;
    use argmin_rng::Xoshiro256PlusPlus;
    use argmin_rng::rand_core::SeedableRng;
    let particles = particles.max(2);
    let solver = ParticleSwarm::new((vec![0.0; dim], vec![1.0; dim]), particles)
        .with_rng_generator(Xoshiro256PlusPlus::seed_from_u64(s.seed));
    // The first swarm costs `particles` evaluations, each iteration as many again.
    let iters = (s.max_evals / particles) as u64;
    let _ = Executor::new(Cost(t), solver)
        .configure(|st| st.max_iters(iters))
        .run();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bowl(u: &[f64]) -> anyhow::Result<f64> {
        Ok(u.iter()
            .enumerate()
            .map(|(i, x)| (x - 0.2 - 0.2 * i as f64).powi(2) * 100.0)
            .sum())
    }

    #[test]
    fn reflect_mirrors_into_the_cube() {
        assert_eq!(reflect(0.3), 0.3);
        assert!((reflect(-0.1) - 0.1).abs() < 1e-12);
        assert!((reflect(1.3) - 0.7).abs() < 1e-12);
        assert!((reflect(2.25) - 0.25).abs() < 1e-12);
        assert_eq!(reflect(f64::NAN), 0.5);
    }

    #[test]
    fn every_search_finds_a_bowls_bottom_within_its_budget_and_repeats_exactly() {
        for method in [
            Method::Cmaes,
            Method::NelderMead,
            Method::ParticleSwarm { particles: 20 },
        ] {
            let s = Settings {
                method,
                max_evals: 400,
                step: 0.2,
                seed: 3,
            };
            let a = minimise(&bowl, &[0.9, 0.9, 0.9], &s, &|_, _| {}).unwrap();
            assert!(a.value < 1e-2, "{method:?}: {a:?}");
            assert!(a.evals <= 400, "{method:?}: {} evaluations", a.evals);
            let b = minimise(&bowl, &[0.9, 0.9, 0.9], &s, &|_, _| {}).unwrap();
            assert_eq!(a, b, "{method:?} is not deterministic");
            assert!(a.trace.windows(2).all(|w| w[1] <= w[0]));
        }
    }

    #[test]
    fn an_error_stops_the_search() {
        let f = |u: &[f64]| -> anyhow::Result<f64> {
            if u[0] > 0.6 {
                anyhow::bail!("no")
            }
            Ok(u[0])
        };
        let s = Settings {
            method: Method::NelderMead,
            max_evals: 50,
            step: 0.5,
            seed: 1,
        };
        let e = minimise(&f, &[0.5], &s, &|_, _| {}).unwrap_err();
        assert_eq!(e.to_string(), "no");
    }

    #[test]
    fn bounds_map_both_ways() {
        let b = Bounds {
            lo: vec![0.0, -1.0],
            hi: vec![4.0, 1.0],
        };
        assert_eq!(b.to_box(&[0.5, 0.25]), vec![2.0, -0.5]);
        assert_eq!(b.to_unit(&[2.0, -0.5]), vec![0.5, 0.25]);
        assert_eq!(b.to_unit(&[9.0, -3.0]), vec![1.0, 0.0]);
    }
}
