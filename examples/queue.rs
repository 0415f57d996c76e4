//! Demonstrates the engine on an M/M/c queue and prints one JSON summary with its speed.
//!
//! ```sh
//! cargo run --release --example queue -- --customers 1000000 --servers 1 \
//!     --arrival 0.8 --service 1.0 --seed 1
//! ```
//!
//! Model events are arrivals and departures (two per customer); `benches/queue_simpy.py`
//! counts the same ones, so `events_per_s` compares like with like. The run checks its own
//! result before printing: every customer arrives and leaves, and the time-average number
//! in system from the resource's statistics obeys Little's law on the sample path
//! (`L * T = sum of times in system`).

#[path = "../benches/support/mmc_model.rs"]
mod mmc_model;

use clap::Parser;
use std::process::ExitCode;
use std::time::Instant;

/// Simulates an M/M/c queue with triad's engine and prints a JSON summary on stdout.
#[derive(Debug, Parser)]
#[command(name = "queue")]
struct Args {
    /// Customers that arrive in the run (the run ends when the last one has left).
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    customers: u64,
    /// Number of servers.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    servers: u32,
    /// Arrival rate lambda (customers per unit time).
    #[arg(long, default_value_t = 0.8, value_parser = positive_rate)]
    arrival: f64,
    /// Service rate mu of one server (customers per unit time).
    #[arg(long, default_value_t = 1.0, value_parser = positive_rate)]
    service: f64,
    /// Seed of the random streams.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn positive_rate(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("expected a number, got '{s}'"))?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("must be a positive finite rate, got {v}"))
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let a = Args::parse();
    let p = mmc_model::Params {
        customers: a.customers,
        servers: a.servers,
        arrival: a.arrival,
        service: a.service,
        seed: a.seed,
    };
    let mut sim = mmc_model::simulation(&p, ())?;

    let t0 = Instant::now();
    sim.run();
    let wall_s = t0.elapsed().as_secs_f64();

    let events = sim.events_processed();
    let end = sim.now();
    let m = sim.model_mut();
    let stats = m.stats(end);
    let mean_in_system = m.mean_in_system(end);

    // Checks that hold on every sample path, whatever the seed.
    if m.arrived != p.customers || m.departed != p.customers || events != 2 * p.customers {
        return Err(format!(
            "run incomplete: {} arrived, {} departed, {events} events for {} customers",
            m.arrived, m.departed, p.customers
        ));
    }
    let area = mean_in_system * end.hours();
    let little_err = (area - m.sum_system).abs() / m.sum_system.max(f64::MIN_POSITIVE);
    if little_err > 1e-6 {
        return Err(format!(
            "Little's law fails on the sample path: area {area} vs sum of times in system {} \
             (relative error {little_err:e})",
            m.sum_system
        ));
    }

    let th = mmc_model::theory(&p);
    let summary = serde_json::json!({
        "model": "M/M/c",
        "engine": "triad",
        "customers": p.customers,
        "servers": p.servers,
        "arrival": p.arrival,
        "service": p.service,
        "seed": p.seed,
        "rho": p.rho(),
        "events": events,
        "wall_s": wall_s,
        "events_per_s": events as f64 / wall_s.max(1e-12),
        "sim_time": end.hours(),
        "mean_wait": m.mean_wait(),
        "mean_system_time": m.mean_system_time(),
        "mean_in_system": mean_in_system,
        "utilization": stats.utilization,
        "mean_queue": stats.mean_queue,
        "max_queue": stats.max_queue,
        "theory_mean_wait": th.map(|t| t.mean_wait),
        "theory_mean_system_time": th.map(|t| t.mean_system_time),
        "theory_utilization": th.map(|t| t.utilization),
    });
    println!("{summary}");
    Ok(())
}
