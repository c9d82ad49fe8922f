"""A claimed gain against the smallest effect of interest (claims.effects): each outcome."""

import pytest

from dltips.claims.effects import NO_DIFFERENCE, gain
from dltips.verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED


@pytest.mark.parametrize("values, verdict, why", [
    ([0.050, 0.052, 0.048], REPRODUCED, ""),                      # wholly above the smallest effect
    ([0.005, 0.006, 0.004], INCONCLUSIVE, NO_DIFFERENCE),          # a gain, but inside +-0.01: no difference
    ([-0.004, 0.004, 0.000], INCONCLUSIVE, NO_DIFFERENCE),         # either sign, inside +-0.01
    ([-0.050, -0.052, -0.048], NOT_REPRODUCED, "the whole interval lies below"),  # the opposite, beyond it
    ([-0.020, -0.010, -0.015], NOT_REPRODUCED, "the whole interval lies below"),  # a loss, reaching past -0.01
    ([-0.0092, -0.006, -0.0028], NOT_REPRODUCED, "no gain of interest"),  # below +0.01, reaching past -0.01 and 0
    ([0.000, 0.030, 0.015], INCONCLUSIVE, "the interval straddles"),               # reaches past +0.01
])
def test_a_gain_is_judged_against_the_smallest_effect_of_interest(values, verdict, why):
    v = gain(values, 0.01, "gain")
    assert v.verdict == verdict and v.why.startswith(why) and v.threshold == 0.01


def test_no_difference_needs_a_positive_smallest_effect():
    assert gain([0.0, 0.0, 0.0], 0.0, "gain").verdict == INCONCLUSIVE  # a point at 0 is a tie, not a gain
    with pytest.raises(ValueError, match="smallest effect of interest must be >= 0"):
        gain([0.1, 0.2], -0.01, "gain")
