"""adam-is-rmsprop-plus-momentum: Adam combines RMSProp's scaling with momentum.

Evidence, table `exact`: RMSProp with momentum plus bias correction, written out by hand,

    m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
    p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps),

steps a small MLP beside torch.optim.Adam from the same start on the same data (float64);
the statistic is the largest parameter difference over all steps. Controls that are *not*
Adam run the same check, so the figure shows that it can tell them apart and what each
ingredient changes: without bias correction; RMSProp without momentum; momentum applied
AFTER the RMSProp scaling (buf = b1 buf + (1 - b1) g / (sqrt(v) + eps), RMSProp's order)
with bias correction; and the library's own `torch.optim.RMSprop(momentum=b1, alpha=b2)`
at lr * (1 - b1) (its momentum buffer sums g / (sqrt(v) + eps) without the (1 - b1) factor),
which differs from Adam in both the order of momentum and the bias correction.

Context, not verdict (table `grid`): where Adam ranks in the grid by final test accuracy.
That rank depends on each optimizer's learning rate, which the grid tunes per (activation,
optimizer) on a coarse log grid (tuning.csv); a rate at the edge of that grid means the
tuning may have cut an optimizer short, so the evidence reports the tuned rates beside it.
"""

from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import Field

from ..io import missing
from ..verdicts import exact
from . import TRAINING, declare
from .evidence import Evidence
from .nets import SmallNet
from .select import optimizer_seed_means
from .settings import ClaimSettings, setting
from ..lazy import figures, plt, sns, torch

ID = "adam-is-rmsprop-plus-momentum"
MAIN = "RMSProp + momentum + bias correction"
TORCH_RMSPROP = "torch RMSprop(momentum), lr·(1−b1)"
# variant -> (uses momentum, uses bias correction, momentum applied after the scaling)
VARIANTS = {
    MAIN: (True, True, False),
    "RMSProp + momentum, no bias correction": (True, False, False),
    "RMSProp alone (no momentum)": (False, True, False),
    "momentum after scaling (RMSProp's order) + bias correction": (True, True, True),
}
Beta = Annotated[float, Field(ge=0, lt=1)]


class Problem(SmallNet):
    """The small MLP classifier and its random data, all fixed by the seed."""

    samples: int = setting(64, "random samples, one batch", ge=1)
    features: int = setting(10, "input features", ge=1)
    width: int = setting(16, "tanh units of the one hidden layer", ge=1)


class Settings(ClaimSettings):
    study: str = setting("grid", "runs.csv study in which Adam's rank is reported (context, not verdict)")
    lr: float = setting(0.01, "learning rate of both updates", gt=0)
    betas: tuple[Beta, Beta] = setting((0.9, 0.999), "Adam's (b1, b2), Kingma & Ba's defaults")
    steps: int = setting(200, "compared steps: at least 100, long enough for bias correction to fade", ge=100)
    tolerance: float = setting(1e-10, "claim: max |parameter difference| <= this; float64 rounding gives ~1e-15",
                               gt=0)
    problem: Problem = setting(Problem(), "the small MLP and its random data")


class HandAdam:
    """The update above, nothing borrowed from torch.optim."""

    def __init__(self, params, lr, betas, eps, momentum=True, bias_correction=True, after_scaling=False):
        self.params, self.lr, self.eps = list(params), lr, eps
        self.b1, self.b2 = betas
        self.momentum, self.bias_correction, self.after_scaling = momentum, bias_correction, after_scaling
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.t = 0

    def step(self):
        self.t += 1
        b1 = self.b1 if self.momentum else 0.0
        c1 = 1 - b1**self.t if self.bias_correction else 1.0
        c2 = 1 - self.b2**self.t if self.bias_correction else 1.0
        with torch.no_grad():
            for p, m, v in zip(self.params, self.m, self.v):
                v.mul_(self.b2).add_((1 - self.b2) * p.grad**2)
                if self.after_scaling:  # m averages already-scaled gradients, each with its own v
                    m.mul_(b1).add_((1 - b1) * p.grad / ((v / c2).sqrt() + self.eps))
                    p.sub_(self.lr * m / c1)
                else:
                    m.mul_(b1).add_((1 - b1) * p.grad)
                    p.sub_(self.lr * (m / c1) / ((v / c2).sqrt() + self.eps))


def _problem(p: Problem):
    """(model factory, x, y): a small MLP classifier on random data, all fixed by the seed."""
    gen = torch.Generator().manual_seed(p.seed)
    x = torch.randn(p.samples, p.features, generator=gen, dtype=torch.float64)
    y = torch.randint(0, p.classes, (p.samples,), generator=gen)

    def model():
        torch.manual_seed(p.seed)
        return torch.nn.Sequential(
            torch.nn.Linear(p.features, p.width), torch.nn.Tanh(), torch.nn.Linear(p.width, p.classes)
        ).double()

    return model, x, y


def step_differences(settings: Settings, momentum: bool, bias_correction: bool, after_scaling: bool = False,
                     other=None) -> np.ndarray:
    """Max |parameter difference| between torch's Adam and the hand update (or `other`, a
    function (params, Adam's param group) -> optimizer), after each step."""
    make, x, y = _problem(settings.problem)
    ref, hand = make(), make()
    opt_ref = torch.optim.Adam(ref.parameters(), lr=settings.lr, betas=settings.betas)
    group = opt_ref.param_groups[0]  # torch's own eps, so the comparison is like for like
    opt_hand = (other(hand.parameters(), group) if other is not None else
                HandAdam(hand.parameters(), group["lr"], group["betas"], group["eps"], momentum, bias_correction,
                         after_scaling))
    diffs = []
    for _ in range(settings.steps):
        for net, opt in ((ref, opt_ref), (hand, opt_hand)):
            for p in net.parameters():
                p.grad = None
            torch.nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
        with torch.no_grad():
            diffs.append(max(float((a - b).abs().max()) for a, b in zip(ref.parameters(), hand.parameters())))
    return np.array(diffs)


def grid_ranking(runs: pd.DataFrame, tuning: pd.DataFrame, study: str) -> pd.DataFrame:
    """Per optimizer: mean final test accuracy, its rank (1 = best), seeds, runs, tuned rates."""
    seeds = optimizer_seed_means(runs, study)
    out = seeds.groupby("optimizer", as_index=False).agg(
        test_accuracy=("test_accuracy", "mean"), seeds=("seed", "nunique"), runs=("runs", "sum"),
        diverged=("diverged", "sum"))
    out["rank"] = out.test_accuracy.rank(ascending=False, method="min")
    chosen = tuning[tuning.chosen.astype(bool)]
    edges = tuning.groupby("job").lr.agg(["min", "max"])
    chosen = chosen.join(edges, on="job")
    chosen = chosen.assign(at_edge=(chosen.lr == chosen["min"]) | (chosen.lr == chosen["max"]))
    rates = chosen.groupby("optimizer").agg(tuned_lr_min=("lr", "min"), tuned_lr_max=("lr", "max"),
                                            tuned_at_grid_edge=("at_edge", "sum"))
    return out.join(rates, on="optimizer").sort_values("rank")


def torch_rmsprop(params, group):
    """The library's RMSProp with momentum at Adam's betas and eps; lr * (1 - b1) matches the
    size of its steady-state step to Adam's (its buffer sums gradients without (1 - b1))."""
    b1, b2 = group["betas"]
    return torch.optim.RMSprop(params, lr=group["lr"] * (1 - b1), alpha=b2, eps=group["eps"], momentum=b1)


def evidence(tables: dict, settings: Settings) -> Evidence:
    runs = {variant: step_differences(settings, *flags) for variant, flags in VARIANTS.items()}
    runs[TORCH_RMSPROP] = step_differences(settings, True, False, other=torch_rmsprop)
    steps = pd.concat([pd.DataFrame({"variant": variant, "step": np.arange(1, len(diffs) + 1), "max_abs_diff": diffs})
                       for variant, diffs in runs.items()], ignore_index=True)
    return {"exact": steps, "grid": grid_ranking(tables["runs"], tables["tuning"], settings.study)}


def rule(ev: Evidence, settings: Settings):
    main = ev["exact"][ev["exact"].variant == MAIN]
    ranking = ev["grid"]
    adam = ranking[ranking.optimizer == "adam"]
    rank = (f"Adam ranks {int(adam['rank'].iloc[0])} of {len(ranking)} in the grid" if len(adam)
            else "no Adam runs in the grid")
    return exact(main.max_abs_diff, settings.tolerance,
                 "max |parameter difference|, hand-written RMSProp + momentum + bias correction vs torch Adam",
                 detail=f"{len(main)} steps; {rank} (context, depends on the tuned learning rates)")


def _rate_label(row) -> str:
    """'lr 0.01', 'lr 0.001–0.01' over activations, '*' where a tuned rate sits at the edge of its grid."""
    if missing(row.tuned_lr_min):
        return "lr not in tuning.csv"
    low, high = row.tuned_lr_min, row.tuned_lr_max
    rates = f"{low:g}" if low == high else f"{low:g}–{high:g}"
    return f"lr {rates}" + ("*" if row.tuned_at_grid_edge > 0 else "")


def figure(tables: dict, ev: Evidence, v, settings: Settings):
    fig, (left, right) = plt.subplots(2, 1, figsize=(11, 11), gridspec_kw={"height_ratios": [1.3, 1]})
    steps = ev["exact"].copy()
    # a log axis cannot show an exact 0: draw it just below the smallest non-zero difference
    positive = steps.max_abs_diff[steps.max_abs_diff > 0]
    zero_at = float(positive.min()) / 2 if len(positive) else settings.tolerance / 1e6
    steps["shown"] = steps.max_abs_diff.clip(lower=zero_at)
    sns.lineplot(data=steps, x="step", y="shown", hue="variant", hue_order=[*VARIANTS, TORCH_RMSPROP], ax=left)
    left.axhline(settings.tolerance, color="k", ls="--", lw=1, label=f"tolerance {settings.tolerance:g}")
    left.set_yscale("log")
    zeros = f" (exact 0 drawn at {zero_at:.0e})" if (steps.max_abs_diff == 0).any() else ""
    left.legend(title="update compared with torch.optim.Adam" + zeros, fontsize=9, title_fontsize=9,
                loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    left.set(xlabel="update step (count)", ylabel="max |θ_hand − θ_Adam| (parameter units)",
             title=f"Same MLP, same data, torch.optim.Adam vs each update (float64, lr {settings.lr:g})")

    seeds = optimizer_seed_means(tables["runs"], settings.study)
    ranking = ev["grid"]
    if len(seeds):
        order = list(ranking.optimizer)
        palette = {o: ("C3" if o == "adam" else "C7") for o in order}
        sns.barplot(data=seeds, x="optimizer", y="test_accuracy", order=order, hue="optimizer", palette=palette,
                    errorbar=figures.seed_interval, legend=False, ax=right)
        right.set_xticks(range(len(order)), [f"{r.optimizer}\n#{int(r.rank)}\n{_rate_label(r)}"
                                             for r in ranking.itertuples()])
        right.set_title(f"grid: mean over cells within a seed, bars ranked (95% t-interval over seeds, "
                        f"{figures.n_label(seeds, ['optimizer'])}; diverged runs left out: "
                        f"{int(seeds.diverged.sum())})")
    else:
        right.text(0.5, 0.5, "no grid runs in runs.csv", ha="center", va="center", transform=right.transAxes)
    right.set(xlabel="optimizer (rank; tuned lr, * = at the edge of the tuning grid)",
              ylabel="final test accuracy (fraction)")
    # 11 pt: the rule's longest line fits the 12-in figure, read at 900 px
    fig.suptitle(figures.verdict_title("Adam = RMSProp + momentum + bias correction", v, unit="steps"), fontsize=11)
    return fig


CLAIM = declare(
    __name__,
    title="Adam combines RMSProp's scaling with momentum.",
    source="Kingma & Ba, 'Adam: A Method for Stochastic Optimization' (ICLR 2015), sec. 2 (Algorithm 1) and "
           "sec. 5 (relation to RMSProp with momentum); Tieleman & Hinton (2012), Coursera lecture 6e",
    figure_text="Top: after each update step, the largest difference between the parameters of torch.optim.Adam "
                "and of another update: hand-written RMSProp + momentum + bias correction (the claim), and controls "
                "that are not Adam -- without bias correction, without momentum, with momentum applied after the "
                "RMSProp scaling, and torch.optim.RMSprop(momentum) itself; the dashed line is the tolerance. "
                "Bottom: mean final test accuracy "
                "of each optimizer over the grid, ranked, with 95% Student-t intervals over seeds and each optimizer's "
                "tuned learning rates -- the rank depends on that tuning.",
    tables=("runs", "tuning"),
    category=TRAINING,
    reads=lambda settings: (),  # an exact check: the grid's rank is context, not verdict
)
