"""Gather run directories into tidy tables (one row per observation, long format)."""

from pathlib import Path

import pandas as pd

from .io import read_json, write_csv
from .plan import run_id

TIMING_COLUMNS = ["seconds"]
# every candidate of every rate search and its fate (dltips.tuning)
TUNING_COLUMNS = ["job", "study", "dataset", "activation", "optimizer", "depth", "width", "condition", "round", "lr",
                  "seed", "best_val_accuracy", "diverged", "epochs_trained", "fate", "chosen", "status"]  # differ between identical runs; everything else is reproducible


def run_rows(job_dir: Path) -> tuple[list[dict], list[pd.DataFrame], list[pd.DataFrame], list[dict]]:
    job = read_json(job_dir / "job.json")
    runs, epochs, layers = [], [], []
    for run in job["runs"]:
        run_dir = job_dir / run["run"]
        key = run_id(job, run)
        cfg = read_json(run_dir / "config.json")
        metrics = read_json(run_dir / "metrics.json")
        runs.append(
            {
                "run_id": key,
                "job": job["job"],
                "study": job["study"],
                "dataset": job["dataset"],
                "activation": job["activation"],
                "optimizer": job["optimizer"],
                "regularizer": run["regularizer"],
                "variant": run["variant"],
                "seed": run["seed"],
                "depth": job["model"]["depth"],
                "width": job["model"]["width"],
                "init": run["init"],
                "lr": cfg["lr"],
                "lr_source": cfg["lr_source"],
                "lr_status": cfg["lr_status"],
                "lr_at_edge": cfg["lr_at_edge"],
                **cfg["regularization"],
                "epochs": job["training"]["epochs"],
                **metrics,
            }
        )
        for frame, name in ((epochs, "epochs.csv"), (layers, "layers.csv")):
            table = pd.read_csv(run_dir / name)
            table.insert(0, "run_id", key)
            frame.append(table)
    tuning = [{"job": job["job"], "study": job["study"], "dataset": job["dataset"], "activation": job["activation"],
               "optimizer": job["optimizer"], "depth": job["model"]["depth"], "width": job["model"]["width"],
               "status": job["lrs"][row["condition"]]["status"], **row} for row in job["tuning"]]
    return runs, epochs, layers, tuning


def collect(job_dirs, outputs: dict | None = None) -> dict[str, pd.DataFrame]:
    """Tables runs, epochs, layers and tuning; written where `outputs` (name -> path) says."""
    runs, epochs, layers, tuning = [], [], [], []
    for job_dir in sorted(map(Path, job_dirs)):
        r, e, l, t = run_rows(job_dir)
        runs += r
        epochs += e
        layers += l
        tuning += t
    tables = {
        "runs": pd.DataFrame(runs).sort_values("run_id", kind="stable"),
        "epochs": pd.concat(epochs, ignore_index=True).sort_values(["run_id", "epoch", "split"], kind="stable"),
        "layers": pd.concat(layers, ignore_index=True).sort_values(["run_id", "epoch", "layer"], kind="stable"),
        "tuning": pd.DataFrame(tuning, columns=TUNING_COLUMNS),
    }
    for name, path in (outputs or {}).items():
        write_csv(path, tables[name])
    return tables
