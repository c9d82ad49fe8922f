"""Whether two finished studies have the same results: every table (tables/, tables/tied/),
claims.csv, conditions.csv and every claim's record (claims/*.json), cell for cell as written,
the columns that time a run apart (collect.TIMING_COLUMNS: identical runs differ there).

What a change that must keep every result bit for bit is checked with
(`tools/compare_results.py A B`).
"""

import csv
from pathlib import Path

from .collect import TIMING_COLUMNS

PATTERNS = ("tables/**/*.csv", "claims.csv", "conditions.csv", "claims/*.json")


def result_files(results) -> set[str]:
    """The result files of the study in `results`, relative to it."""
    root = Path(results)
    return {str(p.relative_to(root)) for pattern in PATTERNS for p in root.glob(pattern) if p.is_file()}


def _cells(path: Path) -> list[list[str]]:
    """A CSV's rows as written, less its timing columns."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        return rows
    keep = [i for i, name in enumerate(rows[0]) if name not in TIMING_COLUMNS]
    return [[row[i] for i in keep] for row in rows]


def differences(a, b) -> list[str]:
    """One line per result file that is not the same in the studies in `a` and `b` (empty: the
    same results)."""
    a, b = Path(a), Path(b)
    found_a, found_b = result_files(a), result_files(b)
    lines = [f"{name}: only in {a}" for name in sorted(found_a - found_b)]
    lines += [f"{name}: only in {b}" for name in sorted(found_b - found_a)]
    for name in sorted(found_a & found_b):
        if name.endswith(".csv"):
            rows_a, rows_b = _cells(a / name), _cells(b / name)
            if rows_a != rows_b:
                first = next((i for i, (x, y) in enumerate(zip(rows_a, rows_b)) if x != y), min(len(rows_a), len(rows_b)))
                lines.append(f"{name}: differs from row {first} ({len(rows_a)} and {len(rows_b)} rows)")
        elif (a / name).read_bytes() != (b / name).read_bytes():
            lines.append(f"{name}: differs")
    return lines
