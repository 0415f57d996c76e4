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
