"""How much the final test accuracy of one grid cell varies between seeds, per activation: the
example of a rule of the user's own (workflow/rules/user/seed_spread.smk; README: A rule of your
own). It reads runs.csv only, as any rule built on the study's tables would."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from . import figures

CELL = ["dataset", "activation", "optimizer", "regularizer"]


def cell_spread(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per grid cell (dataset × activation × optimizer × regularizer): its trained seeds,
    their mean final test accuracy and its standard deviation over seeds (fraction; n − 1 in the
    denominator, empty where fewer than two seeds trained). Diverged runs are left out: their
    accuracy is a frozen model's. Seeds are compared within a cell only, never pooled across
    cells, whose means differ."""
    grid = runs[runs.study == "grid"]
    trained = grid[~grid.diverged.astype(bool)]
    cells = grid[CELL].drop_duplicates()  # a cell where every seed diverged stays, with no seeds
    stats = (trained.groupby(CELL, sort=False).final_test_accuracy
             .agg(seeds="count", mean_test_accuracy="mean", sd_test_accuracy=lambda a: a.std(ddof=1))
             .reset_index())
    out = cells.merge(stats, on=CELL, how="left")
    out["seeds"] = out.seeds.fillna(0).astype(int)
    return out.reset_index(drop=True)


def figure(spread: pd.DataFrame):
    """A panel per dataset: each cell's seed standard deviation as a dot over its activation, the
    median over an activation's cells as a bar."""
    datasets = list(dict.fromkeys(spread.dataset))
    activations = list(dict.fromkeys(spread.activation))
    width = min(figures.WIDTH, max(6.0, 1.5 + 4.2 * len(datasets)))
    fig, axes = plt.subplots(1, max(1, len(datasets)), figsize=(width, 4.6), sharey=True, squeeze=False,
                             layout="constrained")
    for ax, dataset in zip(axes[0], datasets):
        here = spread[(spread.dataset == dataset) & spread.sd_test_accuracy.notna()]
        x = here.activation.map({a: i for i, a in enumerate(activations)})
        jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(here))  # fixed: the same table, the same figure
        ax.scatter(x + jitter, here.sd_test_accuracy, s=18, alpha=0.7, label="one optimizer × regularizer cell")
        medians = here.groupby("activation").sd_test_accuracy.median().reindex(activations)
        ax.hlines(medians, np.arange(len(activations)) - 0.3, np.arange(len(activations)) + 0.3, color="black",
                  label="median over cells")
        ax.set_xticks(range(len(activations)), activations, rotation=30, fontsize=figures.MIN_FONT)
        ax.set(title=dataset, xlabel="activation", xlim=(-0.6, len(activations) - 0.4))
        ax.set_ylim(bottom=0)  # a spread of 0 is the floor: the dots' distance from it is the spread
    axes[0][0].set_ylabel("test accuracy: SD over seeds (fraction)")
    trained = spread.seeds[spread.seeds > 0]
    seeds = (f"{trained.min()}–{trained.max()} seeds per cell" if len(trained) and trained.min() != trained.max()
             else f"{trained.max() if len(trained) else 0} seeds per cell")
    fig.suptitle(figures.wrap_to(f"Seed spread of final test accuracy per activation (grid; {seeds}, "
                                 "diverged runs left out)", width), fontsize=figures.TITLE_FONT)
    fig.canvas.draw()  # the legend goes under the tick labels, which the layout has placed
    figures.legend(axes[0][0], **figures.below(axes[0][0], ncol=2))
    return fig
