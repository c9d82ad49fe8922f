"""A claim's declarations: what registering checks, how its headline is read, how its named
evidence tables are written as one CSV."""

import sys
import types

import pandas as pd
import pytest

from dltips.claims import Claim, LayerReads, declare, register
from dltips.claims import runner
from dltips.claims.conditions import headline_of
from dltips.claims.grids import Axis, Grid
from dltips.claims.evidence import as_one_table
from dltips.claims.settings import ClaimSettings, setting
from dltips.verdicts import compare


class Sweep(ClaimSettings):
    study: str = setting("depth", "the sweep read")
    epoch: int = setting(0, "the epoch read", ge=0)


def claim(**declared) -> Claim:
    return Claim(**{"id": "registry-test", "title": "t", "source": "s", "evidence": lambda t, s: {},
                    "figure": lambda *a: None, "rule": lambda e, s: None, **declared})


def test_a_claim_whose_layer_or_curve_reads_name_no_setting_is_refused():
    with pytest.raises(ValueError, match=r"\['epcoh'\], which are not fields of its settings \(study, epoch\)"):
        register(claim(settings=Sweep, layers=LayerReads(("study",), ("epcoh",))))
    with pytest.raises(ValueError, match=r"\['grid_study'\]"):
        register(claim(settings=Sweep, curves=("grid_study",)))



def claim_module(monkeypatch, name: str, **defined) -> str:
    """A module named `name` defining `defined`, as a claim module would (importable by its name)."""
    module = types.ModuleType(name)
    vars(module).update(defined)
    monkeypatch.setitem(sys.modules, name, module)
    return name


def test_a_module_declares_its_claim_by_the_conventional_names_of_its_parts(monkeypatch):
    def evidence(tables, settings): return {}
    def rule(ev, settings): return None
    def figure(tables, ev, v, settings): return None
    def headline(ev, settings): return {}
    grids = (Grid("runs", (Axis("init"),)),)
    name = claim_module(monkeypatch, "declared_claim", ID="declared-test", evidence=evidence, rule=rule, figure=figure,
                        Settings=Sweep, GRIDS=grids, headline=headline, helper=lambda: None)
    c = declare(name, title="t", source="s", tables=("runs",), layers=LayerReads(("study",), ("epoch",)))
    assert (c.id, c.evidence, c.rule, c.figure, c.settings, c.grids, c.headline) == (
        "declared-test", evidence, rule, figure, Sweep, grids, headline)
    # what the module does not define keeps the Claim's default
    assert (c.combine, c.findings, c.tables) == (None, None, ("runs",))


def test_a_module_missing_a_part_or_naming_one_twice_is_refused(monkeypatch):
    parts = {"ID": "refused-test", "evidence": lambda t, s: {}, "figure": lambda *a: None}
    with pytest.raises(ValueError, match=r"'no_rule' defines no rule: .* names its parts ID, evidence, rule, figure"):
        declare(claim_module(monkeypatch, "no_rule", **parts), title="t", source="s")
    twice = claim_module(monkeypatch, "twice", **parts, rule=lambda e, s: None)
    with pytest.raises(ValueError, match=r"\['rule'\] given as arguments although the module defines \['rule'\]"):
        declare(twice, title="t", source="s", rule=lambda e, s: None)

class Optional(ClaimSettings):
    class Headline(ClaimSettings):
        optimizer: str | None = None
        activation: str | None = None

    headline: Headline = Headline()


def test_a_headline_axis_left_unset_is_no_part_of_the_headline():
    assert headline_of(Optional(headline={"optimizer": "adam"})) == {"optimizer": "adam"}
    assert headline_of(Optional()) == {} and headline_of(ClaimSettings()) == {}


def test_a_headline_naming_nothing_spans_every_condition_and_gets_a_row_of_its_own():
    runs = pd.DataFrame({"init": ["he"] * 3 + ["xavier"] * 3, "gain": [0.1, 0.11, 0.12, -0.1, -0.11, -0.12]})
    c = claim(rule=lambda e, s: compare(e["runs"].gain, 0.0, ">", "gain"), grids=(Grid("runs", (Axis("init"),)),),
              evidence=lambda t, s: t)
    judged = runner.judge(c, {"runs": runs}, Optional(), None, lambda judge, ev, first: type("L", (), {
        "first": first, "final": first})())
    # every init must hold: xavier does not, so the claim is not reproduced, by xavier's numbers
    assert judged.first.verdict == "not reproduced" and judged.first.parts[0].name == "xavier"
    assert [(r["condition"], r["headline"]) for r in judged.rows] == [("all", True), ("init=he", False),
                                                                       ("init=xavier", False)]


def test_named_tables_are_stacked_under_a_table_column_and_one_table_is_written_as_it_is():
    a, b = pd.DataFrame({"seed": [0, 1], "gain": [0.1, 0.2]}), pd.DataFrame({"error": [1e-12]})
    stacked = as_one_table({"gains": a, "check": b})
    assert list(stacked.columns) == ["table", "seed", "gain", "error"]
    assert list(stacked.table) == ["gains", "gains", "check"]
    pd.testing.assert_frame_equal(as_one_table({"gains": a}), a)
    assert list(as_one_table({"a": pd.DataFrame(), "b": pd.DataFrame()}).columns) == ["table"]


def test_the_judge_gives_a_claim_its_tables_with_their_declared_types_even_when_empty(tmp_path):
    """A claim reads runs.csv with bool and int columns as such, also where no run was trained
    (a header alone, which a plain CSV reader types as text)."""
    from dltips.claims.run import run_claim
    from dltips.tables import empty, write_table

    write_table("runs", tmp_path / "runs.csv", empty("runs"))
    seen = {}

    def evidence(tables, settings):
        seen.update(diverged=tables["runs"].diverged.dtype, seed=tables["runs"].seed.dtype)
        return {"gains": pd.DataFrame({"seed": [], "gain": []})}

    def figure(tables, ev, v, settings):
        import matplotlib.pyplot as plt

        return plt.figure()

    c = register(Claim("typed-tables-test", "t", "s", evidence, figure,
                       rule=lambda e, s: compare(e["gains"].gain, 0, ">", "g"), tables=("runs",)))
    run_claim(c.id, {"runs": tmp_path / "runs.csv"}, {}, {k: tmp_path / f"out.{k}" for k in ("csv", "json", "png",
                                                                                             "svg")})
    assert seen == {"diverged": bool, "seed": "int64"}
