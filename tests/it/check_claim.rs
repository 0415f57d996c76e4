//! `triad check-claim N FILE` on a user's own scenario: what it takes from the file and
//! from the claim's scenario, and the refusals (exit 2) of a file that lacks what the claim
//! compares.

use assert_cmd::Command;
use std::path::Path;

/// A user's small scenario: the baseline world, a static policy with one sample and no
/// harness, 24 hours.
const MINE: &str = "name = \"mine\"\nhorizon_hours = 24.0\nbudget = 50.0\n\
[workload]\narrival_per_hour = 40.0\n\
[policy]\nkind = \"static\"\nshares = { evolver = 0.1, verifier = 0.1 }\n\
tiers = { evolver = \"8B\", user = \"32B\", verifier = \"8B\" }\n";

/// Runs `triad check-claim ARGS` on `text` written to a file; returns exit code, stdout,
/// stderr.
fn check(text: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("mine.toml");
    std::fs::write(&f, text).unwrap();
    let mut a = vec!["check-claim", args[0], f.to_str().unwrap(), "--quick"];
    a.extend(&args[1..]);
    let out = Command::cargo_bin("triad")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(&a)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Claim 1a compares each tier with the file's harness and without it: a file with no
/// harness (initial_quality 0) would give all-zero benefits, so it is refused.
#[test]
fn claim_1a_refuses_a_file_without_a_harness() {
    let (code, _, err) = check(MINE, &["1a"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot check claim 1a"), "{err}");
    assert!(err.contains("no harness to take away"), "{err}");
    assert!(err.contains("--set harness.initial_quality=1"), "{err}");
}

/// Claim 6 compares at equal cost: one sample, or samples whose cost no stronger tier's
/// one sample matches within [0.8, 1.25], are refused with the samples that would match.
#[test]
fn claim_6_refuses_unequal_cost() {
    let (code, _, err) = check(MINE, &["6"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("draws 1 sample"), "{err}");
    let (code, _, err) = check(MINE, &["6", "--set", "policy.samples=2"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("compares at equal cost"), "{err}");
    assert!(err.contains("70B, makes the ratio 0.67"), "{err}");
    assert!(err.contains("samples = 3 against 70B"), "{err}");
    // With one bin there is nothing to compare per difficulty.
    let (code, _, err) = check(
        MINE,
        &[
            "6",
            "--set",
            "policy.samples=3",
            "--set",
            "workload.difficulty_bins=[]",
        ],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("workload.difficulty_bins"), "{err}");
}

/// A world scenario for claim 9a gets what the claim needs (a search file), not a parse
/// error about unknown keys; claim 9 picks the part the file's kind tests.
#[test]
fn claim_9_says_what_the_file_needs() {
    let (code, _, err) = check(MINE, &["9a"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("needs a search file"), "{err}");
    assert!(err.contains("check claim 9b on it"), "{err}");
    assert!(!err.contains("unknown"), "{err}");
    let (code, out, err) = check(MINE, &["9", "--set", "policy.shares.evolver=0"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(out.contains("tests claim 9b"), "{out}");
    assert!(err.contains("policy.shares.evolver = 0"), "{err}");
    // A search file is no world scenario.
    let search = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/claims/claim9a.toml"),
    )
    .unwrap();
    let (code, _, err) = check(&search, &["9b"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("tests claim 9a only"), "{err}");
}

/// On a file that has what the claim compares, the check runs and says what came from the
/// file and what from the claim's scenario (9b: the island settings).
#[test]
fn check_claim_names_what_comes_from_where() {
    let tiny = MINE
        .replace("horizon_hours = 24.0", "horizon_hours = 12.0")
        .replace("arrival_per_hour = 40.0", "arrival_per_hour = 10.0");
    let (code, out, err) = check(&tiny, &["9"]);
    assert!(matches!(code, Some(0 | 1)), "{code:?} {err}");
    assert!(
        out.contains("tiers: 6 (0.5B, 3B, 8B, 32B, 70B, frontier)"),
        "{out}"
    );
    assert!(out.contains("workload: 10 tasks per hour"), "{out}");
    assert!(out.contains("from claim 9b's own scenario"), "{out}");
    assert!(out.contains("policy.strategy = \"islands\""), "{out}");
    assert!(
        out.contains("the check varies: the evolution strategy"),
        "{out}"
    );
    assert!(out.contains("islands - sequential"), "{out}");
}

/// Claim 1a takes its tasks-matched-to-each-tier design from its own scenario, and nothing
/// else; the file's tiers and workload are named.
#[test]
fn claim_1a_takes_matched_tasks_from_its_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("mine.toml");
    std::fs::write(&f, MINE).unwrap();
    let plan =
        triad::claims::user::plan("1a", &f, &["harness.initial_quality=1".to_string()]).unwrap();
    assert_eq!(plan.from_claim, ["workload.matched_to_user = true"]);
    assert!(
        plan.from_file[0].starts_with("tiers: 6"),
        "{:?}",
        plan.from_file
    );
    assert!(plan.varies.contains("with your harness and without it"));
}
