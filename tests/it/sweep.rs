//! Sweeps: byte-identical outputs across thread counts, kill-and-resume, shards + merge,
//! located errors for malformed sweep files, and the statistics behind the intervals.

use crate::common::{files_but_manifest, slow_sweep};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use triad::base::stats::{mean_ci, t_quantile};
use triad::sweep::{NoProgress, SweepPlan, default_simulator, run_plan};

const BIN: &str = env!("CARGO_BIN_EXE_triad");

/// A small sweep of the world model: 3 x 2 cells x 2 policies x 3 replications = 36 runs.
/// A verifier share of 0.95 leaves the users a negative rest, so every run of those cells
/// fails validation (recorded, not fatal).
const SMALL: &str = r#"
title = "small"
seed = 11
replications = 3

[base]
name = "small"
horizon_hours = 24.0
sample_every_hours = 6.0
budget = 1.0
[base.workload]
arrival_per_hour = 10.0

[[axis]]
path = "policy.shares.evolver"
values = [0.1, 0.2, 0.3]

[[axis]]
path = "policy.shares.verifier"
values = [0.95, 0.05]

[[policy]]
label = "plain"
kind = "static"
shares = { evolver = 0.1, verifier = 0.1 }

[[policy]]
label = "two-samples"
kind = "static"
shares = { evolver = 0.1, verifier = 0.1 }
samples = 2
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn triad(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

/// Runs triad and expects the work done: exit 0, or 1 when some runs failed (the small
/// sweep's infeasible share cells fail on purpose and are recorded).
fn ok(args: &[&str]) {
    let o = triad(args);
    assert!(
        matches!(o.status.code(), Some(0 | 1))
            && !String::from_utf8_lossy(&o.stderr).contains("Error"),
        "triad {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn assert_same(a: &Path, b: &Path) {
    let (fa, fb) = (files_but_manifest(a), files_but_manifest(b));
    assert_eq!(
        fa.keys().collect::<Vec<_>>(),
        fb.keys().collect::<Vec<_>>(),
        "file lists differ"
    );
    for (k, v) in &fa {
        assert!(
            v == &fb[k],
            "{k} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
    assert!(fa.contains_key("runs.csv") && fa.contains_key("report.md"));
}

#[test]
fn outputs_are_identical_for_one_and_two_threads() {
    let t = tempfile::tempdir().unwrap();
    let f = write(t.path(), "small.toml", SMALL);
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    let fs = f.to_str().unwrap();
    ok(&[
        "sweep",
        fs,
        "--threads",
        "1",
        "--quiet",
        "--out",
        a.to_str().unwrap(),
    ]);
    ok(&[
        "sweep",
        fs,
        "--threads",
        "2",
        "--quiet",
        "--out",
        b.to_str().unwrap(),
    ]);
    assert_same(&a, &b);
    // Failed runs are recorded, not fatal; CRN: the seed depends on the replication only.
    let runs = std::fs::read_to_string(a.join("runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 1 + 36);
    assert_eq!(runs.matches(",failed,").count(), 18, "{runs}");
    let report = std::fs::read_to_string(a.join("report.md")).unwrap();
    assert!(report.contains("18 runs failed"), "{report}");
    let seeds: Vec<&str> = runs
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(5).unwrap())
        .collect();
    assert_eq!(seeds[0], seeds[3]);
    assert_ne!(seeds[0], seeds[1]);
    // Rerunning into the same folder resumes (nothing to do) and changes no byte.
    ok(&["sweep", fs, "--quiet", "--out", b.to_str().unwrap()]);
    assert_same(&a, &b);
    // `triad plot` redraws the same PNGs.
    ok(&["plot", b.to_str().unwrap()]);
    assert_same(&a, &b);
}

#[test]
fn shards_merge_into_the_one_machine_bytes() {
    let t = tempfile::tempdir().unwrap();
    let f = write(t.path(), "small.toml", SMALL);
    let fs = f.to_str().unwrap();
    let one = t.path().join("one");
    ok(&["sweep", fs, "--quiet", "--out", one.to_str().unwrap()]);
    let mut shards = Vec::new();
    for k in 1..=4 {
        let d = t.path().join(format!("shard{k}"));
        ok(&[
            "sweep",
            fs,
            "--quiet",
            "--shard",
            &format!("{k}/4"),
            "--out",
            d.to_str().unwrap(),
        ]);
        shards.push(d.to_str().unwrap().to_string());
    }
    let merged = t.path().join("merged");
    let mut args = vec!["merge".to_string()];
    args.extend(shards.iter().rev().cloned());
    args.extend(["--out".into(), merged.to_str().unwrap().into()]);
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_same(&one, &merged);
    // A missing shard is refused with exit code 2 and says which.
    let o = triad(&[
        "merge",
        &shards[0],
        &shards[1],
        "--out",
        t.path().join("x").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("3/4"));
}

#[test]
fn a_changed_sweep_is_refused_in_an_old_folder() {
    let t = tempfile::tempdir().unwrap();
    let f = write(t.path(), "small.toml", SMALL);
    let out = t.path().join("o");
    ok(&[
        "sweep",
        f.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    write(
        t.path(),
        "small.toml",
        &SMALL.replace("seed = 11", "seed = 12"),
    );
    let o = triad(&[
        "sweep",
        f.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("different sweep") && err.contains("--out"),
        "{err}"
    );
}

#[test]
fn killed_sweeps_resume_to_the_same_bytes() {
    let t = tempfile::tempdir().unwrap();
    let f = write(t.path(), "slow.toml", &slow_sweep(4));
    let fs = f.to_str().unwrap();
    let whole = t.path().join("whole");
    ok(&[
        "sweep",
        fs,
        "--quiet",
        "--threads",
        "2",
        "--out",
        whole.to_str().unwrap(),
    ]);
    let killed = t.path().join("killed");
    let ks = killed.to_str().unwrap();
    let mut killed_mid_run = 0;
    // Kill it twice at different points, then let it finish.
    for min_lines in [3usize, 12] {
        let mut child = Command::new(BIN)
            .args(["sweep", fs, "--quiet", "--threads", "2", "--out", ks])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        loop {
            let lines = std::fs::read(killed.join("runs.csv"))
                .map(|b| b.iter().filter(|&&c| c == b'\n').count())
                .unwrap_or(0);
            if lines >= min_lines || start.elapsed() > Duration::from_secs(30) {
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            killed_mid_run += 1;
        }
        child.wait().unwrap();
    }
    ok(&["sweep", fs, "--quiet", "--threads", "1", "--out", ks]);
    assert_same(&whole, &killed);
    assert!(
        killed_mid_run >= 1,
        "the sweep finished before it could be killed"
    );
}

/// (file text, expected line, expected message fragment)
const BAD: &[(&str, usize, &str)] = &[
    (
        "[base]\nbudget = 1.0\nfoo = 3\n[[axis]]\npath = \"budget\"\nvalues = []\n",
        6,
        "is empty",
    ),
    (
        "[base]\nbudget = 1.0\n[[axis]]\npath = \"budget\"\nrange = { start = 1.0, stop = 2.0, step = 0.0 }\n",
        5,
        "must not be zero",
    ),
    (
        "[base]\nbudget = 1.0\n[[axis]]\npath = \"budget\"\nrange = { start = 3.0, stop = 2.0, step = 0.5 }\n",
        5,
        "wrong sign",
    ),
    (
        "seed = 1\n\nrepliactions = 3\n[base]\nbudget = 1.0\n",
        3,
        "unknown field",
    ),
    (
        "[base]\nbudget = 1.0\n[[axis]]\npath = \"budget.dollars\"\nvalues = [1, 2]\n",
        4,
        "not a table",
    ),
    (
        "[base]\nbudget = 1.0\n[[axis]]\npath = \"budget\"\nrange = { start = 0, stop = 2000000, step = 1 }\n",
        5,
        "limit of 1000 per axis",
    ),
    (
        "seed = 1\n[[axis]]\npath = \"budget\"\nvalues = [1]\n",
        1,
        "base",
    ),
    ("base = \"nowhere.toml\"\n", 1, "nowhere.toml"),
    (
        "[base]\nbudget = 1.0\n[[policy]]\nlabel = \"a\"\n[[policy]]\nlabel = \"a\"\n",
        6,
        "duplicate label",
    ),
    (
        "reference = \"zzz\"\n[base]\nbudget = 1.0\n[[policy]]\nlabel = \"a\"\n",
        1,
        "no policy is labelled",
    ),
    ("replications = 0\n[base]\nbudget = 1.0\n", 1, "at least 1"),
    (
        "[base]\nbudget = 1.0\n[design]\nmethod = \"sobol\"\nn = 8\n[[design.dim]]\npath = \"budget\"\nmin = 2.0\nmax = 1.0\n",
        9,
        "greater than min",
    ),
    (
        "[base]\nbudget = 1.0\n[design]\nmethod = \"halton\"\nn = 8\n",
        4,
        "unknown variant",
    ),
    (
        "[base]\nbudget = 1.0\n[[axis]]\npath = \"budget\"\nvalues = [1]\n[[axis]]\npath = \"budget\"\nvalues = [2]\n",
        7,
        "swept twice",
    ),
    ("[base\nbudget = 1.0\n", 1, ""),
    // Mistakes in [base] are found in the cells' scenarios, before any run.
    (
        "[base]\nbudgte = 5.0\n[[axis]]\npath = \"horizon_hours\"\nvalues = [24.0, 48.0]\n",
        2,
        "did you mean `budget`?",
    ),
    (
        "[base]\nbudget = 1.0\n[base.workload]\narrival_per_hour = -1\n[[axis]]\npath = \"horizon_hours\"\nvalues = [24.0]\n",
        4,
        "workload.arrival_per_hour: must be > 0",
    ),
    (
        "[base]\nbudget = 1.0\n[[axis]]\npath = \"horizon_hours\"\nvalues = [24.0, -1.0]\n",
        5,
        "horizon_hours = -1.0: must be > 0",
    ),
];

#[test]
fn malformed_sweep_files_are_located() {
    let t = tempfile::tempdir().unwrap();
    for (i, (text, line, fragment)) in BAD.iter().enumerate() {
        let f = write(t.path(), &format!("bad{i}.toml"), text);
        let out = t.path().join(format!("out{i}"));
        let o = triad(&[
            "sweep",
            f.to_str().unwrap(),
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(2), "case {i}: {err}");
        let want = format!("bad{i}.toml:{line}:");
        assert!(err.contains(&want), "case {i}: expected {want} in {err}");
        assert!(
            err.contains(fragment),
            "case {i}: expected {fragment:?} in {err}"
        );
        // Nothing ran: the output folder was never created.
        assert!(!out.exists(), "case {i}");
    }
    let o = triad(&["sweep", "/nonexistent/x.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let o = triad(&[
        "sweep",
        write(t.path(), "s.toml", SMALL).to_str().unwrap(),
        "--shard",
        "5/4",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn t_quantile_matches_tables() {
    // Two-sided 95% (p = 0.975) and others, from standard t tables.
    let table = [
        (0.975, 1.0, 12.706_204_736),
        (0.975, 2.0, 4.302_652_730),
        (0.975, 5.0, 2.570_581_836),
        (0.975, 10.0, 2.228_138_852),
        (0.975, 30.0, 2.042_272_456),
        (0.975, 100.0, 1.983_971_519),
        (0.95, 1.0, 6.313_751_515),
        (0.995, 3.0, 5.840_909_310),
        (0.9, 7.0, 1.414_923_928),
        (0.975, 1e7, 1.959_964_1),
    ];
    for (p, df, want) in table {
        let got = t_quantile(p, df);
        assert!(
            (got - want).abs() < 1e-6 * want.max(1.0),
            "t({p}, {df}) = {got}, want {want}"
        );
        assert!((t_quantile(1.0 - p, df) + want).abs() < 1e-6 * want.max(1.0));
    }
    assert!(t_quantile(1.5, 3.0).is_nan() && t_quantile(0.5, 0.0).is_nan());
}

#[test]
fn student_t_intervals_cover_95_percent() {
    let trials = 4000u32;
    let streams = triad::engine::Streams::new(99);
    let mut r = streams.stream(3);
    for n in [3usize, 5, 20] {
        let mut covered = 0u32;
        for _ in 0..trials {
            let xs: Vec<f64> = (0..n).map(|_| r.normal(10.0, 2.0)).collect();
            let ci = mean_ci(&xs, 0.95);
            if ci.lo <= 10.0 && 10.0 <= ci.hi {
                covered += 1;
            }
        }
        // Binomial(trials, 0.95): 4.5 standard deviations either side.
        let mean = 0.95 * trials as f64;
        let sd = (trials as f64 * 0.95 * 0.05).sqrt();
        assert!(
            (covered as f64 - mean).abs() < 4.5 * sd,
            "n = {n}: {covered} of {trials} intervals covered the mean"
        );
    }
}

#[test]
fn in_process_runs_agree_across_thread_counts() {
    let t = tempfile::tempdir().unwrap();
    let f = write(t.path(), "small.toml", SMALL);
    let plan = SweepPlan::from_file(&f).unwrap();
    let sim = default_simulator();
    let a = run_plan(&plan, sim.as_ref(), 1, &NoProgress).unwrap();
    let b = run_plan(&plan, sim.as_ref(), 2, &NoProgress).unwrap();
    assert_eq!(format!("{:?}", a.table()), format!("{:?}", b.table()));
    let s = a.summary(&plan);
    assert_eq!(s.failed.len(), 18);
    // Paired differences of "two-samples" vs "plain" in a working cell: the mean of the
    // per-replication differences (same seed, same tasks).
    let y = s.metrics.iter().position(|m| m == "yield").unwrap();
    let d = s.get_paired(1, 1, y).unwrap();
    assert_eq!(d.ci.n, 3);
    let t = a.table();
    let run = |policy: usize, r: usize| (2 + policy) * 3 + r; // cell 1, 2 policies, 3 reps
    let diff: f64 = (0..3)
        .map(|r| t.rows[run(1, r)].metrics[y] - t.rows[run(0, r)].metrics[y])
        .sum::<f64>()
        / 3.0;
    assert!((d.ci.mean - diff).abs() < 1e-9, "{} vs {diff}", d.ci.mean);
}

/// Per-run overhead of the sweep machinery against bare `model::run` calls of the same
/// scenario (run by `benches/sweep_scaling.sh` in release mode; prints its figures).
#[test]
#[ignore]
fn sweep_overhead_per_run() {
    let base: toml::Table = toml::from_str(
        "horizon_hours = 4.0\nsample_every_hours = 1.0\nbudget = 0.5\n[workload]\narrival_per_hour = 20.0",
    )
    .unwrap();
    let plan = SweepPlan::new("overhead", base.clone(), vec![], None, vec![], 10_000, 1).unwrap();
    let cfg = triad::scenario::from_table("overhead", &base).unwrap();
    let start = Instant::now();
    for i in 0..plan.n_runs() {
        let r = cfg.run(plan.run(i).seed).unwrap();
        std::hint::black_box((r.columns(), r.series.columns()));
    }
    let bare = start.elapsed().as_secs_f64() / plan.n_runs() as f64;
    let sim = default_simulator();
    let start = Instant::now();
    let r = run_plan(&plan, sim.as_ref(), 1, &NoProgress).unwrap();
    let swept = start.elapsed().as_secs_f64() / plan.n_runs() as f64;
    assert_eq!(r.runs.len(), plan.n_runs());
    println!(
        "bare model::run {:.2} us, run_plan (1 thread) {:.2} us per run: overhead {:.2} us per run (scenario table -> validated config, panic guard, collection)",
        bare * 1e6,
        swept * 1e6,
        (swept - bare) * 1e6
    );
}

#[test]
fn validate_checks_sweep_files_and_every_cell() {
    let o = triad(&[
        "validate",
        "scenarios/sweeps/allocation.toml",
        "scenarios/sweeps/regimes.toml",
        "scenarios/baseline.toml",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("allocation.toml: ok, a sweep of"), "{out}");
    assert!(out.contains("baseline.toml: ok"), "{out}");
    let t = tempfile::tempdir().unwrap();
    // Cells whose shares leave the users a negative rest are a legitimate part of a grid:
    // the file is valid, and the infeasible cells are named, with the key.
    let o = triad(&[
        "validate",
        write(t.path(), "s.toml", SMALL).to_str().unwrap(),
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("policy.shares.verifier = 0.95") && out.contains("policy.shares.user"),
        "{out}"
    );
    assert!(out.contains("6 of 12"), "{out}");
    // A malformed sweep file is located like in `triad sweep`.
    let f = write(
        t.path(),
        "bad.toml",
        "replications = 0\n[base]\nbudget = 1.0\n",
    );
    let o = triad(&["validate", f.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("bad.toml:1:") && err.contains("at least 1"),
        "{err}"
    );
}

/// A sampled design's points are random floats: plan.json must hold them to the bit, or the
/// folder's plan no longer has the fingerprint it records and reading it back (the report,
/// a resume, a merge) refuses it. An LHS sweep runs, writes its report and resumes.
#[test]
fn an_lhs_sweep_reads_its_own_plan_back() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "lhs.toml",
        "seed = 3\nreplications = 1\n[base]\nhorizon_hours = 6.0\n[design]\nmethod = \"lhs\"\n\
         n = 5\n[[design.dim]]\npath = \"budget\"\nmin = 1.0\nmax = 3.0\n",
    );
    let out = dir.path().join("out");
    let args = [
        "sweep",
        f.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    ok(&args);
    assert!(out.join("report.md").exists());
    ok(&args);
}

/// A plan given as text (the Python package's dict or TOML plans) is the file's plan: the
/// same folder bytes but the manifest when named as the file's stem, a rerun into the file's folder resumes it (nothing
/// left to run), and a mistake is located in the text under the name it was given.
#[test]
fn a_plan_from_text_is_the_plan_from_its_file() {
    use triad::commands::{SweepArgs, sweep, sweep_text};
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("small.toml");
    std::fs::write(&f, SMALL).unwrap();
    let args = |file: PathBuf, out: &str| SweepArgs {
        file,
        threads: Some(2),
        out: Some(t.path().join(out)),
        quiet: true,
        ..SweepArgs::default()
    };
    // Some cells fail validation by design: the sweep ends with `Failed`, rows recorded.
    let from_file = sweep(&args(f.clone(), "file"));
    // Named as the file's stem, the plan is the file's plan (its name is the stem).
    let from_text = sweep_text(SMALL, t.path(), &args(PathBuf::from("small"), "text"));
    assert_eq!(
        from_file.map_err(|e| e.to_string()),
        from_text.map_err(|e| e.to_string().replace("/text/", "/file/"))
    );
    let (a, b) = (
        files_but_manifest(&t.path().join("file")),
        files_but_manifest(&t.path().join("text")),
    );
    assert!(a.contains_key("runs.csv"));
    let differ: Vec<&String> = a.keys().filter(|k| a.get(*k) != b.get(*k)).collect();
    assert!(differ.is_empty() && a.len() == b.len(), "{differ:?}");
    let manifest = std::fs::read_to_string(t.path().join("text/manifest.json")).unwrap();
    assert!(manifest.contains("\"sweep_file\": \"small\""), "{manifest}");
    // The text's folder is the file plan's folder: the file resumes it with nothing to do.
    let before = std::fs::read(t.path().join("text/runs.csv")).unwrap();
    let _ = sweep(&args(f, "text"));
    assert_eq!(
        std::fs::read(t.path().join("text/runs.csv")).unwrap(),
        before
    );
    let manifest = std::fs::read_to_string(t.path().join("text/manifest.json")).unwrap();
    assert!(manifest.contains("\"runs_this_session\": 0"), "{manifest}");

    let bad = SMALL.replace("replications = 3", "replications = 0");
    let e = sweep_text(&bad, t.path(), &args(PathBuf::from("<plan>"), "bad")).unwrap_err();
    let msg = format!("{e:#}");
    assert!(
        msg.starts_with("<plan>:4:16: ") && msg.contains("at least 1"),
        "{msg}"
    );
}
