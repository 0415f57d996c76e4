//! Ctrl-C: a sweep stops after the runs in flight, a calibration after the evaluation in
//! flight; both exit with code 130 and say that the same command resumes, and rerunning it
//! gives the bytes of an uninterrupted run.

use crate::common::{files_but_manifest, slow_sweep};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_triad");

fn lines(p: &Path) -> usize {
    std::fs::read(p)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_a_sweep_that_the_same_command_resumes_to_the_same_bytes() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("slow.toml");
    std::fs::write(&f, slow_sweep(12)).unwrap();
    let fs = f.to_str().unwrap();
    let whole = t.path().join("whole");
    let o = Command::new(BIN)
        .args(["sweep", fs, "--quiet", "--threads", "1"])
        .args(["--out", whole.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let cut = t.path().join("cut");
    let args = ["sweep", fs, "--quiet", "--threads", "1", "--out"];
    let child = Command::new(BIN)
        .args(args)
        .arg(&cut)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    // Once a few runs are in runs.csv (header + 3 rows), press Ctrl-C.
    while lines(&cut.join("runs.csv")) < 4 && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(2));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(
        err.lines()
            .any(|l| l.contains("rerun the same command") && l.contains("resume")),
        "{err}"
    );
    let done = lines(&cut.join("runs.csv"));
    assert!(
        (4..=108).contains(&done),
        "{done} lines in runs.csv after Ctrl-C"
    );
    assert!(!cut.join("report.md").exists(), "the report of a part");

    let o = Command::new(BIN).args(args).arg(&cut).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (a, b) = (files_but_manifest(&whole), files_but_manifest(&cut));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for ((f, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{f} differs from the uninterrupted sweep");
    }
}

/// A one-parameter calibration small enough for a debug test (about 150 evaluations of 2
/// runs of a day each), slow enough to be stopped in the middle.
fn tiny_calibration(dir: &Path, value: f64) -> std::path::PathBuf {
    std::fs::write(
        dir.join("w.toml"),
        "horizon_hours = 24.0\nsample_every_hours = 24.0\nepoch_hours = 6.0\nbudget = 5.0\n\
         [workload]\narrival_per_hour = 20.0\n[policy]\nkind = \"static\"\nsamples = 3\n",
    )
    .unwrap();
    let f = dir.join("c.toml");
    std::fs::write(
        &f,
        format!(
            "base = \"w.toml\"\nreplications = 2\n[[fit]]\npath = \"traits.judge_noise\"\n\
             range = [0.1, 2.0]\n[[target]]\nname = \"accuracy\"\nsource = \"made up for a \
             test\"\nmetric = \"verifier_accuracy\"\nvalue = {value:?}\nsd = 0.02\n"
        ),
    )
    .unwrap();
    f
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_a_calibration_that_the_same_command_resumes_to_the_same_bytes() {
    let t = tempfile::tempdir().unwrap();
    let f = tiny_calibration(t.path(), 0.7);
    let calibrate = |out: &Path, extra: &[&str]| {
        Command::new(BIN)
            .args(["calibrate", f.to_str().unwrap(), "--threads", "1", "--out"])
            .arg(out)
            .args(extra)
            .output()
            .unwrap()
    };
    let whole = t.path().join("whole");
    let o = calibrate(&whole, &["--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let total = lines(&whole.join("evaluations.csv"));
    assert!(total > 60, "{total} lines in evaluations.csv");

    let cut = t.path().join("cut");
    let child = Command::new(BIN)
        .args([
            "calibrate",
            f.to_str().unwrap(),
            "--threads",
            "1",
            "--quiet",
        ])
        .arg("--out")
        .arg(&cut)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    // Once 20 evaluations are recorded (header + 20 rows: one target), press Ctrl-C.
    while lines(&cut.join("evaluations.csv")) < 21 && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(1));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(
        err.lines().any(
            |l| l.contains("evaluations.csv") && l.contains("rerun the same command to resume")
        ),
        "{err}"
    );
    let done = lines(&cut.join("evaluations.csv"));
    assert!(
        (21..total).contains(&done),
        "{done} of {total} lines in evaluations.csv after Ctrl-C"
    );
    assert!(!cut.join("report.md").exists(), "the report of a part");
    // A kill in the middle of a write leaves a torn last line: the rerun drops it.
    let mut torn = std::fs::read(cut.join("evaluations.csv")).unwrap();
    torn.extend_from_slice(b"999,fit,0.5,accu");
    std::fs::write(cut.join("evaluations.csv"), torn).unwrap();

    let o = calibrate(&cut, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let reused = done - 1;
    assert!(
        err.contains(&format!("resuming: {reused} evaluations recorded"))
            && err.contains(&format!("({reused} reused from the earlier run)")),
        "{err}"
    );
    let (a, b) = (files_but_manifest(&whole), files_but_manifest(&cut));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for ((f, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{f} differs from the uninterrupted calibration");
    }

    // Another seed, or an edited file, cannot reuse the folder's evaluations: refused
    // (exit 2) unless --force starts it over.
    let o = calibrate(&cut, &["--seed", "2"]);
    assert_eq!(o.status.code(), Some(2));
    tiny_calibration(t.path(), 0.71);
    let o = calibrate(&cut, &["--quiet"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("for another calibration") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(files_but_manifest(&cut), a, "a refused rerun wrote");
    let o = calibrate(&cut, &["--force"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(!err.contains("reused"), "{err}");
    assert_ne!(
        std::fs::read(cut.join("fit.csv")).unwrap(),
        a["fit.csv"],
        "the forced run fitted the old target"
    );
}

/// Set in the child process of [`a_claim_check_stops_when_asked_from_any_folder`].
const CHILD: &str = "TRIAD_TEST_CLAIM_STOP_CHILD";

/// Asked to stop (as the Python module asks on Ctrl-C), every claim's check ends with the
/// library's `Interrupted` error before its first replication, and after the request is
/// cleared the next check runs. The stop flag is process-wide, so this runs in a child
/// process of its own (the test binary re-run on this test alone), away from the tests
/// that run sweeps in parallel; the child's working folder has no `scenarios/claims/`, so
/// the checks read the claims' scenarios built into the library.
#[test]
fn a_claim_check_stops_when_asked_from_any_folder() {
    use triad::base::interrupt::{self, Interrupted};
    use triad::claims::{self, Effort};
    if std::env::var_os(CHILD).is_none() {
        let t = tempfile::tempdir().unwrap();
        let o = Command::new(std::env::current_exe().unwrap())
            .args([
                "interrupt::a_claim_check_stops_when_asked_from_any_folder",
                "--exact",
                "--nocapture",
            ])
            .env(CHILD, "1")
            .current_dir(t.path())
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && out.contains("1 passed"),
            "{out}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        return;
    }
    let file = claims::scenario_file("2", None);
    assert!(
        file.starts_with(std::env::temp_dir()) && file.is_file(),
        "{}",
        file.display()
    );
    interrupt::request();
    for c in claims::all() {
        let file = claims::scenario_file(c.id(), None);
        let e = c
            .check(&file, Effort::Quick, 1)
            .err()
            .unwrap_or_else(|| panic!("claim {} ran to the end though asked to stop", c.id()));
        assert!(e.is::<Interrupted>(), "claim {}: {e:#}", c.id());
    }
    interrupt::clear();
    let o = claims::select("2")
        .remove(0)
        .check(&file, Effort::Quick, 1)
        .unwrap();
    assert!(!o.measured.is_empty());
}
