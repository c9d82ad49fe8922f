"""The claims table: one row per claim, verdicts first, for the report's front page; and the
summary figure of every claim's verdict that leads the report."""

import html
import math

import pandas as pd

from ..io import atomic_write, read_json, write_csv
from ..verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED

# the verdict and why first; the deciding part's numbers; the second look (dltips.claims.looks)
COLUMNS = ["id", "claim", "verdict", "why", "statistic", "measured", "value", "ci_low", "ci_high", "direction",
           "threshold", "n", "first_look", "thresholds", "verdict_threshold_stricter", "verdict_threshold_looser",
           "leave_one_seed_out", "verdicts_seed_left_out", "condition", "detail", "figure", "source"]


COLORS = {REPRODUCED: "#d8f0d8", NOT_REPRODUCED: "#f6d6d6", INCONCLUSIVE: "#f2ecd0"}
STYLE = """<style>
body {font-family: sans-serif; font-size: 14px; margin: 1em}
table {border-collapse: collapse} td, th {border: 1px solid #ccc; padding: 4px 8px; vertical-align: top}
th {background: #eee} td.num {text-align: right; white-space: nowrap}
</style>"""


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else html.escape(str(value))


def _cells(r) -> list[str]:
    why = f"<br><small>why: {_text(r.why)}</small>" if _text(r.why) else ""
    detail = f"<br><small>{_text(r.detail)}</small>" if _text(r.detail) else ""
    second = (f"first look: {_text(r.first_look)}<br>thresholds ±50%: {_text(r.thresholds)} "
              f"({_text(r.verdict_threshold_stricter)} / {_text(r.verdict_threshold_looser)})<br>"
              f"each seed left out: {_text(r.leave_one_seed_out)} ({_text(r.verdicts_seed_left_out)})")
    return [f"<b>{_text(r.id)}</b><br>{_text(r.claim)}",
            f"<b>{_text(r.verdict)}</b>{why}",
            f"{_text(r.statistic)}: {_text(r.measured)}{detail}",
            f"<small>{second}</small>",
            _text(r.condition),
            _text(r.source)]


def claims_html(table: pd.DataFrame) -> str:
    """The verdicts as a page for the report: every value escaped, verdicts colored."""
    head = ["claim", "verdict", "deciding statistic (parts)", "second look", "condition", "source"]
    rows = [f'<tr style="background:{COLORS.get(r.verdict, "#fff")}">'
            + "".join(f"<td>{c}</td>" for c in _cells(r)) + "</tr>" for r in table.itertuples()]
    header = "".join(f"<th>{h}</th>" for h in head)
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'>{STYLE}</head><body><table><tr>{header}</tr>" \
           + "".join(rows) + "</table></body></html>"


def claims_table(json_paths, figure_paths, out_csv, out_html=None, out_png=None, out_svg=None) -> pd.DataFrame:
    rows = [{**read_json(j), "figure": str(f)} for j, f in zip(json_paths, figure_paths)]
    table = pd.DataFrame(rows).reindex(columns=COLUMNS)
    write_csv(out_csv, table)
    if out_html is not None:
        atomic_write(out_html, lambda tmp: tmp.write_text(claims_html(table)))
    if out_png is not None:
        from ..figures import save
        from .summary import summary_figure

        save(summary_figure(table), out_png, out_svg)
    return table
