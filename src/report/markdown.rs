//! `report.md`: what ran, the best policy per cell with intervals, the plots and the failed
//! runs. It holds no wall-clock figures, so that reruns, resumed runs and merged shards
//! produce the same bytes.

use super::PlotInfo;
use crate::base::fmt::{estimate, num, param_str};
use crate::sweep::plan::SweepPlan;
use crate::sweep::summary::{Lookup, RunTable, Summary};
use std::fmt::Write;

/// Most cells listed in the best-policy table; the rest are in `summary.csv`.
pub const MAX_CELL_ROWS: usize = 200;
/// Most failed runs listed; all are in `runs.csv`.
pub const MAX_FAILED_ROWS: usize = 50;

/// `n thing(s)`, with `policy` -> `policies`.
fn plural(n: usize, thing: &str) -> String {
    match (n, thing) {
        (1, _) => format!("1 {thing}"),
        (_, "policy") => format!("{n} policies"),
        _ => format!("{n} {thing}s"),
    }
}

fn cell_md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The plan's policies, each as `` `label` (its table) ``, joined by `; `.
pub fn policies(plan: &SweepPlan) -> String {
    let labels: Vec<String> = plan
        .policies
        .iter()
        .map(|p| {
            let t = p
                .table
                .as_ref()
                .map_or("the base scenario's policy".to_string(), |t| {
                    toml::Value::Table(t.clone()).to_string().replace('\n', " ")
                });
            format!("`{}` ({})", p.label, t.trim())
        })
        .collect();
    labels.join("; ")
}

/// The "what ran" section, from the plan.
pub fn describe(plan: &SweepPlan) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "- triad {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(
        s,
        "- {} runs: {} x {} x {}; sweep seed {}; replication r uses seed hash2({}, r) in every cell and policy (common random numbers)",
        plan.n_runs(),
        plural(plan.n_cells(), "cell"),
        plural(plan.policies.len(), "policy"),
        plural(plan.replications as usize, "replication"),
        plan.seed,
        plan.seed
    );
    for a in &plan.axes {
        let vals: Vec<String> = a.values.iter().map(param_str).collect();
        let _ = writeln!(s, "- axis `{}`: {}", a.path, vals.join(", "));
    }
    if let Some(d) = &plan.design {
        let dims: Vec<String> = d
            .dims
            .iter()
            .map(|x| format!("`{}` in [{}, {}]", x.path, num(x.min), num(x.max)))
            .collect();
        let _ = writeln!(
            s,
            "- design: {:?} sample of {} points over {}",
            d.method,
            d.points.len(),
            dims.join(", ")
        );
    }
    let _ = writeln!(s, "- policies: {}", policies(plan));
    let _ = writeln!(
        s,
        "- reference policy for paired differences: `{}`",
        plan.policies[plan.reference].label
    );
    let _ = writeln!(s, "- plan fingerprint `{}`", plan.fingerprint());
    s
}

/// The "money per role" section: per policy, what each role spent of what it was
/// allocated, what went unspent and how many tasks went unserved (means over replications,
/// and over the cells when there are several); empty for a table without these metrics
/// (a folder written before they existed).
fn money(plan: &SweepPlan, table: &RunTable, look: &Lookup<'_>) -> String {
    let mean_of = |name: &str| -> Option<Vec<f64>> {
        let m = table.metric_index(name)?;
        let cis = look.marginal(m, &[]).into_values().next()?;
        Some(cis.iter().map(|c| c.mean).collect())
    };
    let roles = ["evolver", "user", "verifier"];
    let mut cols = Vec::new();
    for r in roles {
        match (
            mean_of(&format!("spend_{r}")),
            mean_of(&format!("allocated_{r}")),
        ) {
            (Some(a), Some(b)) => cols.push((a, b)),
            _ => return String::new(),
        }
    }
    let (Some(unspent), Some(unserved)) = (mean_of("unspent_total"), mean_of("tasks_unserved"))
    else {
        return String::new();
    };
    let over = if plan.n_cells() == 1 {
        String::new()
    } else {
        format!(", averaged over all {} cells", plan.n_cells())
    };
    let mut s = format!(
        "## Money per role

What each role spent of what it was allocated (dollars, spent / allocated; \
         allocated = spent + unspent), the money left unspent, and the tasks that went unserved; \
         means over replications{over}. Per cell in `summary.csv` (`spend_*`, `allocated_*`, \
         `unspent_*`).\n\n| policy | evolver | user | verifier | unspent | tasks unserved |\n\
         |---|---|---|---|---|---|\n"
    );
    let money = |x: f64| {
        if x.is_finite() {
            format!("{x:.2}")
        } else {
            "n/a".into()
        }
    };
    for (p, spec) in plan.policies.iter().enumerate() {
        let _ = write!(s, "| {} |", cell_md(&spec.label));
        for (spent, allocated) in &cols {
            let _ = write!(s, " {} / {} |", money(spent[p]), money(allocated[p]));
        }
        let _ = writeln!(
            s,
            " {} | {} |",
            money(unspent[p]),
            if unserved[p].is_finite() {
                format!("{:.0}", unserved[p])
            } else {
                "n/a".into()
            }
        );
    }
    s.push('\n');
    s
}

/// The whole report.
pub fn report(
    plan: &SweepPlan,
    table: &RunTable,
    summary: &Summary,
    plots: &[PlotInfo],
    about: &str,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Sweep report: {}\n", plan.title);
    let _ = writeln!(s, "## What ran\n\n{about}");
    let ok = table.rows.iter().filter(|r| r.ok).count();
    let _ = writeln!(
        s,
        "{} of {} runs succeeded, {} failed.\n",
        ok,
        table.rows.len(),
        table.rows.len() - ok
    );
    let params = plan.params();
    if let Some(m) = table.headline() {
        let name = &table.metrics[m];
        let reference = &plan.policies[plan.reference].label;
        // Overall, per policy.
        let look = Lookup::new(plan, table);
        if let Some(cis) = look.marginal(m, &[]).values().next() {
            let one = plan.n_cells() == 1;
            let over = if one {
                String::new()
            } else {
                format!(", averaged over all {} cells", plan.n_cells())
            };
            let _ = writeln!(
                s,
                "## Policies overall\n\nMean `{name}` per policy{over}, 95% CI over replications{}:\n",
                if one {
                    "; the difference from the reference is paired by replication (common random numbers)"
                } else {
                    ""
                }
            );
            if one {
                let _ = writeln!(
                    s,
                    "| policy | mean {name} [95% CI] | - {} [95% CI] | replications |\n|---|---|---|---|",
                    cell_md(reference)
                );
            } else {
                let _ = writeln!(
                    s,
                    "| policy | mean {name} [95% CI] | replications |\n|---|---|---|"
                );
            }
            for (p, c) in cis.iter().enumerate() {
                let diff = if !one {
                    String::new()
                } else if p == plan.reference {
                    " (the reference) |".to_string()
                } else {
                    let d = summary
                        .get_paired(0, p, m)
                        .map_or("n/a".into(), |d| estimate(d.ci.mean, d.ci.lo, d.ci.hi));
                    format!(" {d} |")
                };
                let _ = writeln!(
                    s,
                    "| {} | {} |{diff} {} |",
                    cell_md(&plan.policies[p].label),
                    estimate(c.mean, c.lo, c.hi),
                    c.n
                );
            }
            s.push('\n');
        }
        s.push_str(&money(plan, table, &look));
        if plan.n_cells() > 1 {
            let _ = writeln!(
                s,
                "## Best cell per policy\n\nThe cell with the highest mean `{name}` for each policy, with its 95% CI over replications. It is picked as the best of {} cells, so its interval is optimistic: confirm it with another sweep seed before relying on it.\n",
                plan.n_cells()
            );
            let mut head = String::from("| policy | cell |");
            let mut rule = String::from("|---|---|");
            for p in &params {
                let _ = write!(head, " `{p}` |");
                rule.push_str("---|");
            }
            let _ = writeln!(s, "{head} mean {name} [95% CI] |\n{rule}---|");
            for (p, best) in summary.best_cells(m).iter().enumerate() {
                let label = cell_md(&plan.policies[p].label);
                match best.and_then(|c| summary.get(c, p, m).map(|r| (c, r.ci))) {
                    None => {
                        let blanks = " |".repeat(params.len());
                        let _ = writeln!(s, "| {label} | (all runs failed) |{blanks} |");
                    }
                    Some((c, ci)) => {
                        let mut row = format!("| {label} | {c} |");
                        for v in plan.cell_values(c) {
                            let _ = write!(row, " {} |", cell_md(&param_str(&v)));
                        }
                        let _ = writeln!(s, "{row} {} |", estimate(ci.mean, ci.lo, ci.hi));
                    }
                }
            }
            s.push('\n');
        }
        let _ = writeln!(
            s,
            "## Best policy per cell\n\nBy mean `{name}`; the difference from `{reference}` is paired by replication (common random numbers). All cells and metrics are in `summary.csv` and `paired.csv`.\n"
        );
        let mut head = String::from("| cell |");
        let mut rule = String::from("|---|");
        for p in &params {
            let _ = write!(head, " `{p}` |");
            rule.push_str("---|");
        }
        let _ = writeln!(
            s,
            "{head} best policy | mean {name} [95% CI] | best - {} [95% CI] |\n{rule}---|---|---|",
            cell_md(reference)
        );
        for cell in 0..plan.n_cells().min(MAX_CELL_ROWS) {
            let mut best: Option<(usize, f64)> = None;
            for p in 0..plan.policies.len() {
                if let Some(r) = summary.get(cell, p, m)
                    && r.ci.mean.is_finite()
                    && best.is_none_or(|(_, b)| r.ci.mean > b)
                {
                    best = Some((p, r.ci.mean));
                }
            }
            let vals: Vec<String> = plan
                .cell_values(cell)
                .iter()
                .map(|v| cell_md(&param_str(v)))
                .collect();
            let mut row = format!("| {cell} |");
            for v in &vals {
                let _ = write!(row, " {v} |");
            }
            match best {
                None => {
                    let _ = writeln!(s, "{row} (all runs failed) | | |");
                }
                Some((p, _)) => {
                    let r = summary.get(cell, p, m).map(|r| r.ci);
                    let main = r.map_or("n/a".into(), |c| estimate(c.mean, c.lo, c.hi));
                    let diff = if p == plan.reference {
                        "(is the reference)".to_string()
                    } else {
                        summary
                            .get_paired(cell, p, m)
                            .map_or("n/a".into(), |d| estimate(d.ci.mean, d.ci.lo, d.ci.hi))
                    };
                    let _ = writeln!(
                        s,
                        "{row} {} | {main} | {diff} |",
                        cell_md(&plan.policies[p].label)
                    );
                }
            }
        }
        if plan.n_cells() > MAX_CELL_ROWS {
            let _ = writeln!(
                s,
                "\n({} more cells in `summary.csv`.)",
                plan.n_cells() - MAX_CELL_ROWS
            );
        }
        s.push('\n');
    }
    if !plots.is_empty() {
        let _ = writeln!(s, "## Plots\n");
        for p in plots {
            let _ = writeln!(
                s,
                "![{}]({}.png)\n\n{} ([SVG]({}.svg))\n",
                cell_md(&p.caption),
                p.stem,
                p.caption,
                p.stem
            );
        }
    }
    let _ = writeln!(s, "## Failed runs\n");
    if summary.failed.is_empty() {
        let _ = writeln!(s, "None.");
    } else {
        let _ = writeln!(
            s,
            "{} runs failed; they are recorded in `runs.csv` with status `failed` and left out of the statistics.\n",
            summary.failed.len()
        );
        let _ = writeln!(
            s,
            "| run | cell | policy | replication | error |\n|---|---|---|---|---|"
        );
        for (run, err) in summary.failed.iter().take(MAX_FAILED_ROWS) {
            let spec = plan.run(*run);
            let _ = writeln!(
                s,
                "| {run} | {} | {} | {} | {} |",
                spec.cell,
                cell_md(&plan.policies[spec.policy].label),
                spec.replication,
                cell_md(err)
            );
        }
        if summary.failed.len() > MAX_FAILED_ROWS {
            let _ = writeln!(
                s,
                "\n({} more in `runs.csv`.)",
                summary.failed.len() - MAX_FAILED_ROWS
            );
        }
    }
    s
}
