//! The robustness criteria of a stress test, computed from a finished run table: numbers
//! only (the report's words are in [`super::markdown`]).
//!
//! [`analyse`] runs in steps: the cases, the yields `y[p][c][r]` read from the table, the
//! per-case yields, best policies and regrets, the bootstrap, each policy's criteria, the
//! rankings and their margins, and the views the report draws (regret per perturbation,
//! yield against severity, pairwise mean-yield differences).
//!
//! **Cases.** Every (perturbation, severity > 0) cell is a case; all severity-0 cells are
//! the same scenario and count once, as the case `unperturbed`. Every case weighs the
//! same.
//!
//! For policy `p`, case `c` and replication `r` (the same seed for every policy: common
//! random numbers), `y[p][c][r]` is the run's yield.
//!
//! | criterion | definition | interval |
//! |---|---|---|
//! | mean yield | mean over cases and replications | Student t over replications of the case-averaged yield |
//! | worst case | the lowest case mean `min_c mean_r y[p][c][r]`, and that case | bootstrap over replications |
//! | CVaR 10% | mean of the worst `ceil(0.1 N)` of the policy's `N = cases x replications` runs | bootstrap over replications |
//! | regret | `y[b(c)][c][r] - y[p][c][r]`, `b(c)` the policy with the highest case mean (lowest index at a tie); zero for `b(c)` by construction | Student t over replications (paired) |
//! | max regret | the highest case mean regret (minimax regret), and that case | bootstrap over replications |
//!
//! Mean regret is the mean best-case yield minus the mean yield, so it ranks policies exactly
//! as mean yield does; the regret criterion that ranks is the max regret. The bootstrap
//! resamples replication indices (the same resample for every policy, keeping the pairing),
//! `BOOTSTRAP` times, from a stream seeded by the plan seed, and takes the 2.5% and 97.5%
//! percentiles; with one replication there are no intervals.

use crate::base::stats::{MeanCi, lower_tail_mean, mean_ci, paired_ci};
use crate::engine::{Streams, hash2};
use crate::scenario::perturb::Perturbation;
use crate::scenario::perturb::cases;
use crate::sweep::SweepPlan;
use crate::sweep::summary::{LEVEL, Lookup, RunTable};

/// Bootstrap resamples behind the intervals of worst case, CVaR and max regret.
pub const BOOTSTRAP: usize = 1000;

/// The tail share of CVaR.
pub use crate::base::stats::CVAR_ALPHA;

pub use crate::scenario::perturb::Case;

/// A criterion policies are ranked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Criterion {
    /// Mean yield over cases and replications (higher is better).
    MeanYield,
    /// Lowest case mean yield (higher is better).
    WorstCase,
    /// Mean of the worst 10% of runs (higher is better).
    Cvar,
    /// Highest case mean regret (lower is better).
    MaxRegret,
}

impl Criterion {
    /// The criteria, in report order.
    pub const ALL: [Criterion; 4] = [
        Criterion::MeanYield,
        Criterion::WorstCase,
        Criterion::Cvar,
        Criterion::MaxRegret,
    ];

    /// Its name in reports and CSVs.
    pub fn name(self) -> &'static str {
        match self {
            Criterion::MeanYield => "mean yield",
            Criterion::WorstCase => "worst case",
            Criterion::Cvar => "CVaR 10%",
            Criterion::MaxRegret => "max regret",
        }
    }

    /// Its CSV key.
    pub fn key(self) -> &'static str {
        match self {
            Criterion::MeanYield => "mean_yield",
            Criterion::WorstCase => "worst_case",
            Criterion::Cvar => "cvar10",
            Criterion::MaxRegret => "max_regret",
        }
    }

    /// Whether a higher value is better.
    pub fn higher_is_better(self) -> bool {
        !matches!(self, Criterion::MaxRegret)
    }
}

/// A value with a 95% interval (NaN ends when there is none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The point value.
    pub value: f64,
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

impl Estimate {
    fn from_ci(c: &MeanCi) -> Estimate {
        Estimate {
            value: c.mean,
            lo: c.lo,
            hi: c.hi,
        }
    }
}

/// One policy's criteria.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRow {
    /// Mean yield.
    pub mean_yield: Estimate,
    /// Worst case mean yield.
    pub worst: Estimate,
    /// The worst case (index into [`Analysis::cases`]).
    pub worst_case: usize,
    /// CVaR 10%.
    pub cvar: Estimate,
    /// Mean regret over cases.
    pub mean_regret: Estimate,
    /// Max regret.
    pub max_regret: Estimate,
    /// The case of the max regret.
    pub max_regret_case: usize,
}

impl PolicyRow {
    /// The value of criterion `c`.
    pub fn get(&self, c: Criterion) -> Estimate {
        match c {
            Criterion::MeanYield => self.mean_yield,
            Criterion::WorstCase => self.worst,
            Criterion::Cvar => self.cvar,
            Criterion::MaxRegret => self.max_regret,
        }
    }
}

/// Everything a stress report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Policy labels.
    pub policies: Vec<String>,
    /// The cases: `unperturbed` first (when severity 0 ran), then by perturbation and
    /// severity.
    pub cases: Vec<Case>,
    /// The perturbations, in plan order.
    pub perturbations: Vec<Perturbation>,
    /// The severities, in plan order.
    pub severities: Vec<f64>,
    /// Per policy.
    pub rows: Vec<PolicyRow>,
    /// `[case][policy]`: yield over replications.
    pub case_yield: Vec<Vec<MeanCi>>,
    /// `[case][policy]`: regret over replications (paired).
    pub case_regret: Vec<Vec<MeanCi>>,
    /// `[case]`: the best policy.
    pub case_best: Vec<usize>,
    /// `[perturbation][policy]`: regret averaged over the perturbation's severities > 0.
    pub perturbation_regret: Vec<Vec<MeanCi>>,
    /// `[perturbation][policy]`: yield at each severity (severity 0 = unperturbed).
    pub yield_by_severity: Vec<Vec<Vec<(f64, MeanCi)>>>,
    /// Per criterion (in [`Criterion::ALL`] order): policies best first.
    pub rankings: Vec<Vec<usize>>,
    /// Per criterion: leader minus runner-up (for regret: runner-up minus leader), with a
    /// bootstrap interval; `None` with one policy.
    pub margins: Vec<Option<Estimate>>,
    /// `[a][b]`: mean yield of `a` minus `b`, paired over replications (case-averaged).
    pub mean_yield_diff: Vec<Vec<MeanCi>>,
    /// Replications.
    pub replications: u32,
    /// Failed runs.
    pub failed: usize,
}

/// The perturbations and severities of a stress plan (its two axes), or `None` if the plan
/// is not a stress plan.
pub fn axes(plan: &SweepPlan) -> Option<(Vec<Perturbation>, Vec<f64>)> {
    if plan.design.is_some() || plan.params() != [super::AXIS_PERTURBATION, super::AXIS_SEVERITY] {
        return None;
    }
    let ps = plan.axes[0]
        .values
        .iter()
        .map(|v| v.as_str().and_then(Perturbation::from_name))
        .collect::<Option<Vec<_>>>()?;
    let ss = plan.axes[1]
        .values
        .iter()
        .map(|v| v.as_float().or(v.as_integer().map(|i| i as f64)))
        .collect::<Option<Vec<_>>>()?;
    Some((ps, ss))
}

/// Lowest finite value and its index (first at a tie).
fn argmin(xs: impl Iterator<Item = f64>) -> Option<(usize, f64)> {
    xs.enumerate()
        .filter(|(_, x)| x.is_finite())
        .fold(None, |best, (i, x)| match best {
            Some((_, b)) if b <= x => best,
            _ => Some((i, x)),
        })
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = xs
        .filter(|x| !x.is_nan())
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { f64::NAN } else { s / n as f64 }
}

/// The statistics of one (re)sample of replications, per policy.
struct Stats {
    mean_yield: Vec<f64>,
    worst: Vec<(usize, f64)>,
    cvar: Vec<f64>,
    max_regret: Vec<(usize, f64)>,
}

impl Stats {
    fn get(&self, c: Criterion, p: usize) -> f64 {
        match c {
            Criterion::MeanYield => self.mean_yield[p],
            Criterion::WorstCase => self.worst[p].1,
            Criterion::Cvar => self.cvar[p],
            Criterion::MaxRegret => self.max_regret[p].1,
        }
    }
}

/// `y[p][c][r]` over the replications `reps` (indices, repeats allowed).
fn stats(y: &[Vec<Vec<f64>>], reps: &[usize]) -> Stats {
    let np = y.len();
    let nc = y.first().map_or(0, Vec::len);
    let case_mean: Vec<Vec<f64>> = (0..np)
        .map(|p| {
            (0..nc)
                .map(|c| mean(reps.iter().map(|&r| y[p][c][r])))
                .collect()
        })
        .collect();
    let best: Vec<usize> = (0..nc).map(|c| best_of(&case_mean, c)).collect();
    let mut out = Stats {
        mean_yield: vec![],
        worst: vec![],
        cvar: vec![],
        max_regret: vec![],
    };
    for p in 0..np {
        out.mean_yield.push(mean(case_mean[p].iter().copied()));
        out.worst
            .push(argmin(case_mean[p].iter().copied()).unwrap_or((0, f64::NAN)));
        let all: Vec<f64> = (0..nc)
            .flat_map(|c| reps.iter().map(move |&r| y[p][c][r]))
            .collect();
        out.cvar.push(lower_tail_mean(&all, CVAR_ALPHA));
        let regrets = (0..nc).map(|c| case_mean[best[c]][c] - case_mean[p][c]);
        out.max_regret
            .push(argmin(regrets.map(|x| -x)).map_or((0, f64::NAN), |(i, x)| (i, -x)));
    }
    out
}

/// The policy with the highest case mean (lowest index at a tie; failed cases last).
fn best_of(case_mean: &[Vec<f64>], c: usize) -> usize {
    argmin(case_mean.iter().map(|m| -m[c])).map_or(0, |(i, _)| i)
}

/// The order of policies by criterion `c` (best first, index order at ties; NaN last).
fn ranking(values: &[f64], c: Criterion) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    let key = |i: usize| {
        let v = values[i];
        if v.is_nan() {
            f64::INFINITY
        } else if c.higher_is_better() {
            -v
        } else {
            v
        }
    };
    idx.sort_by(|&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b)));
    idx
}

fn percentile_interval(mut xs: Vec<f64>) -> (f64, f64) {
    xs.retain(|x| !x.is_nan());
    if xs.len() < 2 {
        return (f64::NAN, f64::NAN);
    }
    xs.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let pos = q * (xs.len() - 1) as f64;
        let (i, f) = (pos.floor() as usize, pos - pos.floor());
        let j = (i + 1).min(xs.len() - 1);
        xs[i] + (xs[j] - xs[i]) * f
    };
    (at(0.025), at(0.975))
}

/// Analyses a stress plan's run table; `None` if the plan is not a stress plan or the table
/// has no `yield` column.
pub fn analyse(plan: &SweepPlan, table: &RunTable) -> Option<Analysis> {
    let (perturbations, severities) = axes(plan)?;
    let metric = table.metric_index("yield")?;
    let cases = cases(&perturbations, &severities);
    let y = Yields::read(plan, table, metric, &cases);
    let all: Vec<usize> = (0..y.nr).collect();
    let point = stats(&y.y, &all);
    let case_yield = y.case_yield();
    let case_mean: Vec<Vec<f64>> = (0..y.np)
        .map(|p| (0..y.nc).map(|c| case_yield[c][p].mean).collect())
        .collect();
    let case_best: Vec<usize> = (0..y.nc).map(|c| best_of(&case_mean, c)).collect();
    let case_regret = y.case_regret(&case_best);
    let boot = bootstrap(&y.y, y.nr, plan.seed);
    let rows = policy_rows(&y, &case_best, &point, &boot);
    let rankings: Vec<Vec<usize>> = Criterion::ALL
        .iter()
        .map(|&c| {
            let v: Vec<f64> = rows.iter().map(|r| r.get(c).value).collect();
            ranking(&v, c)
        })
        .collect();
    let case_avg = y.case_averaged();
    let margins = margins(&rankings, &point, &boot, &case_avg);
    let perturbation_regret = perturbations
        .iter()
        .map(|&pt| {
            let cs: Vec<usize> = (0..y.nc)
                .filter(|&c| cases[c].perturbation == Some(pt))
                .collect();
            (0..y.np).map(|p| y.regret(&case_best, p, &cs)).collect()
        })
        .collect();
    let yield_by_severity =
        yield_by_severity(&perturbations, &severities, &cases, &case_yield, y.np);
    let mean_yield_diff = (0..y.np)
        .map(|a| {
            (0..y.np)
                .map(|b| paired_ci(&case_avg[a], &case_avg[b], LEVEL))
                .collect()
        })
        .collect();
    let failed = table.rows.iter().filter(|r| !r.ok).count();
    Some(Analysis {
        policies: plan.policies.iter().map(|p| p.label.clone()).collect(),
        cases,
        perturbations,
        severities,
        rows,
        case_yield,
        case_regret,
        case_best,
        perturbation_regret,
        yield_by_severity,
        rankings,
        margins,
        mean_yield_diff,
        replications: plan.replications,
        failed,
    })
}

/// The yields of a stress test: `y[p][c][r]` for policy `p`, case `c` and replication `r`
/// (NaN for a failed run).
struct Yields {
    y: Vec<Vec<Vec<f64>>>,
    /// Policies.
    np: usize,
    /// Cases.
    nc: usize,
    /// Replications.
    nr: usize,
}

impl Yields {
    fn read(plan: &SweepPlan, table: &RunTable, metric: usize, cases: &[Case]) -> Yields {
        let look = Lookup::new(plan, table);
        let np = plan.policies.len();
        let nr = plan.replications as usize;
        let y = (0..np)
            .map(|p| {
                cases
                    .iter()
                    .map(|c| {
                        (0..nr)
                            .map(|r| look.value(c.cell, p, r as u32, metric))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        Yields {
            y,
            np,
            nc: cases.len(),
            nr,
        }
    }

    /// `[case][policy]`: yield over replications (failed runs left out).
    fn case_yield(&self) -> Vec<Vec<MeanCi>> {
        (0..self.nc)
            .map(|c| {
                (0..self.np)
                    .map(|p| mean_ci(&clean(&self.y[p][c]), LEVEL))
                    .collect()
            })
            .collect()
    }

    /// `[case][policy]`: regret against the case's best policy, paired over replications.
    fn case_regret(&self, case_best: &[usize]) -> Vec<Vec<MeanCi>> {
        (0..self.nc)
            .map(|c| {
                (0..self.np)
                    .map(|p| paired_ci(&self.y[case_best[c]][c], &self.y[p][c], LEVEL))
                    .collect()
            })
            .collect()
    }

    /// `[policy][replication]`: yield averaged over every case.
    fn case_averaged(&self) -> Vec<Vec<f64>> {
        (0..self.np)
            .map(|p| {
                (0..self.nr)
                    .map(|r| mean((0..self.nc).map(|k| self.y[p][k][r])))
                    .collect()
            })
            .collect()
    }

    /// Interval over replications of `f(case, replication)` averaged over the cases `cs`
    /// (replications where every run failed left out).
    fn per_rep(&self, f: impl Fn(usize, usize) -> f64, cs: &[usize]) -> MeanCi {
        let xs: Vec<f64> = (0..self.nr)
            .map(|r| mean(cs.iter().map(|&c| f(c, r))))
            .filter(|x| !x.is_nan())
            .collect();
        mean_ci(&xs, LEVEL)
    }

    /// Policy `p`'s regret over the cases `cs`, per replication.
    fn regret(&self, case_best: &[usize], p: usize, cs: &[usize]) -> MeanCi {
        let y = &self.y;
        self.per_rep(|c, r| y[case_best[c]][c][r] - y[p][c][r], cs)
    }
}

/// The statistics of [`BOOTSTRAP`] resamples of the replications (none with fewer than
/// two), drawn from a stream seeded by the plan seed.
fn bootstrap(y: &[Vec<Vec<f64>>], nr: usize, seed: u64) -> Vec<Stats> {
    let mut boot: Vec<Stats> = Vec::new();
    if nr >= 2 {
        let mut rng = Streams::new(hash2(seed, 0x5354_5245_5353)).stream(0);
        for _ in 0..BOOTSTRAP {
            let sample: Vec<usize> = (0..nr).map(|_| rng.below(nr)).collect();
            boot.push(stats(y, &sample));
        }
    }
    boot
}

/// Each policy's criteria: point values, with intervals over replications (mean yield and
/// mean regret) or from the bootstrap (the others).
fn policy_rows(y: &Yields, case_best: &[usize], point: &Stats, boot: &[Stats]) -> Vec<PolicyRow> {
    let all_cases: Vec<usize> = (0..y.nc).collect();
    (0..y.np)
        .map(|p| {
            let est = |c: Criterion| {
                let (lo, hi) = percentile_interval(boot.iter().map(|s| s.get(c, p)).collect());
                Estimate {
                    value: point.get(c, p),
                    lo,
                    hi,
                }
            };
            PolicyRow {
                mean_yield: Estimate::from_ci(&y.per_rep(|c, r| y.y[p][c][r], &all_cases)),
                worst: est(Criterion::WorstCase),
                worst_case: point.worst[p].0,
                cvar: est(Criterion::Cvar),
                mean_regret: Estimate::from_ci(&y.regret(case_best, p, &all_cases)),
                max_regret: est(Criterion::MaxRegret),
                max_regret_case: point.max_regret[p].0,
            }
        })
        .collect()
}

/// Per criterion, the leader's margin over the runner-up: paired over replications for
/// mean yield (`case_avg`), from the bootstrap for the others.
fn margins(
    rankings: &[Vec<usize>],
    point: &Stats,
    boot: &[Stats],
    case_avg: &[Vec<f64>],
) -> Vec<Option<Estimate>> {
    Criterion::ALL
        .iter()
        .zip(rankings)
        .map(|(&c, rank)| {
            let (a, b) = (*rank.first()?, *rank.get(1)?);
            let sign = if c.higher_is_better() { 1.0 } else { -1.0 };
            let d = |s: &Stats| sign * (s.get(c, a) - s.get(c, b));
            let (lo, hi) = if c == Criterion::MeanYield {
                let ci = paired_ci(&case_avg[a], &case_avg[b], LEVEL);
                (ci.lo, ci.hi)
            } else {
                percentile_interval(boot.iter().map(d).collect())
            };
            Some(Estimate {
                value: d(point),
                lo,
                hi,
            })
        })
        .collect()
}

/// `[perturbation][policy]` (`np` policies): yield at each severity (severity 0 = the
/// unperturbed case).
fn yield_by_severity(
    perturbations: &[Perturbation],
    severities: &[f64],
    cases: &[Case],
    case_yield: &[Vec<MeanCi>],
    np: usize,
) -> Vec<Vec<Vec<(f64, MeanCi)>>> {
    let unperturbed = cases.iter().position(|c| c.perturbation.is_none());
    perturbations
        .iter()
        .map(|&pt| {
            (0..np)
                .map(|p| {
                    severities
                        .iter()
                        .filter_map(|&s| {
                            let c = if s == 0.0 {
                                unperturbed?
                            } else {
                                cases
                                    .iter()
                                    .position(|c| c.perturbation == Some(pt) && c.severity == s)?
                            };
                            Some((s, case_yield[c][p]))
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

fn clean(xs: &[f64]) -> Vec<f64> {
    xs.iter().copied().filter(|x| !x.is_nan()).collect()
}

impl Analysis {
    /// The rank (from 1) of policy `p` by criterion `c`.
    pub fn rank(&self, c: Criterion, p: usize) -> usize {
        let k = Criterion::ALL.iter().position(|&x| x == c).unwrap_or(0);
        self.rankings[k]
            .iter()
            .position(|&q| q == p)
            .map_or(0, |i| i + 1)
    }

    /// The leader by criterion `c`.
    pub fn leader(&self, c: Criterion) -> usize {
        let k = Criterion::ALL.iter().position(|&x| x == c).unwrap_or(0);
        self.rankings[k].first().copied().unwrap_or(0)
    }

    /// The pairs `(a, b)` whose order criterion `c` reverses: mean yield ranks `a` above `b`,
    /// `c` ranks `b` above `a`. In order of `a`, then `b`.
    pub fn reversals(&self, c: Criterion) -> Vec<(usize, usize)> {
        let np = self.policies.len();
        let mut out = Vec::new();
        for a in 0..np {
            for b in 0..np {
                if self.rank(Criterion::MeanYield, a) < self.rank(Criterion::MeanYield, b)
                    && self.rank(c, a) > self.rank(c, b)
                {
                    out.push((a, b));
                }
            }
        }
        out
    }

    /// Per policy, the perturbation that hurts it most at the highest severity, with its
    /// yield there as a fraction of the policy's unperturbed yield.
    pub fn breaks_under(&self, p: usize) -> Option<(Perturbation, f64)> {
        let top = self.severities.iter().copied().fold(f64::NAN, f64::max);
        let base = self
            .cases
            .iter()
            .position(|c| c.perturbation.is_none())
            .map(|c| self.case_yield[c][p].mean)?;
        self.perturbations
            .iter()
            .filter_map(|&pt| {
                let c = self
                    .cases
                    .iter()
                    .position(|c| c.perturbation == Some(pt) && c.severity == top)?;
                Some((pt, self.case_yield[c][p].mean / base))
            })
            .filter(|(_, f)| f.is_finite())
            .fold(None, |best: Option<(Perturbation, f64)>, x| match best {
                Some(b) if b.1 <= x.1 => Some(b),
                _ => Some(x),
            })
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::sweep::plan::{Axis, PolicySpec};
    use crate::sweep::summary::RunRow;

    /// Three policies, two perturbations x severities {0, 1}, three replications; yields
    /// given by a formula.
    pub(in crate::stress) fn fixture() -> (SweepPlan, RunTable) {
        let pol = |l: &str| PolicySpec {
            label: l.into(),
            table: None,
        };
        let plan = SweepPlan::new(
            "t",
            toml::Table::new(),
            vec![
                Axis {
                    path: super::super::AXIS_PERTURBATION.into(),
                    values: vec!["outage".into(), "price-shock".into()],
                },
                Axis {
                    path: super::super::AXIS_SEVERITY.into(),
                    values: vec![0.0.into(), 1.0.into()],
                },
            ],
            None,
            vec![pol("steady"), pol("fragile"), pol("greedy")],
            3,
            1,
        )
        .unwrap();
        let mut rows = Vec::new();
        for i in 0..plan.n_runs() {
            let s = plan.run(i);
            let r = s.replication as f64;
            let y = match (s.cell, s.policy) {
                (0 | 2, 0) => 99.0 + r,
                (0 | 2, 1) => 109.0 + r,
                (0 | 2, 2) => 148.0 + 2.0 * r,
                (1, 0) => 89.0 + r, // outage
                (1, 1) => 9.0 + r,
                (1, 2) => 37.0 + r,
                (3, 0) => 96.0 - r, // price shock
                (3, 1) => 100.0,
                (3, 2) => 99.0 + r,
                _ => unreachable!(),
            };
            rows.push(RunRow::ok(i, vec![y]));
        }
        (
            plan,
            RunTable {
                metrics: vec!["yield".into()],
                rows,
            },
        )
    }

    #[test]
    fn criteria_follow_their_definitions() {
        let (plan, table) = fixture();
        let a = analyse(&plan, &table).unwrap();
        let labels: Vec<String> = a.cases.iter().map(Case::label).collect();
        assert_eq!(labels, ["unperturbed", "outage 1", "price-shock 1"]);
        // Regret is zero for each case's best policy, by construction.
        for (c, row) in a.case_regret.iter().enumerate() {
            let b = a.case_best[c];
            assert_eq!(row[b].mean, 0.0);
            assert!(row.iter().all(|r| r.mean >= 0.0));
        }
        assert_eq!(a.case_best, [2, 0, 1]);
        // Fragile: worst case is the outage, 10 on average.
        assert_eq!(a.rows[1].worst_case, 1);
        assert_eq!(a.rows[1].worst.value, 10.0);
        // CVaR 10% of 9 runs = the single worst run.
        assert_eq!(a.rows[1].cvar.value, 9.0);
        // Mean yield: steady (100 + 90 + 95) / 3, greedy (150 + 38 + 100) / 3.
        assert!((a.rows[0].mean_yield.value - 95.0).abs() < 1e-9);
        assert!((a.rows[2].mean_yield.value - 96.0).abs() < 1e-9);
        // Max regret of fragile: outage, 90 - 10 = 80.
        assert_eq!(
            (a.rows[1].max_regret_case, a.rows[1].max_regret.value),
            (1, 80.0)
        );
        // greedy leads on mean yield, steady on worst case and max regret.
        assert_eq!(a.leader(Criterion::MeanYield), 2);
        assert_eq!(a.leader(Criterion::WorstCase), 0);
        assert_eq!(a.leader(Criterion::MaxRegret), 0);
        assert_eq!(a.rank(Criterion::WorstCase, 1), 3);
        // Mean yield ranks greedy over steady; worst case and max regret the other way.
        assert_eq!(a.reversals(Criterion::WorstCase), [(2, 0)]);
        assert_eq!(a.reversals(Criterion::MaxRegret), [(2, 0)]);
        assert_eq!(a.breaks_under(1).unwrap().0, Perturbation::Outage);
        let w = a.rows[0].worst;
        assert!(w.lo <= w.value && w.value <= w.hi, "{w:?}");
        // Deterministic.
        assert_eq!(analyse(&plan, &table), Some(a));
    }
}
