"""l2-shrinks and l1-subtracts: the SGD update rules of the two weight penalties, checked on
the pipeline's own training code.

With the pipeline's penalties (l1 * sum|w| and 0.5 * l2 * sum w^2 on weight matrices only,
their gradients added by dltips.penalties.Penalties.add_gradients) one SGD step with
learning rate lr should be
    L2:  w <- (1 - lr * l2) * w - lr * dL/dw      (every weight shrunk by the same factor)
    L1:  w <- w - lr * l1 * sgn(w) - lr * dL/dw   (a fixed amount subtracted towards 0)
where L is the data loss alone. The check builds the pipeline's Trainer with optimizer "sgd"
on a small random data set whose whole training split is one batch, computes dL/dw before
each step, lets Trainer.train_epoch take the step, and compares every weight afterwards with
the formula. The statistic is the largest error over all steps, weights and learning rates;
the figure shows the penalty's share of the update against the weight it acted on.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import Field

from ..data import SPLITS, Dataset
from ..regularizers import Regularization
from ..verdicts import exact
from . import TEST, Claim, register
from .evidence import Evidence
from .nets import SmallNet
from .settings import ClaimSettings, setting
from ..lazy import F, figures, plt, sns, ticker, torch, training

PENALTIES = {
    "l2": {"id": "l2-shrinks", "rule": "w ← (1 − η·λ)·w − η·∂L/∂w", "name": "L2"},
    "l1": {"id": "l1-subtracts", "rule": "w ← w − η·λ·sgn(w) − η·∂L/∂w", "name": "L1"},
}


class Problem(SmallNet):
    """The small net and its random data set; the whole training split is one batch."""

    samples: int = setting(32, "samples per split, all in one batch: one train_epoch is one update", ge=1)
    depth: int = setting(1, "hidden layers, as model.depth", ge=1)
    activation: str = setting("relu", "the rule does not depend on it; a Maxout net gets 2 pieces",
                              registry="activation")


class PenaltyRule(ClaimSettings):
    """One SGD update rule checked on the pipeline's Trainer; each penalty its own strength."""

    lrs: list[Annotated[float, Field(gt=0)]] = setting([0.1, 0.5], "learning rates checked side by side in one "
                                                                  "stack", min_length=1)
    steps: int = setting(5, "SGD steps of the pipeline's Trainer", ge=1)
    tolerance: float = setting(1e-6, "claim: max |w_after - formula| <= this; float32 rounding is ~2e-8", gt=0)
    problem: Problem = setting(Problem(), "the small net and its random data, one batch")


class L2Settings(PenaltyRule):
    strength: float = setting(0.1, "L2 strength λ: large, so the factor 1 - lr*λ is far from 1", gt=0)


class L1Settings(PenaltyRule):
    strength: float = setting(0.01, "L1 strength λ: η·λ (1e-3, 5e-3) far above float32 rounding", gt=0)


def _dataset(p: dict) -> Dataset:
    """Random data of a problem given as a mapping (Problem.model_dump(); tests build one directly)."""
    rng = np.random.default_rng(p["seed"])
    x = {s: rng.normal(size=(p["samples"], p["features"])).astype(np.float32) for s in SPLITS}
    y = {s: rng.integers(0, p["classes"], p["samples"]).astype(np.int64) for s in SPLITS}
    return Dataset(x=x, y=y)


def predicted_penalty_step(w: torch.Tensor, lr: float, strength: float, penalty: str) -> torch.Tensor:
    """What the notes say the penalty adds to one SGD update of w."""
    return -lr * strength * (w if penalty == "l2" else torch.sign(w))


def build_trainer(settings: PenaltyRule, penalty: str) -> training.Trainer:
    p = settings.problem
    data = _dataset(p.model_dump())
    reg = Regularization(**{penalty: settings.strength})
    # the whole training split is one batch: one train_epoch is exactly one update
    # the rule checked does not depend on the activation; a Maxout problem gets the smallest Maxout
    model = {"depth": p.depth, "width": p.width, "maxout_pieces": 2}
    cfg = training.StackConfig(activation=p.activation, optimizer="sgd", model=model, epochs=settings.steps,
                               batch_size=p.samples)
    return training.Trainer(cfg, [training.Member(seed=p.seed, lr=lr, reg=reg) for lr in settings.lrs], data)


def step_errors(settings: PenaltyRule, penalty: str) -> pd.DataFrame:
    """One row per (learning rate, step, layer, weight): the update split into its data part
    and its penalty part, and the error of the formula."""
    trainer = build_trainer(settings, penalty)
    x, y = trainer.x["train"], trainer.y["train"]
    rows = []
    for step in range(1, settings.steps + 1):
        trainer.model.train()
        logits = trainer.model(x)
        data_loss = sum(F.cross_entropy(logits[k], y) for k in range(len(trainer.members)))
        grads = torch.autograd.grad(data_loss, list(trainer.model.weights))
        before = [w.detach().clone() for w in trainer.model.weights]
        trainer.train_epoch()
        for layer, (w0, w1, g) in enumerate(zip(before, trainer.model.weights, grads), start=1):
            for k, lr in enumerate(settings.lrs):
                w0k, w1k, gk = w0[k].double(), w1[k].detach().double(), g[k].double()
                data_part = -lr * gk
                predicted = predicted_penalty_step(w0k, lr, settings.strength, penalty)
                observed = w1k - w0k - data_part
                rows.append(pd.DataFrame({
                    "lr": lr, "step": step, "layer": layer, "w_before": w0k.flatten().numpy(),
                    "w_after": w1k.flatten().numpy(), "data_part": data_part.flatten().numpy(),
                    "penalty_part": observed.flatten().numpy(), "predicted_penalty_part": predicted.flatten().numpy(),
                    "error": (observed - predicted).flatten().numpy()}))
    return pd.concat(rows, ignore_index=True)


def evidence(settings: PenaltyRule, penalty: str) -> Evidence:
    return {"errors": step_errors(settings, penalty)}


def rule(evidence: Evidence, settings: PenaltyRule, penalty: str):
    ev, info = evidence["errors"], PENALTIES[penalty]
    return exact(ev.error, settings.tolerance,
                 f"max |w_after − formula| over steps and weights, {info['name']} rule {info['rule']}",
                 detail=f"{ev.step.nunique()} SGD steps of dltips.trainer.Trainer, learning rates "
                        f"{sorted(ev.lr.unique().tolist())}, strength {settings.strength:g}; largest penalty "
                        f"part {ev.penalty_part.abs().max():.3g}")


def figure(evidence: Evidence, v, settings: PenaltyRule, penalty: str):
    ev, info = evidence["errors"], PENALTIES[penalty]
    # two rows, each panel the full width with its legend right of the data
    fig, (left, right) = plt.subplots(2, 1, figsize=(figures.WIDTH, 9.5), layout="constrained")
    ev = ev.assign(**{"learning rate": ev.lr.map(lambda lr: f"η = {lr:g}")})
    sns.scatterplot(data=ev, x="w_before", y="penalty_part", hue="learning rate", s=14, alpha=0.6, ax=left)
    w = np.linspace(ev.w_before.min(), ev.w_before.max(), 401)
    for i, lr in enumerate(settings.lrs):
        line = predicted_penalty_step(torch.from_numpy(w), lr, settings.strength, penalty).numpy()
        left.plot(w, line, color="k", lw=1, ls="--", label="formula" if i == 0 else None)
    left.legend(**figures.right_of(left, title="learning rate"))
    what = ("−η·λ·w, so w is multiplied by 1 − η·λ" if penalty == "l2"
            else "−η·λ·sgn(w), the same size for every w")
    left.set(xlabel="weight before the step (parameter units)",
             ylabel="penalty part of the update\nw_after − w_before + η·∂L/∂w (parameter units)",
             title=f"{info['name']}, λ = {settings.strength:g}: penalty part = {what}")

    per_step = ev.assign(abs_error=ev.error.abs(), abs_penalty=ev.penalty_part.abs()).groupby(
        ["learning rate", "step"], as_index=False)[["abs_error", "abs_penalty"]].max()
    long = per_step.melt(id_vars=["learning rate", "step"], value_vars=["abs_penalty", "abs_error"],
                         var_name="quantity")
    long["quantity"] = long.quantity.map({"abs_penalty": "largest |penalty part|",
                                          "abs_error": "largest |error of the formula|"})
    # an exact 0 cannot sit on a log axis: draw it at a floor below the tolerance, and say so
    floor = settings.tolerance / 100
    zeros = bool((long.value == 0).any())
    long["value"] = long.value.clip(lower=floor)
    sns.lineplot(data=long, x="step", y="value", hue="learning rate", style="quantity", markers=True, ax=right)
    right.axhline(settings.tolerance, color="k", lw=1, ls=":", label=f"tolerance {settings.tolerance:g}")
    right.set_yscale("log")
    right.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    right.legend(**figures.right_of(right, title=f"exact 0 drawn at {floor:g}" if zeros else None))
    right.set(xlabel="SGD step of the pipeline's Trainer (count)", ylabel="max over weights (parameter units)",
              title="Error of the formula against the size of the effect")
    fig.suptitle(figures.verdict_title(f"{info['name']} update rule {info['rule']}", v, unit="weight updates"),
                 fontsize=figures.TITLE_FONT)
    return fig


def _claim(penalty: str, settings_class: type[PenaltyRule], title: str, source: str, figure_text: str) -> Claim:
    return register(Claim(
        id=PENALTIES[penalty]["id"],
        reads=lambda settings: (),  # an exact check
        title=title,
        source=source,
        evidence=lambda tables, settings: evidence(settings, penalty),
        rule=lambda ev, settings: rule(ev, settings, penalty),
        figure=lambda tables, ev, v, settings: figure(ev, v, settings, penalty),
        figure_text=figure_text,
        settings=settings_class,
        tables=(),
        category=TEST,
    ))


L2 = _claim(
    "l2",
    L2Settings,
    "L2 regularization multiplies each weight by a factor slightly below 1 at every update (weight decay).",
    "Goodfellow, Bengio & Courville, Deep Learning (2016), sec. 7.1.1 (eq. 7.5); Krogh & Hertz, 'A Simple "
    "Weight Decay Can Improve Generalization' (NIPS 1991)",
    "Top: for every weight of a small net trained by the pipeline's own Trainer with SGD and an L2 penalty, "
    "the part of its update that is not the data gradient, against the weight before the step; the dashed "
    "lines are -lr*lambda*w, i.e. multiplication by (1 - lr*lambda). Bottom: per step, the largest error of that "
    "formula beside the largest penalty part, with the tolerance.",
)
L1 = _claim(
    "l1",
    L1Settings,
    "L1 regularization subtracts a fixed amount η·λ·sgn(w) at every update.",
    "Goodfellow, Bengio & Courville, Deep Learning (2016), sec. 7.1.2 (eq. 7.20); Tibshirani, 'Regression "
    "Shrinkage and Selection via the Lasso' (1996)",
    "Top: for every weight of a small net trained by the pipeline's own Trainer with SGD and an L1 penalty, "
    "the part of its update that is not the data gradient, against the weight before the step; the dashed "
    "steps are -lr*lambda*sgn(w), the same size for every weight. Bottom: per step, the largest error of that "
    "formula beside the largest penalty part, with the tolerance.",
)
