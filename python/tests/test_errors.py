"""Problems raise ScenarioError located as on the command line."""

import pytest

import triad


def test_bad_value_and_unknown_key_are_located():
    text = "budget = -1\nhorizon_hours = 2.0\n[policy]\nkind = 'static'\nfoo = 1\n"
    with pytest.raises(triad.ScenarioError) as e:
        triad.Scenario.from_toml(text, name="mine.toml")
    err = e.value
    assert (err.file, err.line, err.column) == ("mine.toml", 1, 10)
    assert "must be > 0" in err.message
    assert [(p[1], p[2]) for p in err.problems] == [(1, 10), (5, 1)]
    assert "unknown field `foo`" in err.problems[1][3]
    assert str(err).splitlines()[0].startswith("mine.toml:1:10: ")
    assert isinstance(err, ValueError)


def test_syntax_error_in_a_file(tmp_path):
    p = tmp_path / "broken.toml"
    p.write_text("horizon_hours = 2.0\nbudget = = 3\n")
    with pytest.raises(triad.ScenarioError) as e:
        triad.load(p)
    assert e.value.file == str(p) and e.value.line == 2


def test_a_refused_change_is_located_and_changes_nothing(repo):
    sc = triad.load(repo / "scenarios" / "baseline.toml")
    sc.set("budget", 90)
    with pytest.raises(triad.ScenarioError) as e:
        sc.set("policy.shares.evolver", 2.0)
    assert (e.value.file, e.value.line) == ("--set", 2)
    assert "must be a share in [0, 1]" in e.value.message
    assert sc.changes == ["budget=90"]
    with pytest.raises(triad.ScenarioError) as e:
        triad.run(sc, workload__arival_per_hour=3.0)
    assert "unknown field" in e.value.message


def test_unknown_policy_and_missing_file(repo, tmp_path):
    with pytest.raises(ValueError, match="no built-in policy has that name"):
        triad.run(repo / "scenarios" / "baseline.toml", policy="nope")
    with pytest.raises(triad.ScenarioError) as e:
        triad.load(tmp_path / "absent.toml")
    assert (e.value.line, e.value.column) == (1, 1) and "cannot read" in e.value.message


def test_a_claim_that_lacks_what_it_compares_is_refused(repo):
    # 9a needs a harness-search file; a world scenario is refused, saying so.
    with pytest.raises(ValueError, match="search file"):
        triad.check_claim("9a", repo / "scenarios" / "baseline.toml", quick=True)
