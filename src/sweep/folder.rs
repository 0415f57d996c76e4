//! The output folder of a sweep: created or resumed before the first run, streamed into as
//! runs finish, recovered after a crash.
//!
//! Crash safety: each finished run appends its `timeseries.csv` rows, then its `runs.csv`
//! row, in run-index order. `runs.csv` is the commit log: on restart a partial last line is
//! cut off, the complete rows say which runs are done, and `timeseries.csv` is cut back to
//! the rows of those runs. Everything else is derived from these two files and written
//! atomically (temporary file, then rename).

use super::csv::{csv_line, reader, runs_fields, runs_fixed_header, ts_header};
use super::plan::{Shard, SweepPlan};
use super::runner::RunOutcome;
use super::summary::RunRow;
use crate::base::UsageError;
use crate::base::fmt::opt_num;
use crate::base::output::write_atomic;
use anyhow::{Context, anyhow};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

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
        format: 1,
        fingerprint: fp,
        shard: shard.to_string(),
        plan: plan.clone(),
    };
    write_atomic(&dir.join(PLAN), &serde_json::to_vec(&st)?)
}

/// Appends each run's rows, in run-index order, to `runs.csv` and `timeseries.csv`.
///
/// The column names are fixed by the first successful run; failures before it are held
/// in memory until then (or until [`StreamWriter::finish`]).
pub struct StreamWriter<'a> {
    plan: &'a SweepPlan,
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
            f.extend(rec.series.iter().map(|(_, c)| opt_num(c[i])));
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
pub fn open<'a>(dir: &Path, plan: &'a SweepPlan, shard: Shard) -> anyhow::Result<Opened<'a>> {
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
        write_state(dir, plan, fp, shard).map_err(|e| {
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

pub(super) fn read_state(dir: &Path) -> anyhow::Result<PlanState> {
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

/// Reads the plan stored in a sweep folder, and the shard it holds.
pub fn read_plan(dir: &Path) -> anyhow::Result<(SweepPlan, Shard)> {
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

/// Reads `runs.csv`'s complete lines: the metric names (if the header is there), the run
/// indices done, and the byte length to keep.
fn recover_runs(
    dir: &Path,
    plan: &SweepPlan,
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
