//! Scenario quantities a target can name instead of a run metric: values the scenario
//! reader resolves, read from the scenario at the candidate point without running it.
//! Today these are, per tier, its skill `tier.NAME.skill` (a tier given by its MMLU-Pro score
//! gets its skill from `[skill_from_score]`, so a calibration can fit that mapping) and the
//! share of its calls that invoke the harness correctly, `tier.NAME.invoke` (the trait
//! `invoke(skill)` of `[traits]`, so a calibration can fit `invoke_slope` and `invoke_mid`
//! to measured skill-loading rates).

use crate::scenario::Scenario;

/// The names of the quantities of `sc`, in tier order.
pub(super) fn names(sc: &Scenario) -> Vec<String> {
    let skills = sc
        .world
        .tiers
        .iter()
        .map(|t| format!("tier.{}.skill", t.name));
    let invokes = sc
        .world
        .tiers
        .iter()
        .map(|t| format!("tier.{}.invoke", t.name));
    skills.chain(invokes).collect()
}

/// The quantity `name` of `sc`; `None` when `name` is not one (a run metric).
pub(super) fn value(sc: &Scenario, name: &str) -> Option<f64> {
    let rest = name.strip_prefix("tier.")?;
    let (tier, invoke) = match rest.strip_suffix(".skill") {
        Some(t) => (t, false),
        None => (rest.strip_suffix(".invoke")?, true),
    };
    let t = sc.world.tiers.iter().find(|t| t.name == tier)?;
    Some(if invoke {
        sc.world.traits.invoke(t.skill)
    } else {
        t.skill
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_skills_by_name_and_nothing_else() {
        let sc = Scenario::default();
        let names = names(&sc);
        assert_eq!(names[0], "tier.0.5B.skill");
        assert_eq!(value(&sc, "tier.0.5B.skill"), Some(-1.0));
        assert_eq!(value(&sc, "tier.frontier.skill"), Some(3.2));
        assert_eq!(value(&sc, "tier.9B.skill"), None);
        assert_eq!(value(&sc, "solve_rate"), None);
        assert_eq!(value(&sc, "tier.8B.price_in"), None);
        assert!(names.contains(&"tier.3B.invoke".to_string()));
        let weak = value(&sc, "tier.3B.invoke").unwrap();
        assert!((weak - sc.world.traits.invoke(0.0)).abs() < 1e-12, "{weak}");
        assert!(value(&sc, "tier.frontier.invoke").unwrap() > weak);
        assert_eq!(value(&sc, "tier.9B.invoke"), None);
    }
}
