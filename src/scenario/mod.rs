//! Scenario files: TOML text turned into validated model values, with located errors.
//!
//! A scenario is a world ([`WorldConfig`]), the policy that runs it ([`PolicyConfig`]) and
//! optionally a stress perturbation to put it through. A file names only what it changes;
//! every other parameter takes its default (`docs/model.md` lists them). Unknown keys are
//! refused, so a typo never passes silently. [`FileKind`] tells a scenario from the other
//! kinds of input file (sweep files, stress plans, harness searches).

pub mod bounds;
mod kind;
pub mod perturb;
mod search;
mod source;
mod validate;

pub use kind::FileKind;
pub use source::{InputError, Problem, Source};

pub use search::{load_search, parse_search, validate_search};
pub use validate::validate_world;

use crate::base::Issue;
use crate::model::{self, RunError, RunResult, WorldConfig};
use crate::policy::PolicyConfig;
use perturb::Stress;
use serde::Serialize;
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

    /// Every problem of the scenario (world and policy), located by dotted path; a valid
    /// scenario is then held to the resource bounds ([`bounds`]) unless they are off.
    pub fn validate(&self) -> Vec<Issue> {
        let mut out = validate_world(&self.world);
        self.policy.validate(&self.world.tiers, &mut out);
        if out.is_empty() && bounds::enforced() {
            out = bounds::check(&self.world, &bounds::Limits::default());
        }
        out
    }

    /// Reads the scenario's keys from a source, without validating the values. Syntax
    /// errors, unknown keys and wrong types come back located; every such problem of the
    /// file is reported, not only the first.
    pub fn read(src: &Source) -> Result<Scenario, InputError> {
        let root = DeTable::parse(src.text()).map_err(|e| located(src, &e))?;
        let span = root.span();
        let mut table = root.into_inner();
        let policy = table.remove("policy");
        let stress = table.remove("stress");
        let mut problems = Vec::new();
        let root = toml::Spanned::new(span, DeValue::Table(table));
        let world = read_all::<WorldConfig>(src, root, &mut problems);
        for p in &mut problems {
            // The world's keys are read apart from [policy] and [stress]: list those too.
            if p.message.starts_with("unknown field") {
                p.message = p
                    .message
                    .replace("`acceptance`", "`acceptance`, `policy`, `stress`");
            }
        }
        let policy = match policy {
            Some(v) => read_all::<PolicyConfig>(src, v, &mut problems),
            None => Some(PolicyConfig::default()),
        };
        let stress = match stress {
            Some(v) => read_all::<Stress>(src, v, &mut problems).map(Some),
            None => Some(None),
        };
        if let (Some(world), Some(policy), Some(stress), true) =
            (world, policy, stress, problems.is_empty())
        {
            return Ok(Scenario {
                world,
                policy,
                stress,
            });
        }
        problems.sort_by_key(|p| (p.line, p.col));
        problems.dedup();
        Err(InputError {
            file: src.name().to_string(),
            problems,
        })
    }
}

/// Most problems reported for one file.
const MAX_PROBLEMS: usize = 50;

/// A toml error at its place in `src`.
fn located(src: &Source, e: &toml::de::Error) -> InputError {
    src.error_at_offset(e.span().map_or(0, |s| s.start), source::clean(e.message()))
}

/// Reads `T` from `value`; on an error, records it, drops the key or element it is at, and
/// tries again, so that one pass reports every problem of the value.
fn read_all<'i, T: serde::de::DeserializeOwned>(
    src: &Source,
    mut value: toml::Spanned<DeValue<'i>>,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let mut failed = false;
    for _ in 0..MAX_PROBLEMS {
        match T::deserialize(toml::de::ValueDeserializer::from(value.clone())) {
            Ok(t) => return (!failed).then_some(t),
            Err(e) => {
                // A key dropped for an earlier problem can leave a table without a key it
                // needs: that follow-on "missing" error is not the author's.
                if !(failed && e.message().starts_with("missing")) {
                    problems.extend(located(src, &e).problems);
                }
                failed = true;
                let at = e.span().map_or(usize::MAX, |s| s.start);
                if !prune(&mut value, at) {
                    return None;
                }
            }
        }
    }
    None
}

/// Removes the innermost key or array element of `v` whose key or value starts the span at
/// byte `at`, or contains it; false when there is none smaller than `v` itself.
fn prune(v: &mut toml::Spanned<DeValue<'_>>, at: usize) -> bool {
    match v.get_mut() {
        DeValue::Table(t) => {
            let mut hit = None;
            for (k, x) in t.iter_mut() {
                if k.span().contains(&at) {
                    hit = Some(k.clone());
                    break;
                }
                if x.span().contains(&at) {
                    if prune(x, at) {
                        return true;
                    }
                    hit = Some(k.clone());
                    break;
                }
            }
            match hit {
                Some(k) => t.remove(k.get_ref().as_ref()).is_some(),
                None => false,
            }
        }
        DeValue::Array(a) => {
            let Some(i) = a.iter().position(|x| x.span().contains(&at)) else {
                return false;
            };
            let slice: &mut [toml::Spanned<DeValue<'_>>] = a;
            if prune(&mut slice[i], at) {
                return true;
            }
            let kept: toml::de::DeArray<'_> = std::mem::replace(a, toml::de::DeArray::new())
                .into_iter()
                .enumerate()
                .filter_map(|(j, x)| (j != i).then_some(x))
                .collect();
            *a = kept;
            true
        }
        _ => false,
    }
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
