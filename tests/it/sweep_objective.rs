//! A sweep's objective: what "best cell" means. A cost metric, minimised, picks the
//! cheapest cell (computed here by hand from runs.csv) everywhere the report names a best
//! cell; an unknown metric is refused at its line; a best cell at the end of a numeric axis
//! is warned about on stderr and in the report.

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::Path;

fn triad(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("triad")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A small grid: evolver share x verifier share, 3 replications, on a tight budget.
fn sweep_file(objective: &str) -> String {
    format!(
        "seed = 11\nreplications = 3\n{objective}\n[base]\nhorizon_hours = 48.0\n\
         sample_every_hours = 12.0\nbudget = 4.0\n[base.workload]\narrival_per_hour = 60.0\n\
         [[axis]]\npath = \"policy.shares.evolver\"\nvalues = [0.0, 0.1, 0.2, 0.3]\n\
         [[axis]]\npath = \"policy.shares.verifier\"\nvalues = [0.0, 0.05, 0.2]\n\
         [[policy]]\nlabel = \"static\"\nkind = \"static\"\n\
         shares = {{ evolver = 0.1, verifier = 0.1 }}\n\
         tiers = {{ evolver = \"8B\", user = \"32B\", verifier = \"8B\" }}\n"
    )
}

/// Per cell `(evolver, verifier)`, the mean over replications of `f(row)`, from runs.csv.
fn cell_means(
    dir: &Path,
    f: impl Fn(&dyn Fn(&str) -> f64) -> f64,
) -> BTreeMap<(String, String), f64> {
    let mut rd = csv::Reader::from_path(dir.join("runs.csv")).unwrap();
    let h = rd.headers().unwrap().clone();
    let mut sums: BTreeMap<(String, String), (f64, usize)> = BTreeMap::new();
    for r in rd.records() {
        let r = r.unwrap();
        let get = |n: &str| -> f64 {
            let i = h.iter().position(|x| x == n).unwrap();
            r[i].parse().unwrap_or(f64::NAN)
        };
        let key = |n: &str| r[h.iter().position(|x| x == n).unwrap()].to_string();
        let v = f(&get);
        if v.is_finite() {
            let e = sums
                .entry((
                    key("param.policy.shares.evolver"),
                    key("param.policy.shares.verifier"),
                ))
                .or_default();
            e.0 += v;
            e.1 += 1;
        }
    }
    sums.into_iter()
        .map(|(k, (s, n))| (k, s / n as f64))
        .collect()
}

/// The best cell's row of the report's "Best cell per policy" table: `(evolver,
/// verifier)`.
fn report_best(report: &str) -> (String, String) {
    let section = report
        .split("## Best cell per policy")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let row = section
        .lines()
        .find(|l| l.starts_with("| static |"))
        .unwrap_or_else(|| panic!("no row for static:\n{section}"));
    let f: Vec<&str> = row.split('|').map(str::trim).collect();
    (f[3].to_string(), f[4].to_string())
}

#[test]
fn a_cost_objective_minimised_picks_the_cheapest_cell() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("cost.toml");
    std::fs::write(
        &f,
        sweep_file("objective = { metric = \"cost_per_solved\", direction = \"minimize\" }"),
    )
    .unwrap();
    let out = t.path().join("o");
    let o = triad(&["sweep", s(&f), "--out", s(&out), "--quiet"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // By hand: per run spend_total / tasks_solved, averaged per cell.
    let cost = cell_means(&out, |g| {
        let n = g("tasks_solved");
        if n > 0.0 {
            g("spend_total") / n
        } else {
            f64::NAN
        }
    });
    let yields = cell_means(&out, |g| g("yield"));
    let argbest = |m: &BTreeMap<(String, String), f64>, lower: bool| {
        m.iter()
            .min_by(|a, b| {
                let (x, y) = (*a.1, *b.1);
                if lower {
                    x.total_cmp(&y)
                } else {
                    y.total_cmp(&x)
                }
            })
            .unwrap()
            .0
            .clone()
    };
    let cheapest = argbest(&cost, true);
    let dearest = argbest(&cost, false);
    assert_ne!(cheapest, dearest, "{cost:?}");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert_eq!(report_best(&report), cheapest, "{cost:?}\n{report}");
    assert!(
        report.contains("The objective is `cost_per_solved`, minimised"),
        "{report}"
    );
    // The derived objective is summarised like a run metric.
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(
        summary.contains(",static,cost_per_solved,3,0,"),
        "{summary}"
    );
    // The heatmap, the near-best list and the time series follow the same cell.
    assert!(
        report.contains(&format!(
            "best (lowest mean cost_per_solved) policy.shares.evolver = {}, \
             policy.shares.verifier = {}",
            cheapest.0, cheapest.1
        )),
        "{report}"
    );
    let near = std::fs::read_to_string(out.join("near_best.csv")).unwrap();
    let best_row = near.lines().nth(1).unwrap();
    assert!(
        best_row.starts_with("cost_per_solved,minimize,static,best,")
            && best_row.contains(&format!(",{},{},", cheapest.0, cheapest.1)),
        "{near}"
    );
    let series = std::fs::read_to_string(out.join("timeseries_summary.csv")).unwrap();
    let cells: std::collections::BTreeSet<&str> = series
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(cells.len(), 1, "one best cell's series");

    // The same grid, yield maximised: the best cell is the highest mean yield.
    let g = t.path().join("yield.toml");
    std::fs::write(&g, sweep_file("")).unwrap();
    let out2 = t.path().join("o2");
    let o = triad(&["sweep", s(&g), "--out", s(&out2), "--quiet"]);
    assert_eq!(o.status.code(), Some(0));
    let report2 = std::fs::read_to_string(out2.join("report.md")).unwrap();
    assert_eq!(report_best(&report2), argbest(&yields, false), "{report2}");
    // Without an objective, plan.json does not name one (folders written before
    // objectives existed keep their fingerprint).
    let plan = std::fs::read_to_string(out2.join("plan.json")).unwrap();
    assert!(!plan.contains("objective"));
}

#[test]
fn an_unknown_objective_metric_is_refused_at_its_line() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("bad.toml");
    std::fs::write(&f, sweep_file("objective = { metric = \"yeild\" }")).unwrap();
    let o = triad(&["sweep", s(&f), "--out", s(&t.path().join("o"))]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("bad.toml:3:24: objective.metric: unknown metric \"yeild\""),
        "{err}"
    );
    assert!(
        err.contains("yield_per_dollar") && err.contains("cost_per_solved"),
        "{err}"
    );
    assert!(!t.path().join("o").join("runs.csv").exists());
    std::fs::write(
        &f,
        sweep_file("objective = { metric = \"yield\", direction = \"up\" }"),
    )
    .unwrap();
    let o = triad(&["validate", s(&f)]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("objective.direction: unknown direction \"up\""),
        "{out}"
    );
}

/// A budget axis and yield maximised: more money buys more, so the best cell is the
/// largest budget, at the end of the axis, and the warning says to widen it.
#[test]
fn a_best_cell_at_the_end_of_an_axis_is_warned_about() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("edge.toml");
    std::fs::write(
        &f,
        "seed = 3\nreplications = 2\n[base]\nhorizon_hours = 24.0\nbudget = 1.0\n\
         [base.workload]\narrival_per_hour = 60.0\n\
         [[axis]]\npath = \"budget\"\nvalues = [0.5, 1.0, 2.0]\n",
    )
    .unwrap();
    let out = t.path().join("o");
    let o = triad(&["sweep", s(&f), "--out", s(&out), "--quiet"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let yields = {
        let mut rd = csv::Reader::from_path(out.join("runs.csv")).unwrap();
        let h = rd.headers().unwrap().clone();
        let (b, y) = (
            h.iter().position(|x| x == "param.budget").unwrap(),
            h.iter().position(|x| x == "yield").unwrap(),
        );
        let mut m: BTreeMap<String, f64> = BTreeMap::new();
        for r in rd.records() {
            let r = r.unwrap();
            *m.entry(r[b].to_string()).or_default() += r[y].parse::<f64>().unwrap();
        }
        m
    };
    // The premise: the largest budget has the highest yield.
    assert!(
        yields["2.0"] > yields["1.0"] && yields["2.0"] > yields["0.5"],
        "{yields:?}"
    );
    assert!(
        err.contains(
            "warning: policy `base`: its best cell (2) sits at `budget` = 2.0, the largest \
             value of the axis"
        ) && err.contains("widen `budget` upwards"),
        "{err}"
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("**Warning: a best cell on the edge of the grid.**"),
        "{report}"
    );
}
