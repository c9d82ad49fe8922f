"""The README's summary of a study's verdicts, generated from the tables the study wrote
(claims.csv, conditions.csv, provenance.json), so no sentence about a result is typed by hand.

    python -m dltips.verdict_summary results              # print the Markdown
    python -m dltips.verdict_summary results --readme README.md   # replace the README's block

The README block lies between the two MARKERS lines; everything else in the file is kept.
Directions are never written here: each claim's line is its verdict word, its deciding
statistic and the measured phrase (verdicts.measured), and per dataset the count of conditions
of each verdict, with the conditions whose verdict differs from the headline's named.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from .io import atomic_write
from .verdicts import VERDICTS
from .words import count, sentence

MARKERS = ("<!-- verdict-summary:start (generated: python -m dltips.verdict_summary) -->",
           "<!-- verdict-summary:end -->")


def _counts(words: pd.Series) -> str:
    counts = words.value_counts()
    return ", ".join(f"{int(counts[w])} {w}" for w in VERDICTS if w in counts) or "none"


def machine_line(provenance: dict) -> str:
    """Where the numbers came from: CPU, the kernels torch used, cores, commit, preset."""
    machines = sorted({f"{e.get('cpu', '?')} ({e.get('cpu_capability', '?')} kernels, {e.get('cores', '?')} cores)"
                       for e in provenance.get("environments", [])}) or ["an unrecorded machine"]
    study = provenance.get("study", {})
    return (f"Preset `{study.get('preset', '?')}`, datasets {', '.join(study.get('datasets', [])) or '?'}; trained on "
            f"{' and '.join(machines)}; commit {str(provenance.get('commit', '?'))[:10]}.")


def claim_lines(claims: pd.DataFrame, conditions: pd.DataFrame) -> list[str]:
    lines = []
    for c in claims.itertuples():
        line = f"- **{c.id}**: {c.verdict}. {sentence(f'{c.statistic}: {c.measured}')}"
        if isinstance(c.why, str) and c.why:
            line += f" {sentence('Why: ' + c.why)}"
        own = conditions[(conditions.claim == c.id) & ~conditions.headline.astype(bool)]
        for dataset, rows in own.groupby(own.dataset.fillna("").astype(str), sort=True):
            other = rows[rows.verdict != c.verdict]
            where = f" on {dataset}" if dataset else ""
            named = "; ".join(f"{r.condition}: {r.verdict}" for r in other.itertuples())
            line += " " + sentence(f"Conditions{where}: {_counts(rows.verdict)}"
                                   + (f" (other than the headline's: {named})" if named else ""))
        lines.append(line)
    return lines


def summary(results: Path) -> str:
    """The Markdown block for the study in `results`."""
    claims = pd.read_csv(results / "claims.csv")
    conditions = pd.read_csv(results / "conditions.csv")
    provenance = json.loads((results / "provenance.json").read_text())
    head = (f"{machine_line(provenance)} Headline verdicts: **{_counts(claims.verdict)}** "
            f"(of {count(len(claims), 'claim')}).")
    return "\n".join([MARKERS[0], "", head, "", *claim_lines(claims, conditions), "", MARKERS[1]])


def replace_block(text: str, block: str) -> str:
    """`text` with the lines from the start marker to the end marker replaced by `block`."""
    start, end = text.find(MARKERS[0]), text.find(MARKERS[1])
    if start < 0 or end < start:
        raise ValueError(f"the README has no block between {MARKERS[0]!r} and {MARKERS[1]!r}")
    return text[:start] + block + text[end + len(MARKERS[1]):]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dltips.verdict_summary", description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="a study's results folder (claims.csv, conditions.csv, "
                                                   "provenance.json), e.g. results or results/smoke")
    parser.add_argument("--readme", type=Path, help="write the block into this file instead of printing it")
    args = parser.parse_args(argv)
    block = summary(args.results)
    if args.readme is None:
        print(block)
    else:
        text = replace_block(args.readme.read_text(), block)
        atomic_write(args.readme, lambda tmp: tmp.write_text(text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
