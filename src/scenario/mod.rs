//! Scenario files: TOML text turned into validated model values, with located errors.
//!
//! A scenario is a world ([`WorldConfig`]), the policy that runs it ([`PolicyConfig`]) and
//! optionally a stress perturbation to put it through. A file names only what it changes;
//! every other parameter takes its default (`docs/model.md` lists them). Unknown keys are
//! refused, so a typo never passes silently. [`FileKind`] tells a scenario from the other
//! kinds of input file (sweep files, stress plans, harness searches).

mod kind;
pub mod perturb;
mod source;
mod validate;

pub use kind::FileKind;
pub use source::{InputError, Problem, Source};
pub use validate::validate_world;

use crate::base::Issue;
use crate::model::{self, RunError, RunResult, WorldConfig};
use crate::policy::PolicyConfig;
use perturb::Stress;
use serde::{Deserialize, Serialize};
use std::path::Path;
use toml::de::{DeTable, DeValue};

/// A scenario: the world, the policy that allocates its budget, and an optional stress
/// perturbation (applied at load time, so a loaded scenario never carries one).
///
/// In a file, the world's keys sit at the top level beside a `[policy]` table and an
/// optional `[stress]` table.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Scenario {
    /// The world.
    #[serde(flatten)]
    pub world: WorldConfig,
    /// The allocation policy.
    pub policy: PolicyConfig,
    /// A stress perturbation still to apply (`perturb::apply`); `None` once loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stress: Option<Stress>,
}

impl Scenario {
    /// Runs the scenario's world under its policy with `seed`.
    pub fn run(&self, seed: u64) -> Result<RunResult, RunError> {
        model::run(&self.world, self.policy.build(&self.world.tiers), seed)
    }

    /// Every problem of the scenario (world and policy), located by dotted path.
    pub fn validate(&self) -> Vec<Issue> {
        let mut out = validate_world(&self.world);
        self.policy.validate(&self.world.tiers, &mut out);
        out
    }

    /// Reads the scenario's keys from a source, without validating the values; syntax
    /// errors, unknown keys and wrong types come back located.
    pub fn read(src: &Source) -> Result<Scenario, InputError> {
        let located = |e: toml::de::Error| {
            src.error_at_offset(e.span().map_or(0, |s| s.start), source::clean(e.message()))
        };
        let root = DeTable::parse(src.text()).map_err(located)?;
        let span = root.span();
        let mut table = root.into_inner();
        let policy = table.remove("policy");
        let stress = table.remove("stress");
        let doc = toml::de::Deserializer::from(toml::Spanned::new(span, table));
        let world = WorldConfig::deserialize(doc).map_err(located)?;
        let policy = match policy {
            Some(v) => PolicyConfig::deserialize(value(v)).map_err(located)?,
            None => PolicyConfig::default(),
        };
        let stress = match stress {
            Some(v) => Some(Stress::deserialize(value(v)).map_err(located)?),
            None => None,
        };
        Ok(Scenario {
            world,
            policy,
            stress,
        })
    }
}

/// A spanned value as a deserializer that keeps its positions.
fn value(v: toml::Spanned<DeValue<'_>>) -> toml::de::ValueDeserializer<'_> {
    toml::de::ValueDeserializer::from(v)
}

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, InputError> {
    parse(&Source::read(path)?)
}

/// Parses and validates a scenario from its source; a `[stress]` table is applied
/// (`perturb::apply`) and the result validated again.
pub fn parse(src: &Source) -> Result<Scenario, InputError> {
    let mut sc = Scenario::read(src)?;
    let issues = sc.validate();
    if !issues.is_empty() {
        return Err(src.locate(&issues));
    }
    let Some(st) = sc.stress.take() else {
        return Ok(sc);
    };
    sc.world = perturb::apply(
        &sc.world,
        &sc.policy,
        st.perturbation,
        st.severity,
        st.tier.as_deref(),
    )
    .map_err(|e| src.error_at_offset(src.offset_of("stress"), e))?;
    let issues = sc.validate();
    if issues.is_empty() {
        Ok(sc)
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
pub fn from_table(name: &str, table: &toml::Table) -> Result<Scenario, String> {
    let text = toml::to_string(table).map_err(|e| format!("{name}: {e}"))?;
    parse(&Source::from_text(name, text)).map_err(|e| e.to_string())
}
