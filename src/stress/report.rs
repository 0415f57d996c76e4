//! The outputs of a stress test: `stress_policies.csv`, `stress_cases.csv`, two plots and
//! `report.md` (its text is in [`super::markdown`]), all derived from `runs.csv` and written
//! atomically.

use super::analysis::{Analysis, Criterion, analyse};
use super::markdown::markdown;
use crate::base::fmt::{num, opt_num};
use crate::base::output::write_atomic;
use crate::report::plot;
use crate::sweep::SweepPlan;
use crate::sweep::csv::{csv_line, write_summary_csvs};
use crate::sweep::folder::REPORT;
use crate::sweep::read::read_runs;
use crate::sweep::summary::Summary;
use std::path::Path;

/// Per policy and criterion.
pub const POLICIES_CSV: &str = "stress_policies.csv";
/// Per case and policy.
pub const CASES_CSV: &str = "stress_cases.csv";
/// The regret heatmap (stem, under `plots/`).
pub const HEATMAP: &str = "plots/stress_regret";
/// Yield against severity (stem, under `plots/`).
pub const BY_SEVERITY: &str = "plots/stress_yield_by_severity";

/// Writes every derived file of a stress folder from its `runs.csv`: `summary.csv` and
/// `paired.csv` (as for sweeps), the stress CSVs, the plots and `report.md`.
pub fn finalize(dir: &Path, plan: &SweepPlan) -> anyhow::Result<()> {
    let table = read_runs(dir, plan)?;
    let summary = Summary::new(plan, &table);
    write_summary_csvs(dir, plan, &summary)?;
    let a = analyse(plan, &table).ok_or_else(|| {
        anyhow::anyhow!(
            "{}: not a stress folder (no stress axes or no yield column)",
            dir.display()
        )
    })?;
    write_atomic(&dir.join(POLICIES_CSV), &policies_csv(&a))?;
    write_atomic(&dir.join(CASES_CSV), &cases_csv(&a))?;
    draw(dir, &a)?;
    write_atomic(
        &dir.join(REPORT),
        markdown(plan, &a, &summary.failed).as_bytes(),
    )
}

fn policies_csv(a: &Analysis) -> Vec<u8> {
    let mut out = csv_line(&[
        "policy",
        "criterion",
        "value",
        "ci95_lo",
        "ci95_hi",
        "rank",
        "case",
    ]);
    for (p, row) in a.rows.iter().enumerate() {
        for c in Criterion::ALL {
            let e = row.get(c);
            let case = match c {
                Criterion::WorstCase => a.cases[row.worst_case].label(),
                Criterion::MaxRegret => a.cases[row.max_regret_case].label(),
                _ => String::new(),
            };
            out.extend(csv_line(&[
                a.policies[p].clone(),
                c.key().into(),
                opt_num(e.value),
                opt_num(e.lo),
                opt_num(e.hi),
                a.rank(c, p).to_string(),
                case,
            ]));
        }
        let e = row.mean_regret;
        out.extend(csv_line(&[
            a.policies[p].clone(),
            "mean_regret".into(),
            opt_num(e.value),
            opt_num(e.lo),
            opt_num(e.hi),
            String::new(),
            String::new(),
        ]));
    }
    out
}

fn cases_csv(a: &Analysis) -> Vec<u8> {
    let mut out = csv_line(&[
        "perturbation",
        "severity",
        "policy",
        "n",
        "yield_mean",
        "yield_ci95_lo",
        "yield_ci95_hi",
        "best_policy",
        "regret_mean",
        "regret_ci95_lo",
        "regret_ci95_hi",
    ]);
    for (c, case) in a.cases.iter().enumerate() {
        for p in 0..a.policies.len() {
            let (y, r) = (&a.case_yield[c][p], &a.case_regret[c][p]);
            out.extend(csv_line(&[
                case.perturbation
                    .map_or("none".into(), |p| p.name().to_string()),
                num(case.severity),
                a.policies[p].clone(),
                y.n.to_string(),
                opt_num(y.mean),
                opt_num(y.lo),
                opt_num(y.hi),
                a.policies[a.case_best[c]].clone(),
                opt_num(r.mean),
                opt_num(r.lo),
                opt_num(r.hi),
            ]));
        }
    }
    out
}

fn draw(dir: &Path, a: &Analysis) -> anyhow::Result<()> {
    // Policies across, perturbations down (the first at the top: rows count from the
    // bottom), so that every label has room.
    let y_ticks: Vec<String> = a
        .perturbations
        .iter()
        .rev()
        .map(|p| p.name().to_string())
        .collect();
    let z: Vec<Vec<f64>> = (0..a.policies.len())
        .map(|p| {
            a.perturbation_regret
                .iter()
                .rev()
                .map(|per| per[p].mean)
                .collect()
        })
        .collect();
    plot::heatmap(
        &dir.join(HEATMAP),
        "Regret: yield lost to the best policy of each case (lower is better)",
        "policy",
        "perturbation (mean over severities > 0)",
        "mean regret (yield)",
        &a.policies,
        &y_ticks,
        &z,
        None,
    )?;
    let panels: Vec<plot::Panel> = a
        .perturbations
        .iter()
        .zip(&a.yield_by_severity)
        .map(|(p, per)| {
            let lines = a
                .policies
                .iter()
                .zip(per)
                .map(|(l, pts)| (l.clone(), pts.clone()))
                .collect();
            (p.name().to_string(), lines)
        })
        .collect();
    plot::lines_ci_panels(
        &dir.join(BY_SEVERITY),
        "Yield against severity, per perturbation: where each policy breaks",
        "severity (0 = unperturbed, 1 = severe)",
        "yield (value of tasks solved per run)",
        &panels,
    )
}
