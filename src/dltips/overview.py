"""Overview panels of the grid: what a reader looks at before the claims."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from . import figures

FACTORS = ("activation", "optimizer", "regularizer")


def grid_runs(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs.study == "grid"].copy()


def chance_level(runs: pd.DataFrame, margin: float) -> pd.Series:
    """A run that ends within `margin` of guessing the majority class learned nothing.
    Chance is 1/n_classes, approximated by 0.1 for the ten-class datasets used here."""
    return ~runs.diverged.astype(bool) & (runs.final_test_accuracy < 0.1 + margin)


def cell_means(runs: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
    """(dataset, regularizer) -> activation x optimizer table of mean final test accuracy over
    seeds. Diverged runs are left out (their accuracy is a frozen model's, not a trained one's),
    so a cell where every seed diverged is empty; every table has every activation and optimizer
    of the grid, in grid order, so panels side by side line up."""
    grid = grid_runs(runs)
    trained = grid[~grid.diverged.astype(bool)]
    rows, cols = list(dict.fromkeys(grid.activation)), list(dict.fromkeys(grid.optimizer))
    out = {}
    for dataset in dict.fromkeys(grid.dataset):
        for reg in dict.fromkeys(grid.regularizer):
            here = trained[(trained.dataset == dataset) & (trained.regularizer == reg)]
            means = here.groupby(["activation", "optimizer"]).final_test_accuracy.mean().unstack()
            out[dataset, reg] = means.reindex(index=rows, columns=cols)
    return out


def heatmap(runs: pd.DataFrame):
    tables = cell_means(runs)
    datasets, regs = list(dict.fromkeys(d for d, _ in tables)), list(dict.fromkeys(r for _, r in tables))
    fig, axes = plt.subplots(len(datasets), len(regs), figsize=(4.2 * len(regs), 4.2 * len(datasets)),
                             sharey=True, squeeze=False)
    for (dataset, reg), cell in tables.items():
        ax = axes[datasets.index(dataset)][regs.index(reg)]
        sns.heatmap(cell, annot=True, fmt=".2f", vmin=0, vmax=1, cmap="viridis", cbar=False, ax=ax)
        ax.grid(False)  # a blank cell stays blank
        ax.set_title(f"{dataset}, regularizer: {reg}" if len(datasets) > 1 else f"regularizer: {reg}")
        ax.set(xlabel="optimizer", ylabel="activation" if reg == regs[0] else "")
    grid = grid_runs(runs)
    fig.suptitle(f"Mean final test accuracy (fraction) per cell, {figures.n_label(grid, ['dataset', *FACTORS])} "
                 "per cell; diverged runs are left out (a blank cell: every seed diverged)")
    return fig


def factor_effects(runs: pd.DataFrame):
    grid = grid_runs(runs)
    grid = grid[~grid.diverged.astype(bool)]
    fig, axes = plt.subplots(1, len(FACTORS), figsize=(14, 4.2), sharey=True)
    for ax, factor in zip(axes, FACTORS):
        sns.pointplot(data=grid, x=factor, y="final_test_accuracy", errorbar=figures.CI, seed=figures.BOOT_SEED,
                      ax=ax, linestyle="none", capsize=0.2)
        ax.set(xlabel=factor, ylabel="final test accuracy (fraction)")
        ax.tick_params(axis="x", rotation=30)
        n = grid.groupby(factor).size()
        ax.set_title(f"by {factor} (n = {n.min()}–{n.max()} runs per level)")
    fig.suptitle("Factor effects: mean over all other factors and seeds, 95% bootstrap interval")
    return fig


def failure_map(runs: pd.DataFrame, chance_margin: float):
    grid = grid_runs(runs)
    grid["outcome"] = np.select(
        [grid.diverged.astype(bool), chance_level(grid, chance_margin)], ["diverged", "chance level"], "trained"
    )
    failed = grid.assign(failed=grid.outcome != "trained")
    table = failed.pivot_table(index=["activation"], columns=["optimizer", "regularizer"], values="failed", aggfunc="mean")
    fig, ax = plt.subplots(figsize=(max(8, 0.45 * table.shape[1]), 4.5))
    sns.heatmap(table, vmin=0, vmax=1, cmap="Reds", cbar_kws={"label": "fraction of seeds failed"}, ax=ax,
                linewidths=0.5, linecolor="white")
    counts = grid.outcome.value_counts()
    ax.set_title("Failure map: diverged (non-finite loss) or chance-level test accuracy "
                 f"(< {0.1 + chance_margin:.2f})\nruns: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    ax.set(xlabel="optimizer – regularizer", ylabel="activation")
    return fig


STATUS_MARK = {"interior": "", "edge": "*", "untrainable": "×", "fixed": ""}
RATE_AXES = ("dataset", "activation", "init", "optimizer", "depth", "width", "variant")


def chosen_rates(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per study and condition: the rate its runs trained at and how it was chosen.
    Early stopping trains at the unregularized rate, so its rows would only repeat those."""
    keep = runs[runs.regularizer != "early_stopping"]
    return (keep.groupby(["study", *RATE_AXES], sort=False)
            .agg(lr=("lr", "first"), status=("lr_status", "first")).reset_index())


def _rate_panel(ax, rows: pd.DataFrame, study: str) -> None:
    varying = [a for a in RATE_AXES if rows[a].nunique() > 1]
    down = [a for a in ("activation", "init") if a in varying] or ["activation"]
    across = [a for a in varying if a not in down] or ["optimizer"]
    label = lambda frame, axes: frame[axes].astype(str).agg(", ".join, axis=1)  # noqa: E731
    cells = rows.assign(row=label(rows, down), col=label(rows, across), log_lr=np.log10(rows.lr),
                        text=[f"{lr:.0e}{STATUS_MARK.get(s, '?')}".replace("e-0", "e-").replace("e+0", "e")
                              for lr, s in zip(rows.lr, rows.status)])
    order_r, order_c = list(dict.fromkeys(cells.row)), list(dict.fromkeys(cells.col))
    values = cells.pivot(index="row", columns="col", values="log_lr").reindex(index=order_r, columns=order_c)
    text = cells.pivot(index="row", columns="col", values="text").reindex(index=order_r, columns=order_c)
    sns.heatmap(values, annot=text, fmt="", cmap="viridis", vmin=-5, vmax=1.5, cbar=False, ax=ax,
                annot_kws={"fontsize": 9}, linewidths=0.5, linecolor="white")
    ax.set_title(f"study: {study}", fontsize=11)
    ax.set(xlabel=" × ".join(across), ylabel=" × ".join(down))
    ax.tick_params(axis="x", rotation=30, labelsize=9)
    ax.tick_params(axis="y", rotation=0, labelsize=9)


def learning_rates(runs: pd.DataFrame):
    """The rate every condition trained at, per study: * = still on the edge of its grid after
    extending to the bounds, × = no rate trained the net (best validation accuracy at chance)."""
    rates = chosen_rates(runs)
    studies = list(dict.fromkeys(rates.study))
    # a panel's height follows its rows, plus room for its rotated column labels
    heights = [rates[rates.study == s].groupby(["activation", "init"]).ngroups + 3 for s in studies]
    fig, axes = plt.subplots(len(studies), 1, figsize=(12, 0.4 * sum(heights) + 1.5), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, study in zip(axes[:, 0], studies):
        _rate_panel(ax, rates[rates.study == study], study)
    counts = rates.status.value_counts()
    fig.suptitle("Learning rate chosen per condition (validation split, tuning seeds apart from the reported ones)\n"
                 "* = pick on the edge of the extended grid, × = no rate trains the net; conditions: "
                 + ", ".join(f"{k} {v}" for k, v in counts.items()), fontsize=11)
    fig.tight_layout()
    return fig
