//! `triad validate`: checks input files of every kind without running them.

use super::UsageError;
use crate::base::fmt::{escape, escape_lines, sig};
use crate::scenario::{self, FileKind, InputErrors};
use crate::sweep::plan::Feasibility;
use std::path::PathBuf;

/// Checks scenario, sweep, stress-plan, harness-search and expected-verdict files without
/// running them ([`FileKind`] tells them apart). Every problem of every file is printed,
/// located, then a line counting them; the error (exit code 2) is that count. A sweep or
/// stress plan is checked whole, the scenario of every cell and policy included (see
/// [`crate::sweep::plan::check_cells`]); cells that a combination of swept values makes
/// infeasible are listed but are no error: their runs are recorded as failed.
pub fn validate(files: &[PathBuf]) -> anyhow::Result<()> {
    let (mut problems, mut bad_files) = (0usize, 0usize);
    for f in files {
        let name = escape(&f.display().to_string()).into_owned();
        let kind = FileKind::of(f).unwrap_or(FileKind::Scenario);
        let checked: Result<String, InputErrors> = match kind {
            FileKind::Stress => crate::stress::plan::load_checked(f)
                .map(|(plan, feas)| plan_line("a stress plan", plan.n_runs(), &feas)),
            FileKind::Search => scenario::load_search(f)
                .map(|_| "ok (harness search)".to_string())
                .map_err(Into::into),
            FileKind::Verdicts => crate::claims::verdicts::load(f)
                .map(|v| format!("ok (expected verdicts of {} claims)", v.len()))
                .map_err(Into::into),
            FileKind::Calibration => crate::calibrate::load(f).map(|c| {
                format!(
                    "ok (calibration of {} parameters to {} targets)",
                    c.params.len(),
                    c.targets.len()
                )
            }),
            FileKind::Sensitivity => crate::sensitivity::load(f).map(|plan| {
                format!(
                    "ok, a sensitivity plan of {} runs ({} design points)",
                    plan.n_runs(),
                    plan.n_cells()
                )
            }),
            FileKind::Optimization => crate::optimize::load(f).map(|p| {
                format!(
                    "ok, an optimisation plan over {} variables with a budget of {} runs",
                    p.variables.len(),
                    p.budget
                )
            }),
            FileKind::Sweep => crate::sweep::SweepPlan::load(f)
                .map(|(plan, feas)| plan_line("a sweep", plan.n_runs(), &feas)),
            FileKind::Scenario => scenario::load(f)
                .map(|sc| match skills_from_scores(&sc.world) {
                    Some(skills) => format!("ok; skills from MMLU-Pro scores: {skills}"),
                    None => "ok".to_string(),
                })
                .map_err(Into::into),
        };
        match checked {
            Ok(line) => crate::say!("{name}: {}", escape_lines(&line)),
            Err(e) => {
                problems += e.count().max(1);
                bad_files += 1;
                eprintln!("{e}");
            }
        }
    }
    let files_word = |n: usize| if n == 1 { "file" } else { "files" };
    if problems == 0 {
        crate::say!(
            "{} {} checked, no problems",
            files.len(),
            files_word(files.len())
        );
        Ok(())
    } else {
        Err(UsageError(format!(
            "{problems} problem{} in {bad_files} of {} {}",
            if problems == 1 { "" } else { "s" },
            files.len(),
            files_word(files.len())
        ))
        .into())
    }
}

/// The resolved skill of every tier given by its MMLU-Pro score, `NAME SKILL (SCORE)`
/// joined by `, `; `None` when no tier is.
pub(super) fn skills_from_scores(world: &crate::model::WorldConfig) -> Option<String> {
    let parts: Vec<String> = world
        .tiers
        .iter()
        .filter_map(|t| {
            t.mmlu_pro
                .map(|s| format!("{} {} ({})", t.name, sig(t.skill), s))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The line for a valid sweep or stress plan: its runs, and its infeasible cells with a few
/// examples.
fn plan_line(what: &str, runs: usize, feas: &Feasibility) -> String {
    if feas.infeasible == 0 {
        return format!(
            "ok, {what} of {runs} runs; the scenarios of all {} cells and policies are valid",
            feas.checked
        );
    }
    let mut s = format!(
        "ok, {what} of {runs} runs; {} of {} cell and policy scenarios are infeasible, so \
         their runs will be recorded as failed:",
        feas.infeasible, feas.checked
    );
    for e in &feas.examples {
        s.push_str("\n  ");
        s.push_str(e);
    }
    if feas.infeasible > feas.examples.len() {
        s.push_str(&format!(
            "\n  ... and {} more",
            feas.infeasible - feas.examples.len()
        ));
    }
    s
}
