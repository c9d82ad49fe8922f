"""The claims table: one row per claim, verdicts first, for the report's front page."""

import html

import pandas as pd

from ..io import atomic_write, read_json, write_csv
from ..verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED

COLUMNS = ["id", "claim", "verdict", "statistic", "value", "ci_low", "ci_high", "direction", "threshold", "n",
           "condition", "detail", "figure", "source"]


COLOURS = {REPRODUCED: "#d8f0d8", NOT_REPRODUCED: "#f6d6d6", INCONCLUSIVE: "#f2ecd0"}
STYLE = """<style>
body {font-family: sans-serif; font-size: 14px; margin: 1em}
table {border-collapse: collapse} td, th {border: 1px solid #ccc; padding: 4px 8px; vertical-align: top}
th {background: #eee} td.num {text-align: right; white-space: nowrap}
</style>"""


def _number(value) -> str:
    return "" if pd.isna(value) else f"{value:.4g}"


def claims_html(table: pd.DataFrame) -> str:
    """The verdicts as a page for the report: every value escaped, verdicts coloured."""
    head = ["claim", "verdict", "statistic", "value [95% interval]", "rule", "n", "condition", "source"]
    rows = []
    for r in table.itertuples():
        cells = [
            f"<b>{html.escape(r.id)}</b><br>{html.escape(str(r.claim))}",
            html.escape(str(r.verdict)),
            html.escape(str(r.statistic))
            + ("" if pd.isna(r.detail) or not r.detail else f"<br><small>{html.escape(str(r.detail))}</small>"),
            f"{_number(r.value)} [{_number(r.ci_low)}, {_number(r.ci_high)}]",
            html.escape(f"{r.direction} {_number(r.threshold)}"),
            _number(r.n),
            html.escape("" if pd.isna(r.condition) else str(r.condition)),
            html.escape(str(r.source)),
        ]
        colour = COLOURS.get(r.verdict, "#fff")
        rows.append(f'<tr style="background:{colour}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    header = "".join(f"<th>{h}</th>" for h in head)
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'>{STYLE}</head><body><table><tr>{header}</tr>" \
           + "".join(rows) + "</table></body></html>"


def claims_table(json_paths, figure_paths, out_csv, out_html=None) -> pd.DataFrame:
    rows = [{**read_json(j), "figure": str(f)} for j, f in zip(json_paths, figure_paths)]
    table = pd.DataFrame(rows).reindex(columns=COLUMNS)
    write_csv(out_csv, table)
    if out_html is not None:
        atomic_write(out_html, lambda tmp: tmp.write_text(claims_html(table)))
    return table
