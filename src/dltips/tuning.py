"""Choose a learning rate for every condition of a job, on the validation split (DeepOBS).

A job already fixes what moves the optimal rate between jobs (dataset, activation,
optimizer, depth, width); inside a job the runs still differ in initialization and
regularizer setting, and both move it too (He init at depth 10 diverges at rates default
init tolerates; a dropout net or a strong penalty wants another rate). So each distinct
(init, loss surface) of a job is a *condition* with its own rate. Early stopping leaves the
loss surface as it is: it shares the unregularized rate.

The search is cheap by design:
- every candidate of every condition trains side by side in one stack, recording only the
  validation split (no test evaluation, no layer statistics);
- successive halving: at each epoch of `halving.at` a condition keeps only the better part
  (`halving.keep`) of its candidates still training, ranked by best validation accuracy so
  far (mean over tuning seeds); the others leave the stack;
- a pick on the edge of the candidates tried is a failure of the grid, not a result: the
  grid extends by its own step beyond that edge, one step at a time, until the pick is
  interior or the next step would cross `bounds`; a pick still on an edge then is
  recorded as `edge`;
- a net "does not train" only when no candidate of the grid reaches chance accuracy plus
  `min_gain_over_chance` on the validation split (status `untrainable`);
- the pick is confirmed: it trains again on each of `confirm_seeds` for `confirm_epochs`
  (null: the whole tuning length); a rate that diverges on any of them is not picked (the
  next best is, and is confirmed in turn). One seed cannot tell a rate at the edge of
  stability from a good one, and such a rate mostly blows up in the first epochs (README:
  Protocol), so many seeds for a few epochs catch it for what one more full run costs; a
  rate that diverges late is caught on the search seed itself, which trains
  the whole length (a diverged candidate is never picked).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .contract import Job, RunSpec
from .regularizers import Regularization
from .regularizers import build as build_regularizer

INTERIOR, EDGE, UNTRAINABLE = "interior", "edge", "untrainable"
# fates of a confirmation run (a search candidate's fate is "kept", "halved at epoch n" or "diverged")
CONFIRMED, UNSTABLE = "confirmed", "diverged on a confirmation seed"


@dataclass(frozen=True)
class Condition:
    """What a run's rate depends on inside its job."""

    init: str
    surface: Regularization  # the run's regularization without stopping rules
    label: str  # the regularizer variant that names it ("none" for the unregularized surface)

    @property
    def key(self) -> str:
        return f"{self.label}/{self.init}"


def condition_of(run: RunSpec) -> Condition:
    reg = build_regularizer(run.regularizer, run.reg_params)
    surface = replace(reg, patience=None)
    label = "none" if surface == Regularization() else run.variant
    return Condition(run.init, surface, label)


def conditions_of(job: Job) -> dict[str, Condition]:
    """condition key -> condition, in the order the job's runs first name them."""
    out: dict[str, Condition] = {}
    for run in job.runs:
        c = condition_of(run)
        out.setdefault(c.key, c)
    return out


def beyond(lr: float, step: float, up: bool) -> float:
    """The next candidate past an edge, rounded to one significant figure so a half-decade
    grid extends as it reads (3 -> 9 -> 30, 1e-4 -> 3e-5)."""
    x = lr * step if up else lr / step
    return float(f"{x:.0e}")


def grid_step(grid: list[float]) -> float:
    """The ratio between neighbouring candidates (a log grid's constant step)."""
    values = sorted(grid)
    if len(values) < 2:
        return math.sqrt(10.0)
    return math.exp(sum(math.log(b / a) for a, b in zip(values, values[1:])) / (len(values) - 1))


class Halving:
    """A stopping policy (dltips.stopping): at the given epochs each condition keeps its best
    candidates, ranked by best validation accuracy so far (mean over the tuning seeds)."""

    def __init__(self, candidates: list[tuple[str, float]], at: list[int], keep: float):
        self.candidates = candidates  # member index -> (condition key, lr)
        self.at, self.keep = set(at), keep
        self.best_val_accuracy: dict[int, float] = {}  # member index -> so far
        self.fate: dict[int, str] = {}  # member index -> why it left the stack early

    def __call__(self, view) -> list[int]:
        """Positions to stop (a view: dltips.stopping.EpochView). Sees every epoch, epoch 0
        included, to keep each candidate's best accuracy."""
        for k, accuracy in zip(view.members_at, view.val_accuracy):
            self.best_val_accuracy[k] = max(self.best_val_accuracy.get(k, accuracy), accuracy)
        if view.epoch not in self.at:
            return []
        alive: dict[str, dict[float, list[int]]] = {}  # condition -> lr -> stack positions
        for pos, k in view.training():
            key, lr = self.candidates[k]
            alive.setdefault(key, {}).setdefault(lr, []).append(pos)
        stops = []
        for key, by_lr in alive.items():
            score = {lr: sum(self.best_val_accuracy[view.members_at[p]] for p in ps) / len(ps)
                     for lr, ps in by_lr.items()}
            n_keep = max(1, math.ceil(self.keep * len(score)))
            # best score first; among equals the smaller rate, as the final pick does
            ranked = sorted(score, key=lambda lr: (-score[lr], lr))
            for lr in ranked[n_keep:]:
                for pos in by_lr[lr]:
                    stops.append(pos)
                    self.fate[view.members_at[pos]] = f"halved at epoch {view.epoch}"
        return stops


def _train_candidates(job, data, device, plan: list[tuple[Condition, float]], halving, train_fn, stack_cfg,
                      seeds=None):
    """Train (condition, lr) candidates for every tuning seed (or `seeds`); one record per
    candidate and seed."""
    from .trainer import Member

    lr_cfg = job.learning_rate
    members, candidates = [], []
    for cond, lr in plan:
        for seed in lr_cfg.tune_seeds if seeds is None else seeds:
            members.append(Member.of(job.training, seed=seed, lr=lr, reg=cond.surface, init=cond.init))
            candidates.append((cond.key, lr))
    halver = Halving(candidates, halving["at"], halving["keep"]) if halving else None
    results = train_fn(stack_cfg, members, data, device, stopping=[halver] if halver else [])
    records = []
    for k, (m, r) in enumerate(zip(members, results)):
        diverged = bool(r.summary["diverged"])
        fate = "diverged" if diverged else (halver.fate.get(k, "kept") if halver else "kept")
        records.append({
            "condition": candidates[k][0], "lr": m.lr, "seed": m.seed,
            "best_val_accuracy": 0.0 if diverged else float(r.summary["best_val_accuracy"]),
            "diverged": diverged, "epochs_trained": int(r.summary["epochs_run"]), "fate": fate,
        })
    return records


def _pick(records: list[dict], unstable: set[float] = frozenset()) -> tuple[float | None, float]:
    """(lr, mean score) of the best search candidate that was never halved away and never
    diverged, leaving out `unstable` rates; ties: the smaller rate. Once no such finalist is
    left, the best of the rest of the search (a rate halved away early still trained). (None,
    0.0) when every rate diverged or is unstable."""
    scores: dict[float, list[float]] = {}
    halved: set[float] = set()
    diverged = {r["lr"] for r in records if r["diverged"]} | set(unstable)
    for r in records:
        if r["fate"] in (CONFIRMED, UNSTABLE) or r["lr"] in diverged:
            continue
        scores.setdefault(r["lr"], []).append(r["best_val_accuracy"])
        if r["fate"].startswith("halved"):
            halved.add(r["lr"])
    means = {lr: sum(v) / len(v) for lr, v in scores.items()}
    finalists = {lr: m for lr, m in means.items() if lr not in halved} or means
    if not finalists:
        return None, 0.0
    lr = min(finalists, key=lambda x: (-finalists[x], x))
    return lr, finalists[lr]


def _confirm(job, data, device, conditions, records, trains_above, train_fn, stack_cfg) -> dict[str, set[float]]:
    """Train each condition's pick on the confirmation seeds; a rate that diverges on one is
    unstable and the next pick is confirmed in turn. Appends the runs to `records`; returns
    condition key -> its unstable rates."""
    seeds = job.learning_rate.confirm_seeds or []
    epochs = job.learning_rate.confirm_epochs
    if stack_cfg is not None and epochs:
        stack_cfg = replace(stack_cfg, epochs=min(epochs, stack_cfg.epochs))
    unstable: dict[str, set[float]] = {key: set() for key in conditions}
    pending = set(conditions) if seeds else set()
    round_ = max(r["round"] for r in records) + 1
    while pending:
        plan = []
        for key in sorted(pending):
            lr, score = _pick([r for r in records if r["condition"] == key], unstable[key])
            if lr is not None and score > trains_above:  # an untrainable net has nothing to confirm
                plan.append((conditions[key], lr))
        if not plan:
            break
        pending = set()
        for r in _train_candidates(job, data, device, plan, None, train_fn, stack_cfg, seeds=seeds):
            r.update(round=round_, fate=UNSTABLE if r["diverged"] else CONFIRMED)
            if r["diverged"]:
                unstable[r["condition"]].add(r["lr"])
                pending.add(r["condition"])
            records.append(r)
        round_ += 1
    return unstable


def tune(job: Job, data, device: str, stack_cfg, train_fn) -> tuple[dict[str, dict], list[dict]]:
    """condition key -> {lr, status, score}, and the record of every candidate (tuning.csv)."""
    lr_cfg = job.learning_rate
    conditions = conditions_of(job)
    grid = sorted(float(x) for x in lr_cfg.grid)
    step = grid_step(grid)
    low_bound, high_bound = (float(b) for b in lr_cfg.bounds)
    chance = 1.0 / data.n_classes
    trains_above = chance + float(lr_cfg.min_gain_over_chance)

    plan = [(c, lr) for c in conditions.values() for lr in grid]
    records = [{**r, "round": 0} for r in
               _train_candidates(job, data, device, plan, lr_cfg.halving, train_fn, stack_cfg)]
    tried = {key: set(grid) for key in conditions}
    pending = set(conditions)
    round_ = 0
    while pending:
        extend = []
        for key in sorted(pending):
            own = [r for r in records if r["condition"] == key]
            lr, score = _pick(own)
            if score <= trains_above:
                continue  # nothing trains it: no direction to extend in
            lows, highs = min(tried[key]), max(tried[key])
            nxt = beyond(lr, step, up=True) if lr == highs else beyond(lr, step, up=False) if lr == lows else None
            if nxt is not None and low_bound <= nxt <= high_bound:
                extend.append((conditions[key], nxt))
        if not extend:
            break
        round_ += 1
        # the extension competes with the current pick at the full tuning length; the current
        # pick's score comes from its own full run in an earlier round
        records += [{**r, "round": round_} for r in
                    _train_candidates(job, data, device, extend, None, train_fn, stack_cfg)]
        for cond, lr in extend:
            tried[cond.key].add(lr)
        pending = {cond.key for cond, _ in extend}

    unstable = _confirm(job, data, device, conditions, records, trains_above, train_fn, stack_cfg)
    chosen = {}
    for key in conditions:
        own = [r for r in records if r["condition"] == key]
        lr, score = _pick(own, unstable[key])
        if lr is None:  # every rate tried diverged, on a search or a confirmation seed
            lr, score = min(r["lr"] for r in own), 0.0
        at_edge = lr in (min(tried[key]), max(tried[key]))
        status = UNTRAINABLE if score <= trains_above else EDGE if at_edge else INTERIOR
        chosen[key] = {"lr": lr, "status": status, "score": score}
    for r in records:
        r["chosen"] = chosen[r["condition"]]["lr"] == r["lr"]
    return chosen, records
