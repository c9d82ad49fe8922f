"""Where each claim holds: its verdict per condition, the dataset first, then the claim's own axes.

A claim is never judged on a pool of datasets: its headline verdict reads the headline dataset
alone (the grid's first), and every dataset the study trains gets its own verdicts beside it.
Tables are cut to one dataset by their `dataset` column, or through runs.csv by `run_id` or
`job`; a table with neither (toy problems and exact checks) is the same for every dataset.
A claim with grids of conditions (`Claim.grids`: init x depth, optimizer, dropout rate, ...)
is judged in each by its rule (claims.runner); one without them gets one row per dataset.
"""

from __future__ import annotations

import html

import pandas as pd

from ..io import atomic_write, missing, write_csv
from ..words import interval, marks_of, needs

COLUMNS = ["claim", "dataset", "condition", "headline", "verdict", "statistic", "value", "ci_low", "ci_high",
           "direction", "threshold", "n", "tied_rates", "verdict_this_machine", "machine_look", "why"]


def datasets_of(tables: dict[str, pd.DataFrame]) -> list[str]:
    names: set[str] = set()
    for table in tables.values():
        if "dataset" in table.columns:
            names |= set(table["dataset"].dropna().astype(str))
    return sorted(names)


def restrict(tables: dict[str, pd.DataFrame], dataset: str) -> dict[str, pd.DataFrame]:
    """The tables as if the study had trained `dataset` alone."""
    runs = tables.get("runs")
    own = runs[runs["dataset"] == dataset] if runs is not None and "dataset" in runs.columns else None
    out = {}
    for name, table in tables.items():
        if "dataset" in table.columns:
            out[name] = table[table["dataset"] == dataset]
        elif own is not None and "run_id" in table.columns:
            out[name] = table[table["run_id"].isin(own["run_id"])]
        elif own is not None and "job" in table.columns:
            out[name] = table[table["job"].isin(own["job"])]
        else:
            out[name] = table
    return {name: table.reset_index(drop=True) for name, table in out.items()}


def headline_tables(tables: dict[str, pd.DataFrame], headline_dataset: str | None) -> dict[str, pd.DataFrame]:
    """What the claim's headline verdict reads: the headline dataset only, where the tables name one."""
    if headline_dataset is None or not datasets_of(tables):
        return tables
    return restrict(tables, headline_dataset)


def headline_of(settings) -> dict:
    """The condition a claim's settings name as its headline: the axes its `headline` sets ({}
    where it names none; an axis left unset, None, is no part of it)."""
    return {k: v for k, v in dict(getattr(settings, "headline", None) or {}).items() if v is not None}


def write_conditions(rows: list[dict], out_csv) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=COLUMNS)
    write_csv(out_csv, table)
    return table


def _number(x) -> str:
    return "" if missing(x) else f"{x:.3g}"


def _cells(table: pd.DataFrame) -> pd.DataFrame:
    """conditions.csv as the page's table: escaped text, the verdict colored, numbers rounded."""
    from .table import verdict_html

    text = lambda v: "" if missing(v) else html.escape(str(v))  # noqa: E731
    numbers = [table[c] for c in ("value", "ci_low", "ci_high", "direction", "threshold")]
    return pd.DataFrame({
        "claim": table["claim"].map(text),
        "dataset": table["dataset"].map(text),
        "condition": table["condition"].map(text),
        "headline": table["headline"].map(lambda h: "headline" if bool(h) else ""),
        "verdict": table["verdict"].map(verdict_html),
        "statistic": table["statistic"].map(text),
        "mean [95% interval]": [interval(v, lo, hi, marks_of(d, t)) if _number(v) else "no data"
                                for v, lo, hi, d, t in zip(*numbers)],
        "needs": [html.escape(needs(d, t, v, lo, hi)) for v, lo, hi, d, t in zip(*numbers)],
        "n": table["n"].map(_number),
        "at tied rates": table["tied_rates"].map(text) if "tied_rates" in table.columns else "",
        "on another machine": table["machine_look"].map(text) if "machine_look" in table.columns else "",
        "why": table["why"].map(text),
    })


def conditions_html(table: pd.DataFrame) -> str:
    """Every claim's verdict per dataset and condition, one sortable, searchable table; each
    claim's conditions as a picture are the report's "where each claim holds" figures
    (dltips.claims.conditions_map)."""
    from ..html_page import interactive_table, page

    intro = ("<p>Each row is one claim's own verdict rule applied to one dataset and condition: the statistic's "
             "mean [95% interval over seeds], n seeds, against what the claim needs; <i>headline</i> marks the "
             "condition of the claim's headline verdict. Sort by a column's header, search every cell, or filter a "
             "column under its header. The same conditions laid out on their axes, one picture per claim: section "
             "<i>0. Where each claim holds</i>.</p>")
    return page("Where each claim holds", interactive_table(_cells(table), "conditions", page_length=50), intro=intro)


def conditions_table(csv_paths, out_csv, out_html) -> pd.DataFrame:
    # keep_default_na off: a look's status "n/a" is a word here, not a missing value (pandas would
    # read it as NaN and write an empty cell); an empty cell is still missing
    frames = [pd.read_csv(p, keep_default_na=False, na_values=[""]) for p in csv_paths]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    write_csv(out_csv, table.reindex(columns=COLUMNS))
    atomic_write(out_html, lambda tmp: tmp.write_text(conditions_html(table)))
    return table
