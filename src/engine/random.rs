//! Random streams: portable, seedable, and split into independent sub-streams.

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One random stream. ChaCha8 is portable and its output is fixed by its specification, so a
/// seed means the same numbers on every machine and every version of triad.
#[derive(Debug, Clone)]
pub struct Stream(ChaCha8Rng);

impl Stream {
    /// A uniform draw in `[0, 1)`.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// A uniform draw in `(0, 1]`, safe to take the logarithm of.
    #[inline]
    pub fn uniform_open0(&mut self) -> f64 {
        1.0 - self.uniform()
    }

    /// An exponential draw with the given rate (mean `1 / rate`).
    #[inline]
    pub fn exp(&mut self, rate: f64) -> f64 {
        -self.uniform_open0().ln() / rate
    }

    /// True with probability `p`.
    #[inline]
    pub fn bernoulli(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// A standard normal draw (Box-Muller, one value per call so draws stay aligned).
    #[inline]
    pub fn std_normal(&mut self) -> f64 {
        let u1 = self.uniform_open0();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A normal draw with mean `mu` and standard deviation `sd`.
    #[inline]
    pub fn normal(&mut self, mu: f64, sd: f64) -> f64 {
        mu + sd * self.std_normal()
    }

    /// A uniform integer in `0..n` (`n > 0`).
    #[inline]
    pub fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n)
    }

    /// The underlying generator, for `rand_distr` distributions.
    pub fn rng(&mut self) -> &mut impl Rng {
        &mut self.0
    }
}

/// The root of a run's randomness: derives independent, reproducible sub-streams from
/// `(seed, stream id)`.
///
/// Two runs with the same seed get the same sub-stream for the same id whatever else they
/// draw, which is what common random numbers need: give each source of randomness its own
/// id, and two variants compared with one seed draw the same numbers from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streams {
    seed: u64,
}

impl Streams {
    /// The streams of `seed`.
    pub fn new(seed: u64) -> Self {
        Streams { seed }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Sub-stream `id`: ChaCha8 keyed by the seed, on its own stream number.
    pub fn stream(&self, id: u64) -> Stream {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(id);
        Stream(rng)
    }
}

/// A well-mixed 64-bit hash of the pair `(a, b)` (SplitMix64 finaliser), for deriving seeds
/// (`hash2(seed, replication)`) and fingerprints.
pub fn hash2(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_draws_different_ids_differ() {
        let s = Streams::new(42);
        let a: Vec<f64> = (0..8)
            .map({
                let mut r = s.stream(1);
                move |_| r.uniform()
            })
            .collect();
        let b: Vec<f64> = (0..8)
            .map({
                let mut r = Streams::new(42).stream(1);
                move |_| r.uniform()
            })
            .collect();
        let c: Vec<f64> = (0..8)
            .map({
                let mut r = s.stream(2);
                move |_| r.uniform()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn exp_mean_within_bounds() {
        let mut r = Streams::new(7).stream(0);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| r.exp(2.0)).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        // Exponential(2): sd 0.5, so the standard error is 0.5 / sqrt(n).
        let se = 0.5 / (n as f64).sqrt();
        assert!((m - 0.5).abs() < 4.0 * se, "mean {m}");
    }
}
