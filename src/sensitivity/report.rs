//! The outputs of a sensitivity analysis, derived from the folder's `runs.csv` and written
//! atomically: `indices.csv`, `samples.csv`, plots and `report.md`.
//!
//! - `indices.csv` (tidy): `output, parameter, index, estimate, ci_low, ci_high`; `index`
//!   is `S1`, `ST`, `S2` (parameter `a:b`) or `mu`, `mu_star`, `sigma`; an undefined value
//!   is an empty field.
//! - `samples.csv`: one row per design point: `point` (from 1), each parameter's scenario
//!   value, its unit-cube coordinate (`unit.<name>`), then each output (the mean over the
//!   replications). It is the sample matrix and outputs a second tool can analyse.
//! - `plots/`: per output, S1 and ST with their intervals (Sobol) or mu* against sigma
//!   (Morris), and the output against each parameter.

use super::analyse::{Index, Kind, analyse};
use super::design::{Design, Method};
use super::plan::{Output, Scale, Spec, spec_of};
use crate::base::fmt::{num, opt_num, sig};
use crate::base::output::write_atomic;
use crate::base::stats::MeanCi;
use crate::report::{plot, slug};
use crate::sweep::SweepPlan;
use crate::sweep::csv::csv_line;
use crate::sweep::folder::REPORT;
use crate::sweep::read::read_runs;
use crate::sweep::summary::{Lookup, RunTable};
use std::fmt::Write as _;
use std::path::Path;

/// The indices file.
pub const INDICES: &str = "indices.csv";
/// The sample matrix and outputs.
pub const SAMPLES: &str = "samples.csv";

/// One output analysed.
#[derive(Debug, Clone)]
pub struct Analysed {
    /// The output.
    pub output: Output,
    /// Its value at each design point (NaN where a run failed or the metric is undefined).
    pub y: Vec<f64>,
    /// Its indices, or why there are none.
    pub indices: Result<Vec<Index>, String>,
}

/// A finished analysis: the plan's spec, its design, each output's indices.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The spec.
    pub spec: Spec,
    /// The design, in the unit cube.
    pub design: Design,
    /// Per output.
    pub outputs: Vec<Analysed>,
    /// Failed runs.
    pub failed: usize,
}

/// Analyses the runs of a sensitivity plan.
pub fn analysis(plan: &SweepPlan, table: &RunTable) -> anyhow::Result<Analysis> {
    let spec = spec_of(plan)
        .ok_or_else(|| anyhow::anyhow!("the plan is not a sensitivity plan (no analysis in it)"))?;
    let design = spec.design().map_err(anyhow::Error::msg)?;
    let lookup = Lookup::new(plan, table);
    let outputs = spec
        .outputs
        .iter()
        .map(|o| {
            let m = table.metric_index(&o.metric);
            let y: Vec<f64> = (0..design.points.len())
                .map(|c| {
                    let Some(m) = m else { return f64::NAN };
                    let mut s = 0.0;
                    for r in 0..plan.replications {
                        let v = lookup.value(c, o.policy, r, m);
                        s += match o.minus {
                            Some(b) => v - lookup.value(c, b, r, m),
                            None => v,
                        };
                    }
                    s / plan.replications as f64
                })
                .collect();
            let missing = y.iter().filter(|v| !v.is_finite()).count();
            let indices = if missing > 0 {
                Err(format!(
                    "{missing} of {} points have no value (a failed run, or a metric with \
                     nothing to measure: runs.csv has each run), so no index can be computed",
                    y.len()
                ))
            } else {
                analyse(&design, &y, spec.resamples, spec.seed).map_err(|e| e.to_string())
            };
            Analysed {
                output: o.clone(),
                y,
                indices,
            }
        })
        .collect();
    let failed = table.rows.iter().filter(|r| !r.ok).count();
    Ok(Analysis {
        spec,
        design,
        outputs,
        failed,
    })
}

/// Writes every derived file of a sensitivity folder from its `runs.csv`.
pub fn finalize(dir: &Path, plan: &SweepPlan) -> anyhow::Result<()> {
    let table = read_runs(dir, plan)?;
    let a = analysis(plan, &table)?;
    write_atomic(&dir.join(INDICES), &indices_csv(&a))?;
    write_atomic(&dir.join(SAMPLES), &samples_csv(&a))?;
    draw(dir, &a)?;
    write_atomic(&dir.join(REPORT), markdown(plan, &a).as_bytes())
}

fn param_label(a: &Analysis, i: &Index) -> String {
    let name = |j: usize| a.spec.parameters[j].name.clone();
    match i.with {
        Some(k) => format!("{}:{}", name(i.param), name(k)),
        None => name(i.param),
    }
}

/// `indices.csv` of an analysis.
pub fn indices_csv(a: &Analysis) -> Vec<u8> {
    let mut out = csv_line(&[
        "output",
        "parameter",
        "index",
        "estimate",
        "ci_low",
        "ci_high",
    ]);
    for o in &a.outputs {
        let Ok(ix) = &o.indices else { continue };
        for i in ix {
            out.extend(csv_line(&[
                o.output.name.clone(),
                param_label(a, i),
                i.kind.key().to_string(),
                opt_num(i.estimate),
                opt_num(i.lo),
                opt_num(i.hi),
            ]));
        }
    }
    out
}

/// `samples.csv` of an analysis.
pub fn samples_csv(a: &Analysis) -> Vec<u8> {
    let ps = &a.spec.parameters;
    let mut head = vec!["point".to_string()];
    head.extend(ps.iter().map(|p| p.name.clone()));
    head.extend(ps.iter().map(|p| format!("unit.{}", p.name)));
    head.extend(a.outputs.iter().map(|o| o.output.name.clone()));
    let mut out = csv_line(&head);
    for (c, u) in a.design.points.iter().enumerate() {
        let mut row = vec![(c + 1).to_string()];
        for (p, &x) in ps.iter().zip(u) {
            row.push(match p.scale.scenario_value(p.scale.design_value(x)) {
                toml::Value::Float(f) => num(f),
                toml::Value::String(s) => s,
                v => v.to_string(),
            });
        }
        row.extend(u.iter().map(|&x| num(x)));
        row.extend(a.outputs.iter().map(|o| opt_num(o.y[c])));
        out.extend(csv_line(&row));
    }
    out
}

fn get(ix: &[Index], kind: Kind, j: usize) -> Option<&Index> {
    ix.iter()
        .find(|i| i.kind == kind && i.param == j && i.with.is_none())
}

/// The verdict on one parameter for one output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The interval's lower end is above the threshold.
    Matters,
    /// The interval's upper end is at or below the threshold.
    DoesNot,
    /// The interval straddles the threshold.
    Undecided,
}

/// Per parameter, whether it matters for an output: the interval of its total index
/// (Sobol), or of its mu* divided by the largest mu* estimate (Morris), against the
/// threshold.
pub fn verdicts(spec: &Spec, ix: &[Index]) -> Vec<Verdict> {
    let (kind, scale) = match spec.method {
        Method::Sobol { .. } => (Kind::ST, 1.0),
        Method::Morris { .. } => {
            let top = ix
                .iter()
                .filter(|i| i.kind == Kind::MuStar)
                .map(|i| i.estimate)
                .fold(0.0, f64::max);
            (Kind::MuStar, if top > 0.0 { 1.0 / top } else { f64::NAN })
        }
    };
    (0..spec.parameters.len())
        .map(|j| match get(ix, kind, j) {
            Some(i) if i.lo * scale > spec.threshold => Verdict::Matters,
            Some(i) if i.hi * scale <= spec.threshold => Verdict::DoesNot,
            _ => Verdict::Undecided,
        })
        .collect()
}

fn draw(dir: &Path, a: &Analysis) -> anyhow::Result<()> {
    let plots = dir.join("plots");
    for o in &a.outputs {
        let s = slug(&o.output.name);
        if let Ok(ix) = &o.indices {
            match a.spec.method {
                Method::Sobol { .. } => {
                    let mut labels = Vec::new();
                    let mut cis = Vec::new();
                    for (j, p) in a.spec.parameters.iter().enumerate() {
                        for k in [Kind::S1, Kind::ST] {
                            if let Some(i) = get(ix, k, j) {
                                // The key's last part: the full names are in indices.csv.
                                let short = p.name.rsplit('.').next().unwrap_or(&p.name);
                                labels.push(format!("{short} {}", k.key()));
                                cis.push(MeanCi {
                                    n: a.spec.resamples,
                                    mean: i.estimate,
                                    sd: f64::NAN,
                                    lo: i.lo,
                                    hi: i.hi,
                                });
                            }
                        }
                    }
                    plot::bar_ci(
                        &plots.join(format!("sobol_{s}")),
                        &format!("Sobol indices of {} (95% bootstrap CI)", o.output.name),
                        "parameter and index",
                        "share of the output's variance",
                        &labels,
                        &cis,
                    )?;
                }
                Method::Morris { .. } => {
                    let pts: Vec<(String, f64, f64)> = a
                        .spec
                        .parameters
                        .iter()
                        .enumerate()
                        .filter_map(|(j, p)| {
                            Some((
                                p.name.clone(),
                                get(ix, Kind::MuStar, j)?.estimate,
                                get(ix, Kind::Sigma, j)?.estimate,
                            ))
                        })
                        .collect();
                    plot::scatter(
                        &plots.join(format!("morris_{s}")),
                        &format!("Morris screening of {}", o.output.name),
                        "mu* (mean |elementary effect|)",
                        "sigma (spread: interactions, non-linearity)",
                        &pts,
                        true,
                    )?;
                }
            }
        }
        let panels: Vec<plot::ScatterPanel> = a
            .spec
            .parameters
            .iter()
            .enumerate()
            .map(|(j, p)| {
                let label = match &p.scale {
                    Scale::Values(_) => format!("{} (value index)", p.name),
                    _ => p.name.clone(),
                };
                let pts = a
                    .design
                    .points
                    .iter()
                    .zip(&o.y)
                    .map(|(u, &y)| (p.scale.design_value(u[j]), y))
                    .collect();
                plot::ScatterPanel {
                    x_label: label,
                    points: vec![pts],
                }
            })
            .collect();
        plot::scatter_panels(
            &plots.join(format!("scatter_{s}")),
            &format!("{} at each design point", o.output.name),
            &o.output.name,
            std::slice::from_ref(&o.output.name),
            &panels,
        )?;
    }
    Ok(())
}

fn markdown(plan: &SweepPlan, a: &Analysis) -> String {
    let spec = &a.spec;
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", spec.title);
    let what = match spec.method {
        Method::Sobol { n, second_order } => format!(
            "Sobol indices (Saltelli sampling on a scrambled Sobol sequence, N = {n}{}; S1 by \
             Saltelli et al. 2010, ST by Jansen, as SALib computes them)",
            if second_order {
                ", with second order"
            } else {
                ""
            }
        ),
        Method::Morris {
            trajectories,
            levels,
        } => format!("Morris elementary effects ({trajectories} trajectories on {levels} levels)"),
    };
    let _ = writeln!(s, "- method: {what}");
    let _ = writeln!(
        s,
        "- {} design points x {} policies x {} replications = {} runs ({} failed); seed {}",
        a.design.points.len(),
        plan.policies.len(),
        plan.replications,
        plan.n_runs(),
        a.failed,
        spec.seed
    );
    match &spec.model {
        Some(m) => {
            let _ = writeln!(s, "- model: the built-in {}", m.describe());
        }
        None => {
            let labels: Vec<&str> = plan.policies.iter().map(|p| p.label.as_str()).collect();
            let _ = writeln!(s, "- policies: {}", labels.join(", "));
        }
    }
    let _ = writeln!(
        s,
        "- intervals: 95%, estimate ± 1.96 sd over {} bootstrap resamples",
        spec.resamples
    );
    let _ = writeln!(s, "\nParameters:\n");
    for p in &spec.parameters {
        let _ = writeln!(s, "- `{}`: {}", p.name, p.scale.describe());
    }
    let rule = match spec.method {
        Method::Sobol { .. } => format!(
            "A parameter **matters** when the lower end of its total index's interval is \
             above {}, and **does not** when the upper end is at or below it.",
            num(spec.threshold)
        ),
        Method::Morris { .. } => format!(
            "A parameter **matters** when the lower end of its mu*'s interval is above {} of \
             the largest mu*, and **does not** when the upper end is at or below it.",
            num(spec.threshold)
        ),
    };
    let _ = writeln!(s, "\n{rule}");
    for o in &a.outputs {
        let _ = writeln!(s, "\n## {}\n", o.output.name);
        let ix = match &o.indices {
            Ok(ix) => ix,
            Err(e) => {
                let _ = writeln!(s, "No indices: {e}.");
                continue;
            }
        };
        let v = verdicts(spec, ix);
        let names = |want: Verdict| -> String {
            let n: Vec<String> = spec
                .parameters
                .iter()
                .zip(&v)
                .filter(|(_, x)| **x == want)
                .map(|(p, _)| format!("`{}`", p.name))
                .collect();
            if n.is_empty() {
                "none".into()
            } else {
                n.join(", ")
            }
        };
        let _ = writeln!(s, "- matter: {}", names(Verdict::Matters));
        let _ = writeln!(s, "- do not matter: {}", names(Verdict::DoesNot));
        let _ = writeln!(
            s,
            "- undecided at this size: {}\n",
            names(Verdict::Undecided)
        );
        let kinds: &[Kind] = match spec.method {
            Method::Sobol { .. } => &[Kind::S1, Kind::ST],
            Method::Morris { .. } => &[Kind::Mu, Kind::MuStar, Kind::Sigma],
        };
        let mut head = "| parameter |".to_string();
        let mut rule = "|---|".to_string();
        for k in kinds {
            let _ = write!(head, " {} [95% CI] |", k.key());
            rule.push_str("---|");
        }
        let _ = writeln!(s, "{head}\n{rule}");
        for (j, p) in spec.parameters.iter().enumerate() {
            let mut row = format!("| `{}` |", p.name);
            for &k in kinds {
                match get(ix, k, j) {
                    Some(i) => {
                        let _ =
                            write!(row, " {} [{}, {}] |", sig(i.estimate), sig(i.lo), sig(i.hi));
                    }
                    None => row.push_str(" n/a |"),
                }
            }
            let _ = writeln!(s, "{row}");
        }
        let s2: Vec<&Index> = ix.iter().filter(|i| i.kind == Kind::S2).collect();
        if !s2.is_empty() {
            let _ = writeln!(s, "\n| pair | S2 [95% CI] |\n|---|---|");
            for i in s2 {
                let _ = writeln!(
                    s,
                    "| `{}` | {} [{}, {}] |",
                    param_label(a, i),
                    sig(i.estimate),
                    sig(i.lo),
                    sig(i.hi)
                );
            }
        }
    }
    let _ = writeln!(
        s,
        "\nFiles: `{INDICES}` (every index), `{SAMPLES}` (the design and the outputs), \
         `runs.csv` (every run), `plots/`."
    );
    s
}
