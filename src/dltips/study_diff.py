"""Two finished studies of one config, side by side: which rate picks, runs and verdicts differ.

What it is for: the same study run on two machines (or with torch's kernels forced to another
instruction set, which changes only rounding) must not decide a verdict differently; a verdict
that rests on which of two equally good rates won is called rate-dependent by the rate look
(claims.rates) instead. This module counts what differs, so the claim can be checked:

    python -m dltips.study_diff results_a results_b

Verdicts are matched by (claim, dataset, condition). A pair of verdicts is *decided differently*
when both are decided (reproduced or not reproduced) and differ: the failure the rate look must
prevent. One decided and one inconclusive is a *decided on one side* change.
"""

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .verdicts import INCONCLUSIVE

KEY = ["claim", "dataset", "condition"]
ARM = "arm"


@dataclass(frozen=True)
class VerdictDiff:
    """How two studies' verdicts of one table (conditions.csv) compare."""

    compared: int  # verdicts present in both
    differ: int
    decided_differently: int  # both decided, opposite
    decided_on_one_side: int  # one decided, the other inconclusive
    only_one_side: int  # in one study's table alone
    table: pd.DataFrame  # the rows that differ: KEY, headline, verdict_a, verdict_b, and each look's _a, _b


def _decided(verdict: pd.Series) -> pd.Series:
    return verdict.notna() & (verdict != INCONCLUSIVE)


def verdict_diff(a: pd.DataFrame, b: pd.DataFrame) -> VerdictDiff:
    """Compare two conditions.csv tables (a toy's empty dataset matches a toy's empty dataset)."""
    a, b = (t.assign(dataset=t.dataset.fillna("").astype(str)) for t in (a, b))
    for name, t in (("a", a), ("b", b)):
        if t.duplicated(KEY).any():
            raise ValueError(f"study {name}: conditions.csv has several rows for one {'/'.join(KEY)}")
    keep = KEY + ["headline", "verdict"] + [c for c in ("tied_rates", "machine_look") if c in a.columns]
    both = a[keep].merge(b[[c for c in keep if c in b.columns and c != "headline"]], on=KEY, how="outer",
                         suffixes=("_a", "_b"), indicator=True)
    paired = both[both._merge == "both"]
    differ = paired[paired.verdict_a != paired.verdict_b]
    decided_a, decided_b = _decided(differ.verdict_a), _decided(differ.verdict_b)
    return VerdictDiff(
        compared=len(paired), differ=len(differ), decided_differently=int((decided_a & decided_b).sum()),
        decided_on_one_side=int((decided_a ^ decided_b).sum()), only_one_side=int((both._merge != "both").sum()),
        table=differ.drop(columns="_merge").reset_index(drop=True))


def headline_diff(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """claims.csv side by side: id, verdict_a, verdict_b, value_a, value_b, for every claim."""
    cols = ["id", "verdict", "value", "ci_low", "ci_high"]
    order = list(dict.fromkeys([*a.id, *b.id]))  # the config's order, as claims.csv has it
    both = a[cols].merge(b[cols], on="id", how="outer", suffixes=("_a", "_b"))
    return both.set_index("id").loc[order].reset_index()


def pick_diff(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """tuning.csv's picks side by side, one row per arm chosen in either study: arm, lr_a, lr_b,
    tied_a, tied_b (the rates tied with each pick, as a sorted tuple)."""
    def picks(t: pd.DataFrame) -> pd.DataFrame:
        chosen = t[t.chosen.astype(bool)].groupby(ARM).lr.first()  # each round of the pick's rows says chosen
        tied = t[t.tied_with_pick.astype(bool)].groupby(ARM).lr.agg(lambda r: tuple(sorted(set(r))))
        return pd.DataFrame({"lr": chosen, "tied": tied.reindex(chosen.index)})

    return picks(a).merge(picks(b), left_index=True, right_index=True, how="outer",
                          suffixes=("_a", "_b")).rename_axis(ARM).reset_index()


def run_diff(a: pd.DataFrame, b: pd.DataFrame, column: str = "final_test_accuracy") -> tuple[int, int]:
    """(runs in both, runs whose `column` differs at all) between two runs.csv tables."""
    both = a[["run_id", column]].merge(b[["run_id", column]], on="run_id", suffixes=("_a", "_b"))
    return len(both), int((both[f"{column}_a"] != both[f"{column}_b"]).sum())


def report(a: Path, b: Path) -> str:
    """The comparison in Markdown: picks, runs, headline and per-condition verdicts."""
    lines = [f"# {a} against {b}", ""]
    tuning = a / "tables" / "tuning.csv", b / "tables" / "tuning.csv"
    if all(p.exists() for p in tuning):
        picks = pick_diff(*(pd.read_csv(p) for p in tuning))
        moved = picks[picks.lr_a != picks.lr_b]
        lines.append(f"- rate picks: {len(moved)} of {len(picks)} arms pick another rate")
    runs = a / "tables" / "runs.csv", b / "tables" / "runs.csv"
    if all(p.exists() for p in runs):
        n, moved_runs = run_diff(*(pd.read_csv(p) for p in runs))
        lines.append(f"- runs: {moved_runs} of {n} end with another test accuracy")
    cond = verdict_diff(pd.read_csv(a / "conditions.csv"), pd.read_csv(b / "conditions.csv"))
    lines.append(f"- per-condition verdicts: {cond.differ} of {cond.compared} differ; {cond.decided_differently} "
                 f"decided both times in opposite directions, {cond.decided_on_one_side} decided on one side only"
                 + (f"; {cond.only_one_side} in one study alone" if cond.only_one_side else ""))
    heads = headline_diff(pd.read_csv(a / "claims.csv"), pd.read_csv(b / "claims.csv"))
    changed = heads[heads.verdict_a != heads.verdict_b]
    lines += [f"- headline verdicts: {len(changed)} of {len(heads)} differ", "", "## Headline verdicts", "",
              "| claim | a | b |", "|---|---|---|"]
    lines += [f"| {r.id} | {r.verdict_a} ({r.value_a:.3g}) | {r.verdict_b} ({r.value_b:.3g}) |"
              for r in heads.itertuples()]
    if len(cond.table):
        lines += ["", "## Per-condition verdicts that differ", ""] + markdown_rows(cond.table)
    return "\n".join(lines) + "\n"


def markdown_rows(table: pd.DataFrame) -> list[str]:
    cells = table.astype(object).where(table.notna(), "")
    return (["| " + " | ".join(map(str, table.columns)) + " |", "|" + "---|" * len(table.columns)]
            + ["| " + " | ".join(map(str, row)) + " |" for row in cells.itertuples(index=False)])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path, help="a finished study's results folder")
    parser.add_argument("b", type=Path, help="another finished study's results folder (same config)")
    args = parser.parse_args(argv)
    for folder in (args.a, args.b):
        if not (folder / "conditions.csv").exists():
            sys.exit(f"{folder}: no conditions.csv (not a judged study's results folder)")
    sys.stdout.write(report(args.a, args.b))


if __name__ == "__main__":
    main()
