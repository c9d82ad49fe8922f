"""Axis labels and panels that several claims' figures share."""

import pandas as pd

from ..lazy import lazy_import

sns = lazy_import("seaborn")
ticker = lazy_import("matplotlib.ticker")
figures = lazy_import("dltips.figures")

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
