//! Calibration files: read, resolved against the base scenario, and checked, with every
//! problem located to `file:line:col`.

use super::observations::{self, RawObservations};
use super::{Calibration, Param, Target};
use crate::scenario::paths::{by_tier_name, lookup, metric_names, number, unknown};
use crate::scenario::{InputError, InputErrors, Problem, Source};
use crate::sweep::WorldSimulator;
use crate::sweep::plan::set_path;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Most replications per target evaluation.
pub const MAX_REPLICATIONS: u32 = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    base: String,
    #[serde(default = "default_replications")]
    replications: u32,
    #[serde(default)]
    fit: Vec<RawFit>,
    #[serde(default)]
    target: Vec<RawTarget>,
    #[serde(default)]
    observations: Vec<RawObservations>,
}

fn default_replications() -> u32 {
    8
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFit {
    path: String,
    range: [f64; 2],
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    name: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    set: BTreeMap<String, toml::Value>,
    metric: String,
    value: f64,
    sd: Option<f64>,
    n: Option<f64>,
}

/// Reads and checks the calibration file at `path`; its `base` and observation files are
/// relative to its folder. Problems of an observations CSV are located in that file.
pub fn load(path: &Path) -> Result<Calibration, InputErrors> {
    let src = Source::read(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    parse(&src, dir)
}

/// Reads and checks a calibration file's text; `dir` resolves a relative `base` and the
/// observation files.
pub fn parse(src: &Source, dir: &Path) -> Result<Calibration, InputErrors> {
    let raw: RawFile = src.deserialize()?;
    let mut csv_errors = Vec::new();
    let mut problems = Vec::new();
    let mut at = |path: &str, message: String| {
        let (line, col) = src.line_col(src.offset_of(path));
        problems.push(Problem { line, col, message });
    };
    let base_path = dir.join(&raw.base);
    let base = match crate::scenario::load(&base_path) {
        Ok(sc) => sc,
        Err(e) => {
            at("base", format!("the base scenario does not load:\n{e}"));
            return Err(finish(src, problems).into());
        }
    };
    // The base as a complete table: every key present, so paths can be checked.
    let table: toml::Table = match toml::Table::try_from(&base) {
        Ok(t) => t,
        Err(e) => {
            at(
                "base",
                format!("the base scenario cannot be written out: {e}"),
            );
            return Err(finish(src, problems).into());
        }
    };
    if raw.replications == 0 || raw.replications > MAX_REPLICATIONS {
        at(
            "replications",
            format!(
                "replications must be in 1..={MAX_REPLICATIONS} (got {})",
                raw.replications
            ),
        );
    }
    if raw.fit.is_empty() {
        at(
            "",
            "no [[fit]] entries: name at least one parameter to fit, e.g. \
             [[fit]] path = \"traits.reasoning_gain\", range = [0.0, 4.0]"
                .into(),
        );
    }
    if raw.target.is_empty() && raw.observations.is_empty() {
        at(
            "",
            "no [[target]] or [[observations]] entries: give at least one measurement to fit"
                .into(),
        );
    }
    let mut params = Vec::new();
    for (i, f) in raw.fit.iter().enumerate() {
        let key = format!("fit.{i}.path");
        let resolved = match resolve(&table, &f.path) {
            Ok(r) => r,
            Err(msg) => {
                at(&key, msg);
                continue;
            }
        };
        if params.iter().any(|p: &Param| p.resolved == resolved) {
            at(&key, format!("`{}` is fitted twice", f.path));
            continue;
        }
        let [lo, hi] = f.range;
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            at(
                &format!("fit.{i}.range"),
                format!("range must be [low, high] with low < high (got [{lo}, {hi}])"),
            );
            continue;
        }
        let default = lookup(&table, &resolved)
            .and_then(number)
            .unwrap_or(f64::NAN);
        params.push(Param {
            path: f.path.clone(),
            resolved,
            lo,
            hi,
            default,
        });
    }
    let metrics = metric_names(&base);
    let quantities = super::quantity::names(&base);
    let mut targets = Vec::new();
    for (i, t) in raw.target.iter().enumerate() {
        let mut set = Vec::new();
        for (k, v) in &t.set {
            let here = format!("target.{i}.set");
            match resolve_any(&table, k) {
                Ok(r) if params.iter().any(|p| p.resolved == r) => {
                    at(&here, format!("`{k}` is fitted, so a target cannot set it"))
                }
                Ok(r) => set.push((r, v.clone())),
                Err(msg) => at(&here, msg),
            }
        }
        if !metrics.contains(&t.metric) && !quantities.contains(&t.metric) {
            at(
                &format!("target.{i}.metric"),
                format!(
                    "unknown metric `{}`; the metrics of this base are: {}; and its scenario \
                     quantities (read without running): {}",
                    t.metric,
                    metrics.join(", "),
                    quantities.join(", ")
                ),
            );
        }
        let sd = match (t.sd, t.n) {
            (Some(sd), None) if sd.is_finite() && sd > 0.0 => sd,
            (Some(sd), None) => {
                at(
                    &format!("target.{i}.sd"),
                    format!("sd must be > 0 (got {sd})"),
                );
                continue;
            }
            (None, Some(n)) if n >= 1.0 && (0.0..=1.0).contains(&t.value) => {
                super::proportion_sd(t.value, n)
            }
            (None, Some(n)) => {
                at(
                    &format!("target.{i}.n"),
                    format!(
                        "n gives the sd of a proportion: it needs n >= 1 and a value in [0, 1] \
                         (got n = {n}, value = {})",
                        t.value
                    ),
                );
                continue;
            }
            (Some(_), Some(_)) => {
                at(&format!("target.{i}.n"), "give sd or n, not both".into());
                continue;
            }
            (None, None) => {
                at(
                    &format!("target.{i}"),
                    "missing sd: give `sd` (the measurement's standard error) or `n` (the \
                     items behind a proportion)"
                        .into(),
                );
                continue;
            }
        };
        if !t.value.is_finite() {
            at(&format!("target.{i}.value"), "value must be finite".into());
        }
        targets.push(Target {
            name: t.name.clone(),
            source: t.source.clone(),
            set,
            metric: t.metric.clone(),
            value: t.value,
            sd,
            n: t.n,
        });
    }
    // Where each target is written: its own table, or the observations entry it came from.
    let mut written: Vec<String> = (0..targets.len()).map(|i| format!("target.{i}")).collect();
    let mut summaries = Vec::new();
    let obs_base = observations::Base {
        table: &table,
        tiers: base.world.tiers.iter().map(|t| t.name.clone()).collect(),
        edges: base.world.workload.difficulty_bins.clone(),
    };
    for (i, o) in raw.observations.iter().enumerate() {
        match observations::derive(o, i, dir, &obs_base, &params, &resolve_any, &mut at) {
            Ok(Some((ts, summary))) => {
                written.extend(ts.iter().map(|_| format!("observations.{i}")));
                targets.extend(ts);
                summaries.push(summary);
            }
            Ok(None) => {}
            Err(e) => csv_errors.push(e),
        }
    }
    if !problems.is_empty() || !csv_errors.is_empty() {
        return Err(errors(src, problems, csv_errors));
    }
    let cal = Calibration {
        file: src.name().to_string(),
        base: table,
        replications: raw.replications,
        params,
        targets,
        observations: summaries,
    };
    // Every target's scenario must be valid at both ends of every range.
    for (ti, _) in cal.targets.iter().enumerate() {
        for corner in [0.0, 1.0] {
            let u = vec![corner; cal.params.len()];
            if let Err(e) = cal.scenario(ti, &cal.bounds().to_box(&u)) {
                let (line, col) = src.line_col(src.offset_of(&written[ti]));
                let ends = if corner == 0.0 { "low" } else { "high" };
                problems.push(Problem {
                    line,
                    col,
                    message: format!(
                        "this target's scenario is not valid with every fitted parameter at \
                         the {ends} end of its range: {e}"
                    ),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(cal)
    } else {
        Err(finish(src, problems).into())
    }
}

/// The calibration file's problems (if any) first, then each observations CSV's.
fn errors(src: &Source, problems: Vec<Problem>, csv: Vec<InputError>) -> InputErrors {
    let mut all = Vec::new();
    if !problems.is_empty() {
        all.push(finish(src, problems));
    }
    all.extend(csv);
    InputErrors(all)
}

fn finish(src: &Source, mut problems: Vec<Problem>) -> InputError {
    problems.sort_by_key(|p| (p.line, p.col));
    problems.dedup();
    InputError {
        file: src.name().to_string(),
        problems,
    }
}

/// A fitted path: it must name a number of the base scenario.
fn resolve(table: &toml::Table, path: &str) -> Result<String, String> {
    let r = by_tier_name(table, path)?;
    match lookup(table, &r) {
        Some(toml::Value::Float(_)) => Ok(r),
        Some(toml::Value::Integer(_)) => Err(format!(
            "`{path}` is a whole number; only real-valued keys can be fitted"
        )),
        Some(v) => Err(format!(
            "`{path}` is a {} in the scenario, not a number",
            v.type_str()
        )),
        None => Err(unknown(table, path)),
    }
}

/// A path a target sets: it must exist in the base scenario (any type).
fn resolve_any(table: &toml::Table, path: &str) -> Result<String, String> {
    let r = by_tier_name(table, path)?;
    match lookup(table, &r) {
        Some(_) => Ok(r),
        None => Err(unknown(table, path)),
    }
}

/// Sets the fitted values and a target's overrides on the base table.
pub(super) fn apply(
    base: &toml::Table,
    set: &[(String, toml::Value)],
    params: &[Param],
    x: &[f64],
) -> Result<toml::Table, String> {
    let mut t = base.clone();
    for (k, v) in set {
        set_path(&mut t, k, v.clone())?;
    }
    for (p, v) in params.iter().zip(x) {
        set_path(&mut t, &p.resolved, toml::Value::Float(*v))?;
    }
    Ok(t)
}

/// Validates a resolved table as a scenario.
pub(super) fn scenario(table: &toml::Table) -> Result<crate::scenario::Scenario, String> {
    WorldSimulator.config(table)
}
