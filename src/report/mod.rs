//! Reports of a sweep: plots (PNG and SVG) and a markdown summary, drawn from the run
//! table and the time series.

pub mod markdown;
pub mod plot;

use crate::sweep::files::SeriesSummary;
use crate::sweep::plan::Plan;
use crate::sweep::summary::{Lookup, RunTable};
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, flushed, then
/// renamed over the target, so readers see the old file or the new one, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut f = std::fs::File::create(&tmp)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", tmp.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(())
}

/// One plot written: file stem relative to the output folder and a caption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlotInfo {
    /// Path without extension, relative to the output folder (`plots/yield_by_policy`).
    pub stem: String,
    /// What it shows.
    pub caption: String,
}

/// A label with its unit for known metrics and series columns.
pub fn with_unit(name: &str) -> String {
    let unit = match name {
        "yield" => "value of tasks solved per run",
        "mean_wait" => "hours",
        "hour" => "hours",
        "harness_quality" => "quality score",
        "utilisation" | "utilization" => "fraction of capacity",
        "queue_len" => "customers waiting",
        "served" => "customers, cumulative",
        "reneged" => "customers",
        "spend" => "dollars",
        "arrival" => "customers per hour",
        "service" => "services per hour per server",
        "servers" | "policy.extra_servers" => "count",
        "patience" | "horizon" => "hours",
        "policy.speedup" => "service-rate factor",
        p if p.starts_with("policy.shares.") => "share of budget",
        _ => "",
    };
    if unit.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({unit})")
    }
}

/// A file-name-safe form of `s`.
pub fn slug(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() { "_".into() } else { out }
}

fn is_numeric(v: &toml::Value) -> bool {
    matches!(v, toml::Value::Float(_) | toml::Value::Integer(_))
}

fn as_f64(v: &toml::Value) -> f64 {
    match v {
        toml::Value::Float(f) => *f,
        toml::Value::Integer(i) => *i as f64,
        _ => f64::NAN,
    }
}

fn tick(v: &toml::Value) -> String {
    crate::sweep::files::param_str(v)
}

/// Draws every plot of a sweep into `dir/plots/` and returns what was drawn:
/// the headline metric per policy (mean over the grid, 95% CI), against the first numeric
/// axis, the heatmap over two axes per policy (evolver x verifier shares if swept), and
/// each time-series column per policy.
pub fn draw_all(
    dir: &Path,
    plan: &Plan,
    table: &RunTable,
    series: &SeriesSummary,
) -> anyhow::Result<Vec<PlotInfo>> {
    let mut out = Vec::new();
    let plots = dir.join("plots");
    let labels: Vec<String> = plan.policies.iter().map(|p| p.label.clone()).collect();
    if let Some(m) = table.headline() {
        let name = &table.metrics[m];
        let look = Lookup::new(plan, table);
        let all = look.marginal(m, &[]);
        if let Some(cis) = all.values().next() {
            let stem = format!("plots/{}_by_policy", slug(name));
            let over = if plan.n_cells() > 1 {
                format!(" (mean over {} cells)", plan.n_cells())
            } else {
                String::new()
            };
            plot::bar_ci(
                &dir.join(&stem),
                &format!("Mean {name} per policy{over}, 95% CI"),
                "policy",
                &with_unit(name),
                &labels,
                cis,
            )?;
            out.push(PlotInfo {
                stem,
                caption: format!(
                    "Mean {name} per policy{over} with 95% confidence intervals over replications."
                ),
            });
        }
        let numeric: Vec<usize> = plan
            .axes
            .iter()
            .enumerate()
            .filter(|(_, a)| a.values.len() >= 2 && a.values.iter().all(is_numeric))
            .map(|(i, _)| i)
            .collect();
        if let Some(&a) = numeric.first() {
            let axis = &plan.axes[a];
            let groups = look.marginal(m, &[a]);
            let lines: Vec<plot::Line> = labels
                .iter()
                .enumerate()
                .map(|(p, l)| {
                    let pts = groups
                        .iter()
                        .map(|(k, cis)| (as_f64(&axis.values[k[0]]), cis[p]))
                        .collect();
                    (l.clone(), pts)
                })
                .collect();
            let stem = format!("plots/{}_vs_{}", slug(name), slug(&axis.path));
            plot::lines_ci(
                &dir.join(&stem),
                &format!("{name} against {} per policy, 95% CI", axis.path),
                &with_unit(&axis.path),
                &with_unit(name),
                &lines,
            )?;
            out.push(PlotInfo {
                stem,
                caption: format!(
                    "Mean {name} against `{}` per policy (other parameters averaged), shaded 95% CI.",
                    axis.path
                ),
            });
        }
        if numeric.len() >= 2 {
            let find = |suffix: &str| {
                numeric
                    .iter()
                    .copied()
                    .find(|&i| plan.axes[i].path.ends_with(suffix))
            };
            let (ax, ay) = match (find("evolver"), find("verifier")) {
                (Some(x), Some(y)) if x != y => (x, y),
                _ => (numeric[0], numeric[1]),
            };
            let groups = look.marginal(m, &[ax, ay]);
            let (xa, ya) = (&plan.axes[ax], &plan.axes[ay]);
            let xt: Vec<String> = xa.values.iter().map(tick).collect();
            let yt: Vec<String> = ya.values.iter().map(tick).collect();
            for (p, l) in labels.iter().enumerate() {
                let mut z = vec![vec![f64::NAN; yt.len()]; xt.len()];
                for (k, cis) in &groups {
                    z[k[0]][k[1]] = cis[p].mean;
                }
                let mut best = None;
                let mut bv = f64::NEG_INFINITY;
                for (ix, col) in z.iter().enumerate() {
                    for (iy, &v) in col.iter().enumerate() {
                        if v > bv {
                            bv = v;
                            best = Some((ix, iy));
                        }
                    }
                }
                let stem = format!("plots/heatmap_{p}_{}", slug(l));
                let best_txt = best.map_or(String::new(), |(ix, iy)| {
                    format!("; best {} = {}, {} = {}", xa.path, xt[ix], ya.path, yt[iy])
                });
                plot::heatmap(
                    &dir.join(&stem),
                    &format!("Mean {name}, policy {l}"),
                    &with_unit(&xa.path),
                    &with_unit(&ya.path),
                    &with_unit(name),
                    &xt,
                    &yt,
                    &z,
                    best,
                )?;
                out.push(PlotInfo {
                    stem,
                    caption: format!(
                        "Allocation map for policy {l}: mean {name} over `{}` x `{}`{best_txt} (outlined).",
                        xa.path, ya.path
                    ),
                });
            }
        }
    }
    for (c, col) in series.columns.iter().enumerate() {
        let lines: Vec<plot::Line> = labels
            .iter()
            .enumerate()
            .map(|(p, l)| (l.clone(), series.line(p, c).into_iter().collect()))
            .collect();
        let stem = format!("plots/series_{}", slug(col));
        plot::series(
            &dir.join(&stem),
            &format!("{col} over time per policy, 95% CI"),
            &with_unit(col),
            &lines,
        )?;
        out.push(PlotInfo {
            stem,
            caption: format!(
                "`{col}` per simulated hour, mean over all runs of each policy, shaded 95% CI."
            ),
        });
    }
    let _ = std::fs::create_dir_all(&plots);
    Ok(out)
}
