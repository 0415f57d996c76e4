//! `report.md`: what ran, the best policy per cell with intervals, the plots and the failed
//! runs. It holds no wall-clock figures, so that reruns, resumed runs and merged shards
//! produce the same bytes.

use super::PlotInfo;
use crate::base::fmt::{estimate, num, param_str};
use crate::scenario::objective::{Direction, Objective};
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
        "- objective: {} (each policy's best cell has its {} mean)",
        plan.objective.describe(),
        plan.objective.direction.superlative()
    );
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

/// Most cells listed per policy as indistinguishable from its best; all are in
/// `near_best.csv`.
pub const MAX_NEAR_ROWS: usize = 20;

/// `mean [lo, hi]` of metric `name` in (cell, policy), `n/a` when the table lacks it.
fn stat(table: &RunTable, summary: &Summary, cell: usize, p: usize, name: &str) -> String {
    table
        .metric_index(name)
        .and_then(|k| summary.get(cell, p, k))
        .map_or("n/a".into(), |r| estimate(r.ci.mean, r.ci.lo, r.ci.hi))
}

/// The "Best cell per policy" section: per policy, the cell with the best mean of the
/// objective (metric `m` in `direction`), its parameters, the objective with its 95% CI,
/// and beside it what it costs and buys: spend, yield per dollar and tasks solved (mean
/// and CI each; a column is left out when it is the objective or the runs lack it).
fn best_cells(
    plan: &SweepPlan,
    table: &RunTable,
    summary: &Summary,
    m: usize,
    direction: Direction,
) -> String {
    let name = &table.metrics[m];
    let params = plan.params();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## Best cell per policy\n\nThe objective is {}: each policy's best cell is the one with the {} mean `{name}`, shown with its 95% CI over replications and, beside it, what the cell spends and buys (mean [95% CI]). It is picked as the best of {} cells, so its interval is optimistic: confirm it with another sweep seed before relying on it.\n",
        Objective {
            metric: name.clone(),
            direction
        }
        .describe(),
        direction.superlative(),
        plan.n_cells()
    );
    let extra: Vec<&str> = ["spend_total", "yield_per_dollar", "tasks_solved"]
        .into_iter()
        .filter(|e| *e != name && table.metric_index(e).is_some())
        .collect();
    let mut head = String::from("| policy | cell |");
    let mut rule = String::from("|---|---|");
    for p in &params {
        let _ = write!(head, " `{p}` |");
        rule.push_str("---|");
    }
    let _ = write!(head, " mean {name} [95% CI] |");
    rule.push_str("---|");
    for e in &extra {
        let _ = write!(head, " {e} [95% CI] |");
        rule.push_str("---|");
    }
    let _ = writeln!(s, "{head}\n{rule}");
    for (p, best) in summary.best_objective_cells().iter().enumerate() {
        let label = cell_md(&plan.policies[p].label);
        match best.and_then(|c| summary.get(c, p, m).map(|r| (c, r.ci))) {
            None => {
                let blanks = " |".repeat(params.len() + extra.len());
                let _ = writeln!(s, "| {label} | (all runs failed) |{blanks} |");
            }
            Some((c, ci)) => {
                let mut row = format!("| {label} | {c} |");
                for v in plan.cell_values(c) {
                    let _ = write!(row, " {} |", cell_md(&param_str(&v)));
                }
                let _ = write!(row, " {} |", estimate(ci.mean, ci.lo, ci.hi));
                for e in &extra {
                    let _ = write!(row, " {} |", stat(table, summary, c, p, e));
                }
                let _ = writeln!(s, "{row}");
            }
        }
    }
    s.push('\n');
    s
}

/// The warnings of a best cell on the edge of the grid ([`super::edge_warnings`]), as a
/// section; empty when there are none.
fn edge_section(plan: &SweepPlan, summary: &Summary) -> String {
    let warnings = super::edge_warnings(plan, summary);
    if warnings.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "**Warning: a best cell on the edge of the grid.** Along a numeric axis, a best cell \
         at the axis's smallest or largest value may only be the best of the values tried \
         (an edge the key itself cannot pass, such as a share of 0, is not flagged):\n\n",
    );
    for w in warnings {
        let _ = writeln!(s, "- {}", cell_md(&w));
    }
    s.push('\n');
    s
}

/// The "Cells indistinguishable from the best" section: per policy, the cells whose
/// paired 95% CI of the difference in the objective (metric `m`) from the best cell
/// includes 0 ([`crate::sweep::summary::near_best`]), at most [`MAX_NEAR_ROWS`] each.
fn near_best_section(plan: &SweepPlan, summary: &Summary, m: usize) -> String {
    let name = &summary.metrics[m];
    let params = plan.params();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## Cells indistinguishable from the best\n\nFor each policy, every other cell is compared with its best cell on `{name}`, paired by replication: replication r runs with the same seed in every cell (common random numbers), so the difference of the two runs of each replication is taken, and its mean gets a 95% Student-t interval over the replications where both succeeded. A cell whose interval contains 0 is listed: the sweep cannot tell it from the best. Each interval is at 95% on its own, with no correction for the {} comparisons: the list is a screen for what to sweep again, and a correction (Bonferroni, say) would only widen the intervals and lengthen it; expect about one cell in twenty that is as good as the best to be left out by chance. A cell with fewer than two paired replications is never listed. All of them are in `near_best.csv`.\n",
        plan.n_cells().saturating_sub(1)
    );
    if plan.replications < 2 {
        let _ = writeln!(
            s,
            "With one replication per cell there is no interval: run two or more.\n"
        );
        return s;
    }
    let mut head = String::from("| policy | cell |");
    let mut rule = String::from("|---|---|");
    for p in &params {
        let _ = write!(head, " `{p}` |");
        rule.push_str("---|");
    }
    let _ = writeln!(s, "{head} mean {name} | - best [95% CI] |\n{rule}---|---|");
    for (p, near) in summary.near_best.iter().enumerate() {
        let label = cell_md(&plan.policies[p].label);
        if near.is_empty() {
            let blanks = " |".repeat(params.len());
            let _ = writeln!(s, "| {label} | (none) |{blanks} | |");
            continue;
        }
        for n in near.iter().take(MAX_NEAR_ROWS) {
            let mut row = format!("| {label} | {} |", n.cell);
            for v in plan.cell_values(n.cell) {
                let _ = write!(row, " {} |", cell_md(&param_str(&v)));
            }
            let _ = writeln!(
                s,
                "{row} {} | {} |",
                crate::base::fmt::sig(n.mean),
                estimate(n.diff.mean, n.diff.lo, n.diff.hi)
            );
        }
        if near.len() > MAX_NEAR_ROWS {
            let blanks = " |".repeat(params.len());
            let _ = writeln!(
                s,
                "| {label} | ({} more in `near_best.csv`) |{blanks} | |",
                near.len() - MAX_NEAR_ROWS
            );
        }
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
    if let Some((m, direction)) = summary.objective {
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
            s.push_str(&best_cells(plan, table, summary, m, direction));
            s.push_str(&edge_section(plan, summary));
            s.push_str(&near_best_section(plan, summary, m));
        }
        let _ = writeln!(
            s,
            "## Best policy per cell\n\nBy the {} mean `{name}`; the difference from `{reference}` is paired by replication (common random numbers). All cells and metrics are in `summary.csv` and `paired.csv`.\n",
            direction.superlative()
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
                    && best.is_none_or(|(_, b)| direction.better(r.ci.mean, b))
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
