"""Post-hoc evaluations (dltips.posthoc) and the regularization claims: L1/L2 sparsity,
dropout's test-time scaling, dropout as an ensemble, dropout's training cost, early stopping,
ensembles.

Every verdict rule is fed evidence where its claim holds and where it does not; exact
checks are tested as exact; the post-hoc functions run on tiny jobs trained here."""

import copy
import math
import re
import json
import shutil
from types import SimpleNamespace
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats

from claim_tables import dataset_sizes
from dltips import data, posthoc
from dltips.activations import build as build_activation
from dltips.claims.runner import per_condition, verdict_of
from dltips.claims import settings_of
from dltips.contract import Job, TrainedJob, write_job
from dltips.claims import dropout_cost, dropout_ensemble, dropout_scaling, early_stopping, ensemble, paired, sparsity
from dltips.jobs import run_job
from dltips.stacks import load_stack
from dltips.model import StackedMLP
from dltips.tables import DROPOUT_EVAL, ENSEMBLE, MAXOUT_UNITS
from dltips import verdicts
from dltips.verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, VERDICTS
from dltips.words import EQUIVALENT

torch.set_num_threads(1)
VERDICT_ENDINGS = tuple(f"— {word}" for word in VERDICTS)

def is_figure(fig) -> bool:
    """A figure whose title opens with the claim and its verdict (figures.verdict_title)."""
    ok = isinstance(fig, matplotlib.figure.Figure) and fig.get_suptitle().split("\n")[0].endswith(VERDICT_ENDINGS)
    matplotlib.pyplot.close(fig)
    return ok


# ---- tiny trained jobs --------------------------------------------------------------

def _run(reg, params, seed, variant):
    return {"init": "default", "reg_params": params, "regularizer": reg, "run": f"{variant}-s{seed}", "seed": seed,
            "variant": variant}


def _job(name, study, runs):
    return Job.from_dict({"job": name, "study": study, "dataset": "toy", "activation": "relu", "optimizer": "sgd",
            "optimizer_params": {}, "inits": ["default"], "learning_rate": {"source": "fixed", "value": 0.1},
            "model": {"depth": 2, "width": 8, "maxout_pieces": 2},
            "training": {"batch_size": 16, "epochs": 2, "probe_size": 16, "stats_every": 1, "train_eval_size": None},
            "runs": runs})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("posthoc")
    rng = np.random.default_rng(0)
    centers = rng.normal(0, 2, size=(3, 5))

    def split(n):
        y = rng.integers(0, 3, n)
        return (centers[y] + rng.normal(0, 1, (n, 5))).astype(np.float32), y.astype(np.int64)

    parts = {s: split(n) for s, n in (("train", 64), ("val", 16), ("test", 48))}
    dataset = data.Dataset(x={s: p[0] for s, p in parts.items()}, y={s: p[1] for s, p in parts.items()})
    data_path = root / "toy.npz"
    data.save(dataset, data_path, {"name": "toy"})
    dropped = {"hidden": 0.5, "input": 0.2}
    dropout_runs = [_run("none", {}, 0, "none")] + [_run("dropout", dropped, s, "dropout-hidden0.5") for s in (0, 1)]
    jobs = {"dropout": _job("dropout-toy", "dropout", dropout_runs),
            "ensemble": _job("ensemble-toy", "ensemble", [_run("none", {}, s, "none") for s in range(4)])}
    for job in jobs.values():
        run_job(job, data_path, root / job.name)
    return {"root": root, "data": data_path, "dropout": root / "dropout-toy", "ensemble": root / "ensemble-toy"}


def _metric(job_dir, run, key="final_test_accuracy"):
    return json.loads((job_dir / run / "metrics.json").read_text())[key]


# ---- posthoc.dropout_evaluation -----------------------------------------------------

@pytest.fixture(scope="module")
def dropout_table(trained):
    return posthoc.dropout_evaluation(trained["dropout"], trained["data"], ks=(1, 4, 16), seed=0)


def test_dropout_evaluation_rows_and_columns(dropout_table):
    assert list(dropout_table.columns) == list(DROPOUT_EVAL.names)
    assert set(dropout_table.run_id) == {"dropout-toy/none-s0", "dropout-toy/dropout-hidden0.5-s0",
                                         "dropout-toy/dropout-hidden0.5-s1"}
    per_run = dropout_table.groupby("run_id").apply(lambda g: sorted(zip(g.method, g.k)), include_groups=False)
    expected = sorted([("weight_scaling", 0), ("no_scaling", 0), ("dropout_on", 1),
                       *((method, k) for method in ("mc_average", "geometric_mean") for k in (1, 4, 16))])
    assert all(rows == expected for rows in per_run)
    dropped = dropout_table[dropout_table.regularizer == "dropout"]
    assert set(dropped.dropout_hidden) == {0.5} and set(dropped.dropout_input) == {0.2}


def test_weight_scaling_is_the_trainers_evaluation(trained, dropout_table):
    # inverted dropout: eval mode with the weights as they are IS the (1-p) test-time scaling
    ws = dropout_table[dropout_table.method == "weight_scaling"].set_index("run_id")
    for run in ("none-s0", "dropout-hidden0.5-s0", "dropout-hidden0.5-s1"):
        assert ws.test_accuracy[f"dropout-toy/{run}"] == pytest.approx(_metric(trained["dropout"], run), abs=1e-6)
        assert ws.test_loss[f"dropout-toy/{run}"] == pytest.approx(
            _metric(trained["dropout"], run, "final_test_loss"), rel=1e-5)


def test_a_net_without_dropout_gets_the_same_numbers_from_every_method(dropout_table):
    plain = dropout_table[dropout_table.regularizer == "none"]
    assert plain.test_accuracy.nunique() == 1
    assert np.allclose(plain.test_loss, plain.test_loss.iloc[0])


def test_dropout_on_is_the_first_monte_carlo_pass_and_seeded(trained, dropout_table):
    dropped = dropout_table[dropout_table.regularizer == "dropout"]
    on = dropped[dropped.method == "dropout_on"].set_index("run_id").test_loss
    first = dropped[(dropped.method == "mc_average") & (dropped.k == 1)].set_index("run_id").test_loss
    pd.testing.assert_series_equal(on, first)
    again = posthoc.dropout_evaluation(trained["dropout"], data.load(trained["data"]), ks=(1, 4, 16), seed=0)
    pd.testing.assert_frame_equal(again, dropout_table)
    other = posthoc.dropout_evaluation(trained["dropout"], trained["data"], ks=(1, 4, 16), seed=1)
    mc = lambda t: t[(t.method == "mc_average") & (t.regularizer == "dropout")].test_loss.to_numpy()  # noqa: E731
    assert not np.allclose(mc(other), mc(dropout_table))


def test_dropout_evaluation_gives_width_and_the_test_sets_standard_errors(trained, dropout_table):
    assert set(dropout_table.width) == {8}
    n = len(data.load(trained["data"]).y["test"])
    acc = dropout_table.test_accuracy
    # accuracy is a mean of 0/1 outcomes: its SE is the binomial one
    np.testing.assert_allclose(dropout_table.test_accuracy_se, np.sqrt(acc * (1 - acc) / n), rtol=1e-9)
    # a cross-entropy's SE is the SD of the per-example losses over sqrt(n): positive, and small against the mean
    assert (dropout_table.test_loss_se > 0).all() and (dropout_table.test_loss_se < dropout_table.test_loss).all()
    model, _, _ = load_stack(trained["dropout"])
    x, y = (torch.from_numpy(a) for a in (data.load(trained["data"]).x["test"], data.load(trained["data"]).y["test"]))
    with torch.no_grad():
        losses = torch.nn.functional.cross_entropy(model(x).double()[0], y, reduction="none")
    ws = dropout_table[(dropout_table.method == "weight_scaling") & (dropout_table.run_id == "dropout-toy/none-s0")]
    assert ws.test_loss_se.iloc[0] == pytest.approx(float(losses.std() / np.sqrt(n)), rel=1e-5)


def _masked_passes(trained, k: int, seed: int = 0) -> torch.Tensor:
    """k Monte-Carlo passes of the dropout job's stack, masks seeded as dropout_evaluation
    seeds them: log-softmax [k, models, examples, classes], float64."""
    model, _, runs = load_stack(trained["dropout"])
    for gen, run in zip(model.generators, runs):
        gen.manual_seed(posthoc.mask_seed(seed, run.seed))
    model.train()
    x = torch.from_numpy(data.load(trained["data"]).x["test"])
    with torch.no_grad():
        return torch.stack([torch.log_softmax(model(x).double(), -1) for _ in range(k)])


def test_geometric_mean_is_the_normalised_geometric_mean_of_the_same_masks(trained, dropout_table):
    y = torch.from_numpy(data.load(trained["data"]).y["test"])
    log_p = _masked_passes(trained, 4)
    # normalised geometric mean: prod_k p_k^(1/k), renormalised over the classes
    geometric = torch.exp(log_p.mean(0))
    geometric = geometric / geometric.sum(-1, keepdim=True)
    arithmetic = log_p.exp().mean(0)
    rows = dropout_table[dropout_table.k == 4].set_index(["method", "run_id"])
    _, _, runs = load_stack(trained["dropout"])
    for i, run in enumerate(runs):
        for method, probs in (("geometric_mean", geometric[i]), ("mc_average", arithmetic[i])):
            row = rows.loc[(method, f"dropout-toy/{run.run}")]
            loss = float(-probs[torch.arange(len(y)), y].log().mean())
            assert row.test_loss == pytest.approx(loss, rel=1e-9)
            assert row.mean_top_probability == pytest.approx(float(probs.amax(-1).mean()), rel=1e-9)
    dropped = dropout_table[dropout_table.regularizer == "dropout"]
    geo, avg = (dropped[dropped.method == m].set_index(["run_id", "k"]).test_loss for m in ("geometric_mean",
                                                                                          "mc_average"))
    # one mask is its own average either way; over more the two averages part
    assert np.allclose(geo.xs(1, level="k"), avg.xs(1, level="k"))
    assert not np.allclose(geo.xs(16, level="k"), avg.xs(16, level="k"))


def test_columns_against_the_weight_scaled_net_pair_each_example(trained, dropout_table):
    n = len(data.load(trained["data"]).y["test"])
    assert (dropout_table.n_test == n).all()
    ws = dropout_table[dropout_table.method == "weight_scaling"].set_index("run_id")
    gap = dropout_table.test_accuracy - dropout_table.run_id.map(ws.test_accuracy)
    # McNemar's discordant pairs: an accuracy difference is (right here only - right there only) / N
    np.testing.assert_allclose((dropout_table.right_where_ws_wrong - dropout_table.wrong_where_ws_right) / n, gap,
                               atol=1e-12)
    assert (ws.right_where_ws_wrong == 0).all() and (ws.wrong_where_ws_right == 0).all()
    assert (ws.test_loss_paired_se == 0).all()
    dropped = dropout_table[(dropout_table.regularizer == "dropout") & (dropout_table.method == "dropout_on")]
    assert (dropped.right_where_ws_wrong + dropped.wrong_where_ws_right > 0).all()  # one mask: other answers
    # the paired SE of the loss difference, recomputed from the per-example losses
    y = torch.from_numpy(data.load(trained["data"]).y["test"])
    model, _, runs = load_stack(trained["dropout"])
    x = torch.from_numpy(data.load(trained["data"]).x["test"])
    with torch.no_grad():
        scaled = torch.nn.functional.cross_entropy(model(x).double()[1], y, reduction="none")
    one_mask = -_masked_passes(trained, 1)[0, 1][torch.arange(len(y)), y]
    row = dropped.set_index("run_id").loc[f"dropout-toy/{runs[1].run}"]
    assert row.test_loss_paired_se == pytest.approx(float((one_mask - scaled).std() / np.sqrt(n)), rel=1e-6)
    # a probability's top is at least 1/C and at most 1
    assert dropout_table.mean_top_probability.between(1 / 3, 1).all()


def test_unscaled_divides_each_matrix_by_the_keep_rate_of_what_it_reads(trained):
    model, _, runs = load_stack(trained["dropout"])
    raw = posthoc.unscaled(model)
    for k, run in enumerate(runs):
        p_in, p_hidden = (0.2, 0.5) if run.regularizer == "dropout" else (0.0, 0.0)
        for layer, (w, v) in enumerate(zip(model.weights, raw.weights)):
            keep = 1 - (p_in if layer == 0 else p_hidden)
            torch.testing.assert_close(v[k], w[k] / keep)
        for b, c in zip(model.biases, raw.biases):
            torch.testing.assert_close(b, c)  # biases read no dropped unit


def test_diverged_runs_get_nan_in_dropout_eval_and_leave_ensembles(trained, tmp_path):
    for name in ("dropout", "ensemble"):
        shutil.copytree(trained[name], tmp_path / trained[name].name)
    for job, run in (("dropout-toy", "dropout-hidden0.5-s1"), ("ensemble-toy", "none-s3")):
        path = tmp_path / job / run / "metrics.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), "diverged": True}))
    table = posthoc.dropout_evaluation(tmp_path / "dropout-toy", trained["data"], ks=(2,))
    bad = table.run_id == "dropout-toy/dropout-hidden0.5-s1"
    assert table[bad].test_accuracy.isna().all() and table[~bad].test_accuracy.notna().all()
    ens = posthoc.ensemble_evaluation(tmp_path / "ensemble-toy", trained["data"])
    assert ens.k.max() == 3 and not ens.members.str.contains("none-s3").any()


# ---- posthoc.maxout_table ----------------------------------------------------------

def maxout_net(seed=0, n_in=6, width=5, pieces=2):
    return StackedMLP(1, n_in, width, 2, 3, build_activation("maxout", {"maxout_pieces": pieces}), ["default"],
                      [torch.Generator().manual_seed(seed)]).eval()


def test_maxout_responses_are_the_first_layer_max():
    model = maxout_net()
    x_probe = np.random.default_rng(0).normal(size=(50, 6)).astype(np.float32)
    ts = np.linspace(-2, 2, 9)
    table = posthoc.maxout_responses(model, x_probe, direction_seed=3, n_units=3, ts=ts)
    assert list(table.columns) == ["layer", "unit", "t", "response"] and len(table) == 3 * len(ts)
    # rebuild the line and the responses by hand
    rng = torch.Generator().manual_seed(3)
    d = torch.randn(6, generator=rng)
    d /= d.norm()
    x = torch.from_numpy(x_probe)
    scale = ((x - x.mean(0)) @ d).std()
    line = x.mean(0) + torch.tensor(ts, dtype=torch.float32)[:, None] * scale * d
    pre = line @ model.weights[0][0] + model.biases[0][0]
    expected = pre.view(len(ts), 5, 2).amax(-1).detach()
    for unit, curve in table.groupby("unit"):
        assert np.allclose(curve.sort_values("t").response, expected[:, unit].numpy(), atol=1e-5)
    assert np.allclose(np.unique(table.t), ts)


def test_maxout_table_reads_a_job_directory(tmp_path):
    """The derived-table hook: job.json + per-run weights -> rows with run_id."""
    runs = [_run("none", {}, s, "none") for s in range(2)]
    job = Job.from_dict({**_job("grid-toy-maxout-adam", "grid", runs).to_dict(), "activation": "maxout",
                         "model": {"depth": 2, "width": 5, "maxout_pieces": 2}})
    write_job(tmp_path, TrainedJob(spec=job, lrs={}, lr_source="fixed", tuning=[]))
    for s in range(2):
        run = tmp_path / f"none-s{s}"
        run.mkdir()
        model = maxout_net(seed=s)
        torch.save({n: p[0].detach().clone() for n, p in model.named_parameters()}, run / "weights.pt")
        (run / "config.json").write_text(json.dumps({"regularization": {"dropout_input": 0.0, "dropout_hidden": 0.0}}))
        (run / "metrics.json").write_text(json.dumps({"diverged": False}))
    dataset = SimpleNamespace(x={"train": np.random.default_rng(0).normal(size=(40, 6)).astype(np.float32)})
    table = posthoc.maxout_table(tmp_path, dataset)
    assert list(table.columns) == list(MAXOUT_UNITS.names)
    assert set(table.run_id) == {"grid-toy-maxout-adam/none-s0", "grid-toy-maxout-adam/none-s1"}
    # a diverged run learned no activation: it is left out of the table
    (tmp_path / "none-s1" / "metrics.json").write_text(json.dumps({"diverged": True}))
    assert set(posthoc.maxout_table(tmp_path, dataset).run_id) == {"grid-toy-maxout-adam/none-s0"}
    assert len(table) == 2 * min(posthoc.TABLE_UNITS, 5) * len(posthoc.TABLE_TS)
    first = table[table.run_id.str.endswith("s0")].drop(columns="run_id").reset_index(drop=True)
    direct = posthoc.maxout_responses(maxout_net(seed=0), dataset.x["train"], posthoc.TABLE_DIRECTION_SEED,
                                     posthoc.TABLE_UNITS, posthoc.TABLE_TS)
    pd.testing.assert_frame_equal(first, direct)


# ---- posthoc.ensemble_evaluation ----------------------------------------------------

def test_ensemble_evaluation_subsets(trained):
    table = posthoc.ensemble_evaluation(trained["ensemble"], trained["data"], draws=3, seed=0)
    assert list(table.columns) == list(ENSEMBLE.names)
    assert sorted(table.k.unique()) == [1, 2, 3, 4]
    counts = table.groupby("k").size().to_dict()
    assert counts == {1: 3, 2: 3, 3: 3, 4: 1}  # 4 singles but draws=3 caps them; C(4,4) = 1
    assert table.groupby("k").members.nunique().to_dict() == counts  # distinct subsets
    assert table[table.k == 4].members.iloc[0] == "none-s0+none-s1+none-s2+none-s3"
    again = posthoc.ensemble_evaluation(trained["ensemble"], trained["data"], draws=3, seed=0)
    pd.testing.assert_frame_equal(table, again)


def test_ensemble_singles_match_training_and_the_average_is_of_softmaxes(trained):
    table = posthoc.ensemble_evaluation(trained["ensemble"], trained["data"], draws=20)
    singles = table[table.k == 1].set_index("members").test_accuracy
    assert len(singles) == 4
    for run, accuracy in singles.items():
        assert accuracy == pytest.approx(_metric(trained["ensemble"], run), abs=1e-6)
    model, _, _ = load_stack(trained["ensemble"])
    d = data.load(trained["data"])
    with torch.no_grad():
        probs = torch.softmax(model(torch.from_numpy(d.x["test"])).double(), -1).mean(0)
    expected = (probs.argmax(-1).numpy() == d.y["test"]).mean()
    assert table[table.k == 4].test_accuracy.iloc[0] == pytest.approx(expected)


def test_subsets_enumerate_when_few_and_sample_distinct_when_many():
    rng = np.random.default_rng(0)
    assert posthoc.subsets(4, 2, 10, rng) == [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    drawn = posthoc.subsets(10, 5, 20, rng)
    assert len(drawn) == 20 == len(set(drawn)) and all(len(s) == 5 for s in drawn)


# ---- l1-vs-l2-sparsity --------------------------------------------------------------

EDGES = np.concatenate([[0.0], np.logspace(-6, 1, 29)])


def _weight_rows(run_id, rng, near_zero_share, large_scale):
    """Synthetic weights.csv / weight_hist.csv rows for 2 layers: a share of |w| near 1e-5,
    the rest log-normal around `large_scale`."""
    summaries, hists = [], []
    for layer in (1, 2):
        n = 400
        small = rng.random(n) < near_zero_share
        a = np.where(small, 10 ** rng.uniform(-6, -4, n), large_scale * np.exp(rng.normal(0, 0.5, n)))
        summaries.append({"run_id": run_id, "layer": layer, "n": n, "abs_max": a.max(), "q50": np.quantile(a, 0.5),
                          "q90": np.quantile(a, 0.9), "q99": np.quantile(a, 0.99),
                          **{f"frac_below_{t}": (a < float(t)).mean() for t in ("1e-2", "1e-3", "1e-4")}})
        counts, _ = np.histogram(a, bins=EDGES)
        hists += [{"run_id": run_id, "layer": layer, "bin_low": lo, "bin_high": hi, "count": c}
                  for lo, hi, c in zip(EDGES[:-1], EDGES[1:], counts)]
    return summaries, hists


# train accuracy along the paths: L1 1e-4 ~ L2 1e-3 and L1 1e-3 ~ L2 1e-2 train alike
TRAIN = {("none", 0.0): 0.95, ("l1", 1e-4): 0.9, ("l1", 1e-3): 0.7, ("l2", 1e-3): 0.9, ("l2", 1e-2): 0.7}


def sparsity_tables(l1_near=0.6, l2_near=0.05, l1_large=0.3, l2_large=0.1, train=None, seeds=3, adam=None,
                    plain_test=0.6, spread=0.01, grid_adam=True, by_strength=None):
    """Sweeps `sparsity` (SGD: none, l1, l1_prox, l2) and `sparsity_adam` (l1, l2), two strengths per
    penalty, and the grid's unregularized ReLU/Adam runs (test accuracy `plain_test`, the sweeps'
    own none runs' too); `adam` overrides keyword values for the Adam runs (e.g. {"l1_near": 0.05}),
    `by_strength` for one strength's L1 runs ({1e-3: {"l1_large": 0.02}}); seeds' train accuracies
    differ by `spread`."""
    rng = np.random.default_rng(0)
    runs, weights, hists = [], [], []
    train = {**TRAIN, **(train or {})}
    studies = [("sgd", 0.1, "sparsity"), ("adam", 0.001, "sparsity_adam")] + ([("adam", 0.001, "grid")] if grid_adam
                                                                               else [])
    for optimizer, lr, study in studies:
        values = {"l1_near": l1_near, "l2_near": l2_near, "l1_large": l1_large, "l2_large": l2_large,
                  **((adam or {}) if optimizer == "adam" else {})}
        arms = [("none", 0.0, 0.0, 0.1)] if study != "sparsity_adam" else []
        for l1_strength in (1e-4, 1e-3) if study != "grid" else ():
            own = {**values, **(by_strength or {}).get(l1_strength, {})}
            regs = ("l1", "l1_prox") if optimizer == "sgd" else ("l1",)
            arms += [(reg, l1_strength, own["l1_near"], own["l1_large"]) for reg in regs]
            arms.append(("l2", l1_strength * 10, values["l2_near"], values["l2_large"]))
        for seed in range(seeds):
            for reg, strength, near, large in arms:
                variant = "none" if reg == "none" else f"{reg}-strength{strength:g}"
                run_id = f"{study}-{optimizer}/{variant}-s{seed}"
                acc = train[("l1" if reg == "l1_prox" else reg, strength)] + spread * (seed - 1)
                runs.append({"run_id": run_id, "study": study, "dataset": "toy", "activation": "relu",
                             "optimizer": optimizer, "regularizer": reg, "variant": variant,
                             "l1": strength if reg.startswith("l1") else 0.0, "l2": strength if reg == "l2" else 0.0,
                             "seed": seed, "depth": 2, "width": 20, "init": "default", "lr": lr, "diverged": False,
                             "final_train_accuracy": acc, "final_test_accuracy": plain_test if reg == "none" else 0.5})
                s, h = _weight_rows(run_id, rng, near + rng.normal(0, 0.01), large)
                weights += s
                hists += h
    return {"runs": pd.DataFrame(runs), "weights": pd.DataFrame(weights), "weight_hist": pd.DataFrame(hists),
            "datasets": dataset_sizes()}


def _sparsity(tables, **overrides):
    settings = settings_of(sparsity.ID, overrides)
    ev = sparsity.evidence(tables, settings)
    return ev, verdict_of(sparsity.CLAIM, ev, settings)


def _pair_verdicts(tables, **overrides):
    """{(optimizer, update, l1, l2): verdict} of every pair judged."""
    return {tuple(c.values()): v for c, v in per_condition(sparsity.CLAIM, tables, settings_of(sparsity.ID, overrides))}


PAIRS = [(o, u, l1, l1 * 10) for o, u in (("adam", "subgradient"), ("sgd", "subgradient"), ("sgd", "prox"))
         for l1 in (1e-4, 1e-3)]


def test_sparsity_reproduced_when_l1_makes_near_zeros_and_keeps_large_weights():
    ev, v = _sparsity(sparsity_tables())
    assert v.verdict == REPRODUCED and v.n == 3  # seeds of the headline pair, L1 1e-4 ~ L2 1e-3 under SGD
    assert v.value == pytest.approx(0.55, abs=0.05) and v.threshold == 0.01  # the smallest effect, fixed in advance
    assert "sgd, L1 by subgradient 1e-4 vs L2 1e-3" in v.statistic
    found = _pair_verdicts(sparsity_tables())
    assert list(found) == PAIRS  # each matched pair a condition of its own, the subgradient first
    assert all(w.verdict == REPRODUCED for w in found.values())


def test_sparsity_not_reproduced_when_l2_has_more_near_zeros():
    assert _sparsity(sparsity_tables(l1_near=0.05, l2_near=0.6))[1].verdict == NOT_REPRODUCED


def test_sparsity_not_reproduced_when_l1_also_shrinks_the_large_weights():
    v = _sparsity(sparsity_tables(l1_large=0.02, l2_large=0.1))[1]
    assert v.verdict == NOT_REPRODUCED and v.statistic.startswith("log10 of q99")  # the deciding part first


def test_sparsity_judges_each_pair_and_update_rule_alone_never_their_average():
    """The strong pair's L1 shrinking its large weights moves neither the weak pair's verdict nor,
    averaged in, the headline's; Adam's L1 making no near-zeros does not move SGD's."""
    found = _pair_verdicts(sparsity_tables(by_strength={1e-3: {"l1_large": 0.01}},
                                           adam={"l1_near": 0.02, "l2_near": 0.05}))
    assert found[("sgd", "subgradient", 1e-4, 1e-3)].verdict == REPRODUCED
    assert found[("sgd", "subgradient", 1e-3, 1e-2)].verdict == NOT_REPRODUCED
    assert found[("adam", "subgradient", 1e-4, 1e-3)].verdict == NOT_REPRODUCED
    assert _sparsity(sparsity_tables(by_strength={1e-3: {"l1_large": 0.01}}))[1].verdict == REPRODUCED


def test_sparsity_reads_its_noise_margins_at_the_judged_dataset_s_sizes():
    """L1 0.04 below its L2 partner in train accuracy: beyond the 0.03 two nets' paired noise on
    1,000 evaluated training samples, within the 0.05 of 360, where the pair is judged."""
    tables = sparsity_tables(train={("l1", 1e-4): 0.86})
    fine = _sparsity(tables)[1]
    coarse = _sparsity({**tables, "datasets": dataset_sizes(360, dataset="digits")})[1]
    assert fine.verdict == INCONCLUSIVE and fine.why.startswith("not matched") and "±0.03:" in fine.why
    assert coarse.verdict == REPRODUCED and "matched within ±0.05, N = 360 evaluated training samples" in coarse.detail
    on_digits = sparsity.on_dataset(settings_of(sparsity.ID), dataset_sizes(360, dataset="digits"))
    assert on_digits.crippled_margin == pytest.approx(0.04 * math.sqrt(1000 / 360))
    assert sparsity.on_dataset(settings_of(sparsity.ID), dataset_sizes()) == settings_of(sparsity.ID)


def test_sparsity_pairs_strengths_by_theory_and_judges_only_pairs_matched_within_a_fixed_tolerance():
    # L1 costs far more training accuracy than its L2 partner: every pair is reported, none judged
    ev, v = _sparsity(sparsity_tables(train={("l1", 1e-4): 0.5, ("l1", 1e-3): 0.3}, plain_test=0.25))
    assert v.verdict == INCONCLUSIVE and v.why.startswith("not matched") and v.n == 3  # its numbers kept
    assert len(ev["pairs"]) == 6 and not ev["pairs"].matched.any()
    # 0.05 apart: outside +-0.03, however widely the seeds spread (the old t half-width grew with them)
    found = _pair_verdicts(sparsity_tables(train={("l1", 1e-3): 0.75}, spread=0.1))
    assert found[("sgd", "subgradient", 1e-3, 1e-2)].why.startswith("not matched")
    assert found[("sgd", "subgradient", 1e-4, 1e-3)].verdict == REPRODUCED
    assert _sparsity(sparsity_tables(train={("l1", 1e-3): 0.75}), match_tolerance=0.06)[0]["pairs"].matched.all()
    # the partner is l2_per_l1 times the L1 strength, never the L2 strength that happens to train alike
    ev = _sparsity(sparsity_tables(), l2_per_l1=100.0)[0]
    assert list(ev["pairs"][["optimizer", "update", "l1", "l2"]].itertuples(index=False, name=None)) == [
        ("adam", "subgradient", 1e-4, 1e-2), ("sgd", "subgradient", 1e-4, 1e-3),  # the headline pair, named
        ("sgd", "subgradient", 1e-4, 1e-2), ("sgd", "prox", 1e-4, 1e-2)]


def test_sparsity_reports_a_pair_with_a_crippled_net_but_does_not_judge_it():
    # the unregularized net tests at 0.8: the strong pair's nets (train 0.7) fit worse than it generalizes
    tables = sparsity_tables(plain_test=0.8, by_strength={1e-3: {"l1_large": 0.01}})
    found = _pair_verdicts(tables)
    strong = found[("sgd", "subgradient", 1e-3, 1e-2)]
    assert strong.verdict == INCONCLUSIVE and strong.why.startswith("floor: L1 and L2 crippled")
    assert strong.value < 0 and strong.n == 3  # its numbers kept: L1 shrank its large weights
    assert found[("sgd", "subgradient", 1e-4, 1e-3)].verdict == REPRODUCED
    path = _sparsity(tables)[0]["paths"].set_index(["optimizer", "regularizer", "strength"])
    assert path.crippled[("sgd", "l1", 1e-3)] and not path.crippled[("sgd", "l1", 1e-4)]
    # 0.02 below the unregularized net's test accuracy: inside the two accuracies' noise (0.04), not crippled
    close = _pair_verdicts(sparsity_tables(plain_test=0.72, by_strength={1e-3: {"l1_large": 0.01}}))
    assert close[("sgd", "subgradient", 1e-3, 1e-2)].verdict == NOT_REPRODUCED


def test_sparsity_takes_the_unregularized_reference_of_adam_from_the_grid():
    # the Adam sweep trains no unregularized net: the grid's ReLU/Adam runs are its reference
    ev = _sparsity(sparsity_tables(plain_test=0.8))[0]
    assert sparsity.references_of(ev["paths"]).to_dict() == {"adam": pytest.approx(0.8), "sgd": pytest.approx(0.8)}
    found = _pair_verdicts(sparsity_tables(grid_adam=False))
    assert found[("adam", "subgradient", 1e-4, 1e-3)].verdict == INCONCLUSIVE
    assert found[("adam", "subgradient", 1e-4, 1e-3)].why.startswith("no unregularized net")
    assert found[("sgd", "subgradient", 1e-4, 1e-3)].verdict == REPRODUCED


def test_sparsity_leaves_diverged_runs_out_and_counts_them():
    tables = sparsity_tables()
    runs = tables["runs"]
    runs.loc[(runs.optimizer == "sgd") & (runs.regularizer == "l2") & (runs.seed == 0), "diverged"] = True
    v = _sparsity(tables)[1]
    assert v.verdict == REPRODUCED and v.n == 2 and "1 diverged run left out" in v.detail


def test_sparsity_pools_layers_by_size_and_names_missing_thresholds():
    weights = pd.DataFrame({"run_id": ["a", "a"], "n": [100, 300], "frac_below_1e-3": [1.0, 0.0]})
    assert sparsity.per_run(weights).loc["a", "frac_below_1e-3"] == pytest.approx(0.25)
    # a threshold the weights table lacks (config allows only weights.csv's own, dltips.weights.THRESHOLDS)
    tables = sparsity_tables()
    tables["weights"] = tables["weights"].drop(columns="frac_below_1e-3")
    with pytest.raises(ValueError, match=r"near_zero = 0.001: the weights table has thresholds \[0.0001, 0.01\]"):
        _sparsity(tables)


def test_sparsity_takes_the_log_of_an_exact_zero_at_float32s_resolution_and_counts_it():
    weights = pd.DataFrame({"q99": [0.2, 0.0, 0.0, 1e-12], "abs_max": [0.5, 0.4, 0.0, 0.5]})
    logs, floored = sparsity.log10_resolved(weights, "q99")
    eps = float(np.finfo(np.float32).eps)
    assert logs.tolist() == pytest.approx([math.log10(0.2), math.log10(eps * 0.4),
                                           math.log10(float(np.finfo(np.float32).smallest_normal)),
                                           math.log10(eps * 0.5)])  # below the resolution: at it
    assert floored.tolist() == [False, True, True, True]
    # one matched L1 run with a layer whose q99 is exactly 0 (L1 zeroed 99% of it)
    tables = sparsity_tables()
    w = tables["weights"]
    zeroed = (w.run_id == "sparsity-sgd/l1-strength0.0001-s0") & (w.layer == 1)
    w.loc[zeroed, "q99"] = 0.0
    ev, v = _sparsity(tables, large="q99")
    row = ev["runs"].set_index("run_id").loc["sparsity-sgd/l1-strength0.0001-s0"]
    assert row.large_floored == 1 and row.layers == 2
    assert row.log10_large == pytest.approx((math.log10(eps * w.loc[zeroed, "abs_max"].item())
                                             + math.log10(w[(w.run_id == row.name) & (w.layer == 2)].q99.item())) / 2)
    assert ev["runs"].log10_large.min() > -10  # never float64's -307
    assert "q99 |w| exactly 0 or below float32's resolution in 1 of 12 layers of the pair's runs" in v.detail
    assert "float32's resolution" not in _sparsity(sparsity_tables(), large="q99")[1].detail  # none: nothing said


def test_sparsity_figure_and_empty_tables():
    tables = sparsity_tables(plain_test=0.8)
    ev, v = _sparsity(tables)
    fig = sparsity.figure(tables, ev, v, settings_of(sparsity.ID))
    assert is_figure(fig) and fig.get_size_inches()[0] <= 12
    empty = {**{name: pd.DataFrame() for name in tables}, "datasets": tables["datasets"]}
    ev, v = _sparsity(empty)
    assert v.verdict == INCONCLUSIVE and is_figure(sparsity.figure(empty, ev, v, settings_of(sparsity.ID)))


def test_sparsity_headline_pair_the_study_did_not_train_has_no_numbers():
    # the study trains L1 1e-3 ~ L2 1e-2 only: the headline pair 1e-4 ~ 1e-3 has no data, and no other pair's numbers
    tables = sparsity_tables()
    runs = tables["runs"]
    tables["runs"] = runs[~((runs.l1 == 1e-4) | (runs.l2 == 1e-3))]
    ev, v = _sparsity(tables)
    assert v.verdict == INCONCLUSIVE and v.n == 0 and v.why.startswith("no data")
    assert len(_pair_verdicts(tables)) == 3  # the other pairs are judged as before


# ---- dropout-train-test -------------------------------------------------------------

def dropout_eval_table(accuracy: dict, rates=(0.1, 0.5), seeds=3, mc=None, width=400):
    """Synthetic dropout_eval.csv: `accuracy` method -> test accuracy of dropout nets;
    `mc` the Monte-Carlo accuracy at k=64 (default: the weight-scaled one)."""
    rng = np.random.default_rng(1)
    rows = []
    for rate in (0.0, *rates):
        for seed in range(seeds):
            run_id = f"dropout-toy/{'none' if rate == 0 else f'dropout-hidden{rate}'}-s{seed}"
            base = {"run_id": run_id, "regularizer": "none" if rate == 0 else "dropout", "width": width,
                    "dropout_input": 0.0 if rate == 0 else 0.1, "dropout_hidden": rate, "seed": seed}
            noise = rng.normal(0, 0.005)
            values = {m: (accuracy["weight_scaling"] if rate == 0 else a) + noise for m, a in accuracy.items()}
            values["mc_64"] = values["weight_scaling"] if mc is None or rate == 0 else mc + noise
            for method, k, value in (("weight_scaling", 0, values["weight_scaling"]),
                                     ("no_scaling", 0, values["no_scaling"]),
                                     ("dropout_on", 1, values["dropout_on"]), ("mc_average", 1, values["dropout_on"]),
                                     ("mc_average", 8, (values["dropout_on"] + values["mc_64"]) / 2),
                                     ("mc_average", 64, values["mc_64"])):
                rows.append({**base, "method": method, "k": k, "test_accuracy": value, "test_loss": 2 - value})
    return pd.DataFrame(rows, columns=DROPOUT_EVAL.names)


GOOD = {"weight_scaling": 0.6, "no_scaling": 0.4, "dropout_on": 0.5}


def test_exact_check_classic_dropout_equals_inverted_dropout():
    check = dropout_scaling.exact_check(settings_of(dropout_scaling.ID).exact_check)
    assert len(check) == 2 * 20 + 1
    assert check.error.max() < 1e-12


def test_exact_check_catches_a_wrong_correspondence(monkeypatch):
    # the same masks, but the classic net stepping at lr instead of lr/(1-p)^2
    monkeypatch.setattr(dropout_scaling, "classic_lr", lambda lr, keep: lr)
    check = dropout_scaling.exact_check(settings_of(dropout_scaling.ID).exact_check)
    assert check.error.max() > 1e-4


def test_dropout_scaling_reproduced_when_scaling_wins():
    settings = settings_of(dropout_scaling.ID)
    ev = dropout_scaling.evidence({"dropout_eval": dropout_eval_table(GOOD)}, settings)
    v = verdict_of(dropout_scaling.CLAIM, ev, settings)
    # the headline rate's 3 seeds, not both rates' 6 runs pooled
    assert v.verdict == REPRODUCED and v.n == 3 and v.value == pytest.approx(0.2, abs=0.01)


def test_dropout_scaling_is_judged_per_width_and_rate_never_pooled():
    """Scaling wins in the wide net and loses in the narrow one: the headline (width 400) is
    reproduced, width 100 is not, and each condition reads its own 3 seeds."""
    settings = settings_of(dropout_scaling.ID)
    wide = dropout_eval_table(GOOD, width=400)
    narrow = dropout_eval_table({"weight_scaling": 0.5, "no_scaling": 0.6, "dropout_on": 0.55}, width=100)
    narrow["run_id"] = narrow.run_id.str.replace("dropout-toy", "dropout-narrow")
    tables = {"dropout_eval": pd.concat([wide, narrow], ignore_index=True)}
    ev = dropout_scaling.evidence(tables, settings)
    assert verdict_of(dropout_scaling.CLAIM, ev, settings).verdict == REPRODUCED
    found = {(a["width"], a["dropout_hidden"]): v for a, v in per_condition(dropout_scaling.CLAIM, tables, settings)}
    assert set(found) == {(400, 0.1), (400, 0.5), (100, 0.1), (100, 0.5)}
    assert {k: v.verdict for k, v in found.items() if k[0] == 100} == {(100, 0.1): NOT_REPRODUCED,
                                                                      (100, 0.5): NOT_REPRODUCED}
    assert all(v.n == 3 for k, v in found.items())


@pytest.mark.parametrize("accuracy", [{"weight_scaling": 0.5, "no_scaling": 0.6, "dropout_on": 0.4},
                                      {"weight_scaling": 0.5, "no_scaling": 0.4, "dropout_on": 0.6}])
def test_dropout_scaling_not_reproduced_when_another_procedure_wins(accuracy):
    settings = settings_of(dropout_scaling.ID)
    ev = dropout_scaling.evidence({"dropout_eval": dropout_eval_table(accuracy)}, settings)
    assert verdict_of(dropout_scaling.CLAIM, ev, settings).verdict == NOT_REPRODUCED


def test_dropout_scaling_not_reproduced_when_the_exact_part_fails():
    settings = settings_of(dropout_scaling.ID)
    ev = dropout_scaling.evidence({"dropout_eval": dropout_eval_table(GOOD)}, settings)
    ev["exact"]["error"] = 1e-3
    assert verdict_of(dropout_scaling.CLAIM, ev, settings).verdict == NOT_REPRODUCED


def test_dropout_scaling_figure_on_a_real_table_and_an_empty_one(dropout_table):
    settings = settings_of(dropout_scaling.ID)
    for table in (dropout_table, pd.DataFrame()):
        tables = {"dropout_eval": table}
        ev = dropout_scaling.evidence(tables, settings)
        v = verdict_of(dropout_scaling.CLAIM, ev, settings)
        assert is_figure(dropout_scaling.figure(tables, ev, v, settings))
    assert v.verdict == INCONCLUSIVE  # the empty table


# ---- dropout-is-ensemble ------------------------------------------------------------

def test_linear_net_mask_average_equals_weight_scaling_exactly():
    nets = dropout_ensemble.enumerate_masks(settings_of(dropout_ensemble.ID).exact_check)
    for net in (dropout_ensemble.LINEAR, dropout_ensemble.GEOMETRIC):
        rows = nets[nets.net == net]
        assert len(rows) == 5 * 2 and rows.error.max() < 1e-12
    # the geometric mean's rows are probabilities: each test point's sum to 1
    geometric = nets[nets.net == dropout_ensemble.GEOMETRIC]
    assert np.allclose(geometric.groupby("point").mask_average.sum(), 1.0)
    # through a ReLU the average of the masks is NOT the weight-scaled net: the check can tell
    assert nets[nets.net == dropout_ensemble.RELU].error.max() > 1e-4


def test_mcnemar_se_is_the_standard_error_of_a_paired_difference_of_accuracies():
    rng = np.random.default_rng(0)
    a = rng.random(1000) < 0.7
    b = np.where(rng.random(1000) < 0.1, ~a, a)  # disagrees with a on ~10% of the examples
    right_only, wrong_only = int((a & ~b).sum()), int((~a & b).sum())
    difference = a.astype(float) - b.astype(float)
    assert paired.mcnemar_se(right_only, wrong_only, 1000) == pytest.approx(difference.std() / np.sqrt(1000))
    # below the SE of a difference of two independent accuracies: the examples both get right cancel
    assert paired.mcnemar_se(right_only, wrong_only, 1000) < 0.8 * np.sqrt(2 * 0.7 * 0.3 / 1000)


def test_widened_interval_adds_the_shared_test_noise_to_the_seeds():
    values = [0.01, 0.02, 0.015, 0.012]
    mean, low, high, n = paired.widened_interval(values, 0.0)
    assert (mean, low, high, n) == pytest.approx(verdicts.t_interval(values))
    _, wide_low, wide_high, _ = paired.widened_interval(values, 0.01)
    half = np.hypot((high - low) / 2, stats.norm.ppf(0.975) * 0.01)
    assert (wide_low, wide_high) == pytest.approx((mean - half, mean + half))
    # an accuracy difference stays in [-1, 1], however wide the test set's noise
    assert paired.widened_interval([0.98, 0.99], 0.5, bounds=verdicts.ACCURACY_DIFFERENCE)[2] == 1.0
    with pytest.raises(ValueError, match="outside the statistic's range"):
        paired.widened_interval([1.5, 0.99], 0.01, bounds=verdicts.ACCURACY_DIFFERENCE)


SIDES = paired.Sides("A is better", "A is worse")


@pytest.mark.parametrize("shift, verdict, words", [(0.0, REPRODUCED, "no difference"),
                                                    (0.05, NOT_REPRODUCED, "A is better by more than"),
                                                    (-0.05, NOT_REPRODUCED, "A is worse by more than"),
                                                    (0.018, INCONCLUSIVE, "undecided whether A is better")])
def test_equivalence_names_the_direction_its_numbers_show(shift, verdict, words):
    values = shift + np.array([-0.001, 0.0, 0.001, 0.0005])
    v = paired.equivalence(values, 0.002, 0.02, "gap", SIDES)
    assert v.verdict == verdict and words in (v.why or v.detail)
    assert (v.direction, v.threshold) == (EQUIVALENT, 0.02)  # 'within ±0.02', whichever side decides
    if verdict == NOT_REPRODUCED:  # the deciding side is the first part; the sentence names it
        assert (v.parts[0].direction, v.parts[0].threshold) == (("<", 0.02) if shift > 0 else (">", -0.02))


def test_equivalence_cannot_be_shown_without_the_paired_standard_error_or_seeds():
    assert "no paired standard error" in paired.equivalence([0.0, 0.001], math.nan, 0.02, "gap", SIDES).why
    assert paired.equivalence([0.0], 0.001, 0.02, "gap", SIDES).verdict == INCONCLUSIVE


def mc_table(gap_loss=0.0, gap_accuracy=0.0, widths=(100, 400), rates=(0.1, 0.5), seeds=5, discordant=30,
             loss_paired_se=0.005, arithmetic_loss=0.1, n_test=1000):
    """Synthetic dropout_eval.csv of a width x rate sweep. The k-mask arithmetic mean converges
    to the weight-scaled net's accuracy plus `gap_accuracy`, with `discordant` examples on
    which the two disagree; the geometric mean to its loss plus `gap_loss`, the arithmetic
    mean to its loss plus `arithmetic_loss` (under-confident: its top probability is 0.1
    lower). A gap may be a function (width, rate) -> number. One mask is worse by 0.3 nats /
    0.05 accuracy, k masks by that over k. Seeds add +-0.002 x (seed - 2)."""
    rows = []
    for width, rate, seed in ((w, r, s) for w in widths for r in (0.0, *rates) for s in range(seeds)):
        noise = 0.002 * (seed - (seeds - 1) / 2)
        on = rate > 0
        ws_acc, ws_loss = 0.6 + noise, 1.2 - noise
        gap_l, gap_a, arith_l = (g(width, rate) if callable(g) else g for g in (gap_loss, gap_accuracy,
                                                                              arithmetic_loss))
        base = {"run_id": f"dropout-w{width}/{'none' if rate == 0 else f'dropout-hidden{rate}'}-s{seed}",
                "regularizer": "none" if rate == 0 else "dropout", "width": width,
                "dropout_input": 0.0 if rate == 0 else 0.1, "dropout_hidden": rate, "seed": seed,
                "test_accuracy_se": 0.0155, "test_loss_se": 0.04, "n_test": n_test}
        rows.append({**base, "method": "weight_scaling", "k": 0, "test_accuracy": ws_acc, "test_loss": ws_loss,
                     "mean_top_probability": 0.55, "right_where_ws_wrong": 0, "wrong_where_ws_right": 0,
                     "test_loss_paired_se": 0.0})
        for k in (1, 4, 16, 64):
            difference = on * (gap_a + noise - 0.05 / k)
            disagree = on * discordant
            rows.append({**base, "method": "mc_average", "k": k, "test_accuracy": ws_acc + difference,
                         "test_loss": ws_loss + on * (arith_l + noise + 0.3 / k),
                         "mean_top_probability": 0.55 - on * 0.1,
                         "right_where_ws_wrong": (disagree + difference * n_test) / 2,
                         "wrong_where_ws_right": (disagree - difference * n_test) / 2,
                         "test_loss_paired_se": on * 0.02})
            rows.append({**base, "method": "geometric_mean", "k": k, "test_accuracy": ws_acc,
                         "test_loss": ws_loss + on * (gap_l + noise + 0.3 / k), "mean_top_probability": 0.55,
                         "right_where_ws_wrong": disagree / 2, "wrong_where_ws_right": disagree / 2,
                         "test_loss_paired_se": on * loss_paired_se})
    return pd.DataFrame(rows, columns=DROPOUT_EVAL.names)


def _ensemble_verdict(table, **overrides):
    settings = settings_of(dropout_ensemble.ID, overrides)
    ev = dropout_ensemble.evidence({"dropout_eval": table, "datasets": dataset_sizes()}, settings)
    return ev, verdict_of(dropout_ensemble.CLAIM, ev, settings)


def test_dropout_ensemble_reproduced_when_neither_average_differs_by_the_margin():
    ev, v = _ensemble_verdict(mc_table())
    assert v.verdict == REPRODUCED and v.n == 5
    assert "test accuracy" in v.statistic and "64-mask arithmetic mean" in v.statistic
    # the gap at k = 64 is the converged gap minus the last 0.05/64 of the one-mask penalty
    assert v.value == pytest.approx(-0.05 / 64, abs=1e-9)
    loss = v.part(dropout_ensemble.LOSS)
    assert loss.value == pytest.approx(0.3 / 64, abs=1e-9) and "geometric mean" in loss.statistic
    assert "no difference" in loss.detail and "from k = 16 to 64" in v.detail  # convergence, reported
    # the arithmetic mean's loss, 0.1 nats above weight scaling's, is reported beside, not judged
    beside = re.search(r"arithmetic mean − weight scaling \(nats, not judged\): (\S+) \[", v.detail)
    assert beside and float(beside.group(1)) == pytest.approx(0.105, abs=0.001)
    assert "arithmetic mean 0.450 at 0.599 (under-confident)" in v.detail


@pytest.mark.parametrize("gaps, words", [({"gap_accuracy": 0.04}, "average is more accurate than weight scaling"),
                                         ({"gap_accuracy": -0.04}, "average is less accurate than weight scaling"),
                                         ({"gap_loss": 0.1}, "geometric mean's test loss is higher"),
                                         ({"gap_loss": -0.1}, "geometric mean's test loss is lower")])
def test_dropout_ensemble_not_reproduced_when_a_difference_is_beyond_the_margin(gaps, words):
    # either sign: an average much better (or worse) than weight scaling is not approximated by it;
    # the sentence says which
    ev, v = _ensemble_verdict(mc_table(**gaps))
    assert v.verdict == NOT_REPRODUCED and words in v.why


def test_dropout_ensemble_judges_the_geometric_mean_in_loss_not_the_arithmetic_one():
    # the arithmetic mean's under-confidence costs it 0.3 nats; its answers are as accurate
    assert _ensemble_verdict(mc_table(arithmetic_loss=0.3))[1].verdict == REPRODUCED
    assert _ensemble_verdict(mc_table(gap_loss=0.3, arithmetic_loss=0.0))[1].verdict == NOT_REPRODUCED


def test_dropout_ensemble_interval_carries_the_test_sets_paired_noise():
    # the same gaps: resolved on examples the two answer alike, not where they disagree on 200 of 1,000
    assert _ensemble_verdict(mc_table(discordant=30))[1].verdict == REPRODUCED
    ev, v = _ensemble_verdict(mc_table(discordant=200))
    assert v.verdict == INCONCLUSIVE and "undecided" in v.why
    assert v.ci_high - v.ci_low > 2 * 1.96 * np.sqrt(200) / 1000 * 0.99
    # a wider margin, fixed in advance, would call that no difference
    assert _ensemble_verdict(mc_table(discordant=200), accuracy_margin=0.05)[1].verdict == REPRODUCED
    assert _ensemble_verdict(mc_table(loss_paired_se=0.05))[1].verdict == INCONCLUSIVE


def test_dropout_ensemble_per_condition_tells_the_two_directions_apart():
    gap = lambda width, rate: {(100, 0.5): 0.04, (400, 0.1): -0.04}.get((width, rate), 0.0)  # noqa: E731
    found = {(c["width"], c["dropout_hidden"]): v for c, v in per_condition(
        dropout_ensemble.CLAIM, {"dropout_eval": mc_table(gap_accuracy=gap), "datasets": dataset_sizes()},
        settings_of(dropout_ensemble.ID))}
    assert {k: v.verdict for k, v in found.items()} == {(100, 0.1): REPRODUCED, (100, 0.5): NOT_REPRODUCED,
                                                        (400, 0.1): NOT_REPRODUCED, (400, 0.5): REPRODUCED}
    better, worse = found[(100, 0.5)], found[(400, 0.1)]
    # one direction and threshold in every row ('within ±0.015'); the sentence tells the sides apart
    assert "more accurate" in better.why and (better.direction, better.threshold) == (EQUIVALENT, 0.015)
    assert "less accurate" in worse.why and (worse.direction, worse.threshold) == (EQUIVALENT, 0.015)
    assert _ensemble_verdict(mc_table(gap_accuracy=gap))[1].verdict == REPRODUCED  # headline: width 400, p 0.5
    assert _ensemble_verdict(mc_table(gap_accuracy=gap), headline={"width": 100, "dropout_hidden": 0.5})[1].verdict \
        == NOT_REPRODUCED
    assert _ensemble_verdict(mc_table(), headline={"width": 800, "dropout_hidden": 0.5})[1].verdict == INCONCLUSIVE


def test_dropout_ensemble_leaves_diverged_runs_out_and_counts_them():
    table = mc_table()
    bad = table.run_id == "dropout-w400/dropout-hidden0.5-s4"
    table.loc[bad, ["test_accuracy", "test_loss"]] = np.nan
    ev, v = _ensemble_verdict(table)
    assert v.n == 4 and "1 diverged run left out" in v.detail
    mc = ev["monte_carlo"]
    assert mc[mc.run_id == "dropout-w400/dropout-hidden0.5-s4"].diverged.all()
    _, other = _ensemble_verdict(table, headline={"width": 100, "dropout_hidden": 0.5})
    assert other.n == 5 and "0 diverged runs left out" in other.detail  # counted where it happened


def test_dropout_ensemble_on_a_table_from_before_the_paired_columns_cannot_decide():
    old = mc_table()
    old = old[old.method != "geometric_mean"].drop(columns=["mean_top_probability", "n_test", "right_where_ws_wrong",
                                                              "wrong_where_ws_right", "test_loss_paired_se"])
    _, v = _ensemble_verdict(old)
    assert v.verdict == INCONCLUSIVE and "no paired standard error" in v.part(dropout_ensemble.ACCURACY).why


def test_dropout_ensemble_not_reproduced_when_the_exact_part_fails():
    settings = settings_of(dropout_ensemble.ID)
    ev = dropout_ensemble.evidence({"dropout_eval": mc_table(), "datasets": dataset_sizes()}, settings)
    nets = ev["enumeration"]
    nets.loc[nets.net == dropout_ensemble.GEOMETRIC, "error"] = 1e-3
    assert verdict_of(dropout_ensemble.CLAIM, ev, settings).verdict == NOT_REPRODUCED


def test_dropout_ensemble_figure(dropout_table):
    settings = settings_of(dropout_ensemble.ID)
    for table in (dropout_table, mc_table(), pd.DataFrame()):
        tables = {"dropout_eval": table, "datasets": dataset_sizes()}
        ev = dropout_ensemble.evidence(tables, settings)
        assert is_figure(dropout_ensemble.figure(tables, ev, verdict_of(dropout_ensemble.CLAIM, ev, settings), settings))


# ---- dropout-costs-training ---------------------------------------------------------

def cost_runs(train_drop=0.15, test_gain=0.03, plain_train=0.9, plain_test=0.6, seeds=3, widths=(100, 400),
              rates=(0.1, 0.3, 0.5), best_val_rate=0.3):
    """Synthetic runs.csv of the dropout sweep: per width, no dropout and each hidden rate.
    `test_gain` may be a function (width, rate) -> gain; the validation accuracy peaks at
    `best_val_rate`. Seeds add a small fixed pattern."""
    rows = []
    for width, seed, rate in ((w, s, r) for w in widths for s in range(seeds) for r in (0.0, *rates)):
        noise = 0.004 * (seed - (seeds - 1) / 2)
        gain = test_gain(width, rate) if callable(test_gain) else test_gain
        rows.append({"run_id": f"dropout-w{width}/{rate}-s{seed}", "study": "dropout", "dataset": "toy",
                     "activation": "relu", "optimizer": "adam", "depth": 4, "width": width, "init": "default",
                     "lr": 0.01 * (1 + rate), "regularizer": "dropout" if rate else "none",
                     "dropout_input": 0.1 if rate else 0.0, "dropout_hidden": rate, "seed": seed, "diverged": False,
                     "stopped_on_plateau": True,
                     "final_train_accuracy": plain_train - (train_drop if rate else 0) + noise,
                     "final_val_accuracy": plain_test + (0.02 if rate == best_val_rate else 0) + noise,
                     "final_test_accuracy": plain_test + (gain if rate else 0) + noise})
    return pd.DataFrame(rows)


def _cost_verdict(runs, **overrides):
    settings = settings_of(dropout_cost.ID, overrides)
    ev = dropout_cost.evidence({"runs": runs, "datasets": dataset_sizes()}, settings)
    return verdict_of(dropout_cost.CLAIM, ev, settings)


def test_dropout_cost_reproduced_when_train_drops_and_test_rises():
    v = _cost_verdict(cost_runs())
    assert v.verdict == REPRODUCED and v.n == 3 and v.value == pytest.approx(0.15, abs=1e-9)
    assert "rate 0.3" in v.detail  # the headline's rate was chosen on validation accuracy


def test_dropout_cost_not_reproduced_when_dropout_hurts_test_or_spares_train():
    assert _cost_verdict(cost_runs(test_gain=-0.05)).verdict == NOT_REPRODUCED
    assert _cost_verdict(cost_runs(train_drop=-0.05)).verdict == NOT_REPRODUCED


def test_dropout_cost_inconclusive_without_overfitting_or_training():
    assert _cost_verdict(cost_runs(plain_test=0.88)).verdict == INCONCLUSIVE  # no pair overfits
    v = _cost_verdict(cost_runs(plain_train=0.1, plain_test=0.1))
    assert v.verdict == INCONCLUSIVE and "3 left out: plain net below 0.2" in v.detail


def test_dropout_cost_is_judged_per_width_and_rate_never_pooled():
    # dropout pays only in the wide net at rates up to 0.3: each condition says so on its own
    runs = cost_runs(test_gain=lambda width, rate: 0.03 if width == 400 and rate <= 0.3 else -0.03)
    found = {(a["width"], a["dropout_hidden"]): v.verdict
             for a, v in per_condition(dropout_cost.CLAIM, {"runs": runs, "datasets": dataset_sizes()},
                                       settings_of(dropout_cost.ID))}
    assert found == {(100, 0.1): NOT_REPRODUCED, (100, 0.3): NOT_REPRODUCED, (100, 0.5): NOT_REPRODUCED,
                     (400, 0.1): REPRODUCED, (400, 0.3): REPRODUCED, (400, 0.5): NOT_REPRODUCED,
                     (100, "validation"): NOT_REPRODUCED, (400, "validation"): REPRODUCED}
    assert _cost_verdict(runs).verdict == REPRODUCED
    assert _cost_verdict(runs, headline={"width": 400, "dropout_hidden": 0.5}).verdict == NOT_REPRODUCED


def test_dropout_cost_chooses_the_rate_on_validation_accuracy_per_width():
    runs = pd.concat([cost_runs(widths=(100,), best_val_rate=0.5), cost_runs(widths=(400,), best_val_rate=0.1)])
    ev = dropout_cost.evidence({"runs": runs, "datasets": dataset_sizes()}, settings_of(dropout_cost.ID))["pairs"]
    chosen = ev[ev.chosen_on_validation].groupby("width").dropout_hidden.unique()
    assert chosen[100].tolist() == [0.5] and chosen[400].tolist() == [0.1]


def test_dropout_cost_leaves_diverged_pairs_out_and_counts_them():
    runs = cost_runs()
    runs.loc[runs.run_id == "dropout-w400/0.3-s2", ["diverged", "final_train_accuracy"]] = [True, np.nan]
    runs.loc[runs.run_id == "dropout-w400/0.0-s0", "stopped_on_plateau"] = False
    v = _cost_verdict(runs)
    assert v.n == 2 and "1 pair left out: a run diverged" in v.detail
    assert "1 pair stopped before validation loss plateaued" in v.detail


def test_dropout_cost_figure():
    settings = settings_of(dropout_cost.ID)
    for runs in (cost_runs(), pd.DataFrame()):
        ev = dropout_cost.evidence({"runs": runs, "datasets": dataset_sizes()}, settings)
        v = verdict_of(dropout_cost.CLAIM, ev, settings)
        assert is_figure(dropout_cost.figure({"runs": runs, "datasets": dataset_sizes()}, ev, v, settings))
    ev = dropout_cost.evidence({"runs": cost_runs(), "datasets": dataset_sizes()}, settings)
    assert "w400 p0.3" in dropout_cost.findings(ev)


# ---- early-stopping -----------------------------------------------------------------

def stopping_runs(loss_gain, turned_up: bool = True, accuracy_gain: float = 0.01) -> pd.DataFrame:
    """Unregularized grid runs whose test loss at the val-loss minimum is `loss_gain` below the
    last epoch's (a number, or a function optimizer -> number; seeds differ by a little),
    plus a regularized and a diverged run the claim must leave out."""
    rows = []
    cells = [(a, o, s) for a in ("relu", "tanh") for o in ("sgd", "adam") for s in range(3)]
    for act, opt, seed in cells:
        gain = loss_gain(opt) if callable(loss_gain) else loss_gain
        rows.append({"run_id": f"grid-{act}-{opt}/none-s{seed}", "study": "grid", "regularizer": "none",
                     "diverged": False, "activation": act, "optimizer": opt, "seed": seed,
                     "best_epoch": 12 if turned_up else 40, "epochs_run": 40,
                     "best_train_loss": 0.8, "final_train_loss": 0.2,
                     "best_val_loss": 1.0, "final_val_loss": 1.4 if turned_up else 1.0,
                     "best_test_loss": 1.2, "final_test_loss": 1.2 + gain + 0.002 * (seed - 1),
                     "best_test_accuracy": 0.6 + accuracy_gain, "final_test_accuracy": 0.6})
    odd = dict(rows[3], best_test_loss=9.0)  # relu + adam, seed 0: in the headline condition
    rows += [dict(odd, run_id="grid-relu-sgd/l2-s0", regularizer="l2"), dict(odd, run_id="x", diverged=True)]
    return pd.DataFrame(rows)


def stopping_epochs(runs: pd.DataFrame, peak: int = 30) -> pd.DataFrame:
    """epochs.csv: validation accuracy peaks at `peak`, where test accuracy is 0.65 (0.6 elsewhere)."""
    return pd.DataFrame([{"run_id": r, "epoch": e, "split": split, "loss": 1.0,
                          "accuracy": 0.5 + 0.1 * (e == peak) if split == "val" else 0.6 + 0.05 * (e == peak)}
                         for r in runs.run_id for e in range(41) for split in ("train", "val", "test")])


def stopping_verdict(runs, **overrides):
    settings = settings_of(early_stopping.ID, overrides)
    ev = early_stopping.evidence({"runs": runs, "epochs": stopping_epochs(runs), "datasets": dataset_sizes()}, settings)
    return ev["runs"], verdict_of(early_stopping.CLAIM, ev, settings)


def stopping_conditions(runs, epochs=None):
    """{(monitor, optimizer or activation): verdict} of every condition."""
    tables = {"runs": runs, "epochs": stopping_epochs(runs) if epochs is None else epochs, "datasets": dataset_sizes()}
    return {tuple(c.values()): v for c, v in per_condition(early_stopping.CLAIM, tables, settings_of(early_stopping.ID))}


def test_early_stopping_reproduced_when_stopping_on_val_loss_gains_in_test_loss():
    ev, v = stopping_verdict(stopping_runs(loss_gain=0.1))
    assert len(ev) == 13 and ev.diverged.sum() == 1  # the regularized run is not evidence; the diverged one counted
    assert v.verdict == REPRODUCED and v.value == pytest.approx(0.1) and v.n == 3
    assert v.threshold == 0.04  # the smallest effect of interest, fixed in advance
    assert "nats" in v.statistic and "1 diverged run left out" in v.detail


def test_early_stopping_is_judged_in_loss_not_accuracy():
    # stopping lowers test accuracy but also test loss: the monitored metric decides
    ev, v = stopping_verdict(stopping_runs(loss_gain=0.1, accuracy_gain=-0.02))
    assert v.verdict == REPRODUCED
    assert "stopping at the validation-loss minimum: test accuracy falls by 0.02 (fraction, n = 3 seeds)" in v.detail
    ev, v = stopping_verdict(stopping_runs(loss_gain=-0.1, accuracy_gain=0.02))
    assert v.verdict == NOT_REPRODUCED and v.value == pytest.approx(-0.1)
    assert "test accuracy rises by 0.02 " in v.detail


def test_early_stopping_a_gain_inside_the_smallest_effect_is_no_difference_not_the_opposite():
    ev, v = stopping_verdict(stopping_runs(loss_gain=0.01))  # 0.01 nats, seeds +-0.002: inside +-0.04
    assert v.verdict == INCONCLUSIVE and v.why.startswith("no difference")
    ev, v = stopping_verdict(stopping_runs(loss_gain=-0.01))
    assert v.verdict == INCONCLUSIVE and v.why.startswith("no difference")


def test_early_stopping_judges_stopping_on_val_accuracy_beside_it_in_test_error():
    runs = stopping_runs(loss_gain=0.1)
    found = stopping_conditions(runs)  # validation accuracy peaks at epoch 30, where test accuracy is 0.05 higher
    assert found[("val_accuracy", "adam")].verdict == REPRODUCED
    v = found[("val_accuracy", "adam")]
    assert v.value == pytest.approx(0.05) and v.threshold == 0.015 and "test error" in v.statistic
    assert "stopping at the validation-accuracy maximum: test loss falls by" in v.detail
    ev, _ = stopping_verdict(runs)
    ok = ev[~ev.diverged]
    assert (ok.acc_epoch == 30).all() and ok.acc_stop_accuracy_gain.to_numpy() == pytest.approx(0.05)
    # a peak whose test accuracy is no better than the last epoch's: no difference, not "not reproduced"
    flat = stopping_epochs(runs)
    flat.loc[(flat.split == "test"), "accuracy"] = 0.6
    assert stopping_conditions(runs, flat)[("val_accuracy", "adam")].why.startswith("no difference")
    worse = stopping_epochs(runs)
    worse.loc[(worse.split == "test") & (worse.epoch == 30), "accuracy"] = 0.55
    assert stopping_conditions(runs, worse)[("val_accuracy", "adam")].verdict == NOT_REPRODUCED


def test_early_stopping_not_reproduced_when_val_loss_never_turns_up():
    # stopping would gain, but the curves lack the shape the notes describe
    ev, v = stopping_verdict(stopping_runs(loss_gain=0.1, turned_up=False))
    assert not ev.val_turned_up.any() and v.verdict == NOT_REPRODUCED


def test_early_stopping_is_judged_per_stopping_rule_optimizer_and_activation():
    runs = stopping_runs(loss_gain=lambda opt: 0.1 if opt == "adam" else -0.1)
    found = stopping_conditions(runs)
    assert list(found) == [("val_loss", "adam"), ("val_loss", "sgd"), ("val_accuracy", "adam"),
                           ("val_accuracy", "sgd"), ("val_loss", "relu"), ("val_loss", "tanh"),
                           ("val_accuracy", "relu"), ("val_accuracy", "tanh")]
    assert found[("val_loss", "adam")].verdict == REPRODUCED and found[("val_loss", "sgd")].verdict == NOT_REPRODUCED
    # each activation averages adam's +0.1 and sgd's -0.1 within a seed: no gain either way
    assert {found[("val_loss", a)].verdict for a in ("relu", "tanh")} <= {INCONCLUSIVE, NOT_REPRODUCED}
    assert stopping_verdict(runs)[1].verdict == REPRODUCED  # the headline: val loss, adam
    assert stopping_verdict(runs, headline={"optimizer": "sgd"})[1].verdict == NOT_REPRODUCED
    assert stopping_verdict(runs, headline={"monitor": "val_accuracy", "optimizer": "sgd"})[1].verdict == REPRODUCED


def test_early_stopping_headline_is_one_condition_never_every_cell_pooled():
    runs = stopping_runs(loss_gain=lambda opt: 0.1 if opt == "adam" else -0.1)
    # an activation's condition holds adam's +0.1 and sgd's -0.1: the headline may name it
    assert stopping_verdict(runs, headline={"activation": "relu"})[1].verdict == INCONCLUSIVE
    for both_or_neither in ({"optimizer": "adam", "activation": "relu"}, {"optimizer": None}):
        with pytest.raises(ValueError, match="one condition"):
            settings_of(early_stopping.ID, {"headline": both_or_neither})


def test_early_stopping_figure():
    settings = settings_of(early_stopping.ID)
    runs = stopping_runs(loss_gain=0.1)
    epochs = stopping_epochs(runs)
    for tables in ({"runs": runs, "epochs": epochs, "datasets": dataset_sizes()},
                   {"runs": runs.iloc[0:0], "epochs": epochs.iloc[0:0], "datasets": dataset_sizes()}):
        ev = early_stopping.evidence(tables, settings)
        v = verdict_of(early_stopping.CLAIM, ev, settings)
        assert is_figure(early_stopping.figure(tables, ev, v, settings))


def test_early_stopping_reads_its_smallest_effects_at_the_judged_test_size():
    """A loss gain of 0.05 nats clears 0.04, the margin at MNIST-1D's 1,000 test examples, but
    lies inside 0.04 x sqrt(1000/360) = 0.067 on a 360-example test set: no difference there."""
    settings = settings_of(early_stopping.ID)
    for gain_nats, fine, coarse in ((0.05, REPRODUCED, INCONCLUSIVE), (0.3, REPRODUCED, REPRODUCED)):
        runs = stopping_runs(loss_gain=gain_nats)
        verdicts = {}
        for n in (1000, 360):
            tables = {"runs": runs, "epochs": stopping_epochs(runs), "datasets": dataset_sizes(n)}
            verdicts[n] = verdict_of(early_stopping.CLAIM, early_stopping.evidence(tables, settings), settings)
        assert verdicts[1000].part(early_stopping.GAIN).threshold == 0.04
        assert verdicts[360].part(early_stopping.GAIN).threshold == pytest.approx(0.04 * math.sqrt(1000 / 360))
        assert (verdicts[1000].verdict, verdicts[360].verdict) == (fine, coarse)
        assert "N = 360 test examples: 0.04 x sqrt(1000/360)" in verdicts[360].part(early_stopping.GAIN).statistic
        if coarse == INCONCLUSIVE:
            assert verdicts[360].why.startswith("no difference")


def test_dropout_ensemble_reads_its_margins_at_the_judged_test_size():
    """Arithmetic mean 0.02 more accurate: beyond 0.015 on 1,000 test examples, inside the 0.025
    that 360 examples resolve (no discordant examples: the seeds' interval alone, so that only the
    margin differs)."""
    settings = settings_of(dropout_ensemble.ID)
    table = mc_table(gap_accuracy=0.02 + 0.05 / 64, discordant=0, n_test=360)
    found = {}
    for n in (1000, 360):
        ev = dropout_ensemble.evidence({"dropout_eval": table, "datasets": dataset_sizes(n)}, settings)
        found[n] = verdict_of(dropout_ensemble.CLAIM, ev, settings).part(dropout_ensemble.ACCURACY)
    assert (found[1000].threshold, found[1000].verdict) == (0.015, NOT_REPRODUCED)
    assert found[360].threshold == pytest.approx(0.025) and found[360].verdict == REPRODUCED
    assert "margin ±0.025 (N = 360 test examples: 0.015 x sqrt(1000/360))" in found[360].statistic
    # the loss part, no gap at all, is reproduced at either size
    ev = dropout_ensemble.evidence({"dropout_eval": table, "datasets": dataset_sizes(360)}, settings)
    assert verdict_of(dropout_ensemble.CLAIM, ev, settings).part(dropout_ensemble.LOSS).verdict == REPRODUCED


def test_dropout_cost_reads_overfitting_at_the_judged_test_size():
    """A plain net 0.07 better on train than test overfits beyond 0.05 (1,000 test examples),
    not beyond 0.05 x sqrt(1000/360) = 0.083: on the small test set no pair overfits, and the test
    gain is undecided; a 0.3 gap overfits on both."""
    settings = settings_of(dropout_cost.ID)
    for plain_test, coarse in ((0.83, INCONCLUSIVE), (0.6, REPRODUCED)):
        runs = cost_runs(plain_train=0.9, plain_test=plain_test)
        found = {n: verdict_of(dropout_cost.CLAIM, dropout_cost.evidence(
            {"runs": runs, "datasets": dataset_sizes(n)}, settings), settings) for n in (1000, 360)}
        assert (found[1000].verdict, found[360].verdict) == (REPRODUCED, coarse)
    assert found[360].part("test gain").n == 3
    words = found[360].part("test gain").statistic
    assert "train − test > 0.0833, N = 360 test examples: 0.05 x sqrt(1000/360)" in words


# ---- ensemble-reduces-variance ------------------------------------------------------

def ensemble_table(single=(0.50, 0.52, 0.48, 0.51), ensemble_accuracy=0.56):
    rows = [{"job": "ensemble-toy", "k": 1, "draw": i, "members": f"none-s{i}", "test_accuracy": a, "test_loss": 1.0}
            for i, a in enumerate(single)]
    rows += [{"job": "ensemble-toy", "k": 2, "draw": d, "members": m, "test_accuracy": a, "test_loss": 1.0}
             for d, (m, a) in enumerate((("none-s0+none-s1", 0.53), ("none-s2+none-s3", 0.52)))]
    rows.append({"job": "ensemble-toy", "k": len(single), "draw": 0, "members": "all",
                 "test_accuracy": ensemble_accuracy, "test_loss": 0.9})
    return pd.DataFrame(rows, columns=ENSEMBLE.names)


def test_ensemble_reproduced_when_the_average_beats_single_nets():
    settings = settings_of(ensemble.ID)
    ev = ensemble.evidence({"ensemble": ensemble_table()}, settings)
    v = verdict_of(ensemble.CLAIM, ev, settings)
    assert v.verdict == REPRODUCED and v.n == 4 and v.value == pytest.approx(0.56 - 0.5025)


def test_ensemble_not_reproduced_when_the_average_is_worse():
    settings = settings_of(ensemble.ID)
    ev = ensemble.evidence({"ensemble": ensemble_table(ensemble_accuracy=0.40)}, settings)
    assert verdict_of(ensemble.CLAIM, ev, settings).verdict == NOT_REPRODUCED


def test_ensemble_figure_on_a_real_table_and_an_empty_one(trained):
    settings = settings_of(ensemble.ID)
    real = posthoc.ensemble_evaluation(trained["ensemble"], trained["data"])
    for table in (real, pd.DataFrame()):
        ev = ensemble.evidence({"ensemble": table}, settings)
        v = verdict_of(ensemble.CLAIM, ev, settings)
        assert is_figure(ensemble.figure({"ensemble": table}, ev, v, settings))
    assert v.verdict == INCONCLUSIVE


def test_no_verdict_word_is_spelled_in_the_claim_modules():
    import inspect

    for module in (sparsity, dropout_scaling, dropout_ensemble, dropout_cost, early_stopping, ensemble):
        source = inspect.getsource(module)
        for word in ('"reproduced"', '"not reproduced"', '"inconclusive"'):
            assert word not in source, (module.__name__, word)


def test_a_setting_missing_from_config_takes_its_declared_default():
    # settings are defaulted by design: the claim's class holds the default, config only the changes
    ev = ensemble.evidence({"ensemble": ensemble_table(ensemble_accuracy=0.51)}, settings_of(ensemble.ID))
    assert verdict_of(ensemble.CLAIM, ev, settings_of(ensemble.ID, {})).threshold == 0.0
    stricter = settings_of(ensemble.ID, {"min_gain": 0.01})
    assert verdict_of(ensemble.CLAIM, ev, stricter).threshold == 0.01


@pytest.mark.parametrize("claim, headline, words", [
    ("dropout-costs-training", {"width": 400, "dropout_hidden": "val"}, ["dropout_hidden", "'val'", "'validation'"]),
    ("dropout-is-ensemble", {"width": 400, "dropout_hidden": 1.5}, ["dropout_hidden", "1.5", "< 1"]),
    ("early-stopping", {"optimizer": "adamw"}, ["headline.optimizer", "'adamw'", "rmsprop"]),
    ("relu-variants", {"depth": 10, "init": "hee"}, ["headline.init", "'hee'", "xavier"]),
])
def test_a_bad_headline_is_refused_naming_key_value_and_allowed(default_config, claim, headline, words):
    from dltips.config import validate

    bad = copy.deepcopy(default_config)
    bad["claims"][claim]["headline"] = headline
    with pytest.raises(Exception) as error:
        validate(bad, Path(__file__).resolve().parents[1] / "workflow/schemas/config.schema.yaml")
    assert all(w in str(error.value) for w in [f"claims.{claim}", *words]), str(error.value)


# ---- the proximal L1 step ------------------------------------------------------------

def _one_batch_trainer(members):
    """A Trainer on random data whose whole training split is one batch: train_epoch is one update."""
    from dltips.claims.update_rules import _dataset
    from dltips.trainer import StackConfig, Trainer
    problem = {"seed": 0, "samples": 32, "features": 6, "classes": 3}
    cfg = StackConfig(activation="relu", optimizer="sgd", model={"depth": 2, "width": 8, "maxout_pieces": 2},
                      epochs=1, batch_size=problem["samples"])
    return Trainer(cfg, members, _dataset(problem))


def test_proximal_l1_step_is_a_soft_threshold_with_exact_zeros():
    """SGD step, then w <- sgn(w) max(|w| - lr*l1, 0), weight by weight; the subgradient L1
    and the unpenalised model of the same stack keep their own rules and make no zeros."""
    from dltips.regularizers import build
    from dltips.trainer import Member
    lr, strength = 0.5, 0.1  # threshold 0.05: a share of |w| ~ U(0, 1/sqrt(fan_in)) lands on 0
    trainer = _one_batch_trainer([Member(0, lr, build("l1_prox", {"strength": strength})),
                                  Member(0, lr, build("l1", {"strength": strength})),
                                  Member(0, lr, build("none", {}))])
    x, y = trainer.x["train"], trainer.y["train"]
    logits = trainer.model(x)
    loss = sum(torch.nn.functional.cross_entropy(logits[k], y) for k in range(3))
    grads = torch.autograd.grad(loss, list(trainer.model.weights))
    before = [w.detach().clone().double() for w in trainer.model.weights]
    trainer.train_epoch()
    zeros = 0
    for w0, w1, g in zip(before, trainer.model.weights, grads):
        w1, g = w1.detach().double(), g.double()
        stepped = w0 - lr * g
        prox = stepped.sign() * (stepped.abs() - lr * strength).clamp(min=0)
        # float32: 2^-24 relative rounding per operation, three per weight of |w| < 1: below 2e-7
        assert (w1[0] - prox[0]).abs().max() <= 1e-6
        assert (w1[1] - (stepped[1] - lr * strength * w0[1].sign())).abs().max() <= 1e-6
        assert (w1[2] - stepped[2]).abs().max() <= 1e-6
        zeros += int((w1[0] == 0).sum())
        assert not (w1[1] == 0).any() and not (w1[2] == 0).any()
        # exact zeros exactly where the formula thresholds, save at rounding distance from the threshold
        margin = (stepped[0].abs() - lr * strength).abs() > 1e-6
        assert torch.equal((w1[0] == 0)[margin], (prox[0] == 0)[margin])
    assert zeros >= 10  # 18 of 136 weights with this seed


def test_proximal_l1_leaves_frozen_models_alone():
    from dltips.regularizers import build
    from dltips.trainer import Member
    trainer = _one_batch_trainer([Member(0, 0.5, build("l1_prox", {"strength": 0.1})),
                                  Member(1, 0.5, build("l1_prox", {"strength": 0.1}))])
    before = [w.detach().clone() for w in trainer.model.weights]
    trainer.state.active[0] = False  # as a diverged or early-stopped model is
    trainer.train_epoch()
    assert all(torch.equal(w[0], b[0]) for w, b in zip(trainer.model.weights, before))
    assert any((w[1] == 0).any() for w in trainer.model.weights)
