"""Where a claim holds, as a picture: its conditions laid out on their axes (init down, depth
across; width down, dropout rate across; ...), one panel per dataset and kind of condition,
each cell colored by the claim's verdict there and giving the statistic's mean [95% interval].

The axes are read back from conditions.csv's `condition` labels (dltips.claims.grids.label:
'init=he, depth=10'), in the order the claim declared them: the first axis runs down, the
others across. The statistic a cell reports is named under the panel; where the deciding
statistic differs between cells (a claim of several parts), each cell carries the letter of
its own.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pandas as pd

from .. import words
from ..io import missing
from ..lazy import plt
from .palette import FILL

FONT = 9  # points: figures.MIN_FONT
CELL = (1.25, 0.62)  # inches: a cell holds 'b: −0.255' and '[−0.31, −0.20]' at 9 pt


def axes_of(label: str) -> dict[str, str]:
    """'init=he, depth=10' -> {'init': 'he', 'depth': '10'}; 'all' (no conditions) -> {}."""
    if not isinstance(label, str) or label in ("", "all"):
        return {}
    return dict(part.split("=", 1) for part in re.split(r", (?=[^,=]+=)", label))


def needs(row) -> str:
    """What the claim needs in a cell (dltips.words.needs: 'within ±0.015', '> 0')."""
    return words.needs(row.direction, row.threshold, row.value, row.ci_low, row.ci_high)


def _cell(row) -> str:
    """'mean\n[low, high]' with the digits dltips.words.interval gives it, or 'no data'."""
    if missing(row.value):
        return "no data"
    return words.interval(row.value, row.ci_low, row.ci_high, words.marks_of(row.direction, row.threshold)) \
        .replace(" [", "\n[", 1)


def measure(statistic, condition: dict[str, str]) -> str:
    """The statistic with its condition's values taken out ('…, depth 3, he init, …' -> '…'),
    so that cells measuring the same thing in different conditions share one name."""
    text = str(statistic) if isinstance(statistic, str) else ""
    for axis, value in condition.items():
        v, k = re.escape(value), re.escape(axis)
        text = re.sub(rf",?\s*\b(?:{k}\s+{v}|{v}\s+{k})\b", "", text)
        if not re.fullmatch(r"[0-9.e+-]+", value):  # a named level (sgd, he, prox) stands alone too
            text = re.sub(rf",?\s*\b{v}\b", "", text)
    return re.sub(r"\s+,", ",", re.sub(r"\s{2,}", " ", text)).strip(" ,")


def _layout(rows: pd.DataFrame) -> tuple[list[str], list[str], list[str]]:
    """The axis names and the row and column labels of one kind of condition, in the claim's order."""
    names = list(axes_of(rows.condition.iloc[0]))
    down = lambda c: axes_of(c).get(names[0], "") if names else ""  # noqa: E731
    across = lambda c: ", ".join(f"{k}={v}" for k, v in list(axes_of(c).items())[1:])  # noqa: E731
    return names, list(dict.fromkeys(map(down, rows.condition))), list(dict.fromkeys(map(across, rows.condition)))


def _panels(table: pd.DataFrame) -> list[tuple[str, tuple, pd.DataFrame]]:
    """(dataset, axis names, rows) per dataset and kind of condition (the set of axes it names)."""
    dataset = table["dataset"].astype(object).where(table["dataset"].notna(), "").astype(str)
    kinds = table.condition.map(lambda c: tuple(axes_of(c)))
    out = []
    for d in dict.fromkeys(dataset):
        for kind in dict.fromkeys(kinds[dataset == d]):
            out.append((d, kind, table[(dataset == d) & (kinds == kind)]))
    return out


def claim_map(table: pd.DataFrame):
    """The conditions map of one claim (its rows of conditions.csv)."""
    from ..figures import wrap_to

    panels = _panels(table)
    shapes = [_layout(rows) for _, _, rows in panels]
    measures = list(dict.fromkeys(measure(r.statistic, axes_of(r.condition)) for r in table.itertuples()))
    letters = {m: string.ascii_lowercase[i % 26] for i, m in enumerate(measures)} if len(measures) > 1 else {}
    thresholds = {words.needs(r.direction, r.threshold) for r in table.itertuples()}
    width = min(11.8, max(6.5, 1.8 + CELL[0] * max(len(cols) for _, _, cols in shapes)))
    key = "\n".join(wrap_to(f"{letters[m]}: {m}" if letters else f"statistic: {m}", width - 0.3, FONT)
                     for m in measures)
    labels_h = [0.22 * max(c.count(", ") + 1 for c in cols) for _, _, cols in shapes]
    height = 0.9 + sum(CELL[1] * len(down) + 0.5 + lab for (_, down, _), lab in zip(shapes, labels_h)) \
        + 0.17 * (key.count("\n") + 1)
    fig, axes = plt.subplots(len(panels), 1, figsize=(width, height), squeeze=False, layout="constrained",
                             height_ratios=[CELL[1] * len(down) + 0.5 + lab for (_, down, _), lab in zip(shapes, labels_h)])
    for ax, (dataset, _, rows), (names, down, cols) in zip(axes[:, 0], panels, shapes):
        _panel(ax, rows, names, down, cols, letters, show_needs=len(thresholds) > 1)
        across = ", ".join(names[1:])
        ax.set_title(f"{dataset or 'no dataset (toy or exact check)'}" + (f"; across: {across}" if across else ""),
                     fontsize=FONT + 1, loc="left")
    needed = f"; the claim needs {next(iter(thresholds))}" if len(thresholds) == 1 else ""
    fig.suptitle(wrap_to(f"{table.claim.iloc[0]}: its verdict per condition, mean [95% interval over seeds]"
                         f"{needed}; thick border: the headline", width, FONT + 2), fontsize=FONT + 2, x=0.01,
                 ha="left")
    fig.supxlabel(key, fontsize=FONT, x=0.01, ha="left", color="0.25")
    return fig


def _panel(ax, rows, names, down, cols, letters, show_needs: bool) -> None:
    from matplotlib.patches import Rectangle

    ax.set_xlim(0, len(cols))
    ax.set_ylim(len(down), 0)
    for r in rows.itertuples():
        cond = axes_of(r.condition)
        i = down.index(cond.get(names[0], "") if names else "")
        j = cols.index(", ".join(f"{k}={v}" for k, v in list(cond.items())[1:]))
        headline = bool(r.headline)
        ax.add_patch(Rectangle((j, i), 1, 1, facecolor=FILL.get(r.verdict, "#eeeeee"),
                               edgecolor="k" if headline else "white", lw=3 if headline else 1, zorder=2 if headline else 1))
        letter = f"{letters[measure(r.statistic, cond)]}: " if letters else ""
        text = f"{letter}{_cell(r)}"
        ax.text(j + 0.5, i + 0.5, text + (f"\nneeds {needs(r)}" if show_needs else ""), ha="center", va="center",
                fontsize=FONT, zorder=3, linespacing=1.1)
    ax.set_xticks([j + 0.5 for j in range(len(cols))], [c.replace(", ", "\n") for c in cols], fontsize=FONT)
    ax.xaxis.tick_top()
    ax.set_yticks([i + 0.5 for i in range(len(down))], down, fontsize=FONT)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.grid(False)
    ax.set_ylabel(names[0] if names else "", fontsize=FONT + 1)


def write_maps(conditions_csv, folder) -> list[Path]:
    """Each claim's conditions map from conditions.csv, as `folder`/<NN>_<claim>.png and .svg,
    NN its place in the table (the config's order), which the report sorts by."""
    from ..figures import save

    table = pd.read_csv(conditions_csv)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for i, (claim, rows) in enumerate(table.groupby("claim", sort=False), start=1):
        name = f"{i:02d}_{claim}"
        save(claim_map(rows), folder / f"{name}.png", folder / f"{name}.svg")
        written.append(folder / f"{name}.png")
    return written
