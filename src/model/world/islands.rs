//! The `islands` strategy inside the running world: sub-populations of harness variants
//! that persist across evolution rounds, after Mind Evolution.
//!
//! A variant is a set of edits over the initial harness (at most one per idea, a
//! category's mode). Each candidate of a round is a child on one island (the round's
//! candidates go to the islands in turn): two parents drawn by tournament, recombined
//! category by category (crossover), plus one new edit an evolver writes (mutation).
//! Crossover happens inside the mutation call: the evolver reads both parents' edits in
//! its prompt, so it costs their tokens at the evolver's price and no call of its own.
//!
//! The plan's anchors judge the child against the deployed variant, one item per category
//! in which the two differ, at their real cost; a child that passes every anchor joins its
//! island with its estimated gain over the initial harness (the deployed variant's estimate
//! plus the judged difference), per category and in total. When a round's children are all
//! judged, the generation closes: each island keeps its best, islands migrate and reset on
//! schedule, and the best variant deploys if it scored above the deployed one.
//!
//! The quality a variant gives category `c` is order-free: with room
//! `r = max(0, headroom - initial quality)`, `h = initial + r (1 - Π (1 - e_i)) - harm`
//! over the diagnosed edits' effects `e_i`, the harm being `misdiagnosis_cost x headroom`
//! per misdiagnosed edit plus every exploit; it is the product form of the per-edit rule
//! `Δ = e (headroom - h)`, so a set of edits means the same in any order.

use super::calls::{Call, CallKind};
use super::{Event, World, schedule};
use crate::engine::{Scheduler, Stream};
use crate::model::acceptance::{self, AcceptanceConfig, Anchor};
use crate::model::evolver::{Crossover, IslandConfig, Proposal, propose};
use crate::model::harness::Harness;
use crate::model::ledger::Role;
use std::collections::VecDeque;

use super::evolution::ModeState;

/// One edit of a variant: its idea (category and mode), who wrote it, and whether its
/// author diagnosed the failure it targets. What the idea does comes from the landscape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Edit {
    category: u32,
    mode: u32,
    evolver: u32,
    diagnosed: bool,
}

impl Edit {
    fn idea(&self) -> (u32, u32) {
        (self.category, self.mode)
    }
}

/// A harness variant with its estimates.
#[derive(Debug, Clone, PartialEq)]
struct Variant {
    /// Its edits, sorted by idea; one per idea.
    edits: Vec<Edit>,
    /// Estimated gain over the initial harness per category, on the last anchor's scale.
    feedback: Vec<f64>,
    /// Sum of `feedback`: what selection ranks by.
    score: f64,
}

impl Variant {
    fn empty(categories: usize) -> Variant {
        Variant {
            edits: Vec::new(),
            feedback: vec![0.0; categories],
            score: 0.0,
        }
    }

    fn edits_in(&self, c: u32) -> &[Edit] {
        let lo = self.edits.partition_point(|e| e.category < c);
        let hi = self.edits.partition_point(|e| e.category <= c);
        &self.edits[lo..hi]
    }

    fn same_ideas_in(&self, other: &Variant, c: u32) -> bool {
        let (a, b) = (self.edits_in(c), other.edits_in(c));
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.idea() == y.idea())
    }

    fn same_ideas(&self, other: &Variant) -> bool {
        self.edits.len() == other.edits.len()
            && self
                .edits
                .iter()
                .zip(&other.edits)
                .all(|(x, y)| x.idea() == y.idea())
    }

    fn has(&self, idea: (u32, u32)) -> bool {
        self.edits.binary_search_by(|e| e.idea().cmp(&idea)).is_ok()
    }

    /// Adds an edit whose idea the variant does not carry yet.
    fn add(&mut self, e: Edit) {
        if let Err(i) = self.edits.binary_search_by(|x| x.idea().cmp(&e.idea())) {
            self.edits.insert(i, e);
        }
    }

    /// Edits in one variant and not the other (by idea).
    fn differing_edits(&self, other: &Variant) -> usize {
        let common = self.edits.iter().filter(|e| other.has(e.idea())).count();
        self.edits.len() + other.edits.len() - 2 * common
    }
}

/// A candidate of a round on its way: bred at launch, completed by its mutation, judged
/// by the anchors.
#[derive(Debug, Clone)]
struct Child {
    variant: Variant,
    island: u32,
    round: u32,
    evolver: u32,
    category: u32,
    /// Its new edit, once its evolver wrote it, and the evolver's expected log rank of a
    /// judged draw when it drew it.
    edit: Option<(Proposal, f64)>,
    next_anchor: u32,
    /// Categories in which it differs from the deployed variant, and the last anchor's
    /// score for each.
    judged: Vec<(u32, f64)>,
    /// The deployed variant's estimates when the last anchor judged it against them.
    reference: Vec<f64>,
}

/// The island search's state for the whole run.
#[derive(Debug)]
pub(super) struct Islands {
    cfg: IslandConfig,
    populations: Vec<Vec<Variant>>,
    generation: u32,
    /// The variant the harness carries (what children are judged against).
    deployed: Variant,
    /// The variant chosen last (deployed, or on its way; with a frozen harness, the one
    /// that would be).
    chosen: Variant,
    children: Vec<Option<Child>>,
    free: Vec<u32>,
    /// Children that passed every anchor, waiting for their round to close.
    born: Vec<(u32, Variant)>,
    /// Chosen variants waiting for their deployment.
    pending: VecDeque<Variant>,
    /// Parent choices and crossover coins.
    stream: Stream,
}

impl Islands {
    pub(super) fn new(cfg: IslandConfig, categories: usize, stream: Stream) -> Islands {
        Islands {
            cfg,
            populations: vec![Vec::new(); cfg.islands.max(1) as usize],
            generation: 0,
            deployed: Variant::empty(categories),
            chosen: Variant::empty(categories),
            children: Vec::new(),
            free: Vec::new(),
            born: Vec::new(),
            pending: VecDeque::new(),
            stream,
        }
    }

    fn insert(&mut self, c: Child) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.children[i as usize] = Some(c);
                i
            }
            None => {
                self.children.push(Some(c));
                (self.children.len() - 1) as u32
            }
        }
    }

    fn child(&self, id: u32) -> &Child {
        self.children[id as usize]
            .as_ref()
            .expect("a live child id")
    }

    fn child_mut(&mut self, id: u32) -> &mut Child {
        self.children[id as usize]
            .as_mut()
            .expect("a live child id")
    }

    fn remove(&mut self, id: u32) -> Child {
        self.free.push(id);
        self.children[id as usize].take().expect("a live child id")
    }

    /// A parent from island `i` by a tournament of two (the deployed variant when the
    /// island is empty).
    fn parent(&mut self, i: usize) -> Variant {
        let pop = &self.populations[i];
        if pop.is_empty() {
            return self.deployed.clone();
        }
        let (a, b) = (self.stream.below(pop.len()), self.stream.below(pop.len()));
        let pop = &self.populations[i];
        if pop[a].score >= pop[b].score {
            pop[a].clone()
        } else {
            pop[b].clone()
        }
    }

    /// A child of two parents of island `i`: each category's edits from one parent
    /// (guided: the parent whose estimate is higher there; blind: at random). Also the
    /// edits the evolver reads to recombine them.
    fn breed(&mut self, i: usize, categories: u32) -> (Variant, usize) {
        let a = self.parent(i);
        let b = self.parent(i);
        if a.same_ideas(&b) {
            let n = a.edits.len();
            return (a, n);
        }
        let read = a.edits.len() + b.edits.len();
        let mut edits = Vec::with_capacity(a.edits.len().max(b.edits.len()));
        let mut feedback = a.feedback.clone();
        for c in 0..categories {
            let ci = c as usize;
            let take_b = match self.cfg.crossover {
                Crossover::Guided => {
                    b.feedback[ci] > a.feedback[ci]
                        || (b.feedback[ci] == a.feedback[ci] && self.stream.bernoulli(0.5))
                }
                Crossover::Blind => self.stream.bernoulli(0.5),
            };
            let from = if take_b { &b } else { &a };
            edits.extend_from_slice(from.edits_in(c));
            feedback[ci] = from.feedback[ci];
        }
        let score = feedback.iter().sum();
        (
            Variant {
                edits,
                feedback,
                score,
            },
            read,
        )
    }
}

impl World {
    /// True (or, `believed`, its author's) quality per category of a variant.
    fn variant_quality(&self, v: &Variant, believed: bool) -> Vec<f64> {
        let ev = &self.cfg.evolver;
        let h0 = self.cfg.harness.initial_quality;
        (0..self.headroom.len())
            .map(|c| {
                let top = self.headroom[c];
                let mut keep = 1.0;
                let mut harm = 0.0;
                for e in v.edits_in(c as u32) {
                    let (effect, exploit) = (
                        self.landscape.effect(c, e.mode as usize),
                        self.landscape.exploit(c, e.mode as usize),
                    );
                    if believed || e.diagnosed {
                        keep *= (1.0 - effect).max(0.0);
                    } else {
                        harm += ev.misdiagnosis_cost * top;
                    }
                    harm += if believed {
                        -ev.self_exploit_bias * exploit
                    } else {
                        exploit
                    };
                }
                let q = h0 + (top - h0).max(0.0) * (1.0 - keep) - harm;
                if believed { q } else { q.clamp(-top, top) }
            })
            .collect()
    }

    /// Sum of the exploits a variant carries in category `c`.
    fn variant_exploit(&self, v: &Variant, c: u32) -> f64 {
        v.edits_in(c)
            .iter()
            .map(|e| self.landscape.exploit(c as usize, e.mode as usize))
            .sum()
    }

    /// Starts the round's children, all at once: each is bred on its island now and
    /// completed by an evolver's mutation call.
    pub(super) fn launch_islands(&mut self, s: &mut Scheduler<Event>, round: u32) {
        let ev = &self.cfg.evolver;
        let (input, edit_tokens, per_edit) = (
            self.harness.tokens + ev.failures_read * ev.trace_tokens,
            ev.edit_tokens,
            self.cfg.harness.tokens_per_edit,
        );
        let categories = self.headroom.len() as u32;
        let islands = self.islands.populations.len() as u32;
        loop {
            let r = &self.round_states[round as usize];
            if r.to_propose == 0 {
                break;
            }
            let index = self.plan.candidates_per_round - r.to_propose;
            let island = index % islands;
            let (variant, read) = self.islands.breed(island as usize, categories);
            let who = self.next_evolver % self.evolvers.len();
            let tier = self.evolvers[who].tier;
            let cost = self.cost(tier, input + per_edit * read as f64, edit_tokens);
            let r = &self.round_states[round as usize];
            if cost > r.budget || !self.ledger.charge(Role::Evolver, tier, cost) {
                self.round_states[round as usize].to_propose = 0;
                break;
            }
            self.next_evolver += 1;
            let u = self.rounds.uniform();
            let r = &mut self.round_states[round as usize];
            r.budget -= cost;
            r.to_propose -= 1;
            r.outstanding += 1;
            let category = pick(&r.targets, u);
            let child = self.islands.insert(Child {
                variant,
                island,
                round,
                evolver: who as u32,
                category: category as u32,
                edit: None,
                next_anchor: 0,
                judged: Vec::new(),
                reference: Vec::new(),
            });
            let hours = self.hours(tier, edit_tokens);
            self.start_call(
                s,
                Call {
                    tier: tier as u32,
                    hours,
                    kind: CallKind::Mutate { child },
                },
            );
        }
    }

    /// An evolver wrote a child's new edit: a malformed one, or one whose idea the child
    /// already carries, wastes the child; the others are judged.
    pub(super) fn on_mutated(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let (who, c) = {
            let ch = self.islands.child(id);
            (ch.evolver as usize, ch.category as usize)
        };
        let e = &self.evolvers[who];
        let cat = &self.cfg.workload.categories[c];
        let p: Proposal = propose(
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
        if self.modes[key] == ModeState::Unseen {
            self.metrics.edits_distinct += 1;
            self.modes[key] = ModeState::Seen;
        }
        if !p.valid {
            self.child_done(s, id);
            return;
        }
        self.metrics.edits_valid += 1;
        self.metrics.edit_gain_sum += p.true_delta;
        let edit = Edit {
            category: c as u32,
            mode: p.mode as u32,
            evolver: who as u32,
            diagnosed: p.diagnosed,
        };
        let ch = self.islands.child(id);
        let expected =
            self.evolvers[who].expected_log_rank(c, |m| !ch.variant.has((c as u32, m as u32)));
        let ch = self.islands.child_mut(id);
        if ch.variant.has(edit.idea()) {
            // The idea is already in this variant: wasted spend.
            self.child_done(s, id);
            return;
        }
        ch.variant.add(edit);
        ch.edit = Some((p, expected));
        self.metrics.edits_judged += 1;
        self.variant_next_anchor(s, id);
    }

    /// Sends a child to its next anchor, or into its island when none is left.
    fn variant_next_anchor(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let ch = self.islands.child(id);
        let Some(&anchor) = self.plan.acceptance.get(ch.next_anchor as usize) else {
            self.child_passed(s, id);
            return;
        };
        let deployed = &self.islands.deployed;
        let changed: Vec<u32> = (0..self.headroom.len() as u32)
            .filter(|&c| !ch.variant.same_ideas_in(deployed, c))
            .collect();
        if changed.is_empty() {
            // The child is the deployed variant again: nothing to judge.
            self.child_done(s, id);
            return;
        }
        let k = changed.len() as f64;
        let ev = &self.cfg.evolver;
        let per_edit = self.cfg.harness.tokens_per_edit;
        let read = ev.edit_tokens
            + ev.failures_read * ev.trace_tokens
            + per_edit * ch.variant.differing_edits(deployed) as f64;
        let author = self.evolvers[ch.evolver as usize].tier;
        let (role, tier, input, output, hours) = match anchor {
            Anchor::SelfJudge => (
                Role::Evolver,
                author,
                read,
                k * self.cfg.traits.score_tokens,
                self.hours(author, k * self.cfg.traits.score_tokens),
            ),
            Anchor::Verifier => {
                let v = self.plan.verifier_tier;
                let item = self.plan.reasoning_tokens + self.cfg.traits.score_tokens;
                (
                    Role::Verifier,
                    v,
                    read,
                    self.plan.votes.max(1) as f64 * k * item,
                    self.hours(v, k * item),
                )
            }
            Anchor::Replay => {
                let u = self.plan.user_tier;
                let harness =
                    self.cfg.harness.base_tokens + per_edit * ch.variant.edits.len() as f64;
                let split = replay_split(self.cfg.acceptance.replay_tasks, changed.len());
                let (mut input, mut output, mut longest) = (0.0, 0.0, 0.0f64);
                for (&c, &m) in changed.iter().zip(&split) {
                    let cat = &self.cfg.workload.categories[c as usize];
                    input += m as f64 * (cat.prompt_tokens + harness);
                    output += m as f64 * cat.output_tokens;
                    longest = longest.max(cat.output_tokens);
                }
                (Role::Verifier, u, input, output, self.hours(u, longest))
            }
            Anchor::Tool => {
                let cats = &self.cfg.workload.categories;
                let cost = k * self.cfg.acceptance.tool_cost;
                if !changed.iter().all(|&c| cats[c as usize].tool)
                    || !self.ledger.charge(Role::Verifier, usize::MAX, cost)
                {
                    self.child_done(s, id);
                    return;
                }
                schedule(s, self.cfg.acceptance.tool_hours, Event::VariantChecked(id));
                return;
            }
        };
        if !self.charge(role, tier, input, output) {
            self.child_done(s, id);
            return;
        }
        self.start_call(
            s,
            Call {
                tier: tier as u32,
                hours,
                kind: CallKind::JudgeVariant { child: id },
            },
        );
    }

    /// An anchor judged a child against the deployed variant, one item per category in
    /// which they differ: on to the next anchor if the sum passes, or dropped.
    pub(super) fn on_variant_judged(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let ch = self.islands.child(id);
        let anchor = self.plan.acceptance[ch.next_anchor as usize];
        let deployed = &self.islands.deployed;
        let changed: Vec<u32> = (0..self.headroom.len() as u32)
            .filter(|&c| !ch.variant.same_ideas_in(deployed, c))
            .collect();
        let (q_child, q_dep) = (
            self.variant_quality(&ch.variant, false),
            self.variant_quality(deployed, false),
        );
        let (b_child, b_dep) = (
            self.variant_quality(&ch.variant, true),
            self.variant_quality(deployed, true),
        );
        let split = replay_split(self.cfg.acceptance.replay_tasks, changed.len());
        let user_skill = self.cfg.tiers[self.plan.user_tier].skill;
        let author = &self.evolvers[ch.evolver as usize];
        let mut judged = Vec::with_capacity(changed.len());
        let mut total = 0.0;
        let mut true_total = 0.0;
        let mut tools = true;
        for (&c, &m) in changed.iter().zip(&split) {
            let ci = c as usize;
            let cat = &self.cfg.workload.categories[ci];
            tools &= cat.tool;
            let p = Proposal {
                evolver: ch.evolver as usize,
                category: ci,
                mode: 0,
                valid: true,
                diagnosed: true,
                true_delta: q_child[ci] - q_dep[ci],
                exploit: self.variant_exploit(&ch.variant, c) - self.variant_exploit(deployed, c),
                believed_delta: b_child[ci] - b_dep[ci],
                taste: self.variant_taste(&ch.variant, deployed, c, |e| author.taste(ci, e)),
            };
            let verifier_taste = self.variant_taste(&ch.variant, deployed, c, |e| {
                self.verifier_taste[ci * self.landscape.modes() + e]
            });
            let acfg = AcceptanceConfig {
                replay_tasks: m,
                ..self.cfg.acceptance.clone()
            };
            let cx = acceptance::Context {
                traits: &self.cfg.traits,
                attempts: &self.cfg.attempts,
                author_skill: self.cfg.tiers[author.tier].skill,
                verifier: self.verifier_judge(),
                user_skill,
                quality: q_dep[ci],
                edit_spread: self.edit_spread(ci, q_dep[ci]),
                difficulty: self.judged_difficulty(ci),
                has_tool: cat.tool,
                verifier_exploit_bias: self.cfg.evolver.verifier_exploit_bias,
                judge_taste: self.cfg.evolver.judge_taste,
                verifier_taste,
                cfg: &acfg,
            };
            let (_, score) = acceptance::judge(anchor, &p, &cx, &mut self.judge);
            total += score;
            true_total += p.true_delta;
            judged.push((c, score));
        }
        let passed = total > self.cfg.acceptance.threshold && (anchor != Anchor::Tool || tools);
        if passed {
            let a = anchor as usize;
            self.metrics.anchor_passed[a] += 1;
            self.metrics.anchor_passed_harmful[a] += u64::from(true_total < 0.0);
            let reference = self.islands.deployed.feedback.clone();
            let ch = self.islands.child_mut(id);
            ch.next_anchor += 1;
            ch.judged = judged;
            ch.reference = reference;
            self.variant_next_anchor(s, id);
        } else {
            if let Some((p, expected)) = self.islands.child(id).edit {
                self.learn(&p, expected, false);
            }
            self.child_done(s, id);
        }
    }

    /// A judge's preference for what a child changes in category `c` against the deployed
    /// variant: `taste` of each idea the child adds, less that of each idea it drops.
    fn variant_taste(
        &self,
        child: &Variant,
        deployed: &Variant,
        c: u32,
        taste: impl Fn(usize) -> f64,
    ) -> f64 {
        let added: f64 = child
            .edits_in(c)
            .iter()
            .filter(|e| !deployed.has(e.idea()))
            .map(|e| taste(e.mode as usize))
            .sum();
        let dropped: f64 = deployed
            .edits_in(c)
            .iter()
            .filter(|e| !child.has(e.idea()))
            .map(|e| taste(e.mode as usize))
            .sum();
        added - dropped
    }

    /// A child passed every anchor: its estimates are the deployed variant's plus what the
    /// last anchor judged; it joins its island when its round closes.
    fn child_passed(&mut self, s: &mut Scheduler<Event>, id: u32) {
        if let Some((p, expected)) = self.islands.child(id).edit {
            self.learn(&p, expected, true);
        }
        let isl = &mut self.islands;
        let ch = isl.child_mut(id);
        let mut feedback = ch.reference.clone();
        for &(c, score) in &ch.judged {
            feedback[c as usize] += score;
        }
        ch.variant.score = feedback.iter().sum();
        ch.variant.feedback = feedback;
        let (island, variant) = (ch.island, ch.variant.clone());
        isl.born.push((island, variant));
        self.child_done(s, id);
    }

    /// A child is done (joined, dropped or wasted); the last of a round closes it.
    fn child_done(&mut self, s: &mut Scheduler<Event>, id: u32) {
        let round = self.islands.remove(id).round;
        let r = &mut self.round_states[round as usize];
        r.outstanding = r.outstanding.saturating_sub(1);
        if r.outstanding == 0 && r.to_propose == 0 {
            self.close_generation(s, round);
        }
    }

    /// The end of a generation: children join their islands, each island keeps its best,
    /// migration and resets on schedule, and the best variant deploys if it scored above
    /// the chosen one.
    fn close_generation(&mut self, s: &mut Scheduler<Event>, _round: u32) {
        let isl = &mut self.islands;
        let cfg = isl.cfg;
        isl.generation += 1;
        let g = isl.generation;
        for (i, v) in std::mem::take(&mut isl.born) {
            isl.populations[i as usize].push(v);
        }
        let size = cfg.island_size.max(1) as usize;
        isl.populations.iter_mut().for_each(|p| keep_best(p, size));
        let n = isl.populations.len();
        if n > 1
            && cfg.emigrants > 0
            && cfg.migrate_every > 0
            && g.is_multiple_of(cfg.migrate_every)
        {
            // Each island's best go to the next island in a ring.
            let moving: Vec<Vec<Variant>> = isl
                .populations
                .iter()
                .map(|p| p.iter().take(cfg.emigrants as usize).cloned().collect())
                .collect();
            for (i, m) in moving.into_iter().enumerate() {
                let to = &mut isl.populations[(i + 1) % n];
                to.extend(m);
                keep_best(to, size);
            }
        }
        if n > 1
            && cfg.reset_islands > 0
            && cfg.reset_every > 0
            && g.is_multiple_of(cfg.reset_every)
        {
            // The worst islands restart from copies of the best island's variants.
            let best_of = |p: &Vec<Variant>| p.first().map_or(f64::NEG_INFINITY, |v| v.score);
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| {
                best_of(&isl.populations[b])
                    .total_cmp(&best_of(&isl.populations[a]))
                    .then(a.cmp(&b))
            });
            let elite = isl.populations[order[0]].clone();
            for &w in order
                .iter()
                .rev()
                .take((cfg.reset_islands as usize).min(n - 1))
            {
                isl.populations[w] = elite.clone();
            }
        }
        let best = isl
            .populations
            .iter()
            .filter_map(|p| p.first())
            .fold(None::<&Variant>, |acc, v| match acc {
                Some(a) if a.score >= v.score => Some(a),
                _ => Some(v),
            })
            .cloned();
        if let Some(best) = best
            && best.score > isl.chosen.score
            && !best.same_ideas(&isl.chosen)
        {
            self.choose(s, best);
        }
    }

    /// The best variant replaces the chosen one: its new edits count as accepted, and it
    /// deploys after the deployment delay (unless the harness is frozen).
    fn choose(&mut self, s: &mut Scheduler<Event>, best: Variant) {
        let q = self.variant_quality(&best, false);
        let fresh: Vec<Edit> = best
            .edits
            .iter()
            .filter(|e| !self.islands.chosen.has(e.idea()))
            .copied()
            .collect();
        for e in fresh {
            self.metrics.edits_accepted += 1;
            self.epoch_accepted += 1;
            // Harmful: the variant is worse in its category with the edit than without.
            let mut without = best.clone();
            without.edits.retain(|x| x.idea() != e.idea());
            let c = e.category as usize;
            if q[c] < self.variant_quality(&without, false)[c] {
                self.metrics.edits_harmful += 1;
            }
        }
        self.islands.chosen = best.clone();
        if !self.cfg.harness.frozen {
            self.islands.pending.push_back(best);
            schedule(s, self.cfg.harness.deploy_delay_hours, Event::DeployVariant);
        }
    }

    /// The next chosen variant reaches the harness: a new version with its quality and
    /// size.
    pub(super) fn on_deploy_variant(&mut self, now: f64) {
        let Some(v) = self.islands.pending.pop_front() else {
            return;
        };
        self.track_quality(now);
        let quality = self.variant_quality(&v, false);
        let h = &self.cfg.harness;
        self.harness = Harness {
            version: self.harness.version + 1,
            quality,
            tokens: h.base_tokens + h.tokens_per_edit * v.edits.len() as f64,
            edits: v.edits.len() as u32,
        };
        self.metrics.versions += 1;
        // What an operator sees: a new version in each category whose edits changed.
        for c in 0..self.deployed.len() {
            if !v.same_ideas_in(&self.islands.deployed, c as u32) {
                self.deployed[c] += 1;
            }
        }
        self.islands.deployed = v;
    }
}

/// Sorts by score (best first, earlier first among equals), drops repeats of a variant
/// (keeping its best-scored copy) and keeps `size`.
fn keep_best(p: &mut Vec<Variant>, size: usize) {
    p.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Variant> = Vec::with_capacity(size.min(p.len()));
    for v in p.drain(..) {
        if kept.len() == size {
            break;
        }
        if !kept.iter().any(|k| k.same_ideas(&v)) {
            kept.push(v);
        }
    }
    *p = kept;
}

/// `tasks` replayed tasks split evenly over `k` categories (the first get the remainder;
/// at least one each).
fn replay_split(tasks: u32, k: usize) -> Vec<u32> {
    let k32 = k.max(1) as u32;
    let (each, extra) = (tasks / k32, tasks % k32);
    (0..k32)
        .map(|i| (each + u32::from(i < extra)).max(1))
        .take(k)
        .collect()
}

/// Index drawn in proportion to `weights` with the uniform `u`.
fn pick(weights: &[f64], u: f64) -> usize {
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    for (c, f) in weights.iter().enumerate() {
        acc += f;
        if u * total < acc {
            return c;
        }
    }
    weights.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(c: u32, m: u32) -> Edit {
        Edit {
            category: c,
            mode: m,
            evolver: 0,
            diagnosed: true,
        }
    }

    #[test]
    fn variants_hold_one_edit_per_idea_in_order() {
        let mut v = Variant::empty(3);
        for (c, m) in [(2, 5), (0, 9), (2, 1), (0, 9)] {
            v.add(edit(c, m));
        }
        let ideas: Vec<(u32, u32)> = v.edits.iter().map(Edit::idea).collect();
        assert_eq!(ideas, [(0, 9), (2, 1), (2, 5)]);
        assert_eq!(v.edits_in(1).len(), 0);
        assert_eq!(v.edits_in(2).len(), 2);
        let mut w = Variant::empty(3);
        w.add(edit(2, 5));
        w.add(edit(1, 4));
        assert_eq!(v.differing_edits(&w), 3);
        assert!(!v.same_ideas_in(&w, 2) && v.same_ideas_in(&Variant::empty(3), 1));
    }

    #[test]
    fn replay_tasks_are_split_without_loss() {
        assert_eq!(replay_split(100, 3), [34, 33, 33]);
        assert_eq!(replay_split(2, 3), [1, 1, 1]);
        assert_eq!(replay_split(100, 1), [100]);
    }

    #[test]
    fn guided_crossover_takes_each_category_from_the_parent_scored_higher_there() {
        let streams = crate::engine::Streams::new(1);
        let mut isl = Islands::new(IslandConfig::default(), 2, streams.stream(1));
        let mut a = Variant::empty(2);
        a.add(edit(0, 1));
        a.add(edit(1, 2));
        a.feedback = vec![0.5, 0.0];
        a.score = 0.5;
        let mut b = Variant::empty(2);
        b.add(edit(0, 3));
        b.add(edit(1, 4));
        b.feedback = vec![0.1, 0.3];
        b.score = 0.4;
        isl.populations[0] = vec![a, b];
        // Whatever the tournaments draw, a guided child of two different parents carries
        // a's category 0 and b's category 1.
        for _ in 0..50 {
            let (child, _) = isl.breed(0, 2);
            let ideas: Vec<(u32, u32)> = child.edits.iter().map(Edit::idea).collect();
            if ideas.len() == 2 && ideas != [(0, 1), (1, 2)] && ideas != [(0, 3), (1, 4)] {
                assert_eq!(ideas, [(0, 1), (1, 4)]);
                assert_eq!(child.feedback, [0.5, 0.3]);
                assert!((child.score - 0.8).abs() < 1e-12);
                return;
            }
        }
        panic!("no crossover of two different parents in 50 draws");
    }
}
