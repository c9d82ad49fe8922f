"""What several claims' figures share: axis labels, panels, legends and title notes."""

import pandas as pd

from ..lazy import figures, sns, ticker
from .chance import Floor, chance_ceiling
from .conditions import headline_of

GRAD_LABEL = "gradient norm ‖∂L/∂W‖\n(nats per unit weight, log scale)"
LAYER_LABEL = "hidden layer (1 = nearest the input)"
REL_LABEL = "‖W − W₀‖ / ‖W₀‖\n(fraction of the initial norm, log scale)"


def plot_rel_change(ax, layers: pd.DataFrame, title: str) -> None:
    """Relative weight change of every layer (output layer included) over training, for one
    configuration; epoch 0 is left out because the change is 0 there (log axis)."""
    frame = layers[layers.epoch > 0]
    if len(frame):
        depth = int(frame.depth.iloc[0])
        sns.lineplot(data=frame, x="epoch", y="rel_change", hue="layer", palette="viridis", legend="full",
                     errorbar=figures.seed_interval, ax=ax)
        ax.set_yscale("log")
        handles, labels = ax.get_legend_handles_labels()
        labels = [f"{lab} (output)" if lab == str(depth + 1) else lab for lab in labels]
        title += f",\ndepth {depth} ({figures.n_label(frame, [])})"
    ax.set(xlabel="epoch", ylabel=REL_LABEL, title=title)
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    if len(frame):  # under the x label, off the bands
        ax.legend(handles, labels, **figures.below(ax, title="layer (1 = input side)", ncol=min(len(labels), 6)))


def legend_with_n(ax, frame: pd.DataFrame, hue: str, **kwargs) -> None:
    """The axes' legend with each hue entry's seed count, 'relu (n = 5 seeds)': the n behind
    the error bars (Student-t 95% intervals over seeds)."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    counts = frame.groupby(frame[hue].astype(str)).seed.nunique() if len(frame) and hue in frame else {}
    labels = [f"{lab} (n = {counts[lab]} seeds)" if lab in counts else lab for lab in labels]
    ax.legend(handles, labels, **kwargs)


def headline_note(settings) -> str:
    """Which condition the verdict is, for a figure's title (settings: the claim's typed settings)."""
    where = ", ".join(f"{k} {v}" for k, v in headline_of(settings).items())
    return f"verdict of the headline condition ({where}); the others: the claim's condition table"


def shade_chance(ax, floor: Floor) -> None:
    """Grey from 0 to the chance ceiling on an accuracy axis: where a net is at chance."""
    ceiling = chance_ceiling(floor)
    ax.axhspan(0, ceiling, color="0.85", zorder=0, label=f"at chance (≤ {ceiling:.3f})")


def depth_sweep(ax, shown: pd.DataFrame, y: str, threshold: float, threshold_label: str, ylabel: str, title: str,
                ticks_from: pd.DataFrame | None = None) -> None:
    """A statistic against depth, a line per activation and init (95% t-intervals over seeds),
    the claim's threshold dashed, the legend under the panel; x ticks at the depths of
    `ticks_from` (default: those shown)."""
    sns.lineplot(data=shown, x="depth", y=y, **figures.by_activation(shown), style="init", marker="o",
                 errorbar=figures.seed_interval, ax=ax)
    ax.axhline(threshold, color="k", ls="--", lw=1, label=threshold_label)
    ax.set(xlabel="hidden layers (depth)", ylabel=ylabel, title=title)
    ticks = shown if ticks_from is None else ticks_from
    if len(ticks):
        ax.set_xticks(sorted(ticks.depth.unique()))
    figures.legend(ax, **figures.below(ax, ncol=3))
