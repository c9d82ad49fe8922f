"""The claims table: one row per claim, verdicts first, for the report's front page; and the
summary figure of every claim's verdict that leads the report."""

import html

import pandas as pd

from ..io import atomic_write, missing, read_json, write_csv
from .palette import FILL

# the verdict and why first; the deciding part's numbers; the second look (dltips.claims.looks) and
# the rate look (dltips.claims.rates) and the machine look (dltips.claims.machines)
COLUMNS = ["id", "claim", "verdict", "why", "statistic", "measured", "value", "ci_low", "ci_high", "direction",
           "threshold", "n", "first_look", "thresholds", "verdict_threshold_stricter", "verdict_threshold_looser",
           "leave_one_seed_out", "verdicts_seed_left_out", "tied_rates",
           "verdict_this_machine", "machine_look", "condition", "detail", "figure", "source"]


HEAD = ["claim", "verdict", "deciding statistic (parts)", "second look", "condition", "source"]


def _text(value) -> str:
    return "" if missing(value) else html.escape(str(value))


def verdict_html(verdict) -> str:
    """The verdict as a colored label (the verdicts' background colors)."""
    return f'<span class="verdict" style="background:{FILL.get(verdict, "#fff")}">{_text(verdict)}</span>'


def _cells(r) -> list[str]:
    why = f"<br><small>why: {_text(r.why)}</small>" if _text(r.why) else ""
    detail = f"<br><small>{_text(r.detail)}</small>" if _text(r.detail) else ""
    second = (f"first look: {_text(r.first_look)}<br>thresholds ±50%: {_text(r.thresholds)} "
              f"({_text(r.verdict_threshold_stricter)} / {_text(r.verdict_threshold_looser)})<br>"
              f"each seed left out: {_text(r.leave_one_seed_out)} ({_text(r.verdicts_seed_left_out)})<br>"
              f"at every tied rate: {_text(r.tied_rates)}<br>"
              f"on another machine: {_text(r.machine_look)}")
    return [f"<b>{_text(r.id)}</b><br>{_text(r.claim)}",
            f"{verdict_html(r.verdict)}{why}",
            f"{_text(r.statistic)}: {_text(r.measured)}{detail}",
            f"<small>{second}</small>",
            _text(r.condition),
            _text(r.source)]


def claims_html(table: pd.DataFrame) -> str:
    """The verdicts as a page for the report: one row per claim, sortable and searchable,
    every value escaped, verdicts colored."""
    from ..html_page import interactive_table, page

    cells = pd.DataFrame([_cells(r) for r in table.itertuples()], columns=HEAD)
    legend = " ".join(verdict_html(v) for v in FILL)
    return page("Every claim and its verdict", interactive_table(cells, "claims"),
                intro=f"<p>Sort by a column's header, search every cell, or filter a column under its header. "
                      f"{legend}</p>")


def claims_table(json_paths, figure_paths, out_csv, out_html=None, out_png=None, out_svg=None) -> pd.DataFrame:
    rows = [{**read_json(j), "figure": str(f)} for j, f in zip(json_paths, figure_paths)]
    table = pd.DataFrame(rows).reindex(columns=COLUMNS)
    write_csv(out_csv, table)
    if out_html is not None:
        atomic_write(out_html, lambda tmp: tmp.write_text(claims_html(table)))
    if out_png is not None:
        from ..figures import save
        from .summary import summary_figure

        # the parts too: an equivalence claim's two sides are its two one-sided parts
        save(summary_figure(pd.DataFrame(rows).reindex(columns=[*COLUMNS, "parts"])), out_png, out_svg)
    return table
