//! The files of a calibration: `calibrated.toml`, `fit.csv`, `params.csv`, `profile.csv`,
//! `report.md` and its plots. Their bytes depend only on the calibration and its outcome
//! (no times, no thread counts), so a rerun with the same seed writes the same bytes.

use super::{Calibration, DELTA_95, Outcome};
use crate::base::fmt::{num, opt_num, sig};
use crate::base::output::write_atomic;
use crate::base::stats::MeanCi;
use crate::report::plot;
use std::fmt::Write as _;
use std::path::Path;

/// A target whose standardised residual exceeds this is one the fit cannot meet.
pub const Z_WARN: f64 = 3.0;

/// Writes every file of a calibration into `out` (which must exist); `seed` is recorded.
pub fn write(out: &Path, cal: &Calibration, o: &Outcome, seed: u64) -> anyhow::Result<()> {
    write_atomic(
        &out.join("calibrated.toml"),
        calibrated(cal, o, seed).as_bytes(),
    )?;
    write_atomic(&out.join("fit.csv"), &fit_csv(cal, o)?)?;
    write_atomic(&out.join("params.csv"), &params_csv(cal, o)?)?;
    write_atomic(&out.join("profile.csv"), &profile_csv(cal, o)?)?;
    plots(out, cal, o)?;
    write_atomic(&out.join("report.md"), report(cal, o, seed).as_bytes())?;
    Ok(())
}

/// The warnings of a calibration, one line each: observation groups left out, parameters
/// the targets do not bound, targets the fit cannot meet.
pub fn warnings(cal: &Calibration, o: &Outcome) -> Vec<String> {
    let mut w: Vec<String> = cal
        .observations
        .iter()
        .filter_map(|s| s.left_out_note())
        .collect();
    for (p, pr) in cal.params.iter().zip(&o.profiles) {
        if pr.flat() {
            w.push(format!(
                "`{}` is not constrained by the targets: its profile stays below {:.2} over \
                 the whole range [{}, {}], so its fitted value means nothing; add a target \
                 that moves it",
                p.path,
                DELTA_95,
                sig(p.lo),
                sig(p.hi)
            ));
        } else if !pr.bounded_below || !pr.bounded_above {
            let end = if pr.bounded_below { "upper" } else { "lower" };
            w.push(format!(
                "`{}` is bounded only on one side: its interval runs to the {end} end of the \
                 range",
                p.path
            ));
        }
    }
    for (t, f) in cal.targets.iter().zip(&o.targets) {
        if f.z.abs() > Z_WARN {
            w.push(format!(
                "target \"{}\" is not met: z = {} (|z| > {Z_WARN}); the world cannot reach it \
                 with these parameters in their ranges",
                t.name,
                sig(f.z)
            ));
        }
    }
    w
}

fn constraint_names(cal: &Calibration, o: &Outcome, i: usize) -> Vec<String> {
    o.constrained_by[i]
        .iter()
        .map(|&t| cal.targets[t].name.clone())
        .collect()
}

fn calibrated(cal: &Calibration, o: &Outcome, seed: u64) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Calibrated by `triad calibrate {}` (seed {seed}, {} replications per target):",
        cal.file, cal.replications
    );
    let _ = writeln!(
        s,
        "# objective (sum of squared z) {} over {} targets. Copy these keys into a scenario.",
        sig(o.objective),
        cal.targets.len()
    );
    let mut tiers = false;
    let mut last_table: Option<String> = None;
    for (i, p) in cal.params.iter().enumerate() {
        if p.resolved.starts_with("tier.") {
            tiers = true;
            continue;
        }
        let (table, key) = p.resolved.rsplit_once('.').unwrap_or(("", &p.resolved));
        if last_table.as_deref() != Some(table) {
            let _ = writeln!(s);
            if !table.is_empty() {
                let _ = writeln!(s, "[{table}]");
            }
            last_table = Some(table.to_string());
        }
        comment(&mut s, cal, o, i);
        let _ = writeln!(s, "{key} = {}", num(o.x[i]));
    }
    if tiers {
        // Tiers are an array: write the whole ladder with the fitted keys in place.
        let ladder = cal
            .base
            .get("tier")
            .and_then(|v| v.as_array())
            .cloned()
            .unwrap_or_default();
        for (ti, tier) in ladder.iter().enumerate() {
            let _ = writeln!(s, "\n[[tier]]");
            let Some(t) = tier.as_table() else { continue };
            for (k, v) in t {
                let path = format!("tier.{ti}.{k}");
                if let Some(i) = cal.params.iter().position(|p| p.resolved == path) {
                    comment(&mut s, cal, o, i);
                    let _ = writeln!(s, "{k} = {}", num(o.x[i]));
                } else {
                    let _ = writeln!(s, "{k} = {v}");
                }
            }
        }
    }
    s
}

fn comment(s: &mut String, cal: &Calibration, o: &Outcome, i: usize) {
    let p = &cal.params[i];
    let pr = &o.profiles[i];
    let names = constraint_names(cal, o, i);
    let by = if names.is_empty() {
        "no target (not constrained)".to_string()
    } else {
        names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        s,
        "# {}: 95% interval [{}, {}]{} (default {}); constrained by {by}",
        p.path,
        sig(pr.lo),
        sig(pr.hi),
        if pr.flat() { ", flat profile" } else { "" },
        sig(p.default)
    );
}

fn csv_out(header: &[&str], rows: Vec<Vec<String>>) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(&r)?;
    }
    Ok(w.into_inner()?)
}

fn fit_csv(cal: &Calibration, o: &Outcome) -> anyhow::Result<Vec<u8>> {
    let rows = cal
        .targets
        .iter()
        .zip(&o.targets)
        .map(|(t, f)| {
            vec![
                t.name.clone(),
                t.metric.clone(),
                num(t.value),
                num(t.sd),
                opt_num(f.sim.mean),
                opt_num(f.sim.lo),
                opt_num(f.sim.hi),
                num(f.z),
            ]
        })
        .collect();
    csv_out(
        &[
            "target",
            "metric",
            "observed",
            "sd",
            "simulated_mean",
            "simulated_ci_lo",
            "simulated_ci_hi",
            "z",
        ],
        rows,
    )
}

fn params_csv(cal: &Calibration, o: &Outcome) -> anyhow::Result<Vec<u8>> {
    let rows = cal
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let pr = &o.profiles[i];
            let bounded = match (pr.bounded_below, pr.bounded_above) {
                (true, true) => "both",
                (true, false) => "below",
                (false, true) => "above",
                (false, false) => "none",
            };
            vec![
                p.path.clone(),
                num(p.default),
                num(o.x[i]),
                num(pr.lo),
                num(pr.hi),
                num(p.lo),
                num(p.hi),
                bounded.to_string(),
                constraint_names(cal, o, i).join("; "),
            ]
        })
        .collect();
    csv_out(
        &[
            "parameter",
            "default",
            "fitted",
            "interval_lo",
            "interval_hi",
            "range_lo",
            "range_hi",
            "bounded",
            "constrained_by",
        ],
        rows,
    )
}

fn profile_csv(cal: &Calibration, o: &Outcome) -> anyhow::Result<Vec<u8>> {
    let mut rows = Vec::new();
    for (p, pr) in cal.params.iter().zip(&o.profiles) {
        for q in &pr.points {
            rows.push(vec![
                p.path.clone(),
                num(q.value),
                num(q.objective),
                num(q.delta),
            ]);
        }
    }
    csv_out(&["parameter", "value", "objective", "delta"], rows)
}

fn point(y: f64) -> MeanCi {
    MeanCi {
        n: 1,
        mean: y,
        sd: f64::NAN,
        lo: f64::NAN,
        hi: f64::NAN,
    }
}

fn plots(out: &Path, cal: &Calibration, o: &Outcome) -> anyhow::Result<()> {
    let dir = out.join("plots");
    // Observed vs fitted, per target, in units of the target's sd: the observed value is
    // 0 with its 95% band (+-1.96), the fit is z with its simulated 95% interval.
    let mut observed = Vec::new();
    let mut fitted = Vec::new();
    for (k, (t, f)) in cal.targets.iter().zip(&o.targets).enumerate() {
        let x = (k + 1) as f64;
        observed.push((
            x,
            MeanCi {
                n: 1,
                mean: 0.0,
                sd: 1.0,
                lo: -1.96,
                hi: 1.96,
            },
        ));
        let scale = |v: f64| (v - t.value) / t.sd;
        fitted.push((
            x,
            MeanCi {
                n: f.sim.n,
                mean: scale(f.sim.mean).clamp(-50.0, 50.0),
                sd: f64::NAN,
                lo: scale(f.sim.lo).clamp(-50.0, 50.0),
                hi: scale(f.sim.hi).clamp(-50.0, 50.0),
            },
        ));
    }
    plot::lines_ci(
        &dir.join("fit"),
        "Fitted vs observed, per target",
        "target (numbered as in report.md)",
        "(value - observed) / target sd",
        &[
            ("observed, 95%".to_string(), observed),
            ("fitted mean, 95% CI".to_string(), fitted),
        ],
    )?;
    let panels: Vec<plot::Panel> = cal
        .params
        .iter()
        .zip(&o.profiles)
        .map(|(p, pr)| {
            let xs: Vec<f64> = pr.points.iter().map(|q| q.value).collect();
            let (x0, x1) = (xs[0], xs[xs.len() - 1]);
            (
                p.path.clone(),
                vec![
                    (
                        "profile".to_string(),
                        pr.points
                            .iter()
                            .map(|q| (q.value, point(q.delta.min(3.0 * DELTA_95))))
                            .collect(),
                    ),
                    (
                        "95% threshold".to_string(),
                        vec![(x0, point(DELTA_95)), (x1, point(DELTA_95))],
                    ),
                ],
            )
        })
        .collect();
    plot::lines_ci_panels(
        &dir.join("profiles"),
        "Profile of each parameter",
        "parameter value",
        "objective above its minimum",
        &panels,
    )?;
    Ok(())
}

fn report(cal: &Calibration, o: &Outcome, seed: u64) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Calibration: {}\n", cal.file);
    let _ = writeln!(
        s,
        "{} parameters fitted to {} targets, {} replications per target evaluation (seed \
         {seed}); objective (sum of squared z) **{}** after {} evaluations ({} for the fit, \
         the rest for the profiles and the sensitivity check). With every target met within \
         its sd, the objective is about the number of targets less the number of parameters \
         ({}).\n",
        cal.params.len(),
        cal.targets.len(),
        cal.replications,
        sig(o.objective),
        o.evals,
        o.fit_evals,
        cal.targets.len() as i64 - cal.params.len() as i64
    );
    let w = warnings(cal, o);
    if !w.is_empty() {
        let _ = writeln!(s, "## Warnings\n");
        for l in &w {
            let _ = writeln!(s, "- {l}");
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "## Parameters\n");
    let _ = writeln!(
        s,
        "| parameter | default | fitted | 95% interval | bounded | constrained by |\n|---|---|---|---|---|---|"
    );
    for (i, p) in cal.params.iter().enumerate() {
        let pr = &o.profiles[i];
        let bounded = match (pr.bounded_below, pr.bounded_above) {
            (true, true) => "both sides",
            (true, false) => "below only",
            (false, true) => "above only",
            (false, false) => "**no (flat)**",
        };
        let by: Vec<String> = o.constrained_by[i]
            .iter()
            .map(|t| (t + 1).to_string())
            .collect();
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | [{}, {}] | {bounded} | {} |",
            p.path,
            sig(p.default),
            sig(o.x[i]),
            sig(pr.lo),
            sig(pr.hi),
            if by.is_empty() {
                "none".into()
            } else {
                format!("targets {}", by.join(", "))
            }
        );
    }
    let _ = writeln!(s, "\n## Targets\n");
    let _ = writeln!(
        s,
        "| # | target | metric | observed (sd) | simulated mean [95% CI] | z |\n|---|---|---|---|---|---|"
    );
    for (k, (t, f)) in cal.targets.iter().zip(&o.targets).enumerate() {
        let flag = if f.z.abs() > Z_WARN { " **!**" } else { "" };
        let _ = writeln!(
            s,
            "| {} | {} | `{}` | {} ({}) | {} | {}{flag} |",
            k + 1,
            t.name.replace('|', "/"),
            t.metric,
            sig(t.value),
            sig(t.sd),
            crate::base::fmt::estimate(f.sim.mean, f.sim.lo, f.sim.hi),
            sig(f.z)
        );
    }
    let _ = writeln!(s, "\nSources:\n");
    for (k, t) in cal.targets.iter().enumerate() {
        let src = if t.source.is_empty() {
            "(not given)"
        } else {
            &t.source
        };
        let _ = writeln!(s, "{}. {}", k + 1, src);
    }
    let _ = writeln!(
        s,
        "\n## Plots\n\n![Fitted vs observed](plots/fit.png)\n\nEach target at the fit, in units \
         of its sd: the observed value is 0 with its 95% band; the fitted mean carries its \
         95% interval over replications.\n\n![Profiles](plots/profiles.png)\n\nEach \
         parameter's profile: the objective minimised over the other parameters, above the \
         overall minimum (capped at {:.1} for drawing). The 95% interval is where it stays \
         under {:.2}; a profile that stays under it everywhere is flat: the targets do not \
         constrain that parameter.\n\nFiles: `calibrated.toml` (the fitted keys), `fit.csv`, \
         `params.csv`, `profile.csv`. docs/calibrate.md explains how to read them.",
        3.0 * DELTA_95,
        DELTA_95
    );
    s
}
