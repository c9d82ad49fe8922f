"""dropout-is-ensemble: dropout trains an ensemble of sub-networks that share weights; the
(1-p) weight scaling approximates averaging them, exactly for a linear network.

Monte-Carlo part (table dropout_eval, sweep `dropout`): per dropout-trained run, the average
softmax over k sampled masks against the weight-scaled net, as a SIGNED gap (mask average
minus weight scaling) in test loss and in test accuracy, for every k evaluated: the curve
shows the mask average converging with k (Srivastava et al. 2014, sec. 7.5: k ~ 50). The
claim "weight scaling approximates the average" is an equivalence claim, judged at the
largest k by two one-sided tests against a margin from measured noise: `margin_standard_errors`
times the test set's standard error of the weight-scaled net's metric (dropout_eval's
`*_se`: the binomial SE for accuracy, SD/sqrt(N) of the per-example cross-entropy for loss;
mean over the condition's seeds) -- a difference the test set cannot resolve. Reproduced
when the gap's 95% interval over seeds lies inside (-margin, +margin), not reproduced when
it lies wholly beyond one side.

Exact part (its own tiny computation): a linear net with dropout on its inputs and its hidden
units. Its output is linear in each mask separately and the masks are independent, so the
probability-weighted average of the outputs of all 2^(inputs + hidden) sub-networks equals
the output of the net whose weights are scaled by the keep probabilities (Baldi & Sadowski
2013, sec. 3). The check enumerates every mask. The same enumeration through a ReLU layer
is shown beside it (not part of the verdict): there the equality is only approximate.

Conditions: every (width, hidden dropout rate) of the sweep; the headline is a setting (Settings.headline).
"""

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd

from ..verdicts import all_of, compare, exact
from . import TEST, Claim, register
from .evidence import Evidence
from .floor import judge_each
from .select import WidthAndRate
from .settings import ClaimSettings, setting
from ..lazy import lazy_import

plt = lazy_import("matplotlib.pyplot")
sns = lazy_import("seaborn")
figures = lazy_import("dltips.figures")

ID = "dropout-is-ensemble"
KEYS = ["run_id", "seed", "width", "dropout_input", "dropout_hidden"]
MC_COLUMNS = [*KEYS, "k", "acc_mc_average", "acc_weight_scaling", "loss_mc_average", "loss_weight_scaling",
              "gap_accuracy", "gap_loss", "se_accuracy", "se_loss", "diverged"]
NET_COLUMNS = ["net", "point", "output", "mask_average", "weight_scaled", "error"]
LINEAR, RELU = "linear", "ReLU (contrast, not in the verdict)"
METRICS = {"loss": ("test loss", "nats"), "accuracy": ("test accuracy", "fraction")}
SE_COLUMNS = {"test_accuracy_se": "se_accuracy", "test_loss_se": "se_loss"}  # the weight-scaled net's
EXACT = "exact"  # the verdict's enumeration part; the gap parts are named by METRICS' words


class ExactCheck(ClaimSettings):
    """All 2^(inputs+hidden) masks of a 2-layer linear net, enumerated."""

    inputs: int = setting(4, "input units (keep inputs + hidden <= ~16: the enumeration is 2^n)", ge=1)
    hidden: int = setting(3, "hidden units", ge=1)
    outputs: int = setting(2, "output units", ge=1)
    points: int = setting(5, "random test inputs", ge=1)
    p_input: float = setting(0.2, "input drop probability", gt=0, lt=1)
    p_hidden: float = setting(0.5, "hidden drop probability", gt=0, lt=1)
    seed: int = setting(0, "weights and inputs", ge=0)
    tolerance: float = setting(1e-12, "max |mask average - weight-scaled output| for the linear net", gt=0)


class Settings(ClaimSettings):
    headline: WidthAndRate = setting(
        WidthAndRate(), "the verdict's condition: Srivastava et al.'s hidden rate in the wider net; every (width, "
                        "rate) of the dropout sweep is reported as a condition")
    margin_standard_errors: float = setting(
        1.0, "claim (an equivalence): the signed gap (average of the most masks minus weight scaling), in test loss "
             "and in test accuracy, has its 95% interval within +-this many test-set SEs of the weight-scaled net's "
             "metric (binomial SE ~0.015 at accuracy 0.6, N = 1,000): a gap the test set cannot resolve", gt=0)
    exact_check: ExactCheck = setting(ExactCheck(), "every mask of a 2-layer linear net enumerated")


def monte_carlo(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (dropout-trained run, k): the k-mask average beside the weight-scaled net.
    A diverged run (NaN in dropout_eval) is flagged, to be left out and counted."""
    if table.empty or "method" not in table:
        # boolean even when empty: `trained` filters by it (an object column would select columns)
        return pd.DataFrame(columns=MC_COLUMNS).astype({"diverged": bool})
    rows = table.reindex(columns=[*table.columns.drop(["width", *SE_COLUMNS], errors="ignore"), "width",
                                  *SE_COLUMNS])
    rows = rows[(rows.dropout_hidden > 0) | (rows.dropout_input > 0)]
    rows = rows.assign(width=rows.width.fillna(-1))  # a table without widths: one width, drawn as -1
    ws = rows[rows.method == "weight_scaling"][KEYS + ["test_accuracy", "test_loss", *SE_COLUMNS]]
    mc = rows[rows.method == "mc_average"][KEYS + ["k", "test_accuracy", "test_loss"]]
    out = mc.merge(ws, on=KEYS, suffixes=("_mc", "_ws"))
    out = out.rename(columns={"test_accuracy_mc": "acc_mc_average", "test_accuracy_ws": "acc_weight_scaling",
                              "test_loss_mc": "loss_mc_average", "test_loss_ws": "loss_weight_scaling",
                              **SE_COLUMNS})
    out["gap_accuracy"] = out.acc_mc_average - out.acc_weight_scaling
    out["gap_loss"] = out.loss_mc_average - out.loss_weight_scaling
    out["diverged"] = out.loss_weight_scaling.isna()
    return out.reindex(columns=MC_COLUMNS)


def trained(mc: pd.DataFrame) -> pd.DataFrame:
    return mc[~mc.diverged]


def diverged_runs(mc: pd.DataFrame) -> int:
    return int(mc[mc.diverged].run_id.nunique())


def enumerate_masks(cfg: ExactCheck) -> pd.DataFrame:
    """Every mask of a 2-layer net (inputs -> hidden -> outputs, dropout on inputs and hidden
    units, classic form: masked units unscaled), for a linear and a ReLU hidden layer.
    Rows: net, test point, output unit, probability-weighted mask average, the output of
    the weight-scaled net, and their absolute difference."""
    rng = np.random.default_rng(cfg.seed)
    n_in, n_hidden, n_out = cfg.inputs, cfg.hidden, cfg.outputs
    w1, b1 = rng.normal(size=(n_in, n_hidden)), rng.normal(size=n_hidden)
    w2, b2 = rng.normal(size=(n_hidden, n_out)), rng.normal(size=n_out)
    x = rng.normal(size=(cfg.points, n_in))
    keep_in, keep_hidden = 1 - cfg.p_input, 1 - cfg.p_hidden
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


def evidence(tables: dict, settings: Settings) -> Evidence:
    return {"monte_carlo": monte_carlo(tables["dropout_eval"]), "enumeration": enumerate_masks(settings.exact_check)}


def equivalent(values, margin: float, statistic: str, name: str):
    """Two one-sided tests: the interval inside (-margin, margin) -> reproduced; wholly beyond
    one side -> not reproduced. The side the mean leans to is reported first."""
    upper = compare(values, margin, "<", statistic, name="below +margin")
    lower = compare(values, -margin, ">", statistic, name="above -margin")
    first, second = (lower, upper) if upper.value < 0 else (upper, lower)
    return replace(all_of(first, second), name=name)


def _largest_k(mc: pd.DataFrame) -> pd.DataFrame:
    return mc[mc.k == mc.k.max()] if len(mc) else mc


def margins(mc: pd.DataFrame, settings: Settings) -> dict:
    """Per metric: the equivalence margin, in the metric's units."""
    return {metric: settings.margin_standard_errors * float(mc[f"se_{metric}"].astype(float).mean())
            for metric in METRICS}


def gap_parts(mc: pd.DataFrame, settings: Settings) -> list:
    """Per metric: the signed gap at the largest k, one value per seed, against its margin
    (each part named by the metric's words, METRICS)."""
    last = _largest_k(trained(mc))
    k = f"{int(last.k.max())}-mask" if len(last) else "no runs:"
    out = []
    for metric, margin in margins(last, settings).items():
        words, unit = METRICS[metric]
        per_seed = last.groupby("seed")[f"gap_{metric}"].mean().astype(float)
        out.append(equivalent(per_seed, margin, f"{words}, {k} average − weight scaling ({unit}), "
                                                f"±{settings.margin_standard_errors:g} test SE", name=words))
    return out


def convergence(mc: pd.DataFrame) -> str:
    """How much the mask average still moves between the two largest k (not judged)."""
    mc = trained(mc)
    ks = sorted(mc.k.unique())
    if len(ks) < 2:
        return "one k only: convergence not shown"
    curve = mc.groupby("k")[["loss_mc_average", "acc_mc_average"]].mean()
    step = curve.loc[ks[-1]] - curve.loc[ks[-2]]
    return (f"mask average from k = {int(ks[-2])} to {int(ks[-1])}: test loss {step.loss_mc_average:+.4f} nats, "
            f"accuracy {step.acc_mc_average:+.4f}")


def exact_part(nets: pd.DataFrame, cfg: ExactCheck):
    linear = nets[nets.net == LINEAR]
    return exact(linear.error, cfg.tolerance, "max |mask average - weight-scaled output|, linear net",
                 detail=f"all 2^{cfg.inputs + cfg.hidden} masks, {cfg.points} inputs", name=EXACT)


def judge(mc: pd.DataFrame, ev: Evidence, settings: Settings):
    loss, accuracy = gap_parts(mc, settings)
    combined = all_of(loss, accuracy, exact_part(ev["enumeration"], settings.exact_check))
    return replace(combined, detail=f"{combined.detail}; {convergence(mc)}; "
                                    f"{diverged_runs(mc)} diverged run(s) left out")


def _condition(mc: pd.DataFrame, axes: dict) -> pd.DataFrame:
    keep = np.ones(len(mc), dtype=bool)
    for axis, value in axes.items():
        keep &= np.isclose(mc[axis].astype(float), float(value))
    return mc[keep]


def verdict(ev: Evidence, settings: Settings):
    return judge(_condition(ev["monte_carlo"], dict(settings.headline)), ev, settings)


def conditions(tables: dict, settings: Settings) -> list:
    ev = evidence(tables, settings)
    mc = ev["monte_carlo"]
    return judge_each(mc, {"width": int, "dropout_hidden": float}, lambda c: judge(_condition(mc, c), ev, settings))


def _label(width, rate) -> str:
    return f"p = {rate:g}" if width < 0 else f"width {int(width)}, p = {rate:g}"


def _curve_panels(axes, mc: pd.DataFrame, margin: dict) -> None:
    """Signed gaps against k (loss, accuracy), and the test accuracy itself beside the
    weight-scaled net; one color per (width, rate), bands = the verdict's t-interval."""
    gap_loss, gap_acc, level = axes
    mc = trained(mc)
    shown = mc.assign(condition=[_label(w, p) for w, p in zip(mc.width, mc.dropout_hidden)])
    order = [_label(w, p) for w, p in shown[["width", "dropout_hidden"]].drop_duplicates()
             .sort_values(["width", "dropout_hidden"]).itertuples(index=False)]
    colors = dict(zip(order, sns.color_palette(figures.PALETTE, len(order))))
    for ax, y, half in ((gap_loss, "gap_loss", margin["loss"]), (gap_acc, "gap_accuracy", margin["accuracy"])):
        if np.isfinite(half):
            ax.axhspan(-half, half, color="0.85", zorder=0)
        ax.axhline(0, color="k", lw=0.8)
        sns.lineplot(data=shown, x="k", y=y, hue="condition", hue_order=order, palette=colors, marker="o",
                     errorbar=figures.seed_interval, ax=ax, legend=False)
    sns.lineplot(data=shown, x="k", y="acc_mc_average", hue="condition", hue_order=order, palette=colors,
                 marker="o", errorbar=figures.seed_interval, ax=level, legend=False)
    ws = shown.groupby("condition").acc_weight_scaling.mean()
    for name in order:
        level.axhline(ws[name], color=colors[name], ls="--", lw=1.2)
    ks = sorted(shown.k.unique())
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_xticks(ks, [str(int(k)) for k in ks])
        ax.set_xlabel("k, masks averaged (log scale)")
    n = figures.n_label(shown, ["condition"])
    gap_loss.set(ylabel="test loss: k-mask average − weight-scaled (nats)",
                 title=f"signed gap in test loss\n(grey: headline's margin ±{margin['loss']:.3g})")
    gap_acc.set(ylabel="test accuracy: k-mask average − weight-scaled",
                title=f"signed gap in test accuracy\n(grey: headline's margin ±{margin['accuracy']:.3g})")
    level.set(ylabel="test accuracy (fraction)", title="k-mask average (line) and weight-scaled net (dashed)")
    handles = [plt.Line2D([], [], color=colors[c], marker="o", label=c) for c in order]
    handles.append(plt.Line2D([], [], color="0.3", ls="--", label="weight-scaled net (mean over seeds)"))
    level.figure.legend(handles=handles, title=f"hidden dropout ({n}; bands: 95% t-interval over seeds)", fontsize=9,
                        title_fontsize=9, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3)


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    fig, axes = plt.subplots(2, 2, figsize=(12, 11))
    mc = ev["monte_carlo"]
    head = _condition(mc, dict(settings.headline))
    if len(mc):
        _curve_panels([axes[0, 0], axes[0, 1], axes[1, 0]], mc, margins(_largest_k(trained(head)), settings))
    else:
        for ax in (axes[0, 0], axes[0, 1], axes[1, 0]):
            ax.text(0.5, 0.5, "no dropout-trained runs in dropout_eval", ha="center", transform=ax.transAxes)
            ax.set(xlabel="k, masks averaged", ylabel="test metric")
    _enumeration_panel(axes[1, 1], ev["enumeration"], settings.exact_check)
    where = ", ".join(f"{k} {val:g}" for k, val in dict(settings.headline).items())
    loss, accuracy = (v.part(words) for words, _ in METRICS.values())
    # 11 pt: the rule's longest line fits the 12-in figure, read at 900 px
    fig.suptitle(figures.verdict_title(f"Dropout as an ensemble of weight-sharing sub-networks ({where})", v,
                                       parts=[(loss, "+.4f", "seeds"), (accuracy, "+.4f", "seeds"),
                                              (v.part(EXACT), ".1e", "outputs")],
                                       note=f"{diverged_runs(mc)} diverged run(s) left out of every panel"),
                 fontsize=11)
    return fig


def _enumeration_panel(ax, nets: pd.DataFrame, cfg: ExactCheck) -> None:
    """The error of every (test point, output) on a log axis: a linear net sits at rounding
    level, far below the tolerance; the ReLU net does not."""
    floor = cfg.tolerance * 1e-6  # an exact 0 has no place on a log axis: drawn here instead
    shown = nets.assign(error=np.maximum(nets.error.astype(float), floor))
    sns.stripplot(data=shown, x="net", y="error", hue="net", order=[LINEAR, RELU], size=6, jitter=0.15,
                  legend=False, ax=ax)
    ax.axhline(cfg.tolerance, color="k", ls="--", lw=1)
    ax.text(0.5, cfg.tolerance, f" tolerance {cfg.tolerance:g}", va="bottom", fontsize=9)
    ax.set_yscale("log")
    ax.set_ylim(floor / 10, 10)
    zeros = f", exact 0 drawn at {floor:.0e}" if (nets.error == 0).any() else ""
    ax.set(xlabel="net (hidden layer)",
           ylabel=f"|mask average − weight-scaled output|\n(logit units, log scale{zeros})")
    n_masks = 2 ** (cfg.inputs + cfg.hidden)
    ax.set_title(f"All {n_masks} masks enumerated: {cfg.inputs} inputs (p {cfg.p_input:g}), "
                 f"{cfg.hidden} hidden units (p {cfg.p_hidden:g}),\n"
                 f"{cfg.points} test points × {cfg.outputs} outputs", fontsize=10)


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
    conditions=conditions,
    settings=Settings,
    figure_text="Top: the signed gap between the average softmax of k random dropout masks and the weight-scaled "
                "net, in test loss and in test accuracy, against k (log scale), one color per width and hidden "
                "dropout rate; the grey band is the equivalence margin. Bottom left: the k-mask average's test "
                "accuracy beside the weight-scaled net (dashed). Bands are 95% Student-t intervals over seeds; "
                "diverged runs are left out. Bottom right: every mask of a tiny net enumerated; "
                "the difference between the probability-weighted average output and the weight-scaled output, "
                "log scale -- at rounding level for the linear net (the exact part of the claim), not through "
                "a ReLU.",
    tables=("dropout_eval",),
    category=TEST,
))
