//! `triad plot`: redraws the plots of a finished folder from its CSVs, all of them or one
//! metric's (`--metric`, optionally `--facet AXIS`); a run folder's metric is drawn from
//! its `run.csv` and `timeseries.csv`.

use crate::report::{self, MetricKind, plot};
use crate::scenario::{InputError, Problem};
use crate::sweep::csv;
use crate::sweep::folder::{PLAN, REPORT};
use crate::sweep::read::{read_plan, read_runs};
use crate::sweep::summary::LEVEL;
use std::path::{Path, PathBuf};

/// Arguments of `triad plot`.
#[derive(Debug, Clone, Default)]
pub struct PlotArgs {
    /// The finished folder: a sweep's, a stress run's or a run's.
    pub dir: PathBuf,
    /// Redraw only this metric: a column of `runs.csv` (`run.csv`) or of `timeseries.csv`.
    pub metric: Option<String>,
    /// One panel per value of this grid axis (a sweep folder, with `--metric`).
    pub facet: Option<String>,
}

/// A located error at argument `flag` (`--metric:1:1: ...`), exit code 2.
fn bad(flag: &str, message: String) -> anyhow::Error {
    InputError {
        file: flag.into(),
        problems: vec![Problem {
            line: 1,
            col: 1,
            message,
        }],
    }
    .into()
}

/// `name` is not among `valid` (what `kind` lists): the message lists them all.
fn unknown(flag: &str, what: &str, name: &str, kind: &str, valid: &[String]) -> anyhow::Error {
    bad(
        flag,
        format!(
            "unknown {what} `{name}`; {kind}: {}",
            if valid.is_empty() {
                "none".to_string()
            } else {
                valid.join(", ")
            }
        ),
    )
}

/// `triad plot`: redraws the plots of `args.dir` (every plot, or one metric's), printing
/// the path of each PNG written.
pub fn plot(args: &PlotArgs) -> anyhow::Result<()> {
    let dir = &args.dir;
    if !dir.join(PLAN).exists() && dir.join("run.csv").exists() {
        return plot_run(args);
    }
    let (plan, _) = read_plan(dir)?;
    if crate::sensitivity::spec_of(&plan).is_some() {
        if args.metric.is_some() || args.facet.is_some() {
            return Err(bad(
                if args.metric.is_some() {
                    "--metric"
                } else {
                    "--facet"
                },
                format!(
                    "{} is a sensitivity folder: `triad plot {}` redraws its plots; --metric \
                     and --facet apply to sweep and run folders",
                    dir.display(),
                    dir.display()
                ),
            ));
        }
        crate::sensitivity::report::finalize(dir, &plan)?;
        crate::say!("{}", dir.join(REPORT).display());
        return Ok(());
    }
    if crate::stress::is_stress_plan(&plan) {
        if args.metric.is_some() || args.facet.is_some() {
            return Err(bad(
                if args.metric.is_some() {
                    "--metric"
                } else {
                    "--facet"
                },
                format!(
                    "{} is a stress folder: `triad plot {}` redraws its plots; --metric and \
                     --facet apply to sweep and run folders",
                    dir.display(),
                    dir.display()
                ),
            ));
        }
        crate::stress::report::finalize(dir, &plan)?;
        crate::say!("{}", dir.join(REPORT).display());
        return Ok(());
    }
    let table = read_runs(dir, &plan)?;
    let summary = crate::sweep::Summary::new(&plan, &table);
    let series = csv::read_series(dir, &plan, &table, &summary.best_objective_cells())?;
    let Some(metric) = &args.metric else {
        if let Some(f) = &args.facet {
            return Err(bad(
                "--facet",
                format!("--facet {f} needs --metric: which metric to draw in panels"),
            ));
        }
        for p in report::draw_all(dir, &plan, &table, &summary, &series)? {
            crate::say!("{}", dir.join(format!("{}.png", p.stem)).display());
        }
        return Ok(());
    };
    let kind = if let Some(m) = table.metric_index(metric) {
        MetricKind::Run(m)
    } else if let Some(c) = series.columns.iter().position(|c| c == metric) {
        MetricKind::Series(c)
    } else {
        let mut valid = table.metrics.clone();
        valid.extend(series.columns.iter().cloned());
        return Err(unknown(
            "--metric",
            "metric",
            metric,
            "the folder's metrics (runs.csv, then timeseries.csv)",
            &valid,
        ));
    };
    let facet = match &args.facet {
        None => None,
        Some(f) => {
            let axes: Vec<String> = plan
                .axes
                .iter()
                .filter(|a| a.values.len() >= 2)
                .map(|a| a.path.clone())
                .collect();
            let Some(i) = plan
                .axes
                .iter()
                .position(|a| a.path == *f && a.values.len() >= 2)
            else {
                return Err(unknown(
                    "--facet",
                    "axis",
                    f,
                    "the sweep's grid axes with two values or more",
                    &axes,
                ));
            };
            if matches!(kind, MetricKind::Series(_)) {
                return Err(bad(
                    "--facet",
                    format!(
                        "`{metric}` is a time-series column, drawn at each policy's best cell: \
                         --facet applies to the metrics of runs.csv"
                    ),
                ));
            }
            Some(i)
        }
    };
    let plots = report::draw_metric(dir, &plan, &table, &summary, &series, kind, facet)?;
    for p in plots {
        crate::say!("{}", dir.join(format!("{}.png", p.stem)).display());
    }
    Ok(())
}

/// A CSV file as a header and rows of numbers (an empty field or text is NaN), with the
/// error of a row that cannot be read located at its line.
fn read_numbers(path: &Path) -> anyhow::Result<(Vec<String>, Vec<Vec<f64>>)> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let mut r = ::csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| anyhow::anyhow!("{}:1:1: {e}", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            InputError {
                file: path.display().to_string(),
                problems: vec![Problem {
                    line: line as usize,
                    col: 1,
                    message: format!("{e}"),
                }],
            }
        })?;
        rows.push(
            rec.iter()
                .map(|f| f.trim().parse::<f64>().unwrap_or(f64::NAN))
                .collect(),
        );
    }
    Ok((header, rows))
}

/// `triad plot RUN_DIR --metric M`: a column of `timeseries.csv` (the first replication)
/// over simulated time, or a column of `run.csv` as its mean with a 95% CI over the
/// replications. Writes `plots/<metric>.png` and `.svg`.
fn plot_run(args: &PlotArgs) -> anyhow::Result<()> {
    let dir = &args.dir;
    let (runs_header, runs) = read_numbers(&dir.join("run.csv"))?;
    let series_file = dir.join("timeseries.csv");
    let (ts_header, ts) = if series_file.exists() {
        read_numbers(&series_file)?
    } else {
        (Vec::new(), Vec::new())
    };
    let skip = ["scenario", "seed", "policy", "replication"];
    let run_metrics: Vec<String> = runs_header
        .iter()
        .filter(|h| !skip.contains(&h.as_str()))
        .cloned()
        .collect();
    let series_cols: Vec<String> = ts_header.iter().skip(1).cloned().collect();
    let Some(metric) = &args.metric else {
        let mut valid = run_metrics.clone();
        valid.extend(series_cols.iter().cloned());
        return Err(bad(
            "--metric",
            format!(
                "{} is a run folder: name the metric to draw with --metric; its metrics \
                 (run.csv, then timeseries.csv): {}",
                dir.display(),
                valid.join(", ")
            ),
        ));
    };
    if let Some(f) = &args.facet {
        return Err(bad(
            "--facet",
            format!(
                "--facet {f}: a run folder has no axes (a sweep folder has; `triad sweep` runs \
                 one)"
            ),
        ));
    }
    let stem = dir.join("plots").join(report::slug(metric));
    if let Some(c) = ts_header.iter().skip(1).position(|h| h == metric) {
        let pts: Vec<(f64, crate::base::stats::MeanCi)> = ts
            .iter()
            .map(|row| (row[0], crate::base::stats::mean_ci(&[row[c + 1]], LEVEL)))
            .filter(|(_, m)| m.mean.is_finite())
            .collect();
        let what = if report::cumulative(metric) {
            "cumulative"
        } else {
            "over time"
        };
        plot::series(
            &stem,
            &format!("{metric}, {what} (the run's first replication)"),
            &report::series_label(metric),
            &[(metric.clone(), pts)],
        )?;
    } else if let Some(c) = runs_header.iter().position(|h| h == metric) {
        let xs: Vec<f64> = runs.iter().map(|r| r[c]).filter(|x| !x.is_nan()).collect();
        let ci = report::clip(
            crate::base::stats::mean_ci(&xs, LEVEL),
            report::bounds(metric),
        );
        plot::bar_ci(
            &stem,
            &format!("Mean {metric} over {} replications, 95% CI", xs.len()),
            "run",
            &report::with_unit(metric),
            &[dir
                .file_name()
                .map_or("run".into(), |n| n.to_string_lossy().into_owned())],
            &[ci],
        )?;
    } else {
        let mut valid = run_metrics;
        valid.extend(series_cols);
        return Err(unknown(
            "--metric",
            "metric",
            metric,
            "the run's metrics (run.csv, then timeseries.csv)",
            &valid,
        ));
    }
    crate::say!("{}", stem.with_extension("png").display());
    Ok(())
}
