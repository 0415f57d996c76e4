//! Simulated time: a totally ordered, non-negative number of hours.

use std::fmt;
use std::ops::Sub;

/// Why a time or a duration was refused.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// The value was NaN.
    #[error("time must be a number, got NaN")]
    NaN,
    /// The value was infinite.
    #[error("time must be finite, got {0}")]
    Infinite(f64),
    /// The value was negative (a time before zero, or a negative duration).
    #[error("time must not be negative, got {0}")]
    Negative(f64),
}

/// A point in simulated time, in hours since the start of the run.
///
/// It can only hold finite values `>= 0`, so it has a total order and can key the event
/// queue: construction refuses NaN, infinities and negative values with an error value.
#[derive(Clone, Copy, PartialEq, Default)]
pub struct SimTime(f64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0.0);

    /// A time of `hours` since the start; refuses NaN, infinite and negative values.
    pub fn new(hours: f64) -> Result<SimTime, TimeError> {
        check(hours).map(SimTime)
    }

    /// The time `dt` hours after this one; refuses NaN, infinite and negative durations.
    #[inline]
    pub fn after(self, dt: f64) -> Result<SimTime, TimeError> {
        let t = self.0 + dt;
        // One test on the hot path: `dt >= 0` is false for NaN, and a finite sum of a valid
        // time and a non-negative `dt` means both were finite.
        if dt >= 0.0 && t.is_finite() {
            // `self.0` is never -0.0, so neither is `t`: no normalisation needed.
            Ok(SimTime(t))
        } else {
            after_slow(self.0, dt)
        }
    }

    /// Hours since the start of the run.
    #[inline]
    pub fn hours(self) -> f64 {
        self.0
    }

    /// The bit pattern of the value; for non-negative finite floats it orders like the value.
    #[inline]
    pub(crate) fn key(self) -> u64 {
        // +0.0 and -0.0 are both refused or normalised to +0.0 by `check`.
        self.0.to_bits()
    }

    /// The inverse of [`SimTime::key`], for bit patterns that came from a `SimTime`.
    #[inline]
    pub(crate) fn from_key(bits: u64) -> SimTime {
        SimTime(f64::from_bits(bits))
    }
}

/// The error path of [`SimTime::after`], out of line.
#[cold]
#[inline(never)]
fn after_slow(t: f64, dt: f64) -> Result<SimTime, TimeError> {
    let dt = check(dt)?;
    SimTime::new(t + dt)
}

#[inline]
fn check(x: f64) -> Result<f64, TimeError> {
    if x.is_nan() {
        Err(TimeError::NaN)
    } else if x.is_infinite() {
        Err(TimeError::Infinite(x))
    } else if x < 0.0 {
        Err(TimeError::Negative(x))
    } else {
        // Normalise -0.0 to +0.0 so that bit patterns order like values.
        Ok(x + 0.0)
    }
}

impl Eq for SimTime {}

impl PartialOrd for SimTime {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SimTime {
    #[inline]
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl Sub for SimTime {
    type Output = f64;
    /// The duration in hours from `rhs` to `self` (negative when `rhs` is later).
    #[inline]
    fn sub(self, rhs: SimTime) -> f64 {
        self.0 - rhs.0
    }
}

impl fmt::Debug for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}h", self.0)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3}h", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_nan_infinite_and_negative() {
        assert_eq!(SimTime::new(f64::NAN), Err(TimeError::NaN));
        assert!(matches!(
            SimTime::new(f64::INFINITY),
            Err(TimeError::Infinite(_))
        ));
        assert_eq!(SimTime::new(-1.0), Err(TimeError::Negative(-1.0)));
        assert_eq!(SimTime::ZERO.after(-0.5), Err(TimeError::Negative(-0.5)));
        assert_eq!(SimTime::ZERO.after(f64::NAN), Err(TimeError::NaN));
        assert_eq!(
            SimTime::ZERO.after(f64::INFINITY),
            Err(TimeError::Infinite(f64::INFINITY))
        );
        let big = SimTime::new(f64::MAX).unwrap();
        assert_eq!(big.after(f64::MAX), Err(TimeError::Infinite(f64::INFINITY)));
    }

    #[test]
    fn after_zero_delays_keep_the_time_and_its_key() {
        let t = SimTime::new(2.5).unwrap();
        assert_eq!(t.after(0.0).unwrap().key(), t.key());
        assert_eq!(t.after(-0.0).unwrap().key(), t.key());
        assert_eq!(SimTime::ZERO.after(-0.0).unwrap().key(), 0);
        assert_eq!(t.after(0.5).unwrap().hours(), 3.0);
    }

    #[test]
    fn orders_like_the_value() {
        let a = SimTime::new(0.25).unwrap();
        let b = SimTime::new(3.0).unwrap();
        assert!(a < b);
        assert_eq!(SimTime::new(-0.0).unwrap(), SimTime::ZERO);
        assert_eq!(
            SimTime::new(-0.0).unwrap().cmp(&SimTime::ZERO),
            std::cmp::Ordering::Equal
        );
        assert_eq!(b - a, 2.75);
    }
}
