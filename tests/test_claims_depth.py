"""Claims about depth and activations: every verdict rule is fed data where its claim holds
and data where it does not; exact checks are tested exactly; every figure draws from the
smoke study's tables."""

import json
import math
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.figure import Figure

from dltips.activations import build as build_activation
from dltips.claims import (early_layers, maxout, relu_fixes_depth, relu_variants, sigmoid_attenuates,
                           train_before_test, vanishing_gradient)
from dltips.model import StackedMLP
from dltips.verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED

torch.set_num_threads(1)

GRID_CELL = {"grid_study": "grid", "grid_optimizer": "sgd", "grid_regularizer": "none"}
SETTINGS = {
    "train-before-test": {"study": "depth", "activation": "sigmoid", "init": "default", "min_train_drop": 0.0},
    "vanishing-gradient": {"study": "depth", **GRID_CELL, "activation": "sigmoid", "init": "default", "epoch": 0,
                           "max_log10_ratio": -1.0},
    "early-layers-learn-slowly": {"study": "depth", "activation": "sigmoid", "init": "default", "epoch": 2,
                                  "max_log10_ratio": -1.0},
    "sigmoid-attenuates": {"study": "depth", **GRID_CELL, "activation": "sigmoid", "contrast": "relu",
                           "init": "default", "epoch": 0, "fit_from_layer": 2, "min_points": 3, "max_slope": -0.3,
                           "min_r2": 0.9, "contrast_max_abs_slope": 0.15},
    "relu-fixes-depth": {"study": "depth", "activation": "relu", "baseline": "sigmoid", "init": "default",
                         "min_train_gain": 0.0,
                         "linearity": {"seed": 0, "n_models": 2, "in_features": 12, "width": 16, "depth": 4,
                                       "n_classes": 5, "n_inputs": 32, "init": "default", "tolerance": 1e-10}},
    "relu-variants": {"study": "grid", "baseline": "relu", "variants": ["leaky_relu", "prelu", "elu"],
                      "metric": "final_test_accuracy", "min_gain": 0.0},
    "maxout-learns-activation": {"study": "grid", "baseline": "relu", "metric": "final_test_accuracy",
                                 "convexity_tolerance": 1e-3,
                                 "construction": {"seed": 0, "n_models": 2, "in_features": 12, "width": 16,
                                                  "depth": 3, "n_classes": 5, "n_inputs": 32, "pieces": 2,
                                                  "init": "default", "tolerance": 1e-12}},
}


# ---- synthetic tables ----------------------------------------------------------------
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
                                 "variant": "none", "init": init, "depth": depth, "seed": seed, "diverged": False,
                                 "final_train_accuracy": acc, "final_test_accuracy": acc - 0.02})
    return pd.DataFrame(rows)


def sweep_layers(runs: pd.DataFrame, grad, rel, epochs: int = 3) -> pd.DataFrame:
    """layers.csv for `runs`: grad(activation, depth, layer) is the gradient norm;
    rel(activation, depth, layer) the relative weight change per epoch."""
    rows = []
    for r in runs.itertuples():
        for epoch in range(epochs + 1):
            for layer in range(1, r.depth + 2):
                wobble = 1 + 0.01 * ((r.seed + layer) % 3 - 1)  # seeds differ a little
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
    tables = {name: pd.read_csv(smoke_tables / f"{name}.csv") for name in ("runs", "layers", "epochs")}
    tables["slopes"] = synthetic_slopes()
    tables["maxout_units"] = synthetic_units(convex)
    return tables


def judge(module, tables, settings):
    ev = module.evidence(tables, settings)
    return ev, module.verdict(ev, settings)


# ---- train-before-test ---------------------------------------------------------------
def test_train_before_test_both_ways():
    s = SETTINGS["train-before-test"]
    worse = sweep_runs(lambda act, depth, init: 0.6 - (0.08 * depth if act == "sigmoid" else 0.0))
    ev, v = judge(train_before_test, {"runs": worse}, s)
    assert v.verdict == REPRODUCED
    assert v.value == pytest.approx(0.08 * 4) and v.n == 3
    assert set(ev.shallow_depth) == {1} and set(ev.deep_depth) == {5}
    better = sweep_runs(lambda act, depth, init: 0.5 + 0.02 * depth)
    assert judge(train_before_test, {"runs": better}, s)[1].verdict == NOT_REPRODUCED


# ---- vanishing-gradient -------------------------------------------------------------
def test_vanishing_gradient_both_ways():
    s = SETTINGS["vanishing-gradient"]
    runs = sweep_runs(lambda *a: 0.5)

    def tables(sigmoid_decay):
        return {"runs": runs, "layers": sweep_layers(runs, geometric({"sigmoid": sigmoid_decay, "relu": 0.0}),
                                                     lambda *a: 1.0)}

    ev, v = judge(vanishing_gradient, tables(-0.8), s)
    assert v.verdict == REPRODUCED
    assert v.value == pytest.approx(-0.8 * 4, abs=0.02) and v.n == 3  # depth 5: four steps
    assert "depth 5" in v.statistic
    assert judge(vanishing_gradient, tables(0.0), s)[1].verdict == NOT_REPRODUCED


# ---- early-layers-learn-slowly --------------------------------------------------------
def rel_decay(decay: dict):
    """Weight change falling by decay[activation] decades per layer below the output."""
    return lambda act, depth, layer: 0.1 * 10 ** (decay[act] * (depth + 1 - layer))


def test_early_layers_both_ways():
    s = SETTINGS["early-layers-learn-slowly"]
    runs = sweep_runs(lambda *a: 0.5)
    flat = geometric({"sigmoid": 0.0, "relu": 0.0})

    def tables(sigmoid_decay):
        return {"runs": runs, "layers": sweep_layers(runs, flat, rel_decay({"sigmoid": sigmoid_decay, "relu": 0.0}))}

    ev, v = judge(early_layers, tables(-0.5), s)
    assert v.verdict == REPRODUCED
    assert v.value == pytest.approx(-0.5 * 5, abs=0.02)  # depth 5: five layers below the output
    assert judge(early_layers, tables(0.0), s)[1].verdict == NOT_REPRODUCED


def test_early_layers_reads_a_short_run_at_its_end():
    runs = sweep_runs(lambda *a: 0.5, depths=(3,))
    layers = sweep_layers(runs, geometric({"sigmoid": 0.0, "relu": 0.0}), rel_decay({"sigmoid": -0.5, "relu": 0.0}))
    ev = early_layers.evidence({"runs": runs, "layers": layers}, {**SETTINGS["early-layers-learn-slowly"], "epoch": 40})
    assert set(ev.epoch_used) == {3}


# ---- sigmoid-attenuates ---------------------------------------------------------------
def test_fit_recovers_a_geometric_decay_exactly():
    layers = np.arange(1, 8)
    slope, intercept, r2 = sigmoid_attenuates.fit(7, layers, 0.05 * 10 ** (-0.6 * (7 - layers)))
    assert slope == pytest.approx(-0.6, abs=1e-12) and intercept == pytest.approx(math.log10(0.05), abs=1e-12)
    assert r2 == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("grad, expected, failing_part", [
    (geometric({"sigmoid": -0.8, "relu": -0.02}), REPRODUCED, None),
    (geometric({"sigmoid": -0.05, "relu": -0.02}), NOT_REPRODUCED, "decay of log10"),  # sigmoid does not decay
    (geometric({"sigmoid": -0.8, "relu": -0.6}), NOT_REPRODUCED, "|decay per layer|, relu"),  # relu decays too
    # sigmoid decays overall but not geometrically: every other layer jumps by two decades
    (lambda act, depth, layer: geometric({"sigmoid": -0.3, "relu": 0.0})(act, depth, layer)
     * (100.0 if act == "sigmoid" and layer % 2 else 1.0), NOT_REPRODUCED, "R²"),
])
def test_sigmoid_attenuates_both_ways(grad, expected, failing_part):
    s = SETTINGS["sigmoid-attenuates"]
    runs = sweep_runs(lambda *a: 0.5, depths=(3, 5, 7))
    ev, v = judge(sigmoid_attenuates, {"runs": runs, "layers": sweep_layers(runs, grad, lambda *a: 1.0)}, s)
    assert v.verdict == expected
    if failing_part:
        part = next(p for p in v.detail.split("; ") if failing_part in p)
        assert f": {NOT_REPRODUCED} (" in part
    assert set(ev[ev.depth == 3].n_points) == {2}  # layers 2-3 only: too few for the verdict


# ---- relu-fixes-depth -----------------------------------------------------------------
def test_relu_fixes_depth_both_ways_and_condition_by_init():
    s = SETTINGS["relu-fixes-depth"]
    # deep relu trains with he init only; deep sigmoid never does
    def train(act, depth, init):
        if act == "sigmoid":
            return 0.3 if depth > 1 else 0.6
        return 0.6 if init == "he" or depth == 1 else 0.1
    runs = sweep_runs(train)
    tables = {"runs": runs, "layers": sweep_layers(runs, geometric({"sigmoid": -0.8, "relu": 0.0}), lambda *a: 1.0)}
    ev, v = judge(relu_fixes_depth, tables, {**s, "init": "he"})
    assert v.verdict == REPRODUCED and v.value == pytest.approx(0.3)
    assert judge(relu_fixes_depth, tables, {**s, "init": "default"})[1].verdict == NOT_REPRODUCED
    sentence = relu_fixes_depth.CLAIM.condition(ev)
    assert f"default init -0.200 [-0.200, -0.200], n = 3: {NOT_REPRODUCED}" in sentence
    assert f"he init +0.300 [+0.300, +0.300], n = 3: {REPRODUCED}" in sentence
    active = ev[ev.part == "active"]
    assert np.allclose(active.active_fraction, 0.7)  # 1 - the inactive fraction 0.3


def test_relu_net_is_linear_per_input_exactly():
    spec = SETTINGS["relu-fixes-depth"]["linearity"]
    errors = relu_fixes_depth.linearity(spec)
    assert (errors.max_abs_error <= 1e-12).all()
    assert (errors.output_scale > 1e-3).all() and (errors.input_path_scale > 1e-3).all()


def test_linearity_check_fails_where_it_should():
    spec = SETTINGS["relu-fixes-depth"]["linearity"]
    # a smooth activation is not piecewise linear: the decomposition must fail
    assert (relu_fixes_depth.linearity(spec, "elu").max_abs_error > 1e-4).all()
    # the bias path depends on x's pattern: f(0)'s own pattern is the wrong one
    model = relu_fixes_depth.random_net(spec)
    x = torch.randn(spec["n_inputs"], spec["in_features"], dtype=torch.float64)
    d = relu_fixes_depth.decompose(model, x)
    assert (d["output"] - d["jx"] - d["f0"]).abs().max() > 1e-4
    # and the verdict says so when the evidence carries such an error
    ev = relu_fixes_depth.evidence({"runs": sweep_runs(lambda act, depth, init: 0.6 if act == "relu" else 0.1),
                                    "layers": pd.DataFrame(columns=["run_id", "epoch", "layer", "saturated"])},
                                   SETTINGS["relu-fixes-depth"])
    assert relu_fixes_depth.verdict(ev, SETTINGS["relu-fixes-depth"]).verdict == REPRODUCED
    ev.loc[ev.part == "linearity", "max_abs_error"] = 1e-3
    assert relu_fixes_depth.verdict(ev, SETTINGS["relu-fixes-depth"]).verdict == NOT_REPRODUCED


# ---- relu-variants ------------------------------------------------------------------
@pytest.mark.parametrize("delta, noise, expected, weakest", [
    ({"leaky_relu": 0.02, "prelu": 0.03, "elu": 0.01}, None, REPRODUCED, "elu"),
    ({"leaky_relu": 0.02, "prelu": 0.03, "elu": -0.02}, None, NOT_REPRODUCED, "elu"),
    # +-0.01 noise: prelu's differences straddle 0 (inconclusive), the others stay above it
    ({"leaky_relu": 0.02, "prelu": 0.0, "elu": 0.01}, [0.01 * (-1) ** i for i in range(12)], INCONCLUSIVE, "prelu"),
])
def test_relu_variants_both_ways(delta, noise, expected, weakest):
    s = SETTINGS["relu-variants"]
    ev, v = judge(relu_variants, {"runs": grid_runs(delta, noise), "slopes": synthetic_slopes()}, s)
    assert v.verdict == expected
    assert f"{weakest} minus relu" in v.statistic and v.n == 12
    diffs = ev[ev.part == "difference"]
    assert diffs.groupby("activation").difference.mean().to_dict() == pytest.approx(delta, abs=1e-9)


def test_variants_pair_only_with_relu_of_the_same_architecture_and_init():
    runs = grid_runs({"elu": 0.02})
    deeper = runs.assign(depth=7, final_test_accuracy=runs.final_test_accuracy - 0.3)
    he = runs.assign(init="he", final_test_accuracy=runs.final_test_accuracy + 0.2)
    diffs = relu_variants.paired_differences(pd.concat([runs, deeper, he]), "grid", "relu", ["elu"],
                                             "final_test_accuracy")
    assert len(diffs) == 3 * 12  # each elu run paired once, never across depths or inits
    assert diffs.difference.mean() == pytest.approx(0.02, abs=1e-9)


def test_relu_variants_without_variant_runs_is_inconclusive():
    ev, v = judge(relu_variants, {"runs": grid_runs({}), "slopes": pd.DataFrame()}, SETTINGS["relu-variants"])
    assert v.verdict == INCONCLUSIVE and not len(ev[ev.part == "slopes"])


def test_slope_summary_per_layer():
    slopes = pd.DataFrame({"run_id": "r", "layer": [1, 1, 1, 1, 2, 2], "unit": range(6),
                           "slope": [-0.1, 0.2, 0.3, 0.4, 0.25, 0.25]})
    summary = relu_variants.slope_summary(slopes).set_index("layer")
    assert summary.loc[1, "n_units"] == 4 and summary.loc[1, "fraction_negative"] == 0.25
    assert summary.loc[2, "median"] == 0.25


# ---- maxout-learns-activation -----------------------------------------------------------
@pytest.mark.parametrize("pieces", [2, 3])
def test_maxout_construction_equals_relu_net_exactly(pieces):
    spec = {**SETTINGS["maxout-learns-activation"]["construction"], "pieces": pieces}
    errors = maxout.construction(spec)
    # The construction is exact in real arithmetic, but the Maxout net's matmuls are 2-3x wider
    # than the ReLU net's, and a CPU kernel may block (so order) a wider dot product's sums
    # differently: AVX2 kernels give 5.6e-17, AVX-512 ones 0. Rounding a dot product of n terms
    # moves it by at most about n float64 epsilons of its size, and an output passes through
    # in_features + depth * width multiply-adds, so that many epsilons of the output's scale
    # bound an honest construction (~3e-14 here); a wrong one is off by more than 1e-4 (next test).
    operations = spec["in_features"] + spec["depth"] * spec["width"]
    bound = operations * np.finfo(np.float64).eps * errors.output_scale
    assert (errors.max_abs_error <= bound).all() and (errors.output_scale > 1e-3).all()
    assert (bound < spec["tolerance"]).all()  # the verdict's own tolerance lies above the bound


def test_a_wrong_maxout_construction_is_caught():
    spec = SETTINGS["maxout-learns-activation"]["construction"]
    relu = relu_fixes_depth.random_net(spec)
    wrong = maxout.relu_to_maxout(relu, 2)
    with torch.no_grad():  # ReLU weights as the first half instead of every other column
        for layer in range(relu.depth):
            wrong.weights[layer].zero_()
            wrong.biases[layer].zero_()
            wrong.weights[layer][..., :spec["width"]] = relu.weights[layer]
            wrong.biases[layer][..., :spec["width"]] = relu.biases[layer]
    x = torch.randn(spec["n_inputs"], spec["in_features"], dtype=torch.float64)
    assert (maxout.output_difference(relu, wrong, x) > 1e-4).all()


def test_maxout_verdict_both_ways():
    s = SETTINGS["maxout-learns-activation"]
    runs = grid_runs({"maxout": 0.01})
    _, v = judge(maxout, {"runs": runs, "maxout_units": synthetic_units(convex)}, s)
    assert v.verdict == REPRODUCED
    ev, v = judge(maxout, {"runs": runs, "maxout_units": synthetic_units(concave)}, s)
    assert v.verdict == NOT_REPRODUCED
    assert ev[ev.part == "units"].convexity_violation.max() == pytest.approx(2.0)  # slope +1 -> -1
    ev, v = judge(maxout, {"runs": runs, "maxout_units": pd.DataFrame()}, s)
    assert v.verdict == INCONCLUSIVE  # no learned units: the construction alone cannot decide
    ev.loc[ev.part == "construction", "max_abs_error"] = 1e-6
    assert maxout.verdict(ev, s).verdict == NOT_REPRODUCED
    grid = ev[ev.part == "grid"]
    assert len(grid) == 12 and grid.difference.mean() == pytest.approx(0.01)


def test_unit_shapes_counts_bends():
    shapes = maxout.unit_shapes(synthetic_units(convex), 1e-3)
    assert set(shapes.n_kinks) == {1}
    assert shapes.slope_start.to_numpy() == pytest.approx(-0.3) and shapes.slope_end.to_numpy() == pytest.approx(0.5)


def maxout_net(seed=0, n_in=6, width=5, pieces=2):
    return StackedMLP(1, n_in, width, 2, 3, build_activation("maxout", {"maxout_pieces": pieces}), ["default"],
                      [torch.Generator().manual_seed(seed)]).eval()


def test_maxout_responses_are_the_first_layer_max():
    model = maxout_net()
    x_probe = np.random.default_rng(0).normal(size=(50, 6)).astype(np.float32)
    ts = np.linspace(-2, 2, 9)
    table = maxout.maxout_responses(model, x_probe, direction_seed=3, n_units=3, ts=ts)
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
    job = {"job": "grid-toy-maxout-adam", "activation": "maxout", "model": {"depth": 2, "width": 5, "maxout_pieces": 2},
           "runs": [{"run": f"none-s{s}", "seed": s} for s in range(2)]}
    (tmp_path / "job.json").write_text(json.dumps(job))
    for s in range(2):
        run = tmp_path / f"none-s{s}"
        run.mkdir()
        model = maxout_net(seed=s)
        torch.save({n: p[0].detach().clone() for n, p in model.named_parameters()}, run / "weights.pt")
        (run / "config.json").write_text(json.dumps({"regularization": {"dropout_input": 0.0, "dropout_hidden": 0.0}}))
        (run / "metrics.json").write_text(json.dumps({"diverged": False}))
    dataset = SimpleNamespace(x={"train": np.random.default_rng(0).normal(size=(40, 6)).astype(np.float32)})
    table = maxout.maxout_table(tmp_path, dataset)
    assert list(table.columns) == maxout.UNIT_COLUMNS
    assert set(table.run_id) == {"grid-toy-maxout-adam/none-s0", "grid-toy-maxout-adam/none-s1"}
    # a diverged run learned no activation: it is left out of the table
    (tmp_path / "none-s1" / "metrics.json").write_text(json.dumps({"diverged": True}))
    assert set(maxout.maxout_table(tmp_path, dataset).run_id) == {"grid-toy-maxout-adam/none-s0"}
    assert len(table) == 2 * min(maxout.TABLE_UNITS, 5) * len(maxout.TABLE_TS)
    first = table[table.run_id.str.endswith("s0")].drop(columns="run_id").reset_index(drop=True)
    direct = maxout.maxout_responses(maxout_net(seed=0), dataset.x["train"], maxout.TABLE_DIRECTION_SEED,
                                     maxout.TABLE_UNITS, maxout.TABLE_TS)
    pd.testing.assert_frame_equal(first, direct)


# ---- figures on the sample tables -----------------------------------------------------
@pytest.mark.parametrize("module, overrides", [
    (train_before_test, {}),
    (vanishing_gradient, {}),
    (early_layers, {}),
    (sigmoid_attenuates, {"fit_from_layer": 1}),  # the sample's sweep stops at depth 3
    (relu_fixes_depth, {}),
    (relu_variants, {}),  # the sample grid has no variants: an inconclusive figure
    (maxout, {}),
])
def test_figure_draws_from_the_sample_tables(sample, module, overrides):
    settings = {**SETTINGS[module.CLAIM.id], **overrides}
    ev, v = judge(module, sample, settings)
    fig = module.figure(sample, ev, v, settings)
    try:
        assert isinstance(fig, Figure)
        assert fig.get_suptitle().split("\n")[0].endswith(f"— {v.verdict}")  # the headline names the verdict
        assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)
    finally:
        plt.close(fig)


@pytest.mark.parametrize("module", [train_before_test, vanishing_gradient, early_layers, sigmoid_attenuates,
                                    relu_fixes_depth, relu_variants, maxout])
def test_no_runs_means_inconclusive_not_a_crash(sample, module):
    """A config that trains neither the sweep nor the grid still gets an evidence table,
    a verdict and a figure."""
    empty = {"runs": sample["runs"].iloc[:0], "layers": sample["layers"].iloc[:0], "slopes": pd.DataFrame(),
             "maxout_units": pd.DataFrame()}
    settings = SETTINGS[module.CLAIM.id]
    ev, v = judge(module, empty, settings)
    assert v.verdict == INCONCLUSIVE
    if module.CLAIM.condition:
        assert module.CLAIM.condition(ev)
    plt.close(module.figure(empty, ev, v, settings))
