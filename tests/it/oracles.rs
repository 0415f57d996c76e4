//! Policies without oracles: a policy decides from what an operator could measure, so two
//! worlds whose hidden truths differ but whose observable consequences are the same get the
//! same decisions.

use std::path::Path;
use std::sync::{Arc, Mutex};
use triad::model::{self, PerRole, Plan, Policy, TaskPlan, TaskView, View};
use triad::policy::{
    CorpusParams, DifficultyParams, PolicyConfig, StaticParams, StruggleParams, StruggleRule,
};
use triad::scenario::Scenario;

/// Wraps a policy and records every decision it returns, bit for bit.
struct Decisions {
    inner: Box<dyn Policy>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Policy for Decisions {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn start(&mut self, view: &View<'_>) -> Plan {
        let p = self.inner.start(view);
        self.log.lock().unwrap().push(format!("start {p:?}"));
        p
    }
    fn epoch(&mut self, view: &View<'_>) -> Option<PerRole<f64>> {
        let s = self.inner.epoch(view);
        let bits = s.map(|s| (s.evolver.to_bits(), s.user.to_bits(), s.verifier.to_bits()));
        self.log
            .lock()
            .unwrap()
            .push(format!("epoch {bits:?} at {}", view.now));
        s
    }
    fn task(&mut self, task: &TaskView, view: &View<'_>) -> TaskPlan {
        let tp = self.inner.task(task, view);
        self.log.lock().unwrap().push(format!("task {tp:?}"));
        tp
    }
    fn outcome(&mut self, outcome: &model::Outcome, view: &View<'_>) {
        self.inner.outcome(outcome, view)
    }
}

/// A world in which the harness cannot reach the users: their benefit factor is exactly 0
/// (adherence 0 at every tier), so harness quality never changes an outcome, and edits are
/// accepted by replay, whose results then do not depend on an edit's true effect either.
/// `edit_mean` sets the true effects of the edits; nothing an operator sees depends on it.
fn unreachable_harness(policy: PolicyConfig, edit_mean: f64) -> Scenario {
    let mut sc = Scenario {
        world: model::WorldConfig {
            name: "oracle".into(),
            horizon_hours: 72.0,
            sample_every_hours: 6.0,
            epoch_hours: 6.0,
            budget: 30.0,
            ..model::WorldConfig::default()
        },
        policy,
        stress: None,
    };
    let w = &mut sc.world;
    w.workload.arrival_per_hour = 40.0;
    w.traits.adhere_floor = 0.0;
    w.traits.adhere_slope = 100.0;
    w.traits.adhere_mid = -10.0;
    w.evolver.edit_mean = edit_mean;
    w.acceptance.replay_tasks = 20;
    sc
}

fn decisions(sc: &Scenario, seed: u64) -> (Vec<String>, model::RunResult) {
    let issues = sc.validate();
    assert!(issues.is_empty(), "{issues:?}");
    let log = Arc::new(Mutex::new(Vec::new()));
    let rec = Decisions {
        inner: sc.policy.build(&sc.world.tiers),
        log: log.clone(),
    };
    let r = model::run(&sc.world, Box::new(rec), seed).unwrap();
    let log = log.lock().unwrap().clone();
    (log, r)
}

#[test]
fn decisions_do_not_change_when_hidden_edit_effects_do() {
    let with = |mut c: triad::policy::Common| {
        c.acceptance = vec![model::Anchor::Replay];
        c.shares = triad::policy::Shares::new(0.2, 0.7, 0.1);
        c
    };
    let s = StruggleParams::default();
    let d = DifficultyParams::default();
    let policies = [
        PolicyConfig::new(StruggleParams {
            rule: StruggleRule { k: 3.0, ..s.rule },
            common: with(s.common.clone()),
        }),
        PolicyConfig::new(DifficultyParams {
            mean_samples: 2.0,
            common: with(d.common.clone()),
            ..d
        }),
        PolicyConfig::new(CorpusParams {
            common: with(CorpusParams::default().common),
            ..CorpusParams::default()
        }),
        PolicyConfig::new(StaticParams {
            common: with(StaticParams::default().common),
            ..StaticParams::default()
        }),
    ];
    for policy in policies {
        let kind = policy.kind().to_string();
        let (good, a) = decisions(&unreachable_harness(policy.clone(), 0.3), 11);
        let (bad, b) = decisions(&unreachable_harness(policy, -0.3), 11);
        // The hidden truths differ: the edits helped in one world and hurt in the other.
        assert!(
            a.metrics.edits_accepted > 5,
            "{kind}: too few edits to matter"
        );
        assert!(
            a.metrics.quality_final > b.metrics.quality_final + 0.2,
            "{kind}: {} vs {}",
            a.metrics.quality_final,
            b.metrics.quality_final
        );
        // Every decision is the same ...
        assert!(good.len() > 100, "{kind}: {} decisions", good.len());
        let first = good.iter().zip(&bad).position(|(x, y)| x != y);
        assert!(
            first.is_none() && good.len() == bad.len(),
            "{kind}: decision {first:?} differs: {:?} vs {:?}",
            first.map(|i| &good[i]),
            first.map(|i| &bad[i])
        );
        // (The adaptive policies did decide something: their shares moved.)
        let shares: std::collections::BTreeSet<&str> = good
            .iter()
            .filter(|d| d.starts_with("epoch"))
            .filter_map(|d| d.split(" at ").next())
            .collect();
        if kind == "struggle-adaptive" || kind == "corpus-advice" {
            assert!(
                shares.len() > 3,
                "{kind}: {} distinct epoch decisions",
                shares.len()
            );
        }
        // ... and so is what an operator sees.
        assert_eq!(a.metrics.tasks_solved, b.metrics.tasks_solved, "{kind}");
        assert_eq!(a.metrics.edits_accepted, b.metrics.edits_accepted, "{kind}");
        assert_eq!(a.metrics.spend, b.metrics.spend, "{kind}");
    }
}

/// The success of `chains` x `revisions` on a task whose difficulty was estimated at `est`,
/// in a world where difficulty is `N(mu, sd)` and the estimate's error `N(0, noise)`: the
/// truth the policy never reads, by Monte Carlo over the posterior of the difficulty. Returns
/// the rate and its standard error.
#[allow(clippy::too_many_arguments)]
fn true_success(
    at: &model::Attempts,
    traits: &model::Traits,
    judge: &model::Judge,
    ability: f64,
    (mu, sd, noise): (f64, f64, f64),
    (chains, revisions): (u32, u32),
    est: f64,
    draws: u32,
    s: &mut triad::engine::Stream,
) -> (f64, f64) {
    let prec = 1.0 / (sd * sd) + 1.0 / (noise * noise);
    let (m, v) = ((mu / (sd * sd) + est / (noise * noise)) / prec, 1.0 / prec);
    let mut solved = 0u32;
    for _ in 0..draws {
        let d = m + v.sqrt() * s.std_normal();
        let o = at.attempt(
            traits,
            ability,
            d,
            chains,
            revisions,
            model::Selection::Verifier,
            Some(judge),
            s,
        );
        solved += o.solved as u32;
    }
    let p = solved as f64 / draws as f64;
    (p, (p * (1.0 - p) / draws as f64).sqrt())
}

#[test]
fn difficulty_adaptive_learns_the_true_success_curves_from_outcomes() {
    use triad::policy::difficulty::SuccessModel;
    // Claim 5's world: an 8B user (skill 0.8), difficulty N(1.5, 2.5), estimates with error
    // sd 0.5, a 32B verifier picking among chains.
    let at = model::Attempts {
        slope: 3.0,
        ..model::Attempts::default()
    };
    let traits = model::Traits::default();
    let judge = model::Judge {
        skill: 1.6,
        reasoning: 1000.0,
        votes: 1,
    };
    let (skill, world) = (0.8, (1.5, 2.5, 0.5));
    let streams = triad::engine::Streams::new(17);
    let mut draw = streams.stream(1);
    let mut truth = streams.stream(2);
    let points = [-0.5, 0.8, 1.8, 2.8];
    for (k, arm) in [(1, 1), (4, 1), (1, 4), (2, 2)].into_iter().enumerate() {
        let mut m = SuccessModel::new(16, 4, skill, 1.0, 1.0, 1e12);
        let truths: Vec<(f64, f64)> = points
            .iter()
            .map(|&e| true_success(&at, &traits, &judge, skill, world, arm, e, 4000, &mut truth))
            .collect();
        // The prior alone is far from the truth somewhere: there is something to learn.
        let prior_miss = points
            .iter()
            .zip(&truths)
            .map(|(&e, t)| (m.predict(arm.0, arm.1, e).unwrap().0 - t.0).abs())
            .fold(0.0, f64::max);
        assert!(
            prior_miss > 0.1,
            "arm {arm:?}: prior already within {prior_miss}"
        );
        for _ in 0..3000 {
            let d = world.0 + world.1 * draw.std_normal();
            let est = d + world.2 * draw.std_normal();
            let o = at.attempt(
                &traits,
                skill,
                d,
                arm.0,
                arm.1,
                model::Selection::Verifier,
                Some(&judge),
                &mut draw,
            );
            m.observe(arm.0, arm.1, est, o.solved);
        }
        assert_eq!(m.outcomes(arm.0, arm.1), 3000);
        for (&e, &(p, se)) in points.iter().zip(&truths) {
            let (hat, sd) = m.predict(arm.0, arm.1, e).unwrap();
            // Within 3 sd of the model's own uncertainty and the Monte Carlo error.
            let tol = 3.0 * (sd * sd + se * se).sqrt();
            assert!(
                (hat - p).abs() <= tol,
                "arm {k} {arm:?} at estimate {e}: learned {hat:.3} +- {sd:.3}, truth {p:.3} +- {se:.3}"
            );
        }
    }
}

#[test]
fn built_in_policies_name_none_of_the_worlds_hidden_truths() {
    // The attempt model, the harness's quality and headroom, edit effects and a user's
    // ability: what the world computes outcomes from, and no operator sees.
    const HIDDEN: &[&str] = &[
        "Attempts",
        "WorldConfig",
        "approach_sd",
        "revision_step",
        "revision_decay",
        "revision_diagnosis_slope",
        "break_prob",
        "p_success",
        "true_delta",
        "believed_delta",
        "quality",
        "headroom",
        "ability",
        "Landscape",
        "Harness",
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/policy");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        seen += 1;
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let mut words = code.split(|c: char| !(c.is_alphanumeric() || c == '_'));
            if let Some(word) = words.find(|w| HIDDEN.contains(w)) {
                panic!(
                    "{}:{}: a policy reads `{word}`: {line}",
                    path.display(),
                    i + 1
                );
            }
        }
    }
    assert!(seen >= 5, "read {seen} policy files");
}
