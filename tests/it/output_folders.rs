//! Where results go: every command writes only into a new or empty folder, a folder it
//! wrote for the same plan, or (with `--force`) another folder of the user's; never into
//! `/`, the home folder or a project's sources, nor into another command's results. And
//! the work is bounded (shards, threads), and a failed write names its file and leaves no
//! temporary file behind.

use crate::common::{files, files_but_manifest};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_triad");

fn root(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(p)
        .display()
        .to_string()
}

fn triad(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `triad ARGS` and expects exit code `code`; returns stderr.
fn expect(code: i32, args: &[&str]) -> String {
    let o = triad(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(code), "triad {args:?}: {err}");
    err
}

/// The golden sweep (8 runs, under a second) into `out`.
fn sweep(out: &Path, extra: &[&str]) -> String {
    let mut a = vec![
        "sweep".to_string(),
        root("tests/golden/sweep.toml"),
        "--out".into(),
        s(out).into(),
        "--quiet".into(),
    ];
    a.extend(extra.iter().map(|x| x.to_string()));
    expect(0, &a.iter().map(String::as_str).collect::<Vec<_>>())
}

/// A short scenario file in `dir`.
fn scenario(dir: &Path) -> PathBuf {
    let f = dir.join("short.toml");
    std::fs::write(
        &f,
        "name = \"short\"\nhorizon_hours = 24.0\n[workload]\narrival_per_hour = 30.0\n",
    )
    .unwrap();
    f
}

#[test]
fn a_sweep_refuses_a_folder_of_the_users_own_files_and_force_starts_it_over() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("mine");
    std::fs::create_dir_all(d.join("plots")).unwrap();
    for (f, text) in [
        ("report.md", "my notes"),
        ("summary.csv", "a,b\n1,2\n"),
        ("manifest.json", "{\"mine\": true}"),
        ("plots/yield_by_policy.png", "my plot"),
    ] {
        std::fs::write(d.join(f), text).unwrap();
    }
    let before = files(&d);
    let err = expect(
        2,
        &[
            "sweep",
            &root("tests/golden/sweep.toml"),
            "--out",
            s(&d),
            "--quiet",
        ],
    );
    assert!(
        err.contains("not empty") && err.contains("report.md") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(files(&d), before, "a refused sweep changed the folder");
    // With --force the sweep writes over them; the folder is then the sweep's own, and a
    // rerun without --force resumes in it (nothing left to do).
    sweep(&d, &["--force"]);
    assert_ne!(std::fs::read(d.join("report.md")).unwrap(), b"my notes");
    let done = files_but_manifest(&d);
    sweep(&d, &[]);
    let again = files_but_manifest(&d);
    assert!(again == done, "the resumed sweep changed its files");
}

#[test]
fn run_and_sweep_never_write_into_each_others_folders() {
    let t = tempfile::tempdir().unwrap();
    let sw = t.path().join("sweep");
    sweep(&sw, &[]);
    let before = files(&sw);
    let sc = scenario(t.path());
    for force in [&[][..], &["--force"][..]] {
        let mut a = vec!["run", s(&sc), "--out", s(&sw), "--quiet"];
        a.extend(force);
        let err = expect(2, &a);
        assert!(
            err.contains("results of a sweep") && err.contains("another --out"),
            "{err}"
        );
    }
    assert_eq!(files(&sw), before, "a refused run changed the sweep folder");
    // A run folder: the same scenario reruns into it, a sweep does not.
    let run = t.path().join("run");
    expect(0, &["run", s(&sc), "--out", s(&run), "--quiet"]);
    expect(
        0,
        &["run", s(&sc), "--out", s(&run), "--quiet", "--seed", "4"],
    );
    let err = expect(
        2,
        &[
            "sweep",
            &root("tests/golden/sweep.toml"),
            "--out",
            s(&run),
            "--force",
        ],
    );
    assert!(err.contains("`triad run`"), "{err}");
    assert!(!run.join("plan.json").exists());
    // Another scenario's run folder: only with --force.
    let other = t.path().join("other.toml");
    std::fs::copy(&sc, &other).unwrap();
    let err = expect(2, &["run", s(&other), "--out", s(&run), "--quiet"]);
    assert!(err.contains("--force"), "{err}");
    expect(
        0,
        &["run", s(&other), "--out", s(&run), "--quiet", "--force"],
    );
}

#[test]
fn merge_refuses_a_folder_with_the_users_runs_csv() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("s1"), t.path().join("s2"));
    sweep(&a, &["--shard", "1/2"]);
    sweep(&b, &["--shard", "2/2"]);
    let mine = t.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("runs.csv"), "my,own\n1,2\n").unwrap();
    let err = expect(2, &["merge", s(&a), s(&b), "--out", s(&mine)]);
    assert!(err.contains("runs.csv") && err.contains("--force"), "{err}");
    assert_eq!(
        std::fs::read_to_string(mine.join("runs.csv")).unwrap(),
        "my,own\n1,2\n"
    );
    // A merged folder of the same sweep is merged into again.
    let m = t.path().join("merged");
    expect(0, &["merge", s(&a), s(&b), "--out", s(&m)]);
    expect(0, &["merge", s(&a), s(&b), "--out", s(&m)]);
}

#[test]
fn out_at_a_file_is_a_usage_error_for_every_command() {
    let t = tempfile::tempdir().unwrap();
    let shard = t.path().join("one");
    sweep(&shard, &[]);
    let file = t.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let sc = scenario(t.path());
    let f = s(&file);
    let golden = root("tests/golden/sweep.toml");
    let fragile = root("scenarios/stress/fragile.toml");
    for args in [
        vec!["run", s(&sc), "--out", f],
        vec!["sweep", &golden, "--out", f],
        vec!["stress", &fragile, "--out", f],
        vec!["merge", s(&shard), "--out", f],
        vec!["reproduce", "--quick", "--claim", "2", "--out", f],
    ] {
        let err = expect(2, &args);
        assert!(err.contains("is a file, not a folder"), "{args:?}: {err}");
    }
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
}

#[test]
fn the_root_and_a_projects_own_folders_are_refused_even_with_force() {
    let t = tempfile::tempdir().unwrap();
    let proj = t.path().join("proj");
    std::fs::create_dir_all(proj.join("src")).unwrap();
    std::fs::create_dir_all(proj.join("scenarios")).unwrap();
    std::fs::write(proj.join("Cargo.toml"), "[package]\n").unwrap();
    let sc = scenario(t.path());
    for (out, why) in [
        ("/".to_string(), "the root folder"),
        (s(&proj).to_string(), "Cargo.toml or .git"),
        (s(&proj.join("src")).to_string(), "src/ folder"),
        (
            s(&proj.join("scenarios/new")).to_string(),
            "scenarios/ folder",
        ),
    ] {
        for cmd in ["run", "sweep"] {
            let file = if cmd == "run" {
                s(&sc).to_string()
            } else {
                root("tests/golden/sweep.toml")
            };
            let err = expect(2, &[cmd, &file, "--out", &out, "--force", "--quiet"]);
            assert!(err.contains(why) && err.contains("--out"), "{out}: {err}");
        }
    }
    assert!(!Path::new("/plan.json").exists() && !Path::new("/run.csv").exists());
    assert_eq!(
        files(&proj).len(),
        1,
        "something was written in the project"
    );
    assert!(!proj.join("scenarios/new").exists());
    // Its output folder is fine.
    expect(
        0,
        &[
            "run",
            s(&sc),
            "--out",
            s(&proj.join("output/short")),
            "--quiet",
        ],
    );
}

#[test]
fn shard_counts_are_bounded_by_the_runs_and_threads_by_the_machine() {
    let t = tempfile::tempdir().unwrap();
    let golden = root("tests/golden/sweep.toml");
    let o = t.path().join("o");
    for shard in ["1/1000000000000", "9/9"] {
        let err = expect(2, &["sweep", &golden, "--shard", shard, "--out", s(&o)]);
        assert!(err.contains("at most 8 shards"), "{err}");
    }
    assert!(!o.exists(), "a refused sweep created its folder");
    // A plan.json that claims more shards than runs is refused before any allocation.
    let one = t.path().join("one");
    sweep(&one, &["--shard", "1/8"]);
    let p = one.join("plan.json");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, text.replace("\"1/8\"", "\"1/1000000000000\"")).unwrap();
    let err = expect(2, &["merge", s(&one), "--out", s(&t.path().join("m"))]);
    assert!(err.contains("plan.json") && err.contains("shard"), "{err}");
    // A missing-shard message lists a few, not a million.
    let many = t.path().join("many.toml");
    std::fs::write(
        &many,
        "seed = 1\nreplications = 1000\n[base]\nhorizon_hours = 2.0\n",
    )
    .unwrap();
    let first = t.path().join("first");
    expect(
        0,
        &[
            "sweep",
            s(&many),
            "--shard",
            "1/1000",
            "--out",
            s(&first),
            "--quiet",
        ],
    );
    let err = expect(2, &["merge", s(&first), "--out", s(&t.path().join("m2"))]);
    assert!(
        err.contains("999 of the 1000 shards are missing") && err.contains("and 991 more"),
        "{err}"
    );
    assert!(err.len() < 1000, "{} bytes of message", err.len());
    // Far more threads than cores: lowered, with a note, and no time lost starting them.
    let clock = Instant::now();
    let err = sweep(&t.path().join("threads"), &["--threads", "100000"]);
    assert!(
        err.contains("--threads 100000") && err.contains("using"),
        "{err}"
    );
    assert!(clock.elapsed() < Duration::from_secs(60));
    let err = expect(
        2,
        &[
            "sweep",
            &golden,
            "--threads",
            "0",
            "--out",
            s(&t.path().join("z")),
        ],
    );
    assert!(err.contains("at least 1"), "{err}");
}

/// Every `.*.tmp` (or `.merge`) file under `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    files(dir)
        .into_keys()
        .filter(|f| {
            let name = f.rsplit('/').next().unwrap_or(f);
            name.starts_with('.') && (name.contains(".tmp") || name.ends_with(".merge"))
        })
        .collect()
}

/// A full disk, imitated with a file-size limit (`ulimit -f`, in blocks of 512 or 1024
/// bytes): a write past it fails with EFBIG, as one on a full disk fails with ENOSPC.
#[cfg(unix)]
#[test]
fn a_failed_write_names_its_file_and_leaves_no_temporary_file() {
    let t = tempfile::tempdir().unwrap();
    let golden = root("tests/golden/sweep.toml");
    for (blocks, names) in [
        // Too small for the streamed timeseries.csv (9 KB) or the summaries.
        (8, ".csv"),
        // The CSVs fit; the first plot (about 150 KB) does not.
        (60, "plots/yield_by_policy.png"),
    ] {
        let out = t.path().join(format!("limit{blocks}"));
        let o = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "trap '' XFSZ; ulimit -f {blocks} && exec \"$0\" \"$@\""
            ))
            .args([BIN, "sweep", &golden, "--out", s(&out), "--quiet"])
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!("cannot write {}/", out.display()))
                && err.contains(names)
                && err.contains("too large"),
            "{blocks}: {err}"
        );
        assert!(
            temporaries(&out).is_empty(),
            "{blocks}: {:?}",
            temporaries(&out)
        );
    }
}
