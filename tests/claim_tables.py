"""Synthetic tables and checks shared by the claims' test files."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from dltips.claims import get as get_claim
from dltips.claims import settings_of


def sweep_runs(train, depths=(1, 3, 5), inits=("default", "he"), seeds=3) -> pd.DataFrame:
    """runs.csv of a depth sweep; train(activation, depth, init) -> final train accuracy.
    Seeds add a fixed +-0.01 pattern, so intervals are finite and reproducible."""
    rows = []
    for act in ("sigmoid", "relu"):
        for depth in depths:
            for init in inits:
                for seed in range(seeds):
                    acc = train(act, depth, init) + 0.01 * (seed - (seeds - 1) / 2)
                    rows.append({"run_id": f"depth-{act}-d{depth}/none-{init}-s{seed}", "study": "depth",
                                 "dataset": "mnist1d", "activation": act, "optimizer": "sgd", "regularizer": "none",
                                 "variant": "none", "init": init, "depth": depth, "width": 100, "seed": seed,
                                 "diverged": False,
                                 "final_train_accuracy": acc, "final_test_accuracy": acc - 0.02})
    return pd.DataFrame(rows)


def sweep_layers(runs: pd.DataFrame, grad, rel, epochs: int = 3, seed_gain: float = 0.0) -> pd.DataFrame:
    """layers.csv for `runs`: grad(activation, depth, layer) is the gradient norm;
    rel(activation, depth, layer) the relative weight change per epoch. Seeds differ a little
    layer by layer, or (seed_gain > 0) by a factor 10**(seed_gain*(seed - 1)) at every layer."""
    rows = []
    for r in runs.itertuples():
        for epoch in range(epochs + 1):
            for layer in range(1, r.depth + 2):
                wobble = 10 ** (seed_gain * (r.seed - 1)) if seed_gain else 1 + 0.01 * ((r.seed + layer) % 3 - 1)
                rows.append({"run_id": r.run_id, "epoch": epoch, "layer": layer,
                             "grad_norm": grad(r.activation, r.depth, layer) * wobble, "weight_norm": 1.0,
                             "rel_change": epoch * rel(r.activation, r.depth, layer) * wobble, "act_mean": 0.5,
                             "saturated": 0.3 if layer <= r.depth else math.nan})
    return pd.DataFrame(rows)


def geometric(decay: dict):
    """Gradient norms falling by `decay[activation]` decades per layer towards the input."""
    return lambda act, depth, layer: 0.1 * 10 ** (decay[act] * (depth - min(layer, depth)))


def grid_runs(delta: dict, noise=None) -> pd.DataFrame:
    """Grid runs: each activation's test accuracy = ReLU's in the same cell + delta[activation]
    (+ noise[i] for the i-th cell, alternating by default)."""
    rows = []
    cells = [(o, r, s) for o in ("sgd", "adam") for r in ("none", "l2") for s in range(3)]
    for act in ["relu", *delta]:
        for i, (opt, reg, seed) in enumerate(cells):
            base = 0.5 + 0.05 * (opt == "adam") + 0.01 * seed
            extra = 0.0 if act == "relu" else delta[act] + (noise[i] if noise else 0.004 * (-1) ** i)
            rows.append({"run_id": f"grid-{act}-{opt}/{reg}-s{seed}", "study": "grid", "dataset": "mnist1d",
                         "activation": act, "optimizer": opt, "regularizer": reg, "variant": reg, "seed": seed,
                         "depth": 4, "width": 100, "init": "default", "diverged": False,
                         "final_test_accuracy": base + extra})
    return pd.DataFrame(rows)


def synthetic_slopes() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame([{"run_id": f"grid-prelu/none-s{s}", "layer": layer, "unit": u, "slope": rng.normal(0.25, 0.1)}
                         for s in range(2) for layer in (1, 2, 3, 4) for u in range(20)])


def synthetic_units(shape) -> pd.DataFrame:
    ts = np.linspace(-3, 3, 61)
    return pd.DataFrame([{"run_id": f"grid-maxout/none-s{s}", "layer": 1, "unit": u, "t": t, "response": shape(t, u)}
                         for s in range(2) for u in range(4) for t in ts])


def convex(t, u):
    return max(0.5 * t - 0.1 * u, -0.3 * t)


def concave(t, u):
    return -abs(t) + 0.1 * u



@pytest.fixture(scope="module")
def sample(smoke_tables):
    """The smoke study's tables (the session's one workflow run), plus synthetic slopes and
    Maxout units: the smoke preset trains neither PReLU nor Maxout."""
    tables = {name: pd.read_csv(smoke_tables / f"{name}.csv") for name in ("runs", "layers", "epochs", "datasets")}
    tables["slopes"] = synthetic_slopes()
    tables["maxout_units"] = synthetic_units(convex)
    return tables



def dataset_sizes(test: int = 1000, train_evaluated: int | None = None, dataset: str = "mnist1d") -> pd.DataFrame:
    """tables/datasets.csv of one dataset (dltips.dataset_sizes): MNIST-1D's by default, the size
    every resolution margin is stated at; `train_evaluated` defaults to the test size
    (training.train_eval_size null)."""
    return pd.DataFrame([{"dataset": dataset, "train": 3200, "val": 800, "test": test,
                          "train_evaluated": test if train_evaluated is None else train_evaluated}])


def assert_same_evidence(claim_ids, tables, changed, config):
    """Every claim's evidence from `changed` equals its evidence from `tables`."""
    for claim_id in claim_ids:
        claim, settings = get_claim(claim_id), settings_of(claim_id, config["claims"][claim_id])
        before, after = claim.evidence(tables, settings), claim.evidence(changed, settings)
        assert before.keys() == after.keys()
        for name in before:
            pd.testing.assert_frame_equal(before[name], after[name])


def judge(module, tables, settings):
    """The claim's evidence and its headline verdict, as the runner judges it (first look)."""
    from dltips.claims.runner import verdict_of

    ev = module.evidence(tables, settings)
    return ev, verdict_of(module.CLAIM, ev, settings)




RATE_GRID = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


def synthetic_tuning(study: str, arms: dict, depth: int, init: str, optimizers=("sgd", "adam"), halved=None,
                     diverged_above: float = 1.0) -> pd.DataFrame:
    """tuning.csv of one depth and init of `study`: each arm (activation -> its best rate) has a
    V-shaped training loss over the log grid, 0.1 at its best rate plus 0.2 a decade, and a
    train accuracy of 0.9 minus as much; its best rate is chosen, the rate below it
    tied with it. `halved`: rate -> the epoch halving stopped it at (else kept, 20 epochs);
    rates above `diverged_above` diverged. A confirmation row at the pick must be left out."""
    halved = {0.0001: 3, 0.0003: 3, 0.3: 10} if halved is None else halved
    rows = []
    for optimizer, (act, best) in itertools.product(optimizers, arms.items()):
        ranked = sorted(RATE_GRID, key=lambda lr: abs(np.log10(lr / best)))
        for lr in RATE_GRID:
            off = 0.2 * abs(np.log10(lr / best))
            diverged = lr > diverged_above
            fate = "diverged" if diverged else f"halved at epoch {halved[lr]}" if lr in halved else "kept"
            loss, acc = 0.1 + off, 0.9 - off
            rows.append({"job": f"{study}-mnist1d-{act}-{optimizer}-d{depth}-w100", "study": study,
                         "dataset": "mnist1d", "activation": act, "optimizer": optimizer, "depth": depth,
                         "width": 100, "condition": f"none/{init}", "round": 0, "lr": lr, "seed": 1000,
                         "best_val_accuracy": 0.0 if diverged else acc, "diverged": diverged,
                         "epochs_trained": halved.get(lr, 20), "fate": fate, "tied_with_pick": lr == ranked[1],
                         "chosen": lr == best, "train_loss": np.nan if diverged else loss,
                         "train_accuracy": np.nan if diverged else acc, "status": "interior"})
        rows.append({**rows[-1], "lr": best, "seed": 1001, "fate": "confirmed", "round": 1, "chosen": True,
                     "diverged": False, "train_loss": 9.0, "train_accuracy": 0.0, "tied_with_pick": False})
    return pd.DataFrame(rows)
