//! A claim's check on a user's scenario file (`triad check-claim N FILE`): what the check
//! takes from the file and what from the claim's own scenario, and a refusal, naming what
//! the file needs, when it lacks what the claim compares.
//!
//! The user's file gives the world: its tier ladder, its physics and its workload, with its
//! horizon, budget and policy. Each claim's check then varies what the claim compares (the
//! user tier for 1a, reasoning tokens for 4, ...); a few claims also need settings of their
//! own experiment that a user's file rarely has (1a: tasks matched to each tier; 9b: the
//! island settings), which are taken from `scenarios/claims/claimN.toml` and named.

use super::scenario_file;
use crate::base::UsageError;
use crate::model::user::Selection;
use crate::policy::StaticParams;
use crate::scenario::{self, FileKind, Overrides, Scenario, Source};
use std::path::Path;

/// How a claim's check runs on a user's file.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The user's `--set` changes followed by the keys taken from the claim's scenario:
    /// what the check's loads of the file apply.
    pub overrides: Overrides,
    /// What comes from the user's file, one line each.
    pub from_file: Vec<String>,
    /// What comes from the claim's scenario (`key = value`), one line each.
    pub from_claim: Vec<String>,
    /// What the check varies itself.
    pub varies: String,
}

/// Keys of claim `id`'s own scenario that its check on a user's file takes from there (each
/// only when the user's file does not already set it as the claim needs).
fn claim_keys(id: &str, user: &Scenario) -> Vec<&'static str> {
    match id {
        "1a" => vec!["workload.matched_to_user"],
        "9b" => {
            let islands = user
                .policy
                .params::<StaticParams>()
                .is_some_and(|p| p.common.strategy == crate::model::evolver::Strategy::Islands);
            if islands {
                vec![]
            } else {
                vec![
                    "policy.strategy",
                    "policy.islands",
                    "policy.island_size",
                    "policy.migrate_every",
                    "policy.emigrants",
                    "policy.reset_every",
                    "policy.reset_islands",
                    "policy.crossover",
                ]
            }
        }
        _ => vec![],
    }
}

/// What claim `id`'s check varies itself.
fn varies(id: &str) -> &'static str {
    match id {
        "1a" => {
            "the user tier, over every tier of your ladder, each with your harness and without it"
        }
        "1b" => "the evolver tier (8B, 32B, 70B, frontier), against a frozen harness",
        "2" => "the evolver tier, over every tier of your ladder, against a frozen harness",
        "3" => "who accepts edits: the evolver itself, a verifier, replay",
        "4" => {
            "the verifier's reasoning tokens per vote (0 to 64k), and the next tier up without reasoning"
        }
        "5" => {
            "uniform samples (1 to 16 per task) beside your difficulty-adaptive policy, and its mean attempts"
        }
        "6" => {
            "the user: your user tier with your samples against the stronger tier whose one sample costs as much"
        }
        "7" => "static evolver shares (0.002 to 0.1) beside your struggle-adaptive policy",
        "8" => {
            "the evolvers: your pool, as many copies of its first tier, one evolver of your strongest tier"
        }
        "9a" => {
            "the search strategy: your island search, sequential revision, best-of-n, islands without migration"
        }
        "9b" => "the evolution strategy: islands, sequential, best-of-n",
        _ => "",
    }
}

/// The refusal `claim {id} compares ...: your file ...; ...`.
fn refuse(id: &str, file: &Path, what: &str) -> UsageError {
    UsageError(format!(
        "{}: cannot check claim {id} on this file: {what}",
        file.display()
    ))
}

/// The claim id a file of kind `kind` tests when `id` names a claim with parts (`9`: a
/// harness search tests 9a, a world scenario 9b).
pub fn part_for(id: &str, kind: Option<FileKind>) -> Option<&'static str> {
    match (id, kind) {
        ("9", Some(FileKind::Search)) => Some("9a"),
        ("9", Some(FileKind::Scenario)) => Some("9b"),
        _ => None,
    }
}

/// Plans claim `id`'s check on the user's `file` changed by `set`: refuses (a
/// [`UsageError`], exit code 2) when the file lacks what the claim compares, saying what it
/// needs; a problem of the file or of `set` is reported located, as any load's.
pub fn plan(id: &str, file: &Path, set: &[String]) -> anyhow::Result<Plan> {
    let kind = FileKind::of(file);
    let user_set = Overrides::parse(set)?;
    if id == "9a" {
        if kind != Some(FileKind::Search) {
            return Err(refuse(
                id,
                file,
                "claim 9a runs in the harness-search model, so it needs a search file (the keys \
                 `evaluations`, `[strategy]` with kind = \"islands\", `[landscape]`, \
                 `[evaluation]`, as in scenarios/claims/claim9a.toml); this is a world scenario: \
                 check claim 9b on it (islands inside the running world)",
            )
            .into());
        }
        scenario::load_search(file)?;
        return Ok(Plan {
            overrides: user_set,
            from_file: vec!["the whole search: landscape, evaluation, budget of evaluations and the island strategy compared".into()],
            from_claim: vec![],
            varies: varies(id).into(),
        });
    }
    if kind == Some(FileKind::Search) {
        return Err(refuse(
            id,
            file,
            &format!(
                "this is a harness-search file, which tests claim 9a only; claim {id} needs a \
                 world scenario"
            ),
        )
        .into());
    }
    let user = scenario::parse_with(&Source::read(file)?, &user_set)?;
    require(id, file, &user)?;
    let own_path = scenario_file(id, None);
    let own: toml::Table = Source::read(&own_path)?.table()?;
    let mut args: Vec<String> = set.to_vec();
    let mut from_claim = Vec::new();
    for key in claim_keys(id, &user) {
        if let Some(v) = lookup(&own, key) {
            args.push(format!("{key}={v}"));
            from_claim.push(format!("{key} = {v}"));
        }
    }
    let w = &user.world;
    let names: Vec<&str> = w.tiers.iter().map(|t| t.name.as_str()).collect();
    let cats: Vec<&str> = w
        .workload
        .categories
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let from_file = vec![
        format!("tiers: {} ({})", names.len(), names.join(", ")),
        format!(
            "workload: {} tasks per hour, categories {}{}",
            w.workload.arrival_per_hour,
            cats.join(", "),
            if w.regimes.is_empty() {
                String::new()
            } else {
                format!(", {} regime shifts", w.regimes.len())
            }
        ),
        "physics: traits, attempts, evolver, harness costs (your file's values, else the defaults of scenarios/baseline.toml)".into(),
        format!(
            "horizon {} h, budget and policy ({})",
            w.horizon_hours,
            user.policy.kind()
        ),
    ];
    Ok(Plan {
        overrides: Overrides::parse(&args)?,
        from_file,
        from_claim,
        varies: varies(id).into(),
    })
}

/// The value at dotted `path` of `table`.
fn lookup<'a>(table: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let mut parts = path.split('.');
    let mut v = table.get(parts.next()?)?;
    for p in parts {
        v = v.as_table()?.get(p)?;
    }
    Some(v)
}

/// Refuses a user's scenario that lacks what claim `id` compares.
fn require(id: &str, file: &Path, s: &Scenario) -> Result<(), UsageError> {
    let w = &s.world;
    let fail = |what: String| Err(refuse(id, file, &what));
    let kind = s.policy.kind();
    let static_p = s.policy.params::<StaticParams>();
    let needs_static = matches!(id, "1a" | "1b" | "2" | "3" | "4" | "6" | "8" | "9b");
    if needs_static && static_p.is_none() {
        return fail(format!(
            "claim {id} varies a static policy, and your policy is kind = \"{kind}\"; use \
             kind = \"static\" (as in scenarios/claims/claim{id}.toml)"
        ));
    }
    let common = s.policy.common();
    match id {
        "1a" => {
            if w.harness.initial_quality <= 0.0 {
                return fail(
                    "claim 1a compares each user tier with your harness and without it, and \
                     your file has no harness to take away (harness.initial_quality = 0, the \
                     default: an empty harness); set harness.initial_quality to the quality of \
                     the harness you have (claim 1a's scenario uses 1.0: \
                     --set harness.initial_quality=1)"
                        .into(),
                );
            }
            if w.tiers.len() < 3 {
                return fail(format!(
                    "claim 1a looks for a peak at an interior tier, which needs 3 tiers or more; \
                     your file has {}",
                    w.tiers.len()
                ));
            }
        }
        "1b" => {
            let missing: Vec<&str> = super::c1_edits::TIERS
                .iter()
                .copied()
                .filter(|n| crate::model::tier_index(&w.tiers, n).is_none())
                .collect();
            if !missing.is_empty() {
                return fail(format!(
                    "claim 1b compares the evolver tiers {} (the published study's range), and \
                     your ladder lacks {}",
                    super::c1_edits::TIERS.join(", "),
                    missing.join(", ")
                ));
            }
        }
        "2" | "3" | "8" | "9b" if common.shares.evolver <= 0.0 => {
            return fail(format!(
                "claim {id} compares what evolvers propose, and your policy gives them nothing \
                 (policy.shares.evolver = 0); give them a share"
            ));
        }
        "4" if common.samples < 2 || common.selection != Selection::Verifier => {
            return fail(format!(
                "claim 4 measures the verifier picking among a user's samples, so it needs \
                     policy.samples >= 2 and policy.selection = \"verifier\" (your file: samples \
                     = {}{})",
                common.samples,
                if common.selection == Selection::Verifier {
                    ""
                } else {
                    ", and another selection"
                }
            ));
        }
        "5" if kind != "difficulty-adaptive" => {
            return fail(format!(
                "claim 5 compares a difficulty-adaptive policy with uniform samples, and your \
                 policy is kind = \"{kind}\"; use kind = \"difficulty-adaptive\" with its \
                 mean_samples and max_samples (as in scenarios/claims/claim5.toml)"
            ));
        }
        "6" => return require_equal_cost(file, s),
        "7" if kind != "struggle-adaptive" => {
            return fail(format!(
                "claim 7 compares struggle-adaptive evolver funding with static shares, and your \
                 policy is kind = \"{kind}\"; use kind = \"struggle-adaptive\" (as in \
                 scenarios/claims/claim7.toml)"
            ));
        }
        "8" if common.evolver_pool.is_empty() => {
            return fail(
                "claim 8 compares a pool of different evolver models with one strong evolver, \
                 and your policy has no pool; list the pool's other tiers in \
                 policy.evolver_pool (claim 8's scenario: tiers.evolver = \"3B\", evolver_pool \
                 = [\"0.5B\", \"8B\"])"
                    .into(),
            );
        }
        _ => {}
    }
    Ok(())
}

/// Claim 6 compares at equal cost: refuses unless the user tier with its samples costs
/// within [0.8, 1.25] of a stronger tier's one sample (on the first category's tokens), and
/// says which samples would.
fn require_equal_cost(file: &Path, s: &Scenario) -> Result<(), UsageError> {
    let w = &s.world;
    let c = s.policy.common();
    let fail = |what: String| Err(refuse("6", file, &what));
    let small = crate::model::tier_index(&w.tiers, &c.tiers.user).unwrap_or(0);
    let samples = c.samples.max(1);
    if samples < 2 {
        return fail(format!(
            "claim 6 compares a smaller user with several samples against a larger one with \
             one, and your user ({}) draws 1 sample; set policy.samples (claim 6's scenario: \
             8B x 6)",
            c.tiers.user
        ));
    }
    if w.workload.difficulty_bins.is_empty() {
        return fail(
            "claim 6 compares the users per difficulty bin, and your workload has one bin; set \
             workload.difficulty_bins (claim 6's scenario: [0.8, 1.8])"
                .into(),
        );
    }
    let cat = &w.workload.categories[0];
    let input = cat.prompt_tokens + w.harness.base_tokens;
    let cost = |t: usize| w.tiers[t].cost(input, cat.output_tokens);
    let target = samples as f64 * cost(small);
    let stronger: Vec<usize> = (0..w.tiers.len())
        .filter(|&t| w.tiers[t].skill > w.tiers[small].skill)
        .collect();
    let Some(&large) = stronger.iter().min_by(|&&a, &&b| {
        (cost(a) / target)
            .ln()
            .abs()
            .total_cmp(&(cost(b) / target).ln().abs())
    }) else {
        return fail(format!(
            "claim 6 needs a tier stronger than your user tier {}, and your ladder has none",
            c.tiers.user
        ));
    };
    let ratio = target / cost(large);
    if (0.8..=1.25).contains(&ratio) {
        return Ok(());
    }
    let hints: Vec<String> = stronger
        .iter()
        .map(|&t| (t, (cost(t) / cost(small)).round()))
        .filter(|&(_, k)| (2.0..=64.0).contains(&k))
        .map(|(t, k)| format!("samples = {k} against {}", w.tiers[t].name))
        .collect();
    fail(format!(
        "claim 6 compares at equal cost, and no stronger tier's one sample costs about what \
         {} x {samples} does: the nearest, {}, makes the ratio {ratio:.2} (it must be within \
         [0.8, 1.25]); {}",
        c.tiers.user,
        w.tiers[large].name,
        if hints.is_empty() {
            "no number of samples of your user tier up to 64 matches a stronger tier".to_string()
        } else {
            format!(
                "set policy.samples so the costs match: {}",
                hints.join(", ")
            )
        }
    ))
}
