//! What an input file is (a scenario, a sweep file, a stress plan, a harness search or a
//! file of expected claim verdicts), told by its top-level keys: the one rule every command
//! that takes a file uses.

use super::Source;
use std::path::Path;

/// The kinds of input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A scenario: none of the keys below.
    Scenario,
    /// A sweep file: `axis`, `design` or `reference`, or only the keys a sweep shares with a
    /// stress plan (`base`, `replications`, `[[policy]]` tables).
    Sweep,
    /// A stress plan: `perturbations`, `severities`, `set` or a `tier` name.
    Stress,
    /// A harness search (claim 9a): `evaluations`, `landscape`, `strategy` or `evaluation`.
    Search,
    /// A calibration (`triad calibrate`): `[[fit]]`, `[[target]]` or `[[observations]]`
    /// tables.
    Calibration,
    /// A sensitivity plan (`triad sensitivity`): `[[parameter]]` or `[[output]]` tables, a
    /// `method` or a built-in `model` (checked first: a plan may `set` keys as a stress
    /// plan does).
    Sensitivity,
    /// An optimisation plan (`triad optimize`): `[[variable]]` or `[[constraint]]` tables,
    /// or an `objective` in a file without a sweep's own keys (`[[axis]]`, `[design]`,
    /// `reference`, `[[policy]]` tables), which make an objective a sweep's.
    Optimization,
    /// Expected claim verdicts (`triad reproduce --expect FILE`, like
    /// `scenarios/claims/expected.toml`): every key a claim id (`1a`, `9`).
    Verdicts,
}

/// Keys only a stress plan has (besides a `tier` string: a scenario's `[[tier]]` is an array).
const STRESS_KEYS: [&str; 3] = ["perturbations", "severities", "set"];
/// Keys only a harness search has.
const SEARCH_KEYS: [&str; 4] = ["evaluations", "landscape", "strategy", "evaluation"];
/// Keys only a calibration has.
const CALIBRATION_KEYS: [&str; 3] = ["fit", "target", "observations"];
/// Keys only a sensitivity plan has.
const SENSITIVITY_KEYS: [&str; 4] = ["parameter", "output", "method", "model"];
/// Keys only an optimisation plan has.
const OPTIMIZATION_KEYS: [&str; 2] = ["variable", "constraint"];
/// Keys only a sweep has (`[[policy]]` too, checked apart): with them, an `objective` is a
/// sweep's.
const SWEEP_ONLY_KEYS: [&str; 3] = ["axis", "design", "reference"];
/// Keys of a sweep file, including those it shares with a stress plan (`base`,
/// `replications`; `[[policy]]` too, checked apart: a scenario's `[policy]` is a table).
const SWEEP_KEYS: [&str; 5] = ["axis", "design", "reference", "base", "replications"];

impl FileKind {
    /// The kind of a parsed file. A key of one kind decides, sensitivity, stress and search keys first;
    /// a file with only the keys sweeps and stress plans share (`base`, `replications`,
    /// `[[policy]]`) is a sweep, since a stress plan names what it perturbs.
    pub fn of_table(t: &toml::Table) -> FileKind {
        // Sensitivity keys are checked before the stress keys: a plan's `set` is not a
        // stress plan's.
        let has = |keys: &[&str]| keys.iter().any(|k| t.contains_key(*k));
        if !t.is_empty() && t.keys().all(|k| is_claim_id(k)) {
            FileKind::Verdicts
        } else if has(&OPTIMIZATION_KEYS)
            || (t.contains_key("objective")
                && !has(&SWEEP_ONLY_KEYS)
                && !matches!(t.get("policy"), Some(toml::Value::Array(_))))
        {
            FileKind::Optimization
        } else if has(&SENSITIVITY_KEYS) {
            FileKind::Sensitivity
        } else if has(&STRESS_KEYS) || matches!(t.get("tier"), Some(toml::Value::String(_))) {
            FileKind::Stress
        } else if has(&SEARCH_KEYS) {
            FileKind::Search
        } else if has(&CALIBRATION_KEYS) {
            FileKind::Calibration
        } else if has(&SWEEP_KEYS) || matches!(t.get("policy"), Some(toml::Value::Array(_))) {
            FileKind::Sweep
        } else {
            FileKind::Scenario
        }
    }

    /// The kind of the file at `path`; `None` when it cannot be read or is not TOML (reading
    /// it as what the command expects then reports the problem, located).
    pub fn of(path: &Path) -> Option<FileKind> {
        let table = Source::read(path).and_then(|src| src.table()).ok()?;
        Some(FileKind::of_table(&table))
    }
}

/// Whether `k` looks like a claim id: digits, then letters (`1a`, `9`).
pub(super) fn is_claim_id(k: &str) -> bool {
    let letters = k.trim_start_matches(|c: char| c.is_ascii_digit());
    letters.len() < k.len() && letters.chars().all(|c| c.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> FileKind {
        FileKind::of_table(&toml::from_str(text).unwrap())
    }

    /// An `objective` makes an optimisation plan, unless the file has a sweep's own keys.
    #[test]
    fn an_objective_is_a_sweeps_when_the_file_has_axes() {
        let obj = "base = \"b.toml\"\nobjective = { metric = \"yield\" }\n";
        assert_eq!(kind(obj), FileKind::Optimization);
        assert_eq!(
            kind(&format!(
                "{obj}[[axis]]\npath = \"budget\"\nvalues = [1.0]\n"
            )),
            FileKind::Sweep
        );
        assert_eq!(
            kind(&format!(
                "{obj}[[policy]]\nlabel = \"a\"\nkind = \"static\"\n"
            )),
            FileKind::Sweep
        );
        assert_eq!(
            kind(&format!(
                "{obj}[[variable]]\npath = \"budget\"\nrange = [1.0, 2.0]\n"
            )),
            FileKind::Optimization
        );
    }

    #[test]
    fn a_calibration_is_not_a_sweep_though_it_has_a_base() {
        assert_eq!(
            kind(
                "base = \"b.toml\"\nreplications = 8\n[[fit]]\npath = \"budget\"\nrange = [1.0, 2.0]\n"
            ),
            FileKind::Calibration
        );
        // Records alone make a calibration too (the fitted keys may come later).
        assert_eq!(
            kind("base = \"b.toml\"\n[[observations]]\nfile = \"runs.csv\"\n"),
            FileKind::Calibration
        );
    }

    #[test]
    fn keys_tell_the_kinds_apart() {
        assert_eq!(
            kind("budget = 5.0\n[policy]\nkind = \"static\"\n"),
            FileKind::Scenario
        );
        assert_eq!(kind("[[tier]]\nname = \"8B\"\n"), FileKind::Scenario);
        assert_eq!(
            kind("base = \"b.toml\"\n[[axis]]\npath = \"budget\"\n"),
            FileKind::Sweep
        );
        assert_eq!(kind("replications = 3\n"), FileKind::Sweep);
        assert_eq!(kind("tier = \"8B\"\n"), FileKind::Stress);
        assert_eq!(
            kind("base = \"b.toml\"\nseverities = [1.0]\n"),
            FileKind::Stress
        );
        assert_eq!(kind("evaluations = 10\n"), FileKind::Search);
        assert_eq!(
            kind("model = \"ishigami\"\nmethod = \"sobol\"\nn = 8\n"),
            FileKind::Sensitivity
        );
        assert_eq!(
            kind("base = \"b.toml\"\n[[parameter]]\npath = \"budget\"\n"),
            FileKind::Sensitivity
        );
        assert_eq!(
            kind("\"1a\" = \"reproduced\"\n\"9\" = \"not reproduced\"\n"),
            FileKind::Verdicts
        );
        assert_eq!(kind("\"1a\" = 1\nbudget = 2.0\n"), FileKind::Scenario);
        assert_eq!(kind(""), FileKind::Scenario);
    }

    /// A base and `[[policy]]` tables alone are valid as a sweep and as a stress plan: the
    /// rule calls the file a sweep, for every command (`triad run`, `validate`, `sweep` and
    /// `stress` all ask it).
    #[test]
    fn a_base_with_policies_is_a_sweep() {
        let text = "base = \"b.toml\"\n[[policy]]\nlabel = \"a\"\nkind = \"static\"\n";
        assert_eq!(kind(text), FileKind::Sweep);
        let inline = "[base]\nbudget = 5.0\n[[policy]]\nkind = \"static\"\n";
        assert_eq!(kind(inline), FileKind::Sweep);
        assert_eq!(
            kind(&format!("perturbations = [\"outage\"]\n{text}")),
            FileKind::Stress
        );
    }
}
