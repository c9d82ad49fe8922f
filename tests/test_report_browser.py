"""The smoke report as a reader sees it, in a real browser: Debian's Chromium at 1366 x 900,
driven by Playwright (dltips.report_view). Every result is opened through the report's own
navigation; every figure must lie whole in the viewer (its top, the claim's name and verdict,
reachable) with its text at 9 px or more, every page must open with the smoke banner and
start its interactive table, every caption must carry the banner, and the browser must log no
error.

It needs Chromium (`apt-get install chromium`; Playwright downloads no browser here), so the
plain test command skips it where none is installed; .ci/browser installs it and runs this
file with DLTIPS_BROWSER_TEST=1, which makes a missing browser a failure instead.
"""

import os

import pytest

from conftest import SMOKE_RESULTS, snakemake

pytestmark = [pytest.mark.browser, pytest.mark.workflow]


@pytest.fixture(scope="module")  # before the session's smoke study, which a skip then spares
def chromium():
    from dltips.report_view import CHROMIUM, chromium_path

    missing = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "Playwright is not installed (.[test] brings it)"
    path = chromium_path()
    if path is None:
        missing = f"no Chromium ({CHROMIUM}): apt-get install chromium (.ci/browser does)"
    if missing and os.environ.get("DLTIPS_BROWSER_TEST"):
        pytest.fail(f"DLTIPS_BROWSER_TEST is set but {missing}")
    if missing:
        pytest.skip(f"opens the report in a browser: {missing}")
    return path


@pytest.fixture(scope="module")
def reading(chromium, smoke):
    from dltips.report_view import read_report

    snakemake(smoke, "--report", f"{SMOKE_RESULTS}/report.html")
    return read_report(smoke / SMOKE_RESULTS / "report.html", smoke, chromium)


def problems_of(reading, owned: bool) -> list[str]:
    """Problems of the figures dltips draws for the whole report (summary, overview, conditions
    maps; owned) or of the claims' own figures (results/<preset>/claims/<claim>.png)."""
    looks = [look for look in reading.looks if look.kind == "figure"
             and ("/claims/" in look.path) != owned]
    assert looks
    return [p for look in looks for p in look.problems(marked=False)]


def test_the_summary_overview_and_conditions_figures_lie_whole_in_the_viewer_and_read(reading):
    assert problems_of(reading, owned=True) == []


def test_every_claims_figure_lies_whole_in_the_viewer_and_reads(reading):
    assert problems_of(reading, owned=False) == []


def test_every_page_figure_and_caption_carries_the_smoke_mark(reading):
    unmarked = [look.path for look in reading.looks if not (look.marked and look.caption_marked)]
    assert reading.landing_marked and unmarked == []
    kinds = {look.kind for look in reading.looks}
    assert kinds == {"figure", "page"}  # it looked at both: the checks above saw something


def test_the_pages_start_their_interactive_tables_with_text_of_9_px_or_more(reading):
    pages = [look for look in reading.looks if look.kind == "page"]
    assert len(pages) >= 2
    assert [p for look in pages for p in look.problems()] == []


def test_the_browser_logs_no_error(reading):
    assert reading.console_errors == []
