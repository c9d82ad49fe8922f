"""What the claims share: the chance floor, verdicts built from verdicts, per-seed means, the
headline depth and the figures' legends."""

import math
import pickle

import pandas as pd
import pytest
from pydantic import ValidationError

from claim_tables import dataset_sizes
from dltips.claims.chance import Floor, at_chance, chance_ceiling, chance_margin, floor_checked, trained_depths
from dltips.claims.compose import deciding_first, no_condition, with_note
from dltips.claims.headlines import headline_verdict, resolve_depth
from dltips.claims.select import per_seed
from dltips.verdicts import FLOOR, INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, compare

FLOOR_10 = Floor(samples=1000)  # 10 classes, 1,000 samples, z 1.96
HOLDS, FAILS, UNCLEAR = [0.5, 0.6, 0.7], [-0.5, -0.6, -0.7], [-0.1, 0.1, 0.2]


def test_the_floor_counts_the_judged_dataset_s_evaluated_training_samples():
    """MNIST-1D evaluates 1,000 training samples, digits 360 (train_eval_size null: the test
    set's size): guessing's noise there reaches 0.131, so a mean of 0.125 is at chance on digits
    and not on MNIST-1D; a number in the settings is kept."""
    on_mnist1d, on_digits = Floor().on(dataset_sizes()), Floor().on(dataset_sizes(360, dataset="digits"))
    assert (on_mnist1d.samples, on_digits.samples) == (1000, 360)
    assert chance_ceiling(on_digits) == pytest.approx(0.1 + 1.96 * math.sqrt(0.09 / 360))
    assert at_chance([0.12, 0.125, 0.13], on_digits) and not at_chance([0.12, 0.125, 0.13], on_mnist1d)
    assert Floor(samples=500).on(dataset_sizes(360)).samples == 500
    with pytest.raises(ValueError, match="floor.samples is null"):
        chance_margin(Floor())  # never a guessed N


def test_the_chance_ceiling_is_z_binomial_standard_errors_above_guessing():
    assert math.isclose(chance_margin(FLOOR_10), 1.96 * math.sqrt(0.1 * 0.9 / 1000))
    assert math.isclose(chance_ceiling(Floor(chance=0.5, samples=100, z=2.0)), 0.5 + 2.0 * 0.05)
    assert at_chance([0.10, 0.11, 0.12], FLOOR_10)  # mean 0.11 < 0.1186
    assert not at_chance([0.11, 0.12, 0.13], FLOOR_10)  # mean 0.12: the net learned something
    assert not at_chance([], FLOOR_10)  # no value is not a value at chance


def test_trained_depths_are_those_whose_per_seed_mean_is_above_the_ceiling():
    runs = pd.DataFrame({"depth": [2, 2, 2, 2, 5, 5, 8, 8], "seed": [0, 0, 1, 1, 0, 1, 0, 1],
                         "accuracy": [0.9, 0.7, 0.8, 0.8, 0.10, 0.11, 0.3, 0.4]})
    assert trained_depths(runs, "accuracy", FLOOR_10) == [2, 8]
    assert trained_depths(runs.iloc[:0], "accuracy", FLOOR_10) == []


def test_a_comparison_is_at_the_floor_only_where_every_side_is_at_chance():
    gap = compare(HOLDS, 0.0, ">", "gap")
    both = floor_checked(gap, {"relu": pd.Series([0.10, 0.11]), "sigmoid": pd.Series([0.09, 0.10])}, FLOOR_10)
    assert both.verdict == INCONCLUSIVE and both.why.startswith(f"{FLOOR} both at chance (relu 0.105, sigmoid 0.095")
    assert both.detail.startswith(f"{INCONCLUSIVE} (floor: both at chance)") and both.value == gap.value
    one = floor_checked(gap, {"relu": pd.Series([0.8, 0.9]), "sigmoid": pd.Series([0.09, 0.10])}, FLOOR_10)
    assert one == gap


def test_deciding_first_reports_the_part_that_decided_with_every_parts_words():
    holds = compare(HOLDS, 0.0, ">", "holds", detail="2 pairs left out")
    fails = compare(FAILS, 0.0, ">", "fails")
    unclear = with_note(compare(UNCLEAR, 0.0, ">", "unclear"), f"{INCONCLUSIVE} (floor: the net is at chance)")
    v = deciding_first(holds, unclear, fails)
    assert v.verdict == NOT_REPRODUCED and v.statistic == "fails" and [p.statistic for p in v.parts][0] == "fails"
    v = deciding_first(holds, unclear)
    assert v.verdict == INCONCLUSIVE and v.statistic == "unclear"
    assert v.detail.startswith(f"{INCONCLUSIVE} (floor:") and "2 pairs left out" in v.detail  # the floor first
    v = deciding_first(holds, compare(HOLDS, 0.0, ">", "also"))
    assert v.verdict == REPRODUCED and v.statistic == "holds" and v.detail.endswith("2 pairs left out")


def test_with_note_adds_words_after_or_before_and_nothing_where_there_are_none():
    v = compare(HOLDS, 0.0, ">", "g", detail="a")
    assert with_note(v, "b").detail == "a; b" and with_note(v, "b", first=True).detail == "b; a"
    assert with_note(v, "") is v


def test_a_headline_condition_without_runs_is_inconclusive_and_names_the_condition():
    v = no_condition("gap", {"init": "he", "depth": 10})
    assert v.verdict == INCONCLUSIVE and v.n == 0 and math.isnan(v.value)
    assert v.detail.endswith("(init he, depth 10)")


def test_per_seed_averages_the_cells_of_a_seed():
    frame = pd.DataFrame({"seed": [0, 0, 1], "x": [1.0, 3.0, 5.0]})
    assert per_seed(frame, "x").to_dict() == {0: 2.0, 1: 5.0}
    assert per_seed(frame.iloc[:0], "x").empty


def test_a_headline_depth_is_a_number_the_deepest_or_the_deepest_trained():
    depths = [2, 10, 5, 10]
    assert resolve_depth(5, depths) == 5 and resolve_depth("deepest", depths) == 10
    assert resolve_depth("deepest_trained", depths, trained_depths=[2, 5]) == 5
    assert resolve_depth("deepest_trained", depths) == 10  # no depth trains (or no floor): the deepest
    assert resolve_depth("deepest", []) is None and resolve_depth("deepest_trained", []) is None


def test_the_headline_verdict_is_the_rule_at_the_resolved_depth_or_says_there_are_no_runs():
    from dltips.claims import early_layers

    headline = early_layers.Settings().headline  # default init, deepest_trained
    def rule(init, depth):
        return compare(HOLDS, 0.0, ">", f"{init} depth {depth}")
    assert headline_verdict(headline, [1, 3, 5], rule, "s", trained_depths=[1, 3]).statistic == "default depth 3"
    assert headline_verdict(headline, [1, 3, 5], rule, "s").statistic == "default depth 5"
    none = headline_verdict(headline, [], rule, "ratio")
    assert none.statistic == "ratio" and none.n == 0 and "(init default, depth deepest_trained)" in none.detail


def test_a_figure_legend_gives_each_entry_its_seed_count():
    import matplotlib.pyplot as plt

    from dltips.claims.panels import legend_with_n

    fig, ax = plt.subplots()
    for name in ("relu", "sigmoid"):
        ax.plot([0, 1], [0, 1], label=name)
    frame = pd.DataFrame({"activation": ["relu"] * 4, "seed": [0, 1, 2, 2]})
    legend_with_n(ax, frame, "activation")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["relu (n = 3 seeds)", "sigmoid"]
    plt.close(fig)


def test_one_init_and_depth_headline_with_each_claims_own_defaults():
    from dltips.claims import early_layers, relu_fixes_depth, relu_variants, settings_of

    assert dict(early_layers.Settings().headline) == {"init": "default", "depth": "deepest_trained"}
    assert dict(relu_fixes_depth.Settings().headline) == {"init": "he", "depth": "deepest"}
    # a config that sets the depth alone keeps the claim's own init, not another claim's
    assert dict(settings_of(relu_variants.ID, {"headline": {"depth": 7}}).headline) == {"init": "he", "depth": 7,
                                                                                         "optimizer": "sgd"}
    for bad in ("deep", 0):
        with pytest.raises(ValidationError, match="deepest_trained"):
            relu_variants.Settings().replace(headline={"depth": bad})
    # the class belongs to the claim's module, where pickle (a worker process) finds it
    settings = relu_fixes_depth.Settings()
    assert type(settings.headline).__module__ == relu_fixes_depth.__name__
    assert pickle.loads(pickle.dumps(settings)) == settings


def test_a_missing_number_is_none_nan_infinite_or_pandas_na_and_nothing_else():
    import numpy as np

    from dltips.io import finite_or_none, missing
    from dltips.verdicts import number

    for absent in (None, math.nan, math.inf, -math.inf, np.float32("nan"), np.float64("inf"), pd.NA, pd.NaT):
        assert missing(absent) and number(absent) == "n/a", absent
    for present in (0, 0.0, -1e-300, np.int64(3), np.float32(2.5), True, "nan", "", [math.nan], {}):
        assert not missing(present), present
    # what a claim's JSON record holds: null for each missing number, every other value as it is
    assert finite_or_none({"v": np.float32("nan"), "n": 3, "why": "", "parts": []}) == {
        "v": None, "n": 3, "why": "", "parts": []}
