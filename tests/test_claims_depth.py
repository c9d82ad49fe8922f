"""Claims about depth and activations: every verdict rule is fed data where its claim holds
and data where it does not; exact checks are tested exactly; every figure draws from the
smoke study's tables."""

import itertools
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.figure import Figure

from dltips.activations import build as build_activation
from dltips.claims import (early_layers, maxout, relu_fixes_depth, relu_variants, sigmoid_attenuates,
                           train_before_test, vanishing_gradient)
from dltips.claims import CLAIM_INDEX, curve_studies, get as get_claim
from dltips.config import apply_preset
from dltips.model import StackedMLP
from dltips.verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED

torch.set_num_threads(1)

GRID_CELL = {"grid_study": "grid", "grid_optimizer": "sgd", "grid_regularizer": "none"}
FLOOR = {"chance": 0.1, "samples": 1000, "z": 1.96}  # at chance: mean accuracy <= 0.1186
SETTINGS = {
    "train-before-test": {"study": "diagnosis", "base": {"optimizer": "sgd", "regularizer": "none"},
                          "train_fix": {"optimizer": "adam"}, "test_fix": {"regularizer": "dropout"},
                          "regimes": {"underfitting": "deepest", "overfitting": "shallowest"}, "min_gain": 0.0,
                          "margin_test_se": 1.0, "floor": FLOOR, "headline": {"regime": "underfitting"}},
    "vanishing-gradient": {"study": "depth", **GRID_CELL, "activation": "sigmoid", "epoch": 0,
                           "max_log10_ratio": 0.0, "headline": {"init": "default", "depth": "deepest"}},
    "early-layers-learn-slowly": {"study": "depth", "activation": "sigmoid", "epoch": 2, "max_log10_ratio": 0.0,
                                  "floor": FLOOR, "headline": {"init": "default", "depth": "deepest_trained"}},
    "sigmoid-attenuates": {"study": "depth", **GRID_CELL, "activation": "sigmoid", "contrast": "relu", "epoch": 0,
                           "fit_from_layer": 2, "min_points": 3, "max_slope": 0.0, "contrast_margin_sds": 1.0,
                           "headline": {"init": "he", "depth": "deepest"}},
    "relu-fixes-depth": {"study": "depth", "activation": "relu", "baseline": "sigmoid", "min_train_gain": 0.0,
                         "floor": FLOOR, "headline": {"init": "he", "depth": "deepest"},
                         "linearity": {"seed": 0, "n_models": 2, "in_features": 12, "width": 16, "depth": 4,
                                       "n_classes": 5, "n_inputs": 32, "init": "default", "tolerance": 1e-10}},
    "relu-variants": {"study": "grid", "deep_study": "variants", "regularizer": "none", "baseline": "relu",
                      "variants": ["leaky_relu", "prelu", "elu"], "metric": "final_test_accuracy", "min_gain": 0.0,
                      "headline": {"depth": 10, "init": "he"}},
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
    tables = {name: pd.read_csv(smoke_tables / f"{name}.csv") for name in ("runs", "layers", "epochs")}
    tables["slopes"] = synthetic_slopes()
    tables["maxout_units"] = synthetic_units(convex)
    return tables


def assert_same_evidence(claim_ids, tables, changed, config):
    for claim_id in claim_ids:
        claim, settings = get_claim(claim_id), config["claims"][claim_id]
        pd.testing.assert_frame_equal(claim.evidence(tables, settings), claim.evidence(changed, settings))


def test_the_claims_read_no_layer_statistics_outside_the_schedule(sample, default_config):
    """Training takes layer statistics only where claims.layer_schedule says the claims read
    them. Filling every other (run, epoch) with nonsense must change no claim's evidence."""
    config = apply_preset({**default_config, "preset": "smoke"})
    runs, layers = sample["runs"], sample["layers"]
    recorded = set(zip(layers.run_id, layers.epoch))
    nonsense = [{"run_id": run.run_id, "epoch": epoch, "layer": layer, "grad_norm": 1e9, "weight_norm": -1.0,
                 "rel_change": 1e9, "act_mean": -1e9, "saturated": 7.0}
                for run in runs.itertuples() for epoch in range(int(run.epochs_run) + 1)
                if (run.run_id, epoch) not in recorded for layer in range(1, int(run.depth) + 2)]
    assert len(nonsense) > len(layers)  # most (run, epoch) pairs go unrecorded
    filled = {**sample, "layers": pd.concat([layers, pd.DataFrame(nonsense)], ignore_index=True)}
    readers = [claim_id for claim_id, entry in CLAIM_INDEX.items() if entry.layers is not None]
    assert len(readers) == 4
    assert_same_evidence(readers, sample, filled, config)


def test_the_claims_read_train_and_test_only_at_the_epochs_always_evaluated(sample, default_config):
    """Outside the studies a claim draws the course of (IndexEntry.curves), train and test are
    evaluated only at epochs where some run's summary reads them, which a given run's need not
    be. Turning each run's train and test rows into nonsense at every epoch but its first,
    best, reported and last must change no evidence of a claim that reads the epochs table."""
    config = apply_preset({**default_config, "preset": "smoke"})
    runs, epochs = sample["runs"], sample["epochs"]
    drawn = curve_studies(config["claims"])
    kept = {(run.run_id, int(e)) for run in runs.itertuples()
            for e in (0, run.best_epoch, run.reported_epoch, run.epochs_run)}
    study = epochs.run_id.map(runs.set_index("run_id").study)
    blind = (epochs.split != "val") & ~study.isin(drawn) & ~pd.Series(
        [key in kept for key in zip(epochs.run_id, epochs.epoch)], index=epochs.index)
    assert blind.any()
    filled = {**sample, "epochs": epochs.assign(loss=epochs.loss.mask(blind, -1e9),
                                                accuracy=epochs.accuracy.mask(blind, 7.0))}
    readers = [claim_id for claim_id, entry in CLAIM_INDEX.items() if "epochs" in entry.tables]
    assert readers == ["early-stopping"]
    assert_same_evidence(readers, sample, filled, config)


def judge(module, tables, settings):
    ev = module.evidence(tables, settings)
    return ev, module.verdict(ev, settings)


# ---- train-before-test ---------------------------------------------------------------
def diagnosis_runs(acc, seeds=3) -> pd.DataFrame:
    """runs.csv of the diagnosis sweep; acc(optimizer, regularizer, depth) -> (train, test)
    accuracy; seeds add a fixed +-0.01 pattern."""
    rows = []
    for opt in ("sgd", "adam"):
        for reg in ("none", "dropout"):
            for depth in (2, 7):
                for seed in range(seeds):
                    train, test = acc(opt, reg, depth)
                    wobble = 0.01 * (seed - (seeds - 1) / 2)
                    rows.append({"run_id": f"diagnosis-{opt}-d{depth}/{reg}-s{seed}", "study": "diagnosis",
                                 "dataset": "mnist1d", "activation": "sigmoid", "optimizer": opt, "regularizer": reg,
                                 "init": "default", "depth": depth, "width": 100, "seed": seed, "diverged": False,
                                 "final_train_accuracy": train + wobble, "final_test_accuracy": test + wobble / 2})
    return pd.DataFrame(rows)


def textbook(opt, reg, depth):
    """The notes' picture: the deep plain net underfits and Adam lifts it, dropout does not; the
    shallow net overfits and dropout narrows its gap on the test side."""
    if depth == 7:
        train = 0.9 if opt == "adam" else 0.3
        return train - (0.05 if reg == "dropout" else 0.0), (0.6 if opt == "adam" else 0.28)
    return (0.85 if reg == "dropout" else 0.97), (0.66 if reg == "dropout" else 0.6)


def test_train_before_test_both_regimes_reproduced_on_the_textbook_picture():
    s = SETTINGS["train-before-test"]
    tables = {"runs": diagnosis_runs(textbook)}
    ev, v = judge(train_before_test, tables, s)
    assert v.verdict == REPRODUCED and v.n == 3
    found = dict((c["regime"], w) for c, w in train_before_test.CLAIM.conditions(tables, s))
    assert found["underfitting"].verdict == REPRODUCED and found["overfitting"].verdict == REPRODUCED
    effects = ev[ev.part == "effects"].set_index("regime")
    assert effects.loc["underfitting", "train_fix_effect_train"].mean() == pytest.approx(0.6)
    assert effects.loc["overfitting", "test_fix_effect_test"].mean() == pytest.approx(0.06)


def test_train_before_test_not_reproduced_when_the_deep_net_trains_as_well():
    def deep_fine(opt, reg, depth):
        return (0.99 - (0.1 if reg == "dropout" else 0.0), 0.6) if depth == 7 else textbook(opt, reg, depth)
    v = judge(train_before_test, {"runs": diagnosis_runs(deep_fine)}, SETTINGS["train-before-test"])[1]
    assert v.verdict == NOT_REPRODUCED and "shallow minus deep" in v.statistic  # the deciding part first


def test_train_before_test_not_reproduced_when_dropout_fixes_the_deep_net():
    def dropout_helps(opt, reg, depth):
        train, test = textbook(opt, reg, depth)
        return train, test + (0.2 if reg == "dropout" and depth == 7 else 0.0)
    v = judge(train_before_test, {"runs": diagnosis_runs(dropout_helps)}, SETTINGS["train-before-test"])[1]
    assert v.verdict == NOT_REPRODUCED and "test-side fix" in v.statistic


def test_train_before_test_at_the_floor_when_no_fix_trains_the_deep_net():
    def stuck(opt, reg, depth):
        return (0.1, 0.1) if depth == 7 else textbook(opt, reg, depth)
    s = SETTINGS["train-before-test"]
    v = judge(train_before_test, {"runs": diagnosis_runs(stuck)}, s)[1]
    assert v.verdict == INCONCLUSIVE and "floor: both at chance" in v.detail
    overfit = dict((c["regime"], w) for c, w in train_before_test.CLAIM.conditions({"runs": diagnosis_runs(stuck)}, s))
    assert overfit["overfitting"].verdict == REPRODUCED  # the other regime is judged on its own


def test_train_before_test_leaves_diverged_runs_out_and_counts_them():
    runs = diagnosis_runs(textbook)
    runs.loc[(runs.optimizer == "adam") & (runs.depth == 7) & (runs.seed == 0), "diverged"] = True
    runs.loc[runs.diverged, ["final_train_accuracy", "final_test_accuracy"]] = np.nan
    v = judge(train_before_test, {"runs": runs}, SETTINGS["train-before-test"])[1]
    assert v.verdict == REPRODUCED and "2 diverged run(s) left out" in v.detail


# ---- vanishing-gradient -------------------------------------------------------------
def test_vanishing_gradient_both_ways_and_per_condition():
    s = SETTINGS["vanishing-gradient"]
    runs = sweep_runs(lambda *a: 0.5)

    def tables(sigmoid_decay):
        return {"runs": runs, "layers": sweep_layers(runs, geometric({"sigmoid": sigmoid_decay, "relu": 0.0}),
                                                     lambda *a: 1.0)}

    ev, v = judge(vanishing_gradient, tables(-0.8), s)
    assert v.verdict == REPRODUCED
    assert v.value == pytest.approx(-0.8 * 4, abs=0.02) and v.n == 3  # depth 5: four steps
    assert "depth 5" in v.statistic
    found = vanishing_gradient.CLAIM.conditions(tables(-0.8), s)
    # depth 1 has no ratio: layer 1 is the last hidden layer
    assert [c for c, _ in found] == [{"init": i, "depth": d} for i in ("default", "he") for d in (3, 5)]
    assert all(w.verdict == REPRODUCED for _, w in found)
    assert judge(vanishing_gradient, tables(0.1), s)[1].verdict == NOT_REPRODUCED


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
    assert judge(early_layers, tables(0.2), s)[1].verdict == NOT_REPRODUCED


def test_early_layers_judged_where_the_net_trains():
    """The deep sigmoid net at chance: its condition is the floor, and the headline moves to the
    deepest depth at which the net trains."""
    s = SETTINGS["early-layers-learn-slowly"]
    runs = sweep_runs(lambda act, depth, init: 0.1 if depth == 5 else 0.6)
    tables = {"runs": runs, "layers": sweep_layers(runs, geometric({"sigmoid": 0.0, "relu": 0.0}),
                                                   rel_decay({"sigmoid": -0.5, "relu": 0.0}))}
    ev, v = judge(early_layers, tables, s)
    assert v.verdict == REPRODUCED and "depth 3" in v.statistic
    found = dict(((c["init"], c["depth"]), w) for c, w in early_layers.CLAIM.conditions(tables, s))
    assert found[("default", 5)].verdict == INCONCLUSIVE and "the net is at chance" in found[("default", 5)].detail
    assert found[("default", 3)].verdict == REPRODUCED
    assert "floor: at chance" in early_layers.CLAIM.condition(ev)


def test_early_layers_reads_a_short_run_at_its_end():
    runs = sweep_runs(lambda *a: 0.5, depths=(3,))
    layers = sweep_layers(runs, geometric({"sigmoid": 0.0, "relu": 0.0}), rel_decay({"sigmoid": -0.5, "relu": 0.0}))
    ev = early_layers.evidence({"runs": runs, "layers": layers}, {**SETTINGS["early-layers-learn-slowly"], "epoch": 40})
    assert set(ev.epoch_used.dropna()) == {3}


# ---- sigmoid-attenuates ---------------------------------------------------------------
def test_fit_recovers_a_geometric_decay_exactly():
    layers = np.arange(1, 8)
    slope, intercept, r2 = sigmoid_attenuates.fit(7, layers, 0.05 * 10 ** (-0.6 * (7 - layers)))
    assert slope == pytest.approx(-0.6, abs=1e-12) and intercept == pytest.approx(math.log10(0.05), abs=1e-12)
    assert r2 == pytest.approx(1.0, abs=1e-12)


def test_mean_field_prediction_per_init():
    """PROTOCOL's numbers at width 100, and ReLU's 0 by homogeneity."""
    predict = sigmoid_attenuates.mean_field_slope
    assert predict("sigmoid", "default", 100) == pytest.approx(-0.84, abs=0.02)
    assert predict("sigmoid", "xavier", 100) == pytest.approx(-0.62, abs=0.02)
    assert predict("sigmoid", "he", 100) == pytest.approx(-0.49, abs=0.02)
    assert predict("relu", "he", 100) == 0.0 and math.isnan(predict("elu", "he", 100))


@pytest.mark.parametrize("init", ["default", "xavier", "he"])
def test_mean_field_prediction_matches_random_sigmoid_nets(init):
    """The formula is the measurement's: random sigmoid nets at initialization, fitted like the claim
    fits its runs, decay within 0.05 decades per layer of the prediction (measured: 0.003-0.01)."""
    k, depth, width = 5, 8, 100
    model = StackedMLP(k, 40, width, depth, 10, build_activation("sigmoid", {}), [init] * k,
                       [torch.Generator().manual_seed(s) for s in range(k)])
    x = torch.randn(512, 40, generator=torch.Generator().manual_seed(0))
    y = torch.randint(0, 10, (512,), generator=torch.Generator().manual_seed(1))
    out = model(x)
    loss = sum(torch.nn.functional.cross_entropy(out[i], y) for i in range(k))
    grads = torch.autograd.grad(loss, list(model.weights))[:depth]
    layers = np.arange(2, depth + 1)
    slopes = [sigmoid_attenuates.fit(depth, layers, np.array([float(g[i].norm()) for g in grads[1:]]))[0]
              for i in range(k)]
    assert np.mean(slopes) == pytest.approx(sigmoid_attenuates.mean_field_slope("sigmoid", init, width), abs=0.05)


@pytest.mark.parametrize("grad, expected, deciding", [
    (geometric({"sigmoid": -0.8, "relu": 0.0}), REPRODUCED, "sigmoid"),
    (geometric({"sigmoid": 0.1, "relu": 0.0}), NOT_REPRODUCED, "sigmoid"),  # sigmoid does not decay
    (geometric({"sigmoid": -0.8, "relu": -0.3}), NOT_REPRODUCED, "relu"),  # relu decays too: far outside the margin
])
def test_sigmoid_attenuates_both_ways(grad, expected, deciding):
    s = SETTINGS["sigmoid-attenuates"]
    runs = sweep_runs(lambda *a: 0.5, depths=(3, 5, 7))
    tables = {"runs": runs, "layers": sweep_layers(runs, grad, lambda *a: 1.0, seed_gain=0.05)}
    ev, v = judge(sigmoid_attenuates, tables, s)
    assert v.verdict == expected
    assert f", {deciding}, he init, depth 7" in v.statistic  # the deciding part's numbers are the ones reported
    assert "mean-field prediction -0.50" in (v.statistic + v.detail)
    assert set(ev[(ev.depth == 3) & ev.run_id.notna()].n_points) == {2}  # layers 2-3 only: too few for a line
    found = [c for c, _ in sigmoid_attenuates.CLAIM.conditions(tables, s)]
    assert found == [{"init": i, "depth": d} for i in ("default", "he") for d in (5, 7)]


def test_relu_equivalence_margin_comes_from_seed_noise():
    s = SETTINGS["sigmoid-attenuates"]
    runs = sweep_runs(lambda *a: 0.5, depths=(7,))
    # relu decays 0.01 decades per layer; the seeds' gain spreads the last layer by SD 0.05 decades:
    # a margin of 0.05 / 5 fitted steps = 0.01 ... so 0.002 decay is inside, 0.03 outside
    for decay, expected in ((-0.002, REPRODUCED), (-0.03, NOT_REPRODUCED)):
        layers = sweep_layers(runs, geometric({"sigmoid": -0.8, "relu": decay}), lambda *a: 1.0, seed_gain=0.05)
        found = dict(((c["init"], c["depth"]), w) for c, w in
                     sigmoid_attenuates.CLAIM.conditions({"runs": runs, "layers": layers}, s))
        relu_part = [p for p in found[("he", 7)].detail.split("; ") if "relu" in p][0]
        assert f": {expected} (" in relu_part and "±0.01" in relu_part


def test_equivalence_rule():
    inside = sigmoid_attenuates.equivalence([0.01, -0.01, 0.0, 0.005], 0.1, "x")
    assert inside.verdict == REPRODUCED
    assert sigmoid_attenuates.equivalence([0.5, 0.52, 0.49], 0.1, "x").verdict == NOT_REPRODUCED
    assert sigmoid_attenuates.equivalence([0.0, 0.2, -0.1], 0.1, "x").verdict == INCONCLUSIVE


# ---- relu-fixes-depth -----------------------------------------------------------------
def test_relu_fixes_depth_both_ways_and_per_condition():
    s = SETTINGS["relu-fixes-depth"]
    # deep relu trains with he init only; deep sigmoid never does
    def train(act, depth, init):
        if act == "sigmoid":
            return 0.3 if depth > 1 else 0.6
        return 0.6 if init == "he" or depth == 1 else 0.1
    runs = sweep_runs(train)
    tables = {"runs": runs, "layers": sweep_layers(runs, geometric({"sigmoid": -0.8, "relu": 0.0}), lambda *a: 1.0)}
    ev, v = judge(relu_fixes_depth, tables, s)
    assert v.verdict == REPRODUCED and v.value == pytest.approx(0.3)
    default = {**s, "headline": {"init": "default", "depth": "deepest"}}
    assert judge(relu_fixes_depth, tables, default)[1].verdict == NOT_REPRODUCED
    found = dict(((c["init"], c["depth"]), w) for c, w in relu_fixes_depth.CLAIM.conditions(tables, s))
    assert len(found) == 6 and found[("default", 5)].value == pytest.approx(-0.2)
    assert found[("he", 1)].value == pytest.approx(0.0) and found[("he", 1)].verdict == INCONCLUSIVE
    sentence = relu_fixes_depth.CLAIM.condition(ev)
    assert f"default depth 5: -0.200 [-0.200, -0.200] ({NOT_REPRODUCED})" in sentence
    assert f"he depth 5: +0.300 [+0.300, +0.300] ({REPRODUCED})" in sentence
    active = ev[ev.part == "active"]
    assert np.allclose(active.active_fraction, 0.7)  # 1 - the inactive fraction 0.3


def test_relu_fixes_depth_says_when_both_nets_sit_at_chance():
    """Both at chance is the floor: inconclusive, said in words, never 'ReLU does not help'."""
    s = SETTINGS["relu-fixes-depth"]
    runs = sweep_runs(lambda act, depth, init: 0.1 if depth == 5 else (0.9 if act == "relu" else 0.5))
    tables = {"runs": runs, "layers": sweep_layers(runs, geometric({"sigmoid": -0.8, "relu": 0.0}), lambda *a: 1.0)}
    ev, v = judge(relu_fixes_depth, tables, s)
    assert v.verdict == INCONCLUSIVE and "floor: both at chance" in v.detail
    assert "relu 0.100, sigmoid 0.100" in v.detail
    found = dict(((c["init"], c["depth"]), w) for c, w in relu_fixes_depth.CLAIM.conditions(tables, s))
    assert found[("he", 3)].verdict == REPRODUCED  # where the nets train, ReLU is far ahead
    # one net off the floor: a real comparison again
    runs.loc[(runs.depth == 5) & (runs.activation == "relu"), "final_train_accuracy"] += 0.5
    assert judge(relu_fixes_depth, {**tables, "runs": runs}, s)[1].verdict == REPRODUCED


def test_relu_fixes_depth_leaves_diverged_pairs_out():
    s = SETTINGS["relu-fixes-depth"]
    runs = sweep_runs(lambda act, depth, init: 0.6 if act == "relu" else 0.3)
    runs.loc[(runs.activation == "relu") & (runs.seed == 0), "diverged"] = True
    tables = {"runs": runs, "layers": sweep_layers(runs, geometric({"sigmoid": -0.8, "relu": 0.0}), lambda *a: 1.0)}
    v = judge(relu_fixes_depth, tables, s)[1]
    assert v.verdict == REPRODUCED and v.n == 2 and "1 diverged pair(s) left out" in v.detail


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
    ev = relu_fixes_depth.evidence({"runs": sweep_runs(lambda act, depth, init: 0.6 if act == "relu" else 0.2),
                                    "layers": pd.DataFrame(columns=["run_id", "epoch", "layer", "saturated"])},
                                   SETTINGS["relu-fixes-depth"])
    assert relu_fixes_depth.verdict(ev, SETTINGS["relu-fixes-depth"]).verdict == REPRODUCED
    ev.loc[ev.part == "linearity", "max_abs_error"] = 1e-3
    assert relu_fixes_depth.verdict(ev, SETTINGS["relu-fixes-depth"]).verdict == NOT_REPRODUCED


# ---- relu-variants ------------------------------------------------------------------
CONDITIONS = {"grid": [(4, "default")], "variants": [(4, "he"), (10, "he")]}  # study -> (depth, init)


def variant_runs(gain: dict, seeds=3, diverged=(), test_gain=0.01) -> pd.DataFrame:
    """runs.csv of the grid and the variants sweep, sgd and adam: each variant's final train
    loss is ReLU's in the same cell minus gain[activation] (a number, or a function of the
    depth), +-0.004 by seed. L2 runs (not compared) make every variant 1 nat worse. A run in
    `diverged` (activation, depth, optimizer, seed) blew up: train loss 1e26."""
    rows = []
    for study, cells in CONDITIONS.items():
        for (depth, init), opt, reg, seed in itertools.product(cells, ("sgd", "adam"), ("none", "l2"), range(seeds)):
            for act in ["relu", *gain]:
                g = gain.get(act, 0.0)
                g = g(depth) if callable(g) else g
                loss = 0.5 + 0.1 * (opt == "sgd") + 0.05 * seed
                if act != "relu":
                    loss += -g + 0.004 * (seed - 1) + (1.0 if reg == "l2" else 0.0)
                blew_up = (act, depth, opt, seed) in diverged
                rows.append({"run_id": f"{study}-{act}-{opt}-d{depth}/{reg}-{init}-s{seed}", "study": study,
                             "dataset": "mnist1d", "activation": act, "optimizer": opt, "regularizer": reg,
                             "variant": reg, "seed": seed, "depth": depth, "width": 100, "init": init,
                             "diverged": blew_up, "final_train_loss": 1e26 if blew_up else loss,
                             "final_test_accuracy": 0.1 if blew_up else 0.5 + (act != "relu") * test_gain})
    return pd.DataFrame(rows)


GAINS = {"leaky_relu": 0.02, "prelu": 0.03, "elu": 0.01}


@pytest.mark.parametrize("gain, noise_free, expected, weakest", [
    (GAINS, True, REPRODUCED, "elu"),
    ({**GAINS, "elu": -0.02}, True, NOT_REPRODUCED, "elu"),
    # seeds spread +-0.004 around 0: prelu straddles 0 (inconclusive), the others stay above it
    ({**GAINS, "prelu": 0.0}, False, INCONCLUSIVE, "prelu"),
])
def test_relu_variants_both_ways_in_training_loss(gain, noise_free, expected, weakest):
    s = SETTINGS["relu-variants"]
    ev, v = judge(relu_variants, {"runs": variant_runs(gain), "slopes": synthetic_slopes()}, s)
    assert v.verdict == expected
    assert f"relu minus {weakest}" in v.statistic and "training loss" in v.statistic and v.n == 3
    pairs = ev[(ev.part == "difference") & (ev.regularizer == "none")]
    assert set(ev[ev.part == "difference"].regularizer) == {"none"}  # L2 runs are not compared
    assert pairs.groupby("activation").train_gain.mean().to_dict() == pytest.approx(gain, abs=1e-9)


def test_relu_variants_is_judged_on_training_loss_with_test_accuracy_beside_it():
    v = judge(relu_variants, {"runs": variant_runs(GAINS, test_gain=-0.05), "slopes": pd.DataFrame()},
              SETTINGS["relu-variants"])[1]
    assert v.verdict == REPRODUCED  # trains better, tests worse: the claim is about training
    assert "final_test_accuracy, elu minus relu: -0.050" in v.detail
    # relu's own training loss at the headline depth (sgd 0.6 + adam 0.5, seeds +0.05 each): trainable there
    assert "relu's mean training loss here 0.600 nats" in v.detail


def test_relu_variants_per_variant_and_depth_with_the_headline_as_verdict():
    deep_only = {act: (lambda depth, g=g: g if depth == 10 else -g) for act, g in GAINS.items()}
    runs = variant_runs(deep_only)
    s = SETTINGS["relu-variants"]
    tables = {"runs": runs, "slopes": pd.DataFrame()}
    found = {tuple(a.values()): v.verdict for a, v in relu_variants.conditions(tables, s)}
    assert found == {**{(act, 4, init): NOT_REPRODUCED for act in GAINS for init in ("default", "he")},
                     **{(act, 10, "he"): REPRODUCED for act in GAINS}}
    assert judge(relu_variants, {"runs": runs, "slopes": pd.DataFrame()}, s)[1].verdict == REPRODUCED
    shallow = {**s, "headline": {"depth": 4, "init": "default"}}
    assert judge(relu_variants, {"runs": runs, "slopes": pd.DataFrame()}, shallow)[1].verdict == NOT_REPRODUCED


def test_relu_variants_leave_diverged_pairs_out_and_count_them():
    runs = variant_runs(GAINS, diverged={("prelu", 10, "sgd", 0), ("prelu", 10, "sgd", 1), ("relu", 10, "adam", 2)})
    runs["lr_at_edge"] = (runs.activation == "elu") & (runs.optimizer == "sgd")  # a rate the tuning may have cut short
    ev, v = judge(relu_variants, {"runs": runs, "slopes": pd.DataFrame()}, SETTINGS["relu-variants"])
    assert v.verdict == REPRODUCED  # a train loss of 1e26 would have decided it, were it averaged
    assert "prelu: 3 pair(s) left out (a run diverged)" in v.detail  # 2 of its own, 1 of relu's
    assert "elu: 1 pair(s) left out (a run diverged), 3 kept with a tuned rate at its grid's edge" in v.detail


def test_variants_pair_only_with_relu_of_the_same_architecture_and_init():
    runs = grid_runs({"elu": 0.02})
    deeper = runs.assign(depth=7, final_test_accuracy=runs.final_test_accuracy - 0.3)
    he = runs.assign(init="he", final_test_accuracy=runs.final_test_accuracy + 0.2)
    diffs = relu_variants.paired_differences(pd.concat([runs, deeper, he]), "grid", "relu", ["elu"],
                                             "final_test_accuracy")
    assert len(diffs) == 3 * 12  # each elu run paired once, never across depths or inits
    assert diffs.difference.mean() == pytest.approx(0.02, abs=1e-9)


def test_relu_variants_without_variant_runs_is_inconclusive():
    ev, v = judge(relu_variants, {"runs": variant_runs({}), "slopes": pd.DataFrame()}, SETTINGS["relu-variants"])
    assert v.verdict == INCONCLUSIVE and not len(ev[ev.part == "slopes"])


def test_slopes_of_diverged_runs_are_left_out_and_counted():
    slopes = synthetic_slopes()
    runs = pd.DataFrame({"run_id": ["grid-prelu/none-s0", "grid-prelu/none-s1"], "depth": 4, "diverged": [False, True]})
    slopes.loc[slopes.run_id == "grid-prelu/none-s1", "slope"] = 1.4e26
    kept, left_out = relu_variants.trained_slopes(slopes, runs)
    assert left_out == 1 and set(kept.run_id) == {"grid-prelu/none-s0"} and kept.slope.abs().max() < 2


def test_slope_summary_per_layer():
    slopes = pd.DataFrame({"run_id": "r", "layer": [1, 1, 1, 1, 2, 2], "unit": range(6),
                           "slope": [-0.1, 0.2, 0.3, 0.4, 0.25, 0.25]})
    summary = relu_variants.slope_summary(slopes).set_index("layer")
    assert summary.loc[1, "n_units"] == 4 and summary.loc[1, "fraction_negative"] == 0.25
    assert summary.loc[2, "median"] == 0.25


def test_relu_variants_figure_drops_diverged_slopes(tmp_path):
    runs = variant_runs(GAINS, diverged={("prelu", 10, "sgd", 0)})
    slopes = synthetic_slopes()
    tables = {"runs": runs, "slopes": slopes}
    ev, v = judge(relu_variants, tables, SETTINGS["relu-variants"])
    fig = relu_variants.figure(tables, ev, v, SETTINGS["relu-variants"])
    try:
        assert fig.get_suptitle().split("\n")[0].endswith(f"— {v.verdict}")
        assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)
        assert fig.get_size_inches()[0] <= 12
    finally:
        plt.close(fig)


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
