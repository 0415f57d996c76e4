//! The headline: the allocation map. Yield over (evolver share, verifier share) for each
//! (evolver tier, user tier), the best split and tiers, and how far the research notes'
//! own advice (the `corpus-advice` policy) lands from it.

use super::Effort;
use super::runs::{self, ci, diff};
use crate::base::stats::MeanCi;
use crate::policy::{CorpusParams, PolicyConfig, Shares, StaticParams};
use crate::report::plot;
use crate::scenario::Scenario;
use std::fmt::Write as _;
use std::path::Path;

/// Evolver shares of the map.
pub const EVOLVER_SHARES: [f64; 7] = [0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3];
/// Verifier shares of the map.
pub const VERIFIER_SHARES: [f64; 6] = [0.0, 0.01, 0.02, 0.05, 0.1, 0.2];
/// Evolver tiers compared.
pub const EVOLVER_TIERS: [&str; 3] = ["3B", "8B", "32B"];
/// User tiers compared.
pub const USER_TIERS: [&str; 3] = ["8B", "32B", "70B"];

/// The best cell of one tier pair.
#[derive(Debug, Clone)]
pub struct Best {
    /// Evolver tier.
    pub evolver: String,
    /// User tier.
    pub user: String,
    /// Evolver share.
    pub evolver_share: f64,
    /// Verifier share.
    pub verifier_share: f64,
    /// Its yield.
    pub yield_ci: MeanCi,
}

impl Best {
    /// `evolver 8B at 10.0%, verifier 1.0%, users 32B at 89.0%`.
    pub fn split(&self) -> String {
        format!(
            "evolver {} at {:.1}%, verifier {:.1}%, users {} at {:.1}%",
            self.evolver,
            100.0 * self.evolver_share,
            100.0 * self.verifier_share,
            self.user,
            100.0 * (1.0 - self.evolver_share - self.verifier_share)
        )
    }
}

/// What the map found.
#[derive(Debug, Clone)]
pub struct Map {
    /// Best cell per tier pair.
    pub best: Vec<Best>,
    /// Index into `best` of the overall best.
    pub overall: usize,
    /// Yield of the corpus-advice policy.
    pub advice: MeanCi,
    /// Overall best minus corpus-advice, paired.
    pub gap: MeanCi,
    /// Replications per cell.
    pub reps: usize,
}

/// Runs the map on `file`, draws `allocation_map.png` (one heatmap per tier pair) in `out`.
pub fn run(file: &Path, effort: Effort, seed: u64, out: &Path) -> anyhow::Result<Map> {
    let base = runs::load(file)?;
    let Some(sp) = base.policy.params::<StaticParams>() else {
        anyhow::bail!("the allocation map's scenario must use the static policy");
    };
    let (ev_tiers, user_tiers): (&[&str], &[&str]) = match effort {
        Effort::Quick => (&EVOLVER_TIERS[..2], &USER_TIERS[..2]),
        Effort::Full => (&EVOLVER_TIERS, &USER_TIERS),
    };
    let mut variants: Vec<Scenario> = Vec::new();
    let mut keys = Vec::new();
    for &et in ev_tiers {
        for &ut in user_tiers {
            for &e in &EVOLVER_SHARES {
                for &v in &VERIFIER_SHARES {
                    let mut c = base.clone();
                    let mut p: StaticParams = sp.clone();
                    p.common.shares = Shares {
                        evolver: e,
                        user: None,
                        verifier: v,
                    };
                    p.common.tiers.evolver = et.to_string();
                    p.common.tiers.user = ut.to_string();
                    c.policy = PolicyConfig::new(p);
                    variants.push(c);
                    keys.push((et, ut, e, v));
                }
            }
        }
    }
    let mut advice = base.clone();
    advice.policy = PolicyConfig::new(CorpusParams::default());
    variants.push(advice);
    let reps = effort.reps(4, 8);
    let outs = runs::replicate(&variants, reps, seed)?;
    let yields: Vec<Vec<f64>> = outs.iter().map(|o| runs::metric(o, "yield")).collect();
    let per_pair = EVOLVER_SHARES.len() * VERIFIER_SHARES.len();
    let mut best = Vec::new();
    let mut best_index = Vec::new();
    for (pi, chunk) in yields[..yields.len() - 1].chunks(per_pair).enumerate() {
        let i = (0..chunk.len())
            .max_by(|&a, &b| ci(&chunk[a]).mean.total_cmp(&ci(&chunk[b]).mean))
            .unwrap_or(0);
        let (et, ut, e, v) = keys[pi * per_pair + i];
        best.push(Best {
            evolver: et.into(),
            user: ut.into(),
            evolver_share: e,
            verifier_share: v,
            yield_ci: ci(&chunk[i]),
        });
        best_index.push(pi * per_pair + i);
    }
    let overall = (0..best.len())
        .max_by(|&a, &b| best[a].yield_ci.mean.total_cmp(&best[b].yield_ci.mean))
        .unwrap_or(0);
    let advice_y = &yields[yields.len() - 1];
    let gap = diff(&yields[best_index[overall]], advice_y);
    // One panel per tier pair on one colour scale: the best cell outlined in red, the cells
    // whose paired CI of the difference from it includes 0 in orange.
    let best_cell = best_index[overall];
    let nv = VERIFIER_SHARES.len();
    let mut z_range = (f64::INFINITY, f64::NEG_INFINITY);
    let panels: Vec<plot::HeatPanel> = (0..best.len())
        .map(|pi| {
            let start = pi * per_pair;
            let z: Vec<Vec<f64>> = (0..EVOLVER_SHARES.len())
                .map(|ie| {
                    (0..nv)
                        .map(|iv| {
                            let m = ci(&yields[start + ie * nv + iv]).mean;
                            z_range = (z_range.0.min(m), z_range.1.max(m));
                            m
                        })
                        .collect()
                })
                .collect();
            let near = (0..per_pair)
                .filter(|&k| start + k != best_cell)
                .filter(|&k| diff(&yields[best_cell], &yields[start + k]).lo <= 0.0)
                .map(|k| (k / nv, k % nv))
                .collect();
            let (et, ut, _, _) = keys[start];
            plot::HeatPanel {
                title: format!("evolver {et} / user {ut}"),
                z,
                best: (pi == overall).then(|| {
                    let k = best_cell - start;
                    (k / nv, k % nv)
                }),
                near,
            }
        })
        .collect();
    plot::heatmap_panels(
        &out.join("allocation_map"),
        "Allocation map: yield (value of tasks solved) per tier pair, mean over replications",
        "evolver share of the budget",
        "verifier share of the budget",
        "yield (value of tasks solved)",
        &EVOLVER_SHARES
            .iter()
            .map(|x| format!("{x}"))
            .collect::<Vec<_>>(),
        &VERIFIER_SHARES
            .iter()
            .map(|x| format!("{x}"))
            .collect::<Vec<_>>(),
        &panels,
        z_range,
    )?;
    Ok(Map {
        best,
        overall,
        advice: ci(advice_y),
        gap,
        reps,
    })
}

/// The map as a markdown section.
pub fn markdown(m: &Map, file: &Path) -> String {
    let mut s = String::new();
    let b = &m.best[m.overall];
    let _ = writeln!(s, "\n## The allocation map\n");
    let _ = writeln!(
        s,
        "Yield over evolver share x verifier share (users get the rest) for each evolver and user \
         tier, on `{}`, {} replications per cell with common random numbers. The best split is \
         **{}**: yield {:.0} [{:.0}, {:.0}]. The best cell is chosen by its mean, so its interval \
         is optimistic (the winner's curse).\n",
        file.display(),
        m.reps,
        b.split(),
        b.yield_ci.mean,
        b.yield_ci.lo,
        b.yield_ci.hi
    );
    let _ = writeln!(s, "![allocation map](allocation_map.png)\n");
    let _ = writeln!(
        s,
        "| evolver tier | user tier | best evolver share | best verifier share | yield | 95% CI |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for x in &m.best {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:.0} | [{:.0}, {:.0}] |",
            x.evolver,
            x.user,
            x.evolver_share,
            x.verifier_share,
            x.yield_ci.mean,
            x.yield_ci.lo,
            x.yield_ci.hi
        );
    }
    let _ = writeln!(
        s,
        "\nThe research notes' own advice (`corpus-advice`: a pool of cheap evolvers, a 32B verifier \
         with reasoning, users at the tier where the harness helps most) yields {:.0} [{:.0}, {:.0}]; \
         the best split beats it by {:.0} [{:.0}, {:.0}] ({:+.1}%).",
        m.advice.mean,
        m.advice.lo,
        m.advice.hi,
        m.gap.mean,
        m.gap.lo,
        m.gap.hi,
        100.0 * m.gap.mean / m.advice.mean
    );
    s
}
