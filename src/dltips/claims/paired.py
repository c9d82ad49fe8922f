"""Two predictors scored on one test set, and whether they differ by more than a margin.

Paired standard error. Two predictors A and B scored on the same N test examples differ in
accuracy by (b - c) / N, where b counts the examples only A gets right and c those only B
gets right (McNemar's discordant pairs); over the draw of the test set that difference has
the standard error sqrt(b + c - (b - c)^2 / N) / N (McNemar 1947; Dietterich 1998). For a loss
it is the SD of the per-example loss differences over sqrt(N). Where A and B agree on most
examples both are well below sqrt(SE_A^2 + SE_B^2), the SE of a difference of two accuracies
measured on two test sets: the examples both get right (or wrong) cancel.

Interval. The seed is the unit of replication: per seed one difference, then the Student-t
interval over seeds. Every seed is scored on the same test set, so the test set's noise is
shared by the seeds and their spread does not show it all: the interval's half-width is
widened to sqrt(t_half^2 + (z * SE)^2), SE the mean over seeds of the paired SEs. The mean of
the SEs bounds the SE of the seeds' mean difference from above (equal where every seed errs
on the same examples), so the interval errs on the wide side.

Equivalence (two one-sided tests, Lakens 2017): "no difference" where the interval lies
inside (-margin, +margin), "a difference" where it lies wholly beyond one side, undecided
otherwise. The margin is the smallest effect of interest, fixed in advance. The verdict is
the two one-sided parts combined (verdicts.all_of), the side the mean leans to first; it
reports the direction EQUIVALENT ("within ±margin") and the margin, whichever side decided,
and its sentence names the direction the numbers show.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..lazy import stats
from ..verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, Verdict, all_of, decide, finite, t_interval
from ..words import EQUIVALENT, count, threshold_text


def mcnemar_se(right_only, wrong_only, n):
    """The standard error of an accuracy difference (b - c) / n from the discordant counts
    b (`right_only`) and c (`wrong_only`) of n paired examples (elementwise)."""
    b, c, n = (np.asarray(v, dtype=float) for v in (right_only, wrong_only, n))
    return np.sqrt(np.maximum(b + c - (b - c) ** 2 / n, 0.0)) / n


def widened_interval(values: Sequence[float], shared_se: float, confidence: float = 0.95,
                     bounds: tuple[float, float] | None = None) -> tuple[float, float, float, int]:
    """(mean, low, high, n): the t-interval over `values` (one per seed), its half-width
    widened by the test set's noise the values share (`shared_se`, module docstring), kept
    to `bounds`, the statistic's range, where given (verdicts.t_interval)."""
    mean, low, high, n = t_interval(values, confidence)
    if n == 0:
        return mean, low, high, n
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    half = math.hypot((high - low) / 2, z * shared_se)
    if bounds is None:
        return mean, mean - half, mean + half, n
    finite(values, bounds)  # a value outside its statistic's range is an error, not a number to clip
    return mean, max(mean - half, bounds[0]), min(mean + half, bounds[1]), n


@dataclass(frozen=True)
class Sides:
    """What a positive and a negative difference mean, in words: 'the average is more
    accurate than weight scaling' / '... less accurate ...'."""

    positive: str
    negative: str


def _one_side(mean, low, high, n, threshold, direction, statistic, sd) -> Verdict:
    return Verdict(decide(low, high, threshold, direction), statistic, mean, low, high, threshold, direction, n, sd=sd)


def equivalence(values: Sequence[float], shared_se: float, margin: float, statistic: str, sides: Sides,
                name: str = "", min_n: int = 2, bounds: tuple[float, float] | None = None) -> Verdict:
    """Whether the differences `values` (one per seed) are within +-`margin` of none: both
    one-sided tests on the widened interval (module docstring; `bounds` its range), combined;
    `why` (and, where there is no difference, `detail`) in words generated from the
    interval's side."""
    mean, low, high, n = widened_interval(values, shared_se if math.isfinite(shared_se) else 0.0, bounds=bounds)
    sd = float(np.std(finite(values), ddof=1)) if n > 1 else 0.0  # the seeds' own, as compare() carries it
    # each side named, so the second look matches them inside a claim of several parts (looks.parts_by_name)
    upper = replace(_one_side(mean, low, high, n, margin, "<", statistic, sd), name=f"{name} (upper)".lstrip())
    lower = replace(_one_side(mean, low, high, n, -margin, ">", statistic, sd), name=f"{name} (lower)".lstrip())
    first, second = (lower, upper) if mean < 0 else (upper, lower)
    # the claim needs |value| < margin: one direction and threshold however the mean leans
    combined = replace(all_of(first, second), name=name, detail="", direction=EQUIVALENT, threshold=margin)
    m = threshold_text(EQUIVALENT, margin, mean, low, high)
    if n < min_n or not math.isfinite(shared_se):
        short = "no data" if n == 0 else (f"too little data: only {count(n, 'seed')}, need {min_n}" if n < min_n else
                                          "no paired standard error: the table predates it (rebuild it from the "
                                          "stored weights)")
        return replace(combined, verdict=INCONCLUSIVE, why=short)
    if combined.verdict == REPRODUCED:
        return replace(combined, why="", detail=f"no difference: the interval lies within ±{m}")
    if combined.verdict == NOT_REPRODUCED:
        words = sides.positive if low > margin else sides.negative
        return replace(combined, why=f"{words} by more than the margin {m}: the whole interval lies beyond it")
    if high > margin and low < -margin:
        return replace(combined, why=f"undecided: the interval reaches past both margins (±{m}), too few seeds or "
                                     f"too small a test set to tell a difference of {m} from none")
    words = sides.positive if high > margin else sides.negative
    return replace(combined, why=f"undecided whether {words} by more than {m}: the interval reaches past the "
                                 f"margin, not wholly beyond it")
