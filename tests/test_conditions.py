"""Where each claim holds: tables cut per dataset, a verdict per dataset and condition."""

import pandas as pd
import pytest

from dltips.claims import Claim
from dltips.claims.settings import ClaimSettings
from dataclasses import replace
from types import SimpleNamespace

from dltips.claims import runner
from dltips.claims.conditions import conditions_html, datasets_of, headline_tables, restrict
from dltips.claims.grids import Axis, Grid, select

from dltips.verdicts import INCONCLUSIVE, compare

RUNS = pd.DataFrame({
    "run_id": ["a/1", "a/2", "a/3", "a/4", "b/1", "b/2", "b/3", "b/4"],
    "job": ["a"] * 4 + ["b"] * 4,
    "dataset": ["mnist1d"] * 4 + ["digits"] * 4,
    "init": ["he", "he", "default", "default"] * 2,
    "gain": [0.2, 0.21, 0.3, 0.31, -0.2, -0.21, -0.3, -0.31],
    "seed": [0, 1, 0, 1] * 2,
})
EPOCHS = pd.DataFrame({"run_id": ["a/1", "b/1", "b/2"], "loss": [1.0, 2.0, 3.0]})
BY_JOB = pd.DataFrame({"job": ["a", "b"], "k": [1, 2]})
TOY = pd.DataFrame({"x": [1, 2]})
TABLES = {"runs": RUNS, "epochs": EPOCHS, "ensemble": BY_JOB, "toy": TOY}


def test_tables_are_cut_to_one_dataset_by_column_run_or_job_and_toy_tables_stay_whole():
    assert datasets_of(TABLES) == ["digits", "mnist1d"]
    cut = restrict(TABLES, "digits")
    assert list(cut["runs"].run_id) == ["b/1", "b/2", "b/3", "b/4"]
    assert list(cut["epochs"].loss) == [2.0, 3.0]
    assert list(cut["ensemble"].k) == [2]
    assert cut["toy"].equals(TOY)
    assert list(headline_tables(TABLES, "mnist1d")["runs"].run_id) == ["a/1", "a/2", "a/3", "a/4"]
    assert headline_tables({"toy": TOY}, "mnist1d")["toy"].equals(TOY)


def evidence(tables, settings):
    return {"runs": tables["runs"]}


def rule(ev, settings):
    return compare(ev["runs"]["gain"], 0.0, ">", "gain")


class WithHeadline(ClaimSettings):
    headline: dict = {}


PER_INIT = Grid("runs", (Axis("init"),))


def looks_kept(judge, evidence, first):
    """A second look that keeps every verdict (the looks are tested in test_looks.py)."""
    return SimpleNamespace(first=first, final=first)


def looks_fail(judge, evidence, first):
    return SimpleNamespace(first=first, final=replace(first, verdict=INCONCLUSIVE, why="fragile on half the seeds"))


def rows_of(claim, settings, looks=looks_kept):
    return runner.judge(claim, TABLES, settings, "mnist1d", looks).rows


def test_a_claim_without_conditions_gets_its_verdict_per_dataset_and_never_a_pooled_one():
    claim = Claim("c", "t", "s", evidence, lambda *a: None, rule=rule)
    rows = rows_of(claim, ClaimSettings())
    got = {r["dataset"]: (r["verdict"], r["headline"]) for r in rows}
    # mnist1d's gains are all positive, digits' all negative: pooled they would straddle 0
    assert got == {"mnist1d": ("reproduced", True), "digits": ("not reproduced", False)}
    assert [r["value"] for r in rows if r["dataset"] == "digits"] == [pytest.approx(-0.255)]


def test_a_claim_whose_verdict_reads_no_run_is_judged_once_and_about_no_dataset():
    """A toy problem or exact check reads the grid's runs as context only (Claim.reads is ()):
    one row, with no dataset, where a claim reading runs gets one per dataset."""
    toy = Claim("c", "t", "s", evidence, lambda *a: None, rule=rule, reads=lambda settings: ())
    rows = rows_of(toy, ClaimSettings())
    assert [(r["dataset"], r["headline"]) for r in rows] == [("", True)]
    reading = Claim("c", "t", "s", evidence, lambda *a: None, rule=rule, reads=lambda settings: ({"study": "a"},))
    assert sorted(r["dataset"] for r in rows_of(reading, ClaimSettings())) == ["digits", "mnist1d"]


def test_a_claim_with_conditions_is_judged_per_condition_and_the_configured_headline_is_marked():
    claim = Claim("c", "t", "s", evidence, lambda *a: None, rule=rule, grids=(PER_INIT,))
    rows = rows_of(claim, WithHeadline(headline={"init": "he"}), looks_fail)
    assert [(r["dataset"], r["condition"], r["headline"]) for r in rows] == [
        ("digits", "init=default", False), ("digits", "init=he", False),
        ("mnist1d", "init=default", False), ("mnist1d", "init=he", True)]
    # the headline row carries the claim's final verdict (its second look), never a contradiction
    assert [r["verdict"] for r in rows if r["headline"]] == [INCONCLUSIVE]
    assert [r["verdict"] for r in rows if r["condition"] == "init=default"] == ["not reproduced", "reproduced"]
    page = conditions_html(pd.DataFrame(rows))
    # the table's rows, as the page shows them before its script has run
    assert page.count(">init=he</td>") == 2 and page.count(">headline</td>") == 1


def test_a_headline_the_claim_resolves_from_its_evidence_or_the_study_did_not_train_still_gets_one_row():
    # the claim names its headline from the data (here: the init with the larger mean gain)
    best = lambda ev, s: {"init": ev["runs"].groupby("init").gain.mean().idxmax()}  # noqa: E731
    claim = Claim("c", "t", "s", evidence, lambda *a: None, rule=rule, grids=(PER_INIT,), headline=best)
    rows = rows_of(claim, ClaimSettings())
    assert [(r["dataset"], r["condition"]) for r in rows if r["headline"]] == [("mnist1d", "init=default")]
    # a headline condition this study never trained: a row of its own, first, inconclusive for want of data
    claim = Claim("c", "t", "s", evidence, lambda *a: None, rule=rule, grids=(PER_INIT,))
    rows = rows_of(claim, WithHeadline(headline={"init": "xavier"}))
    assert [(r["dataset"], r["condition"], r["headline"], r["verdict"]) for r in rows][0] == (
        "mnist1d", "init=xavier", True, INCONCLUSIVE)
    assert rows[0]["why"].startswith("no data") and sum(r["headline"] for r in rows) == 1 and len(rows) == 5


def test_a_headline_spanning_several_conditions_is_their_rule_combined_with_parts_named_by_the_free_axis():
    runs = pd.DataFrame({"dataset": "mnist1d", "init": ["he"] * 6 + ["xavier"] * 6, "act": ["elu", "selu"] * 6,
                         "gain": [0.2, -0.1, 0.21, -0.11, 0.2, -0.1, 0.3, 0.1, 0.31, 0.11, 0.3, 0.1],
                         "seed": [0, 0, 1, 1, 2, 2] * 2})
    grid = Grid("runs", (Axis("init"), Axis("act", levels=lambda s: ["selu", "elu"])))
    claim = Claim("c", "t", "s", evidence, lambda *a: None, rule=rule, grids=(grid,))
    judged = runner.judge(claim, {"runs": runs}, WithHeadline(headline={"init": "he"}), "mnist1d", looks_kept)
    # every activation must improve at he: selu does not, so the claim is not reproduced, by selu's numbers
    assert judged.first.verdict == "not reproduced" and judged.first.parts[0].name == "selu"
    assert {p.name for p in judged.first.parts} == {"selu", "elu"}
    # the declared levels' order, not the alphabet; the headline gets a row of its own
    assert [r["condition"] for r in judged.rows] == ["init=he", "init=he, act=selu", "init=he, act=elu",
                                                     "init=xavier, act=selu", "init=xavier, act=elu"]
    assert [r["headline"] for r in judged.rows] == [True, False, False, False, False]
    assert judged.findings.startswith("Per condition: init=he, act=selu: ")


def test_a_flag_level_selects_the_rows_its_column_marks_once_per_combination_of_the_other_axes():
    pairs = pd.DataFrame({"width": [100, 100, 400, 400], "rate": [0.1, 0.5, 0.1, 0.5],
                          "chosen": [False, True, True, False], "seed": 0})
    grid = Grid("pairs", (Axis("width", int), Axis("rate", float, flags={"validation": "chosen"})))
    found = grid.conditions({"pairs": pairs}, ClaimSettings())
    assert found == [{"width": 100, "rate": 0.1}, {"width": 100, "rate": 0.5}, {"width": 400, "rate": 0.1},
                     {"width": 400, "rate": 0.5}, {"width": 100, "rate": "validation"},
                     {"width": 400, "rate": "validation"}]
    chosen = select({"pairs": pairs, "check": pd.DataFrame({"error": [0.0]})}, grid, {"width": 400, "rate": "validation"})
    assert list(chosen["pairs"].rate) == [0.1]
    assert len(chosen["check"]) == 1  # a table without the axes is the same in every condition
    assert list(select({"pairs": pairs}, grid, {"width": 100, "rate": 0.5})["pairs"].chosen) == [True]


def test_a_claim_with_no_condition_in_any_dataset_still_names_its_headline_dataset():
    """A grid the study never trained (here: an axis no table has) leaves only the headline's
    row: it belongs to the headline dataset where the tables name datasets, to none where not."""
    claim = Claim("c", "t", "s", evidence, lambda *a: None, rule=rule, grids=(Grid("runs", (Axis("width", int),)),))
    rows = rows_of(claim, WithHeadline(headline={"width": 400}))
    assert [(r["dataset"], r["condition"], r["headline"], r["verdict"]) for r in rows] == [
        ("mnist1d", "width=400", True, INCONCLUSIVE)]
    toy = runner.judge(claim, {"runs": RUNS.drop(columns="dataset")}, WithHeadline(headline={"width": 400}),
                       "mnist1d", looks_kept).rows
    assert [r["dataset"] for r in toy] == [""]


def test_the_conditions_table_keeps_a_looks_status_n_a_as_written(tmp_path):
    """"n/a" (no tied runs, no other machine) is a status, not a missing value: pandas' default
    reading would turn it into an empty cell of conditions.csv."""
    from dltips.claims.conditions import COLUMNS, conditions_table

    one = tmp_path / "c.conditions.csv"
    row = {**dict.fromkeys(COLUMNS, ""), "claim": "c", "condition": "all", "headline": True, "verdict": "reproduced",
           "statistic": "s", "value": 0.5, "ci_low": 0.4, "ci_high": 0.6, "direction": ">", "threshold": 0.0, "n": 5,
           "tied_rates": "n/a", "verdict_this_machine": "reproduced", "machine_look": "n/a"}
    pd.DataFrame([row]).to_csv(one, index=False)
    table = conditions_table([one], tmp_path / "conditions.csv", tmp_path / "conditions.html")
    assert (table.tied_rates[0], table.machine_look[0]) == ("n/a", "n/a")
    written = pd.read_csv(tmp_path / "conditions.csv", dtype=str, keep_default_na=False)
    assert (written.tied_rates[0], written.machine_look[0], written.dataset[0]) == ("n/a", "n/a", "")
