//! The world model end to end: determinism, the budget invariant, and mechanisms seen
//! through whole runs.

use proptest::prelude::*;
use triad::model::{self, Anchor, PerRole, Shock, ShockKind, WorldConfig};
use triad::policy::{Common, PolicyConfig, Shares, StaticParams};
use triad::scenario::Scenario;

/// A short, light scenario for debug-mode tests.
fn small(hours: f64, rate: f64) -> Scenario {
    let mut cfg = Scenario {
        world: WorldConfig {
            horizon_hours: hours,
            budget: 20.0,
            ..WorldConfig::default()
        },
        ..Scenario::default()
    };
    cfg.world.workload.arrival_per_hour = rate;
    cfg
}

/// `cfg` under the static policy with its shared parameters changed by `f`.
fn with_policy(mut cfg: Scenario, f: impl FnOnce(&mut Common)) -> Scenario {
    let mut p = StaticParams::default();
    f(&mut p.common);
    cfg.policy = PolicyConfig::new(p);
    cfg
}

#[test]
fn same_seed_same_record_and_series_different_seed_different() {
    let cfg = small(72.0, 60.0);
    let a = cfg.run(7).unwrap();
    let b = cfg.run(7).unwrap();
    let c = cfg.run(8).unwrap();
    assert_eq!(format!("{:?}", a.columns()), format!("{:?}", b.columns()));
    // Compared as text: undefined values are NaN, which never equals itself.
    assert_eq!(format!("{:?}", a.series), format!("{:?}", b.series));
    assert_ne!(a.metrics.tasks_arrived, 0);
    assert_ne!(format!("{:?}", a.columns()), format!("{:?}", c.columns()));
}

#[test]
fn policies_with_one_seed_face_the_same_tasks() {
    // Common random numbers: the task stream does not depend on the policy.
    let cfg = small(48.0, 60.0);
    let a = with_policy(cfg.clone(), |p| p.samples = 1).run(3).unwrap();
    let b = with_policy(cfg, |p| p.samples = 4).run(3).unwrap();
    assert_eq!(a.metrics.tasks_arrived, b.metrics.tasks_arrived);
    assert_eq!(a.metrics.value_arrived, b.metrics.value_arrived);
}

#[test]
fn a_budget_that_runs_out_leaves_tasks_unserved_and_is_never_overdrawn() {
    let mut cfg = small(96.0, 120.0);
    cfg.world.budget = 0.5;
    let r = cfg.run(1).unwrap();
    assert!(r.metrics.tasks_unserved > 0);
    let spent: f64 = r.metrics.spend.total();
    assert!(spent <= cfg.world.budget * (1.0 + 1e-12), "spent {spent}");
    assert!(
        spent > 0.9 * cfg.world.budget * 0.8,
        "the user account should be nearly used up: {spent}"
    );
}

/// Harmful edits accepted and edits judged, summed over seeds.
fn harmful(anchor: Anchor, seeds: u64) -> (u64, u64) {
    let mut cfg = small(240.0, 60.0);
    cfg.world.budget = 40.0;
    cfg.world.evolver.exploit_prob = 0.4;
    // The exploit bias alone, without diversity collapse.
    cfg.world.evolver.narrowing_rate = 0.0;
    let cfg = with_policy(cfg, |p| {
        p.acceptance = vec![anchor];
        p.shares = Shares::new(0.3, 0.4, 0.3);
    });
    (0..seeds).fold((0, 0), |acc, s| {
        let r = cfg.run(s).unwrap();
        (
            acc.0 + r.metrics.edits_harmful,
            acc.1 + r.metrics.edits_judged,
        )
    })
}

#[test]
fn self_acceptance_with_an_exploit_bias_accepts_more_harmful_edits_than_replay() {
    let (h_self, n_self) = harmful(Anchor::SelfJudge, 4);
    let (h_replay, n_replay) = harmful(Anchor::Replay, 4);
    let (p1, p2) = (
        h_self as f64 / n_self as f64,
        h_replay as f64 / n_replay as f64,
    );
    // Two-proportion z test at the 0.1% level.
    let p = (h_self + h_replay) as f64 / (n_self + n_replay) as f64;
    let se = (p * (1.0 - p) * (1.0 / n_self as f64 + 1.0 / n_replay as f64)).sqrt();
    assert!(
        (p1 - p2) / se > 3.1,
        "self {h_self}/{n_self} vs replay {h_replay}/{n_replay}"
    );
}

/// Narrowing is one rule for every loop: an evolver's concentration follows the verdicts
/// on its candidates. A self-judge's taste is its author's ranking, so its verdicts favour
/// the author's top ideas and the exponent rises; an external verifier's taste is its own
/// model's, so its verdicts teach the evolver nothing that narrows it. Paired over seeds, the
/// closed loop ends more concentrated, by a 99.9% bound from the runs; with no taste in
/// judging the difference is gone (its bound reaches 0).
#[test]
fn a_closed_loop_narrows_its_own_distribution_and_anchored_loops_do_not() {
    let diff = |taste: f64| {
        let mut cfg = small(120.0, 60.0);
        cfg.world.evolver.judge_taste = taste;
        let d: Vec<f64> = (0..24u64)
            .map(|seed| {
                let run = |a| {
                    with_policy(cfg.clone(), |p| {
                        p.acceptance = vec![a];
                        // Another model than the evolver's 8B: a verifier of the same model
                        // would share its taste.
                        p.tiers.verifier = "32B".into();
                    })
                    .run(seed)
                    .unwrap()
                    .metrics
                    .evolver_zipf_final
                };
                run(Anchor::SelfJudge) - run(Anchor::Verifier)
            })
            .collect();
        let n = d.len() as f64;
        let mean = d.iter().sum::<f64>() / n;
        let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        (mean, 3.77 * sd / n.sqrt()) // t(0.9995, 23)
    };
    let (m, half) = diff(0.5);
    assert!(m - half > 0.0, "closed - anchored exponent {m} +- {half}");
    let (m0, half0) = diff(0.0);
    assert!(m0 - half0 < 0.0 && m0 < m, "without taste: {m0} +- {half0}");
}

#[test]
fn rate_limits_make_calls_wait_without_losing_them() {
    // One slot on the user tier and calls of about a minute: the tier serves at most ~60
    // tasks an hour while 100 arrive, so a line builds up.
    let mut cfg = small(24.0, 100.0);
    cfg.world.tiers[3].concurrency = 1;
    cfg.world.tiers[3].tokens_per_s = 10.0;
    let call_hours = cfg.world.tiers[3].call_hours(cfg.world.workload.categories[0].output_tokens);
    let capacity = (24.0 / call_hours).floor() as u64;
    let r = cfg.run(2).unwrap();
    assert!(
        r.metrics.tasks_attempted <= capacity,
        "{} > {capacity}",
        r.metrics.tasks_attempted
    );
    let mut fast = cfg.clone();
    fast.world.tiers[3].concurrency = 64;
    let f = fast.run(2).unwrap();
    let paid = f.metrics.tasks_arrived - f.metrics.tasks_unserved;
    assert!(
        f.metrics.tasks_attempted + 5 >= paid,
        "with room, nearly every paid task ends"
    );
    assert!(f.metrics.tasks_attempted > capacity + 100);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The ledger never lets spending pass the budget: the world checks it after every
    /// event in debug builds, and the record must agree at the end.
    #[test]
    fn the_budget_is_never_overdrawn(
        budget in 0.01f64..5.0,
        e in 0.0f64..1.0, u in 0.0f64..1.0, v in 0.0f64..1.0,
        samples in 1u32..6, revisions in 1u32..4, votes in 1u32..4,
        anchor in 0usize..4, user in 0usize..6, ev in 0usize..6, ver in 0usize..6,
        strategy in 0usize..4, seed in 0u64..1000,
    ) {
        use triad::model::evolver::Strategy;
        let tiers = ["0.5B", "3B", "8B", "32B", "70B", "frontier"];
        let sum = (e + u + v).max(1e-9);
        let mut cfg = small(36.0, 40.0);
        cfg.world.budget = budget;
        let cfg = with_policy(cfg, |p| {
            p.shares = Shares { evolver: e / sum, user: None, verifier: v / sum };
            p.samples = samples;
            p.revisions = revisions;
            p.votes = votes;
            p.acceptance = vec![[Anchor::SelfJudge, Anchor::Verifier, Anchor::Replay, Anchor::Tool][anchor]];
            p.tiers = PerRole { evolver: tiers[ev].into(), user: tiers[user].into(), verifier: tiers[ver].into() };
            p.strategy = [Strategy::Independent, Strategy::BestOfN, Strategy::Sequential, Strategy::Islands][strategy];
        });
        prop_assume!(cfg.validate().is_empty());
        let r = cfg.run(seed).unwrap();
        let spent: f64 = r.metrics.spend.total();
        prop_assert!(spent <= budget * (1.0 + 1e-12));
        let by_tier: f64 = r.metrics.spend_by_tier.iter().sum();
        prop_assert!(by_tier <= spent + 1e-9);
    }
}

fn shock(kind: ShockKind, at: f64, until: Option<f64>, tier: Option<&str>, factor: f64) -> Shock {
    Shock {
        kind,
        at_hour: at,
        until_hour: until,
        tier: tier.map(str::to_string),
        factor,
    }
}

#[test]
fn an_outage_of_the_user_tier_stops_work_until_it_ends() {
    let mut cfg = small(48.0, 60.0);
    cfg.world.sample_every_hours = 6.0;
    let mut out = cfg.clone();
    out.world.shocks = vec![shock(
        ShockKind::Capacity,
        12.0,
        Some(36.0),
        Some("32B"),
        0.0,
    )];
    assert!(out.validate().is_empty());
    let (a, b) = (cfg.run(4).unwrap(), out.run(4).unwrap());
    let rows = |r: &model::RunResult, h: f64| {
        r.series
            .rows
            .iter()
            .find(|x| x[0] >= h)
            .map(|x| x[2])
            .unwrap()
    };
    // During the outage nothing finishes; afterwards the waiting calls run.
    assert!(
        rows(&b, 36.0) - rows(&b, 13.0) < 5.0,
        "work went on during the outage"
    );
    assert!(rows(&a, 36.0) - rows(&a, 13.0) > 500.0);
    assert!(b.metrics.tasks_attempted > rows(&b, 36.0) as u64);
    // Tasks that waited longer than their patience were given up and refunded.
    assert!(
        b.metrics.tasks_abandoned > 500,
        "abandoned {}",
        b.metrics.tasks_abandoned
    );
    assert_eq!(a.metrics.tasks_abandoned, 0);
}

#[test]
fn price_shocks_raise_spend_and_budget_cuts_bound_it() {
    let mut cfg = small(48.0, 60.0);
    cfg.world.budget = 1000.0;
    let mut pricey = cfg.clone();
    pricey.world.shocks = vec![shock(ShockKind::Price, 0.0, None, Some("32B"), 3.0)];
    let (a, b) = (cfg.run(5).unwrap(), pricey.run(5).unwrap());
    let ratio = b.metrics.spend.user / a.metrics.spend.user;
    assert!((ratio - 3.0).abs() < 0.05, "user spend ratio {ratio}");
    let mut cut = small(48.0, 60.0);
    cut.world.budget = 1.0;
    cut.world.shocks = vec![shock(ShockKind::BudgetCut, 1.0, None, None, 0.0)];
    let c = cut.run(5).unwrap();
    let by_hour_1 = c
        .series
        .rows
        .iter()
        .filter(|x| x[0] <= 1.0)
        .map(|x| x[4] + x[5] + x[6])
        .fold(0.0, f64::max);
    let spent: f64 = c.metrics.spend.total();
    assert!(c.metrics.tasks_unserved > 0);
    assert!(
        spent < 0.2,
        "after a cut to nothing, spending must stop: {spent} (by hour 1: {by_hour_1})"
    );
}

#[test]
fn bad_shocks_are_located() {
    let src = triad::scenario::Source::from_text(
        "s.toml",
        "[[shock]]\nkind = \"price\"\nat_hour = 5.0\nfactor = -1.0\n[[shock]]\nkind = \"capacity\"\nat_hour = 9.0\nuntil_hour = 3.0\ntier = \"9B\"\nfactor = 0.0\n",
    );
    let e = triad::scenario::parse(&src).unwrap_err().to_string();
    for want in [
        "s.toml:4:10: shock.0.factor: must be > 0",
        "shock.0: this kind of shock needs a `tier`",
        "s.toml:8:14: shock.1.until_hour",
        "s.toml:9:8: shock.1.tier: no tier named \"9B\"",
    ] {
        assert!(e.contains(want), "missing {want:?} in\n{e}");
    }
}

#[test]
fn evolution_strategies_spend_the_same_candidates_and_best_of_n_ships_one_per_round() {
    // Islands included: each of its candidates is one child, written by one evolver call.
    use triad::model::evolver::Strategy;
    let mut cfg = small(72.0, 60.0);
    cfg.world.budget = 200.0;
    let runs: Vec<model::RunResult> = [
        Strategy::Independent,
        Strategy::BestOfN,
        Strategy::Sequential,
        Strategy::Islands,
    ]
    .into_iter()
    .map(|st| {
        let c = with_policy(cfg.clone(), |p| {
            p.strategy = st;
            p.candidates_per_round = 12;
        });
        c.run(9).unwrap()
    })
    .collect();
    let proposed: Vec<u64> = runs.iter().map(|r| r.metrics.edits_proposed).collect();
    assert!(proposed[0] > 0);
    assert!(
        proposed.iter().all(|&p| p == proposed[0]),
        "candidates written: {proposed:?}"
    );
    let rounds = (cfg.world.horizon_hours / cfg.world.epoch_hours) as u64;
    assert!(
        runs[1].metrics.edits_accepted <= rounds,
        "best-of-n shipped {}",
        runs[1].metrics.edits_accepted
    );
    assert!(runs[0].metrics.edits_accepted > runs[1].metrics.edits_accepted);
}

/// The island search in a running world: the same run twice is the same, at most one
/// variant deploys per round, and turning migration off changes the run but not how many
/// candidates it writes.
#[test]
fn island_rounds_are_deterministic_and_deploy_at_most_one_variant_per_round() {
    use triad::model::evolver::Strategy;
    let mut cfg = small(96.0, 60.0);
    cfg.world.budget = 200.0;
    let islands = |f: fn(&mut Common)| {
        with_policy(cfg.clone(), |p| {
            p.strategy = Strategy::Islands;
            p.candidates_per_round = 12;
            f(p);
        })
    };
    let a = islands(|_| {}).run(4).unwrap();
    let b = islands(|_| {}).run(4).unwrap();
    assert_eq!(format!("{:?}", a.columns()), format!("{:?}", b.columns()));
    assert_eq!(format!("{:?}", a.series), format!("{:?}", b.series));
    let rounds = (cfg.world.horizon_hours / cfg.world.epoch_hours) as u64;
    let m = &a.metrics;
    assert!(m.edits_proposed > 0 && m.edits_accepted > 0, "{m:?}");
    assert!(
        m.versions >= 1 && m.versions <= rounds,
        "{} versions",
        m.versions
    );
    let apart = islands(|p| p.island.migrate_every = 0).run(4).unwrap();
    assert_eq!(apart.metrics.edits_proposed, m.edits_proposed);
    assert_ne!(
        format!("{:?}", apart.columns()),
        format!("{:?}", a.columns())
    );
}

/// With exact programmatic checks every score is the true gain, so each variant that
/// deploys is better than the one before it: in a one-category world the harness quality
/// never falls, whatever the crossovers and resets did to the islands.
#[test]
fn with_exact_checks_each_deployed_variant_improves_on_the_last() {
    use triad::model::evolver::Strategy;
    let mut cfg = small(120.0, 60.0);
    cfg.world.budget = 200.0;
    cfg.world.workload.categories.truncate(1);
    cfg.world.workload.categories[0].tool = true;
    let cfg = with_policy(cfg, |p| {
        p.strategy = Strategy::Islands;
        p.acceptance = vec![Anchor::Tool];
        p.candidates_per_round = 12;
    });
    let col = model::SERIES_COLUMNS
        .iter()
        .position(|c| *c == "harness_quality")
        .unwrap();
    for seed in 0..4 {
        let r = cfg.run(seed).unwrap();
        assert!(
            r.metrics.versions >= 2,
            "seed {seed}: {} versions",
            r.metrics.versions
        );
        let q: Vec<f64> = r.series.rows.iter().map(|row| row[col]).collect();
        for w in q.windows(2) {
            assert!(w[1] >= w[0] - 1e-12, "seed {seed}: quality fell: {q:?}");
        }
        assert!(q.last().unwrap() > &q[0], "seed {seed}: {q:?}");
    }
}

/// Coverage counts the tasks some chain got right, picked or not: with one chain it is the
/// solve rate; with eight chains and the first answer picked it is above the solve rate (the
/// other seven chains are never picked), and every covered count bounds the solved one.
#[test]
fn coverage_is_what_a_perfect_checker_would_solve() {
    let run = |samples: u32| {
        with_policy(small(24.0, 60.0), |c| {
            c.samples = samples;
            c.selection = model::Selection::First;
        })
        .run(3)
        .unwrap()
    };
    let one = run(1);
    let m = &one.metrics;
    assert!(m.tasks_attempted > 500, "{}", m.tasks_attempted);
    assert_eq!(m.tasks_covered, m.tasks_solved);
    let eight = run(8);
    let m = &eight.metrics;
    assert!(m.tasks_covered >= m.tasks_solved);
    let (cov, solved) = (
        m.tasks_covered as f64 / m.tasks_attempted as f64,
        m.tasks_solved as f64 / m.tasks_attempted as f64,
    );
    // Each rate is a proportion of the same tasks: the gap must exceed four standard errors.
    let se = (cov * (1.0 - cov) / m.tasks_attempted as f64).sqrt();
    assert!(
        cov - solved > 4.0 * se,
        "coverage {cov} against solve rate {solved}"
    );
}

/// A row of the time series at hour `t` covers `[t - every, t)`: the evolution round that
/// opens at `t` (charged whole when it opens) is counted in the next row. So with rows at
/// every epoch, the first epoch's row shows no evolver spend (no round opens at hour 0, with
/// no failures to read), every later row shows the round that ran during it, and the last
/// row, whose round opened one epoch before the horizon, a share above 0.
#[test]
fn a_row_counts_the_round_that_ran_during_its_interval() {
    let mut cfg = small(48.0, 60.0);
    cfg.world.epoch_hours = 6.0;
    cfg.world.sample_every_hours = 6.0;
    let cfg = with_policy(cfg, |_| {});
    let col = |n: &str| model::SERIES_COLUMNS.iter().position(|c| *c == n).unwrap();
    let (hour, spend, share) = (col("hour"), col("spend_evolver"), col("evolver_share"));
    for seed in 0..3 {
        let r = cfg.run(seed).unwrap();
        let rows = &r.series.rows;
        let hours: Vec<f64> = rows.iter().map(|x| x[hour]).collect();
        assert_eq!(hours, (0..=8).map(|k| 6.0 * k as f64).collect::<Vec<_>>());
        assert_eq!(
            rows[1][spend], 0.0,
            "seed {seed}: the round of hour 6 is in row 12"
        );
        for w in rows[1..].windows(2) {
            assert!(
                w[1][spend] > w[0][spend],
                "seed {seed}: an epoch without a round"
            );
        }
        let last = rows.last().unwrap()[share];
        assert!(last > 0.0, "seed {seed}: last row's evolver share {last}");
    }
}
