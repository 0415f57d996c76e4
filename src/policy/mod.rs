//! Allocation policies: how the budget is split across roles and tiers, how much compute a
//! task gets, and how edits are accepted.
//!
//! A policy sees the world through a [`View`](crate::model::View) and decides three things:
//! a [`Plan`](crate::model::Plan) at the start, optional new budget shares at every epoch,
//! and a [`TaskPlan`](crate::model::TaskPlan) for every task. Randomness reaches it only
//! through the engine's streams (the stream in the view).
//!
//! Every built-in policy is one file: a parameter type that flattens the shared block
//! ([`Common`]) beside its own keys and implements [`Params`] (its `kind`, its own keys
//! with their meanings, its defaults through `Default`, validation, and the policy it
//! builds), plus one line in [`REGISTRY`]. The `[policy]` table reader, `triad policies`
//! and `triad run --policy` all work from the registry.

mod common;
mod config;
pub mod corpus;
pub mod difficulty;
mod static_policy;
pub mod struggle;

pub use common::{COMMON_KEYS, Common, MAX_ISLAND_SIZE, MAX_ISLANDS, Shares};
pub use config::PolicyConfig;
pub use corpus::{CorpusAdvice, CorpusParams};
pub use difficulty::{DifficultyAdaptive, DifficultyParams};
pub use static_policy::{StaticParams, StaticPolicy};
pub use struggle::{StruggleAdaptive, StruggleParams, StruggleRule};

use crate::base::Issue;
use crate::model::{Policy, Tier, Traits};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The built-in policies, in the order `triad policies` lists them. A new built-in policy
/// is its own file (a parameter type implementing [`Params`]) plus one line here.
pub const REGISTRY: &[BuiltIn] = &[
    BuiltIn::of::<StaticParams>(),
    BuiltIn::of::<StruggleParams>(),
    BuiltIn::of::<DifficultyParams>(),
    BuiltIn::of::<CorpusParams>(),
];

/// The parameters of a built-in policy, as written in a scenario's `[policy]` table.
///
/// The type flattens a [`Common`] (`#[serde(flatten)] pub common: Common`) beside its own
/// fields, and its `Default` gives every key's default, shared ones included. Its serde
/// derive needs no `deny_unknown_fields` or `default`: the table reader checks each key
/// against [`OWN`](Params::OWN), [`COMMON_KEYS`] and [`SKIPS`](Params::SKIPS) (reporting
/// an unknown key or a wrong type where it is written) and lays the written keys over the
/// defaults.
pub trait Params:
    Default + Clone + PartialEq + std::fmt::Debug + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// The `kind` that names the policy in a scenario.
    const KIND: &'static str;
    /// What the policy is for, in one line (`triad policies`).
    const SUMMARY: &'static str;
    /// The policy's own keys with their meanings, in the order `triad policies` lists them
    /// (before the common keys).
    const OWN: &'static [(&'static str, &'static str)];
    /// Common keys the policy does not read: refused in its table, left out of its listing.
    const SKIPS: &'static [&'static str] = &[];
    /// What some common keys mean for this policy, where that says more than
    /// [`COMMON_KEYS`].
    const NOTES: &'static [(&'static str, &'static str)] = &[];

    /// The shared block.
    fn common(&self) -> &Common;

    /// Checks the parameters against the tiers; problems at `policy.<key>`.
    fn validate(&self, tiers: &[Tier], out: &mut Vec<Issue>);

    /// The policy object (parameters must be valid).
    fn build(&self, tiers: &[Tier]) -> Box<dyn Policy>;

    /// The name of the tier the users run on (by default `tiers.user`), if there is one.
    fn user_tier(&self, _tiers: &[Tier], _traits: &Traits) -> Option<String> {
        Some(self.common().tiers.user.clone())
    }
}

/// A built-in policy as the registry holds it: its kind, its keys and how to read it.
#[derive(Debug, Clone, Copy)]
pub struct BuiltIn {
    /// Its `kind`.
    pub kind: &'static str,
    /// What it is for, in one line.
    pub summary: &'static str,
    own: &'static [(&'static str, &'static str)],
    skips: &'static [&'static str],
    notes: &'static [(&'static str, &'static str)],
    default: fn() -> PolicyConfig,
    read: fn(toml::Table) -> Result<PolicyConfig, String>,
}

impl BuiltIn {
    /// The registry entry of the policy whose parameters are `P`.
    pub const fn of<P: Params>() -> BuiltIn {
        BuiltIn {
            kind: P::KIND,
            summary: P::SUMMARY,
            own: P::OWN,
            skips: P::SKIPS,
            notes: P::NOTES,
            default: config::default_of::<P>,
            read: config::read_as::<P>,
        }
    }

    /// The built-in policy named `kind`.
    pub fn find(kind: &str) -> Option<&'static BuiltIn> {
        REGISTRY.iter().find(|b| b.kind == kind)
    }

    /// Every parameter key with its one-line meaning, in the order they are listed: the
    /// policy's own keys, then the common keys it reads.
    pub fn params(&self) -> Vec<(&'static str, &'static str)> {
        let common = COMMON_KEYS
            .iter()
            .filter(|(k, _)| !self.skips.contains(k))
            .map(|&(k, meaning)| {
                let note = self.notes.iter().find(|(n, _)| *n == k);
                (k, note.map_or(meaning, |(_, m)| *m))
            });
        self.own.iter().copied().chain(common).collect()
    }

    /// Whether `key` is one of its parameters.
    pub fn has(&self, key: &str) -> bool {
        self.own.iter().any(|(k, _)| *k == key)
            || (COMMON_KEYS.iter().any(|(k, _)| *k == key) && !self.skips.contains(&key))
    }

    /// Its configuration with every parameter at its default.
    pub fn default_config(&self) -> PolicyConfig {
        (self.default)()
    }

    /// The default parameters as TOML values, by key (`kind` left out); a parameter whose
    /// default is unset (such as `static`'s `predictor`) is absent.
    pub fn defaults(&self) -> toml::Table {
        self.default_config().to_table().unwrap_or_default()
    }

    /// Reads its parameters from `table` (every key but `kind`), over the defaults; an
    /// unknown key or a wrong type is an error naming it.
    pub fn read(&self, table: toml::Table) -> Result<PolicyConfig, String> {
        if let Some(key) = table.keys().find(|k| !self.has(k)) {
            return Err(self.unknown(key));
        }
        (self.read)(table)
    }

    /// The message for a key it does not have.
    fn unknown(&self, key: &str) -> String {
        let names: Vec<String> = self
            .params()
            .iter()
            .map(|(k, _)| format!("`{k}`"))
            .collect();
        format!(
            "unknown field `{key}` of a {} policy, expected one of {}",
            self.kind,
            names.join(", ")
        )
    }
}

pub use crate::model::tier_index;

/// Reports an unknown tier name at `path`.
pub(crate) fn check_tier(tiers: &[Tier], name: &str, path: &str, out: &mut Vec<Issue>) {
    if tier_index(tiers, name).is_none() {
        let known: Vec<&str> = tiers.iter().map(|t| t.name.as_str()).collect();
        out.push(Issue::new(
            path,
            format!("no tier named {name:?}; the tiers are {}", known.join(", ")),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::default_ladder;

    #[test]
    fn the_common_catalogue_names_every_shared_field_once() {
        let fields = toml::Table::try_from(Common::default()).unwrap();
        let keys: Vec<&str> = COMMON_KEYS.iter().map(|(k, _)| *k).collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(!keys[..i].contains(k), "{k} listed twice");
            assert!(fields.contains_key(*k), "{k} is not a field of Common");
        }
        for k in fields.keys() {
            assert!(keys.contains(&k.as_str()), "{k} is not in COMMON_KEYS");
        }
    }

    #[test]
    fn every_parameter_is_listed_once_and_every_default_is_valid() {
        let mut kinds = Vec::new();
        for b in REGISTRY {
            assert!(!kinds.contains(&b.kind), "{} registered twice", b.kind);
            kinds.push(b.kind);
            let common = |k: &str| COMMON_KEYS.iter().any(|(c, _)| *c == k);
            for (k, _) in b.own {
                assert!(!common(k), "{}: own key {k} is a common key", b.kind);
            }
            for k in b.skips.iter().chain(b.notes.iter().map(|(k, _)| k)) {
                assert!(common(k), "{}: {k} is not a common key", b.kind);
            }
            let keys: Vec<&str> = b.params().iter().map(|(k, _)| *k).collect();
            for (i, k) in keys.iter().enumerate() {
                assert!(!keys[..i].contains(k), "{}: {k} listed twice", b.kind);
                assert!(b.has(k), "{}: {k}", b.kind);
            }
            for k in b.defaults().keys() {
                assert!(keys.contains(&k.as_str()), "{}: {k} not listed", b.kind);
            }
            let cfg = b.default_config();
            assert_eq!(cfg.kind(), b.kind);
            let mut issues = Vec::new();
            cfg.validate(&default_ladder(), &mut issues);
            assert!(issues.is_empty(), "{}: {issues:?}", b.kind);
            // Every listed key is a real one: setting it to its default parses ...
            let mut t = b.defaults();
            t.insert("kind".into(), toml::Value::String(b.kind.into()));
            let back: PolicyConfig = t.try_into().unwrap();
            assert_eq!(back, cfg);
            // ... and a value no parameter takes is refused (serde's flatten would pass
            // over a listed key that is not a field).
            for k in &keys {
                let mut t = toml::Table::new();
                let date = "1979-05-27".parse().unwrap();
                t.insert((*k).into(), toml::Value::Datetime(date));
                assert!(b.read(t).is_err(), "{}: {k} is not a field", b.kind);
            }
            for k in b.skips {
                let mut t = toml::Table::new();
                t.insert((*k).into(), toml::Value::Integer(1));
                let e = b.read(t).unwrap_err();
                assert!(e.contains("unknown field"), "{}: {k}: {e}", b.kind);
            }
        }
    }

    #[test]
    fn defaults_come_from_each_policy() {
        let get = |kind: &str, key: &str| BuiltIn::find(kind).unwrap().defaults()[key].clone();
        let int = |x: i64| toml::Value::Integer(x);
        assert_eq!(get("static", "candidates_per_round"), int(32));
        assert_eq!(get("struggle-adaptive", "candidates_per_round"), int(512));
        assert_eq!(get("difficulty-adaptive", "candidates_per_round"), int(32));
        assert_eq!(get("corpus-advice", "candidates_per_round"), int(512));
        assert_eq!(
            get("corpus-advice", "reasoning_tokens"),
            toml::Value::Float(4000.0)
        );
        // A key left out keeps the policy's own default, not the common one.
        let mut t = toml::Table::new();
        t.insert("votes".into(), int(3));
        let p = BuiltIn::find("struggle-adaptive").unwrap().read(t).unwrap();
        let p = p.params::<StruggleParams>().unwrap();
        assert_eq!((p.common.votes, p.common.candidates_per_round), (3, 512));
    }
}
