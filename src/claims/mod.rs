//! The corpus claims: for each, a scenario, a shape check that decides from confidence
//! intervals, a counter-scenario that switches the responsible mechanism off, and a plot.
//!
//! A claim is *reproduced* when its check passes on its scenario and fails on its
//! counter-scenario: a check that cannot fail proves nothing. `docs/claims.md` gives each
//! check's criterion and rationale beside the published figure it mirrors.

mod c1_benefit;
mod c1_edits;
mod c2_diversity;
mod c3_anchors;
mod c4_reasoning;
mod c5_adaptive;
mod c6_small_vs_large;
mod c7_struggle;
mod c8_pool;
mod c9a_search;
mod c9b_world;

pub mod figures;
pub mod headline;
pub mod robustness;
pub mod runs;
pub mod shipped;
pub mod user;
pub mod verdicts;

use crate::base::stats::MeanCi;
use crate::report::plot::{self, Bounds, Line, PointPanel};
use std::path::{Path, PathBuf};

/// How much work a check does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    /// Fewer replications and shorter horizons, for a first look and CI.
    Quick,
    /// The replications the report's numbers are quoted at.
    Full,
}

impl Effort {
    /// `quick` or `full` replications.
    pub fn reps(self, quick: usize, full: usize) -> usize {
        match self {
            Effort::Quick => quick,
            Effort::Full => full,
        }
    }
}

/// A measured number with its 95% confidence interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// What was measured.
    pub label: String,
    /// Mean and interval.
    pub ci: MeanCi,
}

impl Measured {
    /// A measured value.
    pub fn new(label: impl Into<String>, ci: MeanCi) -> Self {
        Measured {
            label: label.into(),
            ci,
        }
    }

    /// `label = mean [lo, hi]` with `digits` decimals.
    pub fn show(&self, digits: usize) -> String {
        format!(
            "{} = {:.d$} [{:.d$}, {:.d$}]",
            self.label,
            self.ci.mean,
            self.ci.lo,
            self.ci.hi,
            d = digits
        )
    }
}

/// One criterion of a shape check and whether it held.
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    /// What must hold, with the numbers that decided it.
    pub text: String,
    /// Whether it held.
    pub passed: bool,
    /// How far it is from its threshold, scaled so that 0 is the threshold and positive
    /// means it holds ([`margin`]); `None` for a criterion that is only reported.
    pub margin: Option<f64>,
}

/// The margins of criteria, on one scale so that a check's criteria can be compared: a
/// bound of an interval against a threshold counts in half-widths of that interval (`1`:
/// the bound is one half-width past the threshold), a ratio that must stay in a band counts
/// in half-widths of the band on a log scale, a yes-or-no criterion counts `+1` or `-1`.
/// `docs/sensitivity.md` ("Robustness of the claims") lists each claim's.
pub mod margin {
    use crate::base::stats::MeanCi;

    /// `x / w`, or the sign of `x` when the width `w` is 0 (a degenerate interval).
    fn per(x: f64, w: f64) -> f64 {
        if w > 0.0 {
            x / w
        } else if x == 0.0 {
            0.0
        } else {
            x.signum()
        }
    }

    /// The lower bound of `ci` above `threshold`: `(lo - threshold) / half width`.
    pub fn above(ci: &MeanCi, threshold: f64) -> f64 {
        per(ci.lo - threshold, ci.half_width())
    }

    /// The upper bound of `ci` below `threshold`: `(threshold - hi) / half width`.
    pub fn below(ci: &MeanCi, threshold: f64) -> f64 {
        per(threshold - ci.hi, ci.half_width())
    }

    /// The upper bound of `ci` at or above `threshold`: `(hi - threshold) / half width`
    /// (an interval that reaches the threshold).
    pub fn reaches(ci: &MeanCi, threshold: f64) -> f64 {
        per(ci.hi - threshold, ci.half_width())
    }

    /// The lower bound of `ci` at or below `threshold` (no significant rise above it):
    /// `(threshold - lo) / half width`.
    pub fn not_above(ci: &MeanCi, threshold: f64) -> f64 {
        per(threshold - ci.lo, ci.half_width())
    }

    /// A ratio `x` inside `[lo, hi]`: the distance to the nearer end on a log scale, in
    /// half-widths of the band (1 at its geometric centre, 0 at an end).
    pub fn within(x: f64, lo: f64, hi: f64) -> f64 {
        let half = (hi / lo).ln() / 2.0;
        per((x / lo).ln().min((hi / x).ln()), half)
    }

    /// A ratio `x` at most `max` (> 1): `ln(max / x) / ln(max)`.
    pub fn at_most(x: f64, max: f64) -> f64 {
        per((max / x).ln(), max.ln())
    }

    /// A yes-or-no criterion: `+1` when it holds, `-1` when not.
    pub fn flag(holds: bool) -> f64 {
        if holds { 1.0 } else { -1.0 }
    }

    /// The smallest of `xs` (a criterion that must hold for each of several quantities);
    /// NaN when any is NaN or there is none.
    pub fn least(xs: impl IntoIterator<Item = f64>) -> f64 {
        let mut m = f64::INFINITY;
        for x in xs {
            if x.is_nan() {
                return f64::NAN;
            }
            m = m.min(x);
        }
        if m == f64::INFINITY { f64::NAN } else { m }
    }

    /// The largest of `xs` (a criterion that must hold for at least one); NaN when any is
    /// NaN or there is none.
    pub fn most(xs: impl IntoIterator<Item = f64>) -> f64 {
        -least(xs.into_iter().map(|x| -x))
    }
}

/// A figure to draw for a check. Every axis label names its unit.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    /// Bars with error bars, from 0 (for values whose size matters, not small differences).
    Bars {
        /// Title.
        title: String,
        /// X axis label.
        x_label: String,
        /// Y axis label, with the unit.
        y_label: String,
        /// One bar per label.
        bars: Vec<(String, MeanCi)>,
        /// The metric's range (`Some((0.0, 1.0))` for a rate): error bars stay inside it.
        bounds: Bounds,
    },
    /// Lines with confidence bands over a numeric x axis.
    Lines {
        /// Title.
        title: String,
        /// X axis label, with the unit.
        x_label: String,
        /// Y axis label, with the unit.
        y_label: String,
        /// The lines.
        lines: Vec<Line>,
        /// The metric's range: bands stay inside it.
        bounds: Bounds,
    },
    /// Points with error bars on a categorical x axis (tiers, difficulty bins, token
    /// budgets), one panel per metric.
    Points {
        /// Title.
        title: String,
        /// X axis label.
        x_label: String,
        /// The categories, left to right.
        categories: Vec<String>,
        /// The panels.
        panels: Vec<PointPanel>,
    },
    /// Paired differences with their intervals around a line at 0.
    Difference {
        /// Title.
        title: String,
        /// X axis label.
        x_label: String,
        /// Y axis label, with the unit.
        y_label: String,
        /// One difference per label.
        diffs: Vec<(String, MeanCi)>,
    },
}

impl Figure {
    /// Draws the figure to `stem.png` and `stem.svg`.
    pub fn draw(&self, stem: &Path) -> anyhow::Result<()> {
        match self {
            Figure::Bars {
                title,
                x_label,
                y_label,
                bars,
                bounds,
            } => {
                let labels: Vec<String> = bars.iter().map(|(l, _)| l.clone()).collect();
                let cis: Vec<MeanCi> = bars
                    .iter()
                    .map(|(_, c)| plot::clip_ci(c, *bounds))
                    .collect();
                plot::bar_ci(stem, title, x_label, y_label, &labels, &cis)
            }
            Figure::Lines {
                title,
                x_label,
                y_label,
                lines,
                bounds,
            } => plot::curves_ci(stem, title, x_label, y_label, lines, *bounds),
            Figure::Points {
                title,
                x_label,
                categories,
                panels,
            } => plot::points_ci(stem, title, x_label, categories, panels),
            Figure::Difference {
                title,
                x_label,
                y_label,
                diffs,
            } => {
                let labels: Vec<String> = diffs.iter().map(|(l, _)| l.clone()).collect();
                let cis: Vec<MeanCi> = diffs.iter().map(|(_, c)| *c).collect();
                plot::difference_ci(stem, title, x_label, y_label, &labels, &cis)
            }
        }
    }
}

/// The range of a share or a rate.
pub const RATE: Bounds = Some((0.0, 1.0));

/// What one check found on one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The numbers the criteria were decided on.
    pub measured: Vec<Measured>,
    /// The criteria; the shape holds when all hold.
    pub criteria: Vec<Criterion>,
    /// The figure.
    pub figure: Figure,
}

impl Outcome {
    /// Whether every criterion held.
    pub fn holds(&self) -> bool {
        !self.criteria.is_empty() && self.criteria.iter().all(|c| c.passed)
    }

    /// The claim's margin: the smallest margin of its criteria (those that are only
    /// reported have none), on the common scale of [`margin`]: positive when every
    /// criterion holds, 0 at the threshold of the decisive one. NaN when a criterion's
    /// margin is undefined (an interval of fewer than two values) or none has one.
    pub fn margin(&self) -> f64 {
        margin::least(self.criteria.iter().filter_map(|c| c.margin))
    }
}

/// One corpus claim.
pub trait Claim: Sync {
    /// Its id (`"1a"`, `"2"`, ...).
    fn id(&self) -> &'static str;
    /// The claim in one line.
    fn title(&self) -> &'static str;
    /// Where it comes from.
    fn source(&self) -> &'static str;
    /// The published figure it mirrors.
    fn published(&self) -> &'static str;
    /// The mechanism the counter-scenario switches off.
    fn counter(&self) -> &'static str;
    /// Every counter-scenario: the claim is reproduced only when its shape vanishes on each.
    /// A claim with several mechanisms has one counter per mechanism, each switching that
    /// one off; the default is the single `claim<id>_counter.toml`.
    fn counters(&self) -> Vec<Counter> {
        vec![Counter {
            stem: "counter",
            mechanism: self.counter(),
        }]
    }
    /// Runs the check on a scenario file.
    fn check(&self, file: &Path, effort: Effort, seed: u64) -> anyhow::Result<Outcome>;
}

/// One counter-scenario of a claim: the file `claim<id>_<stem>.toml` and the mechanism it
/// switches off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    /// The file's suffix after `claim<id>_`.
    pub stem: &'static str,
    /// What it switches off.
    pub mechanism: &'static str,
}

/// Every claim, in order.
pub fn all() -> Vec<Box<dyn Claim>> {
    vec![
        Box::new(c1_benefit::Benefit),
        Box::new(c1_edits::EditQuality),
        Box::new(c2_diversity::Diversity),
        Box::new(c3_anchors::Anchors),
        Box::new(c4_reasoning::Reasoning),
        Box::new(c5_adaptive::Adaptive),
        Box::new(c6_small_vs_large::SmallVsLarge),
        Box::new(c7_struggle::Struggle),
        Box::new(c8_pool::Pool),
        Box::new(c9a_search::IslandSearch),
        Box::new(c9b_world::IslandsInWorld),
    ]
}

/// The claims whose id is `id` or starts with it followed by a letter (`1` selects `1a`
/// and `1b`).
pub fn select(id: &str) -> Vec<Box<dyn Claim>> {
    all()
        .into_iter()
        .filter(|c| {
            c.id() == id
                || (c.id().starts_with(id)
                    && c.id()[id.len()..].chars().all(|x| x.is_ascii_alphabetic()))
        })
        .collect()
}

/// The shipped scenario of claim `id`, or with `counter = Some(stem)` its counter-scenario
/// `claim<id>_<stem>.toml`: in `scenarios/claims/` of the working directory when there is
/// one (a checkout, where the files can be edited), else the copy built into the library
/// ([`shipped::dir`]), so that a check works from any folder and after the checkout is
/// gone. When the built-in copy cannot be written, the path names where it would be and
/// reading it reports the problem.
pub fn scenario_file(id: &str, counter: Option<&str>) -> PathBuf {
    let local = Path::new("scenarios").join("claims");
    let base = if local.is_dir() {
        local
    } else {
        shipped::dir().unwrap_or_else(|e| {
            eprintln!("warning: {e}");
            std::env::temp_dir().join("triad-claims")
        })
    };
    base.join(match counter {
        Some(stem) => format!("claim{id}_{stem}.toml"),
        None => format!("claim{id}.toml"),
    })
}

#[cfg(test)]
mod margin_tests {
    use super::margin::*;
    use crate::base::stats::MeanCi;

    fn ci(lo: f64, hi: f64) -> MeanCi {
        MeanCi {
            n: 10,
            mean: (lo + hi) / 2.0,
            sd: 1.0,
            lo,
            hi,
        }
    }

    #[test]
    fn margins_count_half_widths_past_the_threshold() {
        // [1, 3]: half width 1; the lower bound 1 above 0 is one half width.
        assert_eq!(above(&ci(1.0, 3.0), 0.0), 1.0);
        assert_eq!(above(&ci(-1.0, 1.0), 0.0), -1.0);
        assert_eq!(below(&ci(-3.0, -1.0), 0.0), 1.0);
        assert_eq!(reaches(&ci(-3.0, -1.0), 0.0), -1.0);
        assert_eq!(not_above(&ci(-1.0, 1.0), 0.0), 1.0);
        // A degenerate interval counts by its sign.
        assert_eq!(above(&ci(2.0, 2.0), 0.0), 1.0);
        // A ratio at the band's geometric centre is 1, at an end 0, outside negative.
        assert!((within(1.0, 0.8, 1.25) - 1.0).abs() < 1e-12);
        assert!(within(1.25, 0.8, 1.25).abs() < 1e-12);
        assert!(within(2.0, 0.8, 1.25) < 0.0);
        assert_eq!(at_most(1.0, 2.0), 1.0);
        assert!(at_most(3.0, 2.0) < 0.0);
        assert_eq!(least([1.0, -2.0, 3.0]), -2.0);
        assert_eq!(most([1.0, -2.0, 3.0]), 3.0);
        assert!(least([1.0, f64::NAN]).is_nan());
        assert!(least(std::iter::empty()).is_nan());
        assert_eq!(flag(false), -1.0);
    }
}
