"""Run one job: choose its learning rate, train its stack, write one directory per run.

Layout of a job directory (the Snakemake output):
    job.json                 written last: the job's spec, each condition's rate, tuning record
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
from .data import SPLITS
from .io import atomic_write, read_json, write_csv, write_json
from .process import configure_torch
from .progress import EpochLog
from .provenance import versions
from .regularizers import build as build_regularizer
from .trainer import EPOCH_COLUMNS, LAYER_COLUMNS, Member, StackConfig, resolve_device, train
from .tuning import EDGE, condition_of, conditions_of, tune


def stack_config(job: dict, epochs: int | None = None, tuning: bool = False) -> StackConfig:
    """The job's stack settings; `tuning`: record only what the rate search reads (validation)."""
    t = job["training"]
    return StackConfig(
        activation=job["activation"],
        optimizer=job["optimizer"],
        model=job["model"],
        optimizer_params=job["optimizer_params"],
        epochs=epochs or t["epochs"],
        batch_size=t["batch_size"],
        probe_size=t["probe_size"],
        stats_epochs=tuple(t.get("layer_epochs", ())),
        stats_every=t["stats_every"],
        train_eval_size=t["train_eval_size"],
        splits=("val",) if tuning else SPLITS,
        curves=t.get("curves", True),
        layer_stats=t.get("layer_stats", True) and not tuning,
        plateau_patience=t.get("plateau_patience"),  # a candidate trains as its runs will
    )


def choose_learning_rates(job: dict, data, device: str, grid_dir: Path | None) -> tuple[dict, str, list]:
    """(condition key -> {lr, status, score}, source, tuning record) for the job's conditions
    (dltips.tuning): tuned here, fixed by the config, or taken from the grid job's choice for
    the same condition."""
    lr = job["learning_rate"]
    keys = conditions_of(job)
    if lr["source"] == "fixed":
        return {k: {"lr": float(lr["value"]), "status": "fixed", "score": None} for k in keys}, "fixed", []
    if lr["source"] == "grid":
        grid_job = read_json(grid_dir / "job.json")
        missing = [k for k in keys if k not in grid_job["lrs"]]
        if missing:
            raise ValueError(f"job {job['job']}: learning_rate source 'grid' needs a rate for condition(s) "
                             f"{missing}, but {lr['grid_job']} tuned only {sorted(grid_job['lrs'])}")
        return {k: grid_job["lrs"][k] for k in keys}, f"grid:{lr['grid_job']}", []
    log = EpochLog("tuning")

    def logged_train(cfg, members, data, device, stopping=()):
        return train(cfg, members, data, device, observers=[log], stopping=stopping)

    chosen, record = tune(job, data, device, stack_config(job, epochs=lr["tune_epochs"], tuning=True), logged_train)
    return chosen, "tuned", record


def run_job(job: dict, data_path, out_dir, device: str = "auto", threads: int = 1, grid_dir=None) -> str:
    """Returns one summary line for the console (the epochs go to stdout, the job's log)."""
    configure_torch(threads)
    out_dir = Path(out_dir)
    data = datasets.load(data_path)
    lrs, lr_source, tuning = choose_learning_rates(job, data, device, Path(grid_dir) if grid_dir else None)
    chosen = [lrs[condition_of(r).key] for r in job["runs"]]
    members = [
        Member(seed=r["seed"], lr=c["lr"], reg=build_regularizer(r["regularizer"], r["reg_params"]), init=r["init"])
        for r, c in zip(job["runs"], chosen)
    ]
    # one stack per rate: a model trained in a stack sharing its rate takes bit for bit the
    # steps it takes alone (optimizers.PerModelLR)
    progress = EpochLog("training")
    results: list = [None] * len(members)
    for rate in sorted({m.lr for m in members}):
        which = [i for i, m in enumerate(members) if m.lr == rate]
        for i, result in zip(which, train(stack_config(job), [members[i] for i in which], data, device,
                                          observers=[progress])):
            results[i] = result
    env = versions()
    for run, member, result, lr in zip(job["runs"], members, results, chosen):
        run_dir = out_dir / run["run"]
        resolved = {
            **{k: job[k] for k in ("job", "study", "dataset", "activation", "optimizer", "optimizer_params", "model", "training")},
            **run,
            "regularization": member.reg.as_dict(),
            "lr": member.lr,
            "lr_source": lr_source,
            "lr_status": lr["status"],
            "lr_at_edge": lr["status"] == EDGE,
            "device": str(resolve_device(device)),  # what ran it: auto resolves to cuda or cpu
            "versions": env,
        }
        write_json(run_dir / "config.json", resolved)
        write_json(run_dir / "metrics.json", _finite_or_none(result.summary))
        write_csv(run_dir / "epochs.csv", pd.DataFrame(result.epochs, columns=EPOCH_COLUMNS))
        write_csv(run_dir / "layers.csv", pd.DataFrame(result.layers, columns=LAYER_COLUMNS))
        atomic_write(run_dir / "weights.pt", lambda tmp, s=result.state: torch.save(s, tmp))
    write_json(out_dir / "job.json", {**job, "lrs": lrs, "lr_source": lr_source, "tuning": tuning})
    rates = ", ".join(f"{key} {c['lr']:g}" for key, c in sorted(lrs.items()))
    return progress.summary(job["job"], rates, lr_source, results)


def _finite_or_none(summary: dict) -> dict:
    """JSON has no NaN: a diverged run's non-finite metrics are written as null."""
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in summary.items()}


def load_weights(run_dir) -> dict:
    return torch.load(Path(run_dir) / "weights.pt", weights_only=True)
