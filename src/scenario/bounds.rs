//! Resource bounds: what a run will cost, estimated from the scenario before it starts, and
//! the limits past which triad refuses it (exit code 2) unless told `--no-limits`.
//!
//! The limits keep a typo (`sample_every_hours = 1e-9`, `arrival_per_hour = 1e9`) from
//! turning into hours of work or an exhausted memory. Each is far above what the shipped
//! scenarios need (the baseline: about 36 000 tasks, 31 time-series rows, 120 epochs).

use crate::base::Issue;
use crate::model::{ShockKind, WorldConfig};
use std::sync::atomic::{AtomicBool, Ordering};

/// The limits. Past one, a scenario is refused with the key, the estimate and the limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Most tasks a run may draw (arrivals over the horizon, with arrival shocks): about
    /// three minutes of simulation in release.
    pub tasks: f64,
    /// Most tasks alive at once (waiting or in flight): bounds the memory of queues.
    pub alive: f64,
    /// Most rows of the time series.
    pub series_rows: f64,
    /// Most policy epochs (and evolution rounds).
    pub epochs: f64,
    /// Most (category, failure mode) cells the evolvers track.
    pub mode_cells: f64,
    /// Most shocks and regimes together (each is an event).
    pub schedule: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            tasks: 1e8,
            alive: 2e6,
            series_rows: 1e6,
            epochs: 1e6,
            mode_cells: 1e7,
            schedule: 100_000,
        }
    }
}

static ENFORCED: AtomicBool = AtomicBool::new(true);

/// Turns the limits off (`--no-limits`) or on for the rest of the process.
pub fn enforce(on: bool) {
    ENFORCED.store(on, Ordering::Relaxed);
}

/// Whether the limits are enforced.
pub fn enforced() -> bool {
    ENFORCED.load(Ordering::Relaxed)
}

/// What a run of the world will cost, estimated before it starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Tasks drawn on average: the arrival rate times the hours of the run, each hour
    /// weighted by the arrival shocks in force.
    pub tasks: f64,
    /// Tasks alive at once: the highest arrival rate times the hours a task can wait.
    pub alive: f64,
    /// Rows of the time series.
    pub series_rows: f64,
    /// Policy epochs.
    pub epochs: f64,
    /// (category, failure mode) cells.
    pub mode_cells: f64,
}

impl Estimate {
    /// The estimate for `w`.
    pub fn of(w: &WorldConfig) -> Estimate {
        let (hours, burst) = arrival_hours(w);
        let peak = w.workload.arrival_per_hour * burst;
        Estimate {
            tasks: w.workload.arrival_per_hour * hours,
            alive: peak * w.workload.patience_hours.min(w.horizon_hours),
            series_rows: w.horizon_hours / w.sample_every_hours,
            epochs: w.horizon_hours / w.epoch_hours,
            mode_cells: f64::from(w.evolver.modes) * w.workload.categories.len() as f64,
        }
    }
}

/// The run's hours weighted by the arrival multiplier in force (the product of the active
/// arrival shocks' factors), and the highest multiplier: with no arrival shock, the
/// horizon and 1.
fn arrival_hours(w: &WorldConfig) -> (f64, f64) {
    let h = w.horizon_hours;
    // (hour, change of the log multiplier), each shock clamped to the run.
    let mut events: Vec<(f64, f64)> = Vec::new();
    for s in w.shocks.iter().filter(|s| s.kind == ShockKind::Arrivals) {
        let ln = s.factor.ln();
        let from = s.at_hour.clamp(0.0, h);
        let to = s.until_hour.unwrap_or(h).clamp(from, h);
        if to > from {
            events.push((from, ln));
            events.push((to, -ln));
        }
    }
    if events.is_empty() {
        return (h, 1.0);
    }
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut hours, mut peak, mut ln, mut at) = (0.0, 1.0f64, 0.0f64, 0.0);
    for (t, d) in events {
        if t > at {
            hours += ln.exp() * (t - at);
            peak = peak.max(ln.exp());
            at = t;
        }
        ln += d;
    }
    if h > at {
        hours += ln.exp() * (h - at);
        peak = peak.max(ln.exp());
    }
    (hours, peak)
}

/// The problems of `w` against `limits`, each at the key to change.
pub fn check(w: &WorldConfig, limits: &Limits) -> Vec<Issue> {
    let e = Estimate::of(w);
    let mut out = Vec::new();
    let mut over = |path: &str, what: &str, est: f64, limit: f64, fix: &str| {
        // NaN estimates come from values that validation refuses on its own.
        if est > limit {
            out.push(Issue::new(
                path,
                format!(
                    "{what} would be about {est:.3e}, past the limit of {limit:.0e}; {fix}, \
                     or pass --no-limits if you mean it"
                ),
            ));
        }
    };
    over(
        "workload.arrival_per_hour",
        "the tasks of the run (arrival_per_hour x horizon_hours, with arrival shocks)",
        e.tasks,
        limits.tasks,
        "lower the rate, the horizon or the arrival shocks",
    );
    over(
        "workload.patience_hours",
        "the tasks waiting at once (peak arrival rate x patience_hours)",
        e.alive,
        limits.alive,
        "lower patience_hours or the arrival rate",
    );
    over(
        "sample_every_hours",
        "the rows of the time series (horizon_hours / sample_every_hours)",
        e.series_rows,
        limits.series_rows,
        "sample less often",
    );
    over(
        "epoch_hours",
        "the policy epochs (horizon_hours / epoch_hours)",
        e.epochs,
        limits.epochs,
        "make epochs longer",
    );
    over(
        "evolver.modes",
        "the failure-mode cells (modes x categories)",
        e.mode_cells,
        limits.mode_cells,
        "use fewer modes",
    );
    let n = w.shocks.len() + w.regimes.len();
    if n > limits.schedule {
        out.push(Issue::new(
            "shock",
            format!(
                "{n} shocks and regimes, past the limit of {}; or pass --no-limits",
                limits.schedule
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_is_far_inside_and_typos_are_caught_at_their_key() {
        let w = WorldConfig::default();
        assert!(check(&w, &Limits::default()).is_empty());
        let e = Estimate::of(&w);
        assert!(e.tasks < Limits::default().tasks / 100.0, "{e:?}");
        let typo = WorldConfig {
            sample_every_hours: 1e-9,
            ..WorldConfig::default()
        };
        let issues = check(&typo, &Limits::default());
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].path, "sample_every_hours");
        let mut burst = WorldConfig::default();
        burst.shocks.push(crate::model::Shock {
            kind: ShockKind::Arrivals,
            at_hour: 1.0,
            until_hour: Some(2.0),
            tier: None,
            factor: 1e300,
        });
        let issues = check(&burst, &Limits::default());
        assert!(
            issues.iter().any(|i| i.path == "workload.arrival_per_hour"),
            "{issues:?}"
        );
        // A burst counts for its hours only: ten times the traffic for a tenth of the run
        // is about twice the tasks.
        let mut short = WorldConfig::default();
        let h = short.horizon_hours;
        short.shocks.push(crate::model::Shock {
            kind: ShockKind::Arrivals,
            at_hour: 0.5 * h,
            until_hour: Some(0.6 * h),
            tier: None,
            factor: 10.0,
        });
        let (e, base) = (Estimate::of(&short), Estimate::of(&w));
        assert!((e.tasks / base.tasks - 1.9).abs() < 1e-9, "{e:?}");
        assert!((e.alive / base.alive - 10.0).abs() < 1e-9, "{e:?}");
    }
}
