"""Claims judged per condition: the verdict of each distinct condition of a table, and those
verdicts as the claim's condition table and sentence."""

import pandas as pd

from ..verdicts import Verdict


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
