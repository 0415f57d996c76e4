//! How robust a claim is to the physics: a Latin hypercube over every physics parameter of
//! the claim's scenario, the claim's check at each point, the share of points where it
//! holds (Wilson 95% interval) and the parameters that decide its margin (Spearman rank
//! correlation with a bootstrap 95% interval).
//!
//! The ranges ([`Space::of`]): every number that is physics ([`physics::is_physics`]) in
//! the resolved scenario (the file's values, the defaults for what it leaves out) varies
//! log-uniformly from half to twice its value, or over its calibration interval where
//! [`CALIBRATED`] has one; its sign is kept. A value of 0 is held at 0: in the baseline a 0
//! switches a mechanism off (no bias, no cost), and x0.5 to x2 of 0 is 0. Whole numbers,
//! switches and names are held as they are. A range whose end the scenario does not accept
//! (a probability past 1) is cut at the last accepted value, found by bisection on the
//! scenario's own validation. `docs/sensitivity.md` ("Robustness of the claims") is the
//! user's guide.

use super::{Claim, Effort};
use crate::base::stats::{Share, spearman, t_quantile, wilson};
use crate::engine::{Streams, hash2};
use crate::scenario::physics::{is_physics, leaves};
use crate::scenario::{FileKind, Source, set_path};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A calibration interval: the 95% profile interval `triad calibrate` found for a physics
/// parameter of the calibrated baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The dotted scenario key.
    pub path: &'static str,
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
    /// Where the interval comes from.
    pub source: &'static str,
}

/// The calibration intervals of the calibrated baseline's fitted physics, as docs/model.md's
/// parameter table prints them (the profile intervals of the published calibrations,
/// docs/calibrate.md "The calibrated baseline"). An interval that reaches the end of the
/// calibration's search range is bounded there.
pub const CALIBRATED: [Interval; 5] = [
    Interval {
        path: "attempts.slope",
        lo: 4.74,
        hi: 30.0,
        source: "scenarios/calibrate/published_attempts.toml (docs/model.md: 15.3 [4.74, 30])",
    },
    Interval {
        path: "traits.judge_noise",
        lo: 0.42,
        hi: 1.44,
        source: "scenarios/calibrate/published_judging.toml (docs/model.md: 0.97 [0.42, 1.44])",
    },
    Interval {
        path: "traits.item_bias",
        lo: 0.89,
        hi: 3.52,
        source: "scenarios/calibrate/published_judging.toml (docs/model.md: 1.41 [0.89, 3.52])",
    },
    Interval {
        path: "traits.invoke_slope",
        lo: 0.88,
        hi: 6.0,
        source: "scenarios/calibrate/published_invoke.toml (docs/model.md: 1.337 [0.88, 6.0])",
    },
    Interval {
        path: "traits.invoke_mid",
        lo: 0.18,
        hi: 1.34,
        source: "scenarios/calibrate/published_invoke.toml (docs/model.md: 0.819 [0.18, 1.34])",
    },
];

/// The name of the one factor that scales every tier's skill.
pub const SKILLS: &str = "tier.*.skill";

/// The factor of the default range: from `value / SPAN` to `value * SPAN`.
pub const SPAN: f64 = 2.0;

/// Points a robustness analysis draws per claim, full and `--quick`.
pub const POINTS: usize = 48;
/// Points per claim with `--quick`.
pub const POINTS_QUICK: usize = 10;
/// Bootstrap resamples of the rank correlations' intervals.
pub const RESAMPLES: usize = 1000;
/// A claim holding at fewer than this share of the points is named as fragile.
pub const FRAGILE: f64 = 0.8;

/// One varied parameter: its key, its value in the scenario and the range drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    /// The dotted key (`tier.*.skill` for the ladder's skills, scaled together).
    pub path: String,
    /// Its value in the scenario (1 for a factor that scales several keys).
    pub base: f64,
    /// Smallest value drawn.
    pub lo: f64,
    /// Largest value drawn.
    pub hi: f64,
    /// The keys it sets with their values in the scenario: each is set to its value times
    /// `value / base`. One key (the parameter's own) but for the ladder's skills.
    pub members: Vec<(String, f64)>,
    /// Where the range comes from: `x0.5-x2`, a calibration interval, and whether an end
    /// was cut to what the scenario accepts.
    pub from: String,
}

impl Range {
    /// The value at `u` in [0, 1]: log-uniform between the ends (on the magnitude, sign
    /// kept).
    pub fn at(&self, u: f64) -> f64 {
        let (a, b) = (self.lo.abs(), self.hi.abs());
        let (a, b) = (a.min(b), a.max(b));
        self.base.signum() * (a.ln() + u * (b.ln() - a.ln())).exp()
    }

    /// The keys it sets at `value`, with their values.
    pub fn keys_at(&self, value: f64) -> impl Iterator<Item = (&str, f64)> {
        self.members
            .iter()
            .map(move |(k, b)| (k.as_str(), b * (value / self.base)))
    }
}

/// The parameter space of a claim's scenario file.
#[derive(Debug, Clone)]
pub struct Space {
    /// The varied parameters, in key order.
    pub ranges: Vec<Range>,
    /// Physics keys held fixed, with why.
    pub fixed: Vec<(String, &'static str)>,
    file: toml::Table,
    resolved: toml::Table,
    kind: FileKind,
}

/// Reads `text` as what `kind` is; the problem as text.
fn validate(t: &toml::Table, kind: FileKind) -> Result<(), String> {
    let text = toml::to_string(t).map_err(|e| e.to_string())?;
    let src = Source::from_text("point", text);
    let r = match kind {
        FileKind::Search => crate::scenario::parse_search(&src).map(|_| ()),
        _ => crate::scenario::parse(&src).map(|_| ()),
    };
    r.map_err(|e| e.to_string())
}

impl Space {
    /// The space of `file` (a claim's scenario or harness search): its physics numbers,
    /// each with its range.
    pub fn of(file: &Path) -> anyhow::Result<Space> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
        let table: toml::Table =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        let kind = FileKind::of_table(&table);
        let resolved = match kind {
            FileKind::Search => toml::Table::try_from(crate::scenario::load_search(file)?)?,
            _ => toml::Table::try_from(crate::scenario::load(file)?)?,
        };
        let mut space = Space {
            ranges: Vec::new(),
            fixed: Vec::new(),
            file: table,
            resolved,
            kind,
        };
        let mut skills: Vec<(String, f64)> = Vec::new();
        for (path, v) in leaves(&space.resolved) {
            if !is_physics(&path) {
                continue;
            }
            if path.starts_with("tier.") && path.ends_with(".skill") {
                match v.as_float() {
                    Some(x) if x != 0.0 && x.is_finite() => skills.push((path, x)),
                    _ => space.fixed.push((path, "0: the ladder's origin")),
                }
                continue;
            }
            let x = match v {
                toml::Value::Float(x) if x.is_finite() => x,
                toml::Value::Float(_) => continue,
                toml::Value::Integer(_) => {
                    space.fixed.push((path, "a whole number"));
                    continue;
                }
                _ => {
                    space.fixed.push((path, "not a number"));
                    continue;
                }
            };
            if x == 0.0 {
                space.fixed.push((path, "0 (a mechanism switched off)"));
                continue;
            }
            let cal = CALIBRATED.iter().find(|c| c.path == path);
            let (mut lo, mut hi, mut from) = match cal {
                Some(c) => (c.lo, c.hi, format!("calibration interval, {}", c.source)),
                None => (
                    x.abs() / SPAN,
                    x.abs() * SPAN,
                    format!("x{} to x{SPAN}", 1.0 / SPAN),
                ),
            };
            let s = x.signum();
            let accepts = |m: f64| space.point(&[(path.as_str(), s * m)]).is_ok();
            let mut cut = Vec::new();
            if !accepts(hi) {
                hi = space.bisect(x.abs(), hi, &accepts);
                cut.push("upper");
            }
            if !accepts(lo) {
                lo = space.bisect(x.abs(), lo, &accepts);
                cut.push("lower");
            }
            if !cut.is_empty() {
                from.push_str(&format!(
                    "; {} end cut to what the scenario accepts",
                    cut.join(" and ")
                ));
            }
            let (lo, hi) = if s > 0.0 { (lo, hi) } else { (-hi, -lo) };
            space.ranges.push(Range {
                members: vec![(path.clone(), x)],
                path,
                base: x,
                lo,
                hi,
                from,
            });
        }
        if !skills.is_empty() {
            let mut r = Range {
                path: SKILLS.to_string(),
                base: 1.0,
                lo: 1.0 / SPAN,
                hi: SPAN,
                members: skills,
                from: format!(
                    "one factor x{} to x{SPAN} on every tier's skill (the ladder's spread: \
                     its order and its origin kept)",
                    1.0 / SPAN
                ),
            };
            let probe = r.clone();
            let accepts = |f: f64| space.point_of(&[(&probe, f)]).is_ok();
            let mut cut = Vec::new();
            if !accepts(r.hi) {
                r.hi = space.bisect(1.0, r.hi, &accepts);
                cut.push("upper");
            }
            if !accepts(r.lo) {
                r.lo = space.bisect(1.0, r.lo, &accepts);
                cut.push("lower");
            }
            if !cut.is_empty() {
                r.from.push_str(&format!(
                    "; {} end cut to what the scenario accepts",
                    cut.join(" and ")
                ));
            }
            space.ranges.push(r);
        }
        Ok(space)
    }

    /// The accepted value nearest `bad` between `good` and `bad` (magnitudes), by bisection
    /// on the log scale.
    fn bisect(&self, good: f64, bad: f64, accepts: &dyn Fn(f64) -> bool) -> f64 {
        let (mut g, mut b) = (good.ln(), bad.ln());
        for _ in 0..40 {
            let m = (g + b) / 2.0;
            if accepts(m.exp()) {
                g = m;
            } else {
                b = m;
            }
        }
        g.exp()
    }

    /// The scenario table with `values` set (`(path, value)`), validated: the claim's file
    /// with each changed key set, a section the file leaves out copied in from the resolved
    /// scenario first.
    pub fn point(&self, values: &[(&str, f64)]) -> Result<toml::Table, String> {
        let mut t = self.file.clone();
        for (path, v) in values {
            let section = path.split('.').next().unwrap_or("");
            if !t.contains_key(section)
                && let Some(s) = self.resolved.get(section)
            {
                t.insert(section.to_string(), s.clone());
            }
            set_path(&mut t, path, toml::Value::Float(*v))?;
        }
        validate(&t, self.kind)?;
        Ok(t)
    }

    /// The scenario table with each range at its value (`(range, value)`), validated.
    pub fn point_of(&self, values: &[(&Range, f64)]) -> Result<toml::Table, String> {
        let set: Vec<(&str, f64)> = values.iter().flat_map(|(r, v)| r.keys_at(*v)).collect();
        self.point(&set)
    }

    /// The values of design point `u` (unit coordinates, one per range).
    pub fn values(&self, u: &[f64]) -> Vec<f64> {
        self.ranges.iter().zip(u).map(|(r, &u)| r.at(u)).collect()
    }
}

/// What the check found at one point.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The parameter values, in the order of [`Space::ranges`].
    pub values: Vec<f64>,
    /// The claim's margin ([`super::Outcome::margin`]).
    pub margin: f64,
    /// Whether the claim holds.
    pub holds: bool,
}

/// A parameter's rank correlation with the margin over the points, with a bootstrap 95%
/// interval, and whether it decides the margin: the correlation differs from 0 at the 5%
/// level after a Bonferroni correction for the number of parameters (a Student t test of
/// `t = rho sqrt((n - 2) / (1 - rho^2))` on `n - 2` degrees of freedom at `0.05 / d`): chance
/// alone names a parameter in at most 5% of analyses.
#[derive(Debug, Clone, PartialEq)]
pub struct Decider {
    /// The dotted key.
    pub path: String,
    /// Spearman's rank correlation of its value with the margin.
    pub rho: f64,
    /// Lower end of the interval.
    pub lo: f64,
    /// Upper end of the interval.
    pub hi: f64,
    /// Whether it decides the margin (the Bonferroni-corrected test).
    pub decides: bool,
}

/// One claim's robustness.
#[derive(Debug, Clone)]
pub struct Robustness {
    /// Claim id.
    pub claim: String,
    /// The space sampled.
    pub space: Space,
    /// The points, in design order.
    pub points: Vec<Point>,
    /// The share of points where the claim holds.
    pub share: Share,
    /// Every parameter's rank correlation with the margin, strongest first.
    pub deciders: Vec<Decider>,
    /// Points whose margin and verdict disagree (a criterion's margin of the wrong sign):
    /// 0 when the margins are right.
    pub disagree: usize,
}

/// The seed of claim `k`'s design from the root seed.
pub fn design_seed(seed: u64, k: usize) -> u64 {
    hash2(hash2(seed, 0x0B05_7E55), k as u64)
}

/// Runs claim `c`'s check ([`Effort::Quick`] replications, seed `seed` at every point: the
/// points share their random numbers) at `n` Latin-hypercube points over the physics of
/// `file`, drawn from `design_seed`. Each point's scenario is written under `scratch`
/// (removed after its check). `progress` hears of each point as it finishes (index, point,
/// seconds); `stop` is asked before each point starts, and a point not started when it says
/// yes is left out (the result then has fewer points than `n`), as is a point whose check
/// Ctrl-C stopped part-way ([`super::runs::stop_if_asked`]).
#[allow(clippy::too_many_arguments)]
pub fn run(
    c: &dyn Claim,
    file: &Path,
    n: usize,
    design_seed: u64,
    seed: u64,
    scratch: &Path,
    progress: &(dyn Fn(usize, &Point, f64) + Sync),
    stop: &(dyn Fn() -> bool + Sync),
) -> anyhow::Result<Robustness> {
    let space = Space::of(file)?;
    let d = space.ranges.len();
    let design = crate::sweep::design::lhs(n, d, design_seed);
    std::fs::create_dir_all(scratch)?;
    let stem = file
        .file_stem()
        .map_or_else(|| "point".to_string(), |s| s.to_string_lossy().into_owned());
    let points: Vec<Option<Point>> = design
        .par_iter()
        .enumerate()
        .map(|(i, u)| -> anyhow::Result<Option<Point>> {
            if stop() {
                return Ok(None);
            }
            let clock = Instant::now();
            let values = space.values(u);
            let set: Vec<(&Range, f64)> = space.ranges.iter().zip(values.iter().copied()).collect();
            let table = space
                .point_of(&set)
                .map_err(|e| anyhow::anyhow!("claim {} point {}: {e}", c.id(), i + 1))?;
            let path: PathBuf = scratch.join(format!("{stem}_p{i:04}.toml"));
            std::fs::write(&path, toml::to_string(&table)?)?;
            let o = c.check(&path, Effort::Quick, seed);
            let _ = std::fs::remove_file(&path);
            // A check stopped part-way (`stop` says yes from now on) leaves its point out.
            if let Err(e) = &o
                && e.is::<crate::base::interrupt::Interrupted>()
            {
                return Ok(None);
            }
            let o = o.map_err(|e| anyhow::anyhow!("claim {} point {}: {e:#}", c.id(), i + 1))?;
            let p = Point {
                values,
                margin: o.margin(),
                holds: o.holds(),
            };
            progress(i, &p, clock.elapsed().as_secs_f64());
            Ok(Some(p))
        })
        .collect::<anyhow::Result<_>>()?;
    let points: Vec<Point> = points.into_iter().flatten().collect();
    Ok(summarise(c.id(), space, points, design_seed))
}

/// The share, the rank correlations and the disagreements of `points` over `space`.
pub fn summarise(claim: &str, space: Space, points: Vec<Point>, seed: u64) -> Robustness {
    let k = points.iter().filter(|p| p.holds).count();
    let share = wilson(k, points.len(), 0.95);
    let disagree = points
        .iter()
        .filter(|p| !p.margin.is_nan() && (p.margin > 0.0) != p.holds)
        .count();
    let mut deciders = correlations(&space, &points, seed);
    // Strongest first; an undefined correlation (a value or margin that did not vary) last.
    let strength = |d: &Decider| if d.rho.is_nan() { -1.0 } else { d.rho.abs() };
    deciders.sort_by(|a, b| {
        strength(b)
            .total_cmp(&strength(a))
            .then(a.path.cmp(&b.path))
    });
    Robustness {
        claim: claim.to_string(),
        space,
        points,
        share,
        deciders,
        disagree,
    }
}

/// Each parameter's Spearman correlation with the margin over the points with a defined
/// margin, and its bootstrap 95% percentile interval ([`RESAMPLES`] resamples of the
/// points, drawn from `seed`).
fn correlations(space: &Space, points: &[Point], seed: u64) -> Vec<Decider> {
    let ok: Vec<&Point> = points.iter().filter(|p| p.margin.is_finite()).collect();
    let m: Vec<f64> = ok.iter().map(|p| p.margin).collect();
    let n = ok.len() as f64;
    let d = space.ranges.len().max(1) as f64;
    let t_crit = t_quantile(1.0 - 0.05 / (2.0 * d), n - 2.0);
    let mut rng = Streams::new(hash2(seed, 0xB007)).stream(0);
    let draws: Vec<Vec<usize>> = (0..RESAMPLES)
        .map(|_| (0..ok.len()).map(|_| rng.below(ok.len().max(1))).collect())
        .collect();
    space
        .ranges
        .iter()
        .enumerate()
        .map(|(j, r)| {
            let x: Vec<f64> = ok.iter().map(|p| p.values[j]).collect();
            let rho = spearman(&x, &m);
            let mut boot: Vec<f64> = draws
                .iter()
                .map(|idx| {
                    let bx: Vec<f64> = idx.iter().map(|&i| x[i]).collect();
                    let bm: Vec<f64> = idx.iter().map(|&i| m[i]).collect();
                    spearman(&bx, &bm)
                })
                .filter(|v| v.is_finite())
                .collect();
            boot.sort_by(f64::total_cmp);
            let q = |p: f64| {
                if boot.is_empty() {
                    f64::NAN
                } else {
                    boot[((p * (boot.len() - 1) as f64).round() as usize).min(boot.len() - 1)]
                }
            };
            let t = rho * ((n - 2.0) / (1.0 - rho * rho)).sqrt();
            Decider {
                path: r.path.clone(),
                rho,
                lo: q(0.025),
                hi: q(0.975),
                decides: n > 2.0 && t.abs() > t_crit,
            }
        })
        .collect()
}
