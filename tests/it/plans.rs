//! Sweep and stress plans checked whole before the first run, and `triad validate` over
//! every kind of file: each problem located, all of them reported, then counted.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_triad");

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn triad(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A sweep whose `[base]` has a typo and a negative rate: refused with exit code 2, each
/// mistake at its line, before any run (no output folder); `stress` the same.
#[test]
fn a_base_mistake_stops_sweep_and_stress_before_any_run() {
    let t = tempfile::tempdir().unwrap();
    let sweep = write(
        t.path(),
        "typo.toml",
        "replications = 2\n[base]\nhorizon_hours = 24.0\nbudgte = 5.0\n[base.workload]\narrival_per_hour = -1\n[[axis]]\npath = \"budget\"\nvalues = [1.0, 2.0]\n",
    );
    let out = t.path().join("out");
    let o = triad(&[
        "sweep",
        sweep.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("typo.toml:4:10: unknown field `budgte`"),
        "{err}"
    );
    assert!(
        err.contains("typo.toml:6:20: workload.arrival_per_hour: must be > 0 (got -1)"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(!out.exists(), "a run started");

    let stress = write(
        t.path(),
        "stress.toml",
        "perturbations = [\"outage\"]\nseverities = [0.0, 1.0]\n[base]\nhorizon_hours = 24.0\nbudgte = 5.0\n",
    );
    let o = triad(&[
        "stress",
        stress.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("stress.toml:5:10: unknown field `budgte`"),
        "{err}"
    );
    assert!(!out.exists(), "a run started");
}

/// A base scenario file of its own: its problems are located in it.
#[test]
fn problems_of_a_base_file_are_located_in_it() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "base.toml",
        "horizon_hours = 24.0\n\nbudget = -3.0\n",
    );
    let sweep = write(
        t.path(),
        "s.toml",
        "base = \"base.toml\"\n[[axis]]\npath = \"workload.arrival_per_hour\"\nvalues = [5.0, 10.0]\n",
    );
    let o = triad(&["validate", sweep.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("base.toml:3:10: budget: must be > 0"), "{err}");
}

/// An axis path thousands of parts deep is refused at the path, not followed down the
/// stack.
#[test]
fn a_deep_axis_path_is_refused_at_its_line() {
    let t = tempfile::tempdir().unwrap();
    let deep = vec!["a"; 5000].join(".");
    let f = write(
        t.path(),
        "deep.toml",
        &format!("[base]\n[[axis]]\npath = \"{deep}\"\nvalues = [1]\n"),
    );
    for cmd in ["validate", "sweep"] {
        let o = triad(&[cmd, f.to_str().unwrap(), "--quiet"][..if cmd == "sweep" { 3 } else { 2 }]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            err.contains("deep.toml:3:8: axis.0.path: a path of 5000 parts"),
            "{cmd}: {err}"
        );
    }
}

/// Three problems of one file are three located lines, and a count closes the output.
#[test]
fn validate_reports_every_problem_and_counts_them() {
    let t = tempfile::tempdir().unwrap();
    let three = write(
        t.path(),
        "three.toml",
        "budgte = 5.0\nhorizon_hours = -1.0\n[workload]\narrival_per_hour = 0.0\n",
    );
    let sweep = write(
        t.path(),
        "sweep.toml",
        "seed = -1\n[base]\n[[axis]]\npath = \"budget\"\nvalues = [1.0]\n",
    );
    let ok = "scenarios/baseline.toml";
    let o = triad(&[
        "validate",
        three.to_str().unwrap(),
        ok,
        sweep.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let located: Vec<&str> = err.lines().filter(|l| l.contains("three.toml:")).collect();
    assert_eq!(located.len(), 3, "{err}");
    assert!(err.contains("three.toml:1:"), "{err}");
    assert!(err.contains("three.toml:2:17: horizon_hours"), "{err}");
    assert!(
        err.contains("three.toml:4:20: workload.arrival_per_hour"),
        "{err}"
    );
    // The out-of-range seed is named as such.
    assert!(
        err.contains("sweep.toml:1:8:") && err.contains("expected a whole number from 0"),
        "{err}"
    );
    assert!(!err.contains("unknown field `base`"), "{err}");
    assert!(
        err.trim_end().ends_with("4 problems in 2 of 3 files"),
        "{err}"
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("baseline.toml: ok"), "{out}");
}

/// `triad validate scenarios/claims/*.toml` passes: `expected.toml` is a file of expected
/// verdicts, checked as one.
#[test]
fn expected_verdicts_are_a_kind_of_file() {
    let mut files: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/claims"))
            .unwrap()
            .map(|e| {
                format!(
                    "scenarios/claims/{}",
                    e.unwrap().file_name().to_string_lossy()
                )
            })
            .filter(|f| f.ends_with(".toml"))
            .collect();
    files.sort();
    let args: Vec<&str> = std::iter::once("validate")
        .chain(files.iter().map(String::as_str))
        .collect();
    let o = triad(&args);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(
        out.contains("expected.toml: ok (expected verdicts of 11 claims)"),
        "{out}"
    );
    let t = tempfile::tempdir().unwrap();
    let bad = write(
        t.path(),
        "verdicts.toml",
        "\"1a\" = \"reproduced\"\n\"7\" = \"maybe\"\n\"42\" = \"reproduced\"\n",
    );
    let o = triad(&["validate", bad.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("verdicts.toml:2:7: 7: must be \"reproduced\""),
        "{err}"
    );
    assert!(
        err.contains("verdicts.toml:3:8: 42: no claim has the id"),
        "{err}"
    );
}

/// Control characters of a file never reach the terminal raw.
#[test]
fn control_characters_in_messages_are_escaped() {
    let t = tempfile::tempdir().unwrap();
    let f = write(
        t.path(),
        "esc.toml",
        "[policy]\nkind = \"\\u001b[2J\"\n[[tier]]\nname = \"a\\u0007\"\nparams_b = -1.0\n",
    );
    let sweep = write(
        t.path(),
        "esc_sweep.toml",
        "[base]\n[[policy]]\nlabel = \"x\\u001b[31m\"\nkind = \"\\u001b[2J\"\n",
    );
    for file in [&f, &sweep] {
        let o = triad(&["validate", file.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            !o.stderr.iter().any(|&c| c == 0x1b || c == 0x07),
            "raw control characters: {err:?}"
        );
        assert!(err.contains("\\u{1b}[2J"), "{err}");
    }
}
