//! `triad stress`: expands a stress plan (or the default plan of a scenario) into a sweep,
//! runs it on the sweep machinery (parallel, common random numbers, resume, shards) and
//! writes the stress report.

use super::{plan, report};
use crate::sweep::cli_commands::{Execution, execute};
use crate::sweep::{RunRecord, Simulator, default_simulator};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Arguments of `triad stress`: those of a sweep. The file is a stress plan or a scenario
/// (which gets the default plan); the default output folder is `output/stress/<stem>/`.
pub type StressArgs = crate::sweep::cli_commands::SweepArgs;

/// The default output folder: `output/stress/<stem>/`.
pub fn default_out(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "stress".into());
    Path::new("output").join("stress").join(stem)
}

/// A simulator that runs the severity-0 scenario once per (scenario, seed): every
/// perturbation at severity 0 is the same unperturbed run, so the copies are taken from
/// the first (the bytes are the same as running each).
pub struct OnceAtZero<'a> {
    inner: &'a dyn Simulator,
    memo: Mutex<HashMap<(String, u64), Result<RunRecord, String>>>,
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

/// `triad stress`: runs (or resumes) a stress test, or one shard of it.
pub fn stress(args: &StressArgs) -> anyhow::Result<()> {
    let plan = plan::load(&args.file)?;
    let world = default_simulator();
    let sim = OnceAtZero::new(world.as_ref());
    execute(Execution {
        plan: &plan,
        command: "stress",
        file: &args.file,
        out: args.out.clone().unwrap_or_else(|| default_out(&args.file)),
        shard: args.shard.as_deref(),
        threads: args.threads,
        quiet: args.quiet,
        sim: &sim,
        finalize: &|out, plan| report::finalize(out, plan),
    })
}
