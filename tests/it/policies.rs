//! The built-in policies: every one keeps the budget, struggle-adaptive follows user
//! struggle through a regime shift, difficulty-adaptive gives hard tasks more attempts at the
//! compute of a uniform split, and bad policy tables are refused with located errors.

use proptest::prelude::*;
use triad::model::{
    self, Anchor, Ledger, PerRole, Plan, Policy, Selection, TaskPlan, TaskView, View, WorldConfig,
    default_ladder,
};
use triad::policy::difficulty::{SuccessModel, attempts_at_price, price_for};
use triad::policy::{
    Common, CorpusParams, DifficultyAdaptive, DifficultyParams, PolicyConfig, REGISTRY, Shares,
    StaticParams, StruggleParams, StruggleRule,
};
use triad::scenario::{self, Scenario, Source};

/// A small, quick world: `hours` of `rate` tasks per hour and `budget` dollars.
fn small_world(hours: f64, rate: f64, budget: f64, epoch: f64, policy: PolicyConfig) -> Scenario {
    let mut cfg = Scenario {
        world: WorldConfig {
            name: "small".into(),
            horizon_hours: hours,
            sample_every_hours: 6.0,
            epoch_hours: epoch,
            budget,
            ..WorldConfig::default()
        },
        policy,
        stress: None,
    };
    cfg.world.workload.arrival_per_hour = rate;
    cfg
}

fn shares() -> impl Strategy<Value = Shares> {
    (0.0..1.0f64, 0.01..1.0f64, 0.0..1.0f64).prop_map(|(e, u, v)| {
        let s = e + u + v;
        let (evolver, user) = (e / s, u / s);
        Shares::new(evolver, user, 1.0 - evolver - user)
    })
}

fn tier() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["0.5B", "3B", "8B", "32B", "70B", "frontier"]).prop_map(String::from)
}

fn tiers() -> impl Strategy<Value = PerRole<String>> {
    (tier(), tier(), tier()).prop_map(|(evolver, user, verifier)| PerRole {
        evolver,
        user,
        verifier,
    })
}

fn selection() -> impl Strategy<Value = Selection> {
    prop::sample::select(vec![
        Selection::First,
        Selection::Majority,
        Selection::Verifier,
    ])
}

fn acceptance() -> impl Strategy<Value = Vec<Anchor>> {
    prop::sample::subsequence(
        vec![
            Anchor::SelfJudge,
            Anchor::Verifier,
            Anchor::Replay,
            Anchor::Tool,
        ],
        1..=3,
    )
}

fn static_params() -> impl Strategy<Value = StaticParams> {
    (
        shares(),
        tiers(),
        prop::collection::vec(tier(), 0..3),
        1..5u32,
        1..4u32,
        selection(),
        acceptance(),
        1..64u32,
    )
        .prop_map(
            |(shares, tiers, evolver_pool, samples, revisions, selection, acceptance, cands)| {
                StaticParams {
                    common: Common {
                        shares,
                        tiers,
                        evolver_pool,
                        samples,
                        revisions,
                        selection,
                        acceptance,
                        candidates_per_round: cands,
                        ..Common::default()
                    },
                    ..StaticParams::default()
                }
            },
        )
}

fn policy() -> impl Strategy<Value = PolicyConfig> {
    prop_oneof![
        static_params().prop_map(PolicyConfig::new),
        (
            static_params(),
            0.0..5.0f64,
            0.0..0.3f64,
            0.0..0.7f64,
            0.0..1.0f64
        )
            .prop_map(|(b, k, lo, span, opt)| PolicyConfig::new(StruggleParams {
                rule: StruggleRule {
                    k,
                    min_share: lo,
                    max_share: lo + span,
                    optimistic_gain: opt,
                    ..StruggleRule::default()
                },
                common: Common {
                    candidates_per_round: b.common.candidates_per_round * 8,
                    ..b.common
                },
            })),
        (
            static_params(),
            (1.0..4.0f64, 0..5u32, 0.0..2.0f64, 0.0..500.0f64),
            (0.0..3.0f64, 1..5u32, 0.0..0.5f64, 16..128u32),
        )
            .prop_map(
                |(b, (mean, more, noise, tokens), (slope, revs, skip, window))| {
                    PolicyConfig::new(DifficultyParams {
                        mean_samples: mean,
                        max_samples: mean.ceil() as u32 + more,
                        predictor_noise_sd: noise,
                        predictor_tokens: tokens,
                        prior_slope: slope,
                        max_revisions: revs,
                        skip_below: skip,
                        window,
                        common: Common {
                            shares: b.common.shares,
                            tiers: b.common.tiers,
                            selection: b.common.selection,
                            acceptance: b.common.acceptance,
                            ..Common::default()
                        },
                        ..DifficultyParams::default()
                    })
                }
            ),
        (
            shares(),
            1..9u32,
            1..4u32,
            -2.0..2.0f64,
            -1.0..4.0f64,
            any::<bool>(),
            0.0..3.0f64
        )
            .prop_map(|(shares, pool_size, pool_tiers, pmin, vmin, adaptive, k)| {
                let d = CorpusParams::default();
                PolicyConfig::new(CorpusParams {
                    pool_size,
                    pool_tiers,
                    pool_min_skill: pmin,
                    verifier_min_skill: vmin,
                    adaptive,
                    rule: StruggleRule { k, ..d.rule },
                    common: Common { shares, ..d.common },
                })
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any valid parameters of any built-in policy keep total spend within the budget. In a
    /// debug build the world also asserts it after every event.
    #[test]
    fn every_policy_keeps_the_budget(
        policy in policy(),
        hours in 24.0..96.0f64,
        rate in 2.0..30.0f64,
        budget in 0.01..3.0f64,
        epoch in 1.0..12.0f64,
        seed in any::<u64>(),
    ) {
        let cfg = small_world(hours, rate, budget, epoch, policy);
        let issues = cfg.validate();
        prop_assert!(issues.is_empty(), "generated parameters are invalid: {issues:?}");
        let r = cfg.run(seed).unwrap();
        let spent: f64 = r.metrics.spend.total();
        prop_assert!(spent <= budget * (1.0 + 1e-9), "{} spent {spent} of {budget}", cfg.policy.kind());
        for w in r.series.rows.windows(2) {
            for (a, b) in w[0][4..7].iter().zip(&w[1][4..7]) {
                prop_assert!(b >= a, "spend went down");
            }
        }
    }
}

/// Mean of `evolver_share` over rows with `from <= hour < to`.
fn mean_share(r: &model::RunResult, from: f64, to: f64) -> f64 {
    let xs: Vec<f64> = r
        .series
        .rows
        .iter()
        .filter(|row| row[0] >= from && row[0] < to)
        .map(|row| row[10])
        .collect();
    assert!(!xs.is_empty(), "no rows in [{from}, {to})");
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn max_share(r: &model::RunResult, from: f64, to: f64) -> f64 {
    r.series
        .rows
        .iter()
        .filter(|row| row[0] >= from && row[0] < to)
        .map(|row| row[10])
        .fold(0.0, f64::max)
}

const SHIFT: &str = r#"
name = "shift"
horizon_hours = 144.0
sample_every_hours = 6.0
epoch_hours = 3.0
budget = 6.0

[workload]
arrival_per_hour = 60.0

[[workload.category]]
name = "old"
difficulty = 1.0

[[workload.category]]
name = "new"
weight = 0.0
difficulty = 2.4
headroom = 2.5

[[regime]]
at_hour = 48.0
weights = { new = 2.0 }

[policy]
kind = "struggle-adaptive"
"#;

#[test]
fn struggle_adaptive_funds_evolution_after_a_regime_shift_and_withdraws_it_after() {
    let cfg = scenario::parse(&Source::from_text("shift.toml", SHIFT)).unwrap();
    let r = cfg.run(7).unwrap();
    let before = mean_share(&r, 24.0, 48.0);
    let peak = max_share(&r, 48.0, 66.0);
    // The last hours are left out: there the evolver's share of what is left is paced over
    // few remaining rounds and the budget's unspent rest flows to it.
    let after = mean_share(&r, 78.0, 126.0);
    assert!(peak > 2.0 * before, "no rise: before {before}, peak {peak}");
    // Withdrawal is judged over four runs (seeds 7 to 10), not one: in the calibrated world
    // the later share is 0.16 to 0.40 of the peak at seeds 1 to 6 and 8, and 0.50 at seed 7,
    // where late epochs of failures on the new regime's hardest tasks keep funding it.
    let ratios: Vec<f64> = (7..11)
        .map(|seed| {
            let r = cfg.run(seed).unwrap();
            mean_share(&r, 78.0, 126.0) / max_share(&r, 48.0, 66.0)
        })
        .collect();
    let mean_ratio = ratios.iter().sum::<f64>() / ratios.len() as f64;
    assert!(
        mean_ratio < 0.5,
        "no recovery: later share / peak {ratios:?} (seed 7: peak {peak}, later {after})"
    );
    // The rise follows the shift: the same world without it keeps the share low.
    let mut calm = cfg.clone();
    calm.world.regimes.clear();
    let c = calm.run(7).unwrap();
    assert!(max_share(&c, 48.0, 66.0) < 0.5 * peak);
    // A static policy does not react at all.
    let mut stat = cfg.clone();
    stat.policy = PolicyConfig::default();
    let s = stat.run(7).unwrap();
    assert!(max_share(&s, 48.0, 66.0) < 1.5 * mean_share(&s, 24.0, 48.0) + 0.01);
}

fn view<'a>(ledger: &'a Ledger, tiers: &'a [model::Tier]) -> View<'a> {
    View {
        now: 1.0,
        horizon: 100.0,
        ledger,
        traffic: &[1.0],
        failure_rate: &[0.5],
        deployed: &[0],
        recent: (0, 0),
        tiers,
    }
}

#[test]
fn predicted_hard_tasks_get_more_attempts_than_easy_ones_at_a_price() {
    // Before any outcome: the prior of independent attempts around the user's rating 1.6.
    let m = SuccessModel::new(16, 4, 1.6, 1.0, 1.0, 2000.0);
    let mut row = [0.0; 15];
    let mut attempts = |estimate: f64| {
        m.extra_values(estimate, &mut row);
        assert!(row.windows(2).all(|w| w[1] <= w[0] + 1e-12));
        attempts_at_price(&row, 0.02)
    };
    let (easy, medium, hard) = (attempts(-3.0), attempts(2.0), attempts(3.5));
    assert!(hard > easy && medium > easy, "{easy} {medium} {hard}");
    assert_eq!(easy, 1);
    // Out of reach: nothing is worth buying.
    assert_eq!(attempts(12.0), 1);
    // The price hands out the budget: two extra attempts among these five go to the best.
    let mut all = vec![0.3, 0.01, 0.2, 0.05, 0.1];
    assert_eq!(price_for(&mut all, 2), 0.2);
}

#[test]
fn difficulty_adaptive_matches_the_uniform_budget_and_favours_hard_tasks() {
    let tiers = default_ladder();
    let ledger = Ledger::new(
        1.0,
        PerRole {
            evolver: 0.0,
            user: 1.0,
            verifier: 0.0,
        },
        tiers.len(),
    );
    let v = view(&ledger, &tiers);
    let p = DifficultyParams {
        mean_samples: 3.0,
        max_samples: 12,
        window: 256,
        ..DifficultyParams::default()
    };
    let mut policy = DifficultyAdaptive::new(&p, &tiers);
    let _: Plan = policy.start(&v);
    let mut streams = triad::engine::Streams::new(3).stream(1);
    let mut by_estimate: Vec<(f64, u32)> = Vec::new();
    for _ in 0..4000 {
        let d = 1.6 + 1.2 * streams.std_normal();
        let tp: TaskPlan = policy.task(
            &TaskView {
                category: 0,
                value: 1.0,
                difficulty_estimate: Some(d),
            },
            &v,
        );
        assert!(!tp.skip && tp.chains >= 1 && tp.revisions >= 1);
        assert!(tp.chains * tp.revisions <= p.max_samples);
        by_estimate.push((d, tp.chains * tp.revisions));
    }
    let settled = &by_estimate[1000..];
    let mean = settled.iter().map(|x| x.1 as f64).sum::<f64>() / settled.len() as f64;
    // Revisions round down when split into chains, so the mean may fall a little short.
    assert!((2.6..=3.2).contains(&mean), "mean attempts {mean}");
    let avg = |lo: f64, hi: f64| {
        let xs: Vec<f64> = settled
            .iter()
            .filter(|x| x.0 >= lo && x.0 < hi)
            .map(|x| x.1 as f64)
            .collect();
        xs.iter().sum::<f64>() / xs.len() as f64
    };
    let (easy, hard) = (avg(-9.0, 0.8), avg(1.8, 2.8));
    assert!(hard > easy + 1.0, "easy {easy}, hard {hard}");
}

/// Wraps a policy and records (estimate, attempts) of every task it plans.
struct Recorder {
    inner: Box<dyn Policy>,
    log: std::sync::Arc<std::sync::Mutex<Vec<(f64, u32)>>>,
}

impl Policy for Recorder {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn start(&mut self, view: &View<'_>) -> Plan {
        self.inner.start(view)
    }
    fn epoch(&mut self, view: &View<'_>) -> Option<PerRole<f64>> {
        self.inner.epoch(view)
    }
    fn task(&mut self, task: &TaskView, view: &View<'_>) -> TaskPlan {
        let tp = self.inner.task(task, view);
        if let (Some(d), false) = (task.difficulty_estimate, tp.skip) {
            self.log.lock().unwrap().push((d, tp.chains * tp.revisions));
        }
        tp
    }
    fn outcome(&mut self, outcome: &model::Outcome, view: &View<'_>) {
        self.inner.outcome(outcome, view)
    }
}

#[test]
fn difficulty_adaptive_in_a_run_spends_more_on_predicted_hard_tasks() {
    let p = DifficultyParams {
        mean_samples: 2.0,
        ..DifficultyParams::default()
    };
    let mut cfg = small_world(72.0, 30.0, 50.0, 6.0, PolicyConfig::new(p));
    cfg.world.workload.categories.truncate(1);
    // Tasks around the 32B user's level: easy ones, and hard ones that more attempts win.
    cfg.world.workload.categories[0].difficulty = 1.6;
    cfg.world.workload.categories[0].difficulty_sd = 1.2;
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let rec = Recorder {
        inner: cfg.policy.build(&cfg.world.tiers),
        log: log.clone(),
    };
    let r = model::run(&cfg.world, Box::new(rec), 5).unwrap();
    assert_eq!(
        r.metrics.tasks_unserved, 0,
        "the budget should not bind here"
    );
    let log = log.lock().unwrap();
    let n = log.len() as f64;
    let mean = log.iter().map(|x| x.1 as f64).sum::<f64>() / n;
    // The policy's learned values fall as outcomes correct its optimistic prior, so a price
    // set on the window's older values hands out too few (1.2-1.3 here without the
    // account); the account carries the shortfall into the next prices. What it still
    // holds at the end is of the order of a pricing interval's allotment (window / 4 tasks
    // x 1 extra attempt): allow three.
    let slack = 3.0 * (DifficultyParams::default().window / 4) as f64 * (2.0 - 1.0) / n;
    assert!(
        (mean - 2.0).abs() <= slack,
        "mean attempts {mean} +- {slack}"
    );
    let user = cfg.world.tiers[3].skill;
    let avg = |lo: f64, hi: f64| {
        let xs: Vec<f64> = log
            .iter()
            .filter(|x| x.0 - user >= lo && x.0 - user < hi)
            .map(|x| x.1 as f64)
            .collect();
        assert!(xs.len() > 20, "too few tasks in [{lo}, {hi})");
        xs.iter().sum::<f64>() / xs.len() as f64
    };
    assert!(avg(0.0, 1.5) > avg(-9.0, -1.0) + 0.5);
    // The uniform policy at the same mean: the same tasks, about the same user spend.
    let uni = small_world(
        72.0,
        30.0,
        50.0,
        6.0,
        PolicyConfig::new(StaticParams {
            common: Common {
                samples: 2,
                ..Common::default()
            },
            ..StaticParams::default()
        }),
    );
    let mut uni = uni;
    uni.world.workload.categories = cfg.world.workload.categories.clone();
    let u = uni.run(5).unwrap();
    assert_eq!(u.metrics.tasks_arrived, r.metrics.tasks_arrived);
    let ratio = r.metrics.spend.user / u.metrics.spend.user;
    assert!((0.8..1.35).contains(&ratio), "user spend ratio {ratio}");
}

fn errors(text: &str) -> String {
    scenario::parse(&Source::from_text("p.toml", text))
        .expect_err("should be refused")
        .to_string()
}

#[test]
fn unknown_kinds_and_bad_parameters_are_located() {
    let e = errors("[policy]\nkind = \"greedy-adaptive\"\n");
    assert!(e.starts_with("p.toml:2:8:"), "{e}");
    assert!(
        e.contains("struggle-adaptive") && e.contains("corpus-advice"),
        "{e}"
    );

    let e = errors(
        "[policy]\nkind = \"struggle-adaptive\"\nk = -1.0\nmin_share = 0.5\nmax_share = 0.2\n",
    );
    assert!(
        e.contains("p.toml:3:5: policy.k: must be a finite number >= 0"),
        "{e}"
    );
    assert!(
        e.contains("p.toml:4:13: policy.min_share: must not exceed max_share"),
        "{e}"
    );

    let e = errors(
        "[policy]\nkind = \"difficulty-adaptive\"\nmean_samples = 20.0\nwindow = 3\npredictor_noise_sd = -1.0\n",
    );
    assert!(e.contains("p.toml:3:16: policy.mean_samples"), "{e}");
    assert!(e.contains("p.toml:4:10: policy.window"), "{e}");
    assert!(e.contains("p.toml:5:22: policy.predictor_noise_sd"), "{e}");

    let e = errors("[policy]\nkind = \"corpus-advice\"\npool_size = 0\nacceptance = [\"self\"]\n");
    assert!(e.contains("p.toml:3:13: policy.pool_size"), "{e}");
    assert!(e.contains("p.toml:4:14: policy.acceptance"), "{e}");

    // A key another policy has is still unknown to this one, at the key.
    let e = errors("[policy]\nkind = \"static\"\npool_size = 1\n");
    assert!(
        e.starts_with("p.toml:3:1: unknown field `pool_size` of a static"),
        "{e}"
    );
    let e = errors("[policy]\nkind = \"corpus-advice\"\ntiers = { user = \"8B\" }\n");
    assert!(e.starts_with("p.toml:3:1: unknown field `tiers`"), "{e}");
    // Keys are read in name order: one before `kind` that no policy has is found at the
    // key; one that only another policy has is reported at the table.
    let e = errors("[policy]\nkind = \"static\"\nbogus = 1\n");
    assert!(e.starts_with("p.toml:3:1: unknown field `bogus`"), "{e}");
    let e = errors("[policy]\nkind = \"static\"\nk = 1.0\n");
    assert!(e.starts_with("p.toml:1:1: unknown field `k`"), "{e}");
    // A wrong type is found at its value.
    let e = errors("[policy]\nkind = \"difficulty-adaptive\"\nmax_samples = \"many\"\n");
    assert!(e.starts_with("p.toml:3:15:"), "{e}");
    let e = errors("[policy]\nkind = \"struggle-adaptive\"\nacceptance = \"verifier\"\n");
    assert!(e.starts_with("p.toml:3:14:"), "{e}");
    let e = errors("[policy]\nsamples = 3\n");
    assert!(e.contains("missing `kind`"), "{e}");
    // Keys of the shared block and of the struggle rule, flattened into each policy's
    // parameters, keep their positions too.
    let e = errors("[policy]\nkind = \"corpus-advice\"\nreasoning_tokens = \"lots\"\n");
    assert!(e.starts_with("p.toml:3:20: invalid type"), "{e}");
    let e = errors("[policy]\nkind = \"corpus-advice\"\noptimistic_gain = [1]\n");
    assert!(e.starts_with("p.toml:3:19: invalid type"), "{e}");
    let e = errors("[policy]\nkind = \"difficulty-adaptive\"\nstrategy = \"best\"\n");
    assert!(e.starts_with("p.toml:3:12: unknown variant `best`"), "{e}");
    // A shared key the policy does not read is unknown to it, at the key.
    let e = errors("[policy]\nkind = \"difficulty-adaptive\"\nsamples = 2\n");
    assert!(
        e.starts_with("p.toml:3:1: unknown field `samples` of a difficulty-adaptive"),
        "{e}"
    );
    // Every policy takes `strategy` now, and a key left out keeps the policy's default.
    let cfg = scenario::parse(&Source::from_text(
        "p.toml",
        "[policy]\nkind = \"struggle-adaptive\"\nstrategy = \"best-of-n\"\n",
    ))
    .unwrap();
    let p = cfg.policy.params::<StruggleParams>().unwrap();
    assert_eq!(p.common.strategy, model::evolver::Strategy::BestOfN);
    assert_eq!(p.common.candidates_per_round, 512);
}

#[test]
fn run_accepts_every_built_in_policy_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tiny.toml");
    std::fs::write(
        &file,
        "horizon_hours = 24.0\nbudget = 5.0\n[workload]\narrival_per_hour = 10.0\n",
    )
    .unwrap();
    for b in REGISTRY {
        let args = triad::commands::RunArgs {
            file: file.clone(),
            seed: Some(1),
            out: Some(dir.path().join(b.kind)),
            policy: Some(b.kind.to_string()),
            quiet: true,
            force: false,
            ..Default::default()
        };
        let r = triad::commands::run(&args).unwrap_or_else(|e| panic!("{}: {e:#}", b.kind));
        assert!(r.metrics.tasks_attempted > 0, "{}", b.kind);
        let manifest =
            std::fs::read_to_string(dir.path().join(b.kind).join("manifest.json")).unwrap();
        assert!(
            manifest.contains(&format!("\"kind\": \"{}\"", b.kind)),
            "{}",
            b.kind
        );
    }
    let args = triad::commands::RunArgs {
        file,
        seed: None,
        out: Some(dir.path().join("x")),
        policy: Some("greedy".into()),
        quiet: true,
        force: false,
        ..Default::default()
    };
    let e = format!("{:#}", triad::commands::run(&args).unwrap_err());
    assert!(
        e.contains("--policy greedy") && e.contains("the policies are static"),
        "{e}"
    );
}
