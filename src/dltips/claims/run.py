"""Evaluate one claim: evidence table, verdict and figure, written atomically."""

import math
import re
import sys
from pathlib import Path
from string import Template

import pandas as pd

from ..figures import save
from ..io import atomic_write, write_csv, write_json
from . import get
from .conditions import condition_rows, headline_tables, write_conditions


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def rst_text(value) -> str:
    """A value as plain reST text that reads as written: on one line (a line break could open
    a directive, e.g. raw HTML) and with reST's markup characters escaped (a statistic such
    as `max |w − formula|` would otherwise be a substitution reference)."""
    return re.sub(r"([\\`*_|])", r"\\\1", " ".join(_fmt(value).split()))


def rule_fields(fields: dict) -> dict:
    """How the verdict follows from the numbers, in words (from the caption's escaped fields):
    an interval against a threshold, or, for an exact check (verdicts.exact), the largest
    error against a tolerance."""
    if fields["direction"] == "<=":
        return {"rule": f"The claim counts as reproduced when the largest error is within the tolerance "
                        f"({fields['threshold']}), and as not reproduced otherwise.",
                "spread": f"largest of n = {fields['n']} values"}
    return {"rule": f"The claim counts as reproduced when the whole 95% interval of the statistic lies on the "
                    f"claimed side of the threshold ({fields['direction']} {fields['threshold']}), as not "
                    f"reproduced when it lies wholly on the other side, and as inconclusive otherwise.",
            "spread": f"95% interval {fields['ci_low']} to {fields['ci_high']}, n = {fields['n']}"}


def figure_text(claim) -> str:
    """What the figure shows: the claim's own words, else its module's docstring body."""
    if claim.figure_text:
        return claim.figure_text
    doc = (sys.modules[claim.figure.__module__].__doc__ or "").strip().split("\n\n")
    return " ".join(" ".join(doc[1:]).split()) if len(doc) > 1 else ""


def write_caption(template_path, record: dict, claim, out_rst) -> None:
    fields = {k: rst_text(v) for k, v in record.items()}
    fields["figure_text"] = rst_text(figure_text(claim))
    fields.update(rule_fields(fields))
    text = Template(Path(template_path).read_text()).safe_substitute(fields)
    atomic_write(out_rst, lambda tmp: tmp.write_text(text))


def run_claim(claim_id: str, table_paths: dict, settings: dict, out, caption_template=None,
              headline_dataset: str | None = None) -> dict:
    """`out` has csv, json, png, svg and, optionally, rst (with a caption template) and
    conditions (the verdict per dataset and condition) paths."""
    claim = get(claim_id)
    all_tables = {name: pd.read_csv(path) for name, path in table_paths.items()}
    tables = headline_tables(all_tables, headline_dataset)
    evidence = claim.evidence(tables, settings)
    verdict = claim.verdict(evidence, settings)
    fig = claim.figure(tables, evidence, verdict, settings)
    record = {
        "id": claim.id,
        "claim": claim.title,
        "source": claim.source,
        **{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in verdict.as_dict().items()},
        "condition": claim.condition(evidence) if claim.condition else "",
    }
    write_csv(out["csv"], evidence)
    save(fig, out["png"], out["svg"])
    if caption_template is not None:
        write_caption(caption_template, record, claim, out["rst"])
    if "conditions" in out.keys():
        write_conditions(condition_rows(claim, all_tables, settings, headline_dataset, verdict), out["conditions"])
    write_json(out["json"], record)
    return record
