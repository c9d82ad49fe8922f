"""Read a built report as a reader does, in a real browser: Chromium at 1366 x 900, driven by
Playwright (a test-only dependency; Debian's /usr/bin/chromium, never a downloaded browser).

Every result of the report is opened the way its links open it (its section, then the eye
button of its row), and what the reader sees is measured: whether a figure lies whole in the
viewer (its top is not cut: Snakemake's viewer centres an image taller than the window and
its top cannot be scrolled to), the size its smallest text is shown at, the preset's mark on
it, and on an HTML page the banner and any text under MIN_PX. tests/test_report_browser.py
asserts on it, tools/screenshot_report.py prints it with screenshots.

A figure's text size is read from its SVG twin (saved beside the PNG by dltips.figures.save):
Matplotlib draws SVG text as glyphs scaled from 100-unit fonts, so `scale(s -s)` is a font
of 100*s points, and the SVG's width in points against the width the viewer shows the PNG at
gives the pixels per point.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

WINDOW = (1366, 900)
MIN_PX = 9
CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright downloads no browser here
GLYPH_SCALE = re.compile(r"scale\(([0-9.]+) -\1\)")
SVG_WIDTH = re.compile(r"<svg[^>]*\swidth=\"([0-9.]+)pt\"")
PRESET_WORD = "PRESET"  # in dltips.preset_mark.text(), the mark's words


@dataclass
class Look:
    """What a reader sees of one result of the report."""

    path: str  # the result's path, as the report names it (results/.../x.png)
    category: str
    kind: str  # "figure" or "page"
    cut_px: float = 0.0  # how much of it lies outside the viewer and cannot be seen at once (top or bottom)
    top_cut_px: float = 0.0  # how much of its top lies above the viewer: cannot be scrolled to
    smallest_px: float | None = None  # its smallest text as shown
    marked: bool = False  # the preset's mark on it (figure) or at its top (page)
    caption_marked: bool = False  # the preset's banner in its caption
    small_text: list = field(default_factory=list)  # (px, text) of a page's text under MIN_PX
    interactive: int = 0  # a page's interactive tables (DataTables started)

    def problems(self, min_px: float = MIN_PX, marked: bool = True) -> list[str]:
        out = []
        if self.top_cut_px > 0.5:
            out.append(f"its top is cut by {self.top_cut_px:.0f} px and cannot be scrolled to")
        elif self.cut_px > 0.5:
            out.append(f"{self.cut_px:.0f} px of it lie outside the viewer")
        if self.smallest_px is not None and self.smallest_px < min_px - 0.05:
            out.append(f"its smallest text is {self.smallest_px:.1f} px")
        out += [f"text at {px:.1f} px: {text!r}" for px, text in self.small_text[:5]]
        if self.kind == "page" and not self.interactive:
            out.append("its table is not interactive (DataTables did not start)")
        if marked and not self.marked:
            out.append("no preset mark on it")
        if marked and not self.caption_marked:
            out.append("no preset banner in its caption")
        return [f"{self.path}: {p}" for p in out]


@dataclass
class Reading:
    looks: list[Look]
    landing_marked: bool
    console_errors: list[str]

    def problems(self, marked: bool) -> list[str]:
        """Everything a reader would miss; `marked`: whether the study is a preset that must say so."""
        out = [p for look in self.looks for p in look.problems(marked=marked)]
        if marked and not self.landing_marked:
            out.append("landing page: no preset banner")
        return out + [f"console error: {e}" for e in self.console_errors]


def svg_text_scale(svg: Path) -> tuple[float | None, float | None]:
    """(smallest font in points, width in points) of a Matplotlib SVG."""
    text = svg.read_text()
    sizes = [100 * float(s) for s in GLYPH_SCALE.findall(text)]
    width = SVG_WIDTH.search(text)
    return (min(sizes) if sizes else None), (float(width.group(1)) if width else None)


def chromium_path(given: str | None = None) -> str | None:
    """The browser to drive: `given`, else Debian's, else one on PATH; None where there is none."""
    for path in (given, CHROMIUM, shutil.which("chromium"), shutil.which("chromium-browser")):
        if path and Path(path).exists():
            return path
    return None


SMALL_DOM_TEXT = """
(minPx) => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, text = node.textContent.trim();
    if (!text) continue;
    const el = node.parentElement, style = getComputedStyle(el), box = el.getBoundingClientRect();
    if (style.display === 'none' || style.visibility === 'hidden' || box.width === 0) continue;
    if (el.closest('[hidden]')) continue;
    const px = parseFloat(style.fontSize);
    if (px < minPx) out.push([px, text.slice(0, 60)]);
  }
  return out;
}
"""

OPEN_ROW = """
(label) => {
  const row = [...document.querySelectorAll('nav tr')].find(
    r => [...r.querySelectorAll('td')].some(td => td.textContent.trim() === label));
  if (!row) return false;
  row.querySelector('a').click();
  return true;
}
"""

# where the shown image lies in the viewer (the scrolling box around it), scrolled to its top
IMAGE_BOX = """
() => {
  const img = [...document.images].filter(i => i.closest('.overflow-auto')).pop();
  if (!img || !img.complete || !img.naturalWidth) return null;
  const box = img.closest('.overflow-auto');
  box.scrollTop = 0; box.scrollLeft = 0;
  const b = box.getBoundingClientRect(), i = img.getBoundingClientRect();
  return {top: b.top - i.top, bottom: i.bottom - b.bottom, right: i.right - b.right, shown: i.width,
          natural: img.naturalWidth};
}
"""

def _label(entry: dict) -> str:
    labels = entry.get("labels") or {}
    return str(next(iter(labels.values()))) if labels else entry["name"]


def _report_data(page) -> tuple[dict, dict]:
    return page.evaluate("() => [results, categories]")


def _open(page, report: Path, category: str, label: str) -> None:
    """A fresh page, the section, then the row's eye button: as the report's links do (the
    viewer does not switch sections reliably from one that is open)."""
    page.goto(report.resolve().as_uri())
    page.wait_for_function("() => typeof app !== 'undefined'")
    page.evaluate("name => app.showCategory(name)", category)
    page.wait_for_function(OPEN_ROW.replace("row.querySelector('a').click();", ""), arg=label)
    page.evaluate(OPEN_ROW, label)


def _look_at_figure(page, look: Look, root: Path) -> None:
    page.wait_for_function(IMAGE_BOX, timeout=15000)
    box = page.evaluate(IMAGE_BOX)
    look.top_cut_px = max(0.0, box["top"])
    look.cut_px = max(0.0, box["top"], box["bottom"], box["right"])
    svg = (root / look.path).with_suffix(".svg")
    if svg.exists():
        smallest, width_pt = svg_text_scale(svg)
        if smallest is not None and width_pt:
            look.smallest_px = smallest * box["shown"] / width_pt
        look.marked = PRESET_WORD in svg.read_text()


def _look_at_page(page, look: Look) -> None:
    inner = page.wait_for_selector("iframe").content_frame()
    inner.wait_for_selector("h2", timeout=15000)  # every page of dltips has its heading
    page.wait_for_timeout(1000)  # the tables' library starts after the page's load event
    look.small_text = inner.evaluate(SMALL_DOM_TEXT, MIN_PX)
    top = inner.evaluate("() => { const m = document.querySelector('.preset-mark'); "
                         "return m ? m.getBoundingClientRect().top : null; }")
    look.marked = top is not None and top < 100  # at the page's top, seen without scrolling
    look.interactive = inner.evaluate("() => document.querySelectorAll('.dt-container').length")


def read_report(report: Path, root: Path, chromium: str | None = None, shots: Path | None = None) -> Reading:
    """Open every result of `report` (whose result paths are relative to `root`, the folder
    the workflow ran in) and measure what a reader sees; `shots`: a folder for a screenshot
    of the landing page and of each result."""
    from playwright.sync_api import sync_playwright

    browser_path = chromium_path(chromium)
    if browser_path is None:
        raise FileNotFoundError(f"no Chromium: apt-get install chromium (looked for {CHROMIUM} and PATH)")
    errors: list[str] = []
    looks = []
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": WINDOW[0], "height": WINDOW[1]})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.resolve().as_uri())
        page.wait_for_function("() => typeof app !== 'undefined'")
        page.wait_for_timeout(500)
        landing_marked = page.evaluate("() => !!document.querySelector('.preset-mark')")
        if shots is not None:
            page.screenshot(path=str(shots / "landing.png"))
        results, categories = _report_data(page)
        for category, subcategories in categories.items():
            for paths in subcategories.values():
                for path in paths:
                    entry = results[path]
                    kind = "figure" if entry["mime_type"].startswith("image/") else "page"
                    look = Look(path, category, kind, caption_marked="preset-mark" in (entry.get("caption") or ""))
                    _open(page, report, category, _label(entry))
                    if kind == "figure":
                        _look_at_figure(page, look, root)
                    else:
                        _look_at_page(page, look)
                    if shots is not None:
                        page.screenshot(path=str(shots / (re.sub(r"[^A-Za-z0-9_.-]+", "_", path) + ".png")))
                    looks.append(look)
        browser.close()
    return Reading(looks, landing_marked, errors)


def summary_lines(reading: Reading) -> list[str]:
    """One line per result: what a reader sees of it."""
    lines = [f"landing page: preset banner {'shown' if reading.landing_marked else 'absent'}"]
    for look in reading.looks:
        size = "n/a" if look.smallest_px is None else f"{look.smallest_px:.1f} px"
        lines.append(f"{look.path}: {look.kind}, top cut {look.top_cut_px:.0f} px, outside {look.cut_px:.0f} px, "
                     f"smallest text {size}, mark {'yes' if look.marked else 'no'}, caption banner "
                     f"{'yes' if look.caption_marked else 'no'}"
                     + (f", {len(look.small_text)} text node(s) under {MIN_PX} px" if look.small_text else "")
                     + (f", {look.interactive} interactive table(s)" if look.kind == "page" else ""))
    return lines + [f"console error: {e}" for e in reading.console_errors]


def as_json(reading: Reading) -> str:
    return json.dumps({"landing_marked": reading.landing_marked, "console_errors": reading.console_errors,
                       "looks": [look.__dict__ for look in reading.looks]}, indent=1)
