//! Scenario files: TOML text turned into validated model values, with located errors.
//!
//! A scenario is a world ([`WorldConfig`]), the policy that runs it ([`PolicyConfig`]) and
//! optionally a stress perturbation to put it through. A file names only what it changes;
//! every other parameter takes its default (`docs/model.md` lists them). Unknown keys are
//! refused, so a typo never passes silently. A tier given by its MMLU-Pro score gets its
//! skill here, when the scenario is read ([`resolve_skills`]), so the world always sees a
//! skill. [`FileKind`] tells a scenario from the other kinds of input file (sweep files,
//! stress plans, harness searches).

pub mod bounds;
mod kind;
pub mod objective;
pub mod paths;
pub mod perturb;
pub mod physics;
mod search;
pub mod set;
mod source;
mod validate;

pub use kind::FileKind;
pub use source::{Index, InputError, InputErrors, Problem, Source};

pub use search::{load_search, parse_search, validate_search};
pub use set::{Overrides, set_path};
pub use validate::{resolve_skills, validate_world};

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
            let limits = bounds::Limits::default();
            out = bounds::check(&self.world, &limits);
            out.extend(bounds::check_islands(
                &self.world,
                self.policy.common(),
                &limits,
            ));
        }
        out
    }

    /// Reads the scenario's keys from a source, without validating the values (nor
    /// resolving the skills of tiers given by score: theirs stay NaN). Syntax errors,
    /// unknown keys and wrong types come back located; every such problem of the file is
    /// reported, not only the first.
    pub fn read(src: &Source) -> Result<Scenario, InputError> {
        match read_pruned(src) {
            Ok(sc) => Ok(sc),
            Err((found, _)) => Err(locate_found(src, &found)),
        }
    }
}

/// A problem of a scenario before it is located: at a byte offset of the text (reading),
/// at a dotted path (validation), or at the `[stress]` table (applying it).
#[derive(Debug, Clone, PartialEq)]
enum At {
    Offset(usize),
    Path(String),
    Stress,
}

/// A problem and where it is.
#[derive(Debug, Clone, PartialEq)]
struct Found {
    at: At,
    message: String,
}

/// Reads the keys of `src`; on problems, returns them with the scenario read from what is
/// left once the offending keys are dropped, when only keys (not array elements or whole
/// tables) were dropped: the rest of the file can then still be validated.
fn read_pruned(src: &Source) -> Result<Scenario, (Vec<Found>, Option<Box<Scenario>>)> {
    let root = DeTable::parse(src.text()).map_err(|e| {
        let at = At::Offset(e.span().map_or(0, |s| s.start));
        (
            vec![Found {
                at,
                message: source::clean(e.message()),
            }],
            None,
        )
    })?;
    let span = root.span();
    let mut table = root.into_inner();
    let policy = table.remove("policy");
    let stress = table.remove("stress");
    let mut problems = Vec::new();
    let mut leaves_only = true;
    let wrote_budget = table.keys().any(|k| k.get_ref() == "budget");
    let root = toml::Spanned::new(span, DeValue::Table(table));
    let mut world = read_all::<WorldConfig>(root, &mut problems, &mut leaves_only);
    if let Some(w) = &mut world
        && let Some(i) = derive_budget(w, wrote_budget)
    {
        problems.push(Found {
            at: At::Path(i.path),
            message: i.message,
        });
    }
    for p in &mut problems {
        // The world's keys are read apart from [policy] and [stress]: list those too.
        if p.message.starts_with("unknown field") {
            p.message = p
                .message
                .replace("`acceptance`", "`acceptance`, `policy`, `stress`");
        }
    }
    let policy = match policy {
        Some(v) => read_all::<PolicyConfig>(v, &mut problems, &mut leaves_only),
        None => Some(PolicyConfig::default()),
    };
    let stress = match stress {
        Some(v) => read_all::<Stress>(v, &mut problems, &mut leaves_only).map(Some),
        None => Some(None),
    };
    let sc = match (world, policy, stress) {
        (Some(world), Some(policy), Some(stress)) => Some(Scenario {
            world,
            policy,
            stress,
        }),
        _ => None,
    };
    if problems.is_empty()
        && let Some(sc) = sc
    {
        return Ok(sc);
    }
    problems.dedup();
    Err((problems, sc.filter(|_| leaves_only).map(Box::new)))
}

/// Reads, validates and applies the `[stress]` table of a scenario: every problem found,
/// unlocated. Semantic problems are looked for even when some keys could not be read
/// (those keys take their defaults), except at the paths of the unreadable keys.
fn check(src: &Source) -> Result<Scenario, Vec<Found>> {
    let sc = match read_pruned(src) {
        Ok(sc) => sc,
        Err((mut found, pruned)) => {
            if let Some(mut sc) = pruned {
                let index = src.index();
                let bad: Vec<String> = found
                    .iter()
                    .filter_map(|f| match f.at {
                        At::Offset(o) => Some(index.path_at(o)),
                        _ => None,
                    })
                    .collect();
                let related = |p: &str| {
                    bad.iter().any(|b| {
                        b.is_empty()
                            || p == b
                            || p.starts_with(&format!("{b}."))
                            || b.starts_with(&format!("{p}."))
                    })
                };
                let mut issues = resolve_skills(&mut sc.world);
                issues.extend(validate_world(&sc.world));
                sc.policy.validate(&sc.world.tiers, &mut issues);
                found.extend(
                    issues
                        .into_iter()
                        .filter(|i| !related(&i.path))
                        .map(|i| Found {
                            at: At::Path(i.path),
                            message: i.message,
                        }),
                );
            }
            return Err(found);
        }
    };
    finish(sc)
}

/// Resolves the skills of tiers given by score ([`resolve_skills`]), validates a scenario
/// that was read, applies its `[stress]` table and validates the result again.
fn finish(mut sc: Scenario) -> Result<Scenario, Vec<Found>> {
    let as_found = |issues: Vec<Issue>| -> Vec<Found> {
        issues
            .into_iter()
            .map(|i| Found {
                at: At::Path(i.path),
                message: i.message,
            })
            .collect()
    };
    let mut issues = resolve_skills(&mut sc.world);
    issues.extend(sc.validate());
    if !issues.is_empty() {
        return Err(as_found(issues));
    }
    let Some(st) = sc.stress.take() else {
        return Ok(sc);
    };
    let stress_problem = |message: String| {
        vec![Found {
            at: At::Stress,
            message,
        }]
    };
    sc.world = perturb::apply(
        &sc.world,
        &sc.policy,
        st.perturbation,
        st.severity,
        st.tier.as_deref(),
    )
    .map_err(stress_problem)?;
    let issues = sc.validate();
    if issues.is_empty() {
        Ok(sc)
    } else {
        let msgs: Vec<String> = issues
            .iter()
            .map(|i| format!("{}: {}", i.path, i.message))
            .collect();
        Err(stress_problem(format!(
            "after stress {}: {}",
            st.perturbation.name(),
            msgs.join("; ")
        )))
    }
}

/// With `budget_per_day`, the run's budget follows from it: the daily budget times the
/// run's days. A file gives one of the two; a `budget` beside it must be that product (as
/// in a scenario triad wrote out), else it is a problem at `budget_per_day`.
fn derive_budget(world: &mut WorldConfig, wrote_budget: bool) -> Option<Issue> {
    let per_day = world.budget_per_day?;
    let days = world.days();
    let total = per_day * days;
    if wrote_budget && (world.budget - total).abs() > 1e-9 * total.abs().max(1.0) {
        return Some(Issue::new(
            "budget_per_day",
            format!(
                "give `budget` (for the whole run) or `budget_per_day`, not both \
                 (budget_per_day = {per_day} over {days} days is {total}; budget = {})",
                world.budget
            ),
        ));
    }
    world.budget = total;
    None
}

/// The problems at their lines and columns in `src` (the file parsed once).
fn locate_found(src: &Source, found: &[Found]) -> InputError {
    let index = src.index();
    let problems = found
        .iter()
        .map(|f| {
            let (off, message) = match &f.at {
                At::Offset(o) => (*o, f.message.clone()),
                At::Path(p) => (index.offset_of(p), format!("{p}: {}", f.message)),
                At::Stress => (index.offset_of("stress"), f.message.clone()),
            };
            let (line, col) = src.line_col(off);
            Problem { line, col, message }
        })
        .collect();
    InputError {
        file: src.name().to_string(),
        problems,
    }
    .sorted()
}

/// Most problems reported for one file.
const MAX_PROBLEMS: usize = 50;

/// Reads `T` from `value`; on an error, records it, drops the key or element it is at, and
/// tries again, so that one pass reports every problem of the value. `leaves_only` turns
/// false when an array element or a whole table had to be dropped.
fn read_all<'i, T: serde::de::DeserializeOwned>(
    mut value: toml::Spanned<DeValue<'i>>,
    problems: &mut Vec<Found>,
    leaves_only: &mut bool,
) -> Option<T> {
    let mut failed = false;
    for _ in 0..MAX_PROBLEMS {
        match T::deserialize(toml::de::ValueDeserializer::from(value.clone())) {
            Ok(t) => return Some(t),
            Err(e) => {
                // A key dropped for an earlier problem can leave a table without a key it
                // needs: that follow-on "missing" error is not the author's.
                let follow_on = failed && e.message().starts_with("missing");
                if !follow_on {
                    problems.push(Found {
                        at: At::Offset(e.span().map_or(0, |s| s.start)),
                        message: source::clean(e.message()),
                    });
                }
                failed = true;
                let at = e.span().map_or(usize::MAX, |s| s.start);
                match prune(&mut value, at) {
                    Pruned::Nothing => {
                        *leaves_only = false;
                        return None;
                    }
                    Pruned::Leaf if !follow_on => {}
                    _ => *leaves_only = false,
                }
            }
        }
    }
    *leaves_only = false;
    None
}

/// What [`prune`] dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pruned {
    /// Nothing smaller than the value itself.
    Nothing,
    /// A key whose value is not a table, or not an array of tables.
    Leaf,
    /// An array element or a key holding a table.
    Part,
}

/// Removes the innermost key or array element of `v` whose key or value starts the span at
/// byte `at`, or contains it; `Pruned::Nothing` when there is none smaller than `v` itself.
fn prune(v: &mut toml::Spanned<DeValue<'_>>, at: usize) -> Pruned {
    match v.get_mut() {
        DeValue::Table(t) => {
            let mut hit = None;
            for (k, x) in t.iter_mut() {
                if k.span().contains(&at) {
                    hit = Some(k.clone());
                    break;
                }
                if x.span().contains(&at) {
                    let inner = prune(x, at);
                    if inner != Pruned::Nothing {
                        return inner;
                    }
                    hit = Some(k.clone());
                    break;
                }
            }
            let Some(k) = hit else {
                return Pruned::Nothing;
            };
            match t.remove(k.get_ref().as_ref()) {
                Some(x) if is_leaf(x.get_ref()) => Pruned::Leaf,
                Some(_) => Pruned::Part,
                None => Pruned::Nothing,
            }
        }
        DeValue::Array(a) => {
            let Some(i) = a.iter().position(|x| x.span().contains(&at)) else {
                return Pruned::Nothing;
            };
            let slice: &mut [toml::Spanned<DeValue<'_>>] = a;
            let inner = prune(&mut slice[i], at);
            if inner != Pruned::Nothing {
                return inner;
            }
            let kept: toml::de::DeArray<'_> = std::mem::replace(a, toml::de::DeArray::new())
                .into_iter()
                .enumerate()
                .filter_map(|(j, x)| (j != i).then_some(x))
                .collect();
            *a = kept;
            Pruned::Part
        }
        _ => Pruned::Nothing,
    }
}

/// Whether dropping a key holding `v` leaves the rest of its table meaningful: a scalar or
/// an array of scalars (not a table, nor an array of tables like `[[tier]]`).
fn is_leaf(v: &DeValue<'_>) -> bool {
    match v {
        DeValue::Table(_) => false,
        DeValue::Array(a) => a.iter().all(|x| is_leaf(x.get_ref())),
        _ => true,
    }
}

/// Records every `nan` or `inf` literal of `v`: no plan value is meant to be one, and a
/// plan is stored as JSON, which has neither.
fn non_finite(v: &toml::Spanned<DeValue<'_>>, out: &mut Vec<Found>) {
    match v.get_ref() {
        DeValue::Float(f) if f.as_str().parse::<f64>().is_ok_and(|x| !x.is_finite()) => {
            out.push(Found {
                at: At::Offset(v.span().start),
                message: format!("must be a finite number (got {})", f.as_str()),
            });
        }
        DeValue::Table(t) => t.values().for_each(|x| non_finite(x, out)),
        DeValue::Array(a) => a.iter().for_each(|x| non_finite(x, out)),
        _ => {}
    }
}

/// Reads `T` (any input file's shape) from the whole of `src`: every syntax, key and type
/// problem of the file, located, not only the first; a `nan` or `inf` anywhere is one.
pub fn read_file<T: serde::de::DeserializeOwned>(src: &Source) -> Result<T, InputError> {
    let root = DeTable::parse(src.text()).map_err(|e| {
        src.error_at_offset(e.span().map_or(0, |s| s.start), source::clean(e.message()))
    })?;
    let root = toml::Spanned::new(root.span(), DeValue::Table(root.into_inner()));
    let mut problems = Vec::new();
    non_finite(&root, &mut problems);
    let t = read_all::<T>(root, &mut problems, &mut true);
    match t {
        Some(t) if problems.is_empty() => Ok(t),
        _ => Err(locate_found(src, &problems)),
    }
}

/// Reads and validates a scenario file, with the `--set` changes registered for it
/// ([`set::install`]) applied.
pub fn load(path: &Path) -> Result<Scenario, InputError> {
    let src = Source::read(path)?;
    match set::installed(path) {
        Some(set) => parse_with(&src, &set),
        None => parse(&src),
    }
}

/// [`parse`] with `--set` changes made on the parsed table before it is validated: a
/// problem of a change is located at its `--set` argument, any other in the file.
pub fn parse_with(src: &Source, set: &Overrides) -> Result<Scenario, InputError> {
    if set.is_empty() {
        return parse(src);
    }
    let mut table = src.table()?;
    set.apply(&mut table)?;
    from_table_in(src, &table)
}

/// Validates a scenario table read from `src` and changed since (by `--set`, `--policy`):
/// every problem located in `src` at its dotted path.
pub fn from_table_in(src: &Source, table: &toml::Table) -> Result<Scenario, InputError> {
    check_table(table).map_err(|issues| src.locate(&issues))
}

/// Parses and validates a scenario from its source; a `[stress]` table is applied
/// (`perturb::apply`) and the result validated again. Every problem found is reported,
/// located: those of reading (unknown keys, wrong types) and, where the keys could be read
/// apart from the unreadable ones, those of the values.
pub fn parse(src: &Source) -> Result<Scenario, InputError> {
    check(src).map_err(|found| locate_found(src, &found))
}

/// Reads and validates a scenario given as a TOML table (a sweep's cell): every problem,
/// each at the dotted path of the key it is about (an unknown key at itself, a problem of
/// the `[stress]` perturbation at `stress`). The table is never more than a few levels
/// deeper than a scenario file (sweep paths are bounded), so serialising it is safe.
pub fn check_table(table: &toml::Table) -> Result<Scenario, Vec<Issue>> {
    // Most tables read without a problem: read them as they are, and serialise them to
    // find where a key went wrong only when one did.
    if let Some(sc) = read_table(table.clone()) {
        return finish(sc).map_err(|found| {
            found
                .into_iter()
                .map(|f| match f.at {
                    At::Path(p) => Issue::new(p, f.message),
                    At::Stress | At::Offset(_) => Issue::new("stress", f.message),
                })
                .collect()
        });
    }
    let text = toml::to_string(table).map_err(|e| vec![Issue::new("", e.to_string())])?;
    let src = Source::from_text("scenario", text);
    check(&src).map_err(|found| {
        let index = src.index();
        let mut issues: Vec<Issue> = found
            .into_iter()
            .map(|f| match f.at {
                At::Offset(o) => Issue::new(index.path_at(o), f.message),
                At::Path(p) => Issue::new(p, f.message),
                At::Stress => Issue::new("stress", f.message),
            })
            .collect();
        issues.dedup();
        issues
    })
}

/// The scenario in `table`, when every key of it reads.
fn read_table(mut table: toml::Table) -> Option<Scenario> {
    use serde::Deserialize;
    let policy = table.remove("policy");
    let stress = table.remove("stress");
    let wrote_budget = table.contains_key("budget");
    let mut world = WorldConfig::deserialize(toml::Value::Table(table)).ok()?;
    if derive_budget(&mut world, wrote_budget).is_some() {
        return None;
    }
    let policy = match policy {
        Some(v) => PolicyConfig::deserialize(v).ok()?,
        None => PolicyConfig::default(),
    };
    let stress = match stress {
        Some(v) => Some(Stress::deserialize(v).ok()?),
        None => None,
    };
    Some(Scenario {
        world,
        policy,
        stress,
    })
}

/// Validates a scenario given as a TOML table; the error lists every problem as
/// `path: message`, joined by `; ` (there is no file to point into).
pub fn from_table(name: &str, table: &toml::Table) -> Result<Scenario, String> {
    check_table(table).map_err(|issues| {
        let msgs: Vec<String> = issues.iter().map(describe).collect();
        let all = msgs.join("; ");
        if all.is_empty() {
            format!("{name}: invalid scenario")
        } else {
            all
        }
    })
}

/// An issue as `path: message` (the message alone at the top level).
pub fn describe(i: &Issue) -> String {
    if i.path.is_empty() {
        i.message.clone()
    } else {
        format!("{}: {}", i.path, i.message)
    }
}
