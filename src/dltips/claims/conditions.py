"""Where each claim holds: its verdict per condition, the dataset first, then the claim's own axes.

A claim is never judged on a pool of datasets: its headline verdict reads the headline dataset
alone (the grid's first), and every dataset the study trains gets its own verdicts beside it.
Tables are cut to one dataset by their `dataset` column, or through runs.csv by `run_id` or
`job`; a table with neither (toy problems and exact checks) is the same for every dataset.
A claim that names its own conditions (`Claim.conditions`: init, depth, optimizer, dropout
rate, ...) is judged per condition by its own rule; one without them gets one row per dataset.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from ..io import atomic_write, write_csv
from .settings import ClaimSettings

COLUMNS = ["claim", "dataset", "condition", "headline", "verdict", "statistic", "value", "ci_low", "ci_high",
           "direction", "threshold", "n", "why"]


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


def label(condition: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in condition.items()) or "all"


def headline_of(settings) -> dict:
    """The condition a claim's settings name as its headline: the axes its `headline` sets ({}
    where it names none; an axis left unset, None, is no part of it)."""
    return {k: v for k, v in dict(getattr(settings, "headline", None) or {}).items() if v is not None}


def _is_headline(condition: dict, settings) -> bool:
    """Whether `condition` is the one the settings name (never where they name none)."""
    wanted = headline_of(settings)
    return bool(wanted) and all(str(condition.get(k)) == str(v) for k, v in wanted.items())


VERDICT_FIELDS = ("verdict", "statistic", "value", "ci_low", "ci_high", "direction", "threshold", "n")


def _row(claim_id: str, dataset, condition: dict, verdict, headline: bool) -> dict:
    return {"claim": claim_id, "dataset": dataset or "", "condition": label(condition), "headline": headline,
            **{k: getattr(verdict, k) for k in VERDICT_FIELDS}, "why": getattr(verdict, "why", "") or verdict.detail}


def _same_number(a, b) -> bool:
    nan = lambda x: x is None or (isinstance(x, float) and math.isnan(x))  # noqa: E731
    return (nan(a) and nan(b)) or (not nan(a) and not nan(b) and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15))


def legacy_condition_rows(claim, tables, settings: ClaimSettings, headline_dataset: str | None, headline_verdict) -> list[dict]:
    """One row per (dataset, condition) with the verdict of the claim's own rule there, and one
    headline row that carries the claim's final verdict (after its second look), so this table
    never contradicts claims.csv. The headline row is the condition the config names; where the
    claim resolved it itself (e.g. the deepest trained depth), the condition whose numbers the
    headline verdict reports; where the study did not train it at all, a row of its own."""
    datasets = datasets_of(tables) or [None]
    rows = []
    for dataset in datasets:
        if dataset is None or (dataset == headline_dataset and claim.conditions is None):
            cut = tables
        else:
            cut = restrict(tables, dataset)
        if claim.conditions is not None:
            pairs = claim.conditions(cut, settings)
        elif dataset is None or dataset == headline_dataset:
            pairs = [({}, headline_verdict)]
        else:
            pairs = [({}, claim.verdict(claim.evidence(cut, settings), settings))]
        rows += [(dataset, condition, verdict) for condition, verdict in pairs]

    home = [i for i, (dataset, _, _) in enumerate(rows) if dataset in (None, headline_dataset)]
    named = [i for i in home if _is_headline(rows[i][1], settings)]
    same = [i for i in home if rows[i][2].statistic == headline_verdict.statistic
            and _same_number(rows[i][2].value, headline_verdict.value)]
    pick = (named or same or [None])[0]
    out = [_row(claim.id, dataset, condition, headline_verdict if i == pick else verdict, i == pick)
           for i, (dataset, condition, verdict) in enumerate(rows)]
    if pick is None:
        wanted = dict(headline_of(settings))
        out.insert(0, _row(claim.id, headline_dataset if datasets != [None] else None, wanted, headline_verdict, True))
    return out


def write_conditions(rows: list[dict], out_csv) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=COLUMNS)
    write_csv(out_csv, table)
    return table


from .palette import FILL as COLORS  # noqa: E402


def _number(x) -> str:
    return "" if x is None or (isinstance(x, float) and not math.isfinite(x)) or pd.isna(x) else f"{x:.3g}"


def conditions_html(table: pd.DataFrame) -> str:
    """Claims down, each claim's conditions across, one block per dataset, colored by verdict."""
    # toy and exact checks have no dataset (NaN; an all-NaN column reads back as float)
    dataset_of = table["dataset"].astype(object).where(table["dataset"].notna(), "").astype(str)
    datasets = sorted(set(dataset_of)) or [""]
    head = "".join(f"<th>{html.escape(d) or 'no dataset (toy or exact check)'}</th>" for d in datasets)
    body = []
    for claim, own in table.groupby("claim", sort=False):
        cells = []
        for dataset in datasets:
            here = own[dataset_of[own.index] == dataset]
            if here.empty:
                here = own[dataset_of[own.index] == ""]  # the same for every dataset
            boxes = []
            for r in here.itertuples():
                tip = html.escape(f"{r.statistic}: measured {_number(r.value)} [{_number(r.ci_low)}, "
                                  f"{_number(r.ci_high)}], n = {_number(r.n)}; the claim needs {r.direction} "
                                  f"{_number(r.threshold)}. {r.why if isinstance(r.why, str) else ''}")
                mark = " <b>(headline)</b>" if bool(r.headline) else ""
                boxes.append(f'<div class="box" style="background:{COLORS.get(r.verdict, "#fff")}" title="{tip}">'
                             f'{html.escape(str(r.condition))}{mark}<br><small>{html.escape(str(r.verdict))} · '
                             f'{_number(r.value)} [{_number(r.ci_low)}, {_number(r.ci_high)}], n={_number(r.n)}'
                             f'</small></div>')
            cells.append("<td>" + "".join(boxes) + "</td>")
        body.append(f"<tr><th>{html.escape(str(claim))}</th>{''.join(cells)}</tr>")
    style = ("<style>body{font-family:sans-serif;font-size:14px;margin:1em} table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:4px;vertical-align:top;text-align:left}"
             ".box{display:inline-block;margin:2px;padding:3px 6px;border:1px solid #bbb;border-radius:3px}"
             "</style>")
    legend = "".join(f'<span class="box" style="background:{c}">{v}</span>' for v, c in COLORS.items())
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'>{style}</head><body>"
            f"<h2>Where each claim holds</h2><p>Each box is the claim's own verdict rule applied to one condition "
            f"(value [95% interval over seeds], n seeds). {legend}</p>"
            f"<table><tr><th>claim</th>{head}</tr>{''.join(body)}</table></body></html>")


def conditions_table(csv_paths, out_csv, out_html) -> pd.DataFrame:
    frames = [pd.read_csv(p) for p in csv_paths]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    write_csv(out_csv, table.reindex(columns=COLUMNS))
    atomic_write(out_html, lambda tmp: tmp.write_text(conditions_html(table)))
    return table
