"""The example rule of the user's own: the seed spread of test accuracy per grid cell."""

import numpy as np
import pandas as pd
import pytest

from dltips.seed_spread import cell_spread, figure


def runs_table(rows):
    return pd.DataFrame(rows, columns=["study", "dataset", "activation", "optimizer", "regularizer", "seed",
                                       "diverged", "final_test_accuracy"])


def test_the_spread_is_the_seed_sd_within_each_cell_not_across_cells():
    runs = runs_table([
        ("grid", "d", "relu", "sgd", "none", 0, False, 0.80), ("grid", "d", "relu", "sgd", "none", 1, False, 0.90),
        ("grid", "d", "relu", "adam", "none", 0, False, 0.20), ("grid", "d", "relu", "adam", "none", 1, False, 0.20),
        ("depth", "d", "relu", "sgd", "none", 0, False, 0.0),  # another study's run: not the grid's
    ])
    spread = cell_spread(runs).set_index("optimizer")
    assert spread.seeds.tolist() == [2, 2]
    assert spread.sd_test_accuracy["sgd"] == pytest.approx(np.std([0.8, 0.9], ddof=1))
    assert spread.sd_test_accuracy["adam"] == 0  # pooled over both cells it would be about 0.35
    assert spread.mean_test_accuracy["sgd"] == pytest.approx(0.85)


def test_diverged_runs_are_left_out_and_a_cell_without_trained_seeds_stays_empty():
    runs = runs_table([
        ("grid", "d", "sigmoid", "sgd", "l2", 0, False, 0.5), ("grid", "d", "sigmoid", "sgd", "l2", 1, True, 0.1),
        ("grid", "d", "tanh", "sgd", "l2", 0, True, 0.1), ("grid", "d", "tanh", "sgd", "l2", 1, True, 0.1),
    ])
    spread = cell_spread(runs).set_index("activation")
    assert spread.seeds.to_dict() == {"sigmoid": 1, "tanh": 0}
    assert spread.sd_test_accuracy.isna().all()  # one seed has no spread, none has nothing


def test_the_figure_has_a_panel_per_dataset_with_a_dot_per_cell():
    rows = [("grid", d, a, o, "none", s, False, 0.5 + 0.1 * s * (a == "relu"))
            for d in ("mnist1d", "digits") for a in ("relu", "tanh") for o in ("sgd", "adam") for s in (0, 1)]
    fig = figure(cell_spread(runs_table(rows)))
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["mnist1d", "digits"]
    assert len(axes[0].collections[0].get_offsets()) == 4  # 2 activations × 2 optimizers
    assert "2 seeds per cell" in fig._suptitle.get_text()
