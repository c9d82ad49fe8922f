"""The figure titles every claim opens with: what they say is the rule's numbers, in the
verdicts' notation, each part with its own verdict, and why where it is not reproduced.
And every claim figure reads at the report viewer's width: at most 12 in, no text under 9 pt."""

import copy

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import seaborn as sns
import yaml
from matplotlib.text import Text

from conftest import ROOT

from dltips.claims import get, settings_of
from dltips.claims.conditions import headline_tables
from dltips.config import apply_preset
from dltips.figures import MIN_FONT, rule_text, save, seed_interval, verdict_title
from dltips.verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, all_of, compare, exact, t_interval


def test_a_rule_line_gives_mean_interval_n_and_what_the_claim_needs():
    v = compare([0.10, 0.12, 0.14], 0.0, ">", "test gain (fraction)")
    assert rule_text(v, unit="runs") == ("test gain (fraction): measured 0.120 [0.070, 0.170] (n = 3 runs); "
                                         "the claim needs > 0")


def test_negative_numbers_carry_a_true_minus_and_never_read_as_a_false_inequality():
    v = compare([-0.039, -0.045, -0.032, -0.040, -0.038], 0.0, ">", "gain")
    line = rule_text(v)
    assert "measured \u22120.039 [\u22120.045, \u22120.033] (n = 5 seeds); the claim needs > 0" in line
    assert "-0.0" not in line and "> 0)" not in line


def test_an_exact_check_gives_its_largest_error_and_tolerance():
    v = exact([1e-9, -3e-9], 1e-6, "max |error|")
    assert rule_text(v, unit="steps") == "max |error|: largest error 3e\u221209 (n = 2 steps); the claim needs \u2264 1e\u221206"


def test_a_rule_without_data_says_so():
    assert rule_text(compare([], 0.0, ">", "gain")) == "gain: no data; the claim needs > 0"


def test_a_claim_of_several_parts_shows_each_part_and_its_verdict_the_deciding_one_first():
    holds = compare([0.5, 0.6, 0.7], 0.0, ">", "gain")
    fails = compare([-0.5, -0.6, -0.7], 0.0, ">", "second gain")
    unclear = compare([-0.1, 0.1, 0.2], 0.0, ">", "third gain")
    v = all_of(holds, fails, unclear)
    lines = verdict_title("A claim", v, unit="pairs", note="context").split("\n")
    assert lines[0] == f"A claim — {NOT_REPRODUCED}"
    assert lines[1].startswith(f"{NOT_REPRODUCED} — second gain: measured \u22120.60 [") and "n = 3 pairs" in lines[1]
    assert lines[2].startswith(f"{REPRODUCED} — gain: measured 0.60 [")
    assert lines[3].startswith(f"{INCONCLUSIVE} — third gain: measured 0.07 [")
    assert lines[4] == f"why: {v.why}" and "interval lies below 0" in v.why
    assert lines[5] == "context" and len(lines) == 6


def test_parts_given_explicitly_keep_their_units_and_order():
    holds, fails = compare([0.5, 0.6, 0.7], 0.0, ">", "gain"), compare([-0.5, -0.6, -0.7], 0.0, ">", "loss")
    lines = verdict_title("A claim", all_of(holds, fails), parts=[(holds, None, "seeds"), (fails, None, "cells")])
    assert "gain: measured" in lines.split("\n")[1] and "n = 3 cells" in lines.split("\n")[2]


def test_a_single_rule_title_is_the_claim_then_its_numbers():
    v = compare([0.5, 0.6, 0.7], 0.0, ">", "gain")
    assert verdict_title("A claim", v, unit="cells") == f"A claim — {REPRODUCED}\n{rule_text(v, unit='cells')}"


def test_seed_interval_is_the_verdicts_student_t_interval_and_seaborn_draws_it():
    values = [0.61, 0.64, 0.58, 0.66, 0.60]
    _, low, high, _ = t_interval(values)
    assert seed_interval(values) == (low, high)
    assert compare(values, 0.5, ">", "accuracy").ci_low == low  # the verdict's own interval
    ax = sns.pointplot(data=pd.DataFrame({"x": ["a"] * 5, "y": values}), x="x", y="y", errorbar=seed_interval)
    drawn = np.concatenate([line.get_ydata() for line in ax.lines])
    assert np.isclose(drawn.min(), low) and np.isclose(drawn.max(), high)


def test_a_long_title_line_wraps_between_words_never_inside_an_interval_or_n():
    v = compare([0.10, 0.12, 0.14], 0.0, ">", "a statistic with a long name " * 4)
    title = verdict_title("A claim", v, width=60)
    assert all(len(line) <= 75 for line in title.split("\n"))
    assert "[0.070, 0.170]" in title and "(n = 3 seeds)" in title


# ---- every claim figure reads at the report viewer's width -----------------------------
# The report's viewer shows a figure about 900 px wide at a 1366 x 900 window: a PNG of at most
# 12 in (1440 px at 120 dpi) is shown at 0.62x or more, where 9 pt text is still 9 px.
MAX_INCHES, MAX_PX = 12, 1440


@pytest.fixture(scope="module")
def smoke_config(default_config):
    return apply_preset({**copy.deepcopy(default_config), "preset": "smoke"})


@pytest.mark.parametrize("claim_id", list(yaml.safe_load((ROOT / "config.yaml").read_text())["claims"]))
def test_every_claim_figure_is_at_most_12_inches_wide_with_no_text_under_9_points(claim_id, smoke_tables,
                                                                                  smoke_config, tmp_path):
    """Each registered claim's figure from the smoke study's tables, as the workflow draws it
    (smoke settings, headline dataset), plus the synthetic PReLU slopes and Maxout units the
    depth claims' figure tests add (the smoke preset trains neither)."""
    from claim_tables import convex, synthetic_slopes, synthetic_units

    from dltips.claims.runner import verdict_of

    tables = {name: pd.read_csv(smoke_tables / f"{name}.csv") for name in get(claim_id).tables}
    tables = headline_tables(tables, smoke_config["grid"]["datasets"][0])
    synthetic = {"slopes": synthetic_slopes, "maxout_units": lambda: synthetic_units(convex)}
    tables.update({name: make() for name, make in synthetic.items() if name in tables and not len(tables[name])})
    claim, settings = get(claim_id), settings_of(claim_id, smoke_config["claims"][claim_id])
    evidence = claim.evidence(tables, settings)
    fig = claim.figure(tables, evidence, verdict_of(claim, evidence, settings), settings)
    try:
        texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
        small = sorted({(round(t.get_fontsize(), 1), t.get_text()) for t in texts if t.get_fontsize() < MIN_FONT})
        assert MIN_FONT >= 9 and texts
        assert not small, f"{claim_id}: text under {MIN_FONT} pt: {small[:5]}"
        assert fig.get_size_inches()[0] <= MAX_INCHES
        save(fig, tmp_path / "figure.png", tmp_path / "figure.svg")  # as the workflow writes it (tight bbox)
        width_px = plt.imread(tmp_path / "figure.png").shape[1]
        assert width_px <= MAX_PX, f"{claim_id}: the PNG is {width_px} px wide"
    finally:
        plt.close(fig)
