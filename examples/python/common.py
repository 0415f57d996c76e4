"""What the interop examples share: the baseline world for one simulated week, and one
run of it at a split of the budget and a user tier."""

from pathlib import Path

import triad

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"
WEEK = {"horizon_hours": 168.0, "budget": 70.0}
TIERS = ["8B", "32B", "70B"]


def split(evolver: float, verifier: float) -> dict:
    """Policy shares as changes: the user gets the rest."""
    return {
        "policy__shares__evolver": float(evolver),
        "policy__shares__verifier": float(verifier),
        "policy__shares__user": 1.0 - float(evolver) - float(verifier),
    }


def week(seed: int = 1, user_tier: str = "32B", evolver: float = 0.1, verifier: float = 0.1,
         **physics: float) -> triad.RunResult:
    """One week of the baseline world; `physics` keys as `traits__invoke_slope=1.2`."""
    return triad.run(BASELINE, seed=seed, policy__tiers__user=user_tier,
                     **WEEK, **split(evolver, verifier), **physics)
