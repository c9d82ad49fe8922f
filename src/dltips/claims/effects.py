"""A claimed gain judged against the smallest effect of interest, fixed in advance.

A claim that A beats B ("stopping improves test loss", "L1 leaves more near-zero weights")
needs a difference of at least `smallest` on the claimed side, `smallest` fixed before the
data from theory, the contrasted effect or the measurement's resolution (Lakens 2017), and
said in the setting's why. Per seed one difference, the Student-t interval over seeds:
  reproduced       the whole interval lies above `smallest`
  no difference    the whole interval lies inside (-smallest, +smallest): a difference too
                   small to be of interest either way; inconclusive, and `why` says so, never
                   "not reproduced", which would claim the opposite
  not reproduced   the whole interval lies below `smallest` and reaches below -smallest: no
                   gain of interest; `why` says "the opposite" only where the whole interval
                   lies below 0
  inconclusive     otherwise
"""

from dataclasses import replace

from ..verdicts import INCONCLUSIVE, NOT_REPRODUCED, Verdict, compare, number

NO_DIFFERENCE = "no difference"  # a `why` that starts so: inside the smallest effect of interest


def gain(values, smallest: float, statistic: str, name: str = "", detail: str = "",
         bounds: tuple[float, float] | None = None) -> Verdict:
    """Whether mean(values) > `smallest` (>= 0), with "no difference" where the interval lies
    within +-smallest (module docstring); `bounds`: the statistic's range (verdicts.compare)."""
    if smallest < 0:
        raise ValueError(f"{statistic}: the smallest effect of interest must be >= 0, got {smallest}")
    v = compare(values, smallest, ">", statistic, detail=detail, name=name, bounds=bounds)
    if v.verdict == NOT_REPRODUCED and v.ci_low >= -smallest:
        return replace(v, verdict=INCONCLUSIVE,
                       why=f"{NO_DIFFERENCE}: the whole interval lies within ±{number(smallest)}, the smallest "
                           f"effect of interest, on neither side of it")
    if v.verdict == NOT_REPRODUCED and v.ci_high >= 0:
        return replace(v, why=f"no gain of interest: the whole interval lies below {number(smallest)}, the "
                              f"smallest effect of interest, and reaches below −{number(smallest)}")
    return v
