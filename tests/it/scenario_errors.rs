//! Malformed scenario files: each is refused with its file, line, column and a message
//! saying what was expected, and none of them makes triad panic.

use std::path::{Path, PathBuf};
use triad::scenario;

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// The first line of each file says what the error must contain: `# expect: LINE:COL: text`.
fn expectation(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let first = text.lines().next()?;
    first
        .strip_prefix("# expect: ")
        .map(|s| s.trim_end().to_string())
}

#[test]
fn every_malformed_file_gets_a_located_error() {
    let files = corpus();
    assert!(files.len() >= 20, "the corpus has {} files", files.len());
    for f in &files {
        let err = match scenario::load(f) {
            Ok(_) => panic!("{} was accepted", f.display()),
            Err(e) => e,
        };
        let text = err.to_string();
        assert!(text.starts_with(&f.display().to_string()), "{text}");
        match expectation(f) {
            Some(expect) => {
                let want = format!("{}:{expect}", f.display());
                assert!(
                    text.contains(want.trim_end()),
                    "{}:\n  got:  {text}\n  want: {want}",
                    f.display()
                );
            }
            // Files that are not even text carry no expectation line.
            None => assert!(text.contains("UTF-8"), "{text}"),
        }
    }
}

#[test]
fn all_problems_of_a_file_are_reported_at_once() {
    let src = scenario::Source::from_text(
        "many.toml",
        "budget = -1.0\nhorizon_hours = 0.0\n[policy]\nkind = \"static\"\nsamples = 0\nvotes = 0\n",
    );
    let err = scenario::parse(&src).unwrap_err();
    assert_eq!(err.problems.len(), 4, "{err}");
    let lines: Vec<usize> = err.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![1, 2, 5, 6]);
}

#[test]
fn the_shipped_scenarios_are_valid_and_the_baseline_lists_the_defaults() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            scenario::load(&p).unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
    }
    assert!(n >= 4, "only {n} scenarios shipped");
    // baseline.toml documents every default: it must say exactly what the code does.
    let base = scenario::load(&dir.join("baseline.toml")).unwrap();
    let defaults = triad::scenario::Scenario {
        world: triad::model::WorldConfig {
            name: "baseline".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(base, defaults);
}

mod fuzz {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Arbitrary bytes never panic the loader.
        #[test]
        fn arbitrary_text_never_panics(text in ".{0,200}") {
            let _ = triad::scenario::parse(&triad::scenario::Source::from_text("f.toml", text));
        }

        /// Mutations of a valid file never panic, and errors are located inside the file.
        #[test]
        fn mutated_baseline_never_panics(cut in 0usize..4000, insert in "[ =\\[\\]\"a-z0-9.\\n-]{0,6}") {
            let base = include_str!("../../scenarios/baseline.toml");
            let mut cut = cut.min(base.len());
            while !base.is_char_boundary(cut) { cut -= 1; }
            let text = format!("{}{}{}", &base[..cut], insert, &base[cut..]);
            let lines = text.lines().count().max(1);
            if let Err(e) = triad::scenario::parse(&triad::scenario::Source::from_text("m.toml", text)) {
                for p in &e.problems {
                    prop_assert!(p.line >= 1 && p.line <= lines + 1, "{}", e);
                }
            }
        }
    }
}

#[test]
fn every_key_and_type_mistake_of_a_file_is_reported_with_words_and_a_suggestion() {
    let src = scenario::Source::from_text(
        "three.toml",
        "budgte = 5.0\nhorizon_hours = \"long\"\n[[tier]]\nname = \"a\"\nskill = \"x\"\n[policy]\nkind = \"static\"\nvotes = -1\n",
    );
    let err = scenario::parse(&src).unwrap_err();
    let got: Vec<(usize, usize)> = err.problems.iter().map(|p| (p.line, p.col)).collect();
    assert_eq!(got, vec![(1, 1), (2, 17), (5, 9), (8, 9)], "{err}");
    let text = err.to_string();
    assert!(text.contains("did you mean `budget`?"), "{text}");
    assert!(text.contains("`policy`, `stress`"), "{text}");
    assert!(text.contains("expected a number"), "{text}");
    assert!(
        text.contains("expected a whole number from 0 to 4294967295"),
        "{text}"
    );
}
