"""Two studies side by side (dltips.study_diff): what differs is counted by kind."""

import pandas as pd
import pytest

from dltips.study_diff import main, pick_diff, report, run_diff, verdict_diff


def conditions(verdicts: dict, tied: str = "holds") -> pd.DataFrame:
    return pd.DataFrame([{"claim": c, "dataset": d, "condition": k, "headline": k == "all", "verdict": v,
                          "tied_rates": tied} for (c, d, k), v in verdicts.items()])


A = {("x", "mnist1d", "all"): "reproduced", ("x", "digits", "all"): "reproduced",
     ("y", "mnist1d", "depth=3"): "not reproduced", ("y", "mnist1d", "depth=5"): "inconclusive",
     ("toy", None, "all"): "reproduced"}


def test_identical_studies_differ_nowhere():
    diff = verdict_diff(conditions(A), conditions(A))
    assert (diff.compared, diff.differ, diff.decided_differently, diff.decided_on_one_side) == (5, 0, 0, 0)
    assert diff.table.empty


def test_opposite_decisions_and_one_sided_ones_are_told_apart():
    b = dict(A)
    b[("x", "digits", "all")] = "not reproduced"  # decided both times, opposite: the failure
    b[("y", "mnist1d", "depth=5")] = "reproduced"  # inconclusive on one side only
    b[("y", "digits", "depth=3")] = "reproduced"  # a condition only b has
    diff = verdict_diff(conditions(A), conditions(b))
    assert (diff.differ, diff.decided_differently, diff.decided_on_one_side, diff.only_one_side) == (2, 1, 1, 1)
    assert set(zip(diff.table.claim, diff.table.dataset)) == {("x", "digits"), ("y", "mnist1d")}


def test_a_table_with_two_rows_for_one_condition_is_refused():
    doubled = pd.concat([conditions(A), conditions(A).head(1)])
    with pytest.raises(ValueError, match="several rows"):
        verdict_diff(doubled, conditions(A))


def tuning(picks: dict) -> pd.DataFrame:
    """arm -> (pick, tied rates): the rows tuning.csv has for them (round 0 and a confirmation)."""
    rows = []
    for arm, (pick, tied) in picks.items():
        for lr in (0.001, 0.01, 0.1):
            rows.append({"arm": arm, "round": 0, "lr": lr, "chosen": lr == pick, "tied_with_pick": lr in tied})
        rows.append({"arm": arm, "round": 1, "lr": pick, "chosen": True, "tied_with_pick": False})
    return pd.DataFrame(rows)


def test_picks_are_compared_per_arm_with_their_ties():
    a = tuning({"j/none/he": (0.01, (0.1,)), "k/none/he": (0.001, ())})
    b = tuning({"j/none/he": (0.1, (0.01,)), "k/none/he": (0.001, ())})
    out = pick_diff(a, b).set_index("arm")
    assert out.loc["j/none/he", ["lr_a", "lr_b"]].tolist() == [0.01, 0.1]
    assert out.loc["j/none/he", "tied_a"] == (0.1,) and out.loc["j/none/he", "tied_b"] == (0.01,)
    assert out.loc["k/none/he", "lr_a"] == out.loc["k/none/he", "lr_b"] == 0.001
    assert pd.isna(out.loc["k/none/he", "tied_a"])


def test_runs_that_end_anywhere_else_are_counted():
    a = pd.DataFrame({"run_id": ["r1", "r2", "r3"], "final_test_accuracy": [0.5, 0.6, 0.7]})
    b = pd.DataFrame({"run_id": ["r1", "r2", "r4"], "final_test_accuracy": [0.5, 0.6000001, 0.7]})
    assert run_diff(a, b) == (2, 1)


def write_study(folder, verdicts, headline_value):
    (folder / "tables").mkdir(parents=True)
    conditions(verdicts).to_csv(folder / "conditions.csv", index=False)
    pd.DataFrame({"id": ["x", "y"], "verdict": [verdicts[("x", "mnist1d", "all")], "inconclusive"],
                  "value": [headline_value, 0.0], "ci_low": [0, 0], "ci_high": [1, 1]}).to_csv(
        folder / "claims.csv", index=False)
    tuning({"j/none/he": (0.01, ())}).to_csv(folder / "tables" / "tuning.csv", index=False)


def test_the_report_counts_each_kind_and_lists_every_headline(tmp_path, capsys):
    b = dict(A)
    b[("x", "mnist1d", "all")] = "not reproduced"
    write_study(tmp_path / "a", A, 0.3)
    write_study(tmp_path / "b", b, -0.2)
    text = report(tmp_path / "a", tmp_path / "b")
    assert "- rate picks: 0 of 1 arms pick another rate" in text
    assert "- per-condition verdicts: 1 of 5 differ; 1 decided both times in opposite directions" in text
    assert "- headline verdicts: 1 of 2 differ" in text
    assert "| x | reproduced (0.3) | not reproduced (-0.2) |" in text
    main([str(tmp_path / "a"), str(tmp_path / "b")])
    assert capsys.readouterr().out == text


def test_a_folder_that_is_not_a_judged_study_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="no conditions.csv"):
        main([str(tmp_path), str(tmp_path)])
