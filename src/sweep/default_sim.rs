//! THE SIMULATOR BEHIND `triad sweep`: one function, [`default_simulator`].
//!
//! For now this is a small but honest toy world, an M/M/c queue with impatient customers on
//! the engine, so that the sweep machinery can be built and tested before the world model
//! exists. At merge time this file's body is replaced by the real model; nothing outside
//! this file may depend on its internals (only on [`default_simulator`] and the
//! [`Simulator`] trait).
//!
//! Scenario keys (all optional but `arrival`, `service`): `arrival` (customers per hour),
//! `service` (services per hour per server), `servers` (integer, default 1), `horizon`
//! (hours, default 24), `patience` (hours a customer waits before leaving, default
//! unlimited). Policy keys (`[policy]`): `name`, `extra_servers` (integer, default 0),
//! `speedup` (multiplies the service rate, default 1). Arrivals and service demands use
//! their own random streams, so every policy faces the same customers (common random
//! numbers).
//!
//! Metrics: `yield` (customers served by the horizon), `mean_wait` (hours, served
//! customers), `reneged`, `utilisation`. Series per hour: `queue_len`, `served`.

use super::{RunRecord, Simulator};
use crate::engine::{Acquire, Model, Resource, Scheduler, SimTime, Simulation, Stream, Streams};

/// The simulator used by `triad sweep`.
pub fn default_simulator() -> Box<dyn Simulator> {
    Box::new(ToyQueue)
}

/// An M/M/c queue with impatient customers.
struct ToyQueue;

#[derive(Debug, Clone, Copy)]
enum Ev {
    Arrive,
    Depart,
    Hour(u32),
}

struct Queue {
    servers: Resource<f64>,
    arrival: f64,
    service: f64,
    patience: f64,
    arrivals: Stream,
    demands: Stream,
    served: u64,
    reneged: u64,
    wait_sum: f64,
    hours: Vec<f64>,
    queue_len: Vec<f64>,
    served_series: Vec<f64>,
    error: Option<String>,
}

impl Queue {
    /// Starts service for the customer who arrived at `arrived`, or for the first patient
    /// one behind them if they have given up.
    fn start(&mut self, mut arrived: f64, s: &mut Scheduler<Ev>) {
        let now = s.now();
        loop {
            let wait = now.hours() - arrived;
            if wait <= self.patience {
                self.wait_sum += wait;
                let d = self.demands.exp(self.service);
                if let Err(e) = s.after(d, Ev::Depart) {
                    self.error = Some(e.to_string());
                }
                return;
            }
            self.reneged += 1;
            match self.servers.release(now) {
                Some(next) => arrived = next,
                None => return,
            }
        }
    }
}

impl Model for Queue {
    type Event = Ev;

    fn handle(&mut self, ev: Ev, s: &mut Scheduler<Ev>) {
        let now = s.now();
        match ev {
            Ev::Arrive => {
                let gap = self.arrivals.exp(self.arrival);
                if let Err(e) = s.after(gap, Ev::Arrive) {
                    self.error = Some(e.to_string());
                }
                if let Acquire::Granted(t) = self.servers.acquire(now, now.hours()) {
                    self.start(t, s);
                }
            }
            Ev::Depart => {
                self.served += 1;
                if let Some(next) = self.servers.release(now) {
                    self.start(next, s);
                }
            }
            Ev::Hour(h) => {
                self.hours.push(h as f64);
                self.queue_len.push(self.servers.queue_len() as f64);
                self.served_series.push(self.served as f64);
                if let Err(e) = s.after(1.0, Ev::Hour(h + 1)) {
                    self.error = Some(e.to_string());
                }
            }
        }
    }
}

fn float(t: &toml::Table, key: &str, default: Option<f64>) -> Result<f64, String> {
    match t.get(key) {
        None => default.ok_or_else(|| format!("missing key `{key}`")),
        Some(toml::Value::Float(f)) => Ok(*f),
        Some(toml::Value::Integer(i)) => Ok(*i as f64),
        Some(v) => Err(format!("`{key}` must be a number, got a {}", v.type_str())),
    }
}

fn positive(t: &toml::Table, key: &str, default: Option<f64>) -> Result<f64, String> {
    let x = float(t, key, default)?;
    if x > 0.0 && !x.is_nan() {
        Ok(x)
    } else {
        Err(format!("`{key}` must be > 0 (got {x})"))
    }
}

impl Simulator for ToyQueue {
    fn run(&self, sc: &toml::Table, seed: u64) -> Result<RunRecord, String> {
        const KEYS: [&str; 6] = [
            "arrival", "service", "servers", "horizon", "patience", "policy",
        ];
        if let Some(k) = sc.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(format!(
                "unknown scenario key `{k}`; the toy queue knows {KEYS:?}"
            ));
        }
        let empty = toml::Table::new();
        let policy = match sc.get("policy") {
            None => &empty,
            Some(toml::Value::Table(t)) => t,
            Some(v) => return Err(format!("`policy` must be a table, got a {}", v.type_str())),
        };
        let arrival = positive(sc, "arrival", None)?;
        let service = positive(sc, "service", None)? * positive(policy, "speedup", Some(1.0))?;
        let horizon = positive(sc, "horizon", Some(24.0))?;
        let patience = positive(sc, "patience", Some(f64::INFINITY))?;
        let servers = float(sc, "servers", Some(1.0))? + float(policy, "extra_servers", Some(0.0))?;
        if !((1.0..=10_000.0).contains(&servers) && servers.fract() == 0.0) {
            return Err(format!(
                "servers (+ policy.extra_servers) must be a whole number in 1..=10000, got {servers}"
            ));
        }
        if horizon > 1e6 {
            return Err(format!(
                "`horizon` must be at most 1e6 hours (got {horizon})"
            ));
        }
        let streams = Streams::new(seed);
        let mut sim = Simulation::new(Queue {
            servers: Resource::new(servers as u32),
            arrival,
            service,
            patience,
            arrivals: streams.stream(1),
            demands: streams.stream(2),
            served: 0,
            reneged: 0,
            wait_sum: 0.0,
            hours: vec![],
            queue_len: vec![],
            served_series: vec![],
            error: None,
        });
        let first = streams.stream(0).exp(arrival);
        let t0 = SimTime::new(first).map_err(|e| e.to_string())?;
        sim.schedule(t0, Ev::Arrive).map_err(|e| e.to_string())?;
        sim.schedule(SimTime::ZERO, Ev::Hour(0))
            .map_err(|e| e.to_string())?;
        let end = SimTime::new(horizon).map_err(|e| e.to_string())?;
        sim.run_until(end).map_err(|e| e.to_string())?;
        let mut q = sim.into_model();
        if let Some(e) = q.error {
            return Err(e);
        }
        let util = q.servers.stats(end).utilization;
        let mean_wait = if q.served > 0 {
            q.wait_sum / q.served as f64
        } else {
            0.0
        };
        Ok(RunRecord {
            metrics: vec![
                ("yield".into(), q.served as f64),
                ("mean_wait".into(), mean_wait),
                ("reneged".into(), q.reneged as f64),
                ("utilisation".into(), util),
            ],
            series: vec![
                ("hour".into(), q.hours),
                ("queue_len".into(), q.queue_len),
                ("served".into(), q.served_series),
            ],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mm1_utilisation_and_determinism() {
        let sc: toml::Table =
            toml::from_str("arrival = 0.5\nservice = 1.0\nhorizon = 20000.0").unwrap();
        let a = ToyQueue.run(&sc, 1).unwrap();
        assert_eq!(a, ToyQueue.run(&sc, 1).unwrap());
        let u = a.metric("utilisation").unwrap();
        assert!((u - 0.5).abs() < 0.03, "utilisation {u}");
        // M/M/1 mean wait in line: rho / (mu - lambda) = 1 hour.
        let w = a.metric("mean_wait").unwrap();
        assert!((w - 1.0).abs() < 0.2, "wait {w}");
        let bad: toml::Table = toml::from_str("arrival = 1.0\nservice = 1.0\nsrvers = 2").unwrap();
        assert!(ToyQueue.run(&bad, 1).unwrap_err().contains("srvers"));
    }
}
