//! Criterion benches of the engine's core loop: event queue throughput and a whole M/M/1
//! run. Short on purpose (10 samples, ~3 s each): `cargo bench --bench engine`.

#[path = "support/mmc_model.rs"]
mod mmc_model;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use triad::engine::{EventQueue, SimTime, Streams};

/// Increments of the hold model: exponential, mean 1, drawn once outside the timing.
fn increments(n: usize) -> Vec<f64> {
    let mut r = Streams::new(11).stream(0);
    (0..n).map(|_| r.exp(1.0)).collect()
}

fn event_queue(c: &mut Criterion) {
    let mut g = c.benchmark_group("event_queue");

    // The classic hold model: a queue of `size` pending events; each operation pops the
    // earliest and pushes it back a random time later.
    for size in [16usize, 1024] {
        let incs = increments(4096);
        let mut q = EventQueue::with_capacity(size);
        for (i, dt) in incs.iter().take(size).enumerate() {
            q.push(SimTime::new(*dt).unwrap(), i as u32);
        }
        let ops = 1024u64;
        let mut k = 0usize;
        g.throughput(Throughput::Elements(ops));
        g.bench_function(format!("hold_{size}_pending"), |b| {
            b.iter(|| {
                for _ in 0..ops {
                    let (t, e) = q.pop().unwrap();
                    k = (k + 1) & 4095;
                    q.push(t.after(incs[k]).unwrap(), e);
                }
                black_box(q.peek_time())
            })
        });
    }

    // Fill then drain: 10,000 pushes at random (unsorted) times, then 10,000 pops.
    let n = 10_000usize;
    let times: Vec<SimTime> = increments(n)
        .iter()
        .map(|dt| SimTime::new(100.0 * dt).unwrap())
        .collect();
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("fill_drain_10k", |b| {
        b.iter_batched(
            || EventQueue::with_capacity(n),
            |mut q| {
                for (i, t) in times.iter().enumerate() {
                    q.push(*t, i as u32);
                }
                let mut last = SimTime::ZERO;
                while let Some((t, _)) = q.pop() {
                    last = t;
                }
                black_box(last)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn mm1(c: &mut Criterion) {
    let mut g = c.benchmark_group("mm1");
    let p = mmc_model::Params {
        customers: 100_000,
        servers: 1,
        arrival: 0.8,
        service: 1.0,
        seed: 1,
    };
    // Two model events per customer: the arrival and the departure.
    g.throughput(Throughput::Elements(2 * p.customers));
    g.bench_function("rho0.8_100k_customers", |b| {
        b.iter(|| {
            let mut sim = mmc_model::simulation(&p, ()).unwrap();
            sim.run();
            black_box(sim.model().mean_wait())
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = event_queue, mm1
}
criterion_main!(benches);
