//! The output folder of a sweep: created or resumed before the first run, streamed into as
//! runs finish, recovered after a crash.
//!
//! Crash safety: each finished run appends its `timeseries.csv` rows, then its `runs.csv`
//! row, in run-index order. `runs.csv` is the commit log: on restart a partial last record
//! is cut off, the complete rows say which runs are done, and `timeseries.csv` is cut back
//! to the rows of those runs. Both are read back by [`super::read`], which checks them
//! against the plan. Everything else is derived from these two files and written
//! atomically (temporary file, then rename).
//!
//! A sweep writes into a new or empty folder, or resumes in a folder whose `plan.json`
//! holds the same plan and shard; into any other folder only with `--force`, which starts
//! it over (see [`crate::base::outdir`]).

use super::csv::{csv_line, runs_fields, runs_fixed_header, ts_header};
use super::plan::{Shard, SweepPlan};
use super::read::{FORMAT, SeriesReader, Torn, read_runs_file, read_state};
use super::runner::RunOutcome;
use super::summary::RunRow;
use crate::base::fmt::opt_num;
use crate::base::outdir::{self, Found, Owner};
use crate::base::output::write_atomic;
use serde::{Deserialize, Serialize};
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
/// Per policy: its best cell and the cells statistically indistinguishable from it.
pub const NEAR_BEST: &str = "near_best.csv";
/// Per policy, hour and series column, pooled over cells and replications.
pub const TIMESERIES_SUMMARY: &str = "timeseries_summary.csv";
/// Versions, times, seeds.
pub const MANIFEST: &str = "manifest.json";
/// The markdown report.
pub const REPORT: &str = "report.md";

/// What `plan.json` holds.
#[derive(Debug, Serialize, Deserialize)]
pub struct PlanState {
    /// Format version of the folder.
    pub format: u32,
    /// [`SweepPlan::fingerprint`].
    pub fingerprint: String,
    /// Which shard this folder holds (`1/1` = all runs).
    pub shard: String,
    /// The plan itself, so that `triad merge` and `triad plot` need no sweep file.
    pub plan: SweepPlan,
}

/// Writes `plan.json` into `dir`: `plan`, its fingerprint `fp` and the shard the folder holds.
pub(super) fn write_state(
    dir: &Path,
    plan: &SweepPlan,
    fp: String,
    shard: Shard,
) -> anyhow::Result<()> {
    let st = PlanState {
        format: FORMAT,
        fingerprint: fp,
        shard: shard.to_string(),
        plan: plan.clone(),
    };
    write_atomic(&dir.join(PLAN), &serde_json::to_vec(&st)?)
}

/// Whose the non-empty folder `dir` is, for a sweep-like command (`sweep`, `stress`,
/// `merge`) about to write shard `shard` of the plan with fingerprint `fp` into it.
pub fn owner(dir: &Path, fp: &str, shard: Shard) -> Owner {
    if !dir.join(PLAN).exists() {
        return outdir::other_command(dir, &["sweep", "stress", "merge"])
            .unwrap_or_else(|| Owner::Other(outdir::describe(dir)));
    }
    match read_state(dir) {
        Err(e) => Owner::Other(format!("a {PLAN} triad cannot use ({e:#})")),
        Ok(st) if st.fingerprint != fp => Owner::Other(
            "the results of a different sweep (the sweep file, its base scenario or the \
             program's plan expansion changed)"
                .into(),
        ),
        Ok(st) if st.shard != shard.to_string() => Owner::Other(format!(
            "shard {} of this sweep, not {shard} (give each shard its own --out DIR)",
            st.shard
        )),
        Ok(_) => Owner::Ours,
    }
}

/// Appends each run's rows, in run-index order, to `runs.csv` and `timeseries.csv`.
///
/// The column names are fixed by the first successful run; failures before it are held
/// in memory until then (or until [`StreamWriter::finish`]).
#[derive(Debug)]
pub struct StreamWriter<'a> {
    plan: &'a SweepPlan,
    runs: Appended,
    ts: Appended,
    metrics: Option<Vec<String>>,
    series: Option<Vec<String>>,
    held: Vec<RunRow>,
    /// Runs written in this session.
    pub written: usize,
}

/// A file appended to, with its path for error messages.
#[derive(Debug)]
struct Appended {
    file: File,
    path: PathBuf,
}

impl Appended {
    /// Opens `path`, cut to `len` bytes, for appending.
    fn open(path: PathBuf, len: u64) -> anyhow::Result<Appended> {
        use std::io::{Seek, SeekFrom};
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .and_then(|mut f| {
                f.set_len(len)?;
                f.seek(SeekFrom::End(0))?;
                Ok(f)
            })
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        Ok(Appended { file, path })
    }

    /// Appends `bytes` and flushes them to the operating system.
    fn append(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.file
            .write_all(bytes)
            .and_then(|()| self.file.flush())
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", self.path.display()))
    }

    fn is_empty(&self) -> bool {
        self.file.metadata().map(|m| m.len() == 0).unwrap_or(false)
    }
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
                        .append(&csv_line(&runs_fields(self.plan, &row, n)))?;
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
            f.extend(rec.series.iter().map(|(_, c)| opt_num(c[i])));
            ts.extend(csv_line(&f));
        }
        self.ts.append(&ts)?;
        let mut out = Vec::new();
        let n = rec.metrics.len();
        // The header is pending while runs.csv is empty.
        if !self.held.is_empty() || self.runs.is_empty() {
            let mut h = runs_fixed_header(self.plan);
            h.extend(self.metrics.iter().flatten().cloned());
            out.extend(csv_line(&h));
            for row in self.held.drain(..) {
                out.extend(csv_line(&runs_fields(self.plan, &row, n)));
            }
        }
        let row = RunRow::ok(o.spec.index, rec.metrics.iter().map(|(_, v)| *v).collect());
        out.extend(csv_line(&runs_fields(self.plan, &row, n)));
        self.runs.append(&out)?;
        self.written += 1;
        Ok(())
    }

    /// Ends the stream: if no run succeeded, writes the headers (without metric columns)
    /// and the held failures.
    pub fn finish(mut self) -> anyhow::Result<()> {
        if self.metrics.is_none() && self.runs.is_empty() {
            let mut out = csv_line(&runs_fixed_header(self.plan));
            for row in self.held.drain(..) {
                out.extend(csv_line(&runs_fields(self.plan, &row, 0)));
            }
            self.ts.append(&csv_line(&ts_header(&[])))?;
            self.runs.append(&out)?;
        }
        Ok(())
    }
}

/// An output folder opened for a (possibly resumed) sweep.
#[derive(Debug)]
pub struct Opened<'a> {
    /// The writer for the runs still to do.
    pub writer: StreamWriter<'a>,
    /// Runs of this shard already in the folder.
    pub done: usize,
    /// This shard's run indices still to do, in order.
    pub todo: Vec<usize>,
}

/// Creates or reopens `dir` for `plan`'s shard: checks that the folder is new, empty or
/// this sweep's (any other only with `force`, which starts it over) and that it can be
/// written, cuts a partial last record and unmatched time-series rows after a crash, and
/// returns what is left to run.
pub fn open<'a>(
    dir: &Path,
    plan: &'a SweepPlan,
    shard: Shard,
    force: bool,
) -> anyhow::Result<Opened<'a>> {
    let fp = plan.fingerprint();
    let found = outdir::claim(dir, force, |d| owner(d, &fp, shard))?;
    let all = shard.indices(plan.n_runs());
    let (metrics, series, done, runs_len, ts_len) = if found == Found::Ours {
        recover(dir, plan, &all)?
    } else {
        write_state(dir, plan, fp, shard)?;
        (None, None, 0, 0, 0)
    };
    let runs = Appended::open(dir.join(RUNS), runs_len)?;
    let ts = Appended::open(dir.join(TIMESERIES), ts_len)?;
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

/// What a resumed folder holds: the metric and series names (when `runs.csv` has its
/// header), the runs done, and the bytes of `runs.csv` and `timeseries.csv` to keep.
type Recovered = (Option<Vec<String>>, Option<Vec<String>>, usize, u64, u64);

/// Reads back the runs done in `dir` (the first of `expected`): a partial last record of
/// `runs.csv` is cut off, and `timeseries.csv` cut back to the rows of the runs done.
fn recover(dir: &Path, plan: &SweepPlan, expected: &[usize]) -> anyhow::Result<Recovered> {
    let runs = read_runs_file(dir, plan, expected, Torn::Cut)?;
    if !runs.header {
        return Ok((None, None, 0, 0, 0));
    }
    let mut ts = SeriesReader::open(dir, plan, &runs.table, Torn::Cut)?;
    while ts.advance()? {}
    let series = ts.columns.clone();
    let ts_len = ts.finish()?;
    Ok((
        Some(runs.table.metrics),
        Some(series),
        runs.table.rows.len(),
        runs.keep,
        ts_len,
    ))
}
