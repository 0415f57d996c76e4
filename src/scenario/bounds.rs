//! Resource bounds: what a run will cost, estimated from the scenario before it starts, and
//! the limits past which triad refuses it (exit code 2) unless told `--no-limits`.
//!
//! The limits keep a typo (`sample_every_hours = 1e-9`, `arrival_per_hour = 1e9`) from
//! turning into hours of work or an exhausted memory. Each is far above what the shipped
//! scenarios need (the baseline: about 36 000 tasks, 31 time-series rows, 120 epochs).

use crate::base::Issue;
use crate::model::evolver::Strategy;
use crate::model::{ShockKind, WorldConfig};
use crate::policy::Common;
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
    /// Most edits the `islands` strategy may hold in its variants (islands x variants per
    /// island x edits per variant, the last at most the rounds' candidates and the mode
    /// cells): about 24 bytes each.
    pub island_edits: f64,
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
            island_edits: 5e7,
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
    /// Tasks drawn: the arrival rate integrated over the horizon, arrival shocks included.
    pub tasks: f64,
    /// Tasks alive at once: the peak arrival rate times the hours a task can wait.
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
        let (expected, peak) = arrivals(w);
        Estimate {
            tasks: expected,
            alive: peak * w.workload.patience_hours.min(w.horizon_hours),
            series_rows: w.horizon_hours / w.sample_every_hours,
            epochs: w.horizon_hours / w.epoch_hours,
            mode_cells: f64::from(w.evolver.modes) * w.workload.categories.len() as f64,
        }
    }
}

/// The expected number of arrivals over the horizon and the peak arrival rate: the rate
/// integrated piecewise between the moments arrival shocks start and end (a shock's factor
/// multiplies the rate while it is active).
fn arrivals(w: &WorldConfig) -> (f64, f64) {
    let h = w.horizon_hours;
    let base = w.workload.arrival_per_hour;
    // (time, ln factor, zero factor) changes, +1 at start and -1 at the end of each shock.
    let mut changes: Vec<(f64, f64, i64)> = Vec::new();
    for s in w.shocks.iter().filter(|s| s.kind == ShockKind::Arrivals) {
        let end = s.until_hour.unwrap_or(h).min(h);
        if s.at_hour.partial_cmp(&end) != Some(std::cmp::Ordering::Less) {
            continue;
        }
        let (ln, zero) = if s.factor > 0.0 {
            (s.factor.ln(), 0)
        } else {
            (0.0, 1)
        };
        changes.push((s.at_hour.max(0.0), ln, zero));
        changes.push((end, -ln, -zero));
    }
    changes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut t, mut ln, mut zeros) = (0.0_f64, 0.0_f64, 0_i64);
    let (mut total, mut peak) = (0.0, base);
    for (at, dln, dz) in changes {
        let rate = if zeros > 0 { 0.0 } else { base * ln.exp() };
        total += rate * (at - t);
        peak = peak.max(rate);
        (t, ln, zeros) = (at, ln + dln, zeros + dz);
    }
    let rate = if zeros > 0 { 0.0 } else { base * ln.exp() };
    total += rate * (h - t);
    (total, peak.max(rate))
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

/// The problems of the `islands` strategy's populations in world `w` against `limits`:
/// a variant gains at most one edit per candidate and holds at most one per mode cell.
pub fn check_islands(w: &WorldConfig, common: &Common, limits: &Limits) -> Vec<Issue> {
    if common.strategy != Strategy::Islands {
        return Vec::new();
    }
    let e = Estimate::of(w);
    let per_variant = e
        .mode_cells
        .min(e.epochs.ceil() * f64::from(common.candidates_per_round));
    let held =
        f64::from(common.island.islands) * f64::from(common.island.island_size) * per_variant;
    if held > limits.island_edits {
        vec![Issue::new(
            "policy.island_size",
            format!(
                "the island search could hold about {held:.3e} edits (islands x island_size x \
                 edits per variant), past the limit of {:.0e}; use fewer or smaller islands, \
                 or pass --no-limits if you mean it",
                limits.island_edits
            ),
        )]
    } else {
        Vec::new()
    }
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
    }

    #[test]
    fn island_populations_are_bounded_by_what_they_could_hold() {
        let w = WorldConfig::default();
        let mut c = Common {
            strategy: Strategy::Islands,
            ..Common::default()
        };
        assert!(check_islands(&w, &c, &Limits::default()).is_empty());
        // 64 islands of 256 variants, each up to 120 rounds x 4000 candidates long (but at
        // most 600 mode cells): about 1e7 edits, inside; with a million modes, outside.
        c.island.islands = 64;
        c.island.island_size = 256;
        c.candidates_per_round = 4000;
        assert!(check_islands(&w, &c, &Limits::default()).is_empty());
        let mut many = w.clone();
        many.evolver.modes = 1_000_000;
        let issues = check_islands(&many, &c, &Limits::default());
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].path, "policy.island_size");
        c.strategy = Strategy::Sequential;
        assert!(check_islands(&many, &c, &Limits::default()).is_empty());
    }

    #[test]
    fn arrivals_integrate_the_shock_windows() {
        let mut w = WorldConfig {
            horizon_hours: 100.0,
            ..WorldConfig::default()
        };
        w.workload.arrival_per_hour = 10.0;
        let shock = |at, until, factor| crate::model::Shock {
            kind: ShockKind::Arrivals,
            at_hour: at,
            until_hour: until,
            tier: None,
            factor,
        };
        // Two tripling windows of 10 h that overlap for 5 h, and a 10 h stop.
        w.shocks = vec![
            shock(10.0, Some(20.0), 3.0),
            shock(15.0, Some(25.0), 3.0),
            shock(50.0, Some(60.0), 0.0),
        ];
        let e = Estimate::of(&w);
        // By hand: 5 h at x3, 5 h at x9, 5 h at x3, 10 h at x0, the other 75 h at x1.
        let want = 10.0 * (3.0 * 5.0 + 9.0 * 5.0 + 3.0 * 5.0 + 75.0);
        assert!((e.tasks - want).abs() < 1e-9, "{} vs {want}", e.tasks);
        let peak = 90.0 * w.workload.patience_hours.min(100.0);
        assert!(
            (e.alive - peak).abs() < 1e-9 * peak,
            "{} vs {peak}",
            e.alive
        );
    }
}
