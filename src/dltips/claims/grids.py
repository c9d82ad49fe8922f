"""Where a claim is judged: the conditions it declares (a `Grid` of `Axis`es over one of its
evidence tables), enumerated and selected here, the same way for every claim.

A condition is a mapping axis -> value, e.g. {"init": "he", "depth": 10}. A grid's conditions
are the combinations of its axes' values that its evidence table has (in the axes' declared
order; an axis with declared levels keeps their order, the rest are sorted), then, per
combination of the other axes, each flag level (a level that is not a value of the column
but the rows a boolean column marks, e.g. dropout's rate "chosen on validation").

One condition's evidence is every table cut on each of the condition's axes it has: a table
without an axis (an exact check, a toy problem, a context table) is the same in every
condition. A claim that reads conditions of two kinds (per optimizer, per activation)
declares two grids.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .evidence import Evidence

Condition = dict  # axis -> value


@dataclass(frozen=True)
class Axis:
    column: str
    kind: type = str  # the type a condition's value is given as (str, int, float)
    # (settings) -> the levels, in the order to report them; None: every value the table has
    levels: Callable | None = None
    # extra levels: name -> a boolean column of the table marking that level's rows
    flags: Mapping[str, str] = field(default_factory=dict)

    def matches(self, table: pd.DataFrame, value) -> np.ndarray:
        """Rows of `table` at `value` of this axis (a float compares within rounding)."""
        if isinstance(value, str) and value in self.flags:
            return table[self.flags[value]].fillna(False).astype(bool).to_numpy()
        if self.kind is float:
            return np.isclose(table[self.column].astype(float).to_numpy(), float(value))
        return (table[self.column].astype(object) == value).to_numpy()


@dataclass(frozen=True)
class Grid:
    """The conditions of one kind a claim is judged in: every combination of `axes` that the
    evidence table `table` has."""

    table: str
    axes: tuple[Axis, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(a.column for a in self.axes)

    def conditions(self, evidence: Evidence, settings) -> list[Condition]:
        rows = evidence.get(self.table)
        if rows is None or not len(rows) or any(c not in rows.columns for c in self.columns):
            return []
        found = rows[list(self.columns)].dropna().drop_duplicates()
        out = []
        for values in found.itertuples(index=False):
            condition = {a.column: a.kind(v) for a, v in zip(self.axes, values)}
            if all(_allowed(a, condition[a.column], settings) for a in self.axes):
                out.append(condition)
        out.sort(key=lambda c: tuple(_rank(a, c[a.column], settings) for a in self.axes))
        return out + self._flagged(out)

    def _flagged(self, plain: list[Condition]) -> list[Condition]:
        """Each flag level of an axis, once per combination of the other axes."""
        out = []
        for axis in self.axes:
            others = [a.column for a in self.axes if a is not axis]
            seen = []
            for condition in plain:
                rest = {k: condition[k] for k in others}
                if rest not in seen:
                    seen.append(rest)
            out += [{a.column: (level if a is axis else rest[a.column]) for a in self.axes}
                    for level in axis.flags for rest in seen]
        return out

    def has(self, condition: Condition) -> bool:
        """Whether `condition` names exactly this grid's axes."""
        return set(condition) == set(self.columns)


def _allowed(axis: Axis, value, settings) -> bool:
    return axis.levels is None or value in list(axis.levels(settings))


def _rank(axis: Axis, value, settings):
    return list(axis.levels(settings)).index(value) if axis.levels is not None else value


def select(evidence: Evidence, grid: Grid, condition: Condition) -> dict[str, pd.DataFrame]:
    """One condition's evidence: every table cut on each axis of `condition` it has."""
    axes = {a.column: a for a in grid.axes}
    out = {}
    for name, table in evidence.items():
        keep = np.ones(len(table), dtype=bool)
        for column, value in condition.items():
            axis = axes[column]
            marks = axis.flags.get(value) if isinstance(value, str) else None
            if (marks or column) in table.columns:
                keep &= axis.matches(table, value)
        out[name] = table[keep]
    return out


def label(condition: Condition) -> str:
    """'init=he, depth=10', or 'all' for the one condition of a claim without a grid."""
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in condition.items()) or "all"


def matches(condition: Condition, wanted: Condition) -> bool:
    """Whether `condition` lies inside `wanted`: every axis `wanted` names, at its value (a
    condition of another grid, lacking one of those axes, does not)."""
    return all(k in condition and _same(condition[k], v) for k, v in wanted.items())


def _same(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    return math.isclose(float(a), float(b), rel_tol=1e-9)
