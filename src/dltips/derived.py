"""Tables computed from trained models (not from training logs), one entry each.

Each entry names the jobs it reads and a function (job_dir, dataset) -> DataFrame; the
table is the concatenation over those jobs (empty, with no rows, where the config trains
none -- the claims reading it then say `inconclusive`, never crash).
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import data
from .io import read_json, write_csv
from .registry import Registry


@dataclass(frozen=True)
class Derived:
    selects: Callable[[dict], bool]  # job spec -> does this table read it?
    function: str  # "module:function" taking (job_dir, dataset) -> DataFrame
    columns: tuple[str, ...]  # what the table holds, also when no job feeds it


DERIVED: Registry[Derived] = Registry("derived table")
DERIVED.register("dropout_eval", Derived(
    lambda job: job["study"] == "dropout",
    "dltips.posthoc:dropout_evaluation",
    ("run_id", "regularizer", "width", "dropout_input", "dropout_hidden", "seed", "method", "k", "test_accuracy",
     "test_loss", "test_accuracy_se", "test_loss_se"),
))
DERIVED.register("ensemble", Derived(
    lambda job: job["study"] == "ensemble",
    "dltips.posthoc:ensemble_evaluation",
    ("job", "k", "draw", "members", "test_accuracy", "test_loss"),
))
DERIVED.register("maxout_units", Derived(
    lambda job: job["study"] == "grid" and job["activation"] == "maxout",
    "dltips.claims.maxout:maxout_table",
    ("run_id", "layer", "unit", "t", "response"),
))


def jobs_for(name: str, jobs: dict) -> list[str]:
    return [n for n, job in jobs.items() if DERIVED[name].selects(job)]


def build(name: str, job_dirs, dataset_paths: dict, out_path) -> pd.DataFrame:
    """`dataset_paths`: dataset name -> .npz path for the datasets those jobs trained on."""
    module, function = DERIVED[name].function.split(":")
    compute = getattr(importlib.import_module(module), function)
    loaded = {}
    frames = []
    for job_dir in sorted(map(Path, job_dirs)):
        dataset = read_json(job_dir / "job.json")["dataset"]
        if dataset not in loaded:
            loaded[dataset] = data.load(dataset_paths[dataset])
        frame = compute(job_dir, loaded[dataset])
        frame.insert(0, "dataset", dataset)  # claims are judged per dataset (claims.conditions)
        missing = set(DERIVED[name].columns) - set(frame.columns)
        if missing:
            raise ValueError(f"derived table {name!r}: {DERIVED[name].function} gave no column(s) {sorted(missing)}")
        frames.append(frame)
    columns = ["dataset", *DERIVED[name].columns]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    write_csv(out_path, table)
    return table
