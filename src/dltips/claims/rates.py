"""The rate look: does a verdict hang on which of two equally good learning rates was picked?

An arm is one rate condition of a job (tuning.Condition; its id `job/label/init`, the `arm`
column of runs.csv). Where an arm's pick is tied with runner-up rates (tuning: tie_within),
the study trains the arm's reported seeds again at each tied rate (the tables `tied/<name>`:
the same schemas, rows of tied runs only, each tied run's id `<run id>@lr=<rate>`).

A world gives each tied arm its pick or one of its tied rates: the study's tables with every
swapped arm's rows replaced by its rows at that rate, run ids mapped back so that joins work
(a table with neither `run_id` nor `arm`, e.g. an exact check's, is the same in every world).
Every claim is judged by its first-look rule on all seeds in each world, in every condition of
every dataset and at its headline. The runner cannot know which arms a condition compares,
and every combination of every arm's rates is far too many worlds, so the worlds are the rows
of a covering array (claims.covering) of strength t over the arms the claim's tables hold,
one array per dataset (no verdict pools datasets): every t arms see every combination of
their rates, so a condition comparing at most t arms is judged at all of its combinations.

A verdict "holds" when it is the same in every world and "rate-dependent" when it is not; a
decided verdict that is rate-dependent becomes inconclusive, and its `why` names the arms and
rates that change it, found by bisection over the changing world's swapped arms. "no ties":
none of the arms the verdict reads is tied; "n/a": the study trained no tied runs (no tied
tables: an older study, or the rate look's training switched off).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..verdicts import INCONCLUSIVE, Verdict
from ..words import count
from .conditions import datasets_of, restrict
from ..tied import RATE_MARK as TIED
from .covering import check_strength, covering_array
from .grids import label, matches, select

HOLDS, RATE_DEPENDENT, NO_TIES, NOT_APPLICABLE = "holds", "rate-dependent", "no ties", "n/a"
# the rate search's own record: it chose the pick and found the ties, so it is the same in every
# world (its `arm` column names the arm each candidate was searched for, not rows to swap)
SAME_IN_EVERY_WORLD = frozenset({"tuning"})
HEADLINE = "headline"  # the key of the headline's verdict among a dataset's conditions


def split_tied(ident) -> tuple[str, str | None]:
    """(the study's id, the rate's text) of a tied run's or arm's id; (id, None) of any other."""
    base, mark, rate = str(ident).rpartition(TIED)
    return (base, rate) if mark else (str(ident), None)


# ---- sentences (every sentence this look writes) -------------------------------------------
def _arm_at(arm: str, rate: float, pick: float) -> str:
    return f"{arm} at lr {rate:g} (tied with its pick {pick:g})"


def changed_sentence(word: str, swaps: list[tuple[str, float, float]]) -> str:
    """'not reproduced with <arm> at lr 0.01 (tied with its pick 0.003)'; `swaps`: (arm, rate, pick)."""
    return f"{word} with " + " and ".join(_arm_at(*s) for s in swaps)


def rate_dependent_why(first: str, word: str, swaps, changed: int, worlds: int) -> str:
    counted = f"another verdict in {changed} of {count(worlds, 'world')} of tied rates"
    return f"rate-dependent: {changed_sentence(word, swaps)}; {counted} (first look: {first})"


def look_text(status: str, arms: int, worlds: int, strength: int) -> str:
    """The rate look in words, for captions."""
    if status == NOT_APPLICABLE:
        return "Tied rates: n/a (the study trained no runs at the rates tied with a pick)."
    if status == NO_TIES:
        return "Tied rates: no ties (no arm this verdict reads has a rate tied with its pick)."
    return (f"Tied rates: judged again in {count(worlds, 'world')} covering every combination of the tied rates "
            f"of any {strength} of its {count(arms, 'tied arm')}: {status}.")


# ---- the tied runs and the worlds ----------------------------------------------------------
@dataclass
class Ties:
    """The study's tied arms: each one's pick and tied rates (level i: its i-th tied rate), and
    the tied tables' rows, their ids mapped back, with the arm (`_arm`) and level (`_level`)
    each row belongs to."""

    picks: dict[str, float]
    rates: dict[str, tuple[float, ...]]
    run_arms: pd.Series  # the study's run id -> its arm, for every run of a tied arm
    tied: dict[str, pd.DataFrame]
    _arms_of: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, runs: pd.DataFrame | None, tied: dict[str, pd.DataFrame]) -> "Ties":
        """From the study's runs.csv and the tied tables by name (runs among them)."""
        tied_runs = tied.get("runs")
        if tied_runs is None or not len(tied_runs):
            return cls({}, {}, pd.Series(dtype=object), {})
        for name, table, columns in (("tied/runs", tied_runs, ("run_id", "arm", "lr")),
                                     ("runs", runs, ("run_id", "arm", "lr"))):
            missing = [c for c in columns if table is None or c not in table.columns]
            if missing:
                raise ValueError(f"the rate look needs {name} with columns {list(columns)}; missing: {missing}")
        rates = {arm: tuple(sorted(set(group["lr"].astype(float)))) for arm, group in tied_runs.groupby("arm")}
        own = runs[runs["arm"].isin(list(rates))]
        picks = {arm: float(group["lr"].iloc[0]) for arm, group in own.groupby("arm")}
        lost = sorted(set(rates) - set(picks))
        if lost:
            raise ValueError(f"tied/runs has arms the study's runs.csv does not: {lost[:5]}")
        run_level = {r: (a, rates[a].index(float(lr)) + 1)
                     for r, a, lr in zip(tied_runs["run_id"], tied_runs["arm"], tied_runs["lr"])}
        tables = {name: _mapped_back(name, table, run_level, rates) for name, table in tied.items()}
        return cls(picks, rates, own.set_index("run_id")["arm"], tables)

    def arms_of(self, table: pd.DataFrame) -> pd.Series | None:
        """Each row's tied arm (NaN for a row of an arm without ties); None for a table with
        neither run_id nor arm, the same in every world."""
        key = id(table)
        if key not in self._arms_of:
            if "run_id" in table.columns:
                arms = table["run_id"].map(self.run_arms)
            elif "arm" in table.columns:
                arms = table["arm"].where(table["arm"].isin(list(self.rates)))
            else:
                arms = None
            self._arms_of[key] = (table, arms)  # the table kept alive so that its id is not reused
        return self._arms_of[key][1]

    def arms_in(self, tables: dict[str, pd.DataFrame]) -> list[str] | None:
        """The tied arms whose rows `tables` hold, sorted; None where no table says (no table
        with a run_id or arm column has rows)."""
        known = [self.arms_of(t) for name, t in tables.items() if len(t) and name not in SAME_IN_EVERY_WORLD]
        known = [a for a in known if a is not None]
        return sorted(set().union(*(set(a.dropna()) for a in known))) if known else None

    def world(self, tables: dict[str, pd.DataFrame], world: dict[str, int]) -> dict[str, pd.DataFrame]:
        """`tables` with each arm of `world` (arm -> level, 1 = its first tied rate) swapped for
        its rows at that rate; each swapped run's rows where the study's were."""
        out = {}
        for name, table in tables.items():
            arms = None if name in SAME_IN_EVERY_WORLD else self.arms_of(table)
            swapped = arms.isin(list(world)).to_numpy() if arms is not None else np.zeros(len(table), bool)
            if not swapped.any():
                out[name] = table
                continue
            if name not in self.tied:
                raise ValueError(f"table {name} has rows of tied arms ({sorted(set(arms[swapped]))[:3]}) but the "
                                 f"rate look has no tied/{name} to swap them for")
            rows = self.tied[name]
            wanted = np.array([world.get(a) == lv for a, lv in zip(rows["_arm"], rows["_level"])], dtype=bool)
            added = rows[wanted].drop(columns=["_arm", "_level"])
            key = "run_id" if "run_id" in table.columns else "arm"
            first = pd.Series(np.arange(len(table)), index=table[key].to_numpy()).groupby(level=0).min()
            order = np.concatenate([np.flatnonzero(~swapped), added[key].map(first).to_numpy(float) - 0.5])
            both = pd.concat([table[~swapped], added[table.columns]], ignore_index=True)
            out[name] = both.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
        return out


def _mapped_back(name: str, table: pd.DataFrame, run_level: dict, rates: dict) -> pd.DataFrame:
    """A tied table's rows with the study's ids, and the arm and level each is at."""
    if "run_id" in table.columns:
        where = [run_level.get(r) for r in table["run_id"]]
        if any(w is None for w in where):
            unknown = sorted({r for r, w in zip(table["run_id"], where) if w is None})[:3]
            raise ValueError(f"tied/{name} has runs tied/runs does not: {unknown}")
        out = table.assign(run_id=[split_tied(r)[0] for r in table["run_id"]])
        if "arm" in out.columns:
            out = out.assign(arm=[split_tied(a)[0] for a in out["arm"]])
        return out.assign(_arm=[a for a, _ in where], _level=[lv for _, lv in where])
    if "arm" in table.columns:
        arms, levels = [], []
        # an aggregate of tied runs names its rate in its arm, an `lr` column, or its `job` (dltips.posthoc:
        # a tied ensemble's job is `<job>@lr=<rate>`, as its runs' ids are)
        jobs = table["job"] if "job" in table.columns else [None] * len(table)
        for ident, lr, job in zip(table["arm"], table["lr"] if "lr" in table.columns else [None] * len(table), jobs):
            arm, text = split_tied(ident)
            text = text if text is not None or job is None else split_tied(job)[1]
            if arm not in rates:
                raise ValueError(f"tied/{name} has an arm tied/runs does not: {arm}")
            rate = float(text) if text is not None else lr
            if rate is None and len(rates[arm]) > 1:
                raise ValueError(f"tied/{name}: arm {arm} has {len(rates[arm])} tied rates and its rows say neither "
                                 f"which (an `lr` column) nor `{arm}{TIED}<rate>` as their arm")
            close = [i for i, r in enumerate(rates[arm]) if rate is None or np.isclose(r, float(rate), rtol=1e-6)]
            if not close:
                raise ValueError(f"tied/{name}: arm {arm} at lr {rate}, not one of its tied rates {rates[arm]}")
            arms.append(arm)
            levels.append(close[0] + 1)
        out = table.assign(arm=arms, _arm=arms, _level=levels)
        return out.assign(job=[split_tied(j)[0] for j in out["job"]]) if "job" in out.columns else out
    return table.assign(_arm=pd.Series(dtype=object), _level=pd.Series(dtype=int)).iloc[:0]


# ---- the look ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """One verdict's rate look: its status and, where rate-dependent, why."""

    status: str
    why: str = ""


@dataclass(frozen=True)
class RateLook:
    headline: Outcome
    conditions: dict  # (dataset, condition label) -> Outcome
    arms: int = 0  # tied arms of the headline dataset that the claim's tables hold
    worlds: int = 0  # worlds judged on the headline dataset
    strength: int = 2

    def outcome(self, dataset, condition: str) -> Outcome:
        return self.conditions.get((dataset, condition), self.headline if self.headline.status == NOT_APPLICABLE
                                   else Outcome(NO_TIES))

    def columns(self) -> dict:
        return {"tied_rates": self.headline.status}

    def text(self) -> str:
        return look_text(self.headline.status, self.arms, self.worlds, self.strength)


def applied(v: Verdict, outcome: Outcome) -> Verdict:
    """`v` (a first look, or the verdict the second look left) after the rate look: one that is
    rate-dependent is inconclusive and says why (after the second look's reason, where it had one)."""
    if outcome.status != RATE_DEPENDENT:
        return v
    why = "; ".join(w for w in (v.why if v.verdict == INCONCLUSIVE else "", outcome.why) if w)
    return replace(v, verdict=INCONCLUSIVE, why=why)


def not_applicable() -> RateLook:
    return RateLook(Outcome(NOT_APPLICABLE), {})


def rate_look(claim, tables: dict, settings, headline_dataset, wanted, first: Verdict, judged, ties: Ties | None,
              strength: int = 2) -> RateLook:
    """The rate look at a claim judged by the runner (`first`: its headline's first look;
    `judged`: runner.Judged of every condition of every dataset)."""
    from . import runner

    check_strength(strength)
    if ties is None:
        return not_applicable()
    outcomes, headline, arms_home, worlds_home = {}, Outcome(NO_TIES), 0, 0
    for dataset in datasets_of(tables) or [None]:
        own = restrict(tables, dataset) if dataset is not None else tables
        home = dataset in (None, headline_dataset)
        base = {label(j.condition): j.verdict for j in judged if j.dataset == dataset}
        if home:
            base[HEADLINE] = first
        arms = ties.arms_in(own) or []
        if not arms:
            continue

        def verdicts(world: dict, only: str | None = None, own=own, home=home, dataset=dataset) -> dict:
            """The first-look verdicts in `world` (of one condition where `only` names it)."""
            swapped = ties.world(own, world)
            evidence = claim.evidence(swapped, settings)
            out = {}
            if home and only in (None, HEADLINE):
                out[HEADLINE] = runner.judge_headline(claim, evidence, settings, wanted)
            if only == HEADLINE:
                return out
            if not claim.grids:
                out[label({})] = claim.rule(evidence, settings)
                return out
            for grid, condition in runner.conditions_of(claim, evidence, settings):
                if only in (None, label(condition)):
                    out[label(condition)] = runner.judge_condition(claim, evidence, settings, grid, condition)
            return out

        rows = covering_array([1 + len(ties.rates[a]) for a in arms], strength)[1:]  # row 0: the study
        changed: dict[str, list[dict]] = {}
        for row in rows:
            world = {a: level for a, level in zip(arms, row) if level}
            for key, v in verdicts(world).items():
                if key in base and v.verdict != base[key].verdict:
                    changed.setdefault(key, []).append(world)
        reads = _arms_read(claim, ties, own, settings, wanted if home else None)
        for key, v in base.items():
            if key in changed:
                world = changed[key][0]
                differs = lambda w, key=key: verdicts(w, key).get(key, base[key]).verdict != base[key].verdict  # noqa: E731
                culprits = bisect(differs, sorted(world), world)
                swapped = {a: world[a] for a in culprits}
                word = verdicts(swapped, key)[key].verdict
                swaps = [(a, ties.rates[a][swapped[a] - 1], ties.picks[a]) for a in culprits]
                outcome = Outcome(RATE_DEPENDENT, rate_dependent_why(base[key].verdict, word, swaps,
                                                                     len(changed[key]), len(rows)))
            else:
                outcome = Outcome(NO_TIES if reads.get(key) == [] else HOLDS)
            if key == HEADLINE:
                headline = outcome
            else:
                outcomes[(dataset, key)] = outcome
        if home:
            arms_home, worlds_home = len(arms), len(rows)
    return RateLook(headline, outcomes, arms_home, worlds_home, strength)


def _arms_read(claim, ties: Ties, tables: dict, settings, wanted) -> dict[str, list | None]:
    """condition label -> the tied arms its evidence holds (None where its tables do not say)."""
    from . import runner

    evidence = claim.evidence(tables, settings)
    out = {}
    if not claim.grids:
        out[label({})] = ties.arms_in(evidence)
        out[HEADLINE] = out[label({})]
        return out
    inside = []
    for grid, condition in runner.conditions_of(claim, evidence, settings):
        cut = select(evidence, grid, condition)
        out[label(condition)] = ties.arms_in(cut) if _all_say(ties, cut) else None
        if wanted is not None and matches(condition, wanted):
            inside.append(out[label(condition)])
    if wanted is not None:
        out[HEADLINE] = None if not inside or None in inside else sorted(set().union(*inside))
    return out


def _all_say(ties: Ties, tables: dict) -> bool:
    """Whether every table with rows names each row's run or arm."""
    return all(ties.arms_of(t) is not None for t in tables.values() if len(t))


def bisect(differs: Callable[[dict], bool], arms: list, world: dict) -> list:
    """A small set of `world`'s swapped arms that alone gives the other verdict (`differs` of
    the world with only those swapped): halves first; where neither half alone does, each
    half is narrowed with the other kept (they act together)."""
    if len(arms) <= 1:
        return list(arms)
    a, b = arms[: len(arms) // 2], arms[len(arms) // 2:]
    only = lambda some: {x: world[x] for x in some}  # noqa: E731
    if differs(only(a)):
        return bisect(differs, a, world)
    if differs(only(b)):
        return bisect(differs, b, world)
    narrowed_a = bisect(lambda w: differs({**w, **only(b)}), a, world)
    narrowed_b = bisect(lambda w: differs({**only(narrowed_a), **w}), b, world)
    return sorted(narrowed_a + narrowed_b)
