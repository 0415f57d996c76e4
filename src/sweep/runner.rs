//! The parallel runner: a rayon pool whose workers take run indices from a shared counter;
//! results are handed back in index order whatever the thread count.

use super::plan::{RunSpec, SweepPlan};
use super::progress::Progress;
use super::summary::{RunRow, RunTable, Summary};
use super::{RunRecord, Simulator};
use crate::base::interrupt::{self, Interrupted};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

/// One finished run: what it was and what came back.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The run.
    pub spec: RunSpec,
    /// Its record, or why it failed.
    pub result: Result<RunRecord, String>,
}

/// Every run of a plan, in run-index order.
#[derive(Debug, Clone, Default)]
pub struct Results {
    /// The outcomes, in run-index order.
    pub runs: Vec<RunOutcome>,
}

impl Results {
    /// The runs as a table of metrics (series dropped); runs whose metric names differ from
    /// the first successful run's become failures with an explanation.
    pub fn table(&self) -> RunTable {
        let mut names: Option<Vec<String>> = None;
        let mut rows = Vec::with_capacity(self.runs.len());
        for o in &self.runs {
            let row = match &o.result {
                Ok(r) => match r.check_shape(names.as_deref(), None) {
                    Ok(()) => {
                        if names.is_none() {
                            names = Some(r.metrics.iter().map(|(n, _)| n.clone()).collect());
                        }
                        RunRow::ok(o.spec.index, r.metrics.iter().map(|(_, v)| *v).collect())
                    }
                    Err(e) => RunRow::failed(o.spec.index, e),
                },
                Err(e) => RunRow::failed(o.spec.index, e.clone()),
            };
            rows.push(row);
        }
        RunTable {
            metrics: names.unwrap_or_default(),
            rows,
        }
    }

    /// Summary statistics (mean, sd, 95% CI per cell and policy; paired differences).
    pub fn summary(&self, plan: &SweepPlan) -> Summary {
        Summary::new(plan, &self.table().with_derived(&plan.objective.metric))
    }
}

/// Runs one run of `plan` on `sim`, catching errors and panics.
pub fn run_one(plan: &SweepPlan, sim: &dyn Simulator, index: usize) -> RunOutcome {
    let spec = plan.run(index);
    let result = plan.scenario(&spec).and_then(|sc| {
        match catch_unwind(AssertUnwindSafe(|| sim.run(&sc, spec.seed))) {
            Ok(r) => r.and_then(|rec| rec.check_shape(None, None).map(|()| rec)),
            Err(p) => Err(format!(
                "the simulator panicked: {}",
                p.downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(no message)".into())
            )),
        }
    });
    RunOutcome { spec, result }
}

/// Runs all of `plan` on `threads` threads and returns every outcome, in order.
pub fn run_plan(
    plan: &SweepPlan,
    sim: &dyn Simulator,
    threads: usize,
    progress: &dyn Progress,
) -> anyhow::Result<Results> {
    let indices: Vec<usize> = (0..plan.n_runs()).collect();
    let mut runs = Vec::with_capacity(indices.len());
    progress.start(indices.len(), 0);
    run_indices(plan, sim, threads, &indices, |o| {
        runs.push(o);
        progress.advance(runs.len());
        Ok(())
    })?;
    progress.finish();
    Ok(Results { runs })
}

/// Runs the runs `indices` of `plan` on a pool of `threads` threads (0 = one per core) and
/// calls `sink` with each outcome in the order of `indices`, on the calling thread, as
/// soon as it and all before it are done. An error from `sink` stops the workers (runs in
/// flight finish) and is returned.
pub fn run_indices(
    plan: &SweepPlan,
    sim: &dyn Simulator,
    threads: usize,
    indices: &[usize],
    mut sink: impl FnMut(RunOutcome) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("triad-sweep-{i}"))
        .build()?;
    let workers = pool.current_num_threads().max(1);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::sync_channel::<(usize, RunOutcome)>(workers * 4);
    let mut result = Ok(());
    let _guard = interrupt::guard();
    pool.in_place_scope(|s| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, stop) = (&next, &stop);
            s.spawn(move |_| {
                while !stop.load(Ordering::Relaxed) && !interrupt::requested() {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&index) = indices.get(k) else { break };
                    if tx.send((k, run_one(plan, sim, index))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Reorder: hold early finishers until every run before them is in.
        let mut waiting: BTreeMap<usize, RunOutcome> = BTreeMap::new();
        let mut want = 0;
        for (k, o) in rx {
            waiting.insert(k, o);
            while let Some(o) = waiting.remove(&want) {
                want += 1;
                if let Err(e) = sink(o) {
                    result = Err(e);
                    stop.store(true, Ordering::Relaxed);
                    return;
                }
            }
        }
    });
    if result.is_ok() && interrupt::requested() {
        return Err(Interrupted {
            resume: "the finished runs are kept; rerun the same command to resume".into(),
        }
        .into());
    }
    result
}
