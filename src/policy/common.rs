//! The parameter block every built-in policy shares: budget shares, tiers, compute per task,
//! the verifier and acceptance, and how evolution rounds run. Each policy flattens a
//! [`Common`] into its own parameters (`#[serde(flatten)] common: Common`) and sets its
//! defaults in its own `Default`; [`COMMON_KEYS`] says once what each key means.

use super::check_tier;
use crate::base::Issue;
use crate::model::evolver::{IslandConfig, Strategy};
use crate::model::{Anchor, PerRole, Selection, Tier};
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

/// The keys every built-in policy shares, with their meanings, in the order `triad policies`
/// lists them (after each policy's own keys). A policy that does not read one of them says
/// so in [`Params::SKIPS`](super::Params::SKIPS); one whose reading says more gives it in
/// [`Params::NOTES`](super::Params::NOTES).
pub const COMMON_KEYS: &[(&str, &str)] = &[
    (
        "shares",
        "budget shares per role, summing to 1; the user share may be left out (the rest)",
    ),
    ("tiers", "tier name per role (evolver, user, verifier)"),
    (
        "evolver_pool",
        "extra evolver tiers (a pool); empty = one evolver",
    ),
    ("samples", "parallel chains per task"),
    ("revisions", "sequential attempts per chain"),
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
    (
        "strategy",
        "how a round uses its candidates: independent (all that pass ship), best-of-n (only the best), sequential (one after another), islands (variants evolve across rounds; the best deploys)",
    ),
    (
        "islands",
        "islands strategy: sub-populations of harness variants",
    ),
    (
        "island_size",
        "islands strategy: variants each island keeps",
    ),
    (
        "migrate_every",
        "islands strategy: rounds between migrations to the next island (0 = none)",
    ),
    (
        "emigrants",
        "islands strategy: best variants an island sends when it migrates",
    ),
    (
        "reset_every",
        "islands strategy: rounds between resets of the worst islands (0 = none)",
    ),
    (
        "reset_islands",
        "islands strategy: islands restarted from the best island at each reset",
    ),
    (
        "crossover",
        "islands strategy: guided (each category from the parent scored higher there) or blind (at random)",
    ),
];

/// Most islands of the `islands` strategy.
pub const MAX_ISLANDS: u32 = 64;
/// Most variants one island keeps.
pub const MAX_ISLAND_SIZE: u32 = 256;

/// The parameters every built-in policy shares (their keys and meanings: [`COMMON_KEYS`]).
///
/// There is no `#[serde(default)]` here: a policy's own `Default` decides the value of every
/// key a scenario leaves out, and the `[policy]` reader lays the written keys over it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Common {
    /// Budget shares per role; the user share may be left out (it is then the rest).
    pub shares: Shares,
    /// Tier name per role.
    pub tiers: PerRole<String>,
    /// Extra evolver tiers (a pool); empty = one evolver.
    pub evolver_pool: Vec<String>,
    /// Parallel chains per task.
    pub samples: u32,
    /// Sequential attempts per chain.
    pub revisions: u32,
    /// How the answer is picked among chains.
    pub selection: Selection,
    /// Verifier reasoning tokens per vote.
    pub reasoning_tokens: f64,
    /// Verifier votes per judged item.
    pub votes: u32,
    /// Anchors an edit must pass, in order.
    pub acceptance: Vec<Anchor>,
    /// Most candidate edits per evolution round.
    pub candidates_per_round: u32,
    /// How a round uses its candidates: "independent", "best-of-n", "sequential" or
    /// "islands".
    pub strategy: Strategy,
    /// The island search's shape (its keys sit beside `strategy`; read with "islands").
    #[serde(flatten)]
    pub island: IslandConfig,
}

/// The `static` policy's values, which the other policies start from.
impl Default for Common {
    fn default() -> Self {
        Common {
            shares: Shares::new(0.1, 0.8, 0.1),
            tiers: PerRole {
                evolver: "8B".into(),
                user: "32B".into(),
                verifier: "8B".into(),
            },
            evolver_pool: Vec::new(),
            samples: 1,
            revisions: 1,
            selection: Selection::Verifier,
            reasoning_tokens: 1000.0,
            votes: 1,
            acceptance: vec![Anchor::Verifier],
            candidates_per_round: 32,
            strategy: Strategy::Independent,
            island: IslandConfig::default(),
        }
    }
}

impl Common {
    /// Checks the shared parameters against the tiers; problems at `policy.<key>`.
    pub fn validate(&self, tiers: &[Tier], out: &mut Vec<Issue>) {
        self.shares.validate("policy.shares", out);
        check_tier(tiers, &self.tiers.evolver, "policy.tiers.evolver", out);
        check_tier(tiers, &self.tiers.user, "policy.tiers.user", out);
        check_tier(tiers, &self.tiers.verifier, "policy.tiers.verifier", out);
        for (i, t) in self.evolver_pool.iter().enumerate() {
            check_tier(tiers, t, &format!("policy.evolver_pool.{i}"), out);
        }
        if self.samples == 0 || self.samples > 64 {
            out.push(Issue::new(
                "policy.samples",
                format!("must be between 1 and 64 (got {})", self.samples),
            ));
        }
        if self.revisions == 0 || self.revisions > 64 {
            out.push(Issue::new(
                "policy.revisions",
                format!("must be between 1 and 64 (got {})", self.revisions),
            ));
        }
        if self.votes == 0 || self.votes > 1024 {
            out.push(Issue::new(
                "policy.votes",
                format!("must be between 1 and 1024 (got {})", self.votes),
            ));
        }
        if !self.reasoning_tokens.is_finite() || self.reasoning_tokens < 0.0 {
            out.push(Issue::new(
                "policy.reasoning_tokens",
                format!(
                    "must be a finite number >= 0 (got {})",
                    self.reasoning_tokens
                ),
            ));
        }
        let isl = &self.island;
        let mut count = |key: &str, v: u32, lo: u32, hi: u32| {
            if !(lo..=hi).contains(&v) {
                out.push(Issue::new(
                    format!("policy.{key}"),
                    format!("must be a whole number from {lo} to {hi} (got {v})"),
                ));
            }
        };
        count("islands", isl.islands, 1, MAX_ISLANDS);
        count("island_size", isl.island_size, 1, MAX_ISLAND_SIZE);
        count("migrate_every", isl.migrate_every, 0, 1_000_000);
        count("emigrants", isl.emigrants, 0, isl.island_size.max(1));
        count("reset_every", isl.reset_every, 0, 1_000_000);
        count(
            "reset_islands",
            isl.reset_islands,
            0,
            isl.islands.saturating_sub(1),
        );
        if self.acceptance.is_empty() {
            out.push(Issue::new(
                "policy.acceptance",
                "needs at least one anchor: \"self\", \"verifier\", \"replay\" or \"tool\"",
            ));
        }
    }
}
