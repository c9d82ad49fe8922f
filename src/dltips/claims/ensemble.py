"""ensemble-reduces-variance: averaging many complex (low bias, high variance) models gives an
accurate result.

Evidence (table ensemble, sweep `ensemble`: K nets trained alike but for their seed): the
test accuracy of the average softmax of k of them, for random subsets of each size k.
Statistic, per single net: accuracy of the ensemble of all K (the largest k in the table)
minus that net's own accuracy -- its mean is "ensemble of all minus the mean single net",
and its interval says how sure we are that the ensemble beats a net picked at random.
The figure adds the spread between subsets of the same size: the variance the notes say
averaging removes.
"""

import pandas as pd

from ..verdicts import ACCURACY_DIFFERENCE, compare
from . import TEST, declare
from .evidence import Evidence
from .settings import ClaimSettings, setting
from ..lazy import figures, plt, sns

ID = "ensemble-reduces-variance"
COLUMNS = ["job", "member", "k_all", "single_accuracy", "ensemble_accuracy", "gain"]


class Settings(ClaimSettings):
    min_gain: float = setting(0.0, "claim: acc(average of all K nets) - acc(a single net), over the K singles, "
                                   "above this (fraction)")


def evidence(tables: dict, settings: Settings) -> Evidence:
    return {"gains": gains(tables["ensemble"])}


def gains(table: pd.DataFrame) -> pd.DataFrame:
    """Per single net: the ensemble of all K nets of its job beside that net's own accuracy."""
    if table.empty or "k" not in table:
        return pd.DataFrame(columns=COLUMNS)
    rows = []
    for job, group in table.groupby("job"):
        k_all = group.k.max()
        if k_all < 2:
            continue  # one net is no ensemble
        ensemble = group[group.k == k_all].test_accuracy.mean()  # one subset: all of them
        for _, single in group[group.k == 1].iterrows():
            rows.append({"job": job, "member": single.members, "k_all": k_all,
                         "single_accuracy": single.test_accuracy, "ensemble_accuracy": ensemble})
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["gain"] = out.ensemble_accuracy - out.single_accuracy
    return out


def rule(ev: Evidence, settings: Settings):
    """No conditions: the rule sees the whole evidence (every job of the sweep)."""
    ev = ev["gains"]
    k = f"{int(ev.k_all.max())} nets" if len(ev) else "all nets"
    return compare(ev.gain, settings.min_gain, ">",
                   f"test accuracy, average of {k} minus a single net (fraction)", bounds=ACCURACY_DIFFERENCE)


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    ev = ev["gains"]
    # two rows, each panel the full width with its legend under it (off the data)
    fig, (acc_ax, spread_ax) = plt.subplots(2, 1, figsize=(figures.WIDTH, 10), layout="constrained")
    table = tables["ensemble"]
    if len(ev):
        table = table[table.job.isin(ev.job)]
        k_all = int(table.k.max())
        sns.stripplot(data=table, x="k", y="test_accuracy", color="0.6", size=3.5, jitter=0.2, alpha=0.7,
                      native_scale=True, ax=acc_ax, label="one subset of k nets")
        # subsets of one pool share members, so no interval over them; the verdict's interval is over
        # single nets (seeds), drawn at k = 1
        sns.lineplot(data=table, x="k", y="test_accuracy", errorbar=None, marker="o",
                     color=sns.color_palette(figures.PALETTE)[0], ax=acc_ax, label="mean over subsets")
        single, low, high = ev.single_accuracy.mean(), *figures.seed_interval(ev.single_accuracy)
        acc_ax.errorbar([1], [single], yerr=[[single - low], [high - single]], fmt="none", ecolor="k", capsize=6,
                        lw=2, zorder=4, label=f"single nets: 95% t-interval over seeds (n = {len(ev)})")
        acc_ax.axhline(single, color="k", ls="--", lw=1, label=f"mean single net ({single:.3f})")
        acc_ax.axhspan(ev.single_accuracy.min(), ev.single_accuracy.max(), color="0.85", zorder=0,
                       label="range of single nets")
        acc_ax.set_xticks(sorted(table.k.unique()))
        acc_ax.set_title(f"average softmax of k of {k_all} independently trained nets "
                         f"(up to {table.groupby('k').draw.nunique().max()} random subsets per k)")

        sizes = table[table.k <= max(1, k_all // 2)]
        spread = sizes.groupby(["job", "k"]).test_accuracy.std().rename("spread").reset_index()
        sns.lineplot(data=spread, x="k", y="spread", marker="o", ax=spread_ax, errorbar=None, label="measured")
        first = spread[spread.k == 1].spread.mean()
        # a yardstick, not part of the claim: how the spread of a mean of k independent draws shrinks
        spread_ax.plot(spread.k, first / spread.k ** 0.5, color="k", ls=":", label="std(k=1) / √k (yardstick)")
        spread_ax.set_xticks(sorted(spread.k.unique()))
        spread_ax.set_ylim(bottom=0)
        spread_ax.set_title(f"spread between subsets of the same size, k ≤ {max(1, k_all // 2)}\n"
                            f"(larger subsets of one pool of {k_all} share most members)")
    else:
        acc_ax.text(0.5, 0.5, "no ensemble rows", ha="center", transform=acc_ax.transAxes)
    acc_ax.set(xlabel="k, nets averaged (count)", ylabel="test accuracy (fraction)")
    spread_ax.set(xlabel="k, nets averaged (count)", ylabel="std of test accuracy\nacross subsets (fraction)")
    if len(ev):
        handles, labels = acc_ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles))  # stripplot labels every point collection alike
        acc_ax.legend(unique.values(), unique.keys(), **figures.below(acc_ax, ncol=2))
        spread_ax.legend(**figures.below(spread_ax, ncol=2))
    fig.suptitle(figures.verdict_title("Ensembles of independently trained nets", v, unit="single nets"),
                 fontsize=figures.TITLE_FONT)
    return fig


CLAIM = declare(
    __name__,
    title="Averaging many complex (low bias, high variance) models gives an accurate result.",
    source="Hansen & Salamon, 'Neural Network Ensembles', IEEE TPAMI 12 (1990); Breiman, 'Bagging "
           "Predictors', Machine Learning 24 (1996), sec. 4; Lakshminarayanan et al., 'Simple and Scalable "
           "Predictive Uncertainty Estimation using Deep Ensembles', NIPS (2017), sec. 2.4",
    figure_text="Top: test accuracy of the average softmax of k nets that differ only in their seed, one grey "
                "dot per random subset, and the mean over subsets; the dashed line and grey band are the mean "
                "and range of the single nets, the black bar at k = 1 their 95% Student-t interval over seeds "
                "(the verdict's interval, shifted by the ensemble's accuracy). Bottom: the standard deviation of "
                "test accuracy between subsets of the same size.",
    tables=("ensemble",),
    category=TEST,
    reads=lambda settings: ({"derived": "ensemble"},),  # every net the ensemble table is built from
)
