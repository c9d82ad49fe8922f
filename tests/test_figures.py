"""The figure titles every claim opens with: what they say is the rule's numbers."""

from dltips.figures import rule_text, verdict_title
from dltips.verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, all_of, compare, exact


def test_a_rule_line_gives_mean_interval_n_and_the_claimed_side():
    v = compare([0.10, 0.12, 0.14], 0.0, ">", "test gain (fraction)")
    line = rule_text(v, unit="runs")
    assert line.startswith("test gain (fraction) = +0.120 [")
    assert f"{v.ci_low:+.3f}, {v.ci_high:+.3f}]" in line and "n = 3 runs" in line and line.endswith("(claim: > 0)")


def test_an_exact_check_gives_its_largest_error_and_tolerance():
    v = exact([1e-9, -3e-9], 1e-6, "max |error|")
    assert rule_text(v, unit="steps") == "max |error| = 3e-09, n = 2 steps (tolerance 1e-06)"
    assert rule_text(v, ".1e", "steps") == "max |error| = 3.0e-09, n = 2 steps (tolerance 1e-06)"


def test_a_rule_without_data_says_so():
    assert "= no data, n = 0 seeds" in rule_text(compare([], 0.0, ">", "gain"))


def test_a_claim_of_several_parts_shows_each_part_and_its_verdict():
    holds = compare([0.5, 0.6, 0.7], 0.0, ">", "gain")
    fails = compare([-0.5, -0.6, -0.7], 0.0, ">", "second gain")
    unclear = compare([-0.1, 0.1, 0.2], 0.0, ">", "third gain")
    v = all_of(holds, fails, unclear)
    lines = verdict_title("A claim", v, parts=[(holds, "+.2f", "seeds"), (fails, "+.2f", "pairs"),
                                              (unclear, ".1f", "cells")], note="context").split("\n")
    assert lines[0] == f"A claim — {NOT_REPRODUCED}"
    assert lines[1].startswith("gain = +0.60 [") and lines[1].endswith(f": {REPRODUCED}")
    assert "n = 3 pairs" in lines[2] and lines[2].endswith(f": {NOT_REPRODUCED}")
    assert lines[3].startswith("third gain = 0.1 [") and lines[3].endswith(f": {INCONCLUSIVE}")
    assert lines[4] == "context" and len(lines) == 5


def test_a_single_rule_title_is_the_claim_then_its_numbers():
    v = compare([0.5, 0.6, 0.7], 0.0, ">", "gain")
    assert verdict_title("A claim", v, unit="cells") == f"A claim — {REPRODUCED}\n{rule_text(v, unit='cells')}"
