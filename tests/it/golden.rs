//! Golden numbers: a few key metrics of the baseline run and of one small sweep, to 6
//! significant digits, checked against the files committed in `tests/golden/`. Every other
//! test compares triad with itself; these pin what the model computes today, so a change
//! that moves every yield cannot pass unnoticed.
//!
//! The runs go through the `triad` binary and read its CSV outputs, so the test survives
//! any refactor that keeps the command line and the column names. When a change to the
//! model is meant to move the numbers, regenerate the files with
//! `TRIAD_BLESS=1 cargo test golden` and commit them with the change, saying why in the
//! commit message.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_triad");

/// The pinned metrics: output, quality, what each role spent, how evolution went, and the
/// event count (which moves with almost any change to the world's mechanics).
const METRICS: [&str; 9] = [
    "yield",
    "solve_rate",
    "tasks_unserved",
    "spend_evolver",
    "spend_user",
    "spend_verifier",
    "edits_accepted",
    "harness_quality_final",
    "events",
];

const REGENERATE: &str = "TRIAD_BLESS=1 cargo test golden";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `triad ARGS` from the crate root and fails with its stderr if it fails.
fn triad(args: &[&str]) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(manifest_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "triad {} failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CSV file as rows of column name -> field.
fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// `x` rounded to 6 significant digits, written in its shortest decimal form (`173311`,
/// `0.846745`, `1234570`); a field that is not a number (empty, a label) stays as it is.
fn sig6(field: &str) -> String {
    let Ok(x) = field.parse::<f64>() else {
        return field.to_string();
    };
    if x == 0.0 || !x.is_finite() {
        return format!("{}", if x == 0.0 { 0.0 } else { x });
    }
    let rounded: f64 = format!("{x:.5e}").parse().unwrap();
    format!("{rounded}")
}

fn field<'a>(row: &'a BTreeMap<String, String>, col: &str, file: &str) -> &'a str {
    row.get(col).unwrap_or_else(|| {
        panic!("{file} has no column `{col}`; the golden test names its metrics in METRICS")
    })
}

/// The comment block at the top of a golden file; `what` ends with a full stop.
fn header(what: &str) -> String {
    format!(
        "# Golden numbers of {what}\n\
         # Checked by tests/it/golden.rs. A change to the model that moves these numbers must\n\
         # update this file in the same commit, with the reason in the commit message.\n\
         # Regenerate: {REGENERATE}\n"
    )
}

/// Compares `got` with the committed file `tests/golden/NAME`, or rewrites the file when
/// `TRIAD_BLESS=1`.
fn check_golden(name: &str, got: &str) {
    let path: PathBuf = manifest_dir().join("tests/golden").join(name);
    if std::env::var("TRIAD_BLESS").is_ok_and(|v| !v.is_empty() && v != "0") {
        std::fs::write(&path, got).unwrap();
        eprintln!("wrote {}", path.display());
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != got {
        panic!(
            "the golden numbers in tests/golden/{name} changed (- committed, + this build):\n\
             {}\n\
             If the model change is meant to move them, regenerate the file with\n    \
             {REGENERATE}\n\
             and commit it in the same commit, with the reason in the commit message.",
            line_diff(&committed, got)
        );
    }
}

/// The lines that differ between `old` and `new` (a longest-common-subsequence diff), as
/// `- line` / `+ line`, each with its line number in the committed file.
fn line_diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(format!("{:>4} - {}", i + 1, a[i]));
            i += 1;
        } else {
            out.push(format!("{:>4} + {}", "", b[j]));
            j += 1;
        }
    }
    out.join("\n")
}

#[test]
fn baseline_run_matches_its_golden_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    triad(&["run", "scenarios/baseline.toml", "--out", out, "--quiet"]);
    let rows = read_csv(&dir.path().join("run.csv"));
    assert_eq!(rows.len(), 1, "run.csv should have one row");
    let row = &rows[0];
    let mut text = header(&format!(
        "`triad run scenarios/baseline.toml` (scenario {}, seed {}): run.csv,\n\
         # to 6 significant digits.",
        field(row, "scenario", "run.csv"),
        field(row, "seed", "run.csv")
    ));
    text.push_str("metric,value\n");
    for m in METRICS {
        text.push_str(&format!("{m},{}\n", sig6(field(row, m, "run.csv"))));
    }
    check_golden("baseline.csv", &text);
}

#[test]
fn small_sweep_matches_its_golden_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    triad(&[
        "sweep",
        "tests/golden/sweep.toml",
        "--out",
        out,
        "--threads",
        "2",
        "--quiet",
    ]);
    let rows = read_csv(&dir.path().join("summary.csv"));
    let first = rows.first().expect("summary.csv is empty");
    let params: Vec<&String> = first.keys().filter(|k| k.starts_with("param.")).collect();
    // (cell, policy) in file order, then each pinned metric in METRICS order.
    let mut groups: Vec<(&str, &str)> = Vec::new();
    for r in &rows {
        let key = (
            field(r, "cell", "summary.csv"),
            field(r, "policy", "summary.csv"),
        );
        if !groups.contains(&key) {
            groups.push(key);
        }
    }
    let mut text = header(
        "`triad sweep tests/golden/sweep.toml`: summary.csv's mean and Student-t\n\
         # 95% interval over replications per cell and policy, to 6 significant digits.",
    );
    let cols: Vec<&str> = params.iter().map(|p| p.as_str()).collect();
    text.push_str(&format!(
        "{},policy,metric,mean,ci95_lo,ci95_hi\n",
        cols.join(",")
    ));
    for (cell, policy) in groups {
        for m in METRICS {
            let r = rows
                .iter()
                .find(|r| r["cell"] == cell && r["policy"] == policy && r["metric"] == m)
                .unwrap_or_else(|| {
                    panic!("summary.csv has no metric `{m}` for cell {cell}, policy {policy}")
                });
            let mut line: Vec<String> = params.iter().map(|p| sig6(&r[*p])).collect();
            assert!(!policy.contains(','), "policy label {policy:?} has a comma");
            line.push(policy.to_string());
            line.push(m.to_string());
            for c in ["mean", "ci95_lo", "ci95_hi"] {
                line.push(sig6(field(r, c, "summary.csv")));
            }
            text.push_str(&line.join(","));
            text.push('\n');
        }
    }
    check_golden("sweep.csv", &text);
}

#[test]
fn six_significant_digits_and_a_readable_diff() {
    assert_eq!(sig6("173311"), "173311");
    assert_eq!(sig6("0.846745391564352"), "0.846745");
    assert_eq!(sig6("255.1437839999458"), "255.144");
    assert_eq!(sig6("1234567.0"), "1234570");
    assert_eq!(sig6("-0.0"), "0");
    assert_eq!(sig6("2.5e-9"), "0.0000000025");
    assert_eq!(sig6("NaN"), "NaN");
    assert_eq!(sig6(""), "");
    assert_eq!(
        line_diff("a\nb,1\nc\n", "a\nb,2\nc\n"),
        "   2 - b,1\n     + b,2"
    );
    assert_eq!(line_diff("a\n", "a\n"), "");
}
