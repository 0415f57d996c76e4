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
    /// The budget, dollars.
    pub budget: f64,
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
