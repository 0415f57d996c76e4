//! The text of a stress test's `report.md`: the short answer (leaders, margins, where the
//! rankings disagree, where each policy breaks), the criteria and rankings, yield shares
//! and regret per perturbation, what ran, and how to read the criteria.

use super::analysis::{Analysis, BOOTSTRAP, Criterion};
use super::report::{BY_SEVERITY, CASES_CSV, HEATMAP, POLICIES_CSV};
use crate::base::fmt::{estimate, num, sig};
use crate::base::stats::MeanCi;
use crate::sweep::SweepPlan;
use std::fmt::Write as _;

fn fmt_ci(c: &MeanCi) -> String {
    estimate(c.mean, c.lo, c.hi)
}

fn base_facts(plan: &SweepPlan) -> String {
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
pub fn markdown(plan: &SweepPlan, a: &Analysis, failed: &[(usize, String)]) -> String {
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
    let dis = disagreements(a);
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

/// Where the rankings disagree, in words: different leaders, and pairs of policies whose
/// order flips between mean yield and a robust criterion.
fn disagreements(a: &Analysis) -> Vec<String> {
    let mut out = Vec::new();
    let name = |p: usize| a.policies[p].as_str();
    let lead0 = a.leader(Criterion::MeanYield);
    for &c in &Criterion::ALL[1..] {
        let l = a.leader(c);
        if l != lead0 {
            out.push(format!(
                "{} ranks **{}** first, but mean yield ranks **{}** first.",
                c.name(),
                name(l),
                name(lead0)
            ));
        }
    }
    for &c in &Criterion::ALL[1..] {
        let flips: Vec<String> = a
            .reversals(c)
            .into_iter()
            .map(|(x, y)| {
                let d = a.mean_yield_diff[x][y];
                let sure = if d.lo > 0.0 { "clearly" } else { "not clearly" };
                format!(
                    "{} over {} (which leads on mean yield by {}, 95% CI {} to {}: {sure})",
                    name(y),
                    name(x),
                    sig(d.mean),
                    sig(d.lo),
                    sig(d.hi),
                )
            })
            .collect();
        if !flips.is_empty() {
            out.push(format!(
                "{} reverses mean yield's order for: {}.",
                c.name(),
                flips.join("; ")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stress::analysis::{analyse, tests::fixture};

    #[test]
    fn disagreements_name_leaders_and_reversals() {
        let (plan, table) = fixture();
        let a = analyse(&plan, &table).unwrap();
        let dis = disagreements(&a);
        let d = dis.join("\n");
        assert!(d.contains("worst case ranks **steady** first"), "{d}");
        assert!(
            d.contains("worst case reverses mean yield's order for: steady over greedy"),
            "{d}"
        );
        let md = markdown(&plan, &a, &[]);
        for x in &dis {
            assert!(md.contains(&format!("- {x}\n")), "{x}");
        }
    }
}
