"""SALib's Saltelli sample evaluated by triad and analysed by SALib: which of two physics
parameters and the evolver share decide a week's yield."""

import argparse

import numpy as np
from SALib.analyze import sobol
from SALib.sample import sobol as sobol_sample

from common import week

PROBLEM = {
    "num_vars": 3,
    "names": ["invoke_slope", "judge_noise", "evolver_share"],
    "bounds": [[0.9, 1.8], [0.5, 1.5], [0.0, 0.3]],
}


def evaluate(x) -> float:
    return week(evolver=x[2], traits__invoke_slope=x[0], traits__judge_noise=x[1]).summary["yield"]


def main(n: int = 64, seed: int = 1) -> dict:
    X = sobol_sample.sample(PROBLEM, n, calc_second_order=False, seed=seed)
    Y = np.array([evaluate(x) for x in X])
    assert X.shape == (n * (PROBLEM["num_vars"] + 2), 3) and np.all(Y > 0)
    Si = sobol.analyze(PROBLEM, Y, calc_second_order=False, seed=seed)
    for k, name in enumerate(PROBLEM["names"]):
        print(f"{name:<14} S1 {Si['S1'][k]: .3f} ± {Si['S1_conf'][k]:.3f}   "
              f"ST {Si['ST'][k]: .3f} ± {Si['ST_conf'][k]:.3f}")
    assert np.all(np.isfinite(Si["ST"])) and np.all(np.isfinite(Si["ST_conf"]))
    return Si


if __name__ == "__main__":
    a = argparse.ArgumentParser(description=__doc__)
    a.add_argument("--n", type=int, default=64, help="base sample size (a power of 2)")
    main(a.parse_args().n)
