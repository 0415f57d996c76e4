//! A plan's runs: cells, the runs of each cell, their seeds and resolved scenarios.
//!
//! Run `i` is `(cell * policies + policy) * replications + replication`; every replication
//! has one seed in every cell and policy (common random numbers).

use super::SweepPlan;
use crate::engine::hash2;
use crate::scenario::set_path;

/// One run of a plan: which cell, policy and replication, and its seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSpec {
    /// Run index in the plan, from 0: `(cell * policies + policy) * replications + replication`.
    pub index: usize,
    /// Cell index, from 0.
    pub cell: usize,
    /// Policy index, from 0, in the order of the sweep file.
    pub policy: usize,
    /// Replication, from 0.
    pub replication: u32,
    /// The run's seed: `hash2(plan seed, replication)`, the same in every cell and policy
    /// (common random numbers).
    pub seed: u64,
}

impl SweepPlan {
    /// Number of grid cells: the product of the axes' lengths (`usize::MAX` on overflow).
    pub(super) fn grid_cells(&self) -> usize {
        self.axes
            .iter()
            .try_fold(1usize, |acc, a| acc.checked_mul(a.values.len()))
            .unwrap_or(usize::MAX)
    }

    /// Number of cells: grid cells x design points.
    pub fn n_cells(&self) -> usize {
        self.grid_cells() * self.design.as_ref().map_or(1, |d| d.points.len())
    }

    /// Number of runs: cells x policies x replications.
    pub fn n_runs(&self) -> usize {
        self.n_cells() * self.policies.len() * self.replications as usize
    }

    /// The dotted paths that vary between cells: axes, then design dims.
    pub fn params(&self) -> Vec<String> {
        let mut v: Vec<String> = self.axes.iter().map(|a| a.path.clone()).collect();
        if let Some(d) = &self.design {
            v.extend(d.dims.iter().map(|d| d.path.clone()));
        }
        v
    }

    /// Index along each axis of `cell`'s grid position, and its design point.
    pub fn cell_position(&self, cell: usize) -> (Vec<usize>, usize) {
        let n_design = self.design.as_ref().map_or(1, |d| d.points.len());
        let point = cell % n_design;
        let mut rest = cell / n_design;
        let mut idx = vec![0; self.axes.len()];
        for (k, a) in self.axes.iter().enumerate().rev() {
            idx[k] = rest % a.values.len();
            rest /= a.values.len();
        }
        (idx, point)
    }

    /// The parameter values of `cell`, in the order of [`SweepPlan::params`].
    pub fn cell_values(&self, cell: usize) -> Vec<toml::Value> {
        let (idx, point) = self.cell_position(cell);
        let mut v: Vec<toml::Value> = self
            .axes
            .iter()
            .zip(&idx)
            .map(|(a, &i)| a.values[i].clone())
            .collect();
        if let Some(d) = &self.design {
            v.extend(d.points[point].iter().map(|&x| toml::Value::Float(x)));
        }
        v
    }

    /// The seed of replication `r`: the same in every cell and policy.
    pub fn replication_seed(&self, r: u32) -> u64 {
        hash2(self.seed, r as u64)
    }

    /// The seeds of every replication, in order (for the manifest).
    pub fn replication_seeds(&self) -> Vec<u64> {
        (0..self.replications)
            .map(|r| self.replication_seed(r))
            .collect()
    }

    /// The index of the run of `cell`, `policy` and `replication` (the inverse of
    /// [`SweepPlan::run`]).
    pub fn run_index(&self, cell: usize, policy: usize, replication: u32) -> usize {
        (cell * self.policies.len() + policy) * self.replications as usize + replication as usize
    }

    /// Run `index` of the plan.
    pub fn run(&self, index: usize) -> RunSpec {
        let reps = self.replications as usize;
        let per_cell = self.policies.len() * reps;
        let rem = index % per_cell;
        let replication = (rem % reps) as u32;
        RunSpec {
            index,
            cell: index / per_cell,
            policy: rem / reps,
            replication,
            seed: self.replication_seed(replication),
        }
    }

    /// The resolved scenario of a run: base, then the policy table at key `policy`, then the
    /// cell's parameter values.
    pub fn scenario(&self, run: &RunSpec) -> Result<toml::Table, String> {
        let mut s = self.policy_scenario(run.policy);
        for (path, v) in self.params().iter().zip(self.cell_values(run.cell)) {
            set_path(&mut s, path, v)?;
        }
        Ok(s)
    }

    /// The base scenario with policy `policy`'s table at key `policy` (the base's own policy
    /// when the table is `None`).
    pub(super) fn policy_scenario(&self, policy: usize) -> toml::Table {
        let mut s = self.base.clone();
        if let Some(t) = &self.policies[policy].table {
            s.insert("policy".into(), toml::Value::Table(t.clone()));
        }
        s
    }
}
