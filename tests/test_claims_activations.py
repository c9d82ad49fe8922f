"""Claims about activations (ReLU variants, Maxout): every verdict rule is fed data where its
claim holds and data where it does not; exact checks are tested exactly (their figures on the
smoke study's tables: test_claims_depth.py)."""

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch

from claim_tables import (concave, convex, grid_runs, judge, sample,  # noqa: F401 (a fixture)
                          synthetic_slopes, synthetic_units)
from dltips.claims import maxout, relu_variants, settings_of
from dltips.claims.runner import per_condition
from dltips.claims.runner import verdict_of
from dltips.claims.select import paired_differences
from dltips.verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED

torch.set_num_threads(1)

VARIANTS = settings_of(relu_variants.ID)
# smaller random nets than the claim's: the construction is as exact, and quicker to check
MAXOUT = settings_of(maxout.ID, {"construction": {"n_models": 2, "features": 12, "width": 16, "depth": 3,
                                                  "classes": 5, "n_inputs": 32}})


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


GAINS = {"leaky_relu": 0.05, "prelu": 0.06, "elu": 0.04}  # nats: each above the smallest effect of interest, 0.02


@pytest.mark.parametrize("gain, noise_free, expected, weakest", [
    (GAINS, True, REPRODUCED, "elu"),
    ({**GAINS, "elu": -0.02}, True, NOT_REPRODUCED, "elu"),
    # seeds spread +-0.004 around 0: prelu's interval lies inside +-0.02, no difference (inconclusive)
    ({**GAINS, "prelu": 0.0}, False, INCONCLUSIVE, "prelu"),
    # a gain of 0.03 with a seed spread of 0.004 whose interval reaches below 0.02: inconclusive
    ({**GAINS, "elu": 0.022}, False, INCONCLUSIVE, "elu"),
])
def test_relu_variants_both_ways_in_training_loss(gain, noise_free, expected, weakest):
    ev, v = judge(relu_variants, {"runs": variant_runs(gain), "slopes": synthetic_slopes()}, VARIANTS)
    assert v.verdict == expected
    assert f"relu minus {weakest}" in v.statistic and "training loss" in v.statistic and v.n == 3
    assert [p.name for p in v.parts][0] == weakest and {p.name for p in v.parts} == set(GAINS)
    pairs = ev["pairs"]
    assert set(pairs.regularizer) == {"none"}  # L2 runs are not compared
    assert pairs.groupby("activation").train_gain.mean().to_dict() == pytest.approx(gain, abs=1e-9)


def test_relu_variants_is_judged_on_training_loss_with_test_accuracy_beside_it():
    v = judge(relu_variants, {"runs": variant_runs(GAINS, test_gain=-0.05), "slopes": pd.DataFrame()},
              VARIANTS)[1]
    assert v.verdict == REPRODUCED  # trains better, tests worse: the claim is about training
    assert "final_test_accuracy, elu minus relu: −0.05 (not judged)" in v.detail
    # relu's own training loss in the headline condition (sgd: 0.6, seeds +0.05 each): a difficulty to fix
    assert "relu's mean training loss here 0.65 nats" in v.detail


def test_relu_variants_per_variant_and_depth_with_the_headline_as_verdict():
    deep_only = {act: (lambda depth, g=g: g if depth == 10 else -g) for act, g in GAINS.items()}
    runs = variant_runs(deep_only)
    s = VARIANTS
    tables = {"runs": runs, "slopes": pd.DataFrame()}
    found = {tuple(a.values()): v.verdict for a, v in per_condition(relu_variants.CLAIM, tables, s)}
    # each optimizer on its own, never pooled
    assert found == {**{(4, init, opt, act): NOT_REPRODUCED for act in GAINS for init in ("default", "he")
                        for opt in ("adam", "sgd")},
                     **{(10, "he", opt, act): REPRODUCED for act in GAINS for opt in ("adam", "sgd")}}
    assert judge(relu_variants, {"runs": runs, "slopes": pd.DataFrame()}, s)[1].verdict == REPRODUCED
    shallow = s.replace(headline={"depth": 4, "init": "default"})
    assert judge(relu_variants, {"runs": runs, "slopes": pd.DataFrame()}, shallow)[1].verdict == NOT_REPRODUCED


def test_relu_variants_where_relu_already_fits_its_data_have_nothing_to_fix_and_tiny_gaps_are_no_difference():
    runs = variant_runs(GAINS)
    # digits-like: every net memorised its training data; the variants differ by thousandths of a nat
    fits = runs.assign(final_train_loss=lambda r: 0.003 + 0.0005 * r.seed + 0.0015 * (r.activation != "relu"))
    v = judge(relu_variants, {"runs": fits, "slopes": pd.DataFrame()}, VARIANTS)[1]
    assert v.verdict == INCONCLUSIVE and v.why.startswith("nothing to fix: relu's own training loss here, 0.0")
    # a baseline with a difficulty, variants within +-0.02 nats of it: no difference, not "not reproduced"
    close = runs.assign(final_train_loss=lambda r: r.final_train_loss + (r.activation != "relu") * 0.05)
    # each variant now 0.05 nats less of a gain (elu -0.01, leaky 0, prelu +0.01), seeds +-0.004
    v = judge(relu_variants, {"runs": close, "slopes": pd.DataFrame()}, VARIANTS)[1]
    assert v.verdict == INCONCLUSIVE and "no difference" in v.why


def test_relu_variants_leave_diverged_pairs_out_and_count_them():
    runs = variant_runs(GAINS, seeds=5,
                        diverged={("prelu", 10, "sgd", 0), ("prelu", 10, "sgd", 1), ("relu", 10, "sgd", 2)})
    runs["lr_at_edge"] = (runs.activation == "elu") & (runs.optimizer == "sgd")  # a rate the tuning may have cut short
    ev, v = judge(relu_variants, {"runs": runs, "slopes": pd.DataFrame()}, VARIANTS)
    assert v.verdict == REPRODUCED  # a train loss of 1e26 would have decided it, were it averaged
    assert "prelu: 3 pairs left out (a run diverged)" in v.detail  # 2 of its own, 1 of relu's
    assert "elu: 1 pair left out (a run diverged), 4 kept with a tuned rate at its grid's edge" in v.detail


def test_variants_pair_only_with_relu_of_the_same_architecture_and_init():
    runs = grid_runs({"elu": 0.02})
    deeper = runs.assign(depth=7, final_test_accuracy=runs.final_test_accuracy - 0.3)
    he = runs.assign(init="he", final_test_accuracy=runs.final_test_accuracy + 0.2)
    diffs = paired_differences(pd.concat([runs, deeper, he]), "grid", "relu", ["elu"],
                                             "final_test_accuracy")
    assert len(diffs) == 3 * 12  # each elu run paired once, never across depths or inits
    assert diffs.difference.mean() == pytest.approx(0.02, abs=1e-9)


def test_relu_variants_without_variant_runs_is_inconclusive():
    ev, v = judge(relu_variants, {"runs": variant_runs({}), "slopes": pd.DataFrame()}, VARIANTS)
    assert v.verdict == INCONCLUSIVE and not len(ev["slopes"]) and not len(ev["pairs"])


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
    ev, v = judge(relu_variants, tables, VARIANTS)
    fig = relu_variants.figure(tables, ev, v, VARIANTS)
    try:
        assert fig.get_suptitle().split("\n")[0].endswith(f"— {v.verdict}")
        assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)
        assert fig.get_size_inches()[0] <= 12
    finally:
        plt.close(fig)


# ---- maxout-learns-activation -----------------------------------------------------------
@pytest.mark.parametrize("pieces", [2, 3])
def test_maxout_construction_equals_relu_net_exactly(pieces):
    spec = MAXOUT.construction.replace(pieces=pieces)
    errors = maxout.construction(spec)
    # The construction is exact in real arithmetic, but the Maxout net's matmuls are 2-3x wider
    # than the ReLU net's, and a CPU kernel may block (so order) a wider dot product's sums
    # differently: AVX2 kernels give 5.6e-17, AVX-512 ones 0. Rounding a dot product of n terms
    # moves it by at most about n float64 epsilons of its size, and an output passes through
    # features + depth * width multiply-adds, so that many epsilons of the output's scale
    # bound an honest construction (~3e-14 here); a wrong one is off by more than 1e-4 (next test).
    operations = spec.features + spec.depth * spec.width
    bound = operations * np.finfo(np.float64).eps * errors.output_scale
    assert (errors.max_abs_error <= bound).all() and (errors.output_scale > 1e-3).all()
    assert (bound < spec.tolerance).all()  # the verdict's own tolerance lies above the bound


def test_a_wrong_maxout_construction_is_caught():
    spec = MAXOUT.construction
    relu, x = maxout.relu_and_inputs(spec)
    wrong = maxout.relu_to_maxout(relu, 2)
    with torch.no_grad():  # ReLU weights as the first half instead of every other column
        for layer in range(relu.depth):
            wrong.weights[layer].zero_()
            wrong.biases[layer].zero_()
            wrong.weights[layer][..., :spec.width] = relu.weights[layer]
            wrong.biases[layer][..., :spec.width] = relu.biases[layer]
    assert (maxout.output_difference(relu, wrong, x) > 1e-4).all()


def test_maxout_verdict_both_ways():
    s = MAXOUT
    runs = grid_runs({"maxout": 0.01})
    _, v = judge(maxout, {"runs": runs, "maxout_units": synthetic_units(convex)}, s)
    assert v.verdict == REPRODUCED
    ev, v = judge(maxout, {"runs": runs, "maxout_units": synthetic_units(concave)}, s)
    assert v.verdict == NOT_REPRODUCED
    assert ev["units"].convexity_violation.max() == pytest.approx(2.0)  # slope +1 -> -1
    assert v.part(maxout.CONVEX).verdict == NOT_REPRODUCED and v.part(maxout.SAME).verdict == REPRODUCED
    ev, v = judge(maxout, {"runs": runs, "maxout_units": pd.DataFrame()}, s)
    assert v.verdict == INCONCLUSIVE  # no learned units: the construction alone cannot decide
    wrong = {**ev, "construction": ev["construction"].assign(max_abs_error=1e-6)}
    assert verdict_of(maxout.CLAIM, wrong, s).verdict == NOT_REPRODUCED
    grid = ev["grid"]
    assert len(grid) == 12 and grid.difference.mean() == pytest.approx(0.01)


def test_unit_shapes_counts_bends():
    shapes = maxout.unit_shapes(synthetic_units(convex), 1e-3)
    assert set(shapes.n_kinks) == {1}
    assert shapes.slope_start.to_numpy() == pytest.approx(-0.3) and shapes.slope_end.to_numpy() == pytest.approx(0.5)
