//! `[[observations]]`: a CSV of per-task records turned into calibration targets.
//!
//! ```text
//! my_runs.csv --read--> records (tier, difficulty bin, samples, revisions, solved, ...)
//!   --group--> one group per (tier x samples x revisions x difficulty bin)
//!   --targets--> one solve-rate target per group of at least `min_tasks` records:
//!        metric solve_rate_bin{i}, value = solved / records, sd from the records (a proportion),
//!        experiment = the entry's `set` + policy.tiers.user, policy.samples, policy.revisions
//! ```
//!
//! **Categories are pooled**, not split: a group's experiment runs the base's whole
//! workload. In the world a task's category changes its success only through its difficulty
//! and the harness's quality on it, and a group is already one difficulty bin; restricting
//! a run to one category would change the system itself (evolvers would see that
//! category's failures alone, the harness would grow on it alone), so the experiment would
//! not be the one the records came from; and splitting by category thins every group.
//!
//! **Tokens and cost are not fitted**: a run has no per-task token or cost metric (counting
//! them would add to the world's per-task path), so the `tokens_in`, `tokens_out` and `cost`
//! columns are checked and summarised per tier, and no target is derived from them.
//!
//! Every problem of the CSV is located at its `file:line:col`.

use super::{Param, Target};
use crate::base::fmt::sig;
use crate::scenario::{InputError, Problem, Source};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The columns every observations CSV must have (and one of [`DIFFICULTY`]).
pub const REQUIRED: [&str; 4] = ["tier", "samples", "revisions", "solved"];
/// The difficulty columns: a task's difficulty (binned with the base's
/// `workload.difficulty_bins`) or its bin index; exactly one of them.
pub const DIFFICULTY: [&str; 2] = ["difficulty", "difficulty_bin"];
/// The columns read when present.
pub const OPTIONAL: [&str; 4] = ["category", "tokens_in", "tokens_out", "cost"];
/// The scenario keys each record gives its group's experiment.
pub const ROW_KEYS: [&str; 3] = ["policy.tiers.user", "policy.samples", "policy.revisions"];
/// Most samples or revisions a task may have (the policy's own limit).
pub const MAX_ATTEMPTS: u32 = 64;
/// Most problems reported for one CSV; the rest are counted.
pub const MAX_PROBLEMS: usize = 20;

/// An `[[observations]]` entry as the calibration file writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawObservations {
    /// The CSV, relative to the calibration file.
    file: String,
    /// Overrides on the base for every target derived from this file.
    #[serde(default)]
    set: BTreeMap<String, toml::Value>,
    /// Groups with fewer records are left out.
    #[serde(default = "one")]
    min_tasks: u64,
}

fn one() -> u64 {
    1
}

/// One record (a row) of an observations CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Line of the CSV it starts on (from 1).
    pub line: usize,
    /// Index of its tier in the base's ladder.
    pub tier: usize,
    /// Its difficulty bin (0 ..= number of bin edges).
    pub bin: usize,
    /// Parallel chains.
    pub samples: u32,
    /// Sequential attempts per chain.
    pub revisions: u32,
    /// Whether the task was solved.
    pub solved: bool,
    /// Its category, when the CSV names one.
    pub category: Option<String>,
    /// Input tokens, when given.
    pub tokens_in: Option<f64>,
    /// Output tokens, when given.
    pub tokens_out: Option<f64>,
    /// Dollars, when given.
    pub cost: Option<f64>,
}

/// The records of a CSV and the columns it had that triad does not read.
#[derive(Debug, Clone, PartialEq)]
pub struct Records {
    /// The records, in file order.
    pub rows: Vec<Record>,
    /// Header names that are neither required nor optional columns.
    pub ignored: Vec<String>,
}

/// The records of one tier x samples x revisions x difficulty bin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Group {
    /// Tier index in the base's ladder.
    pub tier: usize,
    /// Parallel chains.
    pub samples: u32,
    /// Sequential attempts per chain.
    pub revisions: u32,
    /// Difficulty bin.
    pub bin: usize,
    /// Records in the group.
    pub tasks: u64,
    /// Records solved.
    pub solved: u64,
    /// First line of the CSV holding one of its records.
    pub first_line: usize,
    /// Last such line.
    pub last_line: usize,
}

/// Tasks, tokens and cost per task of one tier's records (means over the records that give
/// the column; `None` when none does).
#[derive(Debug, Clone, PartialEq)]
pub struct TierUsage {
    /// The tier's name.
    pub tier: String,
    /// Its records.
    pub tasks: u64,
    /// Mean input tokens per task.
    pub tokens_in: Option<f64>,
    /// Mean output tokens per task.
    pub tokens_out: Option<f64>,
    /// Mean dollars per task.
    pub cost: Option<f64>,
}

/// What one observations CSV gave: for the terminal and the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The CSV as the calibration file names it.
    pub file: String,
    /// Its records.
    pub records: usize,
    /// Its groups.
    pub groups: usize,
    /// The targets derived (groups of at least `min_tasks` records).
    pub targets: usize,
    /// The entry's `min_tasks`.
    pub min_tasks: u64,
    /// The groups left out, described, with their record counts.
    pub left_out: Vec<String>,
    /// Records per category, when the CSV names categories (pooled in every experiment).
    pub categories: Vec<(String, u64)>,
    /// Tokens and cost per task by tier, when the CSV gives any of them.
    pub usage: Vec<TierUsage>,
    /// Columns that are not read.
    pub ignored: Vec<String>,
}

impl Summary {
    /// One line per fact: records, groups and targets; groups left out; categories
    /// pooled; tokens and cost (not fitted); columns ignored.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!(
            "{}: {} records in {} groups (tier x samples x revisions x difficulty bin) -> {} \
             solve-rate targets",
            self.file, self.records, self.groups, self.targets
        )];
        if let Some(n) = self.left_out_note() {
            out.push(n);
        }
        if !self.categories.is_empty() {
            let c: Vec<String> = self
                .categories
                .iter()
                .map(|(n, k)| format!("{n} {k}"))
                .collect();
            out.push(format!(
                "{}: categories pooled in every experiment (the base's workload mix runs): {}",
                self.file,
                c.join(", ")
            ));
        }
        if !self.usage.is_empty() {
            let u: Vec<String> = self
                .usage
                .iter()
                .map(|u| {
                    let mut s = format!("{} ({} records)", u.tier, u.tasks);
                    if let Some(v) = u.tokens_in {
                        s.push_str(&format!(" {} tokens in", sig(v)));
                    }
                    if let Some(v) = u.tokens_out {
                        s.push_str(&format!(" {} tokens out", sig(v)));
                    }
                    if let Some(v) = u.cost {
                        s.push_str(&format!(" ${}", sig(v)));
                    }
                    s
                })
                .collect();
            out.push(format!(
                "{}: per task, not fitted (no run metric measures tokens or cost per task): {}",
                self.file,
                u.join("; ")
            ));
        }
        if !self.ignored.is_empty() {
            out.push(format!(
                "{}: columns not read: {}",
                self.file,
                self.ignored.join(", ")
            ));
        }
        out
    }

    /// The groups left out for having fewer than `min_tasks` records, if any.
    pub fn left_out_note(&self) -> Option<String> {
        if self.left_out.is_empty() {
            return None;
        }
        Some(format!(
            "{}: {} group{} with fewer than {} records left out: {}",
            self.file,
            self.left_out.len(),
            if self.left_out.len() == 1 { "" } else { "s" },
            self.min_tasks,
            self.left_out.join("; ")
        ))
    }
}

/// Where each column sits in the header.
#[derive(Debug, Default)]
struct Columns {
    tier: usize,
    samples: usize,
    revisions: usize,
    solved: usize,
    /// `difficulty` (false) or `difficulty_bin` (true), and its index.
    difficulty: (bool, usize),
    category: Option<usize>,
    tokens_in: Option<usize>,
    tokens_out: Option<usize>,
    cost: Option<usize>,
    width: usize,
}

/// Byte offset of field `field` of the record that starts at byte `start` (quoted fields,
/// with `""` inside, are skipped whole).
fn field_offset(text: &[u8], start: usize, field: usize) -> usize {
    let mut p = start;
    for _ in 0..field {
        if text.get(p) == Some(&b'"') {
            p += 1;
            loop {
                match text.get(p) {
                    Some(b'"') if text.get(p + 1) == Some(&b'"') => p += 2,
                    Some(b'"') => {
                        p += 1;
                        break;
                    }
                    Some(_) => p += 1,
                    None => return p,
                }
            }
        }
        while let Some(&c) = text.get(p) {
            if c == b',' || c == b'\n' || c == b'\r' {
                break;
            }
            p += 1;
        }
        if text.get(p) == Some(&b',') {
            p += 1;
        } else {
            return p;
        }
    }
    p
}

/// Where a record really starts: the reader's position may be the start of comment lines
/// or blank lines it skipped before it.
fn record_start(text: &[u8], mut p: usize) -> usize {
    loop {
        match text.get(p) {
            Some(b'\n' | b'\r') => p += 1,
            Some(b'#') => {
                while text.get(p).is_some_and(|&c| c != b'\n') {
                    p += 1;
                }
            }
            _ => return p,
        }
    }
}

/// The problems of one CSV, at most [`MAX_PROBLEMS`] of them kept.
struct Problems<'a> {
    src: &'a Source,
    kept: Vec<Problem>,
    more: usize,
}

impl Problems<'_> {
    fn at(&mut self, offset: usize, message: String) {
        if self.kept.len() < MAX_PROBLEMS {
            let (line, col) = self.src.line_col(offset);
            self.kept.push(Problem { line, col, message });
        } else {
            self.more += 1;
        }
    }

    /// The problems found, if any.
    fn finish(self) -> Option<InputError> {
        (!self.kept.is_empty()).then(|| self.error())
    }

    /// The problems as one error, in file order, the ones not listed counted.
    fn error(mut self) -> InputError {
        self.kept.sort_by_key(|p| (p.line, p.col));
        if self.more > 0 {
            let last = self.kept.last().map_or((1, 1), |p| (p.line, p.col));
            self.kept.push(Problem {
                line: last.0,
                col: last.1,
                message: format!(
                    "and {} more problem{} in this file, not listed",
                    self.more,
                    if self.more == 1 { "" } else { "s" }
                ),
            });
        }
        InputError {
            file: self.src.name().to_string(),
            problems: self.kept,
        }
    }
}

/// The column list of the messages about a header.
fn expected_columns() -> String {
    format!(
        "{}, {} or {} (required); {} (optional)",
        REQUIRED.join(", "),
        DIFFICULTY[0],
        DIFFICULTY[1],
        OPTIONAL.join(", ")
    )
}

/// A whole number of samples or revisions, 1 ..= [`MAX_ATTEMPTS`].
fn attempts(v: &str) -> Option<u32> {
    let x: f64 = v.parse().ok()?;
    (x.fract() == 0.0 && (1.0..=MAX_ATTEMPTS as f64).contains(&x)).then_some(x as u32)
}

fn solved(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}

/// Reads an observations CSV: `tiers` are the base's tier names, `edges` its
/// `workload.difficulty_bins`. Lines starting with `#` are comments. Every problem is
/// located (at most [`MAX_PROBLEMS`] listed).
pub fn read(src: &Source, tiers: &[String], edges: &[f64]) -> Result<Records, InputError> {
    let text = src.text().as_bytes();
    let mut p = Problems {
        src,
        kept: Vec::new(),
        more: 0,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(text);
    let mut iter = reader.records();
    let header = match iter.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            let off = e.position().map_or(0, |q| q.byte() as usize);
            p.at(off, format!("not a CSV file: {e}"));
            return Err(p.error());
        }
        None => {
            p.at(
                0,
                format!(
                    "no header and no records: the first line names the columns, {}",
                    expected_columns()
                ),
            );
            return Err(p.error());
        }
    };
    let header_start = record_start(text, header.position().map_or(0, |q| q.byte() as usize));
    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    let mut ignored = Vec::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().trim_start_matches('\u{feff}').trim();
        let known =
            REQUIRED.contains(&name) || DIFFICULTY.contains(&name) || OPTIONAL.contains(&name);
        if found.contains_key(name) {
            p.at(
                field_offset(text, header_start, i),
                format!("column `{name}` appears twice"),
            );
        } else if known {
            found.insert(name.to_string(), i);
        } else {
            ignored.push(name.to_string());
        }
    }
    let mut missing: Vec<String> = REQUIRED
        .iter()
        .filter(|c| !found.contains_key(**c))
        .map(|c| format!("`{c}`"))
        .collect();
    let difficulty = match (found.get(DIFFICULTY[0]), found.get(DIFFICULTY[1])) {
        (Some(&i), None) => Some((false, i)),
        (None, Some(&i)) => Some((true, i)),
        (Some(_), Some(&i)) => {
            p.at(
                field_offset(text, header_start, i),
                "both `difficulty` and `difficulty_bin`: keep one (the bin is the \
                 difficulty binned with the base's workload.difficulty_bins)"
                    .into(),
            );
            None
        }
        (None, None) => {
            missing.push("`difficulty` or `difficulty_bin`".into());
            None
        }
    };
    let complete = missing.is_empty();
    if !complete {
        let names = missing;
        p.at(
            header_start,
            format!(
                "missing column{} {}; the columns are {}",
                if names.len() == 1 { "" } else { "s" },
                names.join(", "),
                expected_columns()
            ),
        );
    }
    let (Some(difficulty), true) = (difficulty, complete) else {
        return Err(p.error());
    };
    let cols = Columns {
        tier: found["tier"],
        samples: found["samples"],
        revisions: found["revisions"],
        solved: found["solved"],
        difficulty,
        category: found.get("category").copied(),
        tokens_in: found.get("tokens_in").copied(),
        tokens_out: found.get("tokens_out").copied(),
        cost: found.get("cost").copied(),
        width: header.len(),
    };
    let mut rows = Vec::new();
    for rec in iter {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let off = e.position().map_or(0, |q| q.byte() as usize);
                p.at(off, format!("not a CSV record: {e}"));
                break;
            }
        };
        let start = record_start(text, rec.position().map_or(0, |q| q.byte() as usize));
        let line = src.line_col(start).0;
        if rec.len() != cols.width {
            p.at(
                start,
                format!(
                    "this row has {} fields, the header {}",
                    rec.len(),
                    cols.width
                ),
            );
            continue;
        }
        let field = |i: usize| rec.get(i).unwrap_or("").trim();
        let mut ok = true;
        let mut bad = |p: &mut Problems, i: usize, message: String| {
            p.at(field_offset(text, start, i), message);
            ok = false;
        };
        let t = field(cols.tier);
        let tier = tiers.iter().position(|n| n == t);
        if tier.is_none() {
            bad(
                &mut p,
                cols.tier,
                format!(
                    "unknown tier `{t}`; the base's tiers are {}",
                    tiers.join(", ")
                ),
            );
        }
        let mut whole = |p: &mut Problems, i: usize, name: &str| {
            let v = field(i);
            let n = attempts(v);
            if n.is_none() {
                bad(
                    p,
                    i,
                    format!("`{name}` must be a whole number from 1 to {MAX_ATTEMPTS} (got `{v}`)"),
                );
            }
            n
        };
        let samples = whole(&mut p, cols.samples, "samples");
        let revisions = whole(&mut p, cols.revisions, "revisions");
        let s = field(cols.solved);
        let is_solved = solved(s);
        if is_solved.is_none() {
            bad(
                &mut p,
                cols.solved,
                format!("`solved` must be 0, 1, true or false (got `{s}`)"),
            );
        }
        let (by_bin, di) = cols.difficulty;
        let d = field(di);
        let bin = if by_bin {
            match d.parse::<usize>() {
                Ok(b) if b <= edges.len() => Some(b),
                Ok(b) => {
                    bad(
                        &mut p,
                        di,
                        format!(
                            "difficulty bin {b} is out of range: the base's \
                             workload.difficulty_bins {edges:?} make bins 0 to {}",
                            edges.len()
                        ),
                    );
                    None
                }
                Err(_) => {
                    bad(
                        &mut p,
                        di,
                        format!(
                            "`difficulty_bin` must be a whole number from 0 to {} (got `{d}`)",
                            edges.len()
                        ),
                    );
                    None
                }
            }
        } else {
            match d.parse::<f64>() {
                Ok(x) if x.is_finite() => Some(edges.partition_point(|&e| e <= x)),
                _ => {
                    bad(
                        &mut p,
                        di,
                        format!("`difficulty` must be a finite number (got `{d}`)"),
                    );
                    None
                }
            }
        };
        let mut amount = |p: &mut Problems, col: Option<usize>, name: &str| {
            let i = col?;
            let v = field(i);
            if v.is_empty() {
                return None;
            }
            match v.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Some(x),
                _ => {
                    bad(
                        p,
                        i,
                        format!("`{name}` must be a number >= 0, or empty (got `{v}`)"),
                    );
                    None
                }
            }
        };
        let tokens_in = amount(&mut p, cols.tokens_in, "tokens_in");
        let tokens_out = amount(&mut p, cols.tokens_out, "tokens_out");
        let cost = amount(&mut p, cols.cost, "cost");
        let category = cols
            .category
            .map(|i| field(i).to_string())
            .filter(|c| !c.is_empty());
        if let (true, Some(tier), Some(samples), Some(revisions), Some(solved), Some(bin)) =
            (ok, tier, samples, revisions, is_solved, bin)
        {
            rows.push(Record {
                line,
                tier,
                bin,
                samples,
                revisions,
                solved,
                category,
                tokens_in,
                tokens_out,
                cost,
            });
        }
    }
    if let Some(e) = p.finish() {
        return Err(e);
    }
    Ok(Records { rows, ignored })
}

/// The records grouped by tier x samples x revisions x difficulty bin, in that order.
pub fn group(rows: &[Record]) -> Vec<Group> {
    let mut groups: BTreeMap<(usize, u32, u32, usize), Group> = BTreeMap::new();
    for r in rows {
        let g = groups
            .entry((r.tier, r.samples, r.revisions, r.bin))
            .or_insert(Group {
                tier: r.tier,
                samples: r.samples,
                revisions: r.revisions,
                bin: r.bin,
                tasks: 0,
                solved: 0,
                first_line: r.line,
                last_line: r.line,
            });
        g.tasks += 1;
        g.solved += r.solved as u64;
        g.first_line = g.first_line.min(r.line);
        g.last_line = g.last_line.max(r.line);
    }
    groups.into_values().collect()
}

/// Bin `bin` of `edges` as a range of difficulty.
fn bin_range(edges: &[f64], bin: usize) -> String {
    match (
        bin.checked_sub(1).and_then(|i| edges.get(i)),
        edges.get(bin),
    ) {
        (None, Some(hi)) => format!("d < {hi}"),
        (Some(lo), Some(hi)) => format!("{lo} <= d < {hi}"),
        (Some(lo), None) => format!("d >= {lo}"),
        (None, None) => "every d".into(),
    }
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A group, for names and notes: `8B, bin 1 (0.5 <= d < 1.5), 1 sample x 3 revisions`.
pub fn describe(g: &Group, tiers: &[String], edges: &[f64]) -> String {
    format!(
        "{}, bin {} ({}), {} x {}",
        tiers.get(g.tier).map_or("?", |s| s.as_str()),
        g.bin,
        bin_range(edges, g.bin),
        plural(g.samples, "sample", "samples"),
        plural(g.revisions, "revision", "revisions")
    )
}

/// The target of a group: its solve rate as a proportion of its records, measured by the
/// run's `solve_rate_bin{bin}` in the group's experiment (`set` plus the three
/// [`ROW_KEYS`], resolved to `keys`).
pub fn target(
    file: &str,
    g: &Group,
    tiers: &[String],
    edges: &[f64],
    set: &[(String, toml::Value)],
    keys: &[String; 3],
) -> Target {
    let n = g.tasks as f64;
    let value = g.solved as f64 / n;
    let mut exp: BTreeMap<String, toml::Value> = set.iter().cloned().collect();
    exp.insert(
        keys[0].clone(),
        toml::Value::String(tiers.get(g.tier).cloned().unwrap_or_default()),
    );
    exp.insert(keys[1].clone(), toml::Value::Integer(g.samples.into()));
    exp.insert(keys[2].clone(), toml::Value::Integer(g.revisions.into()));
    let lines = if g.first_line == g.last_line {
        format!("line {}", g.first_line)
    } else {
        format!("lines {}-{}", g.first_line, g.last_line)
    };
    Target {
        name: format!("{file}: {}", describe(g, tiers, edges)),
        source: format!(
            "{file}, {lines}: {} of {} records solved",
            g.solved, g.tasks
        ),
        set: exp.into_iter().collect(),
        metric: format!("solve_rate_bin{}", g.bin),
        value,
        // As a hand-written target with `n`: a proportion of the group's records.
        sd: super::proportion_sd(value, n),
        n: Some(n),
    }
}

fn usage(rows: &[Record], tiers: &[String]) -> Vec<TierUsage> {
    let any = rows
        .iter()
        .any(|r| r.tokens_in.is_some() || r.tokens_out.is_some() || r.cost.is_some());
    if !any {
        return Vec::new();
    }
    let mean = |xs: Vec<f64>| (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64);
    (0..tiers.len())
        .filter_map(|t| {
            let of: Vec<&Record> = rows.iter().filter(|r| r.tier == t).collect();
            (!of.is_empty()).then(|| TierUsage {
                tier: tiers[t].clone(),
                tasks: of.len() as u64,
                tokens_in: mean(of.iter().filter_map(|r| r.tokens_in).collect()),
                tokens_out: mean(of.iter().filter_map(|r| r.tokens_out).collect()),
                cost: mean(of.iter().filter_map(|r| r.cost).collect()),
            })
        })
        .collect()
}

/// The base as the observations need it.
pub(super) struct Base<'a> {
    /// The base scenario as a complete table.
    pub(super) table: &'a toml::Table,
    /// Its tier names.
    pub(super) tiers: Vec<String>,
    /// Its `workload.difficulty_bins`.
    pub(super) edges: Vec<f64>,
}

/// Reads `[[observations]]` entry `i` (its CSV relative to `dir`) and derives its targets.
/// Problems of the calibration file go to `at` (a dotted key of the file and a message);
/// problems of the CSV come back as its own located error. `Ok(None)` when the entry's own
/// problems kept the CSV from being read or from giving a target. `resolve` resolves a
/// path a target sets (tiers by name), as a hand-written target's `set` is.
pub(super) fn derive(
    raw: &RawObservations,
    i: usize,
    dir: &Path,
    base: &Base,
    params: &[Param],
    resolve: &dyn Fn(&toml::Table, &str) -> Result<String, String>,
    at: &mut dyn FnMut(&str, String),
) -> Result<Option<(Vec<Target>, Summary)>, InputError> {
    let here = format!("observations.{i}");
    let mut fine = true;
    let mut set = Vec::new();
    for (k, v) in &raw.set {
        match resolve(base.table, k) {
            Ok(r) if params.iter().any(|p| p.resolved == r) => {
                at(
                    &format!("{here}.set"),
                    format!("`{k}` is fitted, so observations cannot set it"),
                );
                fine = false;
            }
            Ok(r) if ROW_KEYS.contains(&r.as_str()) => {
                at(
                    &format!("{here}.set"),
                    format!(
                        "`{k}` is given by each record (the `tier`, `samples` and `revisions` columns), not by `set`"
                    ),
                );
                fine = false;
            }
            Ok(r) => set.push((r, v.clone())),
            Err(msg) => {
                at(&format!("{here}.set"), msg);
                fine = false;
            }
        }
    }
    let mut keys: [String; 3] = Default::default();
    for (k, key) in ROW_KEYS.iter().zip(keys.iter_mut()) {
        match resolve(base.table, k) {
            Ok(r) => *key = r,
            Err(_) => {
                at(
                    &here,
                    format!(
                        "the base's policy has no `{k}`: observations set the user tier, \
                         samples and revisions of each record's experiment, so the base needs \
                         a policy with them (kind = \"static\")"
                    ),
                );
                fine = false;
            }
        }
    }
    if raw.min_tasks == 0 {
        at(
            &format!("{here}.min_tasks"),
            "min_tasks must be at least 1 (groups with fewer records are left out)".into(),
        );
        fine = false;
    }
    let path = dir.join(&raw.file);
    if !path.is_file() {
        at(
            &format!("{here}.file"),
            format!(
                "cannot read `{}`: no such file (the path is relative to this file)",
                path.display()
            ),
        );
        return Ok(None);
    }
    let src = Source::read(&path).map_err(|mut e| {
        for p in &mut e.problems {
            p.message = p
                .message
                .replace("TOML files must be UTF-8", "records must be UTF-8 text");
        }
        e
    })?;
    let records = read(&src, &base.tiers, &base.edges)?;
    if !fine {
        return Ok(None);
    }
    if records.rows.is_empty() {
        return Err(src.error_at_offset(
            src.text().len(),
            "no records: the file has a header and nothing under it",
        ));
    }
    let groups = group(&records.rows);
    let (kept, left): (Vec<&Group>, Vec<&Group>) =
        groups.iter().partition(|g| g.tasks >= raw.min_tasks);
    if kept.is_empty() {
        at(
            &format!("{here}.min_tasks"),
            format!(
                "every group of `{}` has fewer than {} records, so it gives no target; the \
                 largest has {}",
                raw.file,
                raw.min_tasks,
                groups.iter().map(|g| g.tasks).max().unwrap_or(0)
            ),
        );
        return Ok(None);
    }
    let targets: Vec<Target> = kept
        .iter()
        .map(|g| target(&raw.file, g, &base.tiers, &base.edges, &set, &keys))
        .collect();
    let mut categories: BTreeMap<String, u64> = BTreeMap::new();
    for r in &records.rows {
        if let Some(c) = &r.category {
            *categories.entry(c.clone()).or_default() += 1;
        }
    }
    let summary = Summary {
        file: raw.file.clone(),
        records: records.rows.len(),
        groups: groups.len(),
        targets: targets.len(),
        min_tasks: raw.min_tasks,
        left_out: left
            .iter()
            .map(|g| {
                format!(
                    "{} ({} records)",
                    describe(g, &base.tiers, &base.edges),
                    g.tasks
                )
            })
            .collect(),
        categories: categories.into_iter().collect(),
        usage: usage(&records.rows, &base.tiers),
        ignored: records.ignored,
    };
    Ok(Some((targets, summary)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiers() -> Vec<String> {
        ["0.5B", "3B", "8B"].map(String::from).to_vec()
    }
    const EDGES: [f64; 3] = [0.5, 1.5, 2.5];

    fn parse(text: &str) -> Result<Records, InputError> {
        read(&Source::from_text("runs.csv", text), &tiers(), &EDGES)
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn records_are_read_binned_and_grouped() {
        let text = "# my runs\ntask,tier,difficulty,samples,revisions,solved,category,tokens_in,cost\n\
                    a,8B,0.2,1,1,1,code,1000,0.01\n\
                    b,8B,0.5,1,1,0,code,3000,\n\
                    c,8B,1.49,1,1,true,math,,0.03\n\
                    d,3B,9.0,4,3,FALSE,,10,0\n\
                    e,8B,-3,1,1,0,code,1,1\n";
        let r = parse(text).unwrap();
        assert_eq!(r.ignored, vec!["task".to_string()]);
        let bins: Vec<usize> = r.rows.iter().map(|x| x.bin).collect();
        // 0.5 is the first edge: it opens bin 1 (an edge belongs to the bin above it).
        assert_eq!(bins, vec![0, 1, 1, 3, 0]);
        assert_eq!(r.rows[0].line, 3);
        assert_eq!(r.rows[3].tier, 1);
        assert_eq!((r.rows[3].samples, r.rows[3].revisions), (4, 3));
        assert!(!r.rows[3].solved && r.rows[2].solved);
        assert_eq!(r.rows[1].cost, None);
        assert_eq!(r.rows[2].tokens_in, None);
        assert_eq!(r.rows[3].category, None);
        let g = group(&r.rows);
        // Tier order first (3B before 8B), then samples, revisions, bin.
        let keys: Vec<(usize, u32, usize, u64, u64)> = g
            .iter()
            .map(|g| (g.tier, g.samples, g.bin, g.tasks, g.solved))
            .collect();
        assert_eq!(
            keys,
            vec![(1, 4, 3, 1, 0), (2, 1, 0, 2, 1), (2, 1, 1, 2, 1)]
        );
        assert_eq!((g[1].first_line, g[1].last_line), (3, 7));
        let u = usage(&r.rows, &tiers());
        assert_eq!(u.len(), 2);
        assert_eq!(u[1].tier, "8B");
        assert_eq!(u[1].tokens_in, Some((1000.0 + 3000.0 + 1.0) / 3.0));
        assert_eq!(u[1].cost, Some((0.01 + 0.03 + 1.0) / 3.0));
        assert_eq!(u[1].tokens_out, None);
    }

    #[test]
    fn a_bin_column_gives_the_bin_and_a_group_becomes_a_proportion_target() {
        let mut text = String::from("tier,difficulty_bin,samples,revisions,solved\n");
        for k in 0..40 {
            text.push_str(&format!("8B,2,1,3,{}\n", (k % 4 == 0) as u8));
        }
        let r = parse(&text).unwrap();
        let g = group(&r.rows);
        assert_eq!(g.len(), 1);
        let keys = ROW_KEYS.map(String::from);
        let set = vec![("harness.frozen".to_string(), toml::Value::Boolean(true))];
        let t = target("runs.csv", &g[0], &tiers(), &EDGES, &set, &keys);
        assert_eq!(
            t.name,
            "runs.csv: 8B, bin 2 (1.5 <= d < 2.5), 1 sample x 3 revisions"
        );
        assert_eq!(t.source, "runs.csv, lines 2-41: 10 of 40 records solved");
        assert_eq!(t.metric, "solve_rate_bin2");
        assert_eq!(t.value, 0.25);
        assert!((t.sd - (0.25f64 * 0.75 / 40.0).sqrt()).abs() < 1e-15);
        let set: Vec<(&str, String)> = t
            .set
            .iter()
            .map(|(k, v)| (k.as_str(), v.to_string()))
            .collect();
        assert_eq!(
            set,
            vec![
                ("harness.frozen", "true".to_string()),
                ("policy.revisions", "3".to_string()),
                ("policy.samples", "1".to_string()),
                ("policy.tiers.user", "\"8B\"".to_string()),
            ]
        );
        // All solved: the sd of half a record off, never 0.
        let all = Group { solved: 40, ..g[0] };
        let t = target("runs.csv", &all, &tiers(), &EDGES, &[], &keys);
        assert_eq!(t.value, 1.0);
        let p: f64 = 1.0 - 0.5 / 40.0;
        assert!((t.sd - (p * (1.0 - p) / 40.0).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn a_missing_column_is_named_with_the_expected_ones() {
        let e = err("# header next\ntier,difficulty,samples,solved\n8B,1,1,1\n");
        assert!(
            e.starts_with(
                "runs.csv:2:1: missing column `revisions`; the columns are tier, \
                           samples, revisions, solved, difficulty or difficulty_bin (required)"
            ),
            "{e}"
        );
        let e = err("tier,samples,revisions,solved\n");
        assert!(
            e.contains("missing column `difficulty` or `difficulty_bin`"),
            "{e}"
        );
        let e = err("tier,difficulty,difficulty_bin,samples,revisions,solved\n");
        assert!(e.starts_with("runs.csv:1:17: both `difficulty` and"), "{e}");
        let e = err("tier,difficulty,samples,revisions,solved,tier\n");
        assert!(
            e.starts_with("runs.csv:1:42: column `tier` appears twice"),
            "{e}"
        );
        let e = err("");
        assert!(
            e.starts_with("runs.csv:1:1: no header and no records"),
            "{e}"
        );
    }

    #[test]
    fn bad_values_are_located_at_their_cell() {
        let e = err("tier,difficulty,samples,revisions,solved\n\
                     9B,1.0,1,1,1\n\
                     8B,x,1,1,1\n\
                     8B,1.0,0,1.5,1\n\
                     8B,1.0,1,1,yes\n\
                     \"8B\",\"1,5\",1,1,2\n\
                     8B,1.0,1\n");
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 8, "{e}");
        assert_eq!(
            lines[0],
            "runs.csv:2:1: unknown tier `9B`; the base's tiers are 0.5B, 3B, 8B"
        );
        assert_eq!(
            lines[1],
            "runs.csv:3:4: `difficulty` must be a finite number (got `x`)"
        );
        assert_eq!(
            lines[2],
            "runs.csv:4:8: `samples` must be a whole number from 1 to 64 (got `0`)"
        );
        assert_eq!(
            lines[3],
            "runs.csv:4:10: `revisions` must be a whole number from 1 to 64 (got `1.5`)"
        );
        assert_eq!(
            lines[4],
            "runs.csv:5:12: `solved` must be 0, 1, true or false (got `yes`)"
        );
        // Quoted fields are skipped whole: the column is that of the quoted cell.
        assert_eq!(
            lines[5],
            "runs.csv:6:6: `difficulty` must be a finite number (got `1,5`)"
        );
        assert_eq!(
            lines[6],
            "runs.csv:6:16: `solved` must be 0, 1, true or false (got `2`)"
        );
        assert_eq!(
            lines[7],
            "runs.csv:7:1: this row has 3 fields, the header 5"
        );
    }

    #[test]
    fn a_bin_out_of_range_names_the_bins() {
        let e = err("tier,difficulty_bin,samples,revisions,solved\n8B,4,1,1,1\n8B,-1,1,1,1\n");
        assert!(
            e.starts_with(
                "runs.csv:2:4: difficulty bin 4 is out of range: the base's \
                 workload.difficulty_bins [0.5, 1.5, 2.5] make bins 0 to 3"
            ),
            "{e}"
        );
        assert!(
            e.contains(
                "runs.csv:3:4: `difficulty_bin` must be a whole number from 0 to 3 (got `-1`)"
            ),
            "{e}"
        );
        let e = err(
            "tier,difficulty_bin,samples,revisions,solved,tokens_in\n8B,1,1,1,1,-5\n8B,1,1,1,1,nan\n",
        );
        assert!(
            e.contains("runs.csv:2:12: `tokens_in` must be a number >= 0"),
            "{e}"
        );
        assert!(e.contains("runs.csv:3:12:"), "{e}");
    }

    #[test]
    fn a_file_of_many_bad_rows_lists_the_first_ones_and_counts_the_rest() {
        let mut text = String::from("tier,difficulty,samples,revisions,solved\n");
        for _ in 0..50 {
            text.push_str("9B,1,1,1,1\n");
        }
        let e = parse(&text).unwrap_err();
        assert_eq!(e.problems.len(), MAX_PROBLEMS + 1);
        assert_eq!(
            e.problems[MAX_PROBLEMS].message,
            "and 30 more problems in this file, not listed"
        );
    }

    #[test]
    fn field_offsets_skip_quoted_fields_with_commas_and_quotes() {
        let t = b"a,\"b,\"\"c\",d\ne";
        assert_eq!(field_offset(t, 0, 0), 0);
        assert_eq!(field_offset(t, 0, 1), 2);
        assert_eq!(field_offset(t, 0, 2), 10);
        assert_eq!(field_offset(t, 0, 3), 11);
    }
}
