"""l1-vs-l2-sparsity: L2 shrinks large weights fast and small ones slowly, leaving many small
non-zero weights; L1 pushes many weights to (near) zero while keeping some large ones.

Evidence (sweeps `sparsity`, `sparsity_adam`): nets trained with L1 and with L2 along a path
of strengths, per update rule: the optimizer, and for L1 how the penalty is applied -- its
subgradient added to the gradient (`l1`: under SGD a weight hovers within ~lr*l1 of zero,
under Adam the sign-like step oscillates at the learning rate) or its proximal step after
the optimizer's (`l1_prox`: w <- sgn(w)max(|w| - lr*l1, 0), exact zeros).

Pairs: each L1 strength λ of the path is paired with the L2 strength `l2_per_l1`·λ, the
one that pulls a weight of the init scale as hard (theory, not the data). Each pair is a
condition of its own (optimizer, update, l1, l2), never averaged with another: pairs of
different strengths are unlike conditions; the headline pair is named in the settings.
Matched (Ng 2004): a stronger penalty costs training accuracy and makes weights smaller, so
L1 and L2 compare only where they train equally well: a pair is judged only where its two
mean final train accuracies (over seeds, diverged runs out) differ by at most
`match_tolerance`, the paired noise of two nets scored on the same evaluated training
samples; otherwise it is reported, not judged.

Crippled nets: a penalised net whose mean train accuracy falls below the unregularized
net's mean TEST accuracy (same optimizer, architecture and seeds), by more than the two
accuracies' noise (`crippled_margin`), costs more fit of its training data than the
overfitting the penalty is there to remove: its weights show the penalty overwhelming the
data, not the trade-off the claim describes. A pair with a crippled net is reported, its
numbers kept, but not judged (inconclusive, a floor).

Both margins are the accuracies' sampling noise, stated at 1,000 evaluated training and test
samples (MNIST-1D's) and read on the judged dataset (table datasets) as x sqrt(1000/N), N its
evaluated training samples (for `crippled_margin`, the fewer of those and its test examples):
claims.resolution, `on_dataset`.

Two parts per pair, paired by seed (verdicts.all_of, the deciding part first), each judged
against its smallest effect of interest (claims.effects: inside it, no difference):
  near zero    fraction of |w| below `near_zero` (pooled over layers, weighted by size),
               L1 minus L2, > min_near_zero_gain
  large kept   log10 of L1's over L2's `large` statistic (q99 or abs_max of |w|; an exact 0
               counted and taken at float32's resolution: log10_resolved), layer by
               layer, averaged over layers, > min_log10_large_ratio
Diverged runs are left out and counted.
"""

import math
from dataclasses import replace
from typing import Literal

import numpy as np
import pandas as pd

from .. import verdicts
from ..verdicts import FRACTION_DIFFERENCE, INCONCLUSIVE, number
from . import TEST, declare
from .compose import deciding_first, with_note
from .effects import gain
from .evidence import Evidence
from .grids import Axis, Grid
from .panels import headline_note
from .resolution import SIZES, at_size, judged_test_size, judged_train_evaluated
from .select import per_seed
from .settings import ClaimSettings, distinct, setting
from ..lazy import figures, plt
from ..words import count, point

ID = "l1-vs-l2-sparsity"
FRAC_PREFIX = "frac_below_"
EXACT_ZERO_BELOW = 1e-6  # weight_hist's first bin [0, 1e-6): where exact zeros land
UPDATES = {"l1": "subgradient", "l1_prox": "prox"}
RUN_COLUMNS = ["run_id", "study", "optimizer", "regularizer", "l1_update", "strength", "seed", "lr", "diverged",
               "final_train_accuracy", "near_zero", "exact_zero", "log10_large", "layers", "large_floored"]
# the weights' format: it cannot tell a |w| below its epsilon times the layer's largest |w| from 0
# (such a weight adds less than a rounding unit to any sum beside the largest one's term)
WEIGHT_FORMAT = np.finfo(np.float32)


class Headline(ClaimSettings):
    optimizer: str = setting("sgd", "the optimizer of the update rule judged", registry="optimizer")
    update: Literal["subgradient", "prox"] = setting("subgradient", "how L1 is applied: its subgradient added to the "
                                                     "gradient, or its proximal step after the optimizer's")
    l1: float = setting(1e-4, "the pair's L1 strength: the grid's own (regularizer_params.l1)", gt=0)
    l2: float = setting(1e-3, "the pair's L2 strength: the grid's own (regularizer_params.l2), set beside that L1 "
                              "strength on the sweeps' paths", gt=0)


class Settings(ClaimSettings):
    studies: distinct(str) = setting(["sparsity", "sparsity_adam"], "runs.study values of the L1/L2 paths "
                                     "(none/l1/l1_prox/l2 runs)", min_length=1)
    unregularized_study: str = setting(
        "grid", "a crippled net's reference (crippled_margin) is the sweep's own unregularized runs; where the sweep "
                "trains none (sparsity_adam), this study's runs of the same optimizer, activation, depth, width and "
                "init")
    # the thresholds weights.csv has columns for (dltips.weights.THRESHOLDS)
    near_zero: Literal[1e-2, 1e-3, 1e-4] = setting(1e-3, "what \"near zero\" means: 1% of the init scale 0.1 (width "
                                                         "100) and a few lr*l1 (the subgradient's hover) at SGD's rates")
    min_near_zero_gain: float = setting(
        0.01, "claim: L1's near-zero fraction minus L2's above this. The smallest effect of interest, from theory: the "
              "share of |w| below 1e-3 that torch's default init U(-1/sqrt(fan_in), +1/sqrt(fan_in)) gives at fan-in "
              "100 (1e-3 / 0.1): \"many\" means more than init alone puts there; inside +-this: no difference",
        ge=0, le=1)
    large: Literal["q90", "q99", "abs_max"] = setting("q99", "the \"largest weights\" statistic of weights.csv")
    min_log10_large_ratio: float = setting(
        0.013, "claim: log10(L1 large / L2 large), mean over layers, above this. The smallest effect of interest, from "
               "the measurement's resolution: 1.96 x the sampling SE of that ratio for q99 of depth 4, width 100 "
               "layers (4,000, 3 x 10,000 and 1,000 weights; a half-normal |w|'s q99 has relative SE 1.34/sqrt(n): "
               "0.0046 decades on a mean over the 5 layers, x sqrt(2) for a ratio of two nets); inside +-this: no "
               "difference", ge=0)
    l2_per_l1: float = setting(
        10.0, "an L1 strength λ is paired with the L2 strength l2_per_l1·λ: at |w| = 0.1, the init scale at width "
              "100 (torch's default U(-1/sqrt(fan_in), +1/sqrt(fan_in))), L2's pull λ2·|w| equals L1's λ1, so the "
              "two penalties push a typical weight equally hard; the sweeps' paths are set so (1e-4 ~ 1e-3, 3e-4 ~ "
              "3e-3, 1e-3 ~ 1e-2)", gt=0)
    match_tolerance: float = setting(
        0.03, "a pair is judged only where its two nets' mean train accuracies differ by at most this "
              "(fraction), the paired noise of two nets scored on the same 1,000 evaluated training samples "
              "(training.train_eval_size = the test set's size): McNemar's SE sqrt(b + c)/N, at most a quarter of "
              "the samples discordant (two nets near 0.85 that err apart): sqrt(250)/1000 = 0.016; 1.96 x 0.016 = "
              "0.03, a gap those samples cannot tell from none. Stated at 1,000; read at the judged dataset's N "
              "evaluated training samples (table datasets) as this x sqrt(1000/N) (claims.resolution)", gt=0, lt=1)
    crippled_margin: float = setting(
        0.04, "a net is crippled when its mean train accuracy falls below the unregularized net's mean test accuracy "
              "by more than this (fraction): its penalty costs more fit of the training data than the overfitting "
              "it is there to remove, so its weights show the penalty overwhelming the data (a pair with one is "
              "reported, not judged). The margin: two accuracies read on different 1,000-sample sets (the evaluated "
              "training samples, the test set) differ by binomial noise of SE sqrt(0.85 x 0.15/1000 + 0.66 x "
              "0.34/1000) = 0.019; 1.96 x 0.019 = 0.037. Stated at 1,000 of each; read at the judged dataset's "
              "(table datasets) as this x sqrt(1000/N), N the fewer of its evaluated training samples and its test "
              "examples (claims.resolution)", ge=0, lt=1)
    headline: Headline = setting(Headline(), "the notes' own update (l1-subtracts: η·λ·sgn(w) under SGD) at the "
                                             "grid's own strengths")


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


def floored_note(runs: pd.DataFrame, large: str) -> str:
    """How many layers of these runs (diverged ones out) had their `large` statistic floored
    (log10_resolved); '' where none."""
    used = runs[~runs.diverged.astype(bool)]
    k = int(used.large_floored.sum())
    return (f"{large} |w| exactly 0 or below float32's resolution in {k} of {int(used.layers.sum())} layers of the "
            f"pair's runs: its log10 taken at that resolution (eps × the layer's max |w|)") if k else ""


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
    out = runs.assign(l1_update=runs.regularizer.map(UPDATES).fillna(""),
                      strength=np.where(runs.regularizer == "l2", runs.l2, runs.l1),
                      diverged=runs.diverged.astype(bool) if "diverged" in runs else False,
                      near_zero=runs.run_id.map(near), log10_large=runs.run_id.map(large),
                      exact_zero=runs.run_id.map(zeros / counts), large_floored=runs.run_id.map(floored),
                      layers=runs.run_id.map(weights.groupby("run_id").size()))
    out["lr"] = out.lr if "lr" in out else math.nan
    return out[RUN_COLUMNS].sort_values(["optimizer", "regularizer", "strength", "seed"], kind="stable")


def rules(table: pd.DataFrame) -> list[tuple[str, str]]:
    """(optimizer, update) of every L1 path that has an L2 path under the same optimizer."""
    l1 = table[table.l1_update != ""][["optimizer", "l1_update"]].drop_duplicates()
    with_l2 = set(table[table.regularizer == "l2"].optimizer)
    return [(o, u) for o, u in l1.sort_values(["optimizer", "l1_update"], ascending=[True, False]).itertuples(index=False)
            if o in with_l2]


ARCHITECTURE = ["activation", "depth", "width", "init"]  # what an unregularized reference net must share


def references(tables: dict, settings: Settings) -> pd.Series:
    """optimizer -> the unregularized net's test accuracy, the mean over the penalised runs'
    seeds: the sweep's own unregularized runs, else `unregularized_study`'s of the same
    architecture (Settings.unregularized_study)."""
    runs, penalised = tables["runs"], study_runs(tables, settings)
    if runs.empty or penalised.empty:
        return pd.Series(dtype=float)
    shared = [c for c in ARCHITECTURE if c in runs.columns and c in penalised.columns]
    out = {}
    for optimizer, group in penalised.groupby("optimizer"):
        plain = runs[(runs.regularizer == "none") & (runs.optimizer == optimizer) & ~runs.diverged.astype(bool)
                     & runs.seed.isin(group.seed)]
        plain = plain.merge(group[shared].drop_duplicates(), on=shared) if shared else plain
        own = plain[plain.study.isin(settings.studies)]
        use = own if len(own) else plain[plain.study == settings.unregularized_study]
        if len(use):
            out[optimizer] = float(use.groupby("seed").final_test_accuracy.mean().mean())
    return pd.Series(out, dtype=float)


PATH_COLUMNS = ["optimizer", "regularizer", "strength", "seeds", "train_accuracy", "reference_test_accuracy",
                "crippled"]


def paths(table: pd.DataFrame, reference: pd.Series, margin: float) -> pd.DataFrame:
    """Per penalised (optimizer, regularizer, strength): seeds, mean train accuracy (diverged
    runs out), the unregularized net's test accuracy and whether the net is crippled (below it
    by more than `margin`; unknown, NaN, where there is no unregularized net)."""
    rows = table[(table.regularizer != "none") & ~table.diverged]
    if rows.empty:
        return pd.DataFrame(columns=PATH_COLUMNS)
    out = rows.groupby(["optimizer", "regularizer", "strength"], as_index=False).agg(
        seeds=("seed", "nunique"), train_accuracy=("final_train_accuracy", "mean"))
    out["reference_test_accuracy"] = out.optimizer.map(reference).astype(float)
    known = out.reference_test_accuracy.notna()
    out["crippled"] = (out.train_accuracy < out.reference_test_accuracy - margin).where(known)
    return out[PATH_COLUMNS]


def references_of(path: pd.DataFrame) -> pd.Series:
    """optimizer -> the unregularized net's test accuracy, as the paths table carries it."""
    return path.groupby("optimizer").reference_test_accuracy.first()


PAIR_COLUMNS = ["optimizer", "update", "l1", "l2", "l1_train", "l2_train", "train_gap", "matched", "l1_crippled",
                "l2_crippled", "reference_test_accuracy", "headline"]


def pairs(path: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Every L1 strength with its L2 strength l2_per_l1 times as large, where the path has both,
    and the headline pair; whether the two are matched in train accuracy; per update rule, the
    subgradient first, then by strength."""
    regularizer_of = {u: r for r, u in UPDATES.items()}
    wanted = settings.headline
    rows = []
    for optimizer, own in path.groupby("optimizer"):
        l2 = own[own.regularizer == "l2"]
        for update in UPDATES.values():
            for a in own[own.regularizer == regularizer_of[update]].itertuples():
                headline = optimizer == wanted.optimizer and update == wanted.update and math.isclose(a.strength,
                                                                                                     wanted.l1)
                partners = [settings.l2_per_l1 * a.strength] + ([wanted.l2] if headline else [])
                for b in l2[[any(math.isclose(s, p) for p in partners) for s in l2.strength]].itertuples():
                    gap = float(a.train_accuracy - b.train_accuracy)
                    rows.append({"optimizer": optimizer, "update": update, "l1": a.strength, "l2": b.strength,
                                 "l1_train": a.train_accuracy, "l2_train": b.train_accuracy, "train_gap": gap,
                                 "matched": abs(gap) <= settings.match_tolerance, "l1_crippled": a.crippled,
                                 "l2_crippled": b.crippled, "reference_test_accuracy": a.reference_test_accuracy,
                                 "headline": headline and math.isclose(b.strength, wanted.l2)})
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


SEED_PAIR_COLUMNS = ["optimizer", "update", "l1", "l2", "seed", "near_zero_gain", "log10_large_ratio"]


def seed_pairs(table: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Per pair and seed: L1 minus L2 in near-zero fraction and log10 large (both runs
    trained: diverged runs out)."""
    used = table[~table.diverged]
    frames = []
    for p in pairs.itertuples(index=False):
        side = {}
        for reg, strength in (({v: k for k, v in UPDATES.items()}[p.update], p.l1), ("l2", p.l2)):
            side[reg] = used[(used.optimizer == p.optimizer) & (used.regularizer == reg)
                             & np.isclose(used.strength, strength)].set_index("seed")
        a, b = side.values()
        both = a.index.intersection(b.index)
        frames.append(pd.DataFrame({"optimizer": p.optimizer, "update": p.update, "l1": p.l1, "l2": p.l2,
                                    "seed": both, "near_zero_gain": a.near_zero[both] - b.near_zero[both],
                                    "log10_large_ratio": a.log10_large[both] - b.log10_large[both]}))
    return pd.concat(frames, ignore_index=True)[SEED_PAIR_COLUMNS] if frames else pd.DataFrame(columns=SEED_PAIR_COLUMNS)


def of_pair(seed_pairs: pd.DataFrame, pair) -> pd.DataFrame:
    """The seed differences of `pair` alone (none where there is no pair: a headline the study
    did not train has no numbers)."""
    if pair is None:
        return seed_pairs.iloc[:0]
    return seed_pairs[(seed_pairs.optimizer == pair.optimizer) & (seed_pairs["update"] == pair["update"])
                      & np.isclose(seed_pairs.l1.astype(float), pair.l1)
                      & np.isclose(seed_pairs.l2.astype(float), pair.l2)]


def pair_runs(runs: pd.DataFrame, pair) -> pd.DataFrame:
    """The runs of a pair's two nets (every seed, diverged ones included)."""
    regularizer = {u: r for r, u in UPDATES.items()}[pair["update"]]
    return runs[(runs.optimizer == pair.optimizer)
                & (((runs.regularizer == regularizer) & np.isclose(runs.strength, pair.l1))
                   | ((runs.regularizer == "l2") & np.isclose(runs.strength, pair.l2)))]


def _crippled(pair) -> list[str]:
    """Which nets of the pair are crippled: ['L1', 'L2'], [] or None where unknown."""
    flags = {"L1": pair.l1_crippled, "L2": pair.l2_crippled}
    if any(pd.isna(f) for f in flags.values()):
        return None
    return [name for name, flag in flags.items() if flag]


def on_dataset(settings: Settings, datasets: pd.DataFrame) -> Settings:
    """`settings` with both noise margins read at the judged dataset's sizes (stated at 1,000)."""
    n_train = judged_train_evaluated(datasets)
    return settings.replace(match_tolerance=at_size(settings.match_tolerance, n_train),
                            crippled_margin=at_size(settings.crippled_margin,
                                                    min(n_train, judged_test_size(datasets))))


def rule(ev: Evidence, settings: Settings):
    """Both parts on one pair (the runner cuts the evidence to it); a pair with a crippled net,
    or not matched in train accuracy, is reported but not judged."""
    settings = on_dataset(settings, ev[SIZES])
    pair_rows, runs = ev["pairs"], ev["runs"]
    pair = pair_rows.iloc[0] if len(pair_rows) else None
    paired = of_pair(ev["seed_pairs"], pair)
    where = (f"{pair.optimizer}, L1 by {pair['update']} {sci(pair.l1)} vs L2 {sci(pair.l2)}" if pair is not None
             else "no pair")
    near = gain(per_seed(paired, "near_zero_gain"), settings.min_near_zero_gain,
                f"fraction of |w| below {sci(settings.near_zero)}, L1 minus L2, {where}", name="near zero",
                bounds=FRACTION_DIFFERENCE)
    large = gain(per_seed(paired, "log10_large_ratio"), settings.min_log10_large_ratio,
                 f"log10 of {settings.large} |w|, L1 over L2 (mean over layers), {where}", name="large kept")
    v = deciding_first(near, large)
    if pair is None:
        return v
    tolerance = settings.match_tolerance
    trains = (f"mean train accuracy L1 {pair.l1_train:.3f}, L2 {pair.l2_train:.3f} (gap {point(pair.train_gap, (tolerance, -tolerance))}; "
              f"matched within ±{settings.match_tolerance:.3g}, N = {judged_train_evaluated(ev[SIZES])} "
              f"evaluated training samples: {'yes' if pair.matched else 'no'}); the "
              f"unregularized net's test accuracy {number(pair.reference_test_accuracy, 3)}")
    crippled = _crippled(pair)
    own = pair_runs(runs, pair)
    left_out = int(own.diverged.sum())
    v = with_note(with_note(with_note(v, trains), floored_note(own, settings.large)),
                  f"{count(left_out, 'diverged run')} left out" if left_out else "")
    if crippled:
        who = " and ".join(crippled)
        return verdicts.floor(v, f"{who} crippled (mean train accuracy more than {settings.crippled_margin:.3g} "
                                 f"below the unregularized net's test accuracy {pair.reference_test_accuracy:.3f})")
    if not pair.matched:
        return replace(v, verdict=INCONCLUSIVE,
                       why=f"not matched: the two nets' mean train accuracies differ by {point(abs(pair.train_gap), (tolerance,))}, "
                           f"more than ±{settings.match_tolerance:.3g}: the penalties differ in strength, not only in "
                           f"kind")
    if crippled is None:
        return replace(v, verdict=INCONCLUSIVE, why="no unregularized net to tell whether a net is crippled")
    return v


def evidence(tables: dict, settings: Settings) -> Evidence:
    """runs: one row per run; paths: per strength, its train accuracy and whether it is
    crippled; pairs: every pair of strengths (matched or not); seed_pairs: their differences per seed."""
    settings = on_dataset(settings, tables["datasets"])
    table = run_table(tables, settings)
    path = paths(table, references(tables, settings), settings.crippled_margin)
    matched = pairs(path, settings)
    return {"runs": table, "paths": path, "pairs": matched, "seed_pairs": seed_pairs(table, matched),
            SIZES: tables["datasets"]}


# every pair of strengths of every update rule (optimizer; L1 by subgradient or proximal step), the subgradient first
GRIDS = (Grid("pairs", (Axis("optimizer"), Axis("update", levels=lambda settings: list(UPDATES.values())),
                        Axis("l1", float), Axis("l2", float))),)


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


def _path_panel(ax, table: pd.DataFrame, y: str, ylabel: str, pairs: pd.DataFrame, crippled_below: float) -> None:
    """A statistic against train accuracy along each penalty's path: one point per strength
    (95% Student-t intervals over seeds on both axes), matched pairs joined by a dotted line
    (grey where a net is crippled: left of `crippled_below`, dashed)."""
    if math.isfinite(crippled_below):
        ax.axvline(crippled_below, color="0.5", ls="--", lw=1,
                   label="unregularized test accuracy − margin\n(left of it: crippled)")
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
    for p in pairs[pairs.matched.astype(bool)].itertuples():
        reg = {v: k for k, v in UPDATES.items()}[p.update]
        ends = [runs.loc[(r, s)] for r, s in ((reg, p.l1), ("l2", p.l2))]
        crippled = bool(_crippled(p))
        ax.plot([e.final_train_accuracy.mean() for e in ends], [e[y].mean() for e in ends], ":",
                color="0.6" if crippled else "k", lw=1)
    ax.margins(y=0.2)  # headroom: a strength's label above its point stays under the title
    ax.set(xlabel="final train accuracy (fraction)", ylabel=ylabel)


def _histogram_pair(pairs: pd.DataFrame):
    """The pair whose |w| histogram is drawn: the headline pair, else the judged pair (matched,
    no net crippled) with the strongest L1, else the matched pair, else any pair, with the
    strongest L1; None where the update rule has no pair."""
    if pairs.headline.astype(bool).any():
        return pairs[pairs.headline.astype(bool)].iloc[0]
    judged = pairs[[bool(p.matched) and _crippled(p) == [] for p in pairs.itertuples()]]
    for candidates in (judged, pairs[pairs.matched.astype(bool)], pairs):
        if len(candidates):
            return candidates.sort_values("l1").iloc[-1]
    return None


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    settings = on_dataset(settings, ev[SIZES])
    table = ev["runs"]
    found = rules(table)
    rows = max(1, len(found))
    # one row per update rule, each legend under its panel (off the data)
    fig, axes = plt.subplots(rows, 3, figsize=(figures.WIDTH, 1.3 + 3.5 * rows), squeeze=False,
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
        mine = pairs[(pairs.optimizer == optimizer) & (pairs["update"] == update)]
        reference = float(references_of(ev["paths"]).get(optimizer, math.nan)) - settings.crippled_margin
        _path_panel(near_ax, shown, "near_zero", f"fraction of |w| < {sci(settings.near_zero)}", mine, reference)
        _path_panel(large_ax, shown, "log10_large", f"log10 {settings.large} of |w|\n(mean over layers)", mine,
                    reference)
        near_ax.set_title(f"{optimizer}, L1 by {update}:\nnear-zero weights")
        large_ax.set_title(f"{optimizer}, L1 by {update}:\nlargest weights")
        legend_source = near_ax
        shown_pair = _histogram_pair(mine)
        if shown_pair is not None:
            p = shown_pair
            chosen = shown[((shown.regularizer == regularizer) & np.isclose(shown.strength, p.l1))
                           | ((shown.regularizer == "l2") & np.isclose(shown.strength, p.l2))]
            chosen = chosen.assign(label=labels(chosen))
            names = list(dict.fromkeys(chosen.sort_values("regularizer").label))
            colors = {n: PENALTY_COLORS["l2" if n.startswith("L2") else regularizer] for n in names}
            _histogram_panel(hist_ax, chosen[["run_id", "label"]].merge(hist), colors, names, settings.near_zero)
            status = "headline" if p.headline else "matched" if p.matched else "not matched"
            hist_ax.set_title(f"{status} pair L1 {sci(p.l1)}, L2 {sci(p.l2)}:\n|w| over layers and seeds")
            figures.legend(hist_ax, **figures.below(hist_ax))
        else:
            hist_ax.text(0.5, 0.5, "no pair of strengths", ha="center", transform=hist_ax.transAxes)
            hist_ax.set(xlabel="|w| (weight magnitude, log scale)", ylabel="fraction of weights")
        figures.legend(legend_source, **figures.below(legend_source, title="penalty (both left panels)"))
    if left_out:
        suptitle += f"\n{count(left_out, 'diverged run')} left out"
    fig.suptitle(suptitle, fontsize=figures.TITLE_FONT)
    return fig


def reads(settings: Settings) -> tuple[dict, ...]:
    """The headline pair (L1 by its update, L2) at the headline optimizer, and the sweeps'
    unregularized runs, the crippled nets' reference (dltips.headline_runs). A sweep without
    them reads `unregularized_study`'s instead: not declared here, as the default's headline
    sweep trains its own."""
    h = settings.headline
    at = {"study": settings.studies, "optimizer": h.optimizer}
    return ({**at, "regularizer": "l1" if h.update == "subgradient" else "l1_prox", "reg_params": {"strength": h.l1}},
            {**at, "regularizer": "l2", "reg_params": {"strength": h.l2}},
            {**at, "regularizer": "none"})


CLAIM = declare(
    __name__,
    title="L2 shrinks large weights fast and small ones slowly, leaving many small non-zero weights; "
          "L1 pushes many weights to (near) zero while keeping some large ones.",
    source="Tibshirani, 'Regression Shrinkage and Selection via the Lasso' (1996), sec. 2; "
           "Goodfellow et al., Deep Learning (2016), sec. 7.1.2; Ng, ICML (2004); Langford, Li & Zhang, JMLR (2009)",
    figure_text="One row per update rule (optimizer; L1 by its subgradient or by its proximal step). Left: the "
                "fraction of near-zero weights against final train accuracy along each penalty's path of strengths "
                "(labels: λ); each L1 strength λ and the L2 strength 10λ are a pair, a condition of its own; dotted "
                "lines join the pairs matched in train accuracy (grey: a net of the pair is crippled, left of the "
                "dashed line, the unregularized net's test accuracy less the margin: reported, not judged). Middle: "
                "the same for the largest weights. Right: the |w| distribution of the headline pair, or else of the "
                "judged pair with the strongest L1 (grey band: the first bin [0, 1e-6), where exact zeros land). "
                "Error bars: 95% Student-t intervals over seeds (n in the legend); diverged runs left out.",
    tables=("runs", "weights", "weight_hist", "datasets"),
    category=TEST,
)
