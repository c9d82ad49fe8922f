"""Look at a built report as a reader does: headless Chromium at 1366x900, a screenshot of the
landing page and of every result, and what a reader would miss on each.

Not part of the plain test command (tests/test_report_browser.py asserts the same where
Chromium is installed). Needs Debian's Chromium and Playwright (the `test` extra):

    apt-get install chromium                  # Playwright drives it and downloads no browser
    .venv/bin/python tools/screenshot_report.py results/smoke/report.html --out results/smoke/screenshots

Every figure of the report (claims, summary, overview) and every HTML page is opened through
the report's own navigation (dltips.report_view); for each it prints whether its top is cut
(Snakemake's viewer centres a tall image and its top cannot be scrolled to), how much of it
lies outside the viewer, the size its smallest text is shown at (from its SVG twin), and the
preset's mark; then every problem, and exits 1 if there is one.
"""

import argparse
import sys
from pathlib import Path

from dltips.report_view import read_report, summary_lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="the report, e.g. results/smoke/report.html")
    parser.add_argument("--root", type=Path, default=Path("."),
                        help="the folder the workflow ran in: the report's result paths are relative to it")
    parser.add_argument("--out", type=Path, default=None, help="folder for the PNGs (default: beside the report)")
    parser.add_argument("--chromium", default=None, help="browser executable (default: /usr/bin/chromium)")
    parser.add_argument("--default-study", action="store_true",
                        help="the report is the default study's: no preset mark expected")
    args = parser.parse_args(argv)
    out = args.out or args.report.parent / "screenshots"
    reading = read_report(args.report, args.root, args.chromium, shots=out)
    print(f"screenshots in {out}:")
    print("\n".join(summary_lines(reading)))
    problems = reading.problems(marked=not args.default_study)
    print(f"{len(problems)} problem(s)" + "".join(f"\n    {p}" for p in problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
