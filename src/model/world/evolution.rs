//! Evolution: at each epoch the policy may re-split the budget and a round opens; the
//! round's evolvers write candidate edits aimed at the epoch's failures, each candidate
//! goes through the plan's acceptance anchors in order, and an accepted edit is deployed
//! as a new harness version after a delay. The plan's strategy says how a round uses its
//! candidates (independent, best-of-n or one sequential trajectory; the island search,
//! whose candidates are whole variants, lives in `islands.rs`).

use super::calls::{Call, CallKind};
use super::{Event, World, schedule};
use crate::engine::Scheduler;
use crate::model::acceptance::{self, Anchor};
use crate::model::evolver::{Proposal, Strategy, propose};
use crate::model::ledger::Role;

/// A well-formed candidate edit on its way through the acceptance anchors.
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    p: Proposal,
    next_anchor: u32,
    round: u32,
    score: f64,
    /// Its author's expected log rank of a judged draw when it drew this one.
    expected_log_rank: f64,
}

/// One evolution round: what it may still propose, what is being judged, and (for
/// best-of-n) the best candidate that passed so far.
#[derive(Debug, Clone)]
pub(super) struct Round {
    pub(super) to_propose: u32,
    pub(super) outstanding: u32,
    pub(super) budget: f64,
    /// Failures per category in the epoch that opened the round: where edits aim.
    pub(super) targets: Vec<f64>,
    /// Score and candidate id of the best candidate that passed so far (best-of-n).
    best: Option<(f64, u32)>,
    /// Category of the last judged candidate and whether it shipped (sequential).
    last: Option<(usize, bool)>,
}

/// Where a mode stands in its category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ModeState {
    Unseen,
    /// Proposed before, but only malformed: seen, never judged.
    Seen,
    Rejected,
    InFlight,
    Accepted,
}

impl World {
    /// An epoch: the policy may re-split what is left of the budget, and an evolution
    /// round opens on the failures seen since the last epoch.
    pub(super) fn on_epoch(&mut self, s: &mut Scheduler<Event>) {
        let now = s.now().hours();
        self.sample_before_epoch(now);
        if let Some(mut policy) = self.policy.take() {
            let shares = policy.epoch(&self.view(now));
            self.policy = Some(policy);
            if let Some(shares) = shares {
                self.ledger.reallocate(shares);
            }
        }
        self.epoch_accepted = 0;
        self.epoch_proposed = 0;
        let epoch = self.cfg.epoch_hours;
        if now + epoch < self.cfg.horizon_hours {
            schedule(s, epoch, Event::Epoch);
        }
        let before = self.round_states.len();
        self.evolution_round(now);
        if self.round_states.len() > before {
            self.launch(s, before as u32);
        }
        self.epoch_failures.iter_mut().for_each(|x| *x = 0.0);
    }

    /// Opens an evolution round: the evolvers will read this epoch's failures and write
    /// candidates, paced so that the evolver account lasts to the end of the run.
    fn evolution_round(&mut self, now: f64) {
        let total_failures: f64 = self.epoch_failures.iter().sum();
        if total_failures <= 0.0 || self.evolvers.is_empty() {
            return;
        }
        // Paced per day, the account is the day's: it lasts to the day's end.
        let until = self
            .ledger
            .next_grant()
            .map_or(self.cfg.horizon_hours, |d| d.min(self.cfg.horizon_hours));
        let rounds_left = ((until - now) / self.cfg.epoch_hours).ceil().max(1.0);
        self.round_states.push(Round {
            to_propose: self.plan.candidates_per_round,
            outstanding: 0,
            budget: self.ledger.balance(Role::Evolver) / rounds_left,
            targets: self.epoch_failures.clone(),
            best: None,
            last: None,
        });
    }

    /// Starts the round's next candidates: all of them at once, or (sequential) the next
    /// one once the last has been judged; island children are bred in `islands.rs`.
    fn launch(&mut self, s: &mut Scheduler<Event>, round: u32) {
        if self.plan.strategy == Strategy::Islands {
            self.launch_islands(s, round);
            return;
        }
        let ev = &self.cfg.evolver;
        let (input, edit_tokens) = (
            self.harness.tokens + ev.failures_read * ev.trace_tokens,
            ev.edit_tokens,
        );
        let sequential = self.plan.strategy == Strategy::Sequential;
        loop {
            let r = &self.round_states[round as usize];
            if r.to_propose == 0 || (sequential && r.outstanding > 0) {
                break;
            }
            let who = self.next_evolver % self.evolvers.len();
            let tier = self.evolvers[who].tier;
            let cost = self.cost(tier, input, edit_tokens);
            if cost > r.budget || !self.ledger.charge(Role::Evolver, tier, cost) {
                self.round_states[round as usize].to_propose = 0;
                break;
            }
            self.next_evolver += 1;
            // Aim at a category in proportion to the round's failures there; a sequential
            // trajectory revises a rejected edit of the same category.
            let u = self.rounds.uniform();
            let r = &mut self.round_states[round as usize];
            r.budget -= cost;
            r.to_propose -= 1;
            r.outstanding += 1;
            let category = match r.last {
                Some((c, false)) if sequential => c,
                _ => {
                    let total: f64 = r.targets.iter().sum();
                    let mut acc = 0.0;
                    let mut pick = r.targets.len() - 1;
                    for (c, f) in r.targets.iter().enumerate() {
                        acc += f;
                        if u * total < acc {
                            pick = c;
                            break;
                        }
                    }
                    pick
                }
            };
            let hours = self.hours(tier, edit_tokens);
            let kind = CallKind::Propose {
                evolver: who as u32,
                category: category as u32,
                round,
            };
            self.start_call(
                s,
                Call {
                    tier: tier as u32,
                    hours,
                    kind,
                },
            );
        }
    }

    /// A candidate of `round` is done (judged, or wasted); `last` says what came of it.
    fn candidate_done(
        &mut self,
        s: &mut Scheduler<Event>,
        round: u32,
        last: Option<(usize, bool)>,
    ) {
        let r = &mut self.round_states[round as usize];
        r.outstanding = r.outstanding.saturating_sub(1);
        if last.is_some() {
            r.last = last;
        }
        match self.plan.strategy {
            Strategy::Sequential => self.launch(s, round),
            Strategy::BestOfN => {
                let r = &mut self.round_states[round as usize];
                if r.outstanding == 0
                    && r.to_propose == 0
                    && let Some((_, id)) = r.best.take()
                {
                    self.accept(s, id);
                }
            }
            // Island children never pass through here (`islands.rs`).
            Strategy::Independent | Strategy::Islands => {}
        }
    }

    /// A candidate passed every anchor.
    fn passed(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let cand = self.candidates.get(id);
        if self.plan.strategy != Strategy::BestOfN {
            self.accept(s, id);
            self.candidate_done(s, cand.round, Some((cand.p.category, true)));
            return;
        }
        // Best-of-n: keep the higher score, the other is set aside like a rejected one.
        let r = &mut self.round_states[cand.round as usize];
        let set_aside = match r.best {
            Some((best, _)) if best >= cand.score => Some(id),
            Some((_, other)) => {
                r.best = Some((cand.score, id));
                Some(other)
            }
            None => {
                r.best = Some((cand.score, id));
                None
            }
        };
        if let Some(out) = set_aside {
            let out = self.reject_quietly(out);
            self.learn(&out.p, out.expected_log_rank, false);
        }
        self.candidate_done(s, cand.round, None);
    }

    /// An evolver wrote a candidate for category `c`: a malformed one or one whose idea
    /// is already shipped or being judged is wasted; the others go to their first anchor.
    pub(super) fn on_proposed(
        &mut self,
        s: &mut Scheduler<Event>,
        who: usize,
        c: usize,
        round: u32,
    ) {
        let e = &self.evolvers[who];
        let cat = &self.cfg.workload.categories[c];
        let p = propose(
            &self.cfg.evolver,
            e,
            who,
            self.cfg.tiers[e.tier].skill,
            &self.landscape,
            c,
            cat.diagnosis_difficulty,
            self.harness.quality[c],
            cat.headroom,
            &mut self.evolve,
        );
        self.metrics.edits_proposed += 1;
        self.epoch_proposed += 1;
        let key = c * self.landscape.modes() + p.mode;
        let state = self.modes[key];
        if state == ModeState::Unseen {
            self.metrics.edits_distinct += 1;
        }
        if !p.valid {
            if state == ModeState::Unseen {
                self.modes[key] = ModeState::Seen;
            }
            self.candidate_done(s, round, None);
            return;
        }
        self.metrics.edits_valid += 1;
        self.metrics.edit_gain_sum += p.true_delta;
        if matches!(state, ModeState::Accepted | ModeState::InFlight) {
            // The idea is already in the harness or being judged: wasted spend.
            self.candidate_done(s, round, None);
            return;
        }
        let base = c * self.landscape.modes();
        let expected_log_rank = self.evolvers[who].expected_log_rank(c, |m| {
            !matches!(
                self.modes[base + m],
                ModeState::Accepted | ModeState::InFlight
            )
        });
        self.modes[key] = ModeState::InFlight;
        self.metrics.edits_judged += 1;
        let id = self.candidates.insert(Candidate {
            p,
            next_anchor: 0,
            round,
            score: 0.0,
            expected_log_rank,
        });
        self.next_anchor(s, id);
    }

    /// Sends a candidate to its next anchor, or accepts it when none is left.
    fn next_anchor(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let cand = self.candidates.get(id);
        let Some(&anchor) = self.plan.acceptance.get(cand.next_anchor as usize) else {
            self.passed(s, id);
            return;
        };
        let c = cand.p.category;
        let cat = &self.cfg.workload.categories[c];
        let ev = &self.cfg.evolver;
        let author = self.evolvers[cand.p.evolver].tier;
        let read = ev.edit_tokens + ev.failures_read * ev.trace_tokens;
        let (role, tier, input, output, hours) = match anchor {
            Anchor::SelfJudge => (
                Role::Evolver,
                author,
                read,
                self.cfg.traits.score_tokens,
                self.hours(author, self.cfg.traits.score_tokens),
            ),
            Anchor::Verifier => {
                let v = self.plan.verifier_tier;
                let out = self.plan.votes.max(1) as f64
                    * (self.plan.reasoning_tokens + self.cfg.traits.score_tokens);
                (
                    Role::Verifier,
                    v,
                    read,
                    out,
                    self.hours(v, self.plan.reasoning_tokens + self.cfg.traits.score_tokens),
                )
            }
            Anchor::Replay => {
                let u = self.plan.user_tier;
                let m = self.cfg.acceptance.replay_tasks.max(1) as f64;
                let input = m
                    * (cat.prompt_tokens + self.harness.tokens + self.cfg.harness.tokens_per_edit);
                (
                    Role::Verifier,
                    u,
                    input,
                    m * cat.output_tokens,
                    self.hours(u, cat.output_tokens),
                )
            }
            Anchor::Tool => {
                let cost = self.cfg.acceptance.tool_cost;
                if !cat.tool || !self.ledger.charge(Role::Verifier, usize::MAX, cost) {
                    self.reject(s, id);
                    return;
                }
                schedule(s, self.cfg.acceptance.tool_hours, Event::ToolDone(id));
                return;
            }
        };
        if !self.charge(role, tier, input, output) {
            self.reject(s, id);
            return;
        }
        self.start_call(
            s,
            Call {
                tier: tier as u32,
                hours,
                kind: CallKind::Judge { proposal: id },
            },
        );
    }

    /// Mean and sd of the difficulty of category `c`'s tasks as a judge of its edits meets
    /// them now (regime shifts included).
    pub(super) fn judged_difficulty(&self, c: usize) -> (f64, f64) {
        let w = &self.cfg.workload;
        let cat = &w.categories[c];
        let mean = if w.matched_to_user {
            self.cfg.tiers[self.plan.user_tier].skill + w.matched_offset + self.mix.shift
        } else {
            cat.difficulty + self.mix.shift
        };
        (mean, cat.difficulty_sd)
    }

    /// The unit a judge scores an edit of category `c` in, at harness quality `quality`:
    /// the spread of the effects of the edits that can be written there now.
    pub(super) fn edit_spread(&self, c: usize, quality: f64) -> f64 {
        self.cfg.evolver.edit_sd * (self.headroom[c] - quality).max(0.0)
    }

    /// An anchor judged a candidate: on to the next anchor, or rejected.
    pub(super) fn on_judged(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let cand = self.candidates.get(id);
        let anchor = self.plan.acceptance[cand.next_anchor as usize];
        let c = cand.p.category;
        let cat = &self.cfg.workload.categories[c];
        let cx = acceptance::Context {
            traits: &self.cfg.traits,
            attempts: &self.cfg.attempts,
            author_skill: self.cfg.tiers[self.evolvers[cand.p.evolver].tier].skill,
            verifier: self.verifier_judge(),
            user_skill: self.cfg.tiers[self.plan.user_tier].skill,
            quality: self.harness.quality[c],
            edit_spread: self.edit_spread(c, self.harness.quality[c]),
            difficulty: self.judged_difficulty(c),
            has_tool: cat.tool,
            verifier_exploit_bias: self.cfg.evolver.verifier_exploit_bias,
            judge_taste: self.cfg.evolver.judge_taste,
            verifier_taste: self.verifier_taste[c * self.landscape.modes() + cand.p.mode],
            cfg: &self.cfg.acceptance,
        };
        let (pass, score) = acceptance::judge(anchor, &cand.p, &cx, &mut self.judge);
        if pass {
            let a = anchor as usize;
            self.metrics.anchor_passed[a] += 1;
            self.metrics.anchor_passed_harmful[a] += u64::from(cand.p.true_delta < 0.0);
            let c = self.candidates.get_mut(id);
            c.next_anchor += 1;
            c.score = score;
            self.next_anchor(s, id);
        } else {
            self.learn(&cand.p, cand.expected_log_rank, false);
            self.reject(s, id);
        }
    }

    /// Proposal `p` (drawn when its author's expected log rank of a judged draw was
    /// `expected`; an island child's new edit) was judged, and accepted or not: its author
    /// learns from the verdict
    /// ([`Evolver::learn`](crate::model::evolver::Evolver::learn), at
    /// `evolver.narrowing_rate`), whatever the anchors were. The verdicts of every strategy
    /// pass through here.
    pub(super) fn learn(&mut self, p: &Proposal, expected: f64, accepted: bool) {
        let rate = self.cfg.evolver.narrowing_rate;
        self.evolvers[p.evolver].learn(p.category, p.mode, expected, accepted, rate);
    }

    fn reject(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let cand = self.reject_quietly(id);
        self.candidate_done(s, cand.round, Some((cand.p.category, false)));
    }

    /// Drops a candidate without shipping it; its idea may be proposed and judged again.
    fn reject_quietly(&mut self, id: u32) -> Candidate {
        let cand = self.candidates.remove(id);
        self.modes[cand.p.category * self.landscape.modes() + cand.p.mode] = ModeState::Rejected;
        cand
    }

    fn accept(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let cand = self.candidates.remove(id);
        let p = cand.p;
        self.modes[p.category * self.landscape.modes() + p.mode] = ModeState::Accepted;
        self.metrics.edits_accepted += 1;
        self.epoch_accepted += 1;
        if p.true_delta < 0.0 {
            self.metrics.edits_harmful += 1;
        }
        self.learn(&p, cand.expected_log_rank, true);
        // The true effect travels with the deploy to the harness (and the metrics); no policy
        // sees it.
        schedule(
            s,
            self.cfg.harness.deploy_delay_hours,
            Event::Deploy {
                category: p.category as u32,
                delta: p.true_delta,
            },
        );
    }

    /// An accepted edit reaches the harness (unless the harness is frozen); the operator
    /// knows it shipped an edit to category `c`, not what the edit does.
    pub(super) fn on_deploy(&mut self, now: f64, c: usize, delta: f64) {
        if self.cfg.harness.frozen {
            return;
        }
        self.deployed[c] += 1;
        self.track_quality(now);
        self.harness = self
            .harness
            .with_edit(&self.cfg.harness, c, delta, self.headroom[c]);
        self.metrics.versions += 1;
    }
}
