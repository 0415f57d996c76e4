//! The outputs of a stress test: `stress_policies.csv`, `stress_cases.csv`, two plots and
//! `report.md`, all derived from `runs.csv` and written atomically.

use super::analysis::{Analysis, BOOTSTRAP, Criterion, analyse};
use crate::base::fmt::{estimate, sig};
use crate::base::stats::MeanCi;
use crate::report::plot;
use crate::sweep::Plan;
use crate::sweep::files::{self, csv_line, num, opt_num, write_atomic};
use crate::sweep::summary::Summary;
use std::fmt::Write as _;
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
pub fn finalize(dir: &Path, plan: &Plan) -> anyhow::Result<()> {
    let table = files::read_runs(dir, plan)?;
    let summary = Summary::new(plan, &table);
    files::write_summary_csvs(dir, plan, &summary)?;
    let a = analyse(plan, &table).ok_or_else(|| {
        anyhow::anyhow!(
            "{}: not a stress folder (no stress axes or no yield column)",
            dir.display()
        )
    })?;
    write_atomic(&dir.join(POLICIES_CSV), &policies_csv(&a))?;
    write_atomic(&dir.join(CASES_CSV), &cases_csv(&a))?;
    draw(dir, &a)?;
    let failed: Vec<(usize, String)> = table
        .rows
        .iter()
        .filter(|r| !r.ok)
        .map(|r| (r.run, r.error.clone()))
        .collect();
    write_atomic(
        &dir.join(files::REPORT),
        markdown(plan, &a, &failed).as_bytes(),
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

fn fmt_ci(c: &MeanCi) -> String {
    estimate(c.mean, c.lo, c.hi)
}

fn base_facts(plan: &Plan) -> String {
    let cfg = crate::sweep::WorldSimulator.config(&{
        let mut b = plan.base.clone();
        b.remove("stress");
        b
    });
    match cfg {
        Ok(c) => format!(
            "`{}`: {} simulated hours, budget ${}, {} tasks per hour",
            c.world.name, c.world.horizon_hours, c.world.budget, c.world.workload.arrival_per_hour
        ),
        Err(e) => format!("(the base scenario does not validate: {e})"),
    }
}

/// The report's text.
pub fn markdown(plan: &Plan, a: &Analysis, failed: &[(usize, String)]) -> String {
    let mut s = String::new();
    let name = |p: usize| a.policies[p].as_str();
    let _ = writeln!(s, "# Stress report: {}\n", plan.title);
    let _ = writeln!(
        s,
        "How do these allocation policies break? Each policy ran on the base scenario put \
         through every perturbation below at every severity, with the same task streams for \
         every policy (common random numbers: replication r uses one seed everywhere). A \
         policy that is best on average can still be the one that fails worst; this report \
         ranks the policies by their **mean** yield and by three robust criteria: the \
         **worst case**, the **CVaR 10%** (the average of the worst tenth of runs) and the \
         **max regret** (the most yield lost to the best policy of some case).\n"
    );

    // The short answer.
    let _ = writeln!(s, "## The short answer\n");
    for (k, c) in Criterion::ALL.iter().enumerate() {
        let l = a.leader(*c);
        let margin = match a.margins[k] {
            Some(m) if m.lo.is_finite() && m.lo > 0.0 => format!(
                "ahead of {} by {} (95% CI {} to {})",
                name(a.rankings[k][1]),
                sig(m.value),
                sig(m.lo),
                sig(m.hi)
            ),
            Some(m) if m.lo.is_finite() => format!(
                "**not clearly** ahead of {} (margin {}, 95% CI {} to {} includes 0)",
                name(a.rankings[k][1]),
                sig(m.value),
                sig(m.lo),
                sig(m.hi)
            ),
            Some(m) => format!(
                "ahead of {} by {} (no interval with one replication)",
                name(a.rankings[k][1]),
                sig(m.value)
            ),
            None => "the only policy".into(),
        };
        let _ = writeln!(s, "- Best by **{}**: **{}**, {margin}.", c.name(), name(l));
    }
    let dis = a.disagreements();
    if dis.is_empty() {
        let _ = writeln!(
            s,
            "\nThe rankings agree: the same order by every criterion.\n"
        );
    } else {
        let _ = writeln!(s, "\n**Where the rankings disagree:**\n");
        for d in &dis {
            let _ = writeln!(s, "- {d}");
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(
        s,
        "**Where each policy breaks** (the perturbation that costs it most):\n"
    );
    for p in 0..a.policies.len() {
        if let Some((pt, f)) = a.breaks_under(p) {
            let _ = writeln!(
                s,
                "- {} breaks most under **{}**: {:.0}% of its unperturbed yield at severity {}.",
                name(p),
                pt,
                100.0 * f,
                a.severities.iter().copied().fold(f64::NAN, f64::max)
            );
        }
    }
    let _ = writeln!(s);

    // Criteria table.
    let _ = writeln!(s, "## Policies by criterion\n");
    let _ = writeln!(
        s,
        "Yield is the value of tasks solved in a run. Brackets: 95% confidence intervals \
         (Student t over replications for means, bootstrap over replications for the \
         others); (#k) is the policy's rank by that criterion.\n"
    );
    let _ = writeln!(
        s,
        "| policy | mean yield ↑ | worst case ↑ | CVaR 10% ↑ | mean regret ↓ | max regret ↓ |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for (p, r) in a.rows.iter().enumerate() {
        let e = |c: Criterion| {
            let x = r.get(c);
            format!("{} (#{})", estimate(x.value, x.lo, x.hi), a.rank(c, p))
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} in *{}* | {} | {} | {} in *{}* |",
            name(p),
            e(Criterion::MeanYield),
            e(Criterion::WorstCase),
            a.cases[r.worst_case].label(),
            e(Criterion::Cvar),
            estimate(r.mean_regret.value, r.mean_regret.lo, r.mean_regret.hi),
            e(Criterion::MaxRegret),
            if r.max_regret.value == 0.0 {
                "every case (best everywhere)".to_string()
            } else {
                a.cases[r.max_regret_case].label()
            },
        );
    }
    let _ = writeln!(s, "\n### Rankings\n");
    let _ = writeln!(
        s,
        "| rank | {} |",
        Criterion::ALL.map(|c| c.name()).join(" | ")
    );
    let _ = writeln!(s, "|---|{}", "---|".repeat(Criterion::ALL.len()));
    for k in 0..a.policies.len() {
        let cells: Vec<&str> = a.rankings.iter().map(|r| name(r[k])).collect();
        let _ = writeln!(s, "| {} | {} |", k + 1, cells.join(" | "));
    }
    let _ = writeln!(s);

    // Where each policy breaks.
    let _ = writeln!(s, "## Where each policy breaks\n");
    let _ = writeln!(
        s,
        "![yield against severity]({BY_SEVERITY}.png)\n\n*Yield against severity, one panel \
         per perturbation, a line per policy (bands: 95% CI over replications). Severity 0 \
         is the unperturbed scenario, the same point in every panel. A line that falls \
         steeply marks a perturbation that policy is fragile to.*\n"
    );
    let top = a.severities.iter().copied().fold(f64::NAN, f64::max);
    if a.cases.iter().any(|c| c.perturbation.is_none()) && top > 0.0 {
        let _ = writeln!(
            s,
            "Yield at severity {top} as a share of the policy's own unperturbed yield:\n"
        );
        let _ = writeln!(s, "| perturbation | {} |", a.policies.join(" | "));
        let _ = writeln!(s, "|---|{}", "---|".repeat(a.policies.len()));
        let base = a.cases.iter().position(|c| c.perturbation.is_none());
        for &pt in &a.perturbations {
            let Some(c) = a
                .cases
                .iter()
                .position(|c| c.perturbation == Some(pt) && c.severity == top)
            else {
                continue;
            };
            let cells: Vec<String> = (0..a.policies.len())
                .map(|p| {
                    let b = base.map_or(f64::NAN, |b| a.case_yield[b][p].mean);
                    let f = a.case_yield[c][p].mean / b;
                    let mark = if a.case_best[c] == p { " ★" } else { "" };
                    if f.is_finite() {
                        format!("{:.0}%{mark}", 100.0 * f)
                    } else {
                        "–".into()
                    }
                })
                .collect();
            let _ = writeln!(s, "| {pt} | {} |", cells.join(" | "));
        }
        let _ = writeln!(
            s,
            "\n★ marks the policy with the highest yield in that case (regret 0).\n"
        );
    }

    // Regret.
    let _ = writeln!(s, "## Regret by perturbation\n");
    let _ = writeln!(
        s,
        "![regret heatmap]({HEATMAP}.png)\n\n*Mean regret of each policy under each \
         perturbation (averaged over its severities above 0): the yield it lost to the \
         policy that did best in that case, on the same task streams. 0 means it was the \
         best policy there.*\n"
    );
    let _ = writeln!(s, "| perturbation | {} |", a.policies.join(" | "));
    let _ = writeln!(s, "|---|{}", "---|".repeat(a.policies.len()));
    for (pt, per) in a.perturbations.iter().zip(&a.perturbation_regret) {
        let cells: Vec<String> = per.iter().map(fmt_ci).collect();
        let _ = writeln!(s, "| {pt} | {} |", cells.join(" | "));
    }
    let _ = writeln!(
        s,
        "\nEvery case (perturbation x severity) with its yields, best policy and regrets is in \
         `{CASES_CSV}`.\n"
    );

    // What ran.
    let _ = writeln!(s, "## What ran\n");
    let _ = writeln!(s, "- base scenario {}", base_facts(plan));
    if let Some(t) = plan
        .base
        .get("stress")
        .and_then(|t| t.get("tier"))
        .and_then(|t| t.as_str())
    {
        let _ = writeln!(
            s,
            "- tier perturbations (price-shock, outage, rate-limit, latency-spike) hit tier `{t}`"
        );
    }
    let sev: Vec<String> = a.severities.iter().map(|&x| num(x)).collect();
    let _ = writeln!(
        s,
        "- {} runs: {} perturbations x {} severities ({}) x {} policies x {} replications; \
         seed {}; the severity-0 runs of every perturbation are the same unperturbed \
         scenario and count once, as the case `unperturbed` ({} cases in all)",
        plan.n_runs(),
        a.perturbations.len(),
        a.severities.len(),
        sev.join(", "),
        a.policies.len(),
        plan.replications,
        plan.seed,
        a.cases.len()
    );
    let _ = writeln!(s, "- policies: {}", crate::report::markdown::policies(plan));
    let _ = writeln!(s, "- plan fingerprint `{}`\n", plan.fingerprint());
    let _ = writeln!(
        s,
        "The perturbations (H = horizon, s = severity; `docs/stress.md` has the details):\n"
    );
    let _ = writeln!(s, "| perturbation | what it does |");
    let _ = writeln!(s, "|---|---|");
    for p in &a.perturbations {
        let _ = writeln!(s, "| {p} | {} |", p.describe());
    }
    let _ = writeln!(s);

    // Definitions.
    let _ = writeln!(s, "## How to read the criteria\n");
    let _ = writeln!(
        s,
        "- A **case** is a perturbation at one severity above 0, or the unperturbed scenario; \
         every case weighs the same.\n\
         - **Mean yield**: the average over cases and replications.\n\
         - **Worst case**: the policy's lowest average yield over the cases, and that case.\n\
         - **CVaR 10%**: the mean of the policy's worst 10% of runs (cases x replications \
         pooled): how bad its bad days are.\n\
         - **Regret** in a case: the yield of that case's best policy minus this policy's, \
         replication by replication (paired, so the interval is tight). It is 0 for the \
         best policy of each case by construction. **Max regret** is the largest case \
         regret (minimax regret); mean regret ranks exactly as mean yield does, so only max \
         regret is ranked.\n\
         - Intervals of worst case, CVaR and max regret: {BOOTSTRAP} bootstrap resamples of \
         the replications (the same resample for every policy), 2.5% and 97.5% percentiles. \
         With few replications they are rough; the worst case is picked as the minimum of \
         many cases, so its interval is optimistic about the precision.\n"
    );

    let _ = writeln!(s, "## Files\n");
    let _ = writeln!(
        s,
        "`runs.csv` (one row per run, `param.stress.perturbation` and \
         `param.stress.severity` first), `timeseries.csv`, `summary.csv` and `paired.csv` \
         (per case cell and policy, as for sweeps), `{POLICIES_CSV}` (per policy and \
         criterion, with ranks), `{CASES_CSV}` (per case and policy), the plots as PNG and \
         SVG, `plan.json`, `manifest.json`.\n"
    );
    if !failed.is_empty() {
        let _ = writeln!(s, "## Failed runs\n");
        let _ = writeln!(
            s,
            "{} runs failed; the statistics leave them out.\n",
            failed.len()
        );
        for (i, e) in failed.iter().take(50) {
            let _ = writeln!(s, "- run {i}: {e}");
        }
        let _ = writeln!(s);
    }
    s
}
