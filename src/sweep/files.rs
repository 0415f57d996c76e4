//! The output folder of a sweep: streamed `runs.csv` and `timeseries.csv`, resume after a
//! crash, the derived files (summaries, plots, report) and merging shard folders.
//!
//! Crash safety: each finished run appends its `timeseries.csv` rows, then its `runs.csv`
//! row, in run-index order. `runs.csv` is the commit log: on restart a partial last line is
//! cut off, the complete rows say which runs are done, and `timeseries.csv` is cut back to
//! the rows of those runs. Everything else is derived from these two files and written
//! atomically (temporary file, then rename).

use super::plan::{Plan, RunSpec, Shard};
use super::runner::RunOutcome;
use super::summary::{LEVEL, RunRow, RunTable, Summary};
use crate::base::stats::{MeanCi, Running};
use anyhow::{Context, anyhow};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Streamed, one row per run.
pub const RUNS: &str = "runs.csv";
/// Streamed, one row per run and hour.
pub const TIMESERIES: &str = "timeseries.csv";
/// The plan and its fingerprint: what the folder holds.
pub const PLAN: &str = "plan.json";
/// Per cell, policy and metric.
pub const SUMMARY: &str = "summary.csv";
/// Per cell, policy and metric: difference from the reference policy.
pub const PAIRED: &str = "paired.csv";
/// Per policy, hour and series column, pooled over cells and replications.
pub const TIMESERIES_SUMMARY: &str = "timeseries_summary.csv";
/// Versions, times, seeds.
pub const MANIFEST: &str = "manifest.json";
/// The markdown report.
pub const REPORT: &str = "report.md";

pub use crate::base::UsageError;

/// What `plan.json` holds.
#[derive(Debug, Serialize, Deserialize)]
pub struct PlanState {
    /// Format version of the folder.
    pub format: u32,
    /// [`Plan::fingerprint`].
    pub fingerprint: String,
    /// Which shard this folder holds (`1/1` = all runs).
    pub shard: String,
    /// The plan itself, so that `triad merge` and `triad plot` need no sweep file.
    pub plan: Plan,
}

pub use crate::base::fmt::{num, opt_num, param_str};

fn parse_num(s: &str) -> f64 {
    if s.is_empty() {
        f64::NAN
    } else {
        s.parse().unwrap_or(f64::NAN)
    }
}

/// One CSV line (LF-terminated) of `fields`.
pub fn csv_line<S: AsRef<[u8]>>(fields: &[S]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(fields);
    w.into_inner().unwrap_or_default()
}

fn reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
}

/// The fixed leading columns of `runs.csv`.
pub fn runs_fixed_header(plan: &Plan) -> Vec<String> {
    let mut h = vec!["run".to_string()];
    h.extend(plan.params().iter().map(|p| format!("param.{p}")));
    h.extend(
        ["policy", "replication", "seed", "status", "error"]
            .iter()
            .map(|s| s.to_string()),
    );
    h
}

/// The `runs.csv` fields of one run.
pub fn runs_fields(plan: &Plan, row: &RunRow, n_metrics: usize) -> Vec<String> {
    let spec = plan.run(row.run);
    let mut f = vec![row.run.to_string()];
    f.extend(plan.cell_values(spec.cell).iter().map(param_str));
    f.push(plan.policies[spec.policy].label.clone());
    f.push(spec.replication.to_string());
    f.push(spec.seed.to_string());
    f.push(if row.ok { "ok" } else { "failed" }.into());
    f.push(row.error.clone());
    if row.ok {
        f.extend(row.metrics.iter().map(|&x| num(x)));
    } else {
        f.extend(std::iter::repeat_n(String::new(), n_metrics));
    }
    f
}

pub use crate::base::output::write_atomic;

fn ts_header(series: &[String]) -> Vec<String> {
    let mut h = vec!["run".to_string(), "hour".to_string()];
    h.extend(series.iter().cloned());
    h
}

/// Appends each run's rows, in run-index order, to `runs.csv` and `timeseries.csv`.
///
/// The column names are fixed by the first successful run; failures before it are held
/// in memory until then (or until [`StreamWriter::finish`]).
pub struct StreamWriter<'a> {
    plan: &'a Plan,
    runs: File,
    ts: File,
    metrics: Option<Vec<String>>,
    series: Option<Vec<String>>,
    held: Vec<RunRow>,
    /// Runs written in this session.
    pub written: usize,
}

impl<'a> StreamWriter<'a> {
    /// Adds one finished run.
    pub fn push(&mut self, o: RunOutcome) -> anyhow::Result<()> {
        let checked = o.result.and_then(|rec| {
            rec.check_shape(self.metrics.as_deref(), self.series.as_deref())
                .map(|()| rec)
        });
        let rec = match checked {
            Err(e) => {
                let row = RunRow::failed(o.spec.index, e);
                if self.metrics.is_none() {
                    self.held.push(row);
                } else {
                    let n = self.metrics.as_ref().map_or(0, |m| m.len());
                    self.runs
                        .write_all(&csv_line(&runs_fields(self.plan, &row, n)))?;
                }
                self.written += 1;
                return Ok(());
            }
            Ok(rec) => rec,
        };
        let mut ts = Vec::new();
        if self.metrics.is_none() {
            self.metrics = Some(rec.metrics.iter().map(|(n, _)| n.clone()).collect());
            self.series = Some(rec.series.iter().skip(1).map(|(n, _)| n.clone()).collect());
            ts.extend(csv_line(&ts_header(self.series.as_deref().unwrap_or(&[]))));
        }
        let rows = rec.series.first().map_or(0, |(_, c)| c.len());
        let run = o.spec.index.to_string();
        for i in 0..rows {
            let mut f = vec![run.clone()];
            f.extend(rec.series.iter().map(|(_, c)| num(c[i])));
            ts.extend(csv_line(&f));
        }
        self.ts.write_all(&ts)?;
        self.ts.flush()?;
        let mut out = Vec::new();
        let n = rec.metrics.len();
        if !self.held.is_empty() || self.written_header_pending() {
            let mut h = runs_fixed_header(self.plan);
            h.extend(self.metrics.iter().flatten().cloned());
            out.extend(csv_line(&h));
            for row in self.held.drain(..) {
                out.extend(csv_line(&runs_fields(self.plan, &row, n)));
            }
        }
        let row = RunRow::ok(o.spec.index, rec.metrics.iter().map(|(_, v)| *v).collect());
        out.extend(csv_line(&runs_fields(self.plan, &row, n)));
        self.runs.write_all(&out)?;
        self.runs.flush()?;
        self.written += 1;
        Ok(())
    }

    fn written_header_pending(&self) -> bool {
        // The header is pending while runs.csv is empty.
        self.runs.metadata().map(|m| m.len() == 0).unwrap_or(false)
    }

    /// Ends the stream: if no run succeeded, writes the headers (without metric columns)
    /// and the held failures.
    pub fn finish(mut self) -> anyhow::Result<()> {
        if self.metrics.is_none() && self.written_header_pending() {
            let mut out = csv_line(&runs_fixed_header(self.plan));
            for row in self.held.drain(..) {
                out.extend(csv_line(&runs_fields(self.plan, &row, 0)));
            }
            self.ts.write_all(&csv_line(&ts_header(&[])))?;
            self.ts.flush()?;
            self.runs.write_all(&out)?;
            self.runs.flush()?;
        }
        Ok(())
    }
}

/// An output folder opened for a (possibly resumed) sweep.
pub struct Opened<'a> {
    /// The writer for the runs still to do.
    pub writer: StreamWriter<'a>,
    /// Runs of this shard already in the folder.
    pub done: usize,
    /// This shard's run indices still to do, in order.
    pub todo: Vec<usize>,
}

/// Creates or reopens `dir` for `plan`'s shard: checks that it is writable and holds
/// nothing but this sweep, cuts a partial last line and unmatched time-series rows after a
/// crash, and returns what is left to run.
pub fn open<'a>(dir: &Path, plan: &'a Plan, shard: Shard) -> anyhow::Result<Opened<'a>> {
    std::fs::create_dir_all(dir).map_err(|e| {
        UsageError(format!(
            "cannot create the output folder {}: {e}; choose another with --out DIR",
            dir.display()
        ))
    })?;
    let fp = plan.fingerprint();
    let state_path = dir.join(PLAN);
    if state_path.exists() {
        let st = read_state(dir)?;
        if st.fingerprint != fp {
            return Err(UsageError(format!(
                "{} holds the results of a different sweep (the sweep file, its base scenario or \
                 the program's plan expansion changed): use a new --out DIR, or delete {} to start over",
                dir.display(),
                dir.display()
            ))
            .into());
        }
        if st.shard != shard.to_string() {
            return Err(UsageError(format!(
                "{} holds shard {} of this sweep, not {shard}: give each shard its own --out DIR",
                dir.display(),
                st.shard
            ))
            .into());
        }
    } else {
        if dir.join(RUNS).exists() {
            return Err(UsageError(format!(
                "{} holds a {RUNS} but no {PLAN}: it is not a triad sweep folder of this version; \
                 use a new --out DIR or delete the folder",
                dir.display()
            ))
            .into());
        }
        let st = PlanState {
            format: 1,
            fingerprint: fp,
            shard: shard.to_string(),
            plan: plan.clone(),
        };
        write_atomic(&state_path, &serde_json::to_vec(&st)?).map_err(|e| {
            UsageError(format!(
                "cannot write to the output folder {}: {e:#}; choose another with --out DIR",
                dir.display()
            ))
        })?;
    }
    let all = shard.indices(plan.n_runs());
    let (metrics, done_runs, runs_len) = recover_runs(dir, plan, &all)?;
    let (series, ts_len) = recover_ts(dir, &done_runs, metrics.is_some())?;
    let open = |name: &str, len: u64| -> anyhow::Result<File> {
        let p = dir.join(name);
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&p)
            .with_context(|| format!("cannot open {}", p.display()))?;
        f.set_len(len)?;
        let mut f = f;
        use std::io::Seek;
        f.seek(std::io::SeekFrom::End(0))?;
        Ok(f)
    };
    let runs = open(RUNS, runs_len)?;
    let ts = open(TIMESERIES, ts_len)?;
    let done = done_runs.len();
    Ok(Opened {
        writer: StreamWriter {
            plan,
            runs,
            ts,
            metrics,
            series,
            held: vec![],
            written: 0,
        },
        done,
        todo: all[done..].to_vec(),
    })
}

fn read_state(dir: &Path) -> anyhow::Result<PlanState> {
    let p = dir.join(PLAN);
    let bytes = std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        UsageError(format!(
            "{} is damaged ({e}); delete the folder {} and run the sweep again",
            p.display(),
            dir.display()
        ))
        .into()
    })
}

/// Reads `runs.csv`'s complete lines: the metric names (if the header is there), the run
/// indices done, and the byte length to keep.
fn recover_runs(
    dir: &Path,
    plan: &Plan,
    expected: &[usize],
) -> anyhow::Result<(Option<Vec<String>>, Vec<usize>, u64)> {
    let p = dir.join(RUNS);
    let bytes = match std::fs::read(&p) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((None, vec![], 0)),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", p.display())),
    };
    let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let bytes = &bytes[..keep];
    if bytes.is_empty() {
        return Ok((None, vec![], 0));
    }
    let damaged = |why: String| -> anyhow::Error {
        UsageError(format!(
            "{} does not match this sweep ({why}); delete the folder {} and run again",
            p.display(),
            dir.display()
        ))
        .into()
    };
    let mut rdr = reader(bytes);
    let mut recs = rdr.records();
    let header = recs
        .next()
        .transpose()
        .map_err(|e| damaged(e.to_string()))?
        .ok_or_else(|| damaged("no header".into()))?;
    let fixed = runs_fixed_header(plan);
    let head: Vec<&str> = header.iter().collect();
    if head.len() < fixed.len()
        || head[..fixed.len()] != fixed.iter().map(String::as_str).collect::<Vec<_>>()[..]
    {
        return Err(damaged("unexpected header".into()));
    }
    let metrics: Vec<String> = head[fixed.len()..].iter().map(|s| s.to_string()).collect();
    let mut done = Vec::new();
    for r in recs {
        let r = r.map_err(|e| damaged(e.to_string()))?;
        let run: usize = r
            .get(0)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| damaged("a row without a run index".into()))?;
        if expected.get(done.len()) != Some(&run) || r.len() != head.len() {
            return Err(damaged(format!("unexpected row for run {run}")));
        }
        done.push(run);
    }
    Ok((Some(metrics), done, keep as u64))
}

/// Cuts `timeseries.csv` back to the rows of runs in `done`; returns its series names and
/// the byte length to keep.
fn recover_ts(
    dir: &Path,
    done: &[usize],
    has_header: bool,
) -> anyhow::Result<(Option<Vec<String>>, u64)> {
    if !has_header {
        return Ok((None, 0));
    }
    let p = dir.join(TIMESERIES);
    let bytes = std::fs::read(&p).with_context(|| {
        format!(
            "{} is missing though {RUNS} is not; delete the folder {} and run again",
            p.display(),
            dir.display()
        )
    })?;
    let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let bytes = &bytes[..keep];
    let mut rdr = reader(bytes);
    let mut rec = csv::StringRecord::new();
    if !rdr.read_record(&mut rec)? {
        return Err(anyhow!(
            "{} has no header; delete the folder and run again",
            p.display()
        ));
    }
    let series: Vec<String> = rec.iter().skip(2).map(str::to_string).collect();
    let done_set: std::collections::BTreeSet<usize> = done.iter().copied().collect();
    let mut cut = rdr.position().byte();
    loop {
        let pos = rdr.position().byte();
        if !rdr.read_record(&mut rec)? {
            break;
        }
        let run: Option<usize> = rec.get(0).and_then(|s| s.parse().ok());
        match run {
            Some(r) if done_set.contains(&r) => cut = rdr.position().byte(),
            _ => {
                cut = pos;
                break;
            }
        }
    }
    Ok((Some(series), cut))
}

/// Reads `runs.csv` back as a table.
pub fn read_runs(dir: &Path, plan: &Plan) -> anyhow::Result<RunTable> {
    let p = dir.join(RUNS);
    let bytes = std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?;
    let fixed = runs_fixed_header(plan).len();
    let mut rdr = reader(&bytes);
    let mut recs = rdr.records();
    let header = recs
        .next()
        .transpose()?
        .ok_or_else(|| anyhow!("{} is empty", p.display()))?;
    let metrics: Vec<String> = header.iter().skip(fixed).map(str::to_string).collect();
    let mut rows = Vec::new();
    for r in recs {
        let r = r?;
        let run: usize = r
            .get(0)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow!("{}: a row without a run index", p.display()))?;
        if r.get(fixed - 2) == Some("ok") {
            rows.push(RunRow::ok(
                run,
                r.iter().skip(fixed).map(parse_num).collect(),
            ));
        } else {
            rows.push(RunRow::failed(
                run,
                r.get(fixed - 1).unwrap_or("").to_string(),
            ));
        }
    }
    Ok(RunTable { metrics, rows })
}

/// Reads the plan stored in a sweep folder, and the shard it holds.
pub fn read_plan(dir: &Path) -> anyhow::Result<(Plan, Shard)> {
    if !dir.join(PLAN).exists() {
        return Err(UsageError(format!(
            "{} is not a sweep output folder (no {PLAN}); give the folder `triad sweep` wrote",
            dir.display()
        ))
        .into());
    }
    let st = read_state(dir)?;
    let shard = Shard::parse(&st.shard).map_err(|e| anyhow!("{}: {e}", dir.display()))?;
    Ok((st.plan, shard))
}

/// Per policy, per hour, per series column: running statistics over the runs of one cell
/// per policy (its best cell, see [`Summary::best_cells`]), from `timeseries.csv`.
pub struct SeriesSummary {
    /// Series column names (after `hour`).
    pub columns: Vec<String>,
    /// The cell whose runs each policy's statistics cover (`None`: all its runs failed).
    pub at: Vec<Option<usize>>,
    /// Key (policy, hour key) to (hour, stats per column).
    pub cells: BTreeMap<(usize, u64), (f64, Vec<Running>)>,
}

impl SeriesSummary {
    /// The points of column `c` for policy `p`: (hour, interval).
    pub fn line(&self, p: usize, c: usize) -> Vec<(f64, MeanCi)> {
        self.cells
            .range((p, 0)..=(p, u64::MAX))
            .map(|(_, (h, st))| (*h, st[c].ci(LEVEL)))
            .collect()
    }
}

fn hour_key(h: f64) -> u64 {
    let b = h.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// Streams `timeseries.csv` into per-policy statistics over the runs of cell `at[policy]`
/// (a policy with `None` gets no rows).
pub fn read_series(dir: &Path, plan: &Plan, at: &[Option<usize>]) -> anyhow::Result<SeriesSummary> {
    let p = dir.join(TIMESERIES);
    let f = File::open(&p).with_context(|| format!("cannot read {}", p.display()))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(std::io::BufReader::new(f));
    let mut rec = csv::StringRecord::new();
    if !rdr.read_record(&mut rec)? {
        return Ok(SeriesSummary {
            columns: vec![],
            at: at.to_vec(),
            cells: BTreeMap::new(),
        });
    }
    let columns: Vec<String> = rec.iter().skip(2).map(str::to_string).collect();
    let mut cells: BTreeMap<(usize, u64), (f64, Vec<Running>)> = BTreeMap::new();
    while rdr.read_record(&mut rec)? {
        let run: usize = rec
            .get(0)
            .and_then(|s| s.parse().ok())
            .unwrap_or(usize::MAX);
        if run >= plan.n_runs() {
            continue;
        }
        let spec = plan.run(run);
        if at.get(spec.policy).copied().flatten() != Some(spec.cell) {
            continue;
        }
        let hour = parse_num(rec.get(1).unwrap_or(""));
        let e = cells
            .entry((spec.policy, hour_key(hour)))
            .or_insert_with(|| (hour, vec![Running::default(); columns.len()]));
        for (st, v) in e.1.iter_mut().zip(rec.iter().skip(2)) {
            st.push(parse_num(v));
        }
    }
    Ok(SeriesSummary {
        columns,
        at: at.to_vec(),
        cells,
    })
}

/// Writes `summary.csv` and `paired.csv`.
pub fn write_summary_csvs(dir: &Path, plan: &Plan, s: &Summary) -> anyhow::Result<()> {
    let params: Vec<String> = plan.params().iter().map(|p| format!("param.{p}")).collect();
    let mut head = vec!["cell".to_string()];
    head.extend(params.iter().cloned());
    let cell_fields: Vec<Vec<String>> = (0..plan.n_cells())
        .map(|c| {
            let mut f = vec![c.to_string()];
            f.extend(plan.cell_values(c).iter().map(param_str));
            f
        })
        .collect();
    let mut out = Vec::new();
    let mut h = head.clone();
    h.extend(
        [
            "policy", "metric", "n", "failed", "mean", "sd", "ci95_lo", "ci95_hi",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    out.extend(csv_line(&h));
    for r in &s.rows {
        let mut f = cell_fields[r.cell].clone();
        f.push(plan.policies[r.policy].label.clone());
        f.push(s.metrics[r.metric].clone());
        f.push(r.ci.n.to_string());
        f.push(r.failed.to_string());
        f.extend([r.ci.mean, r.ci.sd, r.ci.lo, r.ci.hi].map(opt_num));
        out.extend(csv_line(&f));
    }
    write_atomic(&dir.join(SUMMARY), &out)?;

    let mut out = Vec::new();
    let mut h = head;
    h.extend(
        [
            "policy",
            "reference",
            "metric",
            "n",
            "mean_diff",
            "sd_diff",
            "ci95_lo",
            "ci95_hi",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    out.extend(csv_line(&h));
    let reference = &plan.policies[plan.reference].label;
    for r in &s.paired {
        let mut f = cell_fields[r.cell].clone();
        f.push(plan.policies[r.policy].label.clone());
        f.push(reference.clone());
        f.push(s.metrics[r.metric].clone());
        f.push(r.ci.n.to_string());
        f.extend([r.ci.mean, r.ci.sd, r.ci.lo, r.ci.hi].map(opt_num));
        out.extend(csv_line(&f));
    }
    write_atomic(&dir.join(PAIRED), &out)
}

/// Writes `timeseries_summary.csv`.
pub fn write_series_summary(dir: &Path, plan: &Plan, s: &SeriesSummary) -> anyhow::Result<()> {
    let mut out = csv_line(&[
        "policy", "cell", "hour", "column", "n", "mean", "ci95_lo", "ci95_hi",
    ]);
    for ((p, _), (hour, st)) in &s.cells {
        let cell = s.at[*p].map_or(String::new(), |c| c.to_string());
        for (c, r) in s.columns.iter().zip(st) {
            let ci = r.ci(LEVEL);
            let mut f = vec![
                plan.policies[*p].label.clone(),
                cell.clone(),
                num(*hour),
                c.clone(),
                ci.n.to_string(),
            ];
            f.extend([ci.mean, ci.lo, ci.hi].map(opt_num));
            out.extend(csv_line(&f));
        }
    }
    write_atomic(&dir.join(TIMESERIES_SUMMARY), &out)
}

/// Joins shard folders of one sweep into `out`: checks that they hold the same plan, that
/// the shards are distinct and complete, then writes `runs.csv` and `timeseries.csv` in
/// run order and returns the plan. The caller finalizes.
pub fn merge(dirs: &[PathBuf], out: &Path) -> anyhow::Result<Plan> {
    if dirs.is_empty() {
        return Err(UsageError("triad merge needs at least one shard folder".into()).into());
    }
    let mut plan: Option<Plan> = None;
    let mut fp = String::new();
    let mut shards: Vec<Option<PathBuf>> = Vec::new();
    for d in dirs {
        let (p, sh) = read_plan(d)?;
        let f = p.fingerprint();
        match &plan {
            None => {
                fp = f;
                shards = vec![None; sh.n];
                plan = Some(p);
            }
            Some(_) if f != fp => {
                return Err(UsageError(format!(
                    "{} holds a different sweep than {}; merge only the shards of one sweep",
                    d.display(),
                    dirs[0].display()
                ))
                .into());
            }
            Some(_) => {}
        }
        if sh.n != shards.len() {
            return Err(UsageError(format!(
                "{} is shard {sh}, but {} is one of {} shards",
                d.display(),
                dirs[0].display(),
                shards.len()
            ))
            .into());
        }
        if let Some(prev) = &shards[sh.k - 1] {
            return Err(UsageError(format!(
                "{} and {} both hold shard {sh}",
                prev.display(),
                d.display()
            ))
            .into());
        }
        shards[sh.k - 1] = Some(d.clone());
    }
    let plan = plan.ok_or_else(|| anyhow!("no shards"))?;
    let missing: Vec<String> = shards
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(k, _)| format!("{}/{}", k + 1, shards.len()))
        .collect();
    if !missing.is_empty() {
        return Err(UsageError(format!("shards {} are missing", missing.join(", "))).into());
    }
    let dirs: Vec<PathBuf> = shards.into_iter().flatten().collect();
    // Every shard must be complete.
    let mut tables = Vec::new();
    for (k, d) in dirs.iter().enumerate() {
        let t = if d.join(RUNS).exists() {
            read_runs(d, &plan)?
        } else {
            RunTable::default()
        };
        let want = Shard {
            k: k + 1,
            n: dirs.len(),
        }
        .indices(plan.n_runs());
        if t.rows.len() != want.len() {
            return Err(UsageError(format!(
                "{} has {} of its {} runs: finish it first (rerun the same `triad sweep ... --shard {}/{}` command; it resumes)",
                d.display(),
                t.rows.len(),
                want.len(),
                k + 1,
                dirs.len()
            ))
            .into());
        }
        tables.push(t);
    }
    let metrics = tables
        .iter()
        .map(|t| t.metrics.clone())
        .max_by_key(|m| m.len())
        .unwrap_or_default();
    if let Some(t) = tables
        .iter()
        .find(|t| !t.metrics.is_empty() && t.metrics != metrics)
    {
        return Err(anyhow!(
            "shards disagree on the metric columns: {:?} vs {metrics:?}",
            t.metrics
        ));
    }
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    if out.join(PLAN).exists() {
        let st = read_state(out)?;
        if st.fingerprint != fp || st.shard != Shard::ALL.to_string() {
            return Err(UsageError(format!(
                "{} already holds other results; merge into a new --out DIR",
                out.display()
            ))
            .into());
        }
    }
    // runs.csv in run order: run i lives in shard i % n.
    let n = dirs.len();
    let mut out_runs = Vec::new();
    let mut h = runs_fixed_header(&plan);
    h.extend(metrics.iter().cloned());
    out_runs.extend(csv_line(&h));
    let mut next = vec![0usize; n];
    for i in 0..plan.n_runs() {
        let row = &tables[i % n].rows[next[i % n]];
        next[i % n] += 1;
        out_runs.extend(csv_line(&runs_fields(&plan, row, metrics.len())));
    }
    // timeseries.csv: the shards' rows, in run order.
    let mut series: Option<csv::StringRecord> = None;
    let mut readers = Vec::new();
    for d in &dirs {
        let f = File::open(d.join(TIMESERIES))
            .with_context(|| format!("cannot read {}", d.join(TIMESERIES).display()))?;
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(std::io::BufReader::new(f));
        let mut head = csv::StringRecord::new();
        if r.read_record(&mut head)? && head.len() > 2 {
            if let Some(s) = &series {
                if s != &head {
                    return Err(anyhow!("shards disagree on the time-series columns"));
                }
            } else {
                series = Some(head.clone());
            }
        }
        readers.push(r.into_records().peekable());
    }
    let head = series.unwrap_or_else(|| csv::StringRecord::from(vec!["run", "hour"]));
    let tmp_ts = out.join(format!(".{TIMESERIES}.merge"));
    {
        let mut w = std::io::BufWriter::new(File::create(&tmp_ts)?);
        w.write_all(&csv_line(&head.iter().collect::<Vec<_>>()))?;
        for i in 0..plan.n_runs() {
            let r = &mut readers[i % n];
            while let Some(Ok(rec)) = r.peek() {
                if rec.get(0).and_then(|s| s.parse::<usize>().ok()) != Some(i) {
                    break;
                }
                w.write_all(&csv_line(&rec.iter().collect::<Vec<_>>()))?;
                r.next();
            }
        }
        w.flush()?;
    }
    std::fs::rename(&tmp_ts, out.join(TIMESERIES))?;
    write_atomic(&out.join(RUNS), &out_runs)?;
    let st = PlanState {
        format: 1,
        fingerprint: fp,
        shard: Shard::ALL.to_string(),
        plan: plan.clone(),
    };
    write_atomic(&out.join(PLAN), &serde_json::to_vec(&st)?)?;
    Ok(plan)
}

pub use crate::base::output::utc_now;

/// The seeds of a plan's replications, for the manifest.
pub fn seeds(plan: &Plan) -> Vec<u64> {
    (0..plan.replications)
        .map(|r| plan.replication_seed(r))
        .collect()
}

/// The run spec of every run in a shard (for callers that want to list them).
pub fn shard_runs(plan: &Plan, shard: Shard) -> Vec<RunSpec> {
    shard
        .indices(plan.n_runs())
        .into_iter()
        .map(|i| plan.run(i))
        .collect()
}
