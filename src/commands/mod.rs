//! The commands behind the command line, callable from Rust as well.

pub mod calibrate;
pub mod optimize;
mod plot;
mod policies;
pub mod reproduce;
pub mod robustness;
mod run;
pub mod sensitivity;
pub mod stress;
pub mod sweep;
mod validate;

pub use calibrate::{CalibrateArgs, calibrate};
pub use optimize::{OptimizeArgs, optimize};
pub use plot::{PlotArgs, plot};
pub use policies::{policies, policies_text};
pub use reproduce::{PlannedCheck, ReproduceArgs, check_claim, plan_check, reproduce};
pub use robustness::check_claim_robustness;
pub use run::{RunArgs, resolve, run};
pub use sensitivity::{SensitivityArgs, sensitivity};
pub use stress::{StressArgs, stress};
pub use sweep::{SweepArgs, merge, sweep, sweep_text};
pub use validate::validate;

use crate::base::Failed;
use crate::base::fmt::{escape, escape_lines};
use crate::base::interrupt::{self, Interrupted};
use crate::scenario::{FileKind, InputError, InputErrors};
use std::path::{Path, PathBuf};

pub use crate::base::UsageError;

/// Registers `--set` changes for the base scenario a plan file names (its `base`, relative
/// to the file's folder), where the plan's command loads it (`calibrate`, `optimize`,
/// `sensitivity`; no changes unregister earlier ones). A file without a readable `base`
/// gets nothing: reading it reports the problem, located.
fn install_base_set(file: &Path, set: &[String]) -> anyhow::Result<()> {
    let set = crate::scenario::Overrides::parse(set)?;
    // Without changes too: that forgets the changes of an earlier command in the process.
    let base = crate::scenario::Source::read(file)
        .ok()
        .and_then(|s| s.table().ok())
        .and_then(|t| t.get("base").and_then(|b| b.as_str()).map(str::to_string));
    if let Some(b) = base {
        let dir = file.parent().unwrap_or(Path::new("."));
        crate::scenario::set::install(&dir.join(b), set);
    }
    Ok(())
}

/// The default output folder of a file: `output/<under>/<file stem>/` (`output/<stem>/`
/// when `under` is empty).
pub fn default_out(file: &Path, under: &str) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    Path::new("output").join(under).join(stem)
}

/// Most worker threads per available core: a larger `--threads` is lowered to this, with a
/// note (more threads than that only add scheduling and memory, and 100 000 of them take
/// seconds to start).
pub const THREADS_PER_CORE: usize = 4;

/// The worker threads for `--threads`: one per core when absent; 0 is refused; more than
/// [`THREADS_PER_CORE`] per core is lowered to that, with a note on stderr.
pub(crate) fn threads(requested: Option<usize>) -> Result<usize, UsageError> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let max = cores * THREADS_PER_CORE;
    match requested {
        None => Ok(cores),
        Some(0) => Err(UsageError("--threads must be at least 1".into())),
        Some(n) if n > max => {
            eprintln!(
                "note: --threads {n} is more than {THREADS_PER_CORE} per core ({cores} cores \
                 here); using {max}"
            );
            Ok(max)
        }
        Some(n) => Ok(n),
    }
}

/// Refuses a file whose kind ([`FileKind::of`]) is not among those a command `accepts`,
/// naming the command that takes it. A file that cannot be read passes: the command's own
/// reader reports the problem, located.
pub(crate) fn expect_kind(file: &Path, accepts: &[FileKind]) -> Result<(), UsageError> {
    let Some(kind) = FileKind::of(file).filter(|k| !accepts.contains(k)) else {
        return Ok(());
    };
    let f = escape(&file.display().to_string()).into_owned();
    Err(UsageError(match kind {
        FileKind::Scenario => format!("{f} is a scenario: run it with `triad run {f}`"),
        FileKind::Sweep => format!(
            "{f} is a sweep file: run it with `triad sweep {f}` (a stress plan names its \
             `perturbations`, `severities`, `set` or `tier`)"
        ),
        FileKind::Stress => format!("{f} is a stress plan: run it with `triad stress {f}`"),
        FileKind::Search => format!(
            "{f} is a harness-search file (claim 9a): check it with `triad check-claim 9a {f}`"
        ),
        FileKind::Verdicts => {
            format!("{f} holds expected claim verdicts: use it with `triad reproduce --expect {f}`")
        }
        FileKind::Calibration => {
            format!("{f} is a calibration: run it with `triad calibrate {f}`")
        }
        FileKind::Sensitivity => {
            format!("{f} is a sensitivity plan: run it with `triad sensitivity {f}`")
        }
        FileKind::Optimization => {
            format!("{f} is an optimisation plan: run it with `triad optimize {f}`")
        }
    }))
}

/// The exit code for an error, one rule for every command: 2 for bad input or usage
/// (found before any work starts), 130 for work interrupted by Ctrl-C, 1 for work that ran
/// and failed in part or whole (failed runs, a claim that does not hold, a failed write).
/// Success is 0.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if e.chain().any(|c| c.is::<Interrupted>()) {
        interrupt::EXIT_CODE
    } else if e
        .chain()
        .any(|c| c.is::<InputError>() || c.is::<InputErrors>() || c.is::<UsageError>())
    {
        2
    } else {
        1
    }
}

/// Prints an error the way the binary does (located input errors as
/// `file:line:col: message` lines, failures and interruptions as one line, others as
/// `Error: ...`) and returns its exit code. Control characters from user text are printed
/// as escapes ([`escape_lines`]).
pub fn report_error(e: &anyhow::Error) -> u8 {
    let text = if let Some(ie) = e.downcast_ref::<InputError>() {
        ie.to_string()
    } else if let Some(ie) = e.downcast_ref::<InputErrors>() {
        ie.to_string()
    } else if let Some(f) = e.downcast_ref::<Failed>() {
        f.to_string()
    } else if let Some(i) = e.downcast_ref::<Interrupted>() {
        i.to_string()
    } else {
        format!("Error: {e:#}")
    };
    eprintln!("{}", escape_lines(&text));
    exit_code(e)
}
