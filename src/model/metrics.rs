//! What a run measures: one record per run and a time series.

use super::ledger::PerRole;

/// The measurements of one run. Machine-dependent figures (wall time) are not here: a
/// record is a pure function of the scenario, the policy and the seed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    /// Value of the tasks solved.
    pub yield_: f64,
    /// Value of every task that arrived.
    pub value_arrived: f64,
    /// Tasks that arrived.
    pub tasks_arrived: u64,
    /// Tasks attempted.
    pub tasks_attempted: u64,
    /// Tasks solved.
    pub tasks_solved: u64,
    /// Tasks attempted whose chains reached a correct final answer at least once, picked or
    /// not: what a perfect checker (unit tests, a proof checker) would solve.
    pub tasks_covered: u64,
    /// Tasks not attempted: the user account could not pay, the policy skipped them, or
    /// they gave up waiting for a slot.
    pub tasks_unserved: u64,
    /// Tasks that gave up waiting for a slot of their user tier.
    pub tasks_abandoned: u64,
    /// Dollars spent per role.
    pub spend: PerRole<f64>,
    /// Dollars allocated per role over the run: spent plus unspent.
    pub allocated: PerRole<f64>,
    /// Dollars each role was given and left unspent (at the end of the run, and, paced
    /// per day without carry-over, at the end of each day).
    pub unspent: PerRole<f64>,
    /// Dollars spent per tier.
    pub spend_by_tier: Vec<f64>,
    /// Candidate edits written.
    pub edits_proposed: u64,
    /// Candidates whose mode had not been proposed before in their category.
    pub edits_distinct: u64,
    /// Well-formed candidates.
    pub edits_valid: u64,
    /// Distinct well-formed candidates sent to acceptance (not already in the harness or
    /// being judged).
    pub edits_judged: u64,
    /// Edits accepted.
    pub edits_accepted: u64,
    /// Edits accepted whose true effect was negative.
    pub edits_harmful: u64,
    /// Candidates each anchor passed (self, verifier, replay, tool).
    pub anchor_passed: [u64; 4],
    /// Of those, the candidates whose true effect was negative.
    pub anchor_passed_harmful: [u64; 4],
    /// Sum of the true effects of well-formed candidates (edit quality).
    pub edit_gain_sum: f64,
    /// Sum over attempted tasks of `p(with harness) - p(without)` for one attempt.
    pub benefit_sum: f64,
    /// Selections between correct and wrong answers.
    pub contested: u64,
    /// Contested selections that picked a correct answer.
    pub contested_right: u64,
    /// Final traffic-weighted harness quality.
    pub quality_final: f64,
    /// Time-average of the traffic-weighted harness quality.
    pub quality_mean: f64,
    /// Harness versions deployed.
    pub versions: u64,
    /// Zipf exponent of the first evolver at the end.
    pub evolver_zipf_final: f64,
    /// Events the engine processed.
    pub events: u64,
    /// Tasks attempted and solved per difficulty bin.
    pub by_bin: Vec<(u64, u64)>,
}

/// `a / b`, undefined (NaN, an empty CSV field) when `b` is 0: a rate of nothing is not 0.
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

impl Metrics {
    /// The record as named columns in a fixed order (tier columns follow the tier list).
    pub fn columns(&self, tier_names: &[String]) -> Vec<(String, f64)> {
        let spend_total = self.spend.total();
        let mut v: Vec<(String, f64)> = vec![
            ("yield".into(), self.yield_),
            ("yield_per_dollar".into(), ratio(self.yield_, spend_total)),
            ("value_arrived".into(), self.value_arrived),
            ("tasks_arrived".into(), self.tasks_arrived as f64),
            ("tasks_attempted".into(), self.tasks_attempted as f64),
            ("tasks_solved".into(), self.tasks_solved as f64),
            ("tasks_unserved".into(), self.tasks_unserved as f64),
            ("tasks_abandoned".into(), self.tasks_abandoned as f64),
            (
                "solve_rate".into(),
                ratio(self.tasks_solved as f64, self.tasks_attempted as f64),
            ),
            (
                "coverage".into(),
                ratio(self.tasks_covered as f64, self.tasks_attempted as f64),
            ),
            ("spend_total".into(), spend_total),
            ("spend_evolver".into(), self.spend.evolver),
            ("spend_user".into(), self.spend.user),
            ("spend_verifier".into(), self.spend.verifier),
            ("allocated_evolver".into(), self.allocated.evolver),
            ("allocated_user".into(), self.allocated.user),
            ("allocated_verifier".into(), self.allocated.verifier),
            ("unspent_evolver".into(), self.unspent.evolver),
            ("unspent_user".into(), self.unspent.user),
            ("unspent_verifier".into(), self.unspent.verifier),
            ("unspent_total".into(), self.unspent.total()),
            ("edits_proposed".into(), self.edits_proposed as f64),
            ("edits_distinct".into(), self.edits_distinct as f64),
            ("edits_valid".into(), self.edits_valid as f64),
            ("edits_judged".into(), self.edits_judged as f64),
            ("edits_accepted".into(), self.edits_accepted as f64),
            ("edits_harmful".into(), self.edits_harmful as f64),
            (
                "harmful_share".into(),
                ratio(self.edits_harmful as f64, self.edits_accepted as f64),
            ),
            (
                "edit_gain_mean".into(),
                ratio(self.edit_gain_sum, self.edits_valid as f64),
            ),
            (
                "harness_benefit".into(),
                ratio(self.benefit_sum, self.tasks_attempted as f64),
            ),
            (
                "verifier_accuracy".into(),
                ratio(self.contested_right as f64, self.contested as f64),
            ),
            ("harness_quality_final".into(), self.quality_final),
            ("harness_quality_mean".into(), self.quality_mean),
            ("harness_versions".into(), self.versions as f64),
            ("evolver_zipf_final".into(), self.evolver_zipf_final),
            ("events".into(), self.events as f64),
        ];
        for (i, name) in ["self", "verifier", "replay", "tool"].iter().enumerate() {
            v.push((format!("passed_{name}"), self.anchor_passed[i] as f64));
            v.push((
                format!("harmful_share_{name}"),
                ratio(
                    self.anchor_passed_harmful[i] as f64,
                    self.anchor_passed[i] as f64,
                ),
            ));
        }
        for (i, &(n, k)) in self.by_bin.iter().enumerate() {
            v.push((format!("attempted_bin{i}"), n as f64));
            v.push((format!("solve_rate_bin{i}"), ratio(k as f64, n as f64)));
        }
        for (name, s) in tier_names.iter().zip(&self.spend_by_tier) {
            v.push((format!("spend_tier_{name}"), *s));
        }
        v
    }
}

/// Columns of the time series, one row per sampling instant.
pub const SERIES_COLUMNS: [&str; 13] = [
    "hour",
    "yield",
    "tasks_attempted",
    "tasks_solved",
    "spend_evolver",
    "spend_user",
    "spend_verifier",
    "harness_quality",
    "failure_rate",
    "edits_accepted",
    "evolver_share",
    "edits_proposed",
    "edits_distinct",
];

/// The time series of a run: rows of [`SERIES_COLUMNS`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// One row per sampling instant.
    pub rows: Vec<[f64; SERIES_COLUMNS.len()]>,
}

impl Series {
    /// The series as named columns.
    pub fn columns(&self) -> Vec<(String, Vec<f64>)> {
        SERIES_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, name)| (name.to_string(), self.rows.iter().map(|r| r[i]).collect()))
            .collect()
    }
}
