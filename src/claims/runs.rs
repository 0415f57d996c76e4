//! Running the variants of a check in parallel, with common random numbers, and the
//! statistics the checks decide on.

use crate::base::interrupt::{self, Interrupted};
use crate::base::stats::{MeanCi, mean_ci, paired_ci};
use crate::engine::hash2;
use crate::model::RunResult;
use crate::scenario::{self, Scenario};
use rayon::prelude::*;
use std::path::Path;

/// Confidence level of every interval in the checks.
pub const LEVEL: f64 = 0.95;

/// Reads and validates a claim's scenario file.
pub fn load(path: &Path) -> anyhow::Result<Scenario> {
    Ok(scenario::load(path)?)
}

/// The seed of replication `r`: the same for every variant (common random numbers).
pub fn seed_of(seed: u64, r: usize) -> u64 {
    hash2(seed, r as u64)
}

/// Ends a check when Ctrl-C was pressed (or a host such as the Python module asked it to
/// stop, [`interrupt::request`]): an [`Interrupted`] error. Checks call it before each
/// replication, so an interrupted check stops after the runs in flight; it keeps nothing,
/// so the same check starts again.
pub fn stop_if_asked() -> anyhow::Result<()> {
    if interrupt::requested() {
        return Err(Interrupted {
            resume: "rerun the same check to start it again".into(),
        }
        .into());
    }
    Ok(())
}

/// Runs every variant `reps` times; `out[v][r]` is variant `v`, replication `r`. Runs go
/// in parallel; the result does not depend on the thread count. Each run starts only if
/// no stop was asked ([`stop_if_asked`]).
pub fn replicate(
    variants: &[Scenario],
    reps: usize,
    seed: u64,
) -> anyhow::Result<Vec<Vec<RunResult>>> {
    let jobs: Vec<(usize, usize)> = (0..variants.len())
        .flat_map(|v| (0..reps).map(move |r| (v, r)))
        .collect();
    let results: Vec<RunResult> = jobs
        .par_iter()
        .map(|&(v, r)| {
            stop_if_asked()?;
            Ok(variants[v].run(seed_of(seed, r))?)
        })
        .collect::<anyhow::Result<_>>()?;
    let mut it = results.into_iter();
    Ok((0..variants.len())
        .map(|_| it.by_ref().take(reps).collect())
        .collect())
}

/// Metric `name` of each run.
pub fn metric(runs: &[RunResult], name: &str) -> Vec<f64> {
    runs.iter()
        .map(|r| {
            r.columns()
                .into_iter()
                .find(|(n, _)| n == name)
                .map_or(f64::NAN, |(_, v)| v)
        })
        .collect()
}

/// Mean and 95% interval.
pub fn ci(xs: &[f64]) -> MeanCi {
    mean_ci(xs, LEVEL)
}

/// Paired `a - b` mean and 95% interval.
pub fn diff(a: &[f64], b: &[f64]) -> MeanCi {
    paired_ci(a, b, LEVEL)
}

/// The least-squares slope of `ys` over `xs`.
pub fn slope(xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    if sxx > 0.0 { sxy / sxx } else { 0.0 }
}

/// The slope over `xs` fitted in each replication (`per_variant[v][r]`), as a sample.
pub fn slopes(xs: &[f64], per_variant: &[Vec<f64>]) -> Vec<f64> {
    let reps = per_variant.first().map_or(0, |v| v.len());
    (0..reps)
        .map(|r| {
            let ys: Vec<f64> = per_variant.iter().map(|v| v[r]).collect();
            slope(xs, &ys)
        })
        .collect()
}

/// `a[i] * k` for each `i`.
pub fn scale(a: &[f64], k: f64) -> Vec<f64> {
    a.iter().map(|x| x * k).collect()
}

/// Element-wise `a - b`.
pub fn minus(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x - y).collect()
}

/// A copy of `cfg` changed by `f`.
pub fn variant(cfg: &Scenario, f: impl FnOnce(&mut Scenario)) -> Scenario {
    let mut c = cfg.clone();
    f(&mut c);
    c
}

/// The shared parameters of `cfg`'s static policy, for variants that change them (claims
/// run on the `static` policy unless they compare policies).
pub fn static_params(cfg: &mut Scenario) -> anyhow::Result<&mut crate::policy::Common> {
    match cfg.policy.params_mut::<crate::policy::StaticParams>() {
        Some(p) => Ok(&mut p.common),
        None => {
            anyhow::bail!("this claim's scenario must use the static policy (kind = \"static\")")
        }
    }
}

/// Index of the tier named `name` in `cfg`, or an error that names the tiers.
pub fn tier(cfg: &Scenario, name: &str) -> anyhow::Result<usize> {
    crate::model::tier_index(&cfg.world.tiers, name).ok_or_else(|| {
        let known: Vec<&str> = cfg.world.tiers.iter().map(|t| t.name.as_str()).collect();
        anyhow::anyhow!(
            "the scenario has no tier named {name:?} (it has {})",
            known.join(", ")
        )
    })
}
