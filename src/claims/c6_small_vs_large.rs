//! Claim 6: at equal cost, a smaller user with more samples beats a larger one on easy and
//! medium tasks and loses on the hardest.

use super::runs::{self, ci, diff};
use super::{Claim, Criterion, Effort, Figure, Measured, Outcome, margin};
use crate::report::plot::PointPanel;
use std::path::Path;

/// Small user with samples against a large user with one.
pub(super) struct SmallVsLarge;

impl Claim for SmallVsLarge {
    fn id(&self) -> &'static str {
        "6"
    }
    fn title(&self) -> &'static str {
        "At equal cost a smaller user with more samples beats a larger one, except on the hardest tasks"
    }
    fn source(&self) -> &'static str {
        "Snell et al., arXiv 2408.03314 (2024); Damani et al., ICLR 2025"
    }
    fn published(&self) -> &'static str {
        "FLOPs-matched, the small model outperforms a 14x larger one where it has non-trivial success; little benefit on the hardest questions"
    }
    fn counter(&self) -> &'static str {
        "a perfect judge (traits.judge_noise = 0): no selection errors, so samples pay off at every difficulty"
    }

    /// The scenario's policy names the small user tier and its samples; the large user is
    /// the stronger tier whose one-sample task costs nearest what the small user's samples
    /// cost, so the two spend alike. Solve rates are compared per difficulty bin.
    fn check(&self, file: &Path, effort: Effort, seed: u64) -> anyhow::Result<Outcome> {
        let base = runs::load(file)?;
        let mut small = base.clone();
        let (small_tier, samples) = {
            let p = runs::static_params(&mut small)?;
            (runs::tier(&base, &p.tiers.user)?, p.samples.max(1))
        };
        // The large tier: the one whose single-sample task cost is nearest the small
        // tier's `samples`-sample cost.
        let cat = &base.world.workload.categories[0];
        let input = cat.prompt_tokens + base.world.harness.base_tokens;
        let task_cost = |t: usize| base.world.tiers[t].cost(input, cat.output_tokens);
        let target = samples as f64 * task_cost(small_tier);
        let large = (0..base.world.tiers.len())
            .filter(|&t| base.world.tiers[t].skill > base.world.tiers[small_tier].skill)
            .min_by(|&a, &b| {
                (task_cost(a) / target)
                    .ln()
                    .abs()
                    .total_cmp(&(task_cost(b) / target).ln().abs())
            })
            .ok_or_else(|| {
                anyhow::anyhow!("the scenario needs a tier stronger than the user tier")
            })?;
        let mut big = base.clone();
        {
            let p = runs::static_params(&mut big)?;
            p.tiers.user = base.world.tiers[large].name.clone();
            p.samples = 1;
        }
        let reps = effort.reps(16, 48);
        let out = runs::replicate(&[small, big], reps, seed)?;
        let bins = base.world.workload.difficulty_bins.len() + 1;
        let (sname, lname) = (
            &base.world.tiers[small_tier].name,
            &base.world.tiers[large].name,
        );
        let mut measured = Vec::new();
        let cost = |o: &[crate::model::RunResult]| -> Vec<f64> {
            let s = runs::metric(o, "spend_user");
            let n = runs::metric(o, "tasks_attempted");
            s.iter().zip(&n).map(|(s, n)| s / n.max(1.0)).collect()
        };
        let (cs, cl) = (ci(&cost(&out[0])), ci(&cost(&out[1])));
        measured.push(Measured::new(
            format!("user cost per task, {sname} x {samples}"),
            cs,
        ));
        measured.push(Measured::new(
            format!("user cost per task, {lname} x 1"),
            cl,
        ));
        let mut diffs = Vec::new();
        let mut rates: Vec<(String, Vec<_>)> = vec![
            (format!("{sname} x {samples} samples"), vec![]),
            (format!("{lname} x 1 sample"), vec![]),
        ];
        for b in 0..bins {
            let col = format!("solve_rate_bin{b}");
            let (s, l) = (runs::metric(&out[0], &col), runs::metric(&out[1], &col));
            let d = diff(&s, &l);
            measured.push(Measured::new(
                format!("bin {b}: {sname} x {samples} - {lname}"),
                d,
            ));
            rates[0].1.push(ci(&s));
            rates[1].1.push(ci(&l));
            diffs.push(d);
        }
        // Bins with tasks in them; the hardest is the last populated one.
        let populated: Vec<usize> = (0..bins)
            .filter(|&b| {
                runs::metric(&out[0], &format!("attempted_bin{b}"))
                    .iter()
                    .all(|&n| n >= 30.0)
            })
            .collect();
        let hardest = *populated.last().unwrap_or(&(bins - 1));
        let easier: Vec<usize> = populated
            .iter()
            .copied()
            .filter(|&b| b != hardest)
            .collect();
        let ratio = cs.mean / cl.mean;
        let mut criteria = vec![Criterion {
            text: format!("equal cost: per-task user spend ratio {ratio:.2} within [0.8, 1.25]"),
            passed: (0.8..=1.25).contains(&ratio),
            margin: Some(margin::within(ratio, 0.8, 1.25)),
        }];
        let ties_or_wins = easier.iter().all(|&b| diffs[b].hi >= 0.0);
        let some_win = easier.iter().any(|&b| diffs[b].lo > 0.0);
        criteria.push(Criterion {
            text: format!(
                "on easier bins {easier:?} the small user ties or wins everywhere and wins somewhere (differences {})",
                easier.iter().map(|&b| format!("{:.3} [{:.3}, {:.3}]", diffs[b].mean, diffs[b].lo, diffs[b].hi)).collect::<Vec<_>>().join(", ")
            ),
            passed: !easier.is_empty() && ties_or_wins && some_win,
            margin: Some(if easier.is_empty() { -1.0 } else { margin::least([margin::least(easier.iter().map(|&b| margin::reaches(&diffs[b], 0.0))), margin::most(easier.iter().map(|&b| margin::above(&diffs[b], 0.0)))]) }),
        });
        criteria.push(Criterion {
            text: format!(
                "on the hardest bin ({hardest}) the large user wins: {:.3}, CI [{:.3}, {:.3}] below 0",
                diffs[hardest].mean, diffs[hardest].lo, diffs[hardest].hi
            ),
            passed: diffs[hardest].hi < 0.0,
            margin: Some(margin::below(&diffs[hardest], 0.0)),
        });
        let figure = Figure::Points {
            title: format!(
                "Claim 6: {sname} x {samples} against {lname} x 1 at equal cost, by task difficulty"
            ),
            x_label: "task difficulty (skill scale)".into(),
            categories: bin_labels(&base.world.workload.difficulty_bins),
            panels: vec![
                PointPanel {
                    title: "solve rate".into(),
                    y_label: "solve rate (share of tasks, 95% CI)".into(),
                    series: rates,
                    bounds: super::RATE,
                    zero_line: false,
                },
                PointPanel {
                    title: format!("paired difference, {sname} x {samples} - {lname}"),
                    y_label: "difference in solve rate (share of tasks)".into(),
                    series: vec![(String::new(), diffs)],
                    bounds: None,
                    zero_line: true,
                },
            ],
        };
        Ok(Outcome {
            measured,
            criteria,
            figure,
        })
    }
}

/// The difficulty bins' names from their boundaries: `below 0.8`, `0.8 to 1.8`,
/// `1.8 and above`.
fn bin_labels(bounds: &[f64]) -> Vec<String> {
    let n = bounds.len();
    (0..=n)
        .map(|b| match (b, n) {
            (_, 0) => "all tasks".to_string(),
            (0, _) => format!("below {}", bounds[0]),
            (b, n) if b == n => format!("{} and above", bounds[n - 1]),
            (b, _) => format!("{} to {}", bounds[b - 1], bounds[b]),
        })
        .collect()
}
