"""Rebuild trained models from a job directory, for evaluations after training."""

from pathlib import Path

import torch

from .activations import build as build_activation
from .io import read_json
from .model import StackedMLP


def load_stack(job_dir, runs: list[str] | None = None, n_features: int | None = None,
               n_classes: int | None = None) -> tuple[StackedMLP, dict, list[dict]]:
    """(model, job spec, run specs) with model k holding the reported weights of run k.

    `runs` picks run names (default: all of the job). Dropout rates are set from each run's
    config, so `model.train()` reproduces training-time dropout; weights load with
    weights_only=True (no code in a weights file is ever executed).
    """
    job_dir = Path(job_dir)
    job = read_json(job_dir / "job.json")
    chosen = [r for r in job["runs"] if runs is None or r["run"] in runs]
    states = [torch.load(job_dir / r["run"] / "weights.pt", weights_only=True) for r in chosen]
    configs = [read_json(job_dir / r["run"] / "config.json") for r in chosen]
    first = states[0]
    n_features = n_features or first["weights.0"].shape[0]
    n_classes = n_classes or first[f"weights.{job['model']['depth']}"].shape[1]
    model = StackedMLP(
        len(chosen),
        n_features,
        job["model"]["width"],
        job["model"]["depth"],
        n_classes,
        build_activation(job["activation"], job["model"]),
        ["default"] * len(chosen),  # overwritten below
        [torch.Generator().manual_seed(r["seed"]) for r in chosen],
        dropout_input=[c["regularization"]["dropout_input"] for c in configs],
        dropout_hidden=[c["regularization"]["dropout_hidden"] for c in configs],
    )
    with torch.no_grad():
        for name, param in model.named_parameters():
            param.copy_(torch.stack([s[name] for s in states]))
    model.eval()
    return model, job, chosen
