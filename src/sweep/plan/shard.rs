//! Sharding: a deterministic share of a plan's runs, so that several machines (or several
//! jobs of one) run a sweep in parts that `triad merge` joins.

/// A deterministic share of a plan's runs: shard `k` of `n` (1-based) takes the run indices
/// `i` with `i % n == k - 1` (round robin, so every shard gets a similar mix of cells).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 1.
    pub k: usize,
    /// Number of shards.
    pub n: usize,
}

impl Shard {
    /// The whole plan.
    pub const ALL: Shard = Shard { k: 1, n: 1 };

    /// Parses `K/N` with `1 <= K <= N`.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard takes K/N with 1 <= K <= N, like 2/8 (got {s:?})");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// This shard's run indices among `runs`, in order.
    pub fn indices(&self, runs: usize) -> Vec<usize> {
        (self.k - 1..runs).step_by(self.n).collect()
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}
