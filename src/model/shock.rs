//! Shocks: scheduled changes of the world's conditions during a run (a provider raises its
//! prices, a tier goes down, the budget is cut, traffic bursts). Stress tests are built
//! from them.

use serde::{Deserialize, Serialize};

/// What a shock changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShockKind {
    /// What is left of the budget is multiplied by `factor` (in [0, 1]) at `at_hour`.
    BudgetCut,
    /// The tier's prices are multiplied by `factor`.
    Price,
    /// The tier's concurrency is multiplied by `factor` (0 = an outage: calls wait until it
    /// ends).
    Capacity,
    /// The tier's call times are multiplied by `factor`.
    Latency,
    /// The task arrival rate is multiplied by `factor`.
    Arrivals,
}

/// One shock: a kind, a window and a factor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shock {
    /// What it changes.
    pub kind: ShockKind,
    /// When it starts, hours from the start of the run.
    pub at_hour: f64,
    /// When it ends (default: the end of the run; ignored for budget cuts, which are final).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_hour: Option<f64>,
    /// The tier it hits (for price, capacity and latency shocks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// The multiplier.
    pub factor: f64,
}

impl ShockKind {
    /// Whether the shock hits one tier.
    pub fn needs_tier(self) -> bool {
        matches!(
            self,
            ShockKind::Price | ShockKind::Capacity | ShockKind::Latency
        )
    }
}

/// The multipliers in force while some shocks are active: the product of the factors of
/// the active shocks of each kind (and tier).
#[derive(Debug, Clone, PartialEq)]
pub struct Conditions {
    /// Price multiplier per tier.
    pub price: Vec<f64>,
    /// Concurrency multiplier per tier.
    pub capacity: Vec<f64>,
    /// Call-time multiplier per tier.
    pub latency: Vec<f64>,
    /// Arrival-rate multiplier.
    pub arrivals: f64,
}

impl Conditions {
    /// The conditions with the shocks flagged in `active` (tier indices resolved in
    /// `tiers`).
    pub fn from_active(
        shocks: &[Shock],
        active: &[bool],
        tier_index: impl Fn(&str) -> Option<usize>,
        tiers: usize,
    ) -> Conditions {
        let mut c = Conditions {
            price: vec![1.0; tiers],
            capacity: vec![1.0; tiers],
            latency: vec![1.0; tiers],
            arrivals: 1.0,
        };
        for (s, _) in shocks.iter().zip(active).filter(|(_, a)| **a) {
            let t = s.tier.as_deref().and_then(&tier_index);
            match (s.kind, t) {
                (ShockKind::Price, Some(t)) => c.price[t] *= s.factor,
                (ShockKind::Capacity, Some(t)) => c.capacity[t] *= s.factor,
                (ShockKind::Latency, Some(t)) => c.latency[t] *= s.factor,
                (ShockKind::Arrivals, _) => c.arrivals *= s.factor,
                _ => {}
            }
        }
        c
    }
}
