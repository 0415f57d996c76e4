//! Sampled designs in the unit cube: uniform random, Latin hypercube and Sobol.

use crate::engine::{Streams, hash2};

/// Most dimensions the built-in Sobol direction numbers cover.
pub const SOBOL_MAX_DIMS: usize = 32;

/// Joe and Kuo's direction numbers (file `new-joe-kuo-6.21201`) for dimensions 2 to 32:
/// degree `s`, coefficients `a`, initial `m_1..m_s`. Dimension 1 is van der Corput.
const JOE_KUO: [(u32, u32, &[u32]); SOBOL_MAX_DIMS - 1] = [
    (1, 0, &[1]),
    (2, 1, &[1, 3]),
    (3, 1, &[1, 3, 1]),
    (3, 2, &[1, 1, 1]),
    (4, 1, &[1, 1, 3, 3]),
    (4, 4, &[1, 3, 5, 13]),
    (5, 2, &[1, 1, 5, 5, 17]),
    (5, 4, &[1, 1, 5, 5, 5]),
    (5, 7, &[1, 1, 7, 11, 19]),
    (5, 11, &[1, 1, 5, 1, 1]),
    (5, 13, &[1, 1, 1, 3, 11]),
    (5, 14, &[1, 3, 5, 5, 31]),
    (6, 1, &[1, 3, 3, 9, 7, 49]),
    (6, 13, &[1, 1, 1, 15, 21, 21]),
    (6, 16, &[1, 3, 1, 13, 27, 49]),
    (6, 19, &[1, 1, 1, 15, 7, 5]),
    (6, 22, &[1, 3, 1, 15, 13, 25]),
    (6, 25, &[1, 1, 5, 5, 19, 61]),
    (7, 1, &[1, 3, 7, 11, 23, 15, 103]),
    (7, 4, &[1, 3, 7, 13, 13, 15, 69]),
    (7, 7, &[1, 1, 3, 13, 7, 35, 63]),
    (7, 8, &[1, 3, 5, 9, 1, 25, 53]),
    (7, 14, &[1, 3, 1, 13, 9, 35, 107]),
    (7, 19, &[1, 3, 1, 5, 27, 61, 31]),
    (7, 21, &[1, 1, 5, 11, 19, 41, 61]),
    (7, 28, &[1, 3, 5, 3, 3, 13, 69]),
    (7, 31, &[1, 1, 7, 13, 1, 19, 1]),
    (7, 32, &[1, 3, 7, 5, 13, 19, 59]),
    (7, 37, &[1, 1, 3, 9, 25, 29, 41]),
    (7, 41, &[1, 3, 5, 13, 23, 1, 55]),
    (7, 42, &[1, 3, 7, 3, 13, 59, 17]),
];

const BITS: usize = 32;

/// The first `n` points of the unscrambled Sobol sequence in `dims` dimensions (Gray-code
/// order, starting with the origin, as SciPy's `Sobol(scramble=False)`). `None` when `dims`
/// is 0 or above [`SOBOL_MAX_DIMS`], or `n` exceeds 2^32.
pub fn sobol(n: usize, dims: usize) -> Option<Vec<Vec<f64>>> {
    let v = directions(n, dims)?;
    Some(gray_code_points(n, &v, &vec![0; dims]))
}

/// The first `n` points of a scrambled Sobol sequence in `dims` dimensions: Owen's
/// linear matrix scramble of each dimension's direction numbers (a random lower-triangular
/// binary matrix with a unit diagonal) and a random digital shift, both drawn from `seed`
/// (the scrambling SciPy's `Sobol(scramble=True)` does, with triad's own generator). Each
/// dimension keeps the balance of the unscrambled points: the first 2^k points put exactly
/// one point in each dyadic interval of length 2^-k. `None` as for [`sobol`].
pub fn sobol_scrambled(n: usize, dims: usize, seed: u64) -> Option<Vec<Vec<f64>>> {
    let mut v = directions(n, dims)?;
    let mut r = Streams::new(hash2(seed, 0x5EED_DE51_6E00_0003)).stream(0);
    let mut bits = || (r.uniform() * (1u64 << BITS) as f64) as u32;
    let mut shift = Vec::with_capacity(dims);
    for vd in v.iter_mut() {
        // Row i of the matrix gives output digit i (bit BITS-1-i): the digit itself plus
        // random earlier (higher) digits.
        let rows: Vec<u32> = (0..BITS)
            .map(|i| {
                let own = 1u32 << (BITS - 1 - i);
                let higher = !(own | (own - 1));
                own | (bits() & higher)
            })
            .collect();
        for vk in vd.iter_mut() {
            let mut out = 0u32;
            for (i, row) in rows.iter().enumerate() {
                out |= ((row & *vk).count_ones() & 1) << (BITS - 1 - i);
            }
            *vk = out;
        }
        shift.push(bits());
    }
    Some(gray_code_points(n, &v, &shift))
}

/// Direction numbers `v[d][k]` scaled to 32 bits; `None` when `dims` is 0 or above
/// [`SOBOL_MAX_DIMS`], or `n` exceeds 2^32.
fn directions(n: usize, dims: usize) -> Option<Vec<[u32; BITS]>> {
    if dims == 0 || dims > SOBOL_MAX_DIMS || n as u64 > 1u64 << BITS {
        return None;
    }
    let mut v = vec![[0u32; BITS]; dims];
    for (k, vk) in v[0].iter_mut().enumerate() {
        *vk = 1u32 << (BITS - 1 - k);
    }
    for d in 1..dims {
        let (s, a, m) = JOE_KUO[d - 1];
        let s = s as usize;
        for k in 0..BITS {
            if k < s {
                v[d][k] = m[k] << (BITS - 1 - k);
            } else {
                let mut x = v[d][k - s] ^ (v[d][k - s] >> s);
                for j in 1..s {
                    if (a >> (s - 1 - j)) & 1 == 1 {
                        x ^= v[d][k - j];
                    }
                }
                v[d][k] = x;
            }
        }
    }
    Some(v)
}

/// The first `n` points from direction numbers `v`, in Gray-code order, each dimension's
/// digits XORed with its `shift`.
fn gray_code_points(n: usize, v: &[[u32; BITS]], shift: &[u32]) -> Vec<Vec<f64>> {
    let scale = 1.0 / (1u64 << BITS) as f64;
    let mut x = shift.to_vec();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        if i > 0 {
            // Position of the lowest zero bit of i - 1.
            let c = (!(i - 1)).trailing_zeros() as usize;
            for (xd, vd) in x.iter_mut().zip(v) {
                *xd ^= vd[c];
            }
        }
        out.push(x.iter().map(|&b| b as f64 * scale).collect());
    }
    out
}

/// `n` independent uniform points in `[0, 1)^dims` from `seed`.
pub fn random(n: usize, dims: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut r = Streams::new(hash2(seed, 0x5EED_DE51_6E00_0001)).stream(0);
    (0..n)
        .map(|_| (0..dims).map(|_| r.uniform()).collect())
        .collect()
}

/// A Latin hypercube of `n` points in `[0, 1)^dims` from `seed`: each dimension's `n`
/// strata hold exactly one point, placed uniformly inside its stratum.
pub fn lhs(n: usize, dims: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut r = Streams::new(hash2(seed, 0x5EED_DE51_6E00_0002)).stream(0);
    let mut out = vec![vec![0.0; dims]; n];
    #[allow(clippy::needless_range_loop)]
    for d in 0..dims {
        let mut perm: Vec<usize> = (0..n).collect();
        // Fisher-Yates.
        for i in (1..n).rev() {
            let j = r.below(i + 1);
            perm.swap(i, j);
        }
        for (i, p) in perm.into_iter().enumerate() {
            out[i][d] = (p as f64 + r.uniform()) / n as f64;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sobol_matches_scipy_unscrambled() {
        let p = sobol(8, 2).unwrap();
        let want = [
            [0.0, 0.0],
            [0.5, 0.5],
            [0.75, 0.25],
            [0.25, 0.75],
            [0.375, 0.375],
            [0.875, 0.875],
            [0.625, 0.125],
            [0.125, 0.625],
        ];
        for (a, b) in p.iter().zip(want) {
            assert_eq!(a.as_slice(), b.as_slice());
        }
        // Third dimension (s = 2, a = 1, m = 1 3), as SciPy gives it.
        let p = sobol(6, 3).unwrap();
        let third: Vec<f64> = p.iter().map(|x| x[2]).collect();
        assert_eq!(third, vec![0.0, 0.5, 0.25, 0.75, 0.625, 0.125]);
    }

    #[test]
    fn sobol_is_balanced_in_every_dimension() {
        // The first 2^k points put exactly one point in each dyadic interval of length 2^-k.
        let n = 256;
        let p = sobol(n, SOBOL_MAX_DIMS).unwrap();
        for d in 0..SOBOL_MAX_DIMS {
            let mut seen = vec![false; n];
            for x in &p {
                seen[(x[d] * n as f64) as usize] = true;
            }
            assert!(seen.iter().all(|&s| s), "dimension {d}");
        }
        assert!(sobol(4, SOBOL_MAX_DIMS + 1).is_none());
    }

    #[test]
    fn scrambled_sobol_stays_balanced_and_depends_on_its_seed() {
        let n = 256;
        let p = sobol_scrambled(n, 16, 3).unwrap();
        for d in 0..16 {
            let mut seen = vec![false; n];
            for x in &p {
                assert!((0.0..1.0).contains(&x[d]));
                seen[(x[d] * n as f64) as usize] = true;
            }
            assert!(seen.iter().all(|&s| s), "dimension {d}");
        }
        assert_eq!(sobol_scrambled(n, 16, 3).unwrap(), p);
        let q = sobol_scrambled(n, 16, 4).unwrap();
        assert_ne!(q, p);
        // Not the origin first, unlike the unscrambled sequence.
        assert!(p[0].iter().any(|&x| x > 0.0));
    }

    #[test]
    fn lhs_has_one_point_per_stratum() {
        let p = lhs(50, 3, 9);
        for d in 0..3 {
            let mut strata: Vec<usize> = p.iter().map(|x| (x[d] * 50.0) as usize).collect();
            strata.sort();
            assert_eq!(strata, (0..50).collect::<Vec<_>>());
        }
        assert_eq!(lhs(50, 3, 9), p);
    }
}
