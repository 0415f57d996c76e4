//! The engine's guarantees through its public API: deterministic order of equal-time
//! events, reproducible runs, independent sub-streams, time that never runs backwards and
//! invalid times refused with error values.

use crate::mmc_model::{self, Params};
use proptest::prelude::*;
use triad::engine::{
    EngineError, EventQueue, Model, Scheduler, SimTime, Simulation, Streams, TimeError,
};

fn t(h: f64) -> SimTime {
    SimTime::new(h).unwrap()
}

/// Logs `(time, event)` and, for events below 100, schedules a follow-up at the same time.
struct Log(Vec<(f64, u32)>);

impl Model for Log {
    type Event = u32;
    fn handle(&mut self, e: u32, s: &mut Scheduler<u32>) {
        self.0.push((s.now().hours(), e));
        if e < 100 {
            s.after(0.0, e + 100).unwrap();
        }
    }
}

#[test]
fn equal_time_events_pop_in_scheduling_order() {
    let mut q = EventQueue::new();
    for i in 0..50u32 {
        // Interleave two times so that ties are not pushed consecutively.
        q.push(t(if i % 2 == 0 { 2.0 } else { 1.0 }), i);
    }
    let order: Vec<(f64, u32)> = std::iter::from_fn(|| q.pop())
        .map(|(t, e)| (t.hours(), e))
        .collect();
    let odd: Vec<(f64, u32)> = (1..50).step_by(2).map(|i| (1.0, i)).collect();
    let even: Vec<(f64, u32)> = (0..50).step_by(2).map(|i| (2.0, i)).collect();
    assert_eq!(order, [odd, even].concat());

    // Through the run loop: follow-ups scheduled at the current time go after the events
    // already scheduled for that time, in the order they were scheduled.
    let mut sim = Simulation::new(Log(vec![]));
    for e in 0..3 {
        sim.schedule(t(1.0), e).unwrap();
    }
    sim.run();
    let got: Vec<u32> = sim.model().0.iter().map(|&(_, e)| e).collect();
    assert_eq!(got, vec![0, 1, 2, 100, 101, 102]);
}

/// The bytes of every event time of an M/M/c run, in firing order.
fn trajectory(p: &Params) -> Vec<u8> {
    let mut sim = mmc_model::simulation(p, ()).unwrap();
    let mut bytes = Vec::new();
    while let Some(t) = sim.step() {
        bytes.extend_from_slice(&t.hours().to_bits().to_le_bytes());
    }
    bytes
}

/// The arrival times of an M/M/c run.
fn arrival_times(p: &Params) -> Vec<f64> {
    let mut sim = mmc_model::simulation(p, ()).unwrap();
    let mut out = Vec::new();
    let mut seen = 0;
    while let Some(t) = sim.step() {
        if sim.model().arrived > seen {
            seen = sim.model().arrived;
            out.push(t.hours());
        }
    }
    out
}

fn mm(servers: u32, seed: u64) -> Params {
    Params {
        customers: 5_000,
        servers,
        arrival: 0.9 * servers as f64,
        service: 1.0,
        seed,
    }
}

#[test]
fn same_seed_gives_identical_trajectories() {
    let a = trajectory(&mm(2, 7));
    assert_eq!(a.len(), 8 * 10_000);
    assert_eq!(a, trajectory(&mm(2, 7)));
    assert_ne!(a, trajectory(&mm(2, 8)));
}

#[test]
fn arrivals_do_not_depend_on_the_servers() {
    // Arrivals and services draw from separate sub-streams: changing the number of servers
    // (hence the service order and timing) leaves the arrival times bit for bit unchanged.
    let mut one = mm(1, 3);
    let mut two = mm(2, 3);
    one.arrival = 0.7;
    two.arrival = 0.7;
    let a = arrival_times(&one);
    assert_eq!(a.len(), 5_000);
    assert_eq!(a, arrival_times(&two));
}

#[test]
fn sub_streams_are_reproducible_and_distinct() {
    let draws = |seed: u64, id: u64| -> Vec<u64> {
        let mut r = Streams::new(seed).stream(id);
        (0..64).map(|_| r.uniform().to_bits()).collect()
    };
    assert_eq!(draws(1, 5), draws(1, 5));
    for (a, b) in [((1, 5), (1, 6)), ((1, 5), (2, 5)), ((0, 0), (0, 1))] {
        let (x, y) = (draws(a.0, a.1), draws(b.0, b.1));
        // Not merely different: no draw in common at all.
        assert!(
            x.iter().zip(&y).all(|(p, q)| p != q),
            "{a:?} and {b:?} share draws"
        );
    }
    // Drawing from one sub-stream does not move another.
    let s = Streams::new(9);
    let mut first = s.stream(1);
    let before: Vec<f64> = (0..8).map(|_| first.uniform()).collect();
    let mut other = s.stream(2);
    for _ in 0..1000 {
        other.uniform();
    }
    let mut again = s.stream(1);
    assert_eq!(before, (0..8).map(|_| again.uniform()).collect::<Vec<_>>());
}

#[test]
fn nan_negative_and_infinite_times_are_refused_with_error_values() {
    assert_eq!(SimTime::new(f64::NAN), Err(TimeError::NaN));
    assert_eq!(SimTime::new(-1.0), Err(TimeError::Negative(-1.0)));
    assert_eq!(
        SimTime::new(f64::NEG_INFINITY),
        Err(TimeError::Infinite(f64::NEG_INFINITY))
    );
    assert_eq!(
        SimTime::new(f64::INFINITY),
        Err(TimeError::Infinite(f64::INFINITY))
    );
    assert_eq!(t(1.0).after(f64::NAN), Err(TimeError::NaN));
    assert_eq!(t(1.0).after(-0.5), Err(TimeError::Negative(-0.5)));

    /// Tries invalid requests from inside a handler and records the answers.
    struct Probe(Vec<Result<(), EngineError>>);
    impl Model for Probe {
        type Event = ();
        fn handle(&mut self, _: (), s: &mut Scheduler<()>) {
            let before = s.pending();
            self.0.push(s.after(f64::NAN, ()));
            self.0.push(s.after(-1e-12, ()));
            self.0.push(s.after(f64::INFINITY, ()));
            self.0.push(s.at(SimTime::new(4.0).unwrap(), ()));
            // Refused requests leave no event behind.
            assert_eq!(s.pending(), before);
        }
    }
    let mut sim = Simulation::new(Probe(vec![]));
    sim.schedule(t(5.0), ()).unwrap();
    sim.run();
    assert_eq!(
        sim.model().0,
        vec![
            Err(EngineError::Time(TimeError::NaN)),
            Err(EngineError::Time(TimeError::Negative(-1e-12))),
            Err(EngineError::Time(TimeError::Infinite(f64::INFINITY))),
            Err(EngineError::InThePast {
                requested: t(4.0),
                now: t(5.0)
            }),
        ]
    );
    assert_eq!(sim.events_processed(), 1);
    assert!(matches!(
        sim.schedule(t(4.9), ()),
        Err(EngineError::InThePast { .. })
    ));
    assert!(matches!(
        sim.run_until(t(1.0)),
        Err(EngineError::InThePast { .. })
    ));
    assert_eq!(sim.pending(), 0);
    assert_eq!(sim.now(), t(5.0));
}

/// Schedules follow-ups while it pops: each event of depth < 3 schedules up to `fanout`
/// children, some at absolute times (possibly in the past, which must be refused) and some
/// after a delay (possibly zero, for ties).
struct Tree {
    delays: Vec<f64>,
    absolute: Vec<f64>,
    fanout: usize,
    next_id: u64,
    cursor: usize,
    /// `(time, id)` of each fired event.
    fired: Vec<(SimTime, u64)>,
    scheduled: u64,
}

#[derive(Debug, Clone, Copy)]
struct Node {
    id: u64,
    depth: u8,
}

impl Model for Tree {
    type Event = Node;
    fn handle(&mut self, e: Node, s: &mut Scheduler<Node>) {
        self.fired.push((s.now(), e.id));
        if e.depth >= 3 {
            return;
        }
        for k in 0..self.fanout {
            self.cursor += 1;
            let child = Node {
                id: self.next_id,
                depth: e.depth + 1,
            };
            let ok = if k % 2 == 0 {
                let d = self.delays[self.cursor % self.delays.len()];
                s.after(d, child).is_ok()
            } else {
                let at = SimTime::new(self.absolute[self.cursor % self.absolute.len()]).unwrap();
                let r = s.at(at, child);
                assert_eq!(r.is_ok(), at >= s.now(), "at({at:?}) at now {:?}", s.now());
                r.is_ok()
            };
            if ok {
                self.next_id += 1;
                self.scheduled += 1;
            }
        }
    }
}

/// Times on a coarse grid so that ties are common.
fn grid_time() -> impl Strategy<Value = f64> {
    prop_oneof![(0u8..8).prop_map(|x| x as f64 * 0.5), 0.0..10.0f64]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn popped_times_never_decrease_and_ties_keep_scheduling_order(
        initial in prop::collection::vec(grid_time(), 1..20),
        delays in prop::collection::vec(grid_time(), 1..8),
        absolute in prop::collection::vec(grid_time(), 1..8),
        fanout in 0usize..4,
    ) {
        let tree = Tree {
            delays,
            absolute,
            fanout,
            next_id: initial.len() as u64,
            cursor: 0,
            fired: vec![],
            scheduled: initial.len() as u64,
        };
        let mut sim = Simulation::new(tree);
        for (i, &h) in initial.iter().enumerate() {
            sim.schedule(SimTime::new(h).unwrap(), Node { id: i as u64, depth: 0 }).unwrap();
        }
        sim.run();
        let m = sim.model();
        prop_assert_eq!(m.fired.len() as u64, m.scheduled);
        prop_assert_eq!(sim.events_processed(), m.scheduled);
        for w in m.fired.windows(2) {
            let ((t0, id0), (t1, id1)) = (w[0], w[1]);
            prop_assert!(t0 <= t1, "time went back from {:?} to {:?}", t0, t1);
            // Ids are handed out in scheduling order, so equal times pop in increasing id.
            if t0 == t1 {
                prop_assert!(id0 < id1, "tie at {:?}: {} before {}", t0, id0, id1);
            }
        }
    }

    #[test]
    fn event_queue_pops_in_time_then_push_order(
        ops in prop::collection::vec(prop_oneof![grid_time().prop_map(Some), Just(None)], 1..200),
    ) {
        // Pushes at `now + delay` interleaved with pops: popped times never decrease.
        let mut q = EventQueue::new();
        let mut now = SimTime::ZERO;
        let mut n = 0u64;
        let mut last: Option<(SimTime, u64)> = None;
        fn check(t: SimTime, id: u64, last: &mut Option<(SimTime, u64)>) {
            if let Some((t0, id0)) = *last {
                assert!(t0 < t || (t0 == t && id0 < id), "{t0:?}#{id0} then {t:?}#{id}");
            }
            *last = Some((t, id));
        }
        for op in ops {
            match op {
                Some(d) => {
                    q.push(now.after(d).unwrap(), n);
                    n += 1;
                }
                None => {
                    if let Some((t, id)) = q.pop() {
                        check(t, id, &mut last);
                        now = t;
                    }
                }
            }
        }
        while let Some((t, id)) = q.pop() {
            check(t, id, &mut last);
        }
    }
}
