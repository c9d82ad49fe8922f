"""The figure titles every claim opens with: what they say is the rule's numbers, in the
verdicts' notation, each part with its own verdict, and why where it is not reproduced."""

import numpy as np
import pandas as pd
import seaborn as sns

from dltips.figures import rule_text, seed_interval, verdict_title
from dltips.verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, all_of, compare, exact, t_interval


def test_a_rule_line_gives_mean_interval_n_and_what_the_claim_needs():
    v = compare([0.10, 0.12, 0.14], 0.0, ">", "test gain (fraction)")
    assert rule_text(v, unit="runs") == ("test gain (fraction): measured 0.120 [0.070, 0.170] (n = 3 runs); "
                                         "the claim needs > 0")


def test_negative_numbers_carry_a_true_minus_and_never_read_as_a_false_inequality():
    v = compare([-0.039, -0.045, -0.032, -0.040, -0.038], 0.0, ">", "gain")
    line = rule_text(v)
    assert "measured \u22120.039 [\u22120.045, \u22120.033] (n = 5 seeds); the claim needs > 0" in line
    assert "-0.0" not in line and "> 0)" not in line


def test_an_exact_check_gives_its_largest_error_and_tolerance():
    v = exact([1e-9, -3e-9], 1e-6, "max |error|")
    assert rule_text(v, unit="steps") == "max |error|: largest error 3e\u221209 (n = 2 steps); the claim needs \u2264 1e\u221206"


def test_a_rule_without_data_says_so():
    assert rule_text(compare([], 0.0, ">", "gain")) == "gain: no data; the claim needs > 0"


def test_a_claim_of_several_parts_shows_each_part_and_its_verdict_the_deciding_one_first():
    holds = compare([0.5, 0.6, 0.7], 0.0, ">", "gain")
    fails = compare([-0.5, -0.6, -0.7], 0.0, ">", "second gain")
    unclear = compare([-0.1, 0.1, 0.2], 0.0, ">", "third gain")
    v = all_of(holds, fails, unclear)
    lines = verdict_title("A claim", v, unit="pairs", note="context").split("\n")
    assert lines[0] == f"A claim — {NOT_REPRODUCED}"
    assert lines[1].startswith(f"{NOT_REPRODUCED} — second gain: measured \u22120.60 [") and "n = 3 pairs" in lines[1]
    assert lines[2].startswith(f"{REPRODUCED} — gain: measured 0.60 [")
    assert lines[3].startswith(f"{INCONCLUSIVE} — third gain: measured 0.07 [")
    assert lines[4] == f"why: {v.why}" and "interval lies below 0" in v.why
    assert lines[5] == "context" and len(lines) == 6


def test_parts_given_explicitly_keep_their_units_and_order():
    holds, fails = compare([0.5, 0.6, 0.7], 0.0, ">", "gain"), compare([-0.5, -0.6, -0.7], 0.0, ">", "loss")
    lines = verdict_title("A claim", all_of(holds, fails), parts=[(holds, None, "seeds"), (fails, None, "cells")])
    assert "gain: measured" in lines.split("\n")[1] and "n = 3 cells" in lines.split("\n")[2]


def test_a_single_rule_title_is_the_claim_then_its_numbers():
    v = compare([0.5, 0.6, 0.7], 0.0, ">", "gain")
    assert verdict_title("A claim", v, unit="cells") == f"A claim — {REPRODUCED}\n{rule_text(v, unit='cells')}"


def test_seed_interval_is_the_verdicts_student_t_interval_and_seaborn_draws_it():
    values = [0.61, 0.64, 0.58, 0.66, 0.60]
    _, low, high, _ = t_interval(values)
    assert seed_interval(values) == (low, high)
    assert compare(values, 0.5, ">", "accuracy").ci_low == low  # the verdict's own interval
    ax = sns.pointplot(data=pd.DataFrame({"x": ["a"] * 5, "y": values}), x="x", y="y", errorbar=seed_interval)
    drawn = np.concatenate([line.get_ydata() for line in ax.lines])
    assert np.isclose(drawn.min(), low) and np.isclose(drawn.max(), high)


def test_a_long_title_line_wraps_between_words_never_inside_an_interval_or_n():
    v = compare([0.10, 0.12, 0.14], 0.0, ">", "a statistic with a long name " * 4)
    title = verdict_title("A claim", v, width=60)
    assert all(len(line) <= 75 for line in title.split("\n"))
    assert "[0.070, 0.170]" in title and "(n = 3 seeds)" in title
