//! The Pareto front of two objectives (`objectives = [first, second]`), by a sequence of
//! scalarised CMA-ES searches that share one store of runs.
//!
//! **Method: adaptive epsilon-constraint.** Two anchor searches optimise each objective
//! alone (under the plan's constraints). Each further search optimises the first objective
//! under the plan's constraints and one more, `second <= eps` (`>=` for a maximised second).
//! The first of them makes the second anchor lexicographic: `eps` is the second anchor's
//! value plus [`ANCHOR_STEP`] of the front's range of the second objective (an anchor of the
//! second objective alone can leave the first anywhere). After that `eps` halves the widest gap (in objectives scaled by the front's range) between two
//! neighbours of the front found so far that no search has split yet, and the search starts
//! from the neighbour that meets the bound. Every search is the single-objective search of
//! [`super::optimize`] (racing, the discrete-neighbour checks, Deb's rule), so the noise and
//! the mixed variables are handled as there; all of them run through one [`Store`], so a
//! point and replication asked for twice runs once, and replication `r` of every point has
//! seed `hash2(seed, r)` (common random numbers across all searches). Each search gets an
//! equal share of the budget left for searching.
//!
//! Unlike a weighted sum, an epsilon-constraint search reaches points on non-convex parts
//! of a front, and its bound is in the objective's own unit; a front of discrete clusters (tier
//! choices) leaves gaps no point fills, and a gap is split at most once.
//!
//! **The front's neighbours.** CMA-ES checks only its incumbent's discrete neighbours (every
//! other choice of each integer and categorical variable); a front point found on the way
//! may sit one bin off. So the discrete neighbours of the points picked for re-evaluation
//! run too (the searches leave room for them in the budget) before the front is settled.
//!
//! **The front.** Every candidate with all its replications that meets the plan's
//! constraints on its means, and that no other such candidate dominates on the means of the
//! two objectives, is on the search's front (of points with equal means, the first found
//! counts: variables that do not move the metrics, like shares no role spends, give one
//! point). At most `front_points` of them, spread evenly
//! along the first objective, are re-evaluated with `final_replications` (the same seeds for
//! each). On the final means a point is [`Status::Front`] when no other re-evaluated point
//! dominates it; otherwise, with `j` the first point (by number) that dominates it,
//! [`Status::Dominated`] when a paired 95% interval of `j`'s advantage lies above 0 for at
//! least one objective, and [`Status::Indistinguishable`] when no objective shows a clear
//! advantage.

use super::{
    Candidate, Constraint, Direction, Objective, Plan, Progress, Start, Store, commit_batch,
    evaluate, evaluate_reps, key, neighbours, search,
};
use crate::base::stats::{MeanCi, mean_ci, paired_ci};
use crate::sweep::Simulator;
use rayon::prelude::*;

/// A point's runs: a candidate of the first objective, both objectives' values per
/// replication, and each constraint's metric's.
type Measured = (Candidate, [Vec<f64>; 2], Vec<Vec<f64>>);

/// What a re-evaluated point is on the final means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No other point dominates it.
    Front,
    /// Another point dominates it on the means, but no objective's paired 95% interval shows
    /// that point clearly better.
    Indistinguishable,
    /// Another point dominates it, clearly better in at least one objective.
    Dominated,
    /// Its means violate a constraint.
    Infeasible,
}

impl Status {
    /// Its name in `pareto.csv` and the report.
    pub fn name(self) -> &'static str {
        match self {
            Status::Front => "front",
            Status::Indistinguishable => "indistinguishable",
            Status::Dominated => "dominated",
            Status::Infeasible => "infeasible",
        }
    }
}

/// A front point re-evaluated with the final replications.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontPoint {
    /// The candidate's number (its first evaluation in the search).
    pub id: usize,
    /// Its variables' values.
    pub values: Vec<(String, toml::Value)>,
    /// Each objective's mean and 95% interval.
    pub objectives: [MeanCi; 2],
    /// Each constraint's metric's mean and 95% interval.
    pub constrained: Vec<MeanCi>,
    /// What it is on the final means.
    pub status: Status,
    /// The point (by number) that dominates it, when one does.
    pub dominated_by: Option<usize>,
}

/// A candidate of the search with all its replications, by its means.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    /// Its number.
    pub id: usize,
    /// Its variables' values.
    pub values: Vec<(String, toml::Value)>,
    /// The two objectives' means.
    pub means: [f64; 2],
    /// Whether the means meet every constraint.
    pub feasible: bool,
    /// Whether it is on the search's front (before the re-evaluation).
    pub on_front: bool,
}

/// One scalarised search.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalarised {
    /// The objective it optimised (0 or 1).
    pub objective: usize,
    /// Its bound on the second objective (none for an anchor).
    pub eps: Option<f64>,
    /// Runs committed after it (the store's count).
    pub runs: usize,
    /// Its best candidate's number.
    pub best: usize,
}

/// What a Pareto search found.
#[derive(Debug, Clone, PartialEq)]
pub struct Front {
    /// Every candidate with all its replications (distinct points), in order.
    pub evaluated: Vec<Evaluated>,
    /// The re-evaluated points, in the order of the first objective's search means (best
    /// first).
    pub points: Vec<FrontPoint>,
    /// The scalarised searches, in order.
    pub searches: Vec<Scalarised>,
    /// Runs of the searches.
    pub search_runs: usize,
    /// Runs in all.
    pub runs: usize,
}

impl Plan {
    /// The two objectives of a Pareto plan (the first alone otherwise).
    pub fn objectives(&self) -> Vec<Objective> {
        let mut v = vec![Objective {
            metric: self.objective.clone(),
            direction: self.direction,
        }];
        v.extend(self.pareto.clone());
        v
    }
}

/// Searches the Pareto front of `plan`'s two objectives with `sim`, every run through
/// `store`. A pure function of the runs: the same at any thread count and after a resume.
pub fn front(
    plan: &Plan,
    sim: &dyn Simulator,
    store: &Store,
    progress: &dyn Progress,
) -> anyhow::Result<Front> {
    let Some(second) = plan.pareto.clone() else {
        anyhow::bail!("a plan with one objective is searched by `optimize::optimize`");
    };
    if plan.budget < plan.min_budget() {
        anyhow::bail!(
            "a budget of {} runs is less than the least a Pareto search needs ({} runs)",
            plan.budget,
            plan.min_budget()
        );
    }
    let objs = plan.objectives();
    let full = plan.replications as usize;
    let search_budget = plan.budget - plan.front_points * plan.final_replications as usize;
    // The searches leave room for the front points' discrete neighbours.
    let polish = plan.front_points * neighbours(plan, &vec![0.5; plan.dim()]).len() * full;
    let searches_budget = search_budget.saturating_sub(polish);
    let k = plan.front_points;
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut searches: Vec<Scalarised> = Vec::new();
    let mut split: Vec<(String, String)> = Vec::new();
    let mut evaluated: Vec<Evaluated> = Vec::new();
    for s in 0..k {
        let left = searches_budget.saturating_sub(store.runs());
        let share = left / (k - s);
        // The bound, and the point it starts from.
        let (objective, eps, at) = match s {
            0 => (0, None, None),
            1 => (1, None, None),
            // The second anchor optimised the second objective alone, leaving the first
            // anywhere: the first objective's best within a step of that anchor's second.
            2 => match anchor_bound(plan, &evaluated, searches.last()) {
                Some((a, eps)) => (
                    0,
                    Some(eps),
                    candidates
                        .iter()
                        .find(|c| c.id == evaluated[a].id)
                        .map(|c| c.u.clone()),
                ),
                None => continue,
            },
            _ => match widest_gap(plan, &evaluated, &split) {
                Some((a, b, eps)) => {
                    split.push((key(&evaluated[a].values), key(&evaluated[b].values)));
                    let u = candidates
                        .iter()
                        .find(|c| c.id == evaluated[a].id)
                        .map(|c| c.u.clone());
                    (0, Some(eps), u)
                }
                None => break,
            },
        };
        let mut sub = plan.clone();
        sub.pareto = None;
        sub.objective = objs[objective].metric.clone();
        sub.direction = objs[objective].direction;
        if let Some(e) = eps {
            sub.constraints.push(bound(&second, e));
        }
        sub.finalists = 1;
        sub.final_replications = plan.replications;
        sub.budget = store.runs() + share.max(sub.min_budget());
        if sub.budget > searches_budget + plan.replications as usize {
            break;
        }
        let out = search(
            &sub,
            sim,
            store,
            progress,
            &Start {
                first_id: candidates.len(),
                at,
                salt: 0x9a7e + s as u64,
                optimiser: super::Optimiser::Cmaes,
            },
        )?;
        // A search whose every candidate was raced out (a bound no sample met) adds its
        // candidates and no best.
        if let Some(b) = out.finalists.first() {
            searches.push(Scalarised {
                objective,
                eps,
                runs: store.runs(),
                best: b.candidate.id,
            });
        }
        candidates.extend(out.candidates);
        evaluated = measure(plan, sim, store, &candidates, full)?;
    }
    // The discrete neighbours of the points to re-evaluate: a front point found on the way
    // by a search may sit one bin off (CMA-ES checks only its incumbent's neighbours).
    // Until the picked points' neighbours are all known (a few rounds at most).
    for _ in 0..POLISH_ROUNDS {
        let picked = spread(plan, &evaluated, k);
        let mut us: Vec<Vec<f64>> = Vec::new();
        for &i in &picked {
            if let Some(c) = candidates.iter().find(|c| c.id == evaluated[i].id) {
                us.extend(neighbours(plan, &c.u));
            }
        }
        us.retain(|u| {
            let k = key(&plan.decode(u));
            !evaluated.iter().any(|e| key(&e.values) == k)
        });
        us.sort_by(|a, b| {
            a.iter()
                .zip(b)
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        us.dedup_by(|a, b| key(&plan.decode(a)) == key(&plan.decode(b)));
        us.truncate(search_budget.saturating_sub(store.runs()) / full);
        if us.is_empty() {
            break;
        }
        {
            let got: Vec<(Vec<f64>, Candidate)> = us
                .par_iter()
                .map(|u| Ok((u.clone(), evaluate(plan, sim, store, u, None, 0)?)))
                .collect::<anyhow::Result<_>>()?;
            let mut trace = Vec::new();
            let generation = candidates.iter().map(|c| c.generation).max().unwrap_or(0) + 1;
            let mut mine = Vec::new();
            commit_batch(
                plan,
                store,
                got,
                (generation, candidates.len()),
                &mut mine,
                &mut trace,
            )?;
            candidates.extend(mine);
            evaluated = measure(plan, sim, store, &candidates, full)?;
        }
    }
    let search_runs = store.runs();
    let picked = spread(plan, &evaluated, k);
    if picked.is_empty() {
        anyhow::bail!("no candidate that ran all its replications meets the constraints: no front");
    }
    progress.finals(picked.len());
    let reps = plan.final_replications as usize;
    let measured: Vec<Measured> = picked
        .par_iter()
        .map(|&i| {
            let (c, o, cs) = runs_of(plan, sim, store, &evaluated[i].values, reps)?;
            let mut c = c;
            c.id = evaluated[i].id;
            Ok((c, o, cs))
        })
        .collect::<anyhow::Result<_>>()?;
    for (c, _, _) in &measured {
        store.commit(c, "final")?;
    }
    store.flush()?;
    let points = statuses(plan, &objs, &measured);
    Ok(Front {
        evaluated,
        points,
        searches,
        search_runs,
        runs: store.runs(),
    })
}

/// At most `k` points of the search's front, spread evenly along the first objective (best
/// first), as indices of `ev`.
fn spread(plan: &Plan, ev: &[Evaluated], k: usize) -> Vec<usize> {
    let s0 = plan.direction.sign();
    let mut on: Vec<usize> = (0..ev.len()).filter(|&i| ev[i].on_front).collect();
    on.sort_by(|&a, &b| {
        (s0 * ev[b].means[0])
            .total_cmp(&(s0 * ev[a].means[0]))
            .then(ev[a].id.cmp(&ev[b].id))
    });
    if on.len() <= k {
        return on;
    }
    let mut p: Vec<usize> = (0..k)
        .map(|i| on[(i * (on.len() - 1) + (k - 1) / 2) / (k - 1)])
        .collect();
    p.dedup();
    p
}

/// The constraint `second <= eps` (`>=` when the second objective is maximised).
fn bound(second: &Objective, eps: f64) -> Constraint {
    let (max, min) = match second.direction {
        Direction::Minimize => (Some(eps), None),
        Direction::Maximize => (None, Some(eps)),
    };
    Constraint {
        metric: second.metric.clone(),
        max,
        min,
    }
}

/// The runs of `values` (replications `0..n`, looked up or run): a candidate of the first
/// objective, both objectives' values, and the constraints' metrics.
fn runs_of(
    plan: &Plan,
    sim: &dyn Simulator,
    store: &Store,
    values: &[(String, toml::Value)],
    n: usize,
) -> anyhow::Result<Measured> {
    let mut m = plan.clone();
    let second = plan.pareto.clone().map(|o| o.metric).unwrap_or_default();
    m.constraints.push(Constraint {
        metric: second,
        max: None,
        min: None,
    });
    let mut c = evaluate_reps(&m, sim, store, values, 0..n)?;
    let o2 = c.constrained.pop().unwrap_or_default();
    c.constrained.truncate(plan.constraints.len());
    let o = [c.objective.clone(), o2];
    let cs = c.constrained.clone();
    Ok((c, o, cs))
}

fn mean(xs: &[f64]) -> f64 {
    super::mean(xs)
}

/// Whether `a` (numbered `ia`) dominates `b` (numbered `ib`), on signed values (larger
/// better): no worse in both and better in one, or equal in both and numbered first (points
/// whose variables do not move the metrics, like shares no role spends, count once).
fn dominates((ia, a): (usize, [f64; 2]), (ib, b): (usize, [f64; 2])) -> bool {
    a[0] >= b[0] && a[1] >= b[1] && (a[0] > b[0] || a[1] > b[1] || ia < ib)
}

/// Every distinct candidate with all `full` replications, by its means (all looked up).
fn measure(
    plan: &Plan,
    sim: &dyn Simulator,
    store: &Store,
    candidates: &[Candidate],
    full: usize,
) -> anyhow::Result<Vec<Evaluated>> {
    let objs = plan.objectives();
    let mut seen: Vec<String> = Vec::new();
    let mut out: Vec<Evaluated> = Vec::new();
    for c in candidates {
        if c.raced_out || c.objective.len() < full {
            continue;
        }
        let k = key(&c.values);
        if seen.contains(&k) {
            continue;
        }
        seen.push(k);
        let (_, o, cs) = runs_of(plan, sim, store, &c.values, full)?;
        let feasible = plan
            .constraints
            .iter()
            .zip(&cs)
            .all(|(k, xs)| k.violation(mean(xs)) == 0.0);
        let means = [mean(&o[0]), mean(&o[1])];
        out.push(Evaluated {
            id: c.id,
            values: c.values.clone(),
            means,
            feasible: feasible && means.iter().all(|m| m.is_finite()),
            on_front: false,
        });
    }
    let signed = |e: &Evaluated| {
        [
            objs[0].direction.sign() * e.means[0],
            objs[1].direction.sign() * e.means[1],
        ]
    };
    let flags: Vec<bool> = (0..out.len())
        .map(|i| {
            out[i].feasible
                && !out.iter().any(|o| {
                    o.feasible && dominates((o.id, signed(o)), (out[i].id, signed(&out[i])))
                })
        })
        .collect();
    for (e, f) in out.iter_mut().zip(flags) {
        e.on_front = f;
    }
    Ok(out)
}

/// Rounds of the front points' neighbour checks (each may change the points picked).
pub const POLISH_ROUNDS: usize = 3;

/// Share of the second objective's range between the anchors that the search after the
/// second anchor may give up for the first objective.
pub const ANCHOR_STEP: f64 = 0.02;

/// The second anchor's point (index in `ev`) and the bound within [`ANCHOR_STEP`] of the
/// anchors' range from its second objective.
fn anchor_bound(
    plan: &Plan,
    ev: &[Evaluated],
    anchor: Option<&Scalarised>,
) -> Option<(usize, f64)> {
    let anchor = anchor.filter(|a| a.objective == 1)?;
    let a = ev.iter().position(|e| e.id == anchor.best)?;
    let (lo, hi) = ev
        .iter()
        .filter(|e| e.on_front)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), e| {
            (l.min(e.means[1]), h.max(e.means[1]))
        });
    let step = if hi > lo {
        ANCHOR_STEP * (hi - lo)
    } else {
        0.0
    };
    let s1 = plan.pareto.as_ref()?.direction.sign();
    Some((a, ev[a].means[1] - s1 * step))
}

/// The widest gap not split yet between neighbours `(a, b)` of the front (sorted by the
/// second objective, `a` the better in it), scaled by the front's range, and the bound on
/// the second objective halfway between them.
fn widest_gap(
    plan: &Plan,
    ev: &[Evaluated],
    split: &[(String, String)],
) -> Option<(usize, usize, f64)> {
    let objs = plan.objectives();
    let s1 = objs[1].direction.sign();
    let mut f: Vec<usize> = (0..ev.len()).filter(|&i| ev[i].on_front).collect();
    // The better second objective first.
    f.sort_by(|&a, &b| {
        (s1 * ev[b].means[1])
            .total_cmp(&(s1 * ev[a].means[1]))
            .then(ev[a].id.cmp(&ev[b].id))
    });
    if f.len() < 2 {
        return None;
    }
    let span = |j: usize| {
        let (lo, hi) = f
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &i| {
                (l.min(ev[i].means[j]), h.max(ev[i].means[j]))
            });
        (hi - lo).max(1e-12)
    };
    let (r0, r1) = (span(0), span(1));
    let mut best: Option<(f64, usize, usize)> = None;
    for w in f.windows(2) {
        let (a, b) = (w[0], w[1]);
        if split.contains(&(key(&ev[a].values), key(&ev[b].values))) {
            continue;
        }
        let d =
            ((ev[a].means[0] - ev[b].means[0]) / r0).hypot((ev[a].means[1] - ev[b].means[1]) / r1);
        if best.is_none_or(|(g, _, _)| d > g) {
            best = Some((d, a, b));
        }
    }
    best.map(|(_, a, b)| (a, b, 0.5 * (ev[a].means[1] + ev[b].means[1])))
}

/// Each re-evaluated point's intervals and status on the final replications.
fn statuses(plan: &Plan, objs: &[Objective], measured: &[Measured]) -> Vec<FrontPoint> {
    let feasible: Vec<bool> = measured
        .iter()
        .map(|(_, o, cs)| {
            plan.constraints
                .iter()
                .zip(cs)
                .all(|(k, xs)| k.violation(mean(xs)) == 0.0)
                && o.iter().all(|x| mean(x).is_finite())
        })
        .collect();
    let signed = |i: usize| -> [f64; 2] {
        let o = &measured[i].1;
        [
            objs[0].direction.sign() * mean(&o[0]),
            objs[1].direction.sign() * mean(&o[1]),
        ]
    };
    let mut order: Vec<usize> = (0..measured.len()).collect();
    order.sort_by_key(|&i| measured[i].0.id);
    measured
        .iter()
        .enumerate()
        .map(|(i, (c, o, cs))| {
            // Every feasible point that dominates it on the means, in id order; a clear
            // domination by any of them (on the paired interval of one objective) makes it
            // dominated, else the first of them names what it cannot be told from.
            let over: Vec<usize> = order
                .iter()
                .copied()
                .filter(|&j| {
                    j != i
                        && feasible[j]
                        && dominates((measured[j].0.id, signed(j)), (measured[i].0.id, signed(i)))
                })
                .collect();
            let clearly = |j: usize| {
                (0..2).any(|k| {
                    let s = objs[k].direction.sign();
                    let a: Vec<f64> = measured[j].1[k].iter().map(|x| s * x).collect();
                    let b: Vec<f64> = o[k].iter().map(|x| s * x).collect();
                    let d = paired_ci(&a, &b, 0.95);
                    d.n >= 2 && d.lo > 0.0
                })
            };
            let clear = over.iter().copied().find(|&j| clearly(j));
            let by = clear.or_else(|| over.first().copied());
            let status = if !feasible[i] {
                Status::Infeasible
            } else if clear.is_some() {
                Status::Dominated
            } else if by.is_some() {
                Status::Indistinguishable
            } else {
                Status::Front
            };
            FrontPoint {
                id: c.id,
                values: c.values.clone(),
                objectives: [mean_ci(&o[0], 0.95), mean_ci(&o[1], 0.95)],
                constrained: cs.iter().map(|x| mean_ci(x, 0.95)).collect(),
                status,
                dominated_by: if feasible[i] {
                    by.map(|j| measured[j].0.id)
                } else {
                    None
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan {
            title: String::new(),
            base: toml::Table::new(),
            variables: Vec::new(),
            objective: "y".into(),
            direction: Direction::Maximize,
            constraints: Vec::new(),
            budget: 0,
            replications: 4,
            race_from: 2,
            finalists: 1,
            initial: 0,
            final_replications: 4,
            seed: 1,
            pareto: Some(Objective {
                metric: "c".into(),
                direction: Direction::Minimize,
            }),
            front_points: 4,
            stress: None,
        }
    }

    fn point(id: usize, y: [f64; 4], c: [f64; 4]) -> Measured {
        let cand = Candidate {
            id,
            generation: 1,
            u: Vec::new(),
            values: vec![("x".into(), toml::Value::Integer(id as i64))],
            objective: y.to_vec(),
            constrained: Vec::new(),
            raced_out: false,
        };
        (cand, [y.to_vec(), c.to_vec()], Vec::new())
    }

    #[test]
    fn statuses_tell_a_clear_domination_from_one_inside_the_noise() {
        let p = plan();
        let m = vec![
            // 1: the best in y at cost 1.
            point(1, [10.0, 10.1, 9.9, 10.0], [1.0; 4]),
            // 2: 5 less in y at the same cost, every replication: clearly dominated.
            point(2, [5.0, 5.1, 4.9, 5.0], [1.0; 4]),
            // 3: 0.05 less on average, the sign flipping between replications.
            point(3, [10.5, 9.5, 10.4, 9.45], [1.0; 4]),
            // 4: cheaper and worse: on the front.
            point(4, [3.0, 3.0, 3.0, 3.0], [0.5; 4]),
            // 5: the same numbers as 1: counted once, as 1.
            point(5, [10.0, 10.1, 9.9, 10.0], [1.0; 4]),
        ];
        let s = statuses(&p, &p.objectives(), &m);
        let got: Vec<(Status, Option<usize>)> =
            s.iter().map(|f| (f.status, f.dominated_by)).collect();
        assert_eq!(
            got,
            vec![
                (Status::Front, None),
                (Status::Dominated, Some(1)),
                (Status::Indistinguishable, Some(1)),
                (Status::Front, None),
                (Status::Indistinguishable, Some(1)),
            ]
        );
    }

    #[test]
    fn a_point_one_dominator_cannot_tell_apart_but_another_clearly_beats_is_dominated() {
        let p = plan();
        let m = vec![
            // 1: a little better than 3 on average, inside the noise.
            point(1, [10.5, 9.5, 10.4, 9.45], [1.0; 4]),
            // 2: 10 better than 3 in every replication, at the same cost.
            point(2, [20.0, 20.1, 19.9, 20.0], [1.0; 4]),
            // 3.
            point(3, [10.0, 10.1, 9.9, 10.0], [1.0; 4]),
        ];
        let s = statuses(&p, &p.objectives(), &m);
        assert_eq!(
            (s[2].status, s[2].dominated_by),
            (Status::Dominated, Some(2))
        );
    }
}
