//! Input files and located problems: every error names the file, line and column.

use crate::base::fmt::escape;
use serde::de::DeserializeOwned;
use std::fmt;
use std::path::Path;

pub(super) use crate::base::Issue;
use toml::de::{DeTable, DeValue};

/// One problem in an input file, at a line and column (both from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub col: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

/// Every problem found in one input file. Its `Display` prints one `file:line:col: message`
/// per problem, the format editors and terminals link to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InputError {
    /// The file as the user named it.
    pub file: String,
    /// The problems, in the order of the file.
    pub problems: Vec<Problem>,
}

impl fmt::Display for InputError {
    /// User text (file names, keys, values) is escaped: a control character in a file
    /// never reaches the terminal raw.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = escape(&self.file);
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{file}:{}:{}: {}", p.line, p.col, escape(&p.message))?;
        }
        Ok(())
    }
}

impl InputError {
    /// The problems sorted in file order, duplicates dropped.
    pub fn sorted(mut self) -> InputError {
        self.problems.sort_by_key(|a| (a.line, a.col));
        self.problems.dedup();
        self
    }
}

/// Problems in several input files: a sweep or stress file and the base scenario file it
/// names. Printed like [`InputError`], file after file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InputErrors(pub Vec<InputError>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl InputErrors {
    /// Every problem, with its file.
    pub fn problems(&self) -> impl Iterator<Item = (&str, &Problem)> {
        self.0
            .iter()
            .flat_map(|e| e.problems.iter().map(move |p| (e.file.as_str(), p)))
    }

    /// How many problems there are.
    pub fn count(&self) -> usize {
        self.0.iter().map(|e| e.problems.len()).sum()
    }
}

impl From<InputError> for InputErrors {
    fn from(e: InputError) -> Self {
        InputErrors(vec![e])
    }
}

/// The text of an input file and its name, able to turn spans and dotted paths into lines
/// and columns.
#[derive(Debug, Clone)]
pub struct Source {
    name: String,
    text: String,
}

impl Source {
    /// Reads `path`; an unreadable file is an [`InputError`] at 1:1.
    pub fn read(path: &Path) -> Result<Source, InputError> {
        let name = path.display().to_string();
        match read_bounded(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Ok(Source { name, text }),
                Err(e) => {
                    let off = e.utf8_error().valid_up_to();
                    let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                    let src = Source { name, text };
                    Err(src.error_at_offset(
                        off,
                        "the file is not valid UTF-8 text; TOML files must be UTF-8",
                    ))
                }
            },
            Err(e) => Err(InputError {
                file: name,
                problems: vec![Problem {
                    line: 1,
                    col: 1,
                    message: format!("cannot read the file: {e}"),
                }],
            }),
        }
    }

    /// A source from text in memory, named `name` in messages.
    pub fn from_text(name: impl Into<String>, text: impl Into<String>) -> Source {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    /// The name used in messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Line and column (from 1, column in characters) of byte offset `off`.
    pub fn line_col(&self, off: usize) -> (usize, usize) {
        let mut off = off.min(self.text.len());
        while !self.text.is_char_boundary(off) {
            off -= 1;
        }
        let before = &self.text[..off];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }

    /// An error with one problem at byte offset `off`.
    pub fn error_at_offset(&self, off: usize, message: impl Into<String>) -> InputError {
        let (line, col) = self.line_col(off);
        InputError {
            file: self.name.clone(),
            problems: vec![Problem {
                line,
                col,
                message: message.into(),
            }],
        }
    }

    /// Parses the TOML into `T` (serde); syntax errors, unknown keys and wrong types come
    /// back located.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, InputError> {
        toml::from_str(&self.text).map_err(|e| {
            let off = e.span().map_or(0, |s| s.start);
            self.error_at_offset(off, clean(e.message()))
        })
    }

    /// Parses the TOML into a plain table, located errors on bad syntax.
    pub fn table(&self) -> Result<toml::Table, InputError> {
        self.deserialize()
    }

    /// Byte offset of the value at a dotted `path`; where the path does not exist in the
    /// file (a default was used), the offset of its longest existing prefix, else 0.
    pub fn offset_of(&self, path: &str) -> usize {
        self.index().offset_of(path)
    }

    /// The file parsed once, to locate many paths ([`Index::offset_of`]) or name the key
    /// at an offset ([`Index::path_at`]); an empty index when the text is not TOML.
    pub fn index(&self) -> Index<'_> {
        Index {
            root: DeTable::parse(&self.text)
                .ok()
                .map(|t| toml::Spanned::new(t.span(), DeValue::Table(t.into_inner()))),
        }
    }

    /// Turns validation issues into one located error (in file order); the file is parsed
    /// once, however many issues there are.
    pub fn locate(&self, issues: &[Issue]) -> InputError {
        let index = self.index();
        let problems = issues
            .iter()
            .map(|i| {
                let (line, col) = self.line_col(index.offset_of(&i.path));
                let message = if i.path.is_empty() {
                    i.message.clone()
                } else {
                    format!("{}: {}", i.path, i.message)
                };
                Problem { line, col, message }
            })
            .collect();
        InputError {
            file: self.name.clone(),
            problems,
        }
        .sorted()
    }

    /// An error with one problem at the value of the dotted `key` (its longest existing
    /// prefix), the message as given.
    pub fn error_at_key(&self, key: &str, message: impl Into<String>) -> InputError {
        self.error_at_offset(self.offset_of(key), message)
    }
}

/// A parsed file that turns dotted paths into offsets and offsets into dotted paths.
#[derive(Debug)]
pub struct Index<'a> {
    root: Option<toml::Spanned<DeValue<'a>>>,
}

impl Index<'_> {
    /// Byte offset of the value at a dotted `path` (array elements by index); where the
    /// path does not exist, the offset of its longest existing prefix, else 0.
    pub fn offset_of(&self, path: &str) -> usize {
        let Some(mut cur) = self.root.as_ref() else {
            return 0;
        };
        let mut best = 0;
        for part in path.split('.').filter(|p| !p.is_empty()) {
            let next = match (cur.get_ref(), part.parse::<usize>()) {
                (DeValue::Array(a), Ok(i)) => a.get(i),
                (DeValue::Table(t), _) => t.get(part),
                _ => None,
            };
            match next {
                Some(v) => {
                    best = v.span().start;
                    cur = v;
                }
                None => break,
            }
        }
        best
    }

    /// The dotted path of the innermost key or array element whose key or value holds byte
    /// `at` (`""` for the top level). A table's span need not cover its keys (a `[table]`
    /// header's span is the header), so the search looks inside every table.
    pub fn path_at(&self, at: usize) -> String {
        fn find(v: &toml::Spanned<DeValue<'_>>, at: usize, parts: &mut Vec<String>) -> bool {
            match v.get_ref() {
                DeValue::Table(t) => {
                    for (k, x) in t.iter() {
                        parts.push(k.get_ref().to_string());
                        if k.span().contains(&at) || find(x, at, parts) {
                            return true;
                        }
                        parts.pop();
                    }
                    v.span().contains(&at) && !parts.is_empty()
                }
                DeValue::Array(a) => {
                    for (i, x) in a.iter().enumerate() {
                        parts.push(i.to_string());
                        if find(x, at, parts) {
                            return true;
                        }
                        parts.pop();
                    }
                    v.span().contains(&at)
                }
                _ => v.span().contains(&at),
            }
        }
        let mut parts = Vec::new();
        if let Some(root) = &self.root {
            let DeValue::Table(t) = root.get_ref() else {
                return String::new();
            };
            for (k, x) in t.iter() {
                parts.push(k.get_ref().to_string());
                if k.span().contains(&at) || find(x, at, &mut parts) {
                    return parts.join(".");
                }
                parts.pop();
            }
        }
        String::new()
    }
}

/// Largest input file read, in bytes: far above any real scenario or plan, and small
/// enough that `triad validate /dev/zero` ends at once.
pub(super) const MAX_INPUT_BYTES: u64 = 16 << 20;

/// The bytes of `path`, refusing a file longer than [`MAX_INPUT_BYTES`].
fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(std::io::Error::other(format!(
            "the file is longer than {} MiB; input files are TOML text",
            MAX_INPUT_BYTES >> 20
        )));
    }
    Ok(bytes)
}

/// toml's messages end with a newline and sometimes repeat themselves; keep one clean line.
pub(super) fn clean(m: &str) -> String {
    let m = m.trim().replace('\n', "; ");
    if m == "missing field `kind`" {
        return format!(
            "{m}: a [policy] table names its kind first, e.g. kind = \"static\" (`triad policies` lists them)"
        );
    }
    if let Some(s) = unknown_field(&m) {
        return s;
    }
    for (rust, words) in TYPE_WORDS {
        if let Some(head) = m.strip_suffix(&format!("expected {rust}")) {
            return format!("{head}expected {words}");
        }
    }
    m
}

/// serde's names of the value types, in words a scenario author reads.
const TYPE_WORDS: [(&str, &str); 8] = [
    ("f64", "a number"),
    ("u32", "a whole number from 0 to 4294967295"),
    ("u64", "a whole number from 0 to 18446744073709551615"),
    ("usize", "a whole number of at least 0"),
    ("i64", "a whole number"),
    ("a boolean", "true or false"),
    ("a string", "a string in quotes"),
    ("a sequence", "an array, e.g. [1, 2]"),
];

/// "unknown field `budgte`, expected one of `a`, `b`": adds the closest known key.
fn unknown_field(m: &str) -> Option<String> {
    let rest = m.strip_prefix("unknown field `")?;
    let (key, rest) = rest.split_once('`')?;
    let known: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let best = known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(key, k), *k))
        .min()
        .filter(|(d, k)| *d <= 2.max(k.len() / 3));
    Some(match best {
        Some((_, k)) => format!("{m}; did you mean `{k}`?"),
        None => m.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_dotted_paths_and_falls_back_to_prefixes() {
        let src = Source::from_text("x.toml", "a = 1\n[b]\nc = [1, 2, {d = 3}]\n");
        assert_eq!(src.line_col(src.offset_of("a")), (1, 5));
        assert_eq!(src.line_col(src.offset_of("b.c.2.d")), (3, 17));
        // Missing key: the nearest existing parent.
        assert_eq!(
            src.line_col(src.offset_of("b.c.9")),
            src.line_col(src.offset_of("b.c"))
        );
        let err = src.locate(&[Issue::new("b.c.1", "must be odd")]);
        assert_eq!(err.to_string(), "x.toml:3:9: b.c.1: must be odd");
    }

    #[test]
    fn offsets_name_their_keys() {
        let src = Source::from_text("x.toml", "a = 1\n[b]\nc = [1, {d = 3}]\n[[e]]\nf = 2\n");
        let index = src.index();
        for path in ["a", "b.c", "b.c.1.d", "e.0.f"] {
            assert_eq!(index.path_at(index.offset_of(path)), path);
        }
        // A key's own text names it too.
        assert_eq!(index.path_at(src.text().find("f =").unwrap()), "e.0.f");
        assert_eq!(index.path_at(usize::MAX), "");
    }

    #[test]
    fn syntax_errors_are_located() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct S {
            a: f64,
        }
        let e = Source::from_text("s.toml", "a = 1.0\nb = 2\n")
            .deserialize::<S>()
            .unwrap_err();
        assert_eq!(e.problems[0].line, 2, "{e}");
        let e = Source::from_text("s.toml", "a = \n")
            .deserialize::<S>()
            .unwrap_err();
        assert_eq!(e.problems[0].line, 1, "{e}");
    }
}
