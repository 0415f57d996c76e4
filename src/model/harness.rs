//! The harness: per-category quality and a size in tokens, in immutable versions.

use serde::{Deserialize, Serialize};

/// Harness settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HarnessConfig {
    /// Quality of every category's section at the start.
    pub initial_quality: f64,
    /// Tokens of the initial harness; every user call reads the whole harness.
    pub base_tokens: f64,
    /// Tokens each accepted edit adds.
    pub tokens_per_edit: f64,
    /// Hours from acceptance to deployment of a new version.
    pub deploy_delay_hours: f64,
    /// When true, accepted edits are recorded but never deployed: every candidate is
    /// measured against the same harness (an A/B evaluation of evolvers).
    pub frozen: bool,
}

impl Default for HarnessConfig {
    fn default() -> Self {
        HarnessConfig {
            initial_quality: 0.0,
            base_tokens: 2000.0,
            tokens_per_edit: 50.0,
            deploy_delay_hours: 0.25,
            frozen: false,
        }
    }
}

/// One immutable version of the harness.
#[derive(Debug, Clone, PartialEq)]
pub struct Harness {
    /// Version number, from 0.
    pub version: u32,
    /// Quality per category.
    pub quality: Vec<f64>,
    /// Size in tokens, read by every user call.
    pub tokens: f64,
    /// Edits it contains.
    pub edits: u32,
}

impl Harness {
    /// Version 0 for `categories` categories.
    pub fn initial(cfg: &HarnessConfig, categories: usize) -> Harness {
        Harness {
            version: 0,
            quality: vec![cfg.initial_quality; categories],
            tokens: cfg.base_tokens,
            edits: 0,
        }
    }

    /// The next version: `delta` added to category `c`'s quality, bounded by `[-headroom,
    /// headroom]`, and one edit's tokens more.
    pub fn with_edit(&self, cfg: &HarnessConfig, c: usize, delta: f64, headroom: f64) -> Harness {
        let mut quality = self.quality.clone();
        quality[c] = (quality[c] + delta).clamp(-headroom, headroom);
        Harness {
            version: self.version + 1,
            quality,
            tokens: self.tokens + cfg.tokens_per_edit,
            edits: self.edits + 1,
        }
    }

    /// Quality averaged with the given traffic weights.
    pub fn weighted_quality(&self, weights: &[f64]) -> f64 {
        self.quality.iter().zip(weights).map(|(q, w)| q * w).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_new_values_and_bounded() {
        let cfg = HarnessConfig::default();
        let h0 = Harness::initial(&cfg, 2);
        let h1 = h0.with_edit(&cfg, 1, 5.0, 2.0);
        assert_eq!(h0.quality, vec![0.0, 0.0]);
        assert_eq!(h1.quality, vec![0.0, 2.0]);
        assert_eq!(h1.version, 1);
        assert_eq!(h1.tokens, cfg.base_tokens + cfg.tokens_per_edit);
    }
}
