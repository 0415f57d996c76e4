//! `triad reproduce --robustness` and `triad check-claim N --robustness`: each claim's check
//! over a Latin hypercube of the physics ([`claims::robustness`]), the share of points
//! where it holds, the parameters that decide its margin, a report section and tidy CSVs.

use crate::base::UsageError;
use crate::base::interrupt::{self, Interrupted};
use crate::base::outdir::{self, MANIFEST, Owner};
use crate::base::output::{utc_now, write_atomic};
use crate::claims::robustness::{self, FRAGILE, POINTS, POINTS_QUICK, Robustness};
use crate::claims::{self, Claim, scenario_file};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Points per claim at this size.
pub fn points(quick: bool) -> usize {
    if quick { POINTS_QUICK } else { POINTS }
}

/// A scratch folder for the points' scenario files, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the robustness analysis of each of `claims` on its shipped scenario, `n` points
/// each, on the current rayon pool, with progress lines on stderr. Ctrl-C stops it after
/// the points in flight: an [`Interrupted`] error (exit code 130), nothing written.
pub fn analyse(claims: &[Box<dyn Claim>], n: usize, seed: u64) -> anyhow::Result<Vec<Robustness>> {
    let scratch = Scratch(std::env::temp_dir().join(format!(
        "triad-robustness-{}-{}",
        std::process::id(),
        seed
    )));
    let _guard = interrupt::guard();
    let all = claims::all();
    let mut out = Vec::new();
    for c in claims {
        let k = all.iter().position(|a| a.id() == c.id()).unwrap_or(0);
        let file = scenario_file(c.id(), None);
        let done = AtomicUsize::new(0);
        let id = c.id();
        let progress = |_i: usize, p: &robustness::Point, secs: f64| {
            let d = done.fetch_add(1, Ordering::Relaxed) + 1;
            eprintln!(
                "  robustness claim {id}: point {d}/{n} {} (margin {:+.2}, {secs:.1} s)",
                if p.holds { "holds" } else { "does not hold" },
                p.margin
            );
        };
        let r = robustness::run(
            c.as_ref(),
            &file,
            n,
            robustness::design_seed(seed, k),
            seed,
            &scratch.0,
            &progress,
            &interrupt::requested,
        )?;
        if interrupt::requested() {
            return Err(Interrupted {
                resume: "rerun the same command to start again".into(),
            }
            .into());
        }
        eprintln!(
            "  robustness claim {}: holds at {} of {} points ({:.0}% [{:.0}, {:.0}])",
            r.claim,
            r.share.k,
            r.share.n,
            100.0 * r.share.p,
            100.0 * r.share.lo,
            100.0 * r.share.hi
        );
        out.push(r);
    }
    Ok(out)
}

/// A number for a CSV field: empty when undefined.
fn field(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// `robustness.csv`: one row per claim, point and parameter (tidy), with the point's margin
/// and verdict.
pub fn points_csv(results: &[Robustness]) -> String {
    let mut s = String::from("claim,point,parameter,value,margin,holds\n");
    for r in results {
        for (i, p) in r.points.iter().enumerate() {
            for (range, v) in r.space.ranges.iter().zip(&p.values) {
                let _ = writeln!(
                    s,
                    "{},{},{},{},{},{}",
                    r.claim,
                    i + 1,
                    range.path,
                    field(*v),
                    field(p.margin),
                    p.holds
                );
            }
        }
    }
    s
}

/// `robustness_shares.csv`: per claim the share of points where it holds with its Wilson
/// 95% interval.
pub fn shares_csv(results: &[Robustness]) -> String {
    let mut s = String::from("claim,points,holds,share,ci_low,ci_high\n");
    for r in results {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{}",
            r.claim,
            r.share.n,
            r.share.k,
            field(r.share.p),
            field(r.share.lo),
            field(r.share.hi)
        );
    }
    s
}

/// `robustness_parameters.csv`: per claim and parameter, the range drawn and the rank
/// correlation with the margin with its bootstrap 95% interval.
pub fn parameters_csv(results: &[Robustness]) -> String {
    let mut s = String::from("claim,parameter,base,low,high,spearman,ci_low,ci_high,decides\n");
    for r in results {
        for d in &r.deciders {
            let range = r.space.ranges.iter().find(|x| x.path == d.path);
            let (b, lo, hi) =
                range.map_or((f64::NAN, f64::NAN, f64::NAN), |x| (x.base, x.lo, x.hi));
            let _ = writeln!(
                s,
                "{},{},{},{},{},{},{},{},{}",
                r.claim,
                d.path,
                field(b),
                field(lo),
                field(hi),
                field(d.rho),
                field(d.lo),
                field(d.hi),
                d.decides
            );
        }
    }
    s
}

/// A decider as `` `key` rho +0.52 [0.21, 0.75] ``.
fn decider_text(d: &robustness::Decider) -> String {
    format!("`{}` {:+.2} [{:+.2}, {:+.2}]", d.path, d.rho, d.lo, d.hi)
}

/// The parameters that decide `r` (interval excluding 0), at most `k`, or the strongest
/// with a note when none does.
fn deciding(r: &Robustness, k: usize) -> String {
    let dec: Vec<String> = r
        .deciders
        .iter()
        .filter(|d| d.decides)
        .take(k)
        .map(decider_text)
        .collect();
    if !dec.is_empty() {
        dec.join(", ")
    } else if let Some(d) = r.deciders.iter().find(|d| d.rho.is_finite()) {
        format!("none at this size (strongest: {})", decider_text(d))
    } else {
        "none (the margin does not vary)".into()
    }
}

/// The report's "Robustness" section.
pub fn markdown(results: &[Robustness], quick: bool, seed: u64) -> String {
    let mut s = String::new();
    let n = results.first().map_or(0, |r| r.share.n);
    let _ = writeln!(s, "\n## Robustness\n");
    let _ = writeln!(
        s,
        "Each claim's check, at the replications of its `--quick` size whatever the size \
         of the analysis, at {} points of a Latin hypercube over every physics number of its scenario: log-uniform from x0.5 \
         to x2 of the calibrated value, or over its calibration interval where one exists \
         (`attempts.slope`, `traits.judge_noise`, `traits.item_bias`, \
         `traits.invoke_slope`, `traits.invoke_mid`); the ladder's skills scaled together by \
         one factor; keys at 0, whole numbers and names held. The share is the points where \
         the claim holds, with a Wilson 95% interval; the deciding parameters are those whose \
         Spearman rank correlation with the claim's margin differs from 0 at the 5% level \
         after a Bonferroni correction for the parameters varied, strongest first (shown \
         with a bootstrap 95% interval) (docs/sensitivity.md, \"Robustness of the \
         claims\"). Seed {seed}{}. Every point: `robustness.csv`.\n",
        n,
        if quick { ", --quick size" } else { "" }
    );
    let _ = writeln!(
        s,
        "| claim | parameters varied | holds at | share [95% CI] | deciding parameters (rank correlation with the margin [95% CI]) |\n|---|---|---|---|---|"
    );
    for r in results {
        let _ = writeln!(
            s,
            "| {} | {} | {} of {} | {:.0}% [{:.0}%, {:.0}%] | {} |",
            r.claim,
            r.space.ranges.len(),
            r.share.k,
            r.share.n,
            100.0 * r.share.p,
            100.0 * r.share.lo,
            100.0 * r.share.hi,
            deciding(r, 3)
        );
    }
    let fragile: Vec<&Robustness> = results.iter().filter(|r| r.share.p < FRAGILE).collect();
    if fragile.is_empty() {
        let _ = writeln!(
            s,
            "\nEvery claim holds at {:.0}% of its points or more.",
            100.0 * FRAGILE
        );
    } else {
        let _ = writeln!(
            s,
            "\nClaims that hold at fewer than {:.0}% of the points, with the parameters that \
             flip them (a positive correlation: the claim holds more as the parameter rises):\n",
            100.0 * FRAGILE
        );
        for r in fragile {
            let _ = writeln!(
                s,
                "- claim {}: {:.0}% [{:.0}%, {:.0}%]; {}",
                r.claim,
                100.0 * r.share.p,
                100.0 * r.share.lo,
                100.0 * r.share.hi,
                deciding(r, 4)
            );
        }
    }
    let odd: Vec<String> = results
        .iter()
        .filter(|r| r.disagree > 0)
        .map(|r| format!("claim {} ({} points)", r.claim, r.disagree))
        .collect();
    if !odd.is_empty() {
        let _ = writeln!(
            s,
            "\nMargin and verdict disagree in sign at: {} (a criterion's margin at exactly its \
             threshold, or undefined).",
            odd.join(", ")
        );
    }
    s
}

/// Prints each claim's share and deciding parameters.
pub fn print(results: &[Robustness]) {
    crate::say!("\nrobustness over the physics:");
    for r in results {
        crate::say!(
            "  claim {}: holds at {} of {} points, {:.0}% [{:.0}%, {:.0}%]; deciding: {}",
            r.claim,
            r.share.k,
            r.share.n,
            100.0 * r.share.p,
            100.0 * r.share.lo,
            100.0 * r.share.hi,
            deciding(r, 4).replace('`', "")
        );
    }
}

/// Writes the three CSVs into `out`.
pub fn write_csvs(out: &Path, results: &[Robustness]) -> anyhow::Result<()> {
    write_atomic(&out.join("robustness.csv"), points_csv(results).as_bytes())?;
    write_atomic(
        &out.join("robustness_shares.csv"),
        shares_csv(results).as_bytes(),
    )?;
    write_atomic(
        &out.join("robustness_parameters.csv"),
        parameters_csv(results).as_bytes(),
    )
}

/// `triad check-claim N --robustness`: the robustness of claim `id` (each part of a claim
/// with parts) on its shipped scenario; writes `robustness.md` and the CSVs into `out`. It
/// takes no FILE and no `--set` (a usage error, exit code 2): it varies the physics of the
/// claim's own scenario.
pub fn check_claim_robustness(
    id: &str,
    file: Option<&Path>,
    set: &[String],
    quick: bool,
    seed: u64,
    out: Option<PathBuf>,
    threads: Option<usize>,
) -> anyhow::Result<()> {
    if file.is_some() || !set.is_empty() {
        return Err(UsageError(format!(
            "check-claim --robustness varies the physics of claim {id}'s own scenario \
             (scenarios/claims/claim{id}.toml): give no FILE and no --set"
        ))
        .into());
    }
    let claims = claims::select(id);
    if claims.is_empty() {
        let ids: Vec<&str> = claims::all().iter().map(|c| c.id()).collect();
        return Err(UsageError(format!(
            "no claim {id:?}; the claims are {}",
            ids.join(", ")
        ))
        .into());
    }
    let out = out.unwrap_or_else(|| Path::new("output/robustness").join(format!("claim{id}")));
    let threads = super::threads(threads)?;
    outdir::claim(&out, false, |dir| {
        if let Some(o) = outdir::other_command(dir, &["check-claim"]) {
            return o;
        }
        if outdir::manifest_command(dir).as_deref() == Some("check-claim") {
            Owner::Ours
        } else {
            Owner::Other(outdir::describe(dir))
        }
    })?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start {threads} threads: {e}"))?;
    let n = points(quick);
    let started = utc_now();
    eprintln!(
        "triad check-claim {id} --robustness: {n} points per claim on {} threads",
        pool.current_num_threads()
    );
    let results = pool.install(|| analyse(&claims, n, seed))?;
    let mut md = format!("# triad: robustness of claim {id}\n");
    md.push_str(&markdown(&results, quick, seed));
    write_atomic(&out.join("robustness.md"), md.as_bytes())?;
    write_csvs(&out, &results)?;
    let mut m = serde_json::json!({
        "triad_version": env!("CARGO_PKG_VERSION"),
        "command": "check-claim",
        "claim": id,
        "robustness": true,
        "quick": quick,
        "seed": seed,
        "points": n,
        "started": started,
        "finished": utc_now(),
        "status": "complete",
    });
    m["shares"] = results
        .iter()
        .map(|r| (r.claim.clone(), serde_json::Value::from(r.share.p)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let mut bytes = serde_json::to_vec_pretty(&m)?;
    bytes.push(b'\n');
    write_atomic(&out.join(MANIFEST), &bytes)?;
    print(&results);
    crate::say!("wrote {}/robustness.md", out.display());
    Ok(())
}
