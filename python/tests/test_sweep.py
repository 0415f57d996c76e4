"""Sweeps from Python are the CLI's: the frame is runs.csv, resume and thread counts keep
the bytes."""

import csv
import math

import pytest

import triad
from conftest import small_plan


def test_sweep_frame_equals_runs_csv(tmp_path, repo):
    plan = small_plan(tmp_path, repo)
    res = triad.sweep(plan, threads=2, out=tmp_path / "out")
    assert res.failed is None
    with open(tmp_path / "out" / "runs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(res.runs) == len(rows) == 2 * 2 * 2
    for name, values in res.runs.columns.items():
        for v, row in zip(values, rows):
            field = row[name]
            if field == "":
                assert v is None, name
            elif isinstance(v, str):
                assert v == field, name
            elif isinstance(v, int):
                assert v == int(field), name
            else:
                assert v == float(field) or (math.isnan(v) and field == "NaN"), name
    pd = pytest.importorskip("pandas")
    frame = res.to_pandas()
    ref = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert list(frame.columns) == list(ref.columns)
    pd.testing.assert_frame_equal(frame, ref, check_dtype=False)
    summary = res.to_pandas("summary.csv")
    pd.testing.assert_frame_equal(summary, pd.read_csv(tmp_path / "out" / "summary.csv"), check_dtype=False)


def test_sweep_bytes_do_not_depend_on_threads_and_a_rerun_resumes(tmp_path, repo):
    plan = small_plan(tmp_path, repo)
    triad.sweep(plan, threads=1, out=tmp_path / "one")
    triad.sweep(plan, threads=2, out=tmp_path / "two")
    one = (tmp_path / "one" / "runs.csv").read_bytes()
    assert one == (tmp_path / "two" / "runs.csv").read_bytes()
    # Rerun into its own folder: nothing is run again, nothing changes.
    again = triad.sweep(plan, out=tmp_path / "one")
    assert (tmp_path / "one" / "runs.csv").read_bytes() == one
    assert '"runs_this_session": 0' in (tmp_path / "one" / "manifest.json").read_text()
    assert len(again.runs) == 8


def test_sweep_refuses_a_folder_of_another_command(tmp_path, repo):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="--force"):
        triad.sweep(small_plan(tmp_path, repo), out=tmp_path / "busy")


# small_plan's plan (conftest.py) as a dict, with 2 replications and 48 hours.
SMALL = {
    "title": "python test sweep",
    "seed": 11,
    "replications": 2,
    "base": {"name": "pytest", "horizon_hours": 48.0, "budget": 20.0},
    "axis": [{"path": "workload.arrival_per_hour", "values": [50.0, 150.0]}],
    "policy": [{"label": "static", "kind": "static"},
               {"label": "struggle", "kind": "struggle-adaptive"}],
}


def test_a_dict_plan_is_the_plan_from_its_file(tmp_path, repo):
    plan = small_plan(tmp_path, repo)
    from_file = triad.sweep(plan, threads=2, out=tmp_path / "file")
    from_dict = triad.sweep(SMALL, threads=1, out=tmp_path / "dict")
    assert from_dict.runs.columns == from_file.runs.columns
    runs = (tmp_path / "file" / "runs.csv").read_bytes()
    assert (tmp_path / "dict" / "runs.csv").read_bytes() == runs
    pd = pytest.importorskip("pandas")
    pd.testing.assert_frame_equal(from_dict.to_pandas(), from_file.to_pandas())
    # The folder is the plan's, not the file's: the file's sweep resumes the dict's folder.
    triad.sweep(plan, out=tmp_path / "dict")
    assert '"runs_this_session": 0' in (tmp_path / "dict" / "manifest.json").read_text()
    assert (tmp_path / "dict" / "runs.csv").read_bytes() == runs


def test_a_plan_as_toml_text_reads_its_base_from_base_dir(tmp_path, repo):
    text = (
        'seed = 3\nreplications = 2\nbase = "baseline.toml"\n'
        '[[axis]]\npath = "horizon_hours"\nvalues = [24.0, 48.0]\n'
    )
    res = triad.sweep(text, out=tmp_path / "t", base_dir=repo / "scenarios", name="text")
    assert len(res.runs) == 4 and res.failed is None
    assert '"sweep_file": "text"' in (tmp_path / "t" / "manifest.json").read_text()
    with pytest.raises(triad.ScenarioError) as e:
        triad.sweep(text, out=tmp_path / "u", base_dir=tmp_path, name="text")
    assert (e.value.file, e.value.line) == ("text", 3), str(e.value)


def test_a_dict_plan_s_mistakes_are_located(tmp_path):
    with pytest.raises(triad.ScenarioError) as e:
        triad.sweep({**SMALL, "replications": 0}, out=tmp_path / "bad")
    lines = triad.plan_text({**SMALL, "replications": 0}).splitlines()
    assert e.value.file == "plan" and lines[e.value.line - 1] == "replications = 0"
    assert "replications" in e.value.message and "at least 1" in e.value.message
    with pytest.raises(TypeError, match=r"base\.budget: NoneType has no TOML form"):
        triad.sweep({**SMALL, "base": {"budget": None}}, out=tmp_path / "bad")
    assert not (tmp_path / "bad").exists()
