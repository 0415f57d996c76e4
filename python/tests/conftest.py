"""Shared fixtures: the repository, the release binary the CLI comparisons run."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `triad` binary (TRIAD_BIN, else target/release/triad, built if missing)."""
    b = Path(os.environ.get("TRIAD_BIN", REPO / "target" / "release" / "triad"))
    if not b.exists():
        subprocess.run(["cargo", "build", "--release"], cwd=REPO, check=True)
    assert b.exists(), f"no triad binary at {b}"
    return b


def small_plan(tmp: Path, repo: Path, replications: int = 2, horizon: float = 48.0) -> Path:
    """A sweep of 2 arrival rates x 2 policies x `replications` in the default world."""
    p = tmp / "plan.toml"
    p.write_text(
        f"""title = "python test sweep"
seed = 11
replications = {replications}

[base]
name = "pytest"
horizon_hours = {horizon}
budget = 20.0

[[axis]]
path = "workload.arrival_per_hour"
values = [50.0, 150.0]

[[policy]]
label = "static"
kind = "static"

[[policy]]
label = "struggle"
kind = "struggle-adaptive"
""",
        encoding="utf-8",
    )
    return p
