//! The integration tests, compiled as one binary so the link step runs once.

#[path = "../../benches/support/mmc_model.rs"]
mod mmc_model;

mod claims;
mod cli;
mod engine;
#[cfg(unix)]
mod fuzz_inputs;
mod golden;
mod layering;
mod plans;
mod policies;
mod queueing_theory;
mod scenario_errors;
mod stress;
mod sweep;
mod world;
