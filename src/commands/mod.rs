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

use crate::scenario::InputError;

pub use crate::base::UsageError;

/// The exit code for an error: 2 for input and usage mistakes, 1 otherwise.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if e.chain()
        .any(|c| c.is::<InputError>() || c.is::<UsageError>())
    {
        2
    } else {
        1
    }
}

/// Prints an error the way the binary does (located input errors as
/// `file:line:col: message` lines, others as `Error: ...`) and returns its exit code.
pub fn report_error(e: &anyhow::Error) -> u8 {
    if let Some(ie) = e.downcast_ref::<InputError>() {
        eprintln!("{ie}");
    } else {
        eprintln!("Error: {e:#}");
    }
    exit_code(e)
}
