"""vanishing-gradient: with sigmoid activations, gradients in layers near the input are far
smaller than in layers near the output.

Evidence: the gradient norm of every layer's weights on the fixed probe batch (layers.csv)
at a chosen epoch -- epoch 0, where nothing but the architecture and the initialisation
shapes it -- for the depth sweep (sigmoid and ReLU, several depths and inits) and, for
breadth, the grid's activations at its fixed depth. Statistic, per seed:
log10(grad norm of layer 1 / grad norm of the last hidden layer) of the deepest net of the
chosen activation and init; -1 means the layer nearest the input gets a tenth of the
gradient of the last hidden layer. The figure adds how far each layer's weights moved from
their initialisation over training (layers near the output move first).
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator

from .. import figures
from ..figures import by_activation, legend, n_label
from ..verdicts import compare
from . import Claim, register

ID = "vanishing-gradient"
RUN_KEYS = ["run_id", "study", "activation", "optimizer", "regularizer", "init", "depth", "seed"]
GRAD_LABEL = "gradient norm ‖∂L/∂W‖ (nats per unit weight, log scale)"
LAYER_LABEL = "hidden layer (1 = nearest the input)"
REL_LABEL = "‖W − W₀‖ / ‖W₀‖ (fraction of the initial norm, log scale)"


def layers_of(tables: dict, studies) -> pd.DataFrame:
    """layers.csv joined with each run's settings; `hidden` marks hidden layers (the output
    layer, depth + 1, has a different shape, so its norm is not comparable)."""
    runs = tables["runs"]
    runs = runs[runs.study.isin(list(studies))]
    out = tables["layers"].merge(runs[RUN_KEYS], on="run_id")
    out["hidden"] = out.layer <= out.depth
    return out


def grid_cell(frame: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """Keep the depth sweep and one (optimizer, regularizer) cell of the grid: after epoch 0
    the cells differ, and mixing them would blur the per-activation profile."""
    grid = frame.study == settings["grid_study"]
    cell = (frame.optimizer == settings["grid_optimizer"]) & (frame.regularizer == settings["grid_regularizer"])
    return frame[~grid | cell]


def deepest(frame: pd.DataFrame, settings: dict, activation: str | None = None) -> pd.DataFrame:
    """Rows of the depth sweep's deepest net for one activation (default: the claim's) and init."""
    rows = frame[(frame.study == settings["study"]) & (frame.activation == (activation or settings["activation"]))
                 & (frame.init == settings["init"])]
    return rows[rows.depth == rows.depth.max()]


def evidence(tables: dict, settings: dict) -> pd.DataFrame:
    lay = grid_cell(layers_of(tables, [settings["study"], settings["grid_study"]]), settings)
    lay = lay[(lay.epoch == settings["epoch"]) & lay.hidden]
    first = lay[lay.layer == 1].set_index("run_id").grad_norm
    last = lay[lay.layer == lay.depth].set_index("run_id").grad_norm
    out = lay.drop_duplicates("run_id")[RUN_KEYS].set_index("run_id")
    out["epoch"] = settings["epoch"]
    out["grad_first"] = first
    out["grad_last_hidden"] = last
    out["log10_ratio"] = np.log10(out.grad_first / out.grad_last_hidden)
    return out.reset_index().sort_values(["study", "activation", "init", "depth", "seed"], kind="stable")


def verdict(ev: pd.DataFrame, settings: dict):
    rows = deepest(ev, settings)
    depth = int(rows.depth.max()) if len(rows) else "?"
    return compare(rows.log10_ratio, settings["max_log10_ratio"], "<",
                   f"log10(grad norm layer 1 / last hidden layer), {settings['activation']}, depth {depth}, "
                   f"{settings['init']} init, epoch {settings['epoch']}")


# ---- drawing, shared with the other depth and activation claims -------------------------
def plot_profile(ax, frame: pd.DataFrame, title: str, **hue) -> None:
    """Gradient norm against layer index, one line per hue level, 95% CI over seeds."""
    sns.lineplot(data=frame, x="layer", y="grad_norm", **hue, marker="o", errorbar=figures.CI,
                 seed=figures.BOOT_SEED, ax=ax)
    ax.set_yscale("log")
    ax.set(xlabel=LAYER_LABEL, ylabel=GRAD_LABEL, title=title)
    if len(frame):
        ax.set_xticks(range(1, int(frame.layer.max()) + 1))


def plot_rel_change(ax, layers: pd.DataFrame, title: str) -> None:
    """Relative weight change of every layer (output layer included) over training, for one
    configuration; epoch 0 is left out because the change is 0 there (log axis)."""
    frame = layers[layers.epoch > 0]
    if len(frame):
        depth = int(frame.depth.iloc[0])
        sns.lineplot(data=frame, x="epoch", y="rel_change", hue="layer", palette="viridis", legend="full",
                     errorbar=figures.CI, seed=figures.BOOT_SEED, ax=ax)
        ax.set_yscale("log")
        handles, labels = ax.get_legend_handles_labels()
        labels = [f"{lab} (output)" if lab == str(depth + 1) else lab for lab in labels]
        ax.legend(handles, labels, title="layer (1 = input side)", fontsize="x-small", title_fontsize="small",
                  ncol=2 if depth > 5 else 1)
        title += f", depth {depth} ({n_label(frame, [])})"
    ax.set(xlabel="epoch", ylabel=REL_LABEL, title=title)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def when(epoch: int) -> str:
    return "epoch 0 (initialisation)" if epoch == 0 else f"epoch {epoch}"


def figure(tables: dict, ev: pd.DataFrame, v, settings: dict):
    lay = grid_cell(layers_of(tables, [settings["study"], settings["grid_study"]]), settings)
    sweep = lay[(lay.study == settings["study"]) & (lay.init == settings["init"])]
    activations = by_activation(sweep)["hue_order"]  # registry order: sigmoid first
    now = sweep[(sweep.epoch == settings["epoch"]) & sweep.hidden]
    grid = lay[(lay.study == settings["grid_study"]) & (lay.epoch == settings["epoch"]) & lay.hidden]

    ncols = max(len(activations), 1) + 1
    fig, (upper, lower) = plt.subplots(2, ncols, figsize=(5.6 * ncols, 11), squeeze=False)
    for ax in upper[1:]:
        ax.sharey(upper[0])  # one gradient scale across activations, so their levels compare
    depths = sorted(now.depth.unique())
    depth_palette = dict(zip(depths, sns.color_palette("viridis_r", len(depths))))
    if not activations:
        for ax, label in ((upper[0], GRAD_LABEL), (lower[0], REL_LABEL)):
            ax.text(0.5, 0.5, f"no {settings['study']} sweep in the tables", ha="center", transform=ax.transAxes)
            ax.set(xlabel=LAYER_LABEL, ylabel=label)
    for ax, act in zip(upper, activations):
        frame = now[now.activation == act]
        plot_profile(ax, frame, f"{act}, {settings['init']} init, {when(settings['epoch'])} "
                                f"({n_label(frame, ['depth'])})",
                     hue="depth", hue_order=depths, palette=depth_palette)
        legend(ax, title="hidden layers (depth)", fontsize="small")
    grid_depths = ", ".join(map(str, sorted(grid.depth.unique())))
    plot_profile(upper[-1], grid, f"grid (depth {grid_depths}), {settings['grid_optimizer']}, "
                 f"{when(settings['epoch'])} ({n_label(grid, ['activation'])})", **by_activation(grid))
    legend(upper[-1], title="activation", fontsize="small", ncol=2)

    for ax, act in zip(lower, activations):
        if ax is not lower[0]:
            ax.sharey(lower[0])
        plot_rel_change(ax, deepest(lay, settings, act), f"{act}, {settings['init']} init")
    summary = ev[ev.study == settings["study"]]
    ax = lower[-1]
    sns.lineplot(data=summary, x="depth", y="log10_ratio", **by_activation(summary), style="init", marker="o",
                 errorbar=figures.CI, seed=figures.BOOT_SEED, ax=ax)
    threshold = settings["max_log10_ratio"]
    ax.axhline(threshold, color="k", ls="--", lw=1, label=f"threshold {threshold:g}")
    ax.axhline(0, color="grey", lw=0.8)
    legend(ax, fontsize="small")
    ax.set(xlabel="hidden layers (depth)", ylabel="log10(‖g layer 1‖ / ‖g last hidden‖) (decades)",
           title=f"the statistic, {when(settings['epoch'])} ({n_label(summary, ['activation', 'init', 'depth'])})")
    ax.set_xticks(sorted(summary.depth.unique()))
    fig.suptitle(figures.verdict_title("Vanishing gradient", v, "+.2f"), fontsize="large")
    return fig


FIGURE_TEXT = (
    "Top: gradient norm of each hidden layer's weights on the probe batch at the chosen epoch, log scale, "
    "for each depth of the depth sweep (one panel per activation) and for every activation of the grid; "
    "a line rising from layer 1 to the last hidden layer means gradients vanish towards the input. "
    "Bottom: relative change of each layer's weights from their initialisation over training for the "
    "deepest net, and the statistic against depth. Bands: 95% bootstrap intervals over seeds."
)

CLAIM = register(Claim(
    id=ID,
    title="With sigmoid activations, gradients in layers near the input are far smaller than in layers "
          "near the output.",
    source="Hochreiter, diploma thesis (1991); Bengio, Simard & Frasconi, IEEE TNN 5(2) (1994); "
           "Glorot & Bengio, AISTATS (2010), sec. 4",
    evidence=evidence,
    verdict=verdict,
    figure=figure,
    figure_text=FIGURE_TEXT,
))
