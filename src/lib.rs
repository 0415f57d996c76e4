//! triad: a discrete-event simulator for splitting a fixed model budget between the agents
//! that evolve a harness (evolvers), the agents that use it (users) and the agents that
//! judge both (verifiers), and for choosing the model tier of each role.
//!
//! Data flows one way:
//!
//! ```text
//! scenario file ──> scenario (parse, validate: Scenario = world + policy [+ stress])
//!        ──> model::run (the world on the engine, under a built policy)
//!        ──> metrics record + time series
//!        ──> sweep (plans, replications, statistics) ──> report (CSV, plots, markdown)
//!                  ├──> stress (perturbations, robust rankings)
//!                  └──> claims (shape checks, counter-scenarios)
//!        ──> commands (one function per CLI command) ──> the `triad` binary
//! ```
//!
//! **Layers.** Modules depend one way, lowest first: [`base`] (located errors, number
//! formats, statistics, safe output files) ← [`engine`] ← [`model`] ← [`policy`] ←
//! [`scenario`] ← [`sweep`] ← [`report`] ← {[`stress`], [`claims`], [`calibrate`], [`optimize`], [`sensitivity`]} ← [`commands`], with the
//! binary (`main.rs`) on top. A module may use any module below it, never one above it, and
//! `stress` and `claims` do not use each other. `tests/it/layering.rs` checks every `crate::`
//! path in `src/` against this order; a new module gets its place there.
//!
//! The [`engine`] knows nothing of the domain; [`model`] holds every mechanism of the world
//! (`docs/model.md` is its reference) and the [`model::Policy`] interface; [`policy`] holds
//! the built-in policies and their registry; [`scenario`] owns the file formats and turns
//! text into validated values; [`sweep`], [`report`], [`stress`] and [`claims`] run and
//! summarise many runs.
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
#![warn(missing_docs, unreachable_pub, missing_debug_implementations)]

pub mod base;
pub mod calibrate;
pub mod claims;
pub mod commands;
pub mod engine;
pub mod model;
pub mod optimize;
pub mod policy;
pub mod report;
pub mod scenario;
pub mod sensitivity;
pub mod stress;
pub mod sweep;
