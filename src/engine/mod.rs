//! The discrete-event core. It knows nothing of the domain: simulated time, an event queue
//! with a deterministic tie-break, a run loop, capacity-limited resources and random streams.

mod queue;
mod random;
mod resource;
mod sim;
mod time;

pub use queue::EventQueue;
pub use random::{Stream, Streams, fingerprint, hash2};
pub use resource::{Acquire, Resource, ResourceStats};
pub use sim::{EngineError, Model, Scheduler, Simulation};
pub use time::{SimTime, TimeError};
