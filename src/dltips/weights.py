"""Tables of trained weights: |w| summaries and histograms per layer, learned PReLU slopes.

Only weight matrices count (biases and slopes are not what L1/L2 act on). Histogram bins
are log-spaced in |w| because the sparsity claim lives at the small end of the scale; the
first bin is [0, 1e-6).
"""

from pathlib import Path

import numpy as np
import pandas as pd

from .contract import read_runs
from .tables import NEAR_ZERO, SLOPES, WEIGHT_HIST, WEIGHTS, near_zero_column, write_table

BIN_EDGES = np.concatenate([[0.0], np.logspace(-6, 1, 29)])  # quarter-decade bins up to 10


def _layer_rows(key: str, layer: int, w: np.ndarray):
    a = np.abs(w.ravel())
    summary = {
        "run_id": key,
        "layer": layer,
        "n": a.size,
        "abs_max": float(a.max()),
        "q50": float(np.quantile(a, 0.5)),
        "q90": float(np.quantile(a, 0.9)),
        "q99": float(np.quantile(a, 0.99)),
        **{near_zero_column(t): float((a < t).mean()) for t in NEAR_ZERO},
    }
    # |w| above 10 lands in the last bin; NaN (a diverged run's) in none
    counts, _ = np.histogram(np.clip(a, 0, BIN_EDGES[-1]), bins=BIN_EDGES)
    hist = [
        {"run_id": key, "layer": layer, "bin_low": lo, "bin_high": hi, "count": int(c)}
        for lo, hi, c in zip(BIN_EDGES[:-1], BIN_EDGES[1:], counts)
    ]
    return summary, hist


def weight_tables(job_dirs) -> dict[str, pd.DataFrame]:
    summaries, hists, slopes = [], [], []
    for job_dir in sorted(map(Path, job_dirs)):
        for run in read_runs(job_dir)[1]:
            key = run.id
            for name, tensor in run.weights().items():
                kind, index = name.split(".")
                layer = int(index) + 1
                if kind == "weights":
                    summary, hist = _layer_rows(key, layer, tensor.numpy())
                    summaries.append(summary)
                    hists += hist
                elif kind == "slopes":
                    values = tensor.numpy().ravel()
                    slopes += [{"run_id": key, "layer": layer, "unit": u, "slope": float(s)}
                               for u, s in enumerate(values)]
    return {
        "weights": pd.DataFrame(summaries, columns=WEIGHTS.names),
        "weight_hist": pd.DataFrame(hists, columns=WEIGHT_HIST.names),
        "slopes": pd.DataFrame(slopes, columns=SLOPES.names),
    }


def write_weight_tables(job_dirs, outputs: dict) -> None:
    """`outputs`: table name (weights, weight_hist, slopes) -> CSV path."""
    for name, table in weight_tables(job_dirs).items():
        write_table(name, outputs[name], table)
