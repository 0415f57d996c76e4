//! Criterion benches of the sensitivity estimators on outputs computed once outside the
//! timing (the Ishigami function): Sobol S1 and ST, with and without second order, and
//! Morris effects, each with 1000 bootstrap resamples; and the Saltelli design itself.
//! Short on purpose (10 samples): `cargo bench --bench sensitivity`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use triad::sensitivity::{Design, Method, Model, analyse, evaluate};

fn outputs(d: &Design) -> Vec<f64> {
    let m = Model::Ishigami { a: 7.0, b: 0.1 };
    let (lo, hi) = m.range();
    evaluate(d, |u| {
        let x: Vec<f64> = u.iter().map(|v| lo + v * (hi - lo)).collect();
        m.eval(&x)
    })
}

fn estimators(c: &mut Criterion) {
    let mut g = c.benchmark_group("sensitivity");
    for (label, method) in [
        (
            "sobol_n1024_d3",
            Method::Sobol {
                n: 1024,
                second_order: false,
            },
        ),
        (
            "sobol_second_order_n1024_d3",
            Method::Sobol {
                n: 1024,
                second_order: true,
            },
        ),
        (
            "morris_r100_d3",
            Method::Morris {
                trajectories: 100,
                levels: 4,
            },
        ),
    ] {
        let d = Design::new(method, 3, 1).unwrap();
        let y = outputs(&d);
        g.bench_function(format!("analyse_{label}_1000_resamples"), |b| {
            b.iter(|| black_box(analyse(&d, &y, 1000, 1).unwrap()))
        });
    }
    g.bench_function("saltelli_design_n512_d8", |b| {
        b.iter(|| {
            black_box(
                Design::new(
                    Method::Sobol {
                        n: 512,
                        second_order: false,
                    },
                    8,
                    1,
                )
                .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(3));
    targets = estimators
}
criterion_main!(benches);
