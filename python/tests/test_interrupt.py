"""Ctrl-C from Python: during a sweep, KeyboardInterrupt after the runs in flight, a folder
that the same call resumes to the bytes of an uninterrupted sweep; during a claim check,
KeyboardInterrupt before its next replication, and no work left running."""

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


CLAIM_SCRIPT = """
import resource, sys, time, triad
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
sc = triad.load(sys.argv[1])
sc.set("horizon_hours", 2400.0)  # ten times the claim's ten days: 144 runs, 7 CPU-seconds
print("started", flush=True)
t = time.monotonic()
try:
    triad.check_claim("9b", sc)
except KeyboardInterrupt as e:
    stopped = time.monotonic() - t
    c0, w0 = cpu(), time.monotonic()
    time.sleep(1.0)
    busy = (cpu() - c0) / (time.monotonic() - w0)
    print(f"KeyboardInterrupt: {e}|{stopped:.3f}|{busy:.3f}", flush=True)
    sys.exit(3)
print("finished")
"""


def test_ctrl_c_stops_a_claim_check_and_its_work(repo):
    """Ctrl-C in a long claim check raises KeyboardInterrupt after the replications in
    flight, and nothing keeps running: over the second after it the idle process uses
    almost no CPU (a check left running in the background would use a core or more, or on
    a machine busy with other work some tenths of one)."""
    p = subprocess.Popen([sys.executable, "-c", CLAIM_SCRIPT,
                          str(repo / "scenarios" / "claims" / "claim9b.toml")],
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "started"
    time.sleep(1.0)
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    stdout, _ = p.communicate(timeout=120)
    waited = time.monotonic() - sent
    assert p.returncode == 3, stdout
    message, stopped, busy = stdout.strip().rsplit("|", 2)
    assert "rerun the same check" in message, stdout
    # Uninterrupted, the check at this size takes 7 CPU-seconds (27 s on a busy 2-core
    # machine); stopped, it ends after the runs in flight (0.07-0.24 s there), then the
    # script sleeps its second.
    assert waited < 10, waited
    assert float(busy) < 0.05, stdout
