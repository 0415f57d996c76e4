//! `triad stress`: expands a stress plan (or the default plan of a scenario) into a sweep,
//! runs it on the sweep machinery (parallel, common random numbers, resume, shards) and
//! writes the stress report.

use super::{plan, report};
use crate::sweep::files::{self, UsageError};
use crate::sweep::progress::{Progress, Reporter};
use crate::sweep::{Plan, RunRecord, Shard, Simulator, default_simulator, runner};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Arguments of `triad stress`.
#[derive(Debug, Clone, Default)]
pub struct StressArgs {
    /// A stress plan file, or a scenario (which gets the default plan).
    pub file: PathBuf,
    /// Worker threads (`None` = one per core).
    pub threads: Option<usize>,
    /// Output folder (`None` = `output/stress/<file stem>/`).
    pub out: Option<PathBuf>,
    /// `K/N`: run only shard K of N.
    pub shard: Option<String>,
    /// No progress output.
    pub quiet: bool,
}

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

fn manifest(
    plan: &Plan,
    extra: serde_json::Map<String, serde_json::Value>,
) -> anyhow::Result<Vec<u8>> {
    let mut m = serde_json::Map::new();
    m.insert("triad_version".into(), env!("CARGO_PKG_VERSION").into());
    m.insert("plan_fingerprint".into(), plan.fingerprint().into());
    m.insert("runs_total".into(), plan.n_runs().into());
    m.insert("seed".into(), plan.seed.into());
    m.insert(
        "replication_seeds".into(),
        files::seeds(plan).into_iter().collect::<Vec<u64>>().into(),
    );
    m.extend(extra);
    m.insert("plan".into(), serde_json::to_value(plan)?);
    let mut v = serde_json::to_vec_pretty(&serde_json::Value::Object(m))?;
    v.push(b'\n');
    Ok(v)
}

/// `triad stress`: runs (or resumes) a stress test, or one shard of it.
pub fn stress(args: &StressArgs) -> anyhow::Result<()> {
    let started = files::utc_now();
    let plan = plan::load(&args.file)?;
    let text = std::fs::read_to_string(&args.file).unwrap_or_default();
    let shard = match &args.shard {
        Some(s) => Shard::parse(s).map_err(UsageError)?,
        None => Shard::ALL,
    };
    let threads = match args.threads {
        Some(0) => return Err(UsageError("--threads must be at least 1".into()).into()),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let out = args.out.clone().unwrap_or_else(|| default_out(&args.file));
    let opened = files::open(&out, &plan, shard)?;
    let (done, todo) = (opened.done, opened.todo);
    let mut writer = opened.writer;
    let in_shard = done + todo.len();
    let mut info = serde_json::Map::new();
    info.insert("command".into(), "stress".into());
    info.insert("stress_file".into(), args.file.display().to_string().into());
    info.insert("stress_text".into(), text.into());
    info.insert("shard".into(), shard.to_string().into());
    info.insert("runs_in_shard".into(), in_shard.into());
    info.insert("runs_resumed".into(), done.into());
    info.insert("threads".into(), threads.into());
    info.insert("started".into(), started.into());
    info.insert("status".into(), "running".into());
    files::write_atomic(&out.join(files::MANIFEST), &manifest(&plan, info.clone())?)?;

    let world = default_simulator();
    let sim = OnceAtZero::new(world.as_ref());
    let progress = Reporter::stderr(args.quiet);
    progress.start(in_shard, done);
    runner::run_indices(&plan, &sim, threads, &todo, |o| {
        writer.push(o)?;
        progress.advance(done + writer.written);
        Ok(())
    })?;
    writer.finish()?;
    progress.finish();
    if shard.n == 1 {
        report::finalize(&out, &plan)?;
    }
    info.insert("runs_this_session".into(), todo.len().into());
    info.insert("finished".into(), files::utc_now().into());
    info.insert("status".into(), "complete".into());
    files::write_atomic(&out.join(files::MANIFEST), &manifest(&plan, info)?)?;
    if !args.quiet {
        if shard.n == 1 {
            eprintln!("wrote {}", out.join(files::REPORT).display());
        } else {
            eprintln!(
                "shard {shard} done in {}; join the shards with `triad merge`",
                out.display()
            );
        }
    }
    Ok(())
}
