//! Ctrl-C: a sweep stops after the runs in flight, exits with code 130 and says that the
//! same command resumes; rerunning it gives the bytes of an uninterrupted sweep.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_triad");

/// 3 x 3 cells x 12 replications of eight days (about 15 ms a run in a debug build, so
/// about a second and a half on one thread): long enough to be interrupted in the middle.
const SLOW: &str = r#"
seed = 5
replications = 12
[base]
horizon_hours = 192.0
budget = 6.0
[base.workload]
arrival_per_hour = 60.0
[base.policy]
kind = "static"
shares = { evolver = 0.1, verifier = 0.05 }
[[axis]]
path = "policy.shares.evolver"
values = [0.05, 0.1, 0.2]
[[axis]]
path = "workload.arrival_per_hour"
values = [40.0, 60.0, 80.0]
"#;

fn lines(p: &Path) -> usize {
    std::fs::read(p)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

/// Every file under `dir` but the manifest (relative path -> bytes).
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                if rel != "manifest.json" {
                    out.push((rel, std::fs::read(&p).unwrap()));
                }
            }
        }
    }
    out.sort();
    out
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_a_sweep_that_the_same_command_resumes_to_the_same_bytes() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("slow.toml");
    std::fs::write(&f, SLOW).unwrap();
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
    let (a, b) = (files(&whole), files(&cut));
    assert_eq!(
        a.iter().map(|(f, _)| f).collect::<Vec<_>>(),
        b.iter().map(|(f, _)| f).collect::<Vec<_>>()
    );
    for ((f, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{f} differs from the uninterrupted sweep");
    }
}
