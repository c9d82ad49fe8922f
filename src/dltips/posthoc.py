"""Evaluations of trained models after training: dropout at test time, ensembles, and the
response curves of learned Maxout units.

Each reads a job directory (its reported weights, through stacks.load_stack) and a split
of its dataset, and returns a tidy table, one row per observation. They are the functions
behind the derived tables `dropout_eval`, `ensemble` and `maxout_units` (dltips.derived;
columns: dltips.tables).

Every random choice comes from `seed`, so a table is reproducible. Dropout masks also take
the run's own seed, so a run's dropout rows do not depend on the other runs of its job;
ensemble subsets are drawn over the job's runs that did not diverge, so they do.
"""

import copy
import itertools
import math
from math import comb
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from . import data as datasets
from .contract import read_runs
from .model import StackedMLP
from .stacks import load_stack
from .recorder import EVAL_CHUNK
from .tables import DROPOUT_EVAL, ENSEMBLE, MAXOUT_UNITS
from .tied import rate_suffix
from .tuning import arm_of

DETERMINISTIC_K = 0  # `k` of the methods that sample no mask


def _dataset(dataset) -> datasets.Dataset:
    return dataset if isinstance(dataset, datasets.Dataset) else datasets.load(dataset)


def _test_split(dataset) -> tuple[torch.Tensor, torch.Tensor]:
    d = _dataset(dataset)
    return torch.from_numpy(d.x["test"]), torch.from_numpy(d.y["test"])


@torch.no_grad()
def _logits(model, x: torch.Tensor) -> torch.Tensor:
    """Logits [K, B, C] in float64 (averages of many passes stay accurate), in chunks so a
    large test set fits in memory; in train mode each chunk draws fresh masks."""
    return torch.cat([model(x[i:i + EVAL_CHUNK]).double() for i in range(0, len(x), EVAL_CHUNK)], 1)


def _probabilities(model, x: torch.Tensor) -> torch.Tensor:
    """Softmax [K, B, C] in float64 (see _logits)."""
    return F.softmax(_logits(model, x), -1)


def _per_example(probs: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per model and test example: correct (0/1), and the cross-entropy (nats) of the
    (averaged) probabilities."""
    correct = (probs.argmax(-1) == y).double()
    true = probs.gather(-1, y.expand(probs.shape[0], -1).unsqueeze(-1)).squeeze(-1)
    # an average of softmaxes can underflow to 0 for a confidently wrong ensemble
    return correct, -true.clamp_min(torch.finfo(torch.float64).tiny).log()


def _scores(probs: torch.Tensor, y: torch.Tensor) -> tuple[list[float], list[float]]:
    """Per model: accuracy, and the cross-entropy (nats) of the (averaged) probabilities."""
    correct, loss = _per_example(probs, y)
    return correct.mean(1).tolist(), loss.mean(1).tolist()


def _scores_with_errors(probs: torch.Tensor, y: torch.Tensor, reference: tuple[torch.Tensor, torch.Tensor]) -> dict:
    """Per model (column -> one value per model): _scores; their standard errors over the
    test set (SD of the per-example values / sqrt(N); for accuracy the binomial SE), the
    resolution a test set this size has; the mean top probability (beside the accuracy: a
    calibrated predictor's are equal); and, against `reference` (the weight-scaled net's
    per-example correct and loss, _per_example) on the same examples, the discordant counts
    of McNemar's test (right here and wrong there, and the reverse) and the standard error of
    the per-example loss difference: what two predictors scored on one test set differ by
    through the test set alone (Dietterich 1998)."""
    correct, loss = _per_example(probs, y)
    ref_correct, ref_loss = reference
    n = correct.shape[1]
    root_n = math.sqrt(n)
    return {"test_accuracy": correct.mean(1).tolist(), "test_loss": loss.mean(1).tolist(),
            "test_accuracy_se": (correct.std(1, correction=0) / root_n).tolist(),
            "test_loss_se": (loss.std(1) / root_n).tolist(),
            "mean_top_probability": probs.amax(-1).mean(1).tolist(), "n_test": [n] * len(correct),
            "right_where_ws_wrong": (correct * (1 - ref_correct)).sum(1).long().tolist(),
            "wrong_where_ws_right": ((1 - correct) * ref_correct).sum(1).long().tolist(),
            "test_loss_paired_se": ((loss - ref_loss).std(1) / root_n).tolist()}


def _diverged(job_dir: Path, runs: list) -> list[bool]:
    """Per run spec of `runs`: did it diverge?"""
    diverged = {run.spec.run: run.diverged for run in read_runs(job_dir)[1]}
    return [diverged[run.run] for run in runs]


def unscaled(model):
    """The notes' classic dropout net evaluated WITHOUT its test-time (1-p) factor.

    Classic dropout trains weights W_c on unscaled masked units; inverted dropout trains
    W_i = (1-p) W_c (the same function of the same masks). So the classic net's "forgot
    to scale" test output uses W_c = W_i / (1-p): each weight matrix after a dropout layer
    is divided by (1-p) of the units it reads (inputs for the first layer, hidden units
    for the others)."""
    out = copy.deepcopy(model)
    with torch.no_grad():
        for k, (p_in, p_hidden) in enumerate(zip(model.p_input, model.p_hidden)):
            for layer, w in enumerate(out.weights):
                w[k] /= 1 - (p_in if layer == 0 else p_hidden)
    return out


def mask_seed(seed: int, run_seed: int) -> int:
    # Runs that share a seed share masks: paired comparisons between rates see the same draws
    return 1_000_003 * seed + run_seed


def dropout_evaluation(job_dir, dataset, ks=(1, 2, 4, 8, 16, 32, 64), seed: int = 0) -> pd.DataFrame:
    """Test accuracy and loss (cross-entropy of the averaged softmax, nats) of each run of a
    job, with its width, under five test-time procedures:

    weight_scaling  the standard evaluation: the notes' (1-p) test-time scaling, since the
                    models trained with inverted dropout (Srivastava et al. 2014, sec. 4)
    no_scaling      the classic net without the (1-p) factor (see `unscaled`)
    dropout_on      one random mask per test input left on (the first Monte-Carlo pass)
    mc_average      the average softmax of the first k masks, for each k in `ks`
                    (Monte-Carlo model averaging, Srivastava et al. 2014, sec. 7.5)
    geometric_mean  the normalised geometric mean of the same k masks' softmaxes (the
                    softmax of their mean log-probabilities): what weight scaling computes
                    exactly for a softmax over one dropout layer and approximates through
                    more (Hinton et al. 2012; Baldi & Sadowski 2013)

    `k` is the number of masks averaged (0 for the deterministic methods); `*_se` are the
    test set's standard errors of each number (binomial for accuracy); the columns against
    the weight-scaled net are _scores_with_errors'. A run without dropout gets the same
    numbers from every method; a diverged run gets NaN.
    `dataset`: a data.Dataset or the path of its .npz.
    """
    job_dir = Path(job_dir)
    x, y = _test_split(dataset)
    model, job, runs = load_stack(job_dir)
    model.eval()
    scaled = _probabilities(model, x)
    reference = _per_example(scaled, y)
    per_method = {"weight_scaling": _scores_with_errors(scaled, y, reference),
                  "no_scaling": _scores_with_errors(_probabilities(unscaled(model), x), y, reference)}

    for gen, run in zip(model.generators, runs):
        gen.manual_seed(mask_seed(seed, run.seed))
    model.train()  # dropout on, masks from each run's generator
    total = total_log = None
    ks = sorted(set(int(k) for k in ks))
    for k in range(1, max(ks) + 1):
        logits = _logits(model, x)
        probs, log_probs = F.softmax(logits, -1), F.log_softmax(logits, -1)
        total = probs if total is None else total + probs
        total_log = log_probs if total_log is None else total_log + log_probs
        if k == 1:
            per_method["dropout_on"] = _scores_with_errors(probs, y, reference)
        if k in ks:
            per_method[("mc_average", k)] = _scores_with_errors(total / k, y, reference)
            per_method[("geometric_mean", k)] = _scores_with_errors(F.softmax(total_log / k, -1), y, reference)
    model.eval()

    diverged = _diverged(job_dir, runs)
    rows = []
    for key, scores in per_method.items():
        method, k = key if isinstance(key, tuple) else (key, 1 if key == "dropout_on" else DETERMINISTIC_K)
        for i, run in enumerate(runs):
            rows.append({
                "run_id": job.run_id(run),
                "regularizer": run.regularizer,
                "width": job.model["width"],
                "dropout_input": model.p_input[i],
                "dropout_hidden": model.p_hidden[i],
                "seed": run.seed,
                "method": method,
                "k": k,
                **{name: math.nan if diverged[i] else values[i] for name, values in scores.items()},
            })
    return pd.DataFrame(rows, columns=DROPOUT_EVAL.names)


def subsets(n: int, k: int, draws: int, rng: np.random.Generator) -> list[tuple[int, ...]]:
    """`draws` distinct k-subsets of range(n), or all of them where there are no more."""
    if comb(n, k) <= draws:
        return list(itertools.combinations(range(n), k))
    chosen: dict[tuple[int, ...], None] = {}  # insertion-ordered set: same seed, same order
    while len(chosen) < draws:
        chosen[tuple(sorted(rng.choice(n, size=k, replace=False).tolist()))] = None
    return list(chosen)


def ensemble_evaluation(job_dir, dataset, ks=None, draws: int = 20, seed: int = 0) -> pd.DataFrame:
    """Test accuracy of the average softmax of k independently trained nets of a job.

    For each k (default 1 .. number of runs) up to `draws` distinct random subsets of the
    runs (all subsets where there are fewer; so k=1 lists every single net, and k=all is
    one row). `members` names the runs averaged, joined by '+'; `arm` their arms
    (tuning.arm_of), so the judging can swap an arm's ensembles for those at its tied rates.
    Diverged runs are left out: one non-finite member makes the whole average meaningless.
    A tree of tied runs (dltips.tied) holds a job's runs at several rates: the runs at each
    rate are an ensemble of their own, its `job` `<job>@lr=<rate>` as its runs' ids are.
    (Hansen & Salamon 1990; Lakshminarayanan et al. 2017, sec. 2.4.)
    """
    trained, runs = read_runs(job_dir)
    by_rate: dict[str, list[str]] = {}
    for run in runs:
        by_rate.setdefault(rate_suffix(run.spec.run), []).append(run.spec.run)
    frames = [_ensembles(Path(job_dir), dataset, names, trained.spec.name + suffix, ks, draws, seed)
              for suffix, names in by_rate.items()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ENSEMBLE.names)


def _ensembles(job_dir: Path, dataset, run_names: list[str], key: str, ks, draws: int, seed: int) -> pd.DataFrame:
    """ensemble_evaluation's rows of the runs `run_names`, its `job` column `key`."""
    x, y = _test_split(dataset)
    model, job, runs = load_stack(job_dir, runs=run_names)
    keep = [i for i, d in enumerate(_diverged(job_dir, runs)) if not d]
    probs = _probabilities(model, x)[keep]
    names = [runs[i].run for i in keep]
    arms = [arm_of(job, runs[i]) for i in keep]
    n = len(keep)
    rng = np.random.default_rng(seed)
    rows = []
    for k in sorted(set(ks or range(1, n + 1))):
        if not 1 <= k <= n:
            raise ValueError(f"ensemble size {k} outside 1..{n} (the job's non-diverged runs)")
        for draw, members in enumerate(subsets(n, k, draws, rng)):
            (accuracy,), (loss,) = _scores(probs[list(members)].mean(0, keepdim=True), y)
            rows.append({"job": key, "arm": "+".join(dict.fromkeys(arms[m] for m in members)), "k": k, "draw": draw,
                         "members": "+".join(names[m] for m in members), "test_accuracy": accuracy,
                         "test_loss": loss})
    return pd.DataFrame(rows, columns=ENSEMBLE.names)


# ---- learned Maxout units ----------------------------------------------------------------
# maxout_units.csv: the derived-table hook passes no settings, so its scan is fixed here
TABLE_DIRECTION_SEED = 0  # the same line through input space for every run: curves compare
TABLE_UNITS = 8  # units per run: enough to see varied shapes, few enough to plot
TABLE_TS = np.linspace(-3.0, 3.0, 121)  # +-3 standard deviations of the data along the line


@torch.no_grad()
def maxout_responses(model: StackedMLP, x_probe, direction_seed: int, n_units: int, ts) -> pd.DataFrame:
    """First-hidden-layer responses (after the max) of model 0 of a trained Maxout stack along
    the line x(t) = mean(x_probe) + t·s·d, d a random unit direction drawn from
    `direction_seed`, s the standard deviation of x_probe projected on d -- so t is in
    standard deviations of the data along the line. `n_units` units, drawn from the same
    seed. Returns columns layer (1), unit, t, response; the caller adds run_id."""
    x_probe = torch.as_tensor(np.asarray(x_probe), dtype=model.weights[0].dtype)
    rng = torch.Generator().manual_seed(direction_seed)
    d = torch.randn(x_probe.shape[1], generator=rng, dtype=x_probe.dtype)
    d /= d.norm()
    center = x_probe.mean(0)
    scale = ((x_probe - center) @ d).std()
    ts = torch.as_tensor(np.asarray(ts), dtype=x_probe.dtype)
    line = center + (ts * scale)[:, None] * d
    seen = {}
    model.eval()
    model(line, observe=lambda layer, pre, post: seen.setdefault(layer, post))
    width = seen[0].shape[-1]
    units = torch.randperm(width, generator=rng)[:n_units].sort().values
    response = seen[0][0][:, units]  # [t, unit]
    return pd.DataFrame({"layer": 1, "unit": np.repeat(units.numpy(), len(ts)),
                         "t": np.tile(ts.numpy(), len(units)), "response": response.T.reshape(-1).numpy()})


def maxout_table(job_dir, dataset) -> pd.DataFrame:
    """maxout_units.csv rows of one Maxout job (the derived-table hook): every trained run's
    units, scanned through the mean of the training split. A diverged run's last finite
    weights are astronomically large (its float32 rounding alone breaks convexity checks),
    and it learned no activation: it is left out, as it is counted in runs.csv."""
    frames = []
    for run in read_runs(job_dir)[1]:
        if run.diverged:
            continue
        model, _, _ = load_stack(job_dir, runs=[run.spec.run])
        table = maxout_responses(model, dataset.x["train"], TABLE_DIRECTION_SEED, TABLE_UNITS, TABLE_TS)
        table.insert(0, "run_id", run.id)
        frames.append(table)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=MAXOUT_UNITS.names)
