"""sigmoid-attenuates: every sigmoid squashes its input into (0, 1) with slope at most 1/4,
so each layer shrinks the effect of an early change on the loss -- the decay of the
gradient norm per layer is roughly geometric for sigmoid and not for ReLU.

Evidence: per run, a straight-line fit of log10(gradient norm) of the hidden layers against
the number of layers stepped back from the last hidden layer, at a chosen epoch (0: the
architecture alone). Its slope is the decay per layer in decades (-0.6 = each layer closer
to the input gets a quarter of the gradient, sigmoid's 1/4 bound at unit weight gain) and
its R^2 says how geometric the decay is. The fit starts at a chosen layer: layer 1's
gradient, x^T delta, also scales with the raw input, which the other layers do not see.
Beside it, saturation statistics per activation (layers.csv `saturated`: sigmoid/tanh
units near their bounds, or ReLU-family units inactive) at the start and the end.
"""

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator

from .. import figures
from ..verdicts import all_of, compare
from . import Claim, register
from ..figures import by_activation, legend, n_label
from .vanishing_gradient import GRAD_LABEL, LAYER_LABEL, RUN_KEYS, grid_cell, layers_of

ID = "sigmoid-attenuates"
SIGMOID_MAX_SLOPE = math.log10(0.25)  # the derivative bound itself, drawn for reference


def fit(depth: int, layers: np.ndarray, grads: np.ndarray) -> tuple[float, float, float]:
    """(slope, intercept, R^2) of log10(grad) against steps back from the last hidden layer."""
    x = depth - layers.astype(float)
    y = np.log10(grads)
    if len(x) < 2 or not np.all(np.isfinite(y)):
        return math.nan, math.nan, math.nan
    slope, intercept = np.polyfit(x, y, 1)
    total = float(((y - y.mean()) ** 2).sum())
    residual = float(((y - (intercept + slope * x)) ** 2).sum())
    return float(slope), float(intercept), (1 - residual / total) if total > 0 else math.nan


def evidence(tables: dict, settings: dict) -> pd.DataFrame:
    lay = grid_cell(layers_of(tables, [settings["study"], settings["grid_study"]]), settings)
    lay = lay[lay.hidden]
    end = lay[lay.epoch == lay.groupby("run_id").epoch.transform("max")]
    saturated_end = end.groupby("run_id").saturated.mean()
    rows = []
    for run_id, run in lay[lay.epoch == settings["epoch"]].groupby("run_id"):
        depth = int(run.depth.iloc[0])
        part = run[run.layer >= settings["fit_from_layer"]]
        slope, intercept, r2 = fit(depth, part.layer.to_numpy(), part.grad_norm.to_numpy())
        rows.append({**run.iloc[0][RUN_KEYS].to_dict(), "epoch": settings["epoch"], "n_points": len(part),
                     "slope": slope, "intercept": intercept, "r2": r2,
                     "saturated_start": run.saturated.mean(), "saturated_end": saturated_end.get(run_id, math.nan)})
    columns = RUN_KEYS + ["epoch", "n_points", "slope", "intercept", "r2", "saturated_start", "saturated_end"]
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["study", "activation", "init", "depth", "seed"], kind="stable")


def fitted(ev: pd.DataFrame, settings: dict, activation: str) -> pd.DataFrame:
    """The verdict's runs: depth sweep, the chosen init, enough layers for a line to mean something."""
    return ev[(ev.study == settings["study"]) & (ev.activation == activation) & (ev.init == settings["init"])
              & (ev.n_points >= settings["min_points"])]


def verdict(ev: pd.DataFrame, settings: dict):
    sig, base = fitted(ev, settings, settings["activation"]), fitted(ev, settings, settings["contrast"])
    where = f"{settings['init']} init, epoch {settings['epoch']}"
    decay = compare(sig.slope, settings["max_slope"], "<", f"decay of log10 grad norm per layer towards the "
                    f"input, {settings['activation']}, {where} (decades)")
    geometric = compare(sig.r2, settings["min_r2"], ">", f"R² of the geometric fit, {settings['activation']}")
    flat = compare(base.slope.abs(), settings["contrast_max_abs_slope"], "<",
                   f"|decay per layer|, {settings['contrast']}, {where} (decades)")
    return all_of(decay, geometric, flat)


def plot_fits(ax, lay: pd.DataFrame, ev: pd.DataFrame, settings: dict) -> None:
    """The deepest net of each activation: measured norms (points, one per seed and layer)
    and the mean fitted line over the layers the fit used."""
    for act, colour in (by_activation(lay)["palette"] or {}).items():
        runs = fitted(ev, settings, act)
        runs = runs[runs.depth == runs.depth.max()]
        if not len(runs):
            continue
        depth = int(runs.depth.iloc[0])
        points = lay[lay.run_id.isin(runs.run_id)]
        ax.scatter(points.layer, points.grad_norm, color=colour, s=18, alpha=0.7,
                   label=f"{act}, depth {depth} (n = {len(runs)} seeds)")
        layers = np.arange(settings["fit_from_layer"], depth + 1)
        line = 10 ** (runs.intercept.mean() + runs.slope.mean() * (depth - layers))
        ax.plot(layers, line, color=colour, ls="--", label=f"fit: {runs.slope.mean():+.2f} decades/layer, "
                                                           f"R² {runs.r2.mean():.2f}")
    if not ax.collections:
        ax.text(0.5, 0.5, f"no run with {settings['min_points']} or more layers from layer "
                          f"{settings['fit_from_layer']}", ha="center", transform=ax.transAxes)
    else:
        ax.set_yscale("log")
    ax.set(xlabel=LAYER_LABEL, ylabel=GRAD_LABEL,
           title=f"deepest nets, {settings['init']} init, epoch {settings['epoch']}: data and geometric fit")
    legend(ax, fontsize="small")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def figure(tables: dict, ev: pd.DataFrame, v, settings: dict):
    lay = layers_of(tables, [settings["study"]])
    lay = lay[lay.hidden & (lay.epoch == settings["epoch"]) & (lay.init == settings["init"])]
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(19, 6.8))
    plot_fits(left, lay, ev, settings)

    sweep = ev[(ev.study == settings["study"]) & (ev.n_points >= settings["min_points"])]
    sns.lineplot(data=sweep, x="depth", y="slope", **by_activation(sweep), style="init", marker="o",
                 errorbar=figures.CI, seed=figures.BOOT_SEED, ax=middle)
    limit = settings["contrast_max_abs_slope"]
    middle.axhspan(-limit, limit, color="grey", alpha=0.15, label=f"|slope| < {limit:g} ({settings['contrast']} claim)")
    middle.axhline(settings["max_slope"], color="k", ls="--", lw=1,
                   label=f"{settings['max_slope']:g} ({settings['activation']} claim)")
    middle.axhline(SIGMOID_MAX_SLOPE, color="k", ls=":", lw=1, label="log10(1/4): sigmoid's steepest slope")
    legend(middle, fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    middle.set(xlabel="hidden layers (depth)", ylabel="decay per layer towards the input (decades)",
               title=f"fitted slope from layer {settings['fit_from_layer']} "
                     f"({n_label(sweep, ['activation', 'init', 'depth'])})")
    if len(sweep):
        middle.set_xticks(sorted(sweep.depth.unique()))

    sat = ev[ev.study == settings["grid_study"]]
    if not len(sat):  # no grid in the tables: the sweep still has its activations
        sat = ev[ev.study == settings["study"]]
    sat = sat.melt(id_vars=["activation", "seed"], value_vars=["saturated_start", "saturated_end"],
                   var_name="when", value_name="fraction")
    sat["when"] = sat.when.map({"saturated_start": f"epoch {settings['epoch']}", "saturated_end": "last epoch"})
    sns.barplot(data=sat, x="activation", y="fraction", hue="when", order=by_activation(sat)["hue_order"],
                errorbar=figures.CI, seed=figures.BOOT_SEED, ax=right)
    right.set(xlabel="activation", ylabel="saturated / inactive units (fraction of unit-samples)",
              title=f"sigmoid, tanh: saturated; ReLU family: inactive; maxout: none "
                    f"({n_label(sat, ['activation'])})")
    right.title.set_fontsize("small")
    for bars in right.containers:  # a fraction near 0 is a finding; print it
        right.bar_label(bars, fmt="%.2f", fontsize="x-small", padding=2)
    right.tick_params(axis="x", rotation=30)
    fig.suptitle(figures.verdict_title("Sigmoid attenuates", v, "+.2f", unit="runs"))
    return fig


CLAIM = register(Claim(
    id=ID,
    title="Every sigmoid squashes its input into (0, 1) with slope at most 1/4, so each layer shrinks the "
          "gradient: its decay per layer is roughly geometric for sigmoid and not for ReLU.",
    source="Bengio, Simard & Frasconi, IEEE TNN 5(2) (1994), sec. 3; Hochreiter, diploma thesis (1991); "
           "Glorot & Bengio, AISTATS (2010), sec. 3-4 (saturation)",
    evidence=evidence,
    verdict=verdict,
    figure=figure,
    figure_text="Left: gradient norm of every hidden layer at the chosen epoch for the deepest net of each "
                "activation (points: seeds) with the mean straight-line fit on the log scale. Middle: the fitted "
                "decay per layer against depth (dashed: the sigmoid threshold; band: the ReLU threshold; dotted: "
                "log10 of sigmoid's steepest slope 1/4). Right: fraction of saturated (sigmoid, tanh) or inactive "
                "(ReLU family) units at the start and the end of training. Intervals: 95% bootstrap over seeds.",
))
