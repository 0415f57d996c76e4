//! Scenario files: TOML text turned into validated model values, with located errors.
//!
//! A scenario file names only what it changes; every other parameter takes its default
//! (`docs/model.md` lists them). Unknown keys are refused, so a typo never passes silently.

pub mod perturb;
mod source;
mod validate;

pub use source::{InputError, Issue, Problem, Source};
pub use validate::validate;

use crate::model::WorldConfig;
use std::path::Path;

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<WorldConfig, InputError> {
    parse(&Source::read(path)?)
}

/// Parses and validates a scenario from its source.
pub fn parse(src: &Source) -> Result<WorldConfig, InputError> {
    let cfg: WorldConfig = src.deserialize()?;
    let issues = validate(&cfg);
    if issues.is_empty() {
        Ok(cfg)
    } else {
        Err(src.locate(&issues))
    }
}

/// Validates a scenario given as a TOML table (for sweeps that edit a base scenario).
pub fn from_table(name: &str, table: &toml::Table) -> Result<WorldConfig, String> {
    let text = toml::to_string(table).map_err(|e| format!("{name}: {e}"))?;
    parse(&Source::from_text(name, text)).map_err(|e| e.to_string())
}
