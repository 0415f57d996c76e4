//! EGO (`egobox-ego`, Bayesian optimisation on a Gaussian-process surrogate) fitting the
//! calibration example from targets generated at the hidden values with seeds 1001 to 1003,
//! at a budget of 200 evaluations (the default first design of 5 points, then 195
//! iterations of one point each), search seeds 1 to 3. Prints, like the test
//! `optimisers_compared_on_the_example`, the objective after 50, 100 and 200 evaluations,
//! the wall time, and how much of it was the objective's own; then the mean, and the
//! paired difference from triad's CMA-ES run on the same targets and search seed.

use egobox_ego::EgorBuilder;
use ndarray::{Array2, ArrayView2, array};
use std::cell::RefCell;
use std::path::Path;
use std::time::{Duration, Instant};
use triad::base::stats::paired_ci;
use triad::calibrate::optimise::{self, Method, Settings};
use triad::calibrate::{self, Calibration};

/// The hidden values the example's targets are generated at (tests/it/calibrate.rs).
const HIDDEN: [f64; 3] = [2.0, 0.7, 0.3];
/// Replications behind a generated target (tests/it/calibrate.rs).
const GEN_REPS: u32 = 16;
const BUDGET: usize = 200;
const FIRST_DESIGN: usize = 5;

/// The example with its targets generated at the hidden values with `seed`, as the test's
/// `generate` makes them: the mean of 16 runs, its standard error (at least 0.002) as sd,
/// both rounded to 4 significant digits.
fn example(seed: u64) -> Calibration {
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/calibrate/recovery.toml");
    let mut cal = calibrate::load(&file).unwrap_or_else(|e| panic!("{e}"));
    let reps = cal.replications;
    cal.replications = GEN_REPS;
    let fits = cal.evaluate(&HIDDEN, seed).expect("the hidden values run");
    let round = |x: f64| format!("{x:.4e}").parse::<f64>().expect("a number");
    for (t, f) in cal.targets.iter_mut().zip(&fits) {
        t.value = round(f.sim.mean);
        t.sd = round((f.sim.sd / (f.sim.n as f64).sqrt()).max(0.002));
    }
    cal.replications = reps;
    cal
}

fn main() {
    let mut sums = [0.0f64; 3];
    let mut runs = 0.0;
    let (mut ego, mut cmaes) = (Vec::new(), Vec::new());
    for targets in 1001..=1003u64 {
        let seed = targets - 1000;
        let cal = example(targets);
        let b = cal.bounds();
        for search in 1..=3u64 {
            // Best objective after each evaluation, and the time spent in the objective.
            let trace = RefCell::new(Vec::<f64>::new());
            let in_objective = RefCell::new(Duration::ZERO);
            let f = |x: &ArrayView2<f64>| -> Result<Array2<f64>, String> {
                let mut y = Array2::zeros((x.nrows(), 1));
                for (i, row) in x.rows().into_iter().enumerate() {
                    let clock = Instant::now();
                    let u: Vec<f64> = row.iter().copied().collect();
                    let v = cal
                        .objective(&b.to_box(&u), seed)
                        .map_err(|e| e.to_string())?;
                    *in_objective.borrow_mut() += clock.elapsed();
                    let mut t = trace.borrow_mut();
                    let best = t.last().copied().unwrap_or(f64::INFINITY).min(v);
                    t.push(best);
                    y[[i, 0]] = v;
                }
                Ok(y)
            };
            let clock = Instant::now();
            let r = EgorBuilder::optimize(f)
                .configure(|c| {
                    c.n_doe(FIRST_DESIGN)
                        .max_iters(BUDGET - FIRST_DESIGN)
                        .seed(search)
                })
                .min_within(&array![[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
                .expect("EGO configured")
                .run()
                .expect("EGO runs");
            let wall = clock.elapsed().as_secs_f64();
            let t = trace.into_inner();
            let at = |n: usize| t[(n - 1).min(t.len() - 1)];
            let u: Vec<f64> = r.x_opt.iter().copied().collect();
            println!(
                "targets {targets} EGO search seed {search}: objective after 50 / 100 / all {} \
                 evaluations: {:.2} / {:.2} / {:.2} in {wall:.1} s ({:.1} s in the objective); at {:?}",
                t.len(),
                at(50),
                at(100),
                at(BUDGET),
                in_objective.into_inner().as_secs_f64(),
                b.to_box(&u)
            );
            for (k, n) in [50, 100, BUDGET].into_iter().enumerate() {
                sums[k] += at(n);
            }
            runs += 1.0;
            ego.push(at(BUDGET));
            let start = b.to_unit(&cal.params.iter().map(|p| p.default).collect::<Vec<_>>());
            let c = optimise::minimise(
                &|u: &[f64]| cal.objective(&b.to_box(u), seed),
                &start,
                &Settings {
                    method: Method::Cmaes,
                    max_evals: BUDGET,
                    step: 0.3,
                    seed: search,
                },
                &|_, _| {},
            )
            .expect("CMA-ES runs");
            cmaes.push(c.value);
        }
    }
    println!(
        "EGO: mean objective over {runs} runs after 50 / 100 / 200 evaluations: {:.2} / {:.2} / {:.2}",
        sums[0] / runs,
        sums[1] / runs,
        sums[2] / runs
    );
    let d = paired_ci(&ego, &cmaes, 0.95);
    println!(
        "EGO minus CMA-ES after 200 evaluations, paired: {:.2} [{:.2}, {:.2}]",
        d.mean, d.lo, d.hi
    );
}
