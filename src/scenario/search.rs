//! Harness-search files (claim 9a): read with located errors and held to the same kind of
//! semantic checks and resource bounds as scenarios.

use super::{InputError, Source, bounds};
use crate::base::Issue;
use crate::model::search::SearchConfig;
use std::path::Path;

/// Most bytes of candidate harnesses a search may keep: every evaluated candidate is
/// remembered (one byte per edit), so `evaluations x sections x edits` is bounded.
const MAX_GENOME_BYTES: f64 = 2e8;
/// Most interactions drawn (`sections x edits x interaction_density x edits`).
const MAX_INTERACTIONS: f64 = 2e7;
/// Most work of one search: each evaluation scores every edit and interaction, so
/// `evaluations x (edits in all + interactions)` is bounded (claim 9a's file: about 4e5;
/// the limit is a few seconds of one search, which `check-claim 9a` repeats per strategy
/// and replication).
const MAX_SEARCH_WORK: f64 = 2e7;

/// Reads and checks a harness-search file.
pub fn load_search(path: &Path) -> Result<SearchConfig, InputError> {
    parse_search(&Source::read(path)?)
}

/// Parses and checks a harness search from its source.
pub fn parse_search(src: &Source) -> Result<SearchConfig, InputError> {
    let cfg: SearchConfig = super::read_file(src)?;
    let issues = validate_search(&cfg);
    if issues.is_empty() {
        Ok(cfg)
    } else {
        Err(src.locate(&issues))
    }
}

/// Every problem of a harness search, located by dotted path.
pub fn validate_search(cfg: &SearchConfig) -> Vec<Issue> {
    // Sizes and probabilities the search cannot run with at all (the model refuses them
    // too), then what it would run with but means nothing, then the bounds.
    let mut out = cfg.structure_issues();
    let l = &cfg.landscape;
    for (k, v) in [
        ("landscape.edit_mean", l.edit_mean),
        ("landscape.edit_cost", l.edit_cost),
        ("landscape.user_skill", l.user_skill),
        ("landscape.benefit", l.benefit),
        ("landscape.difficulty", l.difficulty),
        ("landscape.slope", l.slope),
    ] {
        if !v.is_finite() {
            out.push(Issue::new(k, format!("must be a finite number (got {v})")));
        }
    }
    for (k, v) in [
        ("landscape.edit_sd", l.edit_sd),
        ("landscape.interaction_sd", l.interaction_sd),
        ("zipf_s", cfg.zipf_s),
    ] {
        if !v.is_finite() || v < 0.0 {
            out.push(Issue::new(
                k,
                format!("must be a finite number >= 0 (got {v})"),
            ));
        }
    }
    if out.is_empty() && bounds::enforced() {
        let n = f64::from(l.sections) * f64::from(l.edits);
        let genomes = f64::from(cfg.evaluations) * n;
        if genomes > MAX_GENOME_BYTES {
            out.push(Issue::new(
                "evaluations",
                format!(
                    "the candidates kept (evaluations x sections x edits) would take about \
                     {genomes:.3e} bytes, past the limit of {MAX_GENOME_BYTES:.0e}; use fewer \
                     evaluations or a smaller landscape, or pass --no-limits if you mean it"
                ),
            ));
        }
        let pairs = n * l.interaction_density * f64::from(l.edits);
        let work = f64::from(cfg.evaluations) * (n + pairs);
        if work > MAX_SEARCH_WORK {
            out.push(Issue::new(
                "evaluations",
                format!(
                    "one search would score about {work:.3e} edits and interactions \
                     (evaluations x (sections x edits + interactions)), past the limit of \
                     {MAX_SEARCH_WORK:.0e}; use fewer evaluations or a smaller landscape, or \
                     pass --no-limits if you mean it"
                ),
            ));
        }
        if pairs > MAX_INTERACTIONS {
            out.push(Issue::new(
                "landscape.interaction_density",
                format!(
                    "the interactions drawn would be about {pairs:.3e}, past the limit of \
                     {MAX_INTERACTIONS:.0e}; use a sparser or smaller landscape, or pass \
                     --no-limits if you mean it"
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match parse_search(&Source::from_text("s.toml", text)) {
            Ok(_) => Vec::new(),
            Err(e) => e.problems.into_iter().map(|p| p.message).collect(),
        }
    }

    #[test]
    fn the_default_search_is_valid_and_bad_values_are_refused_at_their_key() {
        assert!(validate_search(&SearchConfig::default()).is_empty());
        for (text, key) in [
            ("[landscape]\nsections = 4294967295", "landscape.sections"),
            ("[landscape]\nedits = 4294967295", "landscape.edits"),
            ("evaluations = 4294967295", "evaluations"),
            ("[landscape]\nedit_sd = nan", "must be a finite number"),
            (
                "[strategy]\nkind = \"islands\"\nislands = 4\nchildren = 0\npopulation = 10\nemigrants = 5\nreset_every = 3\nreset_islands = 2\nguided = true",
                "strategy.children",
            ),
            (
                "[strategy]\nkind = \"sequential\"\nchains = 0",
                "strategy.chains",
            ),
            (
                "[strategy]\nkind = \"sequential\"\nchains = 10\nrescore_every = 1",
                "strategy.rescore_every",
            ),
        ] {
            let p = problems(text);
            assert!(p.iter().any(|m| m.starts_with(key)), "{text}: {p:?}");
        }
    }
}
