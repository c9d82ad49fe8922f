"""maxout-learns-activation: Maxout outputs the maximum of each group of pre-activations, a
learnable piecewise-linear convex activation of which ReLU is a special case.

Evidence, three tables:
  construction  for random ReLU nets, a Maxout net (k pieces) with one piece = the ReLU
                layer's weights and the others = zero weights and biases; max |output
                difference| over random inputs must be 0 up to the tolerance (float64).
  units         learned Maxout units of the grid (maxout_units.csv, made by
                `maxout_table`): each first-hidden-layer unit's response along a line
                through input space. A max of affine functions of t is convex: the
                slope between neighbouring t never decreases (up to the tolerance);
                `n_kinks` counts where it bends.
  grid          test accuracy of Maxout minus ReLU in the same grid cell -- reported, not
                part of the verdict: the notes do not claim Maxout is better.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..activations import build as build_activation
from ..verdicts import all_of, exact
from . import TRAINING, declare
from .evidence import Evidence
from .nets import RandomNets, random_net
from .select import paired_differences
from .settings import ClaimSettings, RunMetric, setting
from ..lazy import figures, mlp, plt, sns, torch

ID = "maxout-learns-activation"
UNIT_COLUMNS = ["run_id", "layer", "unit", "t", "response"]
SAME, CONVEX = "construction", "convexity"  # the verdict's parts


class Construction(RandomNets):
    """The exact check: random float64 ReLU nets and their Maxout construction."""

    pieces: int = setting(2, "linear pieces per Maxout unit: one is the ReLU unit, the rest 0", ge=2)
    tolerance: float = setting(1e-12, "max |output difference| allowed (logits); exact up to float64 rounding "
                                      "(~1e-16)", gt=0)


class Settings(ClaimSettings):
    study: str = setting("grid", "runs for the Maxout-vs-ReLU comparison (reported, not judged)")
    baseline: str = setting("relu", "what Maxout is compared with in the grid", registry="activation")
    metric: RunMetric = setting("final_test_accuracy", "runs.csv column compared (higher is better)")
    convexity_tolerance: float = setting(1e-3, "largest slope decrease allowed along a learned unit's response "
                                               "(response units per t unit); float32 round-off gives ~1e-5", gt=0)
    construction: Construction = setting(Construction(), "the exact check: random ReLU nets and their Maxout "
                                                         "construction, float64")


# ---- (a) ReLU is a special case --------------------------------------------------------
def relu_to_maxout(relu: mlp.StackedMLP, pieces: int) -> mlp.StackedMLP:
    """A Maxout net computing exactly what `relu` computes: each unit's first piece is the
    ReLU unit, its other pieces are constant 0, so max(w·h + b, 0, ...) = relu(w·h + b)."""
    k, n_in, width = relu.weights[0].shape
    n_classes = relu.weights[-1].shape[2]
    maxout = mlp.StackedMLP(k, n_in, width, relu.depth, n_classes, build_activation("maxout", {"maxout_pieces": pieces}),
                        ["default"] * k, [torch.Generator().manual_seed(0) for _ in range(k)])  # overwritten below
    maxout = maxout.to(relu.weights[0].dtype).eval()
    with torch.no_grad():
        for layer in range(relu.depth):
            w, b = maxout.weights[layer], maxout.biases[layer]
            w.zero_()
            b.zero_()
            # Maxout groups consecutive outputs, so unit u's pieces are columns u*pieces ...
            w[..., ::pieces] = relu.weights[layer]
            b[..., ::pieces] = relu.biases[layer]
        maxout.weights[-1].copy_(relu.weights[-1])
        maxout.biases[-1].copy_(relu.biases[-1])
    return maxout


def output_difference(a: mlp.StackedMLP, b: mlp.StackedMLP, x: torch.Tensor) -> torch.Tensor:
    """Per model: max |a(x) - b(x)| over inputs and logits."""
    with torch.no_grad():
        return (a(x) - b(x)).abs().amax((1, 2))


def relu_and_inputs(spec: Construction) -> tuple[mlp.StackedMLP, torch.Tensor]:
    """The check's random ReLU nets (nets.random_net reads a mapping) and its random inputs."""
    relu = random_net(spec)
    return relu, torch.randn(spec.n_inputs, spec.features, dtype=torch.float64,
                             generator=torch.Generator().manual_seed(spec.seed))


def construction(spec: Construction) -> pd.DataFrame:
    relu, x = relu_and_inputs(spec)
    maxout = relu_to_maxout(relu, spec.pieces)
    with torch.no_grad():
        scale = relu(x).abs().amax((1, 2))
    return pd.DataFrame({"model": range(relu.n_models), "pieces": spec.pieces,
                         "max_abs_error": output_difference(relu, maxout, x).numpy(),
                         "output_scale": scale.numpy(), "tolerance": spec.tolerance})


# ---- (b) learned units -----------------------------------------------------------------
def unit_shapes(units: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    """Per unit: slopes at both ends of the scan, the largest slope decrease between
    neighbouring steps (a convex curve has none) and the bends (increases > tolerance)."""
    rows = []
    for (run, layer, unit), curve in units.reindex(columns=UNIT_COLUMNS).groupby(["run_id", "layer", "unit"]):
        curve = curve.sort_values("t")
        slopes = np.diff(curve.response.to_numpy()) / np.diff(curve.t.to_numpy())
        change = np.diff(slopes)
        bends = change > tolerance
        # a bend between two grid points raises two neighbouring slope steps: count runs
        n_kinks = int(bends[:1].sum() + (bends[1:] & ~bends[:-1]).sum())
        rows.append({"run_id": run, "layer": layer, "unit": unit,
                     "slope_start": slopes[0], "slope_end": slopes[-1],
                     "convexity_violation": float(max(-change.min(), 0.0)) if len(change) else np.nan,
                     "n_kinks": n_kinks})
    return pd.DataFrame(rows, columns=["run_id", "layer", "unit", "slope_start", "slope_end",
                                       "convexity_violation", "n_kinks"])


def evidence(tables: dict, settings: Settings) -> Evidence:
    grid = paired_differences(tables["runs"], settings.study, settings.baseline, ["maxout"], settings.metric)
    return {"construction": construction(settings.construction),
            "units": unit_shapes(tables["maxout_units"], settings.convexity_tolerance), "grid": grid}


def rule(ev: Evidence, settings: Settings):
    """No conditions: both exact parts on the whole evidence; the figure finds them by name
    (SAME, CONVEX). The grid is reported only."""
    spec = settings.construction
    same = exact(ev["construction"].max_abs_error, spec.tolerance,
                 f"max |ReLU net - its Maxout ({spec.pieces} pieces) construction| (logits)", name=SAME)
    convex = exact(ev["units"].convexity_violation, settings.convexity_tolerance,
                   "largest slope decrease along learned Maxout units' responses (convexity)", name=CONVEX)
    return all_of(same, convex)


# ---- figure ----------------------------------------------------------------------
def figure(tables: dict, ev: Evidence, v, settings: Settings):
    # two rows: the construction and the learned units on top, the grid across the bottom
    fig, axes = plt.subplot_mosaic([["left", "middle"], ["right", "right"]], figsize=(figures.WIDTH, 10),
                                   layout="constrained")
    left, middle, right = axes["left"], axes["middle"], axes["right"]
    spec = settings.construction
    relu, x = relu_and_inputs(spec)
    with torch.no_grad():
        a, b = relu(x).numpy().ravel(), relu_to_maxout(relu, spec.pieces)(x).numpy().ravel()
    left.scatter(a, b, s=5, alpha=0.5)
    left.plot([a.min(), a.max()], [a.min(), a.max()], color="k", lw=0.8, label="identity")
    worst = ev["construction"].max_abs_error.max()
    # the points lie on the identity line: its upper-left corner is empty
    figures.legend(left, loc="upper left", fontsize=figures.MIN_FONT + 1)
    left.set(xlabel="ReLU net output (logit)", ylabel=f"Maxout net output, {spec.pieces} pieces (logit)",
             title=f"construction: {spec.n_models} random nets x {spec.n_inputs} inputs,\n"
                   f"max |difference| {worst:.1e} (tolerance {spec.tolerance:g})")

    units = tables["maxout_units"].reindex(columns=UNIT_COLUMNS)
    if len(units):
        run = sorted(units.run_id.unique())[0]
        curves = units[units.run_id == run]
        sns.lineplot(data=curves, x="t", y="response", hue="unit", palette="tab10", legend="full", ax=middle)
        middle.set_title(f"learned first-layer units of\n{run}")
    else:
        middle.text(0.5, 0.5, "no Maxout runs in\nmaxout_units.csv", ha="center", transform=middle.transAxes)
    middle.set(xlabel="t along a random line through the data mean\n(standard deviations of the data)",
               ylabel="unit output after the max (activation units)")
    figures.legend(middle, **figures.below(middle, title="unit", ncol=5))

    grid = ev["grid"]
    if len(grid):
        sns.stripplot(data=grid, x="optimizer", y="difference", hue="regularizer", size=5, alpha=0.8, ax=right)
        # the seed is the unit: cells averaged within a seed, then the verdicts' t-interval over seeds
        per_seed = grid.groupby(["optimizer", "seed"], as_index=False).difference.mean()
        sns.pointplot(data=per_seed, x="optimizer", y="difference", color="k", linestyle="none", markers="D",
                      errorbar=figures.seed_interval, ax=right,
                      label=f"mean, 95% t-interval over seeds ({figures.n_label(per_seed, ['optimizer'])})")
    else:
        right.text(0.5, 0.5, "no grid cells with both Maxout and ReLU", ha="center", transform=right.transAxes)
    right.axhline(0, color="grey", lw=0.8)
    right.set(xlabel="optimizer", ylabel=f"{settings.metric.replace('_', ' ')}: maxout − {settings.baseline} "
                                        "(fraction)",
              title=f"grid, paired by cell (reported, not judged; {figures.n_label(grid, ['optimizer'])})")
    figures.legend(right, **figures.below(right, title="regularizer", ncol=3))
    same, convex = v.part(SAME), v.part(CONVEX)
    fig.suptitle(figures.verdict_title("Maxout learns its activation", v, parts=[(same, None, "nets"),
                                                                                 (convex, None, "units")]),
                 fontsize=figures.TITLE_FONT)
    return fig


CLAIM = declare(
    __name__,
    title="Maxout outputs the maximum of each group of pre-activations: a learnable piecewise-linear convex "
          "activation, of which ReLU is a special case.",
    source="Goodfellow, Warde-Farley, Mirza, Courville & Bengio, 'Maxout Networks', ICML (2013), sec. 3-4",
    figure_text="Top left: outputs of random ReLU nets against their Maxout construction (one piece the ReLU "
                "unit, the others zero), on the identity line. Top right: responses of learned first-layer Maxout "
                "units along a random line through the data mean. Bottom: test accuracy of Maxout minus ReLU in "
                "the same grid cell, with the mean over seeds (cells averaged within a seed) and its 95% "
                "Student-t interval over seeds (reported only).",
    tables=("runs", "maxout_units"),
    category=TRAINING,
    reads=lambda settings: ({"derived": "maxout_units"},),  # every learned unit: the runs maxout_units is built from
)
