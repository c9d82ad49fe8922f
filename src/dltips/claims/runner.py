"""The runner: one way to judge every claim from what it declares.

A claim declares its evidence (tables -> named tables), the grids of conditions it is judged
in (claims.grids), the rule for one condition's evidence, and its headline condition by name
(its settings' `headline`, or its own resolver where the headline depends on the data, e.g.
the deepest depth at which a net trains). The runner

1. builds the evidence of the headline dataset and names the headline condition;
2. judges it: the rule on the headline condition's evidence (several conditions inside the
   headline, e.g. one per activation, are combined as the claim declares: all_of by
   default, each part named by the axes the headline leaves free);
3. takes the second look at that verdict (claims.looks: the same rule on the seed subsets);
4. judges every condition of every dataset by the same rule, for conditions.csv, and marks
   the headline's row, which carries the final verdict so the two tables never disagree;
5. takes the rate look at the headline and every condition (claims.rates: the same rule with
   tied arms' runs at their tied rates), which makes a rate-dependent verdict inconclusive;
6. takes the machine look (claims.machines: the verdicts of a study of the same config on
   another machine, where one is given), which makes a verdict decided otherwise there inconclusive;
7. says where the claim holds, in one sentence generated from those verdicts (unless the
   claim declares findings of its own).

Nothing here reads a claim's numbers to find its headline: the headline is a name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..verdicts import INCONCLUSIVE, Verdict, all_of, interval_text
from .conditions import datasets_of, headline_of, headline_tables, restrict
from .evidence import Evidence
from .grids import Condition, Grid, label, matches, select
from . import machines as machine
from .rates import RateLook, applied, not_applicable


def headline_condition(claim, evidence: Evidence, settings) -> Condition:
    """The condition the claim's verdict is about, by name: its own resolver's, else its
    settings' `headline` (axes left unset are no part of it)."""
    return dict(claim.headline(evidence, settings)) if claim.headline else headline_of(settings)


def conditions_of(claim, evidence: Evidence, settings) -> list[tuple[Grid, Condition]]:
    return [(grid, c) for grid in claim.grids for c in grid.conditions(evidence, settings)]


def judge_condition(claim, evidence: Evidence, settings, grid: Grid, condition: Condition) -> Verdict:
    return claim.rule(select(evidence, grid, condition), settings)


def no_data(claim, evidence: Evidence, settings, wanted: Condition) -> Verdict:
    """The verdict where the study has no runs in the headline condition: the rule on what the
    evidence has of that condition (every table cut to it, its grid's table to none of its
    rows), so its statistic and parts are the rule's own; inconclusive."""
    grid = next((g for g in claim.grids if set(wanted) <= set(g.columns)), claim.grids[0])
    named = {k: v for k, v in wanted.items() if v is not None and k in grid.columns}
    empty = select(evidence, grid, named)
    if grid.table in empty:
        empty[grid.table] = empty[grid.table].iloc[:0]
    where = ", ".join(f"{k} {v}" for k, v in wanted.items())
    return replace(claim.rule(empty, settings), verdict=INCONCLUSIVE,
                   why=f"no data: the study has no runs in the headline condition ({where})")


def judge_headline(claim, evidence: Evidence, settings, wanted: Condition) -> Verdict:
    """The claim's rule on the headline condition; where it spans several conditions (an axis
    it leaves free), their verdicts combined as the claim declares, each part named by the
    free axes' values."""
    if not claim.grids:
        return claim.rule(evidence, settings)
    # a headline the data cannot name (None: e.g. the deepest depth of a sweep with no runs) has no data
    inside = [] if None in wanted.values() else [(g, c) for g, c in conditions_of(claim, evidence, settings)
                                                 if matches(c, wanted)]
    if not inside:
        return no_data(claim, evidence, settings, wanted)
    if len(inside) == 1:
        return judge_condition(claim, evidence, settings, *inside[0])
    parts = [replace(judge_condition(claim, evidence, settings, g, c),
                     name=" ".join(str(v) for k, v in c.items() if k not in wanted)) for g, c in inside]
    return claim.combine(parts, settings) if claim.combine else all_of(*parts)


VERDICT_FIELDS = ("verdict", "statistic", "value", "ci_low", "ci_high", "direction", "threshold", "n")


def _row(claim_id: str, dataset, condition: Condition, verdict: Verdict, headline: bool, tied_rates: str,
         mine: Verdict | None = None, machine_look: str = machine.NOT_APPLICABLE) -> dict:
    return {"claim": claim_id, "dataset": dataset or "", "condition": label(condition), "headline": headline,
            **{k: getattr(verdict, k) for k in VERDICT_FIELDS}, "tied_rates": tied_rates,
            machine.OWN: (mine or verdict).verdict, "machine_look": machine_look,
            "why": verdict.why or verdict.detail}


@dataclass(frozen=True)
class Judged:
    """A claim judged in one dataset's condition."""

    dataset: str | None
    condition: Condition
    verdict: Verdict


def judged_datasets(claim, tables: dict, settings) -> list[str]:
    """The datasets the claim's verdict is about: every dataset its tables name, none where its
    verdict reads no run (Claim.reads is (): a toy problem, an exact check, whose runs are context;
    judged once, not once more per dataset with the same numbers)."""
    if claim.reads is not None and not claim.reads(settings):
        return []
    return datasets_of(tables)


def judge_everywhere(claim, tables: dict, settings, headline_dataset: str | None, home: Evidence) -> list[Judged]:
    """The claim's rule in every condition of every dataset (`home`: the headline dataset's
    evidence, already built)."""
    out = []
    for dataset in judged_datasets(claim, tables, settings) or [None]:
        evidence = home if dataset in (None, headline_dataset) else claim.evidence(restrict(tables, dataset), settings)
        if not claim.grids:
            out.append(Judged(dataset, {}, claim.rule(evidence, settings)))
            continue
        out += [Judged(dataset, c, judge_condition(claim, evidence, settings, g, c))
                for g, c in conditions_of(claim, evidence, settings)]
    return out


def headline_index(judged: list[Judged], wanted: Condition, headline_dataset: str | None,
                   has_grids: bool) -> int | None:
    """Which of `judged` is the headline condition itself (None: the headline spans several
    conditions, or the study did not train it)."""
    return next((i for i, j in enumerate(judged) if j.dataset in (None, headline_dataset)
                 and (not has_grids or (set(j.condition) == set(wanted) and matches(j.condition, wanted)))), None)


def condition_rows(claim_id: str, judged: list[Judged], wanted: Condition, headline_dataset: str | None,
                   final: Verdict, has_grids: bool, rates: RateLook | None = None,
                   machines: machine.MachineLook | None = None, mine: tuple | None = None) -> list[dict]:
    """conditions.csv's rows: one per dataset and condition of `judged` (verdicts after every
    look; `rates` and `machines` give each row's look status; `mine`: (this machine's headline
    verdict, its verdict of each of `judged`), the verdicts before the machine look, by default
    the rows' own); the headline condition's row carries the final verdict (after every look). A
    headline spanning several conditions, or one the study did not train, gets a row of its own."""
    rates, machines = rates or not_applicable(), machines or machine.not_applicable()
    mine_final, mine_rows = mine or (final, [j.verdict for j in judged])
    pick = headline_index(judged, wanted, headline_dataset, has_grids)
    rows = []
    for i, j in enumerate(judged):
        outcome = rates.headline if i == pick else rates.outcome(j.dataset, label(j.condition))
        other = machines.headline if i == pick else machines.outcome(j.dataset, label(j.condition))
        rows.append(_row(claim_id, j.dataset, j.condition, final if i == pick else j.verdict, i == pick,
                         outcome.status, mine_final if i == pick else mine_rows[i], other.status))
    if pick is None:  # `headline_dataset` is None where the tables name no dataset (a toy, an exact check)
        rows.insert(0, _row(claim_id, headline_dataset, wanted, final, True, rates.headline.status, mine_final,
                            machines.headline.status))
    return rows


def findings(judged: list[Judged], headline_dataset: str | None) -> str:
    """Where the claim holds, from its verdicts per condition of the headline dataset:
    'per condition: init=he, depth=10: +0.41 [+0.38, +0.44] reproduced; ...'."""
    home = [j for j in judged if j.dataset in (None, headline_dataset) and j.condition]
    if not home:
        return ""
    return "Per condition: " + "; ".join(
        f"{label(j.condition)}: {'no data' if j.verdict.n == 0 else interval_text(j.verdict)} ({j.verdict.verdict}"
        f"{', floor: at chance' if '(floor: ' in j.verdict.detail else ''})" for j in home) + "."


@dataclass(frozen=True)
class Judgement:
    """Everything the runner decided about one claim."""

    evidence: Evidence  # the headline dataset's
    headline: Condition
    first: Verdict  # the rule on the headline condition, all seeds
    look: object  # claims.looks.SecondLook: its `final`, after the rate look, is `final`
    rates: RateLook
    machines: machine.MachineLook
    mine: Verdict  # the verdict before the machine look: this machine's, which the other side reads
    final: Verdict  # the verdict that stands
    rows: list[dict]  # conditions.csv
    findings: str


def judge(claim, tables: dict, settings, headline_dataset: str | None, second_look, rate_look=None,
          other: machine.OtherStudy | None = None) -> Judgement:
    """`second_look(judge, evidence, first)`: the looks at a verdict (claims.looks);
    `rate_look(claim, tables, settings, headline_dataset, wanted, first, judged)`: the rate look
    (claims.rates.rate_look with the study's ties), none where the study trained no tied runs;
    `other`: a study of the same config on another machine (claims.machines), none for no machine look."""
    evidence = claim.evidence(headline_tables(tables, headline_dataset), settings)
    wanted = headline_condition(claim, evidence, settings)
    first = judge_headline(claim, evidence, settings, wanted)
    look = second_look(lambda subset: judge_headline(claim, subset, settings, wanted), evidence, first)
    judged = judge_everywhere(claim, tables, settings, headline_dataset, evidence)
    rates = rate_look(claim, tables, settings, headline_dataset, wanted, first, judged) if rate_look \
        else not_applicable()
    mine = applied(look.final, rates.headline)
    # a claim with no condition in any dataset still names its headline's dataset, where the tables have one
    named = headline_dataset if judged_datasets(claim, tables, settings) else None
    # conditions.csv and the sentence both read each condition's verdict after the rate look and the machine look
    rated = [replace(j, verdict=applied(j.verdict, rates.outcome(j.dataset, label(j.condition)))) for j in judged]
    # the other study's row of the headline condition carries its headline verdict: compared with this one's
    pick = headline_index(rated, wanted, named, bool(claim.grids))
    machines = machine.machine_look(claim.id, mine, rated, other, None if pick is None else rated[pick])
    final = machine.applied(mine, machines.headline)
    after = [replace(j, verdict=machine.applied(j.verdict, machines.outcome(j.dataset, label(j.condition))))
             for j in rated]
    rows = condition_rows(claim.id, after, wanted, named, final, bool(claim.grids), rates, machines,
                          (mine, [j.verdict for j in rated]))
    said = claim.findings(evidence) if claim.findings else findings(after, headline_dataset)
    return Judgement(evidence, wanted, first, look, rates, machines, mine, final, rows, said)


def verdict_of(claim, evidence: Evidence, settings) -> Verdict:
    """The claim's first-look verdict of its headline condition on `evidence` (no looks)."""
    return judge_headline(claim, evidence, settings, headline_condition(claim, evidence, settings))


def per_condition(claim, tables: dict, settings) -> list[tuple[Condition, Verdict]]:
    """(condition, its verdict) for every condition of the claim's grids in `tables`, read as
    one dataset."""
    evidence = claim.evidence(tables, settings)
    return [(c, judge_condition(claim, evidence, settings, g, c)) for g, c in conditions_of(claim, evidence, settings)]
