"""The machine look: is a verdict decided the same way by a study of the same config on another machine?

Machines differ in the last bits of their kernels (AVX-512 against AVX2), and rounding alone
moves rate picks and runs' accuracies: a verdict near a threshold, or a premise near its
boundary, can be decided on one machine and inconclusive on another. No rule inside one study
can see that; a second study (config machine_look.results: its results folder) can.

Each side compares its own verdict, after the second look and the rate look but before this
look (claims.csv's and conditions.csv's `verdict_this_machine`; `verdict` in an older study
without the column), with the other side's own verdict: so judging A against B and B against A
read the same two verdicts and never chase each other. Where this study's verdict is decided
and the other's differs, it becomes inconclusive and says what the other machine decided.

Status (column `machine_look`): "holds" (the same verdict there), "differs", "not judged there"
(the other study has no verdict of this claim or condition), "n/a" (no other study).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from ..verdicts import INCONCLUSIVE, Verdict

HOLDS, DIFFERS, NOT_JUDGED, NOT_APPLICABLE = "holds", "differs", "not judged there", "n/a"
OWN = "verdict_this_machine"  # the verdict before this look, which the other side reads
NEEDED = ("claims.csv", "conditions.csv", "provenance.json")
KEY = "machine_look.results"


def missing_files(folder) -> list[str]:
    """The files a finished, judged study has that `folder` lacks."""
    return [name for name in NEEDED if not (Path(folder) / name).is_file()]


def check_folder(folder, own_results=None) -> list[str]:
    """The config's problems with machine_look.results (none where it is unset)."""
    if folder is None:
        return []
    if own_results is not None and Path(folder).resolve() == Path(own_results).resolve():
        return [f"config key '{KEY}': {str(folder)!r} is this study's own results folder; give the results "
                "folder of another study of the same config"]
    lacks = missing_files(folder)
    if lacks:
        return [f"config key '{KEY}': {str(folder)!r} is not a finished, judged study: it lacks "
                f"{', '.join(lacks)} (needs {', '.join(NEEDED)})"]
    return []


def machine_of(provenance: dict) -> str:
    """'<cpu>, <cpu_capability>' of every environment that trained the study."""
    seen = []
    for env in provenance.get("environments") or []:
        text = ", ".join(str(env.get(k) or "unknown") for k in ("cpu", "cpu_capability"))
        if text not in seen:
            seen.append(text)
    return "; ".join(seen) or "an unknown machine"


def _own(table: pd.DataFrame) -> pd.Series:
    """Each row's verdict before the machine look (an older study: its verdict)."""
    if OWN in table.columns:
        return table[OWN].where(table[OWN].notna(), table["verdict"])
    return table["verdict"]


def _text(value) -> str:
    return "" if pd.isna(value) else str(value)


@dataclass(frozen=True)
class OtherStudy:
    """The verdicts of another study of the same config, as its machine decided them."""

    machine: str
    claims: dict  # claim id -> verdict
    conditions: dict  # (claim, dataset, condition label) -> verdict; a toy's dataset is ""

    @classmethod
    def read(cls, folder) -> OtherStudy:
        lacks = missing_files(folder)
        if lacks:
            raise FileNotFoundError(f"{KEY}: {folder} lacks {', '.join(lacks)}")
        folder = Path(folder)
        claims = pd.read_csv(folder / "claims.csv")
        conditions = pd.read_csv(folder / "conditions.csv", keep_default_na=False, na_values=[""])
        keys = zip(conditions["claim"].map(_text), conditions["dataset"].map(_text),
                   conditions["condition"].map(_text))
        return cls(machine_of(json.loads((folder / "provenance.json").read_text())),
                   dict(zip(claims["id"].map(_text), _own(claims))),
                   dict(zip(keys, _own(conditions))))


@dataclass(frozen=True)
class Outcome:
    """One verdict's machine look: its status and, where it differs, the other machine's verdict."""

    status: str
    theirs: str = ""
    machine: str = ""

    @property
    def why(self) -> str:
        return f"another machine decides otherwise: {self.theirs} on {self.machine}" if self.status == DIFFERS else ""


def outcome_of(mine: Verdict, theirs, machine: str) -> Outcome:
    if theirs is None:
        return Outcome(NOT_JUDGED)
    return Outcome(HOLDS if mine.verdict == theirs else DIFFERS, str(theirs), machine)


def text(status: str, machine: str = "") -> str:
    """The machine look in words, for captions."""
    if status == NOT_APPLICABLE:
        return "Another machine: n/a (no study of the same config on another machine was given)."
    if status == NOT_JUDGED:
        return f"Another machine: not judged there (the study on {machine} has no verdict of it)."
    return f"Another machine ({machine}): {status}."


@dataclass(frozen=True)
class MachineLook:
    headline: Outcome
    conditions: dict = field(default_factory=dict)  # (dataset, condition label) -> Outcome
    machine: str = ""

    def outcome(self, dataset, condition: str) -> Outcome:
        if self.headline.status == NOT_APPLICABLE:
            return self.headline
        return self.conditions.get((dataset, condition), Outcome(NOT_JUDGED))

    def columns(self, mine: Verdict) -> dict:
        return {OWN: mine.verdict, "machine_look": self.headline.status}

    def text(self) -> str:
        return text(self.headline.status, self.machine)


def not_applicable() -> MachineLook:
    return MachineLook(Outcome(NOT_APPLICABLE))


def machine_look(claim_id: str, headline: Verdict, judged, other: OtherStudy | None, pick=None) -> MachineLook:
    """The machine look at a claim's headline verdict and at each of `judged` (runner.Judged,
    verdicts after the rate look), from `other`'s own verdicts. `pick`: the one of `judged` that
    is the headline condition, whose row in both studies carries the headline verdict, so it
    takes the headline's outcome."""
    from .grids import label

    if other is None:
        return not_applicable()
    conditions = {(j.dataset, label(j.condition)): outcome_of(
        j.verdict, other.conditions.get((claim_id, j.dataset or "", label(j.condition))), other.machine)
        for j in judged}
    top = outcome_of(headline, other.claims.get(claim_id), other.machine)
    if pick is not None:
        conditions[(pick.dataset, label(pick.condition))] = top
    return MachineLook(top, conditions, other.machine)


def applied(v: Verdict, outcome: Outcome) -> Verdict:
    """`v` after the machine look: a decided verdict another machine decides otherwise is inconclusive."""
    if outcome.status != DIFFERS or v.verdict == INCONCLUSIVE:
        return v
    return replace(v, verdict=INCONCLUSIVE, why=outcome.why)
