"""Where each claim holds: tables cut per dataset, a verdict per dataset and condition."""

import pandas as pd
import pytest

from dltips.claims import Claim
from dltips.claims.settings import ClaimSettings
from dltips.claims.conditions import condition_rows, conditions_html, datasets_of, headline_tables, restrict
from dataclasses import replace

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


def verdict(ev, settings):
    return compare(ev["runs"]["gain"], 0.0, ">", "gain")


class WithHeadline(ClaimSettings):
    headline: dict = {}


def test_a_claim_without_conditions_gets_its_verdict_per_dataset_and_never_a_pooled_one():
    claim = Claim("c", "t", "s", evidence, verdict, lambda *a: None)
    headline = verdict(evidence(headline_tables(TABLES, "mnist1d"), ClaimSettings()), ClaimSettings())
    rows = condition_rows(claim, TABLES, ClaimSettings(), "mnist1d", headline)
    got = {r["dataset"]: (r["verdict"], r["headline"]) for r in rows}
    # mnist1d's gains are all positive, digits' all negative: pooled they would straddle 0
    assert got == {"mnist1d": ("reproduced", True), "digits": ("not reproduced", False)}
    assert [r["value"] for r in rows if r["dataset"] == "digits"] == [pytest.approx(-0.255)]


def test_a_claim_with_conditions_is_judged_per_condition_and_the_configured_headline_is_marked():
    def per_init(tables, settings):
        runs = tables["runs"]
        return [({"init": i}, compare(g["gain"], 0.0, ">", "gain")) for i, g in runs.groupby("init")]

    claim = Claim("c", "t", "s", evidence, verdict, lambda *a: None, conditions=per_init)
    he = RUNS[(RUNS.dataset == "mnist1d") & (RUNS.init == "he")]
    final = replace(compare(he["gain"], 0.0, ">", "gain"), verdict=INCONCLUSIVE, why="fragile on half the seeds")
    rows = condition_rows(claim, TABLES, WithHeadline(headline={"init": "he"}), "mnist1d", final)
    assert [(r["dataset"], r["condition"], r["headline"]) for r in rows] == [
        ("digits", "init=default", False), ("digits", "init=he", False),
        ("mnist1d", "init=default", False), ("mnist1d", "init=he", True)]
    # the headline row carries the claim's final verdict (its second look), never a contradiction
    assert [r["verdict"] for r in rows if r["headline"]] == [INCONCLUSIVE]
    assert [r["verdict"] for r in rows if r["condition"] == "init=default"] == ["not reproduced", "reproduced"]
    page = conditions_html(pd.DataFrame(rows))
    assert page.count('class="box"') == 4 + 3 and "(headline)" in page and "init=he" in page


def test_a_headline_the_claim_resolved_itself_or_the_study_did_not_train_still_gets_one_row():
    def per_init(tables, settings):
        runs = tables["runs"]
        return [({"init": i}, compare(g["gain"], 0.0, ">", "gain")) for i, g in runs.groupby("init")]

    claim = Claim("c", "t", "s", evidence, verdict, lambda *a: None, conditions=per_init)
    # "deepest" names no row: the row whose numbers the headline verdict reports is the headline
    he = compare(RUNS[(RUNS.dataset == "mnist1d") & (RUNS.init == "he")]["gain"], 0.0, ">", "gain")
    rows = condition_rows(claim, TABLES, WithHeadline(headline={"init": "deepest"}), "mnist1d", he)
    assert [(r["dataset"], r["condition"]) for r in rows if r["headline"]] == [("mnist1d", "init=he")]
    # a headline condition this study never trained: a row of its own, first, with the final verdict
    absent = compare([], 0.0, ">", "gain")
    rows = condition_rows(claim, TABLES, WithHeadline(headline={"init": "xavier"}), "mnist1d", absent)
    assert [(r["dataset"], r["condition"], r["headline"]) for r in rows][0] == ("mnist1d", "init=xavier", True)
    assert sum(r["headline"] for r in rows) == 1 and len(rows) == 5
