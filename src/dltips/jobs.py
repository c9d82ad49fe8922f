"""Run one job: choose its learning rate, train its stack, write one directory per run.

Layout of a job directory (the Snakemake output):
    job.json                 written last: the job's spec, chosen lr, tuning record
    <run>/config.json        resolved run config, seed, library versions
    <run>/metrics.json       summary (final/best metrics, diverged, epochs run)
    <run>/epochs.csv         per epoch and split: loss, accuracy
    <run>/layers.csv         per epoch and layer: gradient/weight statistics
    <run>/weights.pt         reported weights (load with weights_only=True)
"""

import math
from pathlib import Path

import pandas as pd
import torch

from . import data as datasets
from .io import atomic_write, read_json, write_csv, write_json
from .process import configure_torch
from .progress import EpochLog
from .provenance import versions
from .regularizers import build as build_regularizer
from .trainer import Member, StackConfig, resolve_device, train


def stack_config(job: dict, epochs: int | None = None) -> StackConfig:
    t = job["training"]
    return StackConfig(
        activation=job["activation"],
        optimizer=job["optimizer"],
        model=job["model"],
        optimizer_params=job["optimizer_params"],
        epochs=epochs or t["epochs"],
        batch_size=t["batch_size"],
        probe_size=t["probe_size"],
        stats_every=t["stats_every"],
        train_eval_size=t["train_eval_size"],
    )


def tune_learning_rate(job: dict, data, device: str) -> tuple[float, list[dict]]:
    """DeepOBS protocol: train each candidate without regularisation and keep the one with the
    best validation accuracy (mean over tuning seeds; diverged candidates count as 0)."""
    lr = job["learning_rate"]
    members = [
        Member(seed=seed, lr=c, reg=build_regularizer("none", {}), init=init)
        for c in lr["grid"]
        for seed in lr["tune_seeds"]
        for init in job["inits"]
    ]
    results = train(stack_config(job, epochs=lr["tune_epochs"]), members, data, device, callbacks=[EpochLog("tuning")])
    record = []
    for m, r in zip(members, results):
        score = 0.0 if r.summary["diverged"] else r.summary["best_val_accuracy"]
        record.append(
            {"lr": m.lr, "seed": m.seed, "init": m.init, "best_val_accuracy": score, "diverged": r.summary["diverged"]}
        )
    scores = pd.DataFrame(record).groupby("lr", sort=True)["best_val_accuracy"].mean()
    best = float(scores.idxmax())  # ties go to the smallest rate: idxmax takes the first
    return best, record


def choose_learning_rate(job: dict, data, device: str, grid_dir: Path | None) -> tuple[float, str, list]:
    lr = job["learning_rate"]
    if lr["source"] == "fixed":
        return float(lr["value"]), "fixed", []
    if lr["source"] == "grid":
        return float(read_json(grid_dir / "job.json")["lr"]), f"grid:{lr['grid_job']}", []
    value, record = tune_learning_rate(job, data, device)
    return value, "tuned", record


def run_job(job: dict, data_path, out_dir, device: str = "auto", threads: int = 1, grid_dir=None) -> str:
    """Returns one summary line for the console (the epochs go to stdout, the job's log)."""
    configure_torch(threads)
    out_dir = Path(out_dir)
    data = datasets.load(data_path)
    lr, lr_source, tuning = choose_learning_rate(job, data, device, Path(grid_dir) if grid_dir else None)
    members = [
        Member(seed=r["seed"], lr=lr, reg=build_regularizer(r["regularizer"], r["reg_params"]), init=r["init"])
        for r in job["runs"]
    ]
    progress = EpochLog("training")
    results = train(stack_config(job), members, data, device, callbacks=[progress])
    env = versions()
    for run, member, result in zip(job["runs"], members, results):
        run_dir = out_dir / run["run"]
        resolved = {
            **{k: job[k] for k in ("job", "study", "dataset", "activation", "optimizer", "optimizer_params", "model", "training")},
            **run,
            "regularization": member.reg.as_dict(),
            "lr": lr,
            "lr_source": lr_source,
            "device": str(resolve_device(device)),  # what ran it: auto resolves to cuda or cpu
            "versions": env,
        }
        write_json(run_dir / "config.json", resolved)
        write_json(run_dir / "metrics.json", _finite_or_none(result.summary))
        write_csv(run_dir / "epochs.csv", pd.DataFrame(result.epochs))
        write_csv(run_dir / "layers.csv", pd.DataFrame(result.layers))
        atomic_write(run_dir / "weights.pt", lambda tmp, s=result.state: torch.save(s, tmp))
    write_json(out_dir / "job.json", {**job, "lr": lr, "lr_source": lr_source, "tuning": tuning})
    return progress.summary(job["job"], lr, lr_source, results)


def _finite_or_none(summary: dict) -> dict:
    """JSON has no NaN: a diverged run's non-finite metrics are written as null."""
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in summary.items()}


def load_weights(run_dir) -> dict:
    return torch.load(Path(run_dir) / "weights.pt", weights_only=True)
