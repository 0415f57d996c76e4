//! The commands behind the command line, callable from Rust as well.

mod policies;
mod run;

pub use policies::{policies, policies_text};
pub use run::{RunArgs, run, validate};

/// An error in what the user gave (a file, a flag): the binary exits with code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);
