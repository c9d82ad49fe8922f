"""The machine look (dltips.claims.machines): a verdict judged against a study of the same config
on another machine."""

import json

import pandas as pd
import pytest

from dltips.claims import runner
from dltips.claims.grids import label
from dltips.claims.looks import second_look
from dltips.claims.machines import (DIFFERS, HOLDS, NOT_APPLICABLE, NOT_JUDGED, OWN, OtherStudy, applied,
                                    check_folder, machine_look)
from dltips.config import ConfigError, validate
from dltips.verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, Verdict

from conftest import ROOT
from test_rates import GainSettings, gain_claim, study

PROVENANCE = {"environments": [{"cpu": "AMD EPYC", "cpu_capability": "AVX2"}]}
THERE = "AMD EPYC, AVX2"


def verdict(word: str) -> Verdict:
    return Verdict(word, "a statistic", 0.1, 0.05, 0.15, 0.02, ">", 5)


def other(claims: dict, conditions: dict | None = None) -> OtherStudy:
    return OtherStudy(THERE, claims, conditions or {})


def write_study(folder, claims: pd.DataFrame, conditions: pd.DataFrame, provenance=PROVENANCE):
    folder.mkdir(parents=True, exist_ok=True)
    claims.to_csv(folder / "claims.csv", index=False)
    conditions.to_csv(folder / "conditions.csv", index=False)
    (folder / "provenance.json").write_text(json.dumps(provenance))
    return folder


def headline_look(mine: str, theirs: dict):
    look = machine_look("c", verdict(mine), [], other(theirs))
    return look.headline, applied(verdict(mine), look.headline)


def test_a_verdict_the_other_machine_shares_is_kept():
    outcome, after = headline_look(REPRODUCED, {"c": REPRODUCED})
    assert (outcome.status, after) == (HOLDS, verdict(REPRODUCED))


@pytest.mark.parametrize("theirs", [INCONCLUSIVE, NOT_REPRODUCED])
def test_a_verdict_decided_here_and_otherwise_there_is_inconclusive_and_says_what_the_other_machine_decided(theirs):
    outcome, after = headline_look(REPRODUCED, {"c": theirs})
    assert (outcome.status, after.verdict) == (DIFFERS, INCONCLUSIVE)
    assert after.why == f"another machine decides otherwise: {theirs} on {THERE}"
    assert (after.value, after.ci_low, after.ci_high) == (0.1, 0.05, 0.15)  # the numbers stay this machine's


def test_an_inconclusive_verdict_stays_as_it_was_where_the_other_machine_decides_it():
    outcome, after = headline_look(INCONCLUSIVE, {"c": REPRODUCED})
    assert (outcome.status, after) == (DIFFERS, verdict(INCONCLUSIVE))


def test_a_verdict_the_other_study_did_not_judge_is_kept_and_its_status_says_so():
    outcome, after = headline_look(REPRODUCED, {"another-claim": NOT_REPRODUCED})
    assert (outcome.status, after) == (NOT_JUDGED, verdict(REPRODUCED))


def test_each_side_reads_the_others_own_verdict_and_an_older_study_without_the_column_its_verdict(tmp_path):
    claims = pd.DataFrame({"id": ["a", "b", "c"], "verdict": [INCONCLUSIVE, INCONCLUSIVE, REPRODUCED],
                           OWN: [REPRODUCED, INCONCLUSIVE, None]})
    conditions = pd.DataFrame({"claim": ["a", "toy"], "dataset": ["digits", None], "condition": ["depth=2", "all"],
                               "verdict": [INCONCLUSIVE, NOT_REPRODUCED], OWN: [REPRODUCED, NOT_REPRODUCED]})
    read = OtherStudy.read(write_study(tmp_path / "new", claims, conditions))
    assert read.claims == {"a": REPRODUCED, "b": INCONCLUSIVE, "c": REPRODUCED}  # c: a row without it
    assert read.conditions == {("a", "digits", "depth=2"): REPRODUCED, ("toy", "", "all"): NOT_REPRODUCED}
    assert read.machine == THERE
    older = OtherStudy.read(write_study(tmp_path / "old", claims.drop(columns=OWN), conditions.drop(columns=OWN)))
    assert older.claims == {"a": INCONCLUSIVE, "b": INCONCLUSIVE, "c": REPRODUCED}
    assert older.conditions[("a", "digits", "depth=2")] == INCONCLUSIVE


# ---- the runner: the headline, every condition's row and the sentence ------------------------
def judged(theirs: OtherStudy | None, claim=None):
    tables, _ = study({2: 0.1, 4: 0.1})  # ReLU beats sigmoid at both depths: reproduced
    claim = claim or gain_claim()
    if theirs is not None:
        theirs = OtherStudy(theirs.machine, {claim.id: v for v in theirs.claims.values()},
                            {(claim.id, *k): v for k, v in theirs.conditions.items()})
    return runner.judge(claim, tables, GainSettings(), "toy", second_look, None, theirs)


def row(result, depth) -> dict:
    return next(r for r in result.rows if r["condition"] == f"depth={depth}")


def test_the_headline_its_row_every_other_row_and_the_sentence_all_carry_the_machine_look():
    result = judged(other({"any": NOT_REPRODUCED}, {("toy", "depth=2"): NOT_REPRODUCED,
                                                    ("toy", "depth=4"): INCONCLUSIVE}))
    assert (result.mine.verdict, result.final.verdict, result.machines.headline.status) == \
        (REPRODUCED, INCONCLUSIVE, DIFFERS)
    assert result.final.why == f"another machine decides otherwise: {NOT_REPRODUCED} on {THERE}"
    headline, deeper = row(result, 2), row(result, 4)
    assert (headline["headline"], headline["verdict"], headline[OWN], headline["machine_look"], headline["why"]) == \
        (True, INCONCLUSIVE, REPRODUCED, DIFFERS, result.final.why)
    assert (deeper["verdict"], deeper[OWN], deeper["machine_look"]) == (INCONCLUSIVE, REPRODUCED, DIFFERS)
    assert deeper["why"] == f"another machine decides otherwise: {INCONCLUSIVE} on {THERE}"
    assert "depth=4: " in result.findings and "(inconclusive)" in result.findings.split("depth=4: ")[1]
    assert "(inconclusive)" in result.findings.split("depth=4: ")[0]


def test_verdicts_the_other_machine_shares_leave_the_judgement_as_without_the_look():
    claim = gain_claim()
    alone = judged(None, claim)
    result = judged(other({"any": REPRODUCED}, {("toy", "depth=2"): REPRODUCED, ("toy", "depth=4"): REPRODUCED}),
                    claim)
    assert (result.final, result.findings) == (alone.final, alone.findings)
    assert [r["machine_look"] for r in result.rows] == [HOLDS, HOLDS]
    assert [r["machine_look"] for r in alone.rows] == [NOT_APPLICABLE, NOT_APPLICABLE]
    assert [{k: v for k, v in r.items() if k != "machine_look"} for r in result.rows] == \
        [{k: v for k, v in r.items() if k != "machine_look"} for r in alone.rows]


def test_the_headline_condition_takes_the_headlines_outcome_whatever_the_other_row_of_it_says():
    # the other study's row of the headline condition carries its headline verdict, which may not be
    # the condition's own (a second look made it inconclusive): the headlines are what is compared
    result = judged(other({"any": REPRODUCED}, {("toy", "depth=2"): NOT_REPRODUCED, ("toy", "depth=4"): REPRODUCED}))
    assert (result.final.verdict, row(result, 2)["machine_look"], row(result, 2)["verdict"]) == \
        (REPRODUCED, HOLDS, REPRODUCED)
    assert "(inconclusive)" not in result.findings


def test_a_condition_the_other_study_did_not_judge_is_kept():
    result = judged(other({"any": REPRODUCED}, {("toy", "depth=2"): REPRODUCED}))
    assert (row(result, 4)["verdict"], row(result, 4)["machine_look"]) == (REPRODUCED, NOT_JUDGED)


def test_judging_a_against_b_and_b_against_a_reads_the_same_two_verdicts():
    tables, _ = study({2: 0.1, 4: 0.1})
    claim = gain_claim()
    a = runner.judge(claim, tables, GainSettings(), "toy", second_look)
    b_rows = {(claim.id, "toy", label({"depth": 2})): INCONCLUSIVE, (claim.id, "toy", label({"depth": 4})): REPRODUCED}
    b = OtherStudy(THERE, {claim.id: INCONCLUSIVE}, b_rows)
    a_vs_b = runner.judge(claim, tables, GainSettings(), "toy", second_look, None, b)
    # what B reads of A: A's own verdicts, which the look at B did not change
    assert {(r["claim"], r["dataset"], r["condition"]): r[OWN] for r in a_vs_b.rows} == \
        {(r["claim"], r["dataset"], r["condition"]): r["verdict"] for r in a.rows}
    assert a_vs_b.mine == a.final


# ---- the config ------------------------------------------------------------------------------
def test_a_folder_without_a_judged_study_is_refused_naming_the_key_the_value_and_what_is_missing(tmp_path):
    (tmp_path / "claims.csv").write_text("id,verdict\n")
    problems = check_folder(str(tmp_path))
    assert problems == [f"config key 'machine_look.results': {str(tmp_path)!r} is not a finished, judged study: it "
                        "lacks conditions.csv, provenance.json (needs claims.csv, conditions.csv, provenance.json)"]
    assert check_folder(None) == []
    assert "own results folder" in check_folder("results", "results")[0]


def test_the_config_refuses_a_machine_look_at_a_folder_without_a_judged_study(tmp_path, default_config):
    schema = ROOT / "workflow/schemas/config.schema.yaml"
    assert validate(default_config, schema)["machine_look"] == {"results": None}
    with pytest.raises(ConfigError, match=r"machine_look\.results.*lacks claims\.csv, conditions\.csv, provenance"):
        validate({**default_config, "machine_look": {"results": str(tmp_path / "absent")}}, schema)
    write_study(tmp_path / "there", pd.DataFrame({"id": [], "verdict": []}),
                pd.DataFrame({"claim": [], "dataset": [], "condition": [], "verdict": []}))
    assert validate({**default_config, "machine_look": {"results": str(tmp_path / "there")}},
                    schema)["machine_look"]["results"] == str(tmp_path / "there")


# ---- through run_claim and the summary tables: claims.csv, conditions.csv and the caption ----
def test_claims_csv_conditions_csv_and_caption_show_the_machine_look(tmp_path):
    from dltips.claims import register
    from dltips.claims.conditions import conditions_table
    from dltips.claims.run import run_claim
    from dltips.claims.table import claims_table

    tables, _ = study({2: 0.1, 4: 0.1})
    claim = register(gain_claim())
    paths = {}
    for name, table in tables.items():
        paths[name] = tmp_path / f"{name}.csv"
        table.to_csv(paths[name], index=False)
    there = write_study(tmp_path / "there", pd.DataFrame({"id": [claim.id], "verdict": [NOT_REPRODUCED]}),
                        pd.DataFrame({"claim": [claim.id] * 2, "dataset": ["toy"] * 2,
                                      "condition": ["depth=2", "depth=4"], "verdict": [NOT_REPRODUCED, REPRODUCED]}))
    out = {k: tmp_path / f"c.{k}" for k in ("csv", "json", "png", "svg", "rst")} | \
        {"conditions": tmp_path / "c.conditions.csv"}
    record = run_claim(claim.id, paths, {"headline": {"depth": 2}}, out,
                       caption_template=ROOT / "workflow" / "report" / "claim.rst", headline_dataset="toy",
                       read=pd.read_csv, other=OtherStudy.read(there))
    assert (record["verdict"], record[OWN], record["machine_look"]) == (INCONCLUSIVE, REPRODUCED, DIFFERS)
    caption = out["rst"].read_text()
    assert f"Another machine ({THERE}): differs." in caption
    assert f"another machine decides otherwise: {NOT_REPRODUCED} on {THERE}" in caption
    summary = claims_table([out["json"]], [out["png"]], tmp_path / "claims.csv", tmp_path / "claims.html")
    assert (summary.loc[0, OWN], summary.loc[0, "machine_look"]) == (REPRODUCED, DIFFERS)
    assert "on another machine: differs" in (tmp_path / "claims.html").read_text()
    conditions = conditions_table([out["conditions"]], tmp_path / "conditions.csv", tmp_path / "conditions.html")
    assert list(zip(conditions.verdict, conditions[OWN], conditions.machine_look)) == \
        [(INCONCLUSIVE, REPRODUCED, DIFFERS), (REPRODUCED, REPRODUCED, HOLDS)]
    # the other side reads this study's own verdicts back: its machine look sees what this one saw
    back = OtherStudy.read(write_study(tmp_path / "here", summary, conditions))
    assert back.claims == {claim.id: REPRODUCED}
    assert back.conditions == {(claim.id, "toy", "depth=2"): REPRODUCED, (claim.id, "toy", "depth=4"): REPRODUCED}
