"""A second look at every verdict: does it survive thresholds moved ±50% and either half of
the seeds? Where it does not, the claim is inconclusive and says which look failed.

Thresholds: each part's interval is decided again against its threshold moved 50% stricter
(towards the claimed side, harder to pass) and 50% looser, all parts of a claim together,
and combined like verdicts.all_of. Moving every part the same way (rather than ×0.5 and
×1.5, which is stricter for "> 0.02" but looser for "< −0.3") makes the two moved verdicts
the claim's worst and best case. A threshold of 0 has no 50%: it moves by half the part's
seed-to-seed standard deviation. Exact checks ("≤ tolerance") are not moved: their
tolerance comes from the float format, not from a judgement.

Seed halves: the evidence's seeds, sorted, are dealt alternately into two halves and the
claim's own verdict rule runs on each (rows without a seed, e.g. an exact check's, go to
both). "stable": both halves give the first-look verdict; "direction-stable": a half that
cannot decide (its interval is twice as wide) still has every part's mean on the first
look's side of its threshold; "fragile": a half decides otherwise or leans the other way.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..verdicts import FLOOR, INCONCLUSIVE, Verdict, combine, decide, seed_sd
from .evidence import Evidence, seeds_of, with_seeds

ROBUST, NOT_ROBUST = "robust", "not robust"
STABLE, DIRECTION_STABLE, FRAGILE = "stable", "direction-stable", "fragile"
NOT_APPLICABLE = "n/a"
STRICTER, LOOSER = +1, -1
MOVE = 0.5  # the 50% of "thresholds moved ±50%"
MIN_SEEDS_PER_HALF = 2  # a Student-t interval needs two values


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


# ---- seed halves -------------------------------------------------------------------------
def seed_halves(evidence: Evidence) -> tuple[dict, dict] | None:
    """The evidence split by seed (sorted, dealt alternately, the same split in every table);
    None where no table has a seed column or there are too few seeds for an interval in each half."""
    seeds = seeds_of(evidence)
    if len(seeds) < 2 * MIN_SEEDS_PER_HALF:
        return None
    return tuple(with_seeds(evidence, seeds[i::2]) for i in (0, 1))


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


def _leans_with(half: Verdict, first: Verdict) -> bool:
    """A half that cannot decide, whose every part's mean lies where the first look's does
    relative to its threshold (parts matched by name)."""
    if half.verdict != INCONCLUSIVE or first.verdict == INCONCLUSIVE:
        return False
    theirs = parts_by_name(half)
    return all(name in theirs and _same_side(part, theirs[name]) for name, part in parts_by_name(first).items())


def stability(first: Verdict, halves: tuple[Verdict, Verdict]) -> str:
    if all(h.verdict == first.verdict for h in halves):
        return STABLE
    if all(h.verdict == first.verdict or _leans_with(h, first) for h in halves):
        return DIRECTION_STABLE
    return FRAGILE


def _numbers(v: Verdict) -> list[tuple]:
    """Each part's numbers, a missing one (NaN, no data) as None so that it equals itself."""
    return [(name, p.n, *(None if math.isnan(x) else x for x in (p.value, p.ci_low, p.ci_high)))
            for name, p in sorted(parts_by_name(v).items())]


# ---- both looks together -----------------------------------------------------------------
@dataclass(frozen=True)
class SecondLook:
    first: Verdict  # the claim's own verdict on all the data
    final: Verdict  # first, or inconclusive with a `why` naming the look it failed
    thresholds: str  # robust | not robust | n/a
    stricter: str
    looser: str
    seeds: str  # stable | direction-stable | fragile | n/a
    half_a: str  # verdict words on each half (n/a where not split)
    half_b: str

    def columns(self) -> dict:
        """The columns claims.csv gains."""
        return {"first_look": self.first.verdict, "thresholds": self.thresholds,
                "verdict_threshold_stricter": self.stricter, "verdict_threshold_looser": self.looser,
                "seed_halves": self.seeds, "verdict_seeds_a": self.half_a, "verdict_seeds_b": self.half_b}

    def text(self) -> str:
        """Both looks in words, for captions."""
        if self.thresholds == NOT_APPLICABLE:
            moved = "Thresholds not moved (an exact check's tolerance comes from the float format)."
        else:
            moved = (f"Thresholds 50% stricter: {self.stricter}; 50% looser: {self.looser} "
                     f"({self.thresholds}).")
        if self.seeds == NOT_APPLICABLE:
            halves = (f"Seed halves: n/a (an exact check, a rule that does not read seeded runs, or evidence "
                      f"without at least {2 * MIN_SEEDS_PER_HALF} seeds).")
        else:
            halves = f"Each half of the seeds: {self.half_a} and {self.half_b} ({self.seeds})."
        return f"{moved} {halves}"


def _failed(first: Verdict, thresholds: str, stricter: str, looser: str, seeds: str, halves) -> str:
    """Why a decisive first look does not stand, in words; "" where it stands."""
    reasons = []
    if thresholds == NOT_ROBUST:
        moved = [f"{way} it is {word}" for way, word in (("stricter", stricter), ("looser", looser))
                 if word != first.verdict]
        reasons.append("not robust: with every threshold moved 50% " + " and ".join(moved))
    if seeds == FRAGILE:
        reasons.append(f"fragile: one half of the seeds says {halves[0].verdict}, the other {halves[1].verdict}")
    if not reasons or first.verdict == INCONCLUSIVE:
        return ""
    return "; ".join(reasons) + f" (first look: {first.verdict})"


def second_look(judge: Callable[[Evidence], Verdict], evidence: Evidence, first: Verdict) -> SecondLook:
    """Both looks at the verdict `first` that `judge` (the claim's rule for its headline
    condition) gave on `evidence`; the seed look runs `judge` again on subsets of it."""
    parts_by_name(first)  # a verdict whose parts cannot be matched is refused whatever the data
    thresholds, stricter, looser = threshold_look(first)
    split = None if all(p.direction == "<=" for p in (first.parts or (first,))) else seed_halves(evidence)
    if split is None:
        seeds, halves, words = NOT_APPLICABLE, None, (NOT_APPLICABLE, NOT_APPLICABLE)
    else:
        halves = tuple(judge(half) for half in split)
        seeds, words = stability(first, halves), tuple(h.verdict for h in halves)
        if all(_numbers(h) == _numbers(first) for h in halves):  # the rule reads no seeded row (a toy)
            seeds, halves, words = NOT_APPLICABLE, None, (NOT_APPLICABLE, NOT_APPLICABLE)
    why = _failed(first, thresholds, stricter, looser, seeds, halves)
    final = replace(first, verdict=INCONCLUSIVE, why=why) if why else first
    return SecondLook(first, final, thresholds, stricter, looser, seeds, *words)
