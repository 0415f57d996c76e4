//! Scenario quantities a target can name instead of a run metric: values the scenario
//! reader resolves, read from the scenario at the candidate point without running it.
//! Today these are the tiers' skills, `tier.NAME.skill`: a tier given by its MMLU-Pro score
//! gets its skill from `[skill_from_score]`, so a calibration can fit that mapping.

use crate::scenario::Scenario;

/// The names of the quantities of `sc`, in tier order.
pub(super) fn names(sc: &Scenario) -> Vec<String> {
    sc.world
        .tiers
        .iter()
        .map(|t| format!("tier.{}.skill", t.name))
        .collect()
}

/// The quantity `name` of `sc`; `None` when `name` is not one (a run metric).
pub(super) fn value(sc: &Scenario, name: &str) -> Option<f64> {
    let tier = name.strip_prefix("tier.")?.strip_suffix(".skill")?;
    sc.world
        .tiers
        .iter()
        .find(|t| t.name == tier)
        .map(|t| t.skill)
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
    }
}
