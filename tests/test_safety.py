"""Nothing from a config or a weights file is ever run as code or injected into HTML."""

import ast
import io
import torch
from docutils.core import publish_parts

from dltips.claims.run import write_caption
from dltips.verdicts import Verdict, measured

VERDICT_FIELDS = ("verdict", "statistic", "value", "ci_low", "ci_high", "threshold", "direction", "n")

from conftest import ROOT


class _Claim:
    figure_text = "shows <b>things</b>"


def _caption_html(tmp_path, **fields) -> str:
    record = {"id": "x", "claim": "a claim", "statistic": "s", "value": 1.0, "ci_low": 0.5, "ci_high": 1.5,
              "direction": ">", "threshold": 0.0, "n": 3, "verdict": "v", "detail": "", "condition": "",
              "source": "s", "why": "", "first_look": "v", "second_look": "looked twice", **fields}
    record.setdefault("measured", measured(Verdict(**{k: record[k] for k in VERDICT_FIELDS})))
    out = tmp_path / "caption.rst"
    write_caption(ROOT / "workflow" / "report" / "claim.rst", record, _Claim(), out)
    # what Snakemake's report does with a caption (its warnings kept out of the test output)
    return publish_parts(out.read_text(), writer="html", settings_overrides={"warning_stream": io.StringIO()})["body"]


def test_names_reach_the_report_escaped(tmp_path):
    html = _caption_html(tmp_path, detail="cell <script>alert(1)</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>" not in html


def test_a_config_string_cannot_open_a_directive_in_a_caption(tmp_path):
    html = _caption_html(tmp_path, detail="cell\n\n.. raw:: html\n\n   <script>alert(1)</script>")
    assert "<script>" not in html and ".. raw:: html" in html


def test_statistics_with_rest_markup_characters_read_as_written(tmp_path):
    html = _caption_html(tmp_path, statistic="max |w − formula|, a*b, x_ `y`")
    assert "problematic" not in html and "system-message" not in html
    assert "max |w − formula|, a*b, x_ `y`" in html


def test_a_caption_states_the_rule_its_verdict_used(tmp_path):
    interval = _caption_html(tmp_path)
    assert "whole 95% interval" in interval and "s: measured 1.0 [0.5, 1.5] (n = 3); the claim needs &gt; 0" in interval
    assert "second look" in interval and "looked twice" in interval
    exact = _caption_html(tmp_path, direction="<=", threshold=1e-6, value=2e-9, ci_low=2e-9, ci_high=2e-9)
    assert "largest error is within the tolerance" in exact and "95% interval" not in exact
    assert "largest error 2e\u221209 (n = 3); the claim needs \u2264 1e\u221206" in exact


def test_a_caption_says_why_once_and_states_the_statistic_once(tmp_path):
    html = _caption_html(tmp_path, verdict="not reproduced", value=-1.0, ci_low=-1.5, ci_high=-0.5,
                         statistic="gain of x", why="the whole interval lies below 0")
    assert "Verdict: not reproduced.</strong> gain of x: measured \u22121.0 [\u22121.5, \u22120.5]" in html
    assert "Why: the whole interval lies below 0." in html and html.count("gain of x") == 1


def test_a_docstring_dash_reads_as_a_dash_in_a_caption(tmp_path):
    class Dashed:
        figure_text = "left panel -- the exact check -- right panel"

    record = {"id": "x", "claim": "c", "statistic": "s", "value": 1.0, "ci_low": 0.5, "ci_high": 1.5,
              "direction": ">", "threshold": 0.0, "n": 3, "verdict": "v", "detail": "", "condition": "",
              "source": "s", "why": "", "first_look": "v", "second_look": "", "measured": "m"}
    write_caption(ROOT / "workflow" / "report" / "claim.rst", record, Dashed(), tmp_path / "c.rst")
    text = (tmp_path / "c.rst").read_text()
    assert "left panel \u2014 the exact check \u2014 right panel" in text and " -- " not in text


def test_weights_load_without_running_code(tmp_path):
    class Payload:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "weights.pt"
    torch.save({"weights.0": torch.zeros(2, 2), "evil": Payload()}, path)
    from dltips.contract import load_weights

    try:
        load_weights(path)
    except Exception as error:  # weights_only refuses the pickled callable
        assert "weights_only" in str(error) or "Unsupported" in str(error)
    else:
        raise AssertionError("a weights file with a code payload was loaded")


def test_no_code_path_evaluates_strings_or_unpickles_code():
    loads = 0
    for path in (ROOT / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func)
            assert name not in ("eval", "exec", "yaml.load", "pickle.load", "pickle.loads"), f"{path}:{node.lineno}"
            if name == "torch.load":
                loads += 1
                keywords = {k.arg: ast.unparse(k.value) for k in node.keywords}
                assert keywords.get("weights_only") == "True", f"{path}:{node.lineno}"
    assert loads >= 1  # the check saw the loader it guards (dltips.contract.load_weights: the only one)


def test_claims_page_escapes_what_it_shows():
    import pandas as pd

    from dltips.claims.table import COLUMNS, claims_html

    row = {c: "x" for c in COLUMNS} | {"id": "<img src=x onerror=alert(1)>", "value": 0.5, "ci_low": 0.1,
                                       "ci_high": 0.9, "threshold": 0.0, "n": 3, "condition": None}
    page = claims_html(pd.DataFrame([row]))
    assert "<img" not in page and "&lt;img" in page
