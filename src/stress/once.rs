//! Severity 0 of every perturbation is the same unperturbed run: run it once per seed.

use crate::sweep::{RunRecord, Simulator};
use std::collections::HashMap;
use std::sync::Mutex;

/// A simulator that runs the severity-0 scenario once per (scenario, seed): every
/// perturbation at severity 0 is the same unperturbed run, so the copies are taken from
/// the first (the bytes are the same as running each).
pub struct OnceAtZero<'a> {
    inner: &'a dyn Simulator,
    memo: Mutex<HashMap<(String, u64), Result<RunRecord, String>>>,
}

impl std::fmt::Debug for OnceAtZero<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnceAtZero").finish_non_exhaustive()
    }
}

impl<'a> OnceAtZero<'a> {
    /// Wraps `inner`.
    pub fn new(inner: &'a dyn Simulator) -> Self {
        OnceAtZero {
            inner,
            memo: Mutex::new(HashMap::new()),
        }
    }

    fn key(scenario: &toml::Table) -> Option<String> {
        let st = scenario.get("stress")?.as_table()?;
        let s = st.get("severity")?;
        if s.as_float().or(s.as_integer().map(|i| i as f64)) != Some(0.0) {
            return None;
        }
        let mut t = scenario.clone();
        if let Some(toml::Value::Table(st)) = t.get_mut("stress") {
            st.remove("perturbation");
        }
        toml::to_string(&t).ok()
    }
}

impl Simulator for OnceAtZero<'_> {
    fn run(&self, scenario: &toml::Table, seed: u64) -> Result<RunRecord, String> {
        let Some(key) = Self::key(scenario) else {
            return self.inner.run(scenario, seed);
        };
        let key = (key, seed);
        if let Some(r) = self.memo.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return r;
        }
        let r = self.inner.run(scenario, seed);
        if let Ok(mut m) = self.memo.lock() {
            m.insert(key, r.clone());
        }
        r
    }
}
