//! Claim 1, evolver side: the quality of harness edits barely changes with the evolver's
//! tier.

use super::runs::{self, ci, slopes};
use super::{Claim, Criterion, Effort, Figure, Measured, Outcome, margin};
use std::path::Path;

/// Edit quality per evolver tier.
pub(super) struct EditQuality;

/// Evolver tiers compared: the published study's range, from a ~9B model to a frontier one.
pub(super) const TIERS: [&str; 4] = ["8B", "32B", "70B", "frontier"];

impl Claim for EditQuality {
    fn id(&self) -> &'static str {
        "1b"
    }
    fn title(&self) -> &'static str {
        "Edit quality is flat across evolver tiers"
    }
    fn source(&self) -> &'static str {
        "Lin et al., \"Harness Updating Is Not Harness Benefit\", arXiv 2605.30621 (2026)"
    }
    fn published(&self) -> &'static str {
        "a 9B evolver's updates give gains comparable to a frontier evolver's; evolver gain spread <= 3.1 pp per benchmark"
    }
    fn counter(&self) -> &'static str {
        "uninformative failure traces (diagnosis_difficulty 2.5): only strong evolvers diagnose"
    }

    /// Each tier evolves against the same frozen harness (edits are judged but never
    /// deployed), so every tier's candidates meet the same failures. Edit quality is the
    /// mean true effect of its well-formed candidates; the check fits, in each
    /// replication, its slope over tier skill.
    fn check(&self, file: &Path, effort: Effort, seed: u64) -> anyhow::Result<Outcome> {
        let base = runs::load(file)?;
        let mut variants = Vec::new();
        let mut skills = Vec::new();
        for name in TIERS {
            let t = runs::tier(&base, name)?;
            skills.push(base.world.tiers[t].skill);
            let mut c = base.clone();
            c.world.harness.frozen = true;
            runs::static_params(&mut c)?.tiers.evolver = name.to_string();
            variants.push(c);
        }
        let reps = effort.reps(48, 128);
        let out = runs::replicate(&variants, reps, seed)?;
        let gains: Vec<Vec<f64>> = out
            .iter()
            .map(|o| runs::metric(o, "edit_gain_mean"))
            .collect();
        let cis: Vec<_> = gains.iter().map(|g| ci(g)).collect();
        let mean_gain = cis.iter().map(|c| c.mean).sum::<f64>() / cis.len() as f64;
        let span = skills[skills.len() - 1] - skills[0];
        // Change across the tier range, per replication.
        let change: Vec<f64> = slopes(&skills, &gains).iter().map(|s| s * span).collect();
        let change_ci = ci(&change);
        let tol = 0.3 * mean_gain.abs();
        let mut measured: Vec<Measured> = TIERS
            .iter()
            .zip(&cis)
            .map(|(n, c)| Measured::new(format!("edit effect {n}"), *c))
            .collect();
        measured.push(Measured::new(
            format!("fitted change {} -> {}", TIERS[0], TIERS[3]),
            change_ci,
        ));
        let criteria = vec![
            Criterion {
                text: format!(
                    "fitted change from {} to {} has a CI containing 0: {:.3} [{:.3}, {:.3}]",
                    TIERS[0], TIERS[3], change_ci.mean, change_ci.lo, change_ci.hi
                ),
                passed: change_ci.lo <= 0.0 && change_ci.hi >= 0.0,
                margin: Some(margin::least([
                    margin::not_above(&change_ci, 0.0),
                    margin::reaches(&change_ci, 0.0),
                ])),
            },
            Criterion {
                text: format!(
                    "and is measured tightly: CI within +-30% of the mean effect ({:.3})",
                    mean_gain
                ),
                passed: mean_gain > 0.0 && change_ci.lo > -tol && change_ci.hi < tol,
                margin: Some(if mean_gain > 0.0 {
                    margin::least([
                        margin::above(&change_ci, -tol),
                        margin::below(&change_ci, tol),
                    ])
                } else {
                    -1.0
                }),
            },
        ];
        let figure = Figure::Bars {
            title: "Claim 1b: mean true effect of candidate edits by evolver tier".into(),
            x_label: "evolver tier".into(),
            y_label: "true effect per candidate edit (harness quality, skill units)".into(),
            bars: TIERS.iter().map(|s| s.to_string()).zip(cis).collect(),
            bounds: None,
        };
        Ok(Outcome {
            measured,
            criteria,
            figure,
        })
    }
}
