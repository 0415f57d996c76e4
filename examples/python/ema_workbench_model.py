"""triad as an EMA Workbench model: uncertainties are physics parameters, levers the
budget split and the user tier, outcomes yield and spend; run by perform_experiments."""

import argparse

import numpy as np
from ema_workbench import (CategoricalParameter, Model, RealParameter, ScalarOutcome,
                           perform_experiments)

from common import TIERS, WEEK, week


def triad_week(invoke_slope=1.336, judge_noise=0.98, evolver_share=0.1,
               verifier_share=0.1, user_tier="32B"):
    r = week(user_tier=user_tier, evolver=evolver_share, verifier=verifier_share,
             traits__invoke_slope=invoke_slope, traits__judge_noise=judge_noise)
    return {"yield": r.summary["yield"], "spend": r.summary["spend_total"]}


def model() -> Model:
    m = Model("triad", function=triad_week)
    m.uncertainties = [
        RealParameter("invoke_slope", 0.9, 1.8),   # how sharply skill decides harness use
        RealParameter("judge_noise", 0.5, 1.5),    # verifier vote noise
    ]
    m.levers = [
        RealParameter("evolver_share", 0.0, 0.3),
        RealParameter("verifier_share", 0.0, 0.2),
        CategoricalParameter("user_tier", TIERS),
    ]
    m.outcomes = [ScalarOutcome("yield"), ScalarOutcome("spend")]
    return m


def main(scenarios: int = 8, policies: int = 6) -> None:
    experiments, outcomes = perform_experiments(model(), scenarios=scenarios, policies=policies)
    n = scenarios * policies
    assert len(experiments) == n and outcomes["yield"].shape == (n,)
    assert np.all(outcomes["spend"] <= WEEK["budget"] + 1e-9), "spend over the budget"
    assert np.all(outcomes["yield"] > 0)
    by_tier = experiments.assign(yld=outcomes["yield"]).groupby("user_tier", observed=True)["yld"]
    print(by_tier.describe()[["count", "mean", "min", "max"]].to_string())
    # A model run is a pure function of its inputs: the first experiment again, the same yield.
    e = experiments.iloc[0]
    again = triad_week(e["invoke_slope"], e["judge_noise"], e["evolver_share"],
                       e["verifier_share"], e["user_tier"])
    assert again["yield"] == outcomes["yield"][0]


if __name__ == "__main__":
    a = argparse.ArgumentParser(description=__doc__)
    a.add_argument("--scenarios", type=int, default=8)
    a.add_argument("--policies", type=int, default=6)
    args = a.parse_args()
    main(args.scenarios, args.policies)
