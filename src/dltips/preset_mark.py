"""The mark of a study that is not the default one (a preset): every figure and table it writes
carries it, so that none of its numbers reads as more than the preset makes them.

Each preset says in its `mark:` (config.yaml, presets.<name>.mark; required there) what its
numbers are: smoke's are not the study's results, quick's headline verdicts are the default
study's while its context covers only the runs it trains. The workflow's scripts name the
preset and its mark once (`set_preset`, from the validated config) before they draw;
dltips.figures.save stamps `text()` on every figure, the report's HTML tables open with
`html_banner()`, and the report's captions with `rst_banner` (rendered by Snakemake from the
config)."""

import html

DEFAULT = "default"
_preset, _mark = DEFAULT, ""


def set_preset(name: str | None, mark: str = "") -> None:
    """The preset the figures and tables drawn from now on belong to (None: the default study),
    and its mark: what its numbers are."""
    global _preset, _mark
    _preset, _mark = name or DEFAULT, mark


def preset() -> str:
    return _preset


def line(name: str, mark: str) -> str:
    """One line naming the preset and what its numbers are; '' for the default study."""
    return "" if name == DEFAULT else f"{name.upper()} PRESET — {mark}"


def text() -> str:
    """The line of the preset set last (`set_preset`)."""
    return line(_preset, _mark)


BANNER_STYLE = ("background:#c62828;color:#fff;font:bold 15px sans-serif;padding:6px 10px;"
                "margin:0 0 8px 0;border-radius:3px")


def html_banner(name: str | None = None, mark: str | None = None) -> str:
    """A banner for the top of an HTML page ('' for the default study); class 'preset-mark'.
    Without arguments, the preset set last."""
    shown = text() if name is None else line(name, mark or "")
    return f'<div class="preset-mark" style="{BANNER_STYLE}">{html.escape(shown)}</div>' if shown else ""


def rst_banner(name: str, mark: str) -> str:
    """The banner as reST for the report's captions and landing page ('' for the default study)."""
    banner = html_banner(name, mark)
    return f".. raw:: html\n\n   {banner}\n\n" if banner else ""
