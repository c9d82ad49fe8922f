"""The facts of each dataset a claim's margins rest on: how many examples each split holds and
how many training examples a run evaluates (`results/tables/datasets.csv`, one row per dataset).

A margin fixed from a test set's resolution (a binomial SE, a mean's SE) depends on that test
set's size, so it is read from here, per dataset, never assumed (claims.resolution).
Torch-free: the table's rule and the claims read it.
"""

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from .data import SPLITS
from .io import read_json
from .tables import write_table

COLUMNS = ["dataset", *SPLITS, "train_evaluated"]


def evaluated_training_samples(train: int, test: int, train_eval_size: int | None) -> int:
    """The training samples a run evaluates each epoch, as the recorder takes them
    (training.train_eval_size; null: as many as the test set), never more than the split holds."""
    return min(train_eval_size or test, train)


def dataset_row(name: str, facts: Mapping, train_eval_sizes: Iterable[int | None]) -> dict:
    """Dataset `name`'s row from its checksum file (results/data/<dataset>.json: `shapes`) and
    the train_eval_size of every job that trains it: where those differ, the fewest samples any
    of them evaluates (the coarsest resolution, so no margin is too fine)."""
    shapes = facts["shapes"]
    missing = [f"y_{s}" for s in SPLITS if f"y_{s}" not in shapes]
    if missing:
        raise ValueError(f"dataset {name!r}: its checksum file has no shapes {missing}; "
                         f"shapes: {sorted(shapes)}")
    sizes = {split: int(shapes[f"y_{split}"][0]) for split in SPLITS}
    evaluated = [evaluated_training_samples(sizes["train"], sizes["test"], n) for n in train_eval_sizes]
    if not evaluated:
        raise ValueError(f"dataset {name!r}: no job trains it, so no train_eval_size says how many "
                         f"training samples are evaluated")
    return {"dataset": name, **sizes, "train_evaluated": min(evaluated)}


def dataset_table(checksums: Mapping[str, str | Path], train_eval_sizes: Mapping[str, Iterable[int | None]]
                  ) -> pd.DataFrame:
    """Every dataset's row, by name; `checksums`: dataset -> its checksum file,
    `train_eval_sizes`: dataset -> its jobs' training.train_eval_size."""
    rows = [dataset_row(name, read_json(path), train_eval_sizes.get(name, ()))
            for name, path in sorted(checksums.items())]
    return pd.DataFrame(rows, columns=COLUMNS)


def write_dataset_table(checksums, train_eval_sizes, out_csv) -> pd.DataFrame:
    table = dataset_table(checksums, train_eval_sizes)
    write_table("datasets", out_csv, table)
    return table

