"""The grid overview panels: what they average is what their titles say."""

import math

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from dltips import overview


def grid_runs() -> pd.DataFrame:
    rows = []
    for dataset in ("mnist1d", "digits"):
        for reg in ("none", "l2"):
            for act in ("relu", "sigmoid"):
                for opt in ("sgd", "adam"):
                    for seed in range(3):
                        # relu/adam/none on mnist1d: every seed diverged; sigmoid/sgd/l2: one seed did
                        diverged = (dataset, act, opt, reg) == ("mnist1d", "relu", "adam", "none") or (
                            (act, opt, reg, seed) == ("sigmoid", "sgd", "l2", 0))
                        accuracy = 0.1 if diverged else 0.5 + 0.1 * (act == "relu") + 0.01 * seed
                        rows.append({"study": "grid", "dataset": dataset, "activation": act, "optimizer": opt,
                                     "regularizer": reg, "seed": seed, "diverged": diverged,
                                     "final_test_accuracy": accuracy})
    # a sweep's runs are not the grid's
    rows.append({**rows[0], "study": "depth", "final_test_accuracy": 0.99})
    return pd.DataFrame(rows)


def test_cell_means_leave_diverged_runs_out_and_keep_every_cell():
    tables = overview.cell_means(grid_runs())
    assert list(tables) == [(d, r) for d in ("mnist1d", "digits") for r in ("none", "l2")]
    none = tables["mnist1d", "none"]
    assert list(none.index) == ["relu", "sigmoid"] and list(none.columns) == ["sgd", "adam"]
    assert math.isnan(none.loc["relu", "adam"])  # every seed diverged: blank, not chance level
    assert none.loc["relu", "sgd"] == pytest.approx(0.61)  # seeds 0.60, 0.61, 0.62; the sweep's 0.99 ignored
    assert tables["digits", "l2"].loc["sigmoid", "sgd"] == pytest.approx(0.515)  # seeds 1 and 2 only
    assert tables["digits", "none"].loc["relu", "adam"] == pytest.approx(0.61)  # each dataset its own panel


def test_heatmap_draws_a_panel_per_dataset_and_regularizer():
    fig = overview.heatmap(grid_runs())
    try:
        assert len(fig.axes) == 4
        assert "diverged runs are left out" in fig.get_suptitle()
        # a row of panels per dataset, a panel per regularizer
        assert [(ax.get_ylabel(), ax.get_title()) for ax in fig.axes] == [
            ("mnist1d: activation", "regularizer:\nnone"), ("", "regularizer:\nl2"),
            ("digits: activation", "regularizer:\nnone"), ("", "regularizer:\nl2")]
    finally:
        plt.close(fig)


def test_the_learning_rate_panel_shows_each_conditions_rate_and_marks_edge_and_untrainable_picks():
    from dltips.overview import chosen_rates, learning_rates

    base = {"dataset": "mnist1d", "optimizer": "sgd", "width": 100, "init": "default"}
    runs = pd.DataFrame([
        {**base, "study": "grid", "activation": "relu", "depth": 4, "regularizer": r, "variant": r, "seed": s,
         "lr": 0.1, "lr_status": "interior"} for r in ("none", "early_stopping") for s in (0, 1)
    ] + [
        {**base, "study": "depth", "activation": "sigmoid", "depth": d, "regularizer": "none", "variant": "none",
         "seed": 0, "lr": lr, "lr_status": st} for d, lr, st in ((2, 3.0, "edge"), (10, 0.01, "untrainable"))
    ])
    rates = chosen_rates(runs)
    assert len(rates) == 3 and "early_stopping" not in set(rates.variant)  # it trains at none's rate
    grid, depth = (learning_rates(runs, study) for study in ("grid", "depth"))  # a figure per study
    texts = lambda fig: {t.get_text() for ax in fig.axes for t in ax.texts}  # noqa: E731
    assert texts(grid) == {"1e-1"} and {"3e0*", "1e-2×"} <= texts(depth)
    assert [ax.get_title() for ax in depth.axes] == ["mnist1d"]  # a panel per dataset
