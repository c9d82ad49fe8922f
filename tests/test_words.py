"""Every sentence dltips generates, over a grid of inputs (counts 0, 1, 2; both signs; thresholds
at 0 and off it; equivalences; exact checks; no data; zero-width intervals), read as a reader
would: no '1 <plural>', no doubled word or space, no 'nan' or 'None' in prose, no ± with one
side, no interval end printed on (or across) its threshold or 0 where the numbers differ, and
sentences ending in one full stop. The numbers' own helpers (dltips.words) first."""

import itertools
import math
import re
from types import SimpleNamespace

import pandas as pd
import pytest

from dltips import words
from dltips.claims import looks, runner
from dltips.claims.conditions import _cells
from dltips.claims.conditions_map import _cell, needs as map_needs
from dltips.claims.effects import gain
from dltips.claims.paired import Sides, equivalence
from dltips.claims.run import headline, rule_fields
from dltips.claims.summary import needs_text
from dltips.progress import EpochLog
from dltips.verdict_summary import claim_lines
from dltips.verdicts import (EQUIVALENT, INCONCLUSIVE, REPRODUCED, all_of, compare, counts, exact, floor, measured,
                             needs)

NOUNS = ("job", "run", "seed", "part", "pair", "value", "epoch", "condition", "layer", "judgement", "claim", "step",
         "start", "cell")
ADJECTIVES = r"(?:other |diverged |finite |training )?"
ONE_PLURAL = re.compile(rf"(?<![\d.,])\b1 {ADJECTIVES}(?:{'|'.join(NOUNS)})s\b")
MANY_SINGULAR = re.compile(rf"(?<![\d.])\b(?:0|[2-9]|\d\d+) {ADJECTIVES}(?:{'|'.join(NOUNS)})\b(?!s)")


def problems(text: str) -> list[str]:
    """What a reader would trip over in one generated text."""
    found = []
    if ONE_PLURAL.search(text):
        found.append(f"'1 <plural>': {ONE_PLURAL.search(text).group()!r}")
    if MANY_SINGULAR.search(text):
        found.append(f"'<n> <singular>': {MANY_SINGULAR.search(text).group()!r}")
    if "(s)" in text:
        found.append("a plural in '(s)'")
    doubled = re.search(r"\b([A-Za-z]+) \1\b", text)
    if doubled and doubled.group(1) not in ("that",):
        found.append(f"doubled word {doubled.group()!r}")
    if "  " in text or " ," in text or " ." in text or ".." in text.replace("...", ""):
        found.append("doubled space or stop, or a space before punctuation")
    if re.search(r"\b(?:nan|NaN|None|inf)\b", text):
        found.append("nan/None in prose")
    if re.search(r"±(?![\d−])", text):
        found.append("± without a number")
    return found


def assert_reads(text: str, where: str = ""):
    assert not problems(text), f"{where}: {problems(text)} in {text!r}"


def assert_sentence(text: str, where: str = ""):
    assert_reads(text, where)
    assert text.endswith(".") and not text.endswith(".."), f"{where}: not one sentence: {text!r}"


# ---- dltips.words ------------------------------------------------------------------------
@pytest.mark.parametrize("value, low, high, marks, shown", [
    (-0.0004, -0.0015, 0.0007, (), "−0.0004 [−0.0015, 0.0007]"),  # −0.0015 never '−0.00' or '0.00'
    (0.012, 0.009, 0.01497, (0.015,), "0.01200 [0.00900, 0.01497]"),  # not '0.015' against 0.015
    (0.001, -0.0216, 0.0232, (-0.015, 0.015), "0.001 [−0.022, 0.023]"),
    (0.0, 0.0, 0.0, (0.0,), "0"),
    (2.89e-15, 2.89e-15, 2.89e-15, (1e-10,), "2.89e−15"),
    (9.9999e-11, 9.9999e-11, 9.9999e-11, (1e-10,), "9.9999e−11"),  # not '1e−10' against 1e-10
    (math.nan, math.nan, math.nan, (0.0,), "n/a"),
])
def test_an_interval_keeps_each_end_on_its_side_of_its_marks_and_of_0(value, low, high, marks, shown):
    assert words.interval(value, low, high, marks) == shown


def test_a_threshold_gets_the_digits_that_keep_an_end_off_it():
    # an end between the threshold and its 3-digit rounding: the threshold needs more digits
    assert words.needs(">", 0.0094398, 0.02, 0.0094399, 0.08) == "> 0.0094398"
    assert words.interval(0.02, 0.0094399, 0.08, (0.0094398,)) == "0.02000 [0.00944, 0.08000]"  # above 0.0094398
    assert words.needs(">", 0.0094398) == "> 0.00944"
    assert words.point(0.0299, (0.03, -0.03)) == "0.0299" and words.point(0.25, (0.02,)) == "0.25"  # not '0.030'
    assert words.needs(EQUIVALENT, -0.015) == "within ±0.015"
    assert words.needs("<=", 1e-6) == "≤ 1e−06"
    assert words.needs("<", math.nan) == "no threshold (no data)"


def test_counts_lists_and_sentences():
    assert [words.count(n, "job") for n in (0, 1, 2)] == ["0 jobs", "1 job", "2 jobs"]
    assert words.count(1, "run diverged", "runs diverged") == "1 run diverged"
    assert [words.listing(x, "or") for x in (["0"], ["0", "1"], ["0", "1", "2"])] == ["0", "0 or 1", "0, 1 or 2"]
    assert [words.sentence(t) for t in ("a b", "a b.", "a b. ", "a  b;", "")] == ["a b.", "a b.", "a b.", "a b.", ""]


def test_the_checks_catch_what_they_look_for():
    bad = ["1 jobs", "(so are 1 other parts)", "2 diverged run left out", "0 pair(s)", "the the interval",
           "a  b", "measured nan", "within ±", "n = 1 seeds"]
    assert all(problems(t) for t in bad), [t for t in bad if not problems(t)]
    assert not problems("1 job; 2 jobs; 0 pairs; without seed 0, 1 or 3: inconclusive; within ±0.015; n = 1")


# ---- every sentence template over a grid of inputs -----------------------------------------
SAMPLES = {"none": [], "one": [0.4], "two holds": [0.5, 0.6], "holds": [0.5, 0.6, 0.55, 0.52],
           "fails": [-0.5, -0.6, -0.55], "straddles": [0.5, -0.4, 0.1], "zero width at 0": [0.0, 0.0, 0.0],
           "near 0": [-0.0015, -0.0014, -0.0016], "with nan": [0.5, math.nan, 0.6]}
THRESHOLDS = (0.0, 0.02, -0.3)


def _verdicts():
    """(name, verdict) over the grid: compare, gain, exact, equivalence, floor, all_of."""
    out = []
    for (name, values), t, d in itertools.product(SAMPLES.items(), THRESHOLDS, (">", "<")):
        out.append((f"compare {name} {d} {t}", compare(values, t, d, "s", name="p")))
    for name, values in SAMPLES.items():
        out.append((f"gain {name}", gain(values, 0.02, "s")))
        out.append((f"gain {name} small", gain([v * 0.01 for v in values], 0.02, "s")))
        for se in (0.0, math.nan, 0.01):
            out.append((f"equivalence {name} se {se}", equivalence([v * 0.05 for v in values], se, 0.015, "s",
                                                                    Sides("a is above b", "a is below b"), name="e")))
    for errors in ([], [0.0], [1e-12, 2e-11], [1e-3], [math.nan]):
        out.append((f"exact {errors}", exact(errors, 1e-10, "max error", name="x")))
    out.append(("floor", floor(compare(SAMPLES["holds"], 0.0, ">", "s"))))
    fails = [compare(SAMPLES["fails"], 0.0, ">", "s", name=f"f{i}") for i in range(3)]
    unclear = [compare(SAMPLES["straddles"], 0.0, ">", "s", name=f"u{i}") for i in range(3)]
    for k in range(3):
        out.append((f"all_of {k} others fail", all_of(fails[0], *fails[1:1 + k])))
        out.append((f"all_of {k} others unclear", all_of(unclear[0], *unclear[1:1 + k])))
    return out


VERDICTS = _verdicts()


@pytest.mark.parametrize("name, v", VERDICTS, ids=[n for n, _ in VERDICTS])
def test_every_verdict_sentence_reads(name, v):
    for text in (v.why, v.detail, measured(v), measured(v, "seeds"), needs(v)):
        assert_reads(text, name)
    assert v.verdict == REPRODUCED or v.why, f"{name}: a verdict that is not reproduced says why"
    if v.direction == EQUIVALENT:
        assert needs(v).startswith("within ±") and "needs within ±" in measured(v)
    assert "straddles" not in v.why or v.ci_low < v.ci_high, f"{name}: a point does not straddle"
    shown = re.search(r"\[(\S+), (\S+)\]", measured(v))
    if shown:  # each printed end on its own side of the printed threshold and of 0
        limit = float(needs(v).split(" ")[-1].lstrip("±").replace("−", "-"))
        marks = (0.0, limit, -limit) if v.direction == EQUIVALENT else (0.0, limit)
        true = (0.0, abs(v.threshold), -abs(v.threshold)) if v.direction == EQUIVALENT else (0.0, v.threshold)
        for end, printed in zip((v.ci_low, v.ci_high), shown.groups()):
            p = float(printed.replace("−", "-"))
            for mark, m in zip(true, marks):
                assert (p > m) - (p < m) == (end > mark) - (end < mark), f"{name}: {printed} against {m}"


def test_a_zero_width_interval_at_0_is_no_difference():
    v = compare(SAMPLES["zero width at 0"], 0.0, ">", "s")
    assert v.verdict == INCONCLUSIVE and v.why.startswith("no difference") and measured(v).startswith("measured 0 ")


def test_an_equivalence_reads_within_plus_minus_whichever_side_decides():
    sides = Sides("a is above b", "a is below b")
    for values in ([0.001, 0.002, 0.0], [-0.001, -0.002, 0.0], [0.05, 0.06, 0.055], [-0.05, -0.06, -0.055]):
        v = equivalence(values, 0.0, 0.015, "s", sides)
        assert (v.direction, v.threshold) == (EQUIVALENT, 0.015) and needs(v) == "within ±0.015"


def _look(first_values, left_out_words):
    first = compare(first_values, 0.0, ">", "s", name="p")
    left = tuple((seed, word) for seed, word in zip(range(len(left_out_words)), left_out_words))
    seeds = looks.NOT_APPLICABLE if not left else looks.STABLE if len(set(left_out_words)) < 2 else looks.FRAGILE
    return looks.SecondLook(first, first, looks.ROBUST, first.verdict, first.verdict, seeds, left)


@pytest.mark.parametrize("left_out", [[], [REPRODUCED], [REPRODUCED] * 3, [REPRODUCED, INCONCLUSIVE],
                                      [REPRODUCED, REPRODUCED, INCONCLUSIVE, REPRODUCED]])
def test_the_looks_read(left_out):
    look = _look(SAMPLES["holds"], left_out)
    assert_sentence(look.text(), f"looks {left_out}")
    assert_reads(look.verdicts_left_out())
    for k in (1, 2):  # fragile: at least one seed left out decides otherwise
        others = [(s, compare(SAMPLES["fails"], 0.0, ">", "s", name="p")) for s in range(k)]
        why = looks._failed(look.first, looks.NOT_ROBUST, INCONCLUSIVE, REPRODUCED, looks.FRAGILE, others)
        assert_reads(why, f"looks failed with {k}")


def test_the_findings_rule_and_headline_read():
    judged = [runner.Judged("d", {"depth": depth}, v) for depth, (_, v) in enumerate(VERDICTS[:40])]
    assert_sentence(runner.findings(judged, "d"), "findings")
    for directions, n_parts in itertools.product(({">"}, {"<="}, {">", "<="}, {EQUIVALENT}), (1, 2)):
        assert_sentence(rule_fields(directions, n_parts)["rule"], f"rule {directions}")
    for name, v in VERDICTS:
        record = {"statistic": v.statistic, "measured": measured(v), "why": v.why}
        assert_sentence(headline(record), name)


def _rows():
    return pd.DataFrame([{"claim": "c", "dataset": "d", "condition": f"depth={i}", "headline": i == 0,
                          "verdict": v.verdict, "statistic": v.statistic, "value": v.value, "ci_low": v.ci_low,
                          "ci_high": v.ci_high, "direction": v.direction, "threshold": v.threshold, "n": v.n,
                          "why": v.why, "id": f"c{i}", "measured": measured(v), "parts": None}
                         for i, (_, v) in enumerate(VERDICTS)])


def test_the_report_tables_maps_and_summary_figure_read():
    rows = _rows()
    cells = _cells(rows)
    for column in ("mean [95% interval]", "needs", "why"):
        for text in cells[column]:
            assert_reads(text, column)
    for row in rows.itertuples():
        for text in (map_needs(row), _cell(row), needs_text(row)):
            assert_reads(text, "map or summary")
        if row.direction == EQUIVALENT:
            assert "within ±" in needs_text(row) and "within ±" in map_needs(row)


def test_the_readme_block_reads():
    rows = _rows()
    for line in claim_lines(rows.rename(columns={"claim": "claim_"}).assign(claim=rows.claim), rows):
        assert_reads(line, "README block")
        assert line.endswith(".") and not line.endswith("..")


@pytest.mark.parametrize("n", [0, 1, 2])
def test_the_progress_lines_and_the_bimodal_counts_read(n):
    log = EpochLog("grid", write=lambda line: None, clock=lambda: 0.0)
    results = [SimpleNamespace(summary={"diverged": i == 0, "epochs_run": n}) for i in range(n)]
    assert_reads(log.summary("job", "0.1", "tuned", results), f"summary of {n} runs")
    said = counts({"relu": [0.9] * n + [0.1], "sigmoid": [0.1] * n}, 0.12, "train", "final train accuracy")
    assert_reads(said, f"counts {n}")


def test_every_claims_own_words_read():
    from dltips.claims import load
    from dltips.claims.run import figure_text

    for claim_id, claim in load().items():
        assert_reads(figure_text(claim), claim_id)


@pytest.mark.parametrize("n", [1, 2])
def test_the_rate_look_reads(n):
    from dltips.claims import rates

    assert_sentence(rates.look_text(looks.STABLE, n, n, 1), f"rate look {n}")
    for status in (rates.NOT_APPLICABLE, rates.NO_TIES):
        assert_sentence(rates.look_text(status, n, n, 1), status)
    assert_reads(rates.rate_dependent_why(REPRODUCED, INCONCLUSIVE, [("relu", 0.01, 0.02)] * n, n, n + 1))
