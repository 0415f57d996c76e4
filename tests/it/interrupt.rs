//! Ctrl-C: a sweep stops after the runs in flight, exits with code 130 and says that the
//! same command resumes; rerunning it gives the bytes of an uninterrupted sweep.

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
