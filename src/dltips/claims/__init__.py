"""One module per claim of the lecture notes (shared/CLAIMS.md), each registering a Claim.

A claim turns tables (results/tables/*.csv) -- or, for toy and exact checks, its own small
computation -- into an evidence table, a verdict (dltips.verdicts) and a figure. Settings
of its verdict rule (statistic threshold, tolerances) come from `claims.<id>` in config.yaml.
Adding a claim: a module here with a `CLAIM = register(Claim(...))`, a line in
CLAIM_INDEX (its module, the tables it reads and, where it reads layer statistics, which:
training takes them only there), and its settings in config.yaml.
The index is torch-free so the workflow can plan claim rules without importing them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..registry import Registry

if TYPE_CHECKING:  # the workflow reads CLAIM_INDEX at parse time: keep it free of scipy/torch
    import pandas as pd

    from ..verdicts import Verdict


@dataclass(frozen=True)
class Claim:
    id: str
    title: str  # the claim, in one sentence
    source: str  # the classic source: paper and section
    evidence: Callable[[dict[str, pd.DataFrame], dict], pd.DataFrame]  # (tables, settings) -> table
    verdict: Callable[[pd.DataFrame, dict], Verdict]  # (evidence, settings) -> verdict
    # (tables, evidence, verdict, settings) -> matplotlib Figure
    figure: Callable[[dict[str, pd.DataFrame], pd.DataFrame, Verdict, dict], object]
    figure_text: str = ""  # what the figure shows, for its report caption
    condition: Callable[[pd.DataFrame], str] | None = None  # findings on when it holds
    # (tables, settings) -> [(condition's axes, its Verdict)]: the claim's own rule per condition
    conditions: Callable | None = None


CLAIMS: Registry[Claim] = Registry("claim")


def register(claim: Claim) -> Claim:
    return CLAIMS.register(claim.id, claim)


@dataclass(frozen=True)
class LayerReads:
    """The per-layer statistics (layers.csv) a claim reads, so that training records them there
    and nowhere else: its studies and epochs, each a key of the claim's settings or a fixed
    epoch; a run's last epoch is always recorded. `every_epoch`: it draws the whole course of
    training in its first study."""

    studies: tuple[str, ...] = ("study",)
    epochs: tuple[str | int, ...] = (0,)
    every_epoch: bool = False


@dataclass(frozen=True)
class IndexEntry:
    module: str  # under dltips.claims
    tables: tuple[str, ...]  # names under results/tables/ that its evidence reads
    category: str  # report section
    layers: LayerReads | None = None  # what it reads of the "layers" table
    # settings keys naming the studies whose every epoch of the "epochs" table it reads (train
    # and test too); elsewhere those splits are evaluated only where a run's summary reads them
    curves: tuple[str, ...] = ()


TRAINING, TEST = "3. Training-side tips", "4. Test-side tips"
DIAGNOSIS = "2. Diagnosis"

# claim id -> where it lives and what it reads, in the order of the lecture notes
CLAIM_INDEX: dict[str, IndexEntry] = {
    "train-before-test": IndexEntry("train_before_test", ("runs",), DIAGNOSIS),
    "vanishing-gradient": IndexEntry("vanishing_gradient", ("runs", "layers"), TRAINING,
                                     LayerReads(("study", "grid_study"), ("epoch",))),
    "early-layers-learn-slowly": IndexEntry("early_layers", ("runs", "layers"), TRAINING,
                                            LayerReads(("study",), ("epoch",), every_epoch=True)),
    "sigmoid-attenuates": IndexEntry("sigmoid_attenuates", ("runs", "layers"), TRAINING,
                                     LayerReads(("study", "grid_study"), ("epoch", 0))),
    "relu-fixes-depth": IndexEntry("relu_fixes_depth", ("runs", "layers"), TRAINING, LayerReads(("study",), (0,))),
    "relu-variants": IndexEntry("relu_variants", ("runs", "slopes"), TRAINING),
    "maxout-learns-activation": IndexEntry("maxout", ("runs", "maxout_units"), TRAINING),
    "adaptive-lr": IndexEntry("adaptive_lr", ("runs",), TRAINING),
    "momentum-escapes": IndexEntry("momentum_escapes", ("runs",), TRAINING),
    "adam-is-rmsprop-plus-momentum": IndexEntry("adam_rmsprop", ("runs", "tuning"), TRAINING),
    "early-stopping": IndexEntry("early_stopping", ("runs", "epochs"), TEST, curves=("study",)),
    "l2-shrinks": IndexEntry("update_rules", (), TEST),
    "l1-subtracts": IndexEntry("update_rules", (), TEST),
    "l1-vs-l2-sparsity": IndexEntry("sparsity", ("runs", "weights", "weight_hist"), TEST),
    "dropout-train-test": IndexEntry("dropout_scaling", ("dropout_eval",), TEST),
    "dropout-is-ensemble": IndexEntry("dropout_ensemble", ("dropout_eval",), TEST),
    "dropout-costs-training": IndexEntry("dropout_cost", ("runs",), TEST),
    "ensemble-reduces-variance": IndexEntry("ensemble", ("ensemble",), TEST),
}


# what judging a claim writes: results/claims/<id>.<suffix>
CLAIM_OUTPUTS = {"csv": "csv", "json": "json", "rst": "rst", "png": "png", "svg": "svg",
                 "conditions": "conditions.csv"}


def layer_schedule(claims_config: dict) -> dict[str, dict]:
    """study -> {"epochs": the epochs some claim reads its layer statistics at, "every_epoch":
    whether one draws them all}, from the claims' declarations (IndexEntry.layers) and their
    settings; a study no claim reads is absent (its runs record no layer statistics)."""
    schedule: dict[str, dict] = {}
    for claim_id, entry in CLAIM_INDEX.items():
        reads, settings = entry.layers, claims_config.get(claim_id)
        if reads is None or settings is None:
            continue
        epochs = {settings[e] if isinstance(e, str) else e for e in reads.epochs}
        studies = [settings[key] for key in reads.studies if key in settings]
        for n, study in enumerate(studies):
            entry_for = schedule.setdefault(study, {"epochs": set(), "every_epoch": False})
            entry_for["epochs"] |= epochs
            entry_for["every_epoch"] |= reads.every_epoch and n == 0
    return {study: {"epochs": sorted(s["epochs"]), "every_epoch": s["every_epoch"]} for study, s in schedule.items()}


def curve_studies(claims_config: dict) -> set[str]:
    """The studies some claim reads every epoch of (IndexEntry.curves), by the claims' settings."""
    return {settings[key] for claim_id, entry in CLAIM_INDEX.items() if (settings := claims_config.get(claim_id))
            for key in entry.curves if key in settings}


def claim_key(claim_id: str) -> str:
    """A claim's name as an identifier (its outputs' and log's names in the judge step)."""
    return claim_id.replace("-", "_")


def get(claim_id: str) -> Claim:
    if claim_id not in CLAIMS:
        importlib.import_module(f"{__name__}.{CLAIM_INDEX[claim_id].module}")
    return CLAIMS[claim_id]


def settings_text(settings: dict, prefix: str = "") -> str:
    """A claim's settings on one readable line ('min_gain: 0.02; variants: elu, prelu;
    exact_check.tolerance: 1e-06'): what the report shows under the job's parameters, and,
    being a parameter, what reruns the claim when a setting changes."""
    items = []
    for key, value in settings.items():
        if isinstance(value, dict):
            items.append(settings_text(value, f"{prefix}{key}."))
        elif isinstance(value, (list, tuple)):
            items.append(f"{prefix}{key}: {', '.join(map(str, value))}")
        else:
            items.append(f"{prefix}{key}: {value}")
    return "; ".join(items)
