"""l1-vs-l2-sparsity: L2 shrinks large weights fast and small ones slowly, leaving many small
non-zero weights; L1 pushes many weights to (near) zero while keeping some large ones.

Evidence (sweep `sparsity`): the trained weight matrices of nets with no penalty, L1 and L2,
paired by seed within one update rule. "Matched" L1/L2 strengths are pairs named in the
settings; the natural pairing makes the two pulls equal at |w| = l1/l2 (the gradient of
l1*|w| is l1*sgn(w), of l2/2*w^2 it is l2*w), so below that size L1 pulls harder and above
it L2 does -- exactly the difference the notes describe.

Two parts, per (update rule, pair, seed):
  near zero    fraction of |w| below the `near_zero` threshold, L1 minus L2, pooled over
               layers. Subgradient L1 under SGD or Adam overshoots zero instead of landing
               on it, so it makes NEAR-zeros (|w| about lr*l1 under SGD, about lr under
               Adam); the figure shows three thresholds, and the first histogram bin
               [0, 1e-6) holds any exact zeros.
  large kept   log10 of L1's over L2's `large` statistic (q99 or abs_max of |w|), layer by
               layer, averaged over layers (a pooled quantile is not computable from
               per-layer quantiles).
A pair where either net did not train (train accuracy below `min_train_accuracy`) says
nothing about a trained net's weights: it is left out, and the detail counts it.
"""

import math
from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .. import figures
from ..verdicts import all_of, compare
from . import Claim, register

ID = "l1-vs-l2-sparsity"
FRAC_PREFIX = "frac_below_"
PAIR_KEYS = ("dataset", "activation", "optimizer", "depth", "width", "init", "seed")
EVIDENCE_COLUMNS = ["optimizer", "l1", "l2", "seed", "l1_run", "l2_run", "trained", "near_zero_l1", "near_zero_l2",
                    "near_zero_gain", "large_l1", "large_l2", "log10_large_ratio"]


def sci(x: float) -> str:
    """1e-4 rather than 0.0001 or 1e-04: strengths and thresholds read as powers of ten."""
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def thresholds(weights: pd.DataFrame) -> dict[float, str]:
    """threshold -> its column in the weights table, smallest first."""
    found = {float(c.removeprefix(FRAC_PREFIX)): c for c in weights.columns if c.startswith(FRAC_PREFIX)}
    return dict(sorted(found.items()))


def per_run(weights: pd.DataFrame) -> pd.DataFrame:
    """Fractions below each threshold pooled over a run's layers (weighted by layer size)."""
    cols = list(thresholds(weights).values())
    pooled = weights[cols].mul(weights.n, axis=0).groupby(weights.run_id).sum()
    return pooled.div(weights.groupby("run_id").n.sum(), axis=0)


def _column(weights: pd.DataFrame, threshold: float) -> str:
    found = thresholds(weights)
    match = [c for t, c in found.items() if math.isclose(t, threshold, rel_tol=1e-9)]
    if not match:
        raise ValueError(f"claims.{ID}.near_zero = {threshold}: the weights table has thresholds {list(found)}")
    return match[0]


def _study_runs(tables: dict, settings: dict) -> pd.DataFrame:
    runs = tables["runs"]
    return runs[runs.study == settings["study"]] if "study" in runs else runs.iloc[0:0]


def evidence(tables: dict, settings: dict) -> pd.DataFrame:
    runs, weights = _study_runs(tables, settings), tables["weights"]
    if runs.empty or weights.empty:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    near = per_run(weights)[_column(weights, settings["near_zero"])]
    large = settings["large"]
    layer_large = weights.set_index(["run_id", "layer"])[large]
    keys = [k for k in PAIR_KEYS if k in runs]
    rows = []
    for pair in settings["pairs"]:
        a = runs[(runs.regularizer == "l1") & np.isclose(runs.l1, pair["l1"])]
        b = runs[(runs.regularizer == "l2") & np.isclose(runs.l2, pair["l2"])]
        for _, r in a.merge(b, on=keys, suffixes=("_l1", "_l2")).iterrows():
            ratio = (np.log10(np.maximum(layer_large[r.run_id_l1], np.finfo(float).tiny))
                     - np.log10(np.maximum(layer_large[r.run_id_l2], np.finfo(float).tiny)))
            rows.append({
                "optimizer": r.optimizer, "l1": pair["l1"], "l2": pair["l2"], "seed": r.seed,
                "l1_run": r.run_id_l1, "l2_run": r.run_id_l2,
                "trained": min(r.final_train_accuracy_l1, r.final_train_accuracy_l2) >= settings["min_train_accuracy"],
                "near_zero_l1": near[r.run_id_l1], "near_zero_l2": near[r.run_id_l2],
                "large_l1": layer_large[r.run_id_l1].max(), "large_l2": layer_large[r.run_id_l2].max(),
                "log10_large_ratio": ratio.mean(),  # layers align by index
            })
    out = pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
    out["near_zero_gain"] = out.near_zero_l1 - out.near_zero_l2
    return out


def parts(ev: pd.DataFrame, settings: dict):
    used = ev[ev.trained.astype(bool)]
    near = compare(used.near_zero_gain, settings["min_near_zero_gain"], ">",
                   f"fraction of |w| below {sci(settings['near_zero'])}, L1 minus L2 at matched strength")
    large = compare(used.log10_large_ratio, settings["min_log10_large_ratio"], ">",
                    f"log10 of {settings['large']} |w|, L1 over L2 at matched strength (mean over layers)")
    return near, large


def verdict(ev: pd.DataFrame, settings: dict):
    combined = all_of(*parts(ev, settings))
    left_out = int((~ev.trained.astype(bool)).sum())
    return replace(combined, detail=f"{combined.detail}; {left_out} of {len(ev)} pairs left out (a net below "
                                    f"{settings['min_train_accuracy']:g} train accuracy)")


# ---- figure -------------------------------------------------------------------------

def labels(runs: pd.DataFrame) -> pd.Series:
    """'L1 λ=1e-4' etc.; the order of the legend is the order of `order(...)`."""
    def one(r):
        if r.regularizer == "l1":
            return f"L1 λ={sci(r.l1)}"
        if r.regularizer == "l2":
            return f"L2 λ={sci(r.l2)}"
        return "no penalty"
    return runs.apply(one, axis=1) if len(runs) else pd.Series(dtype=str)


def palette(names) -> dict:
    """No penalty in grey, L1 in blues, L2 in oranges; darker = stronger."""
    out = {"no penalty": "0.35"}
    for prefix, cmap in (("L1", "Blues"), ("L2", "Oranges")):
        group = sorted((n for n in names if n.startswith(prefix)), key=lambda n: float(n.split("=")[1]))
        shades = sns.color_palette(cmap, len(group) + 2)[2:]
        out.update(zip(group, shades))
    return out


def order(names) -> list[str]:
    return sorted(set(names), key=lambda n: (n != "no penalty", n[:2], float(n.split("=")[1]) if "=" in n else 0))


def _histogram_panel(ax, hist: pd.DataFrame, colors: dict, names: list[str], near_zero: float) -> None:
    """Fraction of weights per log-spaced |w| bin, pooled over layers and seeds. The first
    bin [0, edge) cannot sit on a log axis: it is drawn one bin wide left of its edge, on
    a grey band, and labelled as the bin that holds the exact zeros."""
    pooled = hist.groupby(["label", "bin_low", "bin_high"], as_index=False)["count"].sum()
    pooled["fraction"] = pooled["count"] / pooled.groupby("label")["count"].transform("sum")
    first_high = pooled.bin_high.min()
    log_bins = pooled[pooled.bin_low > 0]
    width = float(np.median(np.log10(log_bins.bin_high / log_bins.bin_low))) if len(log_bins) else 0.25
    zero_low = first_high / 10 ** width
    ax.axvspan(zero_low, first_high, color="0.92", zorder=0)
    ax.text(math.sqrt(zero_low * first_high), 0.99, f"[0, {sci(first_high)})\nexact 0\nlands here", fontsize=8,
            ha="center", va="top", transform=ax.get_xaxis_transform())
    for name in names:
        rows = pooled[pooled.label == name].sort_values("bin_low")
        lows = np.where(rows.bin_low > 0, rows.bin_low, zero_low)
        edges = np.append(lows, rows.bin_high.iloc[-1])
        ax.stairs(rows.fraction.to_numpy(), edges, color=colors[name], lw=1.8, label=name)
    ax.axvline(near_zero, color="k", ls="--", lw=1)
    ax.text(near_zero, 0.98, f" near zero\n |w| < {sci(near_zero)}", fontsize=8, va="top",
            transform=ax.get_xaxis_transform())
    ax.set_xscale("log")
    ax.set(xlabel="|w| (weight magnitude, log scale)",
           ylabel=f"fraction of weights per {width:g}-decade bin")


def figure(tables: dict, ev: pd.DataFrame, v, settings: dict):
    runs, weights, hist = _study_runs(tables, settings), tables["weights"], tables["weight_hist"]
    runs = runs[runs.run_id.isin(weights.run_id)] if len(runs) and len(weights) else runs.iloc[0:0]
    optimizers = sorted(runs.optimizer.unique()) if len(runs) else []
    fig, axes = plt.subplots(max(1, len(optimizers)), 3, figsize=(19, 4.8 * max(1, len(optimizers))), squeeze=False)
    near, kept = parts(ev, settings)
    suptitle = figures.verdict_title("L1 vs L2 sparsity", v, parts=[(near, "+.3f", "seed pairs"),
                                                                  (kept, "+.2f", "seed pairs")],
                                     note=v.detail.split("; ")[-1])
    if not optimizers:
        axes[0, 0].text(0.5, 0.5, f"no runs of study '{settings['study']}'", ha="center",
                        transform=axes[0, 0].transAxes)
        fig.suptitle(suptitle)
        return fig
    runs = runs.assign(label=labels(runs))
    names = order(runs.label)
    colors = palette(names)
    cols = thresholds(weights)
    fractions = per_run(weights).rename(columns={c: f"|w| < {sci(t)}" for t, c in cols.items()})
    fractions = runs[["run_id", "optimizer", "label", "seed"]].merge(fractions, left_on="run_id", right_index=True)
    fractions = fractions.melt(id_vars=["run_id", "optimizer", "label", "seed"], var_name="threshold",
                               value_name="fraction")
    large = settings["large"]
    per_layer = runs[["run_id", "optimizer", "label", "seed"]].merge(weights[["run_id", "layer", large]])
    binned = runs[["run_id", "optimizer", "label"]].merge(hist)
    for row, optimizer in enumerate(optimizers):
        left, middle, right = axes[row]
        rate = runs[runs.optimizer == optimizer].lr.iloc[0] if "lr" in runs else None
        rule = f"{optimizer} (lr {rate:g})" if rate is not None else optimizer
        subset = fractions[fractions.optimizer == optimizer]
        here = [n for n in names if n in set(subset.label)]
        _histogram_panel(left, binned[binned.optimizer == optimizer], colors, here, settings["near_zero"])
        accuracy = runs[runs.optimizer == optimizer].groupby("label").final_train_accuracy.mean()
        failed = [f"{name} (train acc. {a:.2f})" for name, a in accuracy.items() if a < settings["min_train_accuracy"]]
        left.set_title(f"{rule}: |w| distribution, all layers, pooled over seeds"
                       + (f"\ndid not train: {', '.join(failed)}" if failed else ""))

        sns.barplot(data=subset, x="threshold", y="fraction", hue="label", hue_order=here, palette=colors,
                    errorbar=figures.CI, seed=figures.BOOT_SEED, ax=middle)
        middle.set(xlabel="near-zero threshold on |w|", ylabel="fraction of weights below it (0–1)", ylim=(0, 1.05))
        middle.set_title(f"{rule}: near-zero weights ({figures.n_label(subset, ['label'])}, 95% CI)")

        layers = per_layer[per_layer.optimizer == optimizer]
        sns.pointplot(data=layers, x="layer", y=large, hue="label", hue_order=here, palette=colors,
                      errorbar=figures.CI, seed=figures.BOOT_SEED, dodge=0.4, ax=right)
        right.set_yscale("log")
        right.set(xlabel="layer (1 = input side)", ylabel=f"{large} of |w| (log scale)")
        right.set_title(f"{rule}: the largest weights ({figures.n_label(layers, ['label'])}, 95% CI)")
        for ax in (left, middle, right):
            if ax.get_legend():
                ax.get_legend().remove()
    handles, texts = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, texts, title="penalty (strength λ)", loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle(suptitle, fontsize=12)
    return fig


def condition(ev: pd.DataFrame) -> str:
    """Where it holds: per update rule and pair, the mean near-zero gain and large ratio."""
    if ev.empty:
        return ""
    parts = []
    for (optimizer, l1, l2), g in ev.groupby(["optimizer", "l1", "l2"]):
        note = "" if g.trained.all() else " (a net failed to train)"
        parts.append(f"{optimizer} L1 {sci(l1)} vs L2 {sci(l2)}: near-zero gain {g.near_zero_gain.mean():+.2f}, "
                     f"large L1/L2 ×{10 ** g.log10_large_ratio.mean():.3g}{note}")
    return "; ".join(parts)


CLAIM = register(Claim(
    id=ID,
    title="L2 shrinks large weights fast and small ones slowly, leaving many small non-zero weights; "
          "L1 pushes many weights to (near) zero while keeping some large ones.",
    source="Tibshirani, 'Regression Shrinkage and Selection via the Lasso' (1996), sec. 2; "
           "Goodfellow et al., Deep Learning (2016), sec. 7.1.2",
    evidence=evidence,
    verdict=verdict,
    figure=figure,
    figure_text="One row per update rule (optimizer, learning rate). Left: the distribution of |w| on a log "
                "axis for no penalty, L1 and L2 (darker = stronger), pooled over layers and seeds; the grey "
                "band is the first bin [0, 1e-6), which holds any exact zeros; the dashed line is the "
                "near-zero threshold of the verdict. Middle: the fraction of weights below three thresholds. "
                "Right: the largest weights per layer (log scale). Error bars are 95% bootstrap intervals "
                "over seeds.",
    condition=condition,
))
