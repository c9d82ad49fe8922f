"""Turn numbers into verdicts. The only place verdict words are spelled.

Every rule states a statistic, a threshold and a direction; the verdict follows from the
statistic's 95% interval over seeds (Student-t: with 3 seeds a bootstrap interval is
too narrow to be honest):
  reproduced      the whole interval lies on the claimed side of the threshold
  not reproduced  the whole interval lies on the other side
  inconclusive    the interval straddles the threshold, or there is too little data
Exact checks (update rules, constructions) compare a maximum error with a tolerance.

A bounded statistic (an accuracy, a fraction, a difference of two: `bounds`, e.g. ACCURACY)
gets its t-interval cut to its range. The truth always lies in the range, so the cut interval
covers it exactly when the uncut one does: the same 95% coverage, for every true value, with
no end a reader must discard (a fraction's interval reaching above 1). The
alternatives do worse with 3-5 seeds: a percentile bootstrap is too narrow (above); a
bootstrap-t has too few resamples to estimate its own pivot; a logit or Fisher-z interval is
undefined at the values these statistics do take (all seeds at 1, a difference of exactly 1)
and needs a correction chosen ad hoc. Cutting never moves a verdict: a threshold inside the
range is passed by the cut interval exactly when it is by the uncut one, and an end cut onto
the threshold (a fraction > 0 whose interval reaches below 0) is a tie, which `decide` never
counts as the claimed side. A statistic whose seeds split into two kinds of outcome (some
train, some do not) is said as counts as well (`counts`): its mean and interval describe neither.

A claim of several parts (all_of) reports the numbers of the part that decided it, and
every verdict that is not "reproduced" carries `why`: one plain sentence a reader can act on.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from . import words
from .lazy import stats
from .words import EQUIVALENT, number  # noqa: F401  (number: the verdicts' notation, imported from here)

# the ranges of bounded statistics (compare's `bounds`)
FRACTION = (0.0, 1.0)
ACCURACY = FRACTION
FRACTION_DIFFERENCE = (-1.0, 1.0)  # a difference of two fractions, e.g. of two accuracies
ACCURACY_DIFFERENCE = FRACTION_DIFFERENCE

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
    direction: str  # ">" the claim says value > threshold; "<" value < threshold; "<=" an exact check
    n: int
    detail: str = ""
    parts: tuple["Verdict", ...] = ()  # of a claim with several parts: every part, the deciding one first
    why: str = ""  # one plain sentence, for every verdict that is not "reproduced"
    name: str = ""  # a part's short name, by which a figure finds it among the parts
    # the seed-to-seed standard deviation behind the interval, which an interval cut to its
    # statistic's range no longer tells (NaN where no compare() made it)
    sd: float = math.nan

    def part(self, name: str) -> "Verdict":
        """The part called `name` (a verdict of one part is its own)."""
        for p in self.parts or (self,):
            if p.name == name:
                return p
        raise KeyError(f"verdict has no part {name!r}; its parts: {[p.name for p in self.parts or (self,)]}")

    def as_dict(self) -> dict:
        """The flat fields (a row of claims.csv); the parts, each flat, under "parts"."""
        flat = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "parts"}
        return flat | {"parts": [p.as_dict() for p in self.parts]}

    def measured(self, unit: str = "") -> str:
        return measured(self, unit)


def t_interval(values: Sequence[float], confidence: float = 0.95,
               bounds: tuple[float, float] | None = None) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the finite values; the interval is a point for n == 1, and cut
    to `bounds`, the statistic's range, where given (module docstring)."""
    x = finite(values, bounds)
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n == 1:
        return mean, mean, mean, 1
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    low, high = mean - half, mean + half
    return (mean, low, high, n) if bounds is None else (mean, max(low, bounds[0]), min(high, bounds[1]), n)


def finite(values: Sequence[float], bounds: tuple[float, float] | None = None) -> np.ndarray:
    """The finite values; each must lie in `bounds` where given (a value outside its statistic's
    range is a wrong statistic or a wrong range, never data)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if bounds is not None:
        outside = x[(x < bounds[0]) | (x > bounds[1])]
        if len(outside):
            raise ValueError(f"values {outside.tolist()} lie outside the statistic's range [{bounds[0]:g}, "
                             f"{bounds[1]:g}]")
    return x


def seed_sd(v: Verdict, confidence: float = 0.95) -> float:
    """The seed-to-seed standard deviation behind a compare() interval (0 where n < 2); from
    the interval's width where the verdict does not carry it."""
    if v.n < 2:
        return 0.0
    if math.isfinite(v.sd):
        return v.sd
    if not math.isfinite(v.ci_high - v.ci_low):
        return 0.0
    return (v.ci_high - v.ci_low) / 2 * math.sqrt(v.n) / float(stats.t.ppf(0.5 + confidence / 2, v.n - 1))


# ---- notation: "measured −0.039 [−0.047, −0.032] (n = 5); the claim needs > 0" ----------
def interval_text(v: Verdict) -> str:
    """'−0.039 [−0.047, −0.032]', or the value alone where the interval is a point; digits
    enough that no end reads on the wrong side of the threshold or 0 (dltips.words)."""
    return words.interval(v.value, v.ci_low, v.ci_high, words.marks_of(v.direction, v.threshold))


def _threshold(v: Verdict) -> str:
    return words.threshold_text(v.direction, v.threshold, v.value, v.ci_low, v.ci_high)


def needs(v: Verdict) -> str:
    """What the claim needs of the statistic: '> 0', '< −0.3', '≤ 1e−06', 'within ±0.015'."""
    return words.needs(v.direction, v.threshold, v.value, v.ci_low, v.ci_high)


def measured(v: Verdict, unit: str = "") -> str:
    """The verdict's numbers in one phrase, never as an inequality that could read false:
    'measured −0.039 [−0.047, −0.032] (n = 5 seeds); the claim needs > 0'."""
    if v.n == 0:
        return f"no data; the claim needs {needs(v)}"
    what = "largest error" if v.direction == "<=" else "measured"
    n = words.count(v.n, unit.removesuffix("s"), unit) if unit else v.n  # 'n = 1 seed', 'n = 5 seeds'
    return f"{what} {interval_text(v)} (n = {n}); the claim needs {needs(v)}"


# ---- why: one plain sentence for a verdict that is not "reproduced" -------------------
FLOOR = "floor:"  # a `why` that starts so: the comparison sits on its noise floor


def _why(v: Verdict, shortfall: str = "") -> str:
    """Why `v` is not reproduced, in words a reader can act on; its numbers and statistic are
    shown beside it (measured), so the sentence repeats neither."""
    if v.verdict == REPRODUCED:
        return ""
    if v.n == 0:
        return "no data"
    if shortfall:
        return f"too little data: {shortfall}"
    if v.direction == "<=":
        return "the largest error exceeds the tolerance"
    if v.verdict == NOT_REPRODUCED:
        side = "below" if v.direction == ">" else "above"
        return f"the whole interval lies {side} {_threshold(v)}, the opposite of what the claim says"
    if v.ci_low == v.ci_high == v.threshold:  # every seed gives the threshold itself: a point, on neither side
        return ("no difference: every seed gives exactly 0" if v.threshold == 0 else
                f"every seed gives exactly {number(v.threshold)}, the threshold itself: on neither side of it")
    return f"the interval straddles {_threshold(v)}: too few seeds or too small an effect to tell"


def decide(low: float, high: float, threshold: float, direction: str) -> str:
    """The verdict word of an interval against a threshold (module docstring)."""
    if direction == ">":
        return REPRODUCED if low > threshold else NOT_REPRODUCED if high < threshold else INCONCLUSIVE
    if direction == EQUIVALENT:  # within ±threshold: both ends inside; wholly beyond one side: not
        m = abs(threshold)
        return REPRODUCED if -m < low and high < m else NOT_REPRODUCED if low > m or high < -m else INCONCLUSIVE
    return REPRODUCED if high < threshold else NOT_REPRODUCED if low > threshold else INCONCLUSIVE


def compare(values: Sequence[float], threshold: float, direction: str, statistic: str, min_n: int = 2,
            detail: str = "", name: str = "", bounds: tuple[float, float] | None = None) -> Verdict:
    """Verdict for a claim that says mean(values) `direction` threshold. `bounds`: the
    statistic's range (e.g. ACCURACY_DIFFERENCE), which its interval keeps to and its
    threshold must lie in."""
    if direction not in (">", "<"):
        raise ValueError(f"direction must be '>' or '<', got {direction!r}")
    if bounds is not None and (threshold < bounds[0] or threshold > bounds[1]):  # NaN: undecidable, not wrong
        raise ValueError(f"{statistic}: threshold {threshold} lies outside the statistic's range "
                         f"[{bounds[0]:g}, {bounds[1]:g}]")
    try:
        mean, low, high, n = t_interval(values, bounds=bounds)
    except ValueError as e:
        raise ValueError(f"{statistic}: {e}") from None
    shortfall = f"only {words.count(n, 'finite value')}, need {min_n}" if n < min_n else ""
    verdict = INCONCLUSIVE if shortfall else decide(low, high, threshold, direction)
    if shortfall:
        detail = (detail + "; " if detail else "") + shortfall
    sd = float(np.std(finite(values), ddof=1)) if n > 1 else 0.0
    v = Verdict(verdict, statistic, mean, low, high, threshold, direction, n, detail, name=name, sd=sd)
    return replace(v, why=_why(v, shortfall))


def exact(errors: Sequence[float], tolerance: float, statistic: str, detail: str = "", name: str = "") -> Verdict:
    """Verdict for an exact identity: every error within tolerance (non-finite errors fail)."""
    e = np.asarray(errors, dtype=float)
    worst = float(np.max(np.where(np.isfinite(e), np.abs(e), np.inf))) if len(e) else math.nan
    if len(e) == 0:
        verdict = INCONCLUSIVE
    else:
        verdict = REPRODUCED if worst <= tolerance else NOT_REPRODUCED
    v = Verdict(verdict, statistic, worst, worst, worst, tolerance, "<=", len(e), detail, name=name)
    return replace(v, why=_why(v))


def combine(words: Sequence[str]) -> str:
    """The verdict of a claim of several parts: reproduced only if every part is; not
    reproduced if any part is not; otherwise inconclusive."""
    if all(w == REPRODUCED for w in words):
        return REPRODUCED
    return NOT_REPRODUCED if NOT_REPRODUCED in words else INCONCLUSIVE


def all_of(primary: Verdict, *others: Verdict) -> Verdict:
    """A claim with several parts (verdicts.combine). Reports the numbers of the part that
    decided: the first part whose verdict is the claim's (the primary when reproduced), so the
    value shown is never one that passed while another part failed. Every part is kept in
    `parts`, the deciding one first; `detail` lists each part's verdict and numbers."""
    given = (primary, *others)
    verdict = combine([p.verdict for p in given])
    deciding = next(p for p in given if p.verdict == verdict)
    parts = (deciding, *(p for p in given if p is not deciding))
    detail = "; ".join(f"{p.statistic}: {p.verdict} ({measured(p)})" for p in given)
    why = ""
    if verdict != REPRODUCED:
        also = sum(p.verdict == verdict for p in given) - 1
        why = deciding.why + (f" (as {words.verb(also, 'is', 'are')} {words.count(also, 'other part')})"
                              if also else "")
    return Verdict(verdict, deciding.statistic, deciding.value, deciding.ci_low, deciding.ci_high,
                   deciding.threshold, deciding.direction, deciding.n, detail, parts, why, sd=deciding.sd)


# ---- the noise floor ---------------------------------------------------------------------
def at_chance(accuracies: Sequence[float], chance: float, margin: float) -> bool:
    """True where the mean accuracy over seeds is within `margin` of chance level: a net
    that learned nothing, whose differences to another such net are noise."""
    mean, _, _, n = t_interval(accuracies)
    return n > 0 and mean <= chance + margin


def floor(v: Verdict, reason: str = "both at chance") -> Verdict:
    """A comparison on its noise floor (e.g. both nets at chance) says nothing about the
    claim: inconclusive, and says so in words; the numbers are kept for the reader."""
    return replace(v, verdict=INCONCLUSIVE, why=f"{FLOOR} {reason}, so the difference cannot tell")


# ---- outcomes of two kinds -----------------------------------------------------------------
def counts(sides: dict[str, Sequence[float]], cut: float, verb: str, measure: str) -> str:
    """The outcome as counts where it is bimodal: per-seed values of a bounded statistic
    (`sides`: each compared net's) that fall on both sides of `cut`, a cut fixed in advance
    between two kinds of outcome (an accuracy above chance's binomial noise: the net trains;
    at or below it: it does not). A mean over such seeds describes neither kind, and its
    interval is wide because the kinds differ, not because the measurement is noisy; so each
    side is said as counts: 'relu: 4 of 5 seeds train; sigmoid: 0 of 5 (final train accuracy
    > 0.119): ...'. '' where no side has seeds of both kinds (or no seeds)."""
    above = {name: int((finite(values) > cut).sum()) for name, values in sides.items()}
    total = {name: len(finite(values)) for name, values in sides.items()}
    if not any(0 < above[name] < total[name] for name in sides):
        return ""
    said = "; ".join(f"{name}: {above[name]} of {total[name]}" + (f" seeds {verb}" if i == 0 else "")
                     for i, name in enumerate(sides))
    return f"{said} ({measure} > {number(cut)}): the seeds split into two kinds of outcome; the mean describes neither"
