"""l1-vs-l2-sparsity: L2 shrinks large weights fast and small ones slowly, leaving many small
non-zero weights; L1 pushes many weights to (near) zero while keeping some large ones.

Evidence (sweeps `sparsity`, `sparsity_adam`): nets trained with L1 and with L2 along a path
of strengths, per update rule: the optimizer, and for L1 how the penalty is applied -- its
subgradient added to the gradient (`l1`: under SGD a weight hovers within ~lr*l1 of zero,
under Adam the sign-like step oscillates at the learning rate) or its proximal step after
the optimizer's (`l1_prox`: w <- sgn(w)max(|w| - lr*l1, 0), exact zeros). Unlike conditions
are never pooled: each update rule is a condition.

Matched training accuracy (Ng 2004): a stronger penalty costs training accuracy and makes
weights smaller, so L1 and L2 compare only where they train equally well. For each L1
strength the L2 strength of the path with the closest mean train accuracy is its match when
the two means are within the half-width of the 95% Student-t interval of their difference
(pooled seed SD): indistinguishable by training accuracy. Strengths whose nets sit at chance
(chance.py) are left out. Diverged runs are left out and counted.

Two parts, per update rule, paired by seed over the matched pairs (averaged within a seed):
  near zero    fraction of |w| below `near_zero` (pooled over layers, weighted by size),
               L1 minus L2, > min_near_zero_gain (0: L1 has more)
  large kept   log10 of L1's over L2's `large` statistic (q99 or abs_max of |w|; an exact 0
               counted and taken at float32's resolution: log10_resolved), layer by
               layer, averaged over layers, > min_log10_large_ratio (0: L1's are larger)
The claim's verdict is the headline update rule's; the deciding part is shown first.
"""

import math
from typing import Literal

import numpy as np
import pandas as pd

from ..verdicts import FRACTION_DIFFERENCE, compare
from . import TEST, Claim, register
from .chance import Floor, at_chance
from .compose import deciding_first, no_condition, with_note
from .evidence import Evidence
from .floor import condition_sentence, condition_verdicts
from .panels import headline_note
from .select import per_seed
from .settings import ClaimSettings, distinct, setting
from ..lazy import lazy_import

plt = lazy_import("matplotlib.pyplot")
stats = lazy_import("scipy.stats")
figures = lazy_import("dltips.figures")

ID = "l1-vs-l2-sparsity"
FRAC_PREFIX = "frac_below_"
EXACT_ZERO_BELOW = 1e-6  # weight_hist's first bin [0, 1e-6): where exact zeros land
UPDATES = {"l1": "subgradient", "l1_prox": "prox"}
RUN_COLUMNS = ["run_id", "study", "optimizer", "regularizer", "update", "strength", "seed", "lr", "diverged",
               "final_train_accuracy", "near_zero", "exact_zero", "log10_large", "layers", "large_floored"]
# the weights' format: it cannot tell a |w| below its epsilon times the layer's largest |w| from 0
# (such a weight adds less than a rounding unit to any sum beside the largest one's term)
WEIGHT_FORMAT = np.finfo(np.float32)


class Headline(ClaimSettings):
    optimizer: str = setting("sgd", "the optimizer of the update rule judged", registry="optimizer")
    update: Literal["subgradient", "prox"] = setting("subgradient", "how L1 is applied: its subgradient added to the "
                                                     "gradient, or its proximal step after the optimizer's")


class Settings(ClaimSettings):
    studies: distinct(str) = setting(["sparsity", "sparsity_adam"], "runs.study values of the L1/L2 paths "
                                     "(none/l1/l1_prox/l2 runs)", min_length=1)
    # the thresholds weights.csv has columns for (dltips.weights.THRESHOLDS)
    near_zero: Literal[1e-2, 1e-3, 1e-4] = setting(1e-3, "what \"near zero\" means: 1% of the init scale 0.1 (width "
                                                         "100) and a few lr*l1 (the subgradient's hover) at SGD's rates")
    min_near_zero_gain: float = setting(0.0, "claim: L1's near-zero fraction minus L2's > this; 0 is the literal "
                                             "\"more\"", ge=-1, le=1)
    large: Literal["q90", "q99", "abs_max"] = setting("q99", "the \"largest weights\" statistic of weights.csv")
    min_log10_large_ratio: float = setting(0.0, "claim: log10(L1 large / L2 large), mean over layers, > this; 0 = "
                                                "literal \"keeps\"")
    match_confidence: float = setting(0.95, "L1 and L2 strengths match when their mean train accuracies differ by "
                                            "less than the half-width of this t interval of the difference (seed "
                                            "noise; the verdicts' own 95%)", gt=0, lt=1)
    floor: Floor = setting(Floor(), "strengths whose nets sit at chance are left out: no trained weights to compare")
    headline: Headline = setting(Headline(), "the notes' own update (l1-subtracts: η·λ·sgn(w) under SGD)")


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


def log10_resolved(weights: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series]:
    """(log10 of each layer's |w| statistic `column`, whether it was floored): floored at the
    weights' resolution at the layer's scale, eps32 × its max |w| (float32's smallest normal
    where the whole layer is 0). An exact 0 has no logarithm; float64's tiny (−307 decades)
    would be a number no float32 weight means, and one layer's would swamp a mean over layers."""
    floor = np.maximum(WEIGHT_FORMAT.eps * weights.abs_max.astype(float), WEIGHT_FORMAT.smallest_normal)
    value = weights[column].astype(float)
    return np.log10(np.maximum(value, floor)), value < floor


def floored_note(table: pd.DataFrame, matched: pd.DataFrame, optimizer: str, update: str, large: str) -> str:
    """How many layers of the matched pairs' runs had their `large` statistic floored
    (log10_resolved); '' where none."""
    regularizer = {u: r for r, u in UPDATES.items()}[update]
    rows = table[(table.optimizer == optimizer) & ~table.diverged]
    used = rows[((rows.regularizer == regularizer) & rows.strength.isin(matched.l1))
                | ((rows.regularizer == "l2") & rows.strength.isin(matched.l2))]
    k = int(used.large_floored.sum())
    return (f"{large} |w| exactly 0 or below float32's resolution in {k} of {int(used.layers.sum())} layers of the "
            f"matched runs: its log10 taken at that resolution (eps × the layer's max |w|)") if k else ""


def study_runs(tables: dict, settings: Settings) -> pd.DataFrame:
    runs = tables["runs"]
    return runs[runs.study.isin(settings.studies)] if "study" in runs else runs.iloc[0:0]


def run_table(tables: dict, settings: Settings) -> pd.DataFrame:
    """One row per penalised or unpenalised run: its update rule, strength and weight statistics."""
    runs, weights, hist = study_runs(tables, settings), tables["weights"], tables["weight_hist"]
    if runs.empty or weights.empty:
        return pd.DataFrame(columns=RUN_COLUMNS)
    near = per_run(weights)[_column(weights, settings.near_zero)]
    large, floored = log10_resolved(weights, settings.large)
    large, floored = large.groupby(weights.run_id).mean(), floored.groupby(weights.run_id).sum()
    counts = hist.groupby("run_id")["count"].sum()
    zeros = hist[hist.bin_high <= EXACT_ZERO_BELOW * (1 + 1e-9)].groupby("run_id")["count"].sum()
    out = runs.assign(update=runs.regularizer.map(UPDATES).fillna(""),
                      strength=np.where(runs.regularizer == "l2", runs.l2, runs.l1),
                      diverged=runs.diverged.astype(bool) if "diverged" in runs else False,
                      near_zero=runs.run_id.map(near), log10_large=runs.run_id.map(large),
                      exact_zero=runs.run_id.map(zeros / counts), large_floored=runs.run_id.map(floored),
                      layers=runs.run_id.map(weights.groupby("run_id").size()))
    out["lr"] = out.lr if "lr" in out else math.nan
    return out[RUN_COLUMNS].sort_values(["optimizer", "regularizer", "strength", "seed"], kind="stable")


def rules(table: pd.DataFrame) -> list[tuple[str, str]]:
    """(optimizer, update) of every L1 path that has an L2 path under the same optimizer."""
    l1 = table[table["update"] != ""][["optimizer", "update"]].drop_duplicates()
    with_l2 = set(table[table.regularizer == "l2"].optimizer)
    return [(o, u) for o, u in l1.sort_values(["optimizer", "update"], ascending=[True, False]).itertuples(index=False)
            if o in with_l2]


def _path(table: pd.DataFrame, optimizer: str, regularizer: str) -> pd.DataFrame:
    """Per strength: mean, SD and n over seeds of train accuracy (diverged runs out)."""
    rows = table[(table.optimizer == optimizer) & (table.regularizer == regularizer) & ~table.diverged]
    return rows.groupby("strength").final_train_accuracy.agg(["mean", "std", "count"])


def match_half_width(a: pd.Series, b: pd.Series, confidence: float) -> float:
    """Half-width of the Student-t interval of the difference of two seed means (pooled SD)."""
    n1, n2 = a["count"], b["count"]
    if n1 < 2 or n2 < 2:
        return math.nan
    pooled = math.sqrt(((n1 - 1) * a["std"] ** 2 + (n2 - 1) * b["std"] ** 2) / (n1 + n2 - 2))
    return float(stats.t.ppf(0.5 + confidence / 2, n1 + n2 - 2) * pooled * math.sqrt(1 / n1 + 1 / n2))


def matches(table: pd.DataFrame, settings: Settings, optimizer: str, update: str) -> pd.DataFrame:
    """Per L1 strength of the rule: its closest L2 strength by mean train accuracy, the gap,
    the half-width it is judged against, and whether it is a match (both off the floor)."""
    regularizer = {u: r for r, u in UPDATES.items()}[update]
    l1, l2 = _path(table, optimizer, regularizer), _path(table, optimizer, "l2")
    rows = []
    for strength, a in l1.iterrows():
        if not len(l2):
            break
        partner = (l2["mean"] - a["mean"]).abs().idxmin()
        b = l2.loc[partner]
        half = match_half_width(a, b, settings.match_confidence)
        floor = at_chance([a["mean"]], settings.floor) or at_chance([b["mean"]], settings.floor)
        gap = float(a["mean"] - b["mean"])
        rows.append({"optimizer": optimizer, "update": update, "l1": strength, "l2": partner, "l1_train": a["mean"],
                     "l2_train": b["mean"], "train_gap": gap, "half_width": half, "at_chance": floor,
                     "matched": bool(abs(gap) <= half) and not floor})
    return pd.DataFrame(rows, columns=["optimizer", "update", "l1", "l2", "l1_train", "l2_train", "train_gap",
                                       "half_width", "at_chance", "matched"])


def seed_pairs(table: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Per matched pair and seed: L1 minus L2 in near-zero fraction and log10 large."""
    used = table[~table.diverged]
    frames = []
    for p in pairs[pairs.matched].itertuples(index=False):
        side = {}
        for reg, strength in (({v: k for k, v in UPDATES.items()}[p.update], p.l1), ("l2", p.l2)):
            side[reg] = used[(used.optimizer == p.optimizer) & (used.regularizer == reg)
                             & np.isclose(used.strength, strength)].set_index("seed")
        a, b = side.values()
        both = a.index.intersection(b.index)
        frames.append(pd.DataFrame({"optimizer": p.optimizer, "update": p.update, "l1": p.l1, "l2": p.l2,
                                    "seed": both, "near_zero_gain": a.near_zero[both] - b.near_zero[both],
                                    "log10_large_ratio": a.log10_large[both] - b.log10_large[both]}))
    columns = ["optimizer", "update", "l1", "l2", "seed", "near_zero_gain", "log10_large_ratio"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def rule_verdict(table: pd.DataFrame, settings: Settings, optimizer: str, update: str):
    pairs = matches(table, settings, optimizer, update)
    paired = seed_pairs(table, pairs)
    where = f"{optimizer}, L1 by {update}, at matched train accuracy"
    near = compare(per_seed(paired, "near_zero_gain"), settings.min_near_zero_gain, ">",
                   f"fraction of |w| below {sci(settings.near_zero)}, L1 minus L2, {where}", name="near zero",
                   bounds=FRACTION_DIFFERENCE)
    large = compare(per_seed(paired, "log10_large_ratio"), settings.min_log10_large_ratio, ">",
                    f"log10 of {settings.large} |w|, L1 over L2 (mean over layers), {where}", name="large kept")
    v = deciding_first(near, large)
    used = ", ".join(f"L1 {sci(p.l1)} ~ L2 {sci(p.l2)}" for p in pairs[pairs.matched].itertuples())
    if not used:
        closest = pairs.loc[pairs.train_gap.abs().idxmin()] if len(pairs) else None
        note = ("no L1 strength is matched in train accuracy by an L2 strength of the path"
                + (f" (closest: L1 {sci(closest.l1)} vs L2 {sci(closest.l2)}, gap {closest.train_gap:+.3f}, "
                   f"allowed ±{closest.half_width:.3f})" if closest is not None else ""))
    else:
        note = f"matched pairs {used}"
    left_out = int(table[(table.optimizer == optimizer) & table.diverged].shape[0])
    v = with_note(with_note(v, note), floored_note(table, pairs[pairs.matched], optimizer, update, settings.large))
    return with_note(v, f"{left_out} diverged run(s) left out" if left_out else "")


def rule_conditions(table: pd.DataFrame, settings: Settings) -> list[tuple[dict, object]]:
    return [({"optimizer": o, "update": u}, rule_verdict(table, settings, o, u)) for o, u in rules(table)]


def evidence(tables: dict, settings: Settings) -> Evidence:
    """runs: one row per run; pairs: every L1 strength with its closest L2 strength; seed_pairs:
    the matched pairs' differences per seed; conditions: the verdict per update rule."""
    table = run_table(tables, settings)
    pairs = pd.concat([matches(table, settings, o, u) for o, u in rules(table)] or [pd.DataFrame()],
                      ignore_index=True)
    paired = seed_pairs(table, pairs) if len(pairs) else pd.DataFrame()
    return {"runs": table, "pairs": pairs, "seed_pairs": paired,
            "conditions": condition_verdicts(rule_conditions(table, settings))}


def conditions(tables: dict, settings: Settings) -> list[tuple[dict, object]]:
    return rule_conditions(run_table(tables, settings), settings)


def verdict(ev: Evidence, settings: Settings):
    headline, table = settings.headline, ev["runs"]
    if (headline.optimizer, headline.update) not in rules(table):
        return no_condition("fraction of near-zero |w|, L1 minus L2 at matched train accuracy", dict(headline))
    return rule_verdict(table, settings, headline.optimizer, headline.update)


def condition(ev: Evidence) -> str:
    return condition_sentence(ev["conditions"], ["optimizer", "update"], "Per update rule, the deciding part (near-zero fraction "
                              "L1 minus L2, or log10 large ratio) at matched train accuracy")


# ---- figure -------------------------------------------------------------------------

def labels(runs: pd.DataFrame) -> pd.Series:
    """'L1 λ=1e-4', 'L1 prox λ=1e-4', 'L2 λ=1e-3' or 'no penalty'."""
    def one(r):
        if r.regularizer in UPDATES:
            return f"L1{' prox' if r.regularizer == 'l1_prox' else ''} λ={sci(r.strength)}"
        if r.regularizer == "l2":
            return f"L2 λ={sci(r.strength)}"
        return "no penalty"
    return runs.apply(one, axis=1) if len(runs) else pd.Series(dtype=str)


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
    ax.text(zero_low, 0.99, f" [0, {sci(first_high)})\n exact 0\n lands here", fontsize=figures.MIN_FONT,
            ha="left", va="top", transform=ax.get_xaxis_transform())
    for name in names:
        rows = pooled[pooled.label == name].sort_values("bin_low")
        lows = np.where(rows.bin_low > 0, rows.bin_low, zero_low)
        edges = np.append(lows, rows.bin_high.iloc[-1])
        ax.stairs(rows.fraction.to_numpy(), edges, color=colors[name], lw=1.8, label=name)
    ax.axvline(near_zero, color="k", ls="--", lw=1)
    ax.text(near_zero, 0.98, f" near zero\n |w| < {sci(near_zero)}", fontsize=figures.MIN_FONT, va="top",
            transform=ax.get_xaxis_transform())
    ax.set_xscale("log")
    # headroom over the bars: the two labels above sit on the axes' top third, not on the data
    ax.set_ylim(0, max(float(pooled.fraction.max()), 1e-9) * 1.5)
    ax.set(xlabel="|w| (weight magnitude, log scale)",
           ylabel=f"fraction of weights\nper {width:g}-decade bin")


PENALTY_COLORS = {"l1": "tab:blue", "l1_prox": "tab:green", "l2": "tab:orange", "none": "0.35"}


def _path_panel(ax, table: pd.DataFrame, y: str, ylabel: str, pairs: pd.DataFrame) -> None:
    """A statistic against train accuracy along each penalty's path: one point per strength
    (95% Student-t intervals over seeds on both axes), matched pairs joined by a dotted line."""
    for reg, group in table.groupby("regularizer"):
        per = group.groupby("strength").agg(x=("final_train_accuracy", "mean"), y=(y, "mean"), n=("seed", "nunique"))
        xerr = np.array([figures.seed_interval(g.final_train_accuracy) for _, g in group.groupby("strength")]).T
        yerr = np.array([figures.seed_interval(g[y]) for _, g in group.groupby("strength")]).T
        ax.errorbar(per.x, per.y, xerr=np.abs(xerr - per.x.to_numpy()), yerr=np.abs(yerr - per.y.to_numpy()),
                    fmt="o-", color=PENALTY_COLORS.get(reg, "k"), capsize=3,
                    label=f"{reg} (n = {int(per.n.min())} seeds)")
        for strength, row in per.iterrows():
            if reg != "none":
                ax.annotate(sci(strength), (row.x, row.y), fontsize=9, xytext=(3, 3), textcoords="offset points")
    runs = table.set_index(["regularizer", "strength"])
    for p in pairs[pairs.matched].itertuples():
        reg = {v: k for k, v in UPDATES.items()}[p.update]
        ends = [runs.loc[(r, s)] for r, s in ((reg, p.l1), ("l2", p.l2))]
        ax.plot([e.final_train_accuracy.mean() for e in ends], [e[y].mean() for e in ends], "k:", lw=1)
    ax.set(xlabel="final train accuracy (fraction)", ylabel=ylabel)


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    table = ev["runs"]
    found = rules(table)
    rows = max(1, len(found))
    # one row per update rule, each legend under its panel (off the data)
    fig, axes = plt.subplots(rows, 3, figsize=(figures.WIDTH, 1.3 + 4.1 * rows), squeeze=False,
                             layout="constrained")
    suptitle = figures.verdict_title("L1 vs L2 sparsity", v, note=headline_note(settings))
    if not found:
        axes[0, 0].text(0.5, 0.5, f"no L1 and L2 runs in {settings.studies}", ha="center",
                        transform=axes[0, 0].transAxes)
        for ax in axes[0]:
            ax.set(xlabel="final train accuracy (fraction)", ylabel="fraction of weights")
        fig.suptitle(suptitle, fontsize=figures.TITLE_FONT)
        return fig
    pairs = ev["pairs"]
    hist = tables["weight_hist"]
    left_out = int(table.diverged.sum())
    for row, (optimizer, update) in enumerate(found):
        near_ax, large_ax, hist_ax = axes[row]
        regularizer = {u: r for r, u in UPDATES.items()}[update]
        shown = table[(table.optimizer == optimizer) & table.regularizer.isin([regularizer, "l2", "none"])
                      & ~table.diverged]
        mine = pairs[(pairs.optimizer == optimizer) & (pairs["update"] == update)] if len(pairs) else pairs
        _path_panel(near_ax, shown, "near_zero", f"fraction of |w| < {sci(settings.near_zero)}", mine)
        _path_panel(large_ax, shown, "log10_large", f"log10 {settings.large} of |w|\n(mean over layers)", mine)
        near_ax.set_title(f"{optimizer}, L1 by {update}:\nnear-zero weights")
        large_ax.set_title(f"{optimizer}, L1 by {update}:\nlargest weights")
        legend_source = near_ax
        matched = mine[mine.matched] if len(mine) else mine
        if len(matched):  # the histogram of the matched pair with the most L1 weight: the clearest picture
            p = matched.sort_values("l1").iloc[-1]
            chosen = shown[((shown.regularizer == regularizer) & np.isclose(shown.strength, p.l1))
                           | ((shown.regularizer == "l2") & np.isclose(shown.strength, p.l2))]
            chosen = chosen.assign(label=labels(chosen))
            names = list(dict.fromkeys(chosen.sort_values("regularizer").label))
            colors = {n: PENALTY_COLORS["l2" if n.startswith("L2") else regularizer] for n in names}
            _histogram_panel(hist_ax, chosen[["run_id", "label"]].merge(hist), colors, names, settings.near_zero)
            hist_ax.set_title("matched pair:\n|w| over layers and seeds")
            figures.legend(hist_ax, **figures.below(hist_ax))
        else:
            hist_ax.text(0.5, 0.5, "no strengths matched\nin train accuracy", ha="center", transform=hist_ax.transAxes)
            hist_ax.set(xlabel="|w| (weight magnitude, log scale)", ylabel="fraction of weights")
        figures.legend(legend_source, **figures.below(legend_source, title="penalty (both left panels)"))
    if left_out:
        suptitle += f"\n{left_out} diverged run(s) left out"
    fig.suptitle(suptitle, fontsize=figures.TITLE_FONT)
    return fig


CLAIM = register(Claim(
    id=ID,
    title="L2 shrinks large weights fast and small ones slowly, leaving many small non-zero weights; "
          "L1 pushes many weights to (near) zero while keeping some large ones.",
    source="Tibshirani, 'Regression Shrinkage and Selection via the Lasso' (1996), sec. 2; "
           "Goodfellow et al., Deep Learning (2016), sec. 7.1.2; Ng, ICML (2004); Langford, Li & Zhang, JMLR (2009)",
    evidence=evidence,
    verdict=verdict,
    figure=figure,
    condition=condition,
    conditions=conditions,
    settings=Settings,
    figure_text="One row per update rule (optimizer; L1 by its subgradient or by its proximal step). Left: the "
                "fraction of near-zero weights against final train accuracy along each penalty's path of strengths "
                "(labels: λ); dotted lines join the L1 and L2 strengths matched in train accuracy, the pairs the "
                "verdict compares. Middle: the same for the largest weights. Right: the |w| distribution of the "
                "matched pair with the strongest L1 (grey band: the first bin [0, 1e-6), where exact zeros land). "
                "Error bars: 95% Student-t intervals over seeds (n in the legend); diverged runs left out.",
    tables=("runs", "weights", "weight_hist"),
    category=TEST,
))
