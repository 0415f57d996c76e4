//! The world model: tiers, tasks, the harness, the three roles, the budget and what a run
//! measures. `docs/model.md` is the reference for every equation here.
//!
//! Each mechanism lives in one file and each equation in one function:
//! tier traits in [`tier`], attempts and answer selection in [`user`], judging in
//! [`verifier`], edits in [`evolver`], acceptance in [`acceptance`], the budget in
//! [`ledger`]; [`world`] wires them into one discrete-event model.

pub mod acceptance;
pub mod config;
pub mod evolver;
pub mod harness;
pub mod ledger;
pub mod metrics;
pub mod policy;
pub mod search;
pub mod shock;
pub mod task;
pub mod tier;
pub mod user;
pub mod verifier;
pub mod world;

pub use acceptance::{AcceptanceConfig, Anchor};
pub use config::WorldConfig;
pub use evolver::EvolverConfig;
pub use harness::{Harness, HarnessConfig};
pub use ledger::{Ledger, PerRole, Role};
pub use metrics::{Metrics, SERIES_COLUMNS, Series};
pub use policy::{Outcome, Plan, Policy, Predictor, TaskPlan, TaskView, View};
pub use shock::{Shock, ShockKind};
pub use task::{Category, Regime, Workload};
pub use tier::{SkillFromScore, Tier, Traits, default_ladder, tier_index};
pub use user::{Attempts, Selection};
pub use verifier::Judge;
pub use world::{RunError, RunResult, run};
