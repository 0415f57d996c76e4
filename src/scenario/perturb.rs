//! Perturbations: documented transformations of a scenario with a severity, the building
//! blocks of `triad stress` (`docs/stress.md`).
//!
//! [`apply`] is a pure function `(scenario, perturbation, severity, tier) -> scenario`.
//! Severity runs from 0 (no change at all: [`apply`] returns an unchanged clone, with no
//! shock or regime added, so outputs are the same bytes as the unperturbed run) to 1 (the
//! severe end of what each perturbation models). Time-bound perturbations add `[[shock]]`
//! entries; the others scale parameters or add `[[regime]]` entries.
//!
//! A scenario may carry a `[stress]` table (`perturbation`, `severity`, optional `tier`),
//! so that a sweep axis can carry a perturbation and `triad run` can replay one case:
//! scenario loading applies it once, to the validated scenario, and clears it, so the
//! table itself never reaches the world and a resolved scenario never applies it twice.
//!
//! Adding a perturbation: a variant of [`Perturbation`] (its kebab-case name is its key in
//! files), an entry in [`Perturbation::ALL`], a line in [`Perturbation::describe`] and an arm
//! in [`apply`]; the tests at the bottom check every variant for identity at severity 0.

use crate::model::{Regime, Shock, ShockKind, WorldConfig};
use crate::policy::PolicyConfig;
use serde::{Deserialize, Serialize};

/// One kind of trouble a scenario can be put through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Perturbation {
    /// What is left of the budget is cut at mid-run.
    BudgetCut,
    /// One tier's prices rise for the middle half of the run.
    PriceShock,
    /// One tier is down from mid-run for a time that grows with severity.
    Outage,
    /// One tier's concurrency drops (a provider rate-limits it) from a quarter of the run on.
    RateLimit,
    /// One tier's calls slow down for the middle half of the run.
    LatencySpike,
    /// Every judge is noisier.
    VerifierNoise,
    /// More of the candidate edits carry exploits, and larger ones (reward hacking).
    ExploitHeavy,
    /// The task mix changes more often, and the difficulty jumps up and down.
    RegimeChurn,
    /// Tasks get steadily harder over the run.
    DifficultyDrift,
    /// Traffic comes in bursts.
    ArrivalBurst,
    /// Every accepted edit adds more tokens to the harness every user call reads.
    ContextGrowth,
}

/// The `[stress]` table of a scenario: which perturbation, how severe, on which tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stress {
    /// The perturbation.
    pub perturbation: Perturbation,
    /// From 0 (none) to 1 (severe).
    pub severity: f64,
    /// The tier a tier perturbation hits (default: the user tier of the scenario's policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

/// How much each perturbation does at severity 1; scaled linearly below it.
pub mod at_severity_1 {
    /// Budget left after the mid-run cut, as a fraction (`1 - severity`).
    pub const BUDGET_KEPT: f64 = 0.0;
    /// Price multiplier (`1 + 4 severity`).
    pub const PRICE: f64 = 5.0;
    /// Outage length as a fraction of the run, starting at mid-run (`severity / 2`).
    pub const OUTAGE_SHARE: f64 = 0.5;
    /// Concurrency divisor (`1 + 63 severity`: 64 slots become 1).
    pub const RATE_LIMIT_DIVISOR: f64 = 64.0;
    /// Call-time multiplier (`1 + 9 severity`).
    pub const LATENCY: f64 = 10.0;
    /// Judge noise multiplier (`1 + 3 severity`).
    pub const JUDGE_NOISE: f64 = 4.0;
    /// Share of modes carrying an exploit (reached linearly from the scenario's own).
    pub const EXPLOIT_PROB: f64 = 0.6;
    /// Exploit size multiplier (`1 + 2 severity`).
    pub const EXPLOIT_SIZE: f64 = 3.0;
    /// Extra regime changes (`round(6 severity)`), evenly spaced.
    pub const CHURN_SHIFTS: f64 = 6.0;
    /// Difficulty jump of each extra regime, alternately up and down (`0.5 severity`).
    pub const CHURN_DIFFICULTY: f64 = 0.5;
    /// Total difficulty drift by the last of 8 steps (`1.0 severity`).
    pub const DRIFT: f64 = 1.0;
    /// Arrival-rate multiplier in each of 4 bursts (`1 + 4 severity`).
    pub const BURST: f64 = 5.0;
    /// Harness tokens per accepted edit multiplier (`1 + 9 severity`).
    pub const TOKENS_PER_EDIT: f64 = 10.0;
}

impl Perturbation {
    /// Every perturbation, in the order reports list them.
    pub const ALL: [Perturbation; 11] = [
        Perturbation::BudgetCut,
        Perturbation::PriceShock,
        Perturbation::Outage,
        Perturbation::RateLimit,
        Perturbation::LatencySpike,
        Perturbation::VerifierNoise,
        Perturbation::ExploitHeavy,
        Perturbation::RegimeChurn,
        Perturbation::DifficultyDrift,
        Perturbation::ArrivalBurst,
        Perturbation::ContextGrowth,
    ];

    /// Its name in files and reports (kebab-case).
    pub fn name(self) -> &'static str {
        match self {
            Perturbation::BudgetCut => "budget-cut",
            Perturbation::PriceShock => "price-shock",
            Perturbation::Outage => "outage",
            Perturbation::RateLimit => "rate-limit",
            Perturbation::LatencySpike => "latency-spike",
            Perturbation::VerifierNoise => "verifier-noise",
            Perturbation::ExploitHeavy => "exploit-heavy",
            Perturbation::RegimeChurn => "regime-churn",
            Perturbation::DifficultyDrift => "difficulty-drift",
            Perturbation::ArrivalBurst => "arrival-burst",
            Perturbation::ContextGrowth => "context-growth",
        }
    }

    /// The perturbation named `name`.
    pub fn from_name(name: &str) -> Option<Perturbation> {
        Perturbation::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Whether it hits one tier.
    pub fn needs_tier(self) -> bool {
        matches!(
            self,
            Perturbation::PriceShock
                | Perturbation::Outage
                | Perturbation::RateLimit
                | Perturbation::LatencySpike
        )
    }

    /// What it does, in one line (`H` is the horizon, `s` the severity).
    pub fn describe(self) -> &'static str {
        match self {
            Perturbation::BudgetCut => {
                "at H/2 what is left of the budget is multiplied by 1 - s (s = 1: the money stops)"
            }
            Perturbation::PriceShock => "the tier's prices x (1 + 4s) from H/4 to 3H/4",
            Perturbation::Outage => {
                "the tier is down (capacity 0) from H/2 for s H/2 hours; calls wait in line"
            }
            Perturbation::RateLimit => {
                "the tier's concurrency / (1 + 63s) from H/4 on (64 slots become 1), at least 1 slot"
            }
            Perturbation::LatencySpike => "the tier's call times x (1 + 9s) from H/4 to 3H/4",
            Perturbation::VerifierNoise => "traits.judge_noise x (1 + 3s): every judge is noisier",
            Perturbation::ExploitHeavy => {
                "evolver.exploit_prob moves linearly toward 0.6, evolver.exploit_size x (1 + 2s)"
            }
            Perturbation::RegimeChurn => {
                "round(6s) extra regimes, evenly spaced: each rotates the category weights by one and moves difficulty by 0.5s, alternately up and down"
            }
            Perturbation::DifficultyDrift => {
                "8 evenly spaced regimes each add s/8 to every difficulty (+s by the last)"
            }
            Perturbation::ArrivalBurst => {
                "4 bursts of min(12, H/16) hours at H/8, 3H/8, 5H/8, 7H/8 with arrivals x (1 + 4s)"
            }
            Perturbation::ContextGrowth => "harness.tokens_per_edit x (1 + 9s)",
        }
    }
}

impl std::fmt::Display for Perturbation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The names of every perturbation.
pub fn names() -> Vec<&'static str> {
    Perturbation::ALL.iter().map(|p| p.name()).collect()
}

/// `cfg` put through `p` at `severity` (in [0, 1]); tier perturbations hit `tier`, or the
/// user tier of the scenario's policy. Severity 0 returns an unchanged clone. Errors name
/// the problem (`stress.severity`, `stress.tier`).
pub fn apply(
    cfg: &WorldConfig,
    policy: &PolicyConfig,
    p: Perturbation,
    severity: f64,
    tier: Option<&str>,
) -> Result<WorldConfig, String> {
    if !severity.is_finite() || !(0.0..=1.0).contains(&severity) {
        return Err(format!(
            "stress.severity: must be in [0, 1] (0 = none, 1 = severe), got {severity}"
        ));
    }
    let tier = if p.needs_tier() {
        let t = match tier {
            Some(t) => t.to_string(),
            None => policy
                .user_tier(&cfg.tiers, &cfg.traits)
                .ok_or("stress.tier: the scenario has no tiers; name one with `tier`")?,
        };
        if !cfg.tiers.iter().any(|x| x.name == t) {
            let known: Vec<&str> = cfg.tiers.iter().map(|x| x.name.as_str()).collect();
            return Err(format!(
                "stress.tier: no tier named {t:?}; the tiers are {}",
                known.join(", ")
            ));
        }
        Some(t)
    } else {
        None
    };
    let mut c = cfg.clone();
    if severity == 0.0 {
        return Ok(c);
    }
    let s = severity;
    let h = cfg.horizon_hours;
    let shock = |kind, at: f64, until: Option<f64>, factor| Shock {
        kind,
        at_hour: at,
        until_hour: until.filter(|&u| u < h),
        tier: if kind == ShockKind::BudgetCut || kind == ShockKind::Arrivals {
            None
        } else {
            tier.clone()
        },
        factor,
    };
    match p {
        Perturbation::BudgetCut => {
            c.shocks
                .push(shock(ShockKind::BudgetCut, h / 2.0, None, 1.0 - s))
        }
        Perturbation::PriceShock => c.shocks.push(shock(
            ShockKind::Price,
            h / 4.0,
            Some(0.75 * h),
            1.0 + (at_severity_1::PRICE - 1.0) * s,
        )),
        Perturbation::Outage => c.shocks.push(shock(
            ShockKind::Capacity,
            h / 2.0,
            Some(h / 2.0 + at_severity_1::OUTAGE_SHARE * s * h),
            0.0,
        )),
        Perturbation::RateLimit => {
            let conc = cfg
                .tiers
                .iter()
                .find(|t| Some(&t.name) == tier.as_ref())
                .map_or(1, |t| t.concurrency.max(1)) as f64;
            let f = (1.0 / (1.0 + (at_severity_1::RATE_LIMIT_DIVISOR - 1.0) * s)).max(1.0 / conc);
            c.shocks.push(shock(ShockKind::Capacity, h / 4.0, None, f));
        }
        Perturbation::LatencySpike => c.shocks.push(shock(
            ShockKind::Latency,
            h / 4.0,
            Some(0.75 * h),
            1.0 + (at_severity_1::LATENCY - 1.0) * s,
        )),
        Perturbation::VerifierNoise => {
            c.traits.judge_noise *= 1.0 + (at_severity_1::JUDGE_NOISE - 1.0) * s;
        }
        Perturbation::ExploitHeavy => {
            let e = &mut c.evolver;
            if e.exploit_prob < at_severity_1::EXPLOIT_PROB {
                e.exploit_prob += (at_severity_1::EXPLOIT_PROB - e.exploit_prob) * s;
            }
            e.exploit_size *= 1.0 + (at_severity_1::EXPLOIT_SIZE - 1.0) * s;
        }
        Perturbation::RegimeChurn => {
            let n = (at_severity_1::CHURN_SHIFTS * s).round() as usize;
            let mut extra = Vec::with_capacity(n);
            for k in 1..=n {
                let at = h * k as f64 / (n + 1) as f64;
                let w = weights_at(cfg, at);
                let names: Vec<&String> = cfg.workload.categories.iter().map(|c| &c.name).collect();
                let len = names.len();
                let weights = (0..len)
                    .map(|i| (names[i].clone(), w[(i + len - 1) % len]))
                    .collect();
                let sign = if k % 2 == 1 { 1.0 } else { -1.0 };
                extra.push(Regime {
                    at_hour: at,
                    weights,
                    difficulty_shift: sign * at_severity_1::CHURN_DIFFICULTY * s,
                });
            }
            c.regimes = merge_regimes(&cfg.regimes, extra);
        }
        Perturbation::DifficultyDrift => {
            let steps = 8;
            let extra = (1..=steps)
                .map(|k| Regime {
                    at_hour: h * k as f64 / (steps + 1) as f64,
                    weights: Default::default(),
                    difficulty_shift: at_severity_1::DRIFT * s / steps as f64,
                })
                .collect();
            c.regimes = merge_regimes(&cfg.regimes, extra);
        }
        Perturbation::ArrivalBurst => {
            let len = (h / 16.0).min(12.0);
            for k in [1.0, 3.0, 5.0, 7.0] {
                let at = h * k / 8.0;
                c.shocks.push(shock(
                    ShockKind::Arrivals,
                    at,
                    Some(at + len),
                    1.0 + (at_severity_1::BURST - 1.0) * s,
                ));
            }
        }
        Perturbation::ContextGrowth => {
            c.harness.tokens_per_edit *= 1.0 + (at_severity_1::TOKENS_PER_EDIT - 1.0) * s;
        }
    }
    Ok(c)
}

/// The category weights in force at hour `at` (the scenario's regimes replayed).
fn weights_at(cfg: &WorldConfig, at: f64) -> Vec<f64> {
    let cats = &cfg.workload.categories;
    let mut w: Vec<f64> = cats.iter().map(|c| c.weight).collect();
    for r in cfg.regimes.iter().filter(|r| r.at_hour <= at) {
        for (name, &v) in &r.weights {
            if let Some(i) = cats.iter().position(|c| &c.name == name) {
                w[i] = v;
            }
        }
    }
    w
}

/// The scenario's regimes and `extra` in time order (a scenario regime first at a tie).
fn merge_regimes(own: &[Regime], extra: Vec<Regime>) -> Vec<Regime> {
    let mut all: Vec<(f64, usize, Regime)> = own
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, r)| (r.at_hour, i, r))
        .chain(
            extra
                .into_iter()
                .enumerate()
                .map(|(i, r)| (r.at_hour, own.len() + i, r)),
        )
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    all.into_iter().map(|(_, _, r)| r).collect()
}

/// One case of a stress plan: a perturbation at a severity, or the unperturbed scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The perturbation (`None` = unperturbed).
    pub perturbation: Option<Perturbation>,
    /// Its severity (0 for the unperturbed case).
    pub severity: f64,
    /// Its index among the (perturbation, severity) pairs, perturbations outer: the plan
    /// cell that holds it.
    pub cell: usize,
}

impl Case {
    /// `unperturbed` or `price-shock 0.5`.
    pub fn label(&self) -> String {
        match self.perturbation {
            None => "unperturbed".into(),
            Some(p) => format!("{p} {}", self.severity),
        }
    }
}

/// The cases of `perturbations` at `severities`: `unperturbed` first (when severity 0 is
/// among them: every perturbation at severity 0 is the same scenario, so it counts once),
/// then every perturbation at every severity above 0. Every case weighs the same.
pub fn cases(perturbations: &[Perturbation], severities: &[f64]) -> Vec<Case> {
    let ns = severities.len();
    let mut cases = Vec::new();
    if let Some(s0) = severities.iter().position(|&s| s == 0.0) {
        cases.push(Case {
            perturbation: None,
            severity: 0.0,
            cell: s0,
        });
    }
    for (pi, &p) in perturbations.iter().enumerate() {
        for (si, &s) in severities.iter().enumerate() {
            if s != 0.0 {
                cases.push(Case {
                    perturbation: Some(p),
                    severity: s,
                    cell: pi * ns + si,
                });
            }
        }
    }
    cases
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::validate_world as validate;

    fn base() -> WorldConfig {
        let mut c = WorldConfig {
            horizon_hours: 96.0,
            ..WorldConfig::default()
        };
        c.regimes.push(Regime {
            at_hour: 48.0,
            weights: [("code".to_string(), 0.0)].into_iter().collect(),
            difficulty_shift: 0.2,
        });
        c
    }

    #[test]
    fn severity_zero_is_the_identity_and_every_level_is_valid() {
        let c = base();
        for p in Perturbation::ALL {
            let same = apply(&c, &PolicyConfig::default(), p, 0.0, None).unwrap();
            assert_eq!(
                toml::to_string(&same).unwrap(),
                toml::to_string(&c).unwrap(),
                "{p}"
            );
            for s in [0.25, 0.5, 1.0] {
                let x = apply(&c, &PolicyConfig::default(), p, s, None).unwrap();
                assert_ne!(x, c, "{p} at {s} changed nothing");
                let issues = validate(&x);
                assert!(issues.is_empty(), "{p} at {s}: {issues:?}");
            }
        }
    }

    #[test]
    fn names_round_trip_and_tiers_resolve() {
        for p in Perturbation::ALL {
            assert_eq!(Perturbation::from_name(p.name()), Some(p));
            let v: Perturbation = toml::Value::String(p.name().into()).try_into().unwrap();
            assert_eq!(v, p);
        }
        let c = base();
        assert_eq!(
            PolicyConfig::default()
                .user_tier(&c.tiers, &c.traits)
                .as_deref(),
            Some("32B")
        );
        let x = apply(
            &c,
            &PolicyConfig::default(),
            Perturbation::Outage,
            1.0,
            None,
        )
        .unwrap();
        let sh = &x.shocks[0];
        assert_eq!(
            (sh.tier.as_deref(), sh.at_hour, sh.until_hour),
            (Some("32B"), 48.0, None)
        );
        let x = apply(
            &c,
            &PolicyConfig::default(),
            Perturbation::RateLimit,
            1.0,
            Some("8B"),
        )
        .unwrap();
        assert_eq!(x.shocks[0].factor, 1.0 / 64.0);
        let e = apply(
            &c,
            &PolicyConfig::default(),
            Perturbation::PriceShock,
            1.0,
            Some("9B"),
        )
        .unwrap_err();
        assert!(e.starts_with("stress.tier: no tier named \"9B\""), "{e}");
        let e = apply(
            &c,
            &PolicyConfig::default(),
            Perturbation::PriceShock,
            1.5,
            None,
        )
        .unwrap_err();
        assert!(e.starts_with("stress.severity"), "{e}");
    }

    #[test]
    fn churn_rotates_the_mix_in_force_and_keeps_time_order() {
        let c = base();
        let x = apply(
            &c,
            &PolicyConfig::default(),
            Perturbation::RegimeChurn,
            1.0,
            None,
        )
        .unwrap();
        assert_eq!(x.regimes.len(), 7);
        assert!(x.regimes.windows(2).all(|w| w[0].at_hour <= w[1].at_hour));
        // Before hour 48 the mix is the scenario's: code 0.4, support 0.35, analysis 0.25.
        let first = &x.regimes[0];
        assert_eq!(first.weights["support"], 0.4);
        assert_eq!(first.weights["analysis"], 0.35);
        assert_eq!(first.weights["code"], 0.25);
    }
}
