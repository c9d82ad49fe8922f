"""dropout-is-ensemble: dropout trains an ensemble of sub-networks that share weights; the
(1-p) weight scaling approximates averaging them, exactly for a linear network.

Two parts.
Monte-Carlo (table dropout_eval, sweep `dropout`): per dropout-trained run, the test
accuracy of the average softmax over the most masks evaluated (the largest k in the
table) beside the weight-scaled net. Statistic: |accuracy(MC average) - accuracy(weight
scaling)|, which the claim says is small (below `max_abs_gap`).

Exact (its own tiny computation): a linear net with dropout on its inputs and its hidden
units. Its output is linear in each mask separately and the masks are independent, so the
probability-weighted average of the outputs of all 2^(inputs + hidden) sub-networks equals
the output of the net whose weights are scaled by the keep probabilities (Baldi & Sadowski
2013, sec. 3). The check enumerates every mask. The same enumeration through a ReLU layer
is shown beside it (not part of the verdict): there the equality is only approximate.
"""

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .. import figures
from ..verdicts import all_of, compare, exact
from . import Claim, register

ID = "dropout-is-ensemble"
MC_COLUMNS = ["run_id", "seed", "dropout_input", "dropout_hidden", "k", "acc_mc_average", "acc_weight_scaling",
              "gap", "abs_gap"]
NET_COLUMNS = ["net", "point", "output", "mask_average", "weight_scaled", "error"]
LINEAR, RELU = "linear", "ReLU (contrast, not in the verdict)"


def monte_carlo(table: pd.DataFrame) -> pd.DataFrame:
    if table.empty or "method" not in table:
        return pd.DataFrame(columns=MC_COLUMNS)
    rows = table[(table.dropout_hidden > 0) | (table.dropout_input > 0)]
    keys = ["run_id", "seed", "dropout_input", "dropout_hidden"]
    mc = rows[rows.method == "mc_average"]
    mc = mc[mc.k == mc.groupby("run_id").k.transform("max")]
    ws = rows[rows.method == "weight_scaling"][keys + ["test_accuracy"]]
    out = mc[keys + ["k", "test_accuracy"]].merge(ws, on=keys, suffixes=("_mc", "_ws"))
    out = out.rename(columns={"test_accuracy_mc": "acc_mc_average", "test_accuracy_ws": "acc_weight_scaling"})
    out["gap"] = out.acc_mc_average - out.acc_weight_scaling
    out["abs_gap"] = out.gap.abs()
    return out.reindex(columns=MC_COLUMNS)


def enumerate_masks(cfg: dict) -> pd.DataFrame:
    """Every mask of a 2-layer net (inputs -> hidden -> outputs, dropout on inputs and hidden
    units, classic form: masked units unscaled), for a linear and a ReLU hidden layer.
    Rows: net, test point, output unit, probability-weighted mask average, the output of
    the weight-scaled net, and their absolute difference."""
    rng = np.random.default_rng(cfg["seed"])
    n_in, n_hidden, n_out = cfg["inputs"], cfg["hidden"], cfg["outputs"]
    w1, b1 = rng.normal(size=(n_in, n_hidden)), rng.normal(size=n_hidden)
    w2, b2 = rng.normal(size=(n_hidden, n_out)), rng.normal(size=n_out)
    x = rng.normal(size=(cfg["points"], n_in))
    keep_in, keep_hidden = 1 - cfg["p_input"], 1 - cfg["p_hidden"]
    rows = []
    for net, act in ((LINEAR, lambda z: z), (RELU, lambda z: np.maximum(z, 0.0))):
        average = np.zeros((len(x), n_out))
        for bits in itertools.product((0.0, 1.0), repeat=n_in + n_hidden):
            m = np.array(bits)
            m_in, m_hidden = m[:n_in], m[n_in:]
            prob = np.prod(np.where(m_in == 1, keep_in, 1 - keep_in)) * np.prod(
                np.where(m_hidden == 1, keep_hidden, 1 - keep_hidden))
            average += prob * ((act((x * m_in) @ w1 + b1) * m_hidden) @ w2 + b2)
        scaled = act(x @ (keep_in * w1) + b1) @ (keep_hidden * w2) + b2
        for point, output in itertools.product(range(len(x)), range(n_out)):
            rows.append({"net": net, "point": point, "output": output, "mask_average": average[point, output],
                         "weight_scaled": scaled[point, output],
                         "error": abs(average[point, output] - scaled[point, output])})
    return pd.DataFrame(rows, columns=NET_COLUMNS)


def evidence(tables: dict, settings: dict) -> pd.DataFrame:
    mc = monte_carlo(tables["dropout_eval"]).assign(part="monte carlo")
    nets = enumerate_masks(settings["exact_check"]).assign(part="enumeration")
    return pd.concat([mc, nets], ignore_index=True).reindex(columns=["part", *MC_COLUMNS, *NET_COLUMNS])


def parts(ev: pd.DataFrame, settings: dict):
    mc = ev[ev.part == "monte carlo"]
    k = f"k = {int(mc.k.max())} masks" if len(mc) else "no runs"
    approx = compare(mc.abs_gap, settings["max_abs_gap"], "<",
                     f"|test accuracy, Monte-Carlo average ({k}) minus weight scaling| (fraction)")
    linear = ev[(ev.part == "enumeration") & (ev.net == LINEAR)]
    cfg = settings["exact_check"]
    same = exact(linear.error, cfg["tolerance"], "max |mask average - weight-scaled output|, linear net",
                 detail=f"all 2^{cfg['inputs'] + cfg['hidden']} masks, {cfg['points']} inputs")
    return approx, same


def verdict(ev: pd.DataFrame, settings: dict):
    return all_of(*parts(ev, settings))


def figure(tables: dict, ev: pd.DataFrame, v, settings: dict):
    fig, (curve_ax, exact_ax) = plt.subplots(1, 2, figsize=(17, 5.2), gridspec_kw={"width_ratios": [1.5, 1]})
    table = tables["dropout_eval"]
    rows = table[table.dropout_hidden > 0] if "method" in table else table.iloc[0:0]
    if len(rows):
        rates = sorted(rows.dropout_hidden.unique())
        colors = dict(zip(rates, sns.color_palette(figures.PALETTE, len(rates))))
        mc = rows[rows.method == "mc_average"]
        sns.lineplot(data=mc, x="k", y="test_accuracy", hue="dropout_hidden", palette=colors, marker="o",
                     errorbar=figures.CI, seed=figures.BOOT_SEED, ax=curve_ax, legend=False)
        ws = rows[rows.method == "weight_scaling"].groupby("dropout_hidden").test_accuracy.mean()
        for rate in rates:
            curve_ax.axhline(ws[rate], color=colors[rate], ls="--", lw=1.2)
        curve_ax.set_xscale("log", base=2)
        curve_ax.set_xticks(sorted(mc.k.unique()), [str(k) for k in sorted(mc.k.unique())])
        handles = [plt.Line2D([], [], color=colors[r], marker="o", label=f"p = {r:g}") for r in rates]
        handles += [plt.Line2D([], [], color="0.3", marker="o", label="average of k masks"),
                    plt.Line2D([], [], color="0.3", ls="--", label="weight-scaled net (mean over seeds)")]
        curve_ax.legend(handles=handles, title="hidden dropout rate", fontsize=9, loc="upper left",
                        bbox_to_anchor=(1.01, 1))
        curve_ax.set_title(f"Monte-Carlo averaging over k masks vs weight scaling "
                           f"({figures.n_label(mc, ['dropout_hidden'])}, 95% CI)")
    else:
        curve_ax.text(0.5, 0.5, "no dropout-trained runs in dropout_eval", ha="center", transform=curve_ax.transAxes)
    curve_ax.set(xlabel="k, masks averaged (softmax average; log scale)", ylabel="test accuracy (fraction)")
    _enumeration_panel(exact_ax, ev[ev.part == "enumeration"], settings["exact_check"])
    approx, same = parts(ev, settings)
    fig.suptitle(figures.verdict_title("Dropout as an ensemble of weight-sharing sub-networks", v,
                                       parts=[(approx, ".3f", "runs"), (same, ".1e", "outputs")]))
    return fig


def _enumeration_panel(ax, nets: pd.DataFrame, cfg: dict) -> None:
    """The error of every (test point, output) on a log axis: a linear net sits at rounding
    level, far below the tolerance; the ReLU net does not."""
    floor = cfg["tolerance"] * 1e-6  # an exact 0 has no place on a log axis: drawn here instead
    shown = nets.assign(error=np.maximum(nets.error.astype(float), floor))
    sns.stripplot(data=shown, x="net", y="error", hue="net", order=[LINEAR, RELU], size=6, jitter=0.15,
                  legend=False, ax=ax)
    ax.axhline(cfg["tolerance"], color="k", ls="--", lw=1)
    ax.text(0.5, cfg["tolerance"], f" tolerance {cfg['tolerance']:g}", va="bottom", fontsize=9)
    ax.set_yscale("log")
    ax.set_ylim(floor / 10, 10)
    zeros = f", exact 0 drawn at {floor:.0e}" if (nets.error == 0).any() else ""
    ax.set(xlabel="net (hidden layer)",
           ylabel=f"|mask average − weight-scaled output|\n(logit units, log scale{zeros})")
    n_masks = 2 ** (cfg["inputs"] + cfg["hidden"])
    ax.set_title(f"All {n_masks} masks enumerated: {cfg['inputs']} inputs (p {cfg['p_input']:g}), "
                 f"{cfg['hidden']} hidden units (p {cfg['p_hidden']:g}),\n"
                 f"{cfg['points']} test points × {cfg['outputs']} outputs", fontsize=10)


CLAIM = register(Claim(
    id=ID,
    title="Dropout trains an ensemble of sub-networks that share weights; weight scaling approximates "
          "averaging them, exactly for a linear network.",
    source="Srivastava et al., 'Dropout', JMLR 15 (2014), sec. 4 (model averaging) and sec. 7.5 "
           "(Monte-Carlo model averaging vs weight scaling); Baldi & Sadowski, 'Understanding Dropout', "
           "NIPS (2013), sec. 3 (exact for linear networks)",
    evidence=evidence,
    verdict=verdict,
    figure=figure,
    figure_text="Left: test accuracy of the average softmax over k random dropout masks against k (log scale), "
                "one colour per hidden dropout rate, beside the weight-scaled net of the same rate (dashed); "
                "bands are 95% bootstrap intervals over seeds. Right: every mask of a tiny net enumerated; "
                "the difference between the probability-weighted average output and the weight-scaled output, "
                "log scale -- at rounding level for the linear net (the exact part of the claim), not through "
                "a ReLU.",
))
