"""dropout-is-ensemble: dropout trains an ensemble of sub-networks that share weights; the
(1-p) weight scaling approximates averaging them, exactly for a linear network.

Monte-Carlo part (table dropout_eval, sweep `dropout`): per dropout-trained run, k sampled
masks averaged two ways against the weight-scaled net, for every k evaluated (the curves
show the averages converging with k; Srivastava et al. 2014, sec. 7.5: k ~ 50):
  the arithmetic mean of their softmaxes: the ensemble's averaged answer (the notes:
    "averaged, the result is accurate"), judged in test ACCURACY;
  their normalised geometric mean (the softmax of the mean log-probabilities): what weight
    scaling computes exactly for a softmax over one dropout layer and approximates through
    more (Hinton et al. 2012; Baldi & Sadowski 2013), judged in test LOSS. The arithmetic
    mean's loss is not what weight scaling approximates: averaging probabilities of
    disagreeing masks flattens them, so that mean is less confident than its accuracy; its
    loss gap and every predictor's calibration (mean top probability beside accuracy) are
    reported beside, not judged.
"Approximates" is an equivalence: per seed the signed difference at the largest k, its
Student-t interval over seeds widened by the paired standard error of two predictors scored
on the one test set (claims.paired: McNemar's for accuracy, Dietterich 1998), against a
smallest effect of interest fixed in advance (Settings: `accuracy_margin`, `loss_margin`, each
stated at MNIST-1D's 1,000 test examples and read at the judged dataset's own test size:
claims.resolution).
Inside +-margin: no difference (the part is reproduced); wholly beyond one side: a
difference, in the direction the sentence names (not reproduced); otherwise undecided.

Exact part (its own tiny computation): a linear net with dropout on its inputs and its hidden
units. Its output is linear in each mask separately and the masks are independent, so the
probability-weighted average of the outputs of all 2^(inputs + hidden) sub-networks equals
the output of the net whose weights are scaled by the keep probabilities (Baldi & Sadowski
2013, sec. 3); so the normalised geometric mean of their softmaxes, the softmax of the mean
logits, equals the weight-scaled net's softmax. The check enumerates every mask. The same
enumeration through a ReLU layer is shown beside it (not part of the verdict): there the
equality is only approximate.

Conditions: every (width, hidden dropout rate) of the sweep; the headline is a setting (Settings.headline).
"""

import itertools
import textwrap
from dataclasses import replace

import numpy as np
import pandas as pd

from ..verdicts import ACCURACY_DIFFERENCE, all_of, exact, t_interval
from . import TEST, declare
from .evidence import Evidence
from .grids import Axis, Grid
from .paired import Sides, equivalence, mcnemar_se
from .headlines import WidthAndRate, dropout_eval_reads
from .resolution import REFERENCE_SIZE, SIZES, at_size, scaled_words, judged_test_size
from .settings import ClaimSettings, setting
from ..lazy import figures, plt, sns
from ..words import count, interval

ID = "dropout-is-ensemble"
KEYS = ["run_id", "seed", "width", "dropout_input", "dropout_hidden"]
PREDICTORS = {"weight_scaling": "weight scaling", "mc_average": "arithmetic mean", "geometric_mean": "geometric mean"}
AVERAGES = ("mc_average", "geometric_mean")  # the rows of dropout_eval with k masks
METRICS = {"test_accuracy": "acc", "test_loss": "loss", "mean_top_probability": "top"}
PAIRED = ["n_test", "right_where_ws_wrong", "wrong_where_ws_right", "test_loss_paired_se"]  # against weight scaling
MC_COLUMNS = [*KEYS, "k", *(f"{short}_{p}" for short in METRICS.values() for p in PREDICTORS),
              "gap_accuracy", "se_gap_accuracy", "gap_loss", "se_gap_loss", "gap_loss_mc_average", "diverged"]
NET_COLUMNS = ["net", "point", "output", "mask_average", "weight_scaled", "error"]
LINEAR, GEOMETRIC = "linear", "linear, softmax: geometric mean"
RELU = "ReLU (contrast, not in the verdict)"
ACCURACY, LOSS, EXACT = "test accuracy", "test loss", "exact"  # the verdict's parts


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
    accuracy_margin: float = setting(
        0.015, "claim part 1 (an equivalence), the averaged answer is accurate: test accuracy of the most masks' "
               "arithmetic mean minus weight scaling's, its interval (seeds, widened by the paired McNemar SE) "
               "inside +-this (fraction). The smallest effect of interest, fixed in advance from the test set's "
               "resolution: one binomial SE of a single accuracy near 0.7 on MNIST-1D's 1,000 test examples "
               "(sqrt(0.7 x 0.3 / 1000) = 0.0145): a reader of two accuracies, each +-0.015, sees no smaller one. "
               "Stated at 1,000 test examples; read at the judged dataset's N as this x sqrt(1000/N), as a "
               "binomial SE scales (claims.resolution)",
        gt=0, lt=1)
    loss_margin: float = setting(
        0.04, "claim part 2 (an equivalence), weight scaling approximates the masks' normalised geometric mean: "
              "its test loss minus weight scaling's, interval as part 1, inside +-this (nats). Fixed in advance "
              "from the test set's resolution: one SE of a single net's test loss on MNIST-1D's 1,000 test "
              "examples (per-example cross-entropy SD 1.25 nats, the smoke study's plain nets near accuracy 0.5: "
              "1.25 / sqrt(1000) = 0.04); put otherwise, the true class's geometric-mean probability within a "
              "factor e^0.04 = 1.04. Stated at 1,000 test examples; read at the judged dataset's N as this x "
              "sqrt(1000/N), as a mean's SE scales (claims.resolution)", gt=0)
    exact_check: ExactCheck = setting(ExactCheck(), "every mask of a 2-layer linear net enumerated")


def monte_carlo(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (dropout-trained run, k): both k-mask averages beside the weight-scaled
    net, and the judged differences with their paired SEs. A diverged run (NaN in
    dropout_eval) is flagged, to be left out and counted; a table from before the geometric
    mean and the paired columns gives NaN there."""
    if table.empty or "method" not in table:
        # boolean even when empty: `trained` filters by it (an object column would select columns)
        return pd.DataFrame(columns=MC_COLUMNS).astype({"diverged": bool})
    rows = table.reindex(columns=list(dict.fromkeys([*table.columns, "width", *METRICS, *PAIRED])))
    rows = rows[(rows.dropout_hidden > 0) | (rows.dropout_input > 0)]
    rows = rows.assign(width=rows.width.fillna(-1))  # a table without widths: one width, drawn as -1

    def of(method: str, extra: list[str]) -> pd.DataFrame:
        mine = rows[rows.method == method][KEYS + extra + list(METRICS)]
        return mine.rename(columns={**{m: f"{short}_{method}" for m, short in METRICS.items()},
                                    **{c: f"{c}_{method}" for c in PAIRED}})

    averages = of(AVERAGES[0], ["k", *PAIRED]).merge(of(AVERAGES[1], ["k", *PAIRED]), on=[*KEYS, "k"], how="left")
    out = averages.merge(of("weight_scaling", []), on=KEYS)
    out["gap_accuracy"] = out.acc_mc_average - out.acc_weight_scaling
    out["se_gap_accuracy"] = mcnemar_se(out.right_where_ws_wrong_mc_average, out.wrong_where_ws_right_mc_average,
                                        out.n_test_mc_average)
    out["gap_loss"] = out.loss_geometric_mean - out.loss_weight_scaling
    out["se_gap_loss"] = out.test_loss_paired_se_geometric_mean
    out["gap_loss_mc_average"] = out.loss_mc_average - out.loss_weight_scaling
    out["diverged"] = out.loss_weight_scaling.isna()
    return out.reindex(columns=MC_COLUMNS)


def trained(mc: pd.DataFrame) -> pd.DataFrame:
    return mc[~mc.diverged]


def diverged_runs(mc: pd.DataFrame) -> int:
    return int(mc[mc.diverged].run_id.nunique())


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def enumerate_masks(cfg: ExactCheck) -> pd.DataFrame:
    """Every mask of a 2-layer net (inputs -> hidden -> outputs, dropout on inputs and hidden
    units, classic form: masked units unscaled), for a linear and a ReLU hidden layer; for
    the linear net also the normalised geometric mean of the masks' softmaxes against the
    weight-scaled net's softmax. Rows: net, test point, output unit, probability-weighted
    mask average (or geometric mean), the weight-scaled net's value, their absolute difference."""
    rng = np.random.default_rng(cfg.seed)
    n_in, n_hidden, n_out = cfg.inputs, cfg.hidden, cfg.outputs
    w1, b1 = rng.normal(size=(n_in, n_hidden)), rng.normal(size=n_hidden)
    w2, b2 = rng.normal(size=(n_hidden, n_out)), rng.normal(size=n_out)
    x = rng.normal(size=(cfg.points, n_in))
    keep_in, keep_hidden = 1 - cfg.p_input, 1 - cfg.p_hidden
    compared = []
    for net, act in ((LINEAR, lambda z: z), (RELU, lambda z: np.maximum(z, 0.0))):
        average, log_mean = np.zeros((len(x), n_out)), np.zeros((len(x), n_out))
        for bits in itertools.product((0.0, 1.0), repeat=n_in + n_hidden):
            m = np.array(bits)
            m_in, m_hidden = m[:n_in], m[n_in:]
            prob = np.prod(np.where(m_in == 1, keep_in, 1 - keep_in)) * np.prod(
                np.where(m_hidden == 1, keep_hidden, 1 - keep_hidden))
            out = (act((x * m_in) @ w1 + b1) * m_hidden) @ w2 + b2
            average += prob * out
            log_mean += prob * _log_softmax(out)
        scaled = act(x @ (keep_in * w1) + b1) @ (keep_hidden * w2) + b2
        compared.append((net, average, scaled))
        if net == LINEAR:
            compared.append((GEOMETRIC, _softmax(log_mean), _softmax(scaled)))
    rows = [{"net": net, "point": point, "output": output, "mask_average": average[point, output],
             "weight_scaled": scaled[point, output], "error": abs(average[point, output] - scaled[point, output])}
            for net, average, scaled in compared for point, output in itertools.product(range(len(x)), range(n_out))]
    return pd.DataFrame(rows, columns=NET_COLUMNS)


def evidence(tables: dict, settings: Settings) -> Evidence:
    return {"monte_carlo": monte_carlo(tables["dropout_eval"]), "enumeration": enumerate_masks(settings.exact_check),
            SIZES: tables["datasets"]}


def margins(settings: Settings, n_test: int) -> dict[str, float]:
    """Each margin's setting -> the margin at `n_test` test examples (stated at REFERENCE_SIZE)."""
    return {field: at_size(getattr(settings, field), n_test, REFERENCE_SIZE)
            for field in ("accuracy_margin", "loss_margin")}


def _largest_k(mc: pd.DataFrame) -> pd.DataFrame:
    return mc[mc.k == mc.k.max()] if len(mc) else mc


def _masks(last: pd.DataFrame) -> str:
    return f"{int(last.k.max())}-mask" if len(last) else "k-mask"


# per judged part: its column of monte_carlo, the average it reads, the unit and range, its
# margin's setting, and what a positive and a negative difference mean
JUDGED = {ACCURACY: ("accuracy", "arithmetic mean", "fraction", ACCURACY_DIFFERENCE, "accuracy_margin",
                     ("the {k} average is more accurate than weight scaling",
                      "the {k} average is less accurate than weight scaling")),
          LOSS: ("loss", "normalised geometric mean", "nats", None, "loss_margin",
                 ("the {k} geometric mean's test loss is higher than weight scaling's",
                  "the {k} geometric mean's test loss is lower than weight scaling's"))}


def gap_parts(mc: pd.DataFrame, settings: Settings, n_test: int) -> list:
    """The two equivalence parts at the largest k, one difference per seed (claims.paired),
    each against its margin at `n_test` test examples."""
    last = _largest_k(trained(mc))
    per_seed = last.groupby("seed")[["gap_accuracy", "se_gap_accuracy", "gap_loss", "se_gap_loss"]].mean()
    k = _masks(last)
    out = []
    at_n = margins(settings, n_test)
    for name, (metric, average, unit, bounds, margin_field, (positive, negative)) in JUDGED.items():
        margin = at_n[margin_field]
        read = scaled_words(margin, getattr(settings, margin_field), n_test)
        out.append(equivalence(per_seed[f"gap_{metric}"], float(per_seed[f"se_gap_{metric}"].mean()), margin,
                               f"{name}, {k} {average} − weight scaling ({unit}; seeds and paired test SE), "
                               f"margin ±{margin:.3g} ({read})", Sides(positive.format(k=k), negative.format(k=k)),
                               name=name, bounds=bounds))
    return out


def _confidence_word(low: float, high: float) -> str:
    if low > 0:
        return "over-confident"
    if high < 0:
        return "under-confident"
    return "calibrated within the seeds' noise"


def calibration(mc: pd.DataFrame) -> str:
    """Per predictor at the largest k: mean top probability beside accuracy over seeds, and
    whether it is over- or under-confident (the interval of their difference; not judged)."""
    last = _largest_k(trained(mc))
    if last.empty:
        return "calibration: no runs"
    words = []
    for p, name in PREDICTORS.items():
        per_seed = last.groupby("seed")[[f"top_{p}", f"acc_{p}"]].mean()
        _, low, high, _ = t_interval(per_seed[f"top_{p}"] - per_seed[f"acc_{p}"])
        words.append(f"{name} {per_seed[f'top_{p}'].mean():.3f} at {per_seed[f'acc_{p}'].mean():.3f} "
                     f"({_confidence_word(low, high)})")
    return f"calibration, {_masks(last)}, mean top probability at accuracy (not judged): " + ", ".join(words)


def arithmetic_loss(mc: pd.DataFrame) -> str:
    """The arithmetic mean's test loss against weight scaling's: reported, not judged."""
    last = _largest_k(trained(mc))
    mean, low, high, n = t_interval(last.groupby("seed").gap_loss_mc_average.mean())
    if n == 0:
        return "arithmetic mean's test loss: no runs"
    return (f"test loss, {_masks(last)} arithmetic mean − weight scaling (nats, not judged): "
            f"{interval(mean, low, high)}")


def convergence(mc: pd.DataFrame) -> str:
    """How much the mask averages still move between the two largest k (not judged)."""
    mc = trained(mc)
    ks = sorted(mc.k.unique())
    if len(ks) < 2:
        return "one k only: convergence not shown"
    curve = mc.groupby("k")[["loss_mc_average", "acc_mc_average", "loss_geometric_mean"]].mean()
    step = curve.loc[ks[-1]] - curve.loc[ks[-2]]
    return (f"mask averages from k = {int(ks[-2])} to {int(ks[-1])}: arithmetic test loss "
            f"{step.loss_mc_average:+.4f} nats, accuracy {step.acc_mc_average:+.4f}; geometric test loss "
            f"{step.loss_geometric_mean:+.4f} nats")


def exact_part(nets: pd.DataFrame, cfg: ExactCheck):
    exact_nets = nets[nets.net.isin([LINEAR, GEOMETRIC])]
    return exact(exact_nets.error, cfg.tolerance, "max |mask average - weight-scaled output|, linear net (logits; "
                 "softmax probabilities of the geometric mean)",
                 detail=f"all 2^{cfg.inputs + cfg.hidden} masks, {cfg.points} inputs", name=EXACT)


def rule(ev: Evidence, settings: Settings):
    """The claim's parts in one (width, hidden rate); the enumeration is the same in each."""
    mc = ev["monte_carlo"]
    accuracy, loss = gap_parts(mc, settings, judged_test_size(ev[SIZES]))
    combined = all_of(accuracy, loss, exact_part(ev["enumeration"], settings.exact_check))
    notes = [f"{p.name}: {p.detail}" for p in (accuracy, loss) if p.detail]
    left_out = f"{count(diverged_runs(mc), 'diverged run')} left out"
    return replace(combined, detail="; ".join([combined.detail, *notes, calibration(mc), arithmetic_loss(mc),
                                               convergence(mc), left_out]))


# every (width, hidden rate) of the sweep on its own
GRIDS = (Grid("monte_carlo", (Axis("width", int), Axis("dropout_hidden", float))),)


def _label(width, rate) -> str:
    return f"p = {rate:g}" if width < 0 else f"width {int(width)}, p = {rate:g}"


def _curve_panels(gap_loss, gap_acc, mc: pd.DataFrame, at_n: dict, order: list, colors: dict) -> None:
    """Signed differences to the weight-scaled net against k: test loss of both averages
    (the geometric one judged), test accuracy of the arithmetic one (judged); one color per
    (width, rate), bands = the seeds' t-interval, grey = the margin (`at_n`: margins())."""
    for ax, half, lines in ((gap_loss, at_n["loss_margin"], (("gap_loss", "-", "o"),
                                                             ("gap_loss_mc_average", "--", "X"))),
                            (gap_acc, at_n["accuracy_margin"], (("gap_accuracy", "-", "o"),))):
        ax.axhspan(-half, half, color="0.85", zorder=0)
        ax.axhline(0, color="k", lw=0.8)
        for y, dashes, marker in lines:
            sns.lineplot(data=mc, x="k", y=y, hue="condition", hue_order=order, palette=colors, marker=marker,
                         linestyle=dashes, errorbar=figures.seed_interval, ax=ax, legend=False)
        ks = sorted(mc.k.unique())
        ax.set_xscale("log", base=2)
        ax.set_xticks(ks, [str(int(k)) for k in ks])
        ax.set_xlabel("k, masks averaged (log scale)")
    gap_loss.set(ylabel="k-mask mean − weight-scaled\n(test loss, nats)",
                 title=f"test loss: geometric mean (solid, judged), arithmetic (dashed)\n"
                       f"(grey: margin ±{at_n['loss_margin']:.3g})")
    gap_acc.set(ylabel="arithmetic mean − weight-scaled\n(test accuracy, fraction)",
                title=f"test accuracy: arithmetic mean, the averaged answer\n"
                      f"(judged; grey: margin ±{at_n['accuracy_margin']:.3g})")


def _calibration_panel(ax, mc: pd.DataFrame, order: list) -> None:
    """At the largest k, per condition and predictor: mean top probability minus accuracy."""
    last = _largest_k(mc)
    long = pd.concat([last.assign(predictor=name, excess=last[f"top_{p}"] - last[f"acc_{p}"])
                      for p, name in PREDICTORS.items()], ignore_index=True)
    sns.barplot(data=long, x="condition", y="excess", hue="predictor", order=order,
                hue_order=list(PREDICTORS.values()), errorbar=figures.seed_interval, ax=ax)
    ax.axhline(0, color="k", lw=0.8)
    ax.tick_params(axis="x", labelrotation=20)
    ax.set(xlabel="", ylabel="mean top probability − accuracy\n(> 0 over-, < 0 under-confident)",
           title=f"calibration at k = {int(last.k.max())} (reported, not judged)")
    ax.legend(**figures.below(ax, title="predictor", ncol=3, fontsize=9, title_fontsize=9))  # off the bars


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    fig, axes = plt.subplots(2, 2, figsize=(12, 11))
    mc = trained(ev["monte_carlo"])
    if len(mc):
        mc = mc.assign(condition=[_label(w, p) for w, p in zip(mc.width, mc.dropout_hidden)])
        order = [_label(w, p) for w, p in mc[["width", "dropout_hidden"]].drop_duplicates()
                 .sort_values(["width", "dropout_hidden"]).itertuples(index=False)]
        colors = dict(zip(order, sns.color_palette(figures.PALETTE, len(order))))
        _curve_panels(axes[0, 0], axes[0, 1], mc, margins(settings, judged_test_size(ev[SIZES])), order, colors)
        _calibration_panel(axes[1, 0], mc, order)
        handles = [plt.Line2D([], [], color=colors[c], marker="o", label=c) for c in order]
        fig.legend(handles=handles, title=f"hidden dropout ({figures.n_label(mc, ['condition'])}; bands: 95% "
                                          f"t-interval over seeds)", fontsize=9, title_fontsize=9,
                   loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3)
    else:
        for ax in (axes[0, 0], axes[0, 1], axes[1, 0]):
            ax.text(0.5, 0.5, "no dropout-trained runs in dropout_eval", ha="center", transform=ax.transAxes)
            ax.set(xlabel="k, masks averaged", ylabel="test metric")
    _enumeration_panel(axes[1, 1], ev["enumeration"], settings.exact_check)
    where = ", ".join(f"{k} {val:g}" for k, val in dict(settings.headline).items())
    # 11 pt: the rule's longest line fits the 12-in figure, read at 900 px
    fig.suptitle(figures.verdict_title(f"Dropout as an ensemble of weight-sharing sub-networks ({where})", v,
                                       parts=[(v.part(ACCURACY), None, "seeds"), (v.part(LOSS), None, "seeds"),
                                              (v.part(EXACT), None, "outputs")],
                                       note=f"{count(diverged_runs(ev['monte_carlo']), 'diverged run')} left out of "
                                            f"every panel"), fontsize=11)
    return fig


def _enumeration_panel(ax, nets: pd.DataFrame, cfg: ExactCheck) -> None:
    """The error of every (test point, output) on a log axis: a linear net (and its softmaxes'
    geometric mean) sits at rounding level, far below the tolerance; the ReLU net does not."""
    zero_at = cfg.tolerance * 1e-6  # an exact 0 has no place on a log axis: drawn here instead
    shown = nets.assign(error=np.maximum(nets.error.astype(float), zero_at))
    order = [LINEAR, GEOMETRIC, RELU]
    sns.stripplot(data=shown, x="net", y="error", hue="net", order=order, size=6, jitter=0.15, legend=False, ax=ax)
    ax.set_xticks(range(len(order)), [textwrap.fill(net, 18) for net in order])  # three names side by side
    ax.axhline(cfg.tolerance, color="k", ls="--", lw=1)
    ax.text(0.5, cfg.tolerance, f" tolerance {cfg.tolerance:g}", va="bottom", fontsize=9)
    ax.set_yscale("log")
    ax.set_ylim(zero_at / 10, 10)
    zeros = f", exact 0 drawn at {zero_at:.0e}" if (nets.error == 0).any() else ""
    ax.set(xlabel="net (hidden layer)",
           ylabel=f"|mask average − weight-scaled output|\n(logits; probabilities for the geometric mean;\n"
                  f"log scale{zeros})")
    n_masks = 2 ** (cfg.inputs + cfg.hidden)
    ax.set_title(f"All {n_masks} masks enumerated: {cfg.inputs} inputs (p {cfg.p_input:g}), "
                 f"{cfg.hidden} hidden units (p {cfg.p_hidden:g}),\n"
                 f"{cfg.points} test points × {cfg.outputs} outputs", fontsize=10)


CLAIM = declare(
    __name__,
    title="Dropout trains an ensemble of sub-networks that share weights; weight scaling approximates "
          "averaging them, exactly for a linear network.",
    source="Srivastava et al., 'Dropout', JMLR 15 (2014), sec. 4 (model averaging) and sec. 7.5 "
           "(Monte-Carlo model averaging vs weight scaling); Hinton et al., arXiv:1207.0580 (2012) (the "
           "geometric mean); Baldi & Sadowski, 'Understanding Dropout', NIPS (2013), sec. 3 (exact for linear "
           "networks)",
    figure_text="Top: the signed difference to the weight-scaled net against k, the number of random dropout masks "
                "averaged (log scale), one color per width and hidden dropout rate, the grey band the margin: left, "
                "test loss of the masks' normalised geometric mean (solid, judged) and of their arithmetic mean "
                "(dashed, reported); right, test accuracy of the arithmetic mean (judged). Bottom left: at the "
                "largest k, each predictor's mean top probability minus its accuracy (above 0 over-confident, "
                "below under-confident). Bands and bars are 95% Student-t intervals over seeds; diverged runs are "
                "left out. Bottom right: every mask of a tiny net enumerated; the difference between the "
                "probability-weighted average (and the softmaxes' geometric mean) and the weight-scaled net, log "
                "scale -- at rounding level for the linear net (the exact part of the claim), not through a ReLU.",
    tables=("dropout_eval", "datasets"),
    category=TEST,
    reads=lambda s: dropout_eval_reads(s.headline),
)
