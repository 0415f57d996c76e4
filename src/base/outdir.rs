//! Output folders: which folders a command may write into.
//!
//! A command writes into a folder that is new or empty, or that triad wrote for the same
//! command and plan (each command recognises its own folders: a sweep by its `plan.json`, a
//! run by its `manifest.json`), and into any other folder only with `--force`. Some folders
//! are never written into, even with `--force`: the root folder, the user's home folder and
//! the folders above it, a project's own folder (one holding `Cargo.toml` or `.git`) and its
//! source folders ([`SOURCE_FOLDERS`]). One triad command never writes into another one's
//! folder (a run into a sweep's folder, a sweep into a run's), with or without `--force`:
//! the files would mix.

use super::UsageError;
use std::path::{Component, Path, PathBuf};

/// The folders of a project (below a folder holding `Cargo.toml` or `.git`) that are never
/// written into: its sources, scenarios, tests and documentation.
pub const SOURCE_FOLDERS: &[&str] = &[
    "src",
    "scenarios",
    "tests",
    "docs",
    "benches",
    "examples",
    "assets",
    ".git",
];

/// The file every triad command writes into its output folder, naming the command.
pub const MANIFEST: &str = "manifest.json";

/// Whose a non-empty folder is, as the command about to write into it sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// Written by this command for the same plan: written into again (a sweep resumes).
    Ours,
    /// Written by another triad command (`what` says which): never written into.
    OtherCommand(String),
    /// Anything else (`what` says what it holds): written into only with `--force`.
    Other(String),
}

/// What [`claim`] found at the output folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// A new or empty folder.
    Empty,
    /// A folder this command wrote for the same plan.
    Ours,
    /// Another folder, written into because of `--force`.
    Forced,
}

/// Checks that a command may write into `dir`, then creates it and checks that it can be
/// written: `whose` tells, for a non-empty folder, whether this command wrote it. Every
/// refusal is a [`UsageError`] (exit code 2) that says what to do instead.
pub fn claim(dir: &Path, force: bool, whose: impl FnOnce(&Path) -> Owner) -> anyhow::Result<Found> {
    let shown = dir.display();
    if dir.exists() && !dir.is_dir() {
        return Err(UsageError(format!(
            "--out {shown} is a file, not a folder; give a folder (a new one is created)"
        ))
        .into());
    }
    if let Some(why) = protected(&absolute(dir)) {
        return Err(UsageError(format!(
            "triad does not write into {shown}: it is {why}; give another --out DIR, such as \
             output/NAME (--force does not change this)"
        ))
        .into());
    }
    let found = if is_empty(dir) {
        Found::Empty
    } else {
        match whose(dir) {
            Owner::Ours => Found::Ours,
            Owner::OtherCommand(what) => {
                return Err(UsageError(format!(
                    "{shown} holds {what}; one folder holds the results of one command, so \
                     give another --out DIR (--force does not change this)"
                ))
                .into());
            }
            Owner::Other(what) if !force => {
                return Err(UsageError(format!(
                    "{shown} is not empty: it holds {what}. triad writes only into an empty \
                     folder or one it wrote for the same command and plan: give another \
                     --out DIR, or add --force to write over the files there"
                ))
                .into());
            }
            Owner::Other(_) => Found::Forced,
        }
    };
    prepare(dir)?;
    Ok(found)
}

/// What a folder of files triad does not recognise holds, for a message: a few of its
/// names (`report.md, summary.csv, plots/ and 3 more`).
pub fn describe(dir: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| !is_leftover(&e.file_name().to_string_lossy()))
                .map(|e| {
                    let mut n = e.file_name().to_string_lossy().into_owned();
                    if e.path().is_dir() {
                        n.push('/');
                    }
                    n
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    const SHOWN: usize = 4;
    let more = names.len().saturating_sub(SHOWN);
    names.truncate(SHOWN);
    let list = escape(&names.join(", "));
    if more > 0 {
        format!("files triad did not write for this command ({list} and {more} more)")
    } else {
        format!("files triad did not write for this command ({list})")
    }
}

/// The `command` recorded in `dir/manifest.json`, when the folder has a manifest of triad's.
pub fn manifest_command(dir: &Path) -> Option<String> {
    manifest(dir)?.get("command")?.as_str().map(str::to_string)
}

/// `dir/manifest.json` as JSON, when it is there and parses (at most 64 MiB are read).
pub fn manifest(dir: &Path) -> Option<serde_json::Value> {
    use std::io::Read;
    let f = std::fs::File::open(dir.join(MANIFEST)).ok()?;
    let mut bytes = Vec::new();
    f.take(64 << 20).read_to_end(&mut bytes).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The owner of a folder another triad command wrote, as `whose` reports it: `None` when
/// `dir` has no manifest naming a command other than `mine` (nor a sweep's `plan.json`).
pub fn other_command(dir: &Path, mine: &[&str]) -> Option<Owner> {
    let cmd = manifest_command(dir)
        .or_else(|| dir.join("plan.json").is_file().then(|| "sweep".to_string()))?;
    if mine.contains(&cmd.as_str()) {
        return None;
    }
    let what = match cmd.as_str() {
        "sweep" | "stress" | "merge" => format!(
            "the results of a sweep (`triad {}`, with its plan.json)",
            escape(&cmd)
        ),
        c => format!("the results of `triad {}`", escape(c)),
    };
    Some(Owner::OtherCommand(what))
}

/// `s` with control characters escaped (`\n`, `\u{1b}`), for messages.
fn escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Creates `dir` (and parents) and checks it can be written, before any work starts.
fn prepare(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot create the output folder {}: {e}; choose another with --out",
            dir.display()
        )
    })?;
    let probe = dir.join(PROBE);
    std::fs::write(&probe, b"").map_err(|e| {
        let _ = std::fs::remove_file(&probe);
        anyhow::anyhow!(
            "cannot write in the output folder {}: {e}; choose another with --out",
            dir.display()
        )
    })?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// The file [`prepare`] writes and removes to check that a folder can be written.
const PROBE: &str = ".triad-write-test";

/// Names triad leaves only when it is stopped in the middle of a write: the write probe and
/// temporary files (`.NAME.PID.tmp`, `.NAME.merge`).
fn is_leftover(name: &str) -> bool {
    name == PROBE
        || (name.starts_with('.') && (name.ends_with(".tmp") || name.ends_with(".merge")))
        || (name.starts_with('.') && name.ends_with(".tmp.png"))
}

/// Whether `dir` is missing, or holds nothing but leftovers of an interrupted write.
fn is_empty(dir: &Path) -> bool {
    match std::fs::read_dir(dir) {
        Ok(mut rd) => rd.all(|e| e.is_ok_and(|e| is_leftover(&e.file_name().to_string_lossy()))),
        Err(_) => true,
    }
}

/// `dir` as an absolute path: the longest part of it that exists with its links resolved,
/// then the rest with `.` and `..` applied.
fn absolute(dir: &Path) -> PathBuf {
    let abs = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .unwrap_or_else(|_| PathBuf::from("/"))
            .join(dir)
    };
    let mut base = abs.as_path();
    let mut rest: Vec<Component<'_>> = Vec::new();
    let resolved = loop {
        if let Ok(c) = base.canonicalize() {
            break c;
        }
        match (base.parent(), base.components().next_back()) {
            (Some(p), Some(last)) => {
                rest.push(last);
                base = p;
            }
            _ => break PathBuf::from("/"),
        }
    };
    let mut out = resolved;
    for c in rest.into_iter().rev() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            Component::Normal(n) => out.push(n),
        }
    }
    out
}

fn is_project(dir: &Path) -> bool {
    dir.join("Cargo.toml").exists() || dir.join(".git").exists()
}

/// Why triad never writes into the absolute folder `dir`, if it never does.
fn protected(dir: &Path) -> Option<String> {
    if dir.parent().is_none() {
        return Some("the root folder".into());
    }
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        let home = absolute(Path::new(&home));
        if dir == home {
            return Some("your home folder".into());
        }
        if home.starts_with(dir) {
            return Some("a folder that holds your home folder".into());
        }
    }
    if is_project(dir) {
        return Some("a project's own folder (it holds Cargo.toml or .git)".into());
    }
    let root = dir.ancestors().skip(1).find(|a| is_project(a))?;
    let first = dir.strip_prefix(root).ok()?.components().next()?;
    let first = first.as_os_str().to_string_lossy();
    SOURCE_FOLDERS.contains(&first.as_ref()).then(|| {
        format!(
            "in the {first}/ folder of the project at {}",
            root.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_new_and_own_folders_are_written_others_only_with_force() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("new");
        assert_eq!(claim(&d, false, |_| unreachable!()).unwrap(), Found::Empty);
        std::fs::write(d.join(".x.csv.12.tmp"), b"").unwrap();
        assert_eq!(claim(&d, false, |_| unreachable!()).unwrap(), Found::Empty);
        std::fs::write(d.join("report.md"), b"mine").unwrap();
        assert_eq!(claim(&d, false, |_| Owner::Ours).unwrap(), Found::Ours);
        let e = claim(&d, false, |d| Owner::Other(describe(d))).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("report.md") && msg.contains("--force"),
            "{msg}"
        );
        assert!(e.is::<UsageError>());
        assert_eq!(
            claim(&d, true, |d| Owner::Other(describe(d))).unwrap(),
            Found::Forced
        );
        let e = claim(&d, true, |_| Owner::OtherCommand("a run".into())).unwrap_err();
        assert!(e.to_string().contains("another --out"), "{e}");
        let f = d.join("report.md");
        let e = claim(&f, true, |_| Owner::Ours).unwrap_err();
        assert!(e.to_string().contains("is a file"), "{e}");
    }

    #[test]
    fn the_root_and_project_source_folders_are_never_written() {
        let t = tempfile::tempdir().unwrap();
        let proj = t.path().join("proj");
        std::fs::create_dir_all(proj.join("src/sweep")).unwrap();
        std::fs::write(proj.join("Cargo.toml"), b"").unwrap();
        for (d, why) in [
            (PathBuf::from("/"), "root"),
            (proj.clone(), "project"),
            (proj.join("src"), "src/"),
            (proj.join("src/sweep"), "src/"),
            (proj.join("docs/new"), "docs/"),
            (proj.join("output/../tests"), "tests/"),
        ] {
            let e = claim(&d, true, |_| Owner::Ours).unwrap_err();
            assert!(e.to_string().contains(why), "{}: {e}", d.display());
        }
        assert_eq!(
            claim(&proj.join("output/x"), false, |_| Owner::Ours).unwrap(),
            Found::Empty
        );
        if let Some(home) = std::env::var_os("HOME").filter(|h| h != "/") {
            let e = claim(Path::new(&home), true, |_| Owner::Ours).unwrap_err();
            assert!(e.to_string().contains("home"), "{e}");
        }
    }
}
