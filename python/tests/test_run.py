"""A run from Python is the CLI's run: the same metrics as run.csv, to the bit."""

import csv
import math
import subprocess

import pytest

import triad


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def same(py_value, field):
    """A metric from Python against run.csv's field: equal floats, or undefined in both."""
    if field == "":
        return py_value is None
    return py_value is not None and py_value == float(field)


@pytest.mark.parametrize(
    "policy, seed, sets",
    [
        (None, None, {}),
        ("struggle-adaptive", 7, {"budget": 90}),
        ("difficulty-adaptive", 3, {"policy.shares.evolver": 0.2, "policy.shares.user": 0.7}),
    ],
)
def test_run_equals_cli_run_csv(tmp_path, repo, cli, policy, seed, sets):
    scenario = repo / "scenarios" / "baseline.toml"
    args = [str(cli), "run", str(scenario), "--out", str(tmp_path / "cli"), "--quiet"]
    if policy:
        args += ["--policy", policy]
    if seed is not None:
        args += ["--seed", str(seed)]
    for k, v in sets.items():
        args += ["--set", f"{k}={v}"]
    subprocess.run(args, check=True)
    (row,) = read_csv(tmp_path / "cli" / "run.csv")

    sc = triad.load(scenario)
    sc.update(sets)
    r = triad.run(sc, policy=policy, seed=seed)

    assert r.seed == int(row["seed"]) and r.scenario == row["scenario"]
    metrics = [k for k in row if k not in ("scenario", "seed")]
    assert list(r.summary) == metrics
    differ = [k for k in metrics if not same(r.summary[k], row[k])]
    assert differ == [], {k: (r.summary[k], row[k]) for k in differ}

    series = read_csv(tmp_path / "cli" / "timeseries.csv")
    assert list(r.timeseries) == list(series[0])
    for name, values in r.timeseries.items():
        differ = [k for k, (v, s) in enumerate(zip(values, series)) if not same(v, s[name])]
        assert len(values) == len(series) and differ == [], name


def test_keyword_overrides_are_set_changes(repo):
    sc = triad.load(repo / "scenarios" / "baseline.toml")
    by_kw = triad.run(sc, seed=5, budget=40, workload__arrival_per_hour=100.0)
    sc.set("budget", 40)
    sc.set("workload.arrival_per_hour", 100.0)
    by_set = triad.run(sc, seed=5)
    assert by_kw.summary == by_set.summary
    assert by_kw.summary["spend_total"] <= 40.0
    # and they changed something: the baseline's budget is 300
    assert triad.run(repo / "scenarios" / "baseline.toml", seed=5).summary != by_kw.summary


def test_from_toml_runs_like_the_file(repo):
    path = repo / "scenarios" / "baseline.toml"
    a = triad.run(triad.Scenario.from_toml(path.read_text()), seed=2)
    b = triad.run(triad.load(path), seed=2)
    assert a.summary == b.summary


def test_frames(repo):
    r = triad.run(repo / "scenarios" / "baseline.toml", horizon_hours=96.0)
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    ts = r.to_pandas()
    assert list(ts.columns) == list(r.timeseries) and len(ts) == len(r.timeseries["hour"])
    assert ts["hour"].tolist() == r.timeseries["hour"]
    one = r.to_polars("summary")
    assert one.shape == (1, 2 + len(r.summary)) and one["yield"][0] == r.summary["yield"]
    undefined = [k for k, v in r.summary.items() if v is None]
    for k in undefined:
        assert math.isnan(r.to_pandas("summary")[k][0])
    assert isinstance(pd.DataFrame, type) and isinstance(pl.DataFrame, type)


def test_policies_list_the_builtins():
    ps = {p.kind: p for p in triad.policies()}
    assert set(ps) == {"static", "struggle-adaptive", "difficulty-adaptive", "corpus-advice"}
    default, meaning = ps["static"].params["shares"]
    assert default["evolver"] == 0.1 and meaning
