"""Evaluate one claim: evidence table, verdict and figure, written atomically."""

import math

import pandas as pd

from ..figures import save
from ..io import write_csv, write_json
from . import get


def run_claim(claim_id: str, table_paths: dict, settings: dict, out_csv, out_json, out_png, out_svg) -> dict:
    claim = get(claim_id)
    tables = {name: pd.read_csv(path) for name, path in table_paths.items()}
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
    write_csv(out_csv, evidence)
    save(fig, out_png, out_svg)
    write_json(out_json, record)
    return record
