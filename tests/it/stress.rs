//! `triad stress`: a fragile policy ranks last under its tier's outage, regret is zero for
//! each case's best policy, severity 0 changes nothing (same bytes), the stress command
//! writes the same runs as a plain sweep over the same axes, shards merge to the same
//! bytes, and mistakes are located.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use triad::scenario::perturb::{self, Perturbation};
use triad::scenario::{Source, parse};
use triad::stress::{Criterion, analyse, plan};
use triad::sweep::{NoProgress, Simulator, WorldSimulator, run_plan};

const BIN: &str = env!("CARGO_BIN_EXE_triad");

/// Two days at 30 tasks an hour on a budget that does not bind.
// One category of easy tasks, which the small policy's 3B user solves most of (77%, against
// 96% for the fragile policy's 8B user). The small policy must stay clearly above half of
// the fragile one's yield, what the fragile one keeps when its tier is out for the second
// half, in every run: the tail criteria (CVaR 10% of 9 runs is the single worst run) read
// the small policy's worst run too. At difficulty 0.4 the calibrated world's 3B user solved
// half the tasks (717 of 1440) and, with its 3B verifier's noise x4, one run fell to 546,
// below the fragile policy's worst outage run (601): fragile ranked second by CVaR.
const BASE: &str = r#"
name = "tiny"
horizon_hours = 48.0
sample_every_hours = 12.0
budget = 6.0
[workload]
arrival_per_hour = 30.0

[[workload.category]]
name = "support"
difficulty = -0.2
difficulty_sd = 0.6
"#;

/// Balanced, fragile (everything on 8B) and small (everything on 3B): unperturbed, the
/// fragile policy beats the small one; an 8B outage from mid-run leaves it no users.
const FRAGILE: &str = r#"
title = "fragile"
seed = 5
replications = 3
tier = "8B"
perturbations = ["outage", "verifier-noise"]
severities = [0.0, 1.0]
base = "base.toml"

[[policy]]
label = "balanced"
kind = "static"
tiers = { evolver = "8B", user = "32B", verifier = "8B" }

[[policy]]
label = "fragile"
kind = "static"
tiers = { evolver = "8B", user = "8B", verifier = "8B" }

[[policy]]
label = "small"
kind = "static"
tiers = { evolver = "3B", user = "3B", verifier = "3B" }
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn triad(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn ok(args: &[&str]) {
    let o = triad(args);
    assert!(
        o.status.success(),
        "triad {args:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn a_fragile_policy_ranks_last_under_its_tiers_outage_and_regret_is_zero_for_the_best() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "base.toml", BASE);
    let f = write(dir.path(), "fragile.toml", FRAGILE);
    let plan = plan::load(&f).unwrap();
    let results = run_plan(&plan, &WorldSimulator, 2, &NoProgress).unwrap();
    let table = results.table();
    assert!(table.rows.iter().all(|r| r.ok), "{:?}", table.rows[0]);
    let a = analyse(&plan, &table).unwrap();
    let case = |label: &str| a.cases.iter().position(|c| c.label() == label).unwrap();
    let (none, outage) = (case("unperturbed"), case("outage 1"));
    let y = |c: usize, p: usize| a.case_yield[c][p].mean;
    // The test can fail both ways: fragile is not last when nothing goes wrong ...
    assert!(
        y(none, 1) > y(none, 2),
        "fragile {} small {}",
        y(none, 1),
        y(none, 2)
    );
    // ... and last under the outage of its tier.
    assert!(
        y(outage, 1) < y(outage, 0) && y(outage, 1) < y(outage, 2),
        "outage: {:?}",
        (y(outage, 0), y(outage, 1), y(outage, 2))
    );
    assert_eq!(a.rows[1].worst_case, outage);
    assert_eq!(a.rank(Criterion::WorstCase, 1), 3);
    assert_eq!(a.rank(Criterion::Cvar, 1), 3);
    assert_eq!(a.rows[1].max_regret_case, outage);
    // Regret: zero for each case's best policy by construction, never negative on average.
    for (c, regrets) in a.case_regret.iter().enumerate() {
        for (p, r) in regrets.iter().enumerate() {
            if p == a.case_best[c] {
                assert_eq!((r.mean, r.sd), (0.0, 0.0), "case {c}");
            } else {
                assert!(r.mean >= 0.0, "case {c} policy {p}: {r:?}");
            }
        }
    }
}

#[test]
fn severity_zero_leaves_every_run_identical() {
    let cfg = parse(&Source::from_text("base.toml", BASE)).unwrap();
    let plain: toml::Table = toml::from_str(BASE).unwrap();
    let want = WorldSimulator.run(&plain, 9).unwrap();
    let want_cfg = toml::to_string(&cfg.world).unwrap();
    for p in Perturbation::ALL {
        let same = perturb::apply(&cfg.world, &cfg.policy, p, 0.0, None).unwrap();
        assert_eq!(toml::to_string(&same).unwrap(), want_cfg, "{p}");
        let mut t = plain.clone();
        let st: toml::Table = toml::from_str(&format!(
            "perturbation = \"{}\"\nseverity = 0.0\ntier = \"8B\"",
            p.name()
        ))
        .unwrap();
        t.insert("stress".into(), st.into());
        let got = WorldSimulator.run(&t, 9).unwrap();
        // Same metrics and series, bit for bit.
        let bits = |r: &triad::sweep::RunRecord| {
            let m: Vec<u64> = r.metrics.iter().map(|(_, v)| v.to_bits()).collect();
            let s: Vec<Vec<u64>> = r
                .series
                .iter()
                .map(|(_, c)| c.iter().map(|v| v.to_bits()).collect())
                .collect();
            (m, s)
        };
        assert_eq!(bits(&got), bits(&want), "{p}");
        // And a positive severity does change something.
        let st = t.get_mut("stress").and_then(|s| s.as_table_mut()).unwrap();
        st.insert("severity".into(), 1.0.into());
        assert_ne!(WorldSimulator.config(&t).unwrap(), cfg, "{p}");
    }
}

#[test]
fn stress_writes_the_runs_of_a_plain_sweep_and_shards_merge_to_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "base.toml", BASE);
    let f = write(d, "fragile.toml", FRAGILE);
    let one = d.join("one");
    ok(&[
        "stress",
        f.to_str().unwrap(),
        "--out",
        one.to_str().unwrap(),
        "--threads",
        "2",
        "--quiet",
    ]);
    // The same plan as a sweep file: same runs, same bytes (the stress command's shortcut
    // for severity 0 changes nothing).
    write(
        d,
        "base_tier.toml",
        &format!("{BASE}[stress]\ntier = \"8B\"\n"),
    );
    let mut sweep_text = String::from("seed = 5\nreplications = 3\nbase = \"base_tier.toml\"\n");
    sweep_text.push_str(
        "[[axis]]\npath = \"stress.perturbation\"\nvalues = [\"outage\", \"verifier-noise\"]\n\
         [[axis]]\npath = \"stress.severity\"\nvalues = [0.0, 1.0]\n",
    );
    let policies = &FRAGILE[FRAGILE.find("[[policy]]").unwrap()..];
    sweep_text.push_str(policies);
    let s = write(d, "as_sweep.toml", &sweep_text);
    let sw = d.join("sweep");
    ok(&[
        "sweep",
        s.to_str().unwrap(),
        "--out",
        sw.to_str().unwrap(),
        "--threads",
        "1",
        "--quiet",
    ]);
    assert_eq!(read(&one.join("runs.csv")), read(&sw.join("runs.csv")));
    assert_eq!(
        read(&one.join("timeseries.csv")),
        read(&sw.join("timeseries.csv"))
    );

    for name in ["stress_policies.csv", "stress_cases.csv", "report.md"] {
        assert!(one.join(name).exists(), "{name}");
    }
    for stem in ["stress_regret", "stress_yield_by_severity"] {
        assert!(
            one.join("plots").join(format!("{stem}.png")).exists(),
            "{stem}"
        );
    }
    let report = String::from_utf8(read(&one.join("report.md"))).unwrap();
    assert!(report.contains("## The short answer"), "{report}");
    assert!(
        report.contains("fragile breaks most under **outage**"),
        "{report}"
    );
    // Every case's best policy has regret 0 in the CSV too.
    let cases = String::from_utf8(read(&one.join("stress_cases.csv"))).unwrap();
    for line in cases.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[2] == f[7] {
            assert_eq!(f[8], "0.0", "{line}");
        }
    }

    // Shards + merge = one machine, byte for byte (manifest aside); resume is a no-op.
    let (a, b, m) = (d.join("s1"), d.join("s2"), d.join("merged"));
    ok(&[
        "stress",
        f.to_str().unwrap(),
        "--out",
        a.to_str().unwrap(),
        "--shard",
        "1/2",
        "--quiet",
    ]);
    ok(&[
        "stress",
        f.to_str().unwrap(),
        "--out",
        b.to_str().unwrap(),
        "--shard",
        "2/2",
        "--quiet",
    ]);
    ok(&[
        "merge",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        m.to_str().unwrap(),
    ]);
    for name in [
        "runs.csv",
        "timeseries.csv",
        "summary.csv",
        "stress_policies.csv",
        "stress_cases.csv",
        "report.md",
        "plots/stress_regret.png",
        "plots/stress_yield_by_severity.svg",
    ] {
        assert_eq!(read(&one.join(name)), read(&m.join(name)), "{name}");
    }
    ok(&[
        "stress",
        f.to_str().unwrap(),
        "--out",
        one.to_str().unwrap(),
        "--threads",
        "1",
        "--quiet",
    ]);
    assert_eq!(read(&one.join("report.md")), read(&m.join("report.md")));
}

#[test]
fn mistakes_are_located_and_exit_with_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "base.toml", BASE);
    let bad = write(
        d,
        "bad.toml",
        "base = \"base.toml\"\nseverities = [0.0, 1.5]\nperturbations = [\"outage\"]\n",
    );
    let o = triad(&[
        "stress",
        bad.to_str().unwrap(),
        "--out",
        d.join("o").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml:2:20: severities.1"), "{err}");
    let bad = write(
        d,
        "typo.toml",
        "base = \"base.toml\"\nperturbations = [\"meteor\"]\n",
    );
    let o = triad(&["stress", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("typo.toml:2:") && err.contains("meteor"),
        "{err}"
    );
    // A scenario with a mistake is reported in the scenario file.
    let sc = write(d, "scenario.toml", "budget = -1.0\n");
    let o = triad(&["stress", sc.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("scenario.toml:1:10: budget"));
}

#[test]
fn triad_run_replays_one_stress_case_and_refuses_bad_ones() {
    use triad::scenario::{Source, parse};
    let base = "name = \"s\"\nhorizon_hours = 24.0\n[workload]\narrival_per_hour = 30.0\n";
    let plain = parse(&Source::from_text("a.toml", base)).unwrap();
    let shocked = parse(&Source::from_text(
        "b.toml",
        format!("{base}[stress]\nperturbation = \"price-shock\"\nseverity = 1.0\n"),
    ))
    .unwrap();
    assert!(plain.world.shocks.is_empty() && shocked.stress.is_none());
    assert!(
        !shocked.world.shocks.is_empty(),
        "the perturbation was applied"
    );
    let zero = parse(&Source::from_text(
        "c.toml",
        format!("{base}[stress]\nperturbation = \"price-shock\"\nseverity = 0.0\n"),
    ))
    .unwrap();
    assert_eq!(zero, plain);
    let e = parse(&Source::from_text(
        "d.toml",
        format!("{base}[stress]\nperturbation = \"hail\"\nseverity = 1.0\n"),
    ))
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("d.toml:6:16: unknown variant `hail`"), "{e}");
}
