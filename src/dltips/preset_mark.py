"""The mark of a study that is not the default one (the smoke preset): every figure and table it
writes carries it, so that none of its numbers reads as the study's result.

The workflow's scripts name the preset once (`set_preset`, from the validated config) before
they draw; dltips.figures.save stamps `text()` on every figure, the report's HTML tables open
with `html_banner()`, and the report's captions with `rst_banner` (rendered by Snakemake from
the config)."""

import html

DEFAULT = "default"
_preset = DEFAULT


def set_preset(name: str | None) -> None:
    """The preset the figures and tables drawn from now on belong to (None: the default study)."""
    global _preset
    _preset = name or DEFAULT


def preset() -> str:
    return _preset


def text(name: str | None = None) -> str:
    """One line naming the preset and what its numbers are; '' for the default study."""
    name = _preset if name is None else name
    if name == DEFAULT:
        return ""
    return (f"{name.upper()} PRESET — a reduced study that checks the pipeline end to end; "
            "its numbers are not the study's results")


BANNER_STYLE = ("background:#c62828;color:#fff;font:bold 15px sans-serif;padding:6px 10px;"
                "margin:0 0 8px 0;border-radius:3px")


def html_banner(name: str | None = None) -> str:
    """A banner for the top of an HTML page ('' for the default study); class 'preset-mark'."""
    line = text(name)
    return f'<div class="preset-mark" style="{BANNER_STYLE}">{html.escape(line)}</div>' if line else ""


def rst_banner(name: str) -> str:
    """The banner as reST for the report's captions and landing page ('' for the default study)."""
    banner = html_banner(name)
    return f".. raw:: html\n\n   {banner}\n\n" if banner else ""
