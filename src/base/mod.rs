//! What every layer shares: located errors, number formats, statistics and safe output
//! files. It depends on nothing else in triad.

mod error;
pub mod fmt;
pub mod interrupt;
pub mod outdir;
pub mod output;
pub mod stats;

pub use error::{Failed, Issue, UsageError};
pub use interrupt::Interrupted;
pub use stats::MeanCi;
