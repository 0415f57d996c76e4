//! What "best" means, for sweeps and optimisation plans alike: a run metric (or a metric
//! derived from run metrics) and a direction.
//!
//! In a file it is written `objective = { metric = "tasks_solved", direction = "maximize" }`
//! (`direction` defaults to `"maximize"`; `"maximise"`, `"minimize"` and `"minimise"` are
//! accepted too). The metric is a column of a run's metrics (docs/model.md lists them:
//! `yield`, `yield_per_dollar`, `tasks_solved`, `spend_total`, ...) or
//! [`COST_PER_SOLVED`], derived from two of them by [`metric_value`].

use serde::{Deserialize, Serialize};

/// The derived metric `spend_total / tasks_solved` (undefined when nothing is solved).
pub const COST_PER_SOLVED: &str = "cost_per_solved";

/// The metrics derived from run metrics: not columns of a run, computed by
/// [`metric_value`].
pub const DERIVED: [&str; 1] = [COST_PER_SOLVED];

/// Maximise or minimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Larger is better.
    #[default]
    Maximize,
    /// Smaller is better.
    Minimize,
}

impl Direction {
    /// `+1` for maximise, `-1` for minimise: `sign * value`, larger is better.
    pub fn sign(self) -> f64 {
        match self {
            Direction::Maximize => 1.0,
            Direction::Minimize => -1.0,
        }
    }

    /// The direction a file names (`"maximize"`, `"maximise"`, `"minimize"`,
    /// `"minimise"`), or what to write instead.
    pub fn parse(name: &str) -> Result<Direction, String> {
        match name {
            "maximize" | "maximise" => Ok(Direction::Maximize),
            "minimize" | "minimise" => Ok(Direction::Minimize),
            other => Err(format!(
                "unknown direction {other:?}: \"maximize\" or \"minimize\""
            )),
        }
    }

    /// Whether `a` is strictly better than `b` (a NaN is never better, and anything
    /// finite is better than a NaN).
    pub fn better(self, a: f64, b: f64) -> bool {
        if a.is_nan() {
            return false;
        }
        if b.is_nan() {
            return true;
        }
        self.sign() * a > self.sign() * b
    }

    /// `"highest"` or `"lowest"`, for sentences like "the cell with the highest mean".
    pub fn superlative(self) -> &'static str {
        match self {
            Direction::Maximize => "highest",
            Direction::Minimize => "lowest",
        }
    }
}

/// An objective as a file writes it: `{ metric = "...", direction = "maximize" }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawObjective {
    /// The metric's name, checked against the run's metrics with [`check_metric`].
    pub metric: String,
    /// `"maximize"` (the default) or `"minimize"`, read with [`Direction::parse`].
    #[serde(default = "maximize")]
    pub direction: String,
}

fn maximize() -> String {
    "maximize".into()
}

/// A checked objective: a metric and a direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objective {
    /// A run metric or one of [`DERIVED`].
    pub metric: String,
    /// Whether larger or smaller is better.
    pub direction: Direction,
}

impl Default for Objective {
    /// The mean `yield`, maximised.
    fn default() -> Objective {
        Objective {
            metric: "yield".into(),
            direction: Direction::Maximize,
        }
    }
}

impl Objective {
    /// Whether this is [`Objective::default`] (sweep plans leave it out of `plan.json`
    /// then, so folders written before objectives existed keep their fingerprint).
    pub fn is_default(&self) -> bool {
        *self == Objective::default()
    }

    /// `` `yield`, maximised `` or `` `cost_per_solved`, minimised ``.
    pub fn describe(&self) -> String {
        let d = match self.direction {
            Direction::Maximize => "maximised",
            Direction::Minimize => "minimised",
        };
        format!("`{}`, {d}", self.metric)
    }
}

/// Checks `metric` against `known` (a run's metric names; the [`DERIVED`] ones are always
/// known); the error names the valid ones.
pub fn check_metric(metric: &str, known: &[String]) -> Result<(), String> {
    if known.iter().any(|m| m == metric) || DERIVED.contains(&metric) {
        return Ok(());
    }
    Err(format!(
        "unknown metric {metric:?}: expected a run metric ({}) or `{COST_PER_SOLVED}` \
         (spend_total / tasks_solved); docs/model.md lists every metric",
        known.join(", ")
    ))
}

/// The value of `metric` in a run's metrics `values` (named by `names`), with the derived
/// [`COST_PER_SOLVED`]; NaN when it is missing or undefined.
pub fn metric_value(names: &[String], values: &[f64], metric: &str) -> f64 {
    let get = |m: &str| names.iter().position(|n| n == m).map(|i| values[i]);
    if metric == COST_PER_SOLVED {
        return match (get("spend_total"), get("tasks_solved")) {
            (Some(s), Some(n)) if n > 0.0 => s / n,
            _ => f64::NAN,
        };
    }
    get(metric).unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions_rank_and_parse() {
        assert!(Direction::Minimize.better(1.0, 2.0));
        assert!(!Direction::Maximize.better(1.0, 2.0));
        assert!(Direction::Maximize.better(0.0, f64::NAN));
        assert!(!Direction::Minimize.better(f64::NAN, 3.0));
        assert_eq!(Direction::parse("minimise"), Ok(Direction::Minimize));
        assert!(
            Direction::parse("down")
                .unwrap_err()
                .contains("\"minimize\"")
        );
    }

    #[test]
    fn cost_per_solved_is_derived_and_undefined_without_a_solve() {
        let names: Vec<String> = ["spend_total", "tasks_solved"].map(String::from).to_vec();
        assert_eq!(metric_value(&names, &[30.0, 4.0], COST_PER_SOLVED), 7.5);
        assert!(metric_value(&names, &[30.0, 0.0], COST_PER_SOLVED).is_nan());
        assert!(metric_value(&names, &[30.0, 4.0], "yield").is_nan());
        let e = check_metric("yeild", &names).unwrap_err();
        assert!(
            e.contains("spend_total, tasks_solved") && e.contains(COST_PER_SOLVED),
            "{e}"
        );
        assert!(check_metric(COST_PER_SOLVED, &[]).is_ok());
    }
}
