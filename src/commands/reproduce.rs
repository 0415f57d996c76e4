//! `triad reproduce` and `triad check-claim`: run the claims, print the table, write the
//! report with one plot per claim.

use crate::base::outdir::{self, MANIFEST, Owner};
use crate::base::output::{utc_now, write_atomic};
use crate::base::{Failed, UsageError};
use crate::claims::{self, Claim, Effort, Outcome, scenario_file};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Options of `triad reproduce`.
#[derive(Debug, Clone)]
pub struct ReproduceArgs {
    /// Only this claim (`1` selects 1a and 1b).
    pub claim: Option<String>,
    /// Fewer replications.
    pub quick: bool,
    /// Output folder.
    pub out: PathBuf,
    /// Worker threads (default: one per core).
    pub threads: Option<usize>,
    /// Root seed.
    pub seed: u64,
    /// A file of expected verdicts (`"1a" = "reproduced"`); any difference fails.
    pub expect: Option<PathBuf>,
    /// Write into an output folder that is not empty and not written by `triad reproduce`.
    pub force: bool,
    /// Also run each claim's robustness analysis over the physics (a "Robustness" section
    /// in the report and `robustness*.csv`).
    pub robustness: bool,
}

/// The check on one counter-scenario.
#[derive(Debug, Clone)]
pub struct CounterResult {
    /// The file, relative to `scenarios/claims/`.
    pub file: String,
    /// What it switches off.
    pub mechanism: String,
    /// The check on it.
    pub outcome: Outcome,
}

/// One claim's result: the check on its scenario and on each counter-scenario.
#[derive(Debug, Clone)]
pub struct ClaimResult {
    /// Claim id.
    pub id: String,
    /// The claim.
    pub title: String,
    /// Where it comes from.
    pub source: String,
    /// The published figure.
    pub published: String,
    /// Each published figure with its role (fitted or predicted).
    pub figures: Vec<claims::figures::Published>,
    /// For a claim whose mechanism is an input: what is put in and what the check tests.
    pub input: Option<claims::figures::Input>,
    /// The check on the claim's scenario.
    pub scenario: Outcome,
    /// The checks on the counter-scenarios.
    pub counters: Vec<CounterResult>,
    /// Seconds the two checks took.
    pub seconds: f64,
}

impl ClaimResult {
    /// Reproduced: the shape holds on the scenario and vanishes on every counter-scenario.
    pub fn reproduced(&self) -> bool {
        self.scenario.holds() && self.counters.iter().all(|c| !c.outcome.holds())
    }

    /// `vanishes` when the shape vanishes on every counter-scenario, else which still hold.
    fn counter_shape(&self) -> String {
        let held: Vec<&str> = self
            .counters
            .iter()
            .filter(|c| c.outcome.holds())
            .map(|c| c.file.as_str())
            .collect();
        if held.is_empty() {
            "vanishes".into()
        } else {
            format!("holds on {}", held.join(", "))
        }
    }

    /// `reproduced` or `not reproduced`.
    pub fn verdict(&self) -> &'static str {
        if self.reproduced() {
            "reproduced"
        } else {
            "not reproduced"
        }
    }
}

/// Progress on stderr: a line as each step (a claim's check on one scenario file, the
/// allocation map) finishes, and every [`HEARTBEAT`] a line naming the steps still running
/// and for how long, so a long step never leaves the terminal silent.
struct Steps {
    running: Arc<Mutex<BTreeMap<String, Instant>>>,
    stop: Option<mpsc::Sender<()>>,
    beat: Option<std::thread::JoinHandle<()>>,
}

/// How often [`Steps`] names the steps still running.
const HEARTBEAT: Duration = Duration::from_secs(10);

impl Steps {
    fn start() -> Steps {
        let running: Arc<Mutex<BTreeMap<String, Instant>>> = Arc::default();
        let (stop, rx) = mpsc::channel::<()>();
        let seen = Arc::clone(&running);
        let beat = std::thread::spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(HEARTBEAT) {
                let now = Instant::now();
                let list: Vec<String> = seen
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .iter()
                    .map(|(k, t)| format!("{k} ({:.0} s)", (now - *t).as_secs_f64()))
                    .collect();
                if !list.is_empty() {
                    eprintln!("  ... running: {}", list.join(", "));
                }
            }
        });
        Steps {
            running,
            stop: Some(stop),
            beat: Some(beat),
        }
    }

    fn begin(&self, step: &str) {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(step.to_string(), Instant::now());
    }

    /// Ends `step`, printing `step: what (seconds)`.
    fn end(&self, step: &str, what: &str) {
        let t = self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(step);
        let secs = t.map_or(0.0, |t| t.elapsed().as_secs_f64());
        eprintln!("  {step}: {what} ({secs:.1} s)");
    }
}

impl Drop for Steps {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(b) = self.beat.take() {
            let _ = b.join();
        }
    }
}

/// Whether a check's shape holds, for a progress line.
fn shape(o: &Outcome) -> &'static str {
    if o.holds() {
        "the shape holds"
    } else {
        "the shape does not hold"
    }
}

fn run_claim(
    c: &dyn Claim,
    effort: Effort,
    seed: u64,
    steps: &Steps,
) -> anyhow::Result<ClaimResult> {
    let clock = Instant::now();
    let n = c.counters().len();
    let step = format!("claim {} scenario", c.id());
    steps.begin(&step);
    let scenario = c.check(&scenario_file(c.id(), None), effort, seed)?;
    steps.end(&step, shape(&scenario));
    let counters = c
        .counters()
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            let file = scenario_file(c.id(), Some(k.stem));
            let step = format!("claim {} counter {}/{n} ({})", c.id(), i + 1, k.stem);
            steps.begin(&step);
            let outcome = c.check(&file, effort, seed)?;
            steps.end(&step, shape(&outcome));
            Ok(CounterResult {
                file: file
                    .file_name()
                    .map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
                mechanism: k.mechanism.to_string(),
                outcome,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(ClaimResult {
        id: c.id().to_string(),
        title: c.title().to_string(),
        source: c.source().to_string(),
        published: c.published().to_string(),
        figures: claims::figures::of(c.id()),
        input: claims::figures::input(c.id()),
        scenario,
        counters,
        seconds: clock.elapsed().as_secs_f64(),
    })
}

/// Runs the claims, prints the table, writes `report.md`, one plot per claim and
/// `verdicts.csv`. A claim that is not reproduced (or, with `--expect`, a verdict that
/// differs from the expected one) is a [`Failed`] error: exit code 1.
pub fn reproduce(args: &ReproduceArgs) -> anyhow::Result<()> {
    let claims = match &args.claim {
        Some(id) => select(id)?,
        None => claims::all(),
    };
    let expected = match &args.expect {
        Some(p) => Some(read_expected(p)?),
        None => None,
    };
    let threads = super::threads(args.threads)?;
    outdir::claim(&args.out, args.force, owner)?;
    let effort = if args.quick {
        Effort::Quick
    } else {
        Effort::Full
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start {threads} threads: {e}"))?;
    let started = utc_now();
    write_manifest(args, &started, None)?;
    let clock = Instant::now();
    eprintln!(
        "triad reproduce: {} claims{} on {} threads",
        claims.len(),
        if args.quick { " (quick)" } else { "" },
        pool.current_num_threads()
    );
    let steps = Steps::start();
    let results: Vec<anyhow::Result<ClaimResult>> = pool.install(|| {
        claims
            .par_iter()
            .map(|c| {
                let r = run_claim(c.as_ref(), effort, args.seed, &steps);
                match &r {
                    Ok(r) => eprintln!("  claim {:>2}: {} ({:.1} s)", r.id, r.verdict(), r.seconds),
                    Err(e) => eprintln!("  claim {:>2}: failed: {e:#}", c.id()),
                }
                r
            })
            .collect()
    });
    let results: Vec<ClaimResult> = results.into_iter().collect::<anyhow::Result<_>>()?;
    let map = if args.claim.is_none() {
        let file = claims::scenario_file("headline", None).with_file_name("headline.toml");
        eprintln!("  allocation map: started");
        steps.begin("allocation map");
        let m = pool.install(|| claims::headline::run(&file, effort, args.seed, &args.out))?;
        steps.end("allocation map", "done");
        Some((m, file))
    } else {
        None
    };
    drop(steps);
    let robust = if args.robustness {
        let n = super::robustness::points(args.quick);
        eprintln!("  robustness: {n} points per claim");
        Some(pool.install(|| super::robustness::analyse(&claims, n, args.seed))?)
    } else {
        None
    };
    let wall = clock.elapsed().as_secs_f64();
    eprintln!("  plots and report ...");
    for r in &results {
        r.scenario
            .figure
            .draw(&args.out.join(format!("claim{}", r.id)))?;
    }
    print_table(&results);
    if let Some(r) = &robust {
        super::robustness::print(r);
    }
    let mut ok = results.iter().all(|r| r.reproduced());
    let mut mismatches = Vec::new();
    if let Some(exp) = &expected {
        for r in &results {
            let want = exp.get(&r.id).map(String::as_str).unwrap_or("reproduced");
            if want != r.verdict() {
                mismatches.push(format!(
                    "claim {}: expected {want}, got {}",
                    r.id,
                    r.verdict()
                ));
            }
        }
        ok = mismatches.is_empty();
    }
    let mut report = render_report(&results, args, &started, wall);
    if let Some((m, file)) = &map {
        let b = &m.best[m.overall];
        crate::say!(
            "\nallocation map: best split {}: yield {:.0} [{:.0}, {:.0}]; corpus-advice {:.0} ({:+.1}%)",
            b.split(),
            b.yield_ci.mean,
            b.yield_ci.lo,
            b.yield_ci.hi,
            m.advice.mean,
            -100.0 * m.gap.mean / m.advice.mean
        );
        let at = report.find("\n---\n").unwrap_or(report.len());
        report.insert_str(at, &claims::headline::markdown(m, file));
    }
    if let Some(r) = &robust {
        let at = report.find("\n---\n").unwrap_or(report.len());
        report.insert_str(at, &super::robustness::markdown(r, args.quick, args.seed));
        super::robustness::write_csvs(&args.out, r)?;
    }
    write_atomic(&args.out.join("report.md"), report.as_bytes())?;
    // Tidy: one row per scenario checked (the claim's own, then each counter).
    let mut csv = String::from("claim,verdict,scenario,role,holds\n");
    for r in &results {
        let _ = writeln!(
            csv,
            "{},{},claim{}.toml,claim,{}",
            r.id,
            r.verdict(),
            r.id,
            r.scenario.holds()
        );
        for k in &r.counters {
            let _ = writeln!(
                csv,
                "{},{},{},counter,{}",
                r.id,
                r.verdict(),
                k.file,
                k.outcome.holds()
            );
        }
    }
    write_atomic(&args.out.join("verdicts.csv"), csv.as_bytes())?;
    write_manifest(args, &started, Some(&results))?;
    crate::say!();
    crate::say!("wrote {}/report.md ({:.1} s)", args.out.display(), wall);
    for m in &mismatches {
        eprintln!("verdict changed: {m}");
    }
    if ok {
        Ok(())
    } else {
        let verdicts = args.out.join("verdicts.csv");
        let msg = if expected.is_some() {
            format!(
                "{} of {} claims' verdicts differ from the expected ones (listed above; every \
                 verdict in {})",
                mismatches.len(),
                results.len(),
                verdicts.display()
            )
        } else {
            let not: Vec<&str> = results
                .iter()
                .filter(|r| !r.reproduced())
                .map(|r| r.id.as_str())
                .collect();
            format!(
                "{} of {} claims not reproduced ({}; every verdict in {})",
                not.len(),
                results.len(),
                not.join(", "),
                verdicts.display()
            )
        };
        Err(Failed(msg).into())
    }
}

/// Whose the non-empty folder `dir` is, for `triad reproduce`: ours when its manifest was
/// written by `triad reproduce`.
fn owner(dir: &Path) -> Owner {
    if let Some(o) = outdir::other_command(dir, &["reproduce"]) {
        return o;
    }
    if outdir::manifest_command(dir).as_deref() == Some("reproduce") {
        Owner::Ours
    } else {
        Owner::Other(outdir::describe(dir))
    }
}

/// Writes `manifest.json`: what ran, and (once `results` are in) the verdicts.
fn write_manifest(
    args: &ReproduceArgs,
    started: &str,
    results: Option<&[ClaimResult]>,
) -> anyhow::Result<()> {
    let mut m = serde_json::json!({
        "triad_version": env!("CARGO_PKG_VERSION"),
        "command": "reproduce",
        "claim": args.claim,
        "quick": args.quick,
        "robustness": args.robustness,
        "seed": args.seed,
        "started": started,
        "status": if results.is_some() { "complete" } else { "running" },
    });
    if let Some(results) = results {
        m["finished"] = utc_now().into();
        m["verdicts"] = results
            .iter()
            .map(|r| (r.id.clone(), serde_json::Value::from(r.verdict())))
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
    let mut bytes = serde_json::to_vec_pretty(&m)?;
    bytes.push(b'\n');
    write_atomic(&args.out.join(MANIFEST), &bytes)
}

fn read_expected(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    Ok(claims::verdicts::load(path)?)
}

fn print_table(results: &[ClaimResult]) {
    crate::say!();
    crate::say!(
        "{:<5} {:<16} {:<16} claim",
        "claim",
        "verdict",
        "counter shape"
    );
    for r in results {
        crate::say!(
            "{:<5} {:<16} {:<16} {}",
            r.id,
            r.verdict(),
            r.counter_shape(),
            r.title
        );
        for m in r.scenario.measured.iter().take(8) {
            crate::say!("      {}", m.show(3));
        }
        crate::say!("      published: {}", r.published);
        for f in &r.figures {
            crate::say!(
                "      [{}] {}: measured {}",
                f.role.word(),
                f.figure,
                measured_for(&r.scenario, f)
            );
        }
        if let Some(i) = &r.input {
            crate::say!("      input: {}", i.put_in);
        }
    }
}

/// The check's number that corresponds to a published figure, `mean [lo, hi]`, or why there
/// is none.
fn measured_for(o: &claims::Outcome, f: &claims::figures::Published) -> String {
    match f.measured {
        None if f.role != claims::figures::Role::Predicted => {
            "met by the calibration's fit (docs/calibrate.md, \"The calibrated baseline\")"
                .to_string()
        }
        None => "not measured by the check".to_string(),
        Some(prefix) => o
            .measured
            .iter()
            .find(|m| m.label.starts_with(prefix))
            .map_or_else(
                || format!("n/a (no measured `{prefix}...`)"),
                |m| {
                    format!(
                        "{} = {:.3} [{:.3}, {:.3}]",
                        m.label, m.ci.mean, m.ci.lo, m.ci.hi
                    )
                },
            ),
    }
}

/// A figure's value as the table shows it: the number on the target scale, or `-` for a
/// figure with no number.
fn value_text(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "-".to_string()
    }
}

/// The claim's published figures, fitted and predicted in separate columns.
fn figures_table(s: &mut String, r: &ClaimResult) {
    use claims::figures::Role;
    if let Some(i) = &r.input {
        let _ = writeln!(s, "*Mechanism put in:* {}.  ", i.put_in);
        let _ = writeln!(
            s,
            "*What the check tests that is not put in:* {}.\n",
            i.tested
        );
    }
    if r.figures.is_empty() {
        let _ = writeln!(s, "*Published figures:* none (no published figure).\n");
        return;
    }
    let _ = writeln!(
        s,
        "| published figure | fitted: published | fitted: measured | predicted: published | predicted: measured |\n|---|---|---|---|---|"
    );
    for f in &r.figures {
        let m = measured_for(&r.scenario, f);
        let v = value_text(f.value);
        let (fit, pred) = match f.role {
            Role::Fitted { file, target } => {
                (format!("{v} (`{file}`: {target}) | {m}"), " | ".to_string())
            }
            Role::Predicted => (" | ".to_string(), format!("{v} | {m}")),
        };
        let _ = writeln!(s, "| {} ({}) | {fit} | {pred} |", f.figure, f.paper);
    }
    let _ = writeln!(s);
}

fn mark(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn render_report(
    results: &[ClaimResult],
    args: &ReproduceArgs,
    started: &str,
    wall: f64,
) -> String {
    let mut s = String::new();
    let n_ok = results.iter().filter(|r| r.reproduced()).count();
    let _ = writeln!(s, "# triad: the corpus claims\n");
    let _ = writeln!(
        s,
        "{n_ok} of {} claims reproduced{}. A claim is reproduced when its shape check passes on its \
         scenario **and fails on every counter-scenario**, each switching off one \
         mechanism responsible for it. Every number is a mean with a 95% confidence interval over replications that share \
         their random numbers across the variants compared. `docs/claims.md` explains each \
         criterion.\n",
        results.len(),
        if args.quick {
            " (quick run: fewer replications)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "| # | verdict | shape on scenario | shape on counters | published figures fitted / predicted | claim |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for r in results {
        let fitted = r
            .figures
            .iter()
            .filter(|f| f.role != claims::figures::Role::Predicted)
            .count();
        let _ = writeln!(
            s,
            "| {} | **{}** | {} | {} | {} / {} | {} |",
            r.id,
            r.verdict(),
            mark(r.scenario.holds()),
            r.counter_shape(),
            fitted,
            r.figures.len() - fitted,
            r.title
        );
    }
    for r in results {
        let _ = writeln!(s, "\n## Claim {}: {}\n", r.id, r.title);
        let _ = writeln!(s, "*Source:* {}  ", r.source);
        let _ = writeln!(s, "*Published:* {}  ", r.published);
        let _ = writeln!(s, "*Verdict:* **{}**\n", r.verdict());
        figures_table(&mut s, r);
        let _ = writeln!(s, "![claim {}](claim{}.png)\n", r.id, r.id);
        let _ = writeln!(s, "On `scenarios/claims/claim{}.toml`:\n", r.id);
        for c in &r.scenario.criteria {
            let _ = writeln!(s, "- [{}] {}", if c.passed { "x" } else { " " }, c.text);
        }
        let _ = writeln!(s, "\n| measured | mean | 95% CI |\n|---|---|---|");
        for m in &r.scenario.measured {
            let _ = writeln!(
                s,
                "| {} | {:.4} | [{:.4}, {:.4}] |",
                m.label, m.ci.mean, m.ci.lo, m.ci.hi
            );
        }
        for k in &r.counters {
            let _ = writeln!(
                s,
                "\nCounter-scenario `{}` ({}): the shape {}.\n",
                k.file,
                k.mechanism,
                if k.outcome.holds() {
                    "**still holds** (the check could not tell)"
                } else {
                    "vanishes, as it must"
                }
            );
            for c in &k.outcome.criteria {
                let _ = writeln!(s, "- [{}] {}", if c.passed { "x" } else { " " }, c.text);
            }
        }
    }
    let _ = writeln!(
        s,
        "\n---\ntriad {} · seed {} · started {started} · {:.1} s · {}\n",
        env!("CARGO_PKG_VERSION"),
        args.seed,
        wall,
        if args.quick { "quick" } else { "full" }
    );
    s
}

/// The claims `id` names (a claim with parts names them all); an error listing the claims
/// when it names none.
fn select(id: &str) -> Result<Vec<Box<dyn Claim>>, UsageError> {
    let sel = claims::select(id);
    if sel.is_empty() {
        let ids: Vec<&str> = claims::all().iter().map(|c| c.id()).collect();
        return Err(UsageError(format!(
            "no claim {id:?}; the claims are {}",
            ids.join(", ")
        )));
    }
    Ok(sel)
}

/// Claim `id`'s check planned on a user's file: the claim (the part the file's kind tests,
/// for a claim with parts), and what the check takes from the file and from the claim's
/// own scenario ([`claims::user::Plan`]).
pub struct PlannedCheck {
    /// The claim, or the part of it, to check.
    pub claim: Box<dyn Claim>,
    /// For a claim with parts, the note saying which part the file tests.
    pub part: Option<String>,
    /// What comes from where, and what the check varies.
    pub plan: claims::user::Plan,
}

impl std::fmt::Debug for PlannedCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlannedCheck")
            .field("claim", &self.claim.id())
            .field("part", &self.part)
            .field("plan", &self.plan)
            .finish()
    }
}

/// Plans claim `id`'s check on `file` changed by `set` (`triad check-claim`'s first half):
/// picks the part of a claim with parts, refuses a file that lacks what the claim compares
/// (a [`UsageError`] saying what it needs), reports a problem of the file or of `set`
/// located, and registers the changes for the file ([`crate::scenario::set::install`]),
/// so that [`Claim::check`] on the file then sees them.
pub fn plan_check(id: &str, file: &Path, set: &[String]) -> anyhow::Result<PlannedCheck> {
    let (claim, part) = pick_part(id, file)?;
    let plan = plan_on(&*claim, file, set)?;
    Ok(PlannedCheck { claim, part, plan })
}

/// The claim `id` names, or for a claim with parts the part `file`'s kind tests, with the
/// note saying so.
fn pick_part(id: &str, file: &Path) -> anyhow::Result<(Box<dyn Claim>, Option<String>)> {
    let mut claims = select(id)?;
    let mut part = None;
    if claims.len() > 1 {
        let kind = crate::scenario::FileKind::of(file);
        match claims::user::part_for(id, kind) {
            Some(p) => {
                part = Some(format!(
                    "claim {id} has parts; {} tests claim {p}",
                    file.display()
                ));
                claims = select(p)?;
            }
            None => {
                let ids: Vec<&str> = claims.iter().map(|c| c.id()).collect();
                return Err(UsageError(format!(
                    "claim {id} has parts; name one of {}",
                    ids.join(", ")
                ))
                .into());
            }
        }
    }
    Ok((claims.swap_remove(0), part))
}

/// Plans `claim`'s check on `file` and registers the changes for the file.
fn plan_on(claim: &dyn Claim, file: &Path, set: &[String]) -> anyhow::Result<claims::user::Plan> {
    let plan = claims::user::plan(claim.id(), file, set)?;
    crate::scenario::set::install(file, plan.overrides.clone());
    Ok(plan)
}

/// Runs claim `id`'s check on a user's scenario file and prints what it took from the file
/// and what from the claim's own scenario, then whether the shape holds; a shape that does
/// not hold is a [`Failed`] error (exit code 1), a file that lacks what the claim compares a
/// [`UsageError`] saying what it needs (exit code 2). A claim with parts (`9`) picks the
/// part the file's kind tests.
pub fn check_claim(
    id: &str,
    file: &Path,
    set: &[String],
    quick: bool,
    seed: u64,
) -> anyhow::Result<()> {
    // The part is named before the plan, which may refuse the file.
    let (claim, part) = pick_part(id, file)?;
    if let Some(p) = part {
        crate::say!("{p}");
    }
    let plan = plan_on(&*claim, file, set)?;
    let c = &claim;
    let effort = if quick { Effort::Quick } else { Effort::Full };
    crate::say!("claim {}: {}", c.id(), c.title());
    crate::say!("from {}:", file.display());
    for l in &plan.from_file {
        crate::say!("  {l}");
    }
    if !plan.from_claim.is_empty() {
        crate::say!(
            "from claim {}'s own scenario (scenarios/claims/claim{}.toml), what its experiment needs:",
            c.id(),
            c.id()
        );
        for l in &plan.from_claim {
            crate::say!("  {l}");
        }
    }
    crate::say!("the check varies: {}", plan.varies);
    let o = c.check(file, effort, seed)?;
    crate::say!(
        "on {}: the shape {}",
        file.display(),
        if o.holds() { "holds" } else { "does not hold" }
    );
    for cr in &o.criteria {
        crate::say!("  [{}] {}", if cr.passed { "x" } else { " " }, cr.text);
    }
    for m in &o.measured {
        crate::say!("      {}", m.show(4));
    }
    crate::say!("published: {}", c.published());
    if o.holds() {
        Ok(())
    } else {
        Err(Failed(format!(
            "claim {} does not hold on {} (see the table above)",
            c.id(),
            file.display()
        ))
        .into())
    }
}
