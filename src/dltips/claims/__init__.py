"""One module per claim of the lecture notes (shared/CLAIMS.md), each registering a Claim.

A claim turns tables (results/tables/*.csv) -- or, for toy and exact checks, its own small
computation -- into an evidence table, a verdict (dltips.verdicts) and a figure. Settings
of its verdict rule (statistic threshold, tolerances) come from `claims.<id>` in config.yaml.
Adding a claim: a module here with a `CLAIM = register(Claim(...))`, its id in
CLAIM_MODULES, and its settings in config.yaml.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from ..registry import Registry
from ..verdicts import Verdict


@dataclass(frozen=True)
class Claim:
    id: str
    title: str  # the claim, in one sentence
    source: str  # the classic source: paper and section
    evidence: Callable[[dict[str, pd.DataFrame], dict], pd.DataFrame]  # (tables, settings) -> table
    verdict: Callable[[pd.DataFrame, dict], Verdict]  # (evidence, settings) -> verdict
    # (tables, evidence, verdict, settings) -> matplotlib Figure
    figure: Callable[[dict[str, pd.DataFrame], pd.DataFrame, Verdict, dict], object]
    tables: tuple[str, ...] = ()  # names under results/tables/ it reads
    studies: tuple[str, ...] = field(default=())  # sweeps it needs besides the grid
    condition: Callable[[pd.DataFrame], str] | None = None  # findings on when it holds


CLAIMS: Registry[Claim] = Registry("claim")


def register(claim: Claim) -> Claim:
    return CLAIMS.register(claim.id, claim)


# claim id -> module under dltips.claims (imported on demand: several need torch)
CLAIM_MODULES = {}


def get(claim_id: str) -> Claim:
    if claim_id not in CLAIMS:
        importlib.import_module(f"{__name__}.{CLAIM_MODULES[claim_id]}")
    return CLAIMS[claim_id]
