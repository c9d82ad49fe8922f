"""A second look at every verdict: does it survive its thresholds moved ±50% and any one seed
left out? Where it does not, the claim is inconclusive and says which look failed.

Thresholds: each part's interval is decided again against its threshold moved 50% stricter
(towards the claimed side, harder to pass) and 50% looser, all parts of a claim together,
and combined like verdicts.all_of. Moving every part the same way (rather than ×0.5 and
×1.5, which is stricter for "> 0.02" but looser for "< −0.3") makes the two moved verdicts
the claim's worst and best case. A threshold of 0 has no 50%: it moves by half the part's
seed-to-seed standard deviation. Exact checks ("≤ tolerance") are not moved: their
tolerance comes from the float format, not from a judgement.

Seeds left out: the claim's own rule (`judge`) runs again without each seed in turn (that
seed's rows of every table; rows without a seed, e.g. an exact check's, stay): n judgements
of n − 1 seeds, each part matched to the first look's by its name. "stable": every one gives
the first-look verdict; "direction-stable": one that cannot decide for want of power (its
interval straddles the threshold) still has every part's mean on the first look's side of
its threshold; "fragile": one decides otherwise, or cannot decide because it sits on a noise
floor the first look does not (verdicts.floor: a branch of the rule, not a want of power),
or has a part's mean on the other side of its threshold (or no mean at all). A fragile
decisive verdict becomes inconclusive. Under 3 seeds (an interval needs two): n/a.

Why one seed left out, not halves of more seeds: the look asks whether a verdict rests on
some of the seeds rather than on all of them -- one unrepresentative seed, or a quantity the
rule derives from the data (a margin, a floor, a rate or strength chosen on validation) that
one seed swings. Halves of 5 seeds (3 and 2) almost never decide (Student-t quantiles 4.30
and 12.7 against 2.78 for all 5), so they only test which way the means lean; halves that
decide as often as the first look need 10 seeds at every headline condition, twice the
training there (README: Verdicts). Leaving one seed out costs n judgements and no training,
and each judgement keeps nearly the first look's power (4 seeds: 3.18). For a rule that is
a plain mean of one value per seed it can never decide otherwise: leaving one of n values
out moves the mean by at most s/√n (no value lies further than s(n − 1)/√n from the mean),
less than a decisive interval's distance, t·s/√n with t > 1, from its threshold. So where it
calls a verdict fragile, one seed carried what the rule derived from the data, which an
interval over seeds does not see. An effect carried by several seeds together already
widens that interval.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..verdicts import FLOOR, INCONCLUSIVE, Verdict, combine, decide, seed_sd
from ..words import count, listing
from .evidence import Evidence, seeds_of, with_seeds

ROBUST, NOT_ROBUST = "robust", "not robust"
STABLE, DIRECTION_STABLE, FRAGILE = "stable", "direction-stable", "fragile"
NOT_APPLICABLE = "n/a"
STRICTER, LOOSER = +1, -1
MOVE = 0.5  # the 50% of "thresholds moved ±50%"
MIN_SEEDS = 3  # each judgement with one seed left out needs two for a Student-t interval


# ---- thresholds moved ±50% ---------------------------------------------------------------
def moved_threshold(v: Verdict, way: int) -> float:
    """`v`'s threshold moved 50% stricter (way=+1) or looser (way=-1); by half the seed SD at 0."""
    step = MOVE * abs(v.threshold) if v.threshold != 0 else MOVE * seed_sd(v)
    return v.threshold + way * step * (1 if v.direction == ">" else -1)


def _decided_by_interval(v: Verdict) -> bool:
    """Whether `v`'s word is what its interval says: not one set by too little data, a
    floor or a claim's own override, which a moved threshold does not change."""
    if v.direction == "<=" or v.n < 2 or v.why.startswith(FLOOR):
        return False
    return decide(v.ci_low, v.ci_high, v.threshold, v.direction) == v.verdict


def redecide(v: Verdict, way: int) -> str:
    """`v`'s verdict with every threshold moved `way`; exact checks and words not set by an
    interval stay as they are."""
    if v.parts:
        if combine([p.verdict for p in v.parts]) != v.verdict or v.why.startswith(FLOOR):  # set as a whole
            return v.verdict
        return combine([redecide(p, way) for p in v.parts])
    if not _decided_by_interval(v):
        return v.verdict
    return decide(v.ci_low, v.ci_high, moved_threshold(v, way), v.direction)


def threshold_look(v: Verdict) -> tuple[str, str, str]:
    """(robust | not robust | n/a, verdict with thresholds stricter, verdict looser)."""
    stricter, looser = redecide(v, STRICTER), redecide(v, LOOSER)
    leaves = v.parts or (v,)
    if all(p.direction == "<=" for p in leaves):
        return NOT_APPLICABLE, stricter, looser
    return (ROBUST if stricter == looser == v.verdict else NOT_ROBUST), stricter, looser


# ---- seeds left out ----------------------------------------------------------------------
def leave_one_out(evidence: Evidence) -> list[tuple[object, dict]] | None:
    """(seed, the evidence without it) for every seed some table has, sorted; None where no
    table has a seed column or there are too few seeds for an interval without one."""
    seeds = seeds_of(evidence)
    if len(seeds) < MIN_SEEDS:
        return None
    return [(seed, with_seeds(evidence, [s for s in seeds if s != seed])) for seed in seeds]


def parts_by_name(v: Verdict) -> dict[str, Verdict]:
    """`v`'s parts by name; a verdict without parts is its own one part. Never by statistic:
    a statistic's words may carry a number derived from the data (a margin), which differs
    between subsets of the seeds. all_of puts the deciding part first, so neither is the
    position a part's identity."""
    if not v.parts:
        return {v.name: v}
    names = [p.name for p in v.parts]
    if "" in names or len(set(names)) < len(names):
        raise ValueError(f"a verdict of several parts needs a distinct name for each part (compare(..., name=...)) "
                         f"so that its second look can match them; its parts are named {names}")
    return {p.name: p for p in v.parts}


SIDES = {">": lambda value, threshold: value > threshold, "<": lambda value, threshold: value < threshold,
         "<=": lambda value, threshold: value <= threshold,
         "|·| <": lambda value, threshold: abs(value) < threshold}  # an equivalence's interval inside ±threshold


def _same_side(part: Verdict, other: Verdict) -> bool:
    """Whether `other`'s mean lies on the side of its threshold that `part`'s does (each of
    its parts', by name, for a part of parts such as an equivalence)."""
    if part.parts or other.parts:
        mine, theirs = parts_by_name(part), parts_by_name(other)
        return mine.keys() == theirs.keys() and all(_same_side(p, theirs[name]) for name, p in mine.items())
    side = SIDES.get(part.direction)
    if side is None or part.direction != other.direction or \
            not all(math.isfinite(x) for x in (part.value, other.value, part.threshold, other.threshold)):
        return False
    return side(part.value, part.threshold) == side(other.value, other.threshold)


def _floored(v: Verdict) -> bool:
    """Whether `v` or a part of it sits on its noise floor (verdicts.floor)."""
    return v.why.startswith(FLOOR) or any(_floored(p) for p in v.parts)


def _leans_with(other: Verdict, first: Verdict) -> bool:
    """A verdict that cannot decide for want of power (not a floor the first look is not on),
    whose every part's mean lies where the first look's does relative to its threshold (parts
    matched by name)."""
    if other.verdict != INCONCLUSIVE or first.verdict == INCONCLUSIVE or (_floored(other) and not _floored(first)):
        return False
    theirs = parts_by_name(other)
    return all(name in theirs and _same_side(part, theirs[name]) for name, part in parts_by_name(first).items())


def _holds(other: Verdict, first: Verdict) -> bool:
    return other.verdict == first.verdict or _leans_with(other, first)


def stability(first: Verdict, others: Sequence[Verdict]) -> str:
    """stable | direction-stable | fragile: the first look against its judgements without a seed."""
    if all(v.verdict == first.verdict for v in others):
        return STABLE
    return DIRECTION_STABLE if all(_holds(v, first) for v in others) else FRAGILE


def _numbers(v: Verdict) -> list[tuple]:
    """Each part's numbers, a missing one (NaN, no data) as None so that it equals itself."""
    return [(name, p.n, *(None if math.isnan(x) else x for x in (p.value, p.ci_low, p.ci_high)))
            for name, p in sorted(parts_by_name(v).items())]


def _seed(seed) -> str:
    return str(int(seed)) if float(seed).is_integer() else str(seed)


def _without(seeds) -> str:
    return f"without seed {listing([_seed(s) for s in seeds], 'or')}"  # each one left out alone


# ---- both looks together -----------------------------------------------------------------
@dataclass(frozen=True)
class SecondLook:
    first: Verdict  # the claim's own verdict on all the data
    final: Verdict  # first, or inconclusive with a `why` naming the look it failed
    thresholds: str  # robust | not robust | n/a
    stricter: str
    looser: str
    seeds: str  # stable | direction-stable | fragile | n/a
    left_out: tuple[tuple[object, str], ...] = ()  # (seed left out, the verdict without it); () where n/a

    def verdicts_left_out(self) -> str:
        """'without seed 0, 1, 2 or 4: reproduced; without seed 3: inconclusive', or n/a."""
        if not self.left_out:
            return NOT_APPLICABLE
        words = list(dict.fromkeys(word for _, word in self.left_out))
        return "; ".join(f"{_without([s for s, w in self.left_out if w == word])}: {word}" for word in words)

    def columns(self) -> dict:
        """The columns claims.csv gains."""
        return {"first_look": self.first.verdict, "thresholds": self.thresholds,
                "verdict_threshold_stricter": self.stricter, "verdict_threshold_looser": self.looser,
                "leave_one_seed_out": self.seeds, "verdicts_seed_left_out": self.verdicts_left_out()}

    def text(self) -> str:
        """Both looks in words, for captions."""
        if self.thresholds == NOT_APPLICABLE:
            moved = "Thresholds not moved (an exact check's tolerance comes from the float format)."
        else:
            moved = (f"Thresholds 50% stricter: {self.stricter}; 50% looser: {self.looser} "
                     f"({self.thresholds}).")
        if self.seeds == NOT_APPLICABLE:
            seeds = (f"Each seed left out: n/a (an exact check, a rule that does not read seeded runs, or evidence "
                     f"with fewer than {MIN_SEEDS} seeds).")
        else:
            n = len(self.left_out)
            seeds = (f"Each seed left out in turn ({count(n, 'judgement')} of {count(n - 1, 'seed')}): "
                     f"{self.verdicts_left_out()} "
                     f"({self.seeds}).")
        return f"{moved} {seeds}"


def _how(v: Verdict, first: Verdict) -> str:
    """Why an inconclusive judgement without a seed does not count with the first look."""
    if v.verdict != INCONCLUSIVE:
        return ""
    if _floored(v) and not _floored(first):
        return ", on its noise floor"
    return ", a part's mean not on the first look's side of its threshold"


def _failed(first: Verdict, thresholds: str, stricter: str, looser: str, seeds: str, left_out) -> str:
    """Why a decisive first look does not stand, in words; "" where it stands."""
    reasons = []
    if thresholds == NOT_ROBUST:
        moved = [f"{way} it is {word}" for way, word in (("stricter", stricter), ("looser", looser))
                 if word != first.verdict]
        reasons.append("not robust: with every threshold moved 50% " + " and ".join(moved))
    if seeds == FRAGILE:
        against = [f"{_without([seed])} it is {v.verdict}{_how(v, first)}" for seed, v in left_out
                   if not _holds(v, first)]
        reasons.append("fragile: " + "; ".join(against))
    if not reasons or first.verdict == INCONCLUSIVE:
        return ""
    return "; ".join(reasons) + f" (first look: {first.verdict})"


def second_look(judge: Callable[[Evidence], Verdict], evidence: Evidence, first: Verdict) -> SecondLook:
    """Both looks at the verdict `first` that `judge` (the claim's rule for its headline
    condition) gave on `evidence`; the seed look runs `judge` again without each seed."""
    parts_by_name(first)  # a verdict whose parts cannot be matched is refused whatever the data
    thresholds, stricter, looser = threshold_look(first)
    subsets = None if all(p.direction == "<=" for p in (first.parts or (first,))) else leave_one_out(evidence)
    left_out = [(seed, judge(subset)) for seed, subset in subsets or ()]
    if all(_numbers(v) == _numbers(first) for _, v in left_out):  # none, or the rule reads no seeded row (a toy)
        left_out = []
    seeds = stability(first, [v for _, v in left_out]) if left_out else NOT_APPLICABLE
    why = _failed(first, thresholds, stricter, looser, seeds, left_out)
    final = replace(first, verdict=INCONCLUSIVE, why=why) if why else first
    return SecondLook(first, final, thresholds, stricter, looser, seeds,
                      tuple((seed, v.verdict) for seed, v in left_out))
