//! Tasks: one arrives, the policy decides its compute, the user tier attempts it (and the
//! verifier picks among its chains if the plan says so), and it resolves as solved or
//! failed; failures feed the policy's view and the next evolution round.

use super::calls::{Call, CallKind};
use super::{Event, World, schedule};
use crate::engine::Scheduler;
use crate::model::ledger::Role;
use crate::model::policy::{Outcome, TaskPlan, TaskView};
use crate::model::task::{Task, draw_task};
use crate::model::user::{Selection, ability};

/// A task in the world: drawn, planned and paid for, waiting for its attempts to finish.
#[derive(Debug, Clone, Copy)]
pub(super) struct Job {
    task: Task,
    /// The difficulty estimate the policy planned it with, if one was bought.
    estimate: Option<f64>,
    plan: TaskPlan,
    judged: bool,
    /// Dollars charged for its attempts (refunded if it gives up waiting).
    pub(super) cost: f64,
}

impl World {
    /// A task arrives: the next arrival is scheduled and this one is planned, paid for and
    /// sent to its user tier (or counted as unserved).
    pub(super) fn on_arrival(&mut self, s: &mut Scheduler<Event>) {
        let w = &self.cfg.workload;
        let mut task = draw_task(w, &self.mix, self.next_task, &mut self.arrivals);
        self.next_task += 1;
        let next = self
            .arrivals
            .exp((w.arrival_per_hour * self.conditions.arrivals).max(1e-12));
        schedule(s, next, Event::Arrival);
        let user = self.plan.user_tier;
        let user_skill = self.cfg.tiers[user].skill;
        let cat = &w.categories[task.category];
        if w.matched_to_user {
            task.difficulty =
                user_skill + w.matched_offset + self.mix.shift + cat.difficulty_sd * task.z;
        }
        self.metrics.tasks_arrived += 1;
        self.metrics.value_arrived += task.value;
        let (prompt, output) = (cat.prompt_tokens, cat.output_tokens);
        let mut estimate = None;
        if let Some(p) = self.plan.predictor {
            // The estimate is drawn whether or not it is paid for, so the stream stays aligned.
            let e = task.difficulty + p.noise_sd * self.predict.std_normal();
            if self.charge(Role::User, user, prompt, p.tokens) {
                estimate = Some(e);
            }
        }
        let tv = TaskView {
            category: task.category,
            value: task.value,
            difficulty_estimate: estimate,
        };
        let Some(mut policy) = self.policy.take() else {
            return;
        };
        let plan = policy.task(&tv, &self.view(s.now().hours()));
        self.policy = Some(policy);
        if plan.skip {
            self.metrics.tasks_unserved += 1;
            return;
        }
        let (n, k) = (
            plan.chains.clamp(1, 64) as f64,
            plan.revisions.clamp(1, 64) as f64,
        );
        // Each attempt reads the prompt and the whole harness; a revision also reads the
        // chain's earlier answers.
        let input = n * (k * (prompt + self.harness.tokens) + output * k * (k - 1.0) / 2.0);
        if !self.charge(Role::User, user, input, n * k * output) {
            self.metrics.tasks_unserved += 1;
            return;
        }
        let cost = self.cost(user, input, n * k * output);
        let job = self.jobs.insert(Job {
            task,
            estimate,
            plan,
            judged: false,
            cost,
        });
        let hours = self.hours(user, k * output);
        self.start_call(
            s,
            Call {
                tier: user as u32,
                hours,
                kind: CallKind::Attempt { task: job },
            },
        );
    }

    /// A task's attempts finished: the verifier picks among its chains if the plan says
    /// so and the verifier account can pay; otherwise it resolves now.
    pub(super) fn on_attempt_done(&mut self, s: &mut Scheduler<Event>, job: u32) {
        let j = self.jobs.get(job);
        if j.plan.chains > 1 && j.plan.selection == Selection::Verifier {
            let v = self.plan.verifier_tier;
            let cat = &self.cfg.workload.categories[j.task.category];
            let input = cat.prompt_tokens + j.plan.chains as f64 * cat.output_tokens;
            let output = self.plan.votes.max(1) as f64
                * (self.plan.reasoning_tokens + self.cfg.traits.score_tokens);
            if self.charge(Role::Verifier, v, input, output) {
                self.jobs.get_mut(job).judged = true;
                let hours = self.hours(v, output / self.plan.votes.max(1) as f64);
                self.start_call(
                    s,
                    Call {
                        tier: v as u32,
                        hours,
                        kind: CallKind::PickAnswer { task: job },
                    },
                );
                return;
            }
        }
        self.resolve(s.now().hours(), job);
    }

    /// A task resolves: its outcome is drawn and counted, and the policy is told.
    pub(super) fn resolve(&mut self, now: f64, job: u32) {
        let j = self.jobs.remove(job);
        let t = j.task;
        let user_skill = self.cfg.tiers[self.plan.user_tier].skill;
        let q = self.harness.quality[t.category];
        let a = ability(self.traits(), user_skill, q);
        let judge = self.verifier_judge();
        let judge = if j.judged { Some(&judge) } else { None };
        let selection = if j.plan.selection == Selection::Verifier && !j.judged {
            Selection::Majority
        } else {
            j.plan.selection
        };
        let mut rs = self.attempts_streams.stream(t.id);
        let at = &self.cfg.attempts;
        let out = at.attempt(
            &self.cfg.traits,
            a,
            t.difficulty,
            j.plan.chains,
            j.plan.revisions,
            selection,
            judge,
            &mut rs,
        );
        let m = &mut self.metrics;
        m.tasks_attempted += 1;
        m.tasks_covered += (out.correct_chains > 0) as u64;
        m.benefit_sum += at.p_success(a, t.difficulty) - at.p_success(user_skill, t.difficulty);
        if out.contested && j.judged {
            m.contested += 1;
            m.contested_right += out.solved as u64;
        }
        let bin = &mut m.by_bin[self.cfg.workload.bin(t.difficulty)];
        bin.0 += 1;
        bin.1 += out.solved as u64;
        let failed = if out.solved {
            m.tasks_solved += 1;
            m.yield_ += t.value;
            0.0
        } else {
            1.0
        };
        let fr = &mut self.failure_rate[t.category];
        *fr += self.cfg.failure_smoothing * (failed - *fr);
        self.epoch_failures[t.category] += failed;
        self.sample_window.attempted += 1;
        self.sample_window.failed += failed as u64;
        if let Some(mut policy) = self.policy.take() {
            let o = Outcome {
                task: TaskView {
                    category: t.category,
                    value: t.value,
                    difficulty_estimate: j.estimate,
                },
                plan: j.plan,
                solved: out.solved,
            };
            policy.outcome(&o, &self.view(now));
            self.policy = Some(policy);
        }
    }
}
