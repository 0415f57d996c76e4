//! The run loop: a model, its pending events and the clock.

use super::queue::EventQueue;
use super::time::{SimTime, TimeError};

/// A model driven by the engine: it owns its state and reacts to its own events.
pub trait Model {
    /// The model's closed set of events.
    type Event;

    /// Reacts to `event`, which fires at `sched.now()`, and schedules what follows.
    fn handle(&mut self, event: Self::Event, sched: &mut Scheduler<Self::Event>);
}

/// Why the engine refused a request.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// An event or a deadline was asked for before the current time.
    #[error("time {requested} is before the current time {now}")]
    InThePast {
        /// The time asked for.
        requested: SimTime,
        /// The clock when it was asked.
        now: SimTime,
    },
    /// A time or a delay was not a valid simulated time.
    #[error(transparent)]
    Time(#[from] TimeError),
}

/// The clock and the pending events, as seen by a model while it handles an event.
#[derive(Debug)]
pub struct Scheduler<E> {
    now: SimTime,
    queue: EventQueue<E>,
}

impl<E> Scheduler<E> {
    /// The current simulated time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at the absolute time `time`, which must not be in the past.
    #[inline]
    pub fn at(&mut self, time: SimTime, event: E) -> Result<(), EngineError> {
        if time < self.now {
            return Err(EngineError::InThePast {
                requested: time,
                now: self.now,
            });
        }
        self.queue.push(time, event);
        Ok(())
    }

    /// Schedules `event` `delay` hours from now; the delay must be finite and `>= 0`.
    #[inline]
    pub fn after(&mut self, delay: f64, event: E) -> Result<(), EngineError> {
        let time = self.now.after(delay)?;
        self.queue.push(time, event);
        Ok(())
    }

    /// Number of pending events.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }
}

/// A simulation: one model, its clock and its future events.
///
/// ```
/// use triad::engine::{Model, Scheduler, SimTime, Simulation};
///
/// /// Counts ticks, one per hour.
/// struct Clock { ticks: u32 }
/// impl Model for Clock {
///     type Event = ();
///     fn handle(&mut self, _: (), s: &mut Scheduler<()>) {
///         self.ticks += 1;
///         s.after(1.0, ()).unwrap();
///     }
/// }
///
/// let mut sim = Simulation::new(Clock { ticks: 0 });
/// sim.schedule(SimTime::ZERO, ()).unwrap();
/// sim.run_until(SimTime::new(9.5).unwrap()).unwrap();
/// assert_eq!(sim.model().ticks, 10);
/// ```
#[derive(Debug)]
pub struct Simulation<M: Model> {
    model: M,
    sched: Scheduler<M::Event>,
    processed: u64,
}

impl<M: Model> Simulation<M> {
    /// A simulation of `model` at time zero with no pending events.
    pub fn new(model: M) -> Self {
        Simulation {
            model,
            sched: Scheduler {
                now: SimTime::ZERO,
                queue: EventQueue::with_capacity(64),
            },
            processed: 0,
        }
    }

    /// Schedules `event` at `time` from outside the model (initial events, injections).
    pub fn schedule(&mut self, time: SimTime, event: M::Event) -> Result<(), EngineError> {
        self.sched.at(time, event)
    }

    /// Fires the next event, if any, and returns its time.
    #[inline]
    pub fn step(&mut self) -> Option<SimTime> {
        let (time, event) = self.sched.queue.pop()?;
        self.sched.now = time;
        self.processed += 1;
        self.model.handle(event, &mut self.sched);
        Some(time)
    }

    /// Fires every event up to and including `deadline`, then sets the clock to it.
    /// A deadline before the current time is an error.
    pub fn run_until(&mut self, deadline: SimTime) -> Result<(), EngineError> {
        if deadline < self.sched.now {
            return Err(EngineError::InThePast {
                requested: deadline,
                now: self.sched.now,
            });
        }
        while let Some(t) = self.sched.queue.peek_time() {
            if t > deadline {
                break;
            }
            self.step();
        }
        self.sched.now = deadline;
        Ok(())
    }

    /// Fires events until none is pending.
    pub fn run(&mut self) {
        while self.step().is_some() {}
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.sched.now
    }

    /// Events fired so far.
    pub fn events_processed(&self) -> u64 {
        self.processed
    }

    /// Events still pending.
    pub fn pending(&self) -> usize {
        self.sched.pending()
    }

    /// The model.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The model, mutably (between steps).
    pub fn model_mut(&mut self) -> &mut M {
        &mut self.model
    }

    /// Ends the simulation and returns the model.
    pub fn into_model(self) -> M {
        self.model
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Recorder(Vec<(f64, u32)>);
    impl Model for Recorder {
        type Event = u32;
        fn handle(&mut self, e: u32, s: &mut Scheduler<u32>) {
            self.0.push((s.now().hours(), e));
            if e == 0 {
                // Scheduling in the past is refused, at the current time is allowed.
                assert!(s.at(SimTime::ZERO, 7).is_err() || s.now() == SimTime::ZERO);
                s.after(0.0, 100).unwrap();
                assert!(s.after(-1.0, 5).is_err());
            }
        }
    }

    #[test]
    fn run_until_refuses_the_past_and_stops_at_the_deadline() {
        let mut sim = Simulation::new(Recorder(vec![]));
        sim.schedule(SimTime::new(1.0).unwrap(), 0).unwrap();
        sim.schedule(SimTime::new(3.0).unwrap(), 1).unwrap();
        sim.run_until(SimTime::new(2.0).unwrap()).unwrap();
        assert_eq!(sim.model().0, vec![(1.0, 0), (1.0, 100)]);
        assert_eq!(sim.now().hours(), 2.0);
        assert!(matches!(
            sim.run_until(SimTime::new(1.5).unwrap()),
            Err(EngineError::InThePast { .. })
        ));
        sim.run();
        assert_eq!(sim.events_processed(), 3);
        assert_eq!(sim.pending(), 0);
    }
}
