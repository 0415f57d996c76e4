//! The commands behind the command line, callable from Rust as well.

mod policies;
pub mod reproduce;
mod run;
pub mod stress;
pub mod sweep;

pub use policies::{policies, policies_text};
pub use reproduce::{ReproduceArgs, check_claim, reproduce};
pub use run::{FileKind, RunArgs, run, validate};
pub use stress::{StressArgs, stress};
pub use sweep::{SweepArgs, merge, plot, sweep};

use crate::base::Failed;
use crate::base::interrupt::{self, Interrupted};
use crate::scenario::InputError;

pub use crate::base::UsageError;

/// The exit code for an error, one rule for every command: 2 for bad input or usage
/// (found before any work starts), 130 for work interrupted by Ctrl-C, 1 for work that ran
/// and failed in part or whole (failed runs, a claim that does not hold, a failed write).
/// Success is 0.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if e.chain().any(|c| c.is::<Interrupted>()) {
        interrupt::EXIT_CODE
    } else if e
        .chain()
        .any(|c| c.is::<InputError>() || c.is::<UsageError>())
    {
        2
    } else {
        1
    }
}

/// Prints an error the way the binary does (located input errors as
/// `file:line:col: message` lines, failures and interruptions as one line, others as
/// `Error: ...`) and returns its exit code.
pub fn report_error(e: &anyhow::Error) -> u8 {
    if let Some(ie) = e.downcast_ref::<InputError>() {
        eprintln!("{ie}");
    } else if let Some(f) = e.downcast_ref::<Failed>() {
        eprintln!("{f}");
    } else if let Some(i) = e.downcast_ref::<Interrupted>() {
        eprintln!("{i}");
    } else {
        eprintln!("Error: {e:#}");
    }
    exit_code(e)
}
