"""Judge claims: each one's evidence (named tables, written as one CSV: claims.evidence),
verdict and figure, written atomically; and the study's summary tables of every claim."""

import math
import multiprocessing
import re
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from string import Template

import pandas as pd

from ..io import atomic_write, finite_or_none, write_csv, write_json
from ..lazy import figures
from ..tables import read_table
from .looks import second_look
from .machines import NOT_APPLICABLE, OtherStudy
from .rates import Ties, rate_look
from ..verdicts import measured
from ..words import count, sentence
from . import get, settings_of
from . import runner
from .conditions import conditions_table, headline_tables, write_conditions
from .evidence import as_one_table
from .table import claims_table


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def rst_text(value) -> str:
    """A value as plain reST text that reads as written: on one line (a line break could open
    a directive, e.g. raw HTML) and with reST's markup characters escaped (a statistic such
    as `max |w − formula|` would otherwise be a substitution reference)."""
    # " -- " is how docstrings write a dash; reST would show it as typed
    text = re.sub(r"(?<= )--(?= )", "\u2014", " ".join(_fmt(value).split()))
    return re.sub(r"([\\`*_|])", r"\\\1", text)


def rule_fields(directions: set[str], n_parts: int = 1, other_machine: bool = False) -> dict:
    """How the verdict follows from the numbers, in words, for the kinds of part the rule has
    (`directions` of its parts): an interval against a threshold, an exact check's largest
    error against a tolerance (verdicts.exact); then the second look (dltips.claims.looks) and
    the rate look (dltips.claims.rates) and, where another machine's study is given, the machine
    look (dltips.claims.machines)."""
    sentences = []
    if directions - {"<="}:
        sentences.append("A part counts as reproduced when the whole 95% interval of its statistic (Student-t "
                         "over seeds) lies on the side of the threshold the claim needs, as not reproduced when "
                         "it lies wholly on the other side, and as inconclusive otherwise.")
    if "<=" in directions:
        sentences.append("An exact check counts as reproduced when the largest error is within the tolerance, "
                         "and as not reproduced otherwise.")
    if n_parts > 1:
        sentences.append("The claim is reproduced when every part is, not reproduced when any part is not.")
    if directions - {"<="}:
        sentences.append("It stands only if it survives a second look (every threshold moved 50% stricter and "
                         "looser, and the rule again with each seed left out in turn) and the rate look (the rule "
                         "again with each tied arm's runs at the rates tied with its pick)"
                         + (" and the machine look (a study of the same config on another machine decides it the "
                            "same way)" if other_machine else "") + "; otherwise it is inconclusive.")
    return {"rule": " ".join(sentences)}


def headline(record: dict) -> str:
    """The verdict in one line: the deciding statistic once, its numbers, and why where it
    is not reproduced."""
    line = sentence(f"{record['statistic']}: {record['measured']}")
    return f"{line} {sentence('Why: ' + record['why'])}" if record["why"] else line


def figure_text(claim) -> str:
    """What the figure shows: the claim's own words, else its module's docstring body."""
    if claim.figure_text:
        return claim.figure_text
    doc = (sys.modules[claim.figure.__module__].__doc__ or "").strip().split("\n\n")
    return " ".join(" ".join(doc[1:]).split()) if len(doc) > 1 else ""


def write_caption(template_path, record: dict, claim, out_rst) -> None:
    fields = {k: rst_text(v) for k, v in record.items() if k != "parts"}
    fields["headline"] = rst_text(headline(record))
    fields["figure_text"] = rst_text(figure_text(claim))
    fields.setdefault("rate_look", "")  # a record judged without the rate look
    fields.setdefault("machine_look_text", "")  # ... or without the machine look
    fields["detail_block"] = f"**Parts and context.** {sentence(fields['detail'])}" if fields.get("detail") else ""
    fields["condition"] = sentence(fields.get("condition", ""))
    parts = record.get("parts") or [record]
    fields.update(rule_fields({p["direction"] for p in parts}, len(parts),
                              record.get("machine_look") not in (None, NOT_APPLICABLE)))
    text = Template(Path(template_path).read_text()).safe_substitute(fields)
    atomic_write(out_rst, lambda tmp: tmp.write_text(text))


def record_of(claim, look, findings: str, rates=None, final=None, machines=None, mine=None) -> dict:
    """A row of claims.csv: the final verdict with the numbers of the part that decided it,
    the first look, both second looks (dltips.claims.looks), the rate look (dltips.claims.rates)
    and the machine look (dltips.claims.machines; `mine`: the verdict before it, this machine's;
    `final`: the verdict after every look, by default the second look's)."""
    final = final or look.final
    flat = finite_or_none({k: v for k, v in final.as_dict().items() if k != "parts"})
    rated = {**rates.columns(), "rate_look": rates.text()} if rates is not None else {}
    other = {**machines.columns(mine or final), "machine_look_text": machines.text()} if machines is not None else {}
    record = {"id": claim.id, "claim": claim.title, "source": claim.source, **flat,
              "measured": measured(final), **look.columns(), "second_look": look.text(), **rated, **other,
              "condition": findings}
    record["parts"] = [finite_or_none({**p.as_dict(), "measured": measured(p)}) for p in final.parts]
    return record


# A study that trains only the runs the headline verdicts read (config trains: headlines, the
# quick preset) judges each headline as the whole study does, but whatever a claim says beside it
# (a rank among the grid's optimizers, a spread over the grid's cells, its other conditions) is
# computed over that part of the grid: every claim's context line says so.
PARTIAL_CONTEXT = ("partial context: ranks, spreads and other conditions here come from the runs the headline "
                   "verdicts read (trains: headlines), not from the whole grid")


def ties_of(claim, rates: dict | None, read=read_table) -> Ties | None:
    """The study's ties among the tables `claim` reads; `rates`: {"tables": {name: path of
    tied/<name>}, "runs": path of runs.csv}, None or no tied runs table where the study trained
    no tied runs (then the rate look is n/a)."""
    tied = (rates or {}).get("tables") or {}
    if "runs" not in tied:
        return None
    names = set(claim.tables) | {"runs"}
    return Ties.of(read(rates["runs"]), {name: read(path) for name, path in tied.items() if name in names})


def run_claim(claim_id: str, table_paths: dict, settings: dict, out, caption_template=None,
              headline_dataset: str | None = None, read=read_table, rates: dict | None = None,
              partial: bool = False, other: OtherStudy | None = None) -> dict:
    """`out` has csv, json, png, svg and, optionally, rst (with a caption template) and
    conditions (the verdict per dataset and condition) paths. `read`: path -> table; by
    default the study's tables with their declared column types (dltips.tables). `rates`: the
    rate look's tied tables and strength (ties_of; "strength", default 2). `partial`: the study
    trains only the headlines' runs, and the context line says so (PARTIAL_CONTEXT). `other`: the
    verdicts of a study of the same config on another machine (the machine look; none: n/a)."""
    claim = get(claim_id)
    settings = settings_of(claim_id, settings)
    all_tables = {name: read(path) for name, path in table_paths.items()}
    ties = ties_of(claim, rates, read)
    strength = (rates or {}).get("strength", 2)
    look_at_rates = lambda *args: rate_look(*args, ties=ties, strength=strength)  # noqa: E731
    judged = runner.judge(claim, all_tables, settings, headline_dataset, second_look, look_at_rates, other)
    tables = headline_tables(all_tables, headline_dataset)
    fig = claim.figure(tables, judged.evidence, judged.final, settings)
    record = record_of(claim, judged.look, judged.findings, judged.rates, judged.final, judged.machines,
                       judged.mine)
    if partial:
        record["detail"] = "; ".join(filter(None, [record.get("detail"), PARTIAL_CONTEXT]))
    write_csv(out["csv"], as_one_table(judged.evidence))
    figures.save(fig, out["png"], out["svg"])
    if caption_template is not None:
        write_caption(caption_template, record, claim, out["rst"])
    if "conditions" in out.keys():
        write_conditions(judged.rows, out["conditions"])
    write_json(out["json"], record)
    return record


class ClaimFailed(RuntimeError):
    pass


# every table a claim reads, read once per judging process (forked workers share it)
_tables: dict[str, pd.DataFrame] = {}


def _read_once(path, read=read_table) -> pd.DataFrame:
    if str(path) not in _tables:
        _tables[str(path)] = read(path)
    return _tables[str(path)].copy()  # a claim that edits its table must not edit the next one's


def _judge_one(claim_id: str, job: dict, log_path, caption_template, headline_dataset, rates,
               partial, other) -> bool:
    with open(log_path, "w") as log, redirect_stdout(log), redirect_stderr(log):
        try:
            run_claim(claim_id, job["tables"], job["settings"], job["out"], caption_template=caption_template,
                      headline_dataset=headline_dataset, read=_read_once, rates=rates,
                      partial=partial, other=other)
            return True
        except Exception:
            traceback.print_exc()
            return False


def judge_all(claims: dict[str, dict], logs: dict[str, str], summary: dict, caption_template=None,
              headline_dataset: str | None = None, workers: int = 1, read=read_table, rates: dict | None = None,
              partial: bool = False, other_machine=None) -> None:
    """Every claim, then the summary tables of them all, in one job.

    `claims`: claim id -> {"tables": {name: path}, "settings": ..., "out": {kind: path}};
    `logs`: claim id -> its log; `summary`: paths claims_csv, claims_html, claims_png,
    claims_svg, conditions_csv, conditions_html. The imports (pandas, seaborn, scipy; torch
    for the exact and toy checks) and the tables are loaded once, then `workers` processes
    forked from this one judge the claims side by side. A claim that raises is logged with
    its traceback and the rest are still judged, so one run shows every failing claim; then
    the step fails, naming them. `read`, `rates` and `partial` as run_claim's; `other_machine`:
    the results folder of a study of the same config on another machine (the machine look), or None.
    """
    _tables.clear()  # a table rewritten since an earlier call in this process is read anew
    # the libraries the claims import lazily, loaded before forking so every worker shares them
    import matplotlib.pyplot, scipy.stats, seaborn, torch  # noqa: E401, F401

    import dltips.figures  # noqa: F401
    for job in claims.values():
        for path in job["tables"].values():
            _read_once(path, read)
    for path in [*((rates or {}).get("tables") or {}).values(), *([rates["runs"]] if (rates or {}).get("runs") else [])]:
        _read_once(path, read)
    other = OtherStudy.read(other_machine) if other_machine else None
    torch.set_num_threads(1)  # the workers are the parallelism
    args = [(c, job, logs[c], caption_template, headline_dataset, rates, partial, other) for c, job in claims.items()]
    if workers > 1 and len(args) > 1:
        fork = multiprocessing.get_context("fork")  # the children inherit the imports and tables
        with ProcessPoolExecutor(min(workers, len(args)), mp_context=fork) as pool:
            judged = list(pool.map(_judge_one, *zip(*args)))
    else:
        judged = [_judge_one(*a) for a in args]
    failed = [c for c, ok in zip(claims, judged) if not ok]
    if failed:
        raise ClaimFailed(f"{count(len(failed), 'claim')} failed: " + "; ".join(f"{c} (traceback in {logs[c]})" for c in failed))
    outs = [job["out"] for job in claims.values()]
    claims_table([o["json"] for o in outs], [o["png"] for o in outs], summary["claims_csv"],
                 summary["claims_html"], summary["claims_png"], summary["claims_svg"])
    conditions_table([o["conditions"] for o in outs], summary["conditions_csv"], summary["conditions_html"])
