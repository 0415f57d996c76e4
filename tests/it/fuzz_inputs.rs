//! Mutation fuzzing of the five kinds of input file: scenarios, sweep files, stress plans,
//! sensitivity plans and harness-search files (claim 9a).
//!
//! Each case takes one shipped file from `scenarios/` and mutates it (numbers set to
//! extremes or scaled, values of the wrong type, strings swapped for odd names and paths,
//! lines and tables deleted, duplicated or moved, keys misspelt, keys of other file kinds
//! added, dotted paths thousands of parts deep, deeply nested values, huge arrays,
//! truncation, junk bytes). `triad validate` must then exit 0, 1 or 2; when it accepts the
//! file, a small run of it (`run`, `sweep --shard`, `stress --shard`, `sensitivity --shard`,
//! `check-claim 9a --quick`) must too. A panic, an abort, a signal, running out of time or memory fails the
//! test. Refusals without a `file:line:col`, files `validate` accepts that the run refuses,
//! and raw control characters in messages are counted and listed, but do not fail it.
//! Besides the random cases, every run tries the reproducers issue 12 lists (`PINNED`) and
//! a few odd inputs (`/dev/zero`, a folder, an empty file, 16 MiB files).
//!
//! Every command runs with a timeout (CPU time) and an address-space limit. The cases are derived
//! from a fixed seed, so a run is repeatable case by case. A few minutes in release, so
//! `#[ignore]`d:
//!
//! ```sh
//! cargo test --release --test it fuzz_inputs -- --ignored --nocapture
//! ```
//!
//! Settings (environment variables): `TRIAD_FUZZ_CASES` mutations per file kind (500),
//! `TRIAD_FUZZ_SEED` (1), `TRIAD_FUZZ_JOBS` cases run at once (2), `TRIAD_FUZZ_TIMEOUT`
//! CPU seconds per command (6; wall time three times that), `TRIAD_FUZZ_MEM_MB` address-space limit per command (2048),
//! `TRIAD_FUZZ_KINDS` a comma list of `scenario`, `sweep`, `stress`, `sensitivity`,
//! `search`, `pinned`,
//! `special` (all by default), `TRIAD_FUZZ_ONLY` one case as `kind:index` (to replay a
//! finding).
//! Findings are written to `target/fuzz-findings/`: the mutated file, and beside it the
//! mutations applied, the command and what it printed.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoroshiro128PlusPlus as FuzzRng;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::Read;
use std::ops::Range;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------
// The kinds of input file and the shipped files of each.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Scenario,
    Sweep,
    Stress,
    Sensitivity,
    Search,
    /// Fixed odd inputs: `/dev/zero`, a folder, an empty file, a very large file.
    Special,
}

impl Kind {
    const FILES: [Kind; 5] = [
        Kind::Scenario,
        Kind::Sweep,
        Kind::Stress,
        Kind::Sensitivity,
        Kind::Search,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::Scenario => "scenario",
            Kind::Sweep => "sweep",
            Kind::Stress => "stress",
            Kind::Sensitivity => "sensitivity",
            Kind::Search => "search",
            Kind::Special => "special",
        }
    }

    /// The small run of an accepted file: a scenario in full (a tenth of a second), a
    /// sweep or stress plan on the shard of its first run alone (`--shard 1/N` with the N
    /// runs `validate` counted; the whole plan is still expanded and checked), a harness
    /// search through claim 9a's quick check.
    fn run_args(self, file: &Path, out: &Path, runs: u64) -> Vec<String> {
        let (f, o) = (file.display().to_string(), out.display().to_string());
        let shard = format!("1/{}", runs.max(1));
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect();
        match self {
            Kind::Scenario => v(&["run", &f, "--out", &o, "--quiet"]),
            Kind::Sweep => v(&[
                "sweep",
                &f,
                "--out",
                &o,
                "--quiet",
                "--threads",
                "1",
                "--shard",
                &shard,
            ]),
            Kind::Stress => v(&[
                "stress",
                &f,
                "--out",
                &o,
                "--quiet",
                "--threads",
                "1",
                "--shard",
                &shard,
            ]),
            Kind::Sensitivity => v(&[
                "sensitivity",
                &f,
                "--out",
                &o,
                "--quiet",
                "--threads",
                "1",
                "--shard",
                &shard,
            ]),
            Kind::Search => v(&["check-claim", "9a", &f, "--quick"]),
            Kind::Special => Vec::new(),
        }
    }
}

/// A shipped input file.
struct Source {
    /// Path relative to `scenarios/`; mutated copies sit in the same folder, so relative
    /// `base = "../baseline.toml"` references keep working.
    rel: PathBuf,
    text: String,
    kind: Kind,
}

/// Every shipped input file, with its kind: sweep files in `sweeps/`, stress plans in
/// `stress/`, sensitivity plans in `sensitivity/`, harness-search files told by their top-level keys (the rule `triad validate`
/// uses: `evaluations`, `landscape`, `strategy` or `evaluation`), scenarios the rest.
/// `claims/expected.toml` (expected verdicts, a kind of its own) is not mutated.
fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut out = Vec::new();
    for dir in ["", "claims", "sweeps", "stress", "sensitivity"] {
        let mut files: Vec<PathBuf> = fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .filter(|p| !p.ends_with("expected.toml"))
            .collect();
        files.sort();
        for p in files {
            let text = fs::read_to_string(&p).unwrap();
            let table: toml::Table = text.parse().unwrap();
            let search = ["evaluations", "landscape", "strategy", "evaluation"]
                .iter()
                .any(|k| table.contains_key(*k));
            let kind = match dir {
                "sweeps" => Kind::Sweep,
                "stress" => Kind::Stress,
                "sensitivity" => Kind::Sensitivity,
                _ if search => Kind::Search,
                _ => Kind::Scenario,
            };
            out.push(Source {
                rel: Path::new(dir).join(p.file_name().unwrap()),
                text,
                kind,
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// A rough TOML tokenizer: enough to find keys, values, numbers, strings and tables.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tk {
    Str,
    Num,
    Word,
    Punct(u8),
    Newline,
    Comment,
}

#[derive(Clone, Copy, Debug)]
struct Tok {
    tk: Tk,
    start: usize,
    end: usize,
}

fn string_end(s: &[u8], i: usize) -> usize {
    let q = s[i];
    let triple = [q, q, q];
    if s[i..].starts_with(&triple) {
        let mut j = i + 3;
        while j < s.len() && !s[j..].starts_with(&triple) {
            j += if q == b'"' && s[j] == b'\\' { 2 } else { 1 };
        }
        return (j + 3).min(s.len());
    }
    let mut j = i + 1;
    while j < s.len() && s[j] != q && s[j] != b'\n' {
        j += if q == b'"' && s[j] == b'\\' { 2 } else { 1 };
    }
    (j + 1).min(s.len())
}

fn tokens(s: &[u8]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    while i < s.len() {
        let (start, c) = (i, s[i]);
        let tk = match c {
            b'\n' => {
                i += 1;
                Tk::Newline
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < s.len() && s[i] != b'\n' {
                    i += 1;
                }
                Tk::Comment
            }
            b'"' | b'\'' => {
                i = string_end(s, i);
                Tk::Str
            }
            b'0'..=b'9' | b'+' | b'-' => {
                i += 1;
                while i < s.len() && (word(s[i]) || matches!(s[i], b'.' | b'+')) {
                    i += 1;
                }
                Tk::Num
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < s.len() && word(s[i]) {
                    i += 1;
                }
                Tk::Word
            }
            _ => {
                i += 1;
                Tk::Punct(c)
            }
        };
        out.push(Tok { tk, start, end: i });
    }
    out
}

const VALUE_WORDS: [&str; 4] = ["true", "false", "nan", "inf"];

/// A `key = value`, with the table it sits in.
struct Entry {
    key: String,
    value: Range<usize>,
}

/// A `[table]` or `[[array]]` header and the block it opens (to the next header).
struct Table {
    block: Range<usize>,
    header_end: usize,
}

struct Doc {
    toks: Vec<Tok>,
    entries: Vec<Entry>,
    tables: Vec<Table>,
    /// Lines holding something other than blanks and comments.
    lines: Vec<Range<usize>>,
}

impl Doc {
    fn parse(s: &[u8]) -> Doc {
        let toks = tokens(s);
        let text = |t: &Tok| String::from_utf8_lossy(&s[t.start..t.end]).into_owned();
        let (mut entries, mut headers) = (Vec::new(), Vec::<(usize, usize)>::new());
        let mut table = String::new();
        let mut depth = 0i32;
        let mut j = 0;
        while j < toks.len() {
            let t = toks[j];
            let line_start = j == 0 || toks[j - 1].tk == Tk::Newline;
            if line_start && depth == 0 && t.tk == Tk::Punct(b'[') {
                let mut k = j;
                let mut name = Vec::new();
                while k < toks.len() && toks[k].tk != Tk::Newline {
                    if matches!(toks[k].tk, Tk::Word | Tk::Str | Tk::Num) {
                        name.push(text(&toks[k]));
                    }
                    k += 1;
                }
                table = name.join(".");
                let line = s[..t.start].iter().rposition(|&c| c == b'\n');
                headers.push((line.map_or(0, |p| p + 1), toks[k.min(toks.len()) - 1].end));
                j = k;
                continue;
            }
            match t.tk {
                Tk::Punct(b'[' | b'{') => depth += 1,
                Tk::Punct(b']' | b'}') => depth -= 1,
                Tk::Punct(b'=') if j > 0 && j + 1 < toks.len() => {
                    let mut k = j;
                    let mut parts = Vec::new();
                    while k > 0
                        && matches!(
                            toks[k - 1].tk,
                            Tk::Word | Tk::Str | Tk::Num | Tk::Punct(b'.')
                        )
                    {
                        k -= 1;
                        if toks[k].tk != Tk::Punct(b'.') {
                            parts.insert(0, text(&toks[k]));
                        }
                    }
                    let v = toks[j + 1];
                    let end = if matches!(v.tk, Tk::Punct(b'[' | b'{')) {
                        let mut d = 0;
                        let mut e = v.end;
                        for w in &toks[j + 1..] {
                            match w.tk {
                                Tk::Punct(b'[' | b'{') => d += 1,
                                Tk::Punct(b']' | b'}') => d -= 1,
                                _ => {}
                            }
                            e = w.end;
                            if d == 0 {
                                break;
                            }
                        }
                        e
                    } else if matches!(v.tk, Tk::Newline | Tk::Comment) {
                        v.start
                    } else {
                        v.end
                    };
                    let key = if table.is_empty() {
                        parts.join(".")
                    } else {
                        format!("{table}.{}", parts.join("."))
                    };
                    entries.push(Entry {
                        key,
                        value: v.start..end,
                    });
                }
                _ => {}
            }
            j += 1;
        }
        let tables = (0..headers.len())
            .map(|h| Table {
                block: headers[h].0..headers.get(h + 1).map_or(s.len(), |n| n.0),
                header_end: headers[h].1,
            })
            .collect();
        let mut lines = Vec::new();
        let mut start = 0;
        for (i, &c) in s.iter().enumerate() {
            if c == b'\n' || i + 1 == s.len() {
                let line = start..i + 1;
                let body = String::from_utf8_lossy(&s[line.clone()]);
                let body = body.trim();
                if !body.is_empty() && !body.starts_with('#') {
                    lines.push(line);
                }
                start = i + 1;
            }
        }
        Doc {
            toks,
            entries,
            tables,
            lines,
        }
    }

    /// The entry whose value contains byte `at`, innermost first.
    fn key_at(&self, at: usize) -> String {
        self.entries
            .iter()
            .filter(|e| e.value.contains(&at) || e.value.start == at)
            .min_by_key(|e| e.value.len())
            .map_or_else(|| "?".to_string(), |e| e.key.clone())
    }
}

// ---------------------------------------------------------------------------------------
// Mutations.

/// Extreme and boundary numbers (some are not valid TOML integers: the parser must say so).
#[rustfmt::skip]
const EXTREMES: &[&str] = &[
    "0", "-1", "1", "2", "0.0", "-0.0", "1e-9", "-1e-9", "1e-300", "5e-324", "1e9", "1e300",
    "-1e300", "1.7976931348623157e308", "nan", "-nan", "inf", "-inf", "4294967295",
    "4294967296", "-4294967296", "9223372036854775807", "-9223372036854775808",
    "18446744073709551615", "99999999999999999999999999", "0.5", "1000000", "65536",
];

/// Values of another type than expected.
#[rustfmt::skip]
const OTHER_TYPES: &[&str] = &[
    "\"fuzz\"", "\"\"", "\"1.0\"", "true", "false", "[]", "[1, 2]", "[\"a\"]", "{}",
    "{ x = 1 }", "1979-05-27T07:32:00Z", "07:32:00", "0", "1.5", "-1", "[[1]]", "[{}]",
];

/// Strings that are names, paths or text nobody meant.
#[rustfmt::skip]
const STRINGS: &[&str] = &[
    "\"\"", "\" \"", "\"frontierr\"", "\"8B\"", "\"70B\"", "\"static\"",
    "\"policy.shares.evolve\"", "\"policy\"", "\"budget\"", "\".\"", "\"/\"", "\"/dev/zero\"",
    "\"/dev/null\"", "\"../../../../../../etc/passwd\"", "\"../baseline.toml\"",
    "\"nonexistent.toml\"", "\"\\u0000\"", "\"\\u001b[2J\"", "\"a\\nb\"", "\"\u{e9}\u{2713}\"",
];

/// Lines of other file kinds, or of none.
#[rustfmt::skip]
const ADDED: &[&str] = &[
    "fuzz_unknown = 1", "base = \"../baseline.toml\"", "base = \"/dev/zero\"",
    "seed = 18446744073709551615", "seed = 9223372036854775807", "replications = 0",
    "replications = 4294967295", "evaluations = 0", "tier = \"8B\"", "severities = []",
    "perturbations = []", "perturbations = [\"nope\"]", "set = {}", "design = \"nope\"",
    "[[axis]]\npath = \"budget\"\nvalues = []",
    "[[axis]]\npath = \"budget\"\nrange = { start = 0.0, stop = 1.0, step = 1e-9 }",
    "[[axis]]\npath = \"budget\"\nrange = { start = 1.0, stop = 0.0, step = 0.1 }",
    "[[axis]]\npath = \"seed\"\nvalues = [-1, 1e300]", "[[policy]]\nkind = \"static\"",
    "[[policy]]\nlabel = \"x\"\nkind = \"nope\"", "[[tier]]\nname = \"8B\"",
    "[strategy]\nkind = \"islands\"\nchildren = 0", "[landscape]\nsections = 0",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    NumExtreme,
    Scale,
    OtherType,
    OddString,
    DeleteLine,
    DeleteTable,
    DuplicateLine,
    DuplicateTable,
    MoveLine,
    TypoKey,
    AddLine,
    DeepPath,
    DeepNest,
    HugeArray,
    Truncate,
    Junk,
}

#[rustfmt::skip]
const OPS: &[(Op, u32)] = &[
    (Op::NumExtreme, 10), (Op::Scale, 4), (Op::OtherType, 3), (Op::OddString, 3),
    (Op::DeleteLine, 2), (Op::DeleteTable, 1), (Op::DuplicateLine, 2), (Op::DuplicateTable, 1),
    (Op::MoveLine, 1), (Op::TypoKey, 3), (Op::AddLine, 2), (Op::DeepPath, 1), (Op::DeepNest, 1),
    (Op::HugeArray, 1), (Op::Truncate, 1), (Op::Junk, 2),
];

fn pick<'a, T>(rng: &mut FuzzRng, v: &'a [T]) -> Option<&'a T> {
    (!v.is_empty()).then(|| &v[rng.random_range(0..v.len())])
}

fn pick_op(rng: &mut FuzzRng) -> Op {
    let total: u32 = OPS.iter().map(|o| o.1).sum();
    let mut r = rng.random_range(0..total);
    for &(op, w) in OPS {
        if r < w {
            return op;
        }
        r -= w;
    }
    unreachable!()
}

/// Printable, short form of a piece of text for descriptions.
fn show(b: &[u8]) -> String {
    show_max(b, 70)
}

fn show_max(b: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(b);
    let e: String = s.escape_debug().collect();
    if e.chars().count() > max {
        let head: String = e.chars().take(max - 10).collect();
        format!("{head}...({} bytes)", b.len())
    } else {
        e
    }
}

fn splice(s: &[u8], r: Range<usize>, with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + with.len());
    out.extend_from_slice(&s[..r.start]);
    out.extend_from_slice(with);
    out.extend_from_slice(&s[r.end..]);
    out
}

/// A line boundary (start of a line), chosen at random.
fn line_boundary(rng: &mut FuzzRng, s: &[u8]) -> usize {
    let mut b: Vec<usize> = vec![0];
    b.extend(
        s.iter()
            .enumerate()
            .filter(|c| *c.1 == b'\n')
            .map(|c| c.0 + 1),
    );
    *pick(rng, &b).unwrap()
}

fn with_newline(line: &str) -> Vec<u8> {
    format!("{line}\n").into_bytes()
}

fn dotted(n: usize) -> String {
    vec!["a"; n].join(".")
}

/// Applies `op` to `s`; `None` when it has nothing to work on.
fn apply(rng: &mut FuzzRng, kind: Kind, op: Op, s: &[u8]) -> Option<(Vec<u8>, String)> {
    let doc = Doc::parse(s);
    let nums: Vec<Tok> = doc
        .toks
        .iter()
        .copied()
        .filter(|t| {
            t.tk == Tk::Num
                || (t.tk == Tk::Word
                    && ["nan", "inf"].contains(&&*String::from_utf8_lossy(&s[t.start..t.end])))
        })
        .collect();
    let strs: Vec<Tok> = doc
        .toks
        .iter()
        .copied()
        .filter(|t| t.tk == Tk::Str && doc.entries.iter().any(|e| e.value.contains(&t.start)))
        .collect();
    let keys: Vec<Tok> = doc
        .toks
        .iter()
        .copied()
        .filter(|t| {
            t.tk == Tk::Word
                && !VALUE_WORDS.contains(&&*String::from_utf8_lossy(&s[t.start..t.end]))
        })
        .collect();
    let valued: Vec<&Entry> = doc.entries.iter().filter(|e| !e.value.is_empty()).collect();
    match op {
        Op::NumExtreme => {
            let t = pick(rng, &nums)?;
            let new = *pick(rng, EXTREMES)?;
            let d = format!(
                "{} = {} -> {new}",
                doc.key_at(t.start),
                show(&s[t.start..t.end])
            );
            Some((splice(s, t.start..t.end, new.as_bytes()), d))
        }
        Op::Scale => {
            let t = pick(rng, &nums)?;
            let old = String::from_utf8_lossy(&s[t.start..t.end]).replace('_', "");
            let new = if let Ok(i) = old.parse::<i64>() {
                let c = [
                    i.saturating_mul(1000),
                    i.saturating_mul(1_000_000),
                    i.saturating_neg(),
                    i.saturating_add(1),
                    i.saturating_sub(1),
                    i.saturating_mul(1 << 32),
                ];
                pick(rng, &c)?.to_string()
            } else {
                let v: f64 = old.parse().ok()?;
                let c = [v * 1e3, v * 1e6, -v, v / 1e3, v + 1.0, v - 1.0, v * 1e-9];
                let n = *pick(rng, &c)?;
                if !n.is_finite() {
                    return None;
                }
                format!("{n:e}")
            };
            let d = format!("{} = {old} -> {new}", doc.key_at(t.start));
            Some((splice(s, t.start..t.end, new.as_bytes()), d))
        }
        Op::OtherType => {
            let e = *pick(rng, &valued)?;
            let new = *pick(rng, OTHER_TYPES)?;
            let d = format!("{} = {} -> {new}", e.key, show(&s[e.value.clone()]));
            Some((splice(s, e.value.clone(), new.as_bytes()), d))
        }
        Op::OddString => {
            let t = *pick(rng, &strs)?;
            let new = if rng.random_bool(0.1) {
                format!("\"{}\"", "x".repeat(100_000))
            } else if rng.random_bool(0.2) {
                // Another string of the same file: a real name in the wrong place.
                let o = pick(rng, &strs)?;
                String::from_utf8_lossy(&s[o.start..o.end]).into_owned()
            } else {
                pick(rng, STRINGS)?.to_string()
            };
            let d = format!(
                "{} = {} -> {}",
                doc.key_at(t.start),
                show(&s[t.start..t.end]),
                show(new.as_bytes())
            );
            Some((splice(s, t.start..t.end, new.as_bytes()), d))
        }
        Op::DeleteLine => {
            let l = pick(rng, &doc.lines)?.clone();
            let d = format!("delete line {}", show(s[l.clone()].trim_ascii()));
            Some((splice(s, l, b""), d))
        }
        Op::DeleteTable => {
            let t = pick(rng, &doc.tables)?;
            let d = format!("delete table {}", show(&s[t.block.start..t.header_end]));
            Some((splice(s, t.block.clone(), b""), d))
        }
        Op::DuplicateLine => {
            let l = pick(rng, &doc.lines)?.clone();
            let mut line = s[l.clone()].to_vec();
            if line.last() != Some(&b'\n') {
                line.push(b'\n');
            }
            let at = if rng.random_bool(0.5) {
                l.end
            } else {
                line_boundary(rng, s)
            };
            let d = format!("duplicate line {}", show(line.trim_ascii()));
            Some((splice(s, at..at, &line), d))
        }
        Op::DuplicateTable => {
            let t = pick(rng, &doc.tables)?;
            let block = s[t.block.clone()].to_vec();
            let d = format!("duplicate table {}", show(&s[t.block.start..t.header_end]));
            Some((splice(s, t.block.end..t.block.end, &block), d))
        }
        Op::MoveLine => {
            let l = pick(rng, &doc.lines)?.clone();
            let mut line = s[l.clone()].to_vec();
            if line.last() != Some(&b'\n') {
                line.push(b'\n');
            }
            let rest = splice(s, l, b"");
            let at = line_boundary(rng, &rest);
            let d = format!("move line {}", show(line.trim_ascii()));
            Some((splice(&rest, at..at, &line), d))
        }
        Op::TypoKey => {
            let t = *pick(rng, &keys)?;
            let old = String::from_utf8_lossy(&s[t.start..t.end]).into_owned();
            let mut c: Vec<char> = old.chars().collect();
            let i = rng.random_range(0..c.len());
            let new: String = match rng.random_range(0..7) {
                0 if c.len() > 1 => {
                    c.remove(i);
                    c.into_iter().collect()
                }
                1 => {
                    c.insert(i, c[i]);
                    c.into_iter().collect()
                }
                2 if c.len() > 1 => {
                    let i = i.min(c.len() - 2);
                    c.swap(i, i + 1);
                    c.into_iter().collect()
                }
                3 => old.to_uppercase(),
                4 => format!("{old}s"),
                5 => {
                    let o = pick(rng, &keys)?;
                    String::from_utf8_lossy(&s[o.start..o.end]).into_owned()
                }
                _ => old.replace('_', "-"),
            };
            if new == old {
                return None;
            }
            let d = format!("{old} -> {new}");
            Some((splice(s, t.start..t.end, new.as_bytes()), d))
        }
        Op::AddLine => {
            let line = if rng.random_bool(0.3) {
                // A line of this file, somewhere else.
                let l = pick(rng, &doc.lines)?.clone();
                String::from_utf8_lossy(s[l].trim_ascii()).into_owned()
            } else {
                pick(rng, ADDED)?.to_string()
            };
            let at = if rng.random_bool(0.4) {
                0
            } else {
                line_boundary(rng, s)
            };
            let d = format!("add {}", show(line.as_bytes()));
            Some((splice(s, at..at, &with_newline(&line)), d))
        }
        Op::DeepPath => {
            let n = *pick(rng, &[64, 1000, 5000, 20_000, 50_000])?;
            let paths: Vec<&&Entry> = valued.iter().filter(|e| e.key.ends_with("path")).collect();
            if kind == Kind::Sweep && !paths.is_empty() && rng.random_bool(0.7) {
                let e = pick(rng, &paths)?;
                let new = format!("\"policy.shares.{}\"", dotted(n));
                let d = format!("{} = {n}-part dotted path", e.key);
                return Some((splice(s, e.value.clone(), new.as_bytes()), d));
            }
            let (line, at, d) = match rng.random_range(0..3) {
                0 => (
                    format!("{} = 1", dotted(n)),
                    0,
                    format!("add a {n}-part dotted key"),
                ),
                1 => (
                    format!("[{}]\nx = 1", dotted(n)),
                    s.len(),
                    format!("add a table header of {n} parts"),
                ),
                _ => (
                    format!("[[axis]]\npath = \"{}\"\nvalues = [1.0]", dotted(n)),
                    s.len(),
                    format!("add an axis with a {n}-part path"),
                ),
            };
            let mut line = with_newline(&line);
            if at == s.len() && s.last().is_some_and(|&c| c != b'\n') {
                line.insert(0, b'\n');
            }
            Some((splice(s, at..at, &line), d))
        }
        Op::DeepNest => {
            let e = *pick(rng, &valued)?;
            let n = *pick(rng, &[64, 256, 1000, 5000, 100_000])?;
            let new = if rng.random_bool(0.5) {
                format!("{}1{}", "[".repeat(n), "]".repeat(n))
            } else {
                format!("{}1{}", "{ a = ".repeat(n), " }".repeat(n))
            };
            let d = format!("{} = value nested {n} deep", e.key);
            Some((splice(s, e.value.clone(), new.as_bytes()), d))
        }
        Op::HugeArray => {
            let arrays: Vec<&&Entry> = valued.iter().filter(|e| s[e.value.start] == b'[').collect();
            let e = if !arrays.is_empty() && rng.random_bool(0.7) {
                **pick(rng, &arrays)?
            } else {
                *pick(rng, &valued)?
            };
            let n = *pick(rng, &[1000, 10_000, 100_000])?;
            let items: Vec<String> = match rng.random_range(0..3) {
                0 => (0..n).map(|i| format!("{}.0", i % 10)).collect(),
                1 => (0..n).map(|i| format!("\"s{i}\"")).collect(),
                _ => {
                    // Copies of the file's own value, when it is an array element type.
                    let inner = String::from_utf8_lossy(&s[e.value.clone()]).into_owned();
                    let inner = inner
                        .strip_prefix('[')
                        .and_then(|x| x.strip_suffix(']'))
                        .and_then(|x| x.split(',').next())
                        .map_or(inner.clone(), |x| x.trim().to_string());
                    vec![inner; n]
                }
            };
            let new = format!("[{}]", items.join(", "));
            let d = format!("{} = array of {n}", e.key);
            Some((splice(s, e.value.clone(), new.as_bytes()), d))
        }
        Op::Truncate => {
            if s.is_empty() {
                return None;
            }
            let at = rng.random_range(0..s.len());
            Some((
                s[..at].to_vec(),
                format!("truncate at byte {at} of {}", s.len()),
            ))
        }
        Op::Junk => {
            let at = rng.random_range(0..=s.len());
            let n = rng.random_range(1..=8);
            let junk: Vec<u8> = match rng.random_range(0..5) {
                0 => (0..n).map(|_| rng.random_range(0..0x20u8)).collect(),
                1 => (0..n).map(|_| rng.random_range(0x80..=0xffu8)).collect(),
                2 => vec![0xef, 0xbb, 0xbf],
                3 => vec![0x7f, 0x1b, b'[', b'2', b'J'],
                _ => (0..n).map(|_| rng.random::<u8>()).collect(),
            };
            let d = format!("insert bytes {junk:02x?} at {at}");
            Some((splice(s, at..at, &junk), d))
        }
    }
}

/// The mutated text of case `idx` of `kind`, its source and the mutations applied.
fn make_case<'a>(srcs: &'a [Source], kind: Kind, idx: usize, seed: u64) -> Case<'a> {
    let mine: Vec<&Source> = srcs.iter().filter(|s| s.kind == kind).collect();
    let case_seed = seed
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .wrapping_add(((kind as u64) << 40) | idx as u64);
    let mut rng = FuzzRng::seed_from_u64(case_seed);
    let src = mine[rng.random_range(0..mine.len())];
    let n = match rng.random_range(0..10) {
        0..7 => 1,
        7..9 => 2,
        _ => 3,
    };
    let mut ops: Vec<Op> = (0..n).map(|_| pick_op(&mut rng)).collect();
    // Byte-level damage last: the others need a text they can tokenize.
    ops.sort_by_key(|o| matches!(o, Op::Truncate | Op::Junk));
    let mut text = src.text.clone().into_bytes();
    let mut done = Vec::new();
    for mut op in ops {
        for _ in 0..20 {
            if let Some((t, d)) = apply(&mut rng, kind, op, &text) {
                text = t;
                done.push(format!("{op:?}: {d}"));
                break;
            }
            op = pick_op(&mut rng);
        }
    }
    Case {
        kind,
        row: kind.name(),
        idx,
        src: Some(src),
        text,
        ops: done,
        special: None,
    }
}

struct Case<'a> {
    /// The kind of the file, which decides how it is run.
    kind: Kind,
    /// The report row: the kind's name, or `pinned` for the known reproducers.
    row: &'static str,
    idx: usize,
    src: Option<&'a Source>,
    text: Vec<u8>,
    ops: Vec<String>,
    /// For `Kind::Special`: the path to validate as is (not written).
    special: Option<PathBuf>,
}

/// The fixed odd inputs.
fn special_cases(work: &Path) -> Vec<Case<'static>> {
    let dir = work.join("special");
    fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, bytes: Vec<u8>| {
        let p = dir.join(name);
        fs::write(&p, bytes).unwrap();
        p
    };
    let mut big_line = b"name = \"".to_vec();
    big_line.extend(std::iter::repeat_n(b'x', 16 << 20));
    big_line.extend(b"\"\n");
    let list: Vec<(String, PathBuf)> = vec![
        ("/dev/zero".into(), PathBuf::from("/dev/zero")),
        ("a folder".into(), dir.clone()),
        ("an empty file".into(), file("empty.toml", Vec::new())),
        (
            "16 MiB of one string".into(),
            file("big_line.toml", big_line),
        ),
        (
            "16 MiB of duplicate keys".into(),
            file("big_dup.toml", b"budget = 1.0\n".repeat(1 << 20)),
        ),
        (
            "100,000 [[tier]] tables".into(),
            file(
                "many_tiers.toml",
                b"[[tier]]\nname = \"t\"\n".repeat(100_000),
            ),
        ),
        (
            "not UTF-8".into(),
            file("latin1.toml", b"name = \"\xe9\"\n".to_vec()),
        ),
    ];
    list.into_iter()
        .enumerate()
        .filter(|(_, (_, p))| p.exists())
        .map(|(idx, (what, path))| Case {
            kind: Kind::Special,
            row: Kind::Special.name(),
            idx,
            src: None,
            text: Vec::new(),
            ops: vec![what],
            special: Some(path),
        })
        .collect()
}

/// The reproducers of the failures issue 12 lists for these file kinds, as edits of shipped
/// files, so that every run tries them whatever the seed: (file, key, its new value, text
/// appended to the file).
#[rustfmt::skip]
const PINNED: &[(&str, &str, &str, &str)] = &[
    ("claims/claim9a.toml", "landscape.sections", "4294967295", ""),
    ("claims/claim9a.toml", "landscape.edits", "4294967295", ""),
    ("claims/claim9a.toml", "strategy.children", "0", ""),
    ("claims/claim9a.toml", "evaluations", "4294967295", ""),
    ("claims/claim9a.toml", "landscape.difficulty", "nan", ""),
    ("baseline.toml", "sample_every_hours", "1e-9", ""),
    ("baseline.toml", "epoch_hours", "1e-9", ""),
    ("baseline.toml", "workload.arrival_per_hour", "1e9", ""),
    ("baseline.toml", "", "",
     "[[shock]]\nkind = \"arrivals\"\nat_hour = 1.0\nuntil_hour = 700.0\nfactor = 1e300\n"),
    ("baseline.toml", "evolver.modes", "100000", "CATEGORIES:3000"),
    ("sweeps/allocation.toml", "axis.path", "DEEP:5000", ""),
    ("sweeps/allocation.toml", "axis.path", "DEEP:50000", ""),
];

fn pinned_cases(srcs: &[Source]) -> Vec<Case<'_>> {
    let mut out = Vec::new();
    for (idx, &(file, key, value, append)) in PINNED.iter().enumerate() {
        let src = srcs
            .iter()
            .find(|s| s.rel == Path::new(file))
            .unwrap_or_else(|| panic!("pinned case {idx}: no scenarios/{file}"));
        let value = match value.strip_prefix("DEEP:") {
            Some(n) => format!("\"{}\"", dotted(n.parse().unwrap())),
            None => value.to_string(),
        };
        let mut text = src.text.clone().into_bytes();
        let mut what = Vec::new();
        if !key.is_empty() {
            let doc = Doc::parse(&text);
            let Some(e) = doc.entries.iter().find(|e| e.key == key) else {
                panic!("pinned case {idx}: scenarios/{file} has no key {key}");
            };
            text = splice(&text, e.value.clone(), value.as_bytes());
            what.push(format!("{key} -> {}", show(value.as_bytes())));
        }
        if let Some(n) = append.strip_prefix("CATEGORIES:") {
            let n: usize = n.parse().unwrap();
            for i in 0..n {
                let c = format!("\n[[workload.category]]\nname = \"c{i}\"\nweight = 0.1\n");
                text.extend(c.as_bytes());
            }
            what.push(format!("append {n} [[workload.category]] tables"));
        } else if !append.is_empty() {
            text.extend(format!("\n{append}").as_bytes());
            what.push(format!("append {}", show(append.as_bytes())));
        }
        out.push(Case {
            kind: src.kind,
            row: "pinned",
            idx,
            src: Some(src),
            text,
            ops: vec![format!("Pinned: {}", what.join(", "))],
            special: None,
        });
    }
    out
}

// ---------------------------------------------------------------------------------------
// Running a command and judging its end.

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Exit(i32),
    Panic,
    StackOverflow,
    OutOfMemory,
    Abort,
    Signal(i32),
    Timeout,
}

impl Class {
    fn hard(&self) -> bool {
        !matches!(self, Class::Exit(0..=2))
    }

    fn name(&self) -> String {
        match self {
            Class::Exit(c) => format!("exit {c}"),
            Class::Panic => "panic".into(),
            Class::StackOverflow => "stack overflow".into(),
            Class::OutOfMemory => "out of memory".into(),
            Class::Abort => "abort".into(),
            Class::Signal(s) => format!("signal {s}"),
            Class::Timeout => "timeout".into(),
        }
    }
}

struct Outcome {
    class: Class,
    /// How it ended: `exit N`, `signal N` or `killed after the timeout`.
    status: String,
    secs: f64,
    stderr: String,
    /// What it printed on stdout (the first 64 KiB).
    stdout: String,
    /// Control characters other than newline and tab in what it printed on stderr.
    raw_control: bool,
    cmd: String,
}

struct Settings {
    bin: PathBuf,
    timeout: Duration,
    mem_kb: u64,
}

fn classify(status: Option<ExitStatus>, stderr: &str) -> Class {
    let Some(st) = status else {
        return Class::Timeout;
    };
    if stderr.contains("has overflowed its stack") {
        Class::StackOverflow
    } else if stderr.contains("memory allocation of") || stderr.contains("out of memory") {
        Class::OutOfMemory
    } else if stderr.contains("panicked") || st.code() == Some(101) {
        Class::Panic
    } else if let Some(sig) = st.signal() {
        if sig == 6 {
            Class::Abort
        } else {
            Class::Signal(sig)
        }
    } else {
        Class::Exit(st.code().unwrap_or(-1))
    }
}

/// CPU seconds (user and system, all threads) process `pid` has used so far, from
/// `/proc/PID/stat` (Linux; 100 clock ticks a second).
fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which sits in parentheses and may hold spaces,
    // start at field 3; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// Runs the triad binary with `args` in `cwd`, under the timeout and memory limit.
fn exec(set: &Settings, args: &[String], cwd: &Path, log: &Path) -> Outcome {
    let strip = &format!("{}/", cwd.display());
    let err_path = log.with_extension("stderr");
    let err_file = fs::File::create(&err_path).unwrap();
    let out_path = log.with_extension("stdout");
    let out_file = fs::File::create(&out_path).unwrap();
    // `exec` keeps the pid: a timeout kills triad itself.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {} && exec \"$0\" \"$@\"", set.mem_kb))
        .arg(&set.bin)
        .args(args)
        .current_dir(cwd)
        .env("RUST_BACKTRACE", "1")
        .env("RAYON_NUM_THREADS", "1")
        .stdin(Stdio::null())
        .stdout(out_file)
        .stderr(err_file)
        .spawn()
        .unwrap();
    let clock = Instant::now();
    let mut nap = Duration::from_millis(1);
    let mut cpu = 0.0;
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break Some(st);
        }
        // The limit is on CPU time where /proc tells it, so that a loaded machine does not
        // turn slow cases into timeouts; three times the limit in wall time catches a
        // process that waits forever without computing.
        let wall = clock.elapsed();
        cpu = cpu_secs(child.id()).unwrap_or(wall.as_secs_f64());
        if cpu > set.timeout.as_secs_f64() || wall > set.timeout * 3 {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(20));
    };
    let secs = clock.elapsed().as_secs_f64();
    let mut raw = Vec::new();
    let _ = fs::File::open(&err_path).and_then(|f| f.take(64 << 10).read_to_end(&mut raw));
    let _ = fs::remove_file(&err_path);
    let mut out = Vec::new();
    let _ = fs::File::open(&out_path).and_then(|f| f.take(64 << 10).read_to_end(&mut out));
    let _ = fs::remove_file(&out_path);
    let stdout = String::from_utf8_lossy(&out).into_owned();
    let raw_control = raw
        .iter()
        .any(|&c| (c < 0x20 && c != b'\n' && c != b'\t') || c == 0x7f);
    let stderr = String::from_utf8_lossy(&raw).replace(strip, "");
    let class = classify(status, &stderr);
    let status = match status {
        None => format!("killed after {cpu:.1} s of CPU"),
        Some(st) => match (st.code(), st.signal()) {
            (Some(c), _) => format!("exit {c}"),
            (_, Some(sig)) => format!("signal {sig}"),
            _ => format!("{st}"),
        },
    };
    let cmd = format!("triad {}", args.join(" ").escape_debug()).replace(strip, "");
    Outcome {
        class,
        status,
        secs,
        stderr,
        stdout,
        raw_control,
        cmd,
    }
}

/// The run count `triad validate` prints for a sweep or stress plan (`... of N runs`); none
/// when it read the file as another kind (a cut can turn a plan into a scenario).
fn runs_of(stdout: &str) -> Option<u64> {
    stdout.split(" of ").skip(1).find_map(|rest| {
        let (n, rest) = rest.split_once(' ')?;
        if rest.starts_with("runs") {
            n.parse().ok()
        } else {
            None
        }
    })
}

/// Whether `s` holds a `:line:col` location.
fn located(s: &str) -> bool {
    let b = s.as_bytes();
    (0..b.len()).any(|i| {
        let digits = |mut j: usize| {
            let from = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            (j > from).then_some(j)
        };
        b[i] == b':'
            && digits(i + 1).is_some_and(|j| j < b.len() && b[j] == b':' && digits(j + 1).is_some())
    })
}

struct CaseResult {
    kind: Kind,
    row: &'static str,
    idx: usize,
    src: String,
    ops: Vec<String>,
    validate: Outcome,
    run: Option<Outcome>,
    /// The mutated text, kept for findings.
    text: Option<Vec<u8>>,
}

impl CaseResult {
    fn hard(&self) -> bool {
        self.validate.class.hard() || self.run.as_ref().is_some_and(|r| r.class.hard())
    }

    fn unlocated(&self) -> bool {
        self.kind != Kind::Special
            && self.validate.class == Class::Exit(2)
            && !located(&self.validate.stderr)
    }

    fn refused_after_ok(&self) -> bool {
        self.run.as_ref().is_some_and(|r| r.class == Class::Exit(2))
    }

    fn raw_control(&self) -> bool {
        self.validate.raw_control && self.validate.class == Class::Exit(2)
    }

    /// The failing command, and a short signature telling distinct findings apart: the
    /// panic's location, or else the class with the keys the mutations touched.
    fn failing(&self) -> Option<(&'static str, &Outcome, String)> {
        let (stage, o) = if self.validate.class.hard() {
            ("validate", &self.validate)
        } else {
            ("run", self.run.as_ref().filter(|r| r.class.hard())?)
        };
        let at = o
            .stderr
            .lines()
            .find_map(|l| l.split_once("panicked at ").map(|x| x.1.to_string()))
            .or_else(|| {
                // The innermost frame of triad's own code in the backtrace, with its line.
                let lines: Vec<&str> = o.stderr.lines().collect();
                let i = lines.iter().position(|l| {
                    l.contains(": triad::")
                        && !l.contains("triad::main")
                        && !l.contains("triad::run")
                })?;
                let f = lines[i].split_once(": ").map_or("", |x| x.1);
                let at = lines
                    .get(i + 1)
                    .and_then(|l| l.trim().strip_prefix("at "))
                    .and_then(|l| l.find("src/").map(|p| &l[p..]))
                    .unwrap_or("");
                Some(format!("in {f} ({at})"))
            });
        let sig = format!(
            "{stage} {}: {}",
            o.class.name(),
            at.unwrap_or_else(|| self.touched())
        );
        Some((stage, o, sig))
    }

    /// The mutations applied and the keys they touched, without the values.
    fn touched(&self) -> String {
        let keys: Vec<String> = self
            .ops
            .iter()
            .map(|op| {
                let (name, rest) = op.split_once(": ").unwrap_or((op, ""));
                let key = rest.split([' ', '=']).next().unwrap_or("");
                format!("{name} {key}")
            })
            .collect();
        keys.join(", ")
    }
}

fn run_case(set: &Settings, work: &Path, case: &Case) -> CaseResult {
    let (file, src) = match (&case.special, case.src) {
        (Some(p), _) => (p.clone(), "-".to_string()),
        (None, Some(src)) => {
            let dir = work.join("scenarios").join(src.rel.parent().unwrap());
            let name = format!(
                "fz{}_{:04}_{}",
                case.row,
                case.idx,
                src.rel.file_name().unwrap().to_string_lossy()
            );
            let p = dir.join(name);
            fs::write(&p, &case.text).unwrap();
            (p, src.rel.display().to_string())
        }
        _ => unreachable!(),
    };
    let log = work.join("logs").join(format!("{}_{}", case.row, case.idx));
    let validate = exec(
        set,
        &["validate".to_string(), file.display().to_string()],
        work,
        &log,
    );
    // A plan is run on the shard of its first run; one that validate read as another
    // kind (a cut can turn a plan into a scenario) is not run as a plan.
    let runs = runs_of(&validate.stdout);
    let plan = matches!(case.kind, Kind::Sweep | Kind::Stress | Kind::Sensitivity);
    let runnable = case.kind != Kind::Special && (runs.is_some() || !plan);
    let run = (validate.class == Class::Exit(0) && runnable).then(|| {
        let out = work.join("out").join(format!("{}_{}", case.row, case.idx));
        let args = case.kind.run_args(&file, &out, runs.unwrap_or(1));
        let o = exec(set, &args, work, &log);
        let _ = fs::remove_dir_all(&out);
        o
    });
    if case.special.is_none() {
        let _ = fs::remove_file(&file);
    }
    let mut r = CaseResult {
        kind: case.kind,
        row: case.row,
        idx: case.idx,
        src,
        ops: case.ops.clone(),
        validate,
        run,
        text: None,
    };
    if r.hard() || r.unlocated() || r.refused_after_ok() {
        r.text = Some(case.text.clone());
    }
    r
}

// ---------------------------------------------------------------------------------------
// The report.

#[derive(Default)]
struct Counts {
    cases: usize,
    validate: [usize; 4],
    run: [usize; 4],
    hard: usize,
    unlocated: usize,
    refused_after_ok: usize,
    raw_control: usize,
    secs: f64,
}

/// The rows of the report: the four file kinds, the pinned reproducers, the odd inputs.
const ROWS: [&str; 7] = [
    "scenario",
    "sweep",
    "stress",
    "sensitivity",
    "search",
    "pinned",
    "special",
];

fn rank(row: &str) -> usize {
    ROWS.iter().position(|r| *r == row).unwrap()
}

fn slot(c: &Class) -> usize {
    match c {
        Class::Exit(c @ 0..=2) => *c as usize,
        _ => 3,
    }
}

fn table(results: &[CaseResult]) -> String {
    let mut by: BTreeMap<usize, Counts> = BTreeMap::new();
    for r in results {
        let c = by.entry(rank(r.row)).or_default();
        c.cases += 1;
        c.validate[slot(&r.validate.class)] += 1;
        c.secs += r.validate.secs;
        if let Some(o) = &r.run {
            c.run[slot(&o.class)] += 1;
            c.secs += o.secs;
        }
        c.hard += r.hard() as usize;
        c.unlocated += r.unlocated() as usize;
        c.refused_after_ok += r.refused_after_ok() as usize;
        c.raw_control += r.raw_control() as usize;
    }
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{:<9} {:>5} | {:>25} | {:>25} | {:>5} {:>9} {:>9} {:>8} {:>6}",
        "",
        "",
        "validate exit",
        "run exit (if valid)",
        "hard",
        "unlocated",
        "valid but",
        "raw ctrl",
        "time"
    );
    let _ = writeln!(
        t,
        "{:<9} {:>5} | {:>5} {:>5} {:>5} {:>7} | {:>5} {:>5} {:>5} {:>7} | {:>5} {:>9} {:>9} {:>8} {:>6}",
        "kind",
        "cases",
        "0",
        "1",
        "2",
        "other",
        "0",
        "1",
        "2",
        "other",
        "finds",
        "errors",
        "run: 2",
        "in msg",
        "s"
    );
    for (&k, c) in &by {
        let _ = writeln!(
            t,
            "{:<9} {:>5} | {:>5} {:>5} {:>5} {:>7} | {:>5} {:>5} {:>5} {:>7} | {:>5} {:>9} {:>9} {:>8} {:>6.0}",
            ROWS[k],
            c.cases,
            c.validate[0],
            c.validate[1],
            c.validate[2],
            c.validate[3],
            c.run[0],
            c.run[1],
            c.run[2],
            c.run[3],
            c.hard,
            c.unlocated,
            c.refused_after_ok,
            c.raw_control,
            c.secs
        );
    }
    t
}

/// Writes a finding's file and its account to `dir`; returns the file's path.
fn save(dir: &Path, r: &CaseResult, what: &str, o: &Outcome) -> PathBuf {
    let base = format!("{}-{:04}-{}", r.row, r.idx, what.replace(' ', "_"));
    let file = dir.join(format!("{base}.toml"));
    let special = r.kind == Kind::Special;
    if let (Some(t), false) = (&r.text, special) {
        let _ = fs::write(&file, t);
    }
    let mut note = String::new();
    let _ = writeln!(
        note,
        "kind: {}  case: {}  source: scenarios/{}",
        r.row, r.idx, r.src
    );
    let _ = writeln!(
        note,
        "replay: TRIAD_FUZZ_ONLY={}:{} cargo test --release --test it fuzz_inputs -- --ignored --nocapture",
        r.row, r.idx
    );
    if !special {
        let _ = writeln!(
            note,
            "or by hand, from the repository: copy {base}.toml to the path in the command \
             (beside its source, so relative `base` paths resolve) and run the command",
        );
    }
    let _ = writeln!(note, "mutations:");
    for op in &r.ops {
        let _ = writeln!(note, "  {op}");
    }
    let _ = writeln!(note, "command: {}", o.cmd);
    let _ = writeln!(
        note,
        "outcome: {} ({}) after {:.2} s",
        o.class.name(),
        o.status,
        o.secs
    );
    let _ = writeln!(note, "stderr:\n{}", o.stderr);
    let _ = fs::write(dir.join(format!("{base}.txt")), note);
    file
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn first_line(s: &str) -> String {
    let line = s.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    show_max(line.as_bytes(), 240)
}

#[test]
#[ignore = "minutes in release: cargo test --release --test it fuzz_inputs -- --ignored"]
fn fuzz_inputs() {
    let cases: usize = env_or("TRIAD_FUZZ_CASES", 500);
    let seed: u64 = env_or("TRIAD_FUZZ_SEED", 1);
    let jobs: usize = env_or("TRIAD_FUZZ_JOBS", 2).max(1);
    let set = Settings {
        bin: PathBuf::from(env!("CARGO_BIN_EXE_triad")),
        timeout: Duration::from_secs_f64(env_or("TRIAD_FUZZ_TIMEOUT", 6.0)),
        mem_kb: env_or("TRIAD_FUZZ_MEM_MB", 2048u64) * 1024,
    };
    let rows: Vec<&str> = match std::env::var("TRIAD_FUZZ_KINDS") {
        Ok(v) => ROWS
            .into_iter()
            .filter(|r| v.split(',').any(|x| x.trim() == *r))
            .collect(),
        Err(_) => ROWS.to_vec(),
    };
    let only: Option<(String, usize)> = std::env::var("TRIAD_FUZZ_ONLY").ok().map(|v| {
        let (k, i) = v.split_once(':').expect("TRIAD_FUZZ_ONLY=kind:index");
        (
            k.to_string(),
            i.parse().expect("TRIAD_FUZZ_ONLY=kind:index"),
        )
    });

    let work = tempfile::Builder::new()
        .prefix("triad-fuzz-")
        .tempdir()
        .unwrap();
    let srcs = sources();
    for s in &srcs {
        let p = work.path().join("scenarios").join(&s.rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, &s.text).unwrap();
    }
    fs::create_dir_all(work.path().join("logs")).unwrap();
    for k in Kind::FILES {
        assert!(
            srcs.iter().any(|s| s.kind == k),
            "no shipped {} file to mutate",
            k.name()
        );
    }

    let mut plan: Vec<Case> = Vec::new();
    for row in rows {
        match row {
            "pinned" => plan.extend(pinned_cases(&srcs)),
            "special" => plan.extend(special_cases(work.path())),
            _ => {
                let k = Kind::FILES.into_iter().find(|k| k.name() == row).unwrap();
                plan.extend((0..cases).map(|i| make_case(&srcs, k, i, seed)));
            }
        }
    }
    if let Some((k, i)) = &only {
        plan.retain(|c| c.row == k && c.idx == *i);
        for op in plan.iter().flat_map(|c| &c.ops) {
            println!("mutation: {op}");
        }
    }

    let clock = Instant::now();
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = plan.get(i) else { break };
                    let r = run_case(&set, work.path(), case);
                    results.lock().unwrap().push(r);
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|r| (rank(r.row), r.idx));

    let findings = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("fuzz-findings");
    let _ = fs::remove_dir_all(&findings);
    fs::create_dir_all(&findings).unwrap();

    let mut report = format!(
        "triad input fuzzing: seed {seed}, {cases} mutations per kind, {jobs} jobs, timeout {:?} of CPU, \
         memory limit {} MiB, {:.0} s\n\n",
        set.timeout,
        set.mem_kb / 1024,
        clock.elapsed().as_secs_f64()
    );
    report += &table(&results);

    // Hard findings: every one saved, grouped by signature.
    let mut groups: BTreeMap<String, Vec<&CaseResult>> = BTreeMap::new();
    for r in &results {
        if let Some((_, _, sig)) = r.failing() {
            groups
                .entry(format!("{} {sig}", r.row))
                .or_default()
                .push(r);
        }
    }
    let hard: usize = groups.values().map(Vec::len).sum();
    let _ = writeln!(
        report,
        "\n{hard} hard findings (panic, abort, signal, timeout, out of memory), {} distinct:",
        groups.len()
    );
    for (sig, rs) in &groups {
        let _ = writeln!(report, "\n* {sig}  [{} cases]", rs.len());
        for r in rs {
            let (stage, o, _) = r.failing().unwrap();
            let p = save(&findings, r, &format!("{stage}-{}", o.class.name()), o);
            if std::ptr::eq(*r, rs[0]) || rs.len() <= 3 {
                let _ = writeln!(
                    report,
                    "    {} #{} ({}): {}\n      {} -> {} in {:.1} s: {}\n      saved: {}",
                    r.row,
                    r.idx,
                    r.src,
                    r.ops.join("; "),
                    o.cmd,
                    o.class.name(),
                    o.secs,
                    first_line(&o.stderr),
                    p.display()
                );
            }
        }
    }

    // Soft findings: the first few of each sort.
    type Soft = (&'static str, fn(&CaseResult) -> bool);
    let soft: [Soft; 3] = [
        ("refusals without file:line:col", CaseResult::unlocated),
        (
            "files `validate` accepts that the run refuses (exit 2)",
            CaseResult::refused_after_ok,
        ),
        (
            "raw control characters in error messages",
            CaseResult::raw_control,
        ),
    ];
    for (what, f) in soft {
        let rs: Vec<&CaseResult> = results.iter().filter(|r| f(r)).collect();
        let _ = writeln!(
            report,
            "\n{} {what} (not failing the test); the first ones:",
            rs.len()
        );
        let mut seen = std::collections::BTreeSet::new();
        for r in rs {
            let o = r
                .run
                .as_ref()
                .filter(|_| r.refused_after_ok())
                .unwrap_or(&r.validate);
            let line = first_line(&o.stderr);
            if seen.len() >= 8 || !seen.insert((r.row, r.touched())) {
                continue;
            }
            let p = save(&findings, r, "soft", o);
            let _ = writeln!(
                report,
                "    {} #{}: {}\n      {}\n      saved: {}",
                r.row,
                r.idx,
                r.ops.join("; "),
                line,
                p.display()
            );
        }
    }
    let _ = fs::write(findings.join("summary.txt"), &report);
    println!("{report}");
    assert!(
        hard == 0,
        "{hard} hard findings; see the table above and {}",
        findings.display()
    );
}
