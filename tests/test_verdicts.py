"""Verdicts: the deciding part's numbers, a plain `why`, the notation, and the noise floor."""

import math

import numpy as np
import pytest

from dltips.verdicts import (ACCURACY, ACCURACY_DIFFERENCE, FLOOR, FRACTION, INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED,
                             all_of, at_chance, compare, counts, exact, floor, measured, seed_sd, t_interval)

HOLDS = [0.50, 0.60, 0.70]
FAILS = [-0.50, -0.60, -0.70]
UNCLEAR = [-0.10, 0.10, 0.20]


def test_compare_decides_by_the_whole_interval_both_ways():
    assert compare(HOLDS, 0.0, ">", "g").verdict == REPRODUCED
    assert compare(FAILS, 0.0, ">", "g").verdict == NOT_REPRODUCED
    assert compare(UNCLEAR, 0.0, ">", "g").verdict == INCONCLUSIVE
    assert compare(FAILS, 0.0, "<", "g").verdict == REPRODUCED


def test_a_reproduced_verdict_needs_no_why_and_every_other_verdict_has_one():
    assert compare(HOLDS, 0.0, ">", "g").why == ""
    assert compare(FAILS, 0.0, ">", "g").why == "the whole interval lies below 0, the opposite of what the claim says"
    assert compare(FAILS, 0.0, "<", "g").why == ""
    assert compare(HOLDS, 0.0, "<", "g").why.startswith("the whole interval lies above 0")
    assert "straddles 0: too few seeds or too small an effect" in compare(UNCLEAR, 0.0, ">", "g").why
    assert compare([0.5], 0.0, ">", "g").why == "too little data: only 1 finite value, need 2"
    assert compare([], 0.0, ">", "g").why == "no data"
    assert exact([1e-3], 1e-6, "e").why == "the largest error exceeds the tolerance"
    assert exact([], 1e-6, "e").why == "no data" and exact([1e-9], 1e-6, "e").why == ""


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 0, 2)])
def test_a_claim_that_fails_shows_the_failing_part_whatever_the_order(order):
    given = [compare(HOLDS, 0.0, ">", "holds"), compare(FAILS, 0.0, ">", "fails"),
             compare(UNCLEAR, 0.0, ">", "unclear")]
    v = all_of(*[given[i] for i in order])
    assert v.verdict == NOT_REPRODUCED and v.statistic == "fails"
    assert (v.value, v.ci_low, v.ci_high, v.n) == (given[1].value, given[1].ci_low, given[1].ci_high, 3)
    assert v.parts[0] is given[1] and set(map(id, v.parts)) == set(map(id, given))
    assert v.why == given[1].why


def test_an_inconclusive_claim_shows_the_part_that_could_not_tell():
    holds, unclear = compare(HOLDS, 0.0, ">", "holds"), compare(UNCLEAR, 0.0, ">", "unclear")
    v = all_of(holds, unclear)
    assert v.verdict == INCONCLUSIVE and v.statistic == "unclear" and v.value == unclear.value
    assert v.parts == (unclear, holds)


def test_a_reproduced_claim_shows_its_primary_part_and_why_says_how_many_others_failed():
    first, second = compare(HOLDS, 0.0, ">", "first"), compare([0.3, 0.4, 0.5], 0.0, ">", "second")
    v = all_of(first, second)
    assert v.verdict == REPRODUCED and v.statistic == "first" and v.why == "" and v.parts == (first, second)
    two = all_of(first, compare(FAILS, 0.0, ">", "a"), compare(FAILS, 0.0, ">", "b"))
    assert two.statistic == "a" and two.why.endswith("(as is 1 other part)")


def test_detail_lists_every_part_with_its_verdict_in_the_notation():
    v = all_of(compare(HOLDS, 0.0, ">", "holds"), compare(FAILS, 0.0, ">", "fails"))
    assert v.detail.startswith(f"holds: {REPRODUCED} (measured 0.60 [")
    assert f"; fails: {NOT_REPRODUCED} (measured \u22120.60 [" in v.detail and v.detail.endswith("the claim needs > 0)")


def test_measured_never_writes_an_inequality_that_could_read_false():
    v = compare([-0.0392, -0.0401, -0.0383, -0.0395, -0.0389], 0.0, ">", "gain")
    text = measured(v, "seeds")
    assert text.startswith("measured \u22120.0392 [\u22120.0400, \u22120.0384] (n = 5 seeds); the claim needs > 0")
    assert measured(compare([0.03, 0.04, 0.035], 0.02, "<", "x")).endswith("the claim needs < 0.02")
    assert measured(compare([], 0.0, ">", "x")) == "no data; the claim needs > 0"


def test_as_dict_is_flat_with_the_parts_under_their_own_key():
    v = all_of(compare(HOLDS, 0.0, ">", "a"), exact([1e-9], 1e-6, "b"))
    row = v.as_dict()
    assert row["statistic"] == "a" and row["why"] == "" and [p["statistic"] for p in row["parts"]] == ["a", "b"]
    assert not any(isinstance(x, tuple) for x in row.values())


def test_seed_sd_recovers_the_standard_deviation_behind_an_interval():
    values = [0.1, 0.4, 0.2, 0.35, 0.3]
    assert seed_sd(compare(values, 0.0, ">", "x")) == pytest.approx(np.std(values, ddof=1))
    assert seed_sd(compare([0.3], 0.0, ">", "x")) == 0.0


def test_at_chance_tells_a_net_that_learned_nothing_from_one_that_learned():
    assert at_chance([0.10, 0.11, 0.09], chance=0.1, margin=0.05)
    assert not at_chance([0.60, 0.62, 0.58], chance=0.1, margin=0.05)
    assert not at_chance([math.nan], chance=0.1, margin=0.05)


def test_floor_makes_a_comparison_of_two_nets_at_chance_inconclusive_and_says_so():
    gap = compare([0.0, 0.0, 0.0], 0.05, ">", "train accuracy gap")  # both at chance: exactly 0, "not reproduced"
    assert gap.verdict == NOT_REPRODUCED
    v = floor(gap)
    assert v.verdict == INCONCLUSIVE and v.why.startswith(f"{FLOOR} both at chance")
    assert (v.value, v.ci_low, v.ci_high, v.n) == (gap.value, gap.ci_low, gap.ci_high, gap.n)
    assert floor(gap, "both nets at chance at depth 10").why.startswith("floor: both nets at chance at depth 10")


# ---- bounded statistics: intervals inside the range ---------------------------------------
# one seed of five fails to train: accuracy differences (the referee's 0.716 [0.409, 1.023])
ONE_FAILS = [0.9, 0.88, 0.92, 0.9, -0.02]


def test_an_interval_that_would_leave_its_range_is_cut_to_it():
    _, low, high, _ = t_interval(ONE_FAILS)
    assert high > 1  # the plain t-interval runs past the largest difference of two accuracies
    v = compare(ONE_FAILS, 0.0, ">", "accuracy difference", bounds=ACCURACY_DIFFERENCE)
    assert (v.ci_low, v.ci_high) == (pytest.approx(low), 1.0) and v.value == pytest.approx(np.mean(ONE_FAILS))
    turned_up = compare([1.0, 1.0, 0.8, 1.0, 0.9], 0.5, ">", "fraction", bounds=FRACTION)
    assert turned_up.ci_high == 1.0 and turned_up.ci_low < 1.0
    low_accuracy = compare([0.0, 0.0, 0.2], 0.5, "<", "accuracy", bounds=ACCURACY)
    assert low_accuracy.ci_low == 0.0 and low_accuracy.verdict == REPRODUCED


def test_an_interval_inside_its_range_is_left_as_it_is():
    plain, bounded = compare(HOLDS, 0.0, ">", "g"), compare(HOLDS, 0.0, ">", "g", bounds=ACCURACY_DIFFERENCE)
    assert (bounded.value, bounded.ci_low, bounded.ci_high) == (plain.value, plain.ci_low, plain.ci_high)


def test_cutting_the_interval_to_the_range_never_moves_a_verdict():
    """A threshold inside the range is passed by the cut interval exactly when by the uncut one."""
    rng = np.random.default_rng(0)
    words = set()
    for _ in range(400):
        n = int(rng.integers(2, 6))
        values = np.clip(rng.normal(rng.uniform(-1, 1), rng.uniform(0, 0.8), n), -1, 1)
        threshold, direction = float(rng.uniform(-1, 1)), str(rng.choice([">", "<"]))
        plain = compare(values, threshold, direction, "d")
        cut = compare(values, threshold, direction, "d", bounds=ACCURACY_DIFFERENCE)
        assert cut.verdict == plain.verdict and -1 <= cut.ci_low <= cut.ci_high <= 1
        words.add(cut.verdict)
    assert words == {REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE}  # every word was at stake


def test_an_end_cut_onto_the_threshold_is_a_tie_not_the_claimed_side():
    """'fraction > 0' whose interval reaches below 0: cut at 0, it ends on the threshold: inconclusive."""
    v = compare([0.0, 0.0, 0.3], 0.0, ">", "fraction", bounds=FRACTION)
    assert v.ci_low == 0.0 == v.threshold and v.verdict == INCONCLUSIVE
    assert "straddles 0" in v.why
    v = compare([1.0, 1.0, 0.7], 1.0, "<", "fraction", bounds=FRACTION)
    assert v.ci_high == 1.0 == v.threshold and v.verdict == INCONCLUSIVE
    # every seed exactly at the threshold: no interval at all, still a tie
    assert compare([0.0, 0.0, 0.0], 0.0, ">", "fraction", bounds=FRACTION).verdict == INCONCLUSIVE


def test_the_seed_sd_survives_a_cut_interval():
    """The robustness look moves a threshold of 0 by half the seeds' SD: a cut interval must not shrink it."""
    v = compare(ONE_FAILS, 0.0, ">", "d", bounds=ACCURACY_DIFFERENCE)
    assert seed_sd(v) == pytest.approx(np.std(ONE_FAILS, ddof=1))
    assert seed_sd(all_of(v, compare(HOLDS, 0.0, ">", "h"))) == pytest.approx(np.std(ONE_FAILS, ddof=1))


def test_a_value_or_threshold_outside_the_range_is_an_error_that_names_it():
    with pytest.raises(ValueError, match=r"accuracy: values \[1.2\] lie outside the statistic's range \[0, 1\]"):
        compare([0.9, 1.2, 0.8], 0.5, ">", "accuracy", bounds=ACCURACY)
    with pytest.raises(ValueError, match=r"accuracy: threshold 1.5 lies outside the statistic's range \[0, 1\]"):
        compare([0.9, 0.8], 1.5, "<", "accuracy", bounds=ACCURACY)
    # a threshold that could not be computed (NaN) is undecidable, not out of range; NaN values are left out
    assert compare([0.9, 0.8, math.nan], math.nan, ">", "accuracy", bounds=ACCURACY).verdict == INCONCLUSIVE


# ---- outcomes of two kinds: counts -------------------------------------------------------------
def test_seeds_that_split_into_two_kinds_are_said_as_counts():
    relu, sigmoid = [0.95, 0.93, 0.96, 0.94, 0.1], [0.11, 0.1, 0.09, 0.1, 0.1]
    said = counts({"relu": relu, "sigmoid": sigmoid}, 0.119, "train", "final train accuracy")
    assert said.startswith("relu: 4 of 5 seeds train; sigmoid: 0 of 5 (final train accuracy > 0.119)")
    # a NaN (a pair left out) is no seed of either kind
    assert counts({"relu": relu[:3] + [math.nan, 0.1]}, 0.119, "train", "a") == (
        "relu: 3 of 4 seeds train (a > 0.119): the seeds split into two kinds of outcome; the mean describes neither")


def test_seeds_of_one_kind_are_not_said_as_counts():
    assert counts({"relu": [0.95, 0.93, 0.96], "sigmoid": [0.1, 0.11, 0.09]}, 0.119, "train", "a") == ""
    assert counts({"relu": [0.1, 0.1], "sigmoid": [0.1, 0.1]}, 0.119, "train", "a") == ""
    assert counts({"relu": []}, 0.119, "train", "a") == ""
    # a value at the cut is within chance's noise: it does not train
    assert counts({"relu": [0.119, 0.9]}, 0.119, "train", "a").startswith("relu: 1 of 2 seeds train")
