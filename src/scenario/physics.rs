//! Which scenario keys are physics (how the world works) and which are the experiment (what
//! is run in it). A claim's scenario may set only the experiment; its counter-scenarios
//! switch off one mechanism each, by one physics key.
//!
//! Physics: the trait functions (`[traits]`, judging noise included), the attempt model
//! (`[attempts]`), how edits come about (`[evolver]`), the tier ladder's properties
//! (`[[tier]]`), the harness's costs and delays (every `[harness]` key but its starting
//! point `initial_quality` and the measurement switch `frozen`), the costs of programmatic
//! checks (`acceptance.tool_cost`, `acceptance.tool_hours`) and how a search's edits behave
//! (every `[landscape]` key but the harness's size `sections`, `edits` and the tasks'
//! `difficulty`, `user_skill`, `conjunctive`). Everything else is the experiment: horizon,
//! budget, workload, regimes, shocks, the policy and what it compares, acceptance anchors
//! and their settings, and a search's strategies and evaluation.

use std::collections::BTreeMap;

/// Whether the dotted scenario key `path` (`evolver.edit_mean`, `tier.2.skill`) is physics.
pub fn is_physics(path: &str) -> bool {
    let mut parts = path.split('.');
    let section = parts.next().unwrap_or("");
    let key = path.rsplit('.').next().unwrap_or("");
    match section {
        "traits" | "attempts" | "evolver" | "tier" => true,
        "landscape" => !is_task(path),
        "harness" => !matches!(key, "initial_quality" | "frozen"),
        "acceptance" => matches!(key, "tool_cost" | "tool_hours"),
        _ => false,
    }
}

/// Whether `path` is a property of the tasks (and harness) an experiment runs on: the
/// workload, its regimes, and a search's harness size and task difficulty. A counter may
/// change one of these to take away what a mechanism needs.
pub fn is_task(path: &str) -> bool {
    let section = path.split('.').next().unwrap_or("");
    let key = path.rsplit('.').next().unwrap_or("");
    match section {
        "workload" | "regime" => true,
        "landscape" => matches!(
            key,
            "sections" | "edits" | "difficulty" | "user_skill" | "conjunctive"
        ),
        _ => false,
    }
}

/// Whether `path` switches a mechanism of a compared strategy on or off (migration and
/// guided crossover of island evolution, in the world and in search; the information in
/// difficulty-adaptive's paid estimate): a counter may use one to show that the strategy's
/// shape needs that mechanism.
pub fn is_mechanism_switch(path: &str) -> bool {
    matches!(
        path,
        "policy.migrate_every"
            | "policy.emigrants"
            | "policy.predictor_noise_sd"
            | "policy.crossover"
            | "strategy.emigrants"
            | "strategy.guided"
    )
}

/// Every leaf of `table` under its dotted path; array elements that are tables are
/// numbered (`workload.category.0.difficulty`), other arrays are leaves.
pub fn leaves(table: &toml::Table) -> BTreeMap<String, toml::Value> {
    fn walk(prefix: &str, v: &toml::Value, out: &mut BTreeMap<String, toml::Value>) {
        match v {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    walk(&join(prefix, k), v, out);
                }
            }
            toml::Value::Array(a) if a.iter().all(toml::Value::is_table) && !a.is_empty() => {
                for (i, v) in a.iter().enumerate() {
                    walk(&join(prefix, &i.to_string()), v, out);
                }
            }
            _ => {
                out.insert(prefix.to_string(), v.clone());
            }
        }
    }
    fn join(prefix: &str, k: &str) -> String {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    }
    let mut out = BTreeMap::new();
    for (k, v) in table {
        walk(k, v, &mut out);
    }
    out
}

/// The keys whose values differ between two scenario tables (present in one only, or with
/// different values), with `name` left out. A key set on every element of an array of
/// tables (each category's `diagnosis_difficulty`) counts once, as `workload.category.*.key`;
/// a top-level array of tables present in one table only (`[[regime]]`) counts once, by its
/// name.
pub fn differences(a: &toml::Table, b: &toml::Table) -> Vec<String> {
    let mut whole: Vec<String> = Vec::new();
    let (mut a, mut b) = (a.clone(), b.clone());
    for key in a.keys().chain(b.keys()).cloned().collect::<Vec<_>>() {
        let arrays = |t: &toml::Table| matches!(t.get(&key), Some(toml::Value::Array(x)) if x.iter().all(toml::Value::is_table));
        if a.contains_key(&key) != b.contains_key(&key) && (arrays(&a) || arrays(&b)) {
            a.remove(&key);
            b.remove(&key);
            whole.push(key);
        }
    }
    let (la, lb) = (leaves(&a), leaves(&b));
    let mut keys: Vec<String> = la
        .keys()
        .chain(lb.keys())
        .filter(|k| k.as_str() != "name" && la.get(*k) != lb.get(*k))
        .map(|k| {
            k.split('.')
                .map(|p| if p.parse::<usize>().is_ok() { "*" } else { p })
                .collect::<Vec<_>>()
                .join(".")
        })
        .chain(whole)
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_keys_are_classified() {
        assert!(is_physics("evolver.edit_mean"));
        assert!(is_physics("tier.2.skill"));
        assert!(is_physics("harness.base_tokens"));
        assert!(!is_physics("harness.initial_quality"));
        assert!(!is_physics("harness.frozen"));
        assert!(is_physics("acceptance.tool_cost"));
        assert!(!is_physics("acceptance.replay_tasks"));
        assert!(!is_physics("policy.shares.evolver"));
        assert!(!is_physics("workload.category.0.difficulty"));
        assert!(is_physics("landscape.edit_mean"));
        assert!(!is_physics("landscape.difficulty"));
        assert!(is_task("landscape.conjunctive") && is_task("regime") && !is_task("policy.votes"));
    }

    #[test]
    fn differences_name_each_changed_key_once() {
        let a: toml::Table = toml::from_str(
            "name = 'a'\n[evolver]\nedit_mean = 0.1\n[[workload.category]]\nname = 'x'\n\
             diagnosis_difficulty = 0.0\n[[workload.category]]\nname = 'y'\n",
        )
        .unwrap();
        let b: toml::Table = toml::from_str(
            "name = 'b'\n[evolver]\nedit_mean = 0.1\nedit_sd = 0.0\n[[workload.category]]\n\
             name = 'x'\ndiagnosis_difficulty = 2.0\n[[workload.category]]\nname = 'y'\n\
             diagnosis_difficulty = 2.0\n",
        )
        .unwrap();
        assert_eq!(
            differences(&a, &b),
            vec![
                "evolver.edit_sd".to_string(),
                "workload.category.*.diagnosis_difficulty".to_string()
            ]
        );
        let c: toml::Table =
            toml::from_str("[[regime]]\nat_hour = 1.0\n[[regime]]\nat_hour = 2.0\n").unwrap();
        assert_eq!(
            differences(&toml::Table::new(), &c),
            vec!["regime".to_string()]
        );
    }
}
