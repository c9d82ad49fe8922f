"""Selections of the tables that several claims make: a study's runs, the runs that did
not diverge, a grid cell, the deepest net, layer statistics joined with their runs, runs
paired with a baseline's, per-seed means. One place, so two claims never select the same
thing two ways."""

import pandas as pd

from .settings import ClaimSettings, setting

RUN_KEYS = ["run_id", "study", "activation", "optimizer", "regularizer", "init", "depth", "seed"]
# the columns a pair of grid runs shares when only the activation differs
CELL = ["dataset", "optimizer", "regularizer", "variant", "depth", "width", "init", "seed"]


def runs_of(runs: pd.DataFrame, study: str) -> pd.DataFrame:
    """The runs of one study (none where the table has no study column: nothing was trained)."""
    return runs[runs.study == study] if "study" in runs else runs.iloc[:0]


def not_diverged(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs that did not diverge: a diverged net's numbers are about its failure."""
    return runs[~runs.diverged.astype(bool)] if "diverged" in runs else runs


def layers_of(tables: dict, studies) -> pd.DataFrame:
    """layers.csv joined with each run's settings; `hidden` marks hidden layers (the output
    layer, depth + 1, has a different shape, so its norm is not comparable)."""
    runs = not_diverged(tables["runs"][tables["runs"].study.isin(list(studies))])
    out = tables["layers"].merge(runs[RUN_KEYS], on="run_id")
    out["hidden"] = out.layer <= out.depth
    return out


def grid_cell(frame: pd.DataFrame, grid_study: str, optimizer: str, regularizer: str) -> pd.DataFrame:
    """Keep every study but the grid, and one (optimizer, regularizer) cell of the grid: after
    epoch 0 the cells differ, and mixing them would blur the per-activation profile."""
    grid = frame.study == grid_study
    cell = (frame.optimizer == optimizer) & (frame.regularizer == regularizer)
    return frame[~grid | cell]


def deepest(frame: pd.DataFrame, study: str, activation: str, init: str) -> pd.DataFrame:
    """Rows of the study's deepest net of one activation and init."""
    rows = frame[(frame.study == study) & (frame.activation == activation) & (frame.init == init)]
    return rows[rows.depth == rows.depth.max()]


def paired_differences(runs: pd.DataFrame, study: str, baseline: str, others, metric: str) -> pd.DataFrame:
    """One row per (activation in `others`, cell): metric minus the baseline's in that cell,
    whether either run diverged, and whether either tuned rate sat at the edge of its grid
    (runs.csv `lr_at_edge`; False where the table has no such column)."""
    runs = runs[runs.study == study].assign(diverged=lambda d: d.diverged.astype(bool),
                                            lr_at_edge=lambda d: d.get("lr_at_edge", False))
    flags = ["diverged", "lr_at_edge"]
    base = runs[runs.activation == baseline].set_index(CELL)[[metric, *flags]].rename(
        columns={metric: "baseline_value", **{f: f"baseline_{f}" for f in flags}})
    rows = runs[runs.activation.isin(list(others))].join(base, on=CELL, how="inner")
    out = rows[["activation"] + CELL].assign(
        value=rows[metric], baseline_value=rows.baseline_value,
        **{f: rows[f].fillna(False).astype(bool) | rows[f"baseline_{f}"].fillna(False).astype(bool) for f in flags})
    out["difference"] = out.value - out.baseline_value
    return out.reset_index(drop=True)


def per_seed(frame: pd.DataFrame, column: str) -> pd.Series:
    """Cells of one condition averaged within each seed: the seed is the unit of replication."""
    if not len(frame):
        return pd.Series(dtype=float)
    return frame.groupby("seed")[column].mean()


def optimizer_seed_means(runs: pd.DataFrame, study: str, optimizers=None) -> pd.DataFrame:
    """Mean final test accuracy per (optimizer, seed) over the study's non-diverged runs: one
    number per seed, so intervals are over seeds. Also used by adaptive-lr."""
    runs = runs[runs.study == study]
    if optimizers is not None:
        runs = runs[runs.optimizer.isin(optimizers)]
    ok = runs[~runs.diverged.astype(bool)]
    means = ok.groupby(["optimizer", "seed"], as_index=False).agg(
        test_accuracy=("final_test_accuracy", "mean"), runs=("final_test_accuracy", "size"))
    diverged = runs.groupby(["optimizer", "seed"]).diverged.apply(lambda d: int(d.astype(bool).sum()))
    return means.merge(diverged.rename("diverged").reset_index(), on=["optimizer", "seed"], how="left")


class SweepAndGrid(ClaimSettings):
    """Settings of a claim that reads layer statistics of a depth sweep and, for its other
    activations, of one cell of the grid."""

    study: str = setting("depth", "the sweep of depths the statistic reads (runs.csv `study`)")
    grid_study: str = setting("grid", "the grid, drawn for its other activations at its own depth")
    grid_optimizer: str = setting("sgd", "grid cell drawn (cells differ after epoch 0): an optimizer of "
                                         "grid.optimizers", registry="optimizer")
    grid_regularizer: str = setting("none", "... and a regularizer of grid.regularizers", registry="regularizer")


def sweep_and_grid_layers(tables: dict, settings: SweepAndGrid) -> pd.DataFrame:
    """Layer statistics of the sweep and of the settings' one grid cell (grid_cell)."""
    return grid_cell(layers_of(tables, [settings.study, settings.grid_study]), settings.grid_study,
                     settings.grid_optimizer, settings.grid_regularizer)
