//! `triad._triad`: the native half of triad's Python package (docs/python.md).
//!
//! Thin on purpose: every function here calls the library's public API the way the
//! command line does (`triad::commands`), and hands back plain Python values (dicts,
//! lists, floats); the package `triad` (python/triad/__init__.py) wraps them in classes
//! with docstrings, type hints and data-frame helpers.
//!
//! Long work runs on a worker thread while the calling thread waits with the GIL released
//! ([`work`]), polling for signals: Ctrl-C (a `KeyboardInterrupt`) asks sweeps, analyses,
//! calibrations, optimisations and claim checks to stop at their next clean point (the
//! library's interrupt flag, as the CLI's handler does: a sweep after the runs in flight,
//! a claim check before its next replication) and waits for them, so their folders resume
//! and no abandoned work keeps the cores busy; a single run, which writes nothing and
//! takes milliseconds, is left to finish in the background and the call returns at once.

use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;
use triad::base::interrupt::{self, Interrupted};
use triad::base::{Failed, UsageError};
use triad::claims::Effort;
use triad::commands;
use triad::scenario::{InputError, InputErrors, Overrides, Source};

pyo3::create_exception!(
    triad,
    ScenarioError,
    PyValueError,
    "A problem of a scenario, plan or change, located: `file`, `line`, `column` (from 1) \
     and `message` of the first problem; `problems` lists every one as (file, line, \
     column, message)."
);
pyo3::create_exception!(
    triad,
    TriadError,
    PyRuntimeError,
    "Work that ran and failed (a failed write, a simulation that stopped)."
);

/// A located input error as a `ScenarioError` with its attributes set.
fn scenario_error(py: Python<'_>, e: &InputErrors) -> PyErr {
    let err = ScenarioError::new_err(e.to_string());
    let problems: Vec<(String, usize, usize, String)> = e
        .problems()
        .map(|(f, p)| (f.to_string(), p.line, p.col, p.message.clone()))
        .collect();
    let v = err.value(py);
    let first = problems
        .first()
        .cloned()
        .unwrap_or_else(|| (String::new(), 0, 0, e.to_string()));
    let set = || -> PyResult<()> {
        v.setattr("file", &first.0)?;
        v.setattr("line", first.1)?;
        v.setattr("column", first.2)?;
        v.setattr("message", &first.3)?;
        v.setattr("problems", problems.clone())?;
        Ok(())
    };
    match set() {
        Ok(()) => err,
        Err(e) => e,
    }
}

/// An error of the library as the Python exception that says the same: located input
/// problems as [`ScenarioError`], bad usage as `ValueError`, an interruption as
/// `KeyboardInterrupt`, anything else as [`TriadError`].
fn to_py(py: Python<'_>, e: &anyhow::Error) -> PyErr {
    for c in e.chain() {
        if let Some(ie) = c.downcast_ref::<InputError>() {
            return scenario_error(py, &InputErrors(vec![ie.clone()]));
        }
        if let Some(ie) = c.downcast_ref::<InputErrors>() {
            return scenario_error(py, ie);
        }
        if let Some(i) = c.downcast_ref::<Interrupted>() {
            return PyKeyboardInterrupt::new_err(i.to_string());
        }
        if let Some(u) = c.downcast_ref::<UsageError>() {
            return PyValueError::new_err(u.0.clone());
        }
    }
    TriadError::new_err(format!("{e:#}"))
}

/// What Ctrl-C does to work in progress.
#[derive(Clone, Copy)]
enum OnCtrlC {
    /// Raise at once; the work, which writes nothing, finishes in the background.
    Abandon,
    /// Ask the work to stop at its next clean point and wait for it.
    Stop,
}

type Outcome<T> = std::thread::Result<anyhow::Result<T>>;

/// Runs `f` on a worker thread; the caller waits with the GIL released and checks for
/// signals every 50 ms (a `KeyboardInterrupt` is handled as `on` says).
fn work<T, F>(py: Python<'_>, on: OnCtrlC, f: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> anyhow::Result<T> + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<Outcome<T>>();
    std::thread::Builder::new()
        .name("triad-work".into())
        .spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let _ = tx.send(r);
        })
        .map_err(|e| TriadError::new_err(format!("cannot start a worker thread: {e}")))?;
    let mut rx = rx;
    loop {
        let (got, back) = py.detach(move || (rx.recv_timeout(Duration::from_millis(50)), rx));
        rx = back;
        match got {
            Ok(r) => return finish(py, r),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(TriadError::new_err(
                    "the worker thread ended without a result",
                ));
            }
        }
        if let Err(ctrl_c) = py.check_signals() {
            match on {
                OnCtrlC::Abandon => return Err(ctrl_c),
                OnCtrlC::Stop => {
                    interrupt::request();
                    let r = py.detach(move || rx.recv());
                    interrupt::clear();
                    return match r {
                        // Stopped at a clean point: say what was kept and how to resume.
                        Ok(Ok(Err(e))) if e.chain().any(|c| c.is::<Interrupted>()) => {
                            Err(to_py(py, &e))
                        }
                        _ => Err(ctrl_c),
                    };
                }
            }
        }
    }
}

fn finish<T>(py: Python<'_>, r: Outcome<T>) -> PyResult<T> {
    match r {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_py(py, &e)),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(TriadError::new_err(format!("internal error: {what}")))
        }
    }
}

/// The scenario `name`/`text` with the changes `sets` (`path=value`, as `--set` takes)
/// and optionally the built-in policy `policy`, resolved as `triad run` resolves it.
fn resolve(
    name: &str,
    text: &str,
    sets: &[String],
    policy: Option<&str>,
) -> anyhow::Result<triad::scenario::Scenario> {
    let set = Overrides::parse(sets)?;
    let src = Source::from_text(name, text);
    commands::resolve(&src, policy, &set)
}

/// Checks a scenario and returns what it resolved to: name, seed, policy kind, horizon and
/// budget. Raises `ScenarioError` (located) on any problem.
#[pyfunction]
#[pyo3(signature = (name, text, sets, policy=None))]
fn check<'py>(
    py: Python<'py>,
    name: &str,
    text: &str,
    sets: Vec<String>,
    policy: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let sc = resolve(name, text, &sets, policy).map_err(|e| to_py(py, &e))?;
    let d = PyDict::new(py);
    d.set_item("name", &sc.world.name)?;
    d.set_item("seed", sc.world.seed)?;
    d.set_item("policy", sc.policy.kind())?;
    d.set_item("horizon_hours", sc.world.horizon_hours)?;
    d.set_item("budget", sc.world.budget)?;
    Ok(d)
}

/// One run: the scenario resolved as `triad run` resolves it, run with `seed` (the
/// scenario's own when `None`). Returns the scenario's name, the seed, the policy kind,
/// the metrics as `(name, value)` pairs in run.csv's order (`None` where undefined) and
/// the time series as `(column, values)` pairs in timeseries.csv's order (`None` where
/// undefined: an empty field there).
#[pyfunction]
#[pyo3(signature = (name, text, sets, policy=None, seed=None))]
fn run<'py>(
    py: Python<'py>,
    name: String,
    text: String,
    sets: Vec<String>,
    policy: Option<String>,
    seed: Option<u64>,
) -> PyResult<Bound<'py, PyDict>> {
    let sc = resolve(&name, &text, &sets, policy.as_deref()).map_err(|e| to_py(py, &e))?;
    let seed = seed.unwrap_or(sc.world.seed);
    let kind = sc.policy.kind().to_string();
    let scenario = sc.world.name.clone();
    let r = work(py, OnCtrlC::Abandon, move || {
        sc.run(seed)
            .map_err(|e| anyhow::Error::new(e).context("the simulation stopped"))
    })?;
    let metrics: Vec<(String, Option<f64>)> = r
        .columns()
        .into_iter()
        .map(|(n, v)| (n, (!v.is_nan()).then_some(v)))
        .collect();
    let d = PyDict::new(py);
    d.set_item("scenario", scenario)?;
    d.set_item("seed", seed)?;
    d.set_item("policy", kind)?;
    d.set_item("metrics", metrics)?;
    let series: Vec<(String, Vec<Option<f64>>)> = r
        .series
        .columns()
        .into_iter()
        .map(|(n, c)| {
            (
                n,
                c.into_iter().map(|v| (!v.is_nan()).then_some(v)).collect(),
            )
        })
        .collect();
    d.set_item("series", series)?;
    Ok(d)
}

/// The output folder a command writes: `out`, or its default under `output/`.
fn out_or(out: Option<PathBuf>, file: &std::path::Path, under: &str) -> PathBuf {
    out.unwrap_or_else(|| commands::default_out(file, under))
}

/// A finished sweep-like command: its folder, and the message of failed runs (the CLI's
/// exit code 1), which the folder's runs.csv lists.
fn sweep_like(r: anyhow::Result<()>, out: PathBuf) -> anyhow::Result<(PathBuf, Option<String>)> {
    match r {
        Ok(()) => Ok((out, None)),
        Err(e) => match e.downcast_ref::<Failed>() {
            Some(f) => Ok((out, Some(f.0.clone()))),
            None => Err(e),
        },
    }
}

fn sweep_args(
    file: PathBuf,
    threads: Option<usize>,
    out: PathBuf,
    sets: Vec<String>,
    force: bool,
    progress: bool,
) -> commands::SweepArgs {
    commands::SweepArgs {
        file,
        threads,
        out: Some(out),
        shard: None,
        set: sets,
        quiet: !progress,
        force,
    }
}

/// `triad sweep FILE`: runs (or resumes) the sweep into `out` (default `output/<stem>`).
/// Returns the folder and, when some runs failed, the message saying so.
#[pyfunction]
#[pyo3(signature = (file, threads=None, out=None, sets=vec![], force=false, progress=false))]
fn sweep(
    py: Python<'_>,
    file: PathBuf,
    threads: Option<usize>,
    out: Option<PathBuf>,
    sets: Vec<String>,
    force: bool,
    progress: bool,
) -> PyResult<(PathBuf, Option<String>)> {
    let out = out_or(out, &file, "");
    let args = sweep_args(file, threads, out.clone(), sets, force, progress);
    work(py, OnCtrlC::Stop, move || {
        sweep_like(commands::sweep(&args), out)
    })
}

/// `triad sweep` on a plan given as TOML text (a dict is first written as text by
/// [`toml_text`]): `name` names it in located errors, the manifest and the plan (default
/// folder `output/<name>`), `base_dir` resolves a relative `base`. Returns the folder and,
/// when some runs failed, the message saying so.
#[pyfunction]
#[pyo3(signature = (text, name, base_dir, threads=None, out=None, sets=vec![], force=false, progress=false))]
#[allow(clippy::too_many_arguments)]
fn sweep_text(
    py: Python<'_>,
    text: String,
    name: PathBuf,
    base_dir: PathBuf,
    threads: Option<usize>,
    out: Option<PathBuf>,
    sets: Vec<String>,
    force: bool,
    progress: bool,
) -> PyResult<(PathBuf, Option<String>)> {
    let out = out_or(out, &name, "");
    let args = sweep_args(name, threads, out.clone(), sets, force, progress);
    work(py, OnCtrlC::Stop, move || {
        sweep_like(commands::sweep_text(&text, &base_dir, &args), out)
    })
}

/// A Python value as the TOML value it writes as, `at` its dotted key (for the error).
fn py_to_toml(v: &Bound<'_, PyAny>, at: &str) -> PyResult<toml::Value> {
    let here = if at.is_empty() { "the plan" } else { at };
    if v.is_instance_of::<PyBool>() {
        return Ok(toml::Value::Boolean(v.extract()?));
    }
    if v.is_instance_of::<PyInt>() {
        return v.extract::<i64>().map(toml::Value::Integer).map_err(|_| {
            PyValueError::new_err(format!("{here}: an integer beyond TOML's 64 bits"))
        });
    }
    if v.is_instance_of::<PyFloat>() {
        return Ok(toml::Value::Float(v.extract()?));
    }
    if v.is_instance_of::<PyString>() {
        return Ok(toml::Value::String(v.extract()?));
    }
    if v.hasattr("__fspath__")? {
        return Ok(toml::Value::String(
            v.call_method0("__fspath__")?.extract()?,
        ));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut t = toml::Table::new();
        for (k, x) in d.iter() {
            let Ok(k) = k.extract::<String>() else {
                return Err(PyTypeError::new_err(format!(
                    "{here}: a key that is not a string ({})",
                    k.repr()?
                )));
            };
            let path = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            t.insert(k, py_to_toml(&x, &path)?);
        }
        return Ok(toml::Value::Table(t));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let mut a = Vec::new();
        for (i, x) in v.try_iter()?.enumerate() {
            a.push(py_to_toml(&x?, &format!("{here}.{i}"))?);
        }
        return Ok(toml::Value::Array(a));
    }
    Err(PyTypeError::new_err(format!(
        "{here}: {} has no TOML form (TOML has strings, numbers, booleans, lists and \
         tables; leave out a key to take its default)",
        v.get_type().name()?
    )))
}

/// A plan or scenario given as a dict, as TOML text (the lines a located error counts).
#[pyfunction]
fn toml_text(d: &Bound<'_, PyDict>) -> PyResult<String> {
    match py_to_toml(d.as_any(), "")? {
        toml::Value::Table(t) => toml::to_string(&t)
            .map_err(|e| PyValueError::new_err(format!("the plan has no TOML form: {e}"))),
        _ => unreachable!("a dict is a table"),
    }
}

/// `triad sensitivity FILE`: runs (or resumes) the analysis into `out` (default
/// `output/sensitivity/<stem>`). Returns the folder and the message of failed runs.
#[pyfunction]
#[pyo3(signature = (file, threads=None, out=None, sets=vec![], force=false, progress=false))]
fn sensitivity(
    py: Python<'_>,
    file: PathBuf,
    threads: Option<usize>,
    out: Option<PathBuf>,
    sets: Vec<String>,
    force: bool,
    progress: bool,
) -> PyResult<(PathBuf, Option<String>)> {
    let out = out_or(out, &file, "sensitivity");
    let args = sweep_args(file, threads, out.clone(), sets, force, progress);
    work(py, OnCtrlC::Stop, move || {
        sweep_like(commands::sensitivity(&args), out)
    })
}

/// `triad calibrate FILE`: runs (or resumes) the fit into `out` (default
/// `output/calibrate/<stem>`) and returns the folder.
#[pyfunction]
#[pyo3(signature = (file, threads=None, out=None, seed=1, sets=vec![], force=false, progress=false))]
#[allow(clippy::too_many_arguments)]
fn calibrate(
    py: Python<'_>,
    file: PathBuf,
    threads: Option<usize>,
    out: Option<PathBuf>,
    seed: u64,
    sets: Vec<String>,
    force: bool,
    progress: bool,
) -> PyResult<PathBuf> {
    let out = out_or(out, &file, "calibrate");
    let args = commands::CalibrateArgs {
        file,
        set: sets,
        out: Some(out.clone()),
        threads,
        seed,
        quiet: !progress,
        force,
    };
    work(py, OnCtrlC::Stop, move || {
        commands::calibrate(&args).map(|_| out)
    })
}

/// `triad optimize FILE`: runs (or resumes) the search into `out` (default
/// `output/optimize/<stem>`) and returns the folder.
#[pyfunction]
#[pyo3(signature = (file, threads=None, out=None, sets=vec![], force=false, progress=false))]
fn optimize(
    py: Python<'_>,
    file: PathBuf,
    threads: Option<usize>,
    out: Option<PathBuf>,
    sets: Vec<String>,
    force: bool,
    progress: bool,
) -> PyResult<PathBuf> {
    let out = out_or(out, &file, "optimize");
    let args = commands::OptimizeArgs {
        file,
        out: Some(out.clone()),
        threads,
        set: sets,
        quiet: !progress,
        force,
    };
    work(py, OnCtrlC::Stop, move || {
        commands::optimize(&args).map(|_| out)
    })
}

/// `triad check-claim ID FILE` (FILE defaults to the claim's own scenario): the plan (what
/// comes from the file, what from the claim) and the outcome (criteria, measured values
/// with their 95% intervals, whether the shape holds), as a dict.
#[pyfunction]
#[pyo3(signature = (id, file=None, sets=vec![], quick=false, seed=1))]
fn check_claim<'py>(
    py: Python<'py>,
    id: String,
    file: Option<PathBuf>,
    sets: Vec<String>,
    quick: bool,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let file = match file {
        Some(f) => f,
        None => {
            let sel = triad::claims::select(&id);
            if sel.len() > 1 {
                let ids: Vec<&str> = sel.iter().map(|c| c.id()).collect();
                return Err(PyValueError::new_err(format!(
                    "claim {id} has parts; name one of {}",
                    ids.join(", ")
                )));
            }
            triad::claims::scenario_file(&id, None)
        }
    };
    let planned = commands::plan_check(&id, &file, &sets).map_err(|e| to_py(py, &e))?;
    let effort = if quick { Effort::Quick } else { Effort::Full };
    let commands::PlannedCheck { claim, part, plan } = planned;
    let (cid, title, published) = (claim.id(), claim.title(), claim.published());
    let checked = file.clone();
    // A claim is Sync, not Send: the worker selects its own by the id planned. Ctrl-C stops
    // it before its next replication (the claims poll the library's interrupt flag).
    let o = work(py, OnCtrlC::Stop, move || {
        let claim = triad::claims::select(cid)
            .into_iter()
            .find(|c| c.id() == cid)
            .ok_or_else(|| anyhow::anyhow!("no claim {cid}"))?;
        claim.check(&checked, effort, seed)
    })?;
    let d = PyDict::new(py);
    d.set_item("claim", cid)?;
    d.set_item("title", title)?;
    d.set_item("published", published)?;
    d.set_item("file", file)?;
    d.set_item("part", part)?;
    d.set_item("from_file", plan.from_file)?;
    d.set_item("from_claim", plan.from_claim)?;
    d.set_item("varies", plan.varies)?;
    d.set_item("holds", o.holds())?;
    let criteria: Vec<(String, bool, Option<f64>)> = o
        .criteria
        .iter()
        .map(|c| (c.text.clone(), c.passed, c.margin))
        .collect();
    d.set_item("criteria", criteria)?;
    let measured: Vec<(String, f64, f64, f64)> = o
        .measured
        .iter()
        .map(|m| (m.label.clone(), m.ci.mean, m.ci.lo, m.ci.hi))
        .collect();
    d.set_item("measured", measured)?;
    Ok(d)
}

/// A TOML value as the Python value it reads as.
fn toml_to_py<'py>(py: Python<'py>, v: &toml::Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        toml::Value::String(s) => s.into_pyobject(py)?.into_any(),
        toml::Value::Integer(i) => i.into_pyobject(py)?.into_any(),
        toml::Value::Float(f) => f.into_pyobject(py)?.into_any(),
        toml::Value::Boolean(b) => b.into_pyobject(py)?.to_owned().into_any(),
        toml::Value::Datetime(d) => d.to_string().into_pyobject(py)?.into_any(),
        toml::Value::Array(a) => {
            let l = PyList::empty(py);
            for x in a {
                l.append(toml_to_py(py, x)?)?;
            }
            l.into_any()
        }
        toml::Value::Table(t) => {
            let d = PyDict::new(py);
            for (k, x) in t {
                d.set_item(k, toml_to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

/// The built-in policies (`triad policies`): per policy its kind, one-line summary and
/// parameters as `(key, default, meaning)`, the default `None` where unset.
#[pyfunction]
fn policies(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let out = PyList::empty(py);
    for b in triad::policy::REGISTRY {
        let defaults = b.defaults();
        let params = PyList::empty(py);
        for (key, meaning) in b.params() {
            let default = match defaults.get(key) {
                Some(v) => toml_to_py(py, v)?,
                None => py.None().into_bound(py),
            };
            params.append((key, default, meaning))?;
        }
        let d = PyDict::new(py);
        d.set_item("kind", b.kind)?;
        d.set_item("summary", b.summary)?;
        d.set_item("params", params)?;
        out.append(d)?;
    }
    Ok(out)
}

/// The native module.
#[pymodule]
fn _triad(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add("TriadError", m.py().get_type::<TriadError>())?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(sweep_text, m)?)?;
    m.add_function(wrap_pyfunction!(toml_text, m)?)?;
    m.add_function(wrap_pyfunction!(sensitivity, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate, m)?)?;
    m.add_function(wrap_pyfunction!(optimize, m)?)?;
    m.add_function(wrap_pyfunction!(check_claim, m)?)?;
    m.add_function(wrap_pyfunction!(policies, m)?)?;
    Ok(())
}
