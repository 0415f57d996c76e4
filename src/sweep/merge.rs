//! Joining the shard folders of one sweep into one folder, equal to a one-machine run.

use super::csv::{csv_line, read_runs, runs_fields, runs_fixed_header};
use super::folder::{PLAN, RUNS, TIMESERIES, read_plan, read_state, write_state};
use super::plan::{Shard, SweepPlan};
use super::summary::RunTable;
use crate::base::UsageError;
use crate::base::output::write_atomic;
use anyhow::{Context, anyhow};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Joins shard folders of one sweep into `out`: checks that they hold the same plan, that
/// the shards are distinct and complete, then writes `runs.csv` and `timeseries.csv` in
/// run order and returns the plan. The caller finalizes.
pub fn merge(dirs: &[PathBuf], out: &Path) -> anyhow::Result<SweepPlan> {
    let (plan, fp, dirs) = shards_in_order(dirs)?;
    let tables = complete_tables(&plan, &dirs)?;
    let metrics = common_metrics(&tables)?;
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
    let runs = merged_runs(&plan, &tables, &metrics);
    merge_series(&plan, &dirs, out)?;
    write_atomic(&out.join(RUNS), &runs)?;
    write_state(out, &plan, fp, Shard::ALL)?;
    Ok(plan)
}

/// The plan the shard folders hold, its fingerprint, and the folders in shard order; an
/// error when they hold different sweeps, different shard counts, one shard twice or miss
/// one.
fn shards_in_order(dirs: &[PathBuf]) -> anyhow::Result<(SweepPlan, String, Vec<PathBuf>)> {
    if dirs.is_empty() {
        return Err(UsageError("triad merge needs at least one shard folder".into()).into());
    }
    let mut plan: Option<SweepPlan> = None;
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
    Ok((plan, fp, shards.into_iter().flatten().collect()))
}

/// The run table of every shard (in shard order); an error when a shard is not complete.
fn complete_tables(plan: &SweepPlan, dirs: &[PathBuf]) -> anyhow::Result<Vec<RunTable>> {
    let mut tables = Vec::new();
    for (k, d) in dirs.iter().enumerate() {
        let t = if d.join(RUNS).exists() {
            read_runs(d, plan)?
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
    Ok(tables)
}

/// The metric columns of the shards (a shard whose runs all failed has none); an error
/// when two shards name different ones.
fn common_metrics(tables: &[RunTable]) -> anyhow::Result<Vec<String>> {
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
    Ok(metrics)
}

/// `runs.csv` in run order: run `i` lives in shard `i % n`.
fn merged_runs(plan: &SweepPlan, tables: &[RunTable], metrics: &[String]) -> Vec<u8> {
    let n = tables.len();
    let mut out_runs = Vec::new();
    let mut h = runs_fixed_header(plan);
    h.extend(metrics.iter().cloned());
    out_runs.extend(csv_line(&h));
    let mut next = vec![0usize; n];
    for i in 0..plan.n_runs() {
        let row = &tables[i % n].rows[next[i % n]];
        next[i % n] += 1;
        out_runs.extend(csv_line(&runs_fields(plan, row, metrics.len())));
    }
    out_runs
}

/// Writes `out/timeseries.csv`: the shards' rows, in run order (streamed, through a
/// temporary file).
fn merge_series(plan: &SweepPlan, dirs: &[PathBuf], out: &Path) -> anyhow::Result<()> {
    let n = dirs.len();
    let mut series: Option<csv::StringRecord> = None;
    let mut readers = Vec::new();
    for d in dirs {
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
    Ok(())
}
