"""Covering arrays: few rows in which every `strength` columns show every combination of their
levels. The rate look (claims.rates) judges a claim in each row's world, one column per tied
arm, level 0 its pick and level i its i-th tied rate: a condition that compares at most
`strength` arms then sees every combination of their rates without the runner knowing which
arms those are, for the price of a number of worlds that grows with the logarithm of the
number of arms rather than as the product of their levels.

The construction is the greedy one of AETG (Cohen, Dalal, Fredman & Patton 1997), made
deterministic: each row starts from the first combination not yet covered (in column, then
level order) and sets every other column, in order, to the level that covers the most
combinations still uncovered among the columns already set (ties: the lowest level, so a
world swaps as few arms as it can). Every row covers at least its first combination, so it
ends. The libraries that build such arrays took minutes where this takes a fraction of a
second at the study's size (README: Verdicts, the rate look).
"""

from __future__ import annotations

import itertools

import numpy as np

STRENGTHS = (1, 2, 3)  # 3 keeps k^3 x 3^3 booleans: fine to a few hundred arms, more at 4


def check_strength(strength) -> int:
    if isinstance(strength, bool) or not isinstance(strength, int) or strength not in STRENGTHS:
        raise ValueError(f"rate_look.strength: got {strength!r}; allowed values: {', '.join(map(str, STRENGTHS))} "
                         f"(every condition comparing at most that many tied arms sees every combination of their rates)")
    return strength


def covering_array(levels: list[int], strength: int) -> list[tuple[int, ...]]:
    """Rows of level indices, one per column, such that every `strength` columns (all of them,
    where there are fewer) show every combination of their levels; `levels[i]`: how many
    levels column i has (at least 1). The first row is all zeros (the study as picked)."""
    check_strength(strength)
    if any(n < 1 for n in levels):
        raise ValueError(f"every column needs at least one level, got {levels}")
    k = len(levels)
    if k == 0:
        return [()]
    t = min(strength, k)
    width = max(levels)
    uncovered = _all_combinations(np.asarray(levels), t, width)
    rows = [np.zeros(k, dtype=int)]
    _cover(uncovered, rows[0], t)
    while uncovered.any():
        rows.append(_next_row(uncovered, levels, t))
        _cover(uncovered, rows[-1], t)
    return [tuple(int(x) for x in row) for row in rows]


def _all_combinations(levels: np.ndarray, t: int, width: int) -> np.ndarray:
    """uncovered[c1..ct, l1..lt]: whether columns c1..ct (distinct) at levels l1..lt still need a
    row; kept for every order of the columns, so a lookup needs no sorting."""
    k = len(levels)
    grids = np.ix_(*([np.arange(k)] * t + [np.arange(width)] * t))
    columns, levels_at = grids[:t], grids[t:]
    out = np.ones((k,) * t + (width,) * t, dtype=bool)
    for a, b in itertools.combinations(range(t), 2):
        out &= columns[a] != columns[b]
    for c, level in zip(columns, levels_at):
        out &= level < levels[c]
    return out


def _cover(uncovered: np.ndarray, row: np.ndarray, t: int) -> None:
    k = len(row)
    columns = np.ix_(*([np.arange(k)] * t))
    uncovered[(*columns, *(row[c] for c in columns))] = False


def _next_row(uncovered: np.ndarray, levels: list[int], t: int) -> np.ndarray:
    k = len(levels)
    first = np.argwhere(uncovered)[0]  # the first uncovered combination, lexicographically
    row = np.full(k, -1)
    row[first[:t]] = first[t:]
    # what each column at each level has left to cover: the order to set columns in (most first)
    # and the tie-break between levels that cover as much among the columns already set
    left = uncovered.sum(axis=tuple(range(1, t)) + tuple(range(t + 1, 2 * t)))  # [column, level]
    for c in sorted(range(k), key=lambda c: (-left[c].sum(), c)):
        if row[c] >= 0:
            continue
        done = np.flatnonzero(row >= 0)
        combos = list(itertools.combinations(done, t - 1))
        others = np.array(combos, dtype=int).reshape(len(combos), t - 1)
        # gains[l]: combinations of c at level l with t-1 columns already set that are still uncovered
        index = (np.full(len(others), c), *others.T)
        at = tuple(row[others[:, i]] for i in range(t - 1))
        gains = [(int(uncovered[(*index, np.full(len(others), level), *at)].sum()), int(left[c, level]), -level)
                 for level in range(levels[c])]
        row[c] = max(range(levels[c]), key=lambda level: gains[level])
    return row
