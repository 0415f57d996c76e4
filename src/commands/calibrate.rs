//! `triad calibrate`: fit world parameters to target measurements.

use super::{default_out, threads};
use crate::base::outdir::{self, MANIFEST, Owner};
use crate::base::output::{utc_now, write_atomic};
use crate::calibrate::{self, Options, Progress};
use crate::scenario::FileKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Options of `triad calibrate`.
#[derive(Debug, Clone, Default)]
pub struct CalibrateArgs {
    /// The calibration file.
    pub file: PathBuf,
    /// Output folder; `output/calibrate/<file stem>` when absent.
    pub out: Option<PathBuf>,
    /// Worker threads (`None` = one per core).
    pub threads: Option<usize>,
    /// Root seed (replications and search).
    pub seed: u64,
    /// No progress output.
    pub quiet: bool,
    /// Write into a folder that is not empty and not this calibration's.
    pub force: bool,
}

/// Progress on stderr: a line per stage, and the best objective every 25 evaluations.
struct Stderr {
    quiet: bool,
    started: Instant,
    total: AtomicUsize,
}

impl Progress for Stderr {
    fn stage(&self, name: &str) {
        if !self.quiet {
            eprintln!(
                "calibrate: {name} ({:.1} s, {} evaluations so far)",
                self.started.elapsed().as_secs_f64(),
                self.total.load(Ordering::Relaxed)
            );
        }
    }
    fn eval(&self, n: usize, best: f64) {
        self.total.fetch_add(1, Ordering::Relaxed);
        if !self.quiet && n.is_multiple_of(25) {
            eprintln!(
                "  {n} evaluations, best objective {}",
                crate::base::fmt::sig(best)
            );
        }
    }
}

fn file_id(file: &Path) -> String {
    file.canonicalize()
        .unwrap_or_else(|_| file.to_path_buf())
        .display()
        .to_string()
}

fn owner(dir: &Path, file: &str) -> Owner {
    if let Some(o) = outdir::other_command(dir, &["calibrate"]) {
        return o;
    }
    match outdir::manifest(dir)
        .as_ref()
        .and_then(|m| m.get("calibrate_file"))
        .and_then(|v| v.as_str())
    {
        Some(f) if f == file => Owner::Ours,
        Some(f) => Owner::Other(format!("the results of `triad calibrate {f}`")),
        None => Owner::Other(outdir::describe(dir)),
    }
}

/// Runs a calibration and writes its files; prints where they are and the warnings.
pub fn calibrate(args: &CalibrateArgs) -> anyhow::Result<calibrate::Outcome> {
    // A file with only the keys a calibration shares with a sweep (`base`, `replications`)
    // is read as a calibration here, so its own mistakes are the ones reported.
    super::expect_kind(&args.file, &[FileKind::Calibration, FileKind::Sweep])?;
    let cal = calibrate::load(&args.file)?;
    if !args.quiet {
        for line in cal.observations.iter().flat_map(|s| s.lines()) {
            eprintln!("observations: {}", crate::base::fmt::escape(&line));
        }
    }
    let threads = threads(args.threads)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.file, "calibrate"));
    let id = file_id(&args.file);
    outdir::claim(&out, args.force, |d| owner(d, &id))?;
    let started = utc_now();
    let clock = Instant::now();
    let mut manifest = serde_json::json!({
        "triad_version": env!("CARGO_PKG_VERSION"),
        "command": "calibrate",
        "calibrate_file": id,
        "calibrate_text": std::fs::read_to_string(&args.file).unwrap_or_default(),
        "seed": args.seed,
        "threads": threads,
        "started": started,
        "status": "running",
    });
    write_atomic(
        &out.join(MANIFEST),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let progress = Stderr {
        quiet: args.quiet,
        started: clock,
        total: AtomicUsize::new(0),
    };
    let opts = Options {
        seed: args.seed,
        ..Options::default()
    };
    let _guard = crate::base::interrupt::guard();
    let outcome = pool.install(|| calibrate::calibrate(&cal, &opts, &progress))?;
    calibrate::write(&out, &cal, &outcome, args.seed)?;
    manifest["status"] = "complete".into();
    manifest["finished"] = utc_now().into();
    manifest["wall_s"] = clock.elapsed().as_secs_f64().into();
    manifest["evaluations"] = outcome.evals.into();
    write_atomic(
        &out.join(MANIFEST),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
    if !args.quiet {
        for w in calibrate::warnings(&cal, &outcome) {
            eprintln!("warning: {w}");
        }
        eprintln!(
            "calibrate: objective {} after {} evaluations in {:.1} s; wrote {}",
            crate::base::fmt::sig(outcome.objective),
            outcome.evals,
            clock.elapsed().as_secs_f64(),
            out.join("report.md").display()
        );
    }
    Ok(outcome)
}
