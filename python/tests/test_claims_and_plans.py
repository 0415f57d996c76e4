"""check_claim is the CLI's check-claim; sensitivity runs a plan into its folder."""

import re
import subprocess
from pathlib import Path

import triad


def test_check_claim_matches_the_cli(repo, cli):
    c = triad.check_claim(2, quick=True)
    out = subprocess.run([str(cli), "check-claim", "2", str(repo / "scenarios" / "claims" / "claim2.toml"),
                          "--quick"], capture_output=True, text=True)
    assert out.returncode == (0 if c.holds else 1)
    # Every measured value the CLI prints (4 decimals) is the one Python got.
    for m in c.measured:
        assert f"{m.label} = {m.mean:.4f} [{m.lo:.4f}, {m.hi:.4f}]" in out.stdout
    assert len(re.findall(r"^  \[[x ]\] ", out.stdout, re.M)) == len(c.criteria)
    assert all(m.lo <= m.mean <= m.hi for m in c.measured)


def test_check_claim_on_a_scenario_from_text(repo):
    text = (repo / "scenarios" / "claims" / "claim2.toml").read_text()
    a = triad.check_claim(2, triad.Scenario.from_toml(text), quick=True)
    b = triad.check_claim(2, repo / "scenarios" / "claims" / "claim2.toml", quick=True)
    assert a.measured == b.measured and a.holds == b.holds


def test_sensitivity_plan(tmp_path, repo):
    res = triad.sensitivity(repo / "scenarios" / "sensitivity" / "ishigami.toml", out=tmp_path / "s")
    t = res.table()
    assert (tmp_path / "s" / "indices.csv").exists() and len(t) > 0
    assert "parameter" in t.columns or any("param" in c for c in t.columns)


def test_check_claim_from_any_directory_uses_the_built_in_scenario(tmp_path, monkeypatch, repo):
    """Without scenarios/claims/ in the working directory the check reads the copy built into
    the package: the shipped file's bytes, and the check's numbers on the repository's file."""
    shipped = repo / "scenarios" / "claims" / "claim2.toml"
    monkeypatch.chdir(tmp_path)
    c = triad.check_claim("2", quick=True)
    used = Path(c.file)
    assert used.is_absolute() and repo not in used.parents and tmp_path not in used.parents
    assert used.read_bytes() == shipped.read_bytes()
    ref = triad.check_claim("2", shipped, quick=True)
    assert c.measured == ref.measured and c.holds == ref.holds
