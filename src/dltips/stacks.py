"""Rebuild trained models from a job directory, for evaluations after training."""

import torch

from .activations import build as build_activation
from .contract import Job, RunSpec, read_runs
from .model import StackedMLP


def load_stack(job_dir, runs: list[str] | None = None, n_features: int | None = None,
               n_classes: int | None = None) -> tuple[StackedMLP, Job, list[RunSpec]]:
    """(model, job, run specs) with model k holding the reported weights of run k.

    `runs` picks run names (default: all of the job). Dropout rates are set from each run's
    config, so `model.train()` reproduces training-time dropout; weights load with
    weights_only=True (no code in a weights file is ever executed).
    """
    trained, chosen = read_runs(job_dir, runs)
    job = trained.spec
    states = [run.weights() for run in chosen]
    regularization = [run.config["regularization"] for run in chosen]
    first = states[0]
    n_features = n_features or first["weights.0"].shape[0]
    n_classes = n_classes or first[f"weights.{job.model['depth']}"].shape[1]
    model = StackedMLP(
        len(chosen),
        n_features,
        job.model["width"],
        job.model["depth"],
        n_classes,
        build_activation(job.activation, job.model),
        ["default"] * len(chosen),  # overwritten below
        [torch.Generator().manual_seed(run.spec.seed) for run in chosen],
        dropout_input=[r["dropout_input"] for r in regularization],
        dropout_hidden=[r["dropout_hidden"] for r in regularization],
    )
    with torch.no_grad():
        for name, param in model.named_parameters():
            param.copy_(torch.stack([s[name] for s in states]))
    model.eval()
    return model, job, [run.spec for run in chosen]
