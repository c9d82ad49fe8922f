"""The report's HTML pages (the verdicts table, where each claim holds): one self-contained page
each, opened by the preset's banner (dltips.preset_mark), with interactive tables.

A table is an ITables DataTable (sort by any column, search every cell, filter each column)
with the DataTables library embedded in the page, so the report works offline, as a single
file; the same table stands in the page as plain HTML until the library has loaded. Cells are
HTML: every value a caller puts in a cell must already be escaped (html.escape).
"""

import pandas as pd

from . import preset_mark

STYLE = """<style>
body {font-family: sans-serif; font-size: 14px; margin: 1em}
table {border-collapse: collapse} td, th {border: 1px solid #ccc; padding: 4px 8px; vertical-align: top}
th {background: #eee} td small {font-size: 12px}
.verdict {display: inline-block; padding: 1px 6px; border-radius: 3px; font-weight: bold}
</style>"""


def page(title: str, body: str, intro: str = "") -> str:
    """A whole page: the preset's banner, a heading, `intro` (HTML) and `body` (HTML)."""
    from itables.javascript import generate_init_offline_itables_html
    from itables.options import dt_bundle

    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{STYLE}</head><body>"
            f"{preset_mark.html_banner()}<h2>{title}</h2>{intro}"
            # the DataTables library, once per page, embedded (ITables' offline mode)
            f"{generate_init_offline_itables_html(dt_bundle)}{body}</body></html>")


def interactive_table(frame: pd.DataFrame, table_id: str, page_length: int = 25) -> str:
    """`frame` (cells already escaped HTML) as a sortable, searchable table with a filter box
    per column; every row kept (no downsampling), no index."""
    from itables import to_html_datatable

    return to_html_datatable(frame, table_id=table_id, connected=False, allow_html=True, maxBytes=0,
                             showIndex=False, pageLength=page_length, lengthMenu=[10, 25, 50, 100, -1],
                             column_filters="header", classes="display compact cell-border", order=[],
                             warn_on_undocumented_option=False)
