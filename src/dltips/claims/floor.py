"""Rules shared by claims judged per condition: when a comparison sits at the floor (nets at
chance say nothing about what helps them train), which condition is the headline, and which
part of a several-part rule decided.

A net is "at chance" when its seeds' mean final train accuracy is within z binomial standard
errors of guessing on the samples evaluated: chance + z·sqrt(chance·(1 − chance)/samples).
Below that, the accuracy cannot be told from a net that learned nothing, on those samples.
"""

import math
import textwrap
from dataclasses import replace
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from .. import verdicts
from ..verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, Verdict, all_of
from .conditions import headline_of
from .settings import Floor

FLOOR_WORDS = "floor: both at chance"


def chance_margin(floor: Floor) -> float:
    """z binomial standard errors of an accuracy at chance on `samples` evaluated samples."""
    return floor.z * math.sqrt(floor.chance * (1 - floor.chance) / floor.samples)


def chance_ceiling(floor: Floor) -> float:
    return floor.chance + chance_margin(floor)


def at_chance(accuracies, floor: Floor) -> bool:
    """The seeds' mean accuracy cannot be told from guessing (False where there is no value)."""
    return verdicts.at_chance(accuracies, floor.chance, chance_margin(floor))


def with_note(v: Verdict, note: str, first: bool = False) -> Verdict:
    if not note:
        return v
    parts = [note, v.detail] if first else [v.detail, note]
    return replace(v, detail="; ".join(p for p in parts if p))


def floor_note(means: dict[str, float], floor: Floor, what: str = "final train accuracy") -> str:
    """The words of a floor verdict, e.g. 'floor: both at chance (relu 0.101, sigmoid 0.099 final
    train accuracy; chance 0.1 + 0.019)'."""
    numbers = ", ".join(f"{name} {value:.3f}" for name, value in means.items())
    who = FLOOR_WORDS if len(means) > 1 else "floor: the net is at chance"
    return (f"{INCONCLUSIVE} ({who}): {numbers} {what}, within chance {floor.chance:g} + "
            f"{chance_margin(floor):.3f}; a net that does not train says nothing here")


def at_floor(v: Verdict, means: dict[str, float], floor: Floor, what: str = "final train accuracy") -> Verdict:
    """The verdict of a comparison whose every side is at chance: inconclusive, said in words."""
    numbers = ", ".join(f"{name} {value:.3f}" for name, value in means.items())
    reason = f"{'both' if len(means) > 1 else 'the net'} at chance ({numbers} {what})"
    return verdicts.floor(with_note(v, floor_note(means, floor, what), first=True), reason)


def floor_checked(v: Verdict, sides: dict[str, pd.Series], floor: Floor, what: str = "final train accuracy") -> Verdict:
    """`v` unless every side's runs are at chance; then the floor verdict."""
    if sides and all(at_chance(values, floor) for values in sides.values()):
        return at_floor(v, {name: float(np.nanmean(values)) for name, values in sides.items()}, floor, what)
    return v


def judge_each(rows: pd.DataFrame, axes: dict, judge) -> list[tuple[dict, Verdict]]:
    """(condition, verdict) for every distinct combination of the `axes` columns in `rows`,
    sorted; `axes` maps each column to the type its values are given as (e.g. {"init": str,
    "depth": int}), and `judge(condition)` is the claim's own rule in that condition."""
    names = list(axes)
    out = []
    for values in rows[names].drop_duplicates().sort_values(names).itertuples(index=False):
        condition = {name: cast(value) for (name, cast), value in zip(axes.items(), values)}
        out.append((condition, judge(condition)))
    return out


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


# a headline depth setting: a number, `deepest` (of the sweep) or `deepest_trained` (resolve_depth)
HeadlineDepth = Literal["deepest", "deepest_trained"] | Annotated[int, Field(ge=1)]


def resolve_depth(spec, depths, trained_depths=()) -> int | None:
    """A headline depth: a number, `deepest` (of the sweep) or `deepest_trained` (the deepest
    at which the claim's net is not at chance)."""
    depths, trained = sorted(set(depths)), sorted(set(trained_depths))
    if spec == "deepest":
        return int(depths[-1]) if depths else None
    if spec == "deepest_trained":
        return int(trained[-1]) if trained else (int(depths[-1]) if depths else None)
    return int(spec)


def no_condition(statistic: str, headline: dict, name: str = "") -> Verdict:
    """The verdict where the headline condition has no runs (a config that does not train it);
    `name`: the part it stands in for, in a verdict of several parts."""
    where = ", ".join(f"{k} {v}" for k, v in headline.items())
    return Verdict(INCONCLUSIVE, statistic, math.nan, math.nan, math.nan, 0.0, ">", 0,
                   f"{INCONCLUSIVE}: no runs in the headline condition ({where})", name=name)


def per_seed(frame: pd.DataFrame, column: str) -> pd.Series:
    """Cells of one condition averaged within each seed: the seed is the unit of replication."""
    if not len(frame):
        return pd.Series(dtype=float)
    return frame.groupby("seed")[column].mean()


def condition_verdicts(found: list[tuple[dict, Verdict]]) -> pd.DataFrame:
    """Per-condition verdicts as a table of the evidence (its axes, the verdict's numbers,
    whether it sits at the floor), so the claim's CSV and its condition sentence carry them."""
    return pd.DataFrame([{**axes, "verdict": v.verdict, "value": v.value, "ci_low": v.ci_low, "ci_high": v.ci_high,
                          "n": v.n, "floor": "(floor: " in v.detail, "detail": v.detail} for axes, v in found])


def condition_sentence(found: pd.DataFrame, axes: list[str], lead: str, fmt: str = "+.3f") -> str:
    """'<lead>: he depth 10: +0.412 [+0.398, +0.426] (reproduced); ...' from the condition verdicts."""
    if not len(found):
        return f"{lead}: no condition has runs."
    words = []
    for r in found.itertuples(index=False):
        where = " ".join(f"{getattr(r, a)}" if a != "depth" else f"depth {int(getattr(r, a))}" for a in axes)
        numbers = "no data" if r.n == 0 else f"{r.value:{fmt}} [{r.ci_low:{fmt}}, {r.ci_high:{fmt}}]"
        words.append(f"{where}: {numbers} ({r.verdict}{', floor: at chance' if r.floor else ''})")
    return f"{lead}: " + "; ".join(words) + "."


def legend_with_n(ax, frame: pd.DataFrame, hue: str, **kwargs) -> None:
    """The axes' legend with each hue entry's seed count, 'relu (n = 5 seeds)': the n behind
    the error bars (Student-t 95% intervals over seeds)."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    counts = frame.groupby(frame[hue].astype(str)).seed.nunique() if len(frame) and hue in frame else {}
    labels = [f"{lab} (n = {counts[lab]} seeds)" if lab in counts else lab for lab in labels]
    ax.legend(handles, labels, **kwargs)


def headline_note(settings) -> str:
    """Which condition the verdict is, for a figure's title (settings: the claim's typed settings)."""
    where = ", ".join(f"{k} {v}" for k, v in headline_of(settings).items())
    return f"verdict of the headline condition ({where}); the others: the claim's condition table"


def wrapped(title: str, width: int = 100) -> str:
    """A suptitle whose every line fits a 12-inch figure at its font size: long rule lines wrap."""
    return "\n".join(textwrap.fill(line, width) for line in title.split("\n"))
