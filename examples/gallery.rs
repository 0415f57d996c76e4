//! Regenerates `docs/gallery.md` and the images under `docs/gallery/`: every plot that
//! `triad sweep` (the shipped sweeps), `triad stress`, `triad plot --metric`, `triad optimize`
//! and `triad sensitivity` write, at
//! quick sizes, each checked first for text that runs outside its canvas (the extent of
//! each text of the plot's SVG, from the embedded font's metrics, against the SVG's size).
//! Exits 1, naming each plot and text, if any text overflows. (`triad run` writes no plot;
//! `triad plot RUN_DIR --metric M` draws one of a run's metrics, shown last.)
//!
//! `cargo run --release --example gallery`

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use triad::commands::{self, OptimizeArgs, PlotArgs, RunArgs, StressArgs, SweepArgs};
use triad::report::plot::textfit;

const FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

/// One section of the gallery: a title, the command a user types, the folder it wrote.
struct Section {
    title: &'static str,
    command: String,
    dir: PathBuf,
    /// The plots to show, by stem under `plots/`; empty: every plot its report.md shows.
    only: Vec<String>,
    /// Captions by stem where the report's own would not do (a report that gives its plot
    /// no caption line).
    captions: Vec<(String, String)>,
}

/// The captions of `report.md`'s plots, by stem (`plots/x` -> caption): the text after
/// each `![alt](plots/x.png)` up to the next blank line, else the alt text.
fn captions(dir: &Path) -> Vec<(String, String)> {
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap_or_default();
    let lines: Vec<&str> = md.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(rest) = l.strip_prefix("![") else {
            continue;
        };
        let Some((alt, link)) = rest.split_once("](") else {
            continue;
        };
        let stem = link
            .trim_end_matches(')')
            .trim_end_matches(".png")
            .to_string();
        let after = lines
            .get(i + 2)
            .filter(|t| !t.is_empty())
            .map(|t| {
                let t = t.trim_matches('*');
                t.split(" ([SVG](").next().unwrap_or(t).to_string()
            })
            .unwrap_or_else(|| alt.to_string());
        out.push((stem, after));
    }
    out
}

/// The stems (`plots/x` for `dir/x.png`) of the PNGs in `dir`, sorted.
fn sorted_stems(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut stems = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "png") {
            let stem = p.file_stem().unwrap_or_default().to_string_lossy();
            stems.push(format!("plots/{stem}"));
        }
    }
    stems.sort();
    Ok(stems)
}

fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(root)?;
    let out = Path::new("output/gallery");
    let sweep = |file: &str, name: &str| -> anyhow::Result<PathBuf> {
        let dir = out.join(name);
        commands::sweep(&SweepArgs {
            file: file.into(),
            out: Some(dir.clone()),
            quiet: true,
            force: true,
            ..SweepArgs::default()
        })?;
        Ok(dir)
    };
    let mut sections = Vec::new();
    for (file, name, title) in [
        (
            "scenarios/sweeps/allocation.toml",
            "allocation",
            "The allocation map (a grid of two shares, two policies)",
        ),
        (
            "scenarios/sweeps/regimes.toml",
            "regimes",
            "Policies under regime shifts (one cell, eight policies)",
        ),
        (
            "scenarios/sweeps/design.toml",
            "design",
            "A Sobol design (three parameters sampled, two policies)",
        ),
    ] {
        let dir = sweep(file, name)?;
        sections.push(Section {
            title,
            command: format!("triad sweep {file}"),
            dir,
            only: Vec::new(),
            captions: Vec::new(),
        });
    }
    let stress_set = [
        "horizon_hours=168",
        "workload.arrival_per_hour=100",
        "budget=20",
    ];
    let stress_dir = out.join("stress");
    commands::stress(&StressArgs {
        file: "scenarios/baseline.toml".into(),
        out: Some(stress_dir.clone()),
        set: stress_set.iter().map(|s| s.to_string()).collect(),
        quiet: true,
        force: true,
        ..StressArgs::default()
    })?;
    sections.push(Section {
        title: "Stress: how the built-in policies break (a week of the baseline, quick)",
        command: format!(
            "triad stress scenarios/baseline.toml --set {}",
            stress_set.join(" --set ")
        ),
        dir: stress_dir,
        only: Vec::new(),
        captions: Vec::new(),
    });
    let alloc = out.join("allocation");
    commands::plot(&PlotArgs {
        dir: alloc.clone(),
        metric: Some("solve_rate".into()),
        facet: Some("policy.shares.verifier".into()),
    })?;
    sections.push(Section {
        title: "One metric redrawn, one panel per value of an axis",
        command: "triad plot output/allocation --metric solve_rate --facet policy.shares.verifier"
            .into(),
        dir: alloc,
        only: vec![
            "plots/solve_rate_vs_policy_shares_evolver_by_policy_shares_verifier".into(),
            "plots/solve_rate_diff_by_policy_by_policy_shares_verifier".into(),
        ],
        captions: Vec::new(),
    });
    let run_dir = out.join("run");
    commands::run(&RunArgs {
        file: "scenarios/baseline.toml".into(),
        out: Some(run_dir.clone()),
        replications: Some(3),
        quiet: true,
        force: true,
        ..RunArgs::default()
    })?;
    commands::plot(&PlotArgs {
        dir: run_dir.clone(),
        metric: Some("harness_quality".into()),
        facet: None,
    })?;
    sections.push(Section {
        title: "A run's metric over time",
        command: "triad run scenarios/baseline.toml --replications 3; \
                  triad plot output/baseline --metric harness_quality"
            .into(),
        dir: run_dir,
        only: vec!["plots/harness_quality".into()],
        captions: Vec::new(),
    });

    for (file, name, title, stem, caption) in [
        (
            "scenarios/optimize/budget500.toml",
            "optimize",
            "Optimize: the $500/day plan (the best split and tiers under a spend limit)",
            "convergence",
            "The incumbent's objective (mean and 95% CI over its replications) against the \
             simulation runs spent so far.",
        ),
        (
            "scenarios/optimize/budget500_pareto.toml",
            "pareto",
            "Optimize: the $500/day Pareto front of tasks solved against spend",
            "pareto",
            "The front points re-evaluated with their 95% CIs, joined; grey: every other \
             evaluation of the search.",
        ),
    ] {
        let dir = out.join(name);
        commands::optimize(&OptimizeArgs {
            file: file.into(),
            out: Some(dir.clone()),
            threads: None,
            set: Vec::new(),
            quiet: true,
            force: true,
        })?;
        sections.push(Section {
            title,
            command: format!("triad optimize {file}"),
            dir,
            only: vec![stem.into()],
            captions: vec![(stem.into(), caption.into())],
        });
    }
    let sens = out.join("sensitivity");
    commands::sensitivity(&SweepArgs {
        file: "scenarios/sensitivity/struggle_vs_static.toml".into(),
        out: Some(sens.clone()),
        quiet: true,
        force: true,
        ..SweepArgs::default()
    })?;
    let sens_plots: Vec<String> = sorted_stems(&sens.join("plots"))?;
    let sens_captions = sens_plots
        .iter()
        .map(|stem| {
            let caption = if stem.starts_with("plots/sobol_") {
                "First-order (S1) and total (ST) Sobol indices of each parameter, with 95% \
                 bootstrap CIs."
            } else {
                "The output at each design point against each parameter."
            };
            (stem.clone(), caption.to_string())
        })
        .collect();
    sections.push(Section {
        title: "Sensitivity: which parameters decide a policy's advantage (Sobol indices)",
        command: "triad sensitivity scenarios/sensitivity/struggle_vs_static.toml".into(),
        dir: sens,
        only: sens_plots,
        captions: sens_captions,
    });

    // The text check, on every SVG written.
    let mut overflows = Vec::new();
    let mut checked = 0;
    for s in &sections {
        // Sweeps, stress and sensitivity write their plots under plots/, optimize beside
        // its report.
        for d in [s.dir.join("plots"), s.dir.clone()] {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries {
                let p = e?.path();
                if p.extension().is_some_and(|x| x == "svg") {
                    let svg = std::fs::read_to_string(&p)?;
                    checked += 1;
                    for o in textfit::overflows(&svg, FONT).map_err(anyhow::Error::msg)? {
                        overflows.push(format!("{}: {o}", p.display()));
                    }
                }
            }
        }
    }
    overflows.sort();
    overflows.dedup();
    if !overflows.is_empty() {
        for o in &overflows {
            eprintln!("{o}");
        }
        eprintln!(
            "{} texts run outside their canvas in {checked} plots",
            overflows.len()
        );
        std::process::exit(1);
    }
    println!("{checked} plots checked: every text stays on its canvas");

    // The gallery: images copied under docs/gallery/<section>/, and the page.
    let docs = Path::new("docs/gallery");
    let _ = std::fs::remove_dir_all(docs);
    let mut md = String::from(
        "# Gallery\n\nEvery plot the shipped commands write, at quick sizes, regenerated by \
         `cargo run --release --example gallery` (CI runs it, and fails if a plot's text runs \
         outside its canvas). Each caption is the one the command's `report.md` gives. The \
         stress test here runs a week of the baseline at a third of its traffic; the shipped \
         sweeps run as shipped.\n",
    );
    for s in &sections {
        let name = s.dir.file_name().unwrap_or_default().to_string_lossy();
        let _ = write!(md, "\n## {}\n\n`{}`\n", s.title, s.command);
        let shown: Vec<(String, String)> = if s.only.is_empty() {
            captions(&s.dir)
        } else {
            s.only
                .iter()
                .map(|stem| {
                    let cap = s
                        .captions
                        .iter()
                        .cloned()
                        .chain(captions(&s.dir))
                        .find(|(k, _)| k == stem)
                        .map_or_else(|| stem.trim_start_matches("plots/").to_string(), |(_, c)| c);
                    (stem.clone(), cap)
                })
                .collect()
        };
        for (stem, caption) in shown {
            let file = Path::new(&stem)
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let to = docs.join(&*name).join(format!("{file}.png"));
            std::fs::create_dir_all(to.parent().unwrap_or(docs))?;
            std::fs::copy(s.dir.join(format!("{stem}.png")), &to)?;
            let _ = write!(
                md,
                "\n![{file}](gallery/{name}/{file}.png)\n\n`{file}.png`: {caption}\n"
            );
        }
    }
    triad::base::output::write_atomic(Path::new("docs/gallery.md"), md.as_bytes())?;
    println!("wrote docs/gallery.md and {}", docs.display());
    Ok(())
}
