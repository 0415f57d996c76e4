//! Plots as a user meets them: a sampled design draws each output against each varied
//! parameter, `triad plot --metric/--facet` redraws one metric of a finished sweep or run
//! folder and refuses unknown names with the valid ones listed, and no text of any plot
//! runs outside its canvas.

use std::path::Path;
use std::process::{Command, Output};
use triad::report::plot::textfit;

const BIN: &str = env!("CARGO_BIN_EXE_triad");
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// A Sobol design over two shares crossed with a categorical axis of two user tiers and a
/// numeric axis: 2 x 2 x 8 cells x 2 policies x 2 replications of a light day.
const DESIGN: &str = r#"
title = "design"
seed = 5
replications = 2
[base]
horizon_hours = 24.0
sample_every_hours = 6.0
budget = 2.0
[base.workload]
arrival_per_hour = 20.0
[[axis]]
path = "policy.tiers.user"
values = ["8B", "32B"]
[[axis]]
path = "workload.arrival_per_hour"
values = [10.0, 20.0]
[design]
method = "sobol"
n = 8
[[design.dim]]
path = "policy.shares.evolver"
min = 0.0
max = 0.3
[[design.dim]]
path = "policy.shares.verifier"
min = 0.0
max = 0.1
[[policy]]
label = "a policy with a rather long label, to wrap"
kind = "static"
shares = { evolver = 0.1, verifier = 0.05 }
tiers = { evolver = "8B", user = "32B", verifier = "8B" }
[[policy]]
label = "struggle-adaptive"
kind = "struggle-adaptive"
shares = { evolver = 0.1, verifier = 0.05 }
tiers = { evolver = "8B", user = "32B", verifier = "8B" }
"#;

fn triad(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> String {
    let o = triad(args);
    assert!(
        o.status.success(),
        "triad {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every SVG under `dir/plots`: none has text off its canvas; returns how many.
fn texts_fit(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir.join("plots")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "svg") {
            let o = textfit::overflows(&std::fs::read_to_string(&p).unwrap(), FONT).unwrap();
            assert!(o.is_empty(), "{}: {o:?}", p.display());
            n += 1;
        }
    }
    n
}

#[test]
fn a_design_sweep_draws_each_output_against_each_varied_parameter() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("design.toml");
    std::fs::write(&file, DESIGN).unwrap();
    let out = tmp.path().join("out");
    ok(&[
        "sweep",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    for stem in [
        "design_yield",
        "design_yield_per_dollar",
        "yield_diff_by_policy",
    ] {
        assert!(out.join(format!("plots/{stem}.png")).exists(), "{stem}");
        assert!(report.contains(&format!("(plots/{stem}.png)")), "{stem}");
    }
    // The numeric axis and both design dimensions are drawn; the tier axis is not a number.
    let caption = report
        .lines()
        .find(|l| l.starts_with("Mean yield over replications at each of the 32 cells"))
        .expect("the design plot's caption");
    for p in [
        "workload.arrival_per_hour",
        "policy.shares.evolver",
        "policy.shares.verifier",
    ] {
        assert!(caption.contains(&format!("`{p}`")), "{caption}");
    }
    assert!(!caption.contains("policy.tiers.user"), "{caption}");
    // Each bar of the best cells names its cell.
    let best = std::fs::read_to_string(out.join("plots/yield_best_cell_by_policy.svg")).unwrap();
    assert!(
        best.contains("verifier = "),
        "best-cell ticks name the cell"
    );
    assert!(texts_fit(&out) >= 15);

    // --metric: a run metric, faceted by the numeric axis; a time-series column.
    let printed = ok(&[
        "plot",
        out.to_str().unwrap(),
        "--metric",
        "solve_rate",
        "--facet",
        "workload.arrival_per_hour",
    ]);
    assert!(
        printed.contains("solve_rate_by_policy_by_workload_arrival_per_hour.png"),
        "{printed}"
    );
    assert!(
        out.join("plots/solve_rate_diff_by_policy_by_workload_arrival_per_hour.png")
            .exists()
    );
    let printed = ok(&["plot", out.to_str().unwrap(), "--metric", "failure_rate"]);
    assert!(
        printed.trim().ends_with("series_failure_rate.png"),
        "{printed}"
    );
    assert!(texts_fit(&out) >= 18);

    // Unknown names: located at the argument, the valid ones listed, exit 2.
    let o = triad(&["plot", out.to_str().unwrap(), "--metric", "yeild"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("--metric:1:1: unknown metric `yeild`"),
        "{err}"
    );
    assert!(
        err.contains("yield, yield_per_dollar") && err.contains("evolver_share"),
        "{err}"
    );
    let o = triad(&[
        "plot",
        out.to_str().unwrap(),
        "--metric",
        "yield",
        "--facet",
        "policy.shares",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("--facet:1:1: unknown axis `policy.shares`")
            && err.contains("policy.tiers.user, workload.arrival_per_hour"),
        "{err}"
    );
    let o = triad(&[
        "plot",
        out.to_str().unwrap(),
        "--facet",
        "policy.tiers.user",
    ]);
    assert_eq!(o.status.code(), Some(2), "--facet without --metric");
}

#[test]
fn a_run_folders_metric_is_redrawn() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("day.toml");
    std::fs::write(
        &file,
        "horizon_hours = 24.0\nsample_every_hours = 6.0\nbudget = 2.0\n\
         [workload]\narrival_per_hour = 20.0\n",
    )
    .unwrap();
    let out = tmp.path().join("run");
    let o = out.to_str().unwrap();
    ok(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        o,
        "--replications",
        "3",
        "--quiet",
    ]);
    let printed = ok(&["plot", o, "--metric", "harness_quality"]);
    assert!(
        printed.trim().ends_with("plots/harness_quality.png"),
        "{printed}"
    );
    ok(&["plot", o, "--metric", "yield"]);
    assert!(out.join("plots/yield.png").exists());
    assert_eq!(texts_fit(&out), 2);
    let r = triad(&["plot", o, "--metric", "nope"]);
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.starts_with("--metric:1:1: unknown metric `nope`") && err.contains("harness_quality"),
        "{err}"
    );
    assert_eq!(
        triad(&["plot", o]).status.code(),
        Some(2),
        "a run folder needs --metric"
    );
}
