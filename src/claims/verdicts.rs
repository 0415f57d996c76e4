//! Files of expected verdicts (`triad reproduce --expect FILE`,
//! `scenarios/claims/expected.toml`): one `"id" = "reproduced"` or `"not reproduced"` per
//! claim, read with every problem located.

use crate::base::Issue;
use crate::scenario::{self, InputError, Source};
use std::collections::BTreeMap;
use std::path::Path;

/// The two verdicts a claim can come out with.
pub const VERDICTS: [&str; 2] = ["reproduced", "not reproduced"];

/// Reads and checks a file of expected verdicts.
pub fn load(path: &Path) -> Result<BTreeMap<String, String>, InputError> {
    parse(&Source::read(path)?)
}

/// Reads a file of expected verdicts: every key must be a claim's id and every value one of
/// [`VERDICTS`]; each problem is reported, at its key or value.
pub fn parse(src: &Source) -> Result<BTreeMap<String, String>, InputError> {
    let table: BTreeMap<String, toml::Value> = scenario::read_file(src)?;
    let ids: Vec<&'static str> = super::all().iter().map(|c| c.id()).collect();
    let mut issues = Vec::new();
    let mut out = BTreeMap::new();
    for (k, v) in table {
        if !ids.contains(&k.as_str()) {
            issues.push(Issue::new(
                &k,
                format!(
                    "no claim has the id {k:?}; the claims are {}",
                    ids.join(", ")
                ),
            ));
            continue;
        }
        match v.as_str() {
            Some(s) if VERDICTS.contains(&s) => {
                out.insert(k, s.to_string());
            }
            _ => issues.push(Issue::new(
                &k,
                format!("must be \"reproduced\" or \"not reproduced\", got {v}"),
            )),
        }
    }
    if issues.is_empty() {
        Ok(out)
    } else {
        Err(src.locate(&issues))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_are_checked_key_by_key() {
        let ok = parse(&Source::from_text(
            "e.toml",
            "\"1a\" = \"reproduced\"\n\"9b\" = \"not reproduced\"\n",
        ));
        assert_eq!(ok.unwrap().len(), 2);
        let e = parse(&Source::from_text(
            "e.toml",
            "\"1a\" = \"yes\"\n\"1c\" = \"reproduced\"\n\"2\" = 3\n",
        ))
        .unwrap_err();
        assert_eq!(e.problems.len(), 3, "{e}");
        let lines: Vec<usize> = e.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [1, 2, 3], "{e}");
        assert!(e.to_string().contains("no claim has the id \"1c\""), "{e}");
    }

    #[test]
    fn the_shipped_file_is_valid() {
        let path = super::super::scenario_file("x", None).with_file_name("expected.toml");
        assert_eq!(load(&path).unwrap().len(), super::super::all().len());
    }
}
