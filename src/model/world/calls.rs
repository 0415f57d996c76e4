//! Model calls: each runs on a slot of its tier (or waits in line for one), costs and lasts
//! what its tier charges under the current conditions, and tells the world what it was for
//! when it finishes. Shocks change those conditions; a task's user gives up a call that
//! waits too long.

use super::{Event, World, schedule};
use crate::engine::{Acquire, Scheduler};
use crate::model::ledger::Role;
use crate::model::shock::{Conditions, ShockKind};
use crate::model::tier::tier_index;

/// What a call is for: where its result goes when it finishes.
#[derive(Debug, Clone, Copy)]
pub(super) enum CallKind {
    Attempt {
        task: u32,
    },
    PickAnswer {
        task: u32,
    },
    Propose {
        evolver: u32,
        category: u32,
        round: u32,
    },
    Judge {
        proposal: u32,
    },
    Mutate {
        child: u32,
    },
    JudgeVariant {
        child: u32,
    },
}

/// A model call: its tier, how long it runs once it has a slot, and what it is for.
#[derive(Debug, Clone, Copy)]
pub(super) struct Call {
    pub(super) tier: u32,
    pub(super) hours: f64,
    pub(super) kind: CallKind,
}

/// A call in the table: the call, a serial that tells it apart from later calls in the same
/// slot, and whether it holds a tier slot yet.
#[derive(Debug, Clone, Copy)]
pub(super) struct Live {
    call: Call,
    serial: u32,
    started: bool,
}

impl World {
    /// Dollars of a call on `tier` under the current conditions.
    #[inline]
    pub(super) fn cost(&self, tier: usize, input: f64, output: f64) -> f64 {
        self.cfg.tiers[tier].cost(input, output) * self.conditions.price[tier]
    }

    /// Hours a call on `tier` writing `output` tokens takes under the current conditions.
    #[inline]
    pub(super) fn hours(&self, tier: usize, output: f64) -> f64 {
        self.cfg.tiers[tier].call_hours(output) * self.conditions.latency[tier]
    }

    /// A shock starts or ends: recompute the conditions and apply what changed.
    pub(super) fn on_shock(&mut self, s: &mut Scheduler<Event>, index: usize, start: bool) {
        let shock = &self.cfg.shocks[index];
        if shock.kind == ShockKind::BudgetCut {
            if start {
                self.ledger.cut(shock.factor);
            }
            return;
        }
        self.active_shocks[index] = start;
        let tiers = &self.cfg.tiers;
        self.conditions = Conditions::from_active(
            &self.cfg.shocks,
            &self.active_shocks,
            |n| tier_index(tiers, n),
            tiers.len(),
        );
        for t in 0..self.slots.len() {
            let cap = (self.cfg.tiers[t].concurrency as f64 * self.conditions.capacity[t])
                .round()
                .max(0.0) as u32;
            if cap != self.slots[t].capacity() {
                for id in self.slots[t].set_capacity(s.now(), cap) {
                    self.begin(s, id);
                }
            }
        }
    }

    /// Charges a call and reports whether it may run.
    #[inline]
    pub(super) fn charge(&mut self, role: Role, tier: usize, input: f64, output: f64) -> bool {
        let cost = self.cost(tier, input, output);
        self.ledger.charge(role, tier, cost)
    }

    /// Starts a call on its tier, or puts it in line for a slot.
    pub(super) fn start_call(&mut self, s: &mut Scheduler<Event>, call: Call) {
        self.serial = self.serial.wrapping_add(1);
        let serial = self.serial;
        let id = self.calls.insert(Live {
            call,
            serial,
            started: false,
        });
        match self.slots[call.tier as usize].acquire(s.now(), id) {
            Acquire::Granted(id) => self.begin(s, id),
            Acquire::Queued => {
                if matches!(call.kind, CallKind::Attempt { .. }) {
                    schedule(
                        s,
                        self.cfg.workload.patience_hours,
                        Event::GiveUp { call: id, serial },
                    );
                }
            }
        }
    }

    /// A call finished: its slot goes to the next call in line, its result to what it
    /// was for.
    pub(super) fn on_call_done(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let call = self.calls.remove(id).call;
        if let Some(next) = self.slots[call.tier as usize].release(s.now()) {
            self.begin(s, next);
        }
        match call.kind {
            CallKind::Attempt { task } => self.on_attempt_done(s, task),
            CallKind::PickAnswer { task } => self.resolve(s.now().hours(), task),
            CallKind::Propose {
                evolver,
                category,
                round,
            } => self.on_proposed(s, evolver as usize, category as usize, round),
            CallKind::Judge { proposal } => self.on_judged(s, proposal),
            CallKind::Mutate { child } => self.on_mutated(s, child),
            CallKind::JudgeVariant { child } => self.on_variant_judged(s, child),
        }
    }

    /// A call got its slot: it runs now.
    fn begin(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let live = self.calls.get_mut(id);
        live.started = true;
        let hours = live.call.hours;
        schedule(s, hours, Event::CallDone(id));
    }

    /// A task's call waited too long: the user gives up; the call never runs.
    pub(super) fn give_up(&mut self, s: &mut Scheduler<Event>, id: u32, serial: u32) {
        let live = self.calls.get(id);
        if live.serial != serial || live.started {
            return;
        }
        if !self.slots[live.call.tier as usize].cancel(s.now(), &id) {
            return;
        }
        self.calls.remove(id);
        if let CallKind::Attempt { task } = live.call.kind {
            let job = self.jobs.remove(task);
            self.ledger
                .refund(Role::User, live.call.tier as usize, job.cost);
            self.metrics.tasks_unserved += 1;
            self.metrics.tasks_abandoned += 1;
        }
    }
}
