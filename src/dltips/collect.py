"""Gather run directories into tidy tables (one row per observation, long format; columns:
dltips.tables)."""

from pathlib import Path

import pandas as pd

from .contract import RunDir, TrainedJob, read_runs
from .tables import TUNING, empty, write_table
from .tuning import arm_of

TIMING_COLUMNS = ["seconds"]  # differ between identical runs; everything else is reproducible


def _job_cell(job: TrainedJob) -> dict:
    spec = job.spec
    return {"job": spec.name, "study": spec.study, "dataset": spec.dataset, "activation": spec.activation,
            "optimizer": spec.optimizer}


def run_row(run: RunDir) -> dict:
    """The run's row of table `runs`."""
    job, spec, cfg = run.job.spec, run.spec, run.config
    return {
        "run_id": run.id,
        "arm": arm_of(job, spec),
        **_job_cell(run.job),
        "regularizer": spec.regularizer,
        "variant": spec.variant,
        "seed": spec.seed,
        "depth": job.model["depth"],
        "width": job.model["width"],
        "init": spec.init,
        "lr": cfg["lr"],
        "lr_source": cfg["lr_source"],
        "lr_status": cfg["lr_status"],
        "lr_at_edge": cfg["lr_at_edge"],
        **cfg["regularization"],
        "epochs": job.training.epochs,
        **run.metrics,
    }


def tuning_rows(job: TrainedJob) -> list[dict]:
    """The job's rows of table `tuning`: every rate candidate with its condition's status."""
    shape = {"depth": job.spec.model["depth"], "width": job.spec.model["width"]}
    return [{**_job_cell(job), **shape, "arm": f"{job.spec.name}/{row['condition']}",
             "status": job.lrs[row["condition"]].status, **row} for row in job.tuning]


def run_rows(job_dir: Path) -> tuple[list[dict], list[pd.DataFrame], list[pd.DataFrame], list[dict]]:
    job, runs = read_runs(job_dir)
    epochs, layers = [], []
    for run in runs:
        for frame, table in ((epochs, run.epochs()), (layers, run.layers())):
            table.insert(0, "run_id", run.id)
            frame.append(table)
    return [run_row(run) for run in runs], epochs, layers, tuning_rows(job)


def collect(job_dirs, outputs: dict | None = None) -> dict[str, pd.DataFrame]:
    """Tables runs, epochs, layers and tuning; written where `outputs` (name -> path) says."""
    runs, epochs, layers, tuning = [], [], [], []
    for job_dir in sorted(map(Path, job_dirs)):
        r, e, l, t = run_rows(job_dir)
        runs += r
        epochs += e
        layers += l
        tuning += t
    # a tree of tied runs (dltips.tied) may hold none: its tables are empty
    tables = {
        "runs": pd.DataFrame(runs).sort_values("run_id", kind="stable") if runs else empty("runs"),
        "epochs": (pd.concat(epochs, ignore_index=True).sort_values(["run_id", "epoch", "split"], kind="stable")
                   if epochs else empty("epochs")),
        "layers": (pd.concat(layers, ignore_index=True).sort_values(["run_id", "epoch", "layer"], kind="stable")
                   if layers else empty("layers")),
        "tuning": pd.DataFrame(tuning, columns=TUNING.names),
    }
    for name, path in (outputs or {}).items():
        write_table(name, path, tables[name])
    return tables
