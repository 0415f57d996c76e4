//! `evaluations.csv`: every evaluation of a calibration's objective, recorded as it
//! completes and read back by a rerun, which reuses the recorded values instead of running
//! them again.
//!
//! One row per evaluation and target (tidy):
//!
//! ```text
//! evaluation, stage, param.<path> (one column per fitted parameter, in file order),
//! target, n, mean, sd, ci_lo, ci_hi, z, objective
//! ```
//!
//! `evaluation` counts from 1 in the order the points were first evaluated; `stage` is the
//! step that asked for it (`fit`, `profile <path>`, `sensitivity`); the `param.` columns are
//! the point; `n` the replications with a defined metric, `mean`, `sd`, `ci_lo`, `ci_hi`
//! their mean, sd and 95% interval (empty when undefined); `z` the standardised residual and
//! `objective` the sum of the evaluation's `z^2` (the same on each of its rows). Numbers are
//! written in the shortest form that reads back to the same bits.
//!
//! The searches are deterministic, and the objective is a function of the point, so a rerun
//! asks for the same points in the same order: looking each one up by its exact bits replays
//! the recorded values, the rerun reaches the same state, and its files (this one included)
//! are the bytes of an uninterrupted run. A point asked for twice is evaluated once.
//!
//! Each evaluation's rows are appended in one write as it completes. A kill can leave a
//! last line without its line end, or an evaluation with fewer rows than targets at the end
//! of the file: reading back drops them (and the rerun cuts them off before appending). Any
//! other mismatch with the calibration (the header, a target out of place, a number that is
//! not one, an interval or `z` that does not follow from `n`, `mean` and `sd`, an objective
//! that is not the sum of its `z^2`) is refused as a located error: the file was edited, or
//! belongs to another calibration.

use super::{Calibration, TargetFit, objective_of, target_fit};
use crate::base::UsageError;
use crate::base::fmt::{num, opt_num};
use crate::base::interrupt::{self, Interrupted};
use crate::base::stats::{MeanCi, mean_ci, mean_ci_of};
use crate::sweep::read::{self, Record, Torn};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The file's name in a calibration's output folder.
pub const EVALUATIONS: &str = "evaluations.csv";

/// The columns after the point's and before the target's values.
const VALUES: [&str; 7] = ["n", "mean", "sd", "ci_lo", "ci_hi", "z", "objective"];

/// Every evaluation of one calibration's objective, by exact point: kept in memory, and
/// appended to `evaluations.csv` when the calibration has an output folder.
#[derive(Debug)]
pub struct Evaluations {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// By the bits of the point: the evaluation's index (from 0) and its targets.
    known: BTreeMap<Vec<u64>, (usize, Vec<TargetFit>)>,
    /// Per index: whether this session has asked for it.
    asked: Vec<bool>,
    /// Distinct evaluations asked for this session.
    n_asked: usize,
    /// Read back from the file.
    recorded: usize,
    /// Recorded ones asked for this session.
    reused: usize,
    /// The step asking, for the `stage` column.
    stage: String,
    /// The file appended to, and its path.
    file: Option<(File, PathBuf)>,
}

/// How many evaluations a calibration has used, and where they came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Distinct points evaluated so far (reused or run).
    pub asked: usize,
    /// Of them, read back from the record of an earlier run.
    pub reused: usize,
    /// Evaluations the record held when it was opened.
    pub recorded: usize,
}

impl Evaluations {
    /// A record in memory only (nothing read, nothing written).
    pub fn in_memory() -> Evaluations {
        Evaluations {
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Opens `dir/evaluations.csv` for `cal`: with `resume`, the evaluations it holds are
    /// read back (a torn end cut off) and new ones appended after them; without, it is
    /// started empty. A file that does not match `cal` is a [`UsageError`] naming its line.
    pub fn open(dir: &Path, cal: &Calibration, resume: bool) -> anyhow::Result<Evaluations> {
        let path = dir.join(EVALUATIONS);
        let mut inner = Inner::default();
        let keep = if resume {
            read_back(&path, cal, &mut inner)?
        } else {
            0
        };
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .and_then(|mut f| {
                f.set_len(keep)?;
                f.seek(SeekFrom::End(0))?;
                Ok(f)
            })
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        if keep == 0 {
            append(&mut file, &path, &csv_bytes(&[header(cal)])?)?;
        }
        inner.recorded = inner.known.len();
        inner.asked = vec![false; inner.known.len()];
        inner.file = Some((file, path));
        Ok(Evaluations {
            inner: Mutex::new(inner),
        })
    }

    fn lock(&self) -> anyhow::Result<MutexGuard<'_, Inner>> {
        self.inner
            .lock()
            .map_err(|_| anyhow::anyhow!("the record of evaluations was left inconsistent"))
    }

    /// Names the step asking for evaluations from now on (the `stage` column).
    pub fn stage(&self, name: &str) -> anyhow::Result<()> {
        self.lock()?.stage = name.to_string();
        Ok(())
    }

    /// The counts so far.
    pub fn counts(&self) -> Counts {
        self.inner.lock().map_or(
            Counts {
                asked: 0,
                reused: 0,
                recorded: 0,
            },
            |g| Counts {
                asked: g.n_asked,
                reused: g.reused,
                recorded: g.recorded,
            },
        )
    }

    /// Every target of `cal` at `x` with `seed`: the recorded values when `x` (to the bit)
    /// was evaluated before, otherwise [`Calibration::evaluate`], recorded before it is
    /// returned. After Ctrl-C, an [`Interrupted`] error instead, saying what is kept.
    pub fn evaluate(
        &self,
        cal: &Calibration,
        x: &[f64],
        seed: u64,
    ) -> anyhow::Result<Vec<TargetFit>> {
        let key: Vec<u64> = x.iter().map(|v| v.to_bits()).collect();
        if interrupt::requested() {
            let g = self.lock()?;
            let resume = match &g.file {
                Some((_, p)) => format!(
                    "the {} evaluations made are kept in {}: rerun the same command to resume",
                    g.known.len(),
                    p.display()
                ),
                None => "nothing was recorded: run the calibration again".to_string(),
            };
            return Err(Interrupted { resume }.into());
        }
        {
            let mut g = self.lock()?;
            if let Some((i, fits)) = g.known.get(&key).cloned() {
                g.ask(i);
                return Ok(fits);
            }
        }
        let fits = cal.evaluate(x, seed)?;
        let mut g = self.lock()?;
        let i = g.known.len();
        let g = &mut *g;
        if let Some((file, path)) = g.file.as_mut() {
            let rows = rows(cal, i, &g.stage, x, &fits);
            append(file, path, &csv_bytes(&rows)?)?;
        }
        g.known.insert(key, (i, fits.clone()));
        g.asked.push(false);
        g.ask(i);
        Ok(fits)
    }
}

impl Inner {
    fn ask(&mut self, i: usize) {
        if !self.asked[i] {
            self.asked[i] = true;
            self.n_asked += 1;
            if i < self.recorded {
                self.reused += 1;
            }
        }
    }
}

fn header(cal: &Calibration) -> Vec<String> {
    let mut h = vec!["evaluation".to_string(), "stage".to_string()];
    h.extend(cal.params.iter().map(|p| format!("param.{}", p.path)));
    h.push("target".into());
    h.extend(VALUES.iter().map(|v| v.to_string()));
    h
}

/// The rows of evaluation `i` (from 0) at `x`.
fn rows(
    cal: &Calibration,
    i: usize,
    stage: &str,
    x: &[f64],
    fits: &[TargetFit],
) -> Vec<Vec<String>> {
    let objective = num(objective_of(fits));
    cal.targets
        .iter()
        .zip(fits)
        .map(|(t, f)| {
            let mut r = vec![(i + 1).to_string(), stage.to_string()];
            r.extend(x.iter().map(|&v| num(v)));
            r.push(t.name.clone());
            r.push(f.sim.n.to_string());
            r.extend(
                [f.sim.mean, f.sim.sd, f.sim.lo, f.sim.hi]
                    .iter()
                    .map(|&v| opt_num(v)),
            );
            r.push(num(f.z));
            r.push(objective.clone());
            r
        })
        .collect()
}

fn csv_bytes(rows: &[Vec<String>]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(r)?;
    }
    Ok(w.into_inner()?)
}

/// Appends `bytes` in one write and hands them to the operating system.
fn append(file: &mut File, path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

/// A file that does not match the calibration: exit code 2, with where and what.
fn damaged(path: &Path, line: u64, what: impl std::fmt::Display) -> anyhow::Error {
    UsageError(format!(
        "{}:{line}: {what}; this is not the file triad wrote for this calibration (was it \
         edited?): restore it, or start the calibration over with --force or into another \
         --out DIR",
        path.display()
    ))
    .into()
}

/// A number field: `None` when it is not one; empty is NaN when `empty_ok`.
fn number(s: &str, empty_ok: bool) -> Option<f64> {
    if s.is_empty() {
        return empty_ok.then_some(f64::NAN);
    }
    s.parse().ok().filter(|v: &f64| !v.is_nan())
}

/// Reads `path` back into `inner.known`; returns the bytes to keep (0 without a header).
fn read_back(path: &Path, cal: &Calibration, inner: &mut Inner) -> anyhow::Result<u64> {
    let Some(mut recs) = read::open(path)? else {
        return Ok(0);
    };
    let mut rec = Record::default();
    if !recs.read_whole(&mut rec, Torn::Cut)? {
        return Ok(0);
    }
    let head = header(cal);
    if !rec.fields().eq(head.iter().map(String::as_str)) {
        return Err(damaged(
            path,
            rec.line,
            format_args!(
                "the header is not the one of this calibration ({})",
                head.join(",")
            ),
        ));
    }
    let dim = cal.params.len();
    let (i_target, i_n) = (2 + dim, 3 + dim);
    let mut keep = rec.end;
    let mut group: Vec<TargetFit> = Vec::new();
    let mut first: Option<(String, Vec<u64>, u64)> = None;
    while recs.read_whole(&mut rec, Torn::Cut)? {
        let line = rec.line;
        if rec.len() != head.len() {
            return Err(damaged(
                path,
                line,
                format_args!("{} fields, the header has {}", rec.len(), head.len()),
            ));
        }
        let field = |i: usize, empty_ok: bool| -> anyhow::Result<f64> {
            number(rec.get(i), empty_ok).ok_or_else(|| {
                damaged(
                    path,
                    line,
                    format_args!("{} is {:?}, not a number", head[i], rec.get(i)),
                )
            })
        };
        let k = inner.known.len() + 1;
        if rec.get(0) != k.to_string() {
            return Err(damaged(
                path,
                line,
                format_args!(
                    "evaluation {:?} where evaluation {k} belongs (numbered from 1, one row per \
                     target)",
                    rec.get(0)
                ),
            ));
        }
        let t = group.len();
        let want = &cal.targets[t].name;
        if rec.get(i_target) != want {
            return Err(damaged(
                path,
                line,
                format_args!(
                    "target {:?} where target {} ({want:?}) belongs",
                    rec.get(i_target),
                    t + 1
                ),
            ));
        }
        let point: Vec<u64> = (0..dim)
            .map(|j| field(2 + j, false).map(f64::to_bits))
            .collect::<anyhow::Result<_>>()?;
        let objective = field(i_n + 6, false)?.to_bits();
        let stage = rec.get(1).to_string();
        if let Some((s, p, o)) = &first {
            if *s != stage || *p != point || *o != objective {
                return Err(damaged(
                    path,
                    line,
                    "the stage, point or objective differs from the evaluation's first row",
                ));
            }
        } else {
            first = Some((stage, point, objective));
        }
        let n: usize = rec
            .get(i_n)
            .parse()
            .ok()
            .filter(|&n| n <= cal.replications as usize)
            .ok_or_else(|| {
                damaged(
                    path,
                    line,
                    format_args!(
                        "n is {:?}, not a count of at most {} replications",
                        rec.get(i_n),
                        cal.replications
                    ),
                )
            })?;
        // n, mean and sd are the data; the interval and z follow from them, as the
        // evaluation computed them.
        let (mean, sd) = (field(i_n + 1, true)?, field(i_n + 2, true)?);
        let sim = match n {
            0 => mean_ci(&[], 0.95),
            1 => MeanCi {
                n,
                mean,
                ..mean_ci(&[], 0.95)
            },
            _ => mean_ci_of(n, mean, sd, 0.95),
        };
        let fit = target_fit(&cal.targets[t], sim);
        let recorded = [mean, sd, field(i_n + 3, true)?, field(i_n + 4, true)?];
        let derived = [sim.mean, sim.sd, sim.lo, sim.hi];
        let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
        if let Some(j) = (0..4).find(|&j| !same(recorded[j], derived[j])) {
            return Err(damaged(
                path,
                line,
                format_args!(
                    "{} is {:?}, but n, mean and sd give {}",
                    VALUES[1 + j],
                    rec.get(i_n + 1 + j),
                    if derived[j].is_nan() {
                        "no value".to_string()
                    } else {
                        num(derived[j])
                    }
                ),
            ));
        }
        if !same(field(i_n + 5, false)?, fit.z) {
            return Err(damaged(
                path,
                line,
                format_args!(
                    "z is {:?}, but the target and the simulated mean give {}",
                    rec.get(i_n + 5),
                    num(fit.z)
                ),
            ));
        }
        group.push(fit);
        if group.len() < cal.targets.len() {
            continue;
        }
        let Some((_, point, objective)) = first.take() else {
            continue;
        };
        let fits = std::mem::take(&mut group);
        if objective_of(&fits).to_bits() != objective {
            return Err(damaged(
                path,
                line,
                format_args!(
                    "the objective {} is not the sum of the evaluation's z^2 ({})",
                    num(f64::from_bits(objective)),
                    num(objective_of(&fits))
                ),
            ));
        }
        if let Some((j, _)) = inner.known.get(&point) {
            return Err(damaged(
                path,
                line,
                format_args!("the point of evaluation {} again", j + 1),
            ));
        }
        let i = inner.known.len();
        inner.known.insert(point, (i, fits));
        keep = rec.end;
    }
    // An evaluation with fewer rows than targets at the end was cut short: dropped.
    Ok(keep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Source;

    /// Two targets (two rows per evaluation) on a world small enough for a debug test.
    fn calibration(dir: &Path) -> Calibration {
        std::fs::write(
            dir.join("w.toml"),
            "horizon_hours = 6.0\nsample_every_hours = 6.0\nepoch_hours = 3.0\nbudget = 5.0\n\
             [workload]\narrival_per_hour = 20.0\n[policy]\nkind = \"static\"\nsamples = 3\n",
        )
        .unwrap();
        let text = "base = \"w.toml\"\nreplications = 2\n[[fit]]\npath = \"traits.judge_noise\"\n\
             range = [0.1, 2.0]\n[[target]]\nname = \"accuracy\"\nmetric = \"verifier_accuracy\"\n\
             value = 0.7\nsd = 0.02\n[[target]]\nname = \"solved, \\\"quoted\\\"\"\n\
             metric = \"solve_rate\"\nvalue = 0.5\nsd = 0.05\n";
        super::super::parse(&Source::from_text("c.toml", text), dir).unwrap()
    }

    const POINTS: [f64; 3] = [0.5, 1.25, 0.1];

    #[test]
    fn a_rerun_reuses_every_whole_evaluation_and_cuts_a_torn_end() {
        let t = tempfile::tempdir().unwrap();
        let cal = calibration(t.path());
        let path = t.path().join(EVALUATIONS);
        let log = Evaluations::open(t.path(), &cal, false).unwrap();
        let mut first = Vec::new();
        for x in POINTS {
            first.push(log.evaluate(&cal, &[x], 7).unwrap());
        }
        // A point asked for again is looked up, not run or recorded again.
        assert_eq!(log.evaluate(&cal, &[POINTS[1]], 7).unwrap(), first[1]);
        let c = log.counts();
        assert_eq!((c.asked, c.reused, c.recorded), (3, 0, 0));
        drop(log);
        let whole = std::fs::read(&path).unwrap();
        let text = String::from_utf8(whole.clone()).unwrap();
        assert_eq!(text.lines().count(), 1 + 3 * 2, "{text}");
        assert!(text.starts_with(
            "evaluation,stage,param.traits.judge_noise,target,n,mean,sd,ci_lo,ci_hi,z,objective\n"
        ));

        // The last evaluation cut after its first row, and a torn line after it: both
        // dropped, and the rerun runs that evaluation again to the same bytes.
        let two = text.lines().take(1 + 2 * 2).collect::<Vec<_>>().join("\n") + "\n";
        let third_row = text.lines().nth(5).unwrap();
        std::fs::write(&path, format!("{two}{third_row}\n3,fit,0.")).unwrap();
        let log = Evaluations::open(t.path(), &cal, true).unwrap();
        assert_eq!(log.counts().recorded, 2);
        for (x, want) in POINTS.iter().zip(&first) {
            assert_eq!(&log.evaluate(&cal, &[*x], 7).unwrap(), want);
        }
        let c = log.counts();
        assert_eq!((c.asked, c.reused, c.recorded), (3, 2, 2));
        drop(log);
        assert_eq!(std::fs::read(&path).unwrap(), whole);

        // Without resume the record starts empty.
        let log = Evaluations::open(t.path(), &cal, false).unwrap();
        assert_eq!(log.counts().recorded, 0);
        assert_eq!(
            std::fs::read(&path).unwrap().len(),
            text.lines().next().unwrap().len() + 1
        );
    }

    #[test]
    fn an_edited_record_is_refused_with_its_line() {
        let t = tempfile::tempdir().unwrap();
        let cal = calibration(t.path());
        let path = t.path().join(EVALUATIONS);
        let log = Evaluations::open(t.path(), &cal, false).unwrap();
        for x in POINTS {
            log.evaluate(&cal, &[x], 7).unwrap();
        }
        drop(log);
        let text = std::fs::read_to_string(&path).unwrap();
        // Edits fields of the given lines (split at commas: a quoted name's comma splits it,
        // and joining puts it back).
        let edit = |at: &[usize], f: &dyn Fn(&mut Vec<String>)| -> String {
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            for &line in at {
                let mut fields: Vec<String> =
                    lines[line - 1].split(',').map(str::to_string).collect();
                f(&mut fields);
                lines[line - 1] = fields.join(",");
            }
            std::fs::write(&path, lines.join("\n") + "\n").unwrap();
            let e = Evaluations::open(t.path(), &cal, true).unwrap_err();
            assert!(e.is::<UsageError>(), "{e}");
            e.to_string()
        };
        let at = |line: usize| format!("{}:{line}: ", path.display());
        let e = edit(&[1], &|f| f[2] = "param.traits.judge".into());
        assert!(e.starts_with(&at(1)) && e.contains("header"), "{e}");
        let e = edit(&[4], &|f| f[0] = "3".into());
        assert!(
            e.starts_with(&at(4)) && e.contains("evaluation 2 belongs"),
            "{e}"
        );
        let e = edit(&[3], &|f| f[2] = "0.5000001".into());
        assert!(e.starts_with(&at(3)) && e.contains("point"), "{e}");
        let e = edit(&[2], &|f| f[3] = "other".into());
        assert!(e.starts_with(&at(2)) && e.contains("target 1"), "{e}");
        let e = edit(&[2], &|f| {
            f[9] = format!("{:?}", f[9].parse::<f64>().unwrap() * 1.5);
        });
        assert!(e.starts_with(&at(2)) && e.contains("z is"), "{e}");
        let e = edit(&[2], &|f| f[7] = "0.25".into());
        assert!(e.starts_with(&at(2)) && e.contains("ci_lo is"), "{e}");
        let e = edit(&[2], &|f| f[5] = "0.x".into());
        assert!(e.starts_with(&at(2)) && e.contains("not a number"), "{e}");
        let e = edit(&[2], &|f| f[4] = "3".into());
        assert!(
            e.starts_with(&at(2)) && e.contains("at most 2 replications"),
            "{e}"
        );
        // The objective, the same on each of an evaluation's rows, is the sum of its z^2.
        let e = edit(&[6, 7], &|f| {
            let o = f.last_mut().unwrap();
            *o = format!("{:?}", o.parse::<f64>().unwrap() * 2.0);
        });
        assert!(e.starts_with(&at(7)) && e.contains("sum of"), "{e}");
        assert!(e.contains("--force"), "{e}");
    }
}
