//! The integration tests, compiled as one binary so the link step runs once.

#[path = "../../benches/support/mmc_model.rs"]
mod mmc_model;

mod calibrate;
mod check_claim;
mod claims;
mod cli;
mod common;
mod engine;
mod everyday;
#[cfg(unix)]
mod fuzz_inputs;
mod golden;
mod interrupt;
mod layering;
mod optimize;
mod oracles;
mod output_folders;
mod plans;
mod plots;
mod policies;
mod queueing_theory;
mod read_back;
mod robustness;
mod scenario_errors;
mod sensitivity;
mod skill_from_score;
mod stress;
mod sweep;
mod sweep_objective;
mod world;
