//! triad: a discrete-event simulator for splitting a fixed model budget between the agents
//! that evolve a harness (evolvers), the agents that use it (users) and the agents that
//! judge both (verifiers), and for choosing the model tier of each role.
//!
//! Data flows one way:
//!
//! ```text
//! scenario file ──> scenario (parse, validate) ──> model::WorldConfig + policy
//!        ──> model::run (the world on the engine) ──> metrics record + time series
//!        ──> sweep (plans, replications, statistics) ──> report (CSV, plots, markdown)
//!                                      └──> claims (shape checks, counter-scenarios)
//! ```
//!
//! The [`engine`] knows nothing of the domain; [`model`] holds every mechanism of the world
//! (`docs/model.md` is its reference); [`policy`] decides allocations; [`scenario`] turns text
//! into validated values; [`sweep`], [`report`] and [`claims`] run and summarise many runs.
//!
//! One run in a few lines:
//!
//! ```
//! use triad::model::WorldConfig;
//! use triad::scenario::Scenario;
//!
//! // The baseline world for two simulated days, under the default (static) policy.
//! let sc = Scenario {
//!     world: WorldConfig { horizon_hours: 48.0, ..WorldConfig::default() },
//!     ..Scenario::default()
//! };
//! assert!(sc.validate().is_empty());
//! let run = sc.run(7).unwrap();
//! let m = &run.metrics;
//! assert!(m.tasks_solved <= m.tasks_attempted && m.tasks_attempted <= m.tasks_arrived);
//! assert!(m.spend.total() <= sc.world.budget);
//! // Same scenario, same seed: the same record (as text: an undefined rate is NaN).
//! assert_eq!(format!("{:?}", sc.run(7).unwrap().columns()), format!("{:?}", run.columns()));
//! ```
#![warn(missing_docs)]

pub mod base;
pub mod claims;
pub mod commands;
pub mod engine;
pub mod model;
pub mod policy;
pub mod report;
pub mod scenario;
pub mod stress;
pub mod sweep;
