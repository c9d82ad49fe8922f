"""Every table of a study (`results/tables/<name>.csv`): its columns, in order, and their types.

CSV keeps no types: a column of True/False with one empty cell reads back as text, an integer
column with an empty cell as float. `read_table` restores the declared types, `write_table`
refuses a frame whose columns are not the declared ones. README: Tables describes each column;
tests/test_tables.py holds it to these declarations.

Types: str, int (left float where a cell is empty), float, bool (nullable where a cell is empty).
Torch-free: claims that only read tables must not import torch.
"""

from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from .data import SPLITS
from .io import write_csv
from .regularizers import Regularization


@dataclass(frozen=True)
class Columns:
    """Column name -> type, in the order the table holds them."""

    types: dict[str, type]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.types)

    def __add__(self, other: "Columns") -> "Columns":
        return Columns({**self.types, **other.types})


def columns(**types: type) -> Columns:
    return Columns(types)


def _named(names, kind: type) -> Columns:
    return Columns({name: kind for name in names})


RUN_ID = columns(run_id=str)
DATASET = columns(dataset=str)  # derived tables: claims are judged per dataset (claims.conditions)

# ---- what a run directory holds (dltips.contract) ---------------------------------------
RUN_EPOCHS = columns(epoch=int, split=str, loss=float, accuracy=float)
RUN_LAYERS = columns(epoch=int, layer=int, grad_norm=float, weight_norm=float, rel_change=float, act_mean=float,
                     saturated=float)
EPOCH_COLUMNS = RUN_EPOCHS.names
LAYER_COLUMNS = RUN_LAYERS.names


def _field_type(annotation) -> type:
    """A Regularization field's column type; `int | None` (a setting that may be off) is int."""
    kinds = {bool: bool, int: int, float: float, int | None: int, float | None: float}
    if annotation not in kinds:
        raise TypeError(f"Regularization field of type {annotation}: give tables.py its column type")
    return kinds[annotation]


def _sorted(declared: Columns) -> Columns:
    return Columns(dict(sorted(declared.types.items())))


# the run summary (recorder.Recorder.result; final = at reported_epoch, best = at best_epoch) and the
# run's regularization settings: runs.csv takes them from metrics.json and config.json, which keep
# their keys sorted, and so in that order
RUN_METRICS = _sorted(columns(epochs_run=int, best_epoch=int, reported_epoch=int, diverged=bool,
                              stopped_on_plateau=bool, seconds=float, stack_size=int)
                      + _named([f"{when}_{split}_{metric}" for split in SPLITS for metric in ("loss", "accuracy")
                                for when in ("final", "best")], float))
REGULARIZATION = _sorted(Columns({f.name: _field_type(f.type) for f in fields(Regularization)}))
JOB_CELL = columns(job=str, study=str, dataset=str, activation=str, optimizer=str)

# ---- tables gathered from run directories (dltips.collect) --------------------------------
# the rate decision a run trains at (tuning.arm_of): the judging swaps an arm's rows for its tied runs
ARM = columns(arm=str)
RUNS = (RUN_ID + ARM + JOB_CELL
        + columns(regularizer=str, variant=str, seed=int, depth=int, width=int, init=str, lr=float, lr_source=str,
                  lr_status=str, lr_at_edge=bool)
        + REGULARIZATION + columns(epochs=int) + RUN_METRICS)
# one per candidate and seed (dltips.tuning): its own numbers, the score its fate was decided on and
# the pick's at that decision, the condition's noise, whether it ties with the pick, and its training
# loss and accuracy at its last epoch (the claims about training draw them against the rate)
TUNING_RECORD = columns(condition=str, round=int, lr=float, seed=int, best_val_accuracy=float, diverged=bool,
                        epochs_trained=int, fate=str, score=float, pick_score=float, seed_sd=float, tie_noise=float,
                        tied_with_pick=bool, chosen=bool, train_loss=float, train_accuracy=float)
TUNING = JOB_CELL + columns(depth=int, width=int) + ARM + TUNING_RECORD + columns(status=str)

# ---- tables of trained weights (dltips.weights) -------------------------------------------
NEAR_ZERO = (1e-2, 1e-3, 1e-4)  # "near zero" at three honest scales


def near_zero_column(threshold: float) -> str:
    return f"frac_below_{threshold:.0e}".replace("e-0", "e-")


WEIGHTS = (RUN_ID + columns(layer=int, n=int, abs_max=float, q50=float, q90=float, q99=float)
           + _named(map(near_zero_column, NEAR_ZERO), float))
WEIGHT_HIST = RUN_ID + columns(layer=int, bin_low=float, bin_high=float, count=int)
SLOPES = RUN_ID + columns(layer=int, unit=int, slope=float)

# ---- tables computed from trained models, per job (dltips.posthoc, dltips.derived) ---------
DROPOUT_EVAL = RUN_ID + columns(regularizer=str, width=int, dropout_input=float, dropout_hidden=float, seed=int,
                                method=str, k=int, test_accuracy=float, test_loss=float, test_accuracy_se=float,
                                test_loss_se=float, mean_top_probability=float, n_test=int, right_where_ws_wrong=int,
                                wrong_where_ws_right=int, test_loss_paired_se=float)
ENSEMBLE = columns(job=str) + ARM + columns(k=int, draw=int, members=str, test_accuracy=float, test_loss=float)
MAXOUT_UNITS = RUN_ID + columns(layer=int, unit=int, t=float, response=float)

# one row per dataset (dltips.dataset_sizes): its splits' sizes and the training samples a run evaluates
DATASETS = DATASET + _named([*SPLITS, "train_evaluated"], int)

TABLES: dict[str, Columns] = {
    "runs": RUNS,
    "epochs": RUN_ID + RUN_EPOCHS,
    "layers": RUN_ID + RUN_LAYERS,
    "tuning": TUNING,
    "weights": WEIGHTS,
    "weight_hist": WEIGHT_HIST,
    "slopes": SLOPES,
    # a derived table is its function's rows with the dataset of their job in front
    "dropout_eval": DATASET + DROPOUT_EVAL,
    "ensemble": DATASET + ENSEMBLE,
    "maxout_units": DATASET + MAXOUT_UNITS,
    "datasets": DATASETS,
}


def _table(name: str) -> Columns:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; declared: {', '.join(TABLES)}") from None


def check_columns(declared: Columns, frame: pd.DataFrame, what: str) -> None:
    if list(frame.columns) != list(declared.names):
        missing = [c for c in declared.names if c not in frame.columns]
        extra = [c for c in frame.columns if c not in declared.types]
        raise ValueError(f"{what}: columns differ from the declared ones (dltips.tables); missing: {missing}, "
                         f"undeclared: {extra}" + ("" if missing or extra else ", order differs"))


def restore_types(declared: Columns, frame: pd.DataFrame, what: str) -> pd.DataFrame:
    extra = [c for c in frame.columns if c not in declared.types]
    if extra:
        raise ValueError(f"{what}: undeclared column(s) {extra} (dltips.tables)")
    frame = frame.copy()
    for name in frame.columns:
        kind, values = declared.types[name], frame[name]
        empty = values.isna().any()
        if kind is bool:
            frame[name] = values.astype("boolean" if empty else bool)
        elif kind is int and not empty:
            frame[name] = values.astype("int64")
        elif kind in (int, float):
            frame[name] = values.astype(float)
        else:
            frame[name] = values.astype(object)
    return frame


def read_columns(declared: Columns, path) -> pd.DataFrame:
    """A CSV of some of `declared`'s columns (a run directory's part of a table), typed."""
    return restore_types(declared, pd.read_csv(path), str(path))


def write_columns(declared: Columns, path, frame: pd.DataFrame) -> None:
    check_columns(declared, frame, str(path))
    write_csv(path, frame)


def read_table(path, name: str | None = None) -> pd.DataFrame:
    """A study table with its declared types; `name` defaults to the file's stem, so
    `read_table` is a `read(path)` for every `results/tables/<name>.csv`."""
    path = Path(path)
    return read_columns(_table(name or path.stem), path)


def write_table(name: str, path, frame: pd.DataFrame) -> None:
    """Writes `frame` as table `name`, after checking it has exactly the declared columns, in order."""
    write_columns(_table(name), path, frame)


def empty(name: str) -> pd.DataFrame:
    """Table `name` with no rows: what a table holds where the config trains nothing it reads."""
    return pd.DataFrame(columns=list(_table(name).names))
