//! The M/M/c queue on the triad engine, with its queueing theory (Erlang C).
//!
//! One file shared by `examples/queue.rs`, `benches/engine.rs` and the integration tests,
//! each of which includes it with `#[path = "..."] mod mmc_model;`. It lives in a folder of
//! `benches/` so that cargo does not take it for a bench target of its own.
//!
//! Customers arrive in a Poisson stream of rate `arrival`, wait in one FIFO line for the
//! first of `servers` identical servers and are served for an exponential time of rate
//! `service`. Inter-arrival and service times come from two separate engine sub-streams, so
//! changing the number of servers leaves both input sequences unchanged. Handling an event
//! allocates nothing.

// Each includer uses a different part of this file.
#![allow(dead_code)]

use triad::engine::{
    Acquire, Model, Resource, ResourceStats, Scheduler, SimTime, Simulation, Stream, Streams,
};

/// Sub-stream id of the inter-arrival times.
pub const ARRIVAL_STREAM: u64 = 1;
/// Sub-stream id of the service times.
pub const SERVICE_STREAM: u64 = 2;

/// The closed set of events of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A customer arrives.
    Arrival,
    /// A server finishes a customer.
    Departure,
}

/// The parameters of one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Customers that arrive in the run (the run ends when the last one has left).
    pub customers: u64,
    /// Number of servers, `c >= 1`.
    pub servers: u32,
    /// Arrival rate `lambda`, customers per unit time.
    pub arrival: f64,
    /// Service rate `mu` of one server, customers per unit time.
    pub service: f64,
    /// Seed of the engine's random streams.
    pub seed: u64,
}

impl Params {
    /// Checks the parameters, naming the flag to fix.
    pub fn validate(&self) -> Result<(), String> {
        if self.servers == 0 {
            return Err("--servers must be at least 1 (got 0)".into());
        }
        for (flag, v) in [("--arrival", self.arrival), ("--service", self.service)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("{flag} must be a positive finite rate (got {v})"));
            }
        }
        Ok(())
    }

    /// Offered load per server, `rho = lambda / (c mu)`.
    pub fn rho(&self) -> f64 {
        self.arrival / (self.servers as f64 * self.service)
    }
}

/// Receives each customer's wait and time in system when its service starts, in arrival
/// order (one FIFO line, so service starts in arrival order).
pub trait Record {
    /// Customer `index` (0-based, arrival order) waited `wait` and will spend `system` in
    /// total (wait plus its service time).
    #[inline]
    fn service_start(&mut self, index: u64, wait: f64, system: f64) {
        let _ = (index, wait, system);
    }
}

/// Records nothing beyond the model's own totals.
impl Record for () {}

/// The M/M/c model: its state, random streams and running totals.
pub struct Mmc<R: Record = ()> {
    /// The servers; the token of a waiting customer is its arrival time.
    pub servers: Resource<SimTime>,
    arrivals_rng: Stream,
    services_rng: Stream,
    arrival: f64,
    service: f64,
    customers: u64,
    /// Customers arrived so far.
    pub arrived: u64,
    /// Customers whose service has started.
    pub started: u64,
    /// Customers who have left.
    pub departed: u64,
    /// Sum of the waits in line of the started customers.
    pub sum_wait: f64,
    /// Sum of the times in system of the started customers.
    pub sum_system: f64,
    /// The recorder.
    pub record: R,
}

impl<R: Record> Mmc<R> {
    #[inline]
    fn start(&mut self, arrived_at: SimTime, now: SimTime, s: &mut Scheduler<Event>) {
        let wait = now - arrived_at;
        let service = self.services_rng.exp(self.service);
        self.sum_wait += wait;
        self.sum_system += wait + service;
        self.record
            .service_start(self.started, wait, wait + service);
        self.started += 1;
        s.after(service, Event::Departure)
            .expect("an exponential delay is finite and >= 0");
    }

    /// Mean wait in line over the started customers.
    pub fn mean_wait(&self) -> f64 {
        self.sum_wait / self.started.max(1) as f64
    }

    /// Mean time in system over the started customers.
    pub fn mean_system_time(&self) -> f64 {
        self.sum_system / self.started.max(1) as f64
    }

    /// Time-average number of customers in the system over `[0, now]`, from the resource's
    /// time-weighted statistics (busy servers plus line).
    pub fn mean_in_system(&mut self, now: SimTime) -> f64 {
        let c = self.servers.capacity() as f64;
        let st = self.servers.stats(now);
        st.utilization * c + st.mean_queue
    }

    /// The area under the number-in-system curve over `[0, now]`.
    pub fn area_in_system(&mut self, now: SimTime) -> f64 {
        self.mean_in_system(now) * now.hours()
    }

    /// The resource's statistics over `[0, now]`.
    pub fn stats(&mut self, now: SimTime) -> ResourceStats {
        self.servers.stats(now)
    }
}

impl<R: Record> Model for Mmc<R> {
    type Event = Event;

    #[inline]
    fn handle(&mut self, event: Event, s: &mut Scheduler<Event>) {
        let now = s.now();
        match event {
            Event::Arrival => {
                self.arrived += 1;
                if self.arrived < self.customers {
                    let gap = self.arrivals_rng.exp(self.arrival);
                    s.after(gap, Event::Arrival)
                        .expect("an exponential delay is finite and >= 0");
                }
                if let Acquire::Granted(at) = self.servers.acquire(now, now) {
                    self.start(at, now, s);
                }
            }
            Event::Departure => {
                self.departed += 1;
                if let Some(at) = self.servers.release(now) {
                    self.start(at, now, s);
                }
            }
        }
    }
}

/// A simulation of `p` at time zero with its first arrival scheduled.
pub fn simulation<R: Record>(p: &Params, record: R) -> Result<Simulation<Mmc<R>>, String> {
    p.validate()?;
    let streams = Streams::new(p.seed);
    let mut model = Mmc {
        servers: Resource::new(p.servers),
        arrivals_rng: streams.stream(ARRIVAL_STREAM),
        services_rng: streams.stream(SERVICE_STREAM),
        arrival: p.arrival,
        service: p.service,
        customers: p.customers,
        arrived: 0,
        started: 0,
        departed: 0,
        sum_wait: 0.0,
        sum_system: 0.0,
        record,
    };
    let first = if p.customers > 0 {
        Some(SimTime::new(model.arrivals_rng.exp(p.arrival)).map_err(|e| e.to_string())?)
    } else {
        None
    };
    let mut sim = Simulation::new(model);
    if let Some(t) = first {
        sim.schedule(t, Event::Arrival).map_err(|e| e.to_string())?;
    }
    Ok(sim)
}

/// Erlang's C formula: the probability that an arrival has to wait in an M/M/c queue with
/// `c` servers and offered load `a = lambda / mu` (needs `a < c`).
pub fn erlang_c(c: u32, a: f64) -> Option<f64> {
    if c == 0 || !(a >= 0.0 && a < c as f64) {
        return None;
    }
    // Erlang B by its stable recursion, then C from B.
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (k as f64 + a * b);
    }
    Some(c as f64 * b / (c as f64 - a * (1.0 - b)))
}

/// The steady-state values of an M/M/c queue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theory {
    /// Probability of waiting (Erlang C).
    pub p_wait: f64,
    /// Mean wait in line `Wq`.
    pub mean_wait: f64,
    /// Mean time in system `W = Wq + 1 / mu`.
    pub mean_system_time: f64,
    /// Mean number in system `L = lambda W`.
    pub mean_in_system: f64,
    /// Server utilization `rho`.
    pub utilization: f64,
}

/// The steady state of `p`, or `None` when the queue is unstable (`rho >= 1`).
pub fn theory(p: &Params) -> Option<Theory> {
    let a = p.arrival / p.service;
    let p_wait = erlang_c(p.servers, a)?;
    let mean_wait = p_wait / (p.servers as f64 * p.service - p.arrival);
    let mean_system_time = mean_wait + 1.0 / p.service;
    Some(Theory {
        p_wait,
        mean_wait,
        mean_system_time,
        mean_in_system: p.arrival * mean_system_time,
        utilization: p.rho(),
    })
}
