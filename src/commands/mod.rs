//! The commands behind the command line, callable from Rust as well.

mod policies;
mod run;

pub use policies::{policies, policies_text};
pub use run::{FileKind, RunArgs, run, validate};

use crate::scenario::InputError;

/// An error in what the user gave (a file, a flag, a folder of another sweep): the binary
/// exits with code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

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
