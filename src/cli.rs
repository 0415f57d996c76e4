//! The command line: clap definitions only.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// The exit-code rule every command follows.
const EXIT_CODES: &str = "Exit codes (every command):
  0    all done
  1    the work ran but some of it failed: failed runs, a claim that does not hold; the
       last line counts the failures and names the file that lists them
  2    bad input or usage, found before any work started (file:line:col: message)
  130  interrupted by Ctrl-C; finished runs are kept, and rerunning the same command
       resumes a sweep, stress test or calibration";

/// triad simulates how a fixed model budget should be split between the agents that evolve
/// a harness (evolvers), the agents that use it (users) and the agents that judge both
/// (verifiers), and which model tier should fill each role.
///
/// Start with `triad run scenarios/baseline.toml`; every scenario key is documented in
/// that file and in docs/model.md.
#[derive(Debug, Parser)]
#[command(
    name = "triad",
    version,
    about,
    long_about,
    propagate_version = true,
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Run scenarios past the resource limits (tasks, time-series rows, epochs, memory)
    /// that otherwise refuse them before any work; see docs/model.md.
    #[arg(long, global = true)]
    pub no_limits: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one scenario: prints a summary, writes run.csv, timeseries.csv and manifest.json.
    Run {
        /// The scenario file (TOML).
        file: PathBuf,
        /// Seed of the run (default: the scenario's `seed`). Same seed, same bytes out.
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder (default: output/<file stem>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Use this built-in policy, with its default parameters, instead of the
        /// scenario's [policy] (see `triad policies`).
        #[arg(long)]
        policy: Option<String>,
        /// Run N replications (seeds hash2(seed, r), as sweeps do): run.csv gets a row per
        /// replication and summary.csv the mean and 95% confidence interval of each metric.
        #[arg(long, value_name = "N")]
        replications: Option<u32>,
        /// Change a scenario key: `--set path=value`, the path dotted as in sweep axes
        /// (`--set policy.shares.evolver=0.3`), the value a TOML literal; repeatable.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
        /// Write into an output folder that is not empty and was not written by this
        /// command for the same scenario (never the root, home or a project's source
        /// folders, nor another command's results).
        #[arg(long)]
        force: bool,
    },
    /// List the built-in policies with their parameters, defaults and meanings.
    Policies,
    /// Check scenario files without running them; reports every problem with file, line
    /// and column, and exits with code 2 if any file has one.
    Validate {
        /// Scenario, sweep or harness-search files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run a sweep file: a grid or sample of parameters x policies x replications, in
    /// parallel; writes runs.csv (streamed), summary.csv, paired.csv, plots and report.md.
    /// Rerunning into the same folder resumes.
    Sweep {
        /// The sweep file (TOML), e.g. scenarios/sweeps/allocation.toml.
        file: PathBuf,
        /// Worker threads (default: one per core).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Output folder (default: output/<sweep file stem>/).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Run only shard K of N (runs i with i % N == K - 1); join with `triad merge`.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// Change a scenario key: `--set path=value`, the path dotted as in sweep axes
        /// (`--set policy.shares.evolver=0.3`), the value a TOML literal; repeatable. Applied to the
        /// base scenario.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// No progress output.
        #[arg(long)]
        quiet: bool,
        /// Write into an output folder that is not empty and was not written by this
        /// command for the same sweep (it starts that folder over) (never the root, home or a project's source
        /// folders, nor another command's results).
        #[arg(long)]
        force: bool,
    },
    /// Stress-test policies: run them on a scenario put through perturbations (budget cut,
    /// price shock, outage, rate limit, latency spike, verifier noise, reward hacking,
    /// regime churn, difficulty drift, arrival bursts, context growth) at several
    /// severities; rank them by mean yield, worst case, CVaR 10% and regret. Writes
    /// report.md, plots and CSVs. Rerunning into the same folder resumes.
    Stress {
        /// A stress plan file (e.g. scenarios/stress/default.toml), or a scenario file,
        /// which gets the default plan (docs/stress.md).
        file: PathBuf,
        /// Worker threads (default: one per core).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Output folder (default: output/stress/<file stem>/).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Run only shard K of N (runs i with i % N == K - 1); join with `triad merge`.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// Change a scenario key: `--set path=value`, the path dotted as in sweep axes
        /// (`--set policy.shares.evolver=0.3`), the value a TOML literal; repeatable. Applied to the
        /// base scenario.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// No progress output.
        #[arg(long)]
        quiet: bool,
        /// Write into an output folder that is not empty and was not written by this
        /// command for the same stress plan (it starts that folder over) (never the root, home or a project's source
        /// folders, nor another command's results).
        #[arg(long)]
        force: bool,
    },
    /// Join the shard folders of one sweep into one folder, byte-identical to a
    /// one-machine run.
    Merge {
        /// The shard folders.
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Output folder (default: output/<sweep name>/).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Write into an output folder that is not empty and was not written by this
        /// command for the same sweep (never the root, home or a project's source
        /// folders, nor another command's results).
        #[arg(long)]
        force: bool,
    },
    /// Reproduce the corpus claims: run each claim's check on its scenario and on its
    /// counter-scenario (the mechanism switched off), print a table and write
    /// report.md with one plot per claim. Exits 1 if a claim is not reproduced.
    Reproduce {
        /// Fewer replications, where a check keeps its power with them (about 35 s of CPU in
        /// release, against about 65 s for the full run).
        #[arg(long)]
        quick: bool,
        /// Only this claim (1, 1a, 1b, 2, ... 9).
        #[arg(long, value_name = "N")]
        claim: Option<String>,
        /// Output folder.
        #[arg(long, value_name = "DIR", default_value = "output/claims")]
        out: PathBuf,
        /// Worker threads (default: one per core).
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Root seed of every replication.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also test each claim over the physics: its check at points of a Latin hypercube
        /// over every physics parameter (x0.5 to x2, or the calibration interval), the share
        /// where it holds and the parameters that decide it (docs/sensitivity.md).
        #[arg(long)]
        robustness: bool,
        /// Compare verdicts with a file of expected ones (e.g.
        /// scenarios/claims/expected.toml) and fail on any difference.
        #[arg(long, value_name = "FILE")]
        expect: Option<PathBuf>,
        /// Write into an output folder that is not empty and was not written by `triad
        /// reproduce` (never the root, home or a project's source folders, nor another
        /// command's results).
        #[arg(long)]
        force: bool,
    },
    /// Run one claim's check on your own scenario: does the claim survive your setting?
    CheckClaim {
        /// The claim (1a, 1b, 2, ... 9).
        claim: String,
        /// Your scenario file (start from scenarios/claims/claimN.toml); none with
        /// --robustness.
        #[arg(required_unless_present = "robustness")]
        file: Option<PathBuf>,
        /// Change a scenario key: `--set path=value`, the path dotted as in sweep axes
        /// (`--set policy.shares.evolver=0.3`), the value a TOML literal; repeatable.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Fewer replications (with --robustness: fewer points).
        #[arg(long)]
        quick: bool,
        /// Root seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Test the claim over the physics of its own scenario: its check at points of a
        /// Latin hypercube over every physics parameter, the share where it holds and the
        /// parameters that decide it; writes robustness.md and CSVs.
        #[arg(long)]
        robustness: bool,
        /// Output folder of --robustness (default output/robustness/claimN).
        #[arg(long, value_name = "DIR", requires = "robustness")]
        out: Option<PathBuf>,
        /// Worker threads of --robustness (default: one per core).
        #[arg(long, value_name = "N", requires = "robustness")]
        threads: Option<usize>,
    },
    /// Fit world parameters to target measurements: runs each target's experiment on the
    /// base scenario, minimises the sum of squared standardised residuals over the [[fit]]
    /// parameters' ranges (CMA-ES, common random numbers), profiles every parameter for its
    /// 95% interval, and writes calibrated.toml, fit.csv, params.csv, profile.csv and
    /// report.md with plots. Every evaluation is recorded in evaluations.csv as it
    /// completes: rerunning into the same folder resumes, reusing them. docs/calibrate.md
    /// describes the file.
    Calibrate {
        /// The calibration file (TOML), e.g. scenarios/calibrate/recovery.toml.
        file: PathBuf,
        /// Change a scenario key: `--set path=value`, the path dotted as in sweep axes
        /// (`--set policy.shares.evolver=0.3`), the value a TOML literal; repeatable. Applied to the
        /// base scenario.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Output folder (default: output/calibrate/<file stem>/).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Worker threads (default: one per core). The files do not depend on it.
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Root seed of the replications and of the search. Same seed, same bytes out.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// No progress output.
        #[arg(long)]
        quiet: bool,
        /// Write into an output folder that is not empty and was not written by this
        /// command for the same calibration and seed, starting it over (never the root,
        /// home or a project's source folders, nor another command's results).
        #[arg(long)]
        force: bool,
    },
    /// Search the best setting of a plan's decision variables (budget shares, tiers, any
    /// numeric scenario key) for an objective on run metrics, under constraints, within a
    /// budget of simulation runs: CMA-ES with common random numbers and racing; the
    /// finalists re-run with more replications, with 95% intervals and P(best). Writes
    /// best.toml, evaluations.csv, a convergence plot and report.md. With `objectives =
    /// [a, b]` it searches the Pareto front of two objectives instead and writes
    /// pareto.csv, a Pareto plot and front-N.toml per point; with a `[stress]` table the
    /// objective is taken over stress cases. Rerunning into the same folder resumes.
    /// docs/optimize.md describes the plan file.
    Optimize {
        /// The plan (TOML), e.g. scenarios/optimize/budget500.toml.
        file: PathBuf,
        /// Output folder (default: output/optimize/<file stem>/).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Worker threads (default: one per core). The files do not depend on it.
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Change a key of the base scenario: `--set path=value`, the path dotted as in
        /// sweep axes (`--set policy.shares.evolver=0.3`), the value a TOML literal;
        /// repeatable.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// No progress output.
        #[arg(long)]
        quiet: bool,
        /// Write into an output folder that is not empty and was not written by this
        /// command for the same plan, starting it over (never the root, home or a
        /// project's source folders, nor another command's results).
        #[arg(long)]
        force: bool,
    },
    /// Global sensitivity analysis: which uncertain parameters decide an output. Runs a
    /// plan's design (Saltelli sampling on a scrambled Sobol sequence for Sobol indices S1,
    /// ST and optionally S2, or Morris trajectories for mu, mu* and sigma) over the
    /// [[parameter]] ranges, on the sweep machinery (parallel, common random numbers); each
    /// [[output]] is a run metric of one policy or the paired difference of two. Writes
    /// indices.csv (with bootstrap 95% intervals), samples.csv, runs.csv, plots and
    /// report.md naming the parameters that matter and those that do not. Rerunning into
    /// the same folder resumes; --shard K/N and `triad merge` split it between machines.
    /// docs/sensitivity.md describes the plan file.
    Sensitivity {
        /// The plan (TOML), e.g. scenarios/sensitivity/ishigami.toml.
        file: PathBuf,
        /// Worker threads (default: one per core). The files do not depend on it.
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Output folder (default: output/sensitivity/<file stem>/).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Run only shard K of N (runs i with i % N == K - 1); join with `triad merge`.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// Change a key of the base scenario: `--set path=value`, the path dotted as in
        /// sweep axes (`--set policy.shares.evolver=0.3`), the value a TOML literal;
        /// repeatable.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// No progress output.
        #[arg(long)]
        quiet: bool,
        /// Write into an output folder that is not empty and was not written by this
        /// command for the same plan (it starts that folder over) (never the root, home or
        /// a project's source folders, nor another command's results).
        #[arg(long)]
        force: bool,
    },
    /// Redraw the plots of a finished folder from its CSVs: every plot of a sweep or stress
    /// folder, or one metric's (`--metric`), of a sweep or a run folder.
    Plot {
        /// The output folder of a sweep, a stress run or a run.
        dir: PathBuf,
        /// Redraw only this metric: a column of runs.csv (run.csv) or of timeseries.csv; an
        /// unknown name is listed against the folder's metrics.
        #[arg(long, value_name = "M")]
        metric: Option<String>,
        /// With --metric, one panel per value of this grid axis of the sweep (e.g.
        /// policy.shares.verifier), numeric or not.
        #[arg(long, value_name = "AXIS")]
        facet: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
