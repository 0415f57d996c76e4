//! `triad calibrate`: fit world parameters to target measurements.

use super::{default_out, threads};
use crate::base::outdir::{self, Found, MANIFEST, Owner};
use crate::base::output::{utc_now, write_atomic};
use crate::calibrate::evaluations::Counts;
use crate::calibrate::{self, EVALUATIONS, Evaluations, Options, Progress};
use crate::scenario::FileKind;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Options of `triad calibrate`.
#[derive(Debug, Clone, Default)]
pub struct CalibrateArgs {
    /// The calibration file.
    pub file: PathBuf,
    /// `--set path=value` changes to the base scenario.
    pub set: Vec<String>,
    /// Output folder; `output/calibrate/<file stem>` when absent.
    pub out: Option<PathBuf>,
    /// Worker threads (`None` = one per core).
    pub threads: Option<usize>,
    /// Root seed (replications and search).
    pub seed: u64,
    /// No progress output.
    pub quiet: bool,
    /// Write into a folder that is not empty and not this calibration's (starting it over).
    pub force: bool,
}

/// Progress on stderr: a line per stage (with the evaluations so far, and how many of them
/// were reused), and the best objective every 25 evaluations of a stage.
struct Stderr {
    quiet: bool,
    started: Instant,
    counts: Mutex<Option<Counts>>,
}

impl Progress for Stderr {
    fn stage(&self, name: &str) {
        if !self.quiet {
            let c = self.counts.lock().ok().and_then(|c| *c);
            let (asked, reused) = c.map_or((0, 0), |c| (c.asked, c.reused));
            let reused = if reused > 0 {
                format!(", {reused} of them reused")
            } else {
                String::new()
            };
            eprintln!(
                "calibrate: {name} ({:.1} s, {asked} evaluations so far{reused})",
                self.started.elapsed().as_secs_f64(),
            );
        }
    }
    fn evaluations(&self, counts: Counts) {
        if let Ok(mut c) = self.counts.lock() {
            *c = Some(counts);
        }
    }
    fn eval(&self, n: usize, best: f64) {
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

/// Whose the non-empty folder `dir` is, for a calibration with fingerprint `fp`
/// ([`calibrate::Calibration::fingerprint`]): ours when its manifest records the same
/// fingerprint, so its evaluations can be reused.
fn owner(dir: &Path, fp: &str) -> Owner {
    if let Some(o) = outdir::other_command(dir, &["calibrate"]) {
        return o;
    }
    let Some(m) = outdir::manifest(dir) else {
        return Owner::Other(outdir::describe(dir));
    };
    let file = m.get("calibrate_file").and_then(|v| v.as_str());
    match (
        file,
        m.get("calibrate_fingerprint").and_then(|v| v.as_str()),
    ) {
        (Some(_), Some(f)) if f == fp => Owner::Ours,
        (Some(file), _) => Owner::Other(format!(
            "the results of `triad calibrate {file}` for another calibration (the file, its \
             base scenario, the seed or triad's version differ, so its evaluations cannot be \
             reused)"
        )),
        (None, _) => Owner::Other(outdir::describe(dir)),
    }
}

/// Runs a calibration and writes its files; prints where they are and the warnings.
pub fn calibrate(args: &CalibrateArgs) -> anyhow::Result<calibrate::Outcome> {
    // A file with only the keys a calibration shares with a sweep (`base`, `replications`)
    // is read as a calibration here, so its own mistakes are the ones reported.
    super::expect_kind(&args.file, &[FileKind::Calibration, FileKind::Sweep])?;
    super::install_base_set(&args.file, &args.set)?;
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
    let fp = cal.fingerprint(args.seed);
    let found = outdir::claim(&out, args.force, |d| owner(d, &fp))?;
    // The record is opened (a new or forced folder's emptied) before the manifest names
    // this calibration, so a folder never pairs its manifest with another's evaluations.
    let record = Evaluations::open(&out, &cal, found == Found::Ours)?;
    let recorded = record.counts().recorded;
    let started = utc_now();
    let clock = Instant::now();
    let mut manifest = serde_json::json!({
        "triad_version": env!("CARGO_PKG_VERSION"),
        "command": "calibrate",
        "calibrate_file": id,
        "calibrate_text": std::fs::read_to_string(&args.file).unwrap_or_default(),
        "calibrate_fingerprint": fp,
        "seed": args.seed,
        "replications": cal.replications,
        "threads": threads,
        "started": started,
        "status": "running",
        "evaluations_recorded": recorded,
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
        counts: Mutex::new(None),
    };
    if !args.quiet && recorded > 0 {
        eprintln!(
            "calibrate: resuming: {recorded} evaluations recorded in {} are reused, not run \
             again",
            out.join(EVALUATIONS).display()
        );
    }
    let opts = Options {
        seed: args.seed,
        ..Options::default()
    };
    let _guard = crate::base::interrupt::guard();
    let outcome =
        pool.install(|| calibrate::calibrate_recorded(&cal, &opts, &progress, &record))?;
    calibrate::write(&out, &cal, &outcome, args.seed)?;
    let counts = record.counts();
    manifest["status"] = "complete".into();
    manifest["finished"] = utc_now().into();
    manifest["wall_s"] = clock.elapsed().as_secs_f64().into();
    manifest["evaluations"] = outcome.evals.into();
    manifest["evaluations_reused"] = counts.reused.into();
    manifest["evaluations_run"] = (counts.asked - counts.reused).into();
    write_atomic(
        &out.join(MANIFEST),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
    if !args.quiet {
        for w in calibrate::warnings(&cal, &outcome) {
            eprintln!("warning: {w}");
        }
        let reused = if counts.reused > 0 {
            format!(" ({} reused from the earlier run)", counts.reused)
        } else {
            String::new()
        };
        eprintln!(
            "calibrate: objective {} after {} evaluations{reused} in {:.1} s; wrote {}",
            crate::base::fmt::sig(outcome.objective),
            outcome.evals,
            clock.elapsed().as_secs_f64(),
            out.join("report.md").display()
        );
    }
    Ok(outcome)
}
