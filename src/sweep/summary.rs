//! Aggregation: per cell and policy means with Student-t intervals, paired differences from
//! the reference policy, and marginal means over grid axes for the plots.

use super::plan::SweepPlan;
use crate::base::stats::{MeanCi, mean_ci, paired_ci};
use crate::scenario::objective::{DERIVED, Direction, Objective, metric_value};
use std::collections::BTreeMap;

/// Confidence level of every interval in the outputs.
pub const LEVEL: f64 = 0.95;

/// One run's metrics (series left out).
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    /// Run index in the plan.
    pub run: usize,
    /// Whether the run succeeded.
    pub ok: bool,
    /// Why it failed (empty when it did not).
    pub error: String,
    /// Metric values in the table's column order (empty when it failed).
    pub metrics: Vec<f64>,
}

impl RunRow {
    /// A successful run.
    pub fn ok(run: usize, metrics: Vec<f64>) -> RunRow {
        RunRow {
            run,
            ok: true,
            error: String::new(),
            metrics,
        }
    }

    /// A failed run.
    pub fn failed(run: usize, error: String) -> RunRow {
        RunRow {
            run,
            ok: false,
            error,
            metrics: vec![],
        }
    }
}

/// Runs' metrics as a table: column names and rows in run-index order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunTable {
    /// Metric names, in column order.
    pub metrics: Vec<String>,
    /// Rows in run-index order.
    pub rows: Vec<RunRow>,
}

impl RunTable {
    /// Index of metric `name`.
    pub fn metric_index(&self, name: &str) -> Option<usize> {
        self.metrics.iter().position(|m| m == name)
    }

    /// The metric the report ranks policies by when the plan's objective is not among the
    /// table's metrics: `yield` if present, else the first.
    pub fn headline(&self) -> Option<usize> {
        self.metric_index("yield").or(if self.metrics.is_empty() {
            None
        } else {
            Some(0)
        })
    }

    /// The column and direction that define the best cell: `objective`'s metric when the
    /// table has it, else the [`RunTable::headline`] maximised (a table from a simulator
    /// without that metric).
    pub fn objective(&self, objective: &Objective) -> Option<(usize, Direction)> {
        match self.metric_index(&objective.metric) {
            Some(m) => Some((m, objective.direction)),
            None => self.headline().map(|m| (m, Direction::Maximize)),
        }
    }

    /// The table with a column for `metric` appended when it is a derived metric
    /// ([`crate::scenario::objective::DERIVED`]) that the table lacks: each successful
    /// run's value from its other metrics. Any other `metric` leaves the table as it is.
    pub fn with_derived(mut self, metric: &str) -> RunTable {
        if !DERIVED.contains(&metric) || self.metric_index(metric).is_some() {
            return self;
        }
        for r in self.rows.iter_mut().filter(|r| r.ok) {
            let v = metric_value(&self.metrics, &r.metrics, metric);
            r.metrics.push(v);
        }
        self.metrics.push(metric.to_string());
        self
    }
}

/// Mean and interval of one metric for one cell and policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatRow {
    /// Cell index.
    pub cell: usize,
    /// Policy index.
    pub policy: usize,
    /// Metric index.
    pub metric: usize,
    /// Failed runs left out.
    pub failed: usize,
    /// Mean, sd and 95% interval over the successful replications.
    pub ci: MeanCi,
}

/// A policy's paired difference from the reference policy in one cell, over the
/// replications where both succeeded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedRow {
    /// Cell index.
    pub cell: usize,
    /// Policy index (never the reference).
    pub policy: usize,
    /// Metric index.
    pub metric: usize,
    /// Mean difference (policy - reference) and its 95% interval.
    pub ci: MeanCi,
}

/// Everything the summary files and the report show.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Metric names.
    pub metrics: Vec<String>,
    /// Per cell, policy and metric (in that nesting order).
    pub rows: Vec<StatRow>,
    /// Per cell, non-reference policy and metric.
    pub paired: Vec<PairedRow>,
    /// Failed runs: index and reason.
    pub failed: Vec<(usize, String)>,
    /// Runs present in the table.
    pub runs: usize,
    /// Number of policies.
    pub policies: usize,
    /// Index of the reference policy.
    pub reference: usize,
    /// The metric and direction that define each policy's best cell
    /// ([`RunTable::objective`]); `None` for a table without metrics.
    pub objective: Option<(usize, Direction)>,
    /// Per policy, the cells statistically indistinguishable from its best cell
    /// ([`near_best`]).
    pub near_best: Vec<Vec<NearRow>>,
}

/// A cell compared with its policy's best cell on the objective, paired by replication.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearRow {
    /// Cell index.
    pub cell: usize,
    /// The cell's mean of the objective.
    pub mean: f64,
    /// Mean difference (this cell - the best cell) over the replications where both
    /// succeeded, and its 95% Student-t interval.
    pub diff: MeanCi,
}

/// Metric values looked up by (cell, policy, replication).
#[derive(Debug)]
pub struct Lookup<'a> {
    plan: &'a SweepPlan,
    by_run: Vec<Option<&'a RunRow>>,
}

impl<'a> Lookup<'a> {
    /// Indexes `table`'s rows by run.
    pub fn new(plan: &'a SweepPlan, table: &'a RunTable) -> Lookup<'a> {
        let mut by_run = vec![None; plan.n_runs()];
        for r in &table.rows {
            if let Some(slot) = by_run.get_mut(r.run) {
                *slot = Some(r);
            }
        }
        Lookup { plan, by_run }
    }

    /// The value of `metric` in a run, NaN if it failed or is missing.
    pub fn value(&self, cell: usize, policy: usize, rep: u32, metric: usize) -> f64 {
        let i = self.plan.run_index(cell, policy, rep);
        match self.by_run.get(i).copied().flatten() {
            Some(r) if r.ok => r.metrics.get(metric).copied().unwrap_or(f64::NAN),
            _ => f64::NAN,
        }
    }

    fn column(&self, cell: usize, policy: usize, metric: usize) -> Vec<f64> {
        (0..self.plan.replications)
            .map(|r| self.value(cell, policy, r, metric))
            .collect()
    }

    /// Per group of cells sharing the indices of `axes` (grid axes), per policy, per
    /// replication: the mean over the group's cells of `metric` (their failed runs left
    /// out; NaN when none succeeded). Replication `r` has the same seed in every group, so
    /// two groups' values pair by replication (common random numbers).
    pub fn group_reps(&self, metric: usize, axes: &[usize]) -> BTreeMap<Vec<usize>, Vec<Vec<f64>>> {
        let p = self.plan;
        let mut groups: BTreeMap<Vec<usize>, Vec<usize>> = BTreeMap::new();
        for cell in 0..p.n_cells() {
            let (idx, _) = p.cell_position(cell);
            let key: Vec<usize> = axes
                .iter()
                .map(|&a| idx.get(a).copied().unwrap_or(0))
                .collect();
            groups.entry(key).or_default().push(cell);
        }
        groups
            .into_iter()
            .map(|(key, cells)| {
                let per_policy = (0..p.policies.len())
                    .map(|pol| {
                        (0..p.replications)
                            .map(|r| {
                                let xs: Vec<f64> = cells
                                    .iter()
                                    .map(|&c| self.value(c, pol, r, metric))
                                    .filter(|x| !x.is_nan())
                                    .collect();
                                if xs.is_empty() {
                                    f64::NAN
                                } else {
                                    xs.iter().sum::<f64>() / xs.len() as f64
                                }
                            })
                            .collect()
                    })
                    .collect();
                (key, per_policy)
            })
            .collect()
    }

    /// Per group of cells sharing the indices of `axes` (grid axes; empty = all cells),
    /// per policy: the interval of the group mean. Each replication is averaged over the
    /// group's cells first (its failed runs left out), so the interval is over
    /// replications and respects common random numbers.
    pub fn marginal(&self, metric: usize, axes: &[usize]) -> BTreeMap<Vec<usize>, Vec<MeanCi>> {
        let p = self.plan;
        let mut groups: BTreeMap<Vec<usize>, Vec<usize>> = BTreeMap::new();
        for cell in 0..p.n_cells() {
            let (idx, _) = p.cell_position(cell);
            let key: Vec<usize> = axes
                .iter()
                .map(|&a| idx.get(a).copied().unwrap_or(0))
                .collect();
            groups.entry(key).or_default().push(cell);
        }
        groups
            .into_iter()
            .map(|(key, cells)| {
                let per_policy = (0..p.policies.len())
                    .map(|pol| {
                        let reps: Vec<f64> = (0..p.replications)
                            .map(|r| {
                                let xs: Vec<f64> = cells
                                    .iter()
                                    .map(|&c| self.value(c, pol, r, metric))
                                    .filter(|x| !x.is_nan())
                                    .collect();
                                if xs.is_empty() {
                                    f64::NAN
                                } else {
                                    xs.iter().sum::<f64>() / xs.len() as f64
                                }
                            })
                            .filter(|x| !x.is_nan())
                            .collect();
                        mean_ci(&reps, LEVEL)
                    })
                    .collect();
                (key, per_policy)
            })
            .collect()
    }
}

impl Summary {
    /// Aggregates `table` (which may hold a subset of the plan's runs).
    pub fn new(plan: &SweepPlan, table: &RunTable) -> Summary {
        let look = Lookup::new(plan, table);
        let mut rows = Vec::new();
        let mut paired = Vec::new();
        let n_pol = plan.policies.len();
        for cell in 0..plan.n_cells() {
            for pol in 0..n_pol {
                let failed = (0..plan.replications)
                    .filter(|&r| {
                        let i = plan.run_index(cell, pol, r);
                        matches!(look.by_run.get(i).copied().flatten(), Some(row) if !row.ok)
                    })
                    .count();
                for m in 0..table.metrics.len() {
                    let xs: Vec<f64> = look
                        .column(cell, pol, m)
                        .into_iter()
                        .filter(|x| !x.is_nan())
                        .collect();
                    rows.push(StatRow {
                        cell,
                        policy: pol,
                        metric: m,
                        failed,
                        ci: mean_ci(&xs, LEVEL),
                    });
                }
            }
            for pol in (0..n_pol).filter(|&p| p != plan.reference) {
                for m in 0..table.metrics.len() {
                    let a = look.column(cell, pol, m);
                    let b = look.column(cell, plan.reference, m);
                    paired.push(PairedRow {
                        cell,
                        policy: pol,
                        metric: m,
                        ci: paired_ci(&a, &b, LEVEL),
                    });
                }
            }
        }
        let failed = table
            .rows
            .iter()
            .filter(|r| !r.ok)
            .map(|r| (r.run, r.error.clone()))
            .collect();
        let mut summary = Summary {
            metrics: table.metrics.clone(),
            rows,
            paired,
            failed,
            runs: table.rows.len(),
            policies: n_pol,
            reference: plan.reference,
            objective: table.objective(&plan.objective),
            near_best: vec![Vec::new(); n_pol],
        };
        if let Some((m, _)) = summary.objective {
            let best = summary.best_objective_cells();
            summary.near_best = best
                .iter()
                .enumerate()
                .map(|(p, b)| b.map_or_else(Vec::new, |b| near_best(&look, p, m, b)))
                .collect();
        }
        summary
    }

    /// The row of (cell, policy, metric).
    pub fn get(&self, cell: usize, policy: usize, metric: usize) -> Option<&StatRow> {
        let n_m = self.metrics.len();
        self.rows
            .get((cell * self.policies + policy) * n_m + metric)
    }

    /// Per policy, the cell with the best mean of `metric` in `direction` (the lowest cell
    /// index among ties); `None` for a policy whose every run failed.
    pub fn best_cells(&self, metric: usize, direction: Direction) -> Vec<Option<usize>> {
        let cells = self.rows.len() / (self.policies * self.metrics.len()).max(1);
        (0..self.policies)
            .map(|p| {
                let mut best: Option<(usize, f64)> = None;
                for c in 0..cells {
                    if let Some(r) = self.get(c, p, metric)
                        && r.ci.mean.is_finite()
                        && best.is_none_or(|(_, b)| direction.better(r.ci.mean, b))
                    {
                        best = Some((c, r.ci.mean));
                    }
                }
                best.map(|(c, _)| c)
            })
            .collect()
    }

    /// Each policy's best cell: [`Summary::best_cells`] of the plan's objective. The
    /// report names these cells, the heatmaps outline them and the time-series plots show
    /// them.
    pub fn best_objective_cells(&self) -> Vec<Option<usize>> {
        self.objective
            .map_or_else(|| vec![None; self.policies], |(m, d)| self.best_cells(m, d))
    }

    /// The paired row of (cell, policy, metric), if the policy is not the reference.
    pub fn get_paired(&self, cell: usize, policy: usize, metric: usize) -> Option<&PairedRow> {
        if policy == self.reference || self.policies < 2 {
            return None;
        }
        let p = if policy > self.reference {
            policy - 1
        } else {
            policy
        };
        let n_m = self.metrics.len();
        self.paired
            .get((cell * (self.policies - 1) + p) * n_m + metric)
    }
}

/// The cells of `policy` statistically indistinguishable from its best cell `best` on
/// metric `m`, in cell order: those whose paired difference from the best cell (over the
/// replications where both succeeded; replication `r` has the same seed in every cell) has
/// a 95% Student-t interval containing 0. Each interval is at the 95% level on its own (no
/// correction for the number of cells compared): the list is a screen for the cells worth
/// a second sweep, and a correction would only lengthen it. A cell with fewer than two
/// such pairs has no interval and is left out; a cell whose runs equal the best's in every
/// replication (a difference of exactly 0) is in.
pub fn near_best(look: &Lookup<'_>, policy: usize, m: usize, best: usize) -> Vec<NearRow> {
    let b = look.column(best, policy, m);
    (0..look.plan.n_cells())
        .filter(|&c| c != best)
        .filter_map(|cell| {
            let a = look.column(cell, policy, m);
            let diff = paired_ci(&a, &b, LEVEL);
            let inside = diff.n >= 2 && diff.lo <= 0.0 && diff.hi >= 0.0;
            let xs: Vec<f64> = a.into_iter().filter(|x| !x.is_nan()).collect();
            inside.then(|| NearRow {
                cell,
                mean: mean_ci(&xs, LEVEL).mean,
                diff,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::Axis;

    /// One policy, one axis of `values`, `reps` replications; `runs[cell][rep]` is the
    /// run's single metric `m`.
    fn synthetic(path: &str, values: &[f64], runs: &[Vec<f64>], m: &str) -> (SweepPlan, RunTable) {
        let axes = vec![Axis {
            path: path.into(),
            values: values.iter().map(|&v| toml::Value::Float(v)).collect(),
        }];
        let reps = runs[0].len() as u32;
        let plan = SweepPlan::new("t", toml::Table::new(), axes, None, vec![], reps, 1).unwrap();
        let mut rows = Vec::new();
        for (cell, xs) in runs.iter().enumerate() {
            for (r, &x) in xs.iter().enumerate() {
                rows.push(RunRow::ok(plan.run_index(cell, 0, r as u32), vec![x]));
            }
        }
        rows.sort_by_key(|r| r.run);
        let table = RunTable {
            metrics: vec![m.into()],
            rows,
        };
        (plan, table)
    }

    /// Cell 1 differs from the best (cell 0) by noise around 0: indistinguishable. Cell 2
    /// is 5 lower in every replication, with little spread: clearly worse. Minimised, the
    /// best is cell 2 and both others are clearly worse.
    #[test]
    fn near_best_pairs_cells_by_replication() {
        let best = vec![10.0, 11.0, 12.0, 13.0];
        let near: Vec<f64> = best
            .iter()
            .zip([0.5, -0.4, 0.3, -0.2])
            .map(|(b, d)| b - d)
            .collect();
        let worse: Vec<f64> = best
            .iter()
            .zip([5.0, 5.1, 4.9, 5.0])
            .map(|(b, d)| b - d)
            .collect();
        let runs = vec![best, near, worse];
        let (plan, table) = synthetic(
            "workload.arrival_per_hour",
            &[1.0, 2.0, 3.0],
            &runs,
            "yield",
        );
        let s = Summary::new(&plan, &table);
        assert_eq!(s.best_objective_cells(), vec![Some(0)]);
        let cells: Vec<usize> = s.near_best[0].iter().map(|n| n.cell).collect();
        assert_eq!(cells, vec![1]);
        let d = s.near_best[0][0].diff;
        assert_eq!(d.n, 4);
        assert!(
            (d.mean - -0.05).abs() < 1e-12 && d.lo < 0.0 && d.hi > 0.0,
            "{d:?}"
        );
        // Paired, cell 2's difference is -5 with a narrow interval: excluded.
        let look = Lookup::new(&plan, &table);
        let far = paired_ci(&look.column(2, 0, 0), &look.column(0, 0, 0), LEVEL);
        assert!(far.hi < 0.0, "{far:?}");

        let mut plan = plan;
        plan.objective = Objective {
            metric: "yield".into(),
            direction: Direction::Minimize,
        };
        let s = Summary::new(&plan, &table);
        assert_eq!(s.best_objective_cells(), vec![Some(2)]);
        assert!(s.near_best[0].is_empty(), "{:?}", s.near_best);
    }

    /// A derived objective gets a column; the best cell is the lowest mean of it.
    #[test]
    fn a_derived_objective_is_a_column_of_the_table() {
        let plan = SweepPlan::new(
            "t",
            toml::Table::new(),
            vec![Axis {
                path: "budget".into(),
                values: vec![toml::Value::Float(1.0), toml::Value::Float(2.0)],
            }],
            None,
            vec![],
            2,
            1,
        )
        .unwrap();
        // (spend_total, tasks_solved): cell 0 costs 2 a task, cell 1 costs 1.5.
        let runs = [[(4.0, 2.0), (6.0, 3.0)], [(3.0, 2.0), (6.0, 4.0)]];
        let mut rows = Vec::new();
        for (c, reps) in runs.iter().enumerate() {
            for (r, (s, n)) in reps.iter().enumerate() {
                rows.push(RunRow::ok(plan.run_index(c, 0, r as u32), vec![*s, *n]));
            }
        }
        rows.sort_by_key(|r| r.run);
        let table = RunTable {
            metrics: vec!["spend_total".into(), "tasks_solved".into()],
            rows,
        }
        .with_derived("cost_per_solved");
        assert_eq!(table.metrics[2], "cost_per_solved");
        let mut plan = plan;
        plan.objective = Objective {
            metric: "cost_per_solved".into(),
            direction: Direction::Minimize,
        };
        let s = Summary::new(&plan, &table);
        assert_eq!(s.objective, Some((2, Direction::Minimize)));
        assert_eq!(s.get(1, 0, 2).unwrap().ci.mean, 1.5);
        assert_eq!(s.best_objective_cells(), vec![Some(1)]);
    }
}
