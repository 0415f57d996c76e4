//! A sweep folder read back: resume, merge and plot check its files the same way, and refuse
//! (exit code 2, naming the file and line) a row duplicated or swapped, a value that is not
//! a number, an unknown status, a missing header, a cut time series, an edited plan.json or
//! another format version. Resume cuts a torn last record with a CSV parser, so a line end
//! inside a quoted field does not fool it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_triad");

fn golden() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/sweep.toml")
        .display()
        .to_string()
}

fn triad(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn sweep(out: &Path, extra: &[&str]) {
    let g = golden();
    let mut a = vec!["sweep", &g, "--out", s(out), "--quiet"];
    a.extend(extra);
    let o = triad(&a);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let q = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy(&p, &q);
        } else {
            std::fs::copy(&p, &q).unwrap();
        }
    }
}

/// `text` with `edit` applied to its lines (0 = the header).
fn edit_lines(path: &Path, edit: impl Fn(&mut Vec<String>)) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    edit(&mut lines);
    let mut out = lines.join("\n");
    out.push('\n');
    std::fs::write(path, out).unwrap();
}

/// Ways to damage a `runs.csv`, and the line (from 1) and words of the expected refusal of
/// the one-machine folder.
#[allow(clippy::type_complexity)]
fn damages() -> Vec<(&'static str, Box<dyn Fn(&mut Vec<String>)>, &'static str)> {
    vec![
        (
            "a duplicated row",
            Box::new(|l: &mut Vec<String>| {
                let r = l[1].clone();
                l.insert(1, r)
            }),
            ":3: run 0 where run 1 belongs",
        ),
        (
            "two rows swapped",
            Box::new(|l: &mut Vec<String>| l.swap(1, 2)),
            ":2: run 1 where run 0 belongs",
        ),
        (
            "a metric that is not a number",
            Box::new(|l: &mut Vec<String>| {
                let mut f: Vec<String> = l[1].split(',').map(str::to_string).collect();
                f[7] = "abc".into();
                l[1] = f.join(",");
            }),
            ":2: yield is \"abc\", not a number",
        ),
        (
            "an unknown status",
            Box::new(|l: &mut Vec<String>| l[1] = l[1].replace(",ok,", ",weird,")),
            ":2: status \"weird\" is neither ok nor failed",
        ),
        (
            "no header",
            Box::new(|l: &mut Vec<String>| {
                l.remove(0);
            }),
            ":1: the header does not start with the columns of this plan",
        ),
    ]
}

fn assert_refused(o: &Output, file: &Path, words: &str, what: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{what}: {err}");
    assert!(
        err.contains(&format!("{}{words}", file.display())),
        "{what}: expected {}{words}, got: {err}",
        file.display()
    );
}

#[test]
fn resume_merge_and_plot_refuse_the_same_damaged_runs_csv() {
    let t = tempfile::tempdir().unwrap();
    let whole = t.path().join("whole");
    sweep(&whole, &[]);
    let (s1, s2) = (t.path().join("s1"), t.path().join("s2"));
    sweep(&s1, &["--shard", "1/2"]);
    sweep(&s2, &["--shard", "2/2"]);
    let g = golden();
    for (i, (what, damage, words)) in damages().iter().enumerate() {
        // Resume and plot on a damaged one-machine folder.
        let d = t.path().join(format!("d{i}"));
        copy(&whole, &d);
        edit_lines(&d.join("runs.csv"), damage);
        let runs = d.join("runs.csv");
        assert_refused(
            &triad(&["sweep", &g, "--out", s(&d), "--quiet"]),
            &runs,
            words,
            what,
        );
        assert_refused(&triad(&["plot", s(&d)]), &runs, words, what);
        // Merge with a damaged shard 1.
        let m = t.path().join(format!("m{i}"));
        copy(&s1, &m);
        edit_lines(&m.join("runs.csv"), damage);
        let out = t.path().join(format!("merged{i}"));
        let o = triad(&["merge", s(&m), s(&s2), "--out", s(&out)]);
        assert_eq!(o.status.code(), Some(2), "merge, {what}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&m.join("runs.csv").display().to_string()),
            "merge, {what}: {err}"
        );
        assert!(!out.exists(), "merge, {what}: wrote {}", out.display());
    }
    // The intact shards merge.
    let o = triad(&["merge", s(&s1), s(&s2), "--out", s(&t.path().join("ok"))]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_cut_time_series_is_refused_by_merge_and_plot() {
    let t = tempfile::tempdir().unwrap();
    let whole = t.path().join("whole");
    sweep(&whole, &[]);
    let (s1, s2) = (t.path().join("s1"), t.path().join("s2"));
    sweep(&s1, &["--shard", "1/2"]);
    sweep(&s2, &["--shard", "2/2"]);
    for (what, cut) in [
        ("the last 3 rows cut", 3usize),
        ("the last run's rows cut", 8),
    ] {
        let d = t.path().join(format!("d{cut}"));
        copy(&whole, &d);
        edit_lines(&d.join("timeseries.csv"), |l| l.truncate(l.len() - cut));
        let o = triad(&["plot", s(&d)]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{what}: {err}");
        assert!(
            err.contains("timeseries.csv") && err.contains("run 7"),
            "{what}: {err}"
        );
        let m = t.path().join(format!("m{cut}"));
        copy(&s2, &m);
        edit_lines(&m.join("timeseries.csv"), |l| l.truncate(l.len() - cut));
        let o = triad(&["merge", s(&s1), s(&m), "--out", s(&t.path().join("x"))]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "merge, {what}: {err}");
        assert!(
            err.contains(&format!("{}/timeseries.csv", m.display())),
            "{err}"
        );
    }
    // A last line without its line end: the sweep stopped while writing it.
    let d = t.path().join("torn");
    copy(&whole, &d);
    let p = d.join("timeseries.csv");
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() - 20]).unwrap();
    let o = triad(&["plot", s(&d)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no line end") && err.contains("rerun"),
        "{err}"
    );
}

#[test]
fn plan_json_is_checked_for_its_format_and_fingerprint() {
    let t = tempfile::tempdir().unwrap();
    let whole = t.path().join("whole");
    sweep(&whole, &[]);
    let g = golden();
    for (what, from, to, words) in [
        (
            "format 2",
            "\"format\":1",
            "\"format\":2",
            "folder format 2",
        ),
        (
            "an edited plan",
            "\"replications\":2",
            "\"replications\":3",
            "the plan it holds does not have the fingerprint it records",
        ),
    ] {
        let d = t.path().join(what.replace(' ', "_"));
        copy(&whole, &d);
        let p = d.join("plan.json");
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{text}");
        std::fs::write(&p, text.replace(from, to)).unwrap();
        let _ = std::fs::remove_dir_all(d.join("plots"));
        for args in [
            vec!["plot", s(&d)],
            vec!["merge", s(&d), "--out", s(&t.path().join("m"))],
        ] {
            let o = triad(&args);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{what}, {args:?}: {err}");
            assert!(
                err.contains(&format!("{}: {words}", p.display())),
                "{what}: {err}"
            );
        }
        assert!(!d.join("plots").exists(), "{what}: plot drew anyway");
        // Resume calls it another sweep's folder: a new --out, or --force to start over.
        let o = triad(&["sweep", &g, "--out", s(&d), "--quiet"]);
        assert_eq!(o.status.code(), Some(2), "{what}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    }
}

/// Cuts `runs.csv` after `keep` rows and appends the start of a failed run's row whose
/// quoted error message holds a line end: a crash in the middle of that write.
fn tear(dir: &Path, keep: usize, run: &str) -> PathBuf {
    let p = dir.join("runs.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    let mut out: String = text
        .split_inclusive('\n')
        .take(keep + 1)
        .collect::<Vec<_>>()
        .concat();
    out.push_str(run);
    out.push_str(",failed,\"the simulation stopped:\nsecond line of the message");
    std::fs::write(&p, out).unwrap();
    p
}

#[test]
fn resume_cuts_a_torn_record_even_with_a_line_end_inside_quotes() {
    let t = tempfile::tempdir().unwrap();
    let whole = t.path().join("whole");
    sweep(&whole, &[]);
    let d = t.path().join("torn");
    copy(&whole, &d);
    let runs = tear(&d, 3, "3,20.0,struggle-adaptive,1,1688126869403014820");
    // Merge and plot refuse the unfinished folder; resume finishes it.
    let o = triad(&["plot", s(&d)]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "{}:5: the last line has no line end",
            runs.display()
        )),
        "{err}"
    );
    sweep(&d, &[]);
    for f in ["runs.csv", "timeseries.csv", "summary.csv", "report.md"] {
        assert!(
            std::fs::read(whole.join(f)).unwrap() == std::fs::read(d.join(f)).unwrap(),
            "{f} differs after the resume"
        );
    }
}
