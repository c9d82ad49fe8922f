"""The rate look (dltips.claims.rates) and its worlds (dltips.claims.covering): a claim judged
again with tied arms' runs at their tied rates."""

import itertools
import math
import uuid

import pandas as pd
import pytest

from dltips.claims import Claim, register, runner
from dltips.claims.covering import covering_array
from dltips.claims.grids import Axis, Grid
from dltips.claims.looks import second_look
from dltips.claims.rates import HOLDS, NO_TIES, NOT_APPLICABLE, RATE_DEPENDENT, Ties, bisect, rate_look
from dltips.claims.run import run_claim
from dltips.claims.settings import ClaimSettings
from dltips.tied import tied_name
from dltips.verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, compare

from conftest import ROOT


# ---- the covering array --------------------------------------------------------------------
@pytest.mark.parametrize("levels, strength", [
    ([2] * 12, 2), ([3, 2, 3, 2, 2, 3, 2], 2), ([2, 3, 2, 2, 3, 2, 2], 3), ([3, 3], 3), ([2, 1, 3], 2),
    ([2, 3, 2, 3], 1), ([2] * 40 + [3] * 20, 2),
])
def test_every_strength_columns_see_every_combination_of_their_levels(levels, strength):
    rows = covering_array(levels, strength)
    assert rows[0] == (0,) * len(levels)  # the study as picked comes first
    assert all(0 <= x < n for row in rows for x, n in zip(row, levels))
    t = min(strength, len(levels))
    for columns in itertools.combinations(range(len(levels)), t):
        seen = {tuple(row[c] for c in columns) for row in rows}
        assert len(seen) == math.prod(levels[c] for c in columns), columns


def test_a_covering_array_needs_far_fewer_rows_than_every_combination():
    rows = covering_array([2] * 60 + [3] * 40, 2)
    assert 9 <= len(rows) <= 40  # every combination: 2^60 * 3^40; pairs of two 3-level arms alone need 9


@pytest.mark.parametrize("bad", [0, 4, 2.0, "2", True])
def test_a_strength_outside_1_to_3_is_refused_naming_the_key_and_the_allowed_values(bad):
    with pytest.raises(ValueError, match=r"rate_look\.strength: got .*allowed values: 1, 2, 3"):
        covering_array([2, 2], bad)


# ---- a study with tied arms ----------------------------------------------------------------
SEEDS = range(5)
PICKS = {"relu": 0.003, "sigmoid": 0.1}


def study(gain_at_tie: dict, depths=(2, 4)):
    """Per depth, a ReLU arm and a sigmoid arm of 5 seeds; ReLU beats sigmoid by 0.1 at its pick.
    `gain_at_tie`: depth -> ReLU's gain at its tied rate 0.01 (sigmoid: tied at 0.3, unchanged).
    Returns (tables, tied tables)."""
    runs, tied, epochs, tied_epochs = [], [], [], []
    for depth, activation, seed in itertools.product(depths, PICKS, SEEDS):
        job = f"d{depth}-{activation}"
        arm = f"{job}/none/default"
        run_id = f"{job}-s{seed}"
        base = 0.6 + 0.01 * seed
        accuracy = base + 0.1 if activation == "relu" else base
        row = dict(run_id=run_id, job=job, dataset="toy", arm=arm, activation=activation, depth=depth, seed=seed,
                   lr=PICKS[activation], accuracy=accuracy)
        runs.append(row)
        tie_lr = 0.01 if activation == "relu" else 0.3
        at_tie = base + gain_at_tie[depth] if activation == "relu" else base + 0.001
        tied.append({**row, "run_id": tied_name(run_id, tie_lr), "lr": tie_lr, "accuracy": at_tie})
        for epoch in range(3):
            epochs.append(dict(run_id=run_id, depth=depth, epoch=epoch, loss=1.0 - accuracy * epoch / 3))
            tied_epochs.append(dict(run_id=tied_name(run_id, tie_lr), depth=depth, epoch=epoch,
                                    loss=1.0 - at_tie * epoch / 3))
    tables = {"runs": pd.DataFrame(runs), "epochs": pd.DataFrame(epochs)}
    return tables, {"runs": pd.DataFrame(tied), "epochs": pd.DataFrame(tied_epochs)}


class GainSettings(ClaimSettings):
    headline: dict = {"depth": 2}


def gain_rule(ev, settings):
    runs = ev["runs"].pivot(index="seed", columns="activation", values="accuracy")
    epochs = ev["epochs"][ev["epochs"].run_id.isin(ev["runs"].run_id)]
    assert epochs.groupby("run_id").size().eq(3).sum() == len(ev["runs"])  # every run's epochs, once
    return compare(runs["relu"] - runs["sigmoid"], 0.02, ">", "ReLU's accuracy gain over sigmoid")


def gain_claim() -> Claim:
    def figure(tables, ev, v, settings):
        import matplotlib.pyplot as plt

        return plt.subplots()[0]

    def evidence(tables, settings):
        runs = tables["runs"]
        return {"runs": runs, "epochs": tables["epochs"][tables["epochs"].run_id.isin(runs.run_id)]}

    return Claim(id=f"test-{uuid.uuid4().hex[:8]}", title="ReLU beats sigmoid", source="a paper",
                 evidence=evidence, rule=gain_rule, figure=figure, settings=GainSettings,
                 grids=(Grid("runs", (Axis("depth", int),)),), tables=("runs", "epochs"))


def judged(tables, tied, strength=2, claim=None):
    claim, settings = claim or gain_claim(), GainSettings()
    ties = Ties.of(tables["runs"], tied) if tied is not None else None
    look = lambda *args: rate_look(*args, ties=ties, strength=strength)  # noqa: E731
    return runner.judge(claim, tables, settings, "toy", second_look, look)


def row(result, depth) -> dict:
    return next(r for r in result.rows if r["condition"] == f"depth={depth}")


def test_a_verdict_that_flips_at_a_tied_rate_is_inconclusive_and_names_the_arm_and_rate():
    result = judged(*study({2: -0.1, 4: 0.1}))
    assert result.first.verdict == REPRODUCED
    assert (result.final.verdict, result.rates.headline.status) == (INCONCLUSIVE, RATE_DEPENDENT)
    worlds = covering_array([2] * 4, 2)[1:]  # four tied arms, each at its pick or one tied rate
    swapping = sum(w[0] for w in worlds)  # the worlds with d2-relu (the first arm, sorted) at its tied rate
    assert result.final.why == (f"rate-dependent: not reproduced with d2-relu/none/default at lr 0.01 (tied with its "
                                f"pick 0.003); another verdict in {swapping} of {len(worlds)} worlds of tied rates "
                                f"(first look: reproduced)")
    assert (row(result, 2)["verdict"], row(result, 2)["tied_rates"], row(result, 2)["headline"]) == \
        (INCONCLUSIVE, RATE_DEPENDENT, True)
    assert (row(result, 4)["verdict"], row(result, 4)["tied_rates"]) == (REPRODUCED, HOLDS)


def test_the_sentence_of_where_the_claim_holds_gives_each_condition_its_verdict_after_the_rate_look():
    result = judged(*study({2: 0.09, 4: -0.1}))
    assert (row(result, 4)["verdict"], row(result, 4)["tied_rates"]) == (INCONCLUSIVE, RATE_DEPENDENT)
    assert "depth=4: " in result.findings and "(inconclusive)" in result.findings.split("depth=4: ")[1]
    assert "(reproduced)" in result.findings.split("depth=4: ")[0]  # depth 2 holds at every tied rate


def test_a_verdict_the_tied_rates_do_not_change_is_kept():
    result = judged(*study({2: 0.09, 4: 0.12}))
    assert (result.final.verdict, result.rates.headline.status, result.final) == \
        (REPRODUCED, HOLDS, result.look.final)
    assert [r["tied_rates"] for r in result.rows] == [HOLDS, HOLDS]
    assert (result.rates.worlds, result.rates.arms) == (len(covering_array([2] * 4, 2)) - 1, 4)


def test_an_inconclusive_verdict_that_a_tied_rate_decides_says_so_and_stays_inconclusive():
    tables, tied = study({2: 0.1, 4: 0.1})
    relu = tables["runs"].activation == "relu"
    # gains 0.02, 0, 0.04, -0.02, 0.01 over the seeds: an interval across the threshold 0.02
    tables["runs"].loc[relu, "accuracy"] -= tables["runs"][relu].seed.map(dict(enumerate([.08, .1, .06, .12, .09])))
    result = judged(tables, tied)
    assert result.first.verdict == INCONCLUSIVE and result.final.verdict == INCONCLUSIVE
    assert result.rates.headline.status == RATE_DEPENDENT
    assert "rate-dependent: reproduced with d2-relu/none/default at lr 0.01" in result.final.why


def test_without_tied_tables_the_rows_are_todays_and_the_look_is_not_applicable():
    tables, _ = study({2: -0.1, 4: 0.1})
    claim = gain_claim()
    today = runner.judge(claim, tables, GainSettings(), "toy", second_look)
    result = judged(tables, None, claim=claim)
    assert result.final == today.final and result.rates.headline.status == NOT_APPLICABLE
    assert [{k: v for k, v in r.items() if k != "tied_rates"} for r in result.rows] == \
        [{k: v for k, v in r.items() if k != "tied_rates"} for r in today.rows]
    assert {r["tied_rates"] for r in result.rows} == {NOT_APPLICABLE}


def test_tied_tables_without_ties_judge_nothing_again_and_say_no_ties():
    tables, tied = study({2: -0.1, 4: 0.1})
    empty = {name: table.iloc[:0] for name, table in tied.items()}
    result = judged(tables, empty)
    assert (result.final.verdict, result.rates.headline.status, result.rates.worlds) == (REPRODUCED, NO_TIES, 0)
    assert {r["tied_rates"] for r in result.rows} == {NO_TIES}


def test_only_the_tied_arms_a_claims_tables_hold_make_worlds_and_a_condition_without_one_has_no_ties():
    tables, tied = study({2: -0.1, 4: 0.1})
    keep = lambda t: t[t.run_id.str.startswith("d4")]  # noqa: E731
    result = judged(tables, {name: keep(t) for name, t in tied.items()})
    assert (result.final.verdict, result.rates.headline.status) == (REPRODUCED, NO_TIES)
    assert row(result, 4)["tied_rates"] == HOLDS
    assert (result.rates.arms, result.rates.worlds) == (2, len(covering_array([2, 2], 2)) - 1)


# ---- the world swap ------------------------------------------------------------------------
def test_a_world_swaps_a_tied_arms_rows_in_every_table_kind_and_leaves_the_rest():
    tables, tied = study({2: -0.1, 4: 0.1})
    arm = "d2-relu/none/default"
    ensemble = pd.DataFrame({"job": ["d2-relu", "d2-sigmoid"], "arm": [arm, "d2-sigmoid/none/default"],
                             "k": [3, 3], "test_accuracy": [0.7, 0.6]})
    tied_ensemble = pd.DataFrame({"job": ["d2-relu"], "arm": [f"{arm}@lr=0.01"], "k": [3], "test_accuracy": [0.5]})
    exact = pd.DataFrame({"error": [1e-9]})
    tables |= {"ensemble": ensemble, "exact": exact}
    ties = Ties.of(tables["runs"], tied | {"ensemble": tied_ensemble})
    world = ties.world(tables, {arm: 1})

    swapped = world["runs"].arm == arm
    assert list(world["runs"].run_id) == list(tables["runs"].run_id)  # ids mapped back, each run where it was
    assert set(world["runs"][swapped].lr) == {0.01} and set(world["runs"][~swapped].lr) == {0.003, 0.1}
    assert (world["runs"][~swapped].accuracy.to_numpy() == tables["runs"][tables["runs"].arm != arm].accuracy).all()
    ids = world["runs"][swapped].run_id
    assert list(world["epochs"].run_id) == list(tables["epochs"].run_id)
    at_tie = tied["epochs"][tied["epochs"].run_id.str.startswith("d2-relu")].loss.to_numpy()
    assert (world["epochs"][world["epochs"].run_id.isin(ids)].loss.to_numpy() == at_tie).all()
    assert list(world["ensemble"].test_accuracy) == [0.5, 0.6] and list(world["ensemble"].arm)[0] == arm
    assert world["exact"] is exact
    assert ties.world(tables, {})["runs"] is tables["runs"]


def test_an_aggregate_row_of_an_arm_with_two_tied_rates_must_say_which():
    tables, tied = study({2: -0.1, 4: 0.1})
    arm = "d2-relu/none/default"
    second = tied["runs"][tied["runs"].arm == arm].assign(lr=0.001)
    second["run_id"] = [tied_name(r.split("@")[0], 0.001) for r in second.run_id]
    runs = pd.concat([tied["runs"], second])
    vague = pd.DataFrame({"job": ["d2-relu"], "arm": [arm], "test_accuracy": [0.5]})
    with pytest.raises(ValueError, match="arm d2-relu/none/default has 2 tied rates"):
        Ties.of(tables["runs"], {"runs": runs, "ensemble": vague})
    by_lr = Ties.of(tables["runs"], {"runs": runs, "ensemble": vague.assign(lr=0.01)})
    assert by_lr.rates[arm] == (0.001, 0.01) and list(by_lr.tied["ensemble"]._level) == [2]
    # as dltips.posthoc writes a tied ensemble: the rate in its job, mapped back to the study's job
    by_job = Ties.of(tables["runs"], {"runs": runs, "ensemble": vague.assign(job="d2-relu@lr=0.001")})
    assert list(by_job.tied["ensemble"]._level) == [1] and list(by_job.tied["ensemble"].job) == ["d2-relu"]


def test_a_table_with_tied_rows_but_no_tied_table_is_refused():
    tables, tied = study({2: -0.1, 4: 0.1})
    ties = Ties.of(tables["runs"], {"runs": tied["runs"]})
    with pytest.raises(ValueError, match="no tied/epochs"):
        ties.world(tables, {"d2-relu/none/default": 1})


def test_the_rate_search_record_is_the_same_in_every_world_though_it_names_the_arms():
    tables, tied = study({2: -0.1, 4: 0.1})
    arm = "d2-relu/none/default"
    tuning = pd.DataFrame({"arm": [arm, arm], "lr": [0.003, 0.01], "score": [0.8, 0.79]})
    ties = Ties.of(tables["runs"], tied)
    world = ties.world(tables | {"tuning": tuning}, {arm: 1})
    assert world["tuning"] is tuning and set(world["runs"][world["runs"].arm == arm].lr) == {0.01}
    assert ties.arms_in({"tuning": tuning}) is None


# ---- bisection -----------------------------------------------------------------------------
def test_bisection_finds_the_one_arm_that_changes_a_verdict():
    arms = [f"a{i}" for i in range(16)]
    world = {a: 1 for a in arms}
    calls = []

    def differs(w):
        calls.append(w)
        return "a11" in w

    assert bisect(differs, arms, world) == ["a11"] and len(calls) <= 8


def test_bisection_keeps_arms_that_change_a_verdict_only_together():
    arms = [f"a{i}" for i in range(8)]
    assert bisect(lambda w: {"a1", "a6"} <= set(w), arms, {a: 1 for a in arms}) == ["a1", "a6"]


# ---- through run_claim: claims.csv, conditions.csv and the caption -------------------------
def test_claims_csv_conditions_csv_and_caption_show_the_rate_look(tmp_path):
    tables, tied = study({2: -0.1, 4: 0.1})
    claim = register(gain_claim())
    paths = {}
    for prefix, group in (("", tables), ("tied_", tied)):
        for name, table in group.items():
            paths[prefix + name] = tmp_path / f"{prefix}{name}.csv"
            table.to_csv(paths[prefix + name], index=False)
    out = {k: tmp_path / f"c.{k}" for k in ("csv", "json", "png", "svg", "rst")} | \
        {"conditions": tmp_path / "c.conditions.csv"}
    record = run_claim(claim.id, {"runs": paths["runs"], "epochs": paths["epochs"]}, {"headline": {"depth": 2}},
                       out, caption_template=ROOT / "workflow" / "report" / "claim.rst", headline_dataset="toy",
                       read=pd.read_csv, rates={"tables": {"runs": paths["tied_runs"], "epochs": paths["tied_epochs"]},
                                                "runs": paths["runs"]})
    assert (record["verdict"], record["first_look"], record["tied_rates"]) == (INCONCLUSIVE, REPRODUCED,
                                                                               RATE_DEPENDENT)
    conditions = pd.read_csv(out["conditions"])
    assert list(conditions.tied_rates) == [RATE_DEPENDENT, HOLDS]
    caption = out["rst"].read_text()
    worlds = len(covering_array([2] * 4, 2)) - 1
    assert f"Tied rates: judged again in {worlds} worlds covering every combination of the tied rates of any 2 of " \
           f"its 4 tied arms: rate-dependent." in caption
    assert "rate-dependent: not reproduced with d2-relu/none/default at lr 0.01" in caption
    assert NOT_REPRODUCED not in record["verdict"]


# ---- the smoke study: tied tables without ties change no verdict ---------------------------
@pytest.mark.workflow
def test_every_smoke_verdict_is_unchanged_where_no_arm_is_tied(smoke, smoke_tables, default_config, tmp_path):
    from dltips.claims import CLAIM_OUTPUTS, load
    from dltips.config import apply_preset
    from dltips.tables import read_table

    config = apply_preset({**default_config, "preset": "smoke"})
    results = smoke_tables.parent
    as_written = dict(dtype=str, keep_default_na=False)  # compared as text, as the files say it
    written = pd.read_csv(results / "conditions.csv", **as_written)
    empty = {}
    (tmp_path / "tied").mkdir()
    for name in ("runs", "epochs", "layers"):
        table = pd.read_csv(smoke_tables / f"{name}.csv").iloc[:0]
        empty[name] = tmp_path / "tied" / f"{name}.csv"  # named as the study names them: a table's name is its file's
        table.to_csv(empty[name], index=False)
    for claim_id in config["claims"]:
        claim = load()[claim_id]
        out = {kind: tmp_path / f"{claim_id}.{suffix}" for kind, suffix in CLAIM_OUTPUTS.items() if kind != "rst"}
        record = run_claim(claim_id, {n: smoke_tables / f"{n}.csv" for n in claim.tables}, config["claims"][claim_id],
                           out, headline_dataset=config["grid"]["datasets"][0], read=read_table,
                           rates={"tables": empty, "runs": smoke_tables / "runs.csv"})
        before = pd.read_json(results / "claims" / f"{claim_id}.json", typ="series")
        assert (record["verdict"], record["why"], record["tied_rates"]) == (before["verdict"], before["why"], NO_TIES)
        mine = pd.read_csv(out["conditions"], **as_written)
        theirs = written[written.claim == claim_id].reset_index(drop=True)
        assert set(mine.tied_rates) == {NO_TIES}
        pd.testing.assert_frame_equal(mine.drop(columns="tied_rates"), theirs.drop(columns="tied_rates"))
