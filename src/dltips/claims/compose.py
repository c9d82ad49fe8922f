"""Verdicts built from verdicts: a rule of several parts reported by the part that decided it,
a note added to a verdict's words, the verdict of a condition the study did not train."""

import math
from dataclasses import replace

from ..verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, Verdict, all_of


def with_note(v: Verdict, note: str, first: bool = False) -> Verdict:
    """`v` with `note` added to its words (before them where `first`)."""
    if not note:
        return v
    parts = [note, v.detail] if first else [v.detail, note]
    return replace(v, detail="; ".join(p for p in parts if p))


def deciding_first(*parts: Verdict) -> Verdict:
    """all_of with the part that decides the verdict first (the first part not reproduced, else
    the first inconclusive one), so the reported numbers are the deciding part's."""
    combined = all_of(*parts).verdict
    if combined == REPRODUCED:
        return _with_part_notes(all_of(*parts), parts)
    wanted = NOT_REPRODUCED if combined == NOT_REPRODUCED else INCONCLUSIVE
    first = next(i for i, p in enumerate(parts) if p.verdict == wanted)
    ordered = (parts[first], *parts[:first], *parts[first + 1:])
    return _with_part_notes(all_of(*ordered), ordered)


def _with_part_notes(v: Verdict, parts) -> Verdict:
    """all_of keeps only each part's numbers: the parts' own words (a floor, runs left out)
    travel with the verdict, a floor's first."""
    notes = [p.detail for p in parts if p.detail]
    notes.sort(key=lambda note: not note.startswith(INCONCLUSIVE))
    return with_note(v, "; ".join(notes), first=bool(notes) and notes[0].startswith(INCONCLUSIVE))


def no_condition(statistic: str, headline: dict) -> Verdict:
    """The verdict where the headline condition has no runs (a config that does not train it)."""
    where = ", ".join(f"{k} {v}" for k, v in headline.items())
    return Verdict(INCONCLUSIVE, statistic, math.nan, math.nan, math.nan, 0.0, ">", 0,
                   f"{INCONCLUSIVE}: no runs in the headline condition ({where})")
