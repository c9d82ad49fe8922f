"""Choose a learning rate for every condition of a job, on the validation split (DeepOBS).

A job already fixes what moves the optimal rate between jobs (dataset, activation,
optimizer, depth, width); inside a job the runs still differ in initialization and
regularizer setting, and both move it too (He init at depth 10 diverges at rates default
init tolerates; a dropout net or a strong penalty wants another rate). So each distinct
(init, loss surface) of a job is a *condition* with its own rate. Early stopping leaves the
loss surface as it is: it shares the unregularized rate.

The search is cheap by design:
- every candidate of every condition trains side by side in one stack, recording the
  validation split at every epoch and the train split's evaluation subset only where a
  summary reads it (no test evaluation, no layer statistics): each candidate's training loss
  and accuracy at its last epoch are what the claims about training draw against the rate
  (claims.rate_curves), and they decide nothing here;
- one score ranks every candidate, at every decision: its validation accuracy at its epoch
  of lowest validation loss so far (mean over the tuning seeds; a diverged candidate scores
  0). It is what the run's summary reports as `best_val_accuracy` and what early stopping
  would select on; the best accuracy so far, which halving once ranked by, is a maximum over
  epochs: biased up by each epoch's noise, the more so the more a candidate's accuracy
  jumps about, and not what the pick then read;
- successive halving: at each epoch of `halving.at` a condition keeps only the better part
  (`halving.keep`) of its candidates still training; the others leave the stack. Candidates
  at chance (score within `min_gain_over_chance` of it) are never told apart: when the cut
  would fall among them, they all go on. A net is `untrainable` only when no rate trains it
  over the whole tuning length, and a slow starter at chance at epoch 3 may still train;
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
  the whole length (a diverged candidate is never picked);
- ties are marked, not broken silently: a runner-up is tied with the pick when their scores
  differ by at most `tie_within` times the noise of the pick's score, compared at the
  decision that separated them (the cut that halved the runner-up, else the pick). The
  noise is the larger of the binomial standard error of the pick's validation accuracy
  (n = the validation split) and the seed-to-seed SD of its score over the square root of
  the tuning seeds it averages, where seeds that trained the pick the whole tuning length
  give one (several tuning seeds; confirmation seeds when they train that long). The
  verdicts should not rest on which of two such rates won (the one-standard-error rule:
  Hastie, Tibshirani & Friedman 2009, 7.10).
"""

from __future__ import annotations

import math
import statistics
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


def arm_of(job: Job, run: RunSpec) -> str:
    """The rate decision a run trains at: `<job>/<condition key>`, the job being the one whose
    search chose the rate (a job that reuses the grid's rate shares the grid job's arm, so a
    world where that pick is swapped swaps both)."""
    return f"{job.grid_job or job.name}/{condition_of(run).key}"


def rate_status(lr: float, score: float, tried, trains_above: float) -> str:
    """How a rate would stand as its condition's pick: untrainable where its score is at
    chance, on the edge of the rates tried, else interior."""
    return UNTRAINABLE if score <= trains_above else EDGE if lr in (min(tried), max(tried)) else INTERIOR


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
    candidates by the tuning score (the module's docstring), never cutting among candidates
    at chance (score at most `at_chance`)."""

    def __init__(self, candidates: list[tuple[str, float]], at: list[int], keep: float, at_chance: float):
        self.candidates = candidates  # member index -> (condition key, lr)
        self.at, self.keep, self.at_chance = set(at), keep, at_chance
        self.score: dict[int, float] = {}  # member index -> accuracy at its best epoch so far
        self.fate: dict[int, str] = {}  # member index -> why it left the stack early
        self.cut_scores: dict[tuple[str, float], dict[int, float]] = {}  # (condition, lr) -> epoch -> score

    def __call__(self, view) -> list[int]:
        """Positions to stop (a view: dltips.stopping.EpochView). Sees every epoch, epoch 0
        included, to keep each candidate's score."""
        for pos, k in enumerate(view.members_at):
            if view.best_epoch[k] == view.epoch:  # epoch 0 is every member's first best
                self.score[k] = view.val_accuracy[pos]
        if view.epoch not in self.at:
            return []
        alive: dict[str, dict[float, list[int]]] = {}  # condition -> lr -> stack positions
        for pos, k in view.training():
            key, lr = self.candidates[k]
            alive.setdefault(key, {}).setdefault(lr, []).append(pos)
        stops = []
        for key, by_lr in alive.items():
            score = {lr: sum(self.score[view.members_at[p]] for p in ps) / len(ps) for lr, ps in by_lr.items()}
            for lr, s in score.items():
                self.cut_scores.setdefault((key, lr), {})[view.epoch] = s
            # best score first; among equals the smaller rate, as the final pick does
            ranked = sorted(score, key=lambda lr: (-score[lr], lr))
            n_keep = max(1, math.ceil(self.keep * len(score)))
            if score[ranked[n_keep - 1]] <= self.at_chance:
                n_keep = len(ranked)  # the cut would fall among candidates at chance: noise would pick
            for lr in ranked[n_keep:]:
                for pos in by_lr[lr]:
                    stops.append(pos)
                    self.fate[view.members_at[pos]] = f"halved at epoch {view.epoch}"
        return stops


def _train_candidates(job, data, device, plan: list[tuple[Condition, float]], halving, train_fn, stack_cfg,
                      seeds=None, at_chance: float = 0.0) -> tuple[list[dict], dict]:
    """Train (condition, lr) candidates for every tuning seed (or `seeds`): one record per
    candidate and seed, and each candidate's score at each cut of `halving` ((condition, lr)
    -> epoch -> score; empty without halving)."""
    from .trainer import Member

    lr_cfg = job.learning_rate
    members, candidates = [], []
    for cond, lr in plan:
        for seed in lr_cfg.tune_seeds if seeds is None else seeds:
            members.append(Member.of(job.training, seed=seed, lr=lr, reg=cond.surface, init=cond.init))
            candidates.append((cond.key, lr))
    halver = Halving(candidates, halving["at"], halving["keep"], at_chance) if halving else None
    results = train_fn(stack_cfg, members, data, device, stopping=[halver] if halver else [])
    records = []
    for k, (m, r) in enumerate(zip(members, results)):
        diverged = bool(r.summary["diverged"])
        fate = "diverged" if diverged else (halver.fate.get(k, "kept") if halver else "kept")
        records.append({
            "condition": candidates[k][0], "lr": m.lr, "seed": m.seed,
            "best_val_accuracy": 0.0 if diverged else float(r.summary["best_val_accuracy"]),
            "diverged": diverged, "epochs_trained": int(r.summary["epochs_run"]), "fate": fate,
            # what the claims about training draw against the rate: the training loss and accuracy
            # at the candidate's last epoch (a halved one's is that of a shorter run)
            **{f"train_{m}": _train_value(r.summary, m, diverged) for m in ("loss", "accuracy")},
        })
    return records, halver.cut_scores if halver else {}


def _train_value(summary: dict, metric: str, diverged: bool) -> float:
    """The candidate's `metric` on the training split's evaluation subset at its last epoch;
    NaN where it diverged (what it blew up to is no point of a curve) or where the stack did not
    evaluate the train split."""
    value = summary.get(f"final_train_{metric}")
    return math.nan if diverged or value is None else float(value)


def _is_search(record: dict) -> bool:
    return record["fate"] not in (CONFIRMED, UNSTABLE)


def _scores(records: list[dict]) -> dict[float, float]:
    """lr -> score (mean over its search seeds) of every rate the search ranked: one that
    diverged on a search seed is never ranked."""
    diverged = {r["lr"] for r in records if r["diverged"] and _is_search(r)}
    values: dict[float, list[float]] = {}
    for r in records:
        if _is_search(r) and r["lr"] not in diverged:
            values.setdefault(r["lr"], []).append(r["best_val_accuracy"])
    return {lr: sum(v) / len(v) for lr, v in values.items()}


def _pick(records: list[dict], unstable: set[float] = frozenset()) -> tuple[float | None, float]:
    """(lr, score) of the best search candidate that was never halved away and never
    diverged, leaving out `unstable` rates; ties: the smaller rate. Once no such finalist is
    left, the best of the rest of the search (a rate halved away early still trained). (None,
    0.0) when every rate diverged or is unstable."""
    means = {lr: m for lr, m in _scores(records).items() if lr not in unstable}
    halved = {r["lr"] for r in records if r["fate"].startswith("halved")}
    finalists = {lr: m for lr, m in means.items() if lr not in halved} or means
    if not finalists:
        return None, 0.0
    lr = min(finalists, key=lambda x: (-finalists[x], x))
    return lr, finalists[lr]


def pick_noise(score: float, n_val: int, seed_sd: float | None, n_seeds: int) -> float:
    """The noise of a pick's score: the larger of its binomial standard error on `n_val`
    validation samples and, where known, the seed-to-seed SD over the root of the `n_seeds`
    tuning seeds it averages (the standard error of that mean)."""
    se = math.sqrt(score * (1.0 - score) / n_val)
    return se if seed_sd is None else max(se, seed_sd / math.sqrt(n_seeds))


def _seed_sd(own: list[dict], lr: float, confirmation_full_length: bool) -> float | None:
    """The SD of the score over the seeds that trained `lr` the whole tuning length (its
    search seeds, if it was never halved; its confirmation seeds where they train as long);
    None below two such seeds."""
    values = [r["best_val_accuracy"] for r in own if r["lr"] == lr and not r["diverged"] and (
        r["fate"] == "kept" or (confirmation_full_length and r["fate"] == CONFIRMED))]
    if any(r["lr"] == lr and r["fate"].startswith("halved") for r in own) or len(values) < 2:
        return None
    return statistics.stdev(values)


def mark_ties(own: list[dict], pick: float, pick_score: float, unstable: set[float], cut_scores: dict,
              n_val: int, tie_within: float, confirmation_full_length: bool) -> list[float]:
    """Writes into each record of one condition (`own`) the score its fate was decided on
    (`score`: the cut that halved it, else the pick; empty for a diverged rate and a
    confirmation run), the pick's score at that decision (`pick_score`), the condition's
    noise (`tie_noise`, `seed_sd`) and whether it is a runner-up tied with the pick
    (`tied_with_pick`). Returns the tied rates."""
    scores = _scores(own)
    n_seeds = sum(1 for r in own if r["lr"] == pick and _is_search(r)) or 1
    seed_sd = _seed_sd(own, pick, confirmation_full_length)
    noise = pick_noise(pick_score, n_val, seed_sd, n_seeds)
    pick_at_cut = cut_scores.get(pick, {})
    for r in own:
        score = scores.get(r["lr"]) if _is_search(r) else None
        against = None
        if score is not None:
            # a pick that was not at the cut (an extension past the grid's edge) has only its final score
            halved = r["fate"].startswith("halved")
            against = pick_at_cut.get(int(r["fate"].rsplit(" ", 1)[1]), pick_score) if halved else pick_score
        runner_up = score is not None and r["lr"] != pick and r["lr"] not in unstable
        r.update(score=score, pick_score=against, seed_sd=seed_sd, tie_noise=noise,
                 tied_with_pick=runner_up and abs(against - score) <= tie_within * noise)
    return sorted({r["lr"] for r in own if r["tied_with_pick"]})


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
        for r in _train_candidates(job, data, device, plan, None, train_fn, stack_cfg, seeds=seeds)[0]:
            r.update(round=round_, fate=UNSTABLE if r["diverged"] else CONFIRMED)
            if r["diverged"]:
                unstable[r["condition"]].add(r["lr"])
                pending.add(r["condition"])
            records.append(r)
        round_ += 1
    return unstable


def tune(job: Job, data, device: str, stack_cfg, train_fn) -> tuple[dict[str, dict], list[dict]]:
    """condition key -> {lr, status, score, tied (the runner-up rates tied with the pick)}, and
    the record of every candidate (tuning.csv)."""
    lr_cfg = job.learning_rate
    conditions = conditions_of(job)
    grid = sorted(float(x) for x in lr_cfg.grid)
    step = grid_step(grid)
    low_bound, high_bound = (float(b) for b in lr_cfg.bounds)
    chance = 1.0 / data.n_classes
    trains_above = chance + float(lr_cfg.min_gain_over_chance)

    plan = [(c, lr) for c in conditions.values() for lr in grid]
    first, cut_scores = _train_candidates(job, data, device, plan, lr_cfg.halving, train_fn, stack_cfg,
                                          at_chance=trains_above)
    records = [{**r, "round": 0} for r in first]
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
                    _train_candidates(job, data, device, extend, None, train_fn, stack_cfg)[0]]
        for cond, lr in extend:
            tried[cond.key].add(lr)
        pending = {cond.key for cond, _ in extend}

    unstable = _confirm(job, data, device, conditions, records, trains_above, train_fn, stack_cfg)
    # confirmation runs measure the pick's seed-to-seed spread only where they train as long as the search
    confirmation_full_length = not lr_cfg.confirm_epochs or lr_cfg.confirm_epochs >= lr_cfg.tune_epochs
    n_val = len(data.y["val"])
    chosen = {}
    for key in conditions:
        own = [r for r in records if r["condition"] == key]
        lr, score = _pick(own, unstable[key])
        if lr is None:  # every rate tried diverged, on a search or a confirmation seed
            lr, score = min(r["lr"] for r in own), 0.0
        status = rate_status(lr, score, tried[key], trains_above)
        cuts = {rate: by_epoch for (k, rate), by_epoch in cut_scores.items() if k == key}
        tied = mark_ties(own, lr, score, unstable[key], cuts, n_val, float(lr_cfg.tie_within),
                         confirmation_full_length)
        # an untrainable condition ties every rate (all at chance) and is untrainable at each of
        # them by definition: its runs at another rate judge nothing the pick's do not, so the
        # rate look trains none (tuning.csv still marks the ties)
        chosen[key] = {"lr": lr, "status": status, "score": score, "tied": [] if status == UNTRAINABLE else tied}
    for r in records:
        r["chosen"] = chosen[r["condition"]]["lr"] == r["lr"]
    return chosen, records
