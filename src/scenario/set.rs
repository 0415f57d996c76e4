//! `--set path=value`: changes to a scenario given on the command line.
//!
//! A path is dotted as a sweep axis's (`budget`, `policy.shares.evolver`, `tiers.0.skill`);
//! a value is a TOML literal (`0.3`, `true`, `"static"`, `[1, 2]`), and a bare word that is
//! no TOML literal is taken as a string (`--set policy.kind=static`). The changes are made
//! on the parsed TOML table before it is validated ([`Overrides::apply`]), in the order
//! given, so a problem of the file stays located in the file, and a problem of a change is
//! located in the `--set` arguments: `--set:K:COL: message`, K counting the `--set`
//! arguments from 1. An unknown path gets the message a bad sweep axis gets. `budget` and
//! `budget_per_day` are alternatives: setting one drops the other from the file's table.
//!
//! Commands that read the scenario file themselves apply the changes explicitly (`run`,
//! sweeps and stress plans, to their base). A command whose scenario file is read deep
//! inside a check or a fit (`check-claim`, `calibrate`) registers the changes for that
//! file ([`install`]); every later [`super::load`] of that file then applies them.

use super::source::{InputError, Problem, Source};
use crate::base::Issue;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The name `--set` problems are located in.
pub const ARGS: &str = "--set";

/// Changes to a scenario, from `--set path=value` arguments, in the order given.
#[derive(Debug, Clone)]
pub struct Overrides {
    /// The arguments, one per line: where problems are located.
    src: Source,
    items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
struct Item {
    path: String,
    value: toml::Value,
    /// Byte offset of the argument's start in `src`.
    start: usize,
    /// Byte offset of its value in `src`.
    value_at: usize,
}

impl Default for Overrides {
    fn default() -> Self {
        Overrides {
            src: Source::from_text(ARGS, ""),
            items: Vec::new(),
        }
    }
}

impl PartialEq for Overrides {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

impl Overrides {
    /// Reads `--set` arguments (`path=value` each); every malformed one is a problem
    /// located at its argument.
    pub fn parse(args: &[String]) -> Result<Overrides, InputError> {
        let text = args.join("\n");
        let src = Source::from_text(ARGS, text);
        let mut items = Vec::new();
        let mut problems = Vec::new();
        let mut start = 0;
        for (k, arg) in args.iter().enumerate() {
            let here = start;
            start += arg.len() + 1;
            let problem = |col: usize, message: String| Problem {
                line: k + 1,
                col,
                message,
            };
            if arg.contains('\n') {
                problems.push(problem(1, "a --set argument is one line".into()));
                continue;
            }
            let Some((path, value)) = arg.split_once('=') else {
                problems.push(problem(
                    1,
                    format!(
                        "expected `path=value` (e.g. `budget=90` or `policy.shares.evolver=0.3`), \
                         got `{arg}`"
                    ),
                ));
                continue;
            };
            let path = path.trim();
            let bad_part = path.split('.').any(|p| {
                p.is_empty()
                    || !p
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
            if bad_part {
                problems.push(problem(
                    1,
                    format!(
                        "`{path}` is not a dotted path of keys and array indices \
                         (e.g. `workload.arrival_per_hour`, `tiers.0.skill`)"
                    ),
                ));
                continue;
            }
            let value_at = here + arg.len() - value.len();
            match literal(value) {
                Ok(v) => items.push(Item {
                    path: path.to_string(),
                    value: v,
                    start: here,
                    value_at,
                }),
                Err(m) => {
                    let col = src.line_col(value_at).1;
                    problems.push(problem(col, m));
                }
            }
        }
        if problems.is_empty() {
            Ok(Overrides { src, items })
        } else {
            Err(InputError {
                file: ARGS.into(),
                problems,
            })
        }
    }

    /// Whether there are no changes.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The changes as `path = value` (TOML), in order: what a manifest records.
    pub fn describe(&self) -> Vec<String> {
        self.items
            .iter()
            .map(|i| format!("{} = {}", i.path, i.value))
            .collect()
    }

    /// Makes the changes on a scenario table and checks them: a path that cannot be set,
    /// an unknown key, or a value the scenario refuses is a problem located at its `--set`
    /// argument. Problems of the rest of the table are left to the caller's validation, to
    /// be located in its file.
    pub fn apply(&self, table: &mut toml::Table) -> Result<(), InputError> {
        if self.items.is_empty() {
            return Ok(());
        }
        let mut problems = Vec::new();
        for it in &self.items {
            // `budget` and `budget_per_day` are alternatives: setting one replaces the other.
            let other = match it.path.as_str() {
                "budget" => Some("budget_per_day"),
                "budget_per_day" => Some("budget"),
                _ => None,
            };
            if let Some(o) = other
                && !self.items.iter().any(|x| x.path == o)
            {
                table.remove(o);
            }
            complete_policy_table(table, &it.path);
            if let Err(m) = set_path(table, &it.path, it.value.clone()) {
                problems.push(self.problem(it.start, m));
            }
        }
        if problems.is_empty()
            && let Err(issues) = super::check_table(table)
        {
            for i in &issues {
                // The last change decides a path set twice.
                let Some(it) = self
                    .items
                    .iter()
                    .rev()
                    .find(|it| related(&i.path, &it.path))
                else {
                    continue;
                };
                problems.push(self.problem_of(it, i));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(InputError {
                file: ARGS.into(),
                problems,
            }
            .sorted())
        }
    }

    fn problem(&self, at: usize, message: String) -> Problem {
        let (line, col) = self.src.line_col(at);
        Problem { line, col, message }
    }

    /// An issue of the changed scenario, worded as a sweep axis's: `"path": unknown
    /// field ...` for an unknown key, `path = value: message` for a refused value.
    fn problem_of(&self, it: &Item, i: &Issue) -> Problem {
        if i.message.starts_with("unknown field") {
            self.problem(it.start, format!("{:?}: {}", it.path, i.message))
        } else if i.path == it.path {
            self.problem(
                it.value_at,
                format!("{} = {}: {}", it.path, it.value, i.message),
            )
        } else {
            self.problem(
                it.value_at,
                format!("{} = {}: {}", it.path, it.value, super::describe(i)),
            )
        }
    }
}

/// Before a change inside a policy sub-table the scenario does not write (e.g.
/// `policy.tiers.user` under a `[policy]` without `tiers`, or in a file without
/// `[policy]`), that sub-table is taken from the policy kind's defaults (`triad policies`),
/// so the change replaces one key and the others keep the values they had.
fn complete_policy_table(table: &mut toml::Table, path: &str) {
    let mut parts = path.split('.');
    let (Some("policy"), Some(sub), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    // A scenario without `[policy]` runs the default policy: written out whole, it keeps
    // meaning that.
    let policy = table.entry("policy").or_insert_with(|| {
        let default = crate::policy::PolicyConfig::default();
        let mut t = default.to_table().unwrap_or_default();
        t.insert("kind".into(), toml::Value::String(default.kind().into()));
        toml::Value::Table(t)
    });
    let toml::Value::Table(policy) = policy else {
        return;
    };
    if policy.contains_key(sub) {
        return;
    }
    let Some(kind) = policy.get("kind").and_then(|k| k.as_str()) else {
        return;
    };
    if let Some(v) = crate::policy::BuiltIn::find(kind).and_then(|b| b.defaults().remove(sub)) {
        policy.insert(sub.to_string(), v);
    }
}

/// Whether an issue at `issue` can be the doing of a change at `path`: the same key, a key
/// inside the value it set, or a table holding it.
fn related(issue: &str, path: &str) -> bool {
    issue == path
        || issue.starts_with(&format!("{path}."))
        || path.starts_with(&format!("{issue}."))
}

/// A value written after `=`: a TOML literal, or a bare word taken as a string.
fn literal(text: &str) -> Result<toml::Value, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("expected a value after `=` (a TOML literal: 0.3, true, \"static\")".into());
    }
    match toml::from_str::<toml::Table>(&format!("v = {text}")) {
        Ok(mut t) => Ok(t.remove("v").unwrap_or(toml::Value::Boolean(false))),
        Err(_)
            if text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c)) =>
        {
            Ok(toml::Value::String(text.to_string()))
        }
        Err(e) => Err(format!(
            "`{text}` is not a TOML value: {}",
            super::source::clean(e.message()).trim()
        )),
    }
}

/// Sets the value at a dotted `path` in `table`, creating missing tables on the way; array
/// elements are addressed by index. A parent that exists but is neither a table nor an
/// array is an error.
pub fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let mut root = toml::Value::Table(std::mem::take(table));
    let r = set_in(&mut root, path, value);
    if let toml::Value::Table(t) = root {
        *table = t;
    }
    r
}

fn set_in(root: &mut toml::Value, path: &str, value: toml::Value) -> Result<(), String> {
    let parts: Vec<&str> = path.split('.').collect();
    let mut cur = root;
    let mut walked = String::new();
    for (k, part) in parts.iter().enumerate() {
        let last = k + 1 == parts.len();
        let here = walked.clone();
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(part);
        cur = match cur {
            toml::Value::Table(t) => {
                if last {
                    t.insert(part.to_string(), value);
                    return Ok(());
                }
                t.entry(part.to_string())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            }
            toml::Value::Array(a) => {
                let Some(i) = part.parse::<usize>().ok().filter(|&i| i < a.len()) else {
                    return Err(format!(
                        "`{here}` is an array of {} elements; `{part}` is not an index into it",
                        a.len()
                    ));
                };
                if last {
                    a[i] = value;
                    return Ok(());
                }
                &mut a[i]
            }
            other => {
                return Err(format!(
                    "the parent `{here}` of `{path}` is a {} in the scenario, not a table",
                    other.type_str()
                ));
            }
        };
    }
    Ok(())
}

/// Changes registered for scenario files, by canonical path ([`install`]).
static INSTALLED: Mutex<Vec<(PathBuf, Overrides)>> = Mutex::new(Vec::new());

fn key(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Registers `set` for the scenario file at `path`: every later [`super::load`] of that
/// file in this process applies it. For commands whose file is read deep inside their work
/// (`check-claim`, `calibrate`'s base); empty changes register nothing and forget what an
/// earlier call registered for the file (a process that checks the same file twice, as the
/// Python module's, loads it the second time with the second call's changes only).
pub fn install(path: &Path, set: Overrides) {
    let k = key(path);
    let mut g = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    g.retain(|(p, _)| *p != k);
    if !set.is_empty() {
        g.push((k, set));
    }
}

/// The changes registered for the file at `path`, if any.
pub(super) fn installed(path: &Path) -> Option<Overrides> {
    let g = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    if g.is_empty() {
        return None;
    }
    let k = key(path);
    g.iter().find(|(p, _)| *p == k).map(|(_, s)| s.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn set_path_creates_tables_and_refuses_scalars() {
        let mut t: toml::Table = toml::from_str("a = 1\n[b]\nc = [1, 2]\n").unwrap();
        set_path(&mut t, "x.y.z", toml::Value::Integer(4)).unwrap();
        set_path(&mut t, "b.c.1", toml::Value::Integer(9)).unwrap();
        assert_eq!(t["x"]["y"]["z"].as_integer(), Some(4));
        assert_eq!(t["b"]["c"][1].as_integer(), Some(9));
        assert!(set_path(&mut t, "a.q", toml::Value::Integer(1)).is_err());
        assert!(set_path(&mut t, "b.c.7", toml::Value::Integer(1)).is_err());
    }

    #[test]
    fn values_are_toml_literals_or_bare_words() {
        let o = Overrides::parse(&args(&[
            "budget=90",
            "policy.kind=static",
            "x=\"a b\"",
            "y=[1, 2]",
        ]))
        .unwrap();
        assert_eq!(
            o.describe(),
            [
                "budget = 90",
                "policy.kind = \"static\"",
                "x = \"a b\"",
                "y = [1, 2]"
            ]
        );
    }

    #[test]
    fn malformed_arguments_are_located_at_their_argument() {
        let e = Overrides::parse(&args(&["budget=1", "budget", "a..b=1", "c=[1,"])).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("--set:2:1: expected `path=value`"), "{text}");
        assert!(
            text.contains("--set:3:1: `a..b` is not a dotted path"),
            "{text}"
        );
        assert!(
            text.contains("--set:4:3: `[1,` is not a TOML value"),
            "{text}"
        );
    }

    #[test]
    fn changes_are_checked_against_the_scenario() {
        let mut t = toml::Table::new();
        let o = Overrides::parse(&args(&["budgte=1", "budget=-2", "seed=3"])).unwrap();
        let e = o.apply(&mut t).unwrap_err().to_string();
        assert!(
            e.contains("--set:1:1: \"budgte\": unknown field `budgte`"),
            "{e}"
        );
        let mut t = toml::Table::new();
        let o = Overrides::parse(&args(&["seed=3", "budget=-2"])).unwrap();
        let e = o.apply(&mut t).unwrap_err().to_string();
        assert!(e.contains("--set:2:8: budget = -2: must be > 0"), "{e}");
        let mut t = toml::Table::new();
        let o = Overrides::parse(&args(&["budget=5.5"])).unwrap();
        o.apply(&mut t).unwrap();
        assert_eq!(t["budget"].as_float(), Some(5.5));
        let o = Overrides::parse(&args(&["budget_per_day=2.0"])).unwrap();
        o.apply(&mut t).unwrap();
        assert!(!t.contains_key("budget"), "one budget replaces the other");
    }
}
