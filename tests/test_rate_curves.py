"""The claims about training drawn against the learning rate: what the rate search measured of
every candidate (tuning.csv), a line per arm, halved candidates marked, the pick and its ties
ringed (dltips.claims.rate_curves), in relu-variants' and relu-fixes-depth's figures."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from claim_tables import (RATE_GRID, dataset_sizes, geometric, sweep_layers, sweep_runs, synthetic_slopes,
                          synthetic_tuning)
from dltips.claims import relu_fixes_depth, relu_variants, settings_of
from dltips.claims.rate_curves import FULL, rate_curves
from dltips.claims.runner import verdict_of
from test_claims_activations import GAINS, variant_runs
from test_claims_depth import SMALL_NETS

BEST = {"relu": 0.003, "leaky_relu": 0.01, "prelu": 0.03, "elu": 0.1}


def test_a_curve_is_each_rates_statistic_with_how_long_it_trained_and_the_pick_and_ties_marked():
    tuning = synthetic_tuning("variants", BEST, 10, "he")
    where = {"study": "variants", "depth": 10, "optimizer": "sgd", "condition": "none/he"}
    curves = rate_curves(tuning, "train_loss", ["relu", "elu"], where)
    relu = curves[curves.arm == "relu"].set_index("lr")
    assert list(curves.arm.unique()) == ["relu", "elu"] and list(relu.index) == list(RATE_GRID)
    # 0.1 at the best rate plus 0.2 a decade; the confirmation row (train loss 9) is no candidate
    assert relu.value[0.003] == pytest.approx(0.1) and relu.value[0.03] == pytest.approx(0.3)
    assert relu.value.max() < 9
    assert relu.trained[0.0001] == "halved at epoch 3" and relu.halved_at[0.3] == 10 and relu.trained[0.01] == FULL
    assert relu.diverged[3.0] and math.isnan(relu.value[3.0]) and not relu.diverged[1.0]
    assert list(relu.index[relu.chosen]) == [0.003] and list(relu.index[relu.tied]) == [0.001]
    assert set(relu.n_seeds) == {1}
    # the condition's other optimizer, depth or init is another curve
    assert rate_curves(tuning, "train_loss", ["relu"], {**where, "optimizer": "adam"}).value.notna().sum() == 9
    assert rate_curves(tuning, "train_loss", ["relu"], {**where, "depth": 4}).empty


def test_a_curve_averages_the_tuning_seeds_and_a_rate_that_diverged_on_one_has_no_point():
    one = synthetic_tuning("variants", {"relu": 0.01}, 10, "he", optimizers=("sgd",))
    one = one[one.fate != "confirmed"]
    other = one.assign(seed=1001, train_loss=one.train_loss + 0.2,
                       diverged=one.diverged | (one.lr == 0.03), fate=np.where(one.lr == 0.03, "diverged", one.fate))
    curves = rate_curves(pd.concat([one, other]), "train_loss", ["relu"], {"condition": "none/he"}).set_index("lr")
    assert curves.value[0.01] == pytest.approx(0.2) and set(curves.n_seeds) == {2}
    assert curves.diverged[0.03] and math.isnan(curves.value[0.03])


def test_a_statistic_the_search_does_not_record_is_refused_by_name():
    with pytest.raises(ValueError, match=r"statistic: 'test_loss'.*'train_loss', 'train_accuracy'"):
        rate_curves(synthetic_tuning("variants", BEST, 10, "he"), "test_loss", ["relu"], {})


def _rate_axes(fig):
    [ax] = [a for a in fig.axes if "against the rate" in a.get_title()]
    return ax


def _drawn(ax, color, marker, filled=True):
    """The x and the y of the markers of `color` and shape drawn on `ax` (filled or hollow), by x."""
    points = []
    for line in ax.get_lines():
        face = line.get_markerfacecolor()
        hollow = isinstance(face, str) and face == "none"
        if line.get_marker() == marker and hollow != filled and np.allclose(
                plt.matplotlib.colors.to_rgb(line.get_markeredgecolor()), plt.matplotlib.colors.to_rgb(color)):
            points += list(zip(line.get_xdata(), line.get_ydata()))
    points = sorted(points)
    return [x for x, _ in points], [y for _, y in points]


def test_relu_variants_draws_training_loss_against_the_rate_per_activation_at_the_headline():
    s = settings_of(relu_variants.ID)
    tuning = pd.concat([synthetic_tuning("variants", BEST, 10, "he"),
                        synthetic_tuning("variants", {a: 1.0 for a in BEST}, 4, "he")])  # not the headline's depth
    tables = {"runs": variant_runs(GAINS), "slopes": synthetic_slopes(), "tuning": tuning}
    ev = relu_variants.CLAIM.evidence(tables, s)
    fig = relu_variants.figure(tables, ev, verdict_of(relu_variants.CLAIM, ev, s), s)
    try:
        ax = _rate_axes(fig)
        assert "sgd, depth 10, he init" in ax.get_title() and "1 tuning seed" in ax.get_title()
        assert ax.get_xscale() == "log" and "nats" in ax.get_ylabel() and "learning rate" in ax.get_xlabel()
        relu = [line for line in ax.get_lines() if line.get_label() == "relu"][0]
        full = [lr for lr in RATE_GRID if lr not in (0.0001, 0.0003, 0.3, 3.0)]
        assert list(relu.get_xdata()) == full
        assert list(relu.get_ydata()) == pytest.approx([0.1 + 0.2 * abs(math.log10(lr / 0.003)) for lr in full])
        color = relu.get_color()
        xs, ys = _drawn(ax, color, "v", filled=False)  # halved at epoch 3
        assert xs == [0.0001, 0.0003] and ys == pytest.approx([0.1 + 0.2 * math.log10(30), 0.3])
        assert _drawn(ax, color, "s", filled=False) == ([0.3], pytest.approx([0.5]))  # halved at epoch 10
        xs, ys = _drawn(ax, "k", "o", filled=False)  # each activation's pick
        assert xs == sorted(BEST.values()) and ys == pytest.approx([0.1] * 4)
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert {"relu", "elu", "the pick", "tied with the pick", "halved at epoch 3, 10"} <= set(legend)
    finally:
        plt.close(fig)


def test_relu_fixes_depth_draws_train_accuracy_against_the_rate_and_a_study_without_a_search_says_so():
    s = settings_of(relu_fixes_depth.ID, SMALL_NETS)

    def train(act, depth, init):
        return 0.6 if act == "relu" or depth == 1 else 0.3

    runs = sweep_runs(train)
    layers = sweep_layers(runs, geometric({"sigmoid": -0.8, "relu": 0.0}), lambda *a: 1.0)
    tuning = synthetic_tuning("depth", {"relu": 0.01, "sigmoid": 0.3}, 5, "he", optimizers=("sgd",))
    for given, points in ((tuning, 6), (tuning.iloc[:0], 0)):
        tables = {"runs": runs, "layers": layers, "tuning": given, "datasets": dataset_sizes()}
        ev = relu_fixes_depth.CLAIM.evidence(tables, s)
        fig = relu_fixes_depth.figure(tables, ev, verdict_of(relu_fixes_depth.CLAIM, ev, s), s)
        try:
            ax = _rate_axes(fig)
            assert "depth 5, he init" in ax.get_title() and "accuracy" in ax.get_ylabel()
            lines = {line.get_label(): line for line in ax.get_lines()}
            if points:
                assert list(lines["relu"].get_ydata()) == pytest.approx(
                    [0.9 - 0.2 * abs(math.log10(lr / 0.01)) for lr in RATE_GRID if lr not in (0.0001, 0.0003, 0.3, 3.0)])
                assert len(lines["relu"].get_xdata()) == points
            else:
                assert "relu" not in lines and any("no candidates" in t.get_text() for t in ax.texts)
        finally:
            plt.close(fig)
