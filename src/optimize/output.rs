//! The runs of a search (`evaluations.csv`, also read back to resume) and the files written
//! at its end: `best.toml`, `report.md`, `convergence.png`/`.svg`.
//!
//! `evaluations.csv` has one row per run (a point and a replication), in the order the
//! search committed them (a generation's candidates by their coordinates, each candidate's
//! replications in order; a point and replication asked for again is not repeated):
//!
//! ```text
//! candidate, stage, <one column per variable path, a share group's rest after it>,
//! replication, seed, <every run metric>
//! ```
//!
//! `stage` is `search` or `final`. Numbers are written in the shortest form that reads back
//! to the same bits. The whole file is rewritten (atomically) after every generation, so a
//! kill leaves the runs of the finished generations; a rerun into the same folder (same
//! plan: the manifest's fingerprint) looks every run up there before running it, and writes
//! the bytes of an uninterrupted run.

use super::{Candidate, Outcome, Plan, describe, key, show};
use crate::base::fmt::{num, param_str, sig};
use crate::base::output::write_atomic;
use crate::base::stats::MeanCi;
use crate::engine::hash2;
use crate::scenario::{InputError, Problem};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The file's name in the output folder.
pub const EVALUATIONS: &str = "evaluations.csv";

/// Every run of a search, by point key and replication.
#[derive(Debug)]
pub struct Store {
    path: Option<PathBuf>,
    columns: Vec<String>,
    /// The values of each case's columns (one empty list without a stress objective).
    cases: Vec<Vec<(String, toml::Value)>>,
    seed: u64,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    names: Option<Vec<String>>,
    /// Runs read from an earlier run's file, not yet asked for.
    recorded: BTreeMap<(String, usize), Vec<f64>>,
    /// Runs asked for by this search.
    runs: BTreeMap<(String, usize), Vec<f64>>,
    /// Rows committed, in order.
    rows: Vec<String>,
    committed: BTreeSet<(String, usize)>,
    reused: usize,
}

impl Store {
    /// A store that writes nothing.
    pub fn in_memory(plan: &Plan) -> Store {
        Store {
            path: None,
            columns: plan.run_columns(),
            cases: plan
                .stress
                .as_ref()
                .map_or_else(|| vec![Vec::new()], |st| st.columns()),
            seed: plan.seed,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The store of the output folder `dir`: with `reuse`, the runs recorded in its
    /// `evaluations.csv` are looked up before running; without, the file is removed.
    pub fn open(dir: &Path, plan: &Plan, reuse: bool) -> anyhow::Result<Store> {
        let path = dir.join(EVALUATIONS);
        let mut s = Store::in_memory(plan);
        if reuse && path.exists() {
            let text = std::fs::read_to_string(&path)?;
            let inner = s.inner.get_mut().map_err(|_| super::poisoned())?;
            read(&path, &text, &s.columns, inner)?;
        } else if path.exists() {
            std::fs::remove_file(&path)?;
        }
        s.path = Some(path);
        Ok(s)
    }

    /// Runs recorded by an earlier run and not asked for yet, and runs reused from it.
    pub fn counts(&self) -> (usize, usize) {
        self.inner
            .lock()
            .map_or((0, 0), |i| (i.recorded.len() + i.reused, i.reused))
    }

    /// Runs committed (distinct point, case and replication).
    pub fn runs(&self) -> usize {
        self.inner.lock().map_or(0, |i| i.committed.len())
    }

    /// The metrics of replication `r` at the point `values` (key `k`): looked up, or run
    /// by `run` and kept.
    pub(super) fn get_or_run(
        &self,
        k: &str,
        r: usize,
        run: impl FnOnce() -> anyhow::Result<crate::sweep::RunRecord>,
    ) -> anyhow::Result<(Vec<String>, Vec<f64>)> {
        let id = (k.to_string(), r);
        {
            let mut i = self.inner.lock().map_err(|_| super::poisoned())?;
            if let Some(v) = i.runs.get(&id).cloned() {
                return Ok((i.names.clone().unwrap_or_default(), v));
            }
            if let Some(v) = i.recorded.remove(&id) {
                i.reused += 1;
                i.runs.insert(id, v.clone());
                return Ok((i.names.clone().unwrap_or_default(), v));
            }
        }
        let rec = run()?;
        let names: Vec<String> = rec.metrics.iter().map(|(n, _)| n.clone()).collect();
        let values: Vec<f64> = rec.metrics.iter().map(|(_, v)| *v).collect();
        let mut i = self.inner.lock().map_err(|_| super::poisoned())?;
        match &i.names {
            None => i.names = Some(names.clone()),
            Some(n) if *n != names => {
                anyhow::bail!("a run returned metrics {names:?}, but the search's are {n:?}")
            }
            Some(_) => {}
        }
        i.runs.insert(id, values.clone());
        Ok((names, values))
    }

    /// Appends the rows of candidate `c`'s runs not committed yet.
    pub(super) fn commit(&self, c: &Candidate, stage: &str) -> anyhow::Result<()> {
        let mut i = self.inner.lock().map_err(|_| super::poisoned())?;
        for (r, case) in (0..c.objective.len()).flat_map(|r| self.cases.iter().map(move |k| (r, k)))
        {
            let mut at = c.values.clone();
            at.extend(case.iter().cloned());
            let id = (key(&at), r);
            if i.committed.contains(&id) {
                continue;
            }
            let Some(v) = i.runs.get(&id) else {
                anyhow::bail!("replication {r} of candidate {} was never run", c.id);
            };
            let mut row = format!("{},{stage}", c.id);
            for (_, x) in &at {
                row.push(',');
                row.push_str(&param_str(x));
            }
            let _ = write!(row, ",{r},{}", hash2(self.seed, r as u64));
            for x in v {
                row.push(',');
                row.push_str(&num(*x));
            }
            row.push('\n');
            i.rows.push(row);
            i.committed.insert(id);
        }
        Ok(())
    }

    /// Rewrites the file (atomically) with every committed row.
    pub(super) fn flush(&self) -> anyhow::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let i = self.inner.lock().map_err(|_| super::poisoned())?;
        let Some(names) = &i.names else {
            return Ok(());
        };
        let mut text = header(&self.columns, names);
        for r in &i.rows {
            text.push_str(r);
        }
        write_atomic(path, text.as_bytes())
    }
}

fn header(columns: &[String], names: &[String]) -> String {
    let mut h = vec!["candidate".to_string(), "stage".into()];
    h.extend(columns.iter().cloned());
    h.push("replication".into());
    h.push("seed".into());
    h.extend(names.iter().cloned());
    h.join(",") + "\n"
}

/// Reads an earlier run's file into `inner.recorded`; a line without its end is dropped.
fn read(path: &Path, text: &str, columns: &[String], inner: &mut Inner) -> anyhow::Result<()> {
    let bad = |line: usize, col: usize, message: String| InputError {
        file: path.display().to_string(),
        problems: vec![Problem { line, col, message }],
    };
    let mut lines = text.split_inclusive('\n').filter(|l| l.ends_with('\n'));
    let Some(head) = lines.next() else {
        return Ok(());
    };
    let head: Vec<&str> = head.trim_end().split(',').collect();
    let fixed = columns.len() + 4;
    let want: Vec<String> = ["candidate", "stage"]
        .iter()
        .map(|s| s.to_string())
        .chain(columns.iter().cloned())
        .chain(["replication".to_string(), "seed".to_string()])
        .collect();
    if head.len() <= fixed || head[..fixed] != want[..] {
        return Err(bad(
            1,
            1,
            format!(
                "the header does not start with {}: the file belongs to another search",
                want.join(",")
            ),
        )
        .into());
    }
    let names: Vec<String> = head[fixed..].iter().map(|s| s.to_string()).collect();
    for (n, line) in lines.enumerate() {
        let cells: Vec<&str> = line.trim_end().split(',').collect();
        if cells.len() != head.len() {
            return Err(bad(
                n + 2,
                1,
                format!("{} fields, the header has {}", cells.len(), head.len()),
            )
            .into());
        }
        let k = cells[2..2 + columns.len()].join("\u{1f}");
        let r: usize = cells[fixed - 2]
            .parse()
            .map_err(|_| bad(n + 2, 1, "the replication is not a whole number".into()))?;
        let values = cells[fixed..]
            .iter()
            .map(|c| c.parse::<f64>())
            .collect::<Result<Vec<f64>, _>>()
            .map_err(|_| bad(n + 2, 1, "a metric is not a number".into()))?;
        inner.recorded.insert((k, r), values);
    }
    inner.names = Some(names);
    Ok(())
}

/// Writes `best.toml`, `report.md` and the convergence plot into `dir`.
pub fn write(dir: &Path, plan: &Plan, out: &Outcome, plan_file: &str) -> anyhow::Result<()> {
    let best = out.best();
    let table = plan
        .scenario(&best.candidate.values)
        .map_err(|e| anyhow::anyhow!("cannot set the best values: {e}"))?;
    let mut text = format!(
        "# The best setting `triad optimize {plan_file}` found: its base scenario with\n# {}\n",
        describe(&best.candidate.values)
    );
    text.push_str(&toml::to_string(&table)?);
    write_atomic(&dir.join("best.toml"), text.as_bytes())?;
    let line: Vec<(f64, MeanCi)> = out
        .trace
        .iter()
        .filter_map(|s| s.incumbent.map(|c| (s.runs as f64, c)))
        .collect();
    crate::report::plot::lines_ci(
        &dir.join("convergence"),
        &format!("{}: the incumbent as the search runs", plan.title),
        "simulation runs",
        &format!("{} (mean, 95% CI)", plan.objective),
        &[("incumbent".to_string(), line)],
    )?;
    write_atomic(
        &dir.join("report.md"),
        report(plan, out, plan_file).as_bytes(),
    )
}

fn ci(c: &MeanCi) -> String {
    crate::base::fmt::estimate(c.mean, c.lo, c.hi)
}

/// The report.
pub(super) fn report(plan: &Plan, out: &Outcome, plan_file: &str) -> String {
    let mut s = String::new();
    let dir = match plan.direction {
        super::Direction::Maximize => "maximise",
        super::Direction::Minimize => "minimise",
    };
    let _ = writeln!(s, "# {}\n", plan.title);
    let _ = writeln!(
        s,
        "`triad optimize {plan_file}`: {dir} the mean of `{}`{} over {} variable(s){}, seed {}.\n",
        plan.objective,
        plan.stress.as_ref().map_or(String::new(), |st| format!(
            " ({} over {} stress cases per replication)",
            st.statistic.name(),
            st.cases.len()
        )),
        plan.variables.len(),
        if plan.constraints.is_empty() {
            String::new()
        } else {
            format!(
                " subject to {}",
                plan.constraints
                    .iter()
                    .map(|c| {
                        let mut b = Vec::new();
                        if let Some(m) = c.min {
                            b.push(format!("mean `{}` >= {}", c.metric, sig(m)));
                        }
                        if let Some(m) = c.max {
                            b.push(format!("mean `{}` <= {}", c.metric, sig(m)));
                        }
                        b.join(" and ")
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        plan.seed
    );
    if let Some(st) = &plan.stress {
        let _ = writeln!(
            s,
            "Stress objective: each replication runs {} cases ({}) with the same seed, and \
             its value of `{}` is their {}; a constrained metric's is its mean over the \
             cases. The intervals below are over replications of that value.\n",
            st.cases.len(),
            st.cases
                .iter()
                .map(|c| c.label())
                .collect::<Vec<_>>()
                .join(", "),
            plan.objective,
            match st.statistic {
                super::Statistic::Worst => "worst case",
                super::Statistic::Cvar => "CVaR (the mean of the worst 10%)",
                super::Statistic::Mean => "mean",
            }
        );
    }
    let best = out.best();
    let _ = writeln!(s, "## Best\n");
    let _ = writeln!(
        s,
        "{}: `{}` = {} (95% CI, {} replications){}. `best.toml` is the base scenario with \
         these values; run it with `triad run best.toml`.\n",
        describe(&best.candidate.values),
        plan.objective,
        ci(&best.objective),
        best.objective.n,
        if best.feasible {
            ""
        } else {
            "; **no finalist satisfies the constraints on its mean**: this one violates them least"
        }
    );
    let _ = writeln!(s, "## Finalists\n");
    let _ = writeln!(
        s,
        "Each re-run with {} replications (seeds `hash2(seed, r)`, the same for every \
         candidate). P(best) is the share of {} paired bootstrap resamples of the \
         replications in which the finalist ranks first (feasible on the resample's means, \
         then by the objective; finalists tied on a resample share it). The first \
         replications are the ones the search picked them on, so a finalist's interval leans \
         optimistic, the more so the fewer `final_replications` add to them.\n",
        plan.final_replications,
        super::BOOTSTRAP
    );
    let mut head = format!(
        "| rank | candidate | {} | {} (95% CI)",
        plan.columns().join(" | "),
        plan.objective
    );
    for c in &plan.constraints {
        let _ = write!(head, " | {} (95% CI)", c.metric);
    }
    let _ = writeln!(s, "{head} | feasible | P(best) |");
    let cols = plan.columns().len() + 5 + plan.constraints.len();
    let _ = writeln!(s, "|{}", "---|".repeat(cols));
    for (i, f) in out.finalists.iter().enumerate() {
        let mut row = format!("| {} | {} |", i + 1, f.candidate.id);
        for (_, v) in &f.candidate.values {
            let _ = write!(row, " {} |", show(v));
        }
        let _ = write!(row, " {} |", ci(&f.objective));
        for c in &f.constrained {
            let _ = write!(row, " {} |", ci(c));
        }
        let _ = writeln!(
            s,
            "{row} {} | {:.3} |",
            if f.feasible { "yes" } else { "no" },
            f.p_best
        );
    }
    let raced = out.candidates.iter().filter(|c| c.raced_out).count();
    let _ = writeln!(s, "\n## Search\n");
    let _ = writeln!(
        s,
        "CMA-ES (the `cmaes` crate) over {} unit coordinates, population {}, {} generations \
         ({} restarts), {} candidates, {} of them stopped early by racing (clearly worse than \
         the incumbent on the paired 95% interval, or clearly outside a constraint). Runs: {} \
         in the search, {} in all (budget {}).\n",
        plan.dim(),
        super::population(plan.dim()),
        out.generations,
        out.restarts,
        out.candidates.len(),
        raced,
        out.search_runs,
        out.runs,
        plan.budget
    );
    let _ = writeln!(s, "![convergence](convergence.png)\n");
    let _ = writeln!(
        s,
        "Every run is in `evaluations.csv` (variables, replication, seed, every metric)."
    );
    s
}

/// The tidy table of a Pareto search's re-evaluated points: one row per point and metric
/// (both objectives, then each constraint's metric).
pub fn pareto_csv(plan: &Plan, front: &super::Front) -> String {
    let mut s = String::from("point,candidate,status,dominated_by");
    for c in plan.columns() {
        let _ = write!(s, ",{c}");
    }
    s.push_str(",metric,role,direction,n,mean,lo,hi\n");
    let objs = plan.objectives();
    for (i, p) in front.points.iter().enumerate() {
        let mut head = format!(
            "{},{},{},{}",
            i + 1,
            p.id,
            p.status.name(),
            p.dominated_by.map_or(String::new(), |d| d.to_string())
        );
        for (_, v) in &p.values {
            head.push(',');
            head.push_str(&param_str(v));
        }
        let rows = objs
            .iter()
            .zip(&p.objectives)
            .map(|(o, c)| (o.metric.as_str(), "objective", direction(o.direction), c))
            .chain(
                plan.constraints
                    .iter()
                    .zip(&p.constrained)
                    .map(|(k, c)| (k.metric.as_str(), "constraint", "", c)),
            );
        for (m, role, d, c) in rows {
            let _ = writeln!(
                s,
                "{head},{m},{role},{d},{},{},{},{}",
                c.n,
                num(c.mean),
                num(c.lo),
                num(c.hi)
            );
        }
    }
    s
}

fn direction(d: super::Direction) -> &'static str {
    match d {
        super::Direction::Maximize => "maximize",
        super::Direction::Minimize => "minimize",
    }
}

/// Writes a Pareto search's `pareto.csv`, `pareto.png`/`.svg`, `front-N.toml` (the base
/// scenario at each point on the front or indistinguishable from it) and `report.md`.
pub fn write_front(
    dir: &Path,
    plan: &Plan,
    front: &super::Front,
    plan_file: &str,
) -> anyhow::Result<()> {
    use super::Status;
    use crate::report::plot::{ParetoKind, ParetoPoint, pareto};
    write_atomic(&dir.join("pareto.csv"), pareto_csv(plan, front).as_bytes())?;
    for (i, p) in front.points.iter().enumerate() {
        if !matches!(p.status, Status::Front | Status::Indistinguishable) {
            continue;
        }
        let table = plan
            .scenario(&p.values)
            .map_err(|e| anyhow::anyhow!("cannot set point {}'s values: {e}", i + 1))?;
        let mut text = format!(
            "# Point {} of the Pareto front `triad optimize {plan_file}` found ({}): its base\n# \
             scenario with {}\n",
            i + 1,
            p.status.name(),
            describe(&p.values)
        );
        text.push_str(&toml::to_string(&table)?);
        write_atomic(&dir.join(format!("front-{}.toml", i + 1)), text.as_bytes())?;
    }
    let objs = plan.objectives();
    let reevaluated: BTreeSet<usize> = front.points.iter().map(|p| p.id).collect();
    let others: Vec<(f64, f64)> = front
        .evaluated
        .iter()
        .filter(|e| !reevaluated.contains(&e.id))
        .map(|e| (e.means[1], e.means[0]))
        .collect();
    let points: Vec<ParetoPoint> = front
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| ParetoPoint {
            label: (i + 1).to_string(),
            x: p.objectives[1],
            y: p.objectives[0],
            kind: match p.status {
                Status::Front => ParetoKind::Front,
                Status::Indistinguishable => ParetoKind::Indistinguishable,
                _ => ParetoKind::Dominated,
            },
        })
        .collect();
    let label = |o: &super::Objective| format!("{} ({}, mean)", o.metric, direction(o.direction));
    pareto(
        &dir.join("pareto"),
        &format!("{}: Pareto front (grey: other evaluations)", plan.title),
        &label(&objs[1]),
        &label(&objs[0]),
        &others,
        &points,
    )?;
    write_atomic(
        &dir.join("report.md"),
        front_report(plan, front, plan_file).as_bytes(),
    )
}

/// The report of a Pareto search.
pub(super) fn front_report(plan: &Plan, front: &super::Front, plan_file: &str) -> String {
    let mut s = String::new();
    let objs = plan.objectives();
    let _ = writeln!(s, "# {}\n", plan.title);
    let _ = writeln!(
        s,
        "`triad optimize {plan_file}`: the Pareto front of `{}` ({}) against `{}` ({}) over \
         {} variable(s){}, seed {}.\n",
        objs[0].metric,
        direction(objs[0].direction),
        objs[1].metric,
        direction(objs[1].direction),
        plan.variables.len(),
        constraints_text(plan),
        plan.seed
    );
    let _ = writeln!(s, "## Pareto front\n");
    let _ = writeln!(
        s,
        "Each point re-run with {} replications (seeds `hash2(seed, r)`, the same for every \
         point). *front*: no other point dominates its means; *indistinguishable*: another \
         point (`by`) dominates its means, but no objective's paired 95% interval shows that \
         point better; *dominated*: one does; *infeasible*: its means violate a constraint. \
         `front-N.toml` is the base scenario at point N (front and indistinguishable points); \
         `pareto.csv` holds the same numbers, one row per point and metric.\n",
        plan.final_replications
    );
    let mut head = format!(
        "| point | candidate | {} | {} (95% CI) | {} (95% CI)",
        plan.columns().join(" | "),
        objs[0].metric,
        objs[1].metric
    );
    for c in &plan.constraints {
        let _ = write!(head, " | {} (95% CI)", c.metric);
    }
    let _ = writeln!(s, "{head} | status | by |");
    let cols = plan.columns().len() + 6 + plan.constraints.len();
    let _ = writeln!(s, "|{}", "---|".repeat(cols));
    for (i, p) in front.points.iter().enumerate() {
        let mut row = format!("| {} | {} |", i + 1, p.id);
        for (_, v) in &p.values {
            let _ = write!(row, " {} |", show(v));
        }
        for c in p.objectives.iter().chain(&p.constrained) {
            let _ = write!(row, " {} |", ci(c));
        }
        let _ = writeln!(
            s,
            "{row} {} | {} |",
            p.status.name(),
            p.dominated_by.map_or(String::new(), |d| d.to_string())
        );
    }
    let _ = writeln!(s, "\n![Pareto front](pareto.png)\n");
    let _ = writeln!(s, "## Search\n");
    let _ = writeln!(
        s,
        "Adaptive epsilon-constraint: {} scalarised CMA-ES searches (the `cmaes` crate, \
         population {}, racing as for one objective) sharing every run: \n",
        front.searches.len(),
        super::population(plan.dim())
    );
    let _ = writeln!(
        s,
        "| search | optimises | bound | best candidate | runs after |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|");
    for (i, x) in front.searches.iter().enumerate() {
        let bound = x.eps.map_or("none (anchor)".to_string(), |e| {
            let op = match objs[1].direction {
                super::Direction::Minimize => "<=",
                super::Direction::Maximize => ">=",
            };
            format!("`{}` {op} {}", objs[1].metric, sig(e))
        });
        let _ = writeln!(
            s,
            "| {} | `{}` | {bound} | {} | {} |",
            i + 1,
            objs[x.objective].metric,
            x.best,
            x.runs
        );
    }
    let on = front.evaluated.iter().filter(|e| e.on_front).count();
    let _ = writeln!(
        s,
        "\n{} distinct candidates ran all their replications, {} of them on the search's \
         front; runs: {} in the searches, {} in all (budget {}). Every run is in \
         `evaluations.csv`.",
        front.evaluated.len(),
        on,
        front.search_runs,
        front.runs,
        plan.budget
    );
    s
}

fn constraints_text(plan: &Plan) -> String {
    if plan.constraints.is_empty() {
        return String::new();
    }
    format!(
        " subject to {}",
        plan.constraints
            .iter()
            .map(|c| {
                let mut b = Vec::new();
                if let Some(m) = c.min {
                    b.push(format!("mean `{}` >= {}", c.metric, sig(m)));
                }
                if let Some(m) = c.max {
                    b.push(format!("mean `{}` <= {}", c.metric, sig(m)));
                }
                b.join(" and ")
            })
            .collect::<Vec<_>>()
            .join(", ")
    )
}
