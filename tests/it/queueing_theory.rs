//! The engine against queueing theory: M/M/1 at rho 0.5 and 0.8 and M/M/3 (Erlang C).
//!
//! Each run discards a warm-up, cuts the rest into batches of consecutive customers and
//! computes a Student-t confidence interval for the mean from the batch means (the method
//! of batch means). The theoretical mean wait, the utilization and Little's law
//! (`L = lambda W`, with `L` the time-average number in system from the resource's
//! time-weighted statistics) must fall inside it, and the interval must be narrow, so a
//! wrong service rate, a broken FIFO hand-over or wrong resource statistics fail.
//!
//! The long versions are `#[ignore]`d: `.ci/run` runs them in release with
//! `cargo test --release -- --include-ignored`. The short versions run in plain
//! `cargo test` (debug) in a few seconds, with fewer, shorter batches and a 99.9% level.

use crate::mmc_model::{self, Params, Record};

/// Two-sided 99% Student t quantile with 29 degrees of freedom (30 batches).
const T_99_DF29: f64 = 2.756;
/// Two-sided 99.9% Student t quantile with 9 degrees of freedom (10 batches).
const T_999_DF9: f64 = 4.781;

/// Sums of waits and times in system per batch of consecutive customers (arrival order).
struct Batches {
    warmup: u64,
    size: u64,
    wait: Vec<f64>,
    system: Vec<f64>,
}

impl Record for Batches {
    fn service_start(&mut self, index: u64, wait: f64, system: f64) {
        if index < self.warmup {
            return;
        }
        let b = ((index - self.warmup) / self.size) as usize;
        if b < self.wait.len() {
            self.wait[b] += wait;
            self.system[b] += system;
        }
    }
}

/// A batch-means design.
#[derive(Clone, Copy)]
struct Design {
    warmup: u64,
    batches: usize,
    size: u64,
    /// The t quantile for `batches - 1` degrees of freedom.
    t: f64,
}

/// A confidence interval `mean +- half`.
#[derive(Debug, Clone, Copy)]
struct Ci {
    mean: f64,
    half: f64,
}

impl Ci {
    fn of(xs: &[f64], t: f64) -> Ci {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        Ci {
            mean,
            half: t * (var / n).sqrt(),
        }
    }

    fn contains(&self, x: f64) -> bool {
        (self.mean - x).abs() <= self.half
    }
}

/// Per-batch estimates of one run.
struct Estimates {
    /// Mean wait in line per batch.
    wait: Vec<f64>,
    /// Time-average number in system over each batch's time window minus lambda times the
    /// batch's mean time in system (Little's law says this has mean zero).
    little: Vec<f64>,
    /// Utilization over each batch's time window.
    utilization: Vec<f64>,
}

/// Runs `p` and cuts it into the batches of `d`. Batch `j` holds customers
/// `warmup + j size ..< warmup + (j + 1) size` in arrival order; its time window runs from
/// the arrival of its first customer to the arrival of the next batch's first customer.
fn run(p: &Params, d: Design) -> Estimates {
    let needed = d.warmup + d.batches as u64 * d.size + 1;
    assert!(p.customers >= needed, "the design needs {needed} customers");
    let rec = Batches {
        warmup: d.warmup,
        size: d.size,
        wait: vec![0.0; d.batches],
        system: vec![0.0; d.batches],
    };
    let mut sim = mmc_model::simulation(p, rec).unwrap();
    let c = p.servers as f64;
    // (time, area under number in system, area under busy servers) at each window edge.
    let mut edges: Vec<(f64, f64, f64)> = Vec::with_capacity(d.batches + 1);
    let mut next_edge = d.warmup + 1; // `arrived` once the edge customer has arrived
    while let Some(t) = sim.step() {
        let m = sim.model_mut();
        if m.arrived == next_edge && edges.len() <= d.batches {
            let st = m.stats(t);
            let h = t.hours();
            edges.push((
                h,
                (st.utilization * c + st.mean_queue) * h,
                st.utilization * c * h,
            ));
            next_edge += d.size;
        }
    }
    assert_eq!(edges.len(), d.batches + 1);
    let m = sim.model();
    let mut est = Estimates {
        wait: vec![],
        little: vec![],
        utilization: vec![],
    };
    for j in 0..d.batches {
        let (t0, a0, b0) = edges[j];
        let (t1, a1, b1) = edges[j + 1];
        let k = d.size as f64;
        let l = (a1 - a0) / (t1 - t0);
        est.wait.push(m.record.wait[j] / k);
        est.little.push(l - p.arrival * m.record.system[j] / k);
        est.utilization.push((b1 - b0) / (c * (t1 - t0)));
    }
    est
}

/// Checks a run of `p` under design `d` against theory; `max_rel_half` bounds the
/// relative half-width of the wait interval so that a run too noisy to tell cannot pass.
fn check(p: &Params, d: Design, max_rel_half: f64) {
    let th = mmc_model::theory(p).expect("a stable queue");
    let est = run(p, d);

    let wait = Ci::of(&est.wait, d.t);
    let little = Ci::of(&est.little, d.t);
    let util = Ci::of(&est.utilization, d.t);
    // Shown with --nocapture, and by the harness when an assertion fails.
    println!(
        "{p:?}\n  wait {:.4} +- {:.4} (theory {:.4})\n  L - lambda W {:.4} +- {:.4}\n  \
         utilization {:.4} +- {:.4} (theory {:.4})",
        wait.mean,
        wait.half,
        th.mean_wait,
        little.mean,
        little.half,
        util.mean,
        util.half,
        th.utilization
    );
    assert!(
        wait.contains(th.mean_wait),
        "mean wait {:.4} +- {:.4} misses theory {:.4} ({p:?})",
        wait.mean,
        wait.half,
        th.mean_wait
    );
    assert!(
        wait.half <= max_rel_half * th.mean_wait,
        "wait interval too wide to test anything: +- {:.4} for {:.4}",
        wait.half,
        th.mean_wait
    );

    assert!(
        little.contains(0.0),
        "Little's law: L - lambda W = {:.4} +- {:.4}, expected 0 (L = {:.4}) ({p:?})",
        little.mean,
        little.half,
        th.mean_in_system
    );
    assert!(little.half <= max_rel_half * th.mean_in_system);

    assert!(
        util.contains(th.utilization),
        "utilization {:.4} +- {:.4} misses rho {:.4} ({p:?})",
        util.mean,
        util.half,
        th.utilization
    );
}

fn params(customers: u64, servers: u32, arrival: f64, seed: u64) -> Params {
    Params {
        customers,
        servers,
        arrival,
        service: 1.0,
        seed,
    }
}

fn long(warmup: u64, size: u64) -> Design {
    Design {
        warmup,
        batches: 30,
        size,
        t: T_99_DF29,
    }
}

fn short(warmup: u64, size: u64) -> Design {
    Design {
        warmup,
        batches: 10,
        size,
        t: T_999_DF9,
    }
}

fn customers(d: Design) -> u64 {
    d.warmup + d.batches as u64 * d.size + 1
}

#[test]
#[ignore = "long; .ci/run runs it in release with --include-ignored"]
fn mm1_rho_0_5_matches_theory() {
    let d = long(10_000, 100_000);
    check(&params(customers(d), 1, 0.5, 1), d, 0.02);
}

#[test]
#[ignore = "long; .ci/run runs it in release with --include-ignored"]
fn mm1_rho_0_8_matches_theory() {
    let d = long(50_000, 300_000);
    check(&params(customers(d), 1, 0.8, 2), d, 0.03);
}

#[test]
#[ignore = "long; .ci/run runs it in release with --include-ignored"]
fn mm3_erlang_c_matches_theory() {
    let d = long(20_000, 200_000);
    check(&params(customers(d), 3, 2.4, 3), d, 0.03);
}

#[test]
fn mm1_rho_0_5_matches_theory_short() {
    let d = short(2_000, 20_000);
    check(&params(customers(d), 1, 0.5, 4), d, 0.1);
}

#[test]
fn mm1_rho_0_8_matches_theory_short() {
    let d = short(5_000, 50_000);
    check(&params(customers(d), 1, 0.8, 5), d, 0.15);
}

#[test]
fn mm3_erlang_c_matches_theory_short() {
    let d = short(2_000, 30_000);
    check(&params(customers(d), 3, 2.4, 6), d, 0.15);
}

#[test]
fn erlang_c_known_values() {
    // c = 1: the probability of waiting is rho.
    assert!((mmc_model::erlang_c(1, 0.8).unwrap() - 0.8).abs() < 1e-15);
    // c = 2, a = 1: C = 1/3 (textbook value).
    assert!((mmc_model::erlang_c(2, 1.0).unwrap() - 1.0 / 3.0).abs() < 1e-15);
    // c = 3, a = 2.4: C = 0.6472 (to 4 places), so Wq = C / 0.6 = 1.0787.
    let th = mmc_model::theory(&params(1, 3, 2.4, 0)).unwrap();
    assert!((th.p_wait - 0.6472).abs() < 5e-5, "{}", th.p_wait);
    assert!((th.mean_wait - 1.0787).abs() < 5e-5, "{}", th.mean_wait);
    assert_eq!(mmc_model::erlang_c(2, 2.0), None);
}

#[test]
fn littles_law_holds_exactly_on_the_sample_path() {
    // From empty to empty, the area under the number in system equals the sum of the times
    // in system, whatever the seed: this pins the resource's time-weighted statistics.
    for (servers, arrival) in [(1, 0.8), (3, 2.4), (2, 3.0)] {
        let p = params(20_000, servers, arrival, 9);
        let mut sim = mmc_model::simulation(&p, ()).unwrap();
        sim.run();
        let end = sim.now();
        assert_eq!(sim.events_processed(), 2 * p.customers);
        let m = sim.model_mut();
        assert_eq!(
            (m.arrived, m.started, m.departed),
            (p.customers, p.customers, p.customers)
        );
        let area = m.area_in_system(end);
        assert!(
            (area - m.sum_system).abs() <= 1e-9 * m.sum_system,
            "area {area} vs sum of times in system {}",
            m.sum_system
        );
        // Every customer got a server exactly once.
        assert_eq!(m.stats(end).grants, p.customers);
    }
}
