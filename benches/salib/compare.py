#!/usr/bin/env python3
"""Side by side with SALib: triad's sensitivity indices on triad's own sample matrix.

    python3 benches/salib/compare.py OUTPUT_DIR...

For each folder written by `triad sensitivity`, reads the plan (plan.json), the design's
unit-cube coordinates and each output's values (samples.csv), gives them to SALib's
`sobol.analyze` (with `calc_second_order` as the plan has it) or `morris.analyze` (with the
plan's levels), and checks that every estimate in indices.csv equals SALib's to 1e-9
(absolute; relative for Morris effects above 1, which are in the output's units). The bootstrap intervals are drawn from different generators and are not
compared. Exits 1 on a difference, 2 on a folder it cannot read. Needs SALib (SALib==1.6.0
is the version checked).
"""
import csv
import json
import sys

import numpy as np
from SALib.analyze import morris, sobol

TOL = 1e-9


def read_folder(d):
    with open(f"{d}/plan.json") as f:
        plan = json.load(f)["plan"]
    spec = json.loads(plan["base"]["sensitivity"])
    names = [p["name"] for p in spec["parameters"]]
    outputs = [o["name"] for o in spec["outputs"]]
    with open(f"{d}/samples.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    x = np.array([[float(r[f"unit.{n}"]) for n in names] for r in rows])
    ys = {o: np.array([float(r[o]) for r in rows]) for o in outputs}
    indices = {}
    with open(f"{d}/indices.csv", newline="") as f:
        for r in csv.DictReader(f):
            v = float(r["estimate"]) if r["estimate"] else float("nan")
            indices[(r["output"], r["parameter"], r["index"])] = v
    return spec, names, x, ys, indices


def salib(spec, names, x, y):
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    m = spec["method"]
    out = {}
    if m["method"] == "sobol":
        second = m["second_order"]
        s = sobol.analyze(problem, y, calc_second_order=second, num_resamples=10, seed=1)
        for j, n in enumerate(names):
            out[(n, "S1")] = s["S1"][j]
            out[(n, "ST")] = s["ST"][j]
            if second:
                for k in range(j + 1, len(names)):
                    out[(f"{n}:{names[k]}", "S2")] = s["S2"][j, k]
    else:
        s = morris.analyze(problem, x, y, num_resamples=10, num_levels=m["levels"], seed=1)
        for j, n in enumerate(names):
            out[(n, "mu")] = s["mu"][j]
            out[(n, "mu_star")] = s["mu_star"][j]
            out[(n, "sigma")] = s["sigma"][j]
    return out


def main(dirs):
    if not dirs:
        print(__doc__, file=sys.stderr)
        return 2
    worst, bad = 0.0, 0
    for d in dirs:
        try:
            spec, names, x, ys, indices = read_folder(d)
        except (OSError, KeyError, ValueError) as e:
            print(f"{d}: cannot read the folder: {e}", file=sys.stderr)
            return 2
        compared = 0
        for o, y in ys.items():
            want = salib(spec, names, x, y)
            for (p, k), v in want.items():
                got = indices.get((o, p, k))
                if got is None:
                    print(f"{d}: {o} {p} {k}: missing from indices.csv (SALib: {v})")
                    bad += 1
                    continue
                diff = abs(got - v) / max(1.0, abs(v))
                worst = max(worst, diff)
                compared += 1
                if not diff <= TOL:
                    print(f"{d}: {o} {p} {k}: triad {got!r}, SALib {v!r} (differ by {diff:.3g})")
                    bad += 1
        print(f"{d}: {spec['method']['method']}, {len(ys)} outputs, {compared} estimates compared")
    print(f"largest difference from SALib: {worst:.3g} (tolerance {TOL})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
