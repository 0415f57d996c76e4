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

/// Parses and validates a scenario from its source; a `[stress]` table is applied
/// (`perturb::apply`) and the result validated again.
pub fn parse(src: &Source) -> Result<WorldConfig, InputError> {
    let mut cfg: WorldConfig = src.deserialize()?;
    let issues = validate(&cfg);
    if !issues.is_empty() {
        return Err(src.locate(&issues));
    }
    let Some(st) = cfg.stress.take() else {
        return Ok(cfg);
    };
    let cfg = perturb::apply(&cfg, st.perturbation, st.severity, st.tier.as_deref())
        .map_err(|e| src.error_at_offset(src.offset_of("stress"), e))?;
    let issues = validate(&cfg);
    if issues.is_empty() {
        Ok(cfg)
    } else {
        let msgs: Vec<String> = issues
            .iter()
            .map(|i| format!("{}: {}", i.path, i.message))
            .collect();
        Err(src.error_at_offset(
            src.offset_of("stress"),
            format!(
                "after stress {}: {}",
                st.perturbation.name(),
                msgs.join("; ")
            ),
        ))
    }
}

/// Validates a scenario given as a TOML table (for sweeps that edit a base scenario).
pub fn from_table(name: &str, table: &toml::Table) -> Result<WorldConfig, String> {
    let text = toml::to_string(table).map_err(|e| format!("{name}: {e}"))?;
    parse(&Source::from_text(name, text)).map_err(|e| e.to_string())
}
