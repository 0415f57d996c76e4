//! triad: a discrete-event simulator for splitting a fixed model budget between the agents
//! that evolve a harness (evolvers), the agents that use it (users) and the agents that
//! judge both (verifiers).
#![warn(missing_docs)]

pub mod claims;
pub mod commands;
pub mod engine;
pub mod model;
pub mod output;
pub mod policy;
pub mod report;
pub mod scenario;
pub mod stress;
pub mod sweep;
