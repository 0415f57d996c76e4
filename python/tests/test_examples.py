"""The interop examples under examples/python/ run at small size (each asserts its own
result)."""

import sys

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "examples" / "python"))


def test_ema_workbench_perform_experiments():
    pytest.importorskip("ema_workbench")
    import ema_workbench_model

    ema_workbench_model.main(scenarios=4, policies=3)


def test_salib_saltelli_sample_analysed():
    pytest.importorskip("SALib")
    import salib_sobol

    si = salib_sobol.main(n=16)
    assert len(si["ST"]) == 3


def test_optuna_study():
    pytest.importorskip("optuna")
    import optuna_split

    study = optuna_split.main(trials=12)
    assert len(study.trials) == 12
