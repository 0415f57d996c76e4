//! Criterion bench of whole world runs: the baseline scenario (30 simulated days) under
//! each built-in policy, and a busy variant of about a million events.
//! `cargo bench --bench world`.
//!
//! To measure the world with the previous random streams (ChaCha8 sub-streams, Box-Muller
//! normals, exponentials by inversion) from the same checkout, add the bench-only feature:
//! `cargo bench --bench world --features old-rng`. Its runs draw other numbers, so its event
//! counts differ a little; compare the events/s (criterion's "thrpt"), not the times.
//! Short runs: `cargo bench --bench world -- --warm-up-time 1 --measurement-time 3`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use triad::policy::PolicyConfig;
use triad::scenario::Scenario;

fn baseline() -> Scenario {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
    triad::scenario::load(path.as_ref()).expect("the shipped baseline is valid")
}

fn with_kind(kind: &str) -> Scenario {
    let mut c = baseline();
    let t: toml::Table = toml::from_str(&format!("kind = {kind:?}")).expect("a kind table");
    c.policy = t.try_into::<PolicyConfig>().expect("a built-in policy");
    c
}

fn world(c: &mut Criterion) {
    let mut g = c.benchmark_group("world");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for kind in [
        "static",
        "struggle-adaptive",
        "difficulty-adaptive",
        "corpus-advice",
    ] {
        let cfg = with_kind(kind);
        let events = cfg.run(1).expect("runs").metrics.events;
        g.throughput(Throughput::Elements(events));
        g.bench_function(format!("baseline_30d/{kind}"), |b| {
            b.iter(|| black_box(&cfg).run(1))
        });
    }
    // A busy month: ~1M events.
    let mut busy = baseline();
    busy.world.workload.arrival_per_hour = 700.0;
    busy.world.budget = 1500.0;
    let events = busy.run(1).expect("runs").metrics.events;
    g.throughput(Throughput::Elements(events));
    g.bench_function("busy_30d", |b| b.iter(|| black_box(&busy).run(1)));
    g.finish();
}

criterion_group!(benches, world);
criterion_main!(benches);
