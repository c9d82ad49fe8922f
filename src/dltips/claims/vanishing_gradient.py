"""vanishing-gradient: with sigmoid activations, gradients in layers near the input are far
smaller than in layers near the output.

Evidence: the gradient norm of every layer's weights on the fixed probe batch (layers.csv)
at a chosen epoch -- epoch 0, where nothing but the architecture and the initialization
shapes it -- for the depth sweep (sigmoid and ReLU, several depths and inits) and, for
breadth, the grid's activations at its fixed depth. Statistic, per seed:
log10(grad norm of layer 1 / grad norm of the last hidden layer) of the claim's activation;
-1 means the layer nearest the input gets a tenth of the gradient of the last hidden layer.
It is judged per init and depth of the sweep (from depth 2: at depth 1 layer 1 is the last
hidden layer); the headline is the settings' init at the sweep's deepest depth. How far is
the value itself, in decades (sigmoid-attenuates sets it against the mean-field prediction
per layer). Diverged runs are left out. Evidence tables: `ratios` (the claim's activation in
the sweep, one row per run: what is judged) and `others` (every other run, drawn beside).
"""

import numpy as np
import pandas as pd

from ..verdicts import compare
from . import TRAINING, LayerReads, declare
from .evidence import Evidence
from .grids import Axis, Grid
from .headlines import init_depth_headline, init_depth_of, init_depth_reads
from .panels import GRAD_LABEL, LAYER_LABEL, headline_note, legend_with_n
from .select import RUN_KEYS, SweepAndGrid, per_seed, sweep_and_grid_layers
from .settings import setting
from ..lazy import figures, plt, sns

ID = "vanishing-gradient"


Headline = init_depth_headline("default", "the notes' plain net (default init)")


class Settings(SweepAndGrid):
    activation: str = setting("sigmoid", "the activation the claim is about", registry="activation")
    epoch: int = setting(0, "epoch of the gradient norms; 0 = at initialization, where only the architecture "
                            "shapes them; 0..training.epochs", ge=0)
    max_log10_ratio: float = setting(0.0, "claim: log10(grad norm layer 1 / last hidden layer) < this, per init "
                                          "and depth; 0 is the literal \"smaller\" (seed noise is in the t "
                                          "interval)", le=0)
    headline: Headline = setting(Headline(), "the verdict's condition: the notes' plain net at the sweep's deepest "
                                             "depth; every init and depth is reported as a condition")


def ratios(tables: dict, settings: Settings) -> pd.DataFrame:
    lay = sweep_and_grid_layers(tables, settings)
    lay = lay[(lay.epoch == settings.epoch) & lay.hidden]
    first = lay[lay.layer == 1].set_index("run_id").grad_norm
    last = lay[lay.layer == lay.depth].set_index("run_id").grad_norm
    out = lay.drop_duplicates("run_id")[RUN_KEYS].set_index("run_id")
    out["epoch"] = settings.epoch
    out["grad_first"] = first
    out["grad_last_hidden"] = last
    out["log10_ratio"] = np.log10(out.grad_first / out.grad_last_hidden)
    return out.reset_index().sort_values(["study", "activation", "init", "depth", "seed"], kind="stable")


def judged(ratios: pd.DataFrame, settings: Settings) -> pd.Series:
    """The runs the claim is judged on: the sweep's, of the claim's activation, from depth 2."""
    return (ratios.study == settings.study) & (ratios.activation == settings.activation) & (ratios.depth >= 2)


def evidence(tables: dict, settings: Settings) -> Evidence:
    table = ratios(tables, settings)
    mine = judged(table, settings)
    return {"ratios": table[mine], "others": table[~mine]}


def rule(ev: Evidence, settings: Settings):
    """One init and depth: the ratio per seed below max_log10_ratio."""
    rows = ev["ratios"]
    where = "".join(f", depth {int(d)}, {i} init" for i, d in rows[["init", "depth"]].drop_duplicates().to_numpy())
    return compare(per_seed(rows, "log10_ratio"), settings.max_log10_ratio, "<",
                   f"log10(grad norm layer 1 / last hidden layer), {settings.activation}{where}, epoch "
                   f"{settings.epoch} (decades)")


def headline(ev: Evidence, settings: Settings) -> dict:
    """The settings' init at its depth: a number, or the sweep's deepest."""
    return init_depth_of(settings.headline, ev["ratios"])


# per init and depth of the sweep
GRIDS = (Grid("ratios", (Axis("init"), Axis("depth", int))),)


# ---- drawing -----------------------------------------------------------------------------
def plot_profile(ax, frame: pd.DataFrame, title: str, **hue) -> None:
    """Gradient norm against layer index, one line per hue level, 95% Student-t interval over seeds."""
    sns.lineplot(data=frame, x="layer", y="grad_norm", **hue, marker="o", errorbar=figures.seed_interval, ax=ax)
    ax.set_yscale("log")
    ax.set(xlabel=LAYER_LABEL, ylabel=GRAD_LABEL, title=title)
    if len(frame):
        ax.set_xticks(range(1, int(frame.layer.max()) + 1))


def when(epoch: int) -> str:
    return "epoch 0 (initialization)" if epoch == 0 else f"epoch {epoch}"


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    lay = sweep_and_grid_layers(tables, settings)
    init = settings.headline.init
    sweep = lay[(lay.study == settings.study) & (lay.init == init)]
    activations = figures.by_activation(sweep)["hue_order"][:2] or [settings.activation]  # registry order: sigmoid first
    now = sweep[(sweep.epoch == settings.epoch) & sweep.hidden]
    grid = lay[(lay.study == settings.grid_study) & (lay.epoch == settings.epoch) & lay.hidden]

    fig, axes = plt.subplots(2, 2, figsize=(figures.WIDTH, 11.5), layout="constrained")  # legends under panels
    upper, lower = axes
    upper[1].sharey(upper[0])  # one gradient scale across activations, so their levels compare
    depths = sorted(now.depth.unique())
    depth_palette = dict(zip(depths, sns.color_palette("viridis_r", len(depths))))
    for ax, act in zip(upper, activations + activations[:1] * (2 - len(activations))):
        frame = now[now.activation == act]
        plot_profile(ax, frame, f"{act}, {init} init, {when(settings.epoch)}", hue="depth", hue_order=depths,
                     palette=depth_palette)
        legend_with_n(ax, frame.astype({"depth": str}), "depth",
                      **figures.below(ax, title="hidden layers (depth)", ncol=2))
    grid_depths = ", ".join(map(str, sorted(grid.depth.unique())))
    plot_profile(lower[0], grid, f"grid (depth {grid_depths}), {settings.grid_optimizer}, "
                 f"{when(settings.epoch)}", **figures.by_activation(grid))
    legend_with_n(lower[0], grid, "activation", **figures.below(lower[0], title="activation", ncol=2))

    every = pd.concat([ev["ratios"], ev["others"]], ignore_index=True)
    summary = every[every.study == settings.study]
    ax = lower[1]
    sns.lineplot(data=summary, x="depth", y="log10_ratio", **figures.by_activation(summary), style="init", marker="o",
                 errorbar=figures.seed_interval, ax=ax)
    threshold = settings.max_log10_ratio
    ax.axhline(threshold, color="k", ls="--", lw=1, label=f"threshold {threshold:g}")
    ax.set(xlabel="hidden layers (depth)", ylabel="log10(‖g layer 1‖ / ‖g last hidden‖)\n(decades)",
           title=f"the statistic, {when(settings.epoch)}\n({figures.n_label(summary, ['activation', 'init', 'depth'])})")
    if len(summary):
        ax.set_xticks(sorted(summary.depth.unique()))
    figures.legend(ax, **figures.below(ax, ncol=3))
    title = figures.verdict_title("Vanishing gradient", v, "+.2f", note=headline_note(settings))
    fig.suptitle(title, fontsize=figures.TITLE_FONT)
    return fig


FIGURE_TEXT = (
    "Top: gradient norm of each hidden layer's weights on the probe batch at the chosen epoch, log scale, "
    "for each depth of the depth sweep at the headline init (one panel per activation); a line rising from "
    "layer 1 to the last hidden layer means gradients vanish towards the input. Bottom left: the same for every "
    "activation of the grid. Bottom right: the statistic against depth, per activation and init. Bands: 95% "
    "Student-t intervals over seeds (n in the legends); diverged runs are left out."
)

CLAIM = declare(
    __name__,
    title="With sigmoid activations, gradients in layers near the input are far smaller than in layers "
          "near the output.",
    source="Hochreiter, diploma thesis (1991); Bengio, Simard & Frasconi, IEEE TNN 5(2) (1994); "
           "Glorot & Bengio, AISTATS (2010), sec. 4",
    figure_text=FIGURE_TEXT,
    tables=("runs", "layers"),
    category=TRAINING,
    layers=LayerReads(("study", "grid_study"), ("epoch",)),
    reads=lambda s: init_depth_reads(s.study, s.activation, s.headline),
)
