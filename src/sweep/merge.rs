//! Joining the shard folders of one sweep into one folder, equal to a one-machine run.
//!
//! Each shard folder is read back and checked as resume checks it ([`super::read`]): its
//! `plan.json`, every row of its `runs.csv` and `timeseries.csv`. The output folder is new,
//! empty, or already holds this sweep's merged results (any other only with `--force`).

use super::csv::{csv_line, runs_fields, runs_fixed_header};
use super::folder::{self, RUNS, TIMESERIES, write_state};
use super::plan::{Shard, SweepPlan};
use super::read::{LISTED, SeriesReader, Torn, read_plan, read_runs_file};
use super::summary::RunTable;
use crate::base::UsageError;
use crate::base::outdir;
use crate::base::output::{temp_path, write_atomic};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Joins shard folders of one sweep into `out`: checks that they hold the same plan, that
/// the shards are distinct and complete and their files intact, that `out` may be written
/// (`force` writes over a folder that is not this sweep's), then writes `runs.csv` and
/// `timeseries.csv` in run order and returns the plan. The caller finalizes.
pub fn merge(dirs: &[PathBuf], out: &Path, force: bool) -> anyhow::Result<SweepPlan> {
    let (plan, fp, dirs) = shards_in_order(dirs)?;
    let tables = complete_tables(&plan, &dirs)?;
    let metrics = common_metrics(&dirs, &tables)?;
    outdir::claim(out, force, |d| folder::owner(d, &fp, Shard::ALL))?;
    let runs = merged_runs(&plan, &tables, &metrics);
    merge_series(&plan, &dirs, &tables, out)?;
    write_atomic(&out.join(RUNS), &runs)?;
    write_state(out, &plan, fp, Shard::ALL)?;
    Ok(plan)
}

/// `items` joined with ", ", at most [`LISTED`] of them, then how many more.
fn listed(items: impl ExactSizeIterator<Item = String>) -> String {
    let n = items.len();
    let mut s: Vec<String> = items.take(LISTED).collect();
    if n > LISTED {
        s.push(format!("and {} more", n - LISTED));
    }
    s.join(", ")
}

/// The plan the shard folders hold, its fingerprint, and the folders in shard order; an
/// error when they hold different sweeps, different shard counts, one shard twice or miss
/// one.
fn shards_in_order(dirs: &[PathBuf]) -> anyhow::Result<(SweepPlan, String, Vec<PathBuf>)> {
    let Some(first) = dirs.first() else {
        return Err(UsageError("triad merge needs at least one shard folder".into()).into());
    };
    // plan.json is checked: its shard count is at most the plan's run count.
    let (plan, sh0) = read_plan(first)?;
    let fp = plan.fingerprint();
    let mut shards: Vec<Option<PathBuf>> = vec![None; sh0.n];
    for d in dirs {
        let (p, sh) = read_plan(d)?;
        if p.fingerprint() != fp {
            return Err(UsageError(format!(
                "{} holds a different sweep than {}; merge only the shards of one sweep",
                d.display(),
                first.display()
            ))
            .into());
        }
        if sh.n != shards.len() {
            return Err(UsageError(format!(
                "{} is shard {sh}, but {} is one of {} shards",
                d.display(),
                first.display(),
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
    let n = shards.len();
    let missing: Vec<usize> = (0..n).filter(|&k| shards[k].is_none()).collect();
    if !missing.is_empty() {
        return Err(UsageError(format!(
            "{} of the {n} shards {} missing: {}",
            missing.len(),
            if missing.len() == 1 { "is" } else { "are" },
            listed(missing.iter().map(|k| format!("{}/{n}", k + 1)))
        ))
        .into());
    }
    Ok((plan, fp, shards.into_iter().flatten().collect()))
}

/// The run table of every shard (in shard order), checked; an error when a shard is not
/// complete.
fn complete_tables(plan: &SweepPlan, dirs: &[PathBuf]) -> anyhow::Result<Vec<RunTable>> {
    let mut tables = Vec::new();
    for (k, d) in dirs.iter().enumerate() {
        let want = Shard {
            k: k + 1,
            n: dirs.len(),
        }
        .indices(plan.n_runs());
        let t = read_runs_file(d, plan, &want, Torn::Refuse)?.table;
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
fn common_metrics(dirs: &[PathBuf], tables: &[RunTable]) -> anyhow::Result<Vec<String>> {
    let (i, _) = tables
        .iter()
        .enumerate()
        .max_by_key(|(i, t)| (t.metrics.len(), std::cmp::Reverse(*i)))
        .ok_or_else(|| UsageError("no shards".into()))?;
    let metrics = &tables[i].metrics;
    if let Some((j, t)) = tables
        .iter()
        .enumerate()
        .find(|(_, t)| !t.metrics.is_empty() && &t.metrics != metrics)
    {
        return Err(UsageError(format!(
            "{} and {} name different metric columns ({} vs {}); merge only shards written \
             by one triad",
            dirs[j].join(RUNS).display(),
            dirs[i].join(RUNS).display(),
            listed(t.metrics.iter().cloned()),
            listed(metrics.iter().cloned())
        ))
        .into());
    }
    Ok(metrics.clone())
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

/// Writes `out/timeseries.csv`: the shards' rows, checked, in run order (streamed, through
/// a temporary file that does not survive an error).
fn merge_series(
    plan: &SweepPlan,
    dirs: &[PathBuf],
    tables: &[RunTable],
    out: &Path,
) -> anyhow::Result<()> {
    let target = out.join(TIMESERIES);
    let tmp = temp_path(&target, "merge");
    let r = write_series(plan, dirs, tables, &tmp).and_then(|()| {
        std::fs::rename(&tmp, &target)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", target.display()))
    });
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

fn write_series(
    plan: &SweepPlan,
    dirs: &[PathBuf],
    tables: &[RunTable],
    tmp: &Path,
) -> anyhow::Result<()> {
    let n = dirs.len();
    let mut readers = Vec::with_capacity(n);
    let mut series: Option<(usize, Vec<String>)> = None;
    for (k, (d, t)) in dirs.iter().zip(tables).enumerate() {
        let r = SeriesReader::open(d, plan, t, Torn::Refuse)?;
        if t.rows.iter().any(|r| r.ok) {
            match &series {
                Some((j, s)) if s != &r.columns => {
                    return Err(UsageError(format!(
                        "{} and {} name different time-series columns; merge only shards \
                         written by one triad",
                        dirs[*j].join(TIMESERIES).display(),
                        d.join(TIMESERIES).display()
                    ))
                    .into());
                }
                Some(_) => {}
                None => series = Some((k, r.columns.clone())),
            }
        }
        readers.push(r);
    }
    let mut head = vec!["run".to_string(), "hour".to_string()];
    head.extend(series.map(|(_, s)| s).unwrap_or_default());
    let cannot = |e: std::io::Error| anyhow::anyhow!("cannot write {}: {e}", tmp.display());
    let mut w = std::io::BufWriter::new(File::create(tmp).map_err(cannot)?);
    w.write_all(&csv_line(&head)).map_err(cannot)?;
    let mut has: Vec<bool> = readers
        .iter_mut()
        .map(SeriesReader::advance)
        .collect::<anyhow::Result<_>>()?;
    for i in 0..plan.n_runs() {
        let k = i % n;
        while has[k] && readers[k].run() == i {
            let rec = readers[k].record();
            w.write_all(&csv_line(&rec.fields().collect::<Vec<_>>()))
                .map_err(cannot)?;
            has[k] = readers[k].advance()?;
        }
    }
    for r in readers {
        r.finish()?;
    }
    w.into_inner()
        .map_err(|e| cannot(e.into_error()))?
        .sync_all()
        .map_err(cannot)
}
