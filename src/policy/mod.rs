//! Allocation policies: how the budget is split across roles and tiers, how much compute a
//! task gets, and how edits are accepted.
//!
//! A policy sees the world through a [`View`] and decides three things: a [`Plan`] at the
//! start, optional new budget shares at every epoch, and a [`TaskPlan`] for every task.
//! Randomness reaches it only through the engine's streams (the stream in the view).

pub mod corpus;
pub mod difficulty;
mod static_policy;
pub mod struggle;

pub use corpus::{CorpusAdvice, CorpusParams};
pub use difficulty::{DifficultyAdaptive, DifficultyParams};
pub use static_policy::{StaticParams, StaticPolicy};
pub use struggle::{StruggleAdaptive, StruggleParams};

use crate::base::Issue;
use crate::model::{PerRole, Policy, Tier, Traits};
use serde::{Deserialize, Serialize};

/// Budget shares of the three roles. The user share may be left out: it is then the rest,
/// `1 - evolver - verifier`, so a sweep can vary the evolver and verifier shares alone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shares {
    /// Share of the evolvers.
    pub evolver: f64,
    /// Share of the users (default: the rest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<f64>,
    /// Share of the verifiers.
    pub verifier: f64,
}

impl Shares {
    /// Shares with every role given.
    pub fn new(evolver: f64, user: f64, verifier: f64) -> Shares {
        Shares {
            evolver,
            user: Some(user),
            verifier,
        }
    }

    /// The share of each role.
    pub fn resolve(&self) -> PerRole<f64> {
        PerRole {
            evolver: self.evolver,
            user: self.user.unwrap_or(1.0 - self.evolver - self.verifier),
            verifier: self.verifier,
        }
    }

    /// Checks that each share is in [0, 1] and that they sum to 1; problems at `path.*`.
    pub fn validate(&self, path: &str, out: &mut Vec<Issue>) {
        let r = self.resolve();
        let mut ok = true;
        for (name, v) in [
            ("evolver", r.evolver),
            ("user", r.user),
            ("verifier", r.verifier),
        ] {
            if !v.is_finite() || !(0.0..=1.0).contains(&v) {
                ok = false;
                let what = if name == "user" && self.user.is_none() {
                    format!("the rest, 1 - evolver - verifier, must be in [0, 1] (got {v:.4})")
                } else {
                    format!("must be a share in [0, 1] (got {v})")
                };
                out.push(Issue::new(format!("{path}.{name}"), what));
            }
        }
        let sum = r.evolver + r.user + r.verifier;
        if ok && (sum - 1.0).abs() > 1e-6 {
            out.push(Issue::new(
                path,
                format!("shares must sum to 1 (they sum to {sum:.4})"),
            ));
        }
    }
}

/// A policy as written in a scenario's `[policy]` table: `kind` names it, the other keys
/// are its parameters (every one optional; `triad policies` lists them with defaults).
///
/// Read key by key, so that an unknown key or a wrong type is reported where it is written
/// (serde's internally tagged enums lose positions). Keys may arrive before `kind` (TOML
/// tables are read in key order): such a key is checked against every policy at once, and a
/// key that only another policy has is reported at the `[policy]` table.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PolicyConfig {
    /// Fixed shares, tiers, samples and acceptance.
    Static(StaticParams),
    /// Evolver funding that follows the failures edits can still fix.
    StruggleAdaptive(StruggleParams),
    /// Attempts per task from a bought difficulty estimate.
    DifficultyAdaptive(DifficultyParams),
    /// The research notes' advice: cheap diverse evolvers, an external reasoning verifier,
    /// mid-tier users.
    CorpusAdvice(CorpusParams),
}

/// The derived reading of a `[policy]` table, used one key at a time.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum Tagged {
    Static(StaticParams),
    StruggleAdaptive(StruggleParams),
    DifficultyAdaptive(DifficultyParams),
    CorpusAdvice(CorpusParams),
}

impl From<Tagged> for PolicyConfig {
    fn from(t: Tagged) -> Self {
        match t {
            Tagged::Static(p) => PolicyConfig::Static(p),
            Tagged::StruggleAdaptive(p) => PolicyConfig::StruggleAdaptive(p),
            Tagged::DifficultyAdaptive(p) => PolicyConfig::DifficultyAdaptive(p),
            Tagged::CorpusAdvice(p) => PolicyConfig::CorpusAdvice(p),
        }
    }
}

/// Reads `table` as a policy.
fn read_tagged(table: toml::Table) -> Result<PolicyConfig, String> {
    toml::Value::Table(table)
        .try_into::<Tagged>()
        .map(PolicyConfig::from)
        .map_err(|e| e.message().trim().to_string())
}

/// Reads one value of a `[policy]` table and checks it against the policy's kind (when
/// known), so that a problem is reported at this value.
struct Checked<'a> {
    kind: Option<&'a toml::Value>,
    key: &'a str,
}

impl Checked<'_> {
    /// Whether `v` is a valid value of this key (or a valid `kind`).
    fn check(&self, v: &toml::Value) -> Result<(), String> {
        let mut t = toml::Table::new();
        match (self.key, self.kind) {
            ("kind", _) => {
                t.insert("kind".into(), v.clone());
            }
            (key, Some(kind)) => {
                t.insert("kind".into(), kind.clone());
                t.insert(key.into(), v.clone());
            }
            (key, None) => {
                // The kind is not read yet: check the type against a policy that has the key
                // (a key means the same in every policy that has it).
                let Some(b) = builtins()
                    .into_iter()
                    .find(|b| b.params.iter().any(|(k, _)| *k == key))
                else {
                    return Ok(());
                };
                t.insert("kind".into(), toml::Value::String(b.kind.into()));
                t.insert(key.into(), v.clone());
            }
        }
        read_tagged(t).map(|_| ())
    }

    fn done<E: serde::de::Error>(&self, v: toml::Value) -> Result<toml::Value, E> {
        self.check(&v).map_err(E::custom)?;
        Ok(v)
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Checked<'_> {
    type Value = toml::Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<toml::Value, D::Error> {
        // The check runs inside the value's own visit, so the error carries its position.
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Checked<'_> {
    type Value = toml::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a value for `{}`", self.key)
    }
    fn visit_bool<E: serde::de::Error>(self, x: bool) -> Result<toml::Value, E> {
        self.done(toml::Value::Boolean(x))
    }
    fn visit_i64<E: serde::de::Error>(self, x: i64) -> Result<toml::Value, E> {
        self.done(toml::Value::Integer(x))
    }
    fn visit_u64<E: serde::de::Error>(self, x: u64) -> Result<toml::Value, E> {
        match i64::try_from(x) {
            Ok(x) => self.done(toml::Value::Integer(x)),
            Err(_) => Err(E::custom(format!("{x} is too large"))),
        }
    }
    fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<toml::Value, E> {
        self.done(toml::Value::Float(x))
    }
    fn visit_str<E: serde::de::Error>(self, x: &str) -> Result<toml::Value, E> {
        self.done(toml::Value::String(x.to_string()))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<toml::Value, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = a.next_element::<toml::Value>()? {
            v.push(x);
        }
        self.done(toml::Value::Array(v))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<toml::Value, A::Error> {
        let mut t = toml::Table::new();
        while let Some((k, x)) = a.next_entry::<String, toml::Value>()? {
            t.insert(k, x);
        }
        self.done(toml::Value::Table(t))
    }
}

/// Reads one key of a `[policy]` table and refuses a key the policy's kind (when known)
/// does not have, so that the error points at the key.
struct Key<'a> {
    kind: Option<&'a str>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Key<'_> {
    type Value = String;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Key<'_> {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a parameter name")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<String, E> {
        if key == "kind" {
            return Ok(key.to_string());
        }
        let has = |b: &BuiltIn| b.params.iter().any(|(k, _)| *k == key);
        match self
            .kind
            .and_then(|k| builtins().into_iter().find(|b| b.kind == k))
        {
            Some(b) if !has(&b) => {
                let names: Vec<String> = b.params.iter().map(|(k, _)| format!("`{k}`")).collect();
                Err(E::custom(format!(
                    "unknown field `{key}` of a {} policy, expected one of {}",
                    b.kind,
                    names.join(", ")
                )))
            }
            // The kind is not read yet (keys may come in any order): a key no policy has.
            None if !builtins().iter().any(has) => Err(E::custom(format!(
                "unknown field `{key}`: no built-in policy has it (`triad policies` lists their keys)"
            ))),
            _ => Ok(key.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for PolicyConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Table;
        impl<'de> serde::de::Visitor<'de> for Table {
            type Value = PolicyConfig;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a policy table with a `kind` (see `triad policies`)")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<PolicyConfig, A::Error> {
                use serde::de::Error;
                let mut t = toml::Table::new();
                while let Some(key) = map.next_key_seed(Key {
                    kind: t.get("kind").and_then(|k| k.as_str()),
                })? {
                    let v = map.next_value_seed(Checked {
                        kind: t.get("kind"),
                        key: &key,
                    })?;
                    if t.insert(key.clone(), v).is_some() {
                        return Err(A::Error::custom(format!("duplicate key `{key}`")));
                    }
                }
                if !t.contains_key("kind") {
                    return Err(A::Error::custom(
                        "missing `kind`: name a policy, e.g. kind = \"static\" (`triad policies` lists them)",
                    ));
                }
                read_tagged(t).map_err(A::Error::custom)
            }
        }
        d.deserialize_map(Table)
    }
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig::Static(StaticParams::default())
    }
}

impl PolicyConfig {
    /// Checks the parameters against the tiers; problems are reported at `policy.<key>`.
    pub fn validate(&self, tiers: &[Tier], out: &mut Vec<Issue>) {
        match self {
            PolicyConfig::Static(p) => p.validate(tiers, out),
            PolicyConfig::StruggleAdaptive(p) => p.validate(tiers, out),
            PolicyConfig::DifficultyAdaptive(p) => p.validate(tiers, out),
            PolicyConfig::CorpusAdvice(p) => p.validate(tiers, out),
        }
    }

    /// The policy object (parameters must be valid).
    pub fn build(&self, tiers: &[Tier]) -> Box<dyn Policy> {
        match self {
            PolicyConfig::Static(p) => Box::new(StaticPolicy::new(p.clone(), tiers)),
            PolicyConfig::StruggleAdaptive(p) => Box::new(StruggleAdaptive::new(p, tiers)),
            PolicyConfig::DifficultyAdaptive(p) => Box::new(DifficultyAdaptive::new(p, tiers)),
            PolicyConfig::CorpusAdvice(p) => Box::new(CorpusAdvice::new(p)),
        }
    }

    /// The name of the tier the users run on, if the tiers have it (for `corpus-advice`, the
    /// one it picks from the ladder).
    pub fn user_tier(&self, tiers: &[Tier], traits: &Traits) -> Option<String> {
        let name = match self {
            PolicyConfig::Static(p) => p.tiers.user.clone(),
            PolicyConfig::StruggleAdaptive(p) => p.tiers.user.clone(),
            PolicyConfig::DifficultyAdaptive(p) => p.tiers.user.clone(),
            PolicyConfig::CorpusAdvice(p) => {
                if tiers.is_empty() {
                    return None;
                }
                let (user, _, _) = corpus::choose_tiers(p, tiers, traits);
                tiers.get(user)?.name.clone()
            }
        };
        Some(name)
    }

    /// The `kind` this configuration is written with.
    pub fn kind(&self) -> &'static str {
        match self {
            PolicyConfig::Static(_) => "static",
            PolicyConfig::StruggleAdaptive(_) => "struggle-adaptive",
            PolicyConfig::DifficultyAdaptive(_) => "difficulty-adaptive",
            PolicyConfig::CorpusAdvice(_) => "corpus-advice",
        }
    }
}

/// A built-in policy as `triad policies` lists it.
#[derive(Debug, Clone, Copy)]
pub struct BuiltIn {
    /// Its `kind`.
    pub kind: &'static str,
    /// What it is for, in one line.
    pub summary: &'static str,
    /// Every parameter key with its one-line meaning, in the order they are listed.
    pub params: &'static [(&'static str, &'static str)],
    /// Its configuration with every parameter at its default.
    pub default: fn() -> PolicyConfig,
}

impl BuiltIn {
    /// The default parameters as TOML values, by key (`kind` left out); a parameter whose
    /// default is unset (such as `static`'s `predictor`) is absent.
    pub fn defaults(&self) -> toml::Table {
        let mut t = toml::Table::try_from((self.default)()).unwrap_or_default();
        t.remove("kind");
        t
    }
}

const SHARED: [(&str, &str); 8] = [
    ("tiers", "tier name per role (evolver, user, verifier)"),
    (
        "evolver_pool",
        "extra evolver tiers (a pool); empty = one evolver",
    ),
    (
        "selection",
        "how the answer is picked among chains: first, majority or verifier",
    ),
    ("reasoning_tokens", "verifier reasoning tokens per vote"),
    ("votes", "verifier votes per judged item"),
    (
        "acceptance",
        "anchors an edit must pass, in order: self, verifier, replay, tool",
    ),
    (
        "candidates_per_round",
        "most candidate edits per evolution round",
    ),
    ("samples", "parallel chains per task"),
];

const STATIC_PARAMS: &[(&str, &str)] = &[
    (
        "shares",
        "budget shares per role, summing to 1; the user share may be left out (the rest)",
    ),
    SHARED[0],
    SHARED[1],
    SHARED[7],
    ("revisions", "sequential attempts per chain"),
    SHARED[2],
    SHARED[3],
    SHARED[4],
    SHARED[5],
    SHARED[6],
    (
        "predictor",
        "difficulty estimate bought per task, { noise_sd, tokens } (paid, unused)",
    ),
    (
        "strategy",
        "how a round uses its candidates: independent (all that pass ship), best-of-n (only the best), sequential (one after another)",
    ),
];

const STRUGGLE_PARAMS: &[(&str, &str)] = &[
    (
        "k",
        "evolver share = clip(k * sum w f g / sum w (1 - f), min_share, max_share)",
    ),
    ("min_share", "least evolver share"),
    ("max_share", "most evolver share"),
    (
        "optimistic_gain",
        "gain per edit (fraction of remaining headroom) assumed before any edit of a category is accepted",
    ),
    (
        "shares",
        "shares of the first epoch; then users and verifier split what the evolver leaves in these proportions",
    ),
    SHARED[0],
    SHARED[1],
    SHARED[7],
    ("revisions", "sequential attempts per chain"),
    SHARED[2],
    SHARED[3],
    SHARED[4],
    SHARED[5],
    (
        "candidates_per_round",
        "most candidate edits per round (high: the share sets how much evolution happens)",
    ),
];

const DIFFICULTY_PARAMS: &[(&str, &str)] = &[
    (
        "mean_samples",
        "attempts per task on average (compare with static samples = this)",
    ),
    ("max_samples", "most attempts one task gets"),
    (
        "predictor_noise_sd",
        "sd of the difficulty estimate's error",
    ),
    (
        "predictor_tokens",
        "output tokens the user tier spends per estimate",
    ),
    (
        "parallel_gap",
        "estimated difficulty minus ability above which a task gets parallel chains, not revisions",
    ),
    ("max_revisions", "most revisions per chain when revising"),
    (
        "skip_below",
        "skip a task whose expected success with max_samples is below this (0 = never)",
    ),
    (
        "window",
        "recent tasks over which attempts are handed out greedily",
    ),
    (
        "shares",
        "budget shares per role, summing to 1; the user share may be left out (the rest)",
    ),
    SHARED[0],
    SHARED[1],
    SHARED[2],
    SHARED[3],
    SHARED[4],
    SHARED[5],
    SHARED[6],
];

const CORPUS_PARAMS: &[(&str, &str)] = &[
    (
        "shares",
        "budget shares per role (of the first epoch when adaptive); must sum to 1",
    ),
    ("pool_size", "evolvers in the pool"),
    ("pool_tiers", "distinct cheapest tiers the pool cycles over"),
    ("pool_min_skill", "least skill of a pool tier"),
    (
        "verifier_min_skill",
        "least skill of the verifier (cheapest such tier outside the pool)",
    ),
    ("reasoning_tokens", "verifier reasoning tokens per vote"),
    SHARED[4],
    SHARED[7],
    ("revisions", "sequential attempts per chain"),
    SHARED[2],
    (
        "acceptance",
        "anchors an edit must pass, in order; at least one external",
    ),
    SHARED[6],
    (
        "adaptive",
        "fund evolution by the struggle-adaptive rule (false: fixed shares)",
    ),
    ("k", "the rule's gain, as in struggle-adaptive"),
    ("min_share", "the rule's least evolver share"),
    ("max_share", "the rule's most evolver share"),
    (
        "optimistic_gain",
        "the rule's gain per edit for a category without an accepted edit",
    ),
];

/// The built-in policies, in the order `triad policies` lists them.
pub fn builtins() -> [BuiltIn; 4] {
    [
        BuiltIn {
            kind: "static",
            summary: "fixed shares, tiers, samples and acceptance for the whole run",
            params: STATIC_PARAMS,
            default: || PolicyConfig::Static(StaticParams::default()),
        },
        BuiltIn {
            kind: "struggle-adaptive",
            summary: "funds evolution while users fail where edits can still help, starves it when the harness carries the load",
            params: STRUGGLE_PARAMS,
            default: || PolicyConfig::StruggleAdaptive(StruggleParams::default()),
        },
        BuiltIn {
            kind: "difficulty-adaptive",
            summary: "buys a difficulty estimate per task; more attempts where they add most, revisions on easy tasks, parallel chains on hard ones",
            params: DIFFICULTY_PARAMS,
            default: || PolicyConfig::DifficultyAdaptive(DifficultyParams::default()),
        },
        BuiltIn {
            kind: "corpus-advice",
            summary: "the research notes' advice: cheap diverse evolver pool, external reasoning verifier, users at the benefit peak",
            params: CORPUS_PARAMS,
            default: || PolicyConfig::CorpusAdvice(CorpusParams::default()),
        },
    ]
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
    fn every_parameter_is_listed_once_and_every_default_is_valid() {
        for b in builtins() {
            let keys: Vec<&str> = b.params.iter().map(|(k, _)| *k).collect();
            for (i, k) in keys.iter().enumerate() {
                assert!(!keys[..i].contains(k), "{}: {k} listed twice", b.kind);
            }
            for k in b.defaults().keys() {
                assert!(keys.contains(&k.as_str()), "{}: {k} not listed", b.kind);
            }
            let cfg = (b.default)();
            assert_eq!(cfg.kind(), b.kind);
            let mut issues = Vec::new();
            cfg.validate(&default_ladder(), &mut issues);
            assert!(issues.is_empty(), "{}: {issues:?}", b.kind);
            // Every listed key is a real one: setting it to its default parses.
            let mut t = b.defaults();
            t.insert("kind".into(), toml::Value::String(b.kind.into()));
            let back: PolicyConfig = t.try_into().unwrap();
            assert_eq!(back, cfg);
            // Keys whose default is unset are real keys too.
            for (k, _) in b.params {
                let mut t = toml::Table::new();
                t.insert("kind".into(), toml::Value::String(b.kind.into()));
                t.insert((*k).into(), toml::Value::Boolean(true));
                if let Err(e) = read_tagged(t) {
                    assert!(!e.contains("unknown field"), "{}: {k}: {e}", b.kind);
                }
            }
        }
    }
}
