"""Ctrl-C during a sweep from Python: KeyboardInterrupt after the runs in flight, a folder
that the same call resumes to the bytes of an uninterrupted sweep."""

import signal
import subprocess
import sys
import time

import triad
from conftest import small_plan

SCRIPT = """
import sys, triad
try:
    triad.sweep(sys.argv[1], threads=1, out=sys.argv[2])
except KeyboardInterrupt as e:
    print("KeyboardInterrupt:", e)
    sys.exit(3)
print("finished")
"""


def test_ctrl_c_stops_a_sweep_cleanly_and_it_resumes(tmp_path, repo):
    plan = small_plan(tmp_path, repo, replications=30, horizon=240.0)
    out = tmp_path / "out"
    p = subprocess.Popen([sys.executable, "-c", SCRIPT, str(plan), str(out)],
                         stdout=subprocess.PIPE, text=True)
    # Wait for the first runs to be committed, then press Ctrl-C.
    runs = out / "runs.csv"
    deadline = time.time() + 60
    while time.time() < deadline and (not runs.exists() or runs.read_text().count("\n") < 3):
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    stdout, _ = p.communicate(timeout=120)
    assert p.returncode == 3, stdout
    assert "rerun the same command to resume" in stdout
    done = runs.read_text().count("\n") - 1
    assert 0 < done < 120, done
    # The same call resumes; the result is an uninterrupted sweep's, byte for byte.
    res = triad.sweep(plan, threads=2, out=out)
    assert len(res.runs) == 120
    triad.sweep(plan, threads=2, out=tmp_path / "whole")
    assert runs.read_bytes() == (tmp_path / "whole" / "runs.csv").read_bytes()
    # The flag was cleared: the next call in the same process runs.
    assert triad.run(repo / "scenarios" / "baseline.toml", horizon_hours=24.0).summary["yield"] > 0
