//! Capacity-limited resources with a FIFO wait queue.

use super::time::SimTime;
use std::collections::VecDeque;

/// The answer to a request for a slot.
#[derive(Debug, PartialEq, Eq)]
pub enum Acquire<T> {
    /// A slot was free: the holder may start now.
    Granted(T),
    /// Every slot is busy: the request waits in line and is handed a slot by a later
    /// [`Resource::release`].
    Queued,
}

/// A pool of `capacity` identical slots (servers, concurrency permits) with a FIFO line.
///
/// Requests carry a token `T` (who is waiting); `release` hands the freed slot straight to
/// the head of the line and returns its token, so the caller starts that holder's work.
/// Keeps time-weighted statistics of busy slots and line length.
#[derive(Debug, Clone)]
pub struct Resource<T> {
    capacity: u32,
    busy: u32,
    line: VecDeque<T>,
    last: f64,
    busy_area: f64,
    line_area: f64,
    max_line: usize,
    grants: u64,
}

/// Time-weighted statistics of a resource since its creation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResourceStats {
    /// Mean fraction of slots busy.
    pub utilization: f64,
    /// Mean number of requests waiting in line.
    pub mean_queue: f64,
    /// Longest line seen.
    pub max_queue: usize,
    /// Slots handed out.
    pub grants: u64,
}

impl<T> Resource<T> {
    /// A resource with `capacity` slots (at least one).
    pub fn new(capacity: u32) -> Self {
        Resource {
            capacity: capacity.max(1),
            busy: 0,
            line: VecDeque::new(),
            last: 0.0,
            busy_area: 0.0,
            line_area: 0.0,
            max_line: 0,
            grants: 0,
        }
    }

    #[inline]
    fn advance(&mut self, now: SimTime) {
        let t = now.hours();
        let dt = t - self.last;
        if dt > 0.0 {
            self.busy_area += dt * self.busy as f64;
            self.line_area += dt * self.line.len() as f64;
            self.last = t;
        }
    }

    /// Asks for a slot at `now` on behalf of `token`.
    #[inline]
    pub fn acquire(&mut self, now: SimTime, token: T) -> Acquire<T> {
        self.advance(now);
        if self.busy < self.capacity {
            self.busy += 1;
            self.grants += 1;
            Acquire::Granted(token)
        } else {
            self.line.push_back(token);
            self.max_line = self.max_line.max(self.line.len());
            Acquire::Queued
        }
    }

    /// Frees a slot at `now`; if someone waits, the slot passes to the head of the line and
    /// its token is returned.
    #[inline]
    pub fn release(&mut self, now: SimTime) -> Option<T> {
        self.advance(now);
        debug_assert!(self.busy > 0, "release without a matching acquire");
        if self.busy > self.capacity {
            // The capacity was lowered while this slot was busy: the slot closes.
            self.busy -= 1;
            return None;
        }
        match self.line.pop_front() {
            Some(next) => {
                self.grants += 1;
                Some(next)
            }
            None => {
                self.busy = self.busy.saturating_sub(1);
                None
            }
        }
    }

    /// Changes the number of slots at `now` (0 closes the resource: requests wait until it
    /// reopens). Busy slots above the new capacity finish their work and then close.
    /// Returns the waiting tokens that the new slots start at once, in line order.
    pub fn set_capacity(&mut self, now: SimTime, capacity: u32) -> Vec<T> {
        self.advance(now);
        self.capacity = capacity;
        let mut started = Vec::new();
        while self.busy < self.capacity {
            match self.line.pop_front() {
                Some(t) => {
                    self.busy += 1;
                    self.grants += 1;
                    started.push(t);
                }
                None => break,
            }
        }
        started
    }

    /// Takes a waiting request out of the line at `now` (it gave up); false when it is not
    /// waiting (it already holds a slot, or never asked).
    pub fn cancel(&mut self, now: SimTime, token: &T) -> bool
    where
        T: PartialEq,
    {
        self.advance(now);
        match self.line.iter().position(|t| t == token) {
            Some(i) => {
                self.line.remove(i);
                true
            }
            None => false,
        }
    }

    /// Slots in total.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Slots in use.
    pub fn busy(&self) -> u32 {
        self.busy
    }

    /// Statistics over `[0, now]`.
    pub fn stats(&mut self, now: SimTime) -> ResourceStats {
        self.advance(now);
        let t = self.last;
        let (u, q) = if t > 0.0 {
            (
                self.busy_area / (t * self.capacity.max(1) as f64),
                self.line_area / t,
            )
        } else {
            (0.0, 0.0)
        };
        ResourceStats {
            utilization: u,
            mean_queue: q,
            max_queue: self.max_line,
            grants: self.grants,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: f64) -> SimTime {
        SimTime::new(h).unwrap()
    }

    #[test]
    fn a_waiting_request_can_give_up() {
        let mut r = Resource::new(1);
        assert_eq!(r.acquire(t(0.0), 'a'), Acquire::Granted('a'));
        assert_eq!(r.acquire(t(0.0), 'b'), Acquire::Queued);
        assert_eq!(r.acquire(t(0.0), 'c'), Acquire::Queued);
        assert!(r.cancel(t(1.0), &'b'));
        assert!(!r.cancel(t(1.0), &'a'));
        assert_eq!(r.release(t(2.0)), Some('c'));
        assert_eq!(r.stats(t(2.0)).mean_queue, (2.0 + 1.0) / 2.0);
    }

    #[test]
    fn capacity_can_close_and_reopen() {
        let mut r = Resource::new(2);
        assert_eq!(r.acquire(t(0.0), 1), Acquire::Granted(1));
        assert!(r.set_capacity(t(1.0), 0).is_empty());
        assert_eq!(r.acquire(t(1.0), 2), Acquire::Queued);
        assert_eq!(r.acquire(t(1.0), 3), Acquire::Queued);
        // The busy slot finishes and closes instead of passing to the line.
        assert_eq!(r.release(t(2.0)), None);
        assert_eq!(r.busy(), 0);
        assert_eq!(r.set_capacity(t(3.0), 1), vec![2]);
        assert_eq!(r.release(t(4.0)), Some(3));
    }

    #[test]
    fn fifo_hand_over_and_statistics() {
        let mut r = Resource::new(1);
        assert_eq!(r.acquire(t(0.0), 'a'), Acquire::Granted('a'));
        assert_eq!(r.acquire(t(1.0), 'b'), Acquire::Queued);
        assert_eq!(r.acquire(t(1.0), 'c'), Acquire::Queued);
        assert_eq!(r.release(t(2.0)), Some('b'));
        assert_eq!(r.release(t(3.0)), Some('c'));
        assert_eq!(r.release(t(4.0)), None);
        let s = r.stats(t(8.0));
        assert_eq!(s.utilization, 0.5);
        // Line: 2 waiting over [1,2], 1 over [2,3]: area 3 over 8 hours.
        assert_eq!(s.mean_queue, 3.0 / 8.0);
        assert_eq!(s.max_queue, 2);
        assert_eq!(s.grants, 3);
    }
}
