"""A claim's evidence: named tables, each with its own columns and types (a claim with a
toy check and a table of runs keeps them apart rather than in one frame with a `part`
column), written as one CSV for the reader."""

from collections.abc import Mapping

import pandas as pd

Evidence = Mapping[str, pd.DataFrame]


def seeds_of(evidence: Evidence) -> list:
    """Every seed some table of the evidence has, sorted."""
    seeds = set()
    for table in evidence.values():
        if "seed" in table.columns:
            seeds |= set(table.seed.dropna().unique())
    return sorted(seeds)


def with_seeds(evidence: Evidence, seeds) -> dict[str, pd.DataFrame]:
    """The evidence restricted to `seeds`; rows without a seed (an exact check's) and tables
    without a seed column are kept whole."""
    return {name: table[table.seed.isin(seeds) | table.seed.isna()] if "seed" in table.columns else table
            for name, table in evidence.items()}


def as_one_table(evidence: Evidence) -> pd.DataFrame:
    """The CSV a reader downloads: a single table as it is; several stacked, `table` naming each row's."""
    if len(evidence) == 1:
        return next(iter(evidence.values()))
    tables = [table.assign(table=name) for name, table in evidence.items() if len(table.columns)]
    if not tables:
        return pd.DataFrame(columns=["table"])
    stacked = pd.concat(tables, ignore_index=True)
    return stacked[["table", *(c for c in stacked.columns if c != "table")]]
