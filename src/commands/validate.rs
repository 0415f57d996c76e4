//! `triad validate`: checks input files of every kind without running them.

use super::UsageError;
use crate::scenario::{self, FileKind};
use std::path::PathBuf;

/// Most cell and policy scenarios `triad validate` checks in one sweep file.
const MAX_CHECKED_SCENARIOS: usize = 10_000;
/// Most invalid cell scenarios listed per sweep file.
const MAX_LISTED_SCENARIOS: usize = 10;

/// Checks scenario, sweep, stress-plan and harness-search files without running them;
/// every problem of every file is reported. [`FileKind`] tells the kinds apart. A sweep
/// file's plan is expanded and the scenario of every cell and policy (up to 10,000) is
/// validated.
pub fn validate(files: &[PathBuf]) -> anyhow::Result<()> {
    let mut errors = Vec::new();
    for f in files {
        let kind = FileKind::of(f).unwrap_or(FileKind::Scenario);
        if kind == FileKind::Stress {
            match crate::stress::plan::load(f) {
                Ok(_) => crate::say!("{}: ok (stress plan)", f.display()),
                Err(e) => errors.push(format!("{e:#}")),
            }
            continue;
        }
        if kind == FileKind::Search {
            let checked = scenario::load_search(f);
            match checked {
                Ok(_) => crate::say!("{}: ok (harness search)", f.display()),
                Err(e) => errors.push(e.to_string()),
            }
            continue;
        }
        if kind != FileKind::Sweep {
            match scenario::load(f) {
                Ok(_) => crate::say!("{}: ok", f.display()),
                Err(e) => errors.push(e.to_string()),
            }
            continue;
        }
        let plan = match crate::sweep::SweepPlan::from_file(f) {
            Ok(p) => p,
            Err(e) => {
                errors.push(e.to_string());
                continue;
            }
        };
        let sim = crate::sweep::WorldSimulator;
        let (mut checked, mut bad) = (0usize, Vec::new());
        'cells: for cell in 0..plan.n_cells() {
            for policy in 0..plan.policies.len() {
                if checked == MAX_CHECKED_SCENARIOS {
                    break 'cells;
                }
                checked += 1;
                let spec = plan.run(plan.run_index(cell, policy, 0));
                if let Err(e) = plan.scenario(&spec).and_then(|sc| sim.config(&sc)) {
                    bad.push(format!(
                        "{}: cell {cell} ({}), policy {:?}: {e}",
                        f.display(),
                        crate::report::cell_desc(&plan, cell),
                        plan.policies[policy].label
                    ));
                }
            }
        }
        let total = plan.n_cells() * plan.policies.len();
        let of = if checked < total {
            format!(" (the first {checked} of {total})")
        } else {
            String::new()
        };
        if bad.is_empty() {
            crate::say!(
                "{}: ok, a sweep of {} runs; every cell's scenario{of} is valid",
                f.display(),
                plan.n_runs()
            );
        } else {
            let n = bad.len();
            bad.truncate(MAX_LISTED_SCENARIOS);
            if n > MAX_LISTED_SCENARIOS {
                bad.push(format!("... and {} more", n - MAX_LISTED_SCENARIOS));
            }
            bad.push(format!(
                "{}: {n} of {checked} cell and policy scenarios{of} are invalid; their runs would fail",
                f.display()
            ));
            errors.push(bad.join("\n"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(UsageError(errors.join("\n")).into())
    }
}
