//! Harness search: how evolvers explore candidate harnesses when every candidate costs an
//! evaluation. A harness here is a set of chosen edits per section (one section per task
//! category); edits interact inside a section, and candidates are scored exactly (tool
//! feedback) or by replaying a few tasks.
//!
//! Strategies compared at an equal number of candidate evaluations: `sequential` (chains
//! of revisions, each seeing its last score), `best-of-n` (independent complete
//! candidates, keep the best) and `islands` (a genetic search with guided or blind
//! crossover, migration and island resets, after Mind Evolution).

use super::tier::sigmoid;
use crate::base::Issue;
use crate::engine::{Stream, Streams};
use serde::{Deserialize, Serialize};

/// Most bytes of candidate harnesses a search may hold at once (every distinct candidate
/// it has seen, and those alive), whatever the caller's limits: past it [`search`] refuses
/// rather than exhaust the machine's memory.
pub const MAX_SEARCH_BYTES: f64 = 16e9;

/// Why a search cannot run: the keys of its configuration that are out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SearchError(pub Vec<Issue>);

impl std::fmt::Display for SearchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let msgs: Vec<String> = self
            .0
            .iter()
            .map(|i| format!("{}: {}", i.path, i.message))
            .collect();
        write!(f, "the harness search cannot run: {}", msgs.join("; "))
    }
}

/// The landscape of candidate edits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LandscapeConfig {
    /// Sections (categories) of the harness.
    pub sections: u32,
    /// Candidate edits per section.
    pub edits: u32,
    /// Sd of an edit's own effect; effects are centred on `edit_mean`.
    pub edit_sd: f64,
    /// Mean of an edit's own effect.
    pub edit_mean: f64,
    /// Probability that two edits interact.
    pub interaction_density: f64,
    /// Sd of an interaction's strength (ruggedness).
    pub interaction_sd: f64,
    /// Share of interactions that join edits of different sections (0 = every
    /// interaction is inside a section, so fitness decomposes along sections).
    pub cross_section: f64,
    /// Cost of each chosen edit (context the harness carries).
    pub edit_cost: f64,
    /// When true, a task needs every section right at once: success is the product of the
    /// sections' success, and each section's feedback is that same product.
    pub conjunctive: bool,
    /// Skill of the users the harness serves.
    pub user_skill: f64,
    /// Harness benefit factor of those users.
    pub benefit: f64,
    /// Mean difficulty of each section's tasks.
    pub difficulty: f64,
    /// Success slope.
    pub slope: f64,
}

impl Default for LandscapeConfig {
    fn default() -> Self {
        LandscapeConfig {
            sections: 4,
            edits: 24,
            edit_sd: 0.5,
            edit_mean: 0.0,
            interaction_density: 0.2,
            interaction_sd: 0.8,
            cross_section: 0.0,
            edit_cost: 0.05,
            conjunctive: false,
            user_skill: 1.6,
            benefit: 0.8,
            difficulty: 2.5,
            slope: 1.5,
        }
    }
}

/// How candidates are scored.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Evaluation {
    /// Exact per-section success (programmatic checks).
    Exact,
    /// Success measured on `tasks` replayed tasks, split evenly across sections.
    Replay {
        /// Tasks per evaluation.
        tasks: u32,
    },
}

/// A search strategy and its shape. All are compared at `evaluations` candidates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum SearchStrategy {
    /// Independent complete candidates; keep the best.
    BestOfN,
    /// `chains` chains of revisions; each step mutates the chain's current candidate and
    /// keeps the child if it scores higher. Under noisy evaluation every `rescore_every`-th
    /// step scores the current candidate again instead, and its score becomes the mean of
    /// its scores, so that one lucky score does not stick.
    Sequential {
        /// Independent chains.
        chains: u32,
        /// Under replay evaluation, every this many steps a chain re-scores its current
        /// candidate (0 = never, else at least 2; exact scores are never repeated).
        #[serde(default = "default_rescore_every")]
        rescore_every: u32,
    },
    /// A genetic search on islands.
    Islands {
        /// Islands.
        islands: u32,
        /// Children per island per generation.
        children: u32,
        /// Candidates each island keeps.
        population: u32,
        /// Best candidates copied to the next island after each generation (0 = no
        /// migration; resets still happen).
        emigrants: u32,
        /// Every this many generations the worst islands restart from the best
        /// candidates (0 = never), with or without migration.
        reset_every: u32,
        /// Islands restarted at each reset.
        reset_islands: u32,
        /// Crossover takes each section from the parent whose feedback on that section
        /// is better (true) or from a parent at random (false).
        guided: bool,
    },
}

/// A search: landscape, strategy, evaluation and budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchConfig {
    /// The landscape.
    pub landscape: LandscapeConfig,
    /// Candidate evaluations allowed.
    pub evaluations: u32,
    /// How candidates are scored.
    pub evaluation: Evaluation,
    /// How the search proceeds.
    pub strategy: SearchStrategy,
    /// Zipf exponent of the evolver's draws over edits.
    pub zipf_s: f64,
    /// Edits per section in a fresh candidate.
    pub initial_edits: u32,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            landscape: LandscapeConfig::default(),
            evaluations: 800,
            evaluation: Evaluation::Exact,
            strategy: SearchStrategy::islands_default(),
            zipf_s: 0.6,
            initial_edits: 3,
        }
    }
}

impl SearchConfig {
    /// The problems that keep a search from running at all, each at its dotted key: a
    /// count out of range (zero children would loop forever, billions of sections would
    /// exhaust memory), a probability outside [0, 1], or more than [`MAX_SEARCH_BYTES`] of
    /// candidates. [`search`] refuses a configuration with any;
    /// `scenario::validate_search` adds the checks of values that run but mean nothing
    /// (NaN effects) and the resource bounds.
    pub fn structure_issues(&self) -> Vec<Issue> {
        let mut out = Vec::new();
        let l = &self.landscape;
        let mut range = |path: &str, v: u32, lo: u32, hi: u32| {
            if !(lo..=hi).contains(&v) {
                out.push(Issue::new(
                    path,
                    format!("must be a whole number from {lo} to {hi} (got {v})"),
                ));
            }
        };
        range("landscape.sections", l.sections, 1, 256);
        range("landscape.edits", l.edits, 1, 100_000);
        range("evaluations", self.evaluations, 1, 10_000_000);
        range("initial_edits", self.initial_edits, 0, l.edits.max(1));
        if let Evaluation::Replay { tasks } = self.evaluation {
            range("evaluation.tasks", tasks, 1, 1_000_000);
        }
        let held = match &self.strategy {
            SearchStrategy::BestOfN => 2.0,
            SearchStrategy::Sequential {
                chains,
                rescore_every,
            } => {
                range("strategy.chains", *chains, 1, self.evaluations.max(1));
                if *rescore_every == 1 {
                    // Every step would re-score and none would revise.
                    out.push(Issue::new(
                        "strategy.rescore_every",
                        "must be 0 (never re-score) or at least 2 (got 1: every step would \
                         re-score and none would revise)",
                    ));
                }
                f64::from(*chains) + 2.0
            }
            SearchStrategy::Islands {
                islands,
                children,
                population,
                emigrants,
                reset_every: _,
                reset_islands,
                guided: _,
            } => {
                range("strategy.islands", *islands, 1, 10_000);
                range("strategy.children", *children, 1, 100_000);
                range("strategy.population", *population, 1, 100_000);
                range("strategy.emigrants", *emigrants, 0, *population);
                range("strategy.reset_islands", *reset_islands, 0, *islands);
                2.0 * f64::from(*islands) * (f64::from((*population).max(2)) + f64::from(*children))
            }
        };
        for (k, v) in [
            ("landscape.interaction_density", l.interaction_density),
            ("landscape.cross_section", l.cross_section),
        ] {
            if !(0.0..=1.0).contains(&v) {
                out.push(Issue::new(
                    k,
                    format!("must be a probability in [0, 1] (got {v})"),
                ));
            }
        }
        if out.is_empty() {
            let n = f64::from(l.sections) * f64::from(l.edits);
            let evals = f64::from(self.evaluations);
            let bytes = n * (evals + held.min(evals));
            if bytes > MAX_SEARCH_BYTES {
                out.push(Issue::new(
                    "evaluations",
                    format!(
                        "the candidates held (evaluations x sections x edits) would take about \
                         {bytes:.3e} bytes, past the most a search holds, {MAX_SEARCH_BYTES:.0e}"
                    ),
                ));
            }
        }
        out
    }
}

/// A sequential chain re-scores its current candidate every 8th step under noisy
/// evaluation (an eighth of its evaluations). Measured on claim 9a's landscape over 200
/// landscapes, sequential revision (10 chains of 80) returns a harness of true success
/// 0.16, 0.28 and 0.40 with 20, 100 and 1000 replayed tasks per evaluation, against 0.11,
/// 0.24 and 0.42 when it never re-scores (every 4th step: 0.17, 0.26, 0.37): re-scoring
/// pays where evaluation is noisy and costs a little where it is nearly exact.
pub const RESCORE_EVERY: u32 = 8;

fn default_rescore_every() -> u32 {
    RESCORE_EVERY
}

impl SearchStrategy {
    /// Sequential revision in `chains` chains, re-scoring under noisy evaluation every
    /// [`RESCORE_EVERY`] steps.
    pub fn sequential(chains: u32) -> SearchStrategy {
        SearchStrategy::Sequential {
            chains,
            rescore_every: RESCORE_EVERY,
        }
    }

    /// Mind Evolution's shape: 4 islands, 20 children per island and generation, 5
    /// emigrants, 2 islands reset every 3 generations, guided crossover.
    pub fn islands_default() -> SearchStrategy {
        SearchStrategy::Islands {
            islands: 4,
            children: 20,
            population: 10,
            emigrants: 5,
            reset_every: 3,
            reset_islands: 2,
            guided: true,
        }
    }
}

/// The drawn landscape: effects and interactions of every edit.
#[derive(Debug, Clone)]
pub struct Landscape {
    cfg: LandscapeConfig,
    effect: Vec<f64>,
    /// Interactions as (edit a, edit b, strength), global edit indices.
    pairs: Vec<(u32, u32, f64)>,
}

/// A candidate harness: which edits each section carries (global edit index
/// `section * edits + j`).
pub type Genome = Vec<bool>;

impl Landscape {
    /// Draws a landscape; a configuration out of range is refused
    /// ([`SearchConfig::structure_issues`], its `landscape.*` keys).
    pub fn draw(cfg: &LandscapeConfig, s: &mut Stream) -> Result<Landscape, SearchError> {
        let issues: Vec<Issue> = SearchConfig {
            landscape: cfg.clone(),
            ..SearchConfig::default()
        }
        .structure_issues()
        .into_iter()
        .filter(|i| i.path.starts_with("landscape."))
        .collect();
        if !issues.is_empty() {
            return Err(SearchError(issues));
        }
        let (c, k) = (cfg.sections.max(1) as usize, cfg.edits.max(1) as usize);
        let n = c * k;
        let effect = (0..n)
            .map(|_| s.normal(cfg.edit_mean, cfg.edit_sd))
            .collect();
        let mut pairs = Vec::new();
        // Each edit gets about `density * k` partners; a share of them in other sections.
        let partners = (cfg.interaction_density * k as f64).round() as usize;
        for a in 0..n {
            for _ in 0..partners {
                let b = if c > 1 && s.bernoulli(cfg.cross_section) {
                    let other = (a / k + 1 + s.below(c - 1)) % c;
                    other * k + s.below(k)
                } else {
                    (a / k) * k + s.below(k)
                };
                if b != a {
                    pairs.push((a as u32, b as u32, s.normal(0.0, cfg.interaction_sd)));
                }
            }
        }
        Ok(Landscape {
            cfg: cfg.clone(),
            effect,
            pairs,
        })
    }

    fn k(&self) -> usize {
        self.cfg.edits.max(1) as usize
    }

    fn sections(&self) -> usize {
        self.cfg.sections.max(1) as usize
    }

    /// Value of each section: own effects of its chosen edits, plus the interactions of
    /// its chosen edits with every chosen partner (half each when the partner is in
    /// another section), minus the cost of the edits.
    pub fn section_values(&self, g: &Genome) -> Vec<f64> {
        let k = self.k();
        let mut v = vec![0.0; self.sections()];
        for (i, &on) in g.iter().enumerate() {
            if on {
                v[i / k] += self.effect[i] - self.cfg.edit_cost;
            }
        }
        for &(a, b, j) in &self.pairs {
            if g[a as usize] && g[b as usize] {
                v[a as usize / k] += 0.5 * j;
                v[b as usize / k] += 0.5 * j;
            }
        }
        v
    }

    /// True success per section, and overall fitness (mean over sections, or the product
    /// when tasks are conjunctive; with conjunctive tasks every section's success is that
    /// product).
    pub fn success(&self, g: &Genome) -> (Vec<f64>, f64) {
        let c = &self.cfg;
        let mut p: Vec<f64> = self
            .section_values(g)
            .iter()
            .map(|v| sigmoid(c.slope * (c.user_skill + c.benefit * v - c.difficulty)))
            .collect();
        if c.conjunctive {
            let all: f64 = p.iter().product();
            p.iter_mut().for_each(|x| *x = all);
            (p, all)
        } else {
            let mean = p.iter().sum::<f64>() / p.len() as f64;
            (p, mean)
        }
    }
}

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    /// True fitness of the candidate the search returns (its best by its own scores).
    pub fitness: f64,
    /// Evaluations spent.
    pub evaluations: u32,
    /// Distinct candidates evaluated.
    pub distinct: u32,
    /// Distinct candidates the search holds at the end (its population, its chains' current
    /// candidates, or its single best): the diversity it keeps alive.
    pub alive: u32,
    /// The search's own score of the candidate it returns (a mean where it scored it
    /// more than once).
    pub score: f64,
    /// Times the search re-scored a candidate it had scored before.
    pub rescores: u32,
    /// Migrations between islands (each moves every island's emigrants once).
    pub migrations: u32,
    /// Island resets.
    pub resets: u32,
}

struct Scored {
    g: Genome,
    score: f64,
    feedback: Vec<f64>,
}

struct Searcher<'a> {
    land: &'a Landscape,
    cfg: &'a SearchConfig,
    cdf: Vec<f64>,
    s: Stream,
    used: u32,
    seen: std::collections::BTreeSet<Vec<u8>>,
    rescores: u32,
    migrations: u32,
    resets: u32,
}

impl Searcher<'_> {
    fn evaluate(&mut self, g: Genome) -> Scored {
        self.used += 1;
        self.seen.insert(g.iter().map(|&b| b as u8).collect());
        let (p, fit) = self.land.success(&g);
        match self.cfg.evaluation {
            Evaluation::Exact => Scored {
                g,
                score: fit,
                feedback: p,
            },
            Evaluation::Replay { tasks } => {
                let per = (tasks as usize / p.len()).max(1);
                let conj = self.land.cfg.conjunctive;
                let fb: Vec<f64> = if conj {
                    let hits = (0..per * p.len())
                        .filter(|_| self.s.bernoulli(p[0]))
                        .count();
                    vec![hits as f64 / (per * p.len()) as f64; p.len()]
                } else {
                    p.iter()
                        .map(|&pc| {
                            (0..per).filter(|_| self.s.bernoulli(pc)).count() as f64 / per as f64
                        })
                        .collect()
                };
                let score = fb.iter().sum::<f64>() / fb.len() as f64;
                Scored {
                    g,
                    score,
                    feedback: fb,
                }
            }
        }
    }

    fn draw_edit(&mut self) -> usize {
        let u = self.s.uniform();
        self.cdf.partition_point(|&x| x < u).min(self.cdf.len() - 1)
    }

    fn fresh(&mut self) -> Genome {
        let k = self.land.k();
        let mut g = vec![false; self.land.sections() * k];
        for c in 0..self.land.sections() {
            for _ in 0..self.cfg.initial_edits {
                let j = self.draw_edit();
                g[c * k + j] = true;
            }
        }
        g
    }

    /// An evolver edit aimed at a failing section: the section is drawn in proportion to
    /// its failure in the feedback, and the edit toggles one of its edits.
    fn mutate(&mut self, g: &Genome, feedback: &[f64]) -> Genome {
        let k = self.land.k();
        let fail: Vec<f64> = feedback.iter().map(|p| (1.0 - p).max(1e-6)).collect();
        let total: f64 = fail.iter().sum();
        let mut u = self.s.uniform() * total;
        let mut c = fail.len() - 1;
        for (i, f) in fail.iter().enumerate() {
            if u < *f {
                c = i;
                break;
            }
            u -= f;
        }
        let mut child = g.clone();
        let j = self.draw_edit();
        child[c * k + j] = !child[c * k + j];
        child
    }

    fn crossover(&mut self, a: &Scored, b: &Scored, guided: bool) -> Genome {
        let k = self.land.k();
        let mut child = a.g.clone();
        for c in 0..self.land.sections() {
            let take_b = if guided {
                b.feedback[c] > a.feedback[c]
                    || (b.feedback[c] == a.feedback[c] && self.s.bernoulli(0.5))
            } else {
                self.s.bernoulli(0.5)
            };
            if take_b {
                child[c * k..(c + 1) * k].copy_from_slice(&b.g[c * k..(c + 1) * k]);
            }
        }
        child
    }

    fn left(&self) -> u32 {
        self.cfg.evaluations.saturating_sub(self.used)
    }
}

fn best_index(pop: &[Scored]) -> usize {
    (0..pop.len())
        .max_by(|&a, &b| pop[a].score.total_cmp(&pop[b].score).then(b.cmp(&a)))
        .unwrap_or(0)
}

/// Runs one search with `seed`: the landscape comes from sub-stream 1, the search's own
/// draws from sub-stream 2, so strategies compared with one seed face one landscape. A
/// configuration that cannot run ([`SearchConfig::structure_issues`]) is refused.
pub fn search(cfg: &SearchConfig, seed: u64) -> Result<SearchResult, SearchError> {
    check(cfg)?;
    let streams = Streams::new(seed);
    let land = Landscape::draw(&cfg.landscape, &mut streams.stream(1))?;
    search_on(&land, cfg, streams.stream(2))
}

fn check(cfg: &SearchConfig) -> Result<(), SearchError> {
    let issues = cfg.structure_issues();
    if issues.is_empty() {
        Ok(())
    } else {
        Err(SearchError(issues))
    }
}

/// Runs one search on a given landscape (drawn from `cfg.landscape` or another); a
/// configuration that cannot run ([`SearchConfig::structure_issues`]) is refused.
pub fn search_on(
    land: &Landscape,
    cfg: &SearchConfig,
    s: Stream,
) -> Result<SearchResult, SearchError> {
    check(cfg)?;
    check(&SearchConfig {
        landscape: land.cfg.clone(),
        ..cfg.clone()
    })?;
    let k = land.k();
    let mut cdf = Vec::with_capacity(k);
    let mut acc = 0.0;
    for r in 1..=k {
        acc += (r as f64).powf(-cfg.zipf_s);
        cdf.push(acc);
    }
    cdf.iter_mut().for_each(|x| *x /= acc);
    let mut se = Searcher {
        land,
        cfg,
        cdf,
        s,
        used: 0,
        seen: Default::default(),
        rescores: 0,
        migrations: 0,
        resets: 0,
    };
    let mut alive: std::collections::BTreeSet<Genome> = Default::default();
    let best = match &cfg.strategy {
        SearchStrategy::BestOfN => {
            let mut best: Option<Scored> = None;
            while se.left() > 0 {
                let g = se.fresh();
                let c = se.evaluate(g);
                if best.as_ref().is_none_or(|b| c.score > b.score) {
                    best = Some(c);
                }
            }
            best
        }
        SearchStrategy::Sequential {
            chains,
            rescore_every,
        } => {
            let chains = (*chains).max(1);
            let steps = (cfg.evaluations / chains).max(1);
            // Exact scores never change, so only noisy ones are repeated.
            let rescore = match cfg.evaluation {
                Evaluation::Replay { .. } => *rescore_every,
                Evaluation::Exact => 0,
            };
            let mut best: Option<Scored> = None;
            for _ in 0..chains {
                if se.left() == 0 {
                    break;
                }
                let g = se.fresh();
                let mut cur = se.evaluate(g);
                // How many scores `cur`'s score and feedback are the mean of.
                let mut times = 1.0;
                for step in 1..steps {
                    if se.left() == 0 {
                        break;
                    }
                    if rescore > 0 && step % rescore == 0 {
                        let again = se.evaluate(cur.g.clone());
                        se.rescores += 1;
                        times += 1.0;
                        cur.score += (again.score - cur.score) / times;
                        for (f, a) in cur.feedback.iter_mut().zip(&again.feedback) {
                            *f += (a - *f) / times;
                        }
                        continue;
                    }
                    let child = se.mutate(&cur.g, &cur.feedback);
                    let c = se.evaluate(child);
                    if c.score > cur.score {
                        cur = c;
                        times = 1.0;
                    }
                }
                alive.insert(cur.g.clone());
                if best.as_ref().is_none_or(|b| cur.score > b.score) {
                    best = Some(cur);
                }
            }
            best
        }
        SearchStrategy::Islands {
            islands,
            children,
            population,
            emigrants,
            reset_every,
            reset_islands,
            guided,
        } => {
            let n_isl = (*islands).max(1) as usize;
            let pop_size = (*population).max(2) as usize;
            let mut isl: Vec<Vec<Scored>> = (0..n_isl).map(|_| Vec::new()).collect();
            // Seed every island with fresh candidates.
            for pop in isl.iter_mut() {
                for _ in 0..pop_size.min(*children as usize).max(1) {
                    if se.left() == 0 {
                        break;
                    }
                    let g = se.fresh();
                    pop.push(se.evaluate(g));
                }
            }
            let mut generation = 0u32;
            while se.left() > 0 {
                generation += 1;
                for pop in isl.iter_mut() {
                    let mut kids = Vec::new();
                    for _ in 0..*children {
                        if se.left() == 0 || pop.is_empty() {
                            break;
                        }
                        // Parents by tournament of two.
                        let pick = |se: &mut Searcher<'_>, pop: &[Scored]| {
                            let (a, b) = (se.s.below(pop.len()), se.s.below(pop.len()));
                            if pop[a].score >= pop[b].score { a } else { b }
                        };
                        let (a, b) = (pick(&mut se, pop), pick(&mut se, pop));
                        let mut child = se.crossover(&pop[a], &pop[b], *guided);
                        let fb: Vec<f64> = pop[a]
                            .feedback
                            .iter()
                            .zip(&pop[b].feedback)
                            .map(|(x, y)| x.max(*y))
                            .collect();
                        child = se.mutate(&child, &fb);
                        kids.push(se.evaluate(child));
                    }
                    pop.extend(kids);
                    pop.sort_by(|x, y| y.score.total_cmp(&x.score));
                    pop.truncate(pop_size);
                }
                if *emigrants > 0 && n_isl > 1 {
                    // The best of each island joins the next one (a ring).
                    se.migrations += 1;
                    let moving: Vec<Vec<(Genome, f64, Vec<f64>)>> = isl
                        .iter()
                        .map(|p| {
                            p.iter()
                                .take(*emigrants as usize)
                                .map(|c| (c.g.clone(), c.score, c.feedback.clone()))
                                .collect()
                        })
                        .collect();
                    for (i, m) in moving.into_iter().enumerate() {
                        let to = &mut isl[(i + 1) % n_isl];
                        to.extend(m.into_iter().map(|(g, score, feedback)| Scored {
                            g,
                            score,
                            feedback,
                        }));
                        to.sort_by(|x, y| y.score.total_cmp(&x.score));
                        to.truncate(pop_size);
                    }
                }
                if *reset_every > 0
                    && *reset_islands > 0
                    && generation.is_multiple_of(*reset_every)
                    && n_isl > 1
                {
                    // The worst islands restart from copies of the best island's top
                    // candidates, whether or not islands migrate.
                    se.resets += 1;
                    let mut order: Vec<usize> = (0..n_isl).collect();
                    order.sort_by(|&a, &b| {
                        isl[b][0].score.total_cmp(&isl[a][0].score).then(a.cmp(&b))
                    });
                    let elite: Vec<(Genome, f64, Vec<f64>)> = isl[order[0]]
                        .iter()
                        .map(|c| (c.g.clone(), c.score, c.feedback.clone()))
                        .collect();
                    for &w in order
                        .iter()
                        .rev()
                        .take((*reset_islands as usize).min(n_isl - 1))
                    {
                        isl[w] = elite
                            .iter()
                            .map(|(g, s, f)| Scored {
                                g: g.clone(),
                                score: *s,
                                feedback: f.clone(),
                            })
                            .collect();
                    }
                }
            }
            let mut all: Vec<Scored> = isl.into_iter().flatten().collect();
            alive.extend(all.iter().map(|c| c.g.clone()));
            let i = best_index(&all);
            if all.is_empty() {
                None
            } else {
                Some(all.swap_remove(i))
            }
        }
    };
    if let Some(b) = &best
        && alive.is_empty()
    {
        alive.insert(b.g.clone());
    }
    let (fitness, score) = best.map_or((0.0, f64::NAN), |b| (land.success(&b.g).1, b.score));
    Ok(SearchResult {
        fitness,
        evaluations: se.used,
        distinct: se.seen.len() as u32,
        alive: alive.len() as u32,
        score,
        rescores: se.rescores,
        migrations: se.migrations,
        resets: se.resets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_strategy_spends_exactly_its_evaluations() {
        for strategy in [
            SearchStrategy::BestOfN,
            SearchStrategy::sequential(10),
            SearchStrategy::islands_default(),
        ] {
            let cfg = SearchConfig {
                strategy: strategy.clone(),
                evaluations: 800,
                ..SearchConfig::default()
            };
            let r = search(&cfg, 3).unwrap();
            assert_eq!(r.evaluations, 800, "{strategy:?}");
            assert!(r.fitness > 0.0 && r.fitness < 1.0);
        }
    }

    #[test]
    fn islands_keep_more_distinct_candidates_alive_than_sequential() {
        for seed in 0..5 {
            let isl = search(&SearchConfig::default(), seed).unwrap();
            let seq = search(
                &SearchConfig {
                    strategy: SearchStrategy::sequential(10),
                    ..SearchConfig::default()
                },
                seed,
            )
            .unwrap();
            assert!(
                isl.alive > seq.alive,
                "seed {seed}: islands {} vs sequential {}",
                isl.alive,
                seq.alive
            );
            assert!(seq.alive <= 10);
        }
    }

    /// Under replay evaluation a chain that never re-scores keeps the luckiest score it
    /// met; re-scoring its current candidate makes the returned score overstate the true
    /// fitness by less (paired over landscapes, 95% interval).
    #[test]
    fn sequential_rescoring_keeps_a_lucky_score_from_sticking() {
        let cfg = |rescore_every| SearchConfig {
            strategy: SearchStrategy::Sequential {
                chains: 10,
                rescore_every,
            },
            evaluation: Evaluation::Replay { tasks: 20 },
            evaluations: 400,
            ..SearchConfig::default()
        };
        let (never, every4) = (cfg(0), cfg(4));
        let gap: Vec<f64> = (0..40)
            .map(|seed| {
                let a = search(&never, seed).unwrap();
                let b = search(&every4, seed).unwrap();
                assert_eq!((a.rescores, a.evaluations), (0, 400));
                assert_eq!((b.rescores, b.evaluations), (90, 400));
                (a.score - a.fitness) - (b.score - b.fitness)
            })
            .collect();
        let ci = crate::base::stats::mean_ci(&gap, 0.95);
        assert!(
            ci.lo > 0.0,
            "overstatement without - with re-scoring: {ci:?}"
        );
        // Exact scores are never repeated: the search is the same with or without.
        let exact = |r| SearchConfig {
            evaluation: Evaluation::Exact,
            ..cfg(r)
        };
        let (a, b) = (search(&exact(0), 5).unwrap(), search(&exact(4), 5).unwrap());
        assert_eq!(a, b);
        assert_eq!(b.rescores, 0);
    }

    /// "No migration" (`emigrants = 0`) turns off migration and nothing else: resets go
    /// on, and turning them off as well changes the search.
    #[test]
    fn no_migration_keeps_the_resets() {
        let islands = |emigrants, reset_every| SearchConfig {
            strategy: SearchStrategy::Islands {
                islands: 4,
                children: 20,
                population: 10,
                emigrants,
                reset_every,
                reset_islands: 2,
                guided: true,
            },
            ..SearchConfig::default()
        };
        let full = search(&islands(5, 3), 2).unwrap();
        let no_migration = search(&islands(0, 3), 2).unwrap();
        let neither = search(&islands(0, 0), 2).unwrap();
        // 800 evaluations: 4 x 10 seeds, then 9 generations of 4 x 20 children and a tenth
        // cut short: a migration after each generation, a reset after the 3rd, 6th, 9th.
        assert_eq!((full.migrations, full.resets), (10, 3));
        assert_eq!((no_migration.migrations, no_migration.resets), (0, 3));
        assert_eq!((neither.migrations, neither.resets), (0, 0));
        assert_ne!(no_migration, neither);
    }

    #[test]
    fn fitness_decomposes_along_sections_without_cross_interactions() {
        let cfg = LandscapeConfig::default();
        let land = Landscape::draw(&cfg, &mut Streams::new(1).stream(1)).unwrap();
        let k = cfg.edits as usize;
        let mut g = vec![false; cfg.sections as usize * k];
        let before = land.section_values(&g);
        g[k + 2] = true;
        g[k + 5] = true;
        let after = land.section_values(&g);
        // Only section 1 changed.
        for c in 0..cfg.sections as usize {
            if c != 1 {
                assert_eq!(before[c], after[c]);
            }
        }
    }

    /// Configurations no one validated are refused, never looped on or allocated.
    #[test]
    fn configurations_that_cannot_run_are_refused() {
        let islands = |children| SearchConfig {
            strategy: SearchStrategy::Islands {
                islands: 4,
                children,
                population: 10,
                emigrants: 5,
                reset_every: 3,
                reset_islands: 2,
                guided: true,
            },
            ..SearchConfig::default()
        };
        let e = search(&islands(0), 1).unwrap_err();
        assert_eq!(e.0[0].path, "strategy.children", "{e}");
        let mut huge = SearchConfig::default();
        huge.landscape.sections = u32::MAX;
        huge.landscape.edits = u32::MAX;
        assert!(search(&huge, 1).is_err());
        assert!(Landscape::draw(&huge.landscape, &mut Streams::new(1).stream(1)).is_err());
        let mut dense = SearchConfig::default();
        dense.landscape.interaction_density = 1e300;
        assert!(search(&dense, 1).is_err());
        let land =
            Landscape::draw(&LandscapeConfig::default(), &mut Streams::new(1).stream(1)).unwrap();
        let many = SearchConfig {
            evaluations: u32::MAX,
            ..SearchConfig::default()
        };
        assert!(search_on(&land, &many, Streams::new(1).stream(2)).is_err());
        assert!(search(&islands(1), 1).is_ok());
    }
}
