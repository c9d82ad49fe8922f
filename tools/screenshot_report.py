"""Look at a built report as a reader does: headless Chromium at 1366x900, three screenshots.

Not part of the test command (CI's machine has no browser). Needs Chromium and Playwright:

    apt-get install chromium                  # Debian's browser; Playwright drives it, downloads none
    .venv/bin/pip install playwright==1.65.2
    .venv/bin/python tools/screenshot_report.py results/report.html --out results/screenshots

It saves landing.png (the report's first page), verdicts.png (0. Verdicts, the claims table)
and claim.png (one claim's figure, `--claim`), then lists text that a reader at this width sees
smaller than 9 px: text of the page itself (computed font size), and figure text, estimated as
each figure's smallest font (from its SVG twin) x 120 dpi / 72 x the scale at which the viewer
shows the PNG (measured on the opened figure, applied to every figure of the same folder).
"""

import argparse
import re
import shutil
import sys
from pathlib import Path

WIDTH, HEIGHT = 1366, 900
MIN_PX = 9
PNG_DPI = 120  # dltips.figures.save
# Matplotlib draws SVG text as glyph paths at 100 units per point: scale(s) is a font of 100*s pt
GLYPH_SCALE = re.compile(r"scale\(([0-9.]+) -\1\)")

SMALL_DOM_TEXT = """
(minPx) => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, text = node.textContent.trim();
    if (!text) continue;
    const el = node.parentElement, style = getComputedStyle(el), box = el.getBoundingClientRect();
    if (style.display === 'none' || style.visibility === 'hidden' || box.width === 0) continue;
    const px = parseFloat(style.fontSize);
    if (px < minPx) out.push([px, text.slice(0, 60)]);
  }
  return out;
}
"""


def smallest_font_pt(svg: Path) -> float | None:
    sizes = [100 * float(s) for s in GLYPH_SCALE.findall(svg.read_text())]
    return min(sizes) if sizes else None


def browser_path(given: str | None) -> str:
    path = given or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        sys.exit("no Chromium found: apt-get install chromium, or pass --chromium PATH")
    return path


def open_item(page, report: Path, category: str, label: str) -> None:
    """Show one result as a reader would: its section (the report's own navigation, as its links
    do: app.showCategory), then the eye button of its row. From a fresh page: the viewer does not
    switch sections reliably from one that is open."""
    page.goto(report.resolve().as_uri())
    page.wait_for_timeout(1500)
    page.evaluate("name => app.showCategory(name)", category)
    page.wait_for_timeout(1000)
    page.locator("nav tr", has_text=label).first.locator("a").first.click()
    page.wait_for_timeout(2000)


def shot(page, path: Path, report_lines: list[str]) -> None:
    page.screenshot(path=str(path))
    # the claims table (an HTML result) sits in its own frame: every frame's text counts
    small = [hit for frame in page.frames for hit in frame.evaluate(SMALL_DOM_TEXT, MIN_PX)]
    report_lines.append(f"{path.name}: {len(small)} page text node(s) under {MIN_PX} px"
                        + "".join(f"\n    {px:.1f} px: {text!r}" for px, text in small[:10]))


def figure_scale(page) -> float | None:
    """Displayed / natural width of the largest image on the page (the opened figure)."""
    sizes = page.evaluate("() => [...document.images].map(i => [i.clientWidth, i.naturalWidth])")
    sizes = [(shown, natural) for shown, natural in sizes if natural > 0 and shown > 0]
    if not sizes:
        return None
    shown, natural = max(sizes, key=lambda s: s[1])
    return shown / natural


def figure_text_sizes(claims_dir: Path, scale: float, shown_width: float | None) -> list[str]:
    from PIL import Image

    lines = []
    for svg in sorted(claims_dir.glob("*.svg")):
        png = svg.with_suffix(".png")
        smallest = smallest_font_pt(svg)
        if smallest is None or not png.exists():
            continue
        natural = Image.open(png).size[0]
        this_scale = min(1.0, shown_width / natural) if shown_width else scale
        px = smallest * PNG_DPI / 72 * this_scale
        mark = "  <-- under 9 px" if px < MIN_PX else ""
        lines.append(f"{svg.stem}: smallest text {smallest:.1f} pt, {natural} px wide, shown at "
                     f"{this_scale:.2f}x -> {px:.1f} px{mark}")
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="the report, e.g. results/report.html")
    parser.add_argument("--out", type=Path, default=None, help="folder for the PNGs (default: beside the report)")
    parser.add_argument("--claim", default="relu-fixes-depth", help="claim whose figure is shot")
    parser.add_argument("--category", default="3. Training-side tips", help="report section holding --claim")
    parser.add_argument("--chromium", default=None, help="browser executable (default: chromium on PATH)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    out = args.out or args.report.parent / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path(args.chromium), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.goto(args.report.resolve().as_uri())
        page.wait_for_timeout(1500)
        shot(page, out / "landing.png", lines)
        open_item(page, args.report, "0. Verdicts", "all claims")
        shot(page, out / "verdicts.png", lines)
        open_item(page, args.report, args.category, args.claim)
        shot(page, out / "claim.png", lines)
        scale = figure_scale(page)
        shown = page.evaluate("() => Math.max(0, ...[...document.images].map(i => i.clientWidth))")
        browser.close()
    claims_dir = args.report.parent / "claims"
    if scale is not None and claims_dir.is_dir():
        lines.append(f"figure text at the viewer's width (the opened figure is shown at {scale:.2f}x):")
        lines += ["    " + line for line in figure_text_sizes(claims_dir, scale, shown if scale < 1 else None)]
    print(f"screenshots in {out}:")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
