//! Scenario files: TOML text turned into validated model values, with located errors.

mod source;

pub use source::{InputError, Issue, Problem, Source};
