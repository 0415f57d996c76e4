//! The errors every layer shares: problems located by a dotted path, and usage mistakes.

/// A problem found by validation, located by a dotted path into the document
/// (`tiers.2.skill`, `policy.shares.evolver`) rather than by position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Dotted path of the offending key; array elements by index from 0.
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl Issue {
    /// An issue at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Issue {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// An error in what the user gave (a file, a flag, a folder of another sweep): the binary
/// exits with code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Work that ran to its end but some of it failed (failed runs, a claim that does not
/// hold): the binary exits with code 1. The message counts the failures and names the
/// file that lists them.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Failed(pub String);
