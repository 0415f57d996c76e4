//! Semantic checks of a scenario: everything serde cannot see.

use crate::base::Issue;
use crate::model::{SkillFromScore, WorldConfig};

/// Pushes an issue unless `x` is finite.
fn finite(out: &mut Vec<Issue>, path: &str, x: f64) -> bool {
    if x.is_finite() {
        true
    } else {
        out.push(Issue::new(
            path,
            format!("must be a finite number (got {x})"),
        ));
        false
    }
}

fn positive(out: &mut Vec<Issue>, path: &str, x: f64) {
    if finite(out, path, x) && x <= 0.0 {
        out.push(Issue::new(path, format!("must be > 0 (got {x})")));
    }
}

fn non_negative(out: &mut Vec<Issue>, path: &str, x: f64) {
    if finite(out, path, x) && x < 0.0 {
        out.push(Issue::new(path, format!("must be >= 0 (got {x})")));
    }
}

fn probability(out: &mut Vec<Issue>, path: &str, x: f64) {
    if finite(out, path, x) && !(0.0..=1.0).contains(&x) {
        out.push(Issue::new(
            path,
            format!("must be a probability in [0, 1] (got {x})"),
        ));
    }
}

/// The problems of the score-to-skill mapping's own keys.
fn mapping_issues(m: &SkillFromScore) -> Vec<Issue> {
    let mut out = Vec::new();
    let o = &mut out;
    if finite(o, "skill_from_score.chance", m.chance) && !(0.0..100.0).contains(&m.chance) {
        o.push(Issue::new(
            "skill_from_score.chance",
            format!("must be a percentage in [0, 100) (got {})", m.chance),
        ));
    }
    if finite(o, "skill_from_score.ceiling", m.ceiling)
        && (m.ceiling > 100.0 || m.ceiling <= m.chance)
    {
        o.push(Issue::new(
            "skill_from_score.ceiling",
            format!(
                "must be above chance ({}) and at most 100 (got {})",
                m.chance, m.ceiling
            ),
        ));
    }
    finite(o, "skill_from_score.mid", m.mid);
    if finite(o, "skill_from_score.scale", m.scale) && m.scale <= 0.0 {
        o.push(Issue::new(
            "skill_from_score.scale",
            format!(
                "must be > 0: a higher score means more skill (got {})",
                m.scale
            ),
        ));
    }
    out
}

/// Gives every tier given by its MMLU-Pro score (and no skill: NaN) the skill
/// `[skill_from_score]` maps it to ([`SkillFromScore::skill`]). A score outside (chance,
/// ceiling), or given beside a skill, is a problem at the tier's `mmlu_pro`. While the
/// mapping's own keys are invalid nothing is resolved ([`validate_world`] reports them).
pub fn resolve_skills(cfg: &mut WorldConfig) -> Vec<Issue> {
    let mut out = Vec::new();
    if !mapping_issues(&cfg.skill_from_score).is_empty() {
        return out;
    }
    for (i, t) in cfg.tiers.iter_mut().enumerate() {
        let Some(score) = t.mmlu_pro else { continue };
        if !t.skill.is_nan() {
            out.push(Issue::new(
                format!("tier.{i}.mmlu_pro"),
                "give `skill` or `mmlu_pro`, not both: the skill (theta) or the MMLU-Pro \
                 score it follows from",
            ));
            continue;
        }
        match cfg.skill_from_score.skill(score) {
            Ok(skill) => t.skill = skill,
            Err(e) => out.push(Issue::new(format!("tier.{i}.mmlu_pro"), e)),
        }
    }
    out
}

/// Every problem of `cfg`, located by dotted path.
pub fn validate_world(cfg: &WorldConfig) -> Vec<Issue> {
    let mut out = mapping_issues(&cfg.skill_from_score);
    let o = &mut out;
    positive(o, "horizon_hours", cfg.horizon_hours);
    positive(o, "sample_every_hours", cfg.sample_every_hours);
    positive(o, "epoch_hours", cfg.epoch_hours);
    match cfg.budget_per_day {
        Some(d) => positive(o, "budget_per_day", d),
        None => {
            positive(o, "budget", cfg.budget);
            if cfg.carry_over {
                o.push(Issue::new(
                    "carry_over",
                    "carries a daily budget's unspent money over: give `budget_per_day` too",
                ));
            }
        }
    }
    if finite(o, "failure_smoothing", cfg.failure_smoothing)
        && !(cfg.failure_smoothing > 0.0 && cfg.failure_smoothing <= 1.0)
    {
        o.push(Issue::new(
            "failure_smoothing",
            format!("must be in (0, 1] (got {})", cfg.failure_smoothing),
        ));
    }
    if cfg.horizon_hours.is_finite() && cfg.horizon_hours > 1e6 {
        o.push(Issue::new("horizon_hours", "must be at most 1000000 hours"));
    }
    if cfg.tiers.is_empty() {
        o.push(Issue::new("tier", "needs at least one [[tier]]"));
    }
    for (i, t) in cfg.tiers.iter().enumerate() {
        let p = |k: &str| format!("tier.{i}.{k}");
        if t.name.trim().is_empty() {
            o.push(Issue::new(p("name"), "must not be empty"));
        }
        if cfg.tiers[..i].iter().any(|u| u.name == t.name) {
            o.push(Issue::new(
                p("name"),
                format!("tier {:?} is defined twice", t.name),
            ));
        }
        positive(o, &p("params_b"), t.params_b);
        non_negative(o, &p("price_in"), t.price_in);
        non_negative(o, &p("price_out"), t.price_out);
        positive(o, &p("tokens_per_s"), t.tokens_per_s);
        non_negative(o, &p("latency_s"), t.latency_s);
        match t.mmlu_pro {
            // A skill resolved from a score is checked at the score (`resolve_skills`).
            Some(_) => {}
            None if t.skill.is_nan() => o.push(Issue::new(
                format!("tier.{i}"),
                format!(
                    "missing `skill` or `mmlu_pro` in tier {:?}: give its skill (theta) or \
                     its MMLU-Pro score",
                    t.name
                ),
            )),
            None => {
                finite(o, &p("skill"), t.skill);
            }
        }
        if t.concurrency == 0 {
            o.push(Issue::new(p("concurrency"), "must be at least 1"));
        }
    }
    let tr = &cfg.traits;
    for (k, v) in [
        ("invoke_slope", tr.invoke_slope),
        ("invoke_mid", tr.invoke_mid),
        ("adhere_slope", tr.adhere_slope),
        ("adhere_mid", tr.adhere_mid),
        ("zipf_base", tr.zipf_base),
        ("zipf_per_decade", tr.zipf_per_decade),
        ("judge_noise_slope", tr.judge_noise_slope),
    ] {
        finite(o, &format!("traits.{k}"), v);
    }
    probability(o, "traits.adhere_floor", tr.adhere_floor);
    non_negative(o, "traits.judge_noise", tr.judge_noise);
    non_negative(o, "traits.reasoning_gain", tr.reasoning_gain);
    non_negative(o, "traits.item_bias", tr.item_bias);
    non_negative(o, "traits.score_tokens", tr.score_tokens);
    let w = &cfg.workload;
    positive(o, "workload.arrival_per_hour", w.arrival_per_hour);
    finite(o, "workload.matched_offset", w.matched_offset);
    positive(o, "workload.patience_hours", w.patience_hours);
    for (i, &e) in w.difficulty_bins.iter().enumerate() {
        let path = format!("workload.difficulty_bins.{i}");
        if finite(o, &path, e) && i > 0 && e <= w.difficulty_bins[i - 1] {
            o.push(Issue::new(path, "bin edges must increase"));
        }
    }
    if w.difficulty_bins.len() > 32 {
        o.push(Issue::new("workload.difficulty_bins", "at most 32 edges"));
    }
    if w.categories.is_empty() {
        o.push(Issue::new(
            "workload.category",
            "needs at least one [[workload.category]]",
        ));
    }
    for (i, c) in w.categories.iter().enumerate() {
        let p = |k: &str| format!("workload.category.{i}.{k}");
        if w.categories[..i].iter().any(|d| d.name == c.name) {
            o.push(Issue::new(
                p("name"),
                format!("category {:?} is defined twice", c.name),
            ));
        }
        non_negative(o, &p("weight"), c.weight);
        finite(o, &p("difficulty"), c.difficulty);
        non_negative(o, &p("difficulty_sd"), c.difficulty_sd);
        non_negative(o, &p("value"), c.value);
        non_negative(o, &p("headroom"), c.headroom);
        finite(o, &p("diagnosis_difficulty"), c.diagnosis_difficulty);
        non_negative(o, &p("prompt_tokens"), c.prompt_tokens);
        non_negative(o, &p("output_tokens"), c.output_tokens);
    }
    if !w.categories.is_empty() && w.categories.iter().map(|c| c.weight).sum::<f64>() <= 0.0 {
        o.push(Issue::new(
            "workload.category",
            "at least one category needs a weight > 0",
        ));
    }
    let mut last = 0.0;
    for (i, r) in cfg.regimes.iter().enumerate() {
        let p = |k: &str| format!("regime.{i}.{k}");
        if finite(o, &p("at_hour"), r.at_hour) {
            if r.at_hour < last {
                o.push(Issue::new(
                    p("at_hour"),
                    format!(
                        "regimes must be in time order: {} comes after {}",
                        r.at_hour, last
                    ),
                ));
            }
            if r.at_hour < 0.0 || r.at_hour > cfg.horizon_hours {
                o.push(Issue::new(
                    p("at_hour"),
                    format!("must be within the run, 0..={}", cfg.horizon_hours),
                ));
            }
            last = r.at_hour;
        }
        finite(o, &p("difficulty_shift"), r.difficulty_shift);
        for (name, &v) in &r.weights {
            if !w.categories.iter().any(|c| &c.name == name) {
                let known: Vec<&str> = w.categories.iter().map(|c| c.name.as_str()).collect();
                o.push(Issue::new(
                    format!("regime.{i}.weights.{name}"),
                    format!(
                        "no category named {name:?}; the categories are {}",
                        known.join(", ")
                    ),
                ));
            }
            non_negative(o, &format!("regime.{i}.weights.{name}"), v);
        }
    }
    for (i, sh) in cfg.shocks.iter().enumerate() {
        let p = |k: &str| format!("shock.{i}.{k}");
        if finite(o, &p("at_hour"), sh.at_hour) && !(0.0..=cfg.horizon_hours).contains(&sh.at_hour)
        {
            o.push(Issue::new(
                p("at_hour"),
                format!("must be within the run, 0..={}", cfg.horizon_hours),
            ));
        }
        if let Some(u) = sh.until_hour
            && finite(o, &p("until_hour"), u)
            && u <= sh.at_hour
        {
            o.push(Issue::new(
                p("until_hour"),
                format!("must be after at_hour ({})", sh.at_hour),
            ));
        }
        if finite(o, &p("factor"), sh.factor) {
            use crate::model::ShockKind;
            match sh.kind {
                ShockKind::BudgetCut if !(0.0..=1.0).contains(&sh.factor) => o.push(Issue::new(
                    p("factor"),
                    format!(
                        "a budget cut keeps a fraction in [0, 1] (got {})",
                        sh.factor
                    ),
                )),
                ShockKind::Arrivals | ShockKind::Price | ShockKind::Latency if sh.factor <= 0.0 => {
                    o.push(Issue::new(
                        p("factor"),
                        format!("must be > 0 (got {})", sh.factor),
                    ))
                }
                ShockKind::Capacity if sh.factor < 0.0 => o.push(Issue::new(
                    p("factor"),
                    format!("must be >= 0; 0 is an outage (got {})", sh.factor),
                )),
                _ => {}
            }
        }
        match (&sh.tier, sh.kind.needs_tier()) {
            (None, true) => o.push(Issue::new(
                format!("shock.{i}"),
                "this kind of shock needs a `tier`",
            )),
            (Some(t), true) => crate::policy::check_tier(&cfg.tiers, t, &p("tier"), o),
            (Some(_), false) => o.push(Issue::new(
                p("tier"),
                "only price, capacity and latency shocks take a tier",
            )),
            (None, false) => {}
        }
    }
    let a = &cfg.attempts;
    positive(o, "attempts.slope", a.slope);
    non_negative(o, "attempts.approach_sd", a.approach_sd);
    non_negative(o, "attempts.revision_step", a.revision_step);
    probability(o, "attempts.revision_decay", a.revision_decay);
    non_negative(
        o,
        "attempts.revision_diagnosis_slope",
        a.revision_diagnosis_slope,
    );
    probability(o, "attempts.break_prob", a.break_prob);
    if a.wrong_answers == 0 || a.wrong_answers > 64 {
        o.push(Issue::new(
            "attempts.wrong_answers",
            format!("must be between 1 and 64 (got {})", a.wrong_answers),
        ));
    }
    let h = &cfg.harness;
    finite(o, "harness.initial_quality", h.initial_quality);
    non_negative(o, "harness.base_tokens", h.base_tokens);
    non_negative(o, "harness.tokens_per_edit", h.tokens_per_edit);
    non_negative(o, "harness.deploy_delay_hours", h.deploy_delay_hours);
    let e = &cfg.evolver;
    if e.modes == 0 || e.modes > 100_000 {
        o.push(Issue::new(
            "evolver.modes",
            format!("must be between 1 and 100000 (got {})", e.modes),
        ));
    }
    finite(o, "evolver.edit_mean", e.edit_mean);
    non_negative(o, "evolver.edit_sd", e.edit_sd);
    non_negative(o, "evolver.diagnosis_slope", e.diagnosis_slope);
    non_negative(o, "evolver.misdiagnosis_cost", e.misdiagnosis_cost);
    probability(o, "evolver.exploit_prob", e.exploit_prob);
    non_negative(o, "evolver.exploit_size", e.exploit_size);
    finite(o, "evolver.self_exploit_bias", e.self_exploit_bias);
    finite(o, "evolver.verifier_exploit_bias", e.verifier_exploit_bias);
    probability(o, "evolver.ranking_correlation", e.ranking_correlation);
    probability(
        o,
        "evolver.within_model_correlation",
        e.within_model_correlation,
    );
    non_negative(o, "evolver.narrowing_rate", e.narrowing_rate);
    non_negative(o, "evolver.judge_taste", e.judge_taste);
    finite(o, "evolver.validity_mid", e.validity_mid);
    non_negative(o, "evolver.validity_slope", e.validity_slope);
    non_negative(o, "evolver.failures_read", e.failures_read);
    non_negative(o, "evolver.trace_tokens", e.trace_tokens);
    non_negative(o, "evolver.edit_tokens", e.edit_tokens);
    let ac = &cfg.acceptance;
    finite(o, "acceptance.threshold", ac.threshold);
    if ac.replay_tasks == 0 || ac.replay_tasks > 100_000 {
        o.push(Issue::new(
            "acceptance.replay_tasks",
            format!("must be between 1 and 100000 (got {})", ac.replay_tasks),
        ));
    }
    non_negative(o, "acceptance.tool_cost", ac.tool_cost);
    non_negative(o, "acceptance.tool_hours", ac.tool_hours);
    out
}
