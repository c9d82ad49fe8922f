"""Overview panels of the grid: what a reader looks at before the claims."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from . import figures
from .words import count, listing, number

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
    """A row of panels per dataset, one panel per regularizer (activation down, optimizer across),
    sized so that every cell's number reads at the report's width."""
    tables = cell_means(runs)
    datasets, regs = list(dict.fromkeys(d for d, _ in tables)), list(dict.fromkeys(r for _, r in tables))
    n_rows, n_cols = next(iter(tables.values())).shape if tables else (1, 1)
    cell = min(0.6, (figures.WIDTH - 1.6) / max(1, len(regs) * n_cols))  # inches: "0.85" at 9 pt needs 0.3
    width = min(figures.WIDTH, 1.6 + len(regs) * (n_cols * cell + 0.15))
    fig, axes = plt.subplots(len(datasets), len(regs), figsize=(width, len(datasets) * (n_rows * 0.34 + 1.9) + 0.8),
                             sharey=True, squeeze=False)
    for (dataset, reg), cell_table in tables.items():
        ax = axes[datasets.index(dataset)][regs.index(reg)]
        sns.heatmap(cell_table, annot=True, fmt=".2f", vmin=0, vmax=1, cmap="viridis", cbar=False, ax=ax,
                    annot_kws={"fontsize": figures.MIN_FONT})
        ax.grid(False)  # a blank cell stays blank
        ax.set_title(f"regularizer:\n{reg}", fontsize=figures.MIN_FONT + 1)
        ax.set(xlabel="optimizer", ylabel=f"{dataset}: activation" if reg == regs[0] else "")
        ax.tick_params(axis="x", rotation=90, labelsize=figures.MIN_FONT)
        ax.tick_params(axis="y", rotation=0, labelsize=figures.MIN_FONT)
    grid = grid_runs(runs)
    fig.suptitle(figures.wrap_to(f"Mean final test accuracy (fraction) per cell, "
                                 f"{figures.n_label(grid, ['dataset', *FACTORS])} per cell; diverged runs are left out "
                                 "(a blank cell: every seed diverged)", width), fontsize=figures.TITLE_FONT)
    return fig


def factor_effects(runs: pd.DataFrame):
    grid = grid_runs(runs)
    grid = grid[~grid.diverged.astype(bool)]
    fig, axes = plt.subplots(1, len(FACTORS), figsize=(figures.WIDTH, 4.4), sharey=True, layout="constrained")
    for ax, factor in zip(axes, FACTORS):
        sns.pointplot(data=grid, x=factor, y="final_test_accuracy", errorbar=figures.CI, seed=figures.BOOT_SEED,
                      ax=ax, linestyle="none", capsize=0.2)
        ax.set(xlabel=factor, ylabel="final test accuracy (fraction)")
        ax.tick_params(axis="x", rotation=30)
        n = grid.groupby(factor).size()
        ax.set_title(f"by {factor}\n(n = {n.min()}–{n.max()} runs per level)", fontsize=figures.TITLE_FONT)
    datasets = list(dict.fromkeys(grid.dataset))
    pooled = f"datasets pooled ({listing(datasets)})" if len(datasets) > 1 else f"dataset {listing(datasets)}"
    fig.suptitle(figures.wrap_to(f"Factor effects: mean over all other factors and seeds, {pooled}, 95% bootstrap "
                                 "interval", figures.WIDTH), fontsize=figures.TITLE_FONT)
    return fig


def failure_map(runs: pd.DataFrame, chance_margin: float):
    """A panel per dataset, never pooled (datasets fail differently): the fraction of seeds
    per cell (activation down, optimizer – regularizer across) that diverged or ended at
    chance, and the counts of each outcome in the panel's title."""
    grid = grid_runs(runs)
    grid["outcome"] = np.select(
        [grid.diverged.astype(bool), chance_level(grid, chance_margin)], ["diverged", "chance level"], "trained"
    )
    failed = grid.assign(failed=grid.outcome != "trained")
    datasets = list(dict.fromkeys(grid.dataset)) or [None]
    rows, cols = list(dict.fromkeys(grid.activation)), list(dict.fromkeys(zip(grid.optimizer, grid.regularizer)))
    width = min(figures.WIDTH, max(8, 0.4 * len(cols) + 2.5))
    fig, axes = plt.subplots(len(datasets), 1, figsize=(width, 0.8 + len(datasets) * (0.3 * len(rows) + 2.6)),
                             squeeze=False, layout="constrained")  # a panel's title clear of the ticks above it
    for ax, dataset in zip(axes[:, 0], datasets):
        here = failed[failed.dataset == dataset] if dataset is not None else failed
        table = here.pivot_table(index="activation", columns=["optimizer", "regularizer"], values="failed",
                                 aggfunc="mean").reindex(index=rows, columns=pd.MultiIndex.from_tuples(cols))
        sns.heatmap(table, vmin=0, vmax=1, cmap="Reds", cbar_kws={"label": "fraction of seeds failed"}, ax=ax,
                    linewidths=0.5, linecolor="white")
        counts = here.outcome.value_counts()
        ax.set_title(f"{dataset if dataset is not None else 'every dataset'}, {count(len(here), 'run')}: "
                     f"{counts.get('trained', 0)} trained, {counts.get('chance level', 0)} at chance level, "
                     f"{counts.get('diverged', 0)} diverged", fontsize=figures.TITLE_FONT)
        ax.set(xlabel="optimizer – regularizer", ylabel="activation")
        ax.set_xticks(np.arange(len(cols)) + 0.5, ["–".join(map(str, c)) for c in cols], rotation=90,
                      fontsize=figures.MIN_FONT)  # every column named, however many
        ax.tick_params(axis="y", rotation=0, labelsize=figures.MIN_FONT)  # seaborn stands them up; they collide
    fig.suptitle("Failure map, a panel per dataset: diverged (non-finite loss) or chance-level test accuracy "
                 f"(< {number(0.1 + chance_margin)})", fontsize=figures.TITLE_FONT)
    return fig


STATUS_MARK = {"interior": "", "edge": "*", "untrainable": "×", "fixed": ""}
RATE_AXES = ("dataset", "activation", "init", "optimizer", "depth", "width", "variant")


def chosen_rates(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per study and condition: the rate its runs trained at and how it was chosen.
    Early stopping trains at the unregularized rate, so its rows would only repeat those."""
    keep = runs[runs.regularizer != "early_stopping"]
    return (keep.groupby(["study", *RATE_AXES], sort=False)
            .agg(lr=("lr", "first"), status=("lr_status", "first")).reset_index())


def _rate_panel(ax, rows: pd.DataFrame, title: str, across: list[str]) -> None:
    """One study on one dataset: its conditions down (activation, init) and across (`across`),
    each cell the rate it trained at, colored by its log10."""
    down = [a for a in ("activation", "init") if rows[a].nunique() > 1] or ["activation"]
    label = lambda frame, axes: frame[axes].astype(str).agg(", ".join, axis=1)  # noqa: E731
    cells = rows.assign(row=label(rows, down), col=label(rows, across), log_lr=np.log10(rows.lr),
                        text=[f"{lr:.0e}{STATUS_MARK.get(s, '?')}".replace("e-0", "e-").replace("e+0", "e")
                              for lr, s in zip(rows.lr, rows.status)])
    order_r, order_c = list(dict.fromkeys(cells.row)), list(dict.fromkeys(cells.col))
    values = cells.pivot(index="row", columns="col", values="log_lr").reindex(index=order_r, columns=order_c)
    text = cells.pivot(index="row", columns="col", values="text").reindex(index=order_r, columns=order_c)
    sns.heatmap(values, annot=text, fmt="", cmap="viridis", vmin=-5, vmax=1.5, cbar=False, ax=ax,
                annot_kws={"fontsize": figures.MIN_FONT}, linewidths=0.5, linecolor="white")
    ax.set_title(title, fontsize=figures.MIN_FONT + 1)
    ax.set(xlabel=" × ".join(across), ylabel=" × ".join(down))
    ax.tick_params(axis="x", rotation=90, labelsize=figures.MIN_FONT)
    ax.tick_params(axis="y", rotation=0, labelsize=figures.MIN_FONT)


def _across(rows: pd.DataFrame) -> list[str]:
    """The axes a study's conditions vary on besides dataset, activation and init."""
    varying = [a for a in RATE_AXES if a not in ("dataset", "activation", "init") and rows[a].nunique() > 1]
    return varying or ["optimizer"]


def learning_rates(runs: pd.DataFrame, study: str | None = None):
    """The rate every condition of `study` (default: the first) trained at, one panel per
    dataset: * = still on the edge of its grid after extending to the bounds, × = no rate
    trained the net (best validation accuracy at chance)."""
    rates = chosen_rates(runs)
    study = study or rates.study.iloc[0]
    rates = rates[rates.study == study]
    datasets = list(dict.fromkeys(rates.dataset))
    across = _across(rates)
    n_down = max(rates[rates.dataset == d].groupby(["activation", "init"]).ngroups for d in datasets)
    n_across = max(rates[rates.dataset == d].groupby(across).ngroups for d in datasets)
    # a cell holds '3e-3*' at 9 pt; the column labels stand below each panel
    width = min(figures.WIDTH, 2.5 + 0.55 * n_across)
    fig, axes = plt.subplots(len(datasets), 1, figsize=(width, len(datasets) * (0.34 * n_down + 2.4) + 0.9),
                             squeeze=False)
    for ax, dataset in zip(axes[:, 0], datasets):
        _rate_panel(ax, rates[rates.dataset == dataset], f"{dataset}", across)
    counts = rates.status.value_counts()
    fig.suptitle(figures.wrap_to(f"Learning rate chosen per condition of study {study} (validation split, tuning "
                                 "seeds apart from the reported ones); * = pick on the edge of the extended grid, "
                                 "× = no rate trains the net; conditions: "
                                 + ", ".join(f"{k} {v}" for k, v in counts.items()), width), fontsize=figures.TITLE_FONT)
    fig.tight_layout()
    return fig


def rate_studies(runs: pd.DataFrame) -> list[str]:
    """The studies learning_rates draws, one figure each, in the order they trained."""
    return list(dict.fromkeys(chosen_rates(runs).study))
