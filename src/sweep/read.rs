//! Reading a sweep folder back, one way for resume, merge and plot alike: `plan.json`,
//! `runs.csv` and `timeseries.csv`, each checked against the plan before a number of it is
//! used. Any mismatch is a [`UsageError`] (exit code 2) naming the file, the line and what
//! is wrong: the folder was edited, damaged, or holds another plan's results.
//!
//! What is checked:
//! - `plan.json`: its format version is [`FORMAT`], and the fingerprint it records is the
//!   fingerprint of the plan it holds (so an edited plan is refused, not followed).
//! - `runs.csv`: the header (`run`, the plan's `param.` columns, `policy`, `replication`,
//!   `seed`, `status`, `error`, then metric names, each once); one row per run of the
//!   folder's shard, in run order, each run once; each row's parameters, policy,
//!   replication and seed as the plan has them; status `ok` or `failed`; metric values
//!   numbers, or empty for an undefined value; no values for a failed run.
//! - `timeseries.csv`: the header (`run`, `hour`, series names); rows grouped by run, in the
//!   order of the `ok` runs of `runs.csv`; numbers (the hour never empty); every `ok` run
//!   has rows when there are series columns, and as many as the other runs of its cell.
//!
//! A last line without its line end (a write cut short by a crash) is found with a CSV
//! parser, so a line end inside a quoted field does not fool it: resume cuts such a line
//! off ([`Torn::Cut`]), merge and plot refuse it ([`Torn::Refuse`]).

use super::csv::runs_fixed_header;
use super::folder::{PLAN, PlanState, RUNS, TIMESERIES};
use super::plan::{Shard, SweepPlan};
use super::summary::{RunRow, RunTable};
use crate::base::UsageError;
use crate::base::fmt::param_str;
use anyhow::anyhow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// The format version of a sweep folder, recorded in its `plan.json`.
pub const FORMAT: u32 = 1;

/// The longest line read back (longer ones are refused, not held in memory).
pub const MAX_LINE: usize = 16 << 20;

/// How many mismatched items a message lists before it counts the rest.
pub const LISTED: usize = 8;

/// What to do with a last line that has no line end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Torn {
    /// Cut it off: the write it belongs to was cut short by a crash (resume).
    Cut,
    /// Refuse the file (merge, plot: the folder is not finished).
    Refuse,
}

/// A damaged or foreign file of a sweep folder: exit code 2, with where and what.
fn damaged(path: &Path, line: Option<u64>, what: impl std::fmt::Display) -> anyhow::Error {
    let at = match line {
        Some(l) => format!("{}:{l}", path.display()),
        None => path.display().to_string(),
    };
    UsageError(format!(
        "{at}: {what}; this is not the file triad wrote (was it edited?): restore it, or run \
         the command that wrote the folder again into a new --out DIR"
    ))
    .into()
}

fn io_error(path: &Path, e: std::io::Error) -> anyhow::Error {
    anyhow!("cannot read {}: {e}", path.display())
}

/// `text` with control characters escaped, for messages.
fn shown(text: &str) -> String {
    format!("{text:?}")
}

/// Reads and checks `dir/plan.json`: its format version, its fingerprint, its shard.
pub fn read_state(dir: &Path) -> anyhow::Result<PlanState> {
    let p = dir.join(PLAN);
    let bytes = match std::fs::read(&p) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(UsageError(format!(
                "{} is not a sweep output folder (no {PLAN}); give the folder `triad sweep` wrote",
                dir.display()
            ))
            .into());
        }
        Err(e) => return Err(io_error(&p, e)),
    };
    let at = |e: &serde_json::Error| Some(e.line() as u64);
    let v: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| damaged(&p, at(&e), format_args!("not valid JSON ({e})")))?;
    match v.get("format").and_then(serde_json::Value::as_u64) {
        Some(f) if f == u64::from(FORMAT) => {}
        Some(f) => {
            return Err(UsageError(format!(
                "{}: folder format {f}, but triad {} reads format {FORMAT}; open it with the \
                 triad that wrote it, or run the sweep again into a new --out DIR",
                p.display(),
                env!("CARGO_PKG_VERSION")
            ))
            .into());
        }
        None => return Err(damaged(&p, None, "no \"format\" version number")),
    }
    let st: PlanState = serde_json::from_slice(&bytes)
        .map_err(|e| damaged(&p, at(&e), format_args!("column {}: {e}", e.column())))?;
    if st.plan.fingerprint() != st.fingerprint {
        return Err(damaged(
            &p,
            None,
            "the plan it holds does not have the fingerprint it records",
        ));
    }
    let shard = Shard::parse(&st.shard).map_err(|e| damaged(&p, None, e))?;
    if shard.n > st.plan.n_runs().max(1) {
        return Err(damaged(
            &p,
            None,
            format_args!(
                "shard {shard} of a plan of {} runs (at most one shard per run)",
                st.plan.n_runs()
            ),
        ));
    }
    Ok(st)
}

/// Reads the plan stored in a sweep folder, and the shard it holds.
pub fn read_plan(dir: &Path) -> anyhow::Result<(SweepPlan, Shard)> {
    let st = read_state(dir)?;
    let shard = Shard::parse(&st.shard).map_err(|e| anyhow!("{}: {e}", dir.display()))?;
    Ok((st.plan, shard))
}

/// One CSV record as it was read: its fields, where it sits in the file and whether it ended
/// with a line end.
#[derive(Debug, Default)]
pub struct Record {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    len: usize,
    /// Line of the file (from 1) where the record starts.
    pub line: u64,
    /// Byte offset where the record starts.
    pub start: u64,
    /// Byte offset just after the record (and its line end).
    pub end: u64,
    /// Whether the record ended with a line end (a last record without one was cut short).
    pub terminated: bool,
}

impl Record {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the record has no fields.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Field `i` (empty past the last).
    pub fn get(&self, i: usize) -> &str {
        if i >= self.len {
            return "";
        }
        let from = if i == 0 { 0 } else { self.ends[i - 1] };
        std::str::from_utf8(&self.bytes[from..self.ends[i]]).unwrap_or("")
    }

    /// The fields, in order.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        (0..self.len).map(|i| self.get(i))
    }
}

/// The records of a CSV file, read with the parser the `csv` crate uses (`csv-core`), which
/// tells a record's line end from a line end inside a quoted field. Other folders that
/// append records as work finishes (a calibration's `evaluations.csv`) read them with it too.
#[derive(Debug)]
pub struct Records<R> {
    core: csv_core::Reader,
    src: R,
    pos: u64,
    path: PathBuf,
}

impl<R: BufRead> Records<R> {
    fn new(src: R, path: &Path) -> Self {
        Records {
            core: csv_core::Reader::new(),
            src,
            pos: 0,
            path: path.to_path_buf(),
        }
    }

    /// Reads the next record into `rec`; `false` at the end of the file.
    fn read(&mut self, rec: &mut Record) -> anyhow::Result<bool> {
        use csv_core::ReadRecordResult as R;
        if rec.bytes.is_empty() {
            rec.bytes.resize(1024, 0);
            rec.ends.resize(32, 0);
        }
        rec.line = self.core.line();
        rec.start = self.pos;
        let (mut nout, mut nend) = (0, 0);
        loop {
            let input = self.src.fill_buf().map_err(|e| io_error(&self.path, e))?;
            let eof = input.is_empty();
            let (res, nin, o, e) =
                self.core
                    .read_record(input, &mut rec.bytes[nout..], &mut rec.ends[nend..]);
            self.src.consume(nin);
            self.pos += nin as u64;
            nout += o;
            nend += e;
            match res {
                R::InputEmpty => {}
                R::OutputFull | R::OutputEndsFull if nout >= MAX_LINE => {
                    return Err(damaged(
                        &self.path,
                        Some(rec.line),
                        format_args!("a line longer than {} MiB", MAX_LINE >> 20),
                    ));
                }
                R::OutputFull => rec.bytes.resize(rec.bytes.len() * 2, 0),
                R::OutputEndsFull => rec.ends.resize(rec.ends.len() * 2, 0),
                R::Record => {
                    rec.len = nend;
                    rec.end = self.pos;
                    rec.terminated = !eof;
                    let mut from = 0;
                    for &to in &rec.ends[..nend] {
                        if std::str::from_utf8(&rec.bytes[from..to]).is_err() {
                            return Err(damaged(&self.path, Some(rec.line), "not UTF-8 text"));
                        }
                        from = to;
                    }
                    return Ok(true);
                }
                R::End => return Ok(false),
            }
        }
    }

    /// [`Records::read`], handling a last record without a line end as `torn` says:
    /// `false` for one cut off.
    pub fn read_whole(&mut self, rec: &mut Record, torn: Torn) -> anyhow::Result<bool> {
        if !self.read(rec)? {
            return Ok(false);
        }
        match (rec.terminated, torn) {
            (true, _) => Ok(true),
            (false, Torn::Cut) => Ok(false),
            (false, Torn::Refuse) => Err(UsageError(format!(
                "{}:{}: the last line has no line end: the command writing the folder stopped \
                 in the middle of it; rerun that command (it resumes) before using the folder",
                self.path.display(),
                rec.line
            ))
            .into()),
        }
    }
}

/// The records of the CSV file at `path`; `None` when there is no such file.
pub fn open(path: &Path) -> anyhow::Result<Option<Records<BufReader<File>>>> {
    match File::open(path) {
        Ok(f) => Ok(Some(Records::new(BufReader::new(f), path))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path, e)),
    }
}

/// A value field: a number, or empty for an undefined value (NaN).
fn number(s: &str) -> Option<f64> {
    if s.is_empty() {
        Some(f64::NAN)
    } else {
        s.parse().ok()
    }
}

/// Column names after the fixed ones: each named, each once.
fn check_names(path: &Path, names: &[String], what: &str) -> anyhow::Result<()> {
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() {
            return Err(damaged(
                path,
                Some(1),
                format_args!("a {what} column has no name"),
            ));
        }
        if names[..i].contains(n) {
            return Err(damaged(
                path,
                Some(1),
                format_args!("the {what} column {} appears twice", shown(n)),
            ));
        }
    }
    Ok(())
}

/// `runs.csv` read back.
#[derive(Debug, Default)]
pub struct RunsFile {
    /// Its rows.
    pub table: RunTable,
    /// Whether it has a header.
    pub header: bool,
    /// Bytes of complete lines (a torn last line cut off with [`Torn::Cut`]).
    pub keep: u64,
}

/// Reads `dir/runs.csv` of `plan`, whose rows must be the first of `expected` (the run
/// indices of the folder's shard), in order. A missing file reads as empty.
pub fn read_runs_file(
    dir: &Path,
    plan: &SweepPlan,
    expected: &[usize],
    torn: Torn,
) -> anyhow::Result<RunsFile> {
    let p = dir.join(RUNS);
    let mut out = RunsFile::default();
    let Some(mut recs) = open(&p)? else {
        return Ok(out);
    };
    let mut rec = Record::default();
    if !recs.read_whole(&mut rec, torn)? {
        return Ok(out);
    }
    let fixed = runs_fixed_header(plan);
    let head: Vec<String> = rec.fields().map(str::to_string).collect();
    if head.len() < fixed.len() || head[..fixed.len()] != fixed[..] {
        return Err(damaged(
            &p,
            Some(rec.line),
            format_args!(
                "the header does not start with the columns of this plan ({})",
                fixed.join(",")
            ),
        ));
    }
    let metrics = head[fixed.len()..].to_vec();
    check_names(&p, &metrics, "metric")?;
    out.header = true;
    out.keep = rec.end;
    let (i_status, i_error) = (fixed.len() - 2, fixed.len() - 1);
    while recs.read_whole(&mut rec, torn)? {
        let line = Some(rec.line);
        if rec.len() != head.len() {
            return Err(damaged(
                &p,
                line,
                format_args!("{} fields, the header has {}", rec.len(), head.len()),
            ));
        }
        let run: usize = rec.get(0).parse().map_err(|_| {
            damaged(
                &p,
                line,
                format_args!("run {} is not a run index", shown(rec.get(0))),
            )
        })?;
        let k = out.table.rows.len();
        match expected.get(k) {
            Some(&want) if want == run => {}
            Some(&want) => {
                return Err(damaged(
                    &p,
                    line,
                    format_args!(
                        "run {run} where run {want} belongs (one row per run, in run order)"
                    ),
                ));
            }
            None => {
                return Err(damaged(
                    &p,
                    line,
                    format_args!(
                        "run {run} is one row too many: the folder holds {} runs",
                        expected.len()
                    ),
                ));
            }
        }
        let spec = plan.run(run);
        let mut want: Vec<String> = plan.cell_values(spec.cell).iter().map(param_str).collect();
        want.push(plan.policies[spec.policy].label.clone());
        want.push(spec.replication.to_string());
        want.push(spec.seed.to_string());
        for (j, w) in want.iter().enumerate() {
            if rec.get(1 + j) != w {
                return Err(damaged(
                    &p,
                    line,
                    format_args!(
                        "column {} of run {run} is {}, but the plan has {}",
                        fixed[1 + j],
                        shown(rec.get(1 + j)),
                        shown(w)
                    ),
                ));
            }
        }
        let mut values = (fixed.len()..head.len()).map(|i| (i, rec.get(i)));
        let row = match rec.get(i_status) {
            "ok" => {
                if !rec.get(i_error).is_empty() {
                    return Err(damaged(&p, line, "an ok run with an error message"));
                }
                let mut m = Vec::with_capacity(metrics.len());
                for (i, v) in values {
                    m.push(number(v).ok_or_else(|| {
                        damaged(
                            &p,
                            line,
                            format_args!(
                                "{} is {}, not a number (an undefined value is an empty field)",
                                head[i],
                                shown(v)
                            ),
                        )
                    })?);
                }
                RunRow::ok(run, m)
            }
            "failed" => {
                if let Some((i, _)) = values.find(|(_, v)| !v.is_empty()) {
                    return Err(damaged(
                        &p,
                        line,
                        format_args!("a failed run with a value for {}", head[i]),
                    ));
                }
                RunRow::failed(run, rec.get(i_error).to_string())
            }
            s => {
                return Err(damaged(
                    &p,
                    line,
                    format_args!("status {} is neither ok nor failed", shown(s)),
                ));
            }
        };
        out.table.rows.push(row);
        out.keep = rec.end;
    }
    out.table.metrics = metrics;
    Ok(out)
}

/// Reads `dir/runs.csv` back as a table: every run of the folder's shard so far, checked
/// against `plan`, which must be the plan in `dir/plan.json`. A derived objective
/// (`cost_per_solved`) is appended as a column ([`RunTable::with_derived`]).
pub fn read_runs(dir: &Path, plan: &SweepPlan) -> anyhow::Result<RunTable> {
    let expected = folder_runs(dir, plan)?;
    let f = read_runs_file(dir, plan, &expected, Torn::Refuse)?;
    if !f.header {
        return Err(UsageError(format!(
            "{} holds no runs yet; run the sweep first",
            dir.display()
        ))
        .into());
    }
    Ok(f.table.with_derived(&plan.objective.metric))
}

/// The run indices of the shard `dir/plan.json` holds; an error when it holds another plan
/// than `plan`.
pub fn folder_runs(dir: &Path, plan: &SweepPlan) -> anyhow::Result<Vec<usize>> {
    let st = read_state(dir)?;
    if st.fingerprint != plan.fingerprint() {
        return Err(UsageError(format!(
            "{} holds another plan than the one being read (was the folder changed while \
             triad used it?); run the command again",
            dir.join(PLAN).display()
        ))
        .into());
    }
    let shard = Shard::parse(&st.shard).map_err(UsageError)?;
    Ok(shard.indices(plan.n_runs()))
}

/// Where a run's rows are in `timeseries.csv`.
#[derive(Debug)]
struct Group {
    run: usize,
    rows: usize,
    line: u64,
}

/// `timeseries.csv` read row by row, each row checked against `runs.csv` (see the module
/// documentation). Call [`SeriesReader::advance`] until it returns `false`, then
/// [`SeriesReader::finish`].
pub struct SeriesReader<'a> {
    path: PathBuf,
    plan: &'a SweepPlan,
    recs: Option<Records<BufReader<File>>>,
    rec: Record,
    torn: Torn,
    /// Series column names (after `hour`).
    pub columns: Vec<String>,
    /// The `ok` runs of `runs.csv`, in order, and how many of them have had their rows.
    ok: Vec<usize>,
    next_ok: usize,
    /// The last run of `runs.csv` (rows of later runs are cut off with [`Torn::Cut`]).
    last_run: Option<usize>,
    cur: Option<Group>,
    /// Per cell: a run of it and its row count.
    cells: HashMap<usize, (usize, usize)>,
    rows: u64,
    keep: u64,
    run: usize,
}

impl std::fmt::Debug for SeriesReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeriesReader")
            .field("path", &self.path)
            .field("columns", &self.columns)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl<'a> SeriesReader<'a> {
    /// Opens `dir/timeseries.csv` of `plan`, whose `runs.csv` holds `runs`.
    pub fn open(
        dir: &Path,
        plan: &'a SweepPlan,
        runs: &RunTable,
        torn: Torn,
    ) -> anyhow::Result<Self> {
        let path = dir.join(TIMESERIES);
        let ok: Vec<usize> = runs.rows.iter().filter(|r| r.ok).map(|r| r.run).collect();
        let mut r = SeriesReader {
            recs: open(&path)?,
            path,
            plan,
            rec: Record::default(),
            torn,
            columns: vec![],
            ok,
            next_ok: 0,
            last_run: runs.rows.last().map(|r| r.run),
            cur: None,
            cells: HashMap::new(),
            rows: 0,
            keep: 0,
            run: 0,
        };
        let header = match r.recs.as_mut() {
            Some(recs) => recs.read_whole(&mut r.rec, torn)?,
            None => false,
        };
        if !header {
            r.recs = None;
            if let Some(&run) = r.ok.first() {
                return Err(damaged(
                    &r.path,
                    None,
                    format_args!("missing or empty, though run {run} is ok in {RUNS}"),
                ));
            }
            return Ok(r);
        }
        if r.rec.len() < 2 || r.rec.get(0) != "run" || r.rec.get(1) != "hour" {
            return Err(damaged(
                &r.path,
                Some(r.rec.line),
                "the header does not start with run,hour",
            ));
        }
        r.columns = r.rec.fields().skip(2).map(str::to_string).collect();
        check_names(&r.path, &r.columns, "series")?;
        r.keep = r.rec.end;
        Ok(r)
    }

    /// Moves to the next row; `false` after the last.
    pub fn advance(&mut self) -> anyhow::Result<bool> {
        let Some(recs) = self.recs.as_mut() else {
            return Ok(false);
        };
        if !recs.read_whole(&mut self.rec, self.torn)? {
            self.recs = None;
            self.end_group()?;
            return Ok(false);
        }
        let line = Some(self.rec.line);
        let p = &self.path;
        if self.rec.len() != self.columns.len() + 2 {
            return Err(damaged(
                p,
                line,
                format_args!(
                    "{} fields, the header has {}",
                    self.rec.len(),
                    self.columns.len() + 2
                ),
            ));
        }
        let run: usize = self.rec.get(0).parse().map_err(|_| {
            damaged(
                p,
                line,
                format_args!("run {} is not a run index", shown(self.rec.get(0))),
            )
        })?;
        if self.cur.as_ref().is_none_or(|g| g.run != run) {
            self.end_group()?;
            match self.ok.get(self.next_ok) {
                Some(&want) if want == run => {}
                _ if self.torn == Torn::Cut && self.last_run.is_none_or(|l| run > l) => {
                    // Rows of a run that runs.csv does not hold yet: cut off on resume.
                    self.recs = None;
                    return Ok(false);
                }
                Some(&want) => {
                    return Err(damaged(
                        &self.path,
                        line,
                        format_args!(
                            "rows of run {run} where the rows of run {want} belong (the ok runs \
                             of {RUNS}, in order)"
                        ),
                    ));
                }
                None => {
                    return Err(damaged(
                        &self.path,
                        line,
                        format_args!("rows of run {run}, which is not an ok run of {RUNS}"),
                    ));
                }
            }
            self.cur = Some(Group {
                run,
                rows: 0,
                line: self.rec.line,
            });
        }
        if self.rec.get(1).is_empty() || number(self.rec.get(1)).is_none() {
            return Err(damaged(
                &self.path,
                line,
                format_args!("hour {} is not a number", shown(self.rec.get(1))),
            ));
        }
        for (i, c) in self.columns.iter().enumerate() {
            let v = self.rec.get(2 + i);
            if number(v).is_none() {
                return Err(damaged(
                    &self.path,
                    line,
                    format_args!(
                        "{c} is {}, not a number (an undefined value is an empty field)",
                        shown(v)
                    ),
                ));
            }
        }
        if let Some(g) = self.cur.as_mut() {
            g.rows += 1;
        }
        self.rows += 1;
        self.run = run;
        self.keep = self.rec.end;
        Ok(true)
    }

    /// The run of the current row.
    pub fn run(&self) -> usize {
        self.run
    }

    /// The current row.
    pub fn record(&self) -> &Record {
        &self.rec
    }

    /// Ends the current run's group of rows: checks its row count against its cell's.
    fn end_group(&mut self) -> anyhow::Result<()> {
        let Some(g) = self.cur.take() else {
            return Ok(());
        };
        self.next_ok += 1;
        let cell = self.plan.run(g.run).cell;
        let (r0, n0) = *self.cells.entry(cell).or_insert((g.run, g.rows));
        if n0 != g.rows {
            return Err(damaged(
                &self.path,
                Some(g.line),
                format_args!(
                    "run {} has {} rows, run {r0} of the same cell has {n0} (rows were cut or added)",
                    g.run, g.rows
                ),
            ));
        }
        Ok(())
    }

    /// After the last row: checks that every `ok` run had its rows, and returns the bytes of
    /// the file to keep (with [`Torn::Cut`], the rest is rows of runs not finished).
    pub fn finish(self) -> anyhow::Result<u64> {
        let expect_rows = !self.columns.is_empty() || self.rows > 0;
        if expect_rows && let Some(&run) = self.ok.get(self.next_ok) {
            let missing = self.ok.len() - self.next_ok;
            return Err(damaged(
                &self.path,
                None,
                format_args!(
                    "no rows for run {run}{}, ok in {RUNS} (the file was cut short)",
                    if missing > 1 {
                        format!(" and {} later runs", missing - 1)
                    } else {
                        String::new()
                    }
                ),
            ));
        }
        Ok(self.keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &[u8]) -> Vec<(Vec<String>, bool, u64)> {
        let mut r = Records::new(text, Path::new("t.csv"));
        let mut rec = Record::default();
        let mut out = vec![];
        while r.read(&mut rec).unwrap() {
            out.push((
                rec.fields().map(str::to_string).collect(),
                rec.terminated,
                rec.end,
            ));
        }
        out
    }

    #[test]
    fn a_line_end_inside_quotes_is_not_the_end_of_a_record() {
        let r = records(b"a,b\n1,\"x\ny\"\n2,\"z\n");
        assert_eq!(r.len(), 3);
        assert_eq!(r[0], (vec!["a".into(), "b".into()], true, 4));
        assert_eq!(r[1], (vec!["1".into(), "x\ny".into()], true, 12));
        // Torn inside a quoted field that holds a line end: not terminated.
        assert!(!r[2].1);
        assert!(!records(b"a,b\n1,2")[1].1);
        assert!(records(b"a,b\n1,2\n")[1].1);
    }
}
