"""Shared figure style: readable defaults, seeded intervals, PNG + SVG output."""

import re
import sys
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: figures are files, never windows
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.transforms import ScaledTranslation  # noqa: E402

from .activations import ACTIVATIONS  # noqa: E402
from .inits import INITS  # noqa: E402
from .io import atomic_write  # noqa: E402
from .verdicts import REPRODUCED, measured  # noqa: E402
from .verdicts import t_interval  # noqa: E402

CI = ("ci", 95)  # seaborn errorbar: 95% bootstrap interval (context panels; verdicts use seed_interval)
BOOT_SEED = 0  # fixed bootstrap seed: the same tables give the same figure
PALETTE = "colorblind"

sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)

# The report's viewer shows a figure about 900 px wide at a 1366 x 900 window: a PNG of at most
# 12 in (1440 px at 120 dpi) at 0.62x or more, where MIN_FONT points are still 9 px on screen.
# Wider figures become two rows of panels, not smaller text.
WIDTH = 11.8  # inches: 12 in less the margin savefig's tight bounding box adds around a full figure
MIN_FONT = 9  # points: the smallest text of any figure (annotations, legends, ticks)
TITLE_FONT = 11  # points: the suptitle, whose lines verdict_title wraps at 125 characters


def n_label(frame, groups: list[str], by: str = "seed") -> str:
    """'n = 3 seeds' per group (a range where groups differ), for titles and captions;
    'no runs' for a table without rows (a config that trains no such runs)."""
    if not len(frame):
        return "no runs"
    counts = frame.groupby(groups)[by].nunique() if groups else frame[[by]].nunique()
    low, high = int(counts.min()), int(counts.max())
    return f"n = {low} {by}s" if low == high else f"n = {low}–{high} {by}s"


def legend(ax, **kwargs) -> None:
    """A legend only where something labelled was drawn: an empty panel gets none."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kwargs)


def below(ax, gap: float = 4.0, **kwargs) -> dict:
    """Legend arguments that put it under the axes' tick labels and x label, off the data,
    centerd; call after the ticks and labels are set. The drop is measured in points, so it
    holds whatever size the layout later gives the axes. `kwargs` override (ncol, title)."""
    renderer = ax.figure.canvas.get_renderer()
    under = ax.xaxis.get_tightbbox(renderer)
    drop = 0.0 if under is None else max(0.0, ax.get_window_extent(renderer).y0 - under.y0) * 72 / ax.figure.dpi
    shift = ScaledTranslation(0, -(drop + gap) / 72, ax.figure.dpi_scale_trans)
    return {"loc": "upper center", "bbox_to_anchor": (0.5, 0.0), "bbox_transform": ax.transAxes + shift,
            "borderaxespad": 0.0, "fontsize": MIN_FONT + 1, "title_fontsize": MIN_FONT + 1, **kwargs}


def right_of(ax, **kwargs) -> dict:
    """Legend arguments that put it outside the axes, right of the data, top-aligned."""
    return {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0, "fontsize": MIN_FONT + 1,
            "title_fontsize": MIN_FONT + 1, **kwargs}


def key_panel(ax, sections, **kwargs) -> None:
    """A grid cell of its own for the legends of the other panels, so none covers data: one
    block per panel, headed (in bold) by where that panel is and what its key means.
    `sections`: (heading, handles, labels) each; a section with no handles is left out."""
    ax.axis("off")
    handles, labels, headings = [], [], []
    for heading, hs, ls in sections:
        if len(hs):
            handles += [Line2D([], [], linestyle="none"), *hs]
            labels += [heading, *ls]
            headings.append(heading)
    if not handles:
        return
    key = ax.legend(handles, labels, **{"loc": "center", "fontsize": MIN_FONT + 1, "frameon": False, **kwargs})
    for text in key.get_texts():
        if text.get_text() in headings:
            text.set_fontweight("bold")


def by_activation(frame: pd.DataFrame) -> dict:
    """seaborn hue arguments that give each activation the same color in every figure of
    these claims (registry order), whichever activations a table holds."""
    names = ACTIVATIONS.names()
    colors = dict(zip(names, sns.color_palette(PALETTE, len(names))))
    present = [a for a in names if a in set(frame.activation)]
    # an empty table takes no palette: seaborn warns about a palette with nothing to color
    return {"hue": "activation", "hue_order": present, "palette": {a: colors[a] for a in present} or None}


def by_init(frame: pd.DataFrame) -> dict:
    """seaborn hue arguments for initializations: a sequential palette no activation uses."""
    names = INITS.names()
    colors = dict(zip(names, sns.color_palette("flare", len(names))))
    present = [i for i in names if i in set(frame["init"])]
    return {"hue": "init", "hue_order": present, "palette": {i: colors[i] for i in present} or None}


def rule_text(v, fmt: str | None = None, unit: str = "seeds") -> str:
    """A rule's numbers in one line, in the verdicts' notation (verdicts.measured):
    'gain: measured +0.12 [0.09, 0.15] (n = 3 seeds); the claim needs > 0'. `fmt` is kept for
    callers that passed one; the notation picks the decimals from the interval's width."""
    return f"{v.statistic}: {measured(v, unit)}"


def verdict_title(name: str, v, fmt: str | None = None, unit: str = "seeds", parts=(), note: str = "",
                  width: int = 125) -> str:
    """The suptitle every claim figure opens with: the claim and its verdict, then a line per
    part of the rule (its own verdict first, then its numbers, rule_text), the part that
    decided first; then why, where it is not reproduced. `parts`: (verdict, fmt, unit) per
    part where units differ; by default the verdict's own parts (verdicts.all_of) in `unit`.
    `note`: a last line of context that is reported, not judged."""
    parts = parts or [(p, fmt, unit) for p in getattr(v, "parts", ())]
    lines = [f"{name} — {v.verdict}"]
    lines += [f"{p.verdict} — {rule_text(p, f, u)}" for p, f, u in parts] if parts else [rule_text(v, fmt, unit)]
    if v.verdict != REPRODUCED and getattr(v, "why", ""):
        lines.append(f"why: {v.why}")
    return "\n".join(_wrap(line, width) for line in lines + ([note] if note else []))


def wrap_to(text: str, inches: float, fontsize: float = TITLE_FONT) -> str:
    """`text` wrapped to lines about `inches` wide at `fontsize` (an average glyph is 0.55 em),
    never inside an interval or '(n = ...)'."""
    chars = max(30, int(inches * 72 / (0.55 * fontsize)))
    return "\n".join(_wrap(line, chars) for line in text.split("\n"))


def _wrap(line: str, width: int) -> str:
    """A title line wrapped at `width`, never inside an interval '[a, b]' or '(n = 5 seeds)'."""
    glued = re.sub(r"\[[^\]]*\]|\(n = [^)]*\)", lambda m: m.group().replace(" ", "\u00a0"), line)
    return textwrap.fill(glued, width).replace("\u00a0", " ")


# What the report's viewer shows whole in a 1366 x 900 window (Snakemake's report: the image in a
# 12 px padded box right of the side menu, scaled down to the box's width, never up; an image
# taller than the box is centred and its top cannot be scrolled to). Measured in Chromium.
VIEWER_PX = (1010, 876)
DPI = 120  # the PNG's resolution where the figure fits the viewer at it
MIN_PX = 9  # the smallest text a reader should see on screen


def saved_inches(fig) -> tuple[float, float]:
    """Width and height of the figure as savefig(bbox_inches="tight") writes it."""
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    pad = 2 * matplotlib.rcParams["savefig.pad_inches"]
    return box.width + pad, box.height + pad


def fitting_dpi(inches: tuple[float, float], viewer=VIEWER_PX, dpi: float = DPI) -> float:
    """The PNG resolution at which the viewer shows the figure whole: DPI, or less where the
    figure is tall for its width (a PNG no wider than the viewer is shown at its own size, so
    a lower resolution makes it shorter on screen)."""
    (w, h), (vw, vh) = inches, viewer
    shown = min(dpi, vw / w)  # screen pixels per inch of figure
    return dpi if h * shown <= vh else vh / h


def screen_px_per_point(inches: tuple[float, float], viewer=VIEWER_PX) -> float:
    """Screen pixels one point of the figure takes in the viewer, saved at fitting_dpi."""
    return min(fitting_dpi(inches, viewer), viewer[0] / inches[0]) / 72


def _texts(fig) -> list:
    """Every text the figure draws: titles, labels, annotations, legends, and the tick labels
    of the ticks drawn (an axis keeps label objects for ticks outside its view, never drawn)."""
    from matplotlib.text import Text

    tick_labels, drawn = set(), []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                tick_labels.update((id(tick.label1), id(tick.label2)))
            if ax.get_visible() and ax.axison and axis.get_visible():
                # the ticks the axis draws in its view, as Axis.draw selects them
                drawn += [label for tick in axis._update_ticks() for label in (tick.label1, tick.label2)]
    drawn += [t for t in fig.findobj(Text) if id(t) not in tick_labels]
    return [t for t in drawn if t.get_visible() and t.get_text().strip()]


def overlaps(fig, texts=None) -> list[tuple[str, str]]:
    """Pairs of upright texts whose boxes overlap by more than a pixel (tick labels, legends,
    annotations, titles). Rotated texts are left out: their boxes are not their glyphs'."""
    renderer = fig.canvas.get_renderer()
    texts = [t for t in (texts if texts is not None else _texts(fig)) if t.get_rotation() % 90 == 0]
    boxes = [t.get_window_extent(renderer).padded(-1) for t in texts]
    out = []
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            if boxes[i].width > 0 and boxes[j].width > 0 and boxes[i].overlaps(boxes[j]):
                out.append((texts[i].get_text(), texts[j].get_text()))
    return out


def problems(fig) -> list[str]:
    """What a reader of the report at 1366 x 900 would miss on this figure: text under MIN_PX
    on screen, overlapping texts."""
    fig.canvas.draw()  # lays the figure out as savefig will
    texts = _texts(fig)
    scale = screen_px_per_point(saved_inches(fig))
    out = [f"text at {t.get_fontsize() * scale:.1f} px on screen (under {MIN_PX}): {t.get_text()[:50]!r}"
           for t in texts if t.get_fontsize() * scale < MIN_PX - 1e-6]
    out += [f"overlapping texts: {a[:40]!r} and {b[:40]!r}" for a, b in overlaps(fig, texts)]
    return out


def stamp(fig, line: str, fontsize: float = TITLE_FONT) -> None:
    """`line` in red above everything the figure draws, wrapped to its width (savefig's tight
    bounding box then takes it in, so it covers nothing; call it after the layout)."""
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()
    box = fig.get_tightbbox(renderer) or Bbox.from_bounds(0, 0, *fig.get_size_inches())
    fig.text(box.x0, box.y1 + 0.06, wrap_to(line, box.width, fontsize), transform=fig.dpi_scale_trans, ha="left",
             va="bottom", color="#c62828", fontsize=fontsize, fontweight="bold")


def mark(fig) -> None:
    """Lay `fig` out, then stamp the preset's mark above it where the study is not the default
    one (dltips.preset_mark)."""
    from . import preset_mark

    if fig.get_layout_engine() is None:  # a figure that set its own layout keeps it
        fig.tight_layout()
    fig.canvas.draw()
    if preset_mark.text():
        fig.set_layout_engine("none")  # the layout is done: the mark sits above it
        stamp(fig, preset_mark.text())


def save(fig, png, svg) -> None:
    """PNG and SVG of `fig`, laid out and marked (mark); the PNG at a resolution the report's
    viewer shows whole (fitting_dpi). What a reader would still miss (problems) is printed to
    the log."""
    mark(fig)
    found = list(dict.fromkeys(problems(fig)))
    for problem in found[:8]:
        print(f"figure {Path(png).name}: {problem}", file=sys.stderr)
    if len(found) > 8:
        print(f"figure {Path(png).name}: and {len(found) - 8} more", file=sys.stderr)
    dpi = fitting_dpi(saved_inches(fig))
    for path, fmt in ((png, "png"), (svg, "svg")):
        atomic_write(Path(path), lambda tmp, fmt=fmt: fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight"))
    plt.close(fig)


def seed_interval(values):
    """Student-t 95% interval over seeds, as seaborn's `errorbar` callable: the verdicts' own interval."""
    _, low, high, _ = t_interval(values)
    return low, high
