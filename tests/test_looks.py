"""The second look (dltips.claims.looks): thresholds moved ±50% and each half of the seeds, and
what claims.csv, captions, the verdicts page and the summary figure make of it."""

import json
import math
import uuid

import pandas as pd
import pytest

from conftest import SMOKE_RESULTS

from dltips.claims import looks as rb
from dltips.claims import CLAIM_OUTPUTS, Claim, register
from dltips.claims.run import ClaimFailed, judge_all, run_claim
from dltips.claims.settings import ClaimSettings
from dltips.claims.table import COLUMNS, claims_table
from dltips.verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, all_of, compare, exact, floor

from conftest import ROOT


# ---- thresholds moved ±50% ---------------------------------------------------------------
@pytest.mark.parametrize("threshold, direction, way, moved", [
    (0.02, ">", rb.STRICTER, 0.03), (0.02, ">", rb.LOOSER, 0.01),
    (-0.3, "<", rb.STRICTER, -0.45), (-0.3, "<", rb.LOOSER, -0.15),
    (0.15, "<", rb.STRICTER, 0.075), (-0.2, ">", rb.STRICTER, -0.1),
])
def test_a_threshold_moves_half_its_size_towards_or_away_from_the_claimed_side(threshold, direction, way, moved):
    v = compare([0.1, 0.2, 0.3], threshold, direction, "x")
    assert rb.moved_threshold(v, way) == pytest.approx(moved)


def test_a_zero_threshold_moves_by_half_the_seed_to_seed_sd():
    values = [0.5, 1.0, 1.5, 2.0, 2.5]
    sd = pd.Series(values).std()
    v = compare(values, 0.0, ">", "x")
    assert rb.moved_threshold(v, rb.STRICTER) == pytest.approx(sd / 2)
    assert rb.moved_threshold(v, rb.LOOSER) == pytest.approx(-sd / 2)


def test_a_verdict_far_from_its_threshold_is_robust():
    v = compare([0.5, 0.6, 0.7], 0.02, ">", "gain")
    assert rb.threshold_look(v) == (rb.ROBUST, REPRODUCED, REPRODUCED)
    assert rb.threshold_look(compare([0.5, 1.0, 1.5, 2.0, 2.5], 0.0, ">", "gain"))[0] == rb.ROBUST


def test_a_verdict_that_just_clears_its_threshold_is_not_robust():
    v = compare([0.25, 0.30, 0.28], 0.2, ">", "gain")  # interval [0.21, 0.34]: 0.3 cuts it
    assert v.verdict == REPRODUCED
    assert rb.threshold_look(v) == (rb.NOT_ROBUST, INCONCLUSIVE, REPRODUCED)
    # at 0, an effect under 1.74 seed SDs (n = 5) does not clear half an SD
    assert rb.threshold_look(compare([0.3, 1.0, 1.5, 2.0, 2.7], 0.0, ">", "gain"))[0] == rb.NOT_ROBUST


def test_parts_move_together_and_combine_like_all_of():
    close = compare([0.25, 0.30, 0.28], 0.2, ">", "close")
    far = compare([0.5, 0.6, 0.7], 0.02, ">", "far")
    assert rb.threshold_look(all_of(far, close)) == (rb.NOT_ROBUST, INCONCLUSIVE, REPRODUCED)
    assert rb.threshold_look(all_of(far, far)) == (rb.ROBUST, REPRODUCED, REPRODUCED)


def test_exact_checks_floors_and_too_little_data_are_not_moved():
    assert rb.threshold_look(exact([1e-9], 1e-6, "e")) == (rb.NOT_APPLICABLE, REPRODUCED, REPRODUCED)
    at_floor = floor(compare([0.0, 0.0, 0.0], 0.05, ">", "gap"))
    assert rb.threshold_look(at_floor) == (rb.ROBUST, INCONCLUSIVE, INCONCLUSIVE)
    straddling = floor(compare([0.10, 0.11, 0.12], 0.1, ">", "gap"))  # alone: reproduced at 0.05
    assert rb.threshold_look(straddling) == (rb.ROBUST, INCONCLUSIVE, INCONCLUSIVE)
    assert rb.threshold_look(floor(all_of(compare([0.5, 0.6, 0.7], 0.0, ">", "a"), exact([0], 1, "b"))))[1:] == \
        (INCONCLUSIVE, INCONCLUSIVE)
    assert rb.threshold_look(compare([0.3], 0.2, ">", "x"))[1:] == (INCONCLUSIVE, INCONCLUSIVE)


# ---- seed halves -------------------------------------------------------------------------
class GainSettings(ClaimSettings):
    min: float = 0.0


def gain_claim(**kwargs) -> Claim:
    """A claim whose rule is the mean gain per seed > settings.min, on its evidence table "gains"."""
    def verdict(ev, settings):
        return compare(ev["gains"].dropna(subset=["seed"]).groupby("seed").gain.mean(), settings.min, ">", "gain")

    def figure(tables, ev, v, settings):
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
        ax.set_title(v.verdict)
        return fig

    given = kwargs["evidence"]  # a table, or a function of (tables, settings) giving one
    table = given if callable(given) else lambda tables, settings: given
    return Claim(id=f"test-{uuid.uuid4().hex[:8]}", title="a gain", source="a paper", figure_text="gains -- per seed",
                 evidence=lambda tables, settings: {"gains": table(tables, settings)}, verdict=verdict, figure=figure,
                 settings=GainSettings)


def by_seed(half_a, half_b) -> pd.DataFrame:
    """Seeds 0..9: even positions get half_a's gains, odd ones half_b's (the split deals them so)."""
    gains = [g for pair in zip(half_a, half_b) for g in pair]
    return pd.DataFrame({"seed": range(len(gains)), "gain": gains})


STEADY = [1.0, 1.05, 0.95, 1.02, 0.98]


def look(table, minimum=0.0):
    claim, settings = gain_claim(evidence=table), GainSettings(min=minimum)
    evidence = claim.evidence({}, settings)
    return rb.second_look(lambda ev: claim.verdict(ev, settings), evidence, claim.verdict(evidence, settings))


def test_a_verdict_both_halves_repeat_is_stable_and_stands():
    result = look(by_seed(STEADY, [0.9, 1.1, 1.0, 0.97, 1.03]))
    assert (result.first.verdict, result.seeds, result.half_a, result.half_b) == (REPRODUCED, rb.STABLE,
                                                                                   REPRODUCED, REPRODUCED)
    assert result.final == result.first


def test_a_half_that_leans_the_same_way_but_cannot_decide_is_direction_stable():
    result = look(by_seed(STEADY, [0.3, -0.2, 0.5, -0.1, 0.4]))
    assert result.first.verdict == REPRODUCED and result.half_b == INCONCLUSIVE
    assert result.seeds == rb.DIRECTION_STABLE and result.final.verdict == REPRODUCED


def test_a_verdict_one_half_contradicts_is_fragile_and_becomes_inconclusive():
    result = look(by_seed(STEADY, [-0.05, -0.1, -0.02, -0.08, -0.04]))
    assert result.first.verdict == REPRODUCED and result.half_b == NOT_REPRODUCED
    assert result.seeds == rb.FRAGILE and result.final.verdict == INCONCLUSIVE
    assert "fragile: one half of the seeds says reproduced, the other not reproduced" in result.final.why
    assert result.final.why.endswith("(first look: reproduced)")


def test_a_half_leaning_the_other_way_is_fragile():
    first = compare(STEADY * 2, 0.0, ">", "gain")
    half = compare([-0.3, 0.2, -0.5, 0.1, -0.4], 0.0, ">", "gain")
    assert half.verdict == INCONCLUSIVE and rb.stability(first, (first, half)) == rb.FRAGILE


def test_a_verdict_not_robust_to_its_thresholds_becomes_inconclusive_and_says_which_way():
    result = look(by_seed(STEADY, [0.9, 1.1, 1.0, 0.97, 1.03]), minimum=0.85)
    assert result.first.verdict == REPRODUCED and result.thresholds == rb.NOT_ROBUST
    assert result.final.verdict == INCONCLUSIVE
    assert result.final.why.startswith("not robust: with every threshold moved 50% stricter it is not reproduced")


def test_an_inconclusive_first_look_stays_inconclusive_with_its_own_why():
    result = look(by_seed([0.3, -0.2, 0.5, -0.1, 0.4], [-0.3, 0.2, 0.1, -0.1, 0.2]))
    assert result.first.verdict == INCONCLUSIVE and result.final == result.first


def margin_rule(ev):
    """train-before-test's shape: two parts, one of whose statistic names a margin derived from
    the data judged (half the mean `scale`), so its words differ between subsets of the seeds."""
    table = ev["gains"]
    margin = 0.5 * table.scale.mean()
    return all_of(compare(table.gain, 0.0, ">", "gain", name="gain"),
                  compare(table.cost, margin, "<", f"cost, below +{margin:.3f}", name="cost"))


def test_parts_are_matched_by_name_when_their_statistic_differs_between_halves():
    gains = by_seed(STEADY, [0.3, -0.2, 0.5, -0.1, 0.4])  # half b leans the first look's way, undecided
    evidence = {"gains": gains.assign(cost=0.0, scale=[1.0 if s % 2 == 0 else 3.0 for s in gains.seed])}
    first = margin_rule(evidence)
    halves = [margin_rule(half) for half in rb.seed_halves(evidence)]
    assert first.verdict == REPRODUCED and halves[1].verdict == INCONCLUSIVE
    assert {p.statistic for p in first.parts} != {p.statistic for p in halves[1].parts}  # "+1.000" vs "+1.500"
    result = rb.second_look(margin_rule, evidence, first)
    assert result.seeds == rb.DIRECTION_STABLE and result.final == first


def test_a_part_leaning_the_other_way_is_found_by_its_name_whatever_the_order_of_parts():
    first = all_of(compare(STEADY, 0.0, ">", "gain", name="gain"), compare(STEADY, 2.0, "<", "cost", name="cost"))
    # all_of puts the deciding part first: here the undecided gain, then cost, whose mean crossed its threshold
    crossed = all_of(compare([0.3, -0.2, 0.4], 0.0, ">", "gain", name="gain"),
                     compare([2.5, 2.4, 2.6], 2.2, "<", "cost below 2.2", name="cost"))
    assert [p.name for p in crossed.parts] == ["cost", "gain"] and crossed.verdict == NOT_REPRODUCED
    leaning = all_of(compare([0.3, -0.2, 0.4], 0.0, ">", "gain", name="gain"),
                     compare([1.0, 1.1, 0.9], 2.2, "<", "cost below 2.2", name="cost"))
    assert leaning.verdict == INCONCLUSIVE and rb.stability(first, (first, leaning)) == rb.DIRECTION_STABLE
    against = all_of(compare([0.3, -0.2, 0.4], 0.0, ">", "gain", name="gain"),
                     compare([2.5, 1.0, 3.5], 2.2, "<", "cost below 2.2", name="cost"))
    assert against.verdict == INCONCLUSIVE and rb.stability(first, (first, against)) == rb.FRAGILE


def test_a_verdict_of_several_parts_without_a_name_for_each_is_refused():
    unnamed = all_of(compare(STEADY, 0.0, ">", "gain"), compare(STEADY, 2.0, "<", "cost", name="cost"))
    with pytest.raises(ValueError, match=r"distinct name for each part .*named \['', 'cost'\]"):
        rb.second_look(lambda ev: unnamed, {}, unnamed)


def test_seed_halves_deal_sorted_seeds_alternately_and_give_unseeded_rows_to_both():
    ev = {"gains": pd.DataFrame({"seed": [3, 1, 0, 2, math.nan], "gain": [1, 2, 3, 4, 5]}),
          "losses": pd.DataFrame({"seed": [0, 1, 4], "loss": [1.0, 2.0, 3.0]}),  # a seed only this table has
          "check": pd.DataFrame({"error": [0.0]})}
    a, b = rb.seed_halves(ev)
    assert set(a["gains"].seed.dropna()) == {0, 2} and set(b["gains"].seed.dropna()) == {1, 3}
    assert a["gains"].seed.isna().sum() == b["gains"].seed.isna().sum() == 1
    # one deal over every table's seeds: 0, 2, 4 in one half, 1, 3 in the other
    assert set(a["losses"].seed) == {0, 4} and set(b["losses"].seed) == {1}
    assert len(a["check"]) == len(b["check"]) == 1  # a table without seeds goes to both


def test_no_seeds_too_few_seeds_or_an_exact_check_is_not_split():
    assert rb.seed_halves({"gains": pd.DataFrame({"gain": [1.0, 2.0]})}) is None
    assert rb.seed_halves({"gains": pd.DataFrame({"seed": [0, 1, 2], "gain": [1.0, 2.0, 3.0]})}) is None
    result = look(pd.DataFrame({"seed": [0, 1, 2], "gain": [1.0, 1.1, 0.9]}))
    assert (result.seeds, result.half_a, result.half_b) == (rb.NOT_APPLICABLE,) * 3
    assert "Seed halves: n/a" in result.text()


def test_a_rule_that_reads_no_seeded_row_is_not_split():
    """A toy rule (no seed) beside seeded context rows: the halves would repeat it, not test it."""
    ev = pd.concat([pd.DataFrame({"seed": [math.nan] * 3, "start": [0, 1, 2], "gain": [1.0, 1.1, 0.9]}),
                    pd.DataFrame({"seed": range(6), "start": math.nan, "gain": 0.0})])
    claim = gain_claim(evidence=ev)
    claim = Claim(**{**claim.__dict__, "verdict": lambda e, s: compare(e["gains"][e["gains"].seed.isna()].gain, 0.0,
                                                                          ">", "toy")})
    evidence = claim.evidence({}, GainSettings())
    result = rb.second_look(lambda ev: claim.verdict(ev, GainSettings()), evidence,
                            claim.verdict(evidence, GainSettings()))
    assert result.first.verdict == REPRODUCED and result.seeds == rb.NOT_APPLICABLE


# ---- claims.csv, caption, verdicts page, summary figure ---------------------------------
def run(tmp_path, claim, settings) -> dict:
    register(claim)
    out = {k: tmp_path / f"{claim.id}.{k}" for k in ("csv", "json", "png", "svg", "rst")}
    return run_claim(claim.id, {}, settings, out, caption_template=ROOT / "workflow" / "report" / "claim.rst"), out


def test_claims_csv_keeps_the_first_look_and_both_second_looks(tmp_path):
    fragile, out_a = run(tmp_path, gain_claim(evidence=by_seed(STEADY, [-0.05, -0.1, -0.02, -0.08, -0.04])),
                         {"min": 0.0})
    stable, out_b = run(tmp_path, gain_claim(evidence=by_seed(STEADY, STEADY)), {"min": 0.0})
    assert (fragile["verdict"], fragile["first_look"], fragile["seed_halves"]) == (INCONCLUSIVE, REPRODUCED, "fragile")
    assert (stable["verdict"], stable["first_look"], stable["why"]) == (REPRODUCED, REPRODUCED, "")
    assert (stable["thresholds"], stable["seed_halves"]) == ("robust", "stable")
    assert json.loads(out_a["json"].read_text())["verdict"] == INCONCLUSIVE
    caption = out_a["rst"].read_text()
    assert "**Verdict: inconclusive.** gain: measured" in caption and "Why: not robust" in caption and "fragile: one half" in caption
    assert "First look: reproduced." in caption and "gains — per seed" in caption

    table = claims_table([out_a["json"], out_b["json"]], [out_a["png"], out_b["png"]], tmp_path / "claims.csv",
                         tmp_path / "claims.html", tmp_path / "claims.png", tmp_path / "claims.svg")
    written = pd.read_csv(tmp_path / "claims.csv")
    assert list(written.columns) == COLUMNS and list(table.verdict) == [INCONCLUSIVE, REPRODUCED]
    assert list(written.first_look) == [REPRODUCED, REPRODUCED]
    assert list(written.verdict_seeds_b) == [NOT_REPRODUCED, REPRODUCED]
    page = (tmp_path / "claims.html").read_text()
    assert "fragile: one half of the seeds" in page and "seed halves: fragile" in page
    assert (tmp_path / "claims.png").stat().st_size > 10_000


def judge_job(tmp_path, claim, tables, settings) -> dict:
    register(claim)
    return {"tables": tables, "settings": settings,
            "out": {kind: tmp_path / f"{claim.id}.{suffix}" for kind, suffix in CLAIM_OUTPUTS.items()}}


def summary_paths(tmp_path) -> dict:
    return {"claims_csv": tmp_path / "claims.csv", "claims_html": tmp_path / "claims.html",
            "claims_png": tmp_path / "claims.png", "claims_svg": tmp_path / "claims.svg",
            "conditions_csv": tmp_path / "conditions.csv", "conditions_html": tmp_path / "conditions.html"}


@pytest.mark.parametrize("workers", [1, 2])
def test_the_judge_step_judges_every_claim_in_one_process_and_tabulates_them(tmp_path, workers):
    runs = tmp_path / "runs.csv"
    by_seed(STEADY, STEADY).to_csv(runs, index=False)

    def vandal(tables, settings):  # edits its table in place: the next claim must not see it
        tables["runs"]["gain"] = -1.0
        return tables["runs"]

    first = gain_claim(evidence=vandal)
    second = gain_claim(evidence=lambda tables, settings: tables["runs"])
    jobs = {c.id: judge_job(tmp_path, c, {"runs": runs}, {"min": 0.0}) for c in (first, second)}
    judge_all(jobs, {c: tmp_path / f"{c}.log" for c in jobs}, summary_paths(tmp_path),
              caption_template=ROOT / "workflow" / "report" / "claim.rst", workers=workers,
              read=pd.read_csv)  # a toy table, not one of the study's
    table = pd.read_csv(tmp_path / "claims.csv")
    assert list(table.id) == [first.id, second.id]
    assert list(table.verdict) == [NOT_REPRODUCED, REPRODUCED]  # the second claim read the file, not the edit
    conditions = pd.read_csv(tmp_path / "conditions.csv")
    assert set(conditions.claim) == {first.id, second.id}
    for job in jobs.values():
        assert all(path.exists() for path in job["out"].values())


@pytest.mark.parametrize("workers", [1, 2])
def test_a_claim_that_fails_is_named_with_its_log_and_the_others_are_still_judged(tmp_path, workers):
    def broken(tables, settings):
        raise KeyError("no column 'gain_v2'")

    bad, good = gain_claim(evidence=broken), gain_claim(evidence=by_seed(STEADY, STEADY))
    jobs = {c.id: judge_job(tmp_path, c, {}, {"min": 0.0}) for c in (bad, good)}
    logs = {c: tmp_path / f"{c}.log" for c in jobs}
    with pytest.raises(ClaimFailed, match=rf"1 claim\(s\) failed: {bad.id} \(traceback in .*{bad.id}.log\)"):
        judge_all(jobs, logs, summary_paths(tmp_path), workers=workers)
    assert "no column 'gain_v2'" in logs[bad.id].read_text()
    assert json.loads(jobs[good.id]["out"]["json"].read_text())["verdict"] == REPRODUCED
    assert not (tmp_path / "claims.csv").exists()  # no summary that silently lacks a claim


def test_the_summary_figure_has_a_row_per_claim_colored_by_verdict():
    from dltips.claims.summary import INK, summary_figure

    rows = []
    for i, (verdict, direction) in enumerate([(REPRODUCED, ">"), (NOT_REPRODUCED, "<"), (INCONCLUSIVE, "<="),
                                             (INCONCLUSIVE, ">")]):
        rows.append({"id": f"c{i}", "verdict": verdict, "first_look": verdict, "value": 0.5 if i < 3 else math.nan,
                     "ci_low": 0.4, "ci_high": 0.6, "threshold": 0.1, "direction": direction})
    fig = summary_figure(pd.DataFrame(rows))
    axes = fig.axes
    assert [ax.get_ylabel() for ax in axes] == ["c0", "c1", "c2", "c3"]
    assert axes[2].get_xscale() == "log" and "no data" in [t.get_text() for t in axes[3].texts]
    labels = [[t for t in ax.texts if t.get_text().startswith(r["verdict"])][0] for ax, r in zip(axes, rows)]
    assert [lab.get_color() for lab in labels] == [INK[r["verdict"]] for r in rows]
    assert "1 reproduced, 1 not reproduced, 2 inconclusive" in fig._suptitle.get_text()


def test_the_rule_sentence_names_the_kinds_of_part_the_claim_has():
    from dltips.claims.run import rule_fields

    interval = rule_fields({">"})["rule"]
    assert "whole 95% interval" in interval and "second look" in interval and "every part" not in interval
    only_exact = rule_fields({"<="})["rule"]
    assert "largest error is within the tolerance" in only_exact and "interval" not in only_exact
    mixed = rule_fields({">", "<="}, 2)["rule"]
    assert "whole 95% interval" in mixed and "tolerance" in mixed and "every part is" in mixed


def test_settings_show_in_the_report_as_one_readable_line():
    from dltips.claims.settings import settings_text

    text = settings_text({"min_gain": 0.02, "exact_check": {"tolerance": 1e-6, "steps": 3}, "variants": ["elu", "prelu"]})
    assert text == "min_gain: 0.02; exact_check.tolerance: 1e-06; exact_check.steps: 3; variants: elu, prelu"


def tripled_seeds(table: pd.DataFrame) -> pd.DataFrame:
    """Each seeded row copied under two new seeds."""
    if "seed" not in table.columns:
        return table
    seeded = table.dropna(subset=["seed"])
    return pd.concat([table, seeded.assign(seed=seeded.seed + 1000), seeded.assign(seed=seeded.seed + 2000)],
                     ignore_index=True)


def test_every_claims_rule_runs_on_each_half_of_its_seeds(smoke):
    """The smoke study has too few seeds to split; its evidence, each seed copied under two
    new seeds, has enough: every claim's own rule must run on half of it."""
    import yaml

    from dltips.claims import get, settings_of
    from dltips.claims.conditions import headline_tables
    from dltips.config import apply_preset

    config = apply_preset({**yaml.safe_load((ROOT / "config.yaml").read_text()), "preset": "smoke"})
    split = 0
    for claim_id, given in config["claims"].items():
        claim, settings = get(claim_id), settings_of(claim_id, given)
        tables = {name: pd.read_csv(smoke / SMOKE_RESULTS / "tables" / f"{name}.csv") for name in claim.tables}
        evidence = claim.evidence(headline_tables(tables, config["grid"]["datasets"][0]), settings)
        evidence = {name: tripled_seeds(table) for name, table in evidence.items()}
        result = rb.second_look(lambda ev: claim.verdict(ev, settings), evidence, claim.verdict(evidence, settings))
        assert result.seeds in (rb.STABLE, rb.DIRECTION_STABLE, rb.FRAGILE, rb.NOT_APPLICABLE), claim_id
        split += result.seeds != rb.NOT_APPLICABLE
    assert split >= 5  # the halves were taken, not skipped


def test_a_rule_with_no_data_is_not_split_either():
    ev = pd.DataFrame({"seed": range(6), "gain": math.nan})
    result = look(ev)
    assert result.first.n == 0 and result.seeds == rb.NOT_APPLICABLE
