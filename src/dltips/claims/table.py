"""The claims table: one row per claim, verdicts first, for the report's front page."""

import pandas as pd

from ..io import read_json, write_csv

COLUMNS = ["id", "claim", "verdict", "statistic", "value", "ci_low", "ci_high", "direction", "threshold", "n",
           "condition", "detail", "figure", "source"]


def claims_table(json_paths, figure_paths, out_csv) -> pd.DataFrame:
    rows = [{**read_json(j), "figure": str(f)} for j, f in zip(json_paths, figure_paths)]
    table = pd.DataFrame(rows).reindex(columns=COLUMNS)
    write_csv(out_csv, table)
    return table
