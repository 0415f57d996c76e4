"""triad in Python: scenarios, runs, sweeps and claim checks in-process (docs/python.md).

A run from Python is the run of the command line: the same scenario, policy and seed give
the same metrics, to the bit, as ``triad run``'s run.csv. Sweeps, sensitivity analyses,
calibrations and optimisations run the command's own code into an output folder (so they
resume and repeat exactly as on the command line) and return its main table.

pandas and polars are optional: ``to_pandas()`` / ``to_polars()`` import them only when
called.
"""

from __future__ import annotations

import csv
import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _triad
from ._triad import ScenarioError, TriadError

__version__: str = _triad.__version__

__all__ = [
    "Scenario",
    "ScenarioError",
    "TriadError",
    "RunResult",
    "Table",
    "Outputs",
    "ClaimCheck",
    "Policy",
    "load",
    "run",
    "sweep",
    "plan_text",
    "sensitivity",
    "calibrate",
    "optimize",
    "check_claim",
    "policies",
    "literal",
]

PathLike = Union[str, "os.PathLike[str]"]


def literal(value: Any) -> str:
    """``value`` as the TOML literal a ``--set path=value`` change takes.

    bool, int, float, str, lists/tuples and dicts (inline tables) of those. A float keeps
    every bit (``repr``); ``nan`` and ``inf`` are written as TOML writes them (and refused
    where the scenario needs a finite number).
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(float(value))  # float subclasses (numpy) print their class
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {literal(v)}" for k, v in value.items()) + "}"
    # numpy scalars (what EMA Workbench and SALib hand out): their Python value.
    if hasattr(value, "item"):
        return literal(value.item())
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as a scenario value")


def _change(path: str, value: Any) -> str:
    return f"{path}={literal(value)}"


def _overrides(overrides: Mapping[str, Any]) -> List[str]:
    """Keyword changes: ``policy__shares__evolver=0.2`` is ``policy.shares.evolver``."""
    return [_change(k.replace("__", "."), v) for k, v in overrides.items()]


class Scenario:
    """A scenario: its TOML text (from a file or a string) and changes made on it.

    Every change is checked when made: a problem raises :class:`ScenarioError` with the
    file, line and column (a problem of a change is located at it: file ``--set``, line K
    for the K-th change, as on the command line).
    """

    def __init__(self, text: str, name: str = "<string>", path: Optional[PathLike] = None,
                 changes: Sequence[str] = ()) -> None:
        self._text = text
        self._name = name
        self._path = Path(path) if path is not None else None
        self._changes = list(changes)
        self._info = _triad.check(name, text, self._changes)

    @classmethod
    def from_toml(cls, text: str, name: str = "<string>") -> "Scenario":
        """A scenario from TOML text (``scenarios/baseline.toml`` documents every key);
        ``name`` is the file name its problems are located in."""
        return cls(text, name=name)

    @classmethod
    def load(cls, path: PathLike) -> "Scenario":
        """Reads and checks the scenario file at ``path``."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as e:
            err = ScenarioError(f"{p}:1:1: cannot read the file: {e}")
            err.file, err.line, err.column = str(p), 1, 1
            err.message = f"cannot read the file: {e}"
            err.problems = [(str(p), 1, 1, err.message)]
            raise err from None
        return cls(text, name=str(p), path=p)

    def set(self, path: str, value: Any) -> None:
        """Changes the key at the dotted ``path`` (``"policy.shares.evolver"``,
        ``"tiers.0.skill"``, ``"budget"``) to ``value``, as ``--set path=value`` does.
        Raises :class:`ScenarioError` (and changes nothing) when the scenario refuses it;
        keys that must change together (shares) change with :meth:`update`."""
        changes = self._changes + [_change(path, value)]
        self._info = _triad.check(self._name, self._text, changes)
        self._changes = changes

    def update(self, changes: Mapping[str, Any]) -> None:
        """Makes several changes at once, checked together (``{"policy.shares.evolver": 0.2,
        "policy.shares.user": 0.7}``: shares that must sum to 1 change together)."""
        new = self._changes + [_change(k, v) for k, v in changes.items()]
        self._info = _triad.check(self._name, self._text, new)
        self._changes = new

    def copy(self) -> "Scenario":
        """An independent copy (its later changes do not touch this one)."""
        return Scenario(self._text, self._name, self._path, self._changes)

    @property
    def name(self) -> str:
        """The scenario's ``name`` key."""
        return self._info["name"]

    @property
    def seed(self) -> int:
        """The scenario's ``seed`` (what :func:`run` uses when given none)."""
        return self._info["seed"]

    @property
    def policy(self) -> str:
        """The kind of the scenario's policy."""
        return self._info["policy"]

    @property
    def text(self) -> str:
        """The TOML text, before the changes."""
        return self._text

    @property
    def path(self) -> Optional[Path]:
        """The file it was read from, if any."""
        return self._path

    @property
    def changes(self) -> List[str]:
        """The changes made, as ``path=value`` (what ``--set`` takes), in order."""
        return list(self._changes)

    def __repr__(self) -> str:
        where = f" from {self._path}" if self._path else ""
        ch = f", {len(self._changes)} changes" if self._changes else ""
        return f"<triad.Scenario {self.name!r}{where}, policy {self.policy}{ch}>"


def load(path: PathLike) -> Scenario:
    """Reads and checks a scenario file (:meth:`Scenario.load`)."""
    return Scenario.load(path)


def _scenario(scenario: Union[Scenario, PathLike]) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else Scenario.load(scenario)


class Table:
    """Columns of equal length: a CSV file's or a time series'. ``columns`` maps each
    column name to its values (int, float or str; ``None`` where a value is undefined)."""

    def __init__(self, columns: Dict[str, List[Any]]) -> None:
        self.columns = columns

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()), []))

    def __getitem__(self, name: str) -> List[Any]:
        return self.columns[name]

    def rows(self) -> List[Dict[str, Any]]:
        """The rows, each a dict of column to value."""
        names = list(self.columns)
        return [dict(zip(names, vals)) for vals in zip(*self.columns.values())]

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` (pandas is imported only now; undefined values are NaN)."""
        import pandas as pd

        return pd.DataFrame({k: _nan_for_none(v) for k, v in self.columns.items()})

    def to_polars(self) -> Any:
        """A ``polars.DataFrame`` (polars is imported only now; undefined values are null)."""
        import polars as pl

        return pl.DataFrame(self.columns, strict=False)

    @classmethod
    def read_csv(cls, path: PathLike) -> "Table":
        """Reads a CSV file triad wrote: a column whose fields are all integers is int, all
        numbers float (read back to the bit), otherwise str; an empty field is ``None``."""
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        if not rows:
            return cls({})
        header, body = rows[0], rows[1:]
        cols: Dict[str, List[Any]] = {}
        for k, name in enumerate(header):
            cols[name] = _typed([r[k] if k < len(r) else "" for r in body])
        return cls(cols)

    def __repr__(self) -> str:
        return f"<triad.Table {len(self)} rows x {len(self.columns)} columns>"


def _nan_for_none(values: List[Any]) -> List[Any]:
    """A column of numbers with gaps (or of gaps only) as floats with NaN, as pandas reads
    such a column from CSV; any other column as it is."""
    if any(v is None for v in values) and all(
        v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values
    ):
        return [math.nan if v is None else float(v) for v in values]
    return values


def _typed(fields: List[str]) -> List[Any]:
    present = [x for x in fields if x != ""]
    for convert in (int, float):
        try:
            vals = [convert(x) for x in present]
        except ValueError:
            continue
        it = iter(vals)
        return [next(it) if x != "" else None for x in fields]
    return [x if x != "" else None for x in fields]


@dataclass
class RunResult:
    """One run. ``summary`` holds run.csv's metrics in its order (``None`` where a metric
    is undefined, an empty field in run.csv); ``timeseries`` holds timeseries.csv's columns
    (``None`` where undefined, as there)."""

    scenario: str
    seed: int
    policy: str
    summary: Dict[str, Optional[float]]
    timeseries: Dict[str, List[Optional[float]]]

    def to_pandas(self, table: str = "timeseries") -> Any:
        """``table="timeseries"``: a frame with a row per sampling instant;
        ``table="summary"``: run.csv's one row (scenario, seed, then the metrics)."""
        return self._table(table).to_pandas()

    def to_polars(self, table: str = "timeseries") -> Any:
        """As :meth:`to_pandas`, a polars frame."""
        return self._table(table).to_polars()

    def _table(self, table: str) -> Table:
        if table == "timeseries":
            return Table(self.timeseries)
        if table == "summary":
            cols: Dict[str, List[Any]] = {"scenario": [self.scenario], "seed": [self.seed]}
            cols.update({k: [v] for k, v in self.summary.items()})
            return Table(cols)
        raise ValueError(f"table must be \"timeseries\" or \"summary\", got {table!r}")

    def __repr__(self) -> str:
        y = self.summary.get("yield")
        return f"<triad.RunResult {self.scenario!r} seed {self.seed}, policy {self.policy}: yield {y}>"


def run(scenario: Union[Scenario, PathLike], policy: Optional[str] = None,
        seed: Optional[int] = None, **overrides: Any) -> RunResult:
    """Runs a scenario once, as ``triad run`` does, and returns its metrics and time series.

    ``policy`` swaps in a built-in policy (``--policy``; the scenario's policy keys the new
    kind also has are kept); ``seed`` defaults to the scenario's own; each keyword changes
    one key as ``--set`` does, ``__`` standing for the dots: ``budget=90``,
    ``policy__shares__evolver=0.2``. The GIL is released while it runs; Ctrl-C raises
    ``KeyboardInterrupt`` at once.
    """
    sc = _scenario(scenario)
    changes = sc.changes + _overrides(overrides)
    r = _triad.run(sc._name, sc._text, changes, policy, seed)
    return RunResult(
        scenario=r["scenario"],
        seed=r["seed"],
        policy=r["policy"],
        summary=dict(r["metrics"]),
        timeseries={k: list(v) for k, v in r["series"]},
    )


@dataclass
class Outputs:
    """A command's output folder and its main table (``main``, a CSV file in it).

    ``failed`` is the command line's exit-1 message when some runs failed (each is a row
    of runs.csv with status ``failed`` and its error); ``None`` when all ran.
    """

    out: Path
    main: str
    failed: Optional[str] = None
    _cache: Dict[str, Table] = field(default_factory=dict, repr=False)

    def table(self, name: Optional[str] = None) -> Table:
        """The CSV file ``name`` of the folder (default: the main table), read once."""
        name = name or self.main
        if name not in self._cache:
            self._cache[name] = Table.read_csv(self.out / name)
        return self._cache[name]

    def to_pandas(self, name: Optional[str] = None) -> Any:
        """The table ``name`` (default: the main one) as a pandas frame."""
        return self.table(name).to_pandas()

    def to_polars(self, name: Optional[str] = None) -> Any:
        """The table ``name`` (default: the main one) as a polars frame."""
        return self.table(name).to_polars()

    @property
    def runs(self) -> Table:
        """runs.csv: a row per run (sweeps and sensitivity analyses)."""
        return self.table("runs.csv")

    @property
    def summary(self) -> Table:
        """summary.csv: per cell, policy and metric, the mean, sd and 95% interval (sweeps)."""
        return self.table("summary.csv")


def _sets(set: Union[None, Mapping[str, Any], Sequence[str]]) -> List[str]:
    if set is None:
        return []
    if isinstance(set, Mapping):
        return [_change(k, v) for k, v in set.items()]
    return list(set)


def _warn_failed(failed: Optional[str]) -> None:
    if failed:
        import warnings

        warnings.warn(failed, RuntimeWarning, stacklevel=3)


def sweep(plan: Union[PathLike, str, Mapping[str, Any]], threads: Optional[int] = None,
          out: Optional[PathLike] = None, *, base_dir: Optional[PathLike] = None,
          name: str = "plan", set: Union[None, Mapping[str, Any], Sequence[str]] = None,
          force: bool = False, progress: bool = False) -> Outputs:
    """Runs (or resumes) a sweep as ``triad sweep`` does, into ``out``, and returns the
    folder with runs.csv as its main table (``.to_pandas()``) and summary.csv
    (``.to_pandas("summary.csv")``).

    ``plan`` is a sweep file's path (default ``out``: ``output/<file stem>``), or the plan
    itself: a dict of the file's keys (``{"replications": 2, "axis": [{"path": ..., "values":
    [...]}]}``) or its TOML text (a ``str`` with a line break). A plan given so is named
    ``name`` (in located errors, the manifest and the report; default ``out``:
    ``output/<name>``), and a relative ``base = "..."`` in it is read from ``base_dir``
    (default: the working directory). A problem raises :class:`ScenarioError`, located in
    the text (for a dict, in the dict written as TOML: :func:`plan_text`).

    The same plan, from a file or not, gives the same runs.csv bytes at any ``threads``, and
    a folder left by an interrupted sweep of it is resumed. ``set`` changes the base
    scenario (``{"budget": 90}``). Ctrl-C stops after the runs in flight (they are kept) and
    raises ``KeyboardInterrupt``.
    """
    if isinstance(plan, Mapping) or (isinstance(plan, str) and "\n" in plan):
        text = plan_text(plan) if isinstance(plan, Mapping) else plan
        here = os.getcwd() if base_dir is None else os.fspath(base_dir)
        o, failed = _triad.sweep_text(text, name, here, threads, _path(out), _sets(set), force,
                                      progress)
    else:
        o, failed = _triad.sweep(os.fspath(plan), threads, _path(out), _sets(set), force,
                                 progress)
    _warn_failed(failed)
    return Outputs(Path(o), "runs.csv", failed)


def plan_text(plan: Mapping[str, Any]) -> str:
    """A plan (or scenario) given as a dict, as the TOML text triad reads: keys map to keys,
    dicts to tables, lists of dicts to arrays of tables (``[[axis]]``), paths to strings.
    Located errors of a dict plan count this text's lines."""
    return _triad.toml_text(dict(plan))


def sensitivity(path: PathLike, threads: Optional[int] = None, out: Optional[PathLike] = None, *,
                set: Union[None, Mapping[str, Any], Sequence[str]] = None, force: bool = False,
                progress: bool = False) -> Outputs:
    """``triad sensitivity``: runs (or resumes) a sensitivity plan into ``out`` (default
    ``output/sensitivity/<stem>``); main table indices.csv (docs/sensitivity.md)."""
    o, failed = _triad.sensitivity(os.fspath(path), threads, _path(out), _sets(set), force, progress)
    _warn_failed(failed)
    return Outputs(Path(o), "indices.csv", failed)


def calibrate(path: PathLike, threads: Optional[int] = None, out: Optional[PathLike] = None, *,
              seed: int = 1, set: Union[None, Mapping[str, Any], Sequence[str]] = None,
              force: bool = False, progress: bool = False) -> Outputs:
    """``triad calibrate``: fits a calibration file's parameters into ``out`` (default
    ``output/calibrate/<stem>``); main table params.csv, the fitted scenario in
    calibrated.toml (docs/calibrate.md)."""
    o = _triad.calibrate(os.fspath(path), threads, _path(out), seed, _sets(set), force, progress)
    return Outputs(Path(o), "params.csv")


def optimize(path: PathLike, threads: Optional[int] = None, out: Optional[PathLike] = None, *,
             set: Union[None, Mapping[str, Any], Sequence[str]] = None, force: bool = False,
             progress: bool = False) -> Outputs:
    """``triad optimize``: searches a plan's decision variables into ``out`` (default
    ``output/optimize/<stem>``); main table evaluations.csv, the best setting in best.toml
    (docs/optimize.md)."""
    o = _triad.optimize(os.fspath(path), threads, _path(out), _sets(set), force, progress)
    return Outputs(Path(o), "evaluations.csv")


def _path(p: Optional[PathLike]) -> Optional[str]:
    return None if p is None else os.fspath(p)


@dataclass
class Criterion:
    """One criterion of a claim's shape check: what must hold, whether it did, and its
    margin (0 at the threshold, positive when it holds; ``None`` if only reported)."""

    text: str
    passed: bool
    margin: Optional[float]


@dataclass
class Measured:
    """A measured number with its 95% confidence interval."""

    label: str
    mean: float
    lo: float
    hi: float


@dataclass
class ClaimCheck:
    """A claim's check on a scenario (``triad check-claim``)."""

    claim: str
    title: str
    holds: bool
    criteria: List[Criterion]
    measured: List[Measured]
    published: str
    file: str
    part: Optional[str]
    from_file: List[str]
    from_claim: List[str]
    varies: str

    def __bool__(self) -> bool:
        return self.holds


def check_claim(n: Union[int, str], scenario: Union[None, Scenario, PathLike] = None, *,
                quick: bool = False, seed: int = 1) -> ClaimCheck:
    """Runs claim ``n``'s check (``1a``, ``6``, ``9b``, ...) on ``scenario`` (a file or a
    :class:`Scenario`; default the claim's own scenario), as ``triad check-claim`` does:
    the world from the scenario, what the claim compares varied by the check. ``quick``
    runs fewer replications. A scenario that lacks what the claim compares raises
    ``ValueError`` saying what it needs. The claims' own scenarios are built into the
    package: without ``scenario`` the check reads ``scenarios/claims/`` of the working
    directory when there is one, else the built-in copy, so it works from any directory.
    Ctrl-C stops the check before its next replication and raises ``KeyboardInterrupt``."""
    ident = str(n)
    if scenario is None:
        return _claim(_triad.check_claim(ident, None, [], quick, seed))
    if not isinstance(scenario, Scenario):
        return _claim(_triad.check_claim(ident, os.fspath(scenario), [], quick, seed))
    if scenario.path is not None:
        return _claim(_triad.check_claim(ident, os.fspath(scenario.path), scenario.changes, quick, seed))
    # A scenario from text: the check reads a file, so it gets one of its own.
    with tempfile.TemporaryDirectory(prefix="triad-") as d:
        p = Path(d) / "scenario.toml"
        p.write_text(scenario.text, encoding="utf-8")
        return _claim(_triad.check_claim(ident, os.fspath(p), scenario.changes, quick, seed))


def _claim(d: Dict[str, Any]) -> ClaimCheck:
    return ClaimCheck(
        claim=d["claim"],
        title=d["title"],
        holds=d["holds"],
        criteria=[Criterion(*c) for c in d["criteria"]],
        measured=[Measured(*m) for m in d["measured"]],
        published=d["published"],
        file=os.fspath(d["file"]),
        part=d["part"],
        from_file=list(d["from_file"]),
        from_claim=list(d["from_claim"]),
        varies=d["varies"],
    )


@dataclass
class Policy:
    """A built-in policy: its kind, what it is for, and its parameters as
    ``{key: (default, meaning)}`` (default ``None`` where unset)."""

    kind: str
    summary: str
    params: Dict[str, Tuple[Any, str]]


def policies() -> List[Policy]:
    """The built-in allocation policies with their parameters (``triad policies``)."""
    return [
        Policy(p["kind"], p["summary"], {k: (d, m) for k, d, m in p["params"]})
        for p in _triad.policies()
    ]
