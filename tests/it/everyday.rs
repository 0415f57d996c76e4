//! Everyday use: `--set`, `triad run --replications`, spend and unspent budget per role.

use crate::common::files_but_manifest;
use assert_cmd::Command;
use std::path::Path;

fn triad(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("triad")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn expect(code: i32, args: &[&str]) -> String {
    let o = triad(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
    err
}

const SHORT: &str = "name = \"short\"\nhorizon_hours = 24.0\nbudget = 4.0\n\
    [workload]\narrival_per_hour = 30.0\n\
    [policy]\nkind = \"static\"\nshares = { evolver = 0.1, verifier = 0.05 }\n";

/// The same change given with `--set` and written in the file gives the same bytes out:
/// `triad run` and `triad sweep` (whose base takes the change).
#[test]
fn set_equals_the_same_change_in_the_file() {
    let t = tempfile::tempdir().unwrap();
    let plain = t.path().join("plain.toml");
    std::fs::write(&plain, SHORT).unwrap();
    let changed = t.path().join("changed.toml");
    std::fs::write(
        &changed,
        SHORT
            .replace("budget = 4.0", "budget = 2.5")
            .replace("arrival_per_hour = 30.0", "arrival_per_hour = 45.0")
            .replace("evolver = 0.1,", "evolver = 0.2,"),
    )
    .unwrap();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    expect(
        0,
        &[
            "run",
            s(&plain),
            "--out",
            s(&a),
            "--quiet",
            "--set",
            "budget=2.5",
            "--set",
            "workload.arrival_per_hour=45.0",
            "--set",
            "policy.shares.evolver=0.2",
        ],
    );
    expect(0, &["run", s(&changed), "--out", s(&b), "--quiet"]);
    let (fa, fb) = (files_but_manifest(&a), files_but_manifest(&b));
    assert_eq!(fa.len(), 2);
    assert_eq!(fa, fb);
    // The run differs from the unchanged file's: the change took effect.
    let c = t.path().join("c");
    expect(0, &["run", s(&plain), "--out", s(&c), "--quiet"]);
    assert_ne!(files_but_manifest(&c)["run.csv"], fb["run.csv"]);
    let manifest = std::fs::read_to_string(a.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"budget = 2.5\""), "{manifest}");

    let sweep = |base: &Path, out: &Path, set: &[&str]| {
        let f = out.with_extension("toml");
        std::fs::write(
            &f,
            format!(
                "base = {:?}\nreplications = 2\n[[axis]]\npath = \"policy.shares.verifier\"\nvalues = [0.05, 0.1]\n",
                s(base)
            ),
        )
        .unwrap();
        let mut args = vec!["sweep", s(&f), "--out", s(out), "--quiet", "--threads", "2"];
        args.extend_from_slice(set);
        expect(0, &args);
    };
    let (sa, sb) = (t.path().join("sa"), t.path().join("sb"));
    sweep(
        &plain,
        &sa,
        &[
            "--set",
            "budget=2.5",
            "--set",
            "workload.arrival_per_hour=45.0",
            "--set",
            "policy.shares.evolver=0.2",
        ],
    );
    sweep(&changed, &sb, &[]);
    let (fa, fb) = (files_but_manifest(&sa), files_but_manifest(&sb));
    for k in ["runs.csv", "summary.csv", "paired.csv"] {
        assert_eq!(fa.get(k), fb.get(k), "{k}");
    }
}

/// A change inside a policy table the file does not write (`policy.tiers.user` under a
/// `[policy]` without `tiers`) keeps the kind's defaults for the other keys of that table:
/// the same bytes as the file with the whole table written out.
#[test]
fn set_inside_a_default_policy_table_keeps_its_other_keys() {
    let t = tempfile::tempdir().unwrap();
    let plain = t.path().join("plain.toml");
    std::fs::write(&plain, SHORT).unwrap();
    let defaults = triad::policy::BuiltIn::find("static").unwrap().defaults();
    let mut tiers = defaults["tiers"].as_table().unwrap().clone();
    assert_ne!(tiers["user"].as_str(), Some("70B"), "pick another tier");
    tiers.insert("user".into(), toml::Value::String("70B".into()));
    let changed = t.path().join("changed.toml");
    std::fs::write(
        &changed,
        format!("{SHORT}tiers = {}\n", toml::Value::Table(tiers)),
    )
    .unwrap();
    let (a, b, c) = (t.path().join("a"), t.path().join("b"), t.path().join("c"));
    let set = ["--set", "policy.tiers.user=70B"];
    expect(
        0,
        &["run", s(&plain), "--out", s(&a), "--quiet", set[0], set[1]],
    );
    expect(0, &["run", s(&changed), "--out", s(&b), "--quiet"]);
    expect(0, &["run", s(&plain), "--out", s(&c), "--quiet"]);
    let (fa, fb) = (files_but_manifest(&a), files_but_manifest(&b));
    assert_eq!(fa, fb);
    assert_ne!(files_but_manifest(&c)["run.csv"], fb["run.csv"]);
    // A file without [policy] runs the default policy; the change keeps the rest of it.
    let bare = t.path().join("bare.toml");
    let world = SHORT.split("[policy]").next().unwrap();
    std::fs::write(&bare, world).unwrap();
    let written = t.path().join("written.toml");
    std::fs::write(
        &written,
        format!("{world}[policy]\nkind = \"static\"\ntiers = {{ user = \"70B\" }}\n").replace(
            "tiers = { user = \"70B\" }",
            &format!("tiers = {}", toml::Value::Table(tiers_70b(&defaults))),
        ),
    )
    .unwrap();
    let (d, e) = (t.path().join("d"), t.path().join("e"));
    expect(
        0,
        &["run", s(&bare), "--out", s(&d), "--quiet", set[0], set[1]],
    );
    expect(0, &["run", s(&written), "--out", s(&e), "--quiet"]);
    assert_eq!(files_but_manifest(&d), files_but_manifest(&e));
}

fn tiers_70b(defaults: &toml::Table) -> toml::Table {
    let mut tiers = defaults["tiers"].as_table().unwrap().clone();
    tiers.insert("user".into(), toml::Value::String("70B".into()));
    tiers
}

/// A problem of a change is located at its `--set` argument; an unknown path gets the
/// message a bad sweep axis gets; every command that takes `--set` checks it first.
#[test]
fn a_bad_set_is_located_at_its_argument() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("short.toml");
    std::fs::write(&f, SHORT).unwrap();
    let out = t.path().join("o");
    let err = expect(
        2,
        &[
            "run",
            s(&f),
            "--out",
            s(&out),
            "--set",
            "seed=2",
            "--set",
            "budgte=1",
        ],
    );
    let line = err.lines().next().unwrap();
    let msg = line.strip_prefix("--set:2:1: ").expect(line);
    let sweep = t.path().join("sw.toml");
    std::fs::write(
        &sweep,
        format!(
            "base = {:?}\n[[axis]]\npath = \"budgte\"\nvalues = [1]\n",
            s(&f)
        ),
    )
    .unwrap();
    let axis = expect(2, &["sweep", s(&sweep), "--out", s(&out)]);
    let axis_msg = axis
        .lines()
        .next()
        .unwrap()
        .split(": ")
        .skip(1)
        .collect::<Vec<_>>()
        .join(": ");
    assert_eq!(msg, axis_msg);
    assert!(!out.exists(), "nothing is written on bad input");
    let err = expect(2, &["run", s(&f), "--out", s(&out), "--set", "budget=-1"]);
    assert!(
        err.starts_with("--set:1:8: budget = -1: must be > 0"),
        "{err}"
    );
    // A problem of the file itself stays located in the file.
    std::fs::write(
        &f,
        SHORT.replace("horizon_hours = 24.0", "horizon_hours = -3.0"),
    )
    .unwrap();
    let err = expect(2, &["run", s(&f), "--out", s(&out), "--set", "budget=3"]);
    assert!(err.contains("short.toml:2:17: horizon_hours"), "{err}");
    std::fs::write(&f, SHORT).unwrap();
    for cmd in [
        vec!["stress", s(&f), "--out", s(&out)],
        vec!["check-claim", "6", s(&f)],
    ] {
        let mut a = cmd.clone();
        a.extend(["--set", "budget=-1"]);
        let err = expect(2, &a);
        assert!(
            err.contains("--set:1:8: budget = -1: must be > 0"),
            "{cmd:?}: {err}"
        );
    }
    let cal = t.path().join("cal.toml");
    std::fs::write(
        &cal,
        format!(
            "base = {:?}\n[[fit]]\npath = \"traits.reasoning_gain\"\nrange = [0.0, 4.0]\n\
             [[target]]\nname = \"y\"\nsource = \"made up\"\nmetric = \"yield\"\nvalue = 10.0\nsd = 1.0\n",
            s(&f)
        ),
    )
    .unwrap();
    let err = expect(
        2,
        &["calibrate", s(&cal), "--out", s(&out), "--set", "budget=-1"],
    );
    assert!(err.contains("budget = -1: must be > 0"), "{err}");
    // Plans whose base the change goes to: optimize and sensitivity.
    let opt = t.path().join("opt.toml");
    std::fs::write(
        &opt,
        format!(
            "base = {:?}\nobjective = {{ metric = \"yield\", direction = \"maximize\" }}\n\
             budget = 40\nreplications = 2\n[[variable]]\npath = \"policy.shares.verifier\"\n\
             range = [0.01, 0.2]\n",
            s(&f)
        ),
    )
    .unwrap();
    let sens = t.path().join("sens.toml");
    std::fs::write(
        &sens,
        format!(
            "base = {:?}\nmethod = \"morris\"\nn = 2\n[[parameter]]\npath = \"policy.shares.verifier\"\n\
             range = [0.01, 0.2]\n[[output]]\nmetric = \"yield\"\n",
            s(&f)
        ),
    )
    .unwrap();
    for cmd in ["optimize", "sensitivity"] {
        let file = if cmd == "optimize" { &opt } else { &sens };
        let err = expect(2, &[cmd, s(file), "--out", s(&out), "--set", "budget=-1"]);
        assert!(err.contains("budget = -1: must be > 0"), "{cmd}: {err}");
    }
}

/// `--replications N`: seeds `hash2(seed, r)`, a row each in run.csv, and summary.csv's
/// interval is the Student-t one computed by hand from those rows.
#[test]
fn replications_give_the_t_interval_of_their_rows() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("short.toml");
    std::fs::write(&f, SHORT).unwrap();
    let out = t.path().join("o");
    expect(
        0,
        &[
            "run",
            s(&f),
            "--out",
            s(&out),
            "--quiet",
            "--seed",
            "7",
            "--replications",
            "4",
        ],
    );
    let mut rd = csv::Reader::from_path(out.join("run.csv")).unwrap();
    let h = rd.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 4);
    for (r, row) in rows.iter().enumerate() {
        assert_eq!(
            row[col("seed")],
            triad::engine::hash2(7, r as u64).to_string()
        );
    }
    let ys: Vec<f64> = rows
        .iter()
        .map(|r| r[col("yield")].parse().unwrap())
        .collect();
    assert!(
        ys.iter().any(|&y| y != ys[0]),
        "the replications differ: {ys:?}"
    );
    let mean = ys.iter().sum::<f64>() / 4.0;
    let sd = (ys.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / 3.0).sqrt();
    // t(0.975, 3 df) = 3.182446 (3.182 in printed t tables).
    let half = 3.182446 * sd / 2.0;
    let mut sr = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let row = sr
        .records()
        .map(|r| r.unwrap())
        .find(|r| &r[0] == "yield")
        .unwrap();
    let num = |i: usize| row[i].parse::<f64>().unwrap();
    assert_eq!(&row[1], "4");
    assert!((num(2) - mean).abs() <= 1e-9 * mean.abs());
    assert!((num(3) - sd).abs() <= 1e-9 * sd);
    assert!(
        (num(4) - (mean - half)).abs() <= 1e-5 * half,
        "{row:?} vs {half}"
    );
    assert!(
        (num(5) - (mean + half)).abs() <= 1e-5 * half,
        "{row:?} vs {half}"
    );
    // The first replication is a run of its own seed, the same bytes as `--seed` gives.
    let one = t.path().join("one");
    let seed0 = triad::engine::hash2(7, 0).to_string();
    expect(
        0,
        &["run", s(&f), "--out", s(&one), "--quiet", "--seed", &seed0],
    );
    assert_eq!(
        std::fs::read(one.join("timeseries.csv")).unwrap(),
        std::fs::read(out.join("timeseries.csv")).unwrap()
    );
    expect(2, &["run", s(&f), "--out", s(&one), "--replications", "0"]);
}

/// The terminal summary names the policy, the tiers and the shares.
#[test]
fn the_run_summary_names_policy_tiers_and_shares() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("short.toml");
    std::fs::write(&f, SHORT).unwrap();
    let o = triad(&["run", s(&f), "--out", s(&t.path().join("o"))]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains(
            "policy static: tiers evolver 8B / user 32B / verifier 8B; shares 0.10 / 0.85 / 0.05"
        ),
        "{text}"
    );
}

/// A scenario paced per day: five days of $2, traffic enough to spend far more.
fn paced(carry_over: bool) -> String {
    format!(
        "name = \"paced\"\nhorizon_hours = 120.0\nsample_every_hours = 24.0\n\
         budget_per_day = 2.0\ncarry_over = {carry_over}\n\
         [workload]\narrival_per_hour = 400.0\n\
         [policy]\nkind = \"static\"\nshares = {{ evolver = 0.1, verifier = 0.05 }}\n"
    )
}

fn load(text: &str) -> triad::scenario::Scenario {
    triad::scenario::parse(&triad::scenario::Source::from_text("paced.toml", text))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Cumulative spend per role at each day's end, from the daily rows of the time series.
fn daily_spend(r: &triad::model::RunResult) -> Vec<[f64; 3]> {
    let col = |n: &str| {
        triad::model::SERIES_COLUMNS
            .iter()
            .position(|c| *c == n)
            .unwrap()
    };
    let (e, u, v, h) = (
        col("spend_evolver"),
        col("spend_user"),
        col("spend_verifier"),
        col("hour"),
    );
    let rows = &r.series.rows;
    assert_eq!(
        rows.iter().map(|x| x[h]).collect::<Vec<_>>(),
        [0.0, 24.0, 48.0, 72.0, 96.0, 120.0]
    );
    rows.iter().map(|x| [x[e], x[u], x[v]]).collect()
}

/// `budget_per_day`: each day's spend stays within the day's budget (each role within its
/// share of it), plus, with carry-over, what earlier days left; the same money as a run
/// budget is spent faster, so the pacing is what holds it back.
#[test]
fn budget_per_day_keeps_each_days_spend_within_the_days_budget() {
    let shares = [0.1, 0.85, 0.05];
    let tol = 1e-9;
    for carry_over in [false, true] {
        let sc = load(&paced(carry_over));
        assert_eq!(sc.world.budget, 10.0, "5 days of $2");
        let r = sc.run(3).unwrap();
        let cum = daily_spend(&r);
        let mut granted = [0.0; 3];
        for d in 1..cum.len() {
            for k in 0..3 {
                granted[k] += shares[k] * 2.0;
                let day = cum[d][k] - cum[d - 1][k];
                if carry_over {
                    assert!(cum[d][k] <= granted[k] + tol, "day {d} role {k}: {cum:?}");
                } else {
                    assert!(day <= shares[k] * 2.0 + tol, "day {d} role {k}: {day}");
                }
            }
            let total: f64 = (0..3).map(|k| cum[d][k] - cum[d - 1][k]).sum();
            assert!(total > 0.5 * 2.0, "day {d} spends: {total}");
        }
        let m = &r.metrics;
        assert!(
            (m.allocated.total() - 10.0).abs() < 1e-6,
            "{:?}",
            m.allocated
        );
        let spent = m.spend.total();
        assert!((spent + m.unspent.total() - 10.0).abs() < 1e-6);
        assert!(m.unspent.total() >= 0.0);
    }
    // The same $10 for the whole run: the first day spends far more than $2.
    let whole = load(
        &paced(false)
            .replace("budget_per_day = 2.0", "budget = 10.0")
            .replace("carry_over = false\n", ""),
    );
    let cum = daily_spend(&whole.run(3).unwrap());
    assert!(cum[1].iter().sum::<f64>() > 2.0 * 1.5, "{cum:?}");
}

/// A file gives `budget` or `budget_per_day`, not both; `carry_over` needs a daily budget.
#[test]
fn budget_and_budget_per_day_exclude_each_other() {
    let both = paced(false).replace(
        "budget_per_day = 2.0",
        "budget_per_day = 2.0\nbudget = 50.0",
    );
    let e = triad::scenario::parse(&triad::scenario::Source::from_text("p.toml", both))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("p.toml:4:18: budget_per_day: give `budget`"),
        "{e}"
    );
    let carry = "budget = 5.0\ncarry_over = true\n";
    let e = triad::scenario::parse(&triad::scenario::Source::from_text("p.toml", carry))
        .unwrap_err()
        .to_string();
    assert!(e.contains("p.toml:2:14: carry_over"), "{e}");
    // A scenario triad wrote out (budget derived beside budget_per_day) reads back the same.
    let sc = load(&paced(true));
    let table = toml::Table::try_from(&sc).unwrap();
    let back = triad::scenario::from_table("back", &table).unwrap();
    assert_eq!(back.world, sc.world);
}

/// Spend, allocation and unspent money per role are in run.csv; the unpaced baseline's
/// allocation is its budget.
#[test]
fn run_csv_has_spend_allocation_and_unspent_per_role() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("short.toml");
    std::fs::write(&f, SHORT).unwrap();
    let out = t.path().join("o");
    expect(0, &["run", s(&f), "--out", s(&out), "--quiet"]);
    let mut rd = csv::Reader::from_path(out.join("run.csv")).unwrap();
    let h = rd.headers().unwrap().clone();
    let row = rd.records().next().unwrap().unwrap();
    let get = |n: &str| -> f64 {
        let i = h
            .iter()
            .position(|x| x == n)
            .unwrap_or_else(|| panic!("{n}"));
        row[i].parse().unwrap()
    };
    let mut allocated = 0.0;
    for role in ["evolver", "user", "verifier"] {
        let (sp, al, un) = (
            get(&format!("spend_{role}")),
            get(&format!("allocated_{role}")),
            get(&format!("unspent_{role}")),
        );
        assert!((sp + un - al).abs() < 1e-9, "{role}");
        allocated += al;
    }
    assert!((allocated - 4.0).abs() < 1e-9, "{allocated}");
    let unspent = get("unspent_total");
    assert!((get("spend_total") + unspent - 4.0).abs() < 1e-9);
}

/// A sweep over two shares and a tier: the allocation map draws one panel per tier (the
/// best cell is the best sweep cell, not an average over tiers), and outlines in orange
/// exactly the cells whose paired 95% CI of the difference from the best, computed here by
/// hand from runs.csv, includes 0.
#[test]
fn tier_axes_are_faceted_and_cells_near_the_best_are_marked() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("facet.toml");
    std::fs::write(
        &f,
        "seed = 7\nreplications = 3\n[base]\nhorizon_hours = 48.0\nsample_every_hours = 6.0\n\
         budget = 4.0\n[base.workload]\narrival_per_hour = 100.0\n\
         [[axis]]\npath = \"policy.shares.evolver\"\nvalues = [0.0, 0.1, 0.2]\n\
         [[axis]]\npath = \"policy.shares.verifier\"\nvalues = [0.0, 0.05]\n\
         [[axis]]\npath = \"policy.tiers.user\"\nvalues = [\"8B\", \"32B\"]\n\
         [[policy]]\nlabel = \"static\"\nkind = \"static\"\nshares = { evolver = 0.1, verifier = 0.1 }\n\
         tiers = { evolver = \"8B\", user = \"32B\", verifier = \"8B\" }\n",
    )
    .unwrap();
    let out = t.path().join("o");
    expect(0, &["sweep", s(&f), "--out", s(&out), "--quiet"]);
    // yield per cell (evolver, verifier, tier) and replication, from runs.csv.
    let mut rd = csv::Reader::from_path(out.join("runs.csv")).unwrap();
    let h = rd.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let mut cells: std::collections::BTreeMap<(String, String, String), Vec<f64>> =
        Default::default();
    for r in rd.records() {
        let r = r.unwrap();
        let key = (
            r[col("param.policy.shares.evolver")].to_string(),
            r[col("param.policy.shares.verifier")].to_string(),
            r[col("param.policy.tiers.user")].to_string(),
        );
        let rep: usize = r[col("replication")].parse().unwrap();
        let v = cells.entry(key).or_insert_with(|| vec![f64::NAN; 3]);
        v[rep] = r[col("yield")].parse().unwrap();
    }
    assert_eq!(cells.len(), 12);
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let (best, best_v) = cells
        .iter()
        .max_by(|a, b| mean(a.1).total_cmp(&mean(b.1)))
        .unwrap();
    // t(0.975, 2 df) = 4.302653.
    let near = cells
        .iter()
        .filter(|(k, v)| {
            *k != best && {
                let d: Vec<f64> = v.iter().zip(best_v).map(|(a, b)| a - b).collect();
                let m = mean(&d);
                let sd = (d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 2.0).sqrt();
                let half = 4.302653 * sd / 3f64.sqrt();
                m - half <= 0.0 && m + half >= 0.0
            }
        })
        .count();
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    let want = format!(
        "best (highest mean yield) policy.shares.evolver = {}, policy.shares.verifier = {}, \
         policy.tiers.user = {} (outlined in red)",
        best.0, best.1, best.2
    );
    assert!(report.contains(&want), "{want}\n{report}");
    assert!(
        report.contains(&format!(
            "; {near} other cells (orange) have a paired 95% CI"
        )),
        "{near} near cells\n{report}"
    );
    assert!(report.contains("one panel per value of the categorical axes"));
    assert!(out.join("plots/heatmap_0_static.png").exists());
    // near_best.csv lists the same best cell and the same near cells, each with an
    // interval that contains 0.
    let mut rd = csv::Reader::from_path(out.join("near_best.csv")).unwrap();
    let h = rd.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    let key = |r: &csv::StringRecord| {
        (
            r[col("param.policy.shares.evolver")].to_string(),
            r[col("param.policy.shares.verifier")].to_string(),
            r[col("param.policy.tiers.user")].to_string(),
        )
    };
    assert_eq!(&rows[0][col("role")], "best");
    assert_eq!(&key(&rows[0]), best);
    assert_eq!(rows.len(), 1 + near, "{rows:?}");
    for r in &rows[1..] {
        assert_eq!(&r[col("role")], "near");
        let lo: f64 = r[col("diff_lo")].parse().unwrap();
        let hi: f64 = r[col("diff_hi")].parse().unwrap();
        assert!(lo <= 0.0 && hi >= 0.0, "{r:?}");
        assert_eq!(&r[col("pairs")], "3");
    }
}
