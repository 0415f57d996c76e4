//! The complete description of a world: everything a run needs besides its seed.

use super::acceptance::AcceptanceConfig;
use super::evolver::EvolverConfig;
use super::harness::HarnessConfig;
use super::shock::Shock;
use super::task::{Regime, Workload};
use super::tier::{SkillFromScore, Tier, Traits, default_ladder};
use super::user::Attempts;
use serde::{Deserialize, Serialize};

/// The world: its tiers, tasks, mechanisms and budget (the policy is not part of it: see
/// [`super::Policy`]). Every field has a
/// default, so a scenario file only names what it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorldConfig {
    /// Name used in outputs.
    pub name: String,
    /// Seed used when none is given on the command line.
    pub seed: u64,
    /// Simulated hours.
    pub horizon_hours: f64,
    /// Hours between two rows of the time series.
    pub sample_every_hours: f64,
    /// Hours between two policy epochs (and evolution rounds).
    pub epoch_hours: f64,
    /// The budget of the whole run, dollars. With `budget_per_day` it is derived when the
    /// scenario is read: the daily budget times the run's days (a file gives one of the two).
    pub budget: f64,
    /// A budget paced per simulated day instead of one for the whole run: each day every
    /// role's account gets its share of this many dollars.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_per_day: Option<f64>,
    /// With `budget_per_day`: whether what a role leaves unspent at the end of a day stays
    /// in its account (`true`) or expires (`false`, the default).
    #[serde(skip_serializing_if = "is_false")]
    pub carry_over: bool,
    /// Smoothing of the per-category failure rates policies see: the weight of each new
    /// task outcome in their moving average (0.02: about the last 50 tasks).
    pub failure_smoothing: f64,
    /// The model tiers.
    #[serde(rename = "tier")]
    pub tiers: Vec<Tier>,
    /// How traits follow from skill and size.
    pub traits: Traits,
    /// How the skill of a tier given by its MMLU-Pro score follows from the score.
    pub skill_from_score: SkillFromScore,
    /// The task stream.
    pub workload: Workload,
    /// Scheduled changes of the task mix.
    #[serde(rename = "regime")]
    pub regimes: Vec<Regime>,
    /// Scheduled shocks (prices, outages, budget cuts, bursts).
    #[serde(rename = "shock", skip_serializing_if = "Vec::is_empty")]
    pub shocks: Vec<Shock>,
    /// How attempts succeed.
    pub attempts: Attempts,
    /// The harness.
    pub harness: HarnessConfig,
    /// How edits come about.
    pub evolver: EvolverConfig,
    /// How edits are judged.
    pub acceptance: AcceptanceConfig,
}

impl Default for WorldConfig {
    fn default() -> Self {
        WorldConfig {
            name: "scenario".into(),
            seed: 1,
            horizon_hours: 720.0,
            sample_every_hours: 24.0,
            epoch_hours: 6.0,
            budget: 300.0,
            budget_per_day: None,
            carry_over: false,
            failure_smoothing: 0.02,
            tiers: default_ladder(),
            traits: Traits::default(),
            skill_from_score: SkillFromScore::default(),
            workload: Workload::default(),
            regimes: Vec::new(),
            shocks: Vec::new(),
            attempts: Attempts::default(),
            harness: HarnessConfig::default(),
            evolver: EvolverConfig::default(),
            acceptance: AcceptanceConfig::default(),
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl WorldConfig {
    /// Simulated days the run spans (a last part day counts as a day).
    pub fn days(&self) -> f64 {
        (self.horizon_hours / super::ledger::DAY_HOURS)
            .ceil()
            .max(1.0)
    }

    /// The daily pacing of the budget, when `budget_per_day` is given.
    pub fn pace(&self) -> Option<super::ledger::Pace> {
        self.budget_per_day.map(|per_day| super::ledger::Pace {
            per_day,
            carry_over: self.carry_over,
        })
    }
}
