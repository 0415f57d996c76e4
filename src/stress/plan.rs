//! Stress plan files, and the default plan for a bare scenario, expanded into an ordinary
//! sweep [`SweepPlan`] whose two axes carry the perturbation (`stress.perturbation`,
//! `stress.severity`).

use super::{AXIS_PERTURBATION, AXIS_SEVERITY};
use crate::base::Issue;
use crate::scenario::perturb::Perturbation;
use crate::scenario::{self, FileKind, InputErrors, Overrides, Source};
use crate::sweep::plan::{
    Axis, BaseAt, BaseRef, Feasibility, MAX_AXIS_VALUES, ParamAt, PlanAt, PolicySpec, check_cells,
    labelled_policies, set_path,
};
use crate::sweep::{SweepPlan, WorldSimulator};
use serde::Deserialize;
use std::path::Path;

/// Severities of the default plan.
pub const DEFAULT_SEVERITIES: [f64; 3] = [0.0, 0.5, 1.0];
/// Replications of the default plan.
pub const DEFAULT_REPLICATIONS: u32 = 16;
/// Seed of the default plan.
pub const DEFAULT_SEED: u64 = 1;

/// A stress plan file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StressFile {
    title: Option<String>,
    base: Option<toml::Value>,
    #[serde(default)]
    set: toml::Table,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(default = "default_reps")]
    replications: u32,
    tier: Option<String>,
    perturbations: Option<Vec<Perturbation>>,
    severities: Option<Vec<toml::Value>>,
    #[serde(default)]
    policy: Vec<toml::Table>,
}

fn default_seed() -> u64 {
    DEFAULT_SEED
}
fn default_reps() -> u32 {
    DEFAULT_REPLICATIONS
}

/// The four built-in policies at parameters that fit the baseline's budget.
pub fn default_policies() -> Vec<PolicySpec> {
    let t = |s: &str| -> toml::Table { toml::from_str(s).unwrap_or_default() };
    vec![
        PolicySpec {
            label: "static".into(),
            table: Some(t("kind = \"static\"")),
        },
        PolicySpec {
            label: "struggle-adaptive".into(),
            table: Some(t("kind = \"struggle-adaptive\"")),
        },
        PolicySpec {
            label: "difficulty-adaptive".into(),
            table: Some(t("kind = \"difficulty-adaptive\"\nmean_samples = 1.0")),
        },
        PolicySpec {
            label: "corpus-advice".into(),
            table: Some(t("kind = \"corpus-advice\"")),
        },
    ]
}

/// Reads `path`: a stress plan file ([`FileKind::Stress`]), or else a scenario (which gets
/// the default plan); checked whole, like a sweep ([`load_checked`]).
pub fn load(path: &Path) -> Result<SweepPlan, InputErrors> {
    load_checked(path).map(|(plan, _)| plan)
}

/// [`load`], with what the check of every cell found besides input errors: the cells whose
/// runs will fail (a perturbation that leaves no valid scenario at some severity).
pub fn load_checked(path: &Path) -> Result<(SweepPlan, Feasibility), InputErrors> {
    load_checked_with(path, &Overrides::default())
}

/// [`load_checked`] with `--set` changes made on the base scenario (a problem of a change
/// located at its `--set` argument).
pub fn load_checked_with(
    path: &Path,
    set: &Overrides,
) -> Result<(SweepPlan, Feasibility), InputErrors> {
    let src = Source::read(path)?;
    let mut table = src.table()?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "stress".into());
    if FileKind::of_table(&table) == FileKind::Stress {
        return checked_source_with(&src, path.parent().unwrap_or(Path::new(".")), &stem, set);
    }
    // Validate the scenario with located errors first.
    crate::scenario::parse_with(&src, set)?;
    set.apply(&mut table)?;
    if table.contains_key("stress") {
        return Err(src
            .locate(&[Issue::new(
                "stress",
                "a scenario given to `triad stress` must not carry a [stress] table: the plan adds it",
            )])
            .into());
    }
    let plan = default_plan(&stem, table).map_err(|m| src.locate(&[Issue::new("", m)]))?;
    let at = PlanAt {
        file: &src,
        base: BaseAt::File(&src),
        set: None,
        params: vec![
            ParamAt {
                values: String::new(),
                path: String::new(),
            };
            2
        ],
        policies: vec![None; plan.policies.len()],
    };
    let feasibility = check_cells(&plan, &at)?;
    Ok((plan, feasibility))
}

/// The default plan for a scenario: the four built-in policies, every perturbation at
/// severities 0, 0.5 and 1, [`DEFAULT_REPLICATIONS`] replications.
pub fn default_plan(name: &str, base: toml::Table) -> Result<SweepPlan, String> {
    build(
        &format!("stress-{name}"),
        &format!("Stress test of {name} (default plan)"),
        base,
        None,
        Perturbation::ALL.to_vec(),
        DEFAULT_SEVERITIES.to_vec(),
        default_policies(),
        DEFAULT_REPLICATIONS,
        DEFAULT_SEED,
    )
}

/// Builds the sweep plan: `[stress] tier` in the base (when some perturbation needs a
/// tier), axes over perturbations and severities.
#[allow(clippy::too_many_arguments)]
pub fn build(
    name: &str,
    title: &str,
    mut base: toml::Table,
    tier: Option<String>,
    perturbations: Vec<Perturbation>,
    severities: Vec<f64>,
    policies: Vec<PolicySpec>,
    replications: u32,
    seed: u64,
) -> Result<SweepPlan, String> {
    if perturbations.iter().any(|p| p.needs_tier()) {
        // A base that does not validate gets no tier here: checking the plan's cells
        // reports its problems, located.
        let t = match tier {
            Some(t) => Some(t),
            None => match WorldSimulator.config(&base) {
                Ok(cfg) => Some(
                    cfg.policy
                        .user_tier(&cfg.world.tiers, &cfg.world.traits)
                        .ok_or("the base scenario has no tiers; name one with `tier`")?,
                ),
                Err(_) => None,
            },
        };
        if let Some(t) = t {
            set_path(&mut base, "stress.tier", toml::Value::String(t))?;
        }
    }
    let axes = vec![
        Axis {
            path: AXIS_PERTURBATION.into(),
            values: perturbations
                .iter()
                .map(|p| toml::Value::String(p.name().into()))
                .collect(),
        },
        Axis {
            path: AXIS_SEVERITY.into(),
            values: severities.iter().map(|&s| toml::Value::Float(s)).collect(),
        },
    ];
    let mut plan = SweepPlan::new(name, base, axes, None, policies, replications, seed)?;
    plan.title = title.to_string();
    Ok(plan)
}

/// Expands a stress plan file's text and checks it whole; `dir` resolves a relative `base`.
pub fn from_source(src: &Source, dir: &Path, name: &str) -> Result<SweepPlan, InputErrors> {
    checked_source(src, dir, name).map(|(plan, _)| plan)
}

/// [`from_source`], with the [`Feasibility`] of its cells.
pub fn checked_source(
    src: &Source,
    dir: &Path,
    name: &str,
) -> Result<(SweepPlan, Feasibility), InputErrors> {
    checked_source_with(src, dir, name, &Overrides::default())
}

/// [`checked_source`] with `--set` changes made on the base scenario, after the plan's own
/// `set` table.
pub fn checked_source_with(
    src: &Source,
    dir: &Path,
    name: &str,
    set: &Overrides,
) -> Result<(SweepPlan, Feasibility), InputErrors> {
    let file: StressFile = scenario::read_file(src)?;
    let mut issues = Vec::new();
    let mut base_src = None;
    let mut base = match BaseRef::of(file.base.as_ref(), dir) {
        Ok(BaseRef::Inline(t)) => t,
        Ok(BaseRef::File(bp)) => match Source::read(&bp) {
            Ok(bs) => {
                let t = bs.table()?;
                base_src = Some(bs);
                t
            }
            Err(e) => {
                let msg = e
                    .problems
                    .first()
                    .map_or(String::new(), |p| p.message.clone());
                issues.push(Issue::new("base", format!("{}: {msg}", bp.display())));
                toml::Table::new()
            }
        },
        Err(i) => {
            issues.push(i);
            toml::Table::new()
        }
    };
    if base.contains_key("stress") {
        issues.push(Issue::new(
            "base",
            "the base scenario must not carry a [stress] table: the plan adds it",
        ));
    }
    if file.set.contains_key("stress") {
        issues.push(Issue::new(
            "set.stress",
            "the plan sets the [stress] table itself: name the perturbations and severities",
        ));
    }
    merge_into(&mut base, &file.set);
    set.apply(&mut base)?;
    let perturbations = read_perturbations(file.perturbations, &mut issues);
    let severities = read_severities(file.severities.as_deref(), &mut issues);
    if file.replications == 0 {
        issues.push(Issue::new("replications", "must be at least 1"));
    }
    // The policies are checked with the plan's cells below, each problem at its key.
    let mut policies = labelled_policies(&file.policy, true, |_| Ok(()), &mut issues);
    let own = file.policy.is_empty();
    if own {
        policies = default_policies();
    }
    if let Some(t) = &file.tier
        && let Ok(cfg) = WorldSimulator.config(&base)
        && !cfg.world.tiers.iter().any(|x| &x.name == t)
    {
        let known: Vec<&str> = cfg.world.tiers.iter().map(|x| x.name.as_str()).collect();
        issues.push(Issue::new(
            "tier",
            format!("no tier named {t:?}; the tiers are {}", known.join(", ")),
        ));
    }
    if !issues.is_empty() {
        return Err(src.locate(&issues).into());
    }
    let title = file
        .title
        .clone()
        .unwrap_or_else(|| format!("Stress test {name}"));
    let plan = build(
        name,
        &title,
        base,
        file.tier.clone(),
        perturbations,
        severities,
        policies,
        file.replications,
        file.seed,
    )
    .map_err(|m| {
        let at = if m.starts_with("the base") || !m.contains(':') {
            "base"
        } else {
            "set"
        };
        src.locate(&[Issue::new(at, m)])
    })?;
    let at = PlanAt {
        file: src,
        base: match &base_src {
            Some(b) => BaseAt::File(b),
            None => BaseAt::Inline("base"),
        },
        set: Some(("set", &file.set)),
        params: vec![
            ParamAt {
                values: "perturbations".into(),
                path: "perturbations".into(),
            },
            ParamAt {
                values: "severities".into(),
                path: "severities".into(),
            },
        ],
        policies: (0..plan.policies.len())
            .map(|k| (!own).then(|| format!("policy.{k}")))
            .collect(),
    };
    let feasibility = check_cells(&plan, &at)?;
    Ok((plan, feasibility))
}

/// The perturbations named (all when none are), each once.
fn read_perturbations(
    named: Option<Vec<Perturbation>>,
    issues: &mut Vec<Issue>,
) -> Vec<Perturbation> {
    let perturbations = named.unwrap_or_else(|| Perturbation::ALL.to_vec());
    if perturbations.is_empty() {
        issues.push(Issue::new(
            "perturbations",
            "is empty: name at least one, or leave it out for all",
        ));
    }
    if perturbations.len() > Perturbation::ALL.len() {
        issues.push(Issue::new(
            "perturbations",
            format!(
                "{} perturbations, but there are {} kinds: name each at most once",
                perturbations.len(),
                Perturbation::ALL.len()
            ),
        ));
        return perturbations;
    }
    for (i, p) in perturbations.iter().enumerate() {
        if perturbations[..i].contains(p) {
            issues.push(Issue::new(
                format!("perturbations.{i}"),
                format!("{p} is listed twice"),
            ));
        }
    }
    perturbations
}

/// The severities given (the default ones when none are), each a number in [0, 1], once.
fn read_severities(given: Option<&[toml::Value]>, issues: &mut Vec<Issue>) -> Vec<f64> {
    let mut severities = Vec::new();
    match given {
        None => severities = DEFAULT_SEVERITIES.to_vec(),
        Some([]) => issues.push(Issue::new(
            "severities",
            "is empty: give at least one, e.g. [0.0, 0.5, 1.0]",
        )),
        Some(v) if v.len() > MAX_AXIS_VALUES => issues.push(Issue::new(
            "severities",
            format!(
                "{} severities, more than the limit of {MAX_AXIS_VALUES}",
                v.len()
            ),
        )),
        Some(v) => {
            let mut seen = std::collections::HashSet::new();
            for (i, x) in v.iter().enumerate() {
                let s = x.as_float().or(x.as_integer().map(|i| i as f64));
                match s {
                    Some(s) if (0.0..=1.0).contains(&s) => {
                        // -0.0 and 0.0 are one severity.
                        if !seen.insert((s + 0.0).to_bits()) {
                            issues.push(Issue::new(
                                format!("severities.{i}"),
                                format!("{s} is listed twice"),
                            ));
                        }
                        severities.push(s);
                    }
                    _ => issues.push(Issue::new(
                        format!("severities.{i}"),
                        format!("must be a number in [0, 1] (0 = none, 1 = severe), got {x}"),
                    )),
                }
            }
        }
    }
    severities
}

/// Deep-merges `over` into `base`: tables merge key by key, other values replace.
fn merge_into(base: &mut toml::Table, over: &toml::Table) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge_into(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> Result<SweepPlan, InputErrors> {
        from_source(&Source::from_text("p.toml", text), Path::new("."), "p")
    }

    #[test]
    fn a_plan_file_expands_into_two_axes() {
        let p = plan(
            "replications = 2\ntier = \"8B\"\nperturbations = [\"outage\", \"verifier-noise\"]\nseverities = [0, 1]\n[base]\nhorizon_hours = 24.0\n[set]\nbudget = 5.0\n[[policy]]\nkind = \"static\"\n",
        )
        .unwrap();
        assert_eq!(
            p.n_runs(),
            8,
            "2 perturbations x 2 severities x 1 policy x 2"
        );
        assert_eq!(p.params(), [AXIS_PERTURBATION, AXIS_SEVERITY]);
        assert_eq!(p.base["stress"]["tier"].as_str(), Some("8B"));
        assert_eq!(p.base["budget"].as_float(), Some(5.0));
        assert_eq!(p.policies[0].label, "static");
        assert_eq!(p.axes[1].values[0], toml::Value::Float(0.0));
    }

    #[test]
    fn mistakes_are_located() {
        let e = plan("perturbations = [\"meteor\"]\n[base]\n").unwrap_err();
        assert_eq!(e.0[0].problems[0].line, 1, "{e}");
        assert!(e.to_string().contains("meteor"), "{e}");
        let e = plan("severities = [0.0, 2.0]\n[base]\n").unwrap_err();
        assert!(
            e.to_string().starts_with("p.toml:1:20: severities.1"),
            "{e}"
        );
        let e = plan("tier = \"9B\"\n[base]\n").unwrap_err();
        assert!(e.to_string().contains("no tier named \"9B\""), "{e}");
        let e = plan("[base]\n[[policy]]\nlabel = \"x\"\nkind = \"static\"\nsamples = 0\n")
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("p.toml:5:11: policy.samples: must be"),
            "{e}"
        );
        let e = plan("replications = 0\n").unwrap_err();
        assert_eq!(e.count(), 2, "{e}");
    }

    /// The scenario of every cell is checked before anything runs; a mistake of the base,
    /// of `set` or of a policy is located at its own line, once.
    #[test]
    fn cell_problems_are_located_in_the_plan() {
        let e = plan(
            "tier = \"8B\"\nperturbations = [\"outage\"]\n[base]\nhorizon_hours = 24.0\nbudgte = 5.0\n[set]\nbudget = -1.0\n[[policy]]\nkind = \"static\"\nvotez = 1\n",
        )
        .unwrap_err();
        let text = e.to_string();
        assert_eq!(e.count(), 3, "{text}");
        assert!(
            text.contains("p.toml:5:10: unknown field `budgte`"),
            "{text}"
        );
        assert!(text.contains("p.toml:7:10: budget: must be > 0"), "{text}");
        assert!(
            text.contains("p.toml:10:9: unknown field `votez`"),
            "{text}"
        );
    }
}
