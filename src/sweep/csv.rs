//! The CSV files of a sweep folder: their columns, one line at a time for the streamed files,
//! and the writers of the summaries derived from them (the files are read back by
//! [`super::read`]).
//!
//! Every number is written by [`crate::base::fmt`]; every line ends in LF.

use super::folder::{NEAR_BEST, PAIRED, SUMMARY, TIMESERIES_SUMMARY};
use super::plan::SweepPlan;
use super::read::{SeriesReader, Torn};
use super::summary::{LEVEL, RunRow, RunTable, Summary};
use crate::base::fmt::{num, opt_num, param_str};
use crate::base::output::write_atomic;
use crate::base::stats::{MeanCi, Running};
use crate::scenario::objective::Direction;
use std::collections::BTreeMap;
use std::path::Path;

/// One CSV line (LF-terminated) of `fields`.
pub fn csv_line<S: AsRef<[u8]>>(fields: &[S]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(fields);
    w.into_inner().unwrap_or_default()
}

/// The fixed leading columns of `runs.csv`.
pub fn runs_fixed_header(plan: &SweepPlan) -> Vec<String> {
    let mut h = vec!["run".to_string()];
    h.extend(plan.params().iter().map(|p| format!("param.{p}")));
    h.extend(
        ["policy", "replication", "seed", "status", "error"]
            .iter()
            .map(|s| s.to_string()),
    );
    h
}

/// The `runs.csv` fields of one run.
pub fn runs_fields(plan: &SweepPlan, row: &RunRow, n_metrics: usize) -> Vec<String> {
    let spec = plan.run(row.run);
    let mut f = vec![row.run.to_string()];
    f.extend(plan.cell_values(spec.cell).iter().map(param_str));
    f.push(plan.policies[spec.policy].label.clone());
    f.push(spec.replication.to_string());
    f.push(spec.seed.to_string());
    f.push(if row.ok { "ok" } else { "failed" }.into());
    f.push(row.error.clone());
    if row.ok {
        f.extend(row.metrics.iter().map(|&x| opt_num(x)));
    } else {
        f.extend(std::iter::repeat_n(String::new(), n_metrics));
    }
    f
}

pub(super) fn ts_header(series: &[String]) -> Vec<String> {
    let mut h = vec!["run".to_string(), "hour".to_string()];
    h.extend(series.iter().cloned());
    h
}

/// Per policy, per hour, per series column: running statistics over the runs of one cell
/// per policy (its best cell, see [`Summary::best_cells`]), from `timeseries.csv`.
#[derive(Debug)]
pub struct SeriesSummary {
    /// Series column names (after `hour`).
    pub columns: Vec<String>,
    /// The cell whose runs each policy's statistics cover (`None`: all its runs failed).
    pub at: Vec<Option<usize>>,
    /// Key (policy, hour key) to (hour, stats per column).
    pub cells: BTreeMap<(usize, u64), (f64, Vec<Running>)>,
}

impl SeriesSummary {
    /// The points of column `c` for policy `p`: (hour, interval).
    pub fn line(&self, p: usize, c: usize) -> Vec<(f64, MeanCi)> {
        self.cells
            .range((p, 0)..=(p, u64::MAX))
            .map(|(_, (h, st))| (*h, st[c].ci(LEVEL)))
            .collect()
    }
}

fn hour_key(h: f64) -> u64 {
    let b = h.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// Streams `timeseries.csv` (checked, see [`super::read`]) into per-policy statistics
/// over the runs of cell `at[policy]` (a policy with `None` gets no rows); `runs` is the
/// folder's `runs.csv`.
pub fn read_series(
    dir: &Path,
    plan: &SweepPlan,
    runs: &RunTable,
    at: &[Option<usize>],
) -> anyhow::Result<SeriesSummary> {
    let mut rdr = SeriesReader::open(dir, plan, runs, Torn::Refuse)?;
    let columns = rdr.columns.clone();
    let mut cells: BTreeMap<(usize, u64), (f64, Vec<Running>)> = BTreeMap::new();
    while rdr.advance()? {
        let spec = plan.run(rdr.run());
        if at.get(spec.policy).copied().flatten() != Some(spec.cell) {
            continue;
        }
        let rec = rdr.record();
        let hour = rec.get(1).parse().unwrap_or(f64::NAN);
        let e = cells
            .entry((spec.policy, hour_key(hour)))
            .or_insert_with(|| (hour, vec![Running::default(); columns.len()]));
        for (st, v) in e.1.iter_mut().zip(rec.fields().skip(2)) {
            st.push(if v.is_empty() {
                f64::NAN
            } else {
                v.parse().unwrap_or(f64::NAN)
            });
        }
    }
    rdr.finish()?;
    Ok(SeriesSummary {
        columns,
        at: at.to_vec(),
        cells,
    })
}

/// Writes `summary.csv` and `paired.csv`.
pub fn write_summary_csvs(dir: &Path, plan: &SweepPlan, s: &Summary) -> anyhow::Result<()> {
    let params: Vec<String> = plan.params().iter().map(|p| format!("param.{p}")).collect();
    let mut head = vec!["cell".to_string()];
    head.extend(params.iter().cloned());
    let cell_fields: Vec<Vec<String>> = (0..plan.n_cells())
        .map(|c| {
            let mut f = vec![c.to_string()];
            f.extend(plan.cell_values(c).iter().map(param_str));
            f
        })
        .collect();
    let mut out = Vec::new();
    let mut h = head.clone();
    h.extend(
        [
            "policy", "metric", "n", "failed", "mean", "sd", "ci95_lo", "ci95_hi",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    out.extend(csv_line(&h));
    for r in &s.rows {
        let mut f = cell_fields[r.cell].clone();
        f.push(plan.policies[r.policy].label.clone());
        f.push(s.metrics[r.metric].clone());
        f.push(r.ci.n.to_string());
        f.push(r.failed.to_string());
        f.extend([r.ci.mean, r.ci.sd, r.ci.lo, r.ci.hi].map(opt_num));
        out.extend(csv_line(&f));
    }
    write_atomic(&dir.join(SUMMARY), &out)?;

    let mut out = Vec::new();
    let mut h = head;
    h.extend(
        [
            "policy",
            "reference",
            "metric",
            "n",
            "mean_diff",
            "sd_diff",
            "ci95_lo",
            "ci95_hi",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    out.extend(csv_line(&h));
    let reference = &plan.policies[plan.reference].label;
    for r in &s.paired {
        let mut f = cell_fields[r.cell].clone();
        f.push(plan.policies[r.policy].label.clone());
        f.push(reference.clone());
        f.push(s.metrics[r.metric].clone());
        f.push(r.ci.n.to_string());
        f.extend([r.ci.mean, r.ci.sd, r.ci.lo, r.ci.hi].map(opt_num));
        out.extend(csv_line(&f));
    }
    write_atomic(&dir.join(PAIRED), &out)
}

/// Writes `near_best.csv`: per policy, its best cell (`role` = `best`) and each cell
/// statistically indistinguishable from it (`near`, [`super::summary::near_best`]): the
/// objective `metric` and its `direction`, the cell's parameters, its `mean` of the
/// objective, and for a `near` cell the paired difference from the best cell (`pairs`
/// replications, `diff_mean`, `diff_lo`, `diff_hi`: the 95% Student-t interval, which
/// contains 0). A policy whose runs all failed has no rows.
pub fn write_near_best(dir: &Path, plan: &SweepPlan, s: &Summary) -> anyhow::Result<()> {
    let mut h: Vec<String> = ["metric", "direction", "policy", "role", "cell"]
        .map(String::from)
        .to_vec();
    h.extend(plan.params().iter().map(|p| format!("param.{p}")));
    h.extend(
        ["mean", "pairs", "diff_mean", "diff_lo", "diff_hi"]
            .iter()
            .map(|s| s.to_string()),
    );
    let mut out = csv_line(&h);
    if let Some((m, d)) = s.objective {
        let direction = match d {
            Direction::Maximize => "maximize",
            Direction::Minimize => "minimize",
        };
        for (p, best) in s.best_objective_cells().iter().enumerate() {
            let Some(best) = *best else { continue };
            let mut row = |role: &str, cell: usize, mean: f64, diff: Option<&MeanCi>| {
                let mut f = vec![
                    s.metrics[m].clone(),
                    direction.to_string(),
                    plan.policies[p].label.clone(),
                    role.to_string(),
                    cell.to_string(),
                ];
                f.extend(plan.cell_values(cell).iter().map(param_str));
                f.push(opt_num(mean));
                match diff {
                    Some(d) => {
                        f.push(d.n.to_string());
                        f.extend([d.mean, d.lo, d.hi].map(opt_num));
                    }
                    None => f.extend(std::iter::repeat_n(String::new(), 4)),
                }
                out.extend(csv_line(&f));
            };
            let mean = s.get(best, p, m).map_or(f64::NAN, |r| r.ci.mean);
            row("best", best, mean, None);
            for n in &s.near_best[p] {
                row("near", n.cell, n.mean, Some(&n.diff));
            }
        }
    }
    write_atomic(&dir.join(NEAR_BEST), &out)
}

/// Writes `timeseries_summary.csv`.
pub fn write_series_summary(dir: &Path, plan: &SweepPlan, s: &SeriesSummary) -> anyhow::Result<()> {
    let mut out = csv_line(&[
        "policy", "cell", "hour", "column", "n", "mean", "ci95_lo", "ci95_hi",
    ]);
    for ((p, _), (hour, st)) in &s.cells {
        let cell = s.at[*p].map_or(String::new(), |c| c.to_string());
        for (c, r) in s.columns.iter().zip(st) {
            let ci = r.ci(LEVEL);
            let mut f = vec![
                plan.policies[*p].label.clone(),
                cell.clone(),
                num(*hour),
                c.clone(),
                ci.n.to_string(),
            ];
            f.extend([ci.mean, ci.lo, ci.hi].map(opt_num));
            out.extend(csv_line(&f));
        }
    }
    write_atomic(&dir.join(TIMESERIES_SUMMARY), &out)
}
