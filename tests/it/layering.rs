//! Imports point one way: every `crate::X` path in `src/` names a module at or below the
//! layer of the file's own top-level module, so each layer can be read, tested and changed
//! without the ones above it.
//!
//! The order, lowest first (see [`LAYERS`]): base <- engine <- model <- policy <- scenario
//! <- sweep <- report <- {stress, claims, calibrate, optimize, sensitivity} <- commands. The
//! modules of one rank are independent and do not use each other. `lib.rs` and `main.rs`
//! (and the binary's own modules, declared in `main.rs`) are exempt: the binary may use
//! anything through `triad::`; any other file is checked, `src/output.rs` as module
//! `output`. A `#[macro_export]` macro counts as part of the module that defines it. A
//! module missing from the order is an error, so a new module is placed in it on purpose.
//! Comments and string literals are skipped; `super::` chains that climb out of the
//! top-level module are judged like `crate::` paths, and fail even when they point down:
//! a path that leaves its module starts with `crate::`, where this check can see it.

use std::path::Path;

/// The layers, lowest first: a module may use modules of a lower rank, never of a higher
/// one, and never another module of its own rank.
const LAYERS: &[(&str, u8)] = &[
    ("base", 0),
    ("engine", 1),
    ("model", 2),
    ("policy", 3),
    ("scenario", 4),
    ("sweep", 5),
    ("report", 6),
    ("stress", 7),
    ("claims", 7),
    ("calibrate", 7),
    ("optimize", 7),
    ("sensitivity", 7),
    ("commands", 8),
];

fn rank(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|&(_, r)| r)
}

/// Every import or path in `files` (`(path, text)`, paths like `src/model/world.rs`) that
/// points up the layer order, into a sibling of the same rank, to a module missing from the
/// order, or out of its top-level module through `super::super::`; one line each, as
/// `src/model/world.rs:12: model -> policy (model sits below policy)`.
fn violations(files: &[(String, String)]) -> Vec<String> {
    let binary_modules: Vec<String> = files
        .iter()
        .filter(|(p, _)| p == "src/main.rs")
        .flat_map(|(_, text)| declared_modules(text))
        .collect();
    // `#[macro_export]` macros live at the crate root but belong to the module that
    // defines them: `crate::say!` uses the module of `macro_rules! say`.
    let macros: Vec<(String, &str)> = files
        .iter()
        .filter_map(|(path, text)| Some((top_module(path)?, text)))
        .flat_map(|(top, text)| exported_macros(text).into_iter().map(move |m| (m, top)))
        .collect();
    let mut out = Vec::new();
    for (path, text) in files {
        let Some(top) = top_module(path) else {
            continue;
        };
        if binary_modules.iter().any(|m| m == top) {
            continue;
        }
        let parts: Vec<&str> = path["src/".len()..].split('/').collect();
        // How many modules deep the file sits: src/model/mod.rs and src/output.rs are 1,
        // src/model/world.rs is 2.
        let depth = if parts.last() == Some(&"mod.rs") {
            parts.len() - 1
        } else {
            parts.len()
        };
        for mut r in references(&scrub(text), depth) {
            if r.is_macro {
                match macros.iter().find(|(m, _)| *m == r.target) {
                    Some((_, home)) => r.target = home.to_string(),
                    None => continue, // defined in lib.rs: the root itself
                }
            }
            if let Some(msg) = judge(top, &r) {
                out.push(format!("{path}:{}: {msg}", r.line));
            }
        }
    }
    out
}

/// The top-level module of a file under `src/` (`src/model/world.rs` -> `model`,
/// `src/output.rs` -> `output`); `None` for the crate roots `lib.rs` and `main.rs` and
/// for files outside `src/`.
fn top_module(path: &str) -> Option<&str> {
    let rel = path.strip_prefix("src/")?;
    if rel == "lib.rs" || rel == "main.rs" {
        return None;
    }
    let first = rel.split('/').next()?;
    Some(first.strip_suffix(".rs").unwrap_or(first))
}

/// The names of the `#[macro_export] macro_rules! NAME` macros in `text`.
fn exported_macros(text: &str) -> Vec<String> {
    let toks = tokens(&scrub(text));
    let mut names = Vec::new();
    let mut exported = false;
    for (i, t) in toks.iter().enumerate() {
        if t.text == "macro_export" {
            exported = true;
        } else if exported
            && t.text == "macro_rules"
            && toks.get(i + 1).is_some_and(|t| t.text == "!")
        {
            if let Some(name) = toks.get(i + 2) {
                names.push(name.text.clone());
            }
            exported = false;
        }
    }
    names
}

/// A path that reaches the crate root and names the top-level module `target` there.
#[derive(Debug)]
struct Reference {
    target: String,
    line: usize,
    /// Reached through `super::` rather than `crate::`.
    via_super: bool,
    /// `crate::NAME!`: an exported macro, named by its own name until resolved.
    is_macro: bool,
}

fn judge(from: &str, r: &Reference) -> Option<String> {
    let to = r.target.as_str();
    if to == from {
        return None;
    }
    let why = match (rank(from), rank(to)) {
        _ if to == "*" => "a glob of the crate root hides which layers it uses".to_string(),
        (None, _) => format!("{from} is not in the layer order in tests/it/layering.rs"),
        (_, None) => format!("{to} is not in the layer order in tests/it/layering.rs"),
        (Some(a), Some(b)) if a < b => format!("{from} sits below {to}"),
        (Some(a), Some(b)) if a == b => {
            format!("{from} and {to} are independent modules of one layer")
        }
        _ if r.via_super => {
            format!("super::super leaves {from}: write crate::{to} so the layer check sees it")
        }
        _ => return None,
    };
    Some(format!("{from} -> {to} ({why})"))
}

/// The modules `main.rs` declares with `mod NAME;`: the binary's own, not the library's.
fn declared_modules(text: &str) -> Vec<String> {
    let toks = tokens(&scrub(text));
    toks.windows(3)
        .filter(|w| w[0].text == "mod" && w[2].text == ";")
        .map(|w| w[1].text.clone())
        .collect()
}

#[derive(Debug)]
struct Token {
    text: String,
    line: usize,
}

/// Identifiers, `::` and single punctuation characters, with their 1-based lines.
fn tokens(code: &str) -> Vec<Token> {
    let chars: Vec<char> = code.chars().collect();
    let mut toks = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if is_ident_char(c) {
            let start = i;
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            toks.push(Token { text, line });
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            toks.push(Token {
                text: "::".into(),
                line,
            });
            i += 2;
        } else {
            toks.push(Token {
                text: c.to_string(),
                line,
            });
            i += 1;
        }
    }
    toks
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every path in scrubbed `code` that reaches the crate root, from a file `depth` modules
/// deep: `crate::X`, the items of `crate::{X, Y::Z}`, and `super::` chains that climb out
/// of the top-level module (counting inline `mod name { ... }` blocks).
fn references(code: &str, depth: usize) -> Vec<Reference> {
    let toks = tokens(code);
    let text = |i: usize| toks.get(i).map_or("", |t| t.text.as_str());
    let mut refs = Vec::new();
    let mut braces = 0usize;
    // Brace depth inside each open inline module.
    let mut inline_mods: Vec<usize> = Vec::new();
    for i in 0..toks.len() {
        match text(i) {
            "{" => {
                braces += 1;
                if i >= 2 && text(i - 2) == "mod" {
                    inline_mods.push(braces);
                }
            }
            "}" => {
                if inline_mods.last() == Some(&braces) {
                    inline_mods.pop();
                }
                braces = braces.saturating_sub(1);
            }
            _ => {}
        }
        if i > 0 && text(i - 1) == "::" {
            continue; // not the start of a path
        }
        let (root_at, via_super) = if text(i) == "crate" && text(i + 1) == "::" {
            (i + 2, false)
        } else if text(i) == "super" && text(i + 1) == "::" {
            let mut j = i;
            while text(j) == "super" && text(j + 1) == "::" {
                j += 2;
            }
            if (j - i) / 2 < depth + inline_mods.len() {
                continue; // stays inside the top-level module
            }
            (j, true)
        } else {
            continue;
        };
        for at in root_items(&toks, root_at) {
            refs.push(Reference {
                target: toks[at].text.clone(),
                line: toks[at].line,
                via_super,
                is_macro: text(at + 1) == "!",
            });
        }
    }
    refs
}

/// The tokens naming top-level modules in a path that continues at `at` from the crate
/// root: the one identifier (`crate::model::x`) or the first of each item of a group
/// (`crate::{model::x, policy::{y, z}}`).
fn root_items(toks: &[Token], at: usize) -> Vec<usize> {
    let text = |i: usize| toks.get(i).map_or("", |t| t.text.as_str());
    if text(at) != "{" {
        return if text(at).is_empty() {
            vec![]
        } else {
            vec![at]
        };
    }
    let mut items = Vec::new();
    let (mut level, mut item_start) = (0usize, true);
    for i in at + 1..toks.len() {
        match text(i) {
            "{" => level += 1,
            "}" if level == 0 => break,
            "}" => level -= 1,
            "," if level == 0 => {
                item_start = true;
                continue;
            }
            t if item_start && level == 0 && t != "self" => items.push(i),
            _ => {}
        }
        item_start = false;
    }
    items
}

/// `text` with comments, string and character literals blanked out (newlines kept, so
/// lines still count right).
fn scrub(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, s: &[char]| {
        out.extend(s.iter().map(|&ch| if ch == '\n' { '\n' } else { ' ' }));
    };
    let ident_before = |i: usize| i > 0 && is_ident_char(c[i - 1]);
    let mut i = 0;
    while i < c.len() {
        let end = if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            let mut j = i;
            while j < c.len() && c[j] != '\n' {
                j += 1;
            }
            j
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let (mut j, mut open) = (i + 2, 1);
            while j < c.len() && open > 0 {
                if c[j] == '/' && c.get(j + 1) == Some(&'*') {
                    open += 1;
                    j += 2;
                } else if c[j] == '*' && c.get(j + 1) == Some(&'/') {
                    open -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            j
        } else if c[i] == 'r'
            && (!ident_before(i) || (c[i - 1] == 'b' && !ident_before(i - 1)))
            && matches!(c.get(i + 1), Some('"' | '#'))
        {
            // A raw string r"..." or r#"..."#; `r#ident` has no quote after the hashes.
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= c.len() {
                    break j;
                }
                if c[j] == '"' && (1..=hashes).all(|h| c.get(j + h) == Some(&'#')) {
                    break j + 1 + hashes;
                }
                j += 1;
            }
        } else if c[i] == '"' {
            let mut j = i + 1;
            while j < c.len() && c[j] != '"' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            (j + 1).min(c.len())
        } else if c[i] == '\'' && c.get(i + 1) == Some(&'\\') {
            let mut j = i + 2;
            while j < c.len() && c[j] != '\'' {
                j += 1;
            }
            (j + 1).min(c.len())
        } else if c[i] == '\'' && c.get(i + 2) == Some(&'\'') {
            i + 3 // a character literal such as '{'; otherwise a lifetime
        } else {
            out.push(c[i]);
            i += 1;
            continue;
        };
        blank(&mut out, &c[i..end]);
        i = end;
    }
    out
}

/// Every `.rs` file under `dir`, as (path relative to the crate root with `/`, text),
/// sorted by path.
fn rust_files(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(root, &p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let rel = p.strip_prefix(root).unwrap();
            let rel: Vec<_> = rel.iter().map(|s| s.to_string_lossy()).collect();
            let text = std::fs::read_to_string(&p).unwrap();
            out.push((rel.join("/"), text));
        }
    }
}

fn src_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(root, &root.join("src"), &mut files);
    files
}

#[test]
fn layering_points_one_way() {
    let found = violations(&src_files());
    assert!(
        found.is_empty(),
        "{} imports point up the layer order (base <- engine <- model <- policy <- scenario \
         <- sweep <- report <- {{stress, claims, calibrate, optimize, sensitivity}} <- \
         commands; see tests/it/layering.rs):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_checker_reads_the_real_source_tree() {
    let files = src_files();
    assert!(files.iter().any(|(p, _)| p == "src/lib.rs"));
    assert!(files.iter().any(|(p, _)| p == "src/engine/mod.rs"));
    // Whatever today's count, every message has the documented shape.
    for v in violations(&files) {
        assert!(
            v.starts_with("src/") && v.contains(".rs:") && v.contains(" -> "),
            "{v}"
        );
    }
}

mod checker {
    use super::*;

    fn check(files: &[(&str, &str)]) -> Vec<String> {
        let owned: Vec<(String, String)> = files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        violations(&owned)
    }

    #[test]
    fn an_upward_use_fails() {
        let v = check(&[(
            "src/engine/sim.rs",
            "use std::fmt;\nuse crate::model::World;\n",
        )]);
        assert_eq!(
            v,
            ["src/engine/sim.rs:2: engine -> model (engine sits below model)"]
        );
    }

    #[test]
    fn a_grouped_use_is_checked_item_by_item() {
        let v = check(&[(
            "src/model/world.rs",
            "use crate::{\n    engine::{Sim, Time},\n    policy::{self, Policy},\n    scenario::Issue,\n};\n",
        )]);
        assert_eq!(
            v,
            [
                "src/model/world.rs:3: model -> policy (model sits below policy)",
                "src/model/world.rs:4: model -> scenario (model sits below scenario)",
            ]
        );
    }

    #[test]
    fn an_inline_path_fails() {
        let v = check(&[(
            "src/policy/corpus.rs",
            "fn f() {\n    let s = crate::scenario::load(p);\n    let t = crate::model::tier::index(s);\n}\n",
        )]);
        assert_eq!(
            v,
            ["src/policy/corpus.rs:2: policy -> scenario (policy sits below scenario)"]
        );
    }

    #[test]
    fn siblings_of_one_rank_are_independent() {
        let v = check(&[
            ("src/stress/mod.rs", "use crate::claims::Verdict;\n"),
            ("src/claims/mod.rs", "use crate::report::markdown;\n"),
        ]);
        assert_eq!(
            v,
            [
                "src/stress/mod.rs:1: stress -> claims (stress and claims are independent modules of one layer)"
            ]
        );
    }

    #[test]
    fn downward_and_own_module_paths_pass() {
        let v = check(&[
            ("src/base/mod.rs", "pub mod stats;\n"),
            (
                "src/engine/sim.rs",
                "use crate::base::Issue;\nuse super::queue::Queue;\n",
            ),
            (
                "src/policy/static_policy.rs",
                "use crate::{base::Issue, engine::Time, model::{View, Plan}, policy::Registry};\n",
            ),
            (
                "src/sweep/plan.rs",
                "pub(crate) fn f() { crate::scenario::load(p) }\n",
            ),
            (
                "src/commands/run.rs",
                "use crate::{claims, stress, sweep, report};\n",
            ),
            ("src/stress/report.rs", "use crate::report::plot;\n"),
        ]);
        assert_eq!(v, Vec::<String>::new());
    }

    #[test]
    fn the_crate_roots_and_the_binary_are_exempt() {
        let v = check(&[
            ("src/lib.rs", "pub mod engine;\nuse crate::commands;\n"),
            (
                "src/main.rs",
                "mod cli;\nuse triad::commands;\nuse crate::cli::Cli;\n",
            ),
            ("src/cli.rs", "use crate::Command;\n"),
        ]);
        assert_eq!(v, Vec::<String>::new());
    }

    #[test]
    fn comments_and_strings_are_not_imports() {
        let code = r##"
// use crate::commands::run;
/// Calls [`crate::commands::run`].
//! crate::sweep
/* use crate::report; /* nested crate::claims */ still a comment crate::stress */
const A: &str = "use crate::commands;";
const B: &str = r#"crate::sweep::Plan "quoted" "#;
const C: &[u8] = b"crate::claims";
const D: char = '"';
fn e<'a>(x: &'a str) -> &'a str { x }
"##;
        assert_eq!(check(&[("src/engine/x.rs", code)]), Vec::<String>::new());
        // The same line after the strings is still seen.
        let v = check(&[("src/engine/x.rs", &format!("{code}use crate::model::W;\n"))]);
        assert_eq!(
            v,
            ["src/engine/x.rs:11: engine -> model (engine sits below model)"]
        );
    }

    #[test]
    fn a_module_missing_from_the_order_fails() {
        let v = check(&[
            ("src/model/world.rs", "use crate::output::write_atomic;\n"),
            ("src/viz/mod.rs", "use crate::engine::Time;\n"),
        ]);
        assert_eq!(
            v,
            [
                "src/model/world.rs:1: model -> output (output is not in the layer order in tests/it/layering.rs)",
                "src/viz/mod.rs:1: viz -> engine (viz is not in the layer order in tests/it/layering.rs)",
            ]
        );
    }

    #[test]
    fn an_exported_macro_belongs_to_the_module_that_defines_it() {
        let v = check(&[
            (
                "src/report/mod.rs",
                "#[macro_export]\nmacro_rules! say { () => {} }\n",
            ),
            (
                "src/lib.rs",
                "#[macro_export]\nmacro_rules! root { () => {} }\n",
            ),
            (
                "src/stress/mod.rs",
                "fn f() { crate::say!(); crate::root!(); }\n",
            ),
            (
                "src/engine/mod.rs",
                "fn f() {\n    crate::say!(\"hi\");\n}\n",
            ),
        ]);
        assert_eq!(
            v,
            ["src/engine/mod.rs:2: engine -> report (engine sits below report)"]
        );
    }

    #[test]
    fn super_chains_that_leave_the_top_level_module_fail() {
        let world = "use super::tier;\n\
                     use super::super::policy::Policy;\n\
                     #[cfg(test)]\n\
                     mod tests {\n\
                     \x20   use super::super::tier::ladder;\n\
                     \x20   use super::super::super::engine::Sim;\n\
                     }\n\
                     fn f() { super::super::model::g() }\n";
        let v = check(&[
            ("src/model/world.rs", world),
            ("src/engine/mod.rs", "use super::model;\n"),
        ]);
        assert_eq!(
            v,
            [
                "src/model/world.rs:2: model -> policy (model sits below policy)",
                "src/model/world.rs:6: model -> engine (super::super leaves model: write crate::engine so the layer check sees it)",
                "src/engine/mod.rs:1: engine -> model (engine sits below model)",
            ]
        );
    }
}
