//! The command line as a user meets it: help, exit codes, located errors, outputs.

use assert_cmd::Command;
use std::path::Path;

fn triad() -> Command {
    let mut c = Command::cargo_bin("triad").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn root(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(p)
        .display()
        .to_string()
}

#[test]
fn help_and_version() {
    let out = triad().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in [
        "run",
        "validate",
        "sweep",
        "merge",
        "reproduce",
        "check-claim",
        "policies",
        "plot",
    ] {
        assert!(text.contains(cmd), "--help lacks {cmd}");
    }
    let v = triad().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&v.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_malformed_scenario_exits_2_with_a_located_message() {
    let f = root("tests/malformed/06_shares_sum.toml");
    let out = triad().args(["run", &f]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("06_shares_sum.toml:4:10: policy.shares"),
        "{err}"
    );
    let out = triad()
        .args(["validate", &f, &root("scenarios/baseline.toml")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("baseline.toml: ok"));
}

#[test]
fn a_missing_file_and_an_unknown_claim_are_usage_errors() {
    let out = triad().args(["run", "no/such/file.toml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the file"));
    let out = triad()
        .args(["reproduce", "--claim", "12", "--out", "/tmp/triad-cli-none"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the claims are 1a, 1b, 2"));
}

#[test]
fn run_writes_its_outputs_and_the_same_seed_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("short.toml");
    std::fs::write(
        &scenario,
        "name = \"short\"\nhorizon_hours = 24.0\n[workload]\narrival_per_hour = 30.0\n",
    )
    .unwrap();
    let s = scenario.display().to_string();
    for out in ["a", "b"] {
        let o = dir.path().join(out).display().to_string();
        triad()
            .args(["run", &s, "--seed", "3", "--out", &o, "--quiet"])
            .assert()
            .success();
    }
    for f in ["run.csv", "timeseries.csv"] {
        let a = std::fs::read(dir.path().join("a").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("b").join(f)).unwrap();
        assert_eq!(a, b, "{f} differs");
    }
    let manifest = std::fs::read_to_string(dir.path().join("a/manifest.json")).unwrap();
    assert!(manifest.contains("\"seed\": 3") && manifest.contains("triad_version"));
}

#[test]
fn check_claim_runs_a_claim_on_a_users_file() {
    let out = triad()
        .args([
            "check-claim",
            "9a",
            &root("scenarios/claims/claim9a_counter.toml"),
            "--quick",
        ])
        .output()
        .unwrap();
    // The counter-scenario switches the mechanism off: the claim does not hold, exit 1.
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("the shape does not hold"), "{text}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("claim 9a does not hold"), "{err}");
}

#[test]
fn run_points_other_kinds_of_file_to_their_command() {
    for (file, hint) in [
        ("scenarios/sweeps/allocation.toml", "triad sweep"),
        ("scenarios/stress/fragile.toml", "triad stress"),
        ("scenarios/claims/claim9a.toml", "triad check-claim 9a"),
    ] {
        let out = triad().args(["run", &root(file)]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{file}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(hint),
            "{file}"
        );
    }
    // A scenario with its own [[tier]] ladder is still a scenario.
    let out = triad()
        .args(["validate", &root("scenarios/baseline.toml")])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("baseline.toml: ok\n"));
}

/// A base with `[[policy]]` tables and nothing else would parse as a sweep and as a stress
/// plan: every command asks the one rule (`scenario::FileKind`), which calls it a sweep.
#[test]
fn every_command_calls_a_base_with_policies_a_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("compare.toml");
    std::fs::write(
        &f,
        format!(
            "base = {:?}\n[[policy]]\nlabel = \"static\"\nkind = \"static\"\n",
            root("scenarios/baseline.toml")
        ),
    )
    .unwrap();
    let f = f.to_str().unwrap();
    let out = triad().args(["validate", f]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("ok, a sweep of 1 runs"),
        "{text}"
    );
    for cmd in ["run", "stress"] {
        let out = triad().args([cmd, f]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("is a sweep file: run it with `triad sweep"),
            "{cmd}: {err}"
        );
    }
    // And the sweep command points the other kinds to theirs.
    let out = triad()
        .args(["sweep", &root("scenarios/stress/fragile.toml")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("is a stress plan: run it with `triad stress")
    );
}

#[test]
fn policy_flag_keeps_the_scenarios_own_tiers_and_shared_keys() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ladder.toml");
    std::fs::write(
        &file,
        "horizon_hours = 48.0\n\
         [[tier]]\nname = \"small\"\nparams_b = 8.0\nprice_in = 0.05\nprice_out = 0.1\ntokens_per_s = 200.0\nskill = 0.5\n\
         [[tier]]\nname = \"big\"\nparams_b = 70.0\nprice_in = 0.5\nprice_out = 1.0\ntokens_per_s = 60.0\nskill = 1.5\n\
         [policy]\nkind = \"static\"\nsamples = 2\ntiers = { evolver = \"small\", user = \"big\", verifier = \"small\" }\n",
    )
    .unwrap();
    let out = triad()
        .args([
            "run",
            file.to_str().unwrap(),
            "--policy",
            "struggle-adaptive",
            "--quiet",
        ])
        .args(["--out", dir.path().join("o").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest = std::fs::read_to_string(dir.path().join("o/manifest.json")).unwrap();
    assert!(manifest.contains("\"struggle-adaptive\""), "{manifest}");
    assert!(manifest.contains("\"samples\": 2"), "{manifest}");
    let bad = triad()
        .args([
            "run",
            file.to_str().unwrap(),
            "--policy",
            "greedy",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
