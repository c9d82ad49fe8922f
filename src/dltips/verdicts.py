"""Turn numbers into verdicts. The only place verdict words are spelled.

Every rule states a statistic, a threshold and a direction; the verdict follows from the
statistic's 95% interval over seeds (Student-t: with 3 seeds a bootstrap interval is
too narrow to be honest):
  reproduced      the whole interval lies on the claimed side of the threshold
  not reproduced  the whole interval lies on the other side
  inconclusive    the interval straddles the threshold, or there is too little data
Exact checks (update rules, constructions) compare a maximum error with a tolerance.
"""

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not reproduced"
INCONCLUSIVE = "inconclusive"
VERDICTS = (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE)


@dataclass(frozen=True)
class Verdict:
    verdict: str
    statistic: str  # what `value` measures, in words
    value: float
    ci_low: float
    ci_high: float
    threshold: float
    direction: str  # ">" the claim says value > threshold; "<" value < threshold
    n: int
    detail: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def t_interval(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the finite values; the interval is a point for n == 1."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n == 1:
        return mean, mean, mean, 1
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


def compare(values: Sequence[float], threshold: float, direction: str, statistic: str, min_n: int = 2,
            detail: str = "") -> Verdict:
    """Verdict for a claim that says mean(values) `direction` threshold."""
    if direction not in (">", "<"):
        raise ValueError(f"direction must be '>' or '<', got {direction!r}")
    mean, low, high, n = t_interval(values)
    if n < min_n:
        verdict = INCONCLUSIVE
        detail = (detail + "; " if detail else "") + f"only {n} finite value(s), need {min_n}"
    elif direction == ">":
        verdict = REPRODUCED if low > threshold else NOT_REPRODUCED if high < threshold else INCONCLUSIVE
    else:
        verdict = REPRODUCED if high < threshold else NOT_REPRODUCED if low > threshold else INCONCLUSIVE
    return Verdict(verdict, statistic, mean, low, high, threshold, direction, n, detail)


def exact(errors: Sequence[float], tolerance: float, statistic: str, detail: str = "") -> Verdict:
    """Verdict for an exact identity: every error within tolerance (non-finite errors fail)."""
    e = np.asarray(errors, dtype=float)
    worst = float(np.max(np.where(np.isfinite(e), np.abs(e), np.inf))) if len(e) else math.nan
    if len(e) == 0:
        verdict = INCONCLUSIVE
    else:
        verdict = REPRODUCED if worst <= tolerance else NOT_REPRODUCED
    return Verdict(verdict, statistic, worst, worst, worst, tolerance, "<=", len(e), detail)


def all_of(primary: Verdict, *others: Verdict) -> Verdict:
    """A claim with several parts: reproduced only if every part is; not reproduced if any
    part is not; otherwise inconclusive. Reports the primary part's numbers."""
    parts = (primary, *others)
    words = [p.verdict for p in parts]
    if all(w == REPRODUCED for w in words):
        verdict = REPRODUCED
    elif NOT_REPRODUCED in words:
        verdict = NOT_REPRODUCED
    else:
        verdict = INCONCLUSIVE
    detail = "; ".join(f"{p.statistic}: {p.verdict} ({p.value:.3g} {p.direction} {p.threshold:g})" for p in parts)
    return Verdict(verdict, primary.statistic, primary.value, primary.ci_low, primary.ci_high,
                   primary.threshold, primary.direction, primary.n, detail)
