"""Overhead of a Python `triad.run` call over the CLI's run of the same scenario.

Both run scenarios/baseline.toml with seed 1, several times each; medians. The CLI's
manifest records the wall time of its simulation alone (`wall_s`), so the binding's own
cost is the Python call's median over the CLI's simulation median; the CLI's whole
process (start, read, simulate, write the CSVs) is printed beside it.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import triad

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    a = argparse.ArgumentParser(description=__doc__)
    a.add_argument("--bin", default=str(REPO / "target" / "release" / "triad"))
    a.add_argument("--repeats", type=int, default=15)
    a.add_argument("--scenario", default=str(REPO / "scenarios" / "baseline.toml"))
    args = a.parse_args()
    sc = triad.load(args.scenario)
    triad.run(sc)  # warm-up
    py = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        r = triad.run(sc, seed=1)
        py.append(time.perf_counter() - t)
    sim, proc = [], []
    with tempfile.TemporaryDirectory() as d:
        for _ in range(args.repeats + 1):
            t = time.perf_counter()
            subprocess.run([args.bin, "run", args.scenario, "--seed", "1", "--out", d, "--quiet"],
                           check=True)
            proc.append(time.perf_counter() - t)
            sim.append(json.loads((Path(d) / "manifest.json").read_text())["wall_s"])
            row = (Path(d) / "run.csv").read_text().splitlines()[1].split(",")
    sim, proc = sim[1:], proc[1:]  # the first CLI run warms the file cache
    assert float(row[2]) == r.summary["yield"], "the two runs differ"
    mp, ms, mc = statistics.median(py), statistics.median(sim), statistics.median(proc)
    print(f"{args.repeats} repeats of {Path(args.scenario).name}, seed 1 (medians)")
    print(f"  Python triad.run call       {mp * 1e3:8.2f} ms")
    print(f"  CLI simulation (wall_s)     {ms * 1e3:8.2f} ms")
    print(f"  CLI whole process           {mc * 1e3:8.2f} ms")
    print(f"overhead of the Python call over the CLI's simulation: {100 * (mp / ms - 1):+.1f}%")
    print(f"Python call against the CLI's whole process:          {100 * (mp / mc - 1):+.1f}%")


if __name__ == "__main__":
    sys.exit(main())
